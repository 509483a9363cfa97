// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec: another process in a running container, in the container's
 * cgroup leaf (or session list), so kill --all, ps and delete include it.
 * It joins the container's own cse instance (join.c: same port space,
 * hostname, recorded owners); when it cannot (no process of the container
 * holds the instance, or it runs as another user), it is a new instance
 * with the container's profile (same root, binds, tmpfs directories,
 * hostname, devices), whose port space is its own. The process comes
 * from --process FILE (the shim's and
 * podman's way) or from the container's process with ARGS, --cwd, --env,
 * --tty and --user replacing or adding to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

struct exec_args {
	const char *process, *console, *pid_file, *cwd, *user;
	struct strv env;
	bool detach, tty, ignore_paused;
	int preserve_fds;
};

static const struct option opts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "pid-file", required_argument, NULL, 'P' },
	{ "detach", no_argument, NULL, 'd' },
	{ "tty", no_argument, NULL, 't' },
	{ "cwd", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "preserve-fds", required_argument, NULL, 'f' },
	{ "ignore-paused", no_argument, NULL, 'i' },
	{ "no-new-privs", no_argument, NULL, 'n' },
	{ "cap", required_argument, NULL, 'C' },
	{ "additional-gids", required_argument, NULL, 'g' },
	{ "process-label", required_argument, NULL, 'L' },
	{ "apparmor", required_argument, NULL, 'A' },
	{ "cgroup", required_argument, NULL, 'G' },
	{ "pidfd-socket", required_argument, NULL, 'S' },
	{ 0 }
};

/* The process to run: --process FILE, or the container's with overrides. */
static int exec_process(const struct oci_state *st, struct exec_args *a, int argc, char **argv,
			int first, struct oci_process *p, struct strv *u)
{
	json_error_t err;
	json_t *j;
	int r;

	if (a->process) {
		j = json_load_file(a->process, 0, &err);
		if (!j) {
			oci_error("cannot read the process file %s: %s", a->process, err.text);
			return -1;
		}
	} else {
		if (first >= argc) {
			oci_error("exec: no --process file and no command; see 'cse-oci exec --help'");
			return -1;
		}
		j = json_deep_copy(json_object_get(st->j, "process"));
		json_t *args = json_array();

		for (int i = first; i < argc; i++)
			json_array_append_new(args, json_string(argv[i]));
		json_object_set_new(j, "args", args);
		json_object_set_new(j, "terminal", json_boolean(a->tty));
		if (a->cwd)
			json_object_set_new(j, "cwd", json_string(a->cwd));
		if (a->user) {
			unsigned uid, gid = 0;
			int n = sscanf(a->user, "%u:%u", &uid, &gid);

			if (n < 1) {
				oci_error("exec: --user %s: want UID[:GID]", a->user);
				json_decref(j);
				return -1;
			}
			json_object_set_new(j, "user", json_pack("{s:i,s:i}", "uid", (json_int_t)uid,
								 "gid", (json_int_t)gid));
		}
		if (!json_is_array(json_object_get(j, "env")))
			json_object_set_new(j, "env", json_array());
		for (size_t i = 0; i < a->env.n; i++)
			json_array_append_new(json_object_get(j, "env"), json_string(a->env.v[i]));
	}
	r = oci_process_parse(j, p, u);
	json_decref(j);
	return r;
}

static pid_t exec_pid;

static void forward(int sig)
{
	if (exec_pid > 0)
		kill(exec_pid, sig);
}

static int run(struct oci_state *st, struct exec_args *a, struct oci_process *p)
{
	struct oci_launch l = { .name = st->id, .proc = p, .tty_slave = -1,
				.preserve_fds = a->preserve_fds, .fifo = NULL,
				.join_state_fd = -1, .join_inst_fd = -1 };
	struct strv flags = { 0 }, elements = { 0 };
	json_t *user = json_object_get(json_object_get(st->j, "process"), "user");
	json_t *f;
	size_t i;
	int pfd[2], master = -1, status, lock;
	char *tty = NULL;

	json_array_foreach(json_object_get(st->j, "flags"), i, f)
		strv_add(&flags, oci_xstrdup(json_string_value(f)));
	l.flags = &flags;
	l.profile = json_string_value(json_object_get(st->j, "profile"));
	l.cgroup = json_string_value(json_object_get(st->j, "cgroup"));
	oci_creds_for(p, json_object_get(st->j, "uid_map"), json_object_get(st->j, "gid_map"),
		      json_is_true(json_object_get(st->j, "keep_creds")), &l.creds);
	/* the container's user: join its instance (join.c) */
	if ((json_int_t)p->uid == json_integer_value(json_object_get(user, "uid")) &&
	    (json_int_t)p->gid == json_integer_value(json_object_get(user, "gid")) &&
	    oci_join_find(st, &l.join_state_fd, &l.join_inst_fd) == 0) {
		struct strv all = { 0 };

		for (i = 0; i < flags.n; i++)
			strv_add(&all, oci_xstrdup(flags.v[i]));
		if (l.creds.show) {
			strv_addf(&all, "--uid=%u", (unsigned)l.creds.show_uid);
			strv_addf(&all, "--gid=%u", (unsigned)l.creds.show_gid);
		}
		if (oci_join_elements(l.profile, &all, &elements) == 0) {
			l.join_elements = &elements;
			l.rootfs = json_string_value(json_object_get(st->j, "view_rootfs"));
		} else {
			close(l.join_state_fd);
			l.join_state_fd = -1;
		}
		strv_free(&all);
	}
	oci_debug("exec: %s", l.join_state_fd >= 0 ? "joins the container's instance" : "a new instance");
	if (p->terminal && a->console) {
		master = oci_pty_open(&l.tty_slave, &tty);
		if (master < 0 || oci_console_send(a->console, master, tty) < 0)
			return -1;
		close(master);
		free(tty);
	} else if (p->terminal && a->detach) {
		oci_error("exec: a terminal needs --console-socket when detached");
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	fflush(NULL);
	exec_pid = fork();
	if (exec_pid < 0)
		oci_die("fork: %s", strerror(errno));
	if (exec_pid == 0) {
		close(pfd[0]);
		l.sync_fd = pfd[1];
		oci_child_run(&l);
	}
	close(pfd[1]);
	if (l.tty_slave >= 0)
		close(l.tty_slave);
	if (l.join_state_fd >= 0)
		close(l.join_state_fd);
	if (l.join_inst_fd >= 0)
		close(l.join_inst_fd);
	strv_free(&elements);
	if (oci_child_wait_ready(pfd[0], exec_pid) < 0)
		return -1;
	close(pfd[0]);
	/* the /proc scan follows its session */
	/* under the lock, on the state as it is now (others may have saved) */
	lock = oci_state_lock(st);
	{
		struct oci_state now;
		int bad = oci_state_load(st->id, &now);

		if (!bad) {
			json_array_append_new(json_object_get(now.j, "sessions"), json_integer(exec_pid));
			bad = oci_state_save(&now);
			oci_state_free(&now);
		}
		if (bad || (a->pid_file && oci_write_pid_file(a->pid_file, exec_pid) < 0)) {
			kill(exec_pid, SIGKILL);
			if (lock >= 0)
				close(lock);
			return -1;
		}
	}
	if (lock >= 0)
		close(lock);
	strv_free(&flags);
	if (a->detach)
		return 0;
	{
		struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
		static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

		for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
			sigaction(fwd[i], &sa, NULL);
	}
	while (waitpid(exec_pid, &status, 0) < 0)
		if (errno != EINTR)
			oci_die("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int oci_cmd_exec(int argc, char **argv)
{
	struct exec_args a = { 0 };
	struct oci_state st;
	struct oci_process p;
	struct strv u = { 0 };
	enum oci_status s;
	int c, r = 1;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+p:dte:u:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a.process = optarg; break;
		case 'c': a.console = optarg; break;
		case 'P': a.pid_file = optarg; break;
		case 'd': a.detach = true; break;
		case 't': a.tty = true; break;
		case 'w': a.cwd = optarg; break;
		case 'e': strv_add(&a.env, oci_xstrdup(optarg)); break;
		case 'u': a.user = optarg; break;
		case 'f': a.preserve_fds = atoi(optarg); break;
		case 'i': a.ignore_paused = true; break;
		case 'n': case 'C': case 'g': case 'L': case 'A': case 'G': case 'S': break;
		default:
			oci_error("exec: bad usage; see 'cse-oci exec --help'");
			return 1;
		}
	}
	if (optind >= argc) {
		oci_error("\"exec\" requires the container id; see 'cse-oci exec --help'");
		return 1;
	}
	if (oci_state_load(argv[optind], &st) < 0)
		return 1;
	s = oci_status(&st);
	if (s == OCI_STOPPED || s == OCI_CREATING)
		oci_error("cannot exec in a %s container", oci_status_name(s));
	else if (s == OCI_PAUSED && !a.ignore_paused)
		oci_error("cannot exec in a paused container (use --ignore-paused)");
	else if (exec_process(&st, &a, argc, argv, optind + 1, &p, &u) == 0) {
		/* the container was checked at create; exec's own extras warn */
		for (size_t i = 0; i < u.n; i++)
			oci_debug("exec: cse cannot honour %s", u.v[i]);
		r = run(&st, &a, &p);
		r = r < 0 ? 1 : r;
		oci_process_free(&p);
	}
	strv_free(&u);
	strv_free(&a.env);
	oci_state_free(&st);
	return r;
}
