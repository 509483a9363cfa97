// SPDX-License-Identifier: GPL-2.0
/*
 * contract_probe: drives the testcontract element's probes (contract.t).
 *
 *   order WHO           one OP_ORDER call: prints "ret R log E..."
 *   scratch N BLOCKS SIZE   N calls allocating BLOCKS x SIZE bytes each
 *   inc P T N SPIN      P processes x T threads x N locked increments of
 *                       the instance counter: prints the counter's growth
 *   local T N SPIN      T threads x N increments under a process-memory lock
 *   signal N            N x a SIGUSR1 raised with the lock held; the
 *                       handler increments under the same lock
 *   alarm N SPIN        N increments while a 100 us timer's handler
 *                       increments too
 *   dead                a child holding the lock is SIGKILLed, not reaped:
 *                       the lock is taken over
 *   bench N             ns per call with and without the lock
 *   badpath             openat of an unmapped path pointer: prints errno
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TC_OP_BASE	0x43534500L
enum { OP_ORDER = 1, OP_SCRATCH, OP_INC, OP_LOCAL_INC, OP_NOLOCK, OP_GET,
       OP_SIGNAL_IN_LOCK, OP_HOLD };

struct tc_log {
	long n;
	long ent[8];
};

/* A raw syscall instruction, so the call reaches the runtime as issued. */
static long probe(long op, long a, long b, long c)
{
	long r;
	register long r10 __asm__("r10") = c;

	__asm__ volatile("syscall" : "=a"(r)
			 : "0"((long)SYS_prctl), "D"(TC_OP_BASE + op), "S"(a), "d"(b), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

static long iters, spin;
static volatile long handled;

static void *inc_thread(void *arg)
{
	long op = (long)arg;

	for (long i = 0; i < iters; i++)
		if (probe(op, spin, 0, 0) <= 0)
			abort();
	return NULL;
}

static void run_threads(long op, int nthreads)
{
	pthread_t t[64];

	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, inc_thread, (void *)op))
			exit(3);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
}

static void on_signal(int sig)
{
	(void)sig;
	if (probe(OP_INC, 0, 0, 0) <= 0)
		abort();
	handled++;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long a1 = argc > 2 ? atol(argv[2]) : 0, a2 = argc > 3 ? atol(argv[3]) : 0;
	long a3 = argc > 4 ? atol(argv[4]) : 0, a4 = argc > 5 ? atol(argv[5]) : 0;
	long before = probe(OP_GET, 0, 0, 0);

	if (!strcmp(cmd, "order")) {
		struct tc_log log = { 0 };
		long r = probe(OP_ORDER, a1, (long)&log, 0);

		printf("ret %ld log", r);
		for (long i = 0; i < log.n && i < 8; i++)
			printf(" %ld", log.ent[i]);
		printf("\n");
	} else if (!strcmp(cmd, "scratch")) {
		for (long i = 0; i < a1; i++) {
			long r = probe(OP_SCRATCH, a2, 0, a3);

			if (r) {
				printf("call %ld: %s\n", i, strerror((int)-r));
				return 1;
			}
		}
		printf("scratch ok\n");
	} else if (!strcmp(cmd, "inc")) {
		iters = a3;
		spin = a4;
		for (long p = 0; p < a1; p++) {
			pid_t pid = fork();

			if (pid < 0)
				return 3;
			if (!pid) {
				run_threads(OP_INC, (int)a2);
				_exit(0);
			}
		}
		for (long p = 0; p < a1; p++) {
			int status;

			if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
				return 4;
		}
		printf("grew %ld\n", probe(OP_GET, 0, 0, 0) - before);
	} else if (!strcmp(cmd, "local")) {
		iters = a2;
		spin = a3;
		run_threads(OP_LOCAL_INC, (int)a1);
		printf("local %ld\n", probe(OP_LOCAL_INC, 0, 0, 0) - 1);
	} else if (!strcmp(cmd, "signal")) {
		signal(SIGUSR1, on_signal);
		for (long i = 0; i < a1; i++)
			if (probe(OP_SIGNAL_IN_LOCK, 1000, 0, 0))
				return 5;
		printf("grew %ld handled %ld\n", probe(OP_GET, 0, 0, 0) - before, handled);
	} else if (!strcmp(cmd, "alarm")) {
		struct itimerval it = { { 0, 100 }, { 0, 100 } };
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		signal(SIGALRM, on_signal);
		setitimer(ITIMER_REAL, &it, NULL);
		for (long i = 0; i < a1; i++)
			if (probe(OP_INC, a2, 0, 0) <= 0)
				return 5;
		setitimer(ITIMER_REAL, &off, NULL);
		signal(SIGALRM, SIG_IGN);
		printf("%s %ld\n", probe(OP_GET, 0, 0, 0) - before == a1 + handled ? "exact" : "lost",
		       handled);
	} else if (!strcmp(cmd, "dead")) {
		int fds[2], status;
		pid_t pid;
		char c;
		double t0;

		if (pipe(fds))
			return 3;
		pid = fork();
		if (!pid) {
			/* Tell the parent just before the lock is taken. */
			write(fds[1], "x", 1);
			probe(OP_HOLD, 30, 0, 0);
			_exit(0);
		}
		if (read(fds[0], &c, 1) != 1)
			return 3;
		usleep(200000);		/* the child now sleeps holding the lock */
		kill(pid, SIGKILL);
		usleep(50000);		/* a zombie now: not reaped yet */
		t0 = now_ns();
		if (probe(OP_INC, 0, 0, 0) <= 0)
			return 5;
		printf("taken over%s\n", now_ns() - t0 < 5e9 ? "" : " (slowly)");
		waitpid(pid, &status, 0);
	} else if (!strcmp(cmd, "badpath")) {
		long r = syscall(SYS_openat, AT_FDCWD, (const char *)8, O_RDONLY);

		printf("openat %ld %s\n", r, r < 0 ? strerror(errno) : "");
	} else if (!strcmp(cmd, "bench")) {
		double t0, t1, t2, t3;

		t0 = now_ns();
		for (long i = 0; i < a1; i++)
			probe(OP_NOLOCK, 0, 0, 0);
		t1 = now_ns();
		for (long i = 0; i < a1; i++)
			probe(OP_LOCAL_INC, 0, 0, 0);
		t2 = now_ns();
		for (long i = 0; i < a1; i++)
			syscall(SYS_getppid);
		t3 = now_ns();
		printf("call %.0f ns, call with lock/unlock %.0f ns, getppid %.0f ns\n",
		       (t1 - t0) / a1, (t2 - t1) / a1, (t3 - t2) / a1);
	} else {
		fprintf(stderr, "usage: contract_probe order|scratch|inc|local|signal|alarm|dead|bench ...\n");
		return 2;
	}
	return 0;
}
