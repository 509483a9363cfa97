// SPDX-License-Identifier: GPL-2.0
/*
 * The learned sites of a file (rewrite_learn.c), kept for the user across
 * instances: a cold start of a program this user ran before patches its
 * sites at load instead of trapping at each once.
 *
 * One small file per file key under ${XDG_CACHE_HOME:-$HOME/.cache}/
 * cse/sites/, named by device and inode, holding the whole key (device,
 * inode, size, mtime, ctime), the site offsets with their numbers, and a
 * checksum. The directory is the user's own, mode 0700 (else no cache);
 * files are written to a temporary name and renamed, read with one open
 * and one read of at most SITECACHE_MAX bytes. A file that does not
 * parse exactly (size, magic, key, counts, checksum) is ignored; one
 * that parses only names sites, and the rewriter checks each against the
 * bytes of the mapped text and its bounds before patching, as for sites
 * learned within an instance: a stale, corrupt or planted file can at
 * worst leave sites unpatched. Every step that fails (no HOME, a
 * read-only or full disk) silently leaves the cache out.
 *
 * The runtime's own system calls, made while no application code runs on
 * this thread (the loader, an mmap's return, exit_group): the fds live
 * for one call, errno is the kernel's return value here, never the
 * application's.
 */
#include "runtime.h"

#define SITECACHE_MAGIC	0x0a32657469732d63ull	/* "c-site2\n" */

/*
 * A program's file: this header, then per file it maps an entry header
 * and the entry's sites (offset from the file's bias | number << 32).
 */
struct sitecache_head {
	uint64_t magic;
	uint64_t prog[LEARN_IDENT];	/* the program's key */
	uint32_t nfiles;
	uint32_t sum;			/* FNV-1a over everything after the header */
};

struct sitecache_entry {
	uint64_t ident[LEARN_IDENT];	/* the mapped file's key */
	uint32_t nsites;
	uint32_t pad;
};

static uint32_t fnv(const uint8_t *b, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* dir/NAME for the program prog names (a temporary name when tmp). */
static int entry_path(char *out, size_t size, const char *dir, const uint64_t *prog, int tmp)
{
	int n = tmp ? rt_format(out, size, "%s/%lx-%lx.%ld.tmp", dir, (unsigned long)prog[0],
				(unsigned long)prog[1], rt_sys0(__NR_gettid))
		    : rt_format(out, size, "%s/%lx-%lx", dir, (unsigned long)prog[0],
				(unsigned long)prog[1]);

	return n > 0 && (size_t)n < size - 1 ? 0 : -1;
}

static uint8_t file_buf[SITECACHE_MAX + 8] RT_LARGE __attribute__((aligned(8)));

int sitecache_load(const char *dir, const uint64_t *prog,
		   void (*add)(const uint64_t *ident, const uint64_t *sites, uint32_t n))
{
	const struct sitecache_head *h = (const void *)file_buf;
	char path[SITECACHE_DIR_MAX + 64];
	size_t at = sizeof(*h);
	long fd, n;

	if (entry_path(path, sizeof(path), dir, prog, 0))
		return -1;
	fd = rt_sys4(__NR_openat, -100, path,
		     K_O_RDONLY | K_O_CLOEXEC | K_O_NOFOLLOW | K_O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* One read: a longer file (one more byte than the most) is not ours. */
	n = rt_sys3(__NR_read, fd, file_buf, sizeof(file_buf));
	rt_sys1(__NR_close, fd);
	if (n < (long)sizeof(*h) || n > (long)SITECACHE_MAX || h->magic != SITECACHE_MAGIC ||
	    memcmp(h->prog, prog, sizeof(h->prog)) || h->nfiles > SITECACHE_FILES ||
	    fnv(file_buf + sizeof(*h), (size_t)n - sizeof(*h)) != h->sum)
		return -1;
	/* Every count and size checked before anything is used. */
	for (uint32_t i = 0; i < h->nfiles; i++) {
		const struct sitecache_entry *e = (const void *)(file_buf + at);

		if ((size_t)n - at < sizeof(*e) || e->nsites > SITECACHE_SITES ||
		    (size_t)n - at - sizeof(*e) < e->nsites * sizeof(uint64_t))
			return -1;
		at += sizeof(*e) + e->nsites * sizeof(uint64_t);
		for (uint32_t k = 0; k < e->nsites; k++)
			if ((((const uint64_t *)(e + 1))[k] & ~LEARN_HOT) >> 48)
				return -1;	/* a number above 65535: not ours */
	}
	if (at != (size_t)n)
		return -1;
	at = sizeof(*h);
	for (uint32_t i = 0; i < h->nfiles; i++) {
		const struct sitecache_entry *e = (const void *)(file_buf + at);

		add(e->ident, (const uint64_t *)(e + 1), e->nsites);
		at += sizeof(*e) + e->nsites * sizeof(uint64_t);
	}
	return 0;
}

/* Start a program's file in the buffer: its size so far. */
size_t sitecache_begin(void)
{
	memset(file_buf, 0, sizeof(struct sitecache_head));
	return sizeof(struct sitecache_head);
}

/* One file's entry after at: the new size, or at when it does not fit. */
size_t sitecache_put(size_t at, const uint64_t *ident, const uint64_t *sites, uint32_t n)
{
	struct sitecache_head *h = (void *)file_buf;
	struct sitecache_entry e = { .nsites = n };

	if (n > SITECACHE_SITES || h->nfiles == SITECACHE_FILES ||
	    at + sizeof(e) + n * sizeof(uint64_t) > SITECACHE_MAX)
		return at;
	memcpy(e.ident, ident, sizeof(e.ident));
	memcpy(file_buf + at, &e, sizeof(e));
	memcpy(file_buf + at + sizeof(e), sites, n * sizeof(uint64_t));
	h->nfiles++;
	return at + sizeof(e) + n * sizeof(uint64_t);
}

/* The buffer (len bytes) as the program's file: a temporary, renamed. */
void sitecache_write(const char *dir, const uint64_t *prog, size_t len)
{
	struct sitecache_head *h = (void *)file_buf;
	char tmp[SITECACHE_DIR_MAX + 64], path[SITECACHE_DIR_MAX + 64];
	long fd, w;

	if (!h->nfiles || entry_path(path, sizeof(path), dir, prog, 0) ||
	    entry_path(tmp, sizeof(tmp), dir, prog, 1))
		return;
	h->magic = SITECACHE_MAGIC;
	memcpy(h->prog, prog, sizeof(h->prog));
	h->sum = fnv(file_buf + sizeof(*h), len - sizeof(*h));
	fd = rt_sys4(__NR_openat, -100, tmp,
		     K_O_WRONLY | K_O_CREAT | K_O_TRUNC | K_O_CLOEXEC | K_O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	w = rt_sys3(__NR_write, fd, file_buf, len);
	rt_sys1(__NR_close, fd);
	if (w != (long)len || rt_sys4(__NR_renameat, -100, tmp, -100, path))
		rt_sys3(__NR_unlinkat, -100, tmp, 0);
}

char **sitecache_start_env;

/* An entry of the environment: HOME and XDG_CACHE_HOME are kept. */
static void env_entry(const char *e, size_t len, char *home, char *xdg, size_t size)
{
	if (len < size + 5 && !rt_strncmp(e, "HOME=", 5))
		memcpy(home, e + 5, len - 4);
	else if (len < size + 15 && !rt_strncmp(e, "XDG_CACHE_HOME=", 15))
		memcpy(xdg, e + 15, len - 14);
}

/*
 * HOME and XDG_CACHE_HOME from the environment the process started with
 * (the first process of an instance: cse-run's) into home and xdg (empty
 * when unset or too long). While the loader runs, its envp points at
 * those very strings; later they are read through file_buf a chunk at a
 * time from /proc/self/environ.
 */
static void env_read(char *home, char *xdg, size_t size)
{
	long fd;
	size_t have = 0;
	int skip = 0;	/* in an entry too long to keep */

	home[0] = xdg[0] = 0;
	if (sitecache_start_env) {
		for (char **e = sitecache_start_env; *e; e++)
			env_entry(*e, strlen(*e), home, xdg, size);
		return;
	}
	fd = rt_sys4(__NR_openat, -100, "/proc/self/environ", K_O_RDONLY | K_O_CLOEXEC, 0);
	if (fd < 0)
		return;
	for (;;) {
		long n = rt_sys3(__NR_read, fd, file_buf + have, sizeof(file_buf) - have);
		size_t at = 0, len;

		if (n <= 0)
			break;
		have += (size_t)n;
		/* Every complete entry of the buffer. */
		for (;;) {
			const char *e = (const char *)file_buf + at;

			for (len = 0; at + len < have && e[len]; len++)
				;
			if (at + len == have)
				break;
			if (!skip)
				env_entry(e, len, home, xdg, size);
			skip = 0;
			at += len + 1;
		}
		/* The partial entry moves to the front; one filling the buffer
		 * is dropped up to its end. */
		if (at == 0 && have == sizeof(file_buf)) {
			skip = 1;
			have = 0;
		} else {
			memmove(file_buf, file_buf + at, have - at);
			have -= at;
		}
	}
	rt_sys1(__NR_close, fd);
}

/*
 * A directory of ours that no one else may write or read (made mode 0700
 * if missing): 0 when it is. cse/ and cse/sites/ must be: another user
 * able to write either could put entries or another directory there.
 */
static int own_dir(const char *path)
{
	struct kstat_k st;
	long r = rt_sys4(__NR_newfstatat, -100, path, &st, 0x100 /* AT_SYMLINK_NOFOLLOW */);

	if (r == -K_ENOENT) {
		rt_sys3(__NR_mkdirat, -100, path, 0700);
		r = rt_sys4(__NR_newfstatat, -100, path, &st, 0x100);
	}
	if (r || (st.mode & 0170000) != 0040000 || (st.mode & 077) ||
	    st.uid != (uint32_t)rt_sys0(__NR_geteuid))
		return -1;
	return 0;
}

/*
 * The cache directory for this user into dir (size bytes), made if
 * missing, from the environment the process started with (the first
 * process of an instance: cse-run's). 0 on success, -1: no cache.
 */
int sitecache_dir(char *dir, size_t size)
{
	char home[SITECACHE_DIR_MAX], xdg[SITECACHE_DIR_MAX];
	size_t cse_at, sites_at;
	long r;

	env_read(home, xdg, sizeof(home));
	if (xdg[0] == '/')
		r = rt_format(dir, size, "%s/cse/sites", xdg);
	else if (home[0] == '/')
		r = rt_format(dir, size, "%s/.cache/cse/sites", home);
	else
		return -1;
	if (r <= 0 || (size_t)r >= size - 1)
		return -1;
	if (own_dir(dir) == 0)
		return 0;	/* the usual case: one stat */
	/* The missing levels: the base (0700, as XDG asks), cse, sites. */
	sites_at = (size_t)r - strlen("/sites");
	cse_at = sites_at - strlen("/cse");
	dir[cse_at] = 0;
	rt_sys3(__NR_mkdirat, -100, dir, 0700);
	dir[cse_at] = '/';
	dir[sites_at] = 0;
	r = own_dir(dir);
	dir[sites_at] = '/';
	if (r || own_dir(dir))
		return -1;
	return 0;
}
