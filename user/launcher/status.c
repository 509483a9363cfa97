// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Error reporting for cse-run: one line naming the problem, prefixed with
 * "cse-run: ", optionally followed by one "hint: " line (the shared printer
 * of user/common/diag.c); exit statuses are the CSE_EXIT_* values of
 * launcher.h.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

bool cse_verbose;

const char diag_program[] = "cse-run";

void cse_info(const char *fmt, ...)
{
	va_list ap;

	if (!cse_verbose)
		return;
	va_start(ap, fmt);
	diag_verr(fmt, ap);
	va_end(ap);
}

_Noreturn void cse_die(int status, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verr(fmt, ap);
	va_end(ap);
	if (hint)
		diag_hint("%s", hint);
	exit(status);
}

void *cse_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	return p;
}

char *cse_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(cse_xmalloc(n), s, n);
}

char *cse_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	return s;
}
