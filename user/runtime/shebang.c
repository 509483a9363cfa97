// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's "#!" rule (binfmt_script), shared by exec re-entry (to
 * fail like the kernel before leaving the old image) and by the loader
 * (to start a script given as PROGRAM).
 *
 * The kernel looks at the first SHEBANG_MAX bytes, NUL-padded when the
 * file is shorter. The line ends at the first newline before any NUL;
 * without one it ends at byte SHEBANG_MAX - 1, and only if a blank or NUL
 * follows the interpreter's name (else the name may be cut: ENOEXEC).
 * Trailing blanks of the line are dropped; after "#!" and optional
 * blanks comes the interpreter, then, after its first blank, everything
 * up to the end of the line (or the first NUL) as one optional argument,
 * which may have been cut.
 */
#include "runtime.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* First non-blank in [p, last], or NULL. */
static const char *skip_blanks(const char *p, const char *last)
{
	for (; p <= last; p++)
		if (!blank(*p))
			return p;
	return NULL;
}

/* First blank or NUL in [p, last], or NULL. */
static const char *find_end(const char *p, const char *last)
{
	for (; p <= last; p++)
		if (blank(*p) || !*p)
			return p;
	return NULL;
}

/* [s, e) up to its first NUL, as a string into out. */
static void copy_word(char *out, const char *s, const char *e)
{
	size_t n = 0;

	while (s + n < e && s[n])
		n++;
	memcpy(out, s, n);
	out[n] = 0;
}

long shebang_parse(const char *head, long len, struct shebang *sb)
{
	char buf[SHEBANG_MAX];
	const char *last = buf + SHEBANG_MAX - 1;
	const char *end = NULL, *name, *sep, *arg = NULL;

	sb->interp[0] = 0;
	sb->arg[0] = 0;
	sb->has_arg = 0;
	if (len > SHEBANG_MAX)
		len = SHEBANG_MAX;
	memset(buf, 0, sizeof(buf));
	if (len > 0)
		memcpy(buf, head, (size_t)len);
	if (buf[0] != '#' || buf[1] != '!')
		return -K_ENOEXEC;	/* not a script */
	for (const char *p = buf; p < buf + SHEBANG_MAX && *p; p++) {
		if (*p == '\n') {
			end = p;
			break;
		}
	}
	if (!end) {
		end = skip_blanks(buf + 2, last);
		if (!end || !find_end(end, last))
			return -K_ENOEXEC;	/* all blanks, or the name may be cut */
		end = last;
	}
	while (blank(end[-1]))
		end--;
	name = skip_blanks(buf + 2, end);
	if (!name || name == end)
		return -K_ENOEXEC;	/* "#!" and nothing */
	sep = find_end(name, end);
	if (sep && *sep)
		arg = skip_blanks(sep, end);
	copy_word(sb->interp, name, sep && sep < end ? sep : end);
	if (arg) {
		copy_word(sb->arg, arg, end);
		sb->has_arg = 1;
	}
	return 0;
}

/*
 * The "#!" walker's one step, shared by exec re-entry (exec_check.c) and
 * the loader (script.c): sb keeps the interpreter as the script wrote it
 * (the interpreter's argv[0]); path gets the file to open, the
 * interpreter looked up through the path stage, which a guest path needs.
 * stage_buf: 2 * PATHSTAGE_MAX bytes.
 */
long shebang_step(const char *head, long len, struct shebang *sb, char *path,
		  size_t size, char *stage_buf)
{
	int dirfd = -100;	/* AT_FDCWD: the kernel opens it so */
	long r = shebang_parse(head, len, sb);
	size_t n;

	if (r < 0)
		return r;
	n = strlen(sb->interp);
	if (n >= size)
		return -36;	/* ENAMETOOLONG */
	memcpy(path, sb->interp, n + 1);
	r = pathstage_resolve_inplace(__NR_execve, &dirfd, path, size,
				      CSE_PATH_EXEC | CSE_PATH_READ, stage_buf);
	if (r == 0 && dirfd != -100 && path[0] != '/')
		return -22;	/* EINVAL: relative to a dirfd nobody opens it with */
	return r;
}
