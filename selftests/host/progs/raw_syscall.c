// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * System calls made with raw `syscall` instructions in inline asm (not
 * through libc): getpid must equal libc's getpid, write must write.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	static const char msg[] = "raw write ok\n";
	int bad = 0;

	for (int i = 0; i < 1000; i++)
		if (raw3(SYS_getpid, 0, 0, 0) != getpid())
			bad++;
	if (raw3(SYS_getppid, 0, 0, 0) != getppid())
		bad++;
	fflush(stdout);
	if (raw3(SYS_write, 1, (long)msg, (long)strlen(msg)) != (long)strlen(msg))
		bad++;
	if (raw3(SYS_close, 999, 0, 0) != -9 /* -EBADF */)
		bad++;
	printf("raw getpid matches libc: bad=%d\n", bad);
	return bad ? 1 : 0;
}
