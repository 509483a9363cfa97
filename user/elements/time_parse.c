// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Durations, dates and scale factors for the time element's settings
 * (--time-offset, --time-at, --time-freeze, --time-scale), parsed in its
 * setup(). Freestanding (no libc): it runs inside the application; the
 * fuzz target (selftests/host/fuzz/time_parse_fuzz.c) builds it on the host.
 *
 * Integer arithmetic only, every step overflow-checked: a value that does
 * not fit a signed 64-bit nanosecond count is "out of range", never wrapped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <cse/services.h>

#include "time_parse.h"

#define NS_PER_SEC 1000000000LL

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits at *p into *v; returns how many were read, -1 on overflow. */
static int digits(const char **p, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (is_digit(**p)) {
		if (__builtin_mul_overflow(*v, 10, v) || __builtin_add_overflow(*v, **p - '0', v))
			return -1;
		(*p)++;
		n++;
	}
	return n;
}

/* Exactly n digits at *p. */
static bool fixed(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* ".123456789" -> nanoseconds; more than 9 digits are refused. */
static int fraction(const char **p, int64_t *ns, const char **why)
{
	int64_t v = 0, mul = NS_PER_SEC;

	*ns = 0;
	if (**p != '.')
		return 0;
	(*p)++;
	if (!is_digit(**p)) {
		*why = "digits expected after '.'";
		return -1;
	}
	while (is_digit(**p)) {
		if (mul == 1) {
			*why = "more than 9 decimals";
			return -1;
		}
		mul /= 10;
		v += (**p - '0') * mul;
		(*p)++;
	}
	*ns = v;
	return 0;
}

int cse_parse_duration(const char *s, int64_t *ns, const char **why)
{
	static const struct { const char *name; int64_t ns; } units[] = {
		{ "ms", 1000000LL }, { "us", 1000LL }, { "ns", 1LL },
		{ "y", 365 * 86400 * NS_PER_SEC }, { "w", 7 * 86400 * NS_PER_SEC },
		{ "d", 86400 * NS_PER_SEC }, { "h", 3600 * NS_PER_SEC },
		{ "m", 60 * NS_PER_SEC }, { "s", NS_PER_SEC },
	};
	bool neg = false;
	int64_t total = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s) {
		*why = "empty duration";
		return -1;
	}
	while (*s) {
		int64_t n, part;
		size_t u;
		int nd = digits(&s, &n);

		if (nd < 0) {
			*why = "out of range";
			return -1;
		}
		if (nd == 0) {
			*why = "a number expected (e.g. +365d, -2h30m, 90s)";
			return -1;
		}
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			if (!cse_strncmp(s, units[u].name, cse_strlen(units[u].name)))
				break;
		if (u == sizeof(units) / sizeof(units[0])) {
			*why = *s ? "unknown unit (use y, w, d, h, m, s, ms, us, ns)"
				  : "missing unit (use y, w, d, h, m, s, ms, us, ns)";
			return -1;
		}
		s += cse_strlen(units[u].name);
		if (__builtin_mul_overflow(n, units[u].ns, &part) ||
		    __builtin_add_overflow(total, part, &total)) {
			*why = "out of range";
			return -1;
		}
	}
	*ns = neg ? -total : total;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar:
 * count from March so the leap day ends each 4/100/400-year cycle. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

static int parse_unix(const char *s, int64_t *ns, const char **why)
{
	bool neg = false;
	int64_t sec, frac, v;
	int nd;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	nd = digits(&s, &sec);
	if (nd <= 0) {
		*why = nd < 0 ? "out of range" : "seconds expected after '@'";
		return -1;
	}
	if (fraction(&s, &frac, why))
		return -1;
	if (*s) {
		*why = "trailing characters after @SECONDS";
		return -1;
	}
	if (__builtin_mul_overflow(sec, NS_PER_SEC, &v) || __builtin_add_overflow(v, frac, &v)) {
		*why = "out of range (the years 1678 to 2261 are representable)";
		return -1;
	}
	*ns = neg ? -v : v;
	return 0;
}

int cse_parse_date(const char *s, int64_t *ns, const char **why)
{
	int year, mon, day, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
	int64_t frac = 0, sec, v;

	if (*s == '@')
		return parse_unix(s + 1, ns, why);
	if (!fixed(&s, 4, &year) || *s++ != '-' || !fixed(&s, 2, &mon) || *s++ != '-' ||
	    !fixed(&s, 2, &day)) {
		*why = "want YYYY-MM-DD[Thh:mm[:ss]][Z|+hh:mm] or @UNIXTIME";
		return -1;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon)) {
		*why = "no such day";
		return -1;
	}
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!fixed(&s, 2, &hh) || *s++ != ':' || !fixed(&s, 2, &mm)) {
			*why = "want hh:mm[:ss] after the date";
			return -1;
		}
		if (*s == ':') {
			s++;
			if (!fixed(&s, 2, &ss)) {
				*why = "want two digits of seconds";
				return -1;
			}
			if (fraction(&s, &frac, why))
				return -1;
		}
		if (hh > 23 || mm > 59 || ss > 60) {	/* 60: a leap second, read as :00 next minute */
			*why = "no such time of day";
			return -1;
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;

		bool ok = fixed(&s, 2, &zh);

		if (ok && *s == ':') {
			s++;
			ok = fixed(&s, 2, &zm);
		} else if (ok && is_digit(*s)) {
			ok = fixed(&s, 2, &zm);
		}
		if (!ok || zh > 23 || zm > 59) {
			*why = "bad zone offset (want Z, +hh:mm or -hhmm)";
			return -1;
		}
		zh *= sign;
		zm *= sign;
	}
	if (*s) {
		*why = "trailing characters after the date";
		return -1;
	}
	/* Local time minus the zone offset is UTC. */
	sec = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss -
	      (zh * 3600 + zm * 60);
	if (__builtin_mul_overflow(sec, NS_PER_SEC, &v) || __builtin_add_overflow(v, frac, &v)) {
		*why = "out of range (the years 1678 to 2261 are representable)";
		return -1;
	}
	*ns = v;
	return 0;
}

int cse_parse_scale(const char *s, int64_t *ppm, const char **why)
{
	int64_t whole, part = 0, mul = 1000000;
	int nd = digits(&s, &whole);

	if (nd <= 0) {
		*why = nd < 0 ? "out of range (at most 1000)" : "want a positive number such as 2 or 0.5";
		return -1;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s)) {
			*why = "digits expected after '.'";
			return -1;
		}
		while (is_digit(*s)) {
			if (mul == 1) {
				*why = "more than 6 decimals";
				return -1;
			}
			mul /= 10;
			part += (*s++ - '0') * mul;
		}
	}
	if (*s) {
		*why = "want a positive number such as 2 or 0.5";
		return -1;
	}
	if (whole > 1000 || (whole == 1000 && part)) {
		*why = "out of range (at most 1000)";
		return -1;
	}
	if (!whole && !part) {
		*why = "must be greater than 0 (use --time-freeze to stop the clock)";
		return -1;
	}
	*ppm = whole * 1000000 + part;
	return 0;
}
