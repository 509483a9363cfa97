// SPDX-License-Identifier: GPL-2.0
/*
 * One `mov %rsi,%rax; syscall` site used for many numbers: after the
 * first getppid the runtime rewrites it (register-number shape), so
 * later calls must still give the right results, and fork through the
 * same site must reach the stub's trapping tail (the runtime needs the
 * signal frame for it). Exit 0 when everything matches.
 *
 * With argument "patched" (or "plain") it also checks that the site's
 * bytes now are (or still are not) the rewriter's jmp.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static __attribute__((noinline)) long site(long a0, long nr)
{
	register long rdi __asm__("rdi") = a0;
	register long rsi __asm__("rsi") = nr;
	long ret;

	/* 48 89 f0 0f 05: the shape under test, spelled out */
	__asm__ volatile(".byte 0x48, 0x89, 0xf0, 0x0f, 0x05"
			 : "=a"(ret), "+r"(rdi), "+r"(rsi)
			 : : "rcx", "r11", "rdx", "memory");
	return ret;
}

/* 1 if site() holds `jmp; 0f 05`, 0 if the original, -1 if neither. */
static int site_state(void)
{
	const unsigned char *p = (const unsigned char *)site;

	for (int i = 0; i < 64; i++) {
		if (!memcmp(p + i, "\x48\x89\xf0\x0f\x05", 5))
			return 0;
		if (p[i] == 0xe9 && p[i + 3] == 0x0f && p[i + 4] == 0x05)
			return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	long ppid = getppid(), pid = getpid();
	int st = 0;

	for (int i = 0; i < 1000; i++) {
		if (site(0, SYS_getppid) != ppid || site(0, SYS_getpid) != pid) {
			fprintf(stderr, "dyn_site: wrong result at call %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < 3; i++) {
		long child = site(0, SYS_fork);

		if (child == 0)
			_exit(site(0, SYS_getppid) == pid ? 7 : 8);
		if (child < 0 || waitpid((pid_t)child, &st, 0) != child ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			fprintf(stderr, "dyn_site: fork through the site failed (%ld, %#x)\n",
				child, st);
			return 1;
		}
	}
	if (site(0, 99999) != -38) {
		fprintf(stderr, "dyn_site: unknown number is not ENOSYS\n");
		return 1;
	}
	if (argc > 1 && site_state() != !strcmp(argv[1], "patched")) {
		fprintf(stderr, "dyn_site: site is %s\n",
			site_state() == 1 ? "patched" : site_state() ? "unknown" : "plain");
		return 1;
	}
	puts("dyn_site ok");
	return 0;
}
