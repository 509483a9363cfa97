/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel ABI structures only the runtime needs (signal frames, clone
 * arguments), declared here so no libc header is involved; what elements
 * need too (struct stat, errno, open and *at flags) is in
 * include/cse/kabi.h, included here. Layouts are the x86-64 kernel's.
 */
#ifndef CSE_KABI_H
#define CSE_KABI_H

#include <stdint.h>
#include <stddef.h>
#include <cse/kabi.h>

typedef uint64_t ksigset_t;	/* the kernel's sigset: 64 signals, 8 bytes */

struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	ksigset_t mask;
};

#define K_SA_SIGINFO	0x00000004ul
#define K_SA_ONSTACK	0x08000000ul
#define K_SA_RESTART	0x10000000ul
#define K_SA_NODEFER	0x40000000ul
#define K_SA_RESETHAND	0x80000000ul
#define K_SA_RESTORER	0x04000000ul
#define K_SIG_DFL	((void *)0)
#define K_SIG_IGN	((void *)1)

/* Numbers include/cse/kabi.h leaves out, used by the runtime only. */
#define K_ENOEXEC	8
#define K_EBUSY		16
#define K_ELIBBAD	80
#define K_RLIMIT_NOFILE	7

#define K_SIGSYS	31
#define K_SIGKILL	9
#define K_SIGSTOP	19
#define SIGBIT(s)	(1ull << ((s) - 1))

struct kstack {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
};

/* struct sigcontext for x86-64, in ucontext's uc_mcontext. */
struct kmcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct kucontext {
	unsigned long uc_flags;
	struct kucontext *uc_link;
	struct kstack uc_stack;
	struct kmcontext uc_mcontext;
	ksigset_t uc_sigmask;
};

struct ksiginfo {
	int si_signo;
	int si_errno;
	int si_code;
	int pad;
	union {
		struct {		/* SIGSYS */
			void *call_addr;
			int syscall;
			unsigned int arch;
		} sys;
		struct {		/* kill/tgkill */
			int pid;
			unsigned int uid;
		} kill;
		char bytes[112];
	} u;
};
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo is 128 bytes");

#define K_SYS_USER_DISPATCH	2
#define K_AUDIT_ARCH_X86_64	0xc000003eu

/* struct stat: include/cse/kabi.h's, under the runtime's older name. */
#define kstat_k cse_kstat

struct clone_args_k {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls, set_tid, set_tid_size, cgroup;
};

#define K_CLONE_VM		0x00000100ul
#define K_CLONE_FILES		0x00000400ul
#define K_CLONE_SIGHAND		0x00000800ul
#define K_CLONE_CLEAR_SIGHAND	0x100000000ull	/* clone3 only */
#define K_CLONE_VFORK		0x00004000ul
#define K_CLONE_THREAD		0x00010000ul

#endif /* CSE_KABI_H */
