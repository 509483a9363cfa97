// SPDX-License-Identifier: GPL-2.0
/*
 * The context a signal handler sees. Another thread sends SIGUSR1 to the
 * main thread while it makes system calls (raw `syscall` instructions
 * with a fixed and a register number, and libc wrappers); the handler
 * checks that the interrupted rip is in the program, libc, ld.so or the
 * vDSO and rsp on the main stack (never in the runtime's mappings), that
 * a signal taken right after our raw getppid shows rax = its result, and
 * the siginfo. Mode "jmp": the handler siglongjmps out of the calls, and
 * afterwards threads, fork, pipes and the signal mask still work.
 * Prints only counts that are the same natively.
 * Usage: sigctx [ctx|jmp] [calls per run | rounds of jumps]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAXR 32
#define ENOUGH 200
static uintptr_t lo[MAXR], hi[MAXR];
static int nranges;
static uintptr_t stk_lo, stk_hi;
static pid_t me;
static long ppid;
static volatile int done, armed;
static volatile long handled, jumps, bad_rip, bad_rsp, bad_rax, bad_info, at_raw;
static volatile uintptr_t last_bad;
static sigjmp_buf env;
static pthread_t main_thread;
static int null_fd;
extern char raw_insn[], raw_after[];

__attribute__((noinline, noclone)) static long raw_getppid(void)
{
	long r;

	__asm__ volatile(".globl raw_insn\nraw_insn: syscall\n.globl raw_after\nraw_after:"
			 : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline, noclone)) static long raw_dyn(long nr)
{
	long r;

	__asm__ volatile("mov %1, %%rax\n\tsyscall" : "=a"(r) : "r"(nr) : "rcx", "r11", "memory");
	return r;
}

static void read_maps(void)
{
	char line[512], exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "r");

	exe[n > 0 ? n : 0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perm[8], path[300] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %299s", &a, &b, perm, path) < 3)
			continue;
		if (!strcmp(path, "[stack]")) {
			stk_lo = a;
			stk_hi = b;
		}
		if (perm[2] != 'x' || nranges == MAXR)
			continue;
		if (!strcmp(path, exe) || strstr(path, "/libc.so") || strstr(path, "/ld-linux") ||
		    !strcmp(path, "[vdso]")) {
			lo[nranges] = a;
			hi[nranges++] = b;
		}
	}
	if (f)
		fclose(f);
}

static int in_app(uintptr_t rip)
{
	for (int i = 0; i < nranges; i++)
		if (rip >= lo[i] && rip < hi[i])
			return 1;
	return 0;
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t rip = uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t rsp = uc->uc_mcontext.gregs[REG_RSP];
	long rax = uc->uc_mcontext.gregs[REG_RAX];

	handled++;
	if (!in_app(rip)) {
		bad_rip++;
		last_bad = rip;
	}
	if (rsp < stk_lo || rsp >= stk_hi)
		bad_rsp++;
	if (rip == (uintptr_t)raw_after) {
		at_raw++;
		if (rax != ppid)
			bad_rax++;
	}
	if (rip == (uintptr_t)raw_insn && rax != SYS_getppid)
		bad_rax++;
	if (sig != SIGUSR1 || si->si_code != SI_TKILL || si->si_pid != me)
		bad_info++;
	if (armed) {
		armed = 0;
		jumps++;
		siglongjmp(env, 1);
	}
}

static void *sender(void *arg)
{
	(void)arg;
	while (!done) {
		pthread_kill(main_thread, SIGUSR1);
		for (volatile int i = 0; i < 3000; i++)
			;
	}
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

static void calls(int n)
{
	static char buf[16];
	int fd = null_fd;

	for (int i = 0; i < n; i++) {
		raw_getppid();
		raw_dyn(SYS_getppid);
		getppid();
		if (write(fd, buf, 1) < 0 && errno != EINTR)
			abort();
	}
}

/* After the jumps: the runtime must still do everything. */
static int still_works(void)
{
	pthread_t t;
	sigset_t cur;
	int p[2], st;
	char c = 'x';
	pid_t pid;

	if (raw_getppid() != getppid() || pthread_create(&t, NULL, nothing, NULL) ||
	    pthread_join(t, NULL) || pipe(p) || write(p[1], &c, 1) != 1 ||
	    read(p[0], &c, 1) != 1)
		return 0;
	pid = fork();
	if (pid == 0)
		_exit(7);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 7)
		return 0;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return !sigismember(&cur, SIGUSR1);
}

int main(int argc, char **argv)
{
	int jmp = argc > 1 && !strcmp(argv[1], "jmp");
	long count = argc > 2 ? atol(argv[2]) : 0;
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	pthread_t t;
	time_t start;

	me = getpid();
	ppid = getppid();
	main_thread = pthread_self();
	null_fd = open("/dev/null", O_WRONLY);
	if (null_fd < 0)
		return 2;
	read_maps();
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&t, NULL, sender, NULL);
	/* At least count calls or rounds, and until enough signals came:
	 * a loaded machine may schedule the sender late (60 s at most). */
	start = time(NULL);
	if (!jmp) {
		for (long i = 0; i < (count ? count : 100000) || handled < ENOUGH; i += 100) {
			calls(100);
			if (time(NULL) - start > 60)
				break;
		}
	} else {
		for (volatile long round = 0; round < (count ? count : 2000) || jumps < ENOUGH;
		     round++) {
			if (sigsetjmp(env, 1) == 0) {
				armed = 1;
				calls(1000);
				armed = 0;
			}
			if (time(NULL) - start > 60)
				break;
		}
	}
	done = 1;
	pthread_join(t, NULL);
	printf("enough signals handled: %s\n", handled >= ENOUGH ? "yes" : "no");
	printf("bad rip %ld rsp %ld rax %ld info %ld\n", bad_rip, bad_rsp, bad_rax, bad_info);
	if (bad_rip)
		fprintf(stderr, "last bad rip %#lx\n", (unsigned long)last_bad);
	fprintf(stderr, "handled %ld at raw_after %ld jumps %ld\n", handled, at_raw, jumps);
	if (jmp) {
		printf("enough jumps: %s\n", jumps >= ENOUGH ? "yes" : "no");
		printf("after: %s\n", still_works() ? "ok" : "broken");
	}
	return 0;
}
