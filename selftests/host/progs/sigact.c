// SPDX-License-Identifier: GPL-2.0
/*
 * sigaction as the application sees it: what it set is what it reads
 * back (handler, flags, mask), SA_RESETHAND resets after one delivery,
 * SA_NODEFER lets the handler be re-entered, sa_mask is applied during
 * the handler, SIG_IGN and SIG_DFL read back as set; a clone3 child
 * with CLONE_CLEAR_SIGHAND (glibc >= 2.41's posix_spawn) finds its
 * handlers reset and SIG_IGN kept, and can make system calls. Prints
 * what is the same natively.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

static volatile int depth, max_depth, calls, reraise;
static volatile int usr2_blocked_in_handler;

static void h(int sig)
{
	sigset_t cur;

	calls++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	usr2_blocked_in_handler = sigismember(&cur, SIGUSR2);
	if (reraise > 0 && sig == SIGUSR1) {
		reraise--;
		raise(SIGUSR1);
	}
	depth--;
}

static void show(const char *what, int sig)
{
	struct sigaction o;

	memset(&o, 0, sizeof(o));
	sigaction(sig, NULL, &o);
	printf("%s: handler %s flags %#x mask-usr2 %d mask-term %d mask-kill %d\n", what,
	       o.sa_handler == h ? "h" : o.sa_handler == SIG_DFL ? "DFL" :
	       o.sa_handler == SIG_IGN ? "IGN" : "other",
	       (unsigned)o.sa_flags, sigismember(&o.sa_mask, SIGUSR2),
	       sigismember(&o.sa_mask, SIGTERM), sigismember(&o.sa_mask, SIGKILL));
}

struct kact {			/* the kernel's struct sigaction */
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static long raw4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static const char *disp(const struct kact *k, long r)
{
	if (r)
		return "error";
	return k->handler == SIG_DFL ? "DFL" : k->handler == SIG_IGN ? "IGN" : "handler";
}

/*
 * clone3 with CLONE_CLEAR_SIGHAND. vm: CLONE_VM|CLONE_VFORK on the
 * parent's stack, as vfork; the child then makes only raw calls (no
 * function returns) and leaves its findings in shared memory.
 */
static struct kact seen[3];
static long seen_r[3], child_ppid;

static void clear_sighand(int vm)
{
	static const int sigs[3] = { SIGUSR1, SIGUSR2, SIGSYS };
	struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls; } ca = { 0 };
	int n = vm ? 2 : 3;	/* SIGSYS: see signal_clear_handlers() */
	int status, fd[2];
	long pid;

	if (pipe(fd))
		return;
	ca.flags = CLONE_CLEAR_SIGHAND | (vm ? CLONE_VM | CLONE_VFORK : 0);
	ca.exit_signal = SIGCHLD;
	pid = raw4(SYS_clone3, (long)&ca, sizeof(ca), 0, 0);
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			seen_r[i] = raw4(SYS_rt_sigaction, sigs[i], 0, (long)&seen[i], 8);
		child_ppid = raw4(SYS_getppid, 0, 0, 0, 0);
		if (!vm)	/* own memory: report through the pipe */
			raw4(SYS_write, fd[1], (long)seen, sizeof(seen), 0);
		raw4(SYS_exit, 0, 0, 0, 0);
	}
	close(fd[1]);
	if (!vm && read(fd[0], seen, sizeof(seen)) != sizeof(seen))
		memset(seen_r, 0xff, sizeof(seen_r));
	close(fd[0]);
	waitpid((pid_t)pid, &status, 0);
	printf("clear_sighand %s: status %d, usr1 %s, usr2 %s", vm ? "vm+vfork" : "fork",
	       status, disp(&seen[0], seen_r[0]), disp(&seen[1], seen_r[1]));
	if (!vm)
		printf(", sys %s", disp(&seen[2], 0));
	else
		printf(", child saw its parent: %s", child_ppid == getpid() ? "yes" : "no");
	printf("\n");
}

/*
 * Raw queries (no new action), the errors first: a bad old pointer,
 * numbers out of range, SIGKILL, a bad set size; then what reads back
 * for a default, an ignored and a caught signal, restorer included.
 */
static void raw_queries(void)
{
	static const int sigs[] = { 0, 65, -1, SIGKILL, SIGSTOP, SIGUSR1, SIGSYS };
	struct kact k, set = { 0 };
	long r;

	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		r = raw4(SYS_rt_sigaction, sigs[i], 0, 8, 8);
		printf("query %d to a bad pointer: %ld;", sigs[i], r);
		r = raw4(SYS_rt_sigaction, sigs[i], 0, (long)&k, 8);
		printf(" to memory: %ld %s;", r, disp(&k, r));
		r = raw4(SYS_rt_sigaction, sigs[i], 0, 0, 8);
		printf(" to NULL: %ld;", r);
		r = raw4(SYS_rt_sigaction, sigs[i], 0, (long)&k, 4);
		printf(" set size 4: %ld\n", r);
	}
	memset(&k, 0x5a, sizeof(k));
	r = raw4(SYS_rt_sigaction, SIGCHLD, 0, (long)&k, 8);
	printf("query SIGCHLD: %ld %s flags %#lx restorer %d mask %#llx\n", r, disp(&k, r),
	       k.flags, k.restorer != 0, (unsigned long long)k.mask);
	set.handler = SIG_IGN;
	set.flags = 0x04000000 /* SA_RESTORER */ | SA_RESTART;
	set.restorer = (void *)raw_queries;
	set.mask = 1ull << (SIGUSR2 - 1) | 1ull << (SIGSYS - 1);
	raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 0, 8);
	memset(&k, 0, sizeof(k));
	r = raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf("query ignored SIGWINCH: %ld %s flags %#lx restorer %s mask-usr2 %d\n", r,
	       disp(&k, r), k.flags, k.restorer == (void *)raw_queries ? "own" : "other",
	       !!(k.mask & 1ull << (SIGUSR2 - 1)));
	set.handler = (void *)h;
	raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 0, 8);
	r = raw4(SYS_rt_sigaction, SIGWINCH, 0, 8, 8);
	printf("query caught SIGWINCH to a bad pointer: %ld;", r);
	memset(&k, 0, sizeof(k));
	r = raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf(" to memory: %ld handler %s flags %#lx restorer %s mask-usr2 %d mask-sys %d\n", r,
	       k.handler == (void *)h ? "h" : "other", k.flags,
	       k.restorer == (void *)raw_queries ? "own" : "other",
	       !!(k.mask & 1ull << (SIGUSR2 - 1)), !!(k.mask & 1ull << (SIGSYS - 1)));
	r = raw4(SYS_rt_sigprocmask, SIG_BLOCK, 8, 0, 8);
	printf("sigprocmask: bad set %ld;", r);
	r = raw4(SYS_rt_sigprocmask, 7, 8, 0, 8);
	printf(" bad set and how %ld;", r);
	r = raw4(SYS_rt_sigprocmask, 7, (long)&set.mask, 0, 8);
	printf(" bad how %ld;", r);
	r = raw4(SYS_rt_sigprocmask, 7, 0, (long)&k.mask, 8);
	printf(" bad how, no set %ld;", r);
	r = raw4(SYS_rt_sigprocmask, SIG_BLOCK, 0, 8, 8);
	printf(" bad old set %ld;", r);
	r = raw4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set.mask, 0, 4);
	printf(" set size 4 %ld\n", r);
	set.handler = SIG_DFL;
	set.flags = 0;
	set.mask = 0;
	raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 0, 8);
	memset(&k, 0x5a, sizeof(k));
	r = raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf("query SIGWINCH back to default: %ld %s flags %#lx\n", r, disp(&k, r), k.flags);
	/* Changes whose old action cannot be written: EFAULT, the new one set
	 * (with libc's restorer: the handler returns through it). */
	signal(SIGWINCH, h);
	raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	signal(SIGWINCH, SIG_DFL);
	set.restorer = k.restorer;
	set.flags = 0x04000000 /* SA_RESTORER */;
	set.handler = (void *)h;
	r = raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 8, 8);
	calls = 0;
	raise(SIGWINCH);
	raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf("catch, old to a bad pointer: %ld, handler %s, delivered %d;", r,
	       k.handler == (void *)h ? "h" : "other", calls);
	set.handler = SIG_IGN;
	r = raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 8, 8);
	raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf(" ignore: %ld %s;", r, disp(&k, 0));
	set.handler = SIG_DFL;
	r = raw4(SYS_rt_sigaction, SIGWINCH, (long)&set, 8, 8);
	raw4(SYS_rt_sigaction, SIGWINCH, 0, (long)&k, 8);
	printf(" default: %ld %s\n", r, disp(&k, 0));
	calls = 0;
}

int main(void)
{
	struct sigaction sa, old;

	raw_queries();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGKILL);
	sigaction(SIGUSR1, &sa, &old);
	printf("old: handler %s\n", old.sa_handler == SIG_DFL ? "DFL" : "other");
	show("set", SIGUSR1);
	reraise = 2;
	raise(SIGUSR1);
	printf("deferred by default: calls %d max depth %d usr2 blocked %d\n", calls,
	       max_depth, usr2_blocked_in_handler);

	calls = max_depth = 0;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	show("nodefer", SIGUSR1);
	reraise = 2;
	raise(SIGUSR1);
	printf("nodefer: calls %d max depth %d\n", calls, max_depth);

	calls = max_depth = 0;
	sa.sa_handler = h;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	show("resethand before", SIGUSR1);
	sa.sa_flags = 0;
	sigaction(SIGTERM, &sa, NULL);
	raise(SIGTERM);
	signal(SIGUSR2, SIG_IGN);
	show("ign", SIGUSR2);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, NULL, &old);
	printf("resethand untouched until delivery: %s\n", old.sa_handler == h ? "yes" : "no");
	/* One delivery: the handler runs, re-raises (now default: fatal),
	 * so deliver to a child instead. */
	if (fork() == 0) {
		struct sigaction b;

		sa.sa_handler = SIG_DFL;
		sigaction(SIGHUP, &sa, NULL);
		memset(&b, 0, sizeof(b));
		b.sa_handler = h;
		b.sa_flags = SA_RESETHAND;
		sigaction(SIGHUP, &b, NULL);
		raise(SIGHUP);
		sigaction(SIGHUP, NULL, &b);
		printf("child: resethand after delivery: %s, calls %d\n",
		       b.sa_handler == SIG_DFL ? "DFL" : "not reset", calls);
		fflush(stdout);
		_exit(0);
	}
	wait(NULL);
	printf("term handled: calls %d\n", calls);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGSYS, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR2, &sa, NULL);
	fflush(stdout);
	clear_sighand(0);
	clear_sighand(1);
	sigaction(SIGUSR1, NULL, &old);
	printf("parent keeps its handler: %s\n", old.sa_handler == h ? "yes" : "no");
	return 0;
}
