// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Installs its own SIGSYS handler and raises SIGSYS: the application's
 * handler must run (an interposer owning SIGSYS must forward it), with
 * si_code SI_TKILL, and system calls made in the handler must work.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t ran, code_ok, pid_ok;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	ran = sig == SIGSYS;
	code_ok = si->si_code == SI_TKILL || si->si_code == SI_USER;
	pid_ok = getpid() > 0;
}

int main(void)
{
	struct sigaction sa, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return 2;
	if (sigaction(SIGSYS, NULL, &cur) < 0 || cur.sa_sigaction != on_sys)
		return 3;
	raise(SIGSYS);
	printf("handler ran=%d code_ok=%d pid_ok=%d\n", ran, code_ok, pid_ok);
	return ran && code_ok && pid_ok ? 0 : 1;
}
