// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Allocation that cannot fail (cse-oci ends with a logged error) and string lists. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

void *oci_xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		oci_die("out of memory");
	return p;
}

char *oci_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oci_die("out of memory");
	return p;
}

char *oci_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oci_die("out of memory");
	return s;
}

/* Keeps v NULL-terminated, so it can be an argv or envp as it is. */
void strv_add(struct strv *s, char *owned)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			oci_die("out of memory");
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

void strv_addf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oci_die("out of memory");
	strv_add(s, p);
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
