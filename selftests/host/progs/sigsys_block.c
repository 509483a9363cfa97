// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Blocks SIGSYS (and every other signal), then makes system calls. An
 * interposer that traps through SIGSYS must still see and serve them.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	sigset_t all, old;
	char buf[16];
	int fd, bad = 0;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) < 0)
		return 2;
	for (int i = 0; i < 100; i++) {
		fd = open("/dev/zero", O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || buf[3])
			bad++;
		close(fd);
		if (getppid() <= 0)
			bad++;
	}
	if (sigprocmask(SIG_SETMASK, NULL, &old) < 0 || !sigismember(&old, SIGSYS))
		bad++;
	printf("blocked SIGSYS, 100 rounds, bad=%d\n", bad);
	return bad ? 1 : 0;
}
