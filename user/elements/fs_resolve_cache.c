// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: the resolver's answers (fs_resolve.c). "Not a symlink"
 * answers per component, keyed by the 8-byte hash of the physical guest
 * path, and whole paths found free of symlinks, each tagged with the
 * generations it was given under (see fs_resolve.c for when they are
 * bumped): a tag that no longer matches is a miss.
 */
#include "fs.h"

#define CACHE_SLOTS 4096
static uint64_t cache[CACHE_SLOTS];

/* FNV-1a, continued over n more bytes (so a name's hash extends its parent's). */
FS_HOT uint64_t fsr_hash_more(uint64_t h, const char *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)g[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t tag(uint64_t h, uint64_t gen)
{
	return (h ^ (gen * 0x9e3779b97f4a7c15ull)) | 1;
}

/* The generation an answer for hash h was (or is) given under. */
static uint64_t gen_now(uint64_t h)
{
	uint64_t all = __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE);
	uint32_t one = __atomic_load_n(&fs_st->bucket[h % FS_BUCKETS], __ATOMIC_ACQUIRE);

	return all ^ ((uint64_t)one << 40) ^ one;
}

uint64_t fsr_tag_now(uint64_t h)
{
	return tag(h, gen_now(h));
}

int fsr_no_link(uint64_t h, uint64_t t)
{
	return __atomic_load_n(&cache[h % CACHE_SLOTS], __ATOMIC_RELAXED) == t;
}

void fsr_no_link_learn(uint64_t h, uint64_t t)
{
	__atomic_store_n(&cache[h % CACHE_SLOTS], t, __ATOMIC_RELAXED);
}

/* A symlink may appear at the physical guest path g. */
void fsr_changed_one(const char *g, size_t n)
{
	__atomic_add_fetch(&fs_st->bucket[fsr_hash(g, n) % FS_BUCKETS], 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&fs_st->links, 1, __ATOMIC_RELEASE);
}

/*
 * Whole paths: a physical guest path every component of which a walk
 * found to be no symlink (none missing, none followed, none skipped)
 * is remembered under the generation of all paths, its renames and
 * every symlink or link made anywhere (fs_st->links, bumped with each
 * bucket). The walk of such a path again would give the same path and
 * answers, so one lookup replaces one per component while nothing
 * changed; any rename, symlink or link drops them all.
 */
#define WHOLE_SLOTS 1024
static uint64_t whole[WHOLE_SLOTS];

FS_HOT uint64_t fsr_whole_gen(void)
{
	uint64_t all = __atomic_load_n(&fs_st->gen, __ATOMIC_ACQUIRE);
	uint64_t links = __atomic_load_n(&fs_st->links, __ATOMIC_ACQUIRE);

	return all ^ (links << 32) ^ (links >> 32) ^ 0x5bd1e995ull;
}

FS_HOT int fsr_whole_known(uint64_t h, uint64_t wgen)
{
	return __atomic_load_n(&whole[h % WHOLE_SLOTS], __ATOMIC_RELAXED) == tag(h, wgen);
}

void fsr_whole_learn(uint64_t h, uint64_t wgen)
{
	__atomic_store_n(&whole[h % WHOLE_SLOTS], tag(h, wgen), __ATOMIC_RELAXED);
}

/*
 * A directory the application makes is no symlink: mkdir's guest path
 * is noted with the tag taken before the call (per call in flight,
 * found by the call's address) and learnt when the call succeeds, so
 * the first walk through the new directory reads no link.
 */
#define MADE_SLOTS 32
static struct {
	struct cse_call *call;
	uint64_t h, tag;
} made[MADE_SLOTS];

void fsr_mkdir_note(struct cse_call *c, const char *g, size_t n)
{
	unsigned int k = (unsigned int)((uintptr_t)c >> 4) % MADE_SLOTS;
	uint64_t h = fsr_hash(g, n);

	if (!c)
		return;
	__atomic_store_n(&made[k].call, NULL, __ATOMIC_RELAXED);
	made[k].h = h;
	made[k].tag = fsr_tag_now(h);
	__atomic_store_n(&made[k].call, c, __ATOMIC_RELEASE);
}

void fsr_mkdir_done(struct cse_call *c)
{
	unsigned int k = (unsigned int)((uintptr_t)c >> 4) % MADE_SLOTS;
	uint64_t h, tag;

	if (__atomic_load_n(&made[k].call, __ATOMIC_ACQUIRE) != c)
		return;
	h = made[k].h;
	tag = made[k].tag;
	if (!__atomic_compare_exchange_n(&made[k].call, &c, NULL, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;	/* another call's note meanwhile */
	if (c->ret == 0)
		fsr_no_link_learn(h, tag);
}

void fs_changed(void)
{
	__atomic_add_fetch(&fs_st->gen, 1, __ATOMIC_RELEASE);
}

