// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the patches prepare_site made: each site's bytes swapped for
 * its jmp by one locked cmpxchg (rewrite.c says why), the pages briefly
 * writable, and the private copies of those pages made by the kernel in
 * one call rather than by a fault each.
 */
#include "rewrite_int.h"

#define K_MADV_POPULATE_WRITE	23

/* Atomically replace len bytes at p if they still hold old. */
static int patch_atomic(uint8_t *p, const uint8_t *old, const uint8_t *new, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	if ((a & 7) + len <= 8) {
		uint64_t *w = (uint64_t *)(a & ~7ul), expect = *w, want;

		if (memcmp(p, old, len))
			return -1;
		want = expect;
		memcpy((uint8_t *)&want + (a & 7), new, len);
		return __atomic_compare_exchange_n(w, &expect, want, 0,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ? 0 : -1;
	}
	if ((a & 15) + len <= 16) {
		uint64_t *w = (uint64_t *)(a & ~15ul);
		uint64_t lo = w[0], hi = w[1], nlo, nhi;
		uint8_t blk[16];
		unsigned char ok;

		if (memcmp(p, old, len))
			return -1;
		memcpy(blk, &lo, 8);
		memcpy(blk + 8, &hi, 8);
		memcpy(blk + (a & 15), new, len);
		memcpy(&nlo, blk, 8);
		memcpy(&nhi, blk + 8, 8);
		__asm__ volatile("lock cmpxchg16b %1\n\tsetz %0"
				 : "=q"(ok), "+m"(*(__int128 *)w), "+a"(lo), "+d"(hi)
				 : "b"(nlo), "c"(nhi)
				 : "memory", "cc");
		return ok ? 0 : -1;
	}
	return -1;
}


/*
 * Make the n pages at pg[] private copies now, in one madvise per run of
 * adjacent pages: the kernel copies them without a fault each (a fault
 * is an exception round trip, expensive on a PVM guest), and a page
 * prepare_site is about to read is not first mapped read-only and then
 * copied again. The pages must be writable. pg is sorted in place.
 * Failure (a kernel without MADV_POPULATE_WRITE) leaves it to faults.
 */
void rewrite_populate(uintptr_t *pg, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pg[j - 1] > pg[j]; j--) {
			uintptr_t t = pg[j];

			pg[j] = pg[j - 1];
			pg[j - 1] = t;
		}
	for (int i = 0; i < n;) {
		uintptr_t start = pg[i], end = start + 4096;

		while (++i < n && pg[i] <= end)
			if (pg[i] == end)
				end += 4096;
		rt_sys3(__NR_madvise, start, end - start, K_MADV_POPULATE_WRITE);
	}
}

/* Swap each patch's bytes for its jmp; their pages are writable. */
void write_patches(const struct site_patch *ps, int k)
{
	for (int i = 0; i < k; i++) {
		uint8_t old[DYN_PATCH_MAX];
		uint8_t *p = ps[i].at;
		size_t n = ps[i].n;

		if (ps[i].at2)
			memcpy(ps[i].at2, ps[i].jmp2, ps[i].n2);
		memcpy(old, p, n);
		/* Alone in this memory: nobody can see a half-written jmp. */
		if (patch_atomic(p, old, ps[i].jmp, n) && !shared_memory_threads &&
		    !memcmp(p, old, n))
			memcpy(p, ps[i].jmp, n);
	}
}

/*
 * Swap each patch's bytes for its jmp, with [page, page + len) briefly
 * writable: one mprotect pair for all of them, the pages written copied
 * by one madvise rather than a fault each.
 */
void patch_sites(const struct site_patch *ps, int k, uintptr_t page, size_t len)
{
	uintptr_t pg[2 * BATCH_MAX];
	int n = 0;

	if (rt_sys3(__NR_mprotect, page, len, 7) != 0)
		return;
	for (int i = 0; i < k && n < 2 * BATCH_MAX; i++) {
		pg[n++] = (uintptr_t)ps[i].at & ~4095ul;
		if (ps[i].at2 && n < 2 * BATCH_MAX)
			pg[n++] = (uintptr_t)ps[i].at2 & ~4095ul;
	}
	rewrite_populate(pg, n);
	write_patches(ps, k);
	rt_sys3(__NR_mprotect, page, len, 5);
}
