// SPDX-License-Identifier: GPL-2.0
/*
 * Golden bytes of the rewriter (user/runtime/rewrite_emit.c), linked in
 * directly: for fixed addresses, the stub and the site's jump must be
 * exactly the bytes below, and the matcher must accept only the site
 * shape it can patch. Prints TAP lines; exit 1 on any mismatch.
 */
#include <stdio.h>
#include <string.h>
#include "rewrite_emit.h"

static int n, failed;

static void check(const char *name, const uint8_t *got, const uint8_t *want, size_t len)
{
	n++;
	if (!memcmp(got, want, len)) {
		printf("ok %d %s\n", n, name);
		return;
	}
	failed++;
	printf("not ok %d %s\n#   got: ", n, name);
	for (size_t i = 0; i < len; i++)
		printf(" %02x", got[i]);
	printf("\n#  want: ");
	for (size_t i = 0; i < len; i++)
		printf(" %02x", want[i]);
	printf("\n");
}

static void check_int(const char *name, int got, int want)
{
	n++;
	if (got == want) {
		printf("ok %d %s\n", n, name);
	} else {
		failed++;
		printf("not ok %d %s\n#   got %d, want %d\n", n, name, got, want);
	}
}

/* `mov %rsi,%rax; syscall` at a site, its stub 0x050f1234 bytes above. */
static void check_dyn(void)
{
	const uintptr_t site = 0x7effffd01238, stub = site + 0x050f1234, pool = stub - 64;
	static const uint8_t mov[3] = { 0x48, 0x89, 0xf0 };	/* mov %rsi,%rax */
	static const uint8_t want_stub[DYN_STUB_SIZE] = {
		0x48, 0x89, 0xf0,			/* mov %rsi,%rax (moved) */
		0x48, 0x8d, 0x64, 0x24, 0x80,		/* lea -0x80(%rsp),%rsp */
		0xff, 0x15, 0xba, 0xff, 0xff, 0xff,	/* call *-0x46(%rip) -> pool+8 */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
		0xe9, 0xb1, 0xed, 0xf0, 0xfa,		/* jmp site */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* trap tail: lea 0x80(%rsp),%rsp */
		0x0f, 0x05,				/* syscall */
		0xe9, 0xa2, 0xed, 0xf0, 0xfa,		/* jmp site */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,	/* int3 x6 */
	};
	/* jmp stub; its last two bytes sit where the syscall was */
	static const uint8_t want_jmp[SITE_PATCH_LEN] = { 0xe9, 0x34, 0x12, 0x0f, 0x05 };
	static const uint8_t m_rsi[6] = { 0x90, 0x48, 0x89, 0xf0, 0x0f, 0x05 };
	static const uint8_t m_r8d[6] = { 0x90, 0x44, 0x89, 0xc0, 0x0f, 0x05 };	/* mov %r8d,%eax */
	static const uint8_t m_8b[6] = { 0x90, 0x49, 0x8b, 0xc1, 0x0f, 0x05 };	/* mov %r9,%rax */
	static const uint8_t m_torcx[6] = { 0x90, 0x48, 0x89, 0xc1, 0x0f, 0x05 };	/* mov %rax,%rcx */
	static const uint8_t m_mem[6] = { 0x90, 0x48, 0x8b, 0x06, 0x0f, 0x05 };	/* mov (%rsi),%rax */
	static const uint8_t m_prefix[6] = { 0x66, 0x48, 0x89, 0xf0, 0x0f, 0x05 };
	uint8_t got_stub[DYN_STUB_SIZE], got_jmp[SITE_PATCH_LEN];

	uint8_t got_djmp[DYN_PATCH_MAX];

	rewrite_emit_dyn_stub(got_stub, stub, pool, site, mov, 3);
	check("dyn stub for mov %rsi,%rax; syscall", got_stub, want_stub, DYN_STUB_SIZE);
	rewrite_emit_jmp(got_jmp, site - DYN_SITE_SPAN, stub);
	check("dyn jmp ends in the syscall's bytes 0f 05", got_jmp, want_jmp, SITE_PATCH_LEN);
	rewrite_emit_dyn_jmp(got_djmp, 3, site, stub);
	check("dyn jmp for a 3-byte instruction: no nop", got_djmp, want_jmp, SITE_PATCH_LEN);
	check_int("dyn reach: 0x050f1234 above", rewrite_dyn_reach(site, stub), 1);
	check_int("dyn reach: 0x05100000 above", rewrite_dyn_reach(site, site + 0x05100000), 0);
	check_int("dyn reach: below the site", rewrite_dyn_reach(site, site - 0x1000), 0);
	check_int("dyn matcher: mov %rsi,%rax", rewrite_match_dyn(m_rsi), 1);
	check_int("dyn matcher: mov %r8d,%eax", rewrite_match_dyn(m_r8d), 1);
	check_int("dyn matcher: mov %r9,%rax (8b form)", rewrite_match_dyn(m_8b), 1);
	check_int("dyn matcher: mov to rcx", rewrite_match_dyn(m_torcx), 0);
	check_int("dyn matcher: load from memory", rewrite_match_dyn(m_mem), 0);
	check_int("dyn matcher: prefix before the mov", rewrite_match_dyn(m_prefix), 0);
	check_int("dyn trap tail is return address + DYN_TRAP_SKIP", 14 + DYN_TRAP_SKIP, 27);
}

/* `xor $0x80,%sil; syscall` (glibc futex wait), stub 0x050f1234 above. */
static void check_xor8(void)
{
	const uintptr_t site = 0x7effffd01238, stub = site + 0x050f1234, pool = stub - 64;
	static const uint8_t xor8[4] = { 0x40, 0x80, 0xf6, 0x80 };	/* xor $0x80,%sil */
	static const uint8_t want_stub[DYN_STUB_SIZE] = {
		0x40, 0x80, 0xf6, 0x80,			/* xor $0x80,%sil (moved) */
		0x48, 0x8d, 0x64, 0x24, 0x80,		/* lea -0x80(%rsp),%rsp */
		0xff, 0x15, 0xb9, 0xff, 0xff, 0xff,	/* call *-0x47(%rip) -> pool+8 */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
		0xe9, 0xb0, 0xed, 0xf0, 0xfa,		/* jmp site */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* trap tail: lea 0x80(%rsp),%rsp */
		0x0f, 0x05,				/* syscall */
		0xe9, 0xa1, 0xed, 0xf0, 0xfa,		/* jmp site */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc,		/* int3 x5 */
	};
	/* 90 nop; e9 34 12 0f 05 jmp stub: the last two bytes where the syscall was */
	static const uint8_t want_jmp[6] = { 0x90, 0xe9, 0x34, 0x12, 0x0f, 0x05 };
	/* A byte of context, the instruction, the syscall (site - 7 .. site - 1). */
	static const uint8_t m_sil[7] = { 0xd2, 0x40, 0x80, 0xf6, 0x80, 0x0f, 0x05 };
	static const uint8_t m_r8b[7] = { 0xd2, 0x41, 0x80, 0xf0, 0x01, 0x0f, 0x05 };	/* xor $1,%r8b */
	static const uint8_t m_dh[7] = { 0xd2, 0x90, 0x80, 0xf6, 0x80, 0x0f, 0x05 };	/* xor $0x80,%dh */
	static const uint8_t m_mem[7] = { 0xd2, 0x40, 0x80, 0x36, 0x80, 0x0f, 0x05 };	/* xor $0x80,(%rsi) */
	static const uint8_t m_cmp[7] = { 0xd2, 0x40, 0x80, 0xfe, 0x80, 0x0f, 0x05 };	/* cmp $0x80,%sil */
	static const uint8_t m_rexw[7] = { 0xd2, 0x48, 0x80, 0xf6, 0x80, 0x0f, 0x05 };
	static const uint8_t m_prefix[7] = { 0x66, 0x40, 0x80, 0xf6, 0x80, 0x0f, 0x05 };
	static const uint8_t m_sysenter[7] = { 0xd2, 0x40, 0x80, 0xf6, 0x80, 0x0f, 0x34 };
	uint8_t got_stub[DYN_STUB_SIZE], got_jmp[DYN_PATCH_MAX];
	uint8_t b8[8];

	rewrite_emit_dyn_stub(got_stub, stub, pool, site, xor8, 4);
	check("xor8 stub for xor $0x80,%sil; syscall", got_stub, want_stub, DYN_STUB_SIZE);
	rewrite_emit_dyn_jmp(got_jmp, 4, site, stub);
	check("xor8 site: nop, then a jmp ending in 0f 05", got_jmp, want_jmp, 6);
	check_int("xor8 trap tail is return address + DYN_TRAP_SKIP", 15 + DYN_TRAP_SKIP, 28);
	check_int("xor8 matcher: xor $0x80,%sil", rewrite_match_xor8(m_sil), 1);
	check_int("xor8 matcher: xor $1,%r8b", rewrite_match_xor8(m_r8b), 1);
	check_int("xor8 matcher: no REX (3-byte xor to dh)", rewrite_match_xor8(m_dh), 0);
	check_int("xor8 matcher: memory operand", rewrite_match_xor8(m_mem), 0);
	check_int("xor8 matcher: cmp, not xor", rewrite_match_xor8(m_cmp), 0);
	check_int("xor8 matcher: REX.W", rewrite_match_xor8(m_rexw), 0);
	check_int("xor8 matcher: prefix before the xor", rewrite_match_xor8(m_prefix), 0);
	check_int("xor8 matcher: not a syscall instruction", rewrite_match_xor8(m_sysenter), 0);
	b8[0] = 0x00;
	memcpy(b8 + 1, m_sil, 7);
	check_int("reg matcher: xor8 shape is 4 bytes", rewrite_match_reg(b8), 4);
}

/*
 * The register-number matcher (3- and 4-byte instructions) leaves the
 * 5-byte loads before a syscall to the dyn5 matcher (check_dyn5 below).
 */
static void check_reg_shapes(void)
{
	/* site - 8 .. site - 1 */
	static const uint8_t m_r9[8] = { 0xc8, 0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05 };
	static const uint8_t m_edi[8] = { 0x00, 0x00, 0x8b, 0x7c, 0x24, 0x08, 0x0f, 0x05 };
	static const uint8_t m_mov_nr[8] = { 0x90, 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t m_dyn3[8] = { 0x90, 0x90, 0x90, 0x48, 0x89, 0xf0, 0x0f, 0x05 };
	static const uint8_t m_xor_gap[8] = { 0x40, 0x80, 0xf6, 0x81, 0x90, 0x90, 0x0f, 0x05 };

	check_int("reg matcher: mov %rsi,%rax shape is 3 bytes", rewrite_match_reg(m_dyn3), 3);
	check_int("reg matcher: mov 0x8(%rsp),%r9; syscall is not a register shape",
		  rewrite_match_reg(m_r9), 0);
	check_int("reg matcher: mov 0x8(%rsp),%edi; syscall stays on SUD",
		  rewrite_match_reg(m_edi), 0);
	check_int("reg matcher: xor not next to the syscall", rewrite_match_reg(m_xor_gap), 0);
	check_int("reg matcher: mov $nr,%eax is not a register shape",
		  rewrite_match_reg(m_mov_nr), 0);
}

static void check_gap(void)
{
	/* glibc 2.41's open64: a byte of context, mov $0x101,%eax;
	 * mov %rdi,%rsi; mov $-100,%edi; syscall */
	static const uint8_t open64[16] = { 0x89, 0xf2, 0xb8, 0x01, 0x01, 0, 0,
					    0x48, 0x89, 0xfe, 0xbf, 0x9c, 0xff, 0xff, 0xff,
					    0x0f };
	uint8_t w[17], got[GAP_STUB_SIZE];
	/* pool at 0x7f0000200000, stub at +16, site 0x1000 above it */
	const uintptr_t pool = 0x7f0000200000, stub = pool + 16, site = pool + 0x1000;
	static const uint8_t want[GAP_STUB_SIZE] = {
		0xb8, 0x01, 0x01, 0x00, 0x00,		/* mov $0x101,%eax */
		0x48, 0x89, 0xfe,			/* mov %rdi,%rsi (replayed) */
		0xbf, 0x9c, 0xff, 0xff, 0xff,		/* mov $-100,%edi (replayed) */
		0x48, 0x8d, 0x64, 0x24, 0x80,		/* lea -0x80(%rsp),%rsp */
		0xff, 0x15, 0xd8, 0xff, 0xff, 0xff,	/* call *-0x28(%rip) -> pool header */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
		0xe9, 0xcb, 0x0f, 0x00, 0x00,		/* jmp site (+0xfcb) */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,	/* int3 ... */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0x08,			/* ..., the gap's length */
	};
	static const uint8_t r8d[] = { 0x41, 0xb8, 0x01, 0x01, 0, 0, 0x89, 0xf2, 0x0f, 0x05 };
	static const uint8_t mem[] = { 0x90, 0xb8, 0x01, 0x01, 0, 0, 0x8b, 0x37, 0x0f, 0x05 };
	static const uint8_t to_eax[] = { 0x90, 0xb8, 0x01, 0x01, 0, 0, 0x89, 0xd0, 0x0f, 0x05 };
	static const uint8_t movabs[] = { 0x90, 0xb8, 0x09, 0, 0, 0, 0x49, 0xba, 1, 2, 3, 4, 5,
					  6, 7, 8, 0x0f, 0x05 };

	memcpy(w, open64, 16);
	w[16] = 0x05;
	check_int("gap matcher: glibc 2.41 open64 (8 bytes of moves)",
		  rewrite_match_gap(w, 17, 0x101), 8);
	check_int("gap matcher: another number in the mov stays on SUD",
		  rewrite_match_gap(w, 17, 0x102), 0);
	check_int("gap matcher: mov $nr,%r8d (REX) is not the number",
		  rewrite_match_gap(r8d, sizeof(r8d), 0x101), 0);
	check_int("gap matcher: a memory operand stays on SUD",
		  rewrite_match_gap(mem, sizeof(mem), 0x101), 0);
	check_int("gap matcher: a move into eax stays on SUD",
		  rewrite_match_gap(to_eax, sizeof(to_eax), 0x101), 0);
	check_int("gap matcher: movabs $imm64,%r10 is replayed",
		  rewrite_match_gap(movabs, sizeof(movabs), 9), 10);
	check_int("gap insn: xor %edx,%edx", rewrite_gap_insn((const uint8_t *)"\x31\xd2", 2), 2);
	check_int("gap insn: xor %eax,%eax is not (rax)",
		  rewrite_gap_insn((const uint8_t *)"\x31\xc0", 2), 0);
	check_int("gap insn: mov $imm,%r10d (c7 /0)",
		  rewrite_gap_insn((const uint8_t *)"\x41\xc7\xc2\x01\x00\x00\x00", 7), 7);
	check_int("gap insn: lea is not", rewrite_gap_insn((const uint8_t *)"\x48\x8d\x37", 3), 0);
	{
		/* glibc 2.36's ld.so: set_robust_list and arch_prctl(ARCH_SET_FS) */
		static const uint8_t robust[] = { 0x90, 0xb8, 0x11, 0x01, 0, 0,
						  0x66, 0x48, 0x0f, 0x6e, 0xc7,
						  0x66, 0x0f, 0x6c, 0xc0,
						  0x0f, 0x11, 0x83, 0xd8, 0x02, 0, 0,
						  0x0f, 0x05 };
		static const uint8_t setfs[] = { 0x90, 0xb8, 0x9e, 0, 0, 0, 0x48, 0x89, 0x1b,
						 0x48, 0x89, 0x5b, 0x10, 0x0f, 0x05 };

		check_int("gap matcher: ld.so's set_robust_list (xmm moves, a store)",
			  rewrite_match_gap(robust, sizeof(robust), 0x111), 16);
		check_int("gap matcher: ld.so's arch_prctl (two stores through rbx)",
			  rewrite_match_gap(setfs, sizeof(setfs), 0x9e), 7);
	}
	check_int("gap insn: mov %rbx,0x10(%rbx)",
		  rewrite_gap_insn((const uint8_t *)"\x48\x89\x5b\x10", 4), 4);
	check_int("gap insn: movq $-32,0x2e8(%rbx) (c7 /0, memory)",
		  rewrite_gap_insn((const uint8_t *)"\x48\xc7\x83\xe8\x02\x00\x00\xe0\xff\xff\xff",
				   11), 11);
	check_int("gap insn: mov %eax,0x8(%rsp,%rcx,4) (SIB, index)",
		  rewrite_gap_insn((const uint8_t *)"\x89\x44\x8c\x08", 4), 4);
	check_int("gap insn: a rip-relative store is not",
		  rewrite_gap_insn((const uint8_t *)"\x48\x89\x05\x01\x02\x03\x04", 7), 0);
	check_int("gap insn: an %fs store is not",
		  rewrite_gap_insn((const uint8_t *)"\x64\x48\x89\x1b", 4), 0);
	check_int("gap insn: a load is not", rewrite_gap_insn((const uint8_t *)"\x48\x8b\x03", 3), 0);
	check_int("gap insn: c7 /1 is not",
		  rewrite_gap_insn((const uint8_t *)"\xc7\x4b\x10\x01\x00\x00\x00", 7), 0);
	check_int("gap insn: movups %xmm0,0x2d8(%rbx)",
		  rewrite_gap_insn((const uint8_t *)"\x0f\x11\x83\xd8\x02\x00\x00", 7), 7);
	check_int("gap insn: movups to a rip-relative address is not",
		  rewrite_gap_insn((const uint8_t *)"\x0f\x11\x05\x01\x02\x03\x04", 7), 0);
	check_int("gap insn: movq %rdi,%xmm0",
		  rewrite_gap_insn((const uint8_t *)"\x66\x48\x0f\x6e\xc7", 5), 5);
	check_int("gap insn: movq (%rdi),%xmm0 (a load) is not",
		  rewrite_gap_insn((const uint8_t *)"\x66\x48\x0f\x6e\x07", 5), 0);
	check_int("gap insn: movd %xmm0,%eax (66 0f 7e) is not",
		  rewrite_gap_insn((const uint8_t *)"\x66\x0f\x7e\xc0", 4), 0);
	check_int("gap insn: addps is not", rewrite_gap_insn((const uint8_t *)"\x0f\x58\xc1", 3), 0);
	check_int("gap insn: a store cut short is not",
		  rewrite_gap_insn((const uint8_t *)"\x48\x89\x83\xd8\x02", 5), 0);
	{
		/* site - 8: context, then the 5-byte instruction and syscall */
		static const uint8_t cancel[8] = { 0x08, 0x4c, 0x89, 0x5c, 0x24, 0x08, 0x0f, 0x05 };
		static const uint8_t load[8] = { 0x90, 0x48, 0x8b, 0x44, 0x24, 0x10, 0x0f, 0x05 };
		static const uint8_t r9[8] = { 0xc0, 0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05 };
		static const uint8_t edi[8] = { 0xfe, 0xbf, 0x9c, 0xff, 0xff, 0xff, 0x0f, 0x05 };
		static const uint8_t rbp[8] = { 0x90, 0x48, 0x89, 0x5d, 0x08, 0x90, 0x0f, 0x05 };
		static const uint8_t idx[8] = { 0x90, 0x4a, 0x89, 0x5c, 0x24, 0x08, 0x0f, 0x05 };
		static const uint8_t pfx[8] = { 0x66, 0xbf, 0x9c, 0xff, 0xff, 0xff, 0x0f, 0x05 };

		check_int("dyn5 matcher: mov %r11,0x8(%rsp); syscall (glibc 2.41 cancel)",
			  rewrite_match_dyn5(cancel), 1);
		check_int("dyn5 matcher: mov 0x10(%rsp),%rax (glibc 2.41 single-threaded cancel)",
			  rewrite_match_dyn5(load), 1);
		/* the end of cse_rt_syscall and cse_app_syscall (entry.S) */
		static const uint8_t helper[8] = { 0x48, 0x89, 0xd6, 0x48, 0x89, 0xca, 0x0f, 0x05 };
		static const uint8_t to_rsp[8] = { 0x90, 0x48, 0x8b, 0x64, 0x24, 0x08, 0x0f, 0x05 };

		check_int("dyn5 matcher: mov 0x8(%rsp),%r9; syscall (glibc's syscall())",
			  rewrite_match_dyn5(r9), 1);
		check_int("dyn5 matcher: a load into rsp stays on SUD", rewrite_match_dyn5(to_rsp), 0);
		check_int("the runtime's own helpers match no shape (nested cse-run)",
			  rewrite_match_dyn5(helper) + rewrite_match_reg(helper) +
			  rewrite_match(helper, 110) +
			  rewrite_match_gap(helper, sizeof(helper), 110), 0);
		check_int("dyn5 matcher: mov $-100,%edi", rewrite_match_dyn5(edi), 1);
		check_int("dyn5 matcher: rbp-based store stays on SUD", rewrite_match_dyn5(rbp), 0);
		check_int("dyn5 matcher: an index register (REX.X) stays on SUD",
			  rewrite_match_dyn5(idx), 0);
		check_int("dyn5 matcher: after a prefix byte stays on SUD", rewrite_match_dyn5(pfx), 0);
	}
	rewrite_emit_gap_stub(got, stub, pool, site, 0x101, open64 + 7, 8);
	check("gap stub for glibc 2.41 open64", got, want, GAP_STUB_SIZE);
	{
		static uint8_t live[GAP_STUB_SIZE];
		uintptr_t at = (uintptr_t)live, back = at + 0x1000;

		rewrite_emit_gap_stub(live, at, at - 16, back, 0x101, open64 + 7, 8);
		check_int("gap stub site read back from its return address",
			  rewrite_stub_site(at + 5 + 8 + 11) == back, 1);
	}
}

static void check_pad(void)
{
	/* glibc 2.36's read() at a 16-byte aligned address: cmpb ..; je;
	 * then (site - 5) a byte of context (je's rel8), xor %eax,%eax;
	 * syscall; cmp $-4096,%rax; ja; ret; cs nopw (10 bytes) to the
	 * boundary. read() at 0x...2a0, site = 0x...2ad, padding 0x...2b6. */
	static const uint8_t read236[PAD_BEFORE + PAD_AFTER] = {
		0x17, 0x31, 0xc0, 0x0f, 0x05,
		0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0x77, 0x5b, 0xc3,
		0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x48, 0x83, 0xec, 0x28, 0x48,
	};
	const uintptr_t site = 0x7f00000f82ad, pool = 0x7f0000200000, stub = pool + 16;
	static const uint8_t want[GAP_STUB_SIZE] = {
		0x31, 0xc0,				/* xor %eax,%eax (replayed) */
		0x48, 0x8d, 0x64, 0x24, 0x80,		/* lea -0x80(%rsp),%rsp */
		0xff, 0x15, 0xe3, 0xff, 0xff, 0xff,	/* call *-0x1d(%rip) -> pool header */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
		0xe9, 0x83, 0x82, 0xef, 0xff,		/* jmp site */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		GAP_KIND_PAD, 0x02,			/* the kind, the replayed length */
	};
	static const uint8_t want_at[2] = { 0xeb, 0x0b };	/* jmp site + 9 */
	static const uint8_t want_pad[SITE_PATCH_LEN] = { 0xe9, 0x55, 0x7d, 0x10, 0x00 };
	uint8_t b[PAD_BEFORE + PAD_AFTER], got[GAP_STUB_SIZE], at[2], pad[SITE_PATCH_LEN];

	check_int("pad matcher: glibc 2.36 read()", rewrite_match_pad(read236, site), 9);
	memcpy(b, read236, sizeof(b));
	b[0] = 0x48;
	check_int("pad matcher: a REX byte before the xor stays on SUD",
		  rewrite_match_pad(b, site), 0);
	memcpy(b, read236, sizeof(b));
	b[13] = 0xc2;
	check_int("pad matcher: no ret before the nops stays on SUD",
		  rewrite_match_pad(b, site), 0);
	memcpy(b, read236, sizeof(b));
	b[20] = 0x01;
	check_int("pad matcher: a nop with a non-zero displacement stays on SUD",
		  rewrite_match_pad(b, site), 0);
	check_int("pad matcher: padding not ending at the boundary stays on SUD",
		  rewrite_match_pad(read236, site + 1), 0);
	memcpy(b, read236, sizeof(b));
	memcpy(b + 14, "\x0f\x1f\x00\x90\x66\x90\x0f\x1f\x40\x00", 10);
	b[24] = 0x48;
	check_int("pad matcher: other assembler nops (nopl, nop, xchg %ax,%ax)",
		  rewrite_match_pad(b, site), 9);
	check_int("pad matcher: 4 bytes of padding are too few",
		  rewrite_match_pad(read236, site + 6), 0);
	rewrite_emit_pad_stub(got, stub, pool, site);
	check("pad stub for read()", got, want, GAP_STUB_SIZE);
	rewrite_emit_pad_jmps(at, pad, site, site + 9, stub);
	check("pad: jmp rel8 replacing the xor", at, want_at, 2);
	check("pad: jmp to the stub in the padding", pad, want_pad, SITE_PATCH_LEN);
}

static void check_pad_before(void)
{
	/* __read_nocancel of glibc 2.36's ld.so (0x20b70) and libc
	 * (0xfd100): the padding before the entry follows a ret (10 bytes,
	 * cs nopw) or a call to __stack_chk_fail (8 bytes, nopl). */
	static const uint8_t ldso[PADB_BEFORE + PADB_AFTER] = {
		0x40, 0x37, 0x01, 0x00, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xc3, 0x66, 0x2e,
		0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0x05,
		0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0x77, 0x04, 0xc3,
	};
	static const uint8_t libc[PADB_BEFORE + PADB_AFTER] = {
		0xb8, 0xff, 0xff, 0xff, 0xff, 0xeb, 0xab, 0xe8, 0xe8, 0xb0, 0x01, 0x00,
		0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0x05,
		0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0x77, 0x04, 0xc3,
	};
	const uintptr_t site = 0x7f0000020b74, pool = 0x7f0000200000, stub = pool + 16;
	/* 5 nops, then jmp stub from site - 9: rel32 = stub - (site - 4) */
	static const uint8_t want_pad[10] = {
		0x90, 0x90, 0x90, 0x90, 0x90, 0xe9, 0xa0, 0xf4, 0x1d, 0x00,
	};
	static const uint8_t want_at[2] = { 0xeb, 0xf9 };	/* jmp site - 9 */
	uint8_t b[PADB_BEFORE + PADB_AFTER], pad[10], at[2], jmp[SITE_PATCH_LEN];

	check_int("pad before: ld.so's __read_nocancel (after a ret)",
		  rewrite_match_pad_before(ldso, site), 10);
	check_int("pad before: libc's __read_nocancel (after a call)",
		  rewrite_match_pad_before(libc, 0x7f00000fd104), 8);
	check_int("pad before: an entry not 16-byte aligned stays on SUD",
		  rewrite_match_pad_before(ldso, site + 1), 0);
	memcpy(b, ldso, sizeof(b));
	b[30] = 0x80;
	check_int("pad before: ja backwards stays on SUD", rewrite_match_pad_before(b, site), 0);
	memcpy(b, ldso, sizeof(b));
	b[9] = 0x5d;
	check_int("pad before: no transfer before the padding stays on SUD",
		  rewrite_match_pad_before(b, site), 0);
	memcpy(b, ldso, sizeof(b));
	b[17] = 0x01;
	check_int("pad before: a nop with a non-zero displacement stays on SUD",
		  rewrite_match_pad_before(b, site), 0);
	memcpy(b, ldso, sizeof(b));
	b[28] = 0x0f;
	check_int("pad before: another cmp stays on SUD", rewrite_match_pad_before(b, site), 0);
	memcpy(b, ldso, sizeof(b));
	/* ret, then 4 bytes of nopl: too few for a jmp rel32 */
	memcpy(b + 9, "\x48\x89\xc7\x48\x89\xc6\xc3\x0f\x1f\x40\x00", 11);
	check_int("pad before: 4 bytes of padding are too few",
		  rewrite_match_pad_before(b, site), 0);
	memcpy(b + 9, "\x48\x89\xc7\x48\x89\xc3\x90\x0f\x1f\x40\x00", 11);
	check_int("pad before: c3 as a ModRM byte, nop, nopl (5): a fall through stays equivalent",
		  rewrite_match_pad_before(b, site), 5);
	rewrite_emit_pad_before(pad, 10, site, stub);
	check("pad before: the padding becomes nops and jmp stub", pad, want_pad, 10);
	rewrite_emit_pad_jmps(at, jmp, site, site - 9, stub);
	check("pad before: jmp rel8 back from the xor", at, want_at, 2);
	check("pad before: the same jmp as the padding's end", jmp, want_pad + 5, SITE_PATCH_LEN);
}

int main(void)
{
	/* A pool at 0x7f0000100000, its first stub at +16, a site in libc
	 * 0x400000 bytes below (the stub jumps backwards). */
	const uintptr_t pool = 0x7f0000100000, stub = pool + 16;
	const uintptr_t site = 0x7effffd0123a;	/* after the syscall */
	static const uint8_t want_stub[STUB_SIZE] = {
		0x48, 0x8d, 0x64, 0x24, 0x80,		/* lea -0x80(%rsp),%rsp */
		0xb8, 0x6e, 0x00, 0x00, 0x00,		/* mov $0x6e,%eax (getppid) */
		0xff, 0x15, 0xe0, 0xff, 0xff, 0xff,	/* call *-0x20(%rip) -> pool header */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
		0xe9, 0x0d, 0x12, 0xc0, 0xff,		/* jmp site (-0x3fedf3) */
		0xcc, 0xcc, 0xcc,			/* int3 x3 */
	};
	static const uint8_t want_jmp[SITE_PATCH_LEN] = {
		0xe9, 0xd8, 0xed, 0x3f, 0x00,		/* jmp stub (+0x3fedd8) */
	};
	/* Byte before the mov, then mov $0x6e,%eax; syscall. */
	static const uint8_t good[8] = { 0x90, 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t rex[8] = { 0x41, 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05 };	/* mov $..,%r8d */
	static const uint8_t other[8] = { 0x90, 0x89, 0xd0, 0x90, 0x90, 0x90, 0x0f, 0x05 };
	static const uint8_t sysenter[8] = { 0x90, 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x34 };
	uint8_t got_stub[STUB_SIZE], got_jmp[SITE_PATCH_LEN];

	rewrite_emit_stub(got_stub, stub, pool, site, 0x6e);
	check("stub for mov $0x6e,%eax; syscall", got_stub, want_stub, STUB_SIZE);
	rewrite_emit_jmp(got_jmp, site - SITE_SPAN, stub);
	check("jmp replacing the mov", got_jmp, want_jmp, SITE_PATCH_LEN);

	{
		/* The seccomp re-trap reads the site back from a live stub. */
		static uint8_t live[STUB_SIZE];
		uintptr_t at = (uintptr_t)live, back = at - 0x3fedf3;

		rewrite_emit_stub(live, at, at - 16, back, 0x6e);
		check_int("stub site read back from its return address",
			  rewrite_stub_site(at + STUB_RET_OFF) == back, 1);
	}
	check_dyn();
	check_xor8();
	check_reg_shapes();
	check_gap();
	check_pad();
	check_pad_before();
	check_int("matcher: mov $nr,%eax; syscall", rewrite_match(good, 0x6e), 1);
	check_int("matcher: other number", rewrite_match(good, 0x27), 0);
	check_int("matcher: REX prefix (mov to r8d)", rewrite_match(rex, 0x6e), 0);
	check_int("matcher: number from a register", rewrite_match(other, 0x6e), 0);
	check_int("matcher: not a syscall instruction", rewrite_match(sysenter, 0x6e), 0);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
