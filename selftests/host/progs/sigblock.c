// SPDX-License-Identifier: GPL-2.0
/*
 * A signal arriving during a blocking read of an empty pipe. Another
 * thread sends SIGUSR1 100 ms into the read and writes a byte 300 ms
 * later. The handler must run before the write (promptly), see the
 * interrupted call as the kernel shows it (after the syscall with rax =
 * -EINTR, or at the syscall instruction with rax = its number when it is
 * restarted), and the read must then fail with EINTR (no SA_RESTART) or
 * return the byte (SA_RESTART). The read is a `mov $0,%eax; syscall`
 * site: the first round traps, later ones take the rewritten fast path;
 * under the testblock element the blocking happens inside its handler.
 * Prints what is the same natively.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

extern char rd_insn[], rd_after[];
static pthread_t main_thread;
static int pfd[2];
static volatile long t_handler, t_write, handled;
static volatile uintptr_t h_rip;
static volatile long h_rax;

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

__attribute__((noinline, noclone)) static long raw_read(int fd, void *buf, long n)
{
	register long rdi __asm__("rdi") = fd;
	register long rsi __asm__("rsi") = (long)buf;
	register long rdx __asm__("rdx") = n;
	long r;

	__asm__ volatile("movl $0, %%eax\n.globl rd_insn\nrd_insn: syscall\n"
			 ".globl rd_after\nrd_after:"
			 : "=a"(r) : "r"(rdi), "r"(rsi), "r"(rdx) : "rcx", "r11", "memory");
	return r;
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	t_handler = now_us();
	h_rip = uc->uc_mcontext.gregs[REG_RIP];
	h_rax = uc->uc_mcontext.gregs[REG_RAX];
	handled++;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void *sender(void *arg)
{
	(void)arg;
	sleep_ms(100);
	pthread_kill(main_thread, SIGUSR1);
	sleep_ms(300);
	t_write = now_us();
	if (write(pfd[1], "x", 1) != 1)
		return (void *)1;
	return NULL;
}

int main(int argc, char **argv)
{
	int restart = argc > 1 && !strcmp(argv[1], "restart");
	struct sigaction sa = { .sa_sigaction = handler,
				.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0) };
	char c;

	main_thread = pthread_self();
	sigaction(SIGUSR1, &sa, NULL);
	for (int round = 1; round <= 3; round++) {
		pthread_t t;
		long r;

		if (pipe(pfd) != 0)
			return 2;
		handled = 0;
		t_handler = 0;
		pthread_create(&t, NULL, sender, NULL);
		r = raw_read(pfd[0], &c, 1);
		pthread_join(t, NULL);
		printf("round %d: read %s, handler ran %ld time(s) %s the write, at %s\n", round,
		       r == 1 ? "1 byte" : r == -EINTR ? "EINTR" : "other", handled,
		       t_handler && t_handler < t_write ? "before" : "after",
		       h_rip == (uintptr_t)rd_after && h_rax == -EINTR ? "the syscall's end, rax -EINTR" :
		       h_rip == (uintptr_t)rd_insn && h_rax == 0 ? "the syscall, rax its number" :
		       "another place");
		close(pfd[0]);
		close(pfd[1]);
	}
	return 0;
}
