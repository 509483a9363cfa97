// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec_loop PATH N: execs PATH (itself) with N-1 until N is 0, checking
 * that the pid stays the same across every exec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char next[24], pid[24];
	long n;

	if (argc < 3)
		return 2;
	n = strtol(argv[2], NULL, 10);
	if (argc == 4 && strtol(argv[3], NULL, 10) != (long)getpid()) {
		printf("pid changed at n=%ld\n", n);
		return 1;
	}
	if (n <= 0) {
		printf("exec loop done\n");
		return 0;
	}
	snprintf(next, sizeof(next), "%ld", n - 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	execl(argv[1], argv[0], argv[1], next, pid, (char *)NULL);
	perror("execl");
	return 3;
}
