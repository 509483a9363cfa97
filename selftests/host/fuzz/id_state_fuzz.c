// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the id element's --id-state parser
 * (user/elements/id_statefile.c). Every input must either be rejected
 * with a line number and a reason, or be accepted; an accepted file must
 * survive format -> parse unchanged (the saver writes what the loader
 * reads). Built by selftests/host/id.t with clang -fsanitize=fuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"

#define MAXREC 4096

struct sink {
	struct id_record r[MAXREC];
	size_t n;
};

static int add(void *ctx, const struct id_record *r, const char **why)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].dev == r->dev && s->r[i].ino == r->ino) {
			*why = "duplicate";
			return -1;
		}
	}
	if (s->n == MAXREC) {
		*why = "full";
		return -1;
	}
	s->r[s->n++] = *r;
	return 0;
}

static int same(const struct id_record *x, const struct id_record *y)
{
	return x->dev == y->dev && x->ino == y->ino && x->rdev == y->rdev &&
	       x->uid == y->uid && x->gid == y->gid && x->mode == y->mode;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sink a, b;
	static char out[MAXREC * ID_STATE_LINE_MAX + 64];
	unsigned int line = 0;
	const char *why = NULL;
	size_t n;

	a.n = b.n = 0;
	if (id_statefile_parse((const char *)data, size, add, &a, &line, &why)) {
		if (!why || !*why || (line == 0 && size <= ID_STATE_MAX_BYTES))
			abort();	/* a rejection always says where and why */
		return 0;
	}
	n = strlen(ID_STATE_HEADER);
	memcpy(out, ID_STATE_HEADER, n);
	for (size_t i = 0; i < a.n; i++) {
		size_t k = id_statefile_format(out + n, sizeof(out) - n, &a.r[i]);

		if (k >= ID_STATE_LINE_MAX || k >= sizeof(out) - n)
			abort();
		n += k;
	}
	if (id_statefile_parse(out, n, add, &b, &line, &why) || b.n != a.n)
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (!same(&a.r[i], &b.r[i]))
			abort();
	/* One spelling per value: the accepted input is the canonical text. */
	if (n != size || memcmp(out, data, n))
		abort();
	return 0;
}
