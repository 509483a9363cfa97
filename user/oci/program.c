// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * create fails when the program does not exist in the container's view,
 * as runc's does ("exec: "foo": executable file not found in $PATH"):
 * the orchestrator then reports a create error instead of a container
 * that starts and exits 127.
 *
 * The lookup follows what the fs element will show: process.args[0]
 * with a '/' is taken relative to process.cwd, else each directory of
 * the process's PATH; a guest path is the host path of the longest bind
 * destination that prefixes it, else the root's (/proc, /sys, /dev are the
 * host's); symbolic links are followed inside the view (40 at most). Only
 * a definite "not there" fails the create: anything the lookup cannot
 * tell (a permission error, a loop) is left to cse-run at start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

struct view {
	const char *root;
	const struct oci_profile *pr;
};

static bool under(const char *path, const char *dir, size_t n)
{
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* The host path of an absolute, normalised guest path. */
static char *host_of(const struct view *v, const char *g)
{
	const char *best_src = NULL;
	size_t best = 0;

	for (size_t i = 0; i < v->pr->lines.n; i++) {
		const char *l = v->pr->lines.v[i], *val, *colon;
		size_t n;

		if (strncmp(l, "fs\tbind\t", 8))
			continue;
		val = l + 8;
		colon = strchr(val, ':');
		if (!colon)
			continue;
		n = strcspn(colon + 1, ":");
		if (n > best && under(g, colon + 1, n)) {
			best = n;
			best_src = val;
		}
	}
	if (best_src) {
		const char *colon = strchr(best_src, ':');

		return oci_xasprintf("%.*s%s", (int)(colon - best_src), best_src, g + best);
	}
	if (under(g, "/proc", 5) || under(g, "/sys", 4) || under(g, "/dev", 4))
		return oci_xstrdup(g);
	return oci_xasprintf("%s%s", v->root, g);
}

/* 1: an executable file, 0: definitely absent, -1: cannot tell. */
static int lookup(const struct view *v, const char *guest)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX * 2];
	int links = 0;

	snprintf(rest, sizeof(rest), "%s", guest);
	for (;;) {
		char *p = rest, comp[NAME_MAX + 1], target[PATH_MAX], *host;
		struct stat sb;
		size_t n;
		ssize_t t;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			return 0;
		memcpy(comp, p, n);
		comp[n] = 0;
		memmove(rest, p + n, strlen(p + n) + 1);
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = 0;
			continue;
		}
		if (strlen(cur) + n + 2 > sizeof(cur))
			return -1;
		strcat(cur, "/");
		strcat(cur, comp);
		host = host_of(v, cur);
		if (lstat(host, &sb) < 0) {
			int e = errno;

			free(host);
			return e == ENOENT || e == ENOTDIR ? 0 : -1;
		}
		if (!S_ISLNK(sb.st_mode)) {
			free(host);
			if (!*rest)
				return S_ISREG(sb.st_mode) && (sb.st_mode & 0111) ? 1 : 0;
			continue;
		}
		t = readlink(host, target, sizeof(target) - 1);
		free(host);
		if (t <= 0 || ++links > 40)
			return -1;
		target[t] = 0;
		{
			size_t lt = strlen(target), lr = strlen(rest);

			if (lt + lr + 1 > sizeof(rest))
				return -1;
			memmove(rest + lt, rest, lr + 1);	/* TARGET then what is left */
			memcpy(rest, target, lt);
		}
		if (target[0] == '/')
			cur[0] = 0;
		else
			*strrchr(cur, '/') = 0;
	}
	return -1;	/* the root itself */
}

int oci_program_check(const struct oci_spec *s, const struct oci_profile *pr)
{
	const char *prog = s->proc.args.v[0], *path = NULL;
	struct view v = { s->view_rootfs, pr };
	char *copy, *dir, *save = NULL, *g;
	int r = 0, any = 0;

	if (!*prog) {
		oci_error("exec: \"\": executable file not found in $PATH");
		return -1;
	}
	if (strchr(prog, '/')) {
		g = prog[0] == '/' ? oci_xstrdup(prog) : oci_xasprintf("%s/%s", s->proc.cwd, prog);
		r = lookup(&v, g);
		free(g);
		if (r == 0) {
			oci_error("exec: \"%s\": no such file or directory (or not executable) in the container",
				  prog);
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < s->proc.env.n; i++)
		if (!strncmp(s->proc.env.v[i], "PATH=", 5))
			path = s->proc.env.v[i] + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	copy = oci_xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		g = dir[0] == '/' ? oci_xasprintf("%s/%s", dir, prog)
				  : oci_xasprintf("%s/%s/%s", s->proc.cwd, dir, prog);
		r = lookup(&v, g);
		free(g);
		if (r != 0) {
			any = 1;
			break;
		}
	}
	free(copy);
	if (!any) {
		oci_error("exec: \"%s\": executable file not found in $PATH", prog);
		return -1;
	}
	return 0;
}
