// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: where a relative path starts, as a physical guest path.
 *
 * The working directory's guest and host paths are kept per process
 * (threads share them, as they share the kernel's cwd): read with getcwd
 * at setup, after every chdir, fchdir and chroot the process makes, and
 * at the first use after a rename in the application (a directory above
 * it may have moved), so a relative path costs no system call.
 *
 * A dirfd's guest and host paths are kept for the directories the
 * process opens with O_DIRECTORY (what fts, find, rm -r and tar -C
 * use), or that a listing named (fs_dirents.c): the
 * descriptor table (svc->fd_track) follows the descriptor through dup,
 * close and fork and carries a slot of a per-process table of paths.
 * Any other descriptor, one from before an exec (the slot table is the
 * image's: values carry the image's number), and a directory renamed
 * after it was opened by a process outside the application's renames
 * (every rename drops the table's answers) are read from the kernel:
 * readlink /proc/self/fd/N and the reverse map, one system call.
 */
#include "fs.h"

#define SLOTS		256
#define SLOT_LEN	512

/*
 * value: quiet (1 bit) | image (15 bits) | sequence (32) | marks (8) |
 * slot (8); a sequence of 0 carries no path. The mark FDV_NOT_LOWER (the
 * descriptor was opened on an upper path: it can never be on a lower
 * file) holds in every image: an upper file never becomes a lower one.
 * So does FDV_UPPER_ONLY (opened below upper directories under which
 * LOWER shows nothing: a directory that stays so, renamed or not).
 * A FDV_NOT_LOWER descriptor is quiet (services.h fd_quiet) for the
 * layers' descriptor calls (quiet_calls): they have nothing to copy up.
 */
#define FDV_NOT_LOWER	0x8000ull
#define FDV_UPPER_ONLY	0x4000ull
#define FDV_OUTSIDE	0x2000ull	/* a bind, --tmpfs, /proc...: in every image */
#define FDV_SLOT	0xffull
#define FDV_IMAGE	0x7fffull
static struct {
	uint32_t seq;		/* 0 while written */
	uint32_t len;
	uint64_t gen;		/* the rename generation it was taken under */
	char path[SLOT_LEN];
	uint32_t hlen;		/* 0: the host path is not known */
	char host[SLOT_LEN];	/* the kernel's path of the directory */
} slots[SLOTS];
static uint32_t next_seq = 1, next_slot;
static uint64_t image;
static int fs_elem = -1;

static const struct cse_fd_ops fd_ops = { 0 };

/* fs_layer_handle's descriptor calls: only a lower file is copied up. */
static const long quiet_calls[] = {
	__NR_fchmod, __NR_fchown, __NR_fsetxattr, __NR_fremovexattr, __NR_utimensat,
	CSE_SYSCALLS_END
};

/* A table value: image, marks and the quiet bit they imply, and rest. */
static uint64_t fd_value(uint64_t marks, uint64_t rest)
{
	return image << 48 | marks | rest | (marks & FDV_NOT_LOWER ? CSE_FD_QUIET : 0);
}

/*
 * Remember that fd names the physical guest path g (len n; g NULL: no
 * path) and host path h (hn bytes; NULL: not known), with marks.
 * fresh: fd is what the call in hand returned.
 */
FS_HOT static void remember_as(int fd, const char *g, size_t n, const char *h, size_t hn,
			uint64_t marks, int fresh, int rel)
{
	uint32_t seq, k;

	if (fs_elem < 0)
		return;
	if (!g || n + !!(rel && n) >= SLOT_LEN) {
		if (marks)
			fs_svc->fd_set(fs_elem | (fresh ? CSE_FD_NEW : 0), fd, fd_value(marks, 0));
		return;
	}
	seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
	seq = seq ? seq : 1;
	k = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) % SLOTS;
	__atomic_store_n(&slots[k].seq, 0, __ATOMIC_RELEASE);
	slots[k].gen = __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE);
	if (rel && n) {	/* REL of the root layer: "/" + REL */
		slots[k].path[0] = '/';
		fs_copy(slots[k].path + 1, g, n + 1);
		n++;
	} else {
		fs_copy(slots[k].path, g, n + 1);
	}
	slots[k].len = (uint32_t)n;
	slots[k].hlen = h && hn && hn < SLOT_LEN ? (uint32_t)hn : 0;
	fs_copy(slots[k].host, h, slots[k].hlen);
	slots[k].host[slots[k].hlen] = 0;
	__atomic_store_n(&slots[k].seq, seq, __ATOMIC_RELEASE);
	fs_svc->fd_set(fs_elem | (fresh ? CSE_FD_NEW : 0), fd,
		       fd_value(marks, (uint64_t)seq << 16 | k));
}

FS_HOT static void remember(int fd, const char *g, size_t n, const char *h, size_t hn,
		     uint64_t marks, int fresh)
{
	remember_as(fd, g, n, h, hn, marks, fresh, 0);
}

/* Directory fd (in use by the call in hand: open) is REL of the root
 * layer, an upper one at host: its physical guest path is "/" + REL. */
static void named(int fd, const char *rel, const char *host)
{
	remember_as(fd, rel, cse_strlen(rel), host, cse_strlen(host), FDV_NOT_LOWER, 1, 1);
}

static int not_lower(int fd)
{
	return fs_elem >= 0 && (fs_svc->fd_get(fs_elem, fd) & FDV_NOT_LOWER);
}

static int upper_only(int fd)
{
	return fs_elem >= 0 && (fs_svc->fd_get(fs_elem, fd) & FDV_UPPER_ONLY);
}

FS_HOT int fs_fd_upper_only(int fd)
{
	return upper_only(fd);
}

FS_HOT int fs_fd_upper_object(int fd)
{
	uint64_t v = fs_elem >= 0 ? fs_svc->fd_get(fs_elem, fd) : 0;

	return (v & (FDV_NOT_LOWER | FDV_OUTSIDE)) == FDV_NOT_LOWER;
}

static int outside(int fd)
{
	return fs_elem >= 0 && (fs_svc->fd_get(fs_elem, fd) & FDV_OUTSIDE);
}

static void listing(struct cse_call *c, int fd);

void fs_fd_setup(const struct cse_setup *s)
{
	/* Unique per process image: values from before an exec never match. */
	image = (uint64_t)__atomic_add_fetch(&fs_st->images, 1, __ATOMIC_RELAXED) & FDV_IMAGE;
	if (s->svc->fd_track(s->id, &fd_ops) == 0) {
		if (s->svc->size >= offsetof(struct cse_services, fd_quiet) + sizeof(s->svc->fd_quiet))
			s->svc->fd_quiet(s->id, quiet_calls);
		fs_elem = s->id;
		fs_layer_fd_not_lower = not_lower;
		fs_layer_fd_upper_only = upper_only;
		fs_layer_fd_outside = outside;
		fs_layer_fd_listing = listing;
		fs_layer_fd_named = named;
	}
}

/* The slot of fd's remembered paths (*seq its sequence), or -1. */
FS_HOT static int slot_of(int fd, uint32_t *seq)
{
	uint64_t v;
	uint32_t k;

	if (fs_elem < 0)
		return -1;
	v = fs_svc->fd_get(fs_elem, fd);
	if (!v || ((v >> 48) & FDV_IMAGE) != image)
		return -1;
	k = (uint32_t)(v & FDV_SLOT);
	*seq = (uint32_t)(v >> 16);
	if (!*seq || k >= SLOTS || __atomic_load_n(&slots[k].seq, __ATOMIC_ACQUIRE) != *seq ||
	    slots[k].gen != __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE))
		return -1;
	return (int)k;
}

/* The slot was not rewritten since slot_of gave it. */
static int slot_same(int k, uint32_t seq)
{
	return __atomic_load_n(&slots[k].seq, __ATOMIC_ACQUIRE) == seq;
}

FS_HOT int fs_fd_upper_dir(int fd, uint64_t *h, size_t *len)
{
	uint32_t seq;
	int k = slot_of(fd, &seq);

	if (k < 0 || !upper_only(fd))
		return 0;
	*len = slots[k].len;
	*h = fsr_hash(slots[k].path, *len);
	return slot_same(k, seq);
}

/* The remembered path of fd, its length, or -1. */
static long recall(int fd, char *out, size_t size)
{
	uint32_t seq, len;
	int k = slot_of(fd, &seq);

	if (k < 0)
		return -1;
	len = slots[k].len;
	if (len + 1 > size)
		return -1;
	fs_copy(out, slots[k].path, len + 1);
	return slot_same(k, seq) ? (long)len : -1;	/* else rewritten meanwhile */
}

/* The remembered host path of directory fd, its length, or -1. */
static long recall_host(int fd, char *out, size_t size)
{
	uint32_t seq, len;
	int k = slot_of(fd, &seq);

	if (k < 0 || !(len = slots[k].hlen) || len + 1 > size)
		return -1;
	fs_copy(out, slots[k].host, len + 1);
	return slot_same(k, seq) ? (long)len : -1;
}

/*
 * A directory's host path dh (dhn bytes) and physical guest path dg
 * (dgn bytes); host path host (hn bytes) of guest path g (gn bytes):
 * the offset in host of a tail below the directory that both paths
 * continue with the same bytes (no mount switched, no name escaped,
 * so the kernel walks the same names from the directory), else 0.
 */
static size_t tail_at(const char *dh, size_t dhn, const char *dg, size_t dgn,
		      const char *host, size_t hn, const char *g, size_t gn)
{
	if (hn > dhn + 1 && gn > dgn && host[dhn] == '/' && g[dgn] == '/' &&
	    hn - dhn == gn - dgn && !cse_strncmp(host, dh, dhn) && !cse_strncmp(g, dg, dgn) &&
	    !cse_strncmp(host + dhn, g + dgn, gn - dgn))
		return dhn + 1;
	return 0;
}

/*
 * The working directory: its physical guest path and the kernel's own
 * (host) path, read together and under the rename generation current
 * then. Readers take no lock: cwd_seq is odd while a refresh writes.
 */
static char cwd[FS_PATH_MAX];
static long cwd_len = FS_NOT_IN_VIEW;
static char cwd_host[FS_PATH_MAX];
static size_t cwd_hlen;
static uint64_t cwd_gen;
static uint32_t cwd_seq;
static char cwd_tmp[FS_PATH_MAX];	/* under cwd_lock: not on the stack */
static struct cse_lock cwd_lock;

void fs_fd_fork(void)
{
	cwd_lock.owner = 0;
	/* a refresh cut short in the parent by the fork: read it again */
	if (cwd_seq & 1) {
		cwd_seq++;
		cwd_gen = ~__atomic_load_n(&fs_st->gen, __ATOMIC_RELAXED);
	}
}

/* Host path of the kernel's answer into a physical guest path. */
static long guest_of(const char *host, long n, char *out, size_t size)
{
	static const char deleted[] = " (deleted)";
	size_t dn = sizeof(deleted) - 1;

	if (n <= 0 || host[0] != '/')
		return FS_NOT_IN_VIEW;
	if ((size_t)n > dn && !cse_strcmp(host + n - dn, deleted))
		return FS_NOT_IN_VIEW;	/* a removed directory: the kernel answers */
	return fs_reverse_phys(host, out, size);
}

void fs_cwd_refresh(void)
{
	uint64_t gen;
	long n;

	fs_svc->lock(&cwd_lock);
	/* taken first: a rename during the getcwd makes the next use read again */
	gen = __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE);
	n = fs_sys(__NR_getcwd, (long)cwd_tmp, sizeof(cwd_tmp), 0, 0);
	__atomic_store_n(&cwd_seq, cwd_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	cwd_len = n <= 0 ? FS_NOT_IN_VIEW : guest_of(cwd_tmp, n - 1, cwd, sizeof(cwd));
	cwd_hlen = cwd_len >= 0 ? (size_t)n - 1 : 0;
	fs_copy(cwd_host, cwd_tmp, cwd_hlen);
	cwd_host[cwd_hlen] = 0;
	cwd_gen = gen;
	__atomic_store_n(&cwd_seq, cwd_seq + 1, __ATOMIC_RELEASE);
	fs_svc->unlock(&cwd_lock);
}

/* The cwd's sequence number for a reader, once no refresh is writing;
 * the cwd read again first when a rename happened since it was read
 * (a directory above it may have moved). */
static uint32_t cwd_begin(void)
{
	uint32_t s;

	if (__atomic_load_n(&cwd_gen, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE))
		fs_cwd_refresh();
	while ((s = __atomic_load_n(&cwd_seq, __ATOMIC_ACQUIRE)) & 1)
		;
	return s;
}

/* What the reader read since cwd_begin (s) is whole. */
static int cwd_end(uint32_t s)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&cwd_seq, __ATOMIC_RELAXED) == s;
}

/*
 * A path the kernel walks from dirfd (or the cwd) rather than from "/":
 * fewer components for it to look up (tail_at).
 */
size_t fs_dir_tail(int dirfd, const char *host, size_t hn, const char *g, size_t gn)
{
	uint32_t s;
	size_t at;
	long cl;
	int k;

	if (dirfd != K_AT_FDCWD) {
		k = slot_of(dirfd, &s);
		if (k < 0 || !slots[k].hlen)
			return 0;
		at = tail_at(slots[k].host, slots[k].hlen, slots[k].path, slots[k].len,
			     host, hn, g, gn);
		return slot_same(k, s) ? at : 0;
	}
	s = cwd_begin();
	cl = cwd_len;
	at = cl < 0 ? 0 : tail_at(cwd_host, cwd_hlen, cwd, (size_t)cl, host, hn, g, gn);
	return cwd_end(s) ? at : 0;
}

/* The cwd lies in UPPER: so does what a tail below it reaches. */
static int cwd_in_upper(void)
{
	uint32_t s = cwd_begin();
	int up = cwd_len >= 0 && fs_layer_upper_path(cwd_host);

	return cwd_end(s) && up;
}

/* The host path of the cwd (dirfd AT_FDCWD) or of dirfd into out:
 * its length, or -1 when not known. */
static long dir_host(int dirfd, char *out, size_t size)
{
	for (;;) {
		uint32_t s;
		long n;

		if (dirfd != K_AT_FDCWD)
			return recall_host(dirfd, out, size);
		s = cwd_begin();
		n = cwd_len >= 0 && cwd_hlen + 1 <= size ? (long)cwd_hlen : -1;
		if (n >= 0)
			fs_copy(out, cwd_host, (size_t)n + 1);
		if (cwd_end(s))
			return n;
	}
}

long fs_dir_guest(int dirfd, char *out, size_t size, char *host)
{
	char name[32];
	long n;

	if (dirfd == K_AT_FDCWD) {
		for (;;) {
			uint32_t s = cwd_begin();

			n = cwd_len;
			if (n >= 0 && (size_t)n + 1 > size)
				return -K_ENAMETOOLONG;
			if (n >= 0)
				fs_copy(out, cwd, (size_t)n + 1);
			if (cwd_end(s))
				return n;
		}
	}
	if (dirfd < 0)
		return FS_NOT_IN_VIEW;	/* EBADF from the kernel */
	n = recall(dirfd, out, size);
	if (n >= 0)
		return n;
	cse_snprintf(fs_svc, name, sizeof(name), "/proc/self/fd/%d", dirfd);
	n = fs_sys(__NR_readlinkat, K_AT_FDCWD, (long)name, (long)host, FS_PATH_MAX - 1);
	if (n < 0)
		return FS_NOT_IN_VIEW;
	host[n] = 0;
	n = guest_of(host, n, out, size);
	if (n >= 0)
		remember(dirfd, out, (size_t)n, host, cse_strlen(host),
			 fs_layer_upper_path(host) ? FDV_NOT_LOWER : 0, 0);
	return n;
}

/*
 * Where the view resolved an open's path, per call in flight (found by
 * the call's address): outside the root layer (a --bind, --tmpfs,
 * /proc), the descriptor is never on a LOWER file, even when its host
 * path lies in the --root tree (a bind of a directory of the root);
 * upper-only (FS_FDR_UPPER_ONLY), neither is anything below it.
 */
#define OPEN_NOTES 64
static struct {
	struct cse_call *call;
	int where;
} open_notes[OPEN_NOTES];

FS_HOT void fs_fd_resolved(struct cse_call *c, int where)
{
	unsigned int k = (unsigned int)((uintptr_t)c >> 4) % OPEN_NOTES;

	if (!c)
		return;
	__atomic_store_n(&open_notes[k].where, where, __ATOMIC_RELAXED);
	__atomic_store_n(&open_notes[k].call, c, __ATOMIC_RELEASE);
}

/* Where the open c was resolved (FS_FDR_*); its note is used up. */
FS_HOT static int resolved_where(struct cse_call *c)
{
	unsigned int k = (unsigned int)((uintptr_t)c >> 4) % OPEN_NOTES;
	int out;

	if (__atomic_load_n(&open_notes[k].call, __ATOMIC_ACQUIRE) != c)
		return 0;
	out = __atomic_load_n(&open_notes[k].where, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&open_notes[k].call, &c, NULL, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return 0;	/* another call's note meanwhile */
	return out;
}

/* Append component c (len bytes) to path out (at *n, FS_PATH_MAX). */
static long put_name(char *out, long n, const char *c, size_t len)
{
	if (n < 0 || (size_t)n + 1 + len >= FS_PATH_MAX)
		return -1;
	out[n++] = '/';
	fs_copy(out + n, c, len);
	n += (long)len;
	out[n] = 0;
	return n;
}

/*
 * After a successful open: a descriptor opened on an upper path, or
 * outside the root layer, is marked (fs_layer_fd_not_lower), and with
 * O_DIRECTORY (dir) the
 * directory's guest and host paths are remembered. The path argument
 * is what the kernel got: a host path, the guest's own relative path
 * when the view handed it on unchanged (no symlink, no "..", no mount
 * crossed: lexical joining is right), or a tail below dirfd that is
 * the same in both (fs_dir_tail: lexical joining is right too).
 */
/* fd (opened by call c on path p, relative to dirfd) is a directory:
 * its guest and host paths are remembered. */
static void remember_dir(struct cse_call *c, int fd, int dirfd, const char *p, uint64_t marks,
			 int fresh)
{
	char *g = fs_svc->scratch(c, 3 * FS_PATH_MAX), *h;	/* not the stack */
	long n, hn;

	if (!g) {
		remember(fd, NULL, 0, NULL, 0, marks, fresh);
		return;
	}
	h = g + 2 * FS_PATH_MAX;
	if (p[0] == '/') {
		n = fs_reverse_phys(p, g, FS_PATH_MAX);
		hn = (long)cse_strlen(p);
		while (hn > 1 && p[hn - 1] == '/')
			hn--;
		fs_copy(h, p, (size_t)hn);
		h[hn] = 0;
	} else {
		size_t i = 0;

		n = fs_dir_guest(dirfd, g, FS_PATH_MAX, g + FS_PATH_MAX);
		hn = n >= 0 ? dir_host(dirfd, h, FS_PATH_MAX) : -1;
		while (n >= 0 && p[i]) {
			size_t s = i, len;

			while (p[i] && p[i] != '/')
				i++;
			len = i - s;
			while (p[i] == '/')
				i++;
			if (!len || (len == 1 && p[s] == '.'))
				continue;
			if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
				while (n > 0 && g[n - 1] != '/')
					n--;
				if (n > 0)
					n--;
				g[n] = 0;
				hn = -1;	/* the host path is not taken lexically */
				continue;
			}
			n = put_name(g, n, p + s, len);
			hn = put_name(h, hn, p + s, len);
		}
	}
	remember(fd, n >= 0 ? g : NULL, n >= 0 ? (size_t)n : 0,
		 hn > 0 ? h : NULL, hn > 0 ? (size_t)hn : 0, marks, fresh);
}

/*
 * Upper-only descriptors opened without O_DIRECTORY (fts, tar -c open
 * directories that way): the last few opens' paths, so that a listing
 * can name its directory without asking the kernel (fs_fd_listing).
 * value and dirval are the descriptor table's words of fd and dirfd at
 * the open (each carries a sequence of its own): an entry holds while
 * both are unchanged.
 */
#define RECENT 8
static struct {
	uint32_t busy;
	int fd, dirfd;
	uint64_t value, dirval;
	char p[SLOT_LEN];
} recent[RECENT];
static uint32_t recent_next;

/* A fresh descriptor word for fd with marks and a sequence of its own. */
FS_HOT static uint64_t mark_unique(int fd, uint64_t marks)
{
	uint32_t seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
	uint64_t v = fd_value(marks, (uint64_t)(seq ? seq : 1) << 16);

	/* slot 0's sequence is never this one: no path is recalled for it */
	fs_svc->fd_set(fs_elem | CSE_FD_NEW, fd, v);
	return v;
}

FS_HOT static void note_recent(int fd, int dirfd, const char *p, uint64_t marks)
{
	size_t n = cse_strlen(p);
	uint32_t k, zero = 0;

	if (fs_elem < 0 || n >= SLOT_LEN)
		return;
	k = __atomic_fetch_add(&recent_next, 1, __ATOMIC_RELAXED) % RECENT;
	if (!__atomic_compare_exchange_n(&recent[k].busy, &zero, 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		remember(fd, NULL, 0, NULL, 0, marks, 1);
		return;	/* another thread writes it */
	}
	recent[k].fd = fd;
	recent[k].dirfd = dirfd;
	recent[k].dirval = dirfd == K_AT_FDCWD ? 0 : fs_svc->fd_get(fs_elem, dirfd);
	recent[k].value = mark_unique(fd, marks);
	fs_copy(recent[k].p, p, n + 1);
	__atomic_store_n(&recent[k].busy, 0, __ATOMIC_RELEASE);
}

/* Directory fd was just listed (call c; it is open): remember its
 * paths from its open, when that was one of the last few. */
static void listing(struct cse_call *c, int fd)
{
	uint64_t v;
	uint32_t seq;

	if (fs_elem < 0 || slot_of(fd, &seq) >= 0)
		return;	/* known already */
	v = fs_svc->fd_get(fs_elem, fd);
	for (int k = 0; k < RECENT; k++) {
		uint32_t zero = 0;
		int dirfd;

		if (recent[k].value != v || recent[k].fd != fd ||
		    !__atomic_compare_exchange_n(&recent[k].busy, &zero, 1, 0, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		dirfd = recent[k].dirfd;
		if (recent[k].value == v && recent[k].fd == fd &&
		    (dirfd == K_AT_FDCWD || fs_svc->fd_get(fs_elem, dirfd) == recent[k].dirval))
			remember_dir(c, fd, dirfd, recent[k].p, v & (FDV_NOT_LOWER | FDV_UPPER_ONLY), 1);
		recent[k].value = 0;
		__atomic_store_n(&recent[k].busy, 0, __ATOMIC_RELEASE);
		return;
	}
}

FS_HOT void fs_fd_opened(struct cse_call *c, int dir)
{
	int at = c->nr == __NR_openat || c->nr == __NR_openat2;
	const char *p = (const char *)c->args[at];
	int dirfd = at ? (int)c->args[0] : K_AT_FDCWD;
	uint64_t marks;
	int rw;

	if (c->ret < 0 || !p || !p[0])
		return;
	rw = resolved_where(c);
	if (rw & FS_FDR_OUTSIDE)
		marks = FDV_NOT_LOWER | FDV_OUTSIDE;	/* a bind's file: never copied up */
	else if (rw & FS_FDR_UPPER_ONLY)
		marks = FDV_NOT_LOWER | FDV_UPPER_ONLY;
	else if (p[0] == '/')
		marks = fs_layer_upper_path(p) ? FDV_NOT_LOWER : 0;
	else	/* below an upper directory (the view's tail, or kept beneath it) */
		marks = (dirfd == K_AT_FDCWD ? cwd_in_upper() : not_lower(dirfd)) ? FDV_NOT_LOWER : 0;
	if (dir)
		remember_dir(c, (int)c->ret, dirfd, p, marks, 1);
	else if ((marks & FDV_UPPER_ONLY) && !(c->args[at + 1] & K_O_ACCMODE))
		note_recent((int)c->ret, dirfd, p, marks);
	else
		remember((int)c->ret, NULL, 0, NULL, 0, marks, 1);
}
