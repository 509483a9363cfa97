// SPDX-License-Identifier: GPL-2.0
/*
 * contract_clone: exit() hooks of clone, clone3, fork and vfork on both
 * sides (contract.t), through libc and raw calls.
 *
 *   contract_clone [hooked]     each way of making a child: prints what
 *                               the program itself saw (the same text
 *                               natively); with "hooked" (under the
 *                               testcontract element) it also checks
 *                               what the element's exit() saw on each
 *                               side against that, and prints a
 *                               "MISMATCH" line for each difference
 *   contract_clone einval [mutate]   clone(CLONE_SIGHAND) without
 *                               CLONE_VM: prints the errno; "mutate"
 *                               asks the element's exit() to change it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TC_OP_BASE	0x43534500L
#define OP_CLONE_GET	9
#define OP_CLONE_MUTATE	10
/* Indexes of the element's record (testcontract.c, struct tc_clone_side). */
enum { P_RET, P_COUNT, P_NR, P_PRIV_BAD, C_RET, C_COUNT, C_NR, C_PRIV_BAD };

extern char **environ;
static int hooked;
static int mismatches;

static long probe(long op, long a)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_prctl), "D"(TC_OP_BASE + op), "S"(a)
			 : "rcx", "r11", "memory");
	return r;
}

static long q(int i)
{
	return probe(OP_CLONE_GET, i);
}

static void mismatch(const char *what, const char *field, long want, long got)
{
	printf("MISMATCH %s: %s: want %ld, got %ld\n", what, field, want, got);
	mismatches++;
}

/* The parent side after a child was made: count +1, ret = child, nr, priv. */
static void check_parent(const char *what, long count0, long child, long nr)
{
	if (!hooked)
		return;
	if (q(P_COUNT) != count0 + 1)
		mismatch(what, "parent exit() count", count0 + 1, q(P_COUNT));
	if (q(P_RET) != child)
		mismatch(what, "parent exit() ret", child, q(P_RET));
	if (nr >= 0 && q(P_NR) != nr)
		mismatch(what, "parent exit() nr", nr, q(P_NR));
	if (q(P_PRIV_BAD))
		mismatch(what, "parent priv", 0, q(P_PRIV_BAD));
}

/* In the child: 0 when its exit() saw ret 0 once more than count0. */
static int child_ok(long count0, long nr)
{
	if (!hooked)
		return 0;
	return !(q(C_COUNT) == count0 + 1 && q(C_RET) == 0 && (nr < 0 || q(C_NR) == nr) &&
		 !q(C_PRIV_BAD));
}

static void report(const char *what, long pid, int status)
{
	printf("%s: parent got a child: %s, child exit status %d\n", what,
	       pid > 0 ? "yes" : "no", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void wait_report(const char *what, pid_t pid)
{
	int status = 0;

	if (pid > 0 && waitpid(pid, &status, __WALL) != pid)
		status = -1;
	report(what, pid, status);
}

static void by_fork(const char *what, int raw)
{
	long pc = q(P_COUNT), cc = q(C_COUNT);
	pid_t pid = raw ? (pid_t)syscall(SYS_fork) : fork();

	if (!pid)
		_exit(child_ok(cc, raw ? SYS_fork : SYS_clone));
	check_parent(what, pc, pid, raw ? SYS_fork : SYS_clone);
	wait_report(what, pid);
}

static void by_vfork(void)
{
	long pc = q(P_COUNT), cc = q(C_COUNT);
	volatile int child = -1;
	pid_t pid = vfork();

	if (!pid) {
		child = child_ok(cc, SYS_vfork);	/* shared memory: the parent reads it */
		_exit(0);
	}
	check_parent("vfork (libc)", pc, pid, SYS_vfork);
	wait_report("vfork (libc)", pid);
	printf("vfork (libc): child's check %d\n", child);
}

static void by_clone3_fork(void)
{
	struct clone_args ca;
	long pc = q(P_COUNT), cc = q(C_COUNT);
	long pid;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (!pid)
		_exit(child_ok(cc, SYS_clone3));
	check_parent("clone3 (raw, fork-like)", pc, pid, SYS_clone3);
	wait_report("clone3 (raw, fork-like)", (pid_t)pid);
}

static void by_spawn(void)
{
	char *argv[] = { "true", NULL };
	long pc = q(P_COUNT), cc = q(C_COUNT);
	pid_t pid = -1;
	int r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);

	check_parent("posix_spawn", pc, r ? -1 : pid, -1);
	/* The child's exit() wrote the record in memory it shared with us. */
	if (hooked && (q(C_COUNT) != cc + 1 || q(C_RET) != 0))
		mismatch("posix_spawn", "child exit() count/ret", cc + 1, q(C_COUNT));
	wait_report("posix_spawn", r ? -1 : pid);
}

static long cc_thread;
static volatile long thread_tid, thread_check;

static void *thread_fn(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	thread_check = child_ok(cc_thread, -1);
	return NULL;
}

static void by_thread(void)
{
	long pc = q(P_COUNT);
	pthread_t th;

	cc_thread = q(C_COUNT);
	if (pthread_create(&th, NULL, thread_fn, NULL)) {
		printf("pthread_create failed\n");
		return;
	}
	pthread_join(th, NULL);
	check_parent("pthread_create", pc, thread_tid, -1);
	printf("pthread_create: thread ran, its check %ld\n", thread_check);
}

static long cc_vm;

static int vm_child(void *arg)
{
	(void)arg;
	return child_ok(cc_vm, SYS_clone);
}

static void by_clone_vm(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	long pc = q(P_COUNT);
	pid_t pid;

	cc_vm = q(C_COUNT);
	pid = clone(vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	check_parent("clone (libc, CLONE_VM, new stack)", pc, pid, SYS_clone);
	wait_report("clone (libc, CLONE_VM, new stack)", pid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "einval")) {
		long r;

		if (argc > 2 && !strcmp(argv[2], "mutate") && probe(OP_CLONE_MUTATE, 1))
			return 3;
		r = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0);
		if (!r)
			_exit(0);
		printf("clone(CLONE_SIGHAND): %s\n", r < 0 ? strerror(errno) : "a child");
		return 0;
	}
	hooked = argc > 1 && !strcmp(argv[1], "hooked");
	setvbuf(stdout, NULL, _IONBF, 0);
	by_fork("fork (libc)", 0);
	by_fork("fork (raw)", 1);
	by_vfork();
	by_clone3_fork();
	by_spawn();
	by_thread();
	by_clone_vm();
	return mismatches ? 1 : 0;
}
