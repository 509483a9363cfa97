// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: where a relative path starts, as a physical guest path.
 *
 * The working directory's guest path is kept per process (threads share
 * it, as they share the kernel's cwd): read once with getcwd at setup and
 * again after every chdir, fchdir and chroot the process makes, so a
 * relative path costs no system call.
 *
 * A dirfd's guest path is kept for the directories the process opens
 * with O_DIRECTORY (what fts, find, rm -r and tar -C use): the
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
 * value: image (16 bits) | sequence (32) | marks (8) | slot (8); a
 * sequence of 0 carries no path. The mark FDV_NOT_LOWER (the descriptor
 * was opened on an upper path: it can never be on a lower file) holds
 * in every image: an upper file never becomes a lower one.
 */
#define FDV_NOT_LOWER	0x8000ull
#define FDV_SLOT	0xffull
static struct {
	uint32_t seq;		/* 0 while written */
	uint32_t len;
	uint64_t gen;		/* the rename generation it was taken under */
	char path[SLOT_LEN];
} slots[SLOTS];
static uint32_t next_seq = 1, next_slot;
static uint64_t image;
static int fs_elem = -1;

static const struct cse_fd_ops fd_ops = { 0 };

/*
 * Remember that fd names the physical guest path g (len n; g NULL: no
 * path), with marks. fresh: fd is what the call in hand returned.
 */
static void remember_as(int fd, const char *g, size_t n, uint64_t marks, int fresh, int rel)
{
	uint32_t seq, k;

	if (fs_elem < 0)
		return;
	if (!g || n + !!(rel && n) >= SLOT_LEN) {
		if (marks)
			fs_svc->fd_set(fs_elem | (fresh ? CSE_FD_NEW : 0), fd, image << 48 | marks);
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
	__atomic_store_n(&slots[k].seq, seq, __ATOMIC_RELEASE);
	fs_svc->fd_set(fs_elem | (fresh ? CSE_FD_NEW : 0), fd,
		       image << 48 | (uint64_t)seq << 16 | marks | k);
}

static void remember(int fd, const char *g, size_t n, uint64_t marks, int fresh)
{
	remember_as(fd, g, n, marks, fresh, 0);
}

/* Directory fd (in use by the call in hand: open) is REL of the root
 * layer, an upper one: its physical guest path is "/" + REL. */
static void named(int fd, const char *rel)
{
	remember_as(fd, rel, cse_strlen(rel), FDV_NOT_LOWER, 1, 1);
}

static int not_lower(int fd)
{
	return fs_elem >= 0 && (fs_svc->fd_get(fs_elem, fd) & FDV_NOT_LOWER);
}

void fs_fd_setup(const struct cse_setup *s)
{
	/* Unique per process image: values from before an exec never match. */
	image = (uint64_t)(__atomic_add_fetch(&fs_st->images, 1, __ATOMIC_RELAXED) & 0xffff);
	if (s->svc->fd_track(s->id, &fd_ops) == 0) {
		fs_elem = s->id;
		fs_layer_fd_not_lower = not_lower;
		fs_layer_fd_named = named;
	}
}

/* The remembered path of fd, its length, or -1. */
static long recall(int fd, char *out, size_t size)
{
	uint64_t v;
	uint32_t k, seq, len;

	if (fs_elem < 0)
		return -1;
	v = fs_svc->fd_get(fs_elem, fd);
	if (!v || v >> 48 != image)
		return -1;
	k = (uint32_t)(v & FDV_SLOT);
	seq = (uint32_t)(v >> 16);
	if (!seq || k >= SLOTS || __atomic_load_n(&slots[k].seq, __ATOMIC_ACQUIRE) != seq)
		return -1;
	len = slots[k].len;
	if (len + 1 > size || slots[k].gen != __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE))
		return -1;
	fs_copy(out, slots[k].path, len + 1);
	if (__atomic_load_n(&slots[k].seq, __ATOMIC_ACQUIRE) != seq)
		return -1;	/* rewritten meanwhile */
	return len;
}

static char cwd[FS_PATH_MAX];
static long cwd_len = FS_NOT_IN_VIEW;
static char cwd_host[FS_PATH_MAX];	/* under cwd_lock: not on the stack */
static struct cse_lock cwd_lock;

void fs_fd_fork(void)
{
	cwd_lock.owner = 0;
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
	long n;

	fs_svc->lock(&cwd_lock);
	n = fs_sys(__NR_getcwd, (long)cwd_host, sizeof(cwd_host), 0, 0);
	cwd_len = n <= 0 ? FS_NOT_IN_VIEW : guest_of(cwd_host, n - 1, cwd, sizeof(cwd));
	fs_svc->unlock(&cwd_lock);
}

long fs_dir_guest(int dirfd, char *out, size_t size, char *host)
{
	char name[32];
	long n;

	if (dirfd == K_AT_FDCWD) {
		if (cwd_len < 0)
			return cwd_len;
		if ((size_t)cwd_len + 1 > size)
			return -K_ENAMETOOLONG;
		fs_copy(out, cwd, (size_t)cwd_len + 1);
		return cwd_len;
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
		remember(dirfd, out, (size_t)n, fs_layer_upper_path(host) ? FDV_NOT_LOWER : 0, 0);
	return n;
}

/*
 * After a successful open: a descriptor opened on an upper path is
 * marked (fs_layer_fd_not_lower), and with O_DIRECTORY (dir) the
 * directory's guest path is remembered. The path argument is what the
 * kernel got: a host path, or the guest's own relative path when the
 * view handed it on unchanged (no symlink, no "..", no mount crossed:
 * lexical joining is right).
 */
void fs_fd_opened(struct cse_call *c, int dir)
{
	int at = c->nr != __NR_open;
	const char *p = (const char *)c->args[at];
	int dirfd = at ? (int)c->args[0] : K_AT_FDCWD;
	uint64_t marks;
	char *g;
	long n;

	if (c->ret < 0 || !p || !p[0])
		return;
	marks = p[0] == '/' && fs_layer_upper_path(p) ? FDV_NOT_LOWER : 0;
	if (!dir) {
		remember((int)c->ret, NULL, 0, marks, 1);
		return;
	}
	g = fs_svc->scratch(c, 2 * FS_PATH_MAX);	/* not the stack */
	if (!g) {
		remember((int)c->ret, NULL, 0, marks, 1);
		return;
	}
	if (p[0] == '/') {
		n = fs_reverse_phys(p, g, FS_PATH_MAX);
	} else {
		size_t i = 0;

		n = fs_dir_guest(dirfd, g, FS_PATH_MAX, g + FS_PATH_MAX);
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
				continue;
			}
			if ((size_t)n + 1 + len >= FS_PATH_MAX)
				n = -1;
			if (n < 0)
				break;
			g[n++] = '/';
			fs_copy(g + n, p + s, len);
			n += (long)len;
			g[n] = 0;
		}
	}
	remember((int)c->ret, n >= 0 ? g : NULL, n >= 0 ? (size_t)n : 0, marks, 1);
}
