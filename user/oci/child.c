// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A new process of a container (the init from create, or one from exec),
 * from fork to the execve of cse-run, which execs cse-loader, which runs
 * the program in this same process: the pid the shim is given stays the
 * program's. In order:
 *
 *   join the instance's cgroup leaf (first: whatever it forks is tracked)
 *   new session; the terminal's slave as stdio and controlling tty
 *   default signal dispositions and an empty mask (a Go shim blocks some)
 *   rlimits, umask, oom_score_adj (still privileged for raising limits)
 *   tell the parent "ready" (or why not) on the sync pipe
 *   create only: block opening exec.fifo until `start` opens it
 *   as root: the bounding set (caps.c), groups, gid, uid (spec.c:
 *          oci_creds_for); then no_new_privs
 *   execve cse-run --name ID --profile FILE [--uid --gid] --workdir CWD --no-site-cache
 *          [--device ...] -- ARGS, with the process's environment; or, for
 *          exec, cse-loader in the container's own instance (join.c)
 *
 * The sync pipe carries one byte 'R' (ready) or 'E' and an error message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

static int sync_fd = -1;

static _Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void fail(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	buf[0] = 'E';
	va_start(ap, fmt);
	n = vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	if (sync_fd >= 0) {
		if (write(sync_fd, buf, (size_t)n + 1) < 0)
			_exit(1);
	} else {
		oci_error("%s", buf + 1);
	}
	_exit(1);
}

char *oci_cse_run_path(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return oci_xstrdup("cse-run");
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	return oci_xasprintf("%s/cse-run", self);
}

static void join_cgroup(const char *leaf)
{
	char *path = oci_xasprintf("%s/cgroup.procs", leaf);
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1)
		fail("cannot join the cgroup %s: %s", leaf, strerror(errno));
	close(fd);
	free(path);
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);	/* KILL, STOP, 32, 33: EINVAL, fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void setup_limits(const struct oci_process *p)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		struct rlimit want = p->rlimits[i].lim, have;
		int res = p->rlimits[i].resource;

		if (setrlimit(res, &want) == 0)
			continue;
		/* Without CAP_SYS_RESOURCE a hard limit cannot rise (podman asks
		 * for 1048576 files): keep the caller's hard limit, say so. */
		if (errno != EPERM || getrlimit(res, &have) < 0)
			fail("setrlimit(%d): %s", res, strerror(errno));
		if (want.rlim_max > have.rlim_max)
			want.rlim_max = have.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
		if (setrlimit(res, &want) < 0)
			fail("setrlimit(%d): %s", res, strerror(errno));
		oci_warn("process.rlimits: resource %d lowered to %llu/%llu: the caller may not raise it",
			 res, (unsigned long long)want.rlim_cur, (unsigned long long)want.rlim_max);
	}
	if (p->has_umask)
		umask(p->umask);
	if (p->has_oom) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dprintf(fd, "%d", p->oom_score_adj) < 0)
			fail("oomScoreAdj %d: %s", p->oom_score_adj, strerror(errno));
		close(fd);
	}
}

static void wait_for_start(const char *fifo)
{
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		oci_error("init: cannot open %s: %s", fifo, strerror(errno));
		_exit(1);
	}
	if (write(fd, "0", 1) != 1) {
		oci_error("init: cannot write %s: %s", fifo, strerror(errno));
		_exit(1);
	}
	close(fd);
}

static void set_creds(const struct oci_launch *l)
{
	const struct oci_creds *c = &l->creds;

	if (!c->change)
		return;
	if (oci_caps_apply(l->proc) < 0) {
		oci_error("cannot drop capabilities from the bounding set: %s", strerror(errno));
		_exit(1);
	}
	if (setgroups(l->proc->ngroups, l->proc->groups) < 0 || setgid(c->host_gid) < 0 ||
	    setuid(c->host_uid) < 0) {
		oci_error("cannot become uid %u gid %u: %s", (unsigned)c->host_uid,
			  (unsigned)c->host_gid, strerror(errno));
		_exit(1);
	}
	if (access(l->profile, R_OK) < 0) {
		oci_error("uid %u cannot read %s (%s): the state root and its parents must be searchable (chmod 711), or set org.cse.keep-credentials=true",
			  (unsigned)c->host_uid, l->profile, strerror(errno));
		_exit(1);
	}
}

_Noreturn void oci_child_run(const struct oci_launch *l)
{
	struct strv argv = { 0 };
	char *cse_run = oci_cse_run_path();

	sync_fd = l->sync_fd;
	if (l->cgroup)
		join_cgroup(l->cgroup);
	if (setsid() < 0)
		fail("setsid: %s", strerror(errno));
	if (l->tty_slave >= 0) {
		if (ioctl(l->tty_slave, TIOCSCTTY, 0) < 0)
			fail("cannot make the terminal the controlling one: %s", strerror(errno));
		for (int fd = 0; fd < 3; fd++)
			if (dup2(l->tty_slave, fd) < 0)
				fail("dup2: %s", strerror(errno));
		if (l->tty_slave > 2)
			close(l->tty_slave);
	}
	setup_signals();
	setup_limits(l->proc);
	/* everything above the preserved descriptors closes at execve */
	close_range(3 + (unsigned)l->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);

	strv_add(&argv, oci_xstrdup(cse_run));
	/* cse.ko names are at most 63 bytes; podman's ids are 64 */
	strv_addf(&argv, "--name=%.63s", l->name);
	strv_addf(&argv, "--profile=%s", l->profile);
	if (l->creds.show) {
		strv_addf(&argv, "--uid=%u", (unsigned)l->creds.show_uid);
		strv_addf(&argv, "--gid=%u", (unsigned)l->creds.show_gid);
	}
	strv_addf(&argv, "--workdir=%s", l->proc->cwd);
	/* The container's HOME names a host path here: no site cache there. */
	strv_add(&argv, oci_xstrdup("--no-site-cache"));
	for (size_t i = 0; l->flags && i < l->flags->n; i++)
		strv_add(&argv, oci_xstrdup(l->flags->v[i]));
	strv_add(&argv, oci_xstrdup("--"));
	for (size_t i = 0; i < l->proc->args.n; i++)
		strv_add(&argv, oci_xstrdup(l->proc->args.v[i]));

	if (write(sync_fd, "R", 1) != 1)
		_exit(1);
	close(sync_fd);
	sync_fd = -1;
	if (l->fifo)
		wait_for_start(l->fifo);
	set_creds(l);
	if (l->proc->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		oci_error("no_new_privs: %s", strerror(errno));
		_exit(1);
	}
	if (l->join_state_fd >= 0 && oci_join_exec(l, l->rootfs) < 0)
		oci_warn("exec: cannot join the container's instance (%s): a new one runs the process",
			 strerror(errno));
	{
		char *const empty[] = { NULL };

		execve(cse_run, argv.v, l->proc->env.v ? l->proc->env.v : empty);
	}
	oci_error("cannot exec %s: %s", cse_run, strerror(errno));
	_exit(127);
}

int oci_child_wait_ready(int fd, pid_t child)
{
	char buf[1024];
	ssize_t n, got = 0;
	int status;

	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0) {
		got += n;
		if (buf[0] == 'R' || got == (ssize_t)sizeof(buf) - 1)
			break;
	}
	if (got > 0 && buf[0] == 'R')
		return 0;
	waitpid(child, &status, 0);
	if (got > 1) {
		buf[got] = 0;
		oci_error("%s", buf + 1);
	} else {
		oci_error("the container process ended before it was ready");
	}
	return -1;
}
