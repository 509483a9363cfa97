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

/*
 * rt_sigaction. A handler is installed as cse_sig_entry (sigdefer.c) with
 * the application's flags, mask and restorer; the application reads back
 * exactly what it set (flags and mask as the kernel accepted them). A
 * vfork child shares our tables with its parent: it changes only the
 * kernel's copy, which is its own. A query (no new action) of a signal
 * whose table entry is SIG_DFL (the kernel holds no wrapper there) goes
 * to the kernel with the application's pointer, and so does the old
 * action of a change there: interpreters query every signal at start,
 * and a copy through us is a system call each (process_vm_writev).
 */
long signal_sigaction(struct cse_call *c)
{
	int sig = (int)c->args[0];
	const struct ksigaction *uact = (const struct ksigaction *)c->args[1];
	struct ksigaction *uoact = (struct ksigaction *)c->args[2];
	struct ksigaction act, kact, kold, old = { 0 }, back;
	int ours = sig >= 1 && sig <= 64 && sig != K_SIGKILL && sig != K_SIGSTOP &&
		   !fdguard_in_vfork_child();
	int wrap = 0, direct;
	long r;

	if (c->args[3] != 8)
		return -22;
	if (!uact && sig != K_SIGSYS) {
		/* A query of an action the kernel holds as the application set
		 * it: the kernel writes the old action itself (and fails with
		 * EFAULT or EINVAL as natively), no copy through us. */
		if (ours)
			sigdefer_app_act(sig, &old);
		if (!ours || old.handler == K_SIG_DFL)
			return seccomp_app_call(c, __NR_rt_sigaction,
						(const long[6]){ sig, 0, (long)uoact, 8 });
	}
	if (sig == K_SIGSYS) {
		old = app_sigsys;
		if (uact && rt_copy_from_app(&act, uact, sizeof(act)) != 0)
			return -14;
		if (uact)
			app_sigsys = act;
		if (uoact && rt_copy_to_app(uoact, &old, sizeof(old)) != 0)
			return -14;
		return 0;
	}
	if (uact) {
		if (rt_copy_from_app(&act, uact, sizeof(act)) != 0)
			return -14;	/* EFAULT */
		kact = act;
		kact.mask &= ~SIGBIT(K_SIGSYS);
		wrap = ours && act.handler != K_SIG_DFL && act.handler != K_SIG_IGN;
		if (wrap)
			sigdefer_wrap(&kact, &kact);
	}
	if (ours)
		sigdefer_app_act(sig, &old);
	/* The old action as the kernel holds it is the application's: the
	 * kernel writes it (EFAULT after the new action is set, as natively). */
	direct = uoact && (!ours || old.handler == K_SIG_DFL);
	if (wrap)
		sigdefer_set(sig, &act);	/* before the kernel can use it */
	r = seccomp_app_call(c, __NR_rt_sigaction,
			     (const long[6]){ sig, uact ? (long)&kact : 0,
					      direct ? (long)uoact : (long)&kold, 8 });
	if (r < 0 && !(r == -14 && direct)) {
		if (wrap)
			sigdefer_set(sig, &old);
		return r;
	}
	if (wrap && rt_sys4(__NR_rt_sigaction, sig, 0, &back, 8) == 0) {
		/* Keep what the kernel kept of flags and mask (unknown flags
		 * dropped, SIGKILL and SIGSTOP out of the mask). */
		act.flags = (back.flags & ~(K_SA_SIGINFO | K_SA_RESETHAND)) |
			    (act.flags & (K_SA_SIGINFO | K_SA_RESETHAND));
		act.mask = back.mask | (act.mask & SIGBIT(K_SIGSYS));
		sigdefer_set(sig, &act);
	} else if (uact && ours && !wrap) {
		sigdefer_clear(sig);
	}
	if (uoact && !direct) {
		const struct ksigaction *o = ours && sigdefer_is_wrapped(&kold) ? &old : &kold;

		if (rt_copy_to_app(uoact, o, sizeof(*o)) != 0)
			return -14;
	}
	return r;
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
 * the mask inside it is the application's own. The new set is copied in
 * (one process_vm_readv): an unreadable one is EFAULT, as natively, not
 * a fault of the runtime.
 */
long signal_sigprocmask(struct cse_call *c, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	int how = (int)c->args[0];
	const ksigset_t *set = (const ksigset_t *)c->args[1];
	ksigset_t *oset = (ksigset_t *)c->args[2];
	int was_blocked = t->sigsys_blocked, now_blocked = was_blocked;
	ksigset_t real, nset = 0;
	long r;

	uint64_t deferred;

	if (c->args[3] != 8)
		return -22;
	/* The kernel's order: the set is read (EFAULT), then how checked. */
	if (set && rt_copy_from_app(&nset, set, sizeof(nset)) != 0)
		return -14;
	if (set && how != SIG_BLOCK_K && how != SIG_UNBLOCK_K && how != SIG_SETMASK_K)
		return -22;
	/* Signals blocked by the runtime to defer them are unblocked to the
	 * application; one it now blocks itself is no longer ours. */
	deferred = set ? sigdefer_mask_change(how, nset) : sigdefer_pending();
	if (set) {
		real = nset & ~SIGBIT(K_SIGSYS);
		if (how == SIG_BLOCK_K)
			now_blocked |= !!(nset & SIGBIT(K_SIGSYS));
		else if (how == SIG_UNBLOCK_K && (nset & SIGBIT(K_SIGSYS)))
			now_blocked = 0;
		else if (how == SIG_SETMASK_K)
			now_blocked = !!(nset & SIGBIT(K_SIGSYS));
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
			uc->uc_sigmask = cur & ~SIGBIT(K_SIGSYS) & ~sigdefer_pending();
	}
	if (oset)
		*oset &= ~deferred;
	if (oset && was_blocked)
		*oset |= SIGBIT(K_SIGSYS);
	t->sigsys_blocked = now_blocked;
	if (!now_blocked)
		raise_pending();
	return r;
}

/* Remember the alternate stack the kernel will have (entry.S reads it). */
static void signal_note_altstack(const struct kstack *st)
{
	struct cse_thread *t = cse_stack_area();

	if (st->ss_size && !((unsigned int)st->ss_flags & 2 /* SS_DISABLE */)) {
		t->alt_lo = (uint64_t)st->ss_sp;
		t->alt_hi = (uint64_t)st->ss_sp + st->ss_size;
	} else {
		t->alt_lo = 0;
		t->alt_hi = 0;
	}
}

/* The application's rt_sigreturn: sanitize its frame, then do it for real. */
_Noreturn void signal_sigreturn(struct kucontext *uc)
{
	uintptr_t sp = uc->uc_mcontext.rsp;
	/* rt_sigframe = { pretcode; ucontext; siginfo }, pretcode already popped. */
	struct kucontext *app = (struct kucontext *)sp;

	cse_self()->sigsys_blocked = !!(app->uc_sigmask & SIGBIT(K_SIGSYS));
	sigdefer_forget();
	signal_note_altstack(&app->uc_stack);	/* the kernel restores it */
	app->uc_sigmask &= ~SIGBIT(K_SIGSYS);
	cse_sigreturn_at(sp, cse_stack_area());
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

#define K_SS_ONSTACK		1
#define K_SS_DISABLE		2
#define K_SS_AUTODISARM		(1u << 31)
#define K_MINSIGSTKSZ		2048

/* The kernel's on_sig_stack() for the stack st. */
static int on_stack(const struct kstack *st, uint64_t sp)
{
	uint64_t base = (uint64_t)st->ss_sp;

	if ((unsigned int)st->ss_flags & K_SS_AUTODISARM)
		return 0;
	return sp > base && sp - base <= st->ss_size;
}

/*
 * sigaltstack made by trap. Our SIGSYS handler may itself run on the
 * alternate stack (SA_ONSTACK), where the kernel refuses changes, and
 * rt_sigreturn restores the alternate stack from the frame anyway. So
 * the answer is computed against the application's stack pointer and
 * the frame's saved copy, as the kernel would have, and a change is
 * written into that copy: the kernel installs it at our sigreturn.
 */
long signal_sigaltstack(struct cse_call *c, struct kucontext *uc)
{
	const struct kstack *ss = (const struct kstack *)c->args[0];
	struct kstack *oss = (struct kstack *)c->args[1];
	struct kstack cur = uc->uc_stack, nss, out;
	uint64_t sp = uc->uc_mcontext.rsp;

	if (ss && rt_copy_from_app(&nss, ss, sizeof(nss)) != 0)
		return -14;	/* EFAULT */
	if (ss) {
		unsigned int mode = (unsigned int)nss.ss_flags & ~K_SS_AUTODISARM;

		if (on_stack(&cur, sp))
			return -1;	/* EPERM */
		if (mode != K_SS_DISABLE && mode != K_SS_ONSTACK && mode != 0)
			return -22;	/* EINVAL */
		if (mode == K_SS_DISABLE) {
			nss.ss_sp = 0;
			nss.ss_size = 0;
		} else if (nss.ss_size < K_MINSIGSTKSZ) {
			return -12;	/* ENOMEM */
		}
	}
	if (oss) {
		memset(&out, 0, sizeof(out));
		out.ss_sp = cur.ss_sp;
		out.ss_size = cur.ss_size;
		out.ss_flags = (!cur.ss_size ? K_SS_DISABLE :
				on_stack(&cur, sp) ? K_SS_ONSTACK : 0) |
			       (int)((unsigned int)cur.ss_flags & K_SS_AUTODISARM);
		if (rt_copy_to_app(oss, &out, sizeof(out)) != 0)
			return -14;
	}
	if (ss) {
		/*
		 * rt_sigreturn ignores the frame's copy when the frame sits on
		 * the alternate stack (ours may): make the change for real,
		 * from a stack pointer off that stack, and keep the copy equal
		 * so the restore at sigreturn agrees.
		 */
		uint64_t all = ~0ull, old;
		struct cse_thread *t = cse_stack_area();
		long r;

		rt_sys4(__NR_rt_sigprocmask, SIG_SETMASK_K, &all, &old, 8);
		r = cse_app_call_at(__NR_sigaltstack, (long)&nss, 0,
				    (uintptr_t)t + TA_SIZE);
		rt_sys4(__NR_rt_sigprocmask, SIG_SETMASK_K, &old, 0, 8);
		if (r < 0)
			return r;
		uc->uc_stack = nss;
		signal_note_altstack(&nss);
	}
	return 0;
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

/*
 * clone3(CLONE_CLEAR_SIGHAND) in the child, which the runtime made
 * without the flag: every handler becomes SIG_DFL, SIG_IGN stays, flags
 * and masks are cleared, as the kernel's flush_signal_handlers(). Our
 * SIGSYS handler stays; the application's emulated SIGSYS action is
 * reset too unless the child shares memory with its parent (then it is
 * the parent's as well, and keeps reading back as the parent's).
 */
void signal_clear_handlers(int shares_memory)
{
	for (int sig = 1; sig <= 64; sig++) {
		struct ksigaction cur, act = { 0 };

		if (sig == K_SIGSYS || sig == 9 /* SIGKILL */ || sig == 19 /* SIGSTOP */)
			continue;
		if (rt_sys4(__NR_rt_sigaction, sig, 0, &cur, 8) != 0)
			continue;
		if (cur.handler == K_SIG_IGN && !cur.flags && !cur.mask)
			continue;
		if (cur.handler == K_SIG_DFL && !cur.flags && !cur.mask)
			continue;
		act.handler = cur.handler == K_SIG_IGN ? K_SIG_IGN : K_SIG_DFL;
		rt_sys4(__NR_rt_sigaction, sig, &act, 0, 8);
	}
	if (!shares_memory) {
		void *h = app_sigsys.handler == K_SIG_IGN ? K_SIG_IGN : K_SIG_DFL;

		memset(&app_sigsys, 0, sizeof(app_sigsys));
		app_sigsys.handler = h;
	}
}
