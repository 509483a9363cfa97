// SPDX-License-Identifier: GPL-2.0
/*
 * Sites learned across processes of one application: every process that
 * starts a program maps the same ld.so, libc and program text, and
 * without help each one traps once at every syscall site its start-up
 * reaches (a dozen for /bin/true) and pays an mprotect pair per page it
 * patches. A site that trapped is an instruction boundary of that file's
 * text, so the offsets of trapped sites are kept in the instance state
 * (a region shared by the application's processes), per file, and the
 * loader (or the mmap that maps a library) patches them right after
 * mapping the file, before the program runs there: one mprotect pair
 * over pages nothing has touched yet (no TLB entries to shoot down), and
 * no trap at those sites.
 *
 * Per program as well as per file: the libc sites a shell traps at
 * (wait4, sigaction, vfork) are none of /bin/true's business, and
 * patching a site is a private copy of its page, a page fault (~14 us
 * on a PVM guest) for a page the program may never run. So an entry is (program,
 * file): a program patches what it, in earlier processes, trapped at.
 * The program is the first image the loader notes in a process.
 *
 * A file is known by what a change to it changes: device, inode, size,
 * mtime and ctime (a copy over it, an in-place write, a rename of another
 * file onto its name all give a different key). The bytes are checked
 * again before each patch (prepare_site's shape match), so a stale entry
 * can at worst leave a site unpatched.
 *
 * Across instances, sitecache.c keeps each program's entries for the
 * user: read when a program first starts in an instance, written back
 * by the exit of a process after sites were learned.
 */
#include <cse/state.h>
#include "runtime.h"

#define LEARN_FILES	63
#define LEARN_SITES	SITECACHE_SITES

struct learn_file {
	uint32_t nsites;
	uint32_t saved;			/* how many of them the site cache holds */
	uint64_t site[LEARN_SITES];	/* offset from the file's bias | nr << 32 */
};

struct learn_key {
	uint64_t ident[LEARN_IDENT];	/* the file; 0s: a free slot */
	uint64_t prog;			/* hash of the program's key | KEY_USED */
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
	struct learn_key key[LEARN_FILES];
	struct learn_file file[LEARN_FILES];
	char cache_dir[SITECACHE_DIR_MAX];
};
_Static_assert(offsetof(struct learn_region, file) <= 4096, "the keys in one page");

/* In a key's prog: a process of this instance mapped the file (the
 * cache keeps only those). In the keys' page, touched by every start. */
#define KEY_USED	1ull

static struct learn_region *region;
static uint64_t prog_key;	/* this process's program */
static uint32_t populated;	/* pages of the region mapped by this process */

_Static_assert(sizeof(struct learn_region) <= 32 * 4096, "populated covers the region");

/*
 * Map the region's pages under [p, p + len) that this process has not
 * mapped yet, by one call: a start uses the keys' page and the entries
 * of its own files, a few of the region's pages; each page populated
 * here is one a read fault then a write fault would have mapped (the
 * read maps a shared page read-only). A fork's child, whose mapping has
 * no pages yet, only faults them in.
 */
static void populate_span(const void *p, size_t len)
{
	uintptr_t lo = ((uintptr_t)p & ~4095ul) - (uintptr_t)region;
	uintptr_t hi = (uintptr_t)p + len - (uintptr_t)region;
	uint32_t want = 0;

	for (uintptr_t off = lo; off < hi; off += 4096)
		want |= 1u << (off >> 12);
	want &= ~populated;
	if (!want)
		return;
	lo = (uintptr_t)__builtin_ctz(want) << 12;
	hi = (uintptr_t)(32 - __builtin_clz(want)) << 12;
	rt_sys3(__NR_madvise, (uintptr_t)region + lo, hi - lo, 23 /* MADV_POPULATE_WRITE */);
	populated |= want;
}

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

static uint64_t ident_hash(const uint64_t *ident)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < LEARN_IDENT; i++)
		h = (h ^ ident[i]) * 1099511628211ull;
	return (h & ~KEY_USED) | 2;	/* never 0: 0 is "no program" */
}

/* The slot of (ident, prog), made if make and there is room; -1 if not.
 * Called with the lock held. */
static int slot_of(const uint64_t *ident, uint64_t prog, int make)
{
	int empty = -1;

	for (int i = 0; i < LEARN_FILES; i++) {
		const struct learn_key *k = &region->key[i];

		if ((k->prog & ~KEY_USED) == prog && !memcmp(k->ident, ident, sizeof(k->ident))) {
			populate_span(&region->file[i], sizeof(region->file[i]));
			return i;
		}
		if (empty < 0 && !k->ident[1])
			empty = i;
	}
	if (empty < 0 || !make)
		return -1;
	populate_span(&region->file[empty], sizeof(region->file[empty]));
	region->file[empty].nsites = 0;
	region->file[empty].saved = 0;
	memcpy(region->key[empty].ident, ident, sizeof(region->key[empty].ident));
	region->key[empty].prog = prog;
	return empty;
}

/* An entry of the program's cache file (sitecache_load). */
static void cache_add(const uint64_t *ident, const uint64_t *sites, uint32_t n)
{
	int i = slot_of(ident, prog_key, 1);

	if (i < 0 || region->file[i].nsites || n > LEARN_SITES)
		return;
	memcpy(region->file[i].site, sites, n * sizeof(*sites));
	region->file[i].nsites = n;
	region->file[i].saved = n;
}

static int attach(void)
{
	int fresh;

	if (region)
		return 0;
	if (!cse_state)
		return -1;
	region = state_region("rewrite-sites", sizeof(*region), &fresh);
	if (!region)
		return -1;
	/* Its keys (state_region mapped the first page of a region made
	 * before); the entries as this process uses them (slot_of). */
	populated = fresh ? 0 : 1;
	populate_span(region, offsetof(struct learn_region, file));
	/* The instance's first process: the cache as cse-run says. */
	if (fresh) {
		populate_span(region->cache_dir, sizeof(region->cache_dir));
		region->cache = !cse_cfg.no_site_cache &&
				sitecache_dir(region->cache_dir, sizeof(region->cache_dir)) == 0
				? 1 : -1;
	}
	return 0;
}

/*
 * The entry of the file ident names for this process's program, made if
 * there is room; NULL if not. The first call of a process names the
 * program itself: when no process of the instance ran it yet, what
 * earlier instances learned about it comes from the site cache.
 */
static struct learn_file *learn_file(const uint64_t *ident)
{
	struct learn_file *f = NULL;
	int i;

	if (!ident[1] || attach())
		return NULL;
	learn_lock();
	if (!prog_key) {
		prog_key = ident_hash(ident);
		if (region->cache > 0 && slot_of(ident, prog_key, 0) < 0) {
			populate_span(region->cache_dir, sizeof(region->cache_dir));
			sitecache_load(region->cache_dir, ident, cache_add);
		}
	}
	i = slot_of(ident, prog_key, 1);
	if (i >= 0) {
		f = &region->file[i];
		region->key[i].prog |= KEY_USED;
	}
	learn_unlock();
	return f;
}

/*
 * The site at offset off of f's text trapped for nr; hot: for the second
 * time in one process (LEARN_HOT set on the entry, once).
 */
static void learn_add(struct learn_file *f, uint64_t off, long nr, int hot)
{
	uint64_t v = off | (uint64_t)nr << 32, want = hot ? LEARN_HOT : 0;
	uint32_t n;

	if (off >> 32 || nr < 0 || nr >> 16)
		return;
	n = __atomic_load_n(&f->nsites, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++)
		if ((f->site[i] & ~LEARN_HOT) == v && (f->site[i] & want) == want)
			return;
	learn_lock();
	n = f->nsites;
	for (uint32_t i = 0; i < n; i++)
		if ((f->site[i] & ~LEARN_HOT) == v) {
			if ((f->site[i] & want) != want) {
				f->site[i] |= want;
				f->saved = 0;	/* the cache's copy lacks the mark */
				region->gen++;
			}
			goto out;
		}
	if (n < LEARN_SITES) {
		f->site[n] = v | want;
		__atomic_store_n(&f->nsites, n + 1, __ATOMIC_RELEASE);
		region->gen++;
	}
out:
	learn_unlock();
}

const uint64_t *learn_sites(const struct learn_file *f, int *n)
{
	*n = (int)__atomic_load_n(&f->nsites, __ATOMIC_ACQUIRE);
	return f->site;
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

/* A trap at site (first, or second when hot): the next processes of
 * this program will know it. */
void learn_site(uintptr_t site, long nr, int hot)
{
	for (int i = 0; i < KNOWN_TEXT; i++) {
		uintptr_t hi = __atomic_load_n(&known_text[i].hi, __ATOMIC_ACQUIRE);
		struct learn_file *f = known_text[i].learn;

		if (f && site >= known_text[i].lo && site < hi) {
			learn_add(f, site - known_text[i].bias, nr, hot);
			return;
		}
	}
}

/*
 * A process of the instance exits: each program whose learned sites grew
 * since the cache last took them gets its file written again, with every
 * file a process of this instance mapped for it. Nothing to do (one read
 * of the region's first page) unless a site was learned.
 */
void learn_flush(void)
{
	uint32_t gen;

	if (!region || region->cache <= 0)
		return;
	gen = __atomic_load_n(&region->gen, __ATOMIC_RELAXED);
	if (gen == __atomic_load_n(&region->saved_gen, __ATOMIC_RELAXED))
		return;
	/* Under the lock: the buffer is the process's, the counts shared. */
	learn_lock();
	for (int p = 0; p < LEARN_FILES; p++) {
		const struct learn_key *pk = &region->key[p];
		size_t len;
		int grew = 0;

		/* A program's own slot: its file, for itself. */
		uint64_t prog = pk->prog & ~KEY_USED;

		if (!pk->ident[1] || prog != ident_hash(pk->ident))
			continue;
		for (int i = 0; i < LEARN_FILES; i++)
			if ((region->key[i].prog & ~KEY_USED) == prog && region->key[i].ident[1] &&
			    region->file[i].nsites > region->file[i].saved)
				grew = 1;
		if (!grew)
			continue;
		len = sitecache_begin();
		for (int i = 0; i < LEARN_FILES; i++) {
			struct learn_file *f = &region->file[i];

			if (region->key[i].prog != (prog | KEY_USED) || !region->key[i].ident[1] ||
			    !f->nsites)
				continue;
			len = sitecache_put(len, region->key[i].ident, f->site, f->nsites);
			f->saved = f->nsites;
		}
		sitecache_write(region->cache_dir, pk->ident, len);
	}
	region->saved_gen = gen;
	learn_unlock();
}
