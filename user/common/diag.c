// SPDX-License-Identifier: GPL-2.0 OR MIT
/* One error and hint printer for cse-run and csectl (diag.h). */
#include <stdio.h>

#include "diag.h"

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);		/* the error comes after what was printed */
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void diag_verr(const char *fmt, va_list ap)
{
	fputs(diag_program, stderr);
	vline(": ", fmt, ap);
}

void diag_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verr(fmt, ap);
	va_end(ap);
}

void diag_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("hint: ", fmt, ap);
	va_end(ap);
}
