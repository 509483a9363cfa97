/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rewriter's pure part: recognising a patchable site and producing
 * the bytes of its stub and of its jump. No system calls and no runtime
 * state, so selftests/host/progs/rewrite_golden.c links it on its own and
 * checks every byte against hand-disassembled expectations.
 */
#ifndef CSE_REWRITE_EMIT_H
#define CSE_REWRITE_EMIT_H

#include <stdint.h>

#define STUB_SIZE	32	/* bytes per stub in a pool */
#define SITE_PATCH_LEN	5	/* bytes replaced at a site */
#define SITE_SPAN	7	/* `mov $nr,%eax; syscall` ends at the site */

/*
 * 1 when the 7 bytes before site (site = the address after the syscall
 * instruction) are `mov $nr,%eax; syscall` for this nr, not preceded by a
 * REX prefix. bytes points at site - 8 (one byte of context first).
 */
int rewrite_match(const uint8_t bytes[8], long nr);

/* The stub at address stub, for a pool whose header (the absolute address
 * of cse_fast_entry) is at pool_base; resumes at site. */
void rewrite_emit_stub(uint8_t out[STUB_SIZE], uintptr_t stub, uintptr_t pool_base,
		       uintptr_t site, uint32_t nr);

/* The jmp to stub that replaces the mov at address at. */
void rewrite_emit_jmp(uint8_t out[SITE_PATCH_LEN], uintptr_t at, uintptr_t stub);

#endif /* CSE_REWRITE_EMIT_H */
