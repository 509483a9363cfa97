// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * create, start and run.
 *
 * create prepares everything and forks the init, which sets itself up
 * (child.c) and blocks opening exec.fifo for writing; create writes the
 * state and the pid file and exits, so the init is reparented to the
 * caller's subreaper (the shim, conmon). start opens the FIFO for
 * reading, which releases the init: it writes one byte and execs cse-run.
 * While exec.fifo exists the container is "created"; start removes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

static int preserve_fds;

static int mkdir_p(const char *path, mode_t mode)
{
	char *p = oci_xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* cse-run checks every element, key and value of the profile. */
static int check_profile(const char *profile, const struct strv *flags)
{
	char *cse_run = oci_cse_run_path(), buf[2048];
	struct strv argv = { 0 };
	int pfd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	strv_add(&argv, oci_xstrdup(cse_run));
	strv_addf(&argv, "--profile=%s", profile);
	for (size_t i = 0; i < flags->n; i++)
		strv_add(&argv, oci_xstrdup(flags->v[i]));
	strv_add(&argv, oci_xstrdup("--print-profile"));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(pfd[1], 2);
		execv(cse_run, argv.v);
		dprintf(2, "cannot exec %s: %s", cse_run, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while (pid > 0 && got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(pfd[0]);
	buf[got] = 0;
	strv_free(&argv);
	free(cse_run);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		buf[strcspn(buf, "\n")] = 0;
		oci_error("the cse-run profile mapped from config.json is refused: %s",
			  got ? buf : "cse-run failed");
		return -1;
	}
	return 0;
}

/* linux.devices: grants of the dev element, which needs cse.ko. */
static void devices(struct oci_spec *s, struct strv *flags)
{
	static const char *const dflt[] = { "/dev/null", "/dev/zero", "/dev/full",
					    "/dev/random", "/dev/urandom", "/dev/tty" };
	json_t *devs = json_object_get(json_object_get(s->config, "linux"), "devices"), *d;
	size_t i;

	if (!json_array_size(devs))
		return;
	if (access("/dev/cse", F_OK) < 0) {
		strv_addf(&s->unsupported,
			  "linux.devices: cse.ko is not loaded: device access is the host's");
		return;
	}
	/* the dev element denies every device it has no grant for */
	for (i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		strv_addf(flags, "--device=%s:rw", dflt[i]);
	json_array_foreach(devs, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));

		if (path && access(path, F_OK) == 0)
			strv_addf(flags, "--device=%s:rw", path);
		else
			strv_addf(&s->unsupported, "linux.devices: %s does not exist on the host",
				  path ? path : "(no path)");
	}
}

static int build_profile(struct oci_spec *s, const char *dir, struct strv *flags, char **path)
{
	struct oci_profile pr = { 0 };
	const char *v;
	int r = -1;

	*path = oci_xasprintf("%s/profile.ini", dir);
	if (oci_mounts_map(s, dir, &pr) < 0)
		goto out;
	if ((v = json_string_value(json_object_get(s->config, "hostname"))) && *v)
		oci_profile_add(&pr, "uts", "hostname", v);
	if ((v = json_string_value(json_object_get(s->config, "domainname"))) && *v)
		oci_profile_add(&pr, "uts", "domainname", v);
	if (s->netns)
		oci_profile_add(&pr, "net", "port-auto", "true");
	devices(s, flags);
	if (oci_profile_annotations(&pr, json_object_get(s->config, "annotations")) < 0 ||
	    oci_program_check(s, &pr) < 0 ||
	    oci_profile_write(&pr, *path) < 0 || check_profile(*path, flags) < 0)
		goto out;
	r = 0;
out:
	oci_profile_free(&pr);
	return r;
}

static json_t *strv_json(const struct strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static void undo(const char *dir, const char *leaf)
{
	if (leaf) {
		struct oci_state st = { .j = json_pack("{s:s}", "cgroup", leaf) };

		st.id = (char *)"(failed create)";
		oci_instance_end(&st);
		json_decref(st.j);
		oci_cgroup_remove(leaf);
	}
	oci_reach_release(dir);
	oci_remove_tree(dir);
}

int oci_create(const char *id, const char *bundle, const char *pid_file,
	       const char *console_socket, bool foreground, pid_t *init)
{
	struct oci_spec s;
	struct oci_state st = { 0 };
	struct strv flags = { 0 };
	struct oci_launch l = { .name = id, .tty_slave = -1, .preserve_fds = preserve_fds,
				.join_state_fd = -1, .join_inst_fd = -1 };
	char created[64], *profile = NULL, *fifo = NULL, *leaf = NULL, *tty = NULL;
	int pfd[2], master = -1, r = -1;
	pid_t pid;

	if (!oci_valid_id(id)) {
		oci_error("invalid container id '%s': use letters, digits, '_', '+', '-' and '.'", id);
		return -1;
	}
	if (oci_spec_load(bundle, &s) < 0)
		return -1;
	st.id = oci_xstrdup(id);
	st.dir = oci_state_dir(id);
	if (mkdir_p(oci_g.root, 0711) < 0) {
		oci_error("cannot make the state root %s: %s", oci_g.root, strerror(errno));
		goto out_nodir;
	}
	if (mkdir(st.dir, 0711) < 0) {
		if (errno == EEXIST)
			oci_error("container with id \"%s\" already exists", id);
		else
			oci_error("cannot make %s: %s", st.dir, strerror(errno));
		goto out_nodir;
	}
	oci_rfc3339(created, sizeof(created));
	st.j = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s}", "id", id, "pid", 0, "start_time", 0,
			 "bundle", s.bundle, "rootfs", s.rootfs, "created", created, "owner", "");
	json_object_set(st.j, "annotations",
			json_object_get(s.config, "annotations") ?: json_object());
	if (oci_state_save(&st) < 0)	/* "creating" from now on */
		goto out;
	oci_creds_for(&s.proc, s.uid_map, s.gid_map, s.keep_creds, &l.creds);
	s.reach = l.creds.change && l.creds.host_uid != 0;
	if (build_profile(&s, st.dir, &flags, &profile) < 0 || oci_spec_check(&s, oci_g.strict) < 0)
		goto out;
	fifo = oci_fifo_path(st.dir);
	if (mkfifo(fifo, 0600) < 0) {
		oci_error("cannot make %s: %s", fifo, strerror(errno));
		goto out;
	}
	leaf = oci_cgroup_create(id);
	if (s.proc.terminal && console_socket) {
		master = oci_pty_open(&l.tty_slave, &tty);
		if (master < 0)
			goto out;
		if (s.proc.rows && s.proc.cols) {
			struct winsize ws = { .ws_row = s.proc.rows, .ws_col = s.proc.cols };

			ioctl(master, TIOCSWINSZ, &ws);
		}
		if (oci_console_send(console_socket, master, tty) < 0)
			goto out;
	} else if (s.proc.terminal && !foreground) {
		oci_error("process.terminal is true but there is no --console-socket to send the terminal to");
		goto out;
	}
	l.proc = &s.proc;
	l.flags = &flags;
	l.profile = profile;
	l.cgroup = leaf;
	l.fifo = fifo;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		oci_error("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (master >= 0)
			close(master);
		l.sync_fd = pfd[1];
		oci_child_run(&l);
	}
	close(pfd[1]);
	if (l.tty_slave >= 0)
		close(l.tty_slave);
	if (oci_child_wait_ready(pfd[0], pid) < 0) {
		close(pfd[0]);
		goto out;
	}
	close(pfd[0]);
	st.pid = pid;
	st.start_time = oci_pid_start_time(pid);
	json_object_set_new(st.j, "cgroup", leaf ? json_string(leaf) : json_null());
	json_object_set_new(st.j, "sessions", json_pack("[i]", (json_int_t)pid));
	json_object_set_new(st.j, "pidns", json_boolean(s.pidns));
	json_object_set_new(st.j, "profile", json_string(profile));
	json_object_set_new(st.j, "flags", strv_json(&flags));
	json_object_set(st.j, "process", json_object_get(s.config, "process"));
	json_object_set(st.j, "uid_map", s.uid_map ?: json_array());
	json_object_set(st.j, "gid_map", s.gid_map ?: json_array());
	json_object_set_new(st.j, "keep_creds", json_boolean(s.keep_creds));
	json_object_set_new(st.j, "view_rootfs", json_string(s.view_rootfs));
	json_object_set(st.j, "hooks", json_object_get(s.config, "hooks") ?: json_object());
	if (s.pidns)
		oci_watcher_start(&st);
	if (oci_state_save(&st) < 0 || oci_hooks_run(&st, "prestart") < 0 ||
	    oci_hooks_run(&st, "createRuntime") < 0 || oci_hooks_run(&st, "createContainer") < 0 ||
	    (pid_file && oci_write_pid_file(pid_file, pid) < 0)) {
		kill(pid, SIGKILL);
		goto out;
	}
	if (init)
		*init = pid;
	r = 0;
out:
	if (r)
		undo(st.dir, leaf);
out_nodir:
	if (master >= 0)
		close(master);
	free(tty);
	free(leaf);
	free(fifo);
	free(profile);
	strv_free(&flags);
	oci_state_free(&st);
	oci_process_free(&s.proc);
	strv_free(&s.unsupported);
	json_decref(s.config);
	free(s.bundle);
	if (s.view_rootfs != s.rootfs)
		free(s.view_rootfs);
	free(s.rootfs);
	return r;
}

int oci_start(const char *id)
{
	struct oci_state st;
	enum oci_status status;
	char *fifo, c;
	int fd, r = -1, lock;

	if (oci_state_load(id, &st) < 0)
		return -1;
	lock = oci_state_lock(&st);
	status = oci_status(&st);
	if (status != OCI_CREATED) {
		if (status == OCI_STOPPED)
			oci_error("cannot start a container that has stopped");
		else if (status == OCI_CREATING)
			oci_error("cannot start a container that is still being created");
		else
			oci_error("cannot start an already running container");
		goto out;
	}
	if (oci_hooks_run(&st, "startContainer") < 0)
		goto out;
	fifo = oci_fifo_path(st.dir);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		oci_error("cannot open %s: %s", fifo, strerror(errno));
		free(fifo);
		goto out;
	}
	/* the init writes one byte once it has opened its end */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0 && read(fd, &c, 1) == 1) {
			r = 0;
			break;
		}
		if (!oci_pid_alive(st.pid, st.start_time)) {
			oci_error("cannot start a container that has stopped");
			break;
		}
	}
	close(fd);
	if (!r) {
		unlink(fifo);
		oci_instance_remember(&st);
		/* the spec: a failing poststart hook is a warning */
		if (oci_hooks_run(&st, "poststart") < 0)
			oci_warn("start: a poststart hook failed (above); the container runs");
	}
	free(fifo);
out:
	if (lock >= 0)
		close(lock);
	oci_state_free(&st);
	return r;
}

static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "preserve-fds", required_argument, NULL, 'f' },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, 'k' },
	{ "no-pivot", no_argument, NULL, 'N' },	/* nothing to pivot: accepted */
	{ "no-new-keyring", no_argument, NULL, 'K' },	/* keyrings are the host's */
	{ "pidfd-socket", required_argument, NULL, 'P' },
	{ "no-subreaper", no_argument, NULL, 'S' },
	{ 0 }
};

struct create_args {
	const char *bundle, *pid_file, *console, *id;
	bool detach, keep;
};

static int parse_create(int argc, char **argv, const char *cmd, struct create_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->bundle = ".";
	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+b:d", create_opts, NULL)) != -1) {
		switch (c) {
		case 'b': a->bundle = optarg; break;
		case 'p': a->pid_file = optarg; break;
		case 'c': a->console = optarg; break;
		case 'f': preserve_fds = atoi(optarg); break;
		case 'd': a->detach = true; break;
		case 'k': a->keep = true; break;
		case 'N': case 'K': case 'P': case 'S': break;
		default:
			oci_error("%s: bad usage; see 'cse-oci %s --help'", cmd, cmd);
			return -1;
		}
	}
	return oci_one_id(argc, argv, optind, cmd, &a->id);
}

int oci_cmd_create(int argc, char **argv)
{
	struct create_args a;

	if (parse_create(argc, argv, "create", &a) < 0)
		return 1;
	return oci_create(a.id, a.bundle, a.pid_file, a.console, false, NULL) ? 1 : 0;
}

int oci_cmd_start(int argc, char **argv)
{
	const char *id;

	if (oci_one_id(argc, argv, 1, "start", &id) < 0)
		return 1;
	return oci_start(id) ? 1 : 0;
}

static pid_t run_init;

static void forward(int sig)
{
	if (run_init > 0)
		kill(run_init, sig);
}

/* create + start; in the foreground, wait for the init and delete. */
int oci_cmd_run(int argc, char **argv)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	struct create_args a;
	int status, code;

	if (parse_create(argc, argv, "run", &a) < 0)
		return 1;
	if (oci_create(a.id, a.bundle, a.pid_file, a.console, !a.detach, &run_init) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	if (oci_start(a.id) < 0) {
		oci_delete(a.id, true);
		return 1;
	}
	if (a.detach)
		return 0;
	while (waitpid(run_init, &status, 0) < 0)
		if (errno != EINTR)
			oci_die("waitpid: %s", strerror(errno));
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!a.keep && oci_delete(a.id, true) < 0)
		return 1;
	return code;
}
