// SPDX-License-Identifier: GPL-2.0
/*
 * sigaction as the application sees it: what it set is what it reads
 * back (handler, flags, mask), SA_RESETHAND resets after one delivery,
 * SA_NODEFER lets the handler be re-entered, sa_mask is applied during
 * the handler, SIG_IGN and SIG_DFL read back as set. Prints what is the
 * same natively.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(void)
{
	struct sigaction sa, old;

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
	return 0;
}
