// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The cse-run profile of a container (state directory, profile.ini): the
 * elements and their settings mapped from config.json, then the
 * annotations
 *
 *   org.cse.<element>.<key>=VALUE      e.g. org.cse.uts.hostname=web1,
 *                                      org.cse.net.port=80:18080/tcp,
 *                                      org.cse.time.offset=+1d
 *
 * which set the key of the element's profile section (cse-run(1)) and
 * replace what config.json gave that key. A repeatable key takes several
 * values separated by ';' (org.cse.net.port=80:18080;443:18443). cse-run
 * itself checks elements, keys and values when create runs
 * `cse-run --profile FILE --print-profile`, so a bad annotation fails the
 * create with cse-run's message. Other org.cse.* names: org.cse.strict,
 * org.cse.keep-credentials (spec.c); any else is an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

void oci_profile_add(struct oci_profile *pr, const char *section, const char *key,
		     const char *value)
{
	strv_addf(&pr->lines, "%s\t%s\t%s", section, key, value);
}

/* Drops every value of SECTION's KEY. */
void oci_profile_drop(struct oci_profile *pr, const char *section, const char *key)
{
	size_t j = 0, ls = strlen(section), lk = strlen(key);

	for (size_t i = 0; i < pr->lines.n; i++) {
		char *l = pr->lines.v[i];

		if (!strncmp(l, section, ls) && l[ls] == '\t' && !strncmp(l + ls + 1, key, lk) &&
		    l[ls + 1 + lk] == '\t')
			free(l);
		else
			pr->lines.v[j++] = l;
	}
	pr->lines.n = j;
	if (pr->lines.v)
		pr->lines.v[j] = NULL;
}

static bool word(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

int oci_profile_annotations(struct oci_profile *pr, json_t *annotations)
{
	const char *name;
	json_t *v;

	json_object_foreach(annotations, name, v) {
		const char *rest, *dot, *value = json_string_value(v);
		char *section, *key, *copy, *save = NULL;

		if (strncmp(name, "org.cse.", 8))
			continue;
		rest = name + 8;
		if (!strcmp(rest, "strict") || !strcmp(rest, "keep-credentials"))
			continue;
		dot = strchr(rest, '.');
		if (!dot || !word(rest, (size_t)(dot - rest)) || !word(dot + 1, strlen(dot + 1))) {
			oci_error("annotation %s: not org.cse.<element>.<key>, org.cse.strict or org.cse.keep-credentials",
				  name);
			return -1;
		}
		if (!value || strpbrk(value, "\n\r")) {
			oci_error("annotation %s: the value must be one line of text", name);
			return -1;
		}
		section = strndup(rest, (size_t)(dot - rest));
		key = oci_xstrdup(dot + 1);
		copy = oci_xstrdup(value);
		oci_profile_drop(pr, section, key);
		for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save))
			oci_profile_add(pr, section, key, t);
		if (!*value)	/* "org.cse.trace.mode=" still loads the element */
			oci_profile_add(pr, section, "", "");
		free(section);
		free(key);
		free(copy);
	}
	return 0;
}

/* INI, one section per element in order of first appearance. */
int oci_profile_write(const struct oci_profile *pr, const char *path)
{
	FILE *f = fopen(path, "we");
	struct strv done = { 0 };

	if (!f) {
		oci_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fputs("# written by cse-oci from config.json and its org.cse.* annotations\n", f);
	for (size_t i = 0; i < pr->lines.n; i++) {
		size_t ls = strcspn(pr->lines.v[i], "\t");
		bool seen = false;

		for (size_t k = 0; k < done.n && !seen; k++)
			seen = strlen(done.v[k]) == ls && !strncmp(done.v[k], pr->lines.v[i], ls);
		if (seen)
			continue;
		strv_add(&done, strndup(pr->lines.v[i], ls));
		fprintf(f, "%s[%.*s]\n", i ? "\n" : "", (int)ls, pr->lines.v[i]);
		for (size_t j = i; j < pr->lines.n; j++) {
			const char *l = pr->lines.v[j], *k = l + ls + 1, *t = strchr(k, '\t');

			if (strncmp(l, pr->lines.v[i], ls) || l[ls] != '\t' || t == k)
				continue;
			fprintf(f, "%.*s = %s\n", (int)(t - k), k, t + 1);
		}
	}
	strv_free(&done);
	if (fclose(f)) {
		oci_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void oci_profile_free(struct oci_profile *pr)
{
	strv_free(&pr->lines);
}
