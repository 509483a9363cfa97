// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every process of a container, without namespaces.
 *
 * First choice: a cgroup v2 leaf <cgroup2 mount>/cse-oci/<ROOT>/<ID> (on
 * this project's hosts /sys/fs/cgroup or, in hybrid mode,
 * /sys/fs/cgroup/unified), ROOT a hash of the state root: runtimes with
 * different --root (containerd's, podman's, two users') may use one ID.
 * Each container process joins it before anything else (child.c), so what
 * it forks is in it too, whatever it does (setsid, double fork, reparent):
 * cgroup.procs lists them, cgroup.kill ends them all atomically (no fork
 * race), cgroup.freeze pauses them. No controller is needed (nothing is
 * limited); the leaf is removed by delete.
 *
 * Fallback, when no cgroup2 is mounted writable (or CSE_OCI_TRACKING=proc):
 * a scan of /proc for the processes whose session is one the runtime
 * started (each container process starts a session), their descendants
 * and whatever holds the instance's state memfd (see scan_members).
 *
 * The watcher: with a pid namespace in config.json, everything ends with
 * the init (the kernel's rule for a pid namespace; the runc shim relies on
 * it and sends no kill --all then). A small process per container, outside
 * the container's cgroup and session, waits on a pidfd of the init and
 * then ends every process of the instance.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static char *cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], *found = NULL;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 "), *mp = line;

		if (!sep)
			continue;
		for (int i = 0; i < 4 && mp; i++) {	/* field 5: the mount point */
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (mp && strchr(mp, ' '))
			found = strndup(mp, (size_t)(strchr(mp, ' ') - mp));
		/* a mount point with an escaped space (\040) does not exist as written */
		if (found && access(found, W_OK) < 0) {
			free(found);
			found = NULL;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* 16 hex digits of FNV-1a over the state root's canonical path. */
static char *root_key(void)
{
	char *real = realpath(oci_g.root, NULL);
	const char *p = real ? real : oci_g.root;
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	free(real);
	return oci_xasprintf("%016llx", h);
}

char *oci_cgroup_create(const char *id)
{
	const char *force = getenv("CSE_OCI_TRACKING");
	char *mnt, *base, *mid, *key, *leaf;

	if (force && !strcmp(force, "proc"))
		return NULL;
	mnt = cgroup2_mount();
	if (!mnt) {
		oci_debug("no writable cgroup2 mount: processes are found by a /proc scan");
		return NULL;
	}
	key = root_key();
	base = oci_xasprintf("%s/cse-oci", mnt);
	mid = oci_xasprintf("%s/%s", base, key);
	leaf = oci_xasprintf("%s/%s", mid, id);
	free(mnt);
	free(key);
	if ((mkdir(base, 0755) < 0 && errno != EEXIST) || (mkdir(mid, 0755) < 0 && errno != EEXIST) ||
	    mkdir(leaf, 0755) < 0) {
		oci_debug("cannot make the cgroup %s (%s): processes are found by a /proc scan",
			  leaf, strerror(errno));
		rmdir(mid);	/* ENOTEMPTY when others use it */
		free(base);
		free(mid);
		free(leaf);
		return NULL;
	}
	free(base);
	free(mid);
	return leaf;
}

int oci_cgroup_remove(const char *leaf)
{
	char *dir = oci_xstrdup(leaf), *slash;
	int r = 0;

	if (rmdir(leaf) < 0 && errno != ENOENT) {
		oci_error("cannot remove the cgroup %s: %s", leaf, strerror(errno));
		r = -1;
	}
	/* the state root's directory, then cse-oci: the last user's delete
	 * removes them; others get ENOTEMPTY */
	for (int i = 0; i < 2 && (slash = strrchr(dir, '/')); i++) {
		*slash = 0;
		if (rmdir(dir) < 0)
			break;
	}
	free(dir);
	return r;
}

static const char *leaf_of(const struct oci_state *st)
{
	return json_string_value(json_object_get(st->j, "cgroup"));
}

static int cg_write(const char *leaf, const char *file, const char *v)
{
	char *path = oci_xasprintf("%s/%s", leaf, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0 || write(fd, v, strlen(v)) < 0) {
		oci_error("cannot write %s: %s", path, strerror(errno));
		r = -1;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct pinfo {
	pid_t pid, ppid, sid;
	bool member;
};

/* pid, ppid and session of every process (fields 1, 4 and 6 of stat). */
static struct pinfo *scan_proc(size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct pinfo *v = NULL;
	size_t cap = 0;

	*n = 0;
	while (d && (e = readdir(d))) {
		char path[300], buf[1024], *p;
		int fd, ppid, sid;
		ssize_t len;
		char state;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %c %d %*d %d", &state, &ppid, &sid) != 3)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				oci_die("out of memory");
		}
		v[*n].pid = atoi(e->d_name);
		v[*n].ppid = ppid;
		v[*n].sid = sid;
		v[*n].member = false;
		(*n)++;
	}
	if (d)
		closedir(d);
	return v;
}

/* Inodes of the cse instance states ("memfd:cse-state") PID holds, added
 * to the JSON array SET when new; true if one of them is in SET. */
static bool state_memfds(pid_t pid, json_t *set, bool add)
{
	char dir[64], path[320], link[64];
	struct dirent *e;
	struct stat sb;
	bool hit = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		ssize_t n;
		size_t k;
		json_t *v;
		bool known = false;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strncmp(link, "/memfd:cse-state", 16) || stat(path, &sb) < 0)
			continue;
		json_array_foreach(set, k, v)
			if ((json_int_t)sb.st_ino == json_integer_value(v))
				known = true;
		hit |= known;
		if (add && !known)
			json_array_append_new(set, json_integer((json_int_t)sb.st_ino));
	}
	if (d)
		closedir(d);
	return hit;
}

static bool descendants(struct pinfo *v, size_t n)
{
	bool changed = true, any = false;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].member)
				continue;
			for (size_t k = 0; k < n; k++)
				if (v[k].member && v[k].pid == v[i].ppid) {
					v[i].member = changed = any = true;
					break;
				}
		}
	}
	return any;
}

/*
 * Members: the sessions the runtime started, their descendants, and every
 * process that holds one of the instance's state memfds (a process that
 * left its session and was orphaned still holds it: the runtime keeps it
 * in every process of the instance). The memfds seen are remembered in
 * the state, so they still count once the session leaders are gone.
 */
static pid_t *scan_members(const struct oci_state *st, size_t *count)
{
	json_t *sessions = json_object_get(st->j, "sessions"), *s;
	json_t *memfds = json_object_get(st->j, "memfds");
	size_t n, i, k, out = 0, known;
	struct pinfo *v = scan_proc(&n);
	pid_t *pids, self = getpid();

	if (!json_is_array(memfds)) {
		memfds = json_array();
		json_object_set_new(st->j, "memfds", memfds);
	}
	known = json_array_size(memfds);
	for (i = 0; i < n; i++)
		json_array_foreach(sessions, k, s)
			if (v[i].sid == (pid_t)json_integer_value(s))
				v[i].member = true;
	descendants(v, n);
	for (i = 0; i < n; i++)
		if (v[i].member)
			state_memfds(v[i].pid, memfds, true);
	if (json_array_size(memfds)) {
		for (i = 0; i < n; i++)
			if (!v[i].member && v[i].pid != self && state_memfds(v[i].pid, memfds, false))
				v[i].member = true;
		descendants(v, n);
	}
	if (json_array_size(memfds) > known && st->dir && access(st->dir, F_OK) == 0)
		oci_state_save(st);
	pids = oci_xmalloc(sizeof(pid_t) * (n + 1));
	for (i = 0; i < n; i++)
		if (v[i].member && v[i].pid != self && oci_pid_start_time(v[i].pid))
			pids[out++] = v[i].pid;
	free(v);
	*count = out;
	return pids;
}

/*
 * /proc scan only: right after start, wait (at most 2 s) until the init
 * holds its instance state memfd (cse-run makes it before the program
 * runs) and remember it, so that a process that leaves the init's session
 * is found even when no scan ran while the init was alive.
 */
void oci_instance_remember(const struct oci_state *st)
{
	json_t *memfds;

	if (leaf_of(st))
		return;
	memfds = json_object_get(st->j, "memfds");
	if (!json_is_array(memfds)) {
		memfds = json_array();
		json_object_set_new(st->j, "memfds", memfds);
	}
	for (int i = 0; i < 200 && oci_pid_alive(st->pid, st->start_time); i++) {
		state_memfds(st->pid, memfds, true);
		if (json_array_size(memfds)) {
			oci_state_save(st);
			return;
		}
		nap(10);
	}
}

pid_t *oci_instance_pids(const struct oci_state *st, size_t *count)
{
	const char *leaf = leaf_of(st);
	char *path;
	FILE *f;
	pid_t *pids;
	size_t cap = 16;
	int pid;

	if (!leaf)
		return scan_members(st, count);
	*count = 0;
	pids = oci_xmalloc(sizeof(pid_t) * cap);
	path = oci_xasprintf("%s/cgroup.procs", leaf);
	f = fopen(path, "re");
	free(path);
	while (f && fscanf(f, "%d", &pid) == 1) {
		if (!oci_pid_start_time(pid))
			continue;	/* a zombie, waiting for its reaper */
		if (*count == cap) {
			cap *= 2;
			pids = realloc(pids, sizeof(pid_t) * cap);
			if (!pids)
				oci_die("out of memory");
		}
		pids[(*count)++] = pid;
	}
	if (f)
		fclose(f);
	return pids;
}

int oci_instance_signal(const struct oci_state *st, int sig)
{
	const char *leaf = leaf_of(st);
	size_t n;
	pid_t *pids;

	if (leaf && sig == SIGKILL && cg_write(leaf, "cgroup.kill", "1") == 0)
		return 0;
	pids = oci_instance_pids(st, &n);
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			oci_warn("kill %d: %s", (int)pids[i], strerror(errno));
	free(pids);
	return 0;
}

int oci_instance_freeze(const struct oci_state *st, bool freeze)
{
	const char *leaf = leaf_of(st);

	if (leaf)
		return cg_write(leaf, "cgroup.freeze", freeze ? "1" : "0");
	json_object_set_new(st->j, "paused", json_boolean(freeze));
	return oci_instance_signal(st, freeze ? SIGSTOP : SIGCONT);
}

/* 1 frozen (or asked to be), 0 not, -1 unknown. */
int oci_instance_frozen(const struct oci_state *st)
{
	const char *leaf = leaf_of(st);
	char *path, c = 0;
	int fd;

	if (!leaf)
		return json_is_true(json_object_get(st->j, "paused"));
	path = oci_xasprintf("%s/cgroup.freeze", leaf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}


/* SIGKILL to all (thawed, so a frozen one dies), until none is left (10 s). */
int oci_instance_end(const struct oci_state *st)
{
	for (int i = 0; i < 1000; i++) {
		size_t n;
		pid_t *pids = oci_instance_pids(st, &n);
		size_t alive = 0;

		for (size_t k = 0; k < n; k++)
			if (oci_pid_start_time(pids[k]))	/* zombies do not count */
				alive++;
		free(pids);
		if (!alive)
			return 0;
		if (i % 10 == 0) {
			if (leaf_of(st))
				cg_write(leaf_of(st), "cgroup.freeze", "0");
			oci_instance_signal(st, SIGKILL);
		}
		nap(10);
	}
	oci_error("container \"%s\": processes are left after SIGKILL", st->id);
	return -1;
}

static _Noreturn void watch(const char *id, pid_t init, unsigned long long start)
{
	int pfd = (int)syscall(SYS_pidfd_open, init, 0);
	struct oci_state st;

	if (pfd >= 0 && oci_pid_alive(init, start)) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	}
	if (oci_state_load_existing(id, &st) == 0) {
		if (st.pid == init && st.start_time == start)
			oci_instance_end(&st);
		oci_state_free(&st);
	}
	_exit(0);
}

/* Records the watcher's pid and start time in st (saved by the caller). */
void oci_watcher_start(struct oci_state *st)
{
	int pfd[2], status, null;
	pid_t mid, w = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	mid = fork();
	if (mid < 0)
		oci_die("fork: %s", strerror(errno));
	if (mid == 0) {
		setsid();
		w = fork();
		if (w == 0) {
			null = open("/dev/null", O_RDWR | O_CLOEXEC);
			for (int fd = 0; fd < 3 && null >= 0; fd++)
				dup2(null, fd);
			if (chdir("/") < 0)
				_exit(1);
			/* no descriptor of the caller's (a shim waits for EOF on them) */
			close_range(3, ~0U, 0);
			oci_log_forget();
			watch(st->id, st->pid, st->start_time);
		}
		if (write(pfd[1], &w, sizeof(w)) != sizeof(w))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &w, sizeof(w)) != sizeof(w))
		w = 0;
	close(pfd[0]);
	waitpid(mid, &status, 0);
	if (w > 0) {
		json_object_set_new(st->j, "watcher", json_integer(w));
		json_object_set_new(st->j, "watcher_start", json_integer((json_int_t)oci_pid_start_time(w)));
	}
}
