// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for cse-run's small command-line parsers:
 *   - --device PATH[:r|w|rw]  (cse_device_spec_parse, user/launcher/devices.c)
 *   - -e NAME[=ARGS]          (cse_valid_element_name, cse_element_args_error,
 *                              user/launcher/options.c)
 *   - element flag values     (cse_element_flag_error, cse_setting_value_error)
 *
 * Invariants checked:
 *   - a device spec either fails with a reason and no path, or gives a
 *     non-empty path and access r, w or rw; PATH:MODE written back parses
 *     to the same path and access; without a MODE the path is the spec;
 *   - a valid element name is 1..15 of [a-z0-9_-] starting with [a-z0-9];
 *   - accepted arguments have no control character and no empty item;
 *     two accepted argument lists joined with ',' (what repeated -e and
 *     profile "args" do) are accepted too, and so is every item alone;
 *   - a value accepted for an element flag gives element arguments
 *     (prefix + value) the element list accepts.
 *
 * Input: three NUL-separated strings A, B, C; A is also the device spec
 * and the flag value.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"
#include "profile.h"

/* Every element flag, as ELEMENT and profile KEY. */
static const char *const flags[][2] = {
	{ "trace", "trace" }, { "trace", "log" }, { "id", "uid" }, { "id", "gid" },
	{ "id", "root-id" }, { "id", "state" }, { "uts", "hostname" },
	{ "uts", "domainname" }, { "uts", "uname" }, { "time", "offset" },
	{ "time", "at" }, { "time", "freeze" }, { "time", "scale" },
};

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

static bool args_ok(const char *a)
{
	const char *why = cse_element_args_error(a);

	return !why;
}

static void check_args(const char *a, const char *b)
{
	bool oa = args_ok(a), ob = args_ok(b);

	if (oa) {
		char *copy = strdup(a), *save = NULL;

		for (const char *p = a; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
		for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
			if (!args_ok(item))
				abort();
		free(copy);
	}
	if (oa && ob) {
		char *joined = cse_xasprintf("%s,%s", a, b);

		if (!args_ok(joined))
			abort();
		free(joined);
	}
}

static void check_flags(const char *val)
{
	char buf[512];

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct cse_flag f;
		char *arg;

		if (!cse_element_flag(flags[i][0], flags[i][1], &f))
			abort();	/* the option table lost a flag */
		if (!f.has_arg) {
			if (!args_ok(f.prefix))
				abort();
			continue;
		}
		if (cse_element_flag_error(&f, val, buf, sizeof(buf)) ||
		    cse_setting_value_error(f.name, val, buf, sizeof(buf)))
			continue;
		arg = cse_xasprintf("%s%s", f.prefix, val);
		if (!args_ok(arg))
			abort();
		free(arg);
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
	check_flags(a);
	free(s);
	return 0;
}
