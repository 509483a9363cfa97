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
 *     with valid names;
 *   - round trip: the elements and settings written back as a profile
 *     (cse_settings_print, what --print-profile writes) load to the same
 *     elements and the same setting records, unless a line
 *     would be longer than a profile line may be, which must then be
 *     refused, never read in pieces (and unless a value holds " ;",
 *     which libinih keeps from an indented continuation line only);
 *   - the same text loads the same way twice (no state left behind).
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Iinclude/uapi \
 *       -Iuser/launcher selftests/host/fuzz/profile_fuzz.c \
 *       user/launcher/{profile,options,devices,status,eltables}.c -linih
 *
 * Keys come from the build's elements (build/lib/cse, or $CSE_FUZZ_LIBDIR).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cse/state.h>

#include "launcher.h"
#include "profile.h"

#define LINE_MAX_PROFILE 199	/* libinih's INI_MAX_LINE, less the NUL */
#define PATH "fuzz.ini"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)argc;
	(void)argv;
	if (n <= 0)
		abort();
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	if (getenv("CSE_FUZZ_LIBDIR")) {
		cse_set_libdir(getenv("CSE_FUZZ_LIBDIR"));
	} else {
		char *dir = cse_xasprintf("%s/../../lib/cse", exe);	/* $HT/fuzz/TARGET */

		cse_set_libdir(dir);
		free(dir);
	}
	return 0;
}

static void opts_free(struct cse_opts *o)
{
	for (size_t i = 0; i < o->n_elements; i++)
		free(o->elements[i].name);
	memset(o, 0, sizeof(*o));
}

/* Parses text; the settings stay until cse_settings_clear(). */
static int load(const char *text, size_t size, struct cse_opts *o, struct cse_profile_error *err)
{
	FILE *f = fmemopen((void *)text, size, "r");
	int r;

	if (!f)
		abort();
	memset(o, 0, sizeof(*o));
	r = cse_profile_parse(o, f, PATH, err);
	fclose(f);
	return r;
}

static char recs_a[1 << 17], recs_b[1 << 17];

/* Drops the ORIGIN of each ELEMENT KEY VALUE ORIGIN record: line numbers
 * change when "args" is written back as keys. Returns the new length. */
static size_t strip_origins(char *r, size_t len)
{
	size_t in = 0, out = 0;

	for (int k = 0; in < len; k = (k + 1) % 4) {
		size_t n = strlen(r + in) + 1;

		if (k != 3) {
			memmove(r + out, r + in, n);
			out += n;
		}
		in += n;
	}
	return out;
}

/*
 * Regroups ELEMENT KEY VALUE records by element, in the elements' order,
 * keeping the order within each element: elements read only their own
 * settings, and --print-profile writes one section per element, so a
 * profile that comes back to an element later ([id] ... [time] ... [id])
 * loads back grouped.
 */
static void group_by_element(char *r, size_t len, const struct cse_opts *o)
{
	char *tmp = malloc(len ? len : 1);
	size_t out = 0;

	for (size_t e = 0; e < o->n_elements; e++) {
		for (size_t in = 0; in < len;) {
			size_t n1 = strlen(r + in) + 1;
			size_t n2 = strlen(r + in + n1) + 1;
			size_t n3 = strlen(r + in + n1 + n2) + 1;

			if (!strcmp(r + in, o->elements[e].name)) {
				memcpy(tmp + out, r + in, n1 + n2 + n3);
				out += n1 + n2 + n3;
			}
			in += n1 + n2 + n3;
		}
	}
	if (out != len)
		abort();	/* a setting of an element that is not loaded */
	memcpy(r, tmp, len);
	free(tmp);
}

static int same(const struct cse_opts *a, const struct cse_opts *b, size_t la, size_t lb)
{
	if (a->n_elements != b->n_elements || la != lb || memcmp(recs_a, recs_b, la))
		return 0;
	for (size_t i = 0; i < a->n_elements; i++)
		if (strcmp(a->elements[i].name, b->elements[i].name))
			return 0;
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
	size_t outlen = 0, la, lb;
	uint32_t na, nb;
	bool too_long = false, comment = false;
	FILE *f;
	int r;

	size_t items = 0;

	if (size > 8192)
		return 0;
	for (size_t i = 0; i < size; i++)
		items += data[i] == '\n' || data[i] == ',';
	if (items >= CSE_STATE_SETTINGS_MAX)
		return 0;	/* cse-run dies there: too many settings */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	r = load(text, size, &a, &err);
	if (r) {
		cse_settings_clear();
		check_error(&err, text, size);
		if (load(text, size, &b, &err2) != r || err2.status != err.status ||
		    strcmp(err2.msg, err.msg))
			abort();
		cse_settings_clear();
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
		if (!cse_valid_element_name(a.elements[i].name))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a.elements[i].name, a.elements[j].name))
				abort();
	}
	la = strip_origins(recs_a, cse_settings_records(recs_a, sizeof(recs_a), &na));
	group_by_element(recs_a, la, &a);
	f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	cse_settings_print(&a, f);
	fclose(f);
	cse_settings_clear();
	for (const char *p = out, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		too_long = too_long || (size_t)(nl - p) > LINE_MAX_PROFILE;
		const char *eq = memchr(p, '=', (size_t)(nl - p));

		for (const char *q = p + 1; q < nl; q++)
			comment = comment || (*q == ';' && isspace((unsigned char)q[-1]));
		/* libinih trims values: blanks around one cannot come back */
		if (eq && (nl[-1] == ' ' || nl[-1] == '\t' || (eq + 2 < nl && eq[1] == ' ' &&
							      isspace((unsigned char)eq[2]))))
			comment = true;
	}
	r = load(out, outlen, &b, &err);
	lb = strip_origins(recs_b, cse_settings_records(recs_b, sizeof(recs_b), &nb));
	group_by_element(recs_b, lb, &b);
	cse_settings_clear();
	if (comment) {
		/* libinih keeps " ;" in continuation lines only, and trims
		 * values: no profile line can carry those back. */
		if (r)
			free(err.msg);
	} else if (too_long) {
		if (!r)
			abort();	/* a line too long must be refused */
		free(err.msg);
	} else if (r || na != nb || !same(&a, &b, la, lb)) {
		abort();
	}
	opts_free(&a);
	opts_free(&b);
	free(out);
	free(text);
	return 0;
}
