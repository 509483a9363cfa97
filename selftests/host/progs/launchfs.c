// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * launchfs: no libc, so nothing has set %fs when _start runs: exits 0
 * when its base is 0 there, as after the kernel's exec, else 1.
 */
#include <asm/prctl.h>
#include <asm/unistd.h>

static long sys2(long nr, long a, long b)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	unsigned long fs = 1;

	sys2(__NR_arch_prctl, ARCH_GET_FS, (long)&fs);
	sys2(__NR_exit, fs != 0, 0);
	__builtin_unreachable();
}
