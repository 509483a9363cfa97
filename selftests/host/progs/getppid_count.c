// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Makes exactly argv[1] (default 1237) getppid system calls and no
 * other getppid: the trace element's summary must count exactly that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1237;
	long sum = 0;

	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getppid) > 0;
	printf("getppid calls: %ld\n", sum);
	return sum == n ? 0 : 1;
}
