// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.json's filesystem view -> the fs element's profile keys.
 *
 *   root.path          [fs] root (the bundle's rootfs, already mounted by
 *                      containerd or podman)
 *   root.readonly      every top-level entry of the root bound read-only
 *                      (the fs element refuses a bind at "/"); a new entry
 *                      directly in "/" could still be created
 *   bind, rbind        [fs] bind = SOURCE:DEST[:ro] (for a user that is not
 *                      root, the root and SOURCE are bound into the state
 *                      directory first: reach.c)
 *   tmpfs              a directory tmpfs/N in the state directory, bound at
 *                      DEST: shared by the init and exec'd processes, removed
 *                      by delete (mode= uid= gid= options honoured; size= not)
 *   tmpfs at /dev      the host's /dev (device access: the dev element)
 *   proc, sysfs,       the host's /proc, /sys, /dev/pts, /dev/mqueue,
 *   devpts, mqueue,    /sys/fs/cgroup (fs element defaults with a root):
 *   cgroup, cgroup2    bound at DEST when DEST differs; "ro" honoured
 *   maskedPaths        an empty file or an empty directory of the state
 *                      directory bound read-only
 *   readonlyPaths      bound read-only onto themselves
 *
 * /proc is the host's: programs see every process of the host (there is no
 * pid namespace), and /proc/self is their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

static bool has_option(json_t *opts, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(opts, i, o)
		if (json_is_string(o) && !strcmp(json_string_value(o), name))
			return true;
	return false;
}

/* NUMBER of a "KEY=NUMBER" option (base 8 for mode), or dflt. */
static long option_num(json_t *opts, const char *key, int base, long dflt)
{
	size_t i, n = strlen(key);
	json_t *o;

	json_array_foreach(opts, i, o) {
		const char *s = json_string_value(o);

		if (s && !strncmp(s, key, n) && s[n] == '=')
			return strtol(s + n + 1, NULL, base);
	}
	return dflt;
}

/* Where the host keeps what a special filesystem type shows. */
static const char *host_dir(const char *type)
{
	static const struct {
		const char *type, *dir;
	} t[] = {
		{ "proc", "/proc" }, { "sysfs", "/sys" }, { "devpts", "/dev/pts" },
		{ "mqueue", "/dev/mqueue" }, { "cgroup", "/sys/fs/cgroup" },
		{ "cgroup2", "/sys/fs/cgroup" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(type, t[i].type))
			return t[i].dir;
	return NULL;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* The host file behind guest PATH: /proc, /sys and /dev are the host's. */
static char *host_path(const struct oci_spec *s, const char *path)
{
	if (under(path, "/proc") || under(path, "/sys") || under(path, "/dev"))
		return oci_xstrdup(path);
	return oci_xasprintf("%s%s", s->view_rootfs, path);
}

static void bind(struct oci_profile *pr, const char *src, const char *dst, bool ro)
{
	char *v = oci_xasprintf("%s:%s%s", src, dst, ro ? ":ro" : "");

	oci_profile_add(pr, "fs", "bind", v);
	free(v);
}

static int tmpfs_dir(const char *state_dir, size_t n, json_t *opts, char **out)
{
	char *parent = oci_xasprintf("%s/tmpfs", state_dir);
	char *dir = oci_xasprintf("%s/%zu", parent, n);
	mode_t mode = (mode_t)option_num(opts, "mode", 8, 01777) & 07777;
	long uid = option_num(opts, "uid", 10, 0), gid = option_num(opts, "gid", 10, 0);

	/* 0711: a container user that is not root must reach its directories */
	if ((mkdir(parent, 0711) < 0 && errno != EEXIST) || mkdir(dir, 0700) < 0 ||
	    chmod(dir, mode) < 0 || (geteuid() == 0 && chown(dir, (uid_t)uid, (gid_t)gid) < 0)) {
		oci_error("cannot make the tmpfs directory %s: %s", dir, strerror(errno));
		free(parent);
		free(dir);
		return -1;
	}
	free(parent);
	*out = dir;
	return 0;
}

static int one_mount(struct oci_spec *s, const char *state_dir, size_t i, json_t *m,
		     struct oci_profile *pr)
{
	const char *dst = json_string_value(json_object_get(m, "destination"));
	const char *type = json_string_value(json_object_get(m, "type"));
	const char *src = json_string_value(json_object_get(m, "source"));
	json_t *opts = json_object_get(m, "options");
	bool ro = has_option(opts, "ro");
	const char *hd;
	char *dir;

	if (!dst || dst[0] != '/') {
		oci_error("config: mounts[%zu]: destination '%s' must be an absolute path", i,
			  dst ? dst : "(missing)");
		return -1;
	}
	if (!strcmp(dst, "/")) {
		oci_error("config: mounts[%zu]: a mount at / is not supported: use root.path", i);
		return -1;
	}
	if ((type && !strcmp(type, "bind")) || has_option(opts, "bind") || has_option(opts, "rbind")) {
		char *path;

		if (!src) {
			oci_error("config: mounts[%zu] (%s): a bind mount needs a source", i, dst);
			return -1;
		}
		path = src[0] == '/' ? oci_xstrdup(src) : oci_xasprintf("%s/%s", s->bundle, src);
		if (access(path, F_OK) < 0) {
			oci_error("config: mounts[%zu]: bind source %s: %s", i, path, strerror(errno));
			free(path);
			return -1;
		}
		if (s->reach) {
			char name[32], *r;

			snprintf(name, sizeof(name), "%zu", i);
			r = oci_reach(state_dir, name, path);
			free(path);
			if (!r)
				return -1;
			path = r;
		}
		bind(pr, path, dst, ro);
		free(path);
		return 0;
	}
	if (!type) {
		oci_error("config: mounts[%zu] (%s): type is missing", i, dst);
		return -1;
	}
	if (!strcmp(type, "tmpfs")) {
		if (!strcmp(dst, "/dev"))
			return 0;	/* the host's /dev: see the comment on top */
		if (tmpfs_dir(state_dir, i, opts, &dir) < 0)
			return -1;
		bind(pr, dir, dst, ro);
		free(dir);
		return 0;
	}
	hd = host_dir(type);
	if (hd) {
		if (strcmp(hd, dst) || ro)
			bind(pr, hd, dst, ro);
		return 0;
	}
	strv_addf(&s->unsupported, "mounts[%zu]: type %s at %s: not mounted", i,
		  type, dst);
	return 0;
}

/* root.readonly: the fs element takes no bind at "/", so bind each entry. */
static void readonly_root(const struct oci_spec *s, struct oci_profile *pr)
{
	DIR *d = opendir(s->view_rootfs);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *src, *dst;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "proc") || !strcmp(e->d_name, "sys") ||
		    !strcmp(e->d_name, "dev"))
			continue;
		src = oci_xasprintf("%s/%s", s->view_rootfs, e->d_name);
		dst = oci_xasprintf("/%s", e->d_name);
		bind(pr, src, dst, true);
		free(src);
		free(dst);
	}
	closedir(d);
}

int oci_mounts_map(struct oci_spec *s, const char *state_dir, struct oci_profile *pr)
{
	json_t *mounts = json_object_get(s->config, "mounts");
	json_t *linux_ = json_object_get(s->config, "linux");
	json_t *m;
	size_t i;
	char *empty, *nothing;
	int fd;

	s->view_rootfs = s->rootfs;
	if (s->reach && !(s->view_rootfs = oci_reach(state_dir, "rootfs", s->rootfs)))
		return -1;
	oci_profile_add(pr, "fs", "root", s->view_rootfs);
	/* before the mounts: a mount inside the root stays writable */
	if (json_is_true(json_object_get(json_object_get(s->config, "root"), "readonly")))
		readonly_root(s, pr);
	json_array_foreach(mounts, i, m)
		if (one_mount(s, state_dir, i, m, pr) < 0)
			return -1;
	/* not /dev/null: the fs element would then show /dev/null itself (an
	 * inherited stdin, say) under the masked path's name */
	empty = oci_xasprintf("%s/empty", state_dir);
	nothing = oci_xasprintf("%s/masked", state_dir);
	fd = open(nothing, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if ((mkdir(empty, 0555) < 0 && errno != EEXIST) || (fd < 0 && errno != EEXIST)) {
		oci_error("cannot make %s and %s: %s", empty, nothing, strerror(errno));
		free(empty);
		free(nothing);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	json_array_foreach(json_object_get(linux_, "maskedPaths"), i, m) {
		const char *p = json_string_value(m);
		struct stat sb;
		char *hp;

		if (!p || p[0] != '/')
			continue;
		hp = host_path(s, p);
		if (stat(hp, &sb) == 0)	/* absent: nothing to hide, as runc */
			bind(pr, S_ISDIR(sb.st_mode) ? empty : nothing, p, true);
		free(hp);
	}
	free(empty);
	free(nothing);
	json_array_foreach(json_object_get(linux_, "readonlyPaths"), i, m) {
		const char *p = json_string_value(m);
		char *hp;

		if (!p || p[0] != '/')
			continue;
		hp = host_path(s, p);
		if (access(hp, F_OK) == 0)
			bind(pr, hp, p, true);
		free(hp);
	}
	return 0;
}
