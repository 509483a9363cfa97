// SPDX-License-Identifier: GPL-2.0
/*
 * SIGSYS hygiene.
 *
 * The runtime owns the real SIGSYS disposition, and SIGSYS must never be
 * blocked for real (a SUD trap with SIGSYS blocked kills the process).
 * So the application's view of SIGSYS is virtual: its disposition is
 * kept here, its "blocked" bit per thread in the thread area, and
 * SIGSYS is stripped from every mask that reaches the kernel (sigprocmask,
 * sigaction masks, the mask in a frame passed to rt_sigreturn).
 * A SIGSYS that is not a SUD trap (kill, tgkill, seccomp RET_TRAP) is
 * delivered to the application's virtual disposition.
 *
 * An application may also switch on SUD itself (a nested cse runtime,
 * another interposer): that is emulated per thread without touching the
 * real SUD, and its traps are delivered like a foreign SIGSYS.
 */
#include "runtime.h"

#define PR_SYS_DISPATCH_ON_NR	1
#define SIG_BLOCK_K		0
#define SIG_UNBLOCK_K		1
#define SIG_SETMASK_K		2

static struct ksigaction app_sigsys;	/* SIG_DFL at start */
/* A blocked foreign SIGSYS is re-raised on unblock (its siginfo is not kept). */
static volatile int sigsys_pending;

long signal_sigaction(struct cse_call *c)
{
	int sig = (int)c->args[0];
	const struct ksigaction *act = (const struct ksigaction *)c->args[1];
	struct ksigaction *oact = (struct ksigaction *)c->args[2];
	struct ksigaction copy;

	if (c->args[3] != 8)
		return -22;
	if (sig == K_SIGSYS) {
		struct ksigaction old = app_sigsys;

		if (act)
			app_sigsys = *act;
		if (oact)
			*oact = old;
		return 0;
	}
	if (act && (act->mask & SIGBIT(K_SIGSYS))) {
		copy = *act;
		copy.mask &= ~SIGBIT(K_SIGSYS);
		act = &copy;
	}
	return seccomp_app_call(c, __NR_rt_sigaction,
				(const long[6]){ sig, (long)act, (long)oact, 8 });
}

static void raise_pending(void)
{
	if (sigsys_pending) {
		sigsys_pending = 0;
		rt_sys3(__NR_tgkill, rt_sys0(__NR_getpid), rt_sys0(__NR_gettid),
			K_SIGSYS);
	}
}

/*
 * A trapped call runs inside our SIGSYS handler, and the kernel restores
 * the mask saved in that frame at sigreturn: a mask change made here
 * would be undone on the way back to the application. So the new mask is
 * also written into the frame (uc). Our handler has an empty sa_mask, so
 * the mask inside it is the application's own.
 */
long signal_sigprocmask(struct cse_call *c, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	int how = (int)c->args[0];
	const ksigset_t *set = (const ksigset_t *)c->args[1];
	ksigset_t *oset = (ksigset_t *)c->args[2];
	int was_blocked = t->sigsys_blocked, now_blocked = was_blocked;
	ksigset_t real;
	long r;

	if (c->args[3] != 8)
		return -22;
	if (set) {
		real = *set & ~SIGBIT(K_SIGSYS);
		switch (how) {
		case SIG_BLOCK_K:
			now_blocked |= !!(*set & SIGBIT(K_SIGSYS));
			break;
		case SIG_UNBLOCK_K:
			if (*set & SIGBIT(K_SIGSYS))
				now_blocked = 0;
			break;
		case SIG_SETMASK_K:
			now_blocked = !!(*set & SIGBIT(K_SIGSYS));
			break;
		default:
			return -22;
		}
		r = seccomp_app_call(c, __NR_rt_sigprocmask,
				     (const long[6]){ how, (long)&real, (long)oset, 8 });
	} else {
		r = seccomp_app_call(c, __NR_rt_sigprocmask,
				     (const long[6]){ how, 0, (long)oset, 8 });
	}
	if (r < 0)
		return r;
	if (uc && set) {
		ksigset_t cur;

		if (rt_sys4(__NR_rt_sigprocmask, SIG_BLOCK_K, 0, &cur, 8) == 0)
			uc->uc_sigmask = cur & ~SIGBIT(K_SIGSYS);
	}
	if (oset && was_blocked)
		*oset |= SIGBIT(K_SIGSYS);
	t->sigsys_blocked = now_blocked;
	if (!now_blocked)
		raise_pending();
	return r;
}

/* The application's rt_sigreturn: sanitize its frame, then do it for real. */
_Noreturn void signal_sigreturn(struct kucontext *uc)
{
	uintptr_t sp = uc->uc_mcontext.rsp;
	/* rt_sigframe = { pretcode; ucontext; siginfo }, pretcode already popped. */
	struct kucontext *app = (struct kucontext *)sp;

	cse_self()->sigsys_blocked = !!(app->uc_sigmask & SIGBIT(K_SIGSYS));
	app->uc_sigmask &= ~SIGBIT(K_SIGSYS);
	cse_sigreturn_at(sp);
}

/*
 * Run the application's SIGSYS handler as the kernel would: its mask
 * applied (SIGSYS virtually), SA_RESETHAND honoured, the real frame's
 * ucontext handed over so changes to registers take effect.
 */
static void deliver_to_app(struct ksiginfo *si, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	struct ksigaction act = app_sigsys;
	ksigset_t mask, before;
	int was_blocked = t->sigsys_blocked;

	if (act.handler == K_SIG_IGN)
		return;
	if (act.handler == K_SIG_DFL) {
		/* Default action: die of SIGSYS, with a core as natively. */
		struct ksigaction dfl = { 0 };
		ksigset_t unblock = SIGBIT(K_SIGSYS);

		rt_sys4(__NR_rt_sigaction, K_SIGSYS, &dfl, 0, 8);
		rt_sys4(__NR_rt_sigprocmask, SIG_UNBLOCK_K, &unblock, 0, 8);
		rt_sys3(__NR_tgkill, rt_sys0(__NR_getpid), rt_sys0(__NR_gettid),
			K_SIGSYS);
		rt_die("SIGSYS default action did not terminate");
	}
	if (act.flags & K_SA_RESETHAND)
		app_sigsys.handler = K_SIG_DFL;
	mask = (uc->uc_sigmask | act.mask) & ~SIGBIT(K_SIGSYS);
	rt_sys4(__NR_rt_sigprocmask, SIG_SETMASK_K, &mask, &before, 8);
	if (!(act.flags & K_SA_NODEFER))
		t->sigsys_blocked = 1;
	if (act.flags & K_SA_SIGINFO)
		((void (*)(int, struct ksiginfo *, void *))act.handler)(K_SIGSYS, si, uc);
	else
		((void (*)(int))act.handler)(K_SIGSYS);
	cse_self()->sigsys_blocked = was_blocked;
	rt_sys4(__NR_rt_sigprocmask, SIG_SETMASK_K, &before, 0, 8);
}

void signal_foreign_sigsys(struct ksiginfo *si, struct kucontext *uc)
{
	if (cse_self()->sigsys_blocked) {
		sigsys_pending = 1;
		return;
	}
	deliver_to_app(si, uc);
}

/*
 * A seccomp RET_TRAP is forced like the kernel's force_sig: blocked or
 * ignored, SIGSYS is unblocked and its default action restored.
 */
void signal_forced_sigsys(struct ksiginfo *si, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();

	if (t->sigsys_blocked || app_sigsys.handler == K_SIG_IGN) {
		app_sigsys.handler = K_SIG_DFL;
		t->sigsys_blocked = 0;
	}
	deliver_to_app(si, uc);
}

/* prctl(PR_SET_SYSCALL_USER_DISPATCH, ...) by the application. */
long signal_prctl_sud(struct cse_call *c)
{
	struct cse_thread *t = cse_self();
	long *a = c->args;

	if (a[1] == PR_SYS_DISPATCH_ON_NR) {
		if ((unsigned long)a[2] + (unsigned long)a[3] < (unsigned long)a[2])
			return -22;
		t->vsud_start = (uint64_t)a[2];
		t->vsud_len = (uint64_t)a[3];
		t->vsud_selector = (uint8_t *)a[4];
		t->vsud_on = 1;
		/* Our rewrites would bypass the application's dispatch. */
		rewrite_stop("off (the application enabled its own SUD)");
		return 0;
	}
	if (a[1] == 0) {
		if (a[2] || a[3] || a[4])
			return -22;
		t->vsud_on = 0;
		return 0;
	}
	return -22;
}

/* 1 when the application's own SUD claims this trap. */
int signal_vsud_trap(struct cse_call *c, struct ksiginfo *si,
		     struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	struct ksiginfo vsi;

	if (!t->vsud_on || c->site - t->vsud_start < t->vsud_len)
		return 0;
	if (t->vsud_selector && *t->vsud_selector == 0 /* ALLOW */)
		return 0;
	vsi = *si;
	uc->uc_mcontext.rax = (uint64_t)c->nr;
	deliver_to_app(&vsi, uc);
	return 1;
}
