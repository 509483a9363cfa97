// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/*
 * The shapes of glibc 2.36's ld.so set_robust_list and arch_prctl sites:
 * stores (through rbx, one of an xmm register) between `mov $nr,%eax`
 * and the syscall. The runtime rewrites them with gap stubs that replay
 * the stores, so every call must leave memory as the stores would, give
 * the call's result, and a signal handler must only ever see the
 * program's own addresses. Exit 0 when all of it holds.
 *
 * With argument "patched" (or "plain") it also checks that each site's
 * first instruction now is (or still is not) the rewriter's jmp.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "rip_samples.h"

extern const unsigned char robust_site[], setfs_site[];

/* getppid through `mov $110,%eax; movq %rdi,%xmm0; punpcklqdq
 * %xmm0,%xmm0; movups %xmm0,0x10(%rbx); syscall`. */
static __attribute__((noinline)) long robust_shape(uint64_t *buf, uint64_t v)
{
	register uint64_t *rbx __asm__("rbx") = buf;
	register uint64_t rdi __asm__("rdi") = v;
	long ret;

	__asm__ volatile("robust_site:\n\t"
			 ".byte 0xb8, 0x6e, 0x00, 0x00, 0x00\n\t"	/* mov $110,%eax */
			 ".byte 0x66, 0x48, 0x0f, 0x6e, 0xc7\n\t"	/* movq %rdi,%xmm0 */
			 ".byte 0x66, 0x0f, 0x6c, 0xc0\n\t"		/* punpcklqdq */
			 ".byte 0x0f, 0x11, 0x83, 0x10, 0, 0, 0\n\t"	/* movups %xmm0,0x10(%rbx) */
			 ".byte 0x0f, 0x05"				/* syscall */
			 : "=a"(ret), "+r"(rbx), "+r"(rdi)
			 : : "rcx", "r11", "xmm0", "memory");
	return ret;
}

/* getppid through `mov $110,%eax; mov %rbx,(%rbx); mov %rbx,0x10(%rbx);
 * syscall`. */
static __attribute__((noinline)) long setfs_shape(uint64_t *buf)
{
	register uint64_t *rbx __asm__("rbx") = buf;
	long ret;

	__asm__ volatile("setfs_site:\n\t"
			 ".byte 0xb8, 0x6e, 0x00, 0x00, 0x00\n\t"	/* mov $110,%eax */
			 ".byte 0x48, 0x89, 0x1b\n\t"			/* mov %rbx,(%rbx) */
			 ".byte 0x48, 0x89, 0x5b, 0x10\n\t"		/* mov %rbx,0x10(%rbx) */
			 ".byte 0x0f, 0x05"				/* syscall */
			 : "=a"(ret), "+r"(rbx)
			 : : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "";
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	static uint64_t a[6] __attribute__((aligned(16))), b[4];
	long ppid = getppid();

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (uint64_t i = 1; i <= 20000; i++) {
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		if (robust_shape(a, i * 7) != ppid || a[2] != i * 7 || a[3] != i * 7 || a[1] ||
		    a[4]) {
			fprintf(stderr, "gap_store_site: robust shape, call %lu: %lx %lx %lx %lx\n",
				(unsigned long)i, (unsigned long)a[1], (unsigned long)a[2],
				(unsigned long)a[3], (unsigned long)a[4]);
			return 1;
		}
		if (setfs_shape(b) != ppid || b[0] != (uint64_t)b || b[2] != (uint64_t)b || b[1] ||
		    b[3]) {
			fprintf(stderr, "gap_store_site: setfs shape, call %lu\n", (unsigned long)i);
			return 1;
		}
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	if (strays()) {
		fprintf(stderr, "gap_store_site: %lu of %lu signals saw a stub\n", strays(), ticks);
		return 1;
	}
	if (!strcmp(want, "patched") && (robust_site[0] != 0xe9 || setfs_site[0] != 0xe9)) {
		fprintf(stderr, "gap_store_site: a site was not rewritten\n");
		return 1;
	}
	if (!strcmp(want, "plain") && (robust_site[0] != 0xb8 || setfs_site[0] != 0xb8)) {
		fprintf(stderr, "gap_store_site: a site changed without the rewriter\n");
		return 1;
	}
	puts("gap_store_site ok");
	return 0;
}
