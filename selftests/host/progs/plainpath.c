// SPDX-License-Identifier: GPL-2.0
/*
 * Calls the fast path makes itself, from the application's registers,
 * with no runtime code around them (entry.S: the plain path). Output
 * must be the same natively and under cse-run.
 *
 * usage: plainpath regs N       N raw getppid calls at a fixed-number and
 *                               a register-number site, every other
 *                               register and the flags set to known
 *                               values and checked after each call,
 *                               while another thread sends SIGUSR1
 *                               (SA_RESTART) and SIGUSR2 (without)
 *                               without pause; each handler checks that
 *                               it interrupted the program's own code
 *        plainpath futex restart|norestart
 *                               a raw FUTEX_WAIT interrupted by signals:
 *                               restarted with SA_RESTART (returns 0 once
 *                               woken), -EINTR without
 *        plainpath seccomp N    a filter: getppid and lseek -> RET_TRAP,
 *                               uname -> RET_ERRNO(EPERM); N calls of
 *                               each from rewritten sites (lseek, with
 *                               a descriptor, takes the full path)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define ENOUGH		100
#define FLAGS_MASK	0xcd5	/* CF PF AF ZF SF DF OF */

extern char __executable_start[], etext[];
static atomic_long handled, outside;
static atomic_int done, checking;
static pid_t main_tid;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	(void)si;
	/* Never inside the runtime or a stub: this program's text only
	 * while the main thread runs its loop of raw syscall instructions. */
	if (atomic_load(&checking) && (rip < (uintptr_t)__executable_start || rip >= (uintptr_t)etext))
		atomic_fetch_add(&outside, 1);
	atomic_fetch_add(&handled, 1);
}

static void handle(int sig, int flags)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | flags };

	/* Not nested: each interrupts the main thread's own code. */
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(sig, &sa, NULL);
}

static void *storm(void *arg)
{
	long n = 0;

	(void)arg;
	while (!atomic_load(&done)) {
		syscall(SYS_tgkill, getpid(), main_tid, n++ & 1 ? SIGUSR2 : SIGUSR1);
		if (n % 64 == 0)
			sched_yield();
	}
	return NULL;
}

/* The registers and flags after one call, and before it. */
uint64_t pp_out[16], pp_flags;

#define SET_REGS							\
	"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\t"	\
	"push %%r14\n\tpush %%r15\n\t"					\
	"mov $0x1111, %%edi\n\tmov $0x2222, %%esi\n\t"		\
	"mov $0x3333, %%edx\n\tmov $0x4444, %%r10d\n\t"		\
	"mov $0x5555, %%r8d\n\tmov $0x6666, %%r9d\n\t"		\
	"mov $110, %%ebx\n\tmov $0x8888, %%ebp\n\t"			\
	"mov $0x9999, %%r12d\n\tmov $0xaaaa, %%r13d\n\t"		\
	"mov $0xbbbb, %%r14d\n\tmov $0xcccc, %%r15d\n\t"		\
	"mov $1, %%ecx\n\tcmp $2, %%ecx\n\tstd\n\t"	/* CF SF AF PF, DF */ \
	"pushfq\n\tpop %%rcx\n\tmov %%rcx, pp_flags(%%rip)\n\t"

#define SAVE_REGS							\
	"pushfq\n\tpop %%r11\n\tcld\n\t"				\
	"mov %%rdi, pp_out+0(%%rip)\n\tmov %%rsi, pp_out+8(%%rip)\n\t"	\
	"mov %%rdx, pp_out+16(%%rip)\n\tmov %%r10, pp_out+24(%%rip)\n\t"	\
	"mov %%r8, pp_out+32(%%rip)\n\tmov %%r9, pp_out+40(%%rip)\n\t"	\
	"mov %%rbx, pp_out+48(%%rip)\n\tmov %%rbp, pp_out+56(%%rip)\n\t"	\
	"mov %%r12, pp_out+64(%%rip)\n\tmov %%r13, pp_out+72(%%rip)\n\t"	\
	"mov %%r14, pp_out+80(%%rip)\n\tmov %%r15, pp_out+88(%%rip)\n\t"	\
	"mov %%r11, pp_out+96(%%rip)\n\tmov %%rax, pp_out+104(%%rip)\n\t"	\
	"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\t"		\
	"pop %%rbp\n\tpop %%rbx\n\t"

static void call_fixed(void)
{
	__asm__ volatile(SET_REGS "mov $110, %%eax\n\tsyscall\n\t" SAVE_REGS
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			 "memory", "cc");
}

static void call_dyn(void)
{
	__asm__ volatile(SET_REGS "mov %%rbx, %%rax\n\tsyscall\n\t" SAVE_REGS
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			 "memory", "cc");
}

static int regs_ok(long ppid)
{
	static const uint64_t want[12] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666,
					   110, 0x8888, 0x9999, 0xaaaa, 0xbbbb, 0xcccc };

	for (int i = 0; i < 12; i++)
		if (pp_out[i] != want[i])
			return 0;
	return (pp_out[12] & FLAGS_MASK) == (pp_flags & FLAGS_MASK) && (long)pp_out[13] == ppid;
}

static int regs(long n)
{
	long ppid = getppid(), bad = 0;
	pthread_t th;

	handle(SIGUSR1, SA_RESTART);
	handle(SIGUSR2, 0);
	main_tid = gettid();
	if (pthread_create(&th, NULL, storm, NULL))
		return 1;
	atomic_store(&checking, 1);
	for (long i = 0; i < n || atomic_load(&handled) < ENOUGH; i++) {
		call_fixed();
		bad += !regs_ok(ppid);
		call_dyn();
		bad += !regs_ok(ppid);
	}
	atomic_store(&checking, 0);
	atomic_store(&done, 1);
	pthread_join(th, NULL);
	printf("regs: %ld calls each, %ld differ, signals enough: %s, outside the program: %ld\n",
	       n, bad, atomic_load(&handled) >= ENOUGH ? "yes" : "no", atomic_load(&outside));
	return 0;
}

static atomic_int word;

__attribute__((noinline)) static long futex_wait(atomic_int *addr, int val)
{
	register long r10 __asm__("r10") = 0;
	long r;

	__asm__ volatile("mov $202, %%eax\n\tsyscall"
			 : "=a"(r)
			 : "D"(addr), "S"((long)FUTEX_WAIT_PRIVATE), "d"((long)val), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

/* 1 once the main thread sleeps in futex (its /proc syscall line says 202). */
static int in_futex(void)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", main_tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strncmp(buf, "202 ", 4);
}

static void *waker(void *arg)
{
	int sig = *(int *)arg, sends = sig == SIGUSR1 ? 3 : 1;
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < sends; i++) {
		for (int k = 0; k < 5000 && !in_futex(); k++)
			nanosleep(&ms, NULL);
		syscall(SYS_tgkill, getpid(), main_tid, sig);
		while (atomic_load(&handled) <= i)
			nanosleep(&ms, NULL);
	}
	if (sig == SIGUSR1) {
		for (int k = 0; k < 5000 && !in_futex(); k++)
			nanosleep(&ms, NULL);
		atomic_store(&word, 1);
		syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static int futex(const char *mode)
{
	int sig = strcmp(mode, "restart") ? SIGUSR2 : SIGUSR1;
	pthread_t th;
	long r;

	handle(SIGUSR1, SA_RESTART);
	handle(SIGUSR2, 0);
	main_tid = gettid();
	for (int i = 0; i < 4; i++)	/* the site traps, then is rewritten */
		if (futex_wait(&word, 1) != -EAGAIN)
			return 1;
	if (pthread_create(&th, NULL, waker, &sig))
		return 1;
	atomic_store(&checking, 1);
	r = futex_wait(&word, 0);
	atomic_store(&checking, 0);
	pthread_join(th, NULL);
	printf("futex %s: %ld, handled %ld, outside the program: %ld\n", mode, r,
	       atomic_load(&handled), atomic_load(&outside));
	return 0;
}

#define TRAP_DATA	77
#define TRAP_RESULT	4242
static atomic_long traps, bad_traps;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const unsigned char *at = si->si_call_addr;

	if (sig != SIGSYS || si->si_code != 1 /* SYS_SECCOMP */ ||
	    (si->si_syscall != SYS_getppid && si->si_syscall != SYS_lseek) ||
	    si->si_errno != TRAP_DATA + (si->si_syscall == SYS_lseek) ||
	    (greg_t)at != uc->uc_mcontext.gregs[REG_RIP] || at[-2] != 0x0f || at[-1] != 0x05 ||
	    uc->uc_mcontext.gregs[REG_RAX] != si->si_syscall ||
	    (uintptr_t)at < (uintptr_t)__executable_start || (uintptr_t)at >= (uintptr_t)etext)
		atomic_fetch_add(&bad_traps, 1);
	atomic_fetch_add(&traps, 1);
	uc->uc_mcontext.gregs[REG_RAX] = TRAP_RESULT;
}

static long raw_getppid(void)
{
	long r;

	__asm__ volatile("mov $110, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

static long raw_dyn(long nr, void *arg)
{
	long r;

	__asm__ volatile("mov %1, %%rax\n\tsyscall" : "=a"(r) : "r"(nr), "D"(arg)
			 : "rcx", "r11", "memory");
	return r;
}

static int filtered(long n)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | TRAP_DATA),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_lseek, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | (TRAP_DATA + 1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	long fixed = 0, dyn = 0, eperm = 0, seek = 0, before = 0;
	char uts[6 * 65];

	if (sigaction(SIGSYS, &sa, NULL))
		return 1;
	/* Rewritten before the filter, and after it. */
	for (long i = 0; i < 4; i++) {
		before += raw_getppid() == getppid();
		before += raw_dyn(SYS_getppid, NULL) == getppid();
		before += raw_dyn(SYS_uname, uts) == 0;
		before += raw_dyn(SYS_lseek, (void *)-1) == -EBADF;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 1;
	for (long i = 0; i < n; i++) {
		fixed += raw_getppid() == TRAP_RESULT;
		dyn += raw_dyn(SYS_getppid, NULL) == TRAP_RESULT;
		eperm += raw_dyn(SYS_uname, uts) == -EPERM;
		seek += raw_dyn(SYS_lseek, (void *)-1) == TRAP_RESULT;
	}
	printf("seccomp: before %ld; getppid trapped %ld fixed, %ld register; uname EPERM %ld; "
	       "lseek trapped %ld; traps %ld, bad %ld\n", before, fixed, dyn, eperm, seek,
	       atomic_load(&traps), atomic_load(&bad_traps));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "regs"))
		return regs(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "futex"))
		return futex(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "seccomp"))
		return filtered(atol(argv[2]));
	fprintf(stderr, "usage: plainpath regs N | futex restart|norestart | seccomp N\n");
	return 2;
}
