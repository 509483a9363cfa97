// SPDX-License-Identifier: GPL-2.0
/*
 * Signals of the application that arrive while the runtime runs.
 *
 * Every handler the application installs is installed with the kernel as
 * cse_sig_entry (entry.S), with the application's own flags, mask and
 * restorer, so the kernel still decides the stack (SA_ONSTACK), the mask
 * and, for a signal arriving while the application runs, everything
 * else: cse_sig_entry then jumps to the application's handler on the
 * kernel's frame. Cost there: a call, a depth test, a text test, a
 * walk over the stub pools (a handful); no system call.
 *
 * A signal arriving inside the runtime (rt_depth != 0, or the
 * interrupted rip in the runtime's text) is deferred: blocked in the
 * frame we return to, put back in the queue with its siginfo
 * (rt_tgsigqueueinfo, allowed for any si_code towards ourselves), and
 * marked in the thread area. It is then delivered by the kernel itself
 * when the runtime gives the thread back to the application:
 *  - a trapped call returns through the SIGSYS frame's rt_sigreturn,
 *    whose mask is the application's: the kernel delivers the pending
 *    signal on the application's registers (rax = the result);
 *  - a fast-path call leaves through cse_fast_exit, which sees the mark
 *    and goes through the gate: a trapping syscall whose SIGSYS frame
 *    sigdefer_gate() turns into the application's state at the site,
 *    with the deferred bits unblocked. Cost: one SUD trap, only when a
 *    signal was deferred; the fast path pays two instructions.
 * So the application's handler always sees its own rip, stack and FPU
 * state, and can siglongjmp out without leaving runtime state behind.
 *
 * Blocking calls: while a signal is deferred, a call made for the
 * application (cse_app_syscall, the fast path's plain syscall) is not
 * made, and one the signal interrupts is ended; both return -ERESTARTSYS
 * (-512), which ends the application's call at the site's syscall
 * instruction with rax = nr, exactly as the kernel arranges a restart:
 * the handler runs, then the call is made again. A call the kernel ended with -EINTR (no
 * SA_RESTART, or a call never restarted) returns -EINTR as natively.
 *
 * Synchronous faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP sent by
 * the kernel) in the runtime's text are runtime bugs: reported and
 * re-raised with the default action, never deferred.
 *
 * Costs: a signal taken while the application runs pays a call and a
 * walk over the stub pools before its handler (no system call); a
 * deferred one pays 4 system calls and, on the fast path, one SUD trap.
 * Calls pay a few instructions: the exit test in cse_fast_exit and the
 * mark test in cse_app_syscall.
 *
 * Limits: a signal arriving while the application's SIGSYS handler runs
 * inside the runtime (signal.c), or in the few instructions of
 * cse_sig_entry itself, waits for the next return to the application.
 * An element that receives -ERESTARTSYS from svc->syscall must return it
 * (or -EINTR) as is: the whole application call is made again.
 */
#include "runtime.h"
#include "rewrite_emit.h"

#define SIG_BLOCK_K	0
#define SIG_SETMASK_K	2
#define K_SIGILL	4
#define K_SIGTRAP	5
#define K_SIGBUS	7
#define K_SIGFPE	8
#define K_SIGSEGV	11
#define NSIG_K		64
#define ERESTARTSYS_K	512

static uintptr_t text_lo, text_len;
uintptr_t cse_gate_insn;	/* `syscall` in the gate page */

/* The application's view of each disposition it gave a handler. */
static struct ksigaction app_act[NSIG_K + 1] RT_LARGE;

extern char cse_app_syscall_deferred[], cse_app_syscall_insn[];
extern char cse_fast_plain_insn[], cse_fast_plain_deferred[], cse_fast_ret_jmp[];

static uint64_t gate_offset(void)
{
	return (uintptr_t)cse_fast_gate - (uintptr_t)cse_fast_ret;
}

int sigdefer_init(void)
{
	text_lo = cse_cfg.text_start;
	text_len = cse_cfg.text_end - cse_cfg.text_start;
	return 0;
}

/*
 * The gate page is mapped on the first deferral only: most processes
 * never defer a signal, and the page costs two calls at every start.
 * Threads deferring at once may both map one: the first published wins.
 */
void sigdefer_gate_map(void)
{
	static const uint8_t gate[4] = { 0x0f, 0x05, 0x0f, 0x0b };	/* syscall; ud2 */
	uintptr_t none = 0;
	long p;

	if (__atomic_load_n(&cse_gate_insn, __ATOMIC_ACQUIRE))
		return;
	p = rt_sys6(__NR_mmap, 0, 4096, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
	if (IS_ERR_RET(p))
		rt_die("cannot map the signal gate page (errno %ld)", -p);
	memcpy((void *)p, gate, sizeof(gate));
	if (rt_sys3(__NR_mprotect, p, 4096, 5 /* R|X */) != 0)
		rt_die("cannot make the signal gate page executable");
	if (!__atomic_compare_exchange_n(&cse_gate_insn, &none, (uintptr_t)p, 0,
					 __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		rt_sys2(__NR_munmap, p, 4096);
}

static int in_runtime_text(uint64_t rip)
{
	return rip - text_lo < text_len;
}

/* The application's handler for sig, as it set it (signal.c). */
int sigdefer_is_wrapped(const struct ksigaction *k)
{
	return k->handler == (void *)cse_sig_entry;
}

void sigdefer_app_act(int sig, struct ksigaction *out)
{
	*out = app_act[sig];
}

/*
 * The kernel action for the application's act, and the table entries:
 * SA_SIGINFO always (the siginfo is kept when deferring), SA_RESETHAND
 * emulated (a deferred signal must find the handler again).
 */
void sigdefer_wrap(const struct ksigaction *act, struct ksigaction *k)
{
	*k = *act;
	k->handler = (void *)cse_sig_entry;
	k->flags = (act->flags | K_SA_SIGINFO) & ~K_SA_RESETHAND;
}

void sigdefer_set(int sig, const struct ksigaction *act)
{
	app_act[sig] = *act;
}

void sigdefer_clear(int sig)
{
	app_act[sig].handler = K_SIG_DFL;
}

/* The handler to run for sig on the kernel's frame uc, now. */
static void *app_handler(int sig, struct ksiginfo *si, struct kucontext *uc)
{
	struct ksigaction act = app_act[sig];
	struct ksigaction dfl = { 0 };

	if (act.handler == K_SIG_IGN)
		cse_sig_return(uc);
	if (act.handler == K_SIG_DFL) {
		/* The application set SIG_DFL while this one was on its way. */
		rt_sys4(__NR_rt_sigaction, sig, &dfl, 0, 8);
		rt_sys4(__NR_rt_tgsigqueueinfo, rt_sys0(__NR_getpid),
			rt_sys0(__NR_gettid), sig, si);
		cse_sig_return(uc);
	}
	if (act.flags & K_SA_RESETHAND) {
		/* The kernel's first: a table entry at SIG_DFL says the
		 * kernel holds no wrapper (signal_sigaction's queries). */
		rt_sys4(__NR_rt_sigaction, sig, &dfl, 0, 8);
		sigdefer_clear(sig);
	}
	return act.handler;
}

/*
 * A signal taken inside a rewritten site's stub (rewrite_emit.c) is
 * moved to the equivalent state of the application's own code: before
 * the site's instructions, at its syscall instruction (which the rewrite
 * keeps, and which traps), or after it with the result.
 */
static void stub_fixup(struct kmcontext *m)
{
	uintptr_t stub, site;
	long off;
	int dyn = rewrite_stub_of(m->rip, &stub), len;
	const uint8_t *b = (const uint8_t *)stub;

	if (dyn < 0)
		return;
	off = (long)(m->rip - stub);
	if (dyn == 2 && b[GAP_KIND_BYTE] == 1) {
		len = 5;	/* a register-number stub in a gap pool */
		goto dyn_stub;
	}
	if (dyn == 2) {
		/* mov $nr (5), the gap's moves (g), lea -0x80 (5), call (6),
		 * lea 0x80 (8), jmp: a boundary inside the moves is the same
		 * boundary in the application's code. */
		long g = b[GAP_STUB_SIZE - 1];
		long l = (b[GAP_KIND_BYTE] == GAP_KIND_PAD ? 0 : 5) + g;	/* pad: no mov */

		site = rewrite_stub_site(stub + (uintptr_t)l + 11);
		if (off > l && off < l + 19)
			m->rsp += RED_ZONE;
		m->rip = off < l ? site - 2 - (uintptr_t)l + (uintptr_t)off :
			 off <= l + 5 ? site - 2 : site;
		return;
	}
	if (!dyn) {
		site = rewrite_stub_site(stub + STUB_RET_OFF);
		if (off >= 5 && off < 24)
			m->rsp += RED_ZONE;
		m->rip = off < 10 ? site - SITE_SPAN : off < 16 ? site - 2 : site;
		return;
	}
	len = b[3] == 0x48 && b[4] == 0x8d ? 3 : 4;	/* where the lea starts */
dyn_stub:
	site = rewrite_stub_site(stub + (uintptr_t)len + 11);
	if ((off >= len + 5 && off < len + 19) || (off >= len + 24 && off < len + 32))
		m->rsp += RED_ZONE;
	if (off == 0)
		m->rip = site - 2 - (uintptr_t)len;
	else if (off < len + 11 || (off >= len + 24 && off < len + 34))
		m->rip = site - 2;
	else
		m->rip = site;
}

static int sync_fault(int sig, const struct ksiginfo *si)
{
	return (sig == K_SIGSEGV || sig == K_SIGBUS || sig == K_SIGFPE ||
		sig == K_SIGILL || sig == K_SIGTRAP) && si->si_code > 0;
}

/* A runtime bug: say so, then die of the signal as the kernel would. */
static _Noreturn void runtime_fault(int sig, struct ksiginfo *si, struct kucontext *uc)
{
	struct ksigaction dfl = { 0 };
	ksigset_t unblock = SIGBIT(sig);

	rt_errorf("runtime fault: signal %d at rip %#lx (addr %#lx)", sig,
		  (unsigned long)uc->uc_mcontext.rip,
		  *(unsigned long *)si->u.bytes);
	rt_sys4(__NR_rt_sigaction, sig, &dfl, 0, 8);
	uc->uc_sigmask &= ~unblock;
	cse_sig_return(uc);	/* the instruction faults again, fatally */
}

/* Mark a deferral: the fast path's exit and cse_app_syscall see it. */
static void mark(struct cse_thread *t, ksigset_t bit)
{
	sigdefer_gate_map();	/* before the fast path may jump there */
	__atomic_fetch_or(&t->sig_deferred, bit, __ATOMIC_RELAXED);
	__atomic_store_n(&t->fast_exit, gate_offset(), __ATOMIC_RELAXED);
}

static _Noreturn void defer(struct cse_thread *t, int sig, struct ksiginfo *si,
			    struct kucontext *uc)
{
	struct kmcontext *m = &uc->uc_mcontext;
	ksigset_t bit = SIGBIT(sig);
	uintptr_t rip = m->rip;

	/* Blocked before it is queued again: it must wait, not come back. */
	rt_sys4(__NR_rt_sigprocmask, SIG_BLOCK_K, &bit, 0, 8);
	rt_sys4(__NR_rt_tgsigqueueinfo, rt_sys0(__NR_getpid), rt_sys0(__NR_gettid),
		sig, si);
	uc->uc_sigmask |= bit;
	/* Always, even in the SIGSYS entry's first and last instructions:
	 * a mark too many costs one restart, one too few hides the bit
	 * from the application's view of its mask (sigprocmask's oset). */
	mark(t, bit);
	if (rip >= (uintptr_t)cse_fast_exit && rip <= (uintptr_t)cse_fast_ret_jmp) {
		if (rip == (uintptr_t)cse_fast_ret_jmp)
			m->rsp -= 8;	/* back on the stub's return address */
		m->rip = (uintptr_t)cse_fast_exit;	/* read the mark again */
	}
	else if (rip >= (uintptr_t)cse_fast_entry &&
		 rip <= (uintptr_t)cse_fast_plain_insn)
		/* The plain path's tests (both entries) or its syscall, not
		 * made or set up to restart: rax = nr, rsp at the stub. */
		m->rip = (uintptr_t)cse_fast_plain_deferred;
	else if (rip >= (uintptr_t)cse_app_syscall &&
		 rip <= (uintptr_t)cse_app_syscall_insn)
		m->rip = (uintptr_t)cse_app_syscall_deferred;	/* not started, or
						 * the kernel set it up to restart */
	cse_sig_return(uc);
}

/*
 * A signal that finds the thread leaving a fast call whose call is made
 * (at cse_fast_exit the state is the gate's: every application register
 * back but rax, rcx and r11, rsp at the stub's return address; or one of
 * the two steps after the test), with nothing deferred: the return is
 * finished in the frame as the gate would finish it, and the handler
 * runs now instead of after a deferral (four calls and a trap). Every
 * wait4 that a SIGCHLD ends comes here. 0 when the state is another.
 */
static int finish_fast_exit(const struct cse_thread *t, struct kmcontext *m)
{
	uintptr_t rsp = m->rsp, stub_ret, site;

	if (t->rt_depth != 0 || __atomic_load_n(&t->fast_exit, __ATOMIC_RELAXED))
		return 0;
	if (m->rip == (uintptr_t)cse_fast_ret_jmp)
		rsp -= 8;	/* back on the stub's return address */
	else if (m->rip != (uintptr_t)cse_fast_exit && m->rip != (uintptr_t)cse_fast_ret)
		return 0;
	stub_ret = *(const uintptr_t *)rsp;
	if (in_runtime_text(stub_ret) || ((const uint8_t *)stub_ret)[8] != 0xe9)
		return 0;	/* on to a trap (sigdefer_gate): defer */
	site = rewrite_stub_site(stub_ret);
	m->rsp = rsp + 8 + RED_ZONE;
	m->rip = site;
	m->rcx = site;
	m->r11 = m->eflags;
	return 1;
}

/* cse_sig_entry's C half: the handler to jump to, or never returns. */
void *cse_sig_slow(int sig, struct ksiginfo *si, void *ucv)
{
	struct kucontext *uc = ucv;
	struct cse_thread *t = cse_stack_area();
	uint64_t rip = uc->uc_mcontext.rip;

	if (in_runtime_text(rip) && sync_fault(sig, si))
		runtime_fault(sig, si, uc);
	/* The gate's syscall is ours too: the mark is set, it traps next. */
	if ((t->rt_depth != 0 || in_runtime_text(rip) ||
	     (rip == cse_gate_insn && cse_gate_insn)) &&
	    !finish_fast_exit(t, &uc->uc_mcontext))
		defer(t, sig, si, uc);
	stub_fixup(&uc->uc_mcontext);
	return app_handler(sig, si, uc);
}

/*
 * The gate's SIGSYS: uc is the state at the gate page, rsp at the stub's
 * return address. Make it the application's state at the site (the stub's
 * own epilogue: rsp back over the red zone, resume after the syscall)
 * and unblock what was deferred; the kernel delivers it at rt_sigreturn.
 */
void sigdefer_gate(struct kucontext *uc)
{
	struct cse_thread *t = cse_stack_area();
	struct kmcontext *m = &uc->uc_mcontext;
	uintptr_t stub_ret = *(uintptr_t *)m->rsp;
	uintptr_t site;
	long ret = (long)t->gate_ret;

	if (in_runtime_text(stub_ret) || ((const uint8_t *)stub_ret)[8] != 0xe9) {
		/* Sent on to a trap (cse_fast_retrap, a stub's trap tail): go
		 * there; the trap that follows delivers what is deferred. */
		m->rip = stub_ret;
		m->rsp += 8;
		m->rax = (uint64_t)ret;
		return;
	}
	site = rewrite_stub_site(stub_ret);
	m->rsp += 8 + RED_ZONE;
	if (ret == -ERESTARTSYS_K) {
		m->rip = site - 2;	/* the site's syscall, kept by the rewrite */
		m->rax = (uint64_t)t->gate_nr;
	} else {
		m->rip = site;
		m->rax = (uint64_t)ret;
	}
	m->rcx = site;
	m->r11 = m->eflags;
	sigdefer_trap_exit(uc, t->rt_depth == 1);
}

/*
 * The end of a trapped call whose frame returns to the application:
 * restart an interrupted call, and when this is the outermost entry
 * clear the marks (the frame's mask is the application's; the kernel
 * delivers what is pending at rt_sigreturn).
 */
void sigdefer_trap_exit(struct kucontext *uc, int outermost)
{
	struct cse_thread *t = cse_stack_area();
	ksigset_t d;

	if (!outermost)
		return;
	__atomic_store_n(&t->fast_exit, 0, __ATOMIC_RELAXED);
	d = __atomic_exchange_n(&t->sig_deferred, 0, __ATOMIC_RELAXED);
	uc->uc_sigmask &= ~d;
}

/*
 * The application's rt_sigreturn installs its frame's mask: what is
 * deferred and unblocked there is delivered on its registers.
 */
void sigdefer_forget(void)
{
	struct cse_thread *t = cse_stack_area();

	if (t->rt_depth != 1)
		return;
	__atomic_store_n(&t->fast_exit, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->sig_deferred, 0, __ATOMIC_RELAXED);
}

/* A trapped call ended with -ERESTARTSYS: make it again after the signal. */
void sigdefer_trap_restart(struct kucontext *uc, uintptr_t site, long nr)
{
	struct kmcontext *m = &uc->uc_mcontext;

	if (m->rip == site && (long)m->rax == -ERESTARTSYS_K) {
		m->rip = site - 2;
		m->rax = (uint64_t)nr;
	}
}

/* The application changes its mask: bits it blocks are no longer ours. */
uint64_t sigdefer_mask_change(int how, ksigset_t set)
{
	struct cse_thread *t = cse_stack_area();
	uint64_t before = __atomic_load_n(&t->sig_deferred, __ATOMIC_RELAXED);

	if (how == SIG_BLOCK_K || how == SIG_SETMASK_K)
		__atomic_fetch_and(&t->sig_deferred, ~set, __ATOMIC_RELAXED);
	return before;
}

uint64_t sigdefer_pending(void)
{
	return __atomic_load_n(&cse_stack_area()->sig_deferred, __ATOMIC_RELAXED);
}
