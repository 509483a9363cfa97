/* SPDX-License-Identifier: GPL-2.0 */
/* The rewriter's parts shared by rewrite.c and rewrite_load.c. */
#ifndef CSE_REWRITE_INT_H
#define CSE_REWRITE_INT_H

#include "runtime.h"
#include "rewrite_emit.h"

/* One site's patch: n bytes at `at` become jmp; for a pad site, first
 * the n2 bytes of padding at at2 (never executed) become jmp2. */
struct site_patch {
	uint8_t *at;
	size_t n;
	uint8_t jmp[DYN_PATCH_MAX];
	uint8_t *at2;
	size_t n2;
	uint8_t jmp2[PADB_MAX];
};

/* The end of the bytes p changes. */
static inline uintptr_t patch_end(const struct site_patch *p)
{
	uintptr_t e = (uintptr_t)p->at + p->n, e2 = (uintptr_t)p->at2 + p->n2;

	return p->at2 && e2 > e ? e2 : e;
}

extern int rewrite_enabled;
/* A CLONE_VM sibling may execute code we patch: atomic patches only. */
extern volatile int shared_memory_threads;
#define BATCH_MAX	16	/* patches made under one mprotect pair */
/*
 * The stub for the syscall ending at site and the jmp that reaches it,
 * when the site has a shape we patch; with lo != 0, only inside [lo, hi),
 * pages known to be r-x. 0 on success; with the rewrite lock held.
 */
int prepare_site(uintptr_t site, long nr, uintptr_t lo, uintptr_t hi, struct site_patch *p);
/* The same for text mapped just now, which no thread has run yet. */
int prepare_fresh_site(uintptr_t site, long nr, uintptr_t lo, uintptr_t hi,
		       struct site_patch *p);
/* The k patches made, [page, page + len) briefly writable. */
void patch_sites(const struct site_patch *ps, int k, uintptr_t page, size_t len);
/* The k patches made, their pages writable already. */
void write_patches(const struct site_patch *ps, int k);
/* The n (writable) pages at pg made private copies now; pg gets sorted. */
void rewrite_populate(uintptr_t *pg, int n);
int rewrite_try_lock(void);	/* 1: taken */
void rewrite_unlock(void);

#endif
