// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes the rewriter writes (see rewrite.c for when and how). Every
 * sequence carries its disassembly; selftests/host/progs/rewrite_golden.c
 * pins them byte for byte.
 */
#include "rewrite_emit.h"

static void put32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
	p[2] = (uint8_t)(u >> 16);
	p[3] = (uint8_t)(u >> 24);
}

static int32_t rel32(uintptr_t from_end, uintptr_t to)
{
	return (int32_t)((long)to - (long)from_end);
}

int rewrite_match(const uint8_t b[8], long nr)
{
	const uint8_t *insn = b + 1;
	uint32_t imm;

	/* b8 <nr> 0f 05, not preceded by a REX prefix (that would be r8d..r15d) */
	if (insn[0] != 0xb8 || insn[5] != 0x0f || insn[6] != 0x05 ||
	    (b[0] & 0xf0) == 0x40)
		return 0;
	imm = (uint32_t)insn[1] | (uint32_t)insn[2] << 8 |
	      (uint32_t)insn[3] << 16 | (uint32_t)insn[4] << 24;
	return imm == (uint32_t)nr;
}

void rewrite_emit_stub(uint8_t s[STUB_SIZE], uintptr_t stub, uintptr_t pool_base,
		       uintptr_t site, uint32_t nr)
{
	/* 48 8d 64 24 80            lea -0x80(%rsp),%rsp   (skip the red zone) */
	s[0] = 0x48; s[1] = 0x8d; s[2] = 0x64; s[3] = 0x24; s[4] = 0x80;
	/* b8 <nr>                   mov $nr,%eax           (the moved instruction) */
	s[5] = 0xb8;
	put32(s + 6, (int32_t)nr);
	/* ff 15 <rel32>             call *pool_header(%rip) -> cse_fast_entry */
	s[10] = 0xff; s[11] = 0x15;
	put32(s + 12, rel32(stub + 16, pool_base));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp */
	s[16] = 0x48; s[17] = 0x8d; s[18] = 0xa4; s[19] = 0x24;
	s[20] = 0x80; s[21] = 0x00; s[22] = 0x00; s[23] = 0x00;
	/* e9 <rel32>                jmp site               (after the syscall) */
	s[24] = 0xe9;
	put32(s + 25, rel32(stub + 29, site));
	/* cc cc cc                  int3 padding */
	s[29] = 0xcc; s[30] = 0xcc; s[31] = 0xcc;
}

void rewrite_emit_jmp(uint8_t j[SITE_PATCH_LEN], uintptr_t at, uintptr_t stub)
{
	/* e9 <rel32>   jmp stub   (replaces b8 <nr>) */
	j[0] = 0xe9;
	put32(j + 1, rel32(at + 5, stub));
}
