// SPDX-License-Identifier: GPL-2.0
/*
 * sigaltstack as the kernel answers it, asked from a handler running on
 * the alternate stack and from outside: SS_ONSTACK, EPERM while on it,
 * ENOMEM, EINVAL, SS_DISABLE, SS_AUTODISARM, EFAULT. The runtime emulates
 * sigaltstack made by trap (its SIGSYS frame may sit on that stack).
 * Prints one line per check; the suite compares with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char alt[64 * 1024];
static volatile int onalt, flags_in, change_err;

static void handler(int sig)
{
	char here;
	stack_t o, n = { .ss_sp = alt, .ss_size = sizeof(alt) };

	(void)sig;
	onalt = (uintptr_t)&here - (uintptr_t)alt < sizeof(alt);
	sigaltstack(NULL, &o);
	flags_in = o.ss_flags;
	change_err = sigaltstack(&n, NULL) ? errno : 0;
}

static int try(const stack_t *ss)
{
	return sigaltstack(ss, NULL) ? errno : 0;
}

int main(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) }, o;
	stack_t small = { .ss_sp = alt, .ss_size = 100 };
	stack_t bad = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 77 };
	stack_t off = { .ss_flags = SS_DISABLE };
	stack_t autod = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = SS_AUTODISARM };
	struct sigaction sa;

	setvbuf(stdout, NULL, _IONBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);

	printf("set: %d\n", try(&ss));
	raise(SIGUSR1);
	printf("handler: on alt %d, flags %d, change %d\n", onalt, flags_in, change_err);
	sigaltstack(NULL, &o);
	printf("outside: flags %d, size ok %d\n", o.ss_flags, o.ss_size == sizeof(alt));
	printf("too small: %d\n", try(&small));
	printf("bad flags: %d\n", try(&bad));
	printf("disable: %d\n", try(&off));
	sigaltstack(NULL, &o);
	printf("disabled: flags %d size %zu\n", o.ss_flags, o.ss_size);
	onalt = -1;
	raise(SIGUSR1);
	printf("handler without alt stack: on alt %d\n", onalt);
	printf("autodisarm: %d\n", try(&autod));
	raise(SIGUSR1);
	printf("handler: on alt %d, flags %#x, change %d\n", onalt, flags_in, change_err);
	sigaltstack(NULL, &o);
	printf("after: flags %#x\n", o.ss_flags);
	printf("bad pointer: %d\n", try((const stack_t *)8));
	return 0;
}
