// SPDX-License-Identifier: GPL-2.0
/*
 * Seccomp filters the application installs for itself.
 *
 * The kernel checks SUD before seccomp, so the application's own syscall
 * instructions never meet its filter: every call reaches the kernel from
 * the runtime's syscall block (entry.S). Calls made for the application
 * leave through cse_app_syscall and are filtered as natively; the
 * runtime's own calls (mprotect for a rewrite, SUD for a new thread,
 * signal masks, the loader of a later execve) leave through
 * cse_rt_syscall_insn. The filter is installed with a prefix that lets
 * the latter through, recognised by its page offset: the loader image
 * moves between execs, its layout does not, and an application
 * instruction at the same offset never reaches seccomp while SUD traps
 * it. cse-run is not a sandbox: code of the process that jumps into the
 * runtime can make the runtime's calls, filter or not.
 *
 * RET_TRAP of a call made for the application arrives as a SIGSYS inside
 * the runtime. The application must see it as natively, at its own call
 * site: a trapped call hands its SUD frame to the application's handler;
 * a call from a rewritten site (made by dispatch_fast, or by the fast
 * path's plain syscall in entry.S) is sent back to the site's syscall
 * instruction to be made again, this time by trap.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "runtime.h"
#include "rewrite_emit.h"

#define PR_SET_SECCOMP_NR	22
#define K_SYS_SECCOMP		1	/* si_code of a RET_TRAP SIGSYS */
#define PREFIX_LEN		6
#define BPF_MAXINSNS_K		4096

/*
 * Page offsets a nested runtime's prefix allows (the application is
 * itself a cse runtime): that runtime's own calls trap here and are made
 * through our own instruction, as its filter meant them to pass.
 */
#define MAX_INNER	8
static uint32_t inner_offs[MAX_INNER];
RT_HOT_DATA static int ninner;

struct kfprog {
	unsigned short len;
	struct sock_filter *filter;
};


/*
 * The application's program behind a prefix that allows the runtime's own
 * calls, then restores the state a program starts with (A = X = 0).
 */
static void emit_prefix(struct sock_filter *f)
{
	uint32_t off = (uint32_t)((uintptr_t)cse_rt_syscall_insn + 2) & 4095;

	/* A = low 32 bits of the address after the syscall instruction */
	f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, instruction_pointer));
	f[1] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 4095);
	f[2] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, off, 0, 1);
	f[3] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[4] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0);
	f[5] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
}

static int is_prefix(const struct sock_filter *f, int len, uint32_t *off)
{
	struct sock_filter want[PREFIX_LEN];

	if (len < PREFIX_LEN)
		return 0;
	emit_prefix(want);
	want[2].k = f[2].k;
	*off = f[2].k;
	return !memcmp(f, want, sizeof(want)) && f[2].k < 4096;
}

static void note_inner_prefix(const struct sock_filter *f, int len)
{
	uint32_t off;

	if (!is_prefix(f, len, &off))
		return;
	for (int i = 0; i < ninner; i++)
		if (inner_offs[i] == off)
			return;
	if (ninner < MAX_INNER)
		__atomic_store_n(&inner_offs[ninner++], off, __ATOMIC_RELEASE);
}

/* Make the call c (number nr, arguments a) for the application. */
RT_HOT long seccomp_app_call(const struct cse_call *c, long nr, const long *a)
{
	for (int i = 0; i < ninner && c->site; i++)
		if ((c->site & 4095) == inner_offs[i])
			return rt_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return app_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* prctl(PR_SET_SECCOMP, mode, prog) or seccomp(op, flags, prog). */
long seccomp_install(struct cse_call *c)
{
	long *a = c->args;
	int is_prctl = c->nr == __NR_prctl;
	long mode = is_prctl ? a[1] : a[0];
	int filter = is_prctl ? mode == SECCOMP_MODE_FILTER : mode == SECCOMP_SET_MODE_FILTER;
	int strict = is_prctl ? mode == SECCOMP_MODE_STRICT : mode == SECCOMP_SET_MODE_STRICT;
	struct kfprog prog, wrapped;
	size_t bytes;
	long mem, r;

	if (strict) {
		/* Only read, write, exit, sigreturn from now on: stay on traps,
		 * whose path needs nothing else. */
		rewrite_stop("off (seccomp strict mode)");
		return app_syscall6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	if (!filter || rt_copy_from_app(&prog, (const void *)a[2], sizeof(prog)) ||
	    prog.len == 0 || prog.len > BPF_MAXINSNS_K - PREFIX_LEN)
		/* Not a filter, or the kernel refuses it as it is anyway; a
		 * filter too long for the prefix applies to us too. */
		return app_syscall6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);

	bytes = (size_t)(prog.len + PREFIX_LEN) * sizeof(struct sock_filter);
	mem = rt_sys6(__NR_mmap, 0, bytes, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
	if (IS_ERR_RET(mem))
		return mem;
	wrapped.filter = (struct sock_filter *)mem;
	wrapped.len = (unsigned short)(prog.len + PREFIX_LEN);
	emit_prefix(wrapped.filter);
	if (rt_copy_from_app(wrapped.filter + PREFIX_LEN, prog.filter,
			  prog.len * sizeof(struct sock_filter))) {
		r = -14;	/* EFAULT */
	} else {
		/* the program is the third argument of both calls */
		r = app_syscall6(c->nr, a[0], a[1], (long)&wrapped, a[3], a[4], a[5]);
		if (r >= 0)
			note_inner_prefix(wrapped.filter + PREFIX_LEN, prog.len);
	}
	rt_sys2(__NR_munmap, mem, bytes);
	return r;
}

/*
 * A SIGSYS that is not a SUD trap: 1 when it is a seccomp RET_TRAP of a
 * call the runtime made for the application, now taken care of.
 */
int seccomp_sigsys(struct ksiginfo *si, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	struct kmcontext *m = &uc->uc_mcontext;
	char *at = si->u.sys.call_addr;

	if (si->si_code != K_SYS_SECCOMP)
		return 0;
	if (at == (char *)cse_fast_exit) {
		/* The fast path's plain syscall (entry.S), rsp at the stub's
		 * return address: make the call again at the site's syscall
		 * instruction, which SUD traps, as dispatch_fast would. */
		uintptr_t site = rewrite_stub_site(*(uintptr_t *)m->rsp);

		m->rsp += 8 + RED_ZONE;
		m->rip = site - 2;
		m->rax = (uint64_t)si->u.sys.syscall;
		return 1;
	}
	if (at == cse_app_syscall_ret) {
		/* Noted for dispatch_call, which knows where the call came from. */
		t->seccomp_si = *si;
		t->seccomp_trapped = 1;
		m->rax = (uint64_t)-38;	/* ENOSYS for whoever made the call */
		return 1;
	}
	if (at == (char *)cse_clone_stub + 2 || at == (char *)cse_clone_stub_newstack + 2) {
		/* The application's clone, refused before it started: resume
		 * where the application called it, with its mask. */
		if (at == (char *)cse_clone_stub_newstack + 2 && m->rax == __NR_clone)
			m->rsi += CF_SIZE;	/* the stack it asked for */
		m->rip = t->clone_rip;
		uc->uc_sigmask = t->saved_mask;
		si->u.sys.call_addr = (void *)t->clone_rip;
		signal_forced_sigsys(si, uc);
		return 1;
	}
	return 0;
}

/*
 * After dispatch_call: the call c was refused by RET_TRAP with siginfo si.
 * With the SUD frame uc, run the application's handler on it as the
 * kernel would have at the call site; returns 0. Without (a rewritten
 * site), returns 1: the call must be made again by trap.
 */
int seccomp_trap_deliver(struct cse_call *c, struct kucontext *uc,
			 const struct ksiginfo *si)
{
	struct ksiginfo copy = *si;

	if (!uc)
		return 1;
	copy.u.sys.call_addr = (void *)c->site;
	uc->uc_mcontext.rax = (uint64_t)copy.u.sys.syscall;
	signal_forced_sigsys(&copy, uc);
	c->ret = (long)uc->uc_mcontext.rax;
	return 0;
}

/* Where a rewritten fixed-number site's call is made again by trap. */
uintptr_t seccomp_retrap_rip(uintptr_t stub_ret)
{
	uintptr_t site = rewrite_stub_site(stub_ret);
	const uint8_t *insn = (const uint8_t *)site - 2;

	if (insn[0] != 0x0f || insn[1] != 0x05)
		rt_die("rewritten site 0x%lx lost its syscall instruction",
		       (unsigned long)site);
	return site - 2;
}
