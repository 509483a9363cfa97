// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: the index of UPPER, so that a path UPPER knows nothing of
 * costs one lstat of the lower file and no syscall per component.
 *
 * The index is a file in the work directory (UPPER/.wh..wh..cse-work/
 * index), mapped shared by every process of the application (and
 * mapped again after exec): a header with the copy-up lock, then an
 * open-addressing table of 64-bit hashes of REL with IX_* flags. It is
 * rebuilt from UPPER by the application's first process, and kept
 * current by every change the layers make: a flag is set BEFORE the
 * change it announces reaches the disk, so a miss is always right and a
 * hit that the disk denies makes the caller walk the disk (fs_layer.c).
 * A copy-up or rename over a name the lower layer shows also sets
 * IX_PENDING until its rename is done: no caller trusts such a hit
 * without the disk's word (the lower entry shows until then).
 * Flags are only added, except when a name leaves UPPER: a stale flag
 * costs a disk walk, never a wrong answer. When the table fills up the
 * index stops answering (ix_get -1) and every lookup walks the disk.
 *
 * Neither readers nor writers of the table take a lock (ix_put);
 * the lock in the header serializes copy-ups and whiteouts.
 *
 * A name's probe starts in a group of IX_GROUP pages chosen by its
 * parent directory's hash, so the names of one directory share a few
 * pages: a walk of a/b/c touches the same pages for every file of a/b
 * (no page fault, no cache or TLB miss per name as with the table's
 * 4 MiB spread evenly), and a process touches the table's pages only
 * for the directories it works in.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define IX_MAGIC	0x32786463777363ull	/* "cscwdx2" */
#define IX_SLOTS	(1u << 18)		/* power of two */
#define IX_PAGE_SLOTS	256u			/* 4 KiB of slots */
#define IX_PAGES	(IX_SLOTS / IX_PAGE_SLOTS)
#define IX_GROUP	8u			/* pages a directory's names use */
#define IX_MAX		(IX_SLOTS / 8 * 7)
#define IX_HEADER	4096u

struct ix_slot {
	uint64_t hash;		/* 0: empty */
	uint32_t flags;
	uint32_t pad;
};

struct ix_head {
	uint64_t magic;
	struct cse_lock lock;	/* copy-up, whiteouts, the table's writers */
	uint32_t count;		/* slots claimed */
	uint32_t full;		/* the table stopped answering */
	uint64_t scanned;	/* entries of UPPER read at the rebuild */
	uint32_t depth;		/* lay_lock nesting of the holder */
	uint32_t pad;
	uint64_t dirgen;	/* bumped by changes that can alter a directory
				 * chain (ix_dir_gen) */
};

static struct ix_head *ix_h;
static struct ix_slot *ix_tab;

/* FNV-1a, continued over n more bytes: a prefix's state extends to the
 * next component's without hashing the prefix again (where() asks for
 * every prefix of a path). */
uint64_t ix_hash_more(uint64_t raw, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		raw ^= (unsigned char)s[i];
		raw *= 0x100000001b3ull;
	}
	return raw;
}

/* The 8-byte key of the slots, from a raw state (0 means empty). */
static uint64_t ix_final(uint64_t h)
{
	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return h ? h : 1;
}

/* The first slot to probe for key h of a name whose parent's raw
 * hash state is praw. */
static uint32_t ix_start(uint64_t praw, uint64_t h)
{
	uint32_t page = (uint32_t)(ix_final(praw) + (h >> 61)) & (IX_PAGES - 1);

	_Static_assert(IX_GROUP == 8, "h >> 61 picks one of IX_GROUP pages");
	return page * IX_PAGE_SLOTS + (uint32_t)(h & (IX_PAGE_SLOTS - 1));
}

/* Raw states of rel[0..n) and of its parent (up to its last '/'). */
static uint64_t ix_hash2(const char *rel, size_t n, uint64_t *praw)
{
	size_t p = n;

	while (p && rel[p - 1] != '/')
		p--;
	p = p ? p - 1 : 0;	/* the '/' starts the last component's bytes */
	*praw = ix_hash_more(IX_HASH_START, rel, p);
	return ix_hash_more(*praw, rel + p, n - p);
}

int ix_usable(void)
{
	return ix_h && !__atomic_load_n(&ix_h->full, __ATOMIC_ACQUIRE);
}

/*
 * The generation of directory chains: a chain of upper directories
 * (IX_UPPER | IX_DIR, not IX_PENDING) keeps the flags a walk read from
 * it while this is unchanged. Bumped after any flag is taken away and
 * after IX_WHITEOUT, IX_OPAQUE, IX_PENDING or IX_DIR is set; IX_UPPER
 * alone (a new file) never changes such a chain. 0: the index cannot
 * answer.
 */
uint64_t ix_dir_gen(void)
{
	if (!ix_usable())
		return 0;
	return __atomic_load_n(&ix_h->dirgen, __ATOMIC_ACQUIRE) | 1;
}

int ix_get(const char *rel, size_t n)
{
	uint64_t praw, raw = ix_hash2(rel, n, &praw);

	return ix_get_raw(praw, raw);
}

int ix_get_raw(uint64_t praw, uint64_t raw)
{
	uint64_t h;
	uint32_t i;

	if (!ix_usable())
		return -1;
	h = ix_final(raw);
	for (i = ix_start(praw, h);; i = (i + 1) & (IX_SLOTS - 1)) {
		uint64_t v = __atomic_load_n(&ix_tab[i].hash, __ATOMIC_ACQUIRE);

		if (!v)
			return 0;
		if (v == h)
			return (int)__atomic_load_n(&ix_tab[i].flags, __ATOMIC_ACQUIRE);
	}
}

/*
 * Without a lock: a slot is claimed by a compare-and-swap of its hash
 * from 0, flags change with atomic or/and. Two writers of one name find
 * the same slot; a reader sees a slot's flags no later than its hash
 * (a fresh slot's flags are 0 until set: a miss, then a hit).
 */
static void ix_put(const char *rel, size_t n, uint32_t set, uint32_t clear)
{
	uint64_t praw, h = ix_final(ix_hash2(rel, n, &praw));
	uint32_t i;

	if (!ix_usable())
		return;
	for (i = ix_start(praw, h);; i = (i + 1) & (IX_SLOTS - 1)) {
		uint64_t v = __atomic_load_n(&ix_tab[i].hash, __ATOMIC_ACQUIRE);

		if (!v) {
			if (!set)
				return;
			if (__atomic_add_fetch(&ix_h->count, 1, __ATOMIC_RELAXED) >= IX_MAX) {
				/* A miss could now be wrong: stop answering for good. */
				__atomic_store_n(&ix_h->full, 1, __ATOMIC_RELEASE);
				return;
			}
			if (!__atomic_compare_exchange_n(&ix_tab[i].hash, &v, h, 0,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				__atomic_sub_fetch(&ix_h->count, 1, __ATOMIC_RELAXED);
				if (v != h)
					continue;	/* another name took it */
			}
		} else if (v != h) {
			continue;
		}
		/* Flags set before the caller changes the disk (see the top). */
		__atomic_fetch_or(&ix_tab[i].flags, set, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(&ix_tab[i].flags, ~clear, __ATOMIC_SEQ_CST);
		if (clear || (set & (IX_WHITEOUT | IX_OPAQUE | IX_PENDING | IX_DIR)))
			__atomic_add_fetch(&ix_h->dirgen, 2, __ATOMIC_SEQ_CST);
		return;
	}
}

void ix_set(const char *rel, size_t n, uint32_t set, uint32_t clear)
{
	if (ix_h)
		ix_put(rel, n, set, clear);
}

/* This thread holds the lock (the word also carries a waiters bit). */
static int ix_mine(void)
{
	uint32_t w = __atomic_load_n(&ix_h->lock.owner, __ATOMIC_RELAXED);

	return (w & 0x3fffffffu) == (uint32_t)lay_svc->gettid();
}

/* The copy-up lock, taken again by its holder (a copy inside a rename). */
void lay_lock(void)
{
	if (ix_mine()) {
		ix_h->depth++;
		return;
	}
	lay_svc->lock(&ix_h->lock);
	ix_h->depth = 1;
}

void lay_unlock(void)
{
	if (--ix_h->depth)
		return;
	lay_svc->unlock(&ix_h->lock);
}

#define DT_DIR 4

/* The index misses something: it stops answering (every lookup walks). */
void ix_give_up(void)
{
	if (ix_h)
		__atomic_store_n(&ix_h->full, 1, __ATOMIC_RELEASE);
}

/*
 * Enter what directory fd (REL rel, rlen bytes in rel[]) holds,
 * recursively. rel has room for FS_PATH_MAX bytes.
 */
int ix_scan(int fd, char *rel, size_t rlen, int depth)
{
	LAY_BUF(buf);
	long n;

	if (!buf) {
		ix_give_up();
		return -K_ENOMEM;
	}
	if (depth > 150) {
		ix_give_up();
		return -K_ELOOP;
	}
	while ((n = lay_sys(__NR_getdents64, fd, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			const char *name = d->name;
			uint32_t fl = IX_UPPER;
			size_t len, at = rlen;

			off += d->reclen;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			if (!cse_strcmp(name, WH_OPAQUE)) {
				ix_put(rel, rlen, IX_OPAQUE, 0);
				continue;
			}
			if (!cse_strcmp(name, WH_WORK) && !rlen)
				continue;
			if (!cse_strncmp(name, WH_USER, cse_strlen(WH_USER))) {
				name += cse_strlen(WH_USER);
			} else if (!cse_strncmp(name, WH_WHUSER, cse_strlen(WH_WHUSER))) {
				name += cse_strlen(WH_WHUSER);
				fl = IX_WHITEOUT;
			} else if (!cse_strncmp(name, WH_PREFIX, 4)) {
				name += 4;
				fl = IX_WHITEOUT;
			}
			len = cse_strlen(name);
			if (at + 1 + len + 1 > FS_PATH_MAX || !len) {
				ix_give_up();	/* a name the index cannot hold */
				continue;
			}
			if (at)
				rel[at++] = '/';
			for (size_t i = 0; i <= len; i++)
				rel[at + i] = name[i];
			at += len;
			if (fl == IX_UPPER && d->type == 0 /* DT_UNKNOWN */) {
				struct cse_kstat st;

				if (!lay_sys(__NR_newfstatat, fd, d->name, &st,
					     K_AT_SYMLINK_NOFOLLOW, 0, 0) &&
				    (st.mode & K_S_IFMT) == K_S_IFDIR)
					d->type = DT_DIR;
			}
			if (fl == IX_UPPER && d->type == DT_DIR) {
				long sub = lay_sys(__NR_openat, fd, d->name,
						   K_O_RDONLY | K_O_DIRECTORY | K_O_NOFOLLOW |
						   K_O_CLOEXEC, 0, 0, 0);

				fl |= IX_DIR;
				ix_put(rel, at, fl, 0);
				if (sub >= 0) {
					ix_scan((int)sub, rel, at, depth + 1);
					lay_sys(__NR_close, sub, 0, 0, 0, 0, 0);
				} else {
					ix_give_up();	/* unread: misses could be wrong */
				}
			} else {
				ix_put(rel, at, fl, 0);
			}
			if (ix_h)
				ix_h->scanned++;
			rel[rlen] = 0;
		}
	}
	if (n < 0)
		ix_give_up();
	return n < 0 ? (int)n : 0;
}

/* Remove what path holds (a leftover of a killed copy), recursively. */
static void rm_tree(int dirfd, const char *name, int depth)
{
	LAY_BUF(buf);
	long fd, n;
	if (!buf)
		return;

	if (lay_sys(__NR_unlinkat, dirfd, name, 0, 0, 0, 0) == 0 || depth > 150)
		return;
	fd = lay_sys(__NR_openat, dirfd, name, K_O_RDONLY | K_O_DIRECTORY |
		     K_O_NOFOLLOW | K_O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return;
	lay_sys(__NR_fchmod, fd, 0700, 0, 0, 0, 0);
	for (int again = 1; again;) {
		again = 0;
		while ((n = lay_sys(__NR_getdents64, fd, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
			for (long off = 0; off < n;) {
				struct dent *d = (struct dent *)(buf + off);

				off += d->reclen;
				if (d->name[0] == '.' && (!d->name[1] ||
							  (d->name[1] == '.' && !d->name[2])))
					continue;
				rm_tree((int)fd, d->name, depth + 1);
				again = 1;
			}
		}
		/* Removing while listing may skip names: list again. */
		lay_sys(__NR_lseek, fd, 0, 0, 0, 0, 0);
	}
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	lay_sys(__NR_unlinkat, dirfd, name, 0x200 /* AT_REMOVEDIR */, 0, 0, 0);
}

void lay_rm_tree(const char *path)
{
	rm_tree(K_AT_FDCWD, path, 0);
}

/* Empty the work directory but for the index: copies a kill cut short. */
static void clean_work(void)
{
	LAY_BUF(buf);
	long fd, n;
	if (!buf)
		return;

	fd = lay_sys(__NR_open, lay_work, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return;
	while ((n = lay_sys(__NR_getdents64, fd, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);

			off += d->reclen;
			if (d->name[0] == '.' || !cse_strcmp(d->name, "index"))
				continue;
			rm_tree((int)fd, d->name, 0);
		}
	}
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
}

int ix_open(int fresh, char *err, size_t errlen)
{
	size_t size = IX_HEADER + (size_t)IX_SLOTS * sizeof(struct ix_slot);
	char path[FS_PATH_MAX], rel[FS_PATH_MAX];
	long fd, r, m;

	cse_snprintf(lay_svc, path, sizeof(path), "%s/index", lay_work);
	fd = lay_sys(__NR_open, path, K_O_RDWR | K_O_CREAT | K_O_CLOEXEC, 0600, 0, 0, 0);
	if (fd < 0) {
		cse_snprintf(lay_svc, err, errlen, "--overlay: cannot open '%s' (errno %ld)",
			     path, -fd);
		return (int)fd;
	}
	if (fresh) {
		/* Zero it: a killed application's table may be half written. */
		r = lay_sys(__NR_ftruncate, fd, 0, 0, 0, 0, 0);
		if (!r)
			r = lay_sys(__NR_ftruncate, fd, size, 0, 0, 0, 0);
		if (r) {
			lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
			cse_snprintf(lay_svc, err, errlen, "--overlay: cannot size '%s' (errno %ld)",
				     path, -r);
			return (int)r;
		}
	}
	m = lay_sys(__NR_mmap, 0, size, 3 /* PROT_READ|PROT_WRITE */, 1 /* MAP_SHARED */,
		    fd, 0);
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	if (m < 0 && m > -4096) {
		cse_snprintf(lay_svc, err, errlen, "--overlay: cannot map '%s' (errno %ld)",
			     path, -m);
		return (int)m;
	}
	ix_h = (struct ix_head *)m;
	ix_tab = (struct ix_slot *)(m + IX_HEADER);
	if (!fresh)
		return 0;
	clean_work();
	fd = lay_sys(__NR_open, lay_upper, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0) {
		cse_snprintf(lay_svc, err, errlen, "--overlay: cannot read '%s' (errno %ld)",
			     lay_upper, -fd);
		return (int)fd;
	}
	rel[0] = 0;
	r = ix_scan((int)fd, rel, 0, 0);
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	if (r) {
		cse_snprintf(lay_svc, err, errlen, "--overlay: cannot read '%s' (errno %ld)",
			     lay_upper, -r);
		return (int)r;
	}
	ix_h->magic = IX_MAGIC;
	return 0;
}
