// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lib_sites: sites.t's program. Built with -DLIB -shared it is
 * libsites.so, whose lib_slots() runs 16 sites `mov $39,%eax; syscall`
 * (getpid), each once: text ld.so maps with mmap, not the loader, and
 * lib_alone() a getppid site alone on its page. Built
 * plain it is the program, linked against that library, printing whether
 * the slots returned the pid 16 times (read from /proc/self: no getpid
 * site of libc's counts) and the number of descriptors it has open (the
 * runtime's must never show). Arguments: "v" lists the descriptors, then
 * how many times to call lib_alone().
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef LIB
/* Each slot: the site, then nops; rdx sums the pids (syscall clobbers rcx). */
__asm__(".text\n.globl lib_slots\n.type lib_slots,@function\n.p2align 4\nlib_slots:\n"
	"xor %edx, %edx\n"
	".rept 16\n"
	"mov $39, %eax\n syscall\n add %rax, %rdx\n"
	".byte 0x90,0x90,0x90,0x90,0x90,0x90\n"
	".endr\n"
	"mov %rdx, %rax\n ret\n");
/* One getppid site alone on its page. */
__asm__(".text\n.globl lib_alone\n.type lib_alone,@function\n.p2align 12\nlib_alone:\n"
	"mov $110, %eax\n syscall\n ret\n"
	".p2align 12\n");
#else
long lib_slots(void);
long lib_alone(void);

int main(int argc, char **argv)
{
	long sum = lib_slots();

	/* argv[2]: how many times to call the lone site (no getppid()
	 * of libc's: the same parent each time) */
	for (long i = argc > 2 ? atol(argv[2]) : 0, ppid = 0; i > 0; i--) {
		long r = lib_alone();

		if (r <= 0 || (ppid && r != ppid))
			return 1;
		ppid = r;
	}
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int fds = 0;

	while (d && (e = readdir(d))) {
		fds += e->d_name[0] != '.';
		if (argc > 1 && argv[1][0] == 'v' && e->d_name[0] != '.')
			printf("fd %s\n", e->d_name);	/* to tell which one differs */
	}
	(void)argv;
	/* The pid without getpid(): the library's sites are the only ones. */
	char self[32] = "";

	if (readlink("/proc/self", self, sizeof(self) - 1) < 0)
		return 1;
	printf("slots %s, fds %d\n", sum == 16L * atol(self) ? "ok" : "wrong", fds);
	return 0;
}
#endif
