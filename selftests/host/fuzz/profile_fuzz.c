// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for cse-run's --profile parser (user/launcher/profile.c
 * on libinih, with the element and value checks of options.c and
 * time_parse.c), through cse_profile_parse(): the parse step of --profile
 * that returns its error instead of exiting.
 *
 * Beyond "no crash, no sanitizer report":
 *   - a rejection has an exit status of 2 or 125 and a message; one
 *     naming a line names one that exists;
 *   - what loads is sane: at most CSE_RUN_ELEMENTS_MAX distinct elements
 *     with valid names, their arguments pass cse_element_args_error();
 *   - round trip: the elements and arguments written back as a profile
 *     ("[name]" and "args = ARGS", as --print-profile writes them) load
 *     to the same list, unless a line
 *     would be longer than a profile line may be, which must then be
 *     refused, never read in pieces (and unless a value holds " ;",
 *     which libinih keeps from an indented continuation line only);
 *   - the same text loads the same way twice (no state left behind).
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Iinclude/uapi \
 *       -Iuser/launcher selftests/host/fuzz/profile_fuzz.c \
 *       user/launcher/{profile,options,devices,status,time_parse}.c -linih
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"
#include "profile.h"

#define LINE_MAX_PROFILE 199	/* libinih's INI_MAX_LINE, less the NUL */
#define PATH "fuzz.ini"

static void opts_free(struct cse_opts *o)
{
	for (size_t i = 0; i < o->n_elements; i++) {
		free(o->elements[i].name);
		free(o->elements[i].args);
	}
	memset(o, 0, sizeof(*o));
}

static int load(const char *text, size_t size, struct cse_opts *o, struct cse_profile_error *err)
{
	FILE *f = fmemopen((void *)text, size, "r");
	int r;

	if (!f)
		abort();
	memset(o, 0, sizeof(*o));
	r = cse_profile_parse(o, f, PATH, err);
	fclose(f);
	cse_settings_clear();
	return r;
}

static int same(const struct cse_opts *a, const struct cse_opts *b)
{
	if (a->n_elements != b->n_elements)
		return 0;
	for (size_t i = 0; i < a->n_elements; i++) {
		const char *x = a->elements[i].args, *y = b->elements[i].args;

		if (strcmp(a->elements[i].name, b->elements[i].name) ||
		    !x != !y || (x && strcmp(x, y)))
			return 0;
	}
	return 1;
}

static void check_error(const struct cse_profile_error *err, const char *text, size_t size)
{
	size_t lines = 1;
	long line;
	char *end;

	if ((err->status != 2 && err->status != 125) || !err->msg || !*err->msg)
		abort();
	if (strncmp(err->msg, PATH ":", strlen(PATH ":")))
		return;	/* "too many elements" names no line */
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	line = strtol(err->msg + strlen(PATH ":"), &end, 10);
	if (*end == ':' && (line < 1 || (size_t)line > lines))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cse_opts a, b;
	struct cse_profile_error err, err2;
	char *text, *out = NULL;
	size_t outlen = 0;
	bool too_long = false, comment = false;
	FILE *f;
	int r;

	if (size > 8192)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	r = load(text, size, &a, &err);
	if (r) {
		check_error(&err, text, size);
		if (load(text, size, &b, &err2) != r || err2.status != err.status ||
		    strcmp(err2.msg, err.msg))
			abort();
		free(err.msg);
		free(err2.msg);
		opts_free(&a);
		opts_free(&b);
		free(text);
		return 0;
	}
	if (a.n_elements > CSE_RUN_ELEMENTS_MAX)
		abort();
	for (size_t i = 0; i < a.n_elements; i++) {
		if (!cse_valid_element_name(a.elements[i].name) ||
		    (a.elements[i].args && cse_element_args_error(a.elements[i].args)))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a.elements[i].name, a.elements[j].name))
				abort();
	}

	f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	for (size_t i = 0; i < a.n_elements; i++) {
		fprintf(f, "[%s]\n", a.elements[i].name);
		if (a.elements[i].args) {
			/* as --print-profile: " ;" would start a comment */
			fprintf(f, "args =%s%s\n", *a.elements[i].args == ';' ? "" : " ",
				a.elements[i].args);
			too_long = too_long || strlen(a.elements[i].args) + 7 > LINE_MAX_PROFILE;
			for (const char *p = a.elements[i].args; *p; p++)
				if (*p == ';' && p > a.elements[i].args && isspace((unsigned char)p[-1]))
					comment = true;
		}
	}
	fclose(f);
	r = load(out, outlen, &b, &err);
	if (comment) {
		/* libinih keeps " ;" in continuation lines only: no profile
		 * line can carry it back. */
		if (r)
			free(err.msg);
	} else if (too_long) {
		if (!r)
			abort();	/* a line too long must be refused */
		free(err.msg);
	} else if (r || !same(&a, &b)) {
		abort();
	}
	opts_free(&a);
	opts_free(&b);
	free(out);
	free(text);
	return 0;
}
