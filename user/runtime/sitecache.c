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

#define SITECACHE_MAGIC	0x0a31657469732d63ull	/* "c-site1\n" */

struct sitecache_head {
	uint64_t magic;
	uint64_t ident[LEARN_IDENT];
	uint32_t nsites;
	uint32_t sum;		/* FNV-1a over ident and the sites */
};

#define SITECACHE_MAX	(sizeof(struct sitecache_head) + SITECACHE_SITES * sizeof(uint64_t))

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t checksum(const uint64_t *ident, const uint64_t *sites, uint32_t n)
{
	uint32_t h = fnv(2166136261u, ident, LEARN_IDENT * sizeof(uint64_t));

	return fnv(h, sites, n * sizeof(uint64_t));
}

/* dir/NAME for the file ident names; 0, or -1 when too long. */
static int entry_path(char *out, size_t size, const char *dir, const uint64_t *ident,
		      const char *suffix, long pid)
{
	int n = pid ? rt_format(out, size, "%s/%lx-%lx.%ld%s", dir, (unsigned long)ident[0],
				(unsigned long)ident[1], pid, suffix)
		    : rt_format(out, size, "%s/%lx-%lx", dir, (unsigned long)ident[0],
				(unsigned long)ident[1]);

	return n > 0 && (size_t)n < size - 1 ? 0 : -1;
}

int sitecache_load(const char *dir, const uint64_t *ident, uint64_t *sites, int max)
{
	union {
		struct sitecache_head h;
		uint8_t b[SITECACHE_MAX + 8];	/* one more word: too long */
	} u;
	char path[SITECACHE_DIR_MAX + 64];
	long fd, n;
	uint32_t k;

	if (max > SITECACHE_SITES || entry_path(path, sizeof(path), dir, ident, "", 0))
		return 0;
	fd = rt_sys4(__NR_openat, -100, path,
		     K_O_RDONLY | K_O_CLOEXEC | K_O_NOFOLLOW | K_O_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	n = rt_sys3(__NR_read, fd, u.b, sizeof(u.b));
	rt_sys1(__NR_close, fd);
	if (n < (long)sizeof(u.h) || u.h.magic != SITECACHE_MAGIC ||
	    memcmp(u.h.ident, ident, sizeof(u.h.ident)))
		return 0;
	k = u.h.nsites;
	if (k > (uint32_t)max || (size_t)n != sizeof(u.h) + k * sizeof(uint64_t))
		return 0;
	memcpy(sites, u.b + sizeof(u.h), k * sizeof(uint64_t));
	if (checksum(ident, sites, k) != u.h.sum)
		return 0;
	for (uint32_t i = 0; i < k; i++)
		if (sites[i] >> 48)	/* a number above 65535: not ours */
			return 0;
	return (int)k;
}

void sitecache_store(const char *dir, const uint64_t *ident, const uint64_t *sites, int n)
{
	union {
		struct sitecache_head h;
		uint8_t b[SITECACHE_MAX];
	} u;
	char tmp[SITECACHE_DIR_MAX + 64], path[SITECACHE_DIR_MAX + 64];
	size_t len = sizeof(u.h) + (size_t)n * sizeof(uint64_t);
	long fd, w;

	if (n <= 0 || n > SITECACHE_SITES ||
	    entry_path(path, sizeof(path), dir, ident, "", 0) ||
	    entry_path(tmp, sizeof(tmp), dir, ident, ".tmp", rt_sys0(__NR_gettid)))
		return;
	u.h.magic = SITECACHE_MAGIC;
	memcpy(u.h.ident, ident, sizeof(u.h.ident));
	u.h.nsites = (uint32_t)n;
	u.h.sum = checksum(ident, sites, (uint32_t)n);
	memcpy(u.b + sizeof(u.h), sites, (size_t)n * sizeof(uint64_t));
	fd = rt_sys4(__NR_openat, -100, tmp,
		     K_O_WRONLY | K_O_CREAT | K_O_TRUNC | K_O_CLOEXEC | K_O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	w = rt_sys3(__NR_write, fd, u.b, len);
	rt_sys1(__NR_close, fd);
	if (w != (long)len || rt_sys4(__NR_renameat, -100, tmp, -100, path))
		rt_sys3(__NR_unlinkat, -100, tmp, 0);
}

/* The value of NAME= in the environment block env (n bytes), or NULL. */
static const char *env_find(const char *env, long n, const char *name)
{
	size_t l = strlen(name);

	for (long i = 0; i < n;) {
		const char *e = env + i;
		long len = 0;

		while (i + len < n && e[len])
			len++;
		if ((size_t)len > l && !rt_strncmp(e, name, l) && e[l] == '=')
			return e + l + 1;
		i += len + 1;
	}
	return NULL;
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
	static char env[16384] RT_LARGE;
	const char *xdg, *home;
	long fd, n = 0, r;
	size_t cse_at, sites_at;

	fd = rt_sys4(__NR_openat, -100, "/proc/self/environ", K_O_RDONLY | K_O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	while (n < (long)sizeof(env) - 1 &&
	       (r = rt_sys3(__NR_read, fd, env + n, sizeof(env) - 1 - (size_t)n)) > 0)
		n += r;
	rt_sys1(__NR_close, fd);
	env[n] = 0;
	xdg = env_find(env, n, "XDG_CACHE_HOME");
	home = env_find(env, n, "HOME");
	if (xdg && xdg[0] == '/')
		r = rt_format(dir, size, "%s/cse/sites", xdg);
	else if (home && home[0] == '/')
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
