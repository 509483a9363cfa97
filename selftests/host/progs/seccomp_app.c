// SPDX-License-Identifier: GPL-2.0
/*
 * An application that sandboxes itself with seccomp and keeps working:
 * its output must be the same natively and under cse-run.
 *
 * Filter: uname -> ERRNO(EPERM), getppid -> TRAP (data 77), prctl ->
 * ERRNO(EACCES), arch_prctl -> KILL_PROCESS (unless "exec"), everything
 * else allowed. prctl and arch_prctl are what the runtime itself needs
 * for a new thread; the application never calls them after the filter.
 *
 * usage: seccomp_app prctl|seccomp [exec|loop N]
 *   exec: then run `uname -s` (the filter survives execve; a shell would
 *         die of the getppid trap, as natively)
 *   loop N: then make N getpid calls (for --trace=summary counts)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <ucontext.h>
#include <unistd.h>

#define TRAP_DATA	77
#define TRAP_RESULT	4242

static volatile int traps, bad_traps;

/* Check the siginfo and frame the kernel gives a RET_TRAP, then emulate the call. */
static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const unsigned char *at = si->si_call_addr;

	if (sig != SIGSYS || si->si_code != 1 /* SYS_SECCOMP */ ||
	    si->si_syscall != SYS_getppid || si->si_errno != TRAP_DATA ||
	    si->si_arch != AUDIT_ARCH_X86_64 ||
	    (greg_t)at != uc->uc_mcontext.gregs[REG_RIP] ||
	    at[-2] != 0x0f || at[-1] != 0x05 ||
	    uc->uc_mcontext.gregs[REG_RAX] != SYS_getppid)
		bad_traps++;
	traps++;
	uc->uc_mcontext.gregs[REG_RAX] = TRAP_RESULT;
}

static int install(const char *how, int allow_arch_prctl)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | TRAP_DATA),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, allow_arch_prctl ? SECCOMP_RET_ALLOW
							   : SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (!strcmp(how, "prctl"))
		return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void *thread_main(void *arg)
{
	struct utsname u;

	(void)arg;
	printf("thread: uname %s, getppid %ld\n",
	       uname(&u) ? strerror(errno) : "allowed", (long)getppid());
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int do_exec = argc > 2 && !strcmp(argv[2], "exec");
	struct utsname u;
	pthread_t th;
	long r;

	if (argc < 2 || sigaction(SIGSYS, &sa, NULL))
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (install(argv[1], do_exec)) {
		perror("install");
		return 1;
	}
	printf("uname: %s\n", uname(&u) ? strerror(errno) : "allowed");
	errno = 0;
	r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	printf("prctl: %ld %s\n", r, strerror(errno));
	/* libc's fixed-number site, then the syscall(2) register-number site */
	for (int i = 0; i < 3; i++)
		printf("getppid: %ld\n", (long)getppid());
	for (int i = 0; i < 3; i++)
		printf("syscall(getppid): %ld\n", syscall(SYS_getppid));
	if (pthread_create(&th, NULL, thread_main, NULL) || pthread_join(th, NULL))
		return 1;
	printf("traps %d, bad %d\n", traps, bad_traps);
	if (do_exec) {
		dup2(1, 2);
		execl("/bin/uname", "uname", "-s", (char *)NULL);
		perror("execl");
		return 1;
	}
	if (argc > 3 && !strcmp(argv[2], "loop")) {
		long n = atol(argv[3]), sum = 0;

		for (long i = 0; i < n; i++)
			sum += getpid() > 0;
		printf("getpid calls %ld\n", sum);
	}
	return 0;
}
