// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's "#!" rule, shared by exec re-entry (to fail like the
 * kernel before leaving the old image) and by the loader (to start a
 * script given as PROGRAM): of the first SHEBANG_MAX bytes, "#!" then
 * optional blanks, the interpreter path, and everything after the next
 * blanks up to the newline (trailing blanks dropped) as one optional
 * argument. A line without a newline is accepted only when the
 * interpreter path ends inside the buffer; the argument may be cut.
 */
#include "runtime.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

long shebang_parse(const char *head, long len, struct shebang *sb)
{
	const char *end, *s, *e, *a;
	long i;

	sb->interp[0] = 0;
	sb->arg[0] = 0;
	sb->has_arg = 0;
	if (len > SHEBANG_MAX)
		len = SHEBANG_MAX;
	if (len < 2 || head[0] != '#' || head[1] != '!')
		return -8;	/* ENOEXEC: not a script */
	for (i = 2; i < len && head[i] != '\n' && head[i]; i++)
		;
	end = head + i;
	/* Trailing blanks never belong to the name or the argument. */
	while (end > head + 2 && blank(end[-1]))
		end--;
	for (s = head + 2; s < end && blank(*s); s++)
		;
	for (e = s; e < end && !blank(*e); e++)
		;
	if (e == s)
		return -8;	/* "#!" and nothing: ENOEXEC */
	if (e == head + len && len >= SHEBANG_MAX - 1)
		return -8;	/* the path runs past what the kernel reads */
	if (e - s >= (long)sizeof(sb->interp))
		return -36;	/* ENAMETOOLONG */
	memcpy(sb->interp, s, (size_t)(e - s));
	sb->interp[e - s] = 0;
	for (a = e; a < end && blank(*a); a++)
		;
	if (a < end) {
		memcpy(sb->arg, a, (size_t)(end - a));
		sb->arg[end - a] = 0;
		sb->has_arg = 1;
	}
	return 0;
}
