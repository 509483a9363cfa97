// SPDX-License-Identifier: GPL-2.0
/*
 * One call through the element chain and the runtime core.
 *
 * Elements run first, in command-line order; what they pass on reaches
 * the core, which carries out the calls that change the runtime's own
 * world (threads, processes, exec, signal state of SIGSYS, SUD, the
 * runtime's fds, the /proc/self/exe link) and sends everything else to the kernel unchanged,
 * including numbers nobody here has heard of.
 */
#include <asm/prctl.h>
#include "runtime.h"
#include "rewrite_emit.h"
#include "syscall_table.h"

#define PR_SET_SYSCALL_USER_DISPATCH_NR	59
#define PR_SET_SECCOMP_NR		22
#define CORE_RESUMED_BY_STUB	1

/* %gs holds an area: before the loader installs the first one, element
 * setups' calls (cse_app_syscall) must not read %gs:0. Read by every
 * call made for the application: with the dispatch data (thread.c
 * sets it). */
RT_HOT_DATA int cse_gs_ready;

/* Returns the result; sets *stub when the frame now resumes at a stub. */
RT_HOT static long core_execute(struct cse_call *c, struct kucontext *uc, int *stub,
			 const struct chain_frame *cf)
{
	long *a = c->args;
	int handled = 0;
	long r;

	switch (c->nr) {
	case __NR_clone:
	case __NR_clone3:
	case __NR_fork:
	case __NR_vfork:
		if (!uc)
			return -22;	/* only reachable by trap; see rewrite.c */
		r = thread_clone(c, uc, cf);
		if (r == CORE_RESUMED_BY_STUB)
			*stub = 1;
		return r;
	case __NR_execve:
	case __NR_execveat:
		return exec_reenter(c);

	case __NR_rt_sigreturn:
		if (!uc)
			return -22;
		signal_sigreturn(uc);
	case __NR_sigaltstack:
		if (!uc)
			return -22;	/* trap only, see syscall_table.c */
		return signal_sigaltstack(c, uc);
	case __NR_rt_sigaction:
		return signal_sigaction(c);
	case __NR_rt_sigprocmask:
		return signal_sigprocmask(c, uc);
	case __NR_prctl:
		if (a[0] == PR_SET_SYSCALL_USER_DISPATCH_NR)
			return signal_prctl_sud(c);
		if (a[0] == PR_SET_SECCOMP_NR)
			return seccomp_install(c);
		break;
	case __NR_seccomp:
		return seccomp_install(c);
	case __NR_exit:
		thread_exit(a[0]);
	case __NR_exit_group:
		learn_flush();
		report_flush();
		fdshare_exit();
		break;
	case __NR_arch_prctl:
		/* %gs belongs to the runtime; see thread_area.h. */
		if (a[0] == ARCH_SET_GS) {
			const struct cse_thread *n = (const struct cse_thread *)a[1];
			const struct cse_thread *me = cse_self();

			/* Only a nested runtime linking our area behind its own. */
			while (n && n != me)
				n = n->next;
			if (!n)
				return -1;	/* EPERM */
		}
		break;
	case __NR_readlink:
	case __NR_readlinkat:
	case __NR_open:
	case __NR_openat:
	case __NR_stat:
	case __NR_newfstatat:
	case __NR_statx:
		return procexe_call(c, &handled);
	case __NR_getdents:
	case __NR_getdents64:
		if (fdguard_count())
			return procfd_getdents(c);
		break;
	case __NR_close_range:
	case __NR_fcntl:
		if (!fdguard_count())
			break;
		r = fdguard_core(c, &handled);
		if (handled)
			return r;
		break;
	default:
		break;
	}
	return seccomp_app_call(c, c->nr, a);
}

/*
 * Returns 1 with c->ret set when the call is answered for a hidden fd.
 * *locked: the fd table stays locked until the call is made.
 */
RT_HOT static int fd_precheck(struct cse_call *c, int *locked)
{
	int handled;
	long r = fdguard_call(c, &handled, locked);

	if (!handled)
		r = procfd_pre(c, &handled);
	if (handled)
		c->ret = r;
	return handled;
}

/* Tell the rewriter which address ranges a call may remap. */
RT_HOT static void note_maps_change(const struct cse_call *c)
{
	const long *a = c->args;

	switch (c->nr) {
	case __NR_mmap:
		if (a[3] & 0x10 /* MAP_FIXED: may replace a mapping */)
			rewrite_maps_changed((uintptr_t)a[0], (size_t)a[1]);
		break;
	case __NR_munmap:
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		rewrite_maps_changed((uintptr_t)a[0], (size_t)a[1]);
		break;
	case __NR_mremap:
		rewrite_maps_changed((uintptr_t)a[0], (size_t)a[1]);
		rewrite_maps_changed((uintptr_t)a[4], (size_t)a[2]);
		break;
	case __NR_shmat:
	case __NR_shmdt:
		rewrite_maps_changed(0, SIZE_MAX);
		break;
	default:
		break;
	}
}

/*
 * Whether the I/O hooks act on nr: the descriptor table on closes and
 * duplications, only while an element tracks descriptors (fdtable.c);
 * the socket-address stage and SCM_RIGHTS on the socket calls, once
 * either service is in use (sockstage.c). The hooks are skipped for
 * every other call, such as the path calls, whose cost is mostly what
 * the runtime touches besides the kernel's work: a path stage alone
 * leaves close and dup plain calls.
 */
RT_HOT static int io_acts(long nr)
{
	switch (nr) {
	case __NR_close: case __NR_close_range: case __NR_dup: case __NR_dup2:
	case __NR_dup3: case __NR_fcntl: case __NR_pidfd_getfd:
		return fdtable_trackers() != 0;
	case __NR_bind: case __NR_connect: case __NR_sendto: case __NR_recvfrom:
	case __NR_getsockname: case __NR_getpeername: case __NR_accept:
	case __NR_accept4: case __NR_sendmsg: case __NR_sendmmsg:
	case __NR_recvmsg: case __NR_recvmmsg:
		return __atomic_load_n(&rt_io_hooks, __ATOMIC_RELAXED);
	default:
		return 0;
	}
}

/*
 * A quiet call (services.h fd_quiet): every element that wants nr
 * registered it and marked the descriptor in a[0], and its path
 * arguments are NULL. The chain is skipped, handle() and exit() alike.
 * Not in a vfork child: its descriptors are not the table's.
 */
RT_HOT static int quiet_call(long nr, const long *a)
{
	unsigned int m = chain_quiet(nr);
	const struct sys_info *si;

	if (!m)
		return 0;
	si = syscall_info(nr);
	for (int i = 0; i < si->npaths; i++)
		if (a[si->path[i].arg])
			return 0;
	return !fdguard_in_vfork_child() && fdtable_quiet(m, (int)a[0]);
}

/*
 * Returns 1 when the call must be made again by trap (a seccomp RET_TRAP
 * on a rewritten site, see seccomp.c); only possible without uc.
 */
RT_HOT int dispatch_call(struct cse_call *c, struct kucontext *uc)
{
	struct cse_thread *t = cse_self();
	int stub = 0, retrap = 0, fd_locked = 0;
	struct chain_frame cf;
	/* A signal handler's call may run between an interrupted call's
	 * seccomp trap and its check below: keep that trap for its owner. */
	int outer = t->seccomp_trapped;
	uint32_t scratch_mark = t->scratch_used;
	/* An element may change nr: the hooks run after when either acts. */
	int io = __builtin_expect(__atomic_load_n(&rt_io_hooks, __ATOMIC_RELAXED), 0) &&
		 io_acts(c->nr);
	struct sockstage_call sc;
	struct ksiginfo outer_si;
	/* The path stage, when an element registered one (pathstage.c). */
	int staged = __builtin_expect(pathstage_on, 0);
	struct path_call pc;

	cf.ran = 0;
	if (outer) {
		outer_si = t->seccomp_si;
		t->seccomp_trapped = 0;
	}
	fdguard_sync();
	note_maps_change(c);	/* before the chain: an element may change nr */
	if (staged && pathstage_pre(c, &pc))
		goto done;

	/* The runtime's fds are free numbers to the application and its elements. */
	if (fdguard_count() && fd_precheck(c, &fd_locked))
		goto done;
	/* The descriptor table and the socket-address stage (sockstage.c). */
	if (__builtin_expect(io, 0) && io_hooks_pre(c, &sc))
		goto done;
	if (quiet_call(c->nr, c->args) || chain_run(c, &cf) != CSE_DONE) {
		long r = core_execute(c, uc, &stub, &cf);

		if (stub)
			goto out;
		c->ret = r;
		if (c->nr == __NR_mmap)
			rewrite_note_map(c->args, r);	/* a library's text */
	}
	if (fdguard_count())
		c->ret = procfd_post(c, c->ret);
	if (__builtin_expect(io, 0)) {
		io_hooks_post(c, &sc);
	} else if (__builtin_expect(__atomic_load_n(&rt_io_hooks, __ATOMIC_RELAXED), 0) &&
		   io_acts(c->nr)) {
		sc.kind = 0;	/* nr changed by an element: what io_hooks_pre sets */
		sc.unix_fd = -1;
		io_hooks_post(c, &sc);
	}
done:
	if (fd_locked)
		fdguard_unlock();
	if (staged)
		c->ret = pathstage_post(c, &pc, c->ret);
	if (t->seccomp_trapped) {
		t->seccomp_trapped = 0;
		retrap = seccomp_trap_deliver(c, uc, &t->seccomp_si);
	}
	/* Every handle() that ran gets its exit(), also before a retrap
	 * (the call then goes through the chain again). A clone finished
	 * by a stub (stub set) gets them from the stub, on both sides
	 * (thread.c), and keeps its scratch until then. */
	chain_exit(c, &cf);
	if (retrap)
		goto out;
	if (uc)
		uc->uc_mcontext.rax = (uint64_t)c->ret;
out:
	if (stub && cf.ran)
		t->clone_exit.scratch_mark = scratch_mark;
	else
		t->scratch_used = scratch_mark;
	if (outer) {
		t->seccomp_si = outer_si;
		t->seccomp_trapped = 1;
	}
	return retrap;
}

/* Numbers the core carries out or watches (core_execute, fdguard_call,
 * note_maps_change): never plain. */
static int core_watches(long nr)
{
	switch (nr) {
	case __NR_clone: case __NR_clone3: case __NR_fork: case __NR_vfork:
	case __NR_execve: case __NR_execveat: case __NR_rt_sigreturn:
	case __NR_sigaltstack: case __NR_rt_sigaction: case __NR_rt_sigprocmask:
	case __NR_prctl: case __NR_seccomp: case __NR_exit: case __NR_exit_group:
	case __NR_arch_prctl: case __NR_getdents: case __NR_getdents64:
	case __NR_close_range: case __NR_fcntl: case __NR_dup2: case __NR_dup3:
	case __NR_pidfd_getfd: case __NR_mmap: case __NR_munmap:
	case __NR_mprotect: case __NR_pkey_mprotect: case __NR_mremap:
	case __NR_shmat: case __NR_shmdt:
		return 1;
	default:
		return 0;
	}
}

#define PLAIN		1	/* no descriptor argument either */
#define PLAIN_FDS	3	/* descriptor arguments, checked against ours */
#define NOT_PLAIN	2
#define PLAIN_NO_ADDR	4	/* sendto, recvfrom: PLAIN_FDS without an address */
#define PLAIN_NO_IO	5	/* PLAIN_FDS while no io hook is registered */
#define PLAIN_NO_FDT	6	/* PLAIN_FDS while no element tracks descriptors */
#define PATH_ONLY	7	/* only the core's path handling acts: light_call */
#define FDT_CLOSE	8	/* close while an element tracks descriptors */

/* Numbers the descriptor table (PLAIN_NO_FDT) or the socket-address
 * stage (PLAIN_NO_IO) act on (io_hooks_pre/post), else 0. */
static int io_watches(long nr)
{
	switch (nr) {
	case __NR_close: case __NR_dup:
		return PLAIN_NO_FDT;
	case __NR_bind: case __NR_connect:
	case __NR_getsockname: case __NR_getpeername:
	case __NR_accept: case __NR_accept4: case __NR_sendmsg: case __NR_sendmmsg: case __NR_recvmsg: case __NR_recvmmsg:
		return PLAIN_NO_IO;
	default:
		return 0;
	}
}

/*
 * Per number: PLAIN or PLAIN_FDS when nothing in the core looks at the
 * call but the hidden-descriptor check (no path argument or result, no
 * runtime flag, not one the core carries out), PLAIN_NO_IO for those the
 * socket-address stage acts on once registered, PLAIN_NO_FDT for those
 * the descriptor table acts on while an element tracks descriptors,
 * PLAIN_NO_ADDR for sendto and recvfrom (the stage acts on their
 * address only), PATH_ONLY for path calls nothing but the path stage and
 * the core's /proc checks act on, NOT_PLAIN when something else may, 0
 * not known yet. Filled on first use; racing threads write the
 * same value.
 */
RT_HOT_DATA static uint8_t plain_nr[SYSCALL_TABLE_SIZE];
/* plain_nr's high bits: whether a call of the number may be quiet
 * (chain_quiet, services.h fd_quiet), once asked (quiet_number). */
#define QUIET_KNOWN	0x80
#define QUIET_YES	0x40
#define ASM_NONE	0x20	/* no kind of the plain path (learn_plain) */
#define PLAIN_KIND	0x1f

static int plain_number(long nr)
{
	uint8_t v = __atomic_load_n(&plain_nr[nr], __ATOMIC_RELAXED) & PLAIN_KIND;

	if (__builtin_expect(!v, 0)) {
		const struct sys_info *si = syscall_info(nr);

		v = NOT_PLAIN;
		if (nr == __NR_sendto || nr == __NR_recvfrom)
			v = PLAIN_NO_ADDR;	/* nothing for the address stage then */
		else if (si && !si->npaths && !si->result && !si->flags && !core_watches(nr))
			v = io_watches(nr) ?: fdargs_any(nr) ? PLAIN_FDS : PLAIN;
		else if (si && si->npaths && !(si->flags & SYS_TRAP_ONLY) && !core_watches(nr) &&
			 !io_watches(nr))
			v = PATH_ONLY;
		__atomic_store_n(&plain_nr[nr], v, __ATOMIC_RELAXED);
	}
	return v;
}

/*
 * Whether every element that wants nr registered it quiet: asked once
 * per number, from the hot byte after (a call of an element's own
 * number, such as openat, then reads no other page). Only asked for an
 * application's call: the chain is complete then.
 */
static int quiet_number(long nr)
{
	uint8_t v = __atomic_load_n(&plain_nr[nr], __ATOMIC_RELAXED);

	if (__builtin_expect(!(v & QUIET_KNOWN), 0)) {
		v = (uint8_t)plain_number(nr) | QUIET_KNOWN | (chain_quiet(nr) ? QUIET_YES : 0);
		__atomic_store_n(&plain_nr[nr], v, __ATOMIC_RELAXED);
	}
	return v & QUIET_YES;
}

/*
 * Numbers the path stage acts on without a path (note_memory in
 * pathstage.c: memory the stage reads may go away) and the core does
 * not watch already. The stage does nothing for the other plain numbers:
 * no path argument, no path result, no open.
 */
static int stage_watches(long nr)
{
	return nr == __NR_brk || nr == __NR_madvise || nr == __NR_process_madvise;
}

/*
 * PLAIN or PLAIN_FDS for a call dispatch_call would only pass to the
 * kernel (after the hidden-descriptor check): a plain number, no element
 * that wants it, nothing for the path stage, and no seccomp trap of an
 * outer call pending on this thread; PATH_ONLY for a path call in the
 * same case (light_call); else 0.
 */
static int plain_call(long nr, const long *regs, const struct cse_thread *t)
{
	int v;

	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return 0;
	v = plain_number(nr);
	/* fcntl's F_GETFD, F_SETFD, F_GETFL, F_SETFL on one of the
	 * application's descriptors: nothing of the core acts on them
	 * (fdguard_call, fdtable_post and fdguard_core act on F_DUPFD*,
	 * F_DUPFD_QUERY and a hidden fd, which fdargs does not know). */
	if (nr == __NR_fcntl && (unsigned long)regs[1] - 1 < 4 && !fdguard_is_hidden((int)regs[0]))
		v = PLAIN_FDS;
	if (v == PLAIN_NO_ADDR)
		v = regs[4] && __atomic_load_n(&rt_io_hooks, __ATOMIC_RELAXED) ? NOT_PLAIN : PLAIN_FDS;
	else if (v == PLAIN_NO_IO)
		v = __atomic_load_n(&rt_io_hooks, __ATOMIC_RELAXED) ? NOT_PLAIN : PLAIN_FDS;
	else if (v == PLAIN_NO_FDT)
		v = !fdtable_trackers() ? PLAIN_FDS : nr == __NR_close ? FDT_CLOSE : NOT_PLAIN;
	if (v == NOT_PLAIN || t->seccomp_trapped ||
	    (__atomic_load_n(&pathstage_on, __ATOMIC_RELAXED) && stage_watches(nr)))
		return 0;
	if (chain_wants(nr)) {
		/* only a quiet call: descriptor first, paths NULL */
		if (!quiet_number(nr) || !quiet_call(nr, regs))
			return 0;
		v = PLAIN_FDS;
	}
	return v;
}

/*
 * Numbers fd_quiet accepts (services.h): a descriptor first, and once
 * no element wants them plain_call would only pass them to the kernel
 * after the descriptor check: nothing of the core, the I/O hooks or a
 * stage but their paths, which a quiet call has NULL.
 */
int dispatch_quiet_ok(long nr)
{
	const struct sys_info *si;
	int v;

	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return 0;
	si = syscall_info(nr);
	v = plain_number(nr);
	if (!si || si->args[1] != CSE_ARG_FD || si->result ||
	    (si->flags & (SYS_TRAP_ONLY | SYS_NEWFD | SYS_NEWFD_PAIR)) || stage_watches(nr))
		return 0;
	for (int i = 0; i < si->npaths; i++)
		if (!(si->path[i].opt & SPO_NULL_OK))
			return 0;
	return v == PLAIN_FDS || v == PATH_ONLY;
}

/*
 * The plain path's table (entry.S): 1 for a number whose call the full
 * path would only pass to the kernel unless a per-thread or a global
 * state says otherwise (tested there: deferred signal, pending seccomp
 * trap, vfork fd copy): PLAIN, wanted by no element, nothing for a path
 * stage, not trap-only. Indexed by the low 16 bits of numbers below 65536,
 * so entry.S bounds the number without touching the flags; only the
 * first SYSCALL_TABLE_SIZE entries are ever read or written: they share
 * the hot data's page (hot.ld), the rest is never faulted in. Filled
 * here on a number's first plain call: elements join the chain at load
 * time only (chain_add), before any site is rewritten.
 */
RT_HOT_TAIL uint8_t cse_plain_nr[65536];

_Static_assert(offsetof(struct cse_thread, seccomp_trapped) == TA_SECCOMP, "TA_SECCOMP");
_Static_assert(offsetof(struct cse_thread, gate_nr) == TA_GATE_NR, "TA_GATE_NR");
_Static_assert(SYSCALL_TABLE_SIZE <= 65536, "cse_plain_nr covers the table");

/*
 * cse_plain_nr's values: PLAIN_ASM, a plain call; PLAIN_ASM_FD0, a call
 * whose one descriptor, its first argument, is below every hidden fd
 * (cse_fd_neg_lo); PLAIN_ASM_FSTAT, newfstatat on such a descriptor
 * with the known "" (cse_known_empty, pathstage_copy.c) as its path.
 */
#define PLAIN_ASM	1
#define PLAIN_ASM_FD0	2	/* entry.S: PLAIN_FD0 */
#define PLAIN_ASM_FSTAT	3	/* entry.S: PLAIN_FSTAT */
#define PLAIN_ASM_QUIET	4	/* entry.S: PLAIN_QUIET */
#define PLAIN_ASM_QUIET_P1 5	/* entry.S: PLAIN_QUIET_P1 */

/*
 * A quiet number (every element that wants it registered it quiet)
 * whose one descriptor is its first argument and whose one path, if
 * any, its second (utimensat): PLAIN_ASM_QUIET(_P1), the plain path
 * takes it on a descriptor cse_fd_quiet marks (fdtable.c), with a NULL
 * path. Else 0.
 */
static uint8_t quiet_kind(long nr)
{
	const struct sys_info *si = syscall_info(nr);

	if (!si || !quiet_number(nr) || chain_quiet(nr) & ~chain_quiet_elements())
		return 0;
	if (!si->npaths && fdargs_first_only(nr, 0))
		return PLAIN_ASM_QUIET;
	if (si->npaths == 1 && si->path[0].arg == 1 && fdargs_first_only(nr, 1))
		return PLAIN_ASM_QUIET_P1;
	return 0;
}

/*
 * Marks nr for entry.S's plain path after a call dispatch_fast found
 * plain (kind v, from plain_call): a PLAIN number, or a PLAIN_FDS one
 * in its own right (not by a quiet descriptor or a state that may
 * change: the I/O hooks, descriptor trackers) whose one descriptor the
 * plain path checks. Not for numbers the path stage or a trap watches.
 * A number has one kind at most: once marked, or found to have none
 * (ASM_NONE in plain_nr), it is not looked at again (a close, one of
 * the most frequent calls here, reads no other page).
 */
RT_HOT static void learn_plain(long nr, int v)
{
	uint8_t m = 0;

	if (v == FDT_CLOSE || __atomic_load_n(&cse_plain_nr[nr], __ATOMIC_RELAXED) ||
	    (__atomic_load_n(&plain_nr[nr], __ATOMIC_RELAXED) & ASM_NONE))
		return;
	if (v == PLAIN)
		m = PLAIN_ASM;
	else if (v == PLAIN_FDS && plain_number(nr) == PLAIN_FDS && !chain_wants(nr) &&
		 fdargs_first_only(nr, 0))
		m = PLAIN_ASM_FD0;
	else if (v == PLAIN_FDS && nr == __NR_newfstatat && !chain_wants(nr) &&
		 fdargs_first_only(nr, 1))
		m = PLAIN_ASM_FSTAT;
	else if (v == PLAIN_FDS && chain_wants(nr))
		m = quiet_kind(nr);	/* made plain by a quiet descriptor */
	if (m && (stage_watches(nr) || syscall_trap_only(nr)))
		m = 0;
	if (m)
		__atomic_store_n(&cse_plain_nr[nr], m, __ATOMIC_RELAXED);
	else if (v == PLAIN || v == PLAIN_FDS)
		__atomic_or_fetch(&plain_nr[nr], ASM_NONE, __ATOMIC_RELAXED);
}

/*
 * Whether the one path of c is the stage's copy (in t's scratch arena,
 * so readable now) and absolute under neither /proc nor /dev: then the
 * core's checks after the call (procexe_call, procfd_post) have nothing
 * to find, and the copy's page need not be read again after the call.
 * Their early tests in one: the second byte of such a path.
 */
RT_HOT static int not_proc(const struct cse_call *c, struct cse_thread *t)
{
	const struct sys_info *si = syscall_info(c->nr);
	const char *p;

	if (!si || si->npaths != 1)
		return 0;
	p = (const char *)c->args[si->path[0].arg];
	if ((uintptr_t)p - (uintptr_t)ta_scratch(t) >= TA_SCRATCH_SIZE - 2)
		return 0;
	return p[0] == '/' && p[1] && p[1] != 'p' && p[1] != 'd' && p[1] != '/' && p[1] != '.';
}

/*
 * The light path of a PATH_ONLY call (plain_call): dispatch_call's steps
 * that act on it, without the chain (no element wants the number), the
 * I/O hooks, the memory-map notes, the outer seccomp trap (none pending)
 * and the signal frame (a rewritten site has none). The path stage, the
 * hidden-descriptor checks and the core's /proc/self/exe answers stay.
 * Returns 1 when the call must be made again by trap, as dispatch_call.
 */
RT_HOT static int light_call(struct cse_call *c, struct cse_thread *t)
{
	uint32_t scratch_mark = t->scratch_used;
	int staged = __builtin_expect(pathstage_on, 0);
	int fd_locked = 0, stub = 0, retrap = 0, guarded;
	struct path_call pc;

	fdguard_sync();
	if (staged && pathstage_pre(c, &pc))
		goto done;
	/* Read once, before the call (hidden fds are not added by a path
	 * call): nothing after it then reads the hot data's page, and each
	 * page touched after a system call is a TLB miss here (PTI without
	 * PCID flushes the TLB on every kernel entry). */
	guarded = fdguard_count();
	if (guarded && fd_precheck(c, &fd_locked))
		goto done;
	if (staged && not_proc(c, t)) {
		c->ret = seccomp_app_call(c, c->nr, c->args);
		goto done;
	}
	/* No clone here (core_watches): the chain frame is never read. */
	c->ret = core_execute(c, NULL, &stub, NULL);
	if (guarded)
		c->ret = procfd_post(c, c->ret);
done:
	if (fd_locked)
		fdguard_unlock();
	if (staged)
		c->ret = pathstage_post(c, &pc, c->ret);
	if (t->seccomp_trapped) {
		t->seccomp_trapped = 0;
		retrap = seccomp_trap_deliver(c, NULL, &t->seccomp_si);
	}
	t->scratch_used = scratch_mark;
	return retrap;
}

/*
 * A PATH_ONLY call whose one path is "" (fstat is newfstatat(fd, "",
 * AT_EMPTY_PATH)): the stage leaves "" to the kernel and the core's
 * /proc checks find nothing in it, so only the descriptor check is left
 * (PLAIN_FDS). Not for a call that writes a path back (readlinkat of an
 * O_PATH link) or makes a descriptor (open_tree).
 */
RT_HOT static int empty_path(long nr, const long *regs)
{
	const struct sys_info *si = syscall_info(nr);

	return si && si->npaths == 1 && !si->result && !(si->flags & (SYS_NEWFD | SYS_NEWFD_PAIR)) &&
	       pathstage_known_empty((const char *)regs[si->path[0].arg]);
}

/*
 * Called by cse_fast_entry{,_dyn} for rewritten sites: regs = rdi..r9,
 * nr, rbx, flags, return address. A site whose number is in a register
 * (may_trap) can bring a call that needs the signal frame: send it to
 * the stub's trap tail, which issues it as a trapping syscall.
 * regs[9] is the return address, stub + STUB_RET_OFF for fixed-number sites.
 */
RT_HOT long dispatch_fast(long nr, long *regs, int may_trap)
{
	struct cse_thread *t = cse_self();
	struct cse_call c;
	int plain;

	if (may_trap && syscall_trap_only(nr)) {
		regs[9] += DYN_TRAP_SKIP;
		return nr;
	}
	plain = plain_call(nr, regs, t);
	if (plain == PATH_ONLY && empty_path(nr, regs))
		plain = PLAIN_FDS;
	if (plain == PATH_ONLY) {
		c.nr = nr;
		for (int i = 0; i < 6; i++)
			c.args[i] = regs[i];
		c.ret = -38;
		c.site = 0;
		c.flags = 0;
		if (light_call(&c, t))
			goto retrap;
		return sigdefer_fast_ret(nr, c.ret);
	}
	if (plain) {
		long r;

		learn_plain(nr, plain);
		fdguard_sync();
		if (plain != PLAIN && (plain == FDT_CLOSE || fdguard_count())) {
			c.nr = nr;
			for (int i = 0; i < 6; i++)
				c.args[i] = regs[i];
			if (fdguard_count() && fdargs_hidden(&c))
				return -K_EBADF;	/* as on a free number */
			/* What dispatch_call's I/O hooks do for a close:
			 * the descriptor table drops its entries first. */
			if (plain == FDT_CLOSE)
				fdtable_pre(&c);
		}
		r = app_syscall6(nr, regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]);
		if (__builtin_expect(!t->seccomp_trapped, 1))
			return sigdefer_fast_ret(nr, r);
		t->seccomp_trapped = 0;	/* as dispatch_call: made again by trap */
		goto retrap;
	}

	c.nr = nr;
	for (int i = 0; i < 6; i++)
		c.args[i] = regs[i];
	c.ret = -38;
	c.site = 0;
	c.flags = 0;
	if (dispatch_call(&c, NULL)) {
		/* Refused by the application's seccomp RET_TRAP: make the call
		 * again at the site's own syscall instruction (every kind of
		 * stub keeps it), where SUD traps it with a frame: the
		 * application's handler sees its own call address, as
		 * natively (not the trap tail of a register-number stub). */
retrap:
		t->retrap_rip = seccomp_retrap_rip((uintptr_t)regs[9]);
		regs[9] = (long)cse_fast_retrap;
		return nr;
	}
	return sigdefer_fast_ret(nr, c.ret);
}
