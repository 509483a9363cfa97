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

/* The site a stub resumes at, from the return address of its call
 * (stub + STUB_RET_OFF): read back from the stub's final jmp. */
#define STUB_RET_OFF	16
uintptr_t rewrite_stub_site(uintptr_t stub_ret);

/* The jmp to stub that replaces the 5 bytes at address at. */
void rewrite_emit_jmp(uint8_t out[SITE_PATCH_LEN], uintptr_t at, uintptr_t stub);

/*
 * Sites whose number is already in rax: `mov %reg,%rax; syscall` (3 + 2
 * bytes, the shape of syscall(2)-like wrappers) and `xor $imm8,%sil;
 * syscall` (4 + 2, glibc's futex calls: FUTEX_PRIVATE_FLAG toggled last).
 * Both instructions are replaced by one jmp (after a 1-byte nop for the
 * 4-byte xor) whose rel32 ends in the bytes 0f 05, so the old syscall
 * instruction's address still holds a `syscall`: a branch to it traps
 * exactly as before the patch, and a branch to the first instruction's
 * address reaches the jmp (through the nop). That fixes the stub's distance from the site to DYN_REL32_BASE +
 * [0, 64K). The stub replays the first instruction.
 */
#define DYN_SITE_SPAN	5		/* `mov %reg,%rax; syscall` ends at the site */
#define DYN_INSN_MAX	4		/* longest replayed instruction */
#define DYN_PATCH_MAX	(DYN_INSN_MAX + 2)
#define DYN_STUB_SIZE	48
#define DYN_REL32_BASE	0x050f0000L	/* rel32 bytes xx xx 0f 05 */
#define DYN_REL32_SPAN	0x10000L
#define DYN_TRAP_SKIP	13		/* return address + this: the trap tail */
#define POOL_HDR_FAST	0		/* pool header: &cse_fast_entry */
#define POOL_HDR_DYN	8		/* pool header: &cse_fast_entry_dyn */

/* 1 when bytes (site - 6 .. site - 1) are a byte of context and then
 * `mov %reg,%rax` or `mov %reg32,%eax` (3 bytes) and `syscall`. */
int rewrite_match_dyn(const uint8_t bytes[6]);

/* 1 when bytes (site - 7 .. site - 1) are a byte of context and then
 * `xor $imm8` into a byte register (REX 40 or 41, 80 /6, mod 11: 4
 * bytes, e.g. 40 80 f6 80 xor $0x80,%sil) and `syscall`. */
int rewrite_match_xor8(const uint8_t bytes[7]);

/* The length (3 or 4) of the instruction before the syscall ending
 * at site for any register-number shape above, or 0. bytes = site - 8. */
int rewrite_match_reg(const uint8_t bytes[8]);

/* 1 when a jmp ending at site to stub ends in 0f 05. */
int rewrite_dyn_reach(uintptr_t site, uintptr_t stub);

/* The stub replaying the insn_len-byte instruction, then calling
 * cse_fast_entry_dyn. */
void rewrite_emit_dyn_stub(uint8_t out[DYN_STUB_SIZE], uintptr_t stub,
			   uintptr_t pool_base, uintptr_t site, const uint8_t *insn,
			   int insn_len);

/* The insn_len + 2 bytes at site - insn_len - 2: nops, then a jmp to stub
 * ending at site (in 0f 05 when rewrite_dyn_reach). */
void rewrite_emit_dyn_jmp(uint8_t out[DYN_PATCH_MAX], int insn_len, uintptr_t site,
			  uintptr_t stub);

/*
 * Sites where a few register moves sit between `mov $nr,%eax` and the
 * syscall: `mov $nr,%eax; mov %rdi,%rsi; mov $-100,%edi; syscall` (glibc
 * 2.41's open64). Forward-decoded from the `mov $nr,%eax` whose immediate
 * is the trapped number, so nothing is guessed backwards from the syscall.
 * Only that mov's 5 bytes become a jmp to a "gap stub", which does the mov,
 * replays the moves byte for byte, then calls cse_fast_entry like a plain
 * stub; the moves and the syscall stay in place, so a branch into them
 * still runs them and traps. A replayed instruction writes one register
 * other than rax from a register or an immediate (mov, movabs, xor; REX
 * allowed), or stores a register or an immediate to memory (mov, movups,
 * movaps, movdqa/u, movq; any address but rip-relative), or moves into
 * an xmm register from a register (movq, movaps, punpcklqdq, pxor: glibc
 * 2.36's ld.so stores its robust list head so): it has the same effect
 * at any address, and a signal in the middle of the replay resumes at
 * the same instruction of the application's copy (sigdefer.c).
 */
#define GAP_MAX		24	/* bytes of moves between mov $nr and syscall */
#define GAP_INSNS_MAX	4
#define GAP_STUB_SIZE	64	/* the last byte holds the gap's length */
#define GAP_KIND_BYTE	(GAP_STUB_SIZE - 2)	/* 0: gap stub, 1: dyn5 stub */

/* The length of one replayable instruction at p (avail bytes), or 0. */
int rewrite_gap_insn(const uint8_t *p, int avail);

/* w: n bytes ending with the syscall instruction (at site - 2, n <=
 * GAP_MAX + 8). The length g > 0 of the moves between `mov $nr,%eax`
 * (at w + n - 7 - g, not preceded by a REX byte) and the syscall, or 0. */
int rewrite_match_gap(const uint8_t *w, int n, long nr);

/* The gap stub: mov $nr,%eax, the g bytes of gap, then as a plain stub. */
void rewrite_emit_gap_stub(uint8_t out[GAP_STUB_SIZE], uintptr_t stub,
			   uintptr_t pool_base, uintptr_t site, uint32_t nr,
			   const uint8_t *gap, int g);

/*
 * glibc 2.41's cancellable calls (read, write, open, close, ... all go
 * through __syscall_cancel_arch) end in `mov %r11,0x8(%rsp); syscall`
 * with the number already in rax, glibc's syscall() in `mov
 * 0x8(%rsp),%r9; syscall`. A 5-byte instruction before the syscall is
 * replaced by a plain jmp (the syscall stays), and its stub, in the gap
 * pools, is a register-number stub replaying it (trap tail included).
 * Replayable 5-byte instructions: a 64-bit store of a register to
 * disp8(%rsp) or a load of a register but rsp from there (same rsp in
 * the stub), or mov $imm32 into a register other than eax.
 */
/* 1 when bytes (site - 8 .. site - 1) are a byte of context (not a
 * prefix), one such instruction and `syscall`. */
int rewrite_match_dyn5(const uint8_t bytes[8]);

/*
 * glibc 2.36's read(): the number 0 is loaded by `xor %eax,%eax` (2
 * bytes, no room for a jmp rel32), in the shape
 *   31 c0 0f 05 48 3d 00 f0 ff ff 77 xx c3 <nops to a 16-byte boundary>
 * (xor; syscall; cmp $-4096,%rax; ja; ret; alignment padding), decoded
 * forward from the xor, an instruction boundary we know. The padding
 * follows an unconditional ret and ends at the aligned label the
 * assembler padded for: it is never executed, so its first 5 bytes may
 * hold a jmp to the stub, and the xor becomes a jmp rel8 to them. The
 * syscall and everything after it stay in place: a branch to the syscall
 * traps as before, a return after it (a trap in flight) resumes as
 * before. The pad stub lives in a gap pool: xor %eax,%eax replayed, then
 * as a gap stub (kind byte GAP_KIND_PAD, length byte 2).
 */
#define GAP_KIND_PAD	2
#define PAD_BEFORE	5	/* bytes examined before the site */
#define PAD_AFTER	24	/* bytes examined from the site on */

/* b: the PAD_BEFORE + PAD_AFTER bytes from site - PAD_BEFORE (site = the
 * address after the syscall). The padding's offset from site (9), or 0. */
int rewrite_match_pad(const uint8_t *b, uintptr_t site);

/*
 * glibc's __read_nocancel (ld.so's and libc's, every version since 2.26):
 * the same xor; syscall; cmp; ja; ret at a 16-byte aligned entry, but
 * ja's target right after 3 bytes of nops: no room for a jmp there. The
 * padding before the entry is used instead, the previous function's
 * tail after its last instruction (ret, jmp, call __stack_chk_fail,
 * ud2, int3): whole assembler nops from there exactly to the entry, 5
 * to 15 bytes. They become 90s then `jmp stub`, the xor a jmp rel8 back
 * to that jmp: a fall through the padding into the entry (none, the
 * instruction before transfers) would still replay the xor and reach
 * the syscall's continuation, as before. Same stub as the pad shape.
 */
#define PADB_MAX	15	/* bytes of padding at most before an entry */
#define PADB_BEFORE	24	/* bytes examined before the site: 4 + 15 + 5 */
#define PADB_AFTER	9	/* and from the site on: cmp, ja, ret */

/* b: the PADB_BEFORE + PADB_AFTER bytes from site - PADB_BEFORE. The
 * padding's length (5..PADB_MAX, it starts at site - 4 - length), or 0. */
int rewrite_match_pad_before(const uint8_t *b, uintptr_t site);

/* The bytes for the padding (len of them): 90s, then jmp stub. */
void rewrite_emit_pad_before(uint8_t *out, int len, uintptr_t site, uintptr_t stub);

void rewrite_emit_pad_stub(uint8_t out[GAP_STUB_SIZE], uintptr_t stub,
			   uintptr_t pool_base, uintptr_t site);

/* The 2 bytes replacing the xor at site - 4 and the 5 at pad. */
void rewrite_emit_pad_jmps(uint8_t at_jmp[2], uint8_t pad_jmp[SITE_PATCH_LEN], uintptr_t site,
			   uintptr_t pad, uintptr_t stub);

static inline void pad_put32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
	p[2] = (uint8_t)(u >> 16);
	p[3] = (uint8_t)(u >> 24);
}

#endif /* CSE_REWRITE_EMIT_H */
