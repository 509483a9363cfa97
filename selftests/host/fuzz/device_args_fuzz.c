// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for cse-run's small command-line parsers:
 *   - --device PATH[:r|w|rw]  (cse_device_spec_parse, user/launcher/devices.c)
 *   - -e NAME[=ARGS]          (cse_valid_element_name, cse_element_args,
 *                              user/launcher/options.c, profile.c), against
 *                              the installed elements' option tables
 *                              (build/lib/cse, read by eltables.c)
 *
 * Invariants checked:
 *   - a device spec either fails with a reason and no path, or gives a
 *     non-empty path and access r, w or rw; PATH:MODE written back parses
 *     to the same path and access; without a MODE the path is the spec;
 *   - a valid element name is 1..15 of [a-z0-9_-] starting with [a-z0-9];
 *   - accepted arguments have no control character and no empty item;
 *     two accepted argument lists joined with ',' are accepted too, and
 *     so is every item alone;
 *   - KEY=VALUE for every key of every element is accepted or refused as
 *     its kind says (INT: a decimal number; BOOL: true or false), and an
 *     accepted one gives exactly one setting record with that key.
 *
 * Input: three NUL-separated strings A, B, C; A is also the device spec
 * and the flag value.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"
#include "profile.h"

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
	/* $HT/fuzz/TARGET: the build's elements are in build/lib/cse */
	if (getenv("CSE_FUZZ_LIBDIR")) {
		cse_set_libdir(getenv("CSE_FUZZ_LIBDIR"));
	} else {
		char *dir = cse_xasprintf("%s/../../lib/cse", exe);

		cse_set_libdir(dir);
		free(dir);
	}
	return 0;
}

static void check_device(const char *spec)
{
	unsigned int access, access2;
	char *path, *path2, *back;
	const char *why, *colon = strrchr(spec, ':');
	static const char *const modes[] = { NULL, "r", "w", "rw" };

	why = cse_device_spec_parse(spec, &path, &access);
	if (why) {
		if (!*why || path)
			abort();
		return;
	}
	if (!path || !*path || access < 1 || access > 3)
		abort();
	if (strcmp(path, spec) && !(colon && !strncmp(path, spec, (size_t)(colon - spec)) &&
				    !path[colon - spec]))
		abort();	/* the path is the spec, or what comes before the last ':' */
	back = cse_xasprintf("%s:%s", path, modes[access]);
	why = cse_device_spec_parse(back, &path2, &access2);
	if (why || strcmp(path, path2) || access != access2)
		abort();
	free(back);
	free(path);
	free(path2);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static void check_name(const char *s)
{
	size_t n = strlen(s);
	bool want = n >= 1 && n < CSE_ELEMENT_NAME_MAX && s[0] != '_' && s[0] != '-';

	for (size_t i = 0; i < n; i++)
		want = want && name_char(s[i]);
	if (cse_valid_element_name(s) != want)
		abort();
}

/* a accepted as ARGS of element el; leaves no setting behind. */
static bool args_ok(const char *el, const char *a)
{
	struct cse_opts o;
	const char *why;

	memset(&o, 0, sizeof(o));
	why = cse_element_args(&o, el, a, NULL, 0);
	cse_settings_clear();
	for (size_t i = 0; i < o.n_elements; i++)
		free(o.elements[i].name);
	return !why;
}

static void check_args(const char *a, const char *b)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);

	for (size_t e = 0; e < n; e++) {
		bool oa = args_ok(t[e].name, a), ob = args_ok(t[e].name, b);

		if (oa) {
			char *copy = strdup(a), *save = NULL;

			for (const char *p = a; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					abort();
			for (char *item = strtok_r(copy, ",", &save); item;
			     item = strtok_r(NULL, ",", &save))
				if (!args_ok(t[e].name, item))
					abort();
			free(copy);
		}
		if (oa && ob) {
			char *joined = cse_xasprintf("%s,%s", a, b);

			if (!args_ok(t[e].name, joined))
				abort();
			free(joined);
		}
	}
}

static bool want_value(const struct cse_option *opt, const char *v)
{
	const char *p = v + (*v == '-' || *v == '+');

	if (opt->kind == CSE_OPT_BOOL)
		return !strcmp(v, "true") || !strcmp(v, "false");
	if (opt->kind == CSE_OPT_INT)
		return *p && strspn(p, "0123456789") == strlen(p);
	return *v;
}

static void check_values(const char *val)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);
	char buf[8192];

	if (n < 4)
		abort();	/* the build's elements were not found */
	if (strchr(val, ',') || strlen(val) > 4000)
		return;
	for (size_t e = 0; e < n; e++) {
		for (size_t k = 0; k < t[e].nopts; k++) {
			const struct cse_option *opt = &t[e].opts[k];
			char *arg = cse_xasprintf("%s=%s", opt->key, val);
			struct cse_opts o;
			bool ctl = false;
			uint32_t nrec;
			size_t len;

			for (const char *p = val; *p; p++)
				ctl = ctl || (unsigned char)*p < 0x20 || *p == 0x7f;
			memset(&o, 0, sizeof(o));
			if (!cse_element_args(&o, t[e].name, arg, NULL, 0) != (want_value(opt, val) && !ctl))
				abort();
			len = cse_settings_records(buf, sizeof(buf), &nrec);
			if (nrec > 1 || (nrec && (strcmp(buf, t[e].name) ||
						  strcmp(buf + strlen(buf) + 1, opt->key))) ||
			    (nrec == 0 && len))
				abort();
			cse_settings_clear();
			for (size_t i = 0; i < o.n_elements; i++)
				free(o.elements[i].name);
			free(arg);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *a, *b, *c;
	size_t la, lb;

	if (size > 4096)
		return 0;
	s = malloc(size + 3);
	memcpy(s, data, size);
	memset(s + size, 0, 3);
	a = s;
	la = strlen(a);
	b = a + la + (la < size);
	lb = strlen(b);
	c = b + lb + ((size_t)(b - s) + lb < size);

	check_device(a);
	check_name(a);
	check_name(b);
	check_args(a, b);
	check_args(b, c);
	check_values(a);
	free(s);
	return 0;
}
