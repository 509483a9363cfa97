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
	put32(s + 12, rel32(stub + 16, pool_base + POOL_HDR_FAST));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp */
	s[16] = 0x48; s[17] = 0x8d; s[18] = 0xa4; s[19] = 0x24;
	s[20] = 0x80; s[21] = 0x00; s[22] = 0x00; s[23] = 0x00;
	/* e9 <rel32>                jmp site               (after the syscall) */
	s[24] = 0xe9;
	put32(s + 25, rel32(stub + 29, site));
	/* cc cc cc                  int3 padding */
	s[29] = 0xcc; s[30] = 0xcc; s[31] = 0xcc;
}

uintptr_t rewrite_stub_site(uintptr_t stub_ret)
{
	/* stub+24: e9 <rel32> jmp site, 8 bytes after the return address */
	const uint8_t *j = (const uint8_t *)stub_ret + 8;
	uint32_t u = (uint32_t)j[1] | (uint32_t)j[2] << 8 | (uint32_t)j[3] << 16 |
		     (uint32_t)j[4] << 24;

	return stub_ret + 13 + (uintptr_t)(intptr_t)(int32_t)u;
}

void rewrite_emit_jmp(uint8_t j[SITE_PATCH_LEN], uintptr_t at, uintptr_t stub)
{
	/* e9 <rel32>   jmp stub   (replaces b8 <nr>) */
	j[0] = 0xe9;
	put32(j + 1, rel32(at + 5, stub));
}

/* Legacy prefixes and REX: a byte that would change the mov's meaning. */
static int prefix_byte(uint8_t b)
{
	return (b & 0xf0) == 0x40 || b == 0x66 || b == 0x67 || b == 0xf0 ||
	       b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x26 || b == 0x64 || b == 0x65;
}

int rewrite_match_dyn(const uint8_t b[6])
{
	uint8_t rex = b[1], op = b[2], modrm = b[3];

	if (b[4] != 0x0f || b[5] != 0x05 || prefix_byte(b[0]))
		return 0;
	/* REX 0100WRXB with X = 0 (no index register in a register move) */
	if ((rex & 0xf0) != 0x40 || (rex & 0x2))
		return 0;
	/* 89 /r, mod 11: mov reg -> rm, rm must be rax (B = 0, rm = 000) */
	if (op == 0x89)
		return !(rex & 0x1) && (modrm & 0xc7) == 0xc0;
	/* 8b /r, mod 11: mov rm -> reg, reg must be rax (R = 0, reg = 000) */
	if (op == 0x8b)
		return !(rex & 0x4) && (modrm & 0xf8) == 0xc0;
	return 0;
}

int rewrite_dyn_reach(uintptr_t site, uintptr_t stub)
{
	long d = (long)stub - (long)site;	/* the jmp ends at the site */

	return d >= DYN_REL32_BASE && d < DYN_REL32_BASE + DYN_REL32_SPAN;
}

void rewrite_emit_dyn_stub(uint8_t s[DYN_STUB_SIZE], uintptr_t stub,
			   uintptr_t pool_base, uintptr_t site, const uint8_t mov[3])
{
	/* REX 89|8b /r              mov %reg,%rax          (the moved instruction) */
	s[0] = mov[0]; s[1] = mov[1]; s[2] = mov[2];
	/* 48 8d 64 24 80            lea -0x80(%rsp),%rsp   (skip the red zone) */
	s[3] = 0x48; s[4] = 0x8d; s[5] = 0x64; s[6] = 0x24; s[7] = 0x80;
	/* ff 15 <rel32>             call *pool_header+8(%rip) -> cse_fast_entry_dyn */
	s[8] = 0xff; s[9] = 0x15;
	put32(s + 10, rel32(stub + 14, pool_base + POOL_HDR_DYN));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp    (return address: stub+14) */
	s[14] = 0x48; s[15] = 0x8d; s[16] = 0xa4; s[17] = 0x24;
	s[18] = 0x80; s[19] = 0x00; s[20] = 0x00; s[21] = 0x00;
	/* e9 <rel32>                jmp site */
	s[22] = 0xe9;
	put32(s + 23, rel32(stub + 27, site));
	/*
	 * Trap tail, stub+27 = stub+14 + DYN_TRAP_SKIP: the fast entry returns
	 * here with rax = nr for calls that need the signal frame (clone,
	 * execve, ...): this syscall is outside the allowed region and traps.
	 */
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp */
	s[27] = 0x48; s[28] = 0x8d; s[29] = 0xa4; s[30] = 0x24;
	s[31] = 0x80; s[32] = 0x00; s[33] = 0x00; s[34] = 0x00;
	/* 0f 05                     syscall */
	s[35] = 0x0f; s[36] = 0x05;
	/* e9 <rel32>                jmp site */
	s[37] = 0xe9;
	put32(s + 38, rel32(stub + 42, site));
	/* cc x6                     int3 padding */
	for (int i = 42; i < DYN_STUB_SIZE; i++)
		s[i] = 0xcc;
}
