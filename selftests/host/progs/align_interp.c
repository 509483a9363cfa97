// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * align_interp: a freestanding static-pie linked with 2 MiB PT_LOAD
 * alignment and used as another program's PT_INTERP; it only reports
 * whether it was loaded at a 2 MiB-aligned address (the kernel aligns
 * interpreters too) and exits.
 */
extern const char __ehdr_start[];

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	static const char yes[] = "interpreter load address 2 MiB-aligned: yes\n";
	static const char no[] = "interpreter load address 2 MiB-aligned: no\n";
	int ok = !((unsigned long)__ehdr_start & 0x1fffff);

	sys3(1 /* write */, 1, (long)(ok ? yes : no), ok ? sizeof(yes) - 1 : sizeof(no) - 1);
	sys3(231 /* exit_group */, 0, 0, 0);
	for (;;)
		;
}
