// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csectl helpers: one-line errors ("csectl: ...") with an optional
 * "hint: ..." line (the shared printer, user/common/diag.c), allocation that never returns NULL, strict number and
 * duration parsing, and SIGINT/SIGTERM handling for the long-running
 * commands (monitor, top), which must exit 0 when interrupted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csectl.h"

const char diag_program[] = "csectl";

static _Noreturn void oom(void)
{
	csectl_err("out of memory");
	exit(CSECTL_EXIT_FAILURE);
}

void *csectl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *csectl_xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		oom();
	q = realloc(p, n && size ? n * size : 1);
	if (!q)
		oom();
	return q;
}

/* Decimal only, no sign, no spaces, no overflow. Anything but digits is
 * -EINVAL, however long the digits before it: "not a number", never
 * "out of range". */
int csectl_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || s[strspn(s, "0123456789")])
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * A duration in seconds: digits with an optional fraction ("2", "0.5"),
 * optionally followed by "s" or "ms". Written by hand rather than with
 * strtod so that "1e3", "inf", "0x10", leading blanks and locales never
 * sneak in.
 */
int csectl_parse_seconds(const char *s, double min, double max, double *out)
{
	uint64_t ip = 0, frac = 0, scale = 1;
	const char *p = s;
	double v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (ip > 1000000000)
			return -ERANGE;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	v = (double)ip + (double)frac / (double)scale;
	if (!strcmp(p, "ms"))
		v /= 1000.0;
	else if (*p && strcmp(p, "s"))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

uint64_t csectl_now_ns(int clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t got_signal;
static sigset_t saved_mask;

static void on_signal(int sig)
{
	got_signal = sig;
}

/*
 * SIGINT and SIGTERM are blocked except while waiting in ppoll(), so a
 * signal can never slip in between the check and the wait.
 */
void csectl_signals_block(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &saved_mask);
	sigdelset(&saved_mask, SIGINT);
	sigdelset(&saved_mask, SIGTERM);
}

bool csectl_signalled(void)
{
	return got_signal != 0;
}

int csectl_wait(int fd, int64_t timeout_ns)
{
	uint64_t deadline = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (timeout_ns >= 0)
		deadline = csectl_now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ns;
	for (;;) {
		struct timespec ts, *tsp = NULL;
		int r;

		if (got_signal)
			return -1;
		if (timeout_ns >= 0) {
			uint64_t now = csectl_now_ns(CLOCK_MONOTONIC);
			uint64_t left = now < deadline ? deadline - now : 0;

			if (!left)
				return 0;
			ts.tv_sec = (time_t)(left / 1000000000u);
			ts.tv_nsec = (long)(left % 1000000000u);
			tsp = &ts;
		}
		r = ppoll(&pfd, fd >= 0 ? 1 : 0, tsp, &saved_mask);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* let the reader report the error */
	}
}
