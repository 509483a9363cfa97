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

int rewrite_match_xor8(const uint8_t b[7])
{
	if (b[5] != 0x0f || b[6] != 0x05 || prefix_byte(b[0]))
		return 0;
	/* REX 40 (spl..dil, al..bl) or 41 (r8b..r15b): W = R = X = 0 */
	if (b[1] != 0x40 && b[1] != 0x41)
		return 0;
	/* 80 /6 ib, mod 11: xor $imm8 into a register, no memory operand */
	return b[2] == 0x80 && (b[3] & 0xf8) == 0xf0;
}

int rewrite_match_reg(const uint8_t b[8])
{
	if (rewrite_match_dyn(b + 2))
		return 3;
	if (rewrite_match_xor8(b + 1))
		return 4;
	return 0;
}

int rewrite_dyn_reach(uintptr_t site, uintptr_t stub)
{
	long d = (long)stub - (long)site;	/* the jmp ends at the site */

	return d >= DYN_REL32_BASE && d < DYN_REL32_BASE + DYN_REL32_SPAN;
}

void rewrite_emit_dyn_stub(uint8_t s[DYN_STUB_SIZE], uintptr_t stub,
			   uintptr_t pool_base, uintptr_t site, const uint8_t *insn,
			   int insn_len)
{
	const int len = insn_len;
	uint8_t *t;
	int i;

	/* <insn_len bytes>          the moved instruction: mov %reg,%rax
	 *                           or xor $imm8,%sil */
	for (i = 0; i < len; i++)
		s[i] = insn[i];
	t = s + len;
	/* 48 8d 64 24 80            lea -0x80(%rsp),%rsp   (skip the red zone) */
	t[0] = 0x48; t[1] = 0x8d; t[2] = 0x64; t[3] = 0x24; t[4] = 0x80;
	/* ff 15 <rel32>             call *pool_header+8(%rip) -> cse_fast_entry_dyn */
	t[5] = 0xff; t[6] = 0x15;
	put32(t + 7, rel32(stub + (uintptr_t)len + 11, pool_base + POOL_HDR_DYN));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp    (the return address) */
	t[11] = 0x48; t[12] = 0x8d; t[13] = 0xa4; t[14] = 0x24;
	t[15] = 0x80; t[16] = 0x00; t[17] = 0x00; t[18] = 0x00;
	/* e9 <rel32>                jmp site */
	t[19] = 0xe9;
	put32(t + 20, rel32(stub + (uintptr_t)len + 24, site));
	/*
	 * Trap tail, return address + DYN_TRAP_SKIP: the fast entry returns
	 * here with rax = nr for calls that need the signal frame (clone,
	 * execve, ...): this syscall is outside the allowed region and traps.
	 */
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp */
	t[24] = 0x48; t[25] = 0x8d; t[26] = 0xa4; t[27] = 0x24;
	t[28] = 0x80; t[29] = 0x00; t[30] = 0x00; t[31] = 0x00;
	/* 0f 05                     syscall */
	t[32] = 0x0f; t[33] = 0x05;
	/* e9 <rel32>                jmp site */
	t[34] = 0xe9;
	put32(t + 35, rel32(stub + (uintptr_t)len + 39, site));
	/* cc ...                    int3 padding */
	for (i = len + 39; i < DYN_STUB_SIZE; i++)
		s[i] = 0xcc;
}

void rewrite_emit_dyn_jmp(uint8_t j[DYN_PATCH_MAX], int insn_len, uintptr_t site,
			  uintptr_t stub)
{
	const int len = insn_len;
	uint8_t *e = j + len - 3;

	/* Over the first len - 3 bytes of the moved instruction:
	 *   (nothing)     len 3
	 *   90            nop              len 4 */
	if (len == 4)
		j[0] = 0x90;
	/* e9 <rel32>      jmp stub         (ends at site; rel32 = xx xx 0f 05) */
	e[0] = 0xe9;
	put32(e + 1, rel32(site, stub));
}

/*
 * The length of a ModRM memory operand at p (ModRM, SIB, displacement),
 * or 0 for a register operand (mod 11), a rip-relative one (its address
 * would move with the instruction), or one that does not fit in avail.
 */
static int mem_operand(const uint8_t *p, int avail)
{
	int mod, len = 1;

	if (avail < 1 || (mod = p[0] >> 6) == 3)
		return 0;
	if ((p[0] & 7) == 4) {		/* SIB */
		if (avail < 2)
			return 0;
		len = 2;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;	/* disp32, no base: absolute */
	} else if (mod == 0 && (p[0] & 7) == 5) {
		return 0;		/* rip-relative */
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return len <= avail ? len : 0;
}

/*
 * SSE moves ld.so puts between the number and the syscall (glibc 2.36's
 * set_robust_list: movq %rdi,%xmm0; punpcklqdq %xmm0,%xmm0; movups
 * %xmm0,disp(%rbx)): they write an xmm register or memory, never a
 * general register. p after the prefixes (66 when pfx66, f3 when pfxf3)
 * and REX; the length from p on, or 0.
 */
static int sse_insn(const uint8_t *p, int avail, int pfx66, int pfxf3)
{
	int m;

	if (avail < 3 || p[0] != 0x0f)
		return 0;
	switch (p[1]) {
	case 0x11: case 0x29:		/* movups/movaps (66: movupd/movapd) xmm -> m */
		if (pfxf3)
			return 0;
		m = mem_operand(p + 2, avail - 2);
		return m ? 2 + m : 0;
	case 0x7f:			/* 66: movdqa, f3: movdqu xmm -> m */
	case 0xd6:			/* 66: movq xmm -> m64 */
		if (!(pfx66 || (pfxf3 && p[1] == 0x7f)))
			return 0;
		m = mem_operand(p + 2, avail - 2);
		return m ? 2 + m : 0;
	case 0x28:			/* movaps xmm, xmm */
	case 0x6e:			/* 66: movd/movq r32/r64 -> xmm */
	case 0x6c:			/* 66: punpcklqdq xmm, xmm */
	case 0xef:			/* 66: pxor xmm, xmm */
		if (pfxf3 || (p[1] != 0x28 && !pfx66) || (p[1] == 0x28 && pfx66))
			return 0;
		return (p[2] & 0xc0) == 0xc0 ? 3 : 0;
	default:
		return 0;
	}
}

int rewrite_gap_insn(const uint8_t *p, int avail)
{
	int i = 0, dst, len, m, pfx66 = 0, pfxf3 = 0;
	uint8_t rex = 0, op, modrm;

	if (avail > 0 && (p[0] == 0x66 || p[0] == 0xf3)) {
		pfx66 = p[0] == 0x66;
		pfxf3 = !pfx66;
		i = 1;
	}
	if (i < avail && (p[i] & 0xf0) == 0x40) {
		rex = p[i];
		i++;
	}
	if (i >= avail)
		return 0;
	op = p[i];
	if (op == 0x0f) {
		m = sse_insn(p + i, avail - i, pfx66, pfxf3);
		return m ? i + m : 0;
	}
	if (pfx66 || pfxf3)
		return 0;
	/* A store to memory (no register written): mov %r,m (88, 89), mov
	 * $imm,m (c6 /0 ib, c7 /0 id); any address but rip-relative, which
	 * would move with the instruction. */
	if (op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7) {
		if (i + 1 < avail && (p[i + 1] & 0xc0) != 0xc0) {
			if ((op == 0xc6 || op == 0xc7) && (p[i + 1] & 0x38))
				return 0;	/* not /0 */
			m = mem_operand(p + i + 1, avail - i - 1);
			if (!m)
				return 0;
			len = i + 1 + m + (op == 0xc6 ? 1 : op == 0xc7 ? 4 : 0);
			return len <= avail ? len : 0;
		}
		if (op == 0x88 || op == 0xc6)
			return 0;
	}
	/* REX.X (no index register here) never appears in the register forms */
	if (rex & 0x2)
		return 0;
	if (op >= 0xb8 && op <= 0xbf) {
		/* b8+r imm32: mov $imm,%r32; REX.W: movabs $imm64,%r64 */
		if (rex & 0x4)
			return 0;
		dst = (op & 7) | (rex & 1) << 3;
		len = i + 1 + ((rex & 0x8) ? 8 : 4);
	} else if (op == 0x89 || op == 0x8b || op == 0x31 || op == 0x33) {
		/* mov/xor between registers: mod 11 */
		if (i + 2 > avail || ((modrm = p[i + 1]) & 0xc0) != 0xc0)
			return 0;
		if (op == 0x89 || op == 0x31)
			dst = (modrm & 7) | (rex & 1) << 3;		/* rm */
		else
			dst = (modrm >> 3 & 7) | (rex >> 2 & 1) << 3;	/* reg */
		len = i + 2;
	} else if (op == 0xc7) {
		/* c7 /0 imm32, mod 11: mov $imm,%r32 (REX.W: sign-extended) */
		if (i + 2 > avail || ((modrm = p[i + 1]) & 0xf8) != 0xc0 || (rex & 0x4))
			return 0;
		dst = (modrm & 7) | (rex & 1) << 3;
		len = i + 6;
	} else {
		return 0;
	}
	return dst != 0 && len <= avail ? len : 0;	/* never rax: it holds nr */
}

int rewrite_match_gap(const uint8_t *w, int n, long nr)
{
	if (n < 9 || w[n - 2] != 0x0f || w[n - 1] != 0x05)
		return 0;
	for (int g = 1; g <= GAP_MAX && g + 8 <= n; g++) {
		const uint8_t *a = w + n - 7 - g;
		uint32_t imm = (uint32_t)a[1] | (uint32_t)a[2] << 8 |
			       (uint32_t)a[3] << 16 | (uint32_t)a[4] << 24;
		int off = 0, k = 0, l;

		if (a[0] != 0xb8 || imm != (uint32_t)nr || (a[-1] & 0xf0) == 0x40)
			continue;
		while (off < g && k++ < GAP_INSNS_MAX && (l = rewrite_gap_insn(a + 5 + off, g - off)))
			off += l;
		if (off == g)
			return g;
	}
	return 0;
}

void rewrite_emit_gap_stub(uint8_t s[GAP_STUB_SIZE], uintptr_t stub, uintptr_t pool_base,
			   uintptr_t site, uint32_t nr, const uint8_t *gap, int g)
{
	uint8_t *t = s + 5 + g;
	int i;

	/* b8 <nr>                   mov $nr,%eax           (the moved instruction) */
	s[0] = 0xb8;
	put32(s + 1, (int32_t)nr);
	/* <g bytes>                 the moves up to the syscall, replayed */
	for (i = 0; i < g; i++)
		s[5 + i] = gap[i];
	/* 48 8d 64 24 80            lea -0x80(%rsp),%rsp   (skip the red zone) */
	t[0] = 0x48; t[1] = 0x8d; t[2] = 0x64; t[3] = 0x24; t[4] = 0x80;
	/* ff 15 <rel32>             call *pool_header(%rip) -> cse_fast_entry */
	t[5] = 0xff; t[6] = 0x15;
	put32(t + 7, rel32(stub + (uintptr_t)g + 16, pool_base + POOL_HDR_FAST));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp    (the return address) */
	t[11] = 0x48; t[12] = 0x8d; t[13] = 0xa4; t[14] = 0x24;
	t[15] = 0x80; t[16] = 0x00; t[17] = 0x00; t[18] = 0x00;
	/* e9 <rel32>                jmp site               (after the syscall) */
	t[19] = 0xe9;
	put32(t + 20, rel32(stub + (uintptr_t)g + 29, site));
	/* cc ...                    int3 padding; the last byte is g */
	for (i = g + 29; i < GAP_STUB_SIZE - 1; i++)
		s[i] = 0xcc;
	s[GAP_STUB_SIZE - 1] = (uint8_t)g;
}

int rewrite_match_dyn5(const uint8_t b[8])
{
	const uint8_t *i = b + 1;

	if (b[6] != 0x0f || b[7] != 0x05 || prefix_byte(b[0]))
		return 0;
	/* b9..bf imm32: mov $imm,%ecx..%edi */
	if (i[0] >= 0xb9 && i[0] <= 0xbf)
		return 1;
	/* REX.W (X = 0), mod 01 rm 100, SIB 24 (base rsp, no index), disp8:
	 * 89: mov %r64,disp8(%rsp); 8b: mov disp8(%rsp),%r64, into any
	 * register but rsp: rax is the number itself (glibc 2.41's
	 * single-threaded __syscall_cancel), r9 the sixth argument (glibc's
	 * syscall(), the number already in rax). The runtime's own helpers
	 * end otherwise (entry.S), so a nested cse-run's keep trapping. */
	if ((i[0] & 0xfa) != 0x48 || (i[2] & 0xc7) != 0x44 || i[3] != 0x24)
		return 0;
	return i[1] == 0x89 || (i[1] == 0x8b && ((i[0] & 0x4) || (i[2] & 0x38) != 0x20));
}
