// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * --device PATH[:r|w|rw]: device grants for the application's instance in
 * cse.ko. The node is looked up now (following symlinks) so the grant
 * names the device itself (type, major:minor), not a path the application
 * could later swap. Granting the same device twice joins the access
 * modes. The dev element, added with the first grant, makes every device
 * open inside the application go through the module's broker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "launcher.h"

static _Noreturn void bad_device(const char *spec, const char *why)
{
	cse_err("--device %s: %s", spec, why);
	cse_hint("--device takes PATH[:r|w|rw], PATH being a character or block device node");
	exit(CSE_EXIT_USAGE);
}

/* r, w or rw (or wr) as CSE_ACCESS_* bits; 0 for anything else. */
static unsigned int parse_access(const char *a)
{
	if (!strcmp(a, "r"))
		return CSE_ACCESS_READ;
	if (!strcmp(a, "w"))
		return CSE_ACCESS_WRITE;
	if (!strcmp(a, "rw") || !strcmp(a, "wr"))
		return CSE_ACCESS_READ | CSE_ACCESS_WRITE;
	return 0;
}

/*
 * The text of a spec: the last ':' starts MODE when something follows it
 * and that has no '/' (so "/dev/odd:name/x" and "/dev/x:" are paths).
 */
const char *cse_device_spec_parse(const char *spec, char **path, unsigned int *access)
{
	const char *colon = strrchr(spec, ':');

	*path = NULL;
	*access = CSE_ACCESS_READ | CSE_ACCESS_WRITE;
	if (colon && colon[1] && !strchr(colon, '/')) {
		*access = parse_access(colon + 1);
		if (!*access)
			return "access must be r, w or rw";
		if (colon == spec)
			return "empty path";
		*path = cse_xasprintf("%.*s", (int)(colon - spec), spec);
	} else {
		if (!*spec)
			return "empty path";
		*path = cse_xstrdup(spec);
	}
	return NULL;
}

void cse_device_grant(struct cse_opts *o, const char *spec)
{
	unsigned int access;
	struct cse_dev_grant g;
	struct stat st;
	const char *bad;
	char *path;

	bad = cse_device_spec_parse(spec, &path, &access);
	if (bad)
		bad_device(spec, bad);
	if (stat(path, &st) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", strerror(errno));
		free(path);
		bad_device(spec, why);
	}
	free(path);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		bad_device(spec, "not a device node");

	memset(&g, 0, sizeof(g));
	g.type = S_ISCHR(st.st_mode) ? CSE_DEV_CHAR : CSE_DEV_BLOCK;
	g.major = major(st.st_rdev);
	g.minor = minor(st.st_rdev);
	g.access = access;
	for (size_t i = 0; i < o->n_grants; i++) {
		struct cse_dev_grant *h = &o->grants[i];

		if (h->type == g.type && h->major == g.major && h->minor == g.minor) {
			h->access |= g.access;
			return;
		}
	}
	if (o->n_grants == CSE_GRANTS_MAX)
		bad_device(spec, "too many devices (at most " CSE_STR(CSE_GRANTS_MAX) ")");
	o->grants[o->n_grants++] = g;
	cse_element_add(o, "dev");
}
