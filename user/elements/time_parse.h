/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Parsers for the time element's settings (time_parse.c). Each returns 0 and the value, or
 * -1 with *why set to a short reason ("unknown unit 'q'"). No allocation,
 * no locale, no global state: safe to fuzz (selftests/host/fuzz).
 */
#ifndef CSE_TIME_PARSE_H
#define CSE_TIME_PARSE_H

#include <stdint.h>

/* [+|-]N UNIT [N UNIT]...: units y (365 d), w, d, h, m, s, ms, us, ns.
 * "+365d", "-2h30m", "90s". Result in nanoseconds. */
int cse_parse_duration(const char *s, int64_t *ns, const char **why);

/* ISO 8601 "YYYY-MM-DD[(T| )hh:mm[:ss[.frac]]][Z|(+|-)hh[:]mm]" (no zone:
 * UTC) or "@SECONDS[.frac]". Result in nanoseconds since the epoch; the
 * representable range is 1678-2261. */
int cse_parse_date(const char *s, int64_t *ns, const char **why);

/* A positive decimal factor up to 1000 with at most 6 decimals ("2",
 * "0.5"); result in parts per million. */
int cse_parse_scale(const char *s, int64_t *ppm, const char **why);

#endif /* CSE_TIME_PARSE_H */
