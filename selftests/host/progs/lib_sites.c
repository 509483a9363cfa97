// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lib_sites: sites.t's program. Built with -DLIB -shared it is
 * libsites.so, whose lib_slots() runs 16 sites `mov $39,%eax; syscall`
 * (getpid), each once: text ld.so maps with mmap, not the loader. Built
 * plain it is the program, linked against that library, printing what
 * the slots return and the number of descriptors it has open (the
 * runtime's must never show).
 */
#include <dirent.h>
#include <stdio.h>
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
#else
long lib_slots(void);

int main(int argc, char **argv)
{
	long sum = lib_slots();
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int fds = 0;

	while (d && (e = readdir(d))) {
		fds += e->d_name[0] != '.';
		if (argc > 1 && e->d_name[0] != '.')
			printf("fd %s\n", e->d_name);	/* to tell which one differs */
	}
	(void)argv;
	printf("slots %s, fds %d\n", sum == 16L * getpid() ? "ok" : "wrong", fds);
	return 0;
}
#endif
