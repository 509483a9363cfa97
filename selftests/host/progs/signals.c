// SPDX-License-Identifier: GPL-2.0
/*
 * Signal semantics the runtime must leave unchanged: handlers on a
 * sigaltstack, blocked signals staying pending until unblocked, a
 * blocking read interrupted by a handler with SA_RESTART (restarted) and
 * without (EINTR), and a signal arriving during nanosleep (EINTR with the
 * remaining time). Prints one line per check; the host suite compares the
 * output with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char altstack[64 * 1024];
static volatile sig_atomic_t on_alt, hits;

static void alt_handler(int sig)
{
	char here;

	(void)sig;
	on_alt = (uintptr_t)&here >= (uintptr_t)altstack &&
		 (uintptr_t)&here < (uintptr_t)altstack + sizeof(altstack);
	hits++;
}

static void count_handler(int sig)
{
	(void)sig;
	hits++;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL)) {
		perror("sigaction");
		exit(1);
	}
}

/* A child signals us after 100 ms, then writes a byte after 200 ms. */
static int interrupted_read(int restart)
{
	int p[2];
	char c = 0;
	ssize_t r;
	pid_t child;

	hits = 0;
	set_handler(SIGUSR1, count_handler, restart ? SA_RESTART : 0);
	if (pipe(p))
		return -1;
	child = fork();
	if (child == 0) {
		usleep(100000);
		kill(getppid(), SIGUSR1);
		usleep(200000);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	r = read(p[0], &c, 1);
	printf("read %s: ret=%zd errno=%s byte=%c hits=%d\n",
	       restart ? "SA_RESTART" : "no SA_RESTART", r,
	       r < 0 ? strerrorname_np(errno) : "-", r == 1 ? c : '-', (int)hits);
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
	return 0;
}

int main(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	sigset_t set, pend;
	pid_t child;
	int r;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (sigaltstack(&ss, NULL)) {
		perror("sigaltstack");
		return 1;
	}
	set_handler(SIGUSR2, alt_handler, SA_ONSTACK);
	raise(SIGUSR2);
	printf("sigaltstack: handled=%d on_alt_stack=%d\n", (int)hits, (int)on_alt);

	hits = 0;
	set_handler(SIGUSR2, count_handler, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	sigpending(&pend);
	printf("blocked: pending=%d hits=%d\n", sigismember(&pend, SIGUSR2), (int)hits);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("unblocked: hits=%d\n", (int)hits);

	interrupted_read(1);
	interrupted_read(0);

	set_handler(SIGUSR1, count_handler, SA_RESTART);
	child = fork();
	if (child == 0) {
		usleep(100000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	r = nanosleep(&req, &rem);
	printf("nanosleep: ret=%d errno=%s remaining_ge_4s=%d\n", r,
	       r ? strerrorname_np(errno) : "-", rem.tv_sec >= 4);
	waitpid(child, NULL, 0);
	return 0;
}
