/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every assembly entry point of the runtime. This file and the rest of the
 * loader's text form the SUD allowed region: the `syscall` instructions
 * here are the real ones and never trap.
 */
#include <asm/unistd.h>
#include "thread_area.h"

	.text

/* Process entry of cse-loader: rsp points at argc (kernel ABI). */
	.globl _start
	.type _start, @function
_start:
	xor	%ebp, %ebp
	mov	%rsp, %rdi
	sub	$STACK_SLACK, %rsp	/* room for a script's extra argv words */
	and	$-16, %rsp
	call	loader_main
	ud2
	.size _start, .-_start

/*
 * The syscall block: the runtime's own calls and the calls it makes for
 * the application leave through distinct `syscall` instructions, all in
 * this one block (so within one page, at distinct page offsets). A
 * seccomp filter the application installs is prefixed with a test of
 * the page offset of the runtime's own instruction (seccomp.c): the
 * runtime keeps working under it, even in a new image after execve,
 * while the application's calls are filtered as natively.
 *
 * The block holds the fast entries and the calls every dispatched call
 * makes: it goes with the C side's hot functions (RT_HOT, runtime.h),
 * so a call touches fewer code pages.
 */
	.section .text.hot, "ax", @progbits
	.balign 2048		/* under 2 KiB: the block stays within one page */
	.globl cse_syscall_block
cse_syscall_block:

/*
 * long cse_rt_syscall(nr, a0, a1, a2, a3, a4, a5): the runtime's own call.
 * The moves end with one that no rewrite shape accepts (rewrite_emit.h):
 * in a nested cse-run this helper of the inner runtime must keep
 * trapping, its calls being recognised by their trap site (seccomp.c),
 * while glibc's syscall(), which ends in `mov 0x8(%rsp),%r9; syscall`,
 * is rewritten.
 */
	.globl cse_rt_syscall
	.type cse_rt_syscall, @function
cse_rt_syscall:
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	.globl cse_rt_syscall_insn
cse_rt_syscall_insn:
	syscall
	pop	%rcx			/* not ret: see cse_app_syscall */
	jmp	*%rcx
	.size cse_rt_syscall, .-cse_rt_syscall

/*
 * long cse_app_syscall(nr, a0, ..., a5): a call made for the application.
 * Back to the caller by pop and an indirect jmp, not a ret: the kernel
 * refills the return stack predictor on the way out of a system call
 * (RSB filling), so a ret right after it always mispredicts (~85 ns
 * here); the indirect branch predictor keeps the caller. rcx is free
 * (the syscall clobbers it).
 * While a signal of the application is deferred (TA_FAST_EXIT set,
 * sigdefer.c) the call is not made: -ERESTARTSYS makes the runtime
 * return to the application, which takes the signal and then makes its
 * call again, as a call that a signal interrupted before it could start.
 * A signal arriving from the test up to the syscall instruction itself
 * is sent to cse_app_syscall_deferred by sigdefer.c for the same reason.
 */
	.globl cse_app_syscall
	.type cse_app_syscall, @function
cse_app_syscall:
	cmpl	$0, cse_gs_ready(%rip)	/* element setups run before %gs is set */
	je	1f
	mov	%gs:TA_SELF, %rax
	cmpq	$0, TA_FAST_EXIT(%rax)
	jne	cse_app_syscall_deferred
1:	mov	%r8, %r10		/* the moves in cse_rt_syscall's order */
	mov	%r9, %r8
	mov	8(%rsp), %r9
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	.globl cse_app_syscall_insn
cse_app_syscall_insn:
	syscall
	.globl cse_app_syscall_ret
cse_app_syscall_ret:
	pop	%rcx
	jmp	*%rcx
	.globl cse_app_syscall_deferred
cse_app_syscall_deferred:
	mov	$-512, %rax		/* -ERESTARTSYS */
	ret
	.size cse_app_syscall, .-cse_app_syscall

/*
 * long cse_app_call_at(nr, a0, a1, sp): a call for the application made
 * with rsp = sp (the caller blocks signals: nothing may be delivered on
 * that stack). For calls the kernel judges by the stack pointer.
 */
	.globl cse_app_call_at
	.type cse_app_call_at, @function
cse_app_call_at:
	push	%rbx
	mov	%rsp, %rbx
	mov	%rcx, %rsp
	and	$-16, %rsp
	xor	%ecx, %ecx
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	push	%rcx
	push	%rcx
	call	cse_app_syscall
	mov	%rbx, %rsp
	pop	%rbx
	ret
	.size cse_app_call_at, .-cse_app_call_at

/* sa_restorer of the runtime's SIGSYS handler: rt_sigreturn as our own call. */
	.globl cse_sigreturn_restorer
	.type cse_sigreturn_restorer, @function
cse_sigreturn_restorer:
	mov	$__NR_rt_sigreturn, %eax
	jmp	cse_rt_syscall_insn
	.size cse_sigreturn_restorer, .-cse_sigreturn_restorer

/*
 * Move to the thread's runtime stack (thread_area.h) with rbx = the old
 * rsp; rcx is clobbered (dead across a syscall). rt_depth counts live
 * entries: only the outermost one moves to the stack's top. A nested
 * entry (a signal handler of the application interrupted the runtime and
 * made a call) stays where it is: on the runtime stack below the
 * interrupted frames, or on the application's alternate stack. So does
 * an entry on the alternate stack (a handler's call, or our SIGSYS frame
 * placed there): leaving it would let the kernel put the next signal's
 * frame at its top, over the frames still live there. The
 * increment comes first, so a signal between it and the move sees the
 * stack as taken. The area pointer is kept on the new stack because a
 * call (arch_prctl of a nested runtime) may change %gs meanwhile.
 */
.macro RT_STACK_ENTER
	mov	%gs:TA_SELF, %rcx
	incq	TA_DEPTH(%rcx)
	cmpq	$1, TA_DEPTH(%rcx)
	jne	1f
	cmp	TA_ALT_LO(%rcx), %rsp
	jbe	2f
	cmp	TA_ALT_HI(%rcx), %rsp
	jbe	1f
2:	mov	%rcx, %rsp
1:	and	$-16, %rsp
	push	%rcx
	push	%rcx
.endm

/* Back to rbx's stack; the entry is over once the move is done. */
.macro RT_STACK_LEAVE
	mov	8(%rsp), %rcx
	mov	%rbx, %rsp
	decq	TA_DEPTH(%rcx)
.endm

/*
 * void cse_on_rt_stack(fn, arg): fn(arg) on the thread's runtime stack
 * (exit() hooks of a clone, run from a clone stub on the application's
 * stack with its signals blocked).
 */
	.globl cse_on_rt_stack
	.type cse_on_rt_stack, @function
cse_on_rt_stack:
	push	%rbx
	mov	%rsp, %rbx
	mov	%rdi, %rax
	RT_STACK_ENTER
	mov	%rsi, %rdi
	call	*%rax
	RT_STACK_LEAVE
	pop	%rbx
	ret
	.size cse_on_rt_stack, .-cse_on_rt_stack

/*
 * Handler of SIGSYS (sa_handler): the kernel's frame is on the
 * application's alternate stack when it has one, else on its stack; the
 * C handler runs on the runtime stack. rdi, rsi, rdx pass through.
 */
	.globl cse_sigsys_entry
	.type cse_sigsys_entry, @function
cse_sigsys_entry:
	push	%rbx
	mov	%rsp, %rbx
	RT_STACK_ENTER
	call	cse_sigsys_handler
	RT_STACK_LEAVE
	pop	%rbx
	ret
	.globl cse_sigsys_entry_end
cse_sigsys_entry_end:
	.size cse_sigsys_entry, .-cse_sigsys_entry

/*
 * Fast path targets of rewritten sites. The site's stub has already moved
 * rsp below the red zone, loaded eax with the syscall number and called
 * us. Keeps every register a real syscall keeps (all but rax, rcx, r11)
 * and the flags.
 *
 * The plain path first: a call nothing in the runtime looks at is made
 * right here, from the application's own registers, with neither a
 * register save nor a stack switch. It needs all of
 *  - %gs holding our own area (not a nested runtime's in front of it);
 *  - nr < 65536 and cse_plain_nr[nr] (dispatch.c) either PLAIN_ASM (a
 *    number that needs no check at all, no element or path stage wants
 *    it, not trap-only), or PLAIN_FD0 with the descriptor in edi below
 *    every hidden fd (cse_fd_neg_lo, fdguard.c: the kernel's fd is the
 *    low 32 bits), or PLAIN_FSTAT, the same for newfstatat with rsi
 *    the known "" (cse_known_empty, pathstage_copy.c) still "", or
 *    PLAIN_QUIET (PLAIN_QUIET_P1 with rsi NULL) with the descriptor
 *    also marked quiet (cse_fd_quiet, fdtable.c: below 256) while no
 *    vfork child was made (fdguard_vfork_seen: its descriptors are not
 *    the table's);
 *  - no signal deferred (TA_FAST_EXIT), no seccomp trap of an outer call
 *    pending on this thread (TA_SECCOMP), no vfork child's copy of the fd
 *    table to take back (the full path does).
 * The last four are summed (each 0 when clear, never negative) and the
 * sum tested once. The tests change no flag and no register but rcx and
 * r11, which the syscall clobbers anyway: lea, not, bswap, movzx and
 * jrcxz only. A test failing goes to the full entry, everything kept.
 *
 * A signal arriving from the first test up to the syscall instruction
 * (included: not made yet, or set up by the kernel to restart) is sent
 * to cse_fast_plain_deferred by sigdefer.c: the call is ended as one a
 * signal interrupted before it started, and made again at the site once
 * the handler ran. A seccomp RET_TRAP of the call (at cse_fast_exit) is
 * made again at the site by trap (seccomp.c). The way back is the
 * common exit below. Every test is within the range sigdefer.c checks
 * (cse_fast_entry up to cse_fast_plain_insn).
 */
#define PLAIN_FD0	2
#define PLAIN_FSTAT	3
#define PLAIN_QUIET	4
#define PLAIN_QUIET_P1	5
.macro PLAIN_TESTS full
	mov	%gs:TA_OWNER, %rcx
	not	%rcx
	lea	cse_cfg(%rip), %r11
	lea	1(%r11,%rcx), %rcx	/* &cse_cfg - owner */
	jrcxz	1f
	jmp	\full
1:	movzwl	%ax, %ecx
	not	%rcx
	lea	1(%rax,%rcx), %rcx	/* nr & ~0xffff */
	jrcxz	2f
	jmp	\full
2:	lea	cse_plain_nr(%rip), %rcx
	movzwl	%ax, %r11d
	movzbl	(%rcx,%r11), %r11d
	lea	-PLAIN_FD0(%r11), %rcx
	jrcxz	5f
	lea	-PLAIN_FSTAT(%r11), %rcx
	jrcxz	4f
	lea	-PLAIN_QUIET(%r11), %rcx
	jrcxz	14f
	lea	-PLAIN_QUIET_P1(%r11), %rcx
	jrcxz	15f
3:	not	%r11			/* -1 - plain */
	mov	%gs:TA_FAST_EXIT, %rcx
	lea	2(%rcx,%r11), %r11
	mov	%gs:TA_SECCOMP, %ecx
	lea	(%rcx,%r11), %r11
	mov	fdguard_priv_used(%rip), %ecx
	lea	(%rcx,%r11), %rcx
	jrcxz	9f
	jmp	\full
9:	jmp	.Lplain_insn		/* beyond jrcxz's reach */
14:	jmp	10f			/* beyond jrcxz's reach */
15:	jmp	11f
4:	mov	cse_known_empty(%rip), %rcx
	jrcxz	7f			/* none known */
	not	%rcx
	lea	1(%rsi,%rcx), %rcx	/* rsi - known */
	jrcxz	6f
	jmp	\full
6:	movzbl	(%rsi), %ecx		/* still "" */
	jrcxz	5f
7:	jmp	\full
5:	mov	%edi, %ecx		/* the fd, as the kernel reads it */
	mov	cse_fd_neg_lo(%rip), %r11
	lea	(%rcx,%r11), %rcx	/* fd - lo: in [-2^31, 2^32) */
	bswap	%rcx
	movzbl	%cl, %ecx		/* its top byte: 0xff below lo, else 0 */
	not	%rcx
	lea	256(%rcx), %rcx		/* 0 below lo */
	jrcxz	8f
	jmp	\full
8:	mov	$1, %r11d		/* then as a plain number */
	jmp	3b
11:	mov	%rsi, %rcx		/* the path: NULL */
	jrcxz	10f
	jmp	\full
10:	mov	fdguard_vfork_seen(%rip), %ecx
	jrcxz	12f
	jmp	\full
12:	mov	%edi, %ecx		/* the fd, as the kernel reads it */
	movzbl	%cl, %r11d
	not	%r11
	lea	1(%rcx,%r11), %rcx	/* fd & ~0xff */
	jrcxz	13f
	jmp	\full
13:	lea	cse_fd_quiet(%rip), %rcx
	movzbl	%dil, %r11d
	movzbl	(%rcx,%r11), %ecx
	not	%rcx
	lea	2(%rcx), %rcx		/* 0 when marked (1) */
	jrcxz	16f
	jmp	\full
16:	jmp	5b			/* and below every hidden fd */
.endm

	.globl cse_fast_entry
	.type cse_fast_entry, @function
cse_fast_entry:
	PLAIN_TESTS cse_fast_full
	.size cse_fast_entry, .-cse_fast_entry

	.globl cse_fast_entry_dyn
	.type cse_fast_entry_dyn, @function
cse_fast_entry_dyn:
	PLAIN_TESTS cse_fast_full_dyn
	.globl cse_fast_plain_insn
cse_fast_plain_insn:
.Lplain_insn:
	syscall
	.size cse_fast_entry_dyn, .-cse_fast_entry_dyn

/*
 * The last step back to the application, common to every fast call:
 * every application register is back but rax (the result) and rcx, r11
 * (clobbered by a real syscall too), and rsp points at the stub's
 * return address. A deferred signal (sigdefer.c) makes TA_FAST_EXIT
 * non-zero: then leave through the gate. The test leaves the flags
 * alone (jrcxz). A signal arriving after the test, before the jump, is
 * rewound to cse_fast_exit by sigdefer.c (rsp back on the return
 * address when the lea was made: the kernel never writes the 128 bytes
 * below rsp).
 *
 * Back to the stub by an indirect jmp, not a ret: the return stack
 * predictor does not survive a system call where the kernel refills it
 * (RSB filling), and a mispredicted ret right after the syscall costs
 * more than the rest of the plain path together.
 */
	.globl cse_fast_exit
	.type cse_fast_exit, @function
cse_fast_exit:
	mov	%gs:TA_FAST_EXIT, %rcx
	jrcxz	.Lfast_ret
	jmp	cse_fast_gate
	.globl cse_fast_ret
cse_fast_ret:
.Lfast_ret:
	lea	8(%rsp), %rsp
	.globl cse_fast_ret_jmp
cse_fast_ret_jmp:
	jmp	*-8(%rsp)
/*
 * The way back when a signal is deferred: a trapping syscall with a
 * private number at the gate page (outside the allowed region), whose
 * SIGSYS frame sigdefer_gate() turns into the application's state at the
 * site; the kernel then delivers the deferred signal on that frame's
 * rt_sigreturn, with the application's registers and FPU state.
 */
	.globl cse_fast_gate
cse_fast_gate:
	mov	%gs:TA_SELF, %rcx
	mov	%rax, TA_GATE_RET(%rcx)
	mov	$CSE_GATE_NR, %eax
	jmp	*cse_gate_insn(%rip)
	.size cse_fast_exit, .-cse_fast_exit

/*
 * A plain call a signal came upon before its syscall was made (see
 * above): -ERESTARTSYS through the gate, which makes the call again at
 * the site's syscall instruction after the handler (sigdefer_gate).
 */
	.globl cse_fast_plain_deferred
	.type cse_fast_plain_deferred, @function
cse_fast_plain_deferred:
	mov	%rax, %gs:TA_GATE_NR
	mov	$-512, %rax		/* -ERESTARTSYS */
	jmp	cse_fast_gate
	.size cse_fast_plain_deferred, .-cse_fast_plain_deferred

/*
 * The full entries: the plain path's tests failed. The C side
 * (dispatch_fast) returns the result in rax.
 *
 * The _dyn variant serves sites whose number comes from a register:
 * dispatch_fast may then move our return address (regs[9]) to the stub's
 * trap tail and return the number, for calls that need a signal frame.
 */
.macro FAST_FULL name, may_trap
	.type \name, @function
\name:
	pushfq			/* regs[8] */
	push	%rbx		/* regs[7] */
	push	%rax		/* regs[6]: nr */
	push	%r9		/* regs[5] */
	push	%r8		/* regs[4] */
	push	%r10		/* regs[3] */
	push	%rdx		/* regs[2] */
	push	%rsi		/* regs[1] */
	push	%rdi		/* regs[0] */
	mov	%rsp, %rsi
	mov	%rax, %rdi
	mov	$\may_trap, %edx
	mov	%rsp, %rbx
	RT_STACK_ENTER
	cld
	call	dispatch_fast
	RT_STACK_LEAVE
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%r10
	pop	%r8
	pop	%r9
	add	$8, %rsp
	pop	%rbx
	popfq
	jmp	cse_fast_exit
	.size \name, .-\name
.endm

	FAST_FULL cse_fast_full, 0
	FAST_FULL cse_fast_full_dyn, 1

/*
 * sa_handler of every signal the application handles (sigdefer.c). C
 * decides, without a system call unless the signal must wait, and
 * returns the application's handler, which then runs on the kernel's
 * frame as if the kernel had called it. The kernel's rsp is 8 mod 16,
 * so three pushes align the call.
 */
	.globl cse_sig_entry
	.type cse_sig_entry, @function
cse_sig_entry:
	push	%rdi
	push	%rsi
	push	%rdx
	call	cse_sig_slow
	pop	%rdx
	pop	%rsi
	pop	%rdi
	jmp	*%rax
	.size cse_sig_entry, .-cse_sig_entry

/* rt_sigreturn of the frame whose ucontext is at rdi, as our own call. */
	.globl cse_sig_return
	.type cse_sig_return, @function
cse_sig_return:
	mov	%rdi, %rsp
	mov	$__NR_rt_sigreturn, %eax
	jmp	cse_rt_syscall_insn
	.size cse_sig_return, .-cse_sig_return

.macro SAVE_GPRS
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm
#define SAVED_GPRS_SIZE (15 * 8)

.macro RESTORE_GPRS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
.endm

/* Call C function \fn(frame) with every GPR preserved; rdi = rsp at entry. */
.macro CALL_PRESERVING fn
	SAVE_GPRS
	lea	SAVED_GPRS_SIZE(%rsp), %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp
	call	\fn
	mov	%rbx, %rsp
	RESTORE_GPRS
.endm

/* \reg = this runtime's thread area; clobbers rcx (free after a syscall). */
.macro FIND_AREA reg
	mov	%gs:TA_SELF, \reg
	lea	cse_cfg(%rip), %rcx
1:	cmp	%rcx, TA_OWNER(\reg)
	je	2f
	mov	TA_NEXT(\reg), \reg
	jmp	1b
2:
.endm

/*
 * Parent side of both clone stubs: r11 holds the resume address. Run the
 * call's exit() hooks when it has some (thread.c), restore
 * the application's signal mask (blocked by the SIGSYS handler so nothing
 * can reuse TA_CLONE_RIP meanwhile), then resume. Runs below the red zone.
 */
clone_parent_resume:
	lea	-RED_ZONE(%rsp), %rsp
	push	%r11
	FIND_AREA %r11
	cmpq	$0, TA_CLONE_EXIT(%r11)
	je	1f
	CALL_PRESERVING clone_parent_exit	/* exit() hooks; may change rax */
1:	push	%rax
	push	%rdi
	push	%rsi
	push	%rdx
	push	%r10
	mov	$__NR_rt_sigprocmask, %eax
	mov	$2, %edi			/* SIG_SETMASK */
	FIND_AREA %rsi
	add	$TA_SAVED_MASK, %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	call	cse_rt_syscall_insn	/* syscall, back here: our own call */
	pop	%r10
	pop	%rdx
	pop	%rsi
	pop	%rdi
	pop	%rax
	pop	%r11
	lea	RED_ZONE(%rsp), %rsp
	jmp	*%r11

/*
 * fork, vfork, or clone/clone3 without a new stack. Entered from the
 * SIGSYS handler's sigreturn with the application's own registers, so the
 * kernel sees exactly the application's call; only the resume address is
 * ours. The child of vfork shares this stack with its suspended parent:
 * it works below the red zone and reads only the parent's area.
 */
	.globl cse_clone_stub
	.type cse_clone_stub, @function
cse_clone_stub:
	syscall
	test	%rax, %rax
	jnz	clone_parent_back
	FIND_AREA %r11
	mov	TA_CLONE_RIP(%r11), %r11
	lea	-RED_ZONE(%rsp), %rsp
	CALL_PRESERVING clone_child_setup_shared
	lea	RED_ZONE(%rsp), %rsp
	jmp	*%r11
	.size cse_clone_stub, .-cse_clone_stub

/*
 * clone/clone3 with a new stack (threads, posix_spawn). The parent put a
 * child frame (CF_*) at the top of the new stack, below the stack the
 * application asked for, so the child never reads memory the parent may
 * change.
 */
	.globl cse_clone_stub_newstack
	.type cse_clone_stub_newstack, @function
cse_clone_stub_newstack:
	syscall
	test	%rax, %rax
	jz	3f
	FIND_AREA %r11
	mov	TA_CLONE_RIP(%r11), %r11
	jmp	clone_parent_resume
3:	mov	CF_RIP(%rsp), %r11
	CALL_PRESERVING clone_child_setup_newstack
	lea	CF_SIZE(%rsp), %rsp
	jmp	*%r11
	.size cse_clone_stub_newstack, .-cse_clone_stub_newstack
	.globl cse_syscall_block_end
cse_syscall_block_end:
/* Smaller than a page (checked by user/Makefile after the link), so
 * every instruction of the block has its own page offset. */
	.text

/*
 * Parent side of cse_clone_stub (rax: the child's pid, or -errno). A
 * vfork child that ran in our own area (thread.c, child_in_place) left
 * our image in the spare area, tagged with its tid: copy it back before
 * anything reads the area. Signals are still blocked; every register
 * and the flags are kept (rcx and r11 are dead after a syscall).
 */
clone_parent_back:
	lea	-RED_ZONE(%rsp), %rsp
	pushfq
	push	%rsi
	push	%rdi
	FIND_AREA %rdi
	mov	TA_VFORK_BACKUP(%rdi), %rsi
	test	%rsi, %rsi
	jz	1f
	cmp	TA_VFORK_TAG(%rsi), %eax
	jne	1f
	cld
	mov	$(TA_SIZE / 8), %ecx
	rep movsq
	movl	$0, TA_VFORK_TAG - TA_SIZE(%rdi)
	movl	$0, TA_VFORK_TAG - TA_SIZE(%rsi)
1:	pop	%rdi
	pop	%rsi
	popfq
	lea	RED_ZONE(%rsp), %rsp
	FIND_AREA %r11
	mov	TA_CLONE_RIP(%r11), %r11
	jmp	clone_parent_resume

/*
 * A rewritten site whose call must be made again as a trap (seccomp.c):
 * its stub (any kind) called the fast entry, which returned here with
 * rax = nr instead of to the stub. Undo the stub's red zone
 * step and run the site's own syscall instruction, left in place by the
 * rewrite, which SUD traps. rcx and r11 are dead across a syscall.
 */
	.globl cse_fast_retrap
	.type cse_fast_retrap, @function
cse_fast_retrap:
	lea	RED_ZONE(%rsp), %rsp
	FIND_AREA %r11
	jmp	*TA_RETRAP(%r11)
	.size cse_fast_retrap, .-cse_fast_retrap

/*
 * Perform the application's rt_sigreturn with its own stack pointer,
 * leaving the runtime stack entry of the SIGSYS handler we are in
 * (rsi = its area) only once rsp is off it.
 */
	.globl cse_sigreturn_at
	.type cse_sigreturn_at, @function
cse_sigreturn_at:
	mov	%rdi, %rsp
	decq	TA_DEPTH(%rsi)
	mov	$__NR_rt_sigreturn, %eax
	syscall
	ud2
	.size cse_sigreturn_at, .-cse_sigreturn_at

/* Free the thread area (no memory access after munmap), then exit. */
	.globl cse_exit_thread
	.type cse_exit_thread, @function
cse_exit_thread:
	mov	%rdx, %r12
	mov	$__NR_munmap, %eax
	/* The runtime stack goes with the area: call from a shared scratch
	 * slot. Every exiting thread writes the same return address there,
	 * so concurrent exits agree on its content. */
	lea	exit_scratch_top(%rip), %rsp
	call	cse_rt_syscall_insn	/* our own call */
	mov	%r12, %rdi
	mov	$__NR_exit, %eax
	syscall
	ud2
	.size cse_exit_thread, .-cse_exit_thread

/* Start the program: rsp = its initial stack, clean registers. */
	.globl cse_jump_to_program
	.type cse_jump_to_program, @function
cse_jump_to_program:
	mov	%rdi, %rsp
	mov	%rsi, %r11
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx		/* no rtld_fini */
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	jmp	*%r11
	.size cse_jump_to_program, .-cse_jump_to_program

	.bss
	.balign 16
	.skip	64
exit_scratch_top:

	.section .note.GNU-stack, "", @progbits
