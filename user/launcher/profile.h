/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Element settings from flags and profiles (profile.c).
 *
 * Every element flag (a row of the option table) and every key of a
 * profile section becomes one setting. When parsing ends, the settings are
 * resolved (the command line beats the profile; otherwise the last one
 * wins), checked, converted (--time-offset +1d -> offset=86400000000000)
 * and appended to their element's argument list, or printed as a profile.
 */
#ifndef CSE_PROFILE_H
#define CSE_PROFILE_H

#include <stdio.h>

#include "launcher.h"

/* From the command line: value is NULL for a flag without an argument. */
void cse_setting_add(const struct cse_flag *f, const char *value);

/* --profile FILE: loads its sections (elements) and keys (settings). */
void cse_profile_load(struct cse_opts *o, const char *path);

/* Why a profile did not load: cse_profile_load() dies with status, the
 * message (malloc'd, after "cse-run: ") and the hint line when not NULL. */
struct cse_profile_error {
	int status;
	const char *hint;
	char *msg;
};

/* The parse step of cse_profile_load() (and the fuzz target's entry):
 * reads the profile from f, path naming it in messages. Returns 0, or -1
 * with *err filled in. Exits only when out of memory. */
int cse_profile_parse(struct cse_opts *o, FILE *f, const char *path,
		      struct cse_profile_error *err);

/* Forgets every setting added so far (cse_settings_finish() ends so). */
void cse_settings_clear(void);

/* End of parsing: resolve, check, convert and apply; with --print-profile
 * print the effective profile and exit 0. */
void cse_settings_finish(struct cse_opts *o);

/* The value checks shared with the fuzz target; NULL when fine. */
const char *cse_setting_value_error(const char *flag, const char *value, char *buf,
				    size_t size);

#endif /* CSE_PROFILE_H */
