/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Element settings from flags, -e NAME=ARGS and profiles (profile.c).
 *
 * Every element flag and every key of a profile section becomes one
 * setting: (element, key, value, origin). When parsing ends they are
 * resolved (the command line beats the profile; a key that is not
 * CSE_OPT_REPEAT, or the element's CSE_OPT_EXCLUSIVE group, may be given
 * once per source) and either printed as a profile (--print-profile) or
 * kept for the instance state, where the loader hands them to setup().
 * Checked here: the key exists and the value fits its kind; the element
 * checks the value itself in setup().
 */
#ifndef CSE_PROFILE_H
#define CSE_PROFILE_H

#include <stdio.h>

#include "launcher.h"

/* --FLAG [VALUE] from the command line (value NULL for CSE_OPT_BOOL). */
void cse_setting_flag(const char *element, const struct cse_option *opt, const char *value);

/* "KEY=VALUE,..." of -e NAME=ARGS (file NULL) or of a profile's "args"
 * key: adds the settings; NULL, or why not (then nothing is added). */
const char *cse_element_args(struct cse_opts *o, const char *element, const char *args,
			     const char *file, int line);

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

/* Forgets every setting added so far. */
void cse_settings_clear(void);

/* End of parsing: resolve; with --print-profile print the effective
 * profile and exit 0. */
void cse_settings_finish(struct cse_opts *o);

/* Writes the resolved settings as the state's records (include/cse/
 * state.h: ELEMENT KEY VALUE ORIGIN, NUL-terminated) to buf. Returns the
 * length; dies when they do not fit. */
size_t cse_settings_records(char *buf, size_t size, uint32_t *nrecords);

/* Writes the effective profile to f ("[element]" and "key = value"). */
void cse_settings_print(const struct cse_opts *o, FILE *f);

#endif /* CSE_PROFILE_H */
