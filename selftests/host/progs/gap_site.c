// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/*
 * The shapes of glibc 2.41's open64 (`mov $257,%eax; mov %rdi,%rsi;
 * mov $-100,%edi; syscall`: moves between the number and the syscall) and
 * of its __syscall_cancel_arch (`mov %r11,0x8(%rsp); syscall`, the number
 * already in rax). The runtime rewrites them with stubs that replay the moves, so
 * every call must still open the right file with the right flags, the
 * moved registers must hold what the moves put there, and a signal
 * handler must only ever see the program's own addresses. Exit 0 when all
 * of it holds.
 *
 * With argument "patched" (or "plain") it also checks that the site's
 * first instruction now is (or still is not) the rewriter's jmp.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "rip_samples.h"

extern const unsigned char gap_site_start[];

/* openat(AT_FDCWD, path, flags) with moves between the number and the
 * syscall (glibc 2.41's open64, plus a last 3-byte move so that only the
 * gap stub fits); also returns what rsi and rdi held after the call. */
static __attribute__((noinline)) long open_gap(const char *path, long flags, long *rsi_after,
					       long *rdi_after)
{
	register long rdi __asm__("rdi") = (long)path;
	register long rsi __asm__("rsi");
	register long rdx __asm__("rdx");
	register long r8 __asm__("r8") = flags;
	long ret;

	__asm__ volatile("gap_site_start:\n\t"
			 ".byte 0xb8, 0x01, 0x01, 0x00, 0x00\n\t"	/* mov $257,%eax */
			 ".byte 0x48, 0x89, 0xfe\n\t"			/* mov %rdi,%rsi */
			 ".byte 0xbf, 0x9c, 0xff, 0xff, 0xff\n\t"	/* mov $-100,%edi */
			 ".byte 0x4c, 0x89, 0xc2\n\t"			/* mov %r8,%rdx */
			 ".byte 0x0f, 0x05"				/* syscall */
			 : "=a"(ret), "+r"(rdi), "=r"(rsi), "=r"(rdx), "+r"(r8)
			 : : "rcx", "r11", "memory");
	*rsi_after = rsi;
	*rdi_after = rdi;
	return ret;
}

/*
 * The shape of glibc 2.41's __syscall_cancel_arch, where every
 * cancellable call (read, write, open, close, ...) goes: the number moved
 * into rax first, and `mov %r11,0x8(%rsp); syscall` at the end.
 * cancel_site(nr, a0, a1, a2); the stored word lands in cancel_stored.
 */
long cancel_site(long nr, long a0, long a1, long a2);
extern const unsigned char cancel_site_store[];
long cancel_stored;
__asm__(".text\n"
	".globl cancel_site\n"
	".type cancel_site,@function\n"
	"cancel_site:\n\t"
	"sub $24,%rsp\n\t"
	"mov %rdi,%rax\n\t"
	"mov %rsi,%rdi\n\t"
	"mov %rdx,%rsi\n\t"
	"mov %rcx,%rdx\n\t"
	"mov %rdi,%r11\n"
	"cancel_site_store:\n\t"
	".byte 0x4c, 0x89, 0x5c, 0x24, 0x08\n\t"	/* mov %r11,0x8(%rsp) */
	"syscall\n\t"
	"mov 0x8(%rsp),%rcx\n\t"
	"mov %rcx,cancel_stored(%rip)\n\t"
	"add $24,%rsp\n\t"
	"ret\n"
	".size cancel_site, .-cancel_site\n");

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "";
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	static const char path[] = "/proc/self/comm";
	char buf[8];
	long rsi, rdi, fd;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 20000; i++) {
		fd = open_gap(path, O_RDONLY | O_CLOEXEC, &rsi, &rdi);
		if (fd < 0 || read((int)fd, buf, 3) != 3 || memcmp(buf, "gap", 3)) {
			fprintf(stderr, "gap_site: call %d: fd %ld, read '%.3s'\n", i, fd, buf);
			return 1;
		}
		close((int)fd);
		if (rsi != (long)path) {
			fprintf(stderr, "gap_site: rsi lost the path at call %d\n", i);
			return 1;
		}
		if (rdi != 0xffffff9cL) {
			fprintf(stderr, "gap_site: rdi 0x%lx, not 0xffffff9c, at call %d\n", rdi, i);
			return 1;
		}
	}
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	if (strays()) {
		fprintf(stderr, "gap_site: %lu of %lu signals saw a rip outside program and libc\n",
			strays(), ticks);
		return 1;
	}
	ticks = 0;
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 200 }, { 0, 200 } }, NULL);
	for (int i = 0; i < 20000; i++) {
		fd = cancel_site(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || cancel_stored != AT_FDCWD ||
		    cancel_site(SYS_read, fd, (long)buf, 3) != 3 || memcmp(buf, "gap", 3) ||
		    cancel_stored != fd || cancel_site(SYS_close, fd, 0, 0)) {
			fprintf(stderr, "gap_site: cancel shape, call %d: fd %ld\n", i, fd);
			return 1;
		}
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	if (strays()) {
		fprintf(stderr, "gap_site: cancel shape: %lu of %lu signals saw a stub\n",
			strays(), ticks);
		return 1;
	}
	for (int i = 0; i < 3; i++) {
		/* fork through the same site: the stub's trapping tail */
		long child = cancel_site(SYS_fork, 0, 0, 0);
		int st = 0;

		if (child == 0)
			_exit(cancel_site(SYS_getppid, 0, 0, 0) == getppid() ? 7 : 8);
		if (child < 0 || waitpid((pid_t)child, &st, 0) != child || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 7) {
			fprintf(stderr, "gap_site: fork through the cancel shape failed\n");
			return 1;
		}
	}
	fd = open_gap("/nonexistent/cse-gap", O_RDONLY, &rsi, &rdi);
	if (fd != -2) {
		fprintf(stderr, "gap_site: missing file gave %ld, not -ENOENT\n", fd);
		return 1;
	}
	if (!strcmp(want, "patched") && cancel_site_store[0] != 0xe9) {
		fprintf(stderr, "gap_site: the cancel-shape site was not rewritten\n");
		return 1;
	}
	if (!strcmp(want, "plain") && cancel_site_store[0] != 0x4c) {
		fprintf(stderr, "gap_site: the cancel-shape site changed without the rewriter\n");
		return 1;
	}
	if (!strcmp(want, "patched") && gap_site_start[0] != 0xe9) {
		fprintf(stderr, "gap_site: the site was not rewritten\n");
		return 1;
	}
	if (!strcmp(want, "plain") && gap_site_start[0] != 0xb8) {
		fprintf(stderr, "gap_site: the site changed without the rewriter\n");
		return 1;
	}
	puts("gap_site ok");
	return 0;
}
