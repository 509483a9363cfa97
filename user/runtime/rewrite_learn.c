// SPDX-License-Identifier: GPL-2.0
/*
 * Sites learned across processes of one application: every process that
 * starts a program maps the same ld.so and program text, and without
 * help each one traps once at every syscall site its start-up reaches
 * (a dozen for /bin/true) and pays an mprotect pair per page it patches.
 * A site that trapped is an instruction boundary of that file's text, so
 * the offsets of trapped sites are kept in the instance state (a region
 * shared by the application's processes), per file, and the loader
 * patches them right after mapping the file, before the program runs:
 * one mprotect pair over pages nothing has touched yet (no TLB entries
 * to shoot down), and no trap at those sites.
 *
 * A file is known by what a change to it changes: device, inode, size,
 * mtime and ctime (a copy over it, an in-place write, a rename of another
 * file onto its name all give a different key). The bytes are checked
 * again before each patch (prepare_site's shape match), so a stale entry
 * can at worst leave a site unpatched.
 */
#include <cse/state.h>
#include "runtime.h"

#define LEARN_FILES	48
#define LEARN_SITES	SITECACHE_SITES

struct learn_file {
	uint32_t nsites;
	uint32_t saved;			/* how many of them the site cache holds */
	uint64_t site[LEARN_SITES];	/* offset from the file's bias | nr << 32 */
};

/*
 * The keys together, ahead of the sites: a start's lookup reads one page
 * of the region, not one per four files (every page of the shared state
 * a process touches is a page fault of its own).
 */
struct learn_region {
	int lock;
	int cache;		/* 1: the user's site cache (sitecache.c) is on */
	uint32_t gen;		/* bumped by every site learned */
	uint32_t saved_gen;	/* gen the cache was last brought up to */
	char cache_dir[SITECACHE_DIR_MAX];
	uint64_t ident[LEARN_FILES][LEARN_IDENT];	/* 0s: a free slot */
	struct learn_file file[LEARN_FILES];
};
_Static_assert(offsetof(struct learn_region, file) <= 4096, "the keys in one page");

static struct learn_region *region;

static void learn_lock(void)
{
	while (__atomic_exchange_n(&region->lock, 1, __ATOMIC_ACQUIRE))
		rt_sys0(__NR_sched_yield);
}

static void learn_unlock(void)
{
	__atomic_store_n(&region->lock, 0, __ATOMIC_RELEASE);
}

void learn_ident(const struct kstat_k *st, uint64_t *ident)
{
	ident[0] = st->dev;
	ident[1] = st->ino;
	ident[2] = (uint64_t)st->size;
	ident[3] = st->times[2];	/* mtime */
	ident[4] = st->times[3];
	ident[5] = st->times[4];	/* ctime */
	ident[6] = st->times[5];
}

/* The entry of the file ident names, made if there is room; NULL if not. */
static struct learn_file *learn_file(const uint64_t *ident)
{
	struct learn_file *f = NULL;
	int fresh, empty = -1;

	if (!ident[1] || !cse_state)
		return NULL;
	if (!region) {
		region = state_region("rewrite-sites", sizeof(*region), &fresh);
		if (!region)
			return NULL;
		/* The instance's first process: the cache as cse-run says. */
		if (fresh)
			region->cache = !cse_cfg.no_site_cache &&
					sitecache_dir(region->cache_dir,
						      sizeof(region->cache_dir)) == 0 ? 1 : -1;
	}
	learn_lock();
	for (int i = 0; i < LEARN_FILES && !f; i++) {
		if (!memcmp(region->ident[i], ident, sizeof(region->ident[i])))
			f = &region->file[i];
		else if (empty < 0 && !region->ident[i][1])
			empty = i;
	}
	if (!f && empty >= 0) {
		f = &region->file[empty];
		/* What earlier instances of this user learned about the file. */
		f->nsites = region->cache > 0 ? (uint32_t)sitecache_load(region->cache_dir, ident,
									  f->site, LEARN_SITES)
					      : 0;
		f->saved = f->nsites;
		memcpy(region->ident[empty], ident, sizeof(region->ident[empty]));
	}
	learn_unlock();
	return f;
}

/* The site at offset off of f's text trapped for nr. */
static void learn_add(struct learn_file *f, uint64_t off, long nr)
{
	uint64_t v = off | (uint64_t)nr << 32;
	uint32_t n;

	if (off >> 32 || nr < 0 || nr >> 16)
		return;
	n = __atomic_load_n(&f->nsites, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++)
		if (f->site[i] == v)
			return;
	learn_lock();
	n = f->nsites;
	for (uint32_t i = 0; i < n; i++)
		if (f->site[i] == v)
			goto out;
	if (n < LEARN_SITES) {
		f->site[n] = v;
		__atomic_store_n(&f->nsites, n + 1, __ATOMIC_RELEASE);
		region->gen++;
	}
out:
	learn_unlock();
}

/* f's sites into out (at most max); their number. */
int learn_sites(const struct learn_file *f, uint64_t *out, int max)
{
	uint32_t n = __atomic_load_n(&f->nsites, __ATOMIC_ACQUIRE);

	if (n > (uint32_t)max)
		n = (uint32_t)max;
	memcpy(out, f->site, n * sizeof(*out));
	return (int)n;
}

/*
 * The r-x text the loader mapped (the program's, its interpreter's) and
 * the r-x file mappings the process made since (the libraries ld.so
 * maps): the sites that trap are there, and their protection is known
 * without /proc/self/maps until a call changes mappings over them.
 */
#define KNOWN_TEXT	16
static struct {
	uintptr_t lo, hi, bias;
	struct learn_file *learn;	/* its sites other processes saw trap */
} known_text[KNOWN_TEXT];

struct learn_file *learn_note_text(uintptr_t lo, uintptr_t hi, uintptr_t bias,
				   const uint64_t *ident)
{
	for (int i = 0; i < KNOWN_TEXT; i++) {
		struct learn_file *f;

		if (known_text[i].hi)
			continue;
		/* hi last: a trap elsewhere reads the slot from hi on */
		f = ident && lo ? learn_file(ident) : NULL;
		known_text[i].lo = lo;
		known_text[i].bias = bias;
		known_text[i].learn = f;
		__atomic_store_n(&known_text[i].hi, hi, __ATOMIC_RELEASE);
		return f;
	}
	return NULL;
}

int learn_text_holds(uintptr_t addr)
{
	for (int i = 0; i < KNOWN_TEXT; i++)
		if (addr >= known_text[i].lo &&
		    addr < __atomic_load_n(&known_text[i].hi, __ATOMIC_RELAXED))
			return 1;
	return 0;
}

void learn_text_changed(uintptr_t start, uintptr_t end)
{
	for (int i = 0; i < KNOWN_TEXT; i++)
		if (start < known_text[i].hi && end > known_text[i].lo)
			__atomic_store_n(&known_text[i].hi, 0, __ATOMIC_RELAXED);
}

/* A first trap at site: other processes of this program will know it. */
void learn_site(uintptr_t site, long nr)
{
	for (int i = 0; i < KNOWN_TEXT; i++) {
		uintptr_t hi = __atomic_load_n(&known_text[i].hi, __ATOMIC_ACQUIRE);
		struct learn_file *f = known_text[i].learn;

		if (f && site >= known_text[i].lo && site < hi) {
			learn_add(f, site - known_text[i].bias, nr);
			return;
		}
	}
}

/*
 * A process of the instance exits: the files whose learned sites grew
 * since the cache last took them are written to it. Nothing to do (one
 * read of the region's first page) unless a site was learned.
 */
void learn_flush(void)
{
	uint64_t ident[LEARN_IDENT], sites[LEARN_SITES];
	uint32_t gen;

	if (!region || region->cache <= 0)
		return;
	gen = __atomic_load_n(&region->gen, __ATOMIC_RELAXED);
	if (gen == __atomic_load_n(&region->saved_gen, __ATOMIC_RELAXED))
		return;
	for (int i = 0; i < LEARN_FILES; i++) {
		struct learn_file *f = &region->file[i];
		uint32_t n = 0;

		if (!region->ident[i][1])
			continue;
		learn_lock();
		if (f->nsites > f->saved) {
			n = f->nsites;
			memcpy(ident, region->ident[i], sizeof(ident));
			memcpy(sites, f->site, n * sizeof(*sites));
			f->saved = n;
		}
		learn_unlock();
		if (n)
			sitecache_store(region->cache_dir, ident, sites, (int)n);
	}
	__atomic_store_n(&region->saved_gen, gen, __ATOMIC_RELAXED);
}
