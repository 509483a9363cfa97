// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: the resolver (svc->path_stage), guest path -> host path.
 *
 * The guest path is walked component by component in user space over
 * the mount table (fs.h): ".." pops a component and never goes above the
 * view's root, a symlink's text is spliced in (absolute targets start
 * again at the view's root), a mount's guest path switches to its host
 * directory. The kernel then gets a host path without symlinks of the
 * guest's own, so it never follows one out of the view.
 *
 * Cost: a component is checked for being a symlink with one readlinkat.
 * "Not a symlink" answers are cached per process, keyed by the guest
 * path: a warm lookup makes no system call. Such an answer turns false
 * only when a symlink appears at the path, which symlink() and link()
 * of a symlink do at their new name, and rename() anywhere (a whole tree
 * moves). So the instance state holds a generation for all paths, which
 * every rename bumps (before and after the call), and one per hash
 * bucket, which symlink and link bump for their new name; an answer
 * holds while both are as they were. Changes made by processes outside
 * the application are not seen until the next rename inside it
 * (documented).
 *
 * A relative path that stays below its start directory, crosses no mount
 * point and meets no symlink is handed to the kernel unchanged (with its
 * dirfd), so tar-like relative work pays nothing more than the checks.
 * Otherwise (an overlay, a mount below) the host path the walk found is
 * still handed on relative to dirfd when it lies below dirfd's host
 * directory with the same bytes as the guest path below dirfd's guest
 * one (fs_dir_tail): the kernel looks up fewer components.
 */
#include "fs_resolve.h"

/*
 * The walk's buffers: never on the stack, which may be an application's
 * small sigaltstack (a trapped call's handler runs there). A call's
 * scratch memory; the runtime's own accesses (call NULL: exec checks)
 * share one set under a lock.
 */
struct fs_bufs {
	char todo[2 * FS_PATH_MAX];
	char g[FS_PATH_MAX];
	char link[FS_PATH_MAX];
	char back[FS_PATH_MAX];
};
static struct fs_bufs shared_bufs;
static struct cse_lock shared_lock;

static struct fs_bufs *bufs_get(struct cse_call *c)
{
	if (c)
		return fs_svc->scratch(c, sizeof(struct fs_bufs));
	fs_svc->lock(&shared_lock);
	return &shared_bufs;
}

static void bufs_put(struct cse_call *c)
{
	if (!c)
		fs_svc->unlock(&shared_lock);
}

void fs_resolve_fork(void)
{
	shared_lock.owner = 0;	/* a holder thread of the parent is not here */
}

/*
 * After one component was pushed onto a path whose mount is w->m: the
 * deepest mount above the longer path is a mount exactly at it, or
 * still w->m (any other mount above it is above its parent too). Only
 * lengths are compared until one matches: no string work per mount.
 */
static void set_mount_pushed(struct walk *w)
{
	for (int i = 1; i < fs_nmounts; i++) {
		const struct fs_mount *m = &fs_mounts[i];

		if (fs_mglen[i] == w->n && !cse_strncmp(w->g, m->guest, w->n)) {
			w->m = m;
			break;
		}
	}
	if (w->m != w->start)
		w->crossed = 1;
}

/* The hash of the path so far, extended from its parent's when it can. */
static uint64_t walk_hash(struct walk *w, size_t parent_n)
{
	if (w->hn == parent_n)
		w->h = fsr_hash_more(w->h, w->g + parent_n, w->n - parent_n);
	else
		w->h = fsr_hash(w->g, w->n);
	w->hn = w->n;
	return w->h;
}

static int push(struct walk *w, const char *c, size_t len)
{
	if (w->n + 1 + len >= FS_PATH_MAX)
		return -K_ENAMETOOLONG;
	w->g[w->n++] = '/';
	fs_copy(w->g + w->n, c, len);
	w->n += len;
	w->g[w->n] = 0;
	return 0;
}

static void pop(struct walk *w)
{
	while (w->n > w->floor && w->g[w->n - 1] != '/')
		w->n--;
	if (w->n > w->floor)
		w->n--;
	if (w->n < w->base)
		w->simple = 0;
	w->g[w->n] = 0;
}

/*
 * A mount point lies below w->g: the directories leading to a --bind or
 * --tmpfs GUEST are walked through even when the root lacks them (they
 * are not listed in their parent: create them in the root for that).
 */
static int holds_mount(const struct walk *w)
{
	for (int i = 1; i < fs_nmounts; i++) {
		const struct fs_mount *m = &fs_mounts[i];

		if (fs_mglen[i] > w->n && fs_under(m->guest, m->glen, w->g, w->n))
			return 1;
	}
	return 0;
}

/*
 * Walk todo (tn bytes, not NUL-terminated needed) from w. nofollow: the
 * last component is not followed. Returns 0 with w->g the physical
 * guest path, *rest_at >= 0 when the walk stopped early at a missing or
 * unreachable component (todo + *rest_at is what the kernel must still
 * walk, and will fail on), or -errno.
 */
static int walk(struct walk *w, char *todo, size_t tn, int nofollow, long *rest_at)
{
	size_t i = 0;

	*rest_at = -1;
	w->m = w->start = fs_mount_of(w->g, w->n);
	w->hn = (size_t)-1;
	while (i < tn) {
		size_t s, len, parent_n;
		int last, r;
		char *link = w->link;
		long ln;
		uint64_t h, tg;

		while (i < tn && todo[i] == '/')
			i++;
		s = i;
		while (i < tn && todo[i] != '/')
			i++;
		len = i - s;
		if (!len)
			break;
		if (len == 1 && todo[s] == '.') {
			w->unsure = 1;
			continue;
		}
		if (len == 2 && todo[s] == '.' && todo[s + 1] == '.') {
			w->unsure = 1;
			pop(w);
			set_mount(w);
			continue;
		}
		parent_n = w->n;
		r = push(w, todo + s, len);
		if (r)
			return r;
		{
			const struct fs_mount *m = w->m;

			set_mount_pushed(w);
			if (m != w->m)
				w->simple = 0;
		}
		/* the last component: only '/'s follow */
		last = 1;
		for (size_t j = i; j < tn; j++)
			if (todo[j] != '/') {
				last = 0;
				break;
			}
		if (last && nofollow && i == tn) {
			w->nofollow_last = 1;	/* what is known holds for the parent */
			w->parent_n = parent_n;
			break;
		}
		/*
		 * The last component under /proc/PID (fd/N, cwd, exe, status):
		 * magic link or not, the kernel takes it from here as the walk
		 * would leave it. Not /proc/PID/root (the view's root), nor
		 * for openat2, whose RESOLVE_NO_*LINKS need to know.
		 */
		if (last && w->proc_lazy && w->m->kind == FS_PROC && fsr_proc_lazy(w)) {
			w->unsure = 1;
			w->simple = 0;
			break;
		}
		if (!last && w->m->kind == FS_PROC &&
		    (r = fsr_proc_self_fd(w, parent_n, todo, i, tn)) != FSR_SELF_NO) {
			w->unsure = 1;	/* a symlink, followed by the kernel */
			w->simple = 0;
			if (++w->links > FS_SYMLINKS_MAX)
				return -K_ELOOP;
			if (r == FSR_SELF_WALK)
				continue;
			/* and the magic link: the kernel reaches the same object */
			w->magic = 1;
			if (++w->links > FS_SYMLINKS_MAX)
				return -K_ELOOP;
			return push(w, todo + i + 1, tn - i - 1);
		}
		h = walk_hash(w, parent_n);
		tg = fsr_tag_now(h);	/* taken before the readlink: a change after it shows */
		if (fsr_no_link(h, tg))
			continue;
		r = fs_host_of(w->g, w->n, link, FS_PATH_MAX);
		if (r)
			return r;
		ln = fs_sys(__NR_readlinkat, K_AT_FDCWD, (long)link, (long)link, FS_PATH_MAX - 1);
		if (ln == -K_EINVAL) {
			fsr_no_link_learn(h, tg);
			continue;
		}
		if (ln < 0) {
			w->unsure = 1;
			if (ln == -K_ENOENT && !last && holds_mount(w))
				continue;	/* a mount point's missing parent */
			/* missing, not a directory, no permission: the kernel
			 * stops at the same component with the same error */
			if (!last)
				*rest_at = (long)i;
			return 0;
		}
		if (ln >= FS_PATH_MAX - 1)
			return -K_ENAMETOOLONG;
		link[ln] = 0;
		w->unsure = 1;
		if (++w->links > FS_SYMLINKS_MAX)
			return -K_ELOOP;
		w->simple = 0;
		if (w->m->kind == FS_PROC) {
			int pr = fsr_proc_link(w, todo, &tn, &i, last, (size_t)ln);

			if (pr == FSR_WALK_ON)
				continue;
			if (pr == FSR_STOP)
				break;
			if (pr == FSR_KERNEL) {
				*rest_at = 0;	/* not in the view: the kernel's walk */
				return 0;
			}
		}
		/* splice: todo = link text + the remaining components */
		if ((size_t)ln + (tn - i) + 1 >= 2 * FS_PATH_MAX)
			return -K_ENAMETOOLONG;
		fs_move(todo + ln, todo + i, tn - i);
		fs_copy(todo, link, (size_t)ln);
		tn = (size_t)ln + (tn - i);
		todo[tn] = 0;
		i = 0;
		if (link[0] == '/')
			to_root(w);
		else
			pop(w);
		set_mount(w);
	}
	return 0;
}

/* s starts with a "." or ".." component. */
static int dot_part(const char *s)
{
	return s[0] == '.' && (s[1] == '/' || !s[1] || (s[1] == '.' && (s[2] == '/' || !s[2])));
}

/*
 * A path written the way walks leave it ("/a/b", or "a/b" relative to
 * the physical guest path in w->g: no "//", ".", "..", or trailing '/')
 * whose every component is known to be no symlink (see whole[]): w->g
 * is set to the whole guest path. A directory's guest path is physical
 * (walked, or the kernel's own) and the whole answers die with any
 * rename, symlink or link, so a relative path asks the same table: one
 * lookup in place of one per component below its directory.
 * RESOLVE_NO_XDEV calls walk, which notes crossed mounts.
 */
static int whole_hit(struct walk *w, const char *p, size_t tn, uint64_t gen, uint32_t intent,
		     int nofollow)
{
	int rel = p[0] != '/';
	size_t n = w->n + rel + tn, kn = n;
	uint64_t h;

	if (tn < 2 - (size_t)rel || n >= FS_PATH_MAX || p[tn - 1] == '/' ||
	    (intent & CSE_PATH_NO_XDEV) || (rel && dot_part(p)))
		return 0;
	for (size_t i = 0; i < tn; i++) {
		if (p[i] != '/')
			continue;
		if (p[i + 1] == '/' || dot_part(p + i + 1))
			return 0;
	}
	if (rel)
		w->g[w->n] = '/';
	fs_copy(w->g + w->n + rel, p, tn + 1);
	/* A last component not followed need not be known: its parent must
	 * (the view's root always is). */
	if (nofollow) {
		while (kn > 0 && w->g[kn - 1] != '/')
			kn--;
		kn = kn ? kn - 1 : 0;
	}
	h = fsr_hash(w->g, kn);
	if (kn > fs_vroot_len && !fsr_whole_known(h, gen)) {
		w->g[w->n] = 0;
		return 0;
	}
	w->n = n;
	return 1;
}

static int walk_guest(struct fs_bufs *b, const char *path, char *out, size_t size);
static int resolve(struct cse_path_req *req, struct fs_bufs *b);

/* Guest path as the process names it (absolute or cwd-relative). */
int fs_walk_guest(const char *path, char *out, size_t size)
{
	struct fs_bufs *b = bufs_get(NULL);
	int r = walk_guest(b, path, out, size);

	bufs_put(NULL);
	return r;
}

static int walk_guest(struct fs_bufs *b, const char *path, char *out, size_t size)
{
	struct walk w = { .g = b->g, .link = b->link, .back = b->back };
	char *todo = b->todo;
	size_t tn = cse_strlen(path);
	long rest;
	int r;

	if (tn >= FS_PATH_MAX)
		return -K_ENAMETOOLONG;
	w.floor = fs_vroot_len;
	fs_copy(w.g, fs_vroot, fs_vroot_len + 1);
	w.n = fs_vroot_len;
	if (path[0] != '/') {
		long n = fs_dir_guest(K_AT_FDCWD, w.g, FS_PATH_MAX, b->link);

		if (n < 0)
			return n == FS_NOT_IN_VIEW ? -K_ENOENT : (int)n;
		w.n = (size_t)n;
	}
	w.base = w.n;
	w.simple = 1;
	w.links = 0;
	w.magic = 0;
	fs_copy(todo, path, tn + 1);
	r = walk(&w, todo, tn, 0, &rest);
	if (r)
		return r;
	if (rest >= 0)
		return -K_ENOENT;
	if (w.n + 1 > size)
		return -K_ENAMETOOLONG;
	fs_copy(out, w.g, w.n + 1);
	return (int)w.n;
}

int fs_renames(long nr)
{
	return nr == __NR_rename || nr == __NR_renameat || nr == __NR_renameat2;
}

/* Calls that return a descriptor on their path (fs_fd_opened). */
static int opens(long nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_openat2 || nr == __NR_creat;
}

/* Calls that may make a symlink at their new name. */
static int makes_link(long nr)
{
	return nr == __NR_symlink || nr == __NR_symlinkat || nr == __NR_link ||
	       nr == __NR_linkat;
}

/*
 * openat2's RESOLVE_NO_SYMLINKS (no symlink at all) and
 * RESOLVE_NO_MAGICLINKS (no /proc/PID magic link): the walk met what
 * they forbid, so the kernel (given the walked path) cannot refuse it.
 */
static int refused_links(const struct cse_path_req *req, const struct walk *w)
{
	struct { uint64_t flags, mode, resolve; } how;

	if (req->nr != __NR_openat2 || !req->call ||
	    fs_svc->copy_from_app(&how, (const void *)req->call->args[2], sizeof(how)))
		return 0;
	return ((how.resolve & 0x04) && w->links) || ((how.resolve & 0x06) && w->magic);
}

static int writes(uint32_t intent)
{
	return intent & (CSE_PATH_WRITE | CSE_PATH_CREATE | CSE_PATH_REMOVE);
}

/*
 * A relative path may reach the kernel as a tail below its start
 * directory (fs_dir_tail) unless the call's handler reads its host path (the
 * layers' calls, chroot), the runtime resolves for itself (call NULL:
 * exec checks), or the path is a program or a socket address.
 */
static int dir_tail_ok(const struct cse_path_req *req)
{
	if (!req->call || (req->intent & (CSE_PATH_EXEC | CSE_PATH_SOCKET)) ||
	    req->nr == __NR_chroot || req->nr == __NR_execve || req->nr == __NR_execveat)
		return 0;
	if (req->nr == __NR_utimensat && req->call->args[1])
		return 1;	/* its handler only acts on a descriptor */
	return !fs_layer_call(req->nr);
}

FS_HOT int fs_resolve(struct cse_path_req *req)
{
	struct fs_bufs *b;
	int r;

	if (req->intent & CSE_PATH_SYMLINK_TARGET)
		return 0;
	if (req->path[0] != '/' && fsr_upper_name(req))
		return 0;	/* the kernel walks the one name from dirfd */
	b = bufs_get(req->call);
	if (!b)
		return -K_ENOMEM;
	r = resolve(req, b);
	bufs_put(req->call);
	return r;
}

static int resolve(struct cse_path_req *req, struct fs_bufs *b)
{
	struct walk w = { .g = b->g, .link = b->link, .back = b->back };
	char *todo = b->todo;
	const char *p = req->path;
	size_t tn = cse_strlen(p);
	int rel = p[0] != '/', nofollow, r;
	uint64_t wgen = 0;
	long rest;

	if (req->intent & CSE_PATH_SYMLINK_TARGET)
		return 0;
	/* openat2 RESOLVE_BENEATH/IN_ROOT: the kernel walks the path itself,
	 * confined to dirfd, which was opened through the view already. */
	if (opens(req->nr))
		fs_fd_resolved(req->call, 0);
	if (req->intent & (CSE_PATH_BENEATH | CSE_PATH_IN_ROOT))
		return 0;
	if (fs_renames(req->nr))
		fs_changed();
	if (tn >= FS_PATH_MAX)
		return -K_ENAMETOOLONG;
	w.floor = fs_vroot_len;
	fs_copy(w.g, fs_vroot, fs_vroot_len + 1);
	w.n = fs_vroot_len;
	if (rel) {
		long n = fs_dir_guest(req->dirfd, w.g, FS_PATH_MAX, b->link);

		if (n == FS_NOT_IN_VIEW)
			return 0;	/* outside the view (or not a directory): the kernel answers */
		if (n < 0)
			return (int)n;
		w.n = (size_t)n;
		if (w.n < w.floor)
			w.floor = 0;	/* a cwd outside chroot(): as native */
	}	/* an absolute path starts on the root's mount, as the kernel's */
	w.base = w.n;
	w.simple = rel && !fs_upper[0];
	w.links = 0;
	w.magic = 0;
	w.crossed = 0;
	/*
	 * A call that may change what /proc/PID/fd/N names must read the
	 * link: the kernel would follow it to the lower file, bypassing
	 * the copy-up.
	 */
	w.magic_last = writes(req->intent) && fs_upper[0];
	w.proc_kernel = req->nr != __NR_openat2;
	w.proc_lazy = req->nr != __NR_openat2 &&
		      !(req->intent & (CSE_PATH_WRITE | CSE_PATH_CREATE | CSE_PATH_REMOVE |
				       CSE_PATH_EXEC | CSE_PATH_DIR | CSE_PATH_SOCKET));
	/* A relative walk starts at a physical guest path: its whole path
	 * is known free of symlinks when no component below it is one. */
	w.unsure = 0;
	w.nofollow_last = 0;
	/* "name/" follows the last symlink even for NOFOLLOW calls */
	nofollow = (req->intent & CSE_PATH_NOFOLLOW) && p[tn - 1] != '/';
	wgen = fsr_whole_gen();
	if (whole_hit(&w, p, tn, wgen, req->intent, nofollow)) {
		/* the walk's notes of crossed mounts were not taken */
		w.simple = 0;
		rest = -1;
		goto walked;
	}
	fs_copy(todo, p, tn + 1);
	r = walk(&w, todo, tn, nofollow, &rest);
	if (r)
		return r;
	if (!w.unsure && rest < 0) {
		size_t kn = w.nofollow_last ? w.parent_n : w.n;

		if (kn > fs_vroot_len)
			fsr_whole_learn(fsr_hash(w.g, kn), wgen);
	}
walked:
	if ((w.links || w.magic) && refused_links(req, &w))
		return -K_ELOOP;
	/*
	 * RESOLVE_NO_XDEV against the view's mounts (root layer, each bind,
	 * tmpfs, /proc, /sys, /dev), as a chroot with those mounts answers.
	 * The kernel would judge the rewritten host path against the host's
	 * mounts instead, so the flag is cleared, unless the kernel walks the
	 * same names from dirfd (then it also sees mounts inside a bind).
	 */
	if (req->intent & CSE_PATH_NO_XDEV) {
		if (w.crossed)
			return -K_EXDEV;
		if (!(w.simple && rest < 0))
			req->intent &= ~CSE_PATH_NO_XDEV;
	}
	if ((req->intent & CSE_PATH_CREATE) && makes_link(req->nr))
		fsr_changed_one(w.g, w.n);
	if ((req->nr == __NR_mkdir || req->nr == __NR_mkdirat) && rest < 0)
		fsr_mkdir_note(req->call, w.g, w.n);
	w.m = fs_mount_of(w.g, w.n);
	if (opens(req->nr))
		fs_fd_resolved(req->call, w.m->kind != FS_ROOT ? FS_FDR_OUTSIDE : 0);
	if (w.m->ro && writes(req->intent))
		return -K_EROFS;
	if (w.simple && rest < 0)
		return 0;	/* the kernel walks the same names from dirfd */
	if (w.m->kind == FS_ROOT && fs_upper[0] && rest < 0) {
		const char *relp = w.n ? w.g + 1 : "";

		int only = 0;

		fs_layer_note(req->call, req->arg, 1, relp);
		if (writes(req->intent))
			r = fs_layer_prepare(req->call, relp, req->intent, req->out, req->out_size);
		else
			r = fs_layer_find(relp, req->out, req->out_size, NULL, &only);
		if (only && opens(req->nr))
			fs_fd_resolved(req->call, FS_FDR_UPPER_ONLY);
		if (r && r != -K_ENOENT)
			return r;
	} else {
		if (fs_upper[0])	/* the layers' handlers only act under --overlay */
			fs_layer_note(req->call, req->arg, 0, "");
		r = fs_host_of(w.g, w.n, req->out, req->out_size);
		if (r)
			return r;
	}
	{
		size_t on = cse_strlen(req->out), at = 0;
		const char *tail = rest >= 0 ? todo + rest : (p[tn - 1] == '/' ? "/" : "");
		size_t t = cse_strlen(tail);

		if (on + t + 1 > req->out_size)
			return -K_ENAMETOOLONG;
		if (rel && dir_tail_ok(req))
			at = fs_dir_tail(req->dirfd, req->out, on, w.g, w.n);
		if (on == 1 && req->out[0] == '/' && tail[0] == '/')
			t = 0;
		fs_copy(req->out + on, tail, t + 1);
		if (at) {	/* dirfd stays: the kernel walks the tail from it */
			fs_move(req->out, req->out + at, on + t + 1 - at);
			return 1;
		}
	}
	if (rel)
		req->dirfd = K_AT_FDCWD;
	return 1;
}
