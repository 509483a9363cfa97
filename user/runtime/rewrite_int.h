/* SPDX-License-Identifier: GPL-2.0 */
/* The rewriter's parts shared by rewrite.c and rewrite_load.c. */
#ifndef CSE_REWRITE_INT_H
#define CSE_REWRITE_INT_H

#include "runtime.h"
#include "rewrite_emit.h"

/* One site's patch: n bytes at `at` become jmp; for a pad site, first
 * the padding at at2 (never executed) becomes jmp2. */
struct site_patch {
	uint8_t *at;
	size_t n;
	uint8_t jmp[DYN_PATCH_MAX];
	uint8_t *at2;
	uint8_t jmp2[SITE_PATCH_LEN];
};

extern int rewrite_enabled;
/*
 * The stub for the syscall ending at site and the jmp that reaches it,
 * when the site has a shape we patch; with lo != 0, only inside [lo, hi),
 * pages known to be r-x. 0 on success; with the rewrite lock held.
 */
int prepare_site(uintptr_t site, long nr, uintptr_t lo, uintptr_t hi, struct site_patch *p);
/* The k patches made, [page, page + len) briefly writable. */
void patch_sites(const struct site_patch *ps, int k, uintptr_t page, size_t len);
/* The k patches made, their pages writable already. */
void write_patches(const struct site_patch *ps, int k);
/* The n (writable) pages at pg made private copies now; pg gets sorted. */
void rewrite_populate(uintptr_t *pg, int n);
int rewrite_try_lock(void);	/* 1: taken */
void rewrite_unlock(void);

#endif
