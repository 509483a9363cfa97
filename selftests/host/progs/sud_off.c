// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Switches Syscall User Dispatch off for itself, then makes a known
 * number of getppid calls (argv[1], default 777). Under cse the runtime
 * must keep interposing (the trace count must still see every call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#endif

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 777;
	pid_t pp = getppid();
	long bad = 0;
	int r = prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);

	for (long i = 1; i < n; i++)
		if (getppid() != pp)
			bad++;
	printf("prctl=%d calls=%ld bad=%ld\n", r, n, bad);
	return bad ? 1 : 0;
}
