// SPDX-License-Identifier: GPL-2.0
/*
 * The "pad" shape: sites too short for a jmp rel32, reached through the
 * function's alignment padding. Pure bytes, as rewrite_emit.c (see
 * rewrite_emit.h for the shape and why it is safe).
 */
#include "rewrite_emit.h"

/* The length of one assembler alignment nop at p (avail bytes), or 0:
 * 90, or [66...][2e] 0f 1f with a zero displacement (nopl/nopw). */
static int nop_len(const uint8_t *p, int avail)
{
	int i = 0, cs = 0, want;

	while (i < avail && p[i] == 0x66)
		i++;
	if (i < avail && p[i] == 0x2e) {
		cs = 1;
		i++;
	}
	if (i < avail && p[i] == 0x90 && !cs)
		return i + 1;
	if (i + 3 > avail || p[i] != 0x0f || p[i + 1] != 0x1f)
		return 0;
	switch (p[i + 2]) {
	case 0x00: want = 0; break;		/* nopl (%rax) */
	case 0x40: want = 1; break;		/* nopl 0(%rax) */
	case 0x44: want = 2; break;		/* nopl 0(%rax,%rax,1) */
	case 0x80: want = 4; break;		/* nopl 0L(%rax) */
	case 0x84: want = 5; break;		/* nopl 0L(%rax,%rax,1) */
	default: return 0;
	}
	i += 3;
	if (i + want > avail)
		return 0;
	/* the SIB byte of the 44/84 forms is 00; displacements are zero */
	for (int k = 0; k < want; k++)
		if (p[i + k])
			return 0;
	return i + want;
}

int rewrite_match_pad(const uint8_t *b, uintptr_t site)
{
	static const uint8_t tail[6] = { 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff };
	const uint8_t *after = b + PAD_BEFORE;
	uintptr_t pad = site + 9, end = (pad + 15) & ~(uintptr_t)15;
	int off = 9;

	/* xor %eax,%eax; syscall, not preceded by a prefix (a REX byte
	 * would make it part of a longer instruction) */
	if (b[1] != 0x31 || b[2] != 0xc0 || b[3] != 0x0f || b[4] != 0x05 ||
	    (b[0] & 0xf0) == 0x40 || b[0] == 0x66 || b[0] == 0x67 || b[0] == 0xf0 ||
	    b[0] == 0xf2 || b[0] == 0xf3 || b[0] == 0x2e || b[0] == 0x3e ||
	    b[0] == 0x26 || b[0] == 0x36 || b[0] == 0x64 || b[0] == 0x65)
		return 0;
	/* cmp $-4096,%rax; ja rel8; ret */
	for (int i = 0; i < 6; i++)
		if (after[i] != tail[i])
			return 0;
	if (after[6] != 0x77 || after[8] != 0xc3)
		return 0;
	/* alignment nops, decoded forward from the ret, exactly up to the
	 * next 16-byte boundary, with room for a jmp rel32 */
	if (end - pad < SITE_PATCH_LEN)
		return 0;
	while (site + (uintptr_t)off < end) {
		int l = nop_len(after + off, (int)(end - site) - off);

		if (!l)
			return 0;
		off += l;
	}
	return site + (uintptr_t)off == end ? 9 : 0;
}

/* 1 when the instruction ending at b (its bytes before b examined, at
 * least 5) transfers control unconditionally: ret, int3, jmp rel8, ud2,
 * jmp rel32, call rel32 (before padding: a call that does not return). */
static int ends_transfer(const uint8_t *b)
{
	return b[-1] == 0xc3 || b[-1] == 0xcc || b[-2] == 0xeb ||
	       (b[-2] == 0x0f && b[-1] == 0x0b) || b[-5] == 0xe9 || b[-5] == 0xe8;
}

int rewrite_match_pad_before(const uint8_t *b, uintptr_t site)
{
	static const uint8_t body[13] = {
		0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0x77, 0x00, 0xc3,
	};
	const uint8_t *entry = b + PADB_BEFORE - 4;

	if ((site - 4) & 15)
		return 0;	/* not an entry the assembler aligned */
	for (int i = 0; i < 13; i++)
		if (i != 11 && entry[i] != body[i])
			return 0;
	if (entry[11] >= 0x80)
		return 0;	/* ja backwards, maybe into the padding */
	/* the longest padding that is whole nops from a transfer's end */
	for (int len = PADB_MAX; len >= SITE_PATCH_LEN; len--) {
		const uint8_t *start = entry - len;
		int off = 0;

		if (!ends_transfer(start))
			continue;
		while (off < len) {
			int l = nop_len(start + off, len - off);

			if (!l)
				break;
			off += l;
		}
		if (off == len)
			return len;
	}
	return 0;
}

void rewrite_emit_pad_before(uint8_t *out, int len, uintptr_t site, uintptr_t stub)
{
	uintptr_t jmp = site - 4 - SITE_PATCH_LEN;

	for (int i = 0; i < len - SITE_PATCH_LEN; i++)
		out[i] = 0x90;
	out += len - SITE_PATCH_LEN;
	/* e9 <rel32>                jmp stub               (the padding's end) */
	out[0] = 0xe9;
	pad_put32(out + 1, (int32_t)((long)stub - (long)(jmp + SITE_PATCH_LEN)));
}

void rewrite_emit_pad_stub(uint8_t s[GAP_STUB_SIZE], uintptr_t stub, uintptr_t pool_base,
			   uintptr_t site)
{
	uint8_t *t = s + 2;
	int i;

	/* 31 c0                     xor %eax,%eax          (the moved instruction) */
	s[0] = 0x31; s[1] = 0xc0;
	/* 48 8d 64 24 80            lea -0x80(%rsp),%rsp   (skip the red zone) */
	t[0] = 0x48; t[1] = 0x8d; t[2] = 0x64; t[3] = 0x24; t[4] = 0x80;
	/* ff 15 <rel32>             call *pool_header(%rip) -> cse_fast_entry */
	t[5] = 0xff; t[6] = 0x15;
	pad_put32(t + 7, (int32_t)((long)(pool_base + POOL_HDR_FAST) - (long)(stub + 13)));
	/* 48 8d a4 24 80 00 00 00   lea 0x80(%rsp),%rsp    (the return address) */
	t[11] = 0x48; t[12] = 0x8d; t[13] = 0xa4; t[14] = 0x24;
	t[15] = 0x80; t[16] = 0x00; t[17] = 0x00; t[18] = 0x00;
	/* e9 <rel32>                jmp site               (after the syscall) */
	t[19] = 0xe9;
	pad_put32(t + 20, (int32_t)((long)site - (long)(stub + 26)));
	/* cc ...                    int3 padding; then the kind, and g = 2 */
	for (i = 26; i < GAP_STUB_SIZE - 2; i++)
		s[i] = 0xcc;
	s[GAP_KIND_BYTE] = GAP_KIND_PAD;
	s[GAP_STUB_SIZE - 1] = 2;
}

void rewrite_emit_pad_jmps(uint8_t at_jmp[2], uint8_t pad_jmp[SITE_PATCH_LEN], uintptr_t site,
			   uintptr_t pad, uintptr_t stub)
{
	/* eb <rel8>                 jmp pad                (was xor %eax,%eax) */
	at_jmp[0] = 0xeb;
	at_jmp[1] = (uint8_t)(int8_t)((long)pad - (long)(site - 2));
	/* e9 <rel32>                jmp stub               (in the padding) */
	pad_jmp[0] = 0xe9;
	pad_put32(pad_jmp + 1, (int32_t)((long)stub - (long)(pad + SITE_PATCH_LEN)));
}
