// SPDX-License-Identifier: GPL-2.0
/*
 * Per-thread runtime areas and clone/clone3/fork/vfork.
 *
 * SUD is not inherited by new threads nor by fork children, so every
 * child must switch it on before running one application instruction.
 * The SIGSYS handler therefore never performs a clone itself: it rewrites
 * the signal frame so that sigreturn resumes the application's exact
 * registers at a clone stub in entry.S, which issues the application's
 * own call from the allowed region. The parent resumes at the saved
 * address; the child first calls the setup functions below. This keeps
 * vfork honest: the child runs on the parent's stack and shares its
 * memory, and nothing the parent needs lives in the child's way.
 * Signals stay blocked from the handler's return until each side has
 * restored the application's mask, so a nested clone in a signal handler
 * cannot overwrite TA_CLONE_RIP.
 *
 * exit() hooks (element.h) of such a call run on both sides, once the
 * stub's syscall returned and before the application's mask is back, on
 * the runtime stack: in the parent with the kernel's result (the child's
 * pid or tid, or -errno), in the child with 0 and CSE_CALL_CHILD. The
 * call and the chain frame they need wait in the parent's area
 * (clone_exit); a fork child has a copy and a vfork parent is suspended
 * while its child reads it, but a thread's parent runs on, so a
 * CLONE_VM child without CLONE_VFORK gets its area made by the parent
 * with the record in it.
 */
#include <asm/prctl.h>
#include <cse/boot.h>
#include "runtime.h"

_Static_assert(offsetof(struct cse_thread, self) == TA_SELF, "TA_SELF");
_Static_assert(offsetof(struct cse_thread, selector) == TA_SELECTOR, "TA_SELECTOR");
_Static_assert(offsetof(struct cse_thread, clone_rip) == TA_CLONE_RIP, "TA_CLONE_RIP");
_Static_assert(offsetof(struct cse_thread, saved_mask) == TA_SAVED_MASK, "TA_SAVED_MASK");
_Static_assert(offsetof(struct cse_thread, owner) == TA_OWNER, "TA_OWNER");
_Static_assert(offsetof(struct cse_thread, next) == TA_NEXT, "TA_NEXT");
_Static_assert(offsetof(struct cse_thread, retrap_rip) == TA_RETRAP, "TA_RETRAP");
_Static_assert(offsetof(struct cse_thread, rt_depth) == TA_DEPTH, "TA_DEPTH");
_Static_assert(offsetof(struct cse_thread, alt_lo) == TA_ALT_LO, "TA_ALT_LO");
_Static_assert(offsetof(struct cse_thread, alt_hi) == TA_ALT_HI, "TA_ALT_HI");
_Static_assert(offsetof(struct cse_thread, fast_exit) == TA_FAST_EXIT, "TA_FAST_EXIT");
_Static_assert(offsetof(struct cse_thread, gate_ret) == TA_GATE_RET, "TA_GATE_RET");
_Static_assert(offsetof(struct cse_thread, clone_exit_pending) == TA_CLONE_EXIT, "TA_CLONE_EXIT");
_Static_assert(offsetof(struct cse_thread, vfork_backup) == TA_VFORK_BACKUP, "TA_VFORK_BACKUP");
_Static_assert(offsetof(struct cse_thread, vfork_tag) == TA_VFORK_TAG, "TA_VFORK_TAG");
_Static_assert(TA_SIZE % 8 == 0, "the area is copied by quadwords (entry.S)");
_Static_assert(sizeof(struct cse_thread) <= TA_SIZE, "area fits its page");

#define CLONE_STUB_RESUMED	1	/* thread_clone() result: frame rewritten */
#define CLONE_ARGS_SIZE_VER0	64
#define K_SIGCHLD		17

/* A new area with its runtime stack below it (thread_area.h). */
struct cse_thread *thread_area_new(void)
{
	long p = rt_sys6(__NR_mmap, 0, TA_MAP_SIZE, 3 /* RW */,
			 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);

	if (IS_ERR_RET(p))
		return NULL;
	if (rt_sys3(__NR_mprotect, p, TA_GUARD_SIZE, 0 /* PROT_NONE */) != 0) {
		rt_sys2(__NR_munmap, p, TA_MAP_SIZE);
		return NULL;
	}
	/* The area and its stack's top page are written at once: one call
	 * rather than two page faults (best effort, Linux >= 5.14). */
	rt_sys3(__NR_madvise, p + TA_GUARD_SIZE + TA_STACK_SIZE - 4096, 2 * 4096,
		23 /* MADV_POPULATE_WRITE */);
	return (struct cse_thread *)(p + TA_GUARD_SIZE + TA_STACK_SIZE);
}

void thread_area_free(struct cse_thread *t)
{
	rt_sys2(__NR_munmap, ta_map_base(t), TA_MAP_SIZE);
}

/*
 * Make t the calling thread's area. If another runtime already owns %gs
 * (we are nested), keep its area reachable behind ours.
 */
static int install_over(struct cse_thread *t, unsigned long cur)
{
	t->self = t;
	t->owner = &cse_cfg;
	if (cur && (struct cse_thread *)cur != t) {
		struct cse_thread *outer = (struct cse_thread *)cur;

		/* Skip our own stale area (fork/vfork copies). */
		while (outer && outer->owner == &cse_cfg)
			outer = outer->next;
		t->next = outer;
	}
	t->tid = (int)rt_sys0(__NR_gettid);
	if (rt_sys2(__NR_arch_prctl, ARCH_SET_GS, t) != 0)
		return -1;
	cse_gs_ready = 1;
	return 0;
}

/* What ARCH_GET_GS gives in a clone child, which inherits %gs: the
 * area there, whose first word is its own address. */
static unsigned long gs_now(void)
{
	unsigned long a;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(a));
	return a;
}

/*
 * The loader's first area. A process the kernel's exec just started has
 * a %gs base of 0; only a runtime enclosing ours (nested cse) may have
 * put its area there since. A boot block from a runtime that was not
 * nested says so (exec.c), saving an ARCH_GET_GS (several us in a VM).
 */
int thread_area_install(struct cse_thread *t)
{
	const struct cse_boot *b = boot_block();
	unsigned long cur = 0;

	if (b->magic != CSE_BOOT_MAGIC || !(b->flags & CSE_BOOT_GS_FREE))
		rt_sys2(__NR_arch_prctl, ARCH_GET_GS, &cur);
	return install_over(t, cur);
}

/*
 * Fresh area for a CLONE_VM child, inheriting the parent's virtual state;
 * pre: the area the parent made for it (with the exit() record), or NULL.
 */
static struct cse_thread *child_area(const struct cse_thread *parent,
				     uint64_t flags, struct cse_thread *pre)
{
	struct cse_thread *t;
	struct clone_exit x = { 0 };
	void *exec_buf = NULL;

	int spare = (flags & K_CLONE_VFORK) && parent->vfork_spare;

	/* The vfork parent is suspended while its spare area is in use. */
	t = pre ? pre : spare ? parent->vfork_spare : thread_area_new();
	if (!t)
		rt_die("no memory for a new thread's runtime area");
	/* The exit() record: in pre, or in a vfork parent's area (it waits).
	 * Another CLONE_VM parent runs on and may be in its next clone. */
	int pending = pre || ((flags & K_CLONE_VFORK) && parent->clone_exit_pending);

	if (pending)
		x = pre ? pre->clone_exit : parent->clone_exit;
	if (spare)
		exec_buf = t->exec_buf;	/* the spare's, kept from child to child */
	memset(t, 0, sizeof(*t));
	t->exec_buf = exec_buf;
	if (pending) {
		t->clone_exit = x;
		t->clone_exit_pending = 1;
	}
	t->borrowed = spare;
	t->sigsys_blocked = parent->sigsys_blocked;
	t->next = parent->next;
	if (flags & K_CLONE_VFORK) {
		/* The kernel keeps the alternate stack for vfork children only. */
		t->alt_lo = parent->alt_lo;
		t->alt_hi = parent->alt_hi;
	}
	if (!(flags & K_CLONE_THREAD)) {
		/* A new process sharing memory (vfork): keeps virtual SUD. */
		t->vsud_on = parent->vsud_on;
		t->vsud_start = parent->vsud_start;
		t->vsud_len = parent->vsud_len;
		t->vsud_selector = parent->vsud_selector;
	}
	return t;
}

/* exit() hooks of the clone on the runtime stack; arg: the result. */
static void run_clone_exit(void *arg)
{
	struct cse_thread *t = cse_self();
	struct cse_call *c = &t->clone_exit.call;
	long *ret = arg;

	c->ret = *ret;
	chain_exit(c, &t->clone_exit.cf);
	*ret = c->ret;
}

/* regs[-1]: the saved rax (CALL_PRESERVING in entry.S), the child's 0. */
static void child_finish(struct cse_thread *t, uint64_t flags, uint64_t mask,
			 uint64_t *regs)
{
	if (sud_enable(t) != 0)
		rt_die("cannot enable syscall user dispatch in a new %s",
		       (flags & K_CLONE_THREAD) ? "thread" : "process");
	if (!(flags & K_CLONE_THREAD))
		chain_fork_child(!!(flags & K_CLONE_VM));
	if (!(flags & (K_CLONE_THREAD | K_CLONE_VM)))
		fdguard_fork_child();
	if (t->clone_exit_pending) {
		long ret = 0;

		t->clone_exit_pending = 0;
		t->clone_pre = NULL;
		t->clone_exit.call.flags |= CSE_CALL_CHILD;
		/* A fork child's copy of the call's scratch goes (a CLONE_VM
		 * child's area is new: nothing in use). */
		if (!(flags & K_CLONE_VM))
			t->scratch_used = t->clone_exit.scratch_mark;
		cse_on_rt_stack(run_clone_exit, &ret);
		regs[-1] = (uint64_t)ret;
	}
	if (flags & K_CLONE_CLEAR_SIGHAND)
		signal_clear_handlers(!!(flags & K_CLONE_VM));
	rt_sys4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &mask, 0, 8);
}

/*
 * Parent side of a clone stub whose call waits for exit() hooks: runs
 * them with the kernel's result (regs[-1], the saved rax) and puts what
 * they leave there.
 */
void clone_parent_exit(uint64_t *regs)
{
	struct cse_thread *t = cse_self();
	long ret = (long)regs[-1];

	if (t->clone_pre && ret < 0)
		thread_area_free(t->clone_pre);	/* no child took it */
	t->clone_pre = NULL;
	t->clone_exit.call.flags &= ~(uint32_t)CSE_CALL_CHILD;
	cse_on_rt_stack(run_clone_exit, &ret);
	regs[-1] = (uint64_t)ret;
	t->scratch_used = t->clone_exit.scratch_mark;
	t->clone_exit_pending = 0;
}

/*
 * A vfork child in its parent's own area: no %gs change (ARCH_SET_GS
 * costs several us in a VM). The parent is suspended until the child
 * execs or exits, so its area is free meanwhile: its image goes to the
 * spare area first, tagged with the child's tid once complete, and the
 * parent puts it back when its vfork returns that tid (cse_clone_stub),
 * wherever the child stopped. What the child inherits is what
 * child_area() gives a vfork child, but the runtime stack and scratch
 * arena, whose parts in use (if any) it works below and above, and the
 * exec buffer, which parent and child then share (never at once).
 */
static struct cse_thread *child_in_place(struct cse_thread *t)
{
	struct cse_thread *b = t->vfork_backup;
	int tid = (int)rt_sys0(__NR_gettid);

	/* Into the image too: what the child maps stays the parent's. The
	 * spare's own buffer (its children's before) goes to the parent;
	 * one equal to ours is only an image's copy. */
	if (b->exec_buf && b->exec_buf != t->exec_buf) {
		if (!t->exec_buf)
			t->exec_buf = b->exec_buf;
		else
			exec_buf_free(b);
	}
	exec_buf_get(t);
	memcpy(b, t, TA_SIZE);
	__atomic_store_n(&b->vfork_tag, tid, __ATOMIC_RELEASE);
	t->tid = tid;
	t->borrowed = 1;
	t->vfork_spare = NULL;	/* a nested vfork makes its own */
	t->vfork_in_place = 0;
	t->clone_pre = NULL;
	t->retrap_rip = 0;
	t->fast_exit = 0;	/* the parent's deferred signals stay its own */
	t->sig_deferred = 0;
	t->gate_ret = 0;
	t->gate_nr = 0;
	t->seccomp_trapped = 0;
	return t;
}

/* Child of cse_clone_stub: fork (own copy of memory) or vfork (shared). */
void clone_child_setup_shared(uint64_t *frame)
{
	struct cse_thread *parent = cse_self();
	uint64_t flags = parent->child_flags;
	uint64_t mask = parent->saved_mask;
	struct cse_thread *t = parent;

	if ((flags & K_CLONE_VM) && parent->vfork_in_place) {
		t = child_in_place(parent);
	} else if (flags & K_CLONE_VM) {
		t = child_area(parent, flags, NULL);
		if (install_over(t, gs_now()) != 0)
			rt_die("cannot install the runtime area of a vfork child");
	} else {
		t->tid = (int)rt_sys0(__NR_gettid);
	}
	child_finish(t, flags, mask, frame);
}

/* Child of cse_clone_stub_newstack: frame is the CF_* block. */
void clone_child_setup_newstack(uint64_t *frame)
{
	uint64_t mask = frame[CF_MASK / 8];
	uint64_t flags = frame[CF_FLAGS / 8];
	struct cse_thread *pre = (struct cse_thread *)frame[CF_AREA / 8];
	struct cse_thread *parent = cse_self();
	struct cse_thread *t = parent;

	if (flags & K_CLONE_VM) {
		t = child_area(parent, flags, pre);
		if (install_over(t, gs_now()) != 0)
			rt_die("cannot install a new thread's runtime area");
	} else {
		t->tid = (int)rt_sys0(__NR_gettid);
	}
	child_finish(t, flags, mask, frame);
}

/*
 * Prepare the SIGSYS frame so sigreturn runs the call at a clone stub.
 * Returns CLONE_STUB_RESUMED, or -errno before anything was started.
 */
long thread_clone(struct cse_call *c, struct kucontext *uc, const struct chain_frame *cf)
{
	struct cse_thread *t = cse_self();
	struct kmcontext *m = &uc->uc_mcontext;
	uint64_t flags, stack_top = 0;
	size_t size = 0;

	switch (c->nr) {
	case __NR_fork:
		flags = K_SIGCHLD;
		break;
	case __NR_vfork:
		flags = K_CLONE_VM | K_CLONE_VFORK | K_SIGCHLD;
		break;
	case __NR_clone:
		flags = (uint64_t)c->args[0];
		stack_top = (uint64_t)c->args[1];
		break;
	case __NR_clone3:
		size = (size_t)c->args[1];
		if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
			return -22;	/* EINVAL, as the kernel */
		if (size > sizeof(t->clone3_args)) {
			const unsigned char *extra = (const unsigned char *)c->args[0];

			for (size_t i = sizeof(t->clone3_args); i < size; i++)
				if (extra[i])
					return -7;	/* E2BIG, as the kernel */
			size = sizeof(t->clone3_args);
		}
		memset(&t->clone3_args, 0, sizeof(t->clone3_args));
		memcpy(&t->clone3_args, (const void *)c->args[0], size);
		flags = t->clone3_args.flags;
		if (flags & K_CLONE_CLEAR_SIGHAND) {
			if (flags & K_CLONE_SIGHAND)
				return -22;	/* EINVAL, as the kernel */
			/* The kernel would reset our SIGSYS handler too, and
			 * the child's first trapped call would kill it: the
			 * child resets the others itself (child_finish). */
			t->clone3_args.flags &= ~K_CLONE_CLEAR_SIGHAND;
		}
		if (t->clone3_args.stack)
			stack_top = t->clone3_args.stack + t->clone3_args.stack_size;
		break;
	default:
		return -22;
	}

	/* The descriptor table (fdtable.c) is process memory: a child sharing
	 * it but not the descriptors would change it under its parent. */
	if ((flags & K_CLONE_VM) && !(flags & (K_CLONE_FILES | K_CLONE_VFORK)) &&
	    fdtable_trackers())
		return -22;	/* EINVAL */
	if ((flags & K_CLONE_VFORK) && (flags & K_CLONE_VM))
		fdguard_vfork_seen = 1;	/* the child may change the fd table's memory */
	if ((flags & K_CLONE_VFORK) && (flags & K_CLONE_VM) && !t->vfork_spare) {
		t->vfork_spare = thread_area_new();
		if (!t->vfork_spare)
			return -12;	/* ENOMEM */
	}
	/* The child runs in our area (child_in_place) when it is a plain
	 * vfork (no namespace: its tid is the pid we get back) on our stack
	 * and we are a plain thread: our area is the one on %gs (no nested
	 * runtime), and we are no vfork child ourselves. */
	if (!t->borrowed)
		t->vfork_backup = t->vfork_spare;	/* kept while a child runs here */
	t->vfork_in_place = (flags & ~0xfful) == (K_CLONE_VM | K_CLONE_VFORK) && !stack_top &&
			    t->vfork_spare && !t->borrowed && !t->next && cse_stack_area() == t;

	t->clone_pre = NULL;
	if (cf->ran) {
		/* exit() hooks wait for the stub (see the top of this file). */
		if ((flags & K_CLONE_VM) && !(flags & K_CLONE_VFORK) && stack_top) {
			t->clone_pre = thread_area_new();
			if (!t->clone_pre)
				return -12;	/* ENOMEM */
			t->clone_pre->clone_exit.call = *c;
			t->clone_pre->clone_exit.cf = *cf;
		}
		t->clone_exit.call = *c;
		t->clone_exit.cf = *cf;
		t->clone_exit_pending = 1;
	}
	if ((flags & K_CLONE_VM) && !(flags & K_CLONE_VFORK))
		rewrite_note_threads();
	t->clone_rip = m->rip;
	t->saved_mask = uc->uc_sigmask;
	t->child_flags = flags;
	/* Everything but SIGSYS (never blocked for real), until both sides resume. */
	uc->uc_sigmask = ~SIGBIT(K_SIGSYS);

	m->rax = (uint64_t)c->nr;
	m->rdi = (uint64_t)c->args[0];
	m->rsi = (uint64_t)c->args[1];
	m->rdx = (uint64_t)c->args[2];
	m->r10 = (uint64_t)c->args[3];
	m->r8 = (uint64_t)c->args[4];
	m->r9 = (uint64_t)c->args[5];

	if (c->nr == __NR_clone3) {
		m->rdi = (uint64_t)&t->clone3_args;
		m->rsi = size;
	}
	if (stack_top) {
		uint64_t *frame = (uint64_t *)(stack_top - CF_SIZE);

		frame[CF_RIP / 8] = m->rip;
		frame[CF_MASK / 8] = t->saved_mask;
		frame[CF_FLAGS / 8] = flags;
		frame[CF_AREA / 8] = (uint64_t)t->clone_pre;
		if (c->nr == __NR_clone3)
			t->clone3_args.stack_size -= CF_SIZE;
		else
			m->rsi = (uint64_t)frame;
		m->rip = (uint64_t)cse_clone_stub_newstack;
	} else {
		m->rip = (uint64_t)cse_clone_stub;
	}
	return CLONE_STUB_RESUMED;
}

/* SYS_exit of one thread: free its area, then exit. */
_Noreturn void thread_exit(long status)
{
	struct cse_thread *t = cse_self();
	uint64_t all = ~0ull;

	/* No signal handler may run once the selector's page is gone. */
	rt_sys4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, 0, 8);
	if (t->vfork_spare) {
		if (t->vfork_spare->exec_buf == t->exec_buf)
			t->vfork_spare->exec_buf = NULL;	/* an image of ours */
		exec_buf_free(t->vfork_spare);
		thread_area_free(t->vfork_spare);
	}
	if (!t->borrowed)
		exec_buf_free(t);
	if (t->next || t->borrowed) {
		/* Nested (the enclosing runtime still walks through ours) or
		 * a vfork parent's spare: keep the page. */
		for (;;)
			rt_sys1(__NR_exit, status);
	}
	cse_exit_thread(ta_map_base(t), TA_MAP_SIZE, status);
}
