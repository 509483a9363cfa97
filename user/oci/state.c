// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The state store: one directory ROOT/ID per container (default ROOT
 * /run/cse-oci), holding
 *
 *   state.json   what later commands need (init pid and start time, bundle,
 *                cgroup leaf, watcher, profile, the process), replaced
 *                atomically (write a temporary file, fsync, rename)
 *   exec.fifo    exists from create until start: the init blocks on it
 *   profile.ini  the cse-run profile mapped from config.json
 *   tmpfs/N      the directories that stand for the config's tmpfs mounts
 *
 * A pid alone does not name a process for long: the init is identified by
 * its pid and its start time (/proc/PID/stat field 22), so a recycled pid
 * reads as "stopped", never as someone else's process.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

/* runc's rule: letters, digits, '_', '+', '-', '.'; not "." or "..". */
int oci_valid_id(const char *id)
{
	if (!*id || !strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
		return 0;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return 0;
	return 1;
}

char *oci_state_dir(const char *id)
{
	return oci_xasprintf("%s/%s", oci_g.root, id);
}

char *oci_fifo_path(const char *dir)
{
	return oci_xasprintf("%s/exec.fifo", dir);
}

unsigned long long oci_pid_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and ')': fields resume after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	/* p is field 3 (state); field 22 is 19 fields on; a zombie is gone */
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (int f = 3; f < 22 && p; f++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		t = strtoull(p, NULL, 10);
	return t;
}

bool oci_pid_alive(pid_t pid, unsigned long long start_time)
{
	return pid > 0 && start_time && oci_pid_start_time(pid) == start_time;
}

static int state_load(const char *id, struct oci_state *st, bool quiet_missing)
{
	json_error_t err;
	char *path;
	int fd;

	memset(st, 0, sizeof(*st));
	if (!oci_valid_id(id)) {
		oci_error("invalid container id '%s': use letters, digits, '_', '+', '-' and '.'",
			  id);
		return -1;
	}
	st->id = oci_xstrdup(id);
	st->dir = oci_state_dir(id);
	path = oci_xasprintf("%s/state.json", st->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && quiet_missing) {
		free(path);
		oci_state_free(st);
		return 1;
	}
	if (fd < 0) {
		if (errno == ENOENT && access(st->dir, F_OK) < 0)
			oci_error("container \"%s\" does not exist", id);
		else
			oci_error("container \"%s\": state file %s: %s", id, path, strerror(errno));
		free(path);
		oci_state_free(st);
		return -1;
	}
	st->j = json_loadfd(fd, 0, &err);
	close(fd);
	if (!st->j) {
		oci_error("container \"%s\": bad state file %s: %s", id, path, err.text);
		free(path);
		oci_state_free(st);
		return -1;
	}
	free(path);
	st->pid = (pid_t)json_integer_value(json_object_get(st->j, "pid"));
	st->start_time = (unsigned long long)json_integer_value(json_object_get(st->j, "start_time"));
	return 0;
}

int oci_state_load(const char *id, struct oci_state *st)
{
	return state_load(id, st, false);
}

/* For the watcher: a container deleted meanwhile (or a failed create) is no error. */
int oci_state_load_existing(const char *id, struct oci_state *st)
{
	return state_load(id, st, true);
}

int oci_state_save(const struct oci_state *st)
{
	char *tmp = oci_xasprintf("%s/.state.json.tmp", st->dir);
	char *path = oci_xasprintf("%s/state.json", st->dir);
	int fd, r = -1;

	json_object_set_new(st->j, "pid", json_integer(st->pid));
	json_object_set_new(st->j, "start_time", json_integer((json_int_t)st->start_time));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && !json_dumpfd(st->j, fd, JSON_INDENT(1) | JSON_PRESERVE_ORDER) &&
	    write(fd, "\n", 1) == 1 && !fsync(fd))
		r = 0;
	if (fd >= 0 && close(fd) < 0)
		r = -1;
	if (!r && rename(tmp, path) < 0)
		r = -1;
	if (r) {
		oci_error("cannot write the state file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return r;
}

void oci_state_free(struct oci_state *st)
{
	free(st->id);
	free(st->dir);
	json_decref(st->j);
	memset(st, 0, sizeof(*st));
}

enum oci_status oci_status(const struct oci_state *st)
{
	char *fifo;
	bool waiting;

	if (!st->pid)
		return OCI_CREATING;
	if (!oci_pid_alive(st->pid, st->start_time))
		return OCI_STOPPED;
	fifo = oci_fifo_path(st->dir);
	waiting = access(fifo, F_OK) == 0;
	free(fifo);
	if (waiting)
		return OCI_CREATED;
	if (oci_instance_frozen(st) > 0)
		return OCI_PAUSED;
	return OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {
		[OCI_CREATING] = "creating", [OCI_CREATED] = "created",
		[OCI_RUNNING] = "running", [OCI_PAUSED] = "paused",
		[OCI_STOPPED] = "stopped",
	};
	return names[s];
}

/* As runc: the pid file appears whole (the shim may read it at once). */
int oci_write_pid_file(const char *path, pid_t pid)
{
	char *tmp = oci_xasprintf("%s.cse-oci.tmp", path);
	FILE *f = fopen(tmp, "we");
	int r = -1;

	if (f) {
		fprintf(f, "%d", (int)pid);
		r = fclose(f) ? -1 : 0;
	}
	if (!r && rename(tmp, path) < 0)
		r = -1;
	if (r) {
		oci_error("cannot write the pid file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return r;
}

/* Serialises the commands that change one container; held until exit. */
int oci_state_lock(const struct oci_state *st)
{
	int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		oci_error("cannot lock %s: %s", st->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		oci_warn("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* FTW_PHYS: symbolic links are removed, never followed; FTW_MOUNT: stay on
 * this filesystem, in case something was mounted inside. */
int oci_remove_tree(const char *path)
{
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return -1;
	return access(path, F_OK) == 0 ? -1 : 0;
}
