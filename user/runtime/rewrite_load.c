// SPDX-License-Identifier: GPL-2.0
/*
 * Patching at load: the sites other processes of the program learned
 * (rewrite_learn.c, and across instances sitecache.c) are patched right
 * after the loader maps the program and ld.so, or the mmap that maps a
 * library's text returns, before anything runs there.
 */
#include "rewrite_int.h"

/*
 * At load (the loader, one thread, SUD off) or right after the mmap that
 * mapped the text (rewrite_lock held): the sites of [lo, hi) that trapped
 * in other processes, patched under one mprotect pair over the pages
 * from the first to the last, which no one has touched yet.
 */
#define LEARNED_BATCH	32	/* on the stack: pages the start touched anyway */

/*
 * Whether to patch learned site i now: when it trapped twice in a process
 * (hot: patched there anyway, after two traps, an mprotect pair and a TLB
 * flush), or when its page holds WORTH_SITES learned sites or more. A
 * patched page is a private copy of it, a page fault measured at ~14 us
 * on this kind of machine (PVM guest), against ~3.5 us for the one trap
 * of a site a process reaches once: a page of fewer such sites is
 * cheaper left to trap.
 */
#define WORTH_SITES	4

static int worth_patching(const uint64_t *site, int n, int i)
{
	uint64_t page = (uint32_t)site[i] >> 12;
	int same = 0;

	if (site[i] & LEARN_HOT)
		return 1;
	for (int j = 0; j < n && same < WORTH_SITES; j++)
		same += (uint32_t)site[j] >> 12 == page;
	return same >= WORTH_SITES;
}

/*
 * take[i]: patch learned site i now. Those worth it on their own, and
 * then every other site of a page one of them copies anyway: its patch
 * costs nothing more (e.g. python's gettid sits on a libc page its hot
 * sites have patched, and would trap once per process).
 */
static void choose_sites(const uint64_t *site, int n, uint8_t *take)
{
	for (int i = 0; i < n; i++)
		take[i] = (uint8_t)worth_patching(site, n, i);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n && !take[i]; j++)
			if (take[j] == 1 && (uint32_t)site[j] >> 12 == (uint32_t)site[i] >> 12)
				take[i] = 2;
}

/*
 * The batch's pages are chosen from the learned offsets alone, before a
 * byte of the text is read: made writable, then copied by one madvise
 * per run (rewrite_populate), then read and patched. Reading first would
 * map each page read-only (a fault) and the write would copy it (a
 * second one); ~31 us a page against ~14 here, measured. The copy is
 * made for the page of a site's syscall, where its patch lies but for
 * a few straddling ones (those take a fault, as before).
 */
static void patch_learned(uintptr_t lo, uintptr_t hi, uintptr_t bias, struct learn_file *f)
{
	struct site_patch ps[LEARNED_BATCH];
	uintptr_t pg[LEARNED_BATCH];
	uint8_t take[SITECACHE_SITES];
	int n, i = 0;
	/* append-only, the first n published: read in place */
	const uint64_t *site = learn_sites(f, &n);

	if (n > SITECACHE_SITES)
		n = SITECACHE_SITES;
	choose_sites(site, n, take);
	while (i < n) {
		uintptr_t first = hi, last = lo;
		int want[LEARNED_BATCH], m = 0, k = 0;

		for (; i < n && m < LEARNED_BATCH; i++) {
			uintptr_t s = bias + (uint32_t)site[i];

			if (s < lo + 8 || s > hi || !take[i])
				continue;
			want[m] = i;
			pg[m++] = (s - 3) & ~4095ul;
			/* the widest patch: a gap's moves before, a pad's jmp after */
			if (s - (GAP_MAX + SITE_SPAN + 1) < first)
				first = s - (GAP_MAX + SITE_SPAN + 1);
			if (s + PAD_AFTER > last)
				last = s + PAD_AFTER;
		}
		if (!m)
			continue;
		first = first < lo ? lo : first & ~4095ul;
		last = last > hi ? hi : (last + 4095) & ~4095ul;
		if (rt_sys3(__NR_mprotect, first, last - first, 7) != 0)
			return;
		rewrite_populate(pg, m);
		/* [first, last) as the batch's bounds: no patch outside them */
		for (int j = 0; j < m; j++)
			if (!prepare_fresh_site(bias + (uint32_t)site[want[j]],
						(long)(site[want[j]] >> 32 & 0xffff), first, last,
						&ps[k]))
				k++;
		write_patches(ps, k);
		rt_sys3(__NR_mprotect, first, last - first, 5);
	}
}

void rewrite_note_text(uintptr_t lo, uintptr_t hi, uintptr_t bias, const uint64_t *ident)
{
	struct learn_file *f = learn_note_text(lo, hi, bias, rewrite_enabled ? ident : NULL);

	if (f)
		patch_learned(lo, hi, bias, f);
}

/*
 * A successful mmap (the call's result in ret): a private r-x mapping of
 * a regular file is text, the libraries ld.so maps. Its sites other
 * processes saw trap are patched now, while its pages are untouched, and
 * its first traps are learned for the next processes.
 */
void rewrite_note_map(const long *a, long ret)
{
	uint64_t ident[LEARN_IDENT];
	struct learn_file *f;
	struct kstat_k st;
	uintptr_t lo = (uintptr_t)ret, hi = lo + (((uintptr_t)a[1] + 4095) & ~4095ul);

	if (!rewrite_enabled || IS_ERR_RET(ret) || a[2] != 5 /* PROT_READ|PROT_EXEC */ ||
	    (a[3] & 3) != 2 /* MAP_PRIVATE */ || (a[3] & 0x20) /* MAP_ANONYMOUS: no file */ ||
	    (int)a[4] < 0 || (a[5] & 4095) || hi <= lo)
		return;
	if (rt_sys2(__NR_fstat, a[4], &st) || (st.mode & 0170000) != 0100000 ||
	    (uint64_t)st.size <= (uint64_t)a[5])
		return;
	/* Whole pages past the end of the file fault (SIGBUS) when read. */
	if ((uint64_t)st.size - (uint64_t)a[5] < hi - lo)
		hi = lo + (((uint64_t)st.size - (uint64_t)a[5] + 4095) & ~4095ul);
	learn_ident(&st, ident);
	if (!rewrite_try_lock())
		return;		/* busy: the next process learns it */
	f = learn_note_text(lo, hi, lo - (uintptr_t)a[5], ident);
	if (f)
		patch_learned(lo, hi, lo - (uintptr_t)a[5], f);
	rewrite_unlock();
}
