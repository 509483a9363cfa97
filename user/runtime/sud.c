// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall User Dispatch: switching it on per thread, and the SIGSYS
 * handler every trapped application syscall lands in.
 *
 * The allowed region is the runtime's own text, so the runtime's syscalls
 * never trap and the selector can stay at BLOCK for the thread's whole
 * life: a signal handler of the application that interrupts the runtime
 * is still interposed. The selector byte lives in the thread's area.
 */
#include <linux/prctl.h>
#include "runtime.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH	59
#define PR_SYS_DISPATCH_OFF		0
#define PR_SYS_DISPATCH_ON		1
#define SYSCALL_DISPATCH_FILTER_BLOCK	1
#endif

int sud_enable(struct cse_thread *t)
{
	t->selector = SYSCALL_DISPATCH_FILTER_BLOCK;
	return (int)rt_sys6(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH,
			    PR_SYS_DISPATCH_ON, cse_cfg.text_start,
			    cse_cfg.text_end - cse_cfg.text_start,
			    &t->selector, 0);
}

/* 0 when the kernel supports SUD (switching it off is harmless). */
int sud_probe(void)
{
	return (int)rt_sys6(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH,
			    PR_SYS_DISPATCH_OFF, 0, 0, 0, 0);
}

/*
 * SA_NODEFER: a signal handler of the application that runs while we
 * are inside this handler must still be able to trap.
 * SA_ONSTACK: the kernel's frame (1-3 KiB with the FPU state) must not
 * land on a small stack the application does not expect to grow, such as
 * a goroutine's; where the application keeps an alternate stack (every
 * Go thread does) it goes there, below any handler running on it. The
 * C code then runs on the runtime's own stack (cse_sigsys_entry), and
 * sigaltstack made by trap is emulated on the frame (signal.c).
 */
int sigsys_install(void)
{
	struct ksigaction sa = {
		.handler = (void *)cse_sigsys_entry,
		.flags = K_SA_SIGINFO | K_SA_NODEFER | K_SA_RESTORER | K_SA_ONSTACK,
		.restorer = cse_sigreturn_restorer,
		.mask = 0,
	};

	if (sigdefer_init() != 0)
		return -1;
	return (int)rt_sys4(__NR_rt_sigaction, K_SIGSYS, &sa, 0, 8);
}

void cse_sigsys_handler(int sig, struct ksiginfo *si, void *ucv)
{
	struct kucontext *uc = ucv;
	struct kmcontext *m = &uc->uc_mcontext;
	struct cse_call c;
	uintptr_t site;
	int exec;

	(void)sig;
	if (si->si_code != K_SYS_USER_DISPATCH) {
		if (!seccomp_sigsys(si, uc))
			signal_foreign_sigsys(si, uc);
		goto out;
	}
	site = m->rip;
	if (site == cse_gate_insn + 2 && si->u.sys.syscall == CSE_GATE_NR) {
		sigdefer_gate(uc);	/* a fast call's way back, see sigdefer.c */
		return;
	}
	c.nr = si->u.sys.syscall;
	c.args[0] = (long)m->rdi;
	c.args[1] = (long)m->rsi;
	c.args[2] = (long)m->rdx;
	c.args[3] = (long)m->r10;
	c.args[4] = (long)m->r8;
	c.args[5] = (long)m->r9;
	c.ret = -38;	/* ENOSYS until someone completes the call */
	c.site = site;
	c.flags = CSE_CALL_TRAPPED;

	if (signal_vsud_trap(&c, si, uc))
		goto out;
	/* A successful exec never comes back here: its site is rewritten
	 * first (the rewrite leaves the site's syscall instruction). */
	exec = c.nr == __NR_execve || c.nr == __NR_execveat;
	if (exec && !syscall_trap_only(c.nr))
		rewrite_site(site, c.nr);
	dispatch_call(&c, uc);
	sigdefer_trap_restart(uc, site, si->u.sys.syscall);
	if (!exec && !syscall_trap_only(si->u.sys.syscall))
		rewrite_site(site, si->u.sys.syscall);
out:
	/* Our entry only: below it lies a fast call still on its way. */
	sigdefer_trap_exit(uc, cse_stack_area()->rt_depth == 1);
}
