// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: the calls the layers carry out under --overlay, where the
 * kernel alone would change the wrong layer or show it raw:
 *
 *   unlink, unlinkat, rmdir   the upper entry goes, a whiteout hides
 *                             the lower one (a directory must be empty
 *                             in the merged view)
 *   mkdir, mkdirat            over a hidden lower name: an opaque dir
 *                             (else passed on, on the upper path)
 *   rename, renameat,         the source is copied up whole (a directory
 *   renameat2                 with all its children, then opaque), moved
 *                             in UPPER, and its old name whited out
 *   link, linkat              the source is copied up first: a hard link
 *                             never reaches a lower inode (both in
 *                             fs_layer_move.c; (fd, "") with AT_EMPTY_PATH
 *                             in fs_layer_fdpath.c)
 *   getdents64                merged listing (fs_dirents.c)
 *   fchmod, fchown,           on a descriptor open on a lower file (read
 *   fsetxattr, fremovexattr,  only: a writer was opened on the upper copy):
 *   utimensat(fd, NULL)       the file is copied up and this process's
 *                             descriptors moved to the copy first (with
 *                             fchownat and fchmodat2, also on (fd, "")
 *                             with AT_EMPTY_PATH: fs_layer_fdpath.c)
 *   access, faccessat(2)      with W_OK, a lower entry is copied up first:
 *                             the answer is whether the write that follows
 *                             (which copies up) can succeed
 *
 * Everything else that changes the root was pointed at UPPER by
 * fs_layer_prepare (copy-up before the call) and passes on. Permission
 * to change a directory of the lower layer is not checked against the
 * lower directory: the upper copy belongs to the user.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define K_AT_REMOVEDIR		0x200
#define K_EXDEV			18

int (*fs_layer_fd_not_lower)(int fd);
int (*fs_layer_fd_upper_only)(int fd);
int (*fs_layer_fd_outside)(int fd);
void (*fs_layer_fd_listing)(struct cse_call *call, int fd);
void (*fs_layer_fd_named)(int fd, const char *rel, const char *host);

/* The same numbers as fs_layer_call's. */
const long fs_layer_syscalls[] = {
	__NR_unlink, __NR_unlinkat, __NR_rmdir, __NR_mkdir, __NR_mkdirat,
	__NR_rename, __NR_renameat, __NR_renameat2, __NR_link, __NR_linkat,
	__NR_getdents64, __NR_access, __NR_faccessat, __NR_faccessat2,
	__NR_fchmod, __NR_fchown, __NR_fsetxattr, __NR_fremovexattr, __NR_utimensat,
	CSE_SYSCALLS_END
};

/*
 * The notes of the path stage, one record per call in flight, found by
 * the call's address (no system call to ask the thread id). A record
 * may be stale: an earlier call at the same address whose handler did
 * not run, and whose argument this call did not note (a path outside
 * the view). So a REL is used only when the host path the call carries
 * is that REL's upper or lower path; otherwise the handler reads REL
 * from an upper host path, which a call that changes the root always
 * has (fs_layer_prepare), or leaves the call alone.
 */
#define NOTE_SLOTS 256
struct note {
	struct cse_call *call;
	int32_t in_root[6];
	const char *rel[6];
};
static struct note notes[NOTE_SLOTS];

static struct note *note_of(const struct cse_call *call)
{
	return &notes[((uintptr_t)call >> 4) % NOTE_SLOTS];
}

/* One of fs_layer_syscalls (a switch: asked on every call). */
FS_HOT int fs_layer_call(long nr)
{
	switch (nr) {
	case __NR_unlink: case __NR_unlinkat: case __NR_rmdir: case __NR_mkdir:
	case __NR_mkdirat: case __NR_rename: case __NR_renameat: case __NR_renameat2:
	case __NR_link: case __NR_linkat: case __NR_getdents64: case __NR_access:
	case __NR_faccessat: case __NR_faccessat2: case __NR_fchmod: case __NR_fchown:
	case __NR_fsetxattr: case __NR_fremovexattr: case __NR_utimensat:
		return 1;
	default:
		return 0;
	}
}

/* Only the calls fs_layer_handle carries out read the notes. */
static int noted_call(long nr)
{
	return fs_layer_call(nr);
}

void fs_layer_note(struct cse_call *call, int arg, int in_root, const char *rel)
{
	struct note *n;
	size_t len;
	char *copy;

	if (arg < 0 || arg >= 6 || !call || !noted_call(call->nr))
		return;
	n = note_of(call);
	len = cse_strlen(rel);
	copy = lay_svc->scratch(call, len + 1);
	if (n->call != call) {
		n->call = call;
		for (int i = 0; i < 6; i++) {
			n->rel[i] = NULL;
			n->in_root[i] = -1;
		}
	}
	n->in_root[arg] = in_root;
	if (copy) {
		for (size_t i = 0; i <= len; i++)
			copy[i] = rel[i];
	}
	n->rel[arg] = copy;
	if (!copy)
		n->in_root[arg] = -1;
}

/* host is path (trailing '/' aside). */
static int same_path(const char *host, const char *path)
{
	size_t n = cse_strlen(path);

	if (cse_strncmp(host, path, n))
		return 0;
	while (host[n] == '/')
		n++;
	return !host[n];
}

/* The noted REL of argument arg, when the host path agrees with it. */
static const char *noted(struct cse_call *call, int arg, int *in_root)
{
	struct note *n = note_of(call);
	const char *host = (const char *)call->args[arg];
	LAY_BUF(p);

	*in_root = -1;
	if (!p || n->call != call || n->in_root[arg] < 0 || !host)
		return NULL;
	if (!n->in_root[arg]) {
		*in_root = 0;
		return NULL;
	}
	if ((!lay_upper_path(n->rel[arg], p, FS_PATH_MAX) && same_path(host, p)) ||
	    (!lay_lower_path(n->rel[arg], p, FS_PATH_MAX) && same_path(host, p))) {
		*in_root = 1;
		return n->rel[arg];
	}
	return NULL;
}

/* REL of path argument arg, or NULL when it is not in the root layer. */
static const char *rel_of(struct cse_call *call, int arg, char *buf, size_t size)
{
	const char *host = (const char *)call->args[arg];
	const char *r;
	size_t at = 0;
	int in_root;

	r = noted(call, arg, &in_root);
	if (r || in_root == 0)
		return r;
	/* No usable note: an upper host path names its REL. */
	if (!host || cse_strncmp(host, lay_upper, lay_upper_len) ||
	    (host[lay_upper_len] != '/' && host[lay_upper_len]))
		return NULL;
	host += lay_upper_len;
	while (*host == '/')
		host++;
	while (*host && at + 1 < size) {
		char name[256];
		size_t k = 0;

		while (host[k] && host[k] != '/' && k < sizeof(name) - 1) {
			name[k] = host[k];
			k++;
		}
		name[k] = 0;
		host += k;
		while (*host == '/')
			host++;
		lay_name_unescape(name, buf + at + (at ? 1 : 0), size - at - 1);
		if (at)
			buf[at] = '/';
		at = cse_strlen(buf);
	}
	buf[at] = 0;
	return buf;
}

void fs_layer_exit(struct cse_call *call)
{
	struct note *n = note_of(call);

	if (n->call == call)
		n->call = NULL;
}

/* REL + "/" + name into out. */
static int child(const char *rel, const char *name, char *out, size_t size)
{
	return cse_snprintf(lay_svc, out, size, rel[0] ? "%s/%s" : "%s%s", rel,
			    name) >= (int)size ? -K_ENAMETOOLONG : 0;
}

/*
 * For each name of directory path (upper names unescaped, markers left
 * out): fn(ctx, name); a non-zero answer stops the listing and is
 * returned.
 */
static int each_name(const char *path, int upper, int (*fn)(void *, const char *),
		     void *ctx)
{
	LAY_BUF(buf);
	char name[256];
	long fd, n;
	int r = 0;

	if (!buf)
		return -K_ENOMEM;

	fd = lay_sys(__NR_open, path, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	while (!r && (n = lay_sys(__NR_getdents64, fd, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
		for (long off = 0; !r && off < n;) {
			struct dent *d = (struct dent *)(buf + off);

			off += d->reclen;
			if (dots(d->name) || (upper && lay_name_hidden(d->name)))
				continue;
			if (upper)
				lay_name_unescape(d->name, name, sizeof(name));
			r = fn(ctx, upper ? name : d->name);
		}
	}
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	return r;
}

struct walk_ctx {
	const char *rel;
	int depth;
};

static int any_name(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return 1;
}

static int visible_name(void *ctx, const char *name)
{
	struct walk_ctx *c = ctx;
	LAY_BUF(sub);
	struct lay_where w;
	if (!sub)
		return 1;	/* not known empty */

	if (child(c->rel, name, sub, FS_PATH_MAX))
		return 0;
	return lay_where(sub, &w) == 0;
}

/* 0 when directory REL (where w) is empty in the merged view. */
int lay_merged_empty(const char *rel, const struct lay_where *w)
{
	LAY_BUF(p);
	struct walk_ctx c = { rel, 0 };
	if (!p)
		return -K_ENOMEM;

	if (w->upper && !lay_upper_path(rel, p, FS_PATH_MAX) &&
	    each_name(p, 1, any_name, NULL) > 0)
		return -K_ENOTEMPTY;
	if (w->lower && !lay_lower_path(rel, p, FS_PATH_MAX) &&
	    each_name(p, 0, visible_name, &c) > 0)
		return -K_ENOTEMPTY;
	return 0;
}

/* Move an upper directory out of sight and remove it. */
int lay_drop_upper_dir(const char *up)
{
	LAY_BUF(tmp);
	long r = cow_work_name(tmp, FS_PATH_MAX);
	if (!tmp)
		return -K_ENOMEM;

	if (!r)
		r = lay_sys(__NR_rename, up, tmp, 0, 0, 0, 0);
	if (r)
		return (int)r;
	lay_rm_tree(tmp);
	return 0;
}

static long do_remove(const char *rel, int dir)
{
	LAY_BUF(up);
	LAY_BUF(wh);
	size_t n = cse_strlen(rel);
	struct lay_where w;
	long r;
	if (!up || !wh)
		return -K_ENOMEM;

	if (!*rel)
		return -16;	/* EBUSY: the root */
	r = lay_where(rel, &w);
	if (r)
		return r;
	if (dir && !is_dir(&w.st))
		return -K_ENOTDIR;
	if (!dir && is_dir(&w.st))
		return -K_EISDIR;
	if (dir && (r = lay_merged_empty(rel, &w)))
		return r;
	if (lay_upper_path(rel, up, FS_PATH_MAX) || lay_whiteout_path(rel, wh, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	lay_lock();
	if (w.lower_any) {
		ix_set(rel, n, IX_WHITEOUT, 0);
		r = cow_whiteout(wh);
	}
	if (!r && w.upper) {
		struct cse_kstat gone;

		fs_owner_removing(up, &gone);
		r = dir ? lay_drop_upper_dir(up) : lay_sys(__NR_unlink, up, 0, 0, 0, 0, 0);
		if (!r)
			fs_owner_removed(&gone);
	}
	if (!r)
		ix_set(rel, n, 0, IX_UPPER | IX_DIR | IX_OPAQUE);
	lay_unlock();
	return r;
}

/*
 * mkdir of REL. A name the lower layer never had is made by the kernel's
 * own call on the upper path (written to *pass, the call passes on, so
 * later elements see it: the id element records its owner); over a
 * removed lower name the opaque directory is made here (*pass NULL).
 */
static long do_mkdir(const char *rel, uint32_t mode, char *pass)
{
	LAY_BUF(up);
	LAY_BUF(low);
	struct cse_kstat st;
	struct lay_where w;
	int opaque;
	long r;
	if (!up || !low)
		return -K_ENOMEM;

	/* Below a new directory: the kernel's mkdir says EEXIST itself, and
	 * the index is not asked there (no flags to set). */
	if (pass && lay_upper_only(rel)) {
		if (lay_upper_path(rel, pass, FS_PATH_MAX))
			return -K_ENAMETOOLONG;
		return 0;
	}
	r = lay_where(rel, &w);
	if (r == 0)
		return -K_EEXIST;
	if (r != -K_ENOENT)
		return r;
	if (lay_upper_path(rel, up, FS_PATH_MAX) || lay_lower_path(rel, low, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	/* A lower directory of that name was removed: it must not show again
	 * (LOWER is not asked below a whiteout or an opaque directory). */
	opaque = w.parent_low &&
		 lay_sys(__NR_newfstatat, K_AT_FDCWD, low, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0) == 0;
	if (!opaque && pass) {
		/* Flags before the directory exists, as for other creations
		 * (fs_layer_prepare): a failed mkdir leaves flags the disk
		 * walk corrects. */
		ix_set(rel, cse_strlen(rel), IX_UPPER | IX_DIR | IX_OPAQUE, 0);
		size_t n = cse_strlen(up);

		for (size_t i = 0; i <= n; i++)
			pass[i] = up[i];
		return 0;
	}
	if (pass)
		pass[0] = 0;
	lay_lock();
	/*
	 * A directory the lower layer has nothing of is opaque for lookups
	 * (in the index only: the rebuild at the next start does not know,
	 * and then looks at the lower layer, as correct and slower).
	 */
	ix_set(rel, cse_strlen(rel), IX_UPPER | IX_DIR | IX_OPAQUE, 0);
	if (opaque)
		r = cow_mkdir(NULL, NULL, up, 1, mode);
	else
		r = lay_sys(__NR_mkdir, up, mode, 0, 0, 0, 0);
	lay_unlock();
	return r;
}

static void fd_copy_up_lower(int fd, size_t n);
static enum cse_verdict path_call(struct cse_call *call);

/* A metadata change through descriptor fd: a lower file is copied up
 * first and the descriptor moved onto the copy (fs_cow_fds.c). */
static void fd_copy_up(int fd)
{
	size_t n = lay_lower_real_len;

	/* Without --root LOWER is "/" and only the view knows which host
	 * paths are the root layer's (not /proc, /dev, binds): not done. */
	if (n <= 1 || (fs_layer_fd_not_lower && fs_layer_fd_not_lower(fd)))
		return;	/* or opened on an upper path: nothing to copy */
	fd_copy_up_lower(fd, n);
}

static void fd_copy_up_lower(int fd, size_t n)
{
	LAY_BUF(link);
	LAY_BUF(host);
	LAY_BUF(up);
	long t;

	if (!link || !host || !up)
		return;
	cse_snprintf(lay_svc, link, FS_PATH_MAX, "/proc/self/fd/%d", fd);
	t = lay_sys(__NR_readlink, link, host, FS_PATH_MAX - 1, 0, 0, 0);
	if (t <= 0)
		return;
	host[t] = 0;
	if (cse_strncmp(host, lay_lower_real, n) || (host[n] && host[n] != '/'))
		return;
	if (lay_copy_up(host[n] ? host + n + 1 : "", 1) ||
	    lay_upper_path(host[n] ? host + n + 1 : "", up, FS_PATH_MAX))
		return;
	cow_move_fds(host, up);
}

enum cse_verdict fs_layer_handle(struct cse_call *call)
{
	long *x = call->args;

	if (!fs_layer_overlay())
		return CSE_PASS;
	switch (call->nr) {
	case __NR_getdents64:
		call->ret = dir_getdents(call);
		return call->ret == -K_ENOSYS ? CSE_PASS : CSE_DONE;
	case __NR_utimensat:
		if (x[1])	/* a path, prepared by the view, or "" */
			return fs_layer_empty_path(call);
		/* fall through */
	case __NR_fchmod:
	case __NR_fchown:
	case __NR_fsetxattr:
	case __NR_fremovexattr:
		fd_copy_up((int)x[0]);
		return CSE_PASS;
	default:
		return path_call(call);
	}
}

/* The layers' calls on paths (fs_layer_handle). */
static enum cse_verdict path_call(struct cse_call *call)
{
	LAY_BUF(b0);
	LAY_BUF(b1);
	const char *a, *b;
	long *x = call->args;
	if (!b0 || !b1) {
		call->ret = -K_ENOMEM;
		return CSE_DONE;
	}

	switch (call->nr) {
	case __NR_unlink:
	case __NR_rmdir:
		if (!(a = rel_of(call, 0, b0, FS_PATH_MAX)))
			return CSE_PASS;
		call->ret = do_remove(a, call->nr == __NR_rmdir);
		return CSE_DONE;
	case __NR_unlinkat:
		if ((x[2] & ~K_AT_REMOVEDIR) || !(a = rel_of(call, 1, b0, FS_PATH_MAX)))
			return CSE_PASS;
		call->ret = do_remove(a, !!(x[2] & K_AT_REMOVEDIR));
		return CSE_DONE;
	case __NR_mkdir:
	case __NR_mkdirat: {
		int i = call->nr == __NR_mkdirat;

		char *up = lay_svc->scratch(call, FS_PATH_MAX);

		if (!(a = rel_of(call, i, b0, FS_PATH_MAX)))
			return CSE_PASS;
		call->ret = do_mkdir(a, (uint32_t)x[i + 1], up);
		if (call->ret || !up || !up[0])
			return CSE_DONE;
		x[i] = (long)up;	/* the kernel's mkdir of the upper path */
		if (i)
			x[0] = K_AT_FDCWD;
		return CSE_PASS;
	}
	case __NR_rename:
	case __NR_renameat:
	case __NR_renameat2: {
		int i = call->nr != __NR_rename;

		a = rel_of(call, i, b0, FS_PATH_MAX);
		b = rel_of(call, i ? 3 : 1, b1, FS_PATH_MAX);
		if (!a && !b)
			return CSE_PASS;
		/* Between the root layer and a bind or tmpfs: as across mounts. */
		call->ret = (!a || !b) ? -K_EXDEV :
			lay_rename(a, b, call->nr == __NR_renameat2 ? (unsigned long)x[4] : 0);
		return CSE_DONE;
	}
	case __NR_access:
	case __NR_faccessat:
	case __NR_faccessat2: {
		int i = call->nr != __NR_access;
		struct lay_where w;
		char *up;

		if (!(x[i + 1] & K_W_OK) || !(a = rel_of(call, i, b0, FS_PATH_MAX)) ||
		    lay_where(a, &w) || w.upper)
			return CSE_PASS;
		up = lay_svc->scratch(call, FS_PATH_MAX);
		if (!up || lay_copy_up(a, 1) || lay_upper_path(a, up, FS_PATH_MAX))
			return CSE_PASS;	/* the kernel answers for the lower one */
		x[i] = (long)up;
		if (i)
			x[0] = K_AT_FDCWD;
		return CSE_PASS;
	}
	case __NR_link:
	case __NR_linkat: {
		int i = call->nr == __NR_linkat;

		if (i && (x[4] & K_AT_EMPTY_PATH))
			return fs_layer_empty_path(call);
		a = rel_of(call, i, b0, FS_PATH_MAX);
		b = rel_of(call, i ? 3 : 1, b1, FS_PATH_MAX);
		if (!a && !b)
			return CSE_PASS;
		call->ret = (!a || !b) ? -K_EXDEV : lay_link(a, b);
		return CSE_DONE;
	}
	}
	return CSE_PASS;
}
