// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the time element's parsers (user/elements/time_parse.c,
 * freestanding, built here on the host).
 *
 * Beyond "no crash, no sanitizer report" it checks round trips: a
 * duration that parses to N must parse back from "<N>ns", a date that
 * parses to T must parse back from "@<seconds>.<nanoseconds>", and a
 * scale must be within (0, 1000] x 1e6 ppm.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iuser/elements -Iinclude \
 *       selftests/host/fuzz/time_parse_fuzz.c user/elements/time_parse.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "time_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], back[64];
	const char *why = NULL;
	int64_t v, w;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (cse_parse_duration(s, &v, &why) == 0) {
		/* v is never INT64_MIN: the parser negates a non-negative total. */
		snprintf(back, sizeof(back), "%s%lldns", v < 0 ? "-" : "",
			 (long long)(v < 0 ? -v : v));
		if (cse_parse_duration(back, &w, &why) || w != v)
			abort();
	} else if (!why || !*why) {
		abort();	/* every failure names its reason */
	}
	why = NULL;
	if (cse_parse_date(s, &v, &why) == 0) {
		long long sec = v / 1000000000, ns = v % 1000000000;

		if (ns < 0)	/* "@-1.5" means -1.5 s: keep both parts negative-free */
			snprintf(back, sizeof(back), "@-%lld.%09lld", -sec, -ns);
		else
			snprintf(back, sizeof(back), "@%lld.%09lld", sec, ns);
		if (cse_parse_date(back, &w, &why) || w != v)
			abort();
	} else if (!why || !*why) {
		abort();
	}
	why = NULL;
	if (cse_parse_scale(s, &v, &why) == 0) {
		if (v <= 0 || v > 1000000000LL)
			abort();
	} else if (!why || !*why) {
		abort();
	}
	return 0;
}
