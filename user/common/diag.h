/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Messages of the command-line tools (cse-run, csectl): one error line
 * "PROGRAM: what went wrong", optionally followed by one "hint: what to
 * do" line, both on stderr after whatever stdout holds.
 *
 * Each tool defines diag_program[] (its name) in one of its own files,
 * so its library code and its unit tests print the same prefix.
 */
#ifndef CSE_DIAG_H
#define CSE_DIAG_H

#include <stdarg.h>

extern const char diag_program[];

void diag_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_verr(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void diag_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CSE_DIAG_H */
