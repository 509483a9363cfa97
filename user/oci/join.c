// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec joins the container's instance. A process started by exec should
 * share what the container's processes share: the private port space (a
 * server the init bound on port 80 is 127.0.0.1:80 for `exec wget`), a
 * hostname set at run time, recorded owners. All of that lives in the
 * instance state memfd ("memfd:cse-state") that every process of the
 * instance holds, and, with cse.ko, in the instance fd ("[cse-instance]").
 *
 * So exec takes both from a live process of the container with
 * pidfd_getfd(2) (same user or root: ptrace access), and starts the
 * program the way a process of the instance re-enters cse-loader at
 * execve: a boot block (include/cse/boot.h) at the agreed descriptor,
 * naming the program (looked up in the view: CSE_BOOT_GUEST_PROGRAM), the
 * elements in chain order (as `cse-run --print-profile` lists them) and
 * the state fd. The state is not fresh, so no element re-initialises it;
 * the process starts in the host directory behind process.cwd.
 *
 * When no process of the container holds a state (it is gone) or the exec
 * runs as another user than the container's process (the id element's
 * identity is the instance's), exec starts a new instance with the
 * container's profile instead (exec.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cse/boot.h>

#include "oci.h"

/* The descriptor of PID whose link reads TARGET, or -1. */
static int find_fd(pid_t pid, const char *target)
{
	char dir[64], path[320], link[256];
	struct dirent *e;
	int found = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && found < 0 && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strncmp(link, target, strlen(target)))
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int grab(pid_t pid, int target_fd)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), fd;

	if (pfd < 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_getfd, pfd, target_fd, 0);
	close(pfd);
	return fd;
}

/*
 * Still setting up its instance: cse-run has made the state memfd long
 * before the init's elements have filled it (the hostname, the fs view),
 * and a process that joined then would see an empty instance. cse-loader
 * names the process after the program (comm) only once every element is
 * set up, so until then comm is "cse-oci" (our child), "cse-run" or
 * "cse-loader".
 */
static bool setting_up(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	return !strcmp(comm, "cse-oci") || !strcmp(comm, "cse-run") || !strcmp(comm, "cse-loader");
}

int oci_join_find(const struct oci_state *st, int *state_fd, int *inst_fd)
{
	size_t n;
	pid_t *pids;
	int r = -1;

	/* an exec right after start waits (10 s at most) for the init's instance */
	for (int i = 0; i < 1000 && oci_pid_alive(st->pid, st->start_time) && setting_up(st->pid); i++)
		usleep(10000);
	pids = oci_instance_pids(st, &n);
	*state_fd = *inst_fd = -1;
	/* the init first: it is the container's own instance */
	for (size_t i = 0; i <= n && r < 0; i++) {
		pid_t pid = i == 0 ? st->pid : pids[i - 1];
		int sfd, ifd;

		if (setting_up(pid))
			continue;
		sfd = find_fd(pid, "/memfd:cse-state");

		if (sfd < 0 || (*state_fd = grab(pid, sfd)) < 0)
			continue;
		ifd = find_fd(pid, "anon_inode:[cse-instance]");
		if (ifd >= 0)
			*inst_fd = grab(pid, ifd);
		r = 0;
	}
	free(pids);
	return r;
}

/* Element names in chain order: the sections `cse-run --print-profile` prints. */
int oci_join_elements(const char *profile, const struct strv *flags, struct strv *out)
{
	char *cse_run = oci_cse_run_path(), line[4096];
	struct strv argv = { 0 };
	int pfd[2], status;
	pid_t pid;
	FILE *f;

	strv_add(&argv, oci_xstrdup(cse_run));
	strv_addf(&argv, "--profile=%s", profile);
	for (size_t i = 0; i < flags->n; i++)
		strv_add(&argv, oci_xstrdup(flags->v[i]));
	strv_add(&argv, oci_xstrdup("--print-profile"));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		execv(cse_run, argv.v);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && fgets(line, sizeof(line), f))
		if (line[0] == '[' && strchr(line, ']'))
			strv_add(out, strndup(line + 1, (size_t)(strchr(line, ']') - line - 1)));
	if (f)
		fclose(f);
	strv_free(&argv);
	free(cse_run);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return out->n ? 0 : -1;
}

static size_t put(char *buf, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;

	if (at + n > CSE_BOOT_MAX)
		return 0;
	memcpy(buf + at, s, n);
	return at + n;
}

/* A descriptor the program may not clobber: above 2, kept across execve. */
static int keep_fd(int fd)
{
	int nfd = fd;

	if (fd < 3 && (nfd = fcntl(fd, F_DUPFD, 3)) >= 0)
		close(fd);
	if (nfd >= 0)
		fcntl(nfd, F_SETFD, 0);
	return nfd;
}

/* In the exec'd child, after its setup: run the program in the instance. */
int oci_join_exec(const struct oci_launch *l, const char *rootfs)
{
	char *loader, *run = oci_cse_run_path(), *buf, *cwd, *slash;
	struct cse_boot *h;
	struct rlimit rl;
	int bfd, fd, fl;
	size_t at;

	slash = strrchr(run, '/');
	*slash = 0;
	loader = oci_xasprintf("%s/../lib/cse/cse-loader", run);
	buf = oci_xmalloc(CSE_BOOT_MAX);
	h = (struct cse_boot *)buf;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || (bfd = cse_boot_fd(rl.rlim_cur)) < 0)
		return -1;
	h->magic = CSE_BOOT_MAGIC;
	h->version = CSE_BOOT_VERSION;
	h->creator = getpid();
	h->state_fd = keep_fd(l->join_state_fd);
	h->instance_fd = l->join_inst_fd >= 0 ? keep_fd(l->join_inst_fd) : -1;
	h->displaced_fd = -1;
	h->flags = CSE_BOOT_GUEST_PROGRAM;
	h->nstrings = 3 + (uint32_t)l->join_elements->n;
	at = sizeof(*h);
	at = put(buf, at, l->proc->args.v[0]);
	at = at ? put(buf, at, l->proc->args.v[0]) : 0;
	slash = strrchr(l->proc->args.v[0], '/');
	at = at ? put(buf, at, slash ? slash + 1 : l->proc->args.v[0]) : 0;
	for (size_t i = 0; at && i < l->join_elements->n; i++)
		at = put(buf, at, l->join_elements->v[i]);
	if (!at || h->state_fd < 0)
		return -1;
	h->size = (uint32_t)at;
	fl = fcntl(bfd, F_GETFD);
	if (fl >= 0 && !(fl & FD_CLOEXEC) && (h->displaced_fd = fcntl(bfd, F_DUPFD, 3)) < 0)
		return -1;
	fd = memfd_create(CSE_BOOT_NAME, MFD_CLOEXEC);
	if (fd < 0 || write(fd, buf, at) != (ssize_t)at ||
	    (fd == bfd ? fcntl(fd, F_SETFD, 0) : dup3(fd, bfd, 0)) < 0)
		return -1;
	if (fd != bfd)
		close(fd);
	/* the state is not fresh: the fs element keeps the current directory */
	cwd = oci_xasprintf("%s%s", rootfs, l->proc->cwd);
	if (chdir(cwd) < 0 && chdir(rootfs) < 0)
		return -1;
	free(cwd);
	execve(loader, l->proc->args.v, l->proc->env.v);
	return -1;
}
