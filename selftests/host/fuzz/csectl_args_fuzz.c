// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for csectl's command-line value parsers
 * (user/csectl/util.c, user/csectl/instance.c):
 *   csectl_parse_u64      numbers (top -n, instance ids)
 *   csectl_parse_seconds  durations (top -d: 0.1 .. 3600 s)
 *   csectl_parse_ref      ID|NAME|name=NAME
 *
 * Invariants: an accepted number is written back as the same digits
 * without leading zeros and parses to itself; an accepted duration
 * matches the grammar DIGITS[.DIGITS][s|ms], lies within the bounds and
 * agrees with strtod on the same digits; a reference by id is all digits
 * with that value, one by name is 1..63 printable bytes equal to the
 * argument (less "name=") and comes back from "name=NAME".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csectl.h"

#define TOP_MIN_S 0.1		/* as csectl.c's top */
#define TOP_MAX_S 3600.0

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void check_u64(const char *s)
{
	uint64_t v, w;
	char back[32];
	int r = csectl_parse_u64(s, &v);

	if (r) {
		if (r != -EINVAL && r != -ERANGE)
			abort();
		if (r == -ERANGE && (!digits(s) || strspn(s, "0") + 20 > strlen(s)))
			abort();	/* out of range needs 20 significant digits */
		return;
	}
	if (!digits(s))
		abort();
	snprintf(back, sizeof(back), "%" PRIu64, v);
	while (s[0] == '0' && s[1])
		s++;
	if (strcmp(back, s) || csectl_parse_u64(back, &w) || w != v)
		abort();
}

static void check_seconds(const char *s, double min, double max)
{
	size_t ip = strspn(s, "0123456789"), fp = 0, n;
	const char *unit;
	char num[300];
	double d, want;
	int r = csectl_parse_seconds(s, min, max, &d);

	if (s[ip] == '.')
		fp = 1 + strspn(s + ip + 1, "0123456789");
	unit = s + ip + fp;
	if (r) {
		if (r != -EINVAL && r != -ERANGE)
			abort();
		return;
	}
	if (!ip || fp == 1 || (*unit && strcmp(unit, "s") && strcmp(unit, "ms")))
		abort();	/* outside the grammar */
	if (!(d >= min && d <= max))
		abort();
	n = ip + fp;
	if (n >= sizeof(num))
		return;
	memcpy(num, s, n);
	num[n] = '\0';
	want = strtod(num, NULL);
	if (!strcmp(unit, "ms"))
		want /= 1000.0;
	/* The parser keeps 9 decimals; strtod keeps all. */
	if (fabs(d - want) > 1e-9 + 1e-12 * want)
		abort();
}

static void check_ref(const char *s)
{
	struct csectl_ref ref, back;
	char buf[CSE_NAME_MAX + 8];
	const char *name = strncmp(s, "name=", 5) ? s : s + 5;
	int r = csectl_parse_ref(s, &ref);

	if (r) {
		if (r != -EINVAL && r != -ERANGE && r != -ENAMETOOLONG)
			abort();
		return;
	}
	if (!ref.by_name) {
		uint64_t v;

		if (name != s || csectl_parse_u64(s, &v) || v != ref.id)
			abort();
		return;
	}
	if (name == s && s[0] >= '0' && s[0] <= '9')
		abort();	/* a leading digit means an id unless "name=" */
	if (strcmp(ref.name, name) || !*ref.name || strlen(ref.name) >= CSE_NAME_MAX)
		abort();
	for (const char *p = ref.name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			abort();
	snprintf(buf, sizeof(buf), "name=%s", ref.name);
	if (csectl_parse_ref(buf, &back) || !back.by_name || strcmp(back.name, ref.name))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	check_u64(s);
	check_seconds(s, TOP_MIN_S, TOP_MAX_S);
	check_seconds(s, 0, 1e12);
	check_ref(s);
	free(s);
	return 0;
}
