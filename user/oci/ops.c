// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * state, kill, ps, pause, resume, delete, list, update: commands on an existing
 * container. Messages and rules follow runc's, which the shim and podman
 * match on: kill of a stopped container fails ("container not running")
 * except kill --all, which ends what is left; delete of a running one
 * fails unless --force; delete of a created one ends its init.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "oci.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* "9", "KILL", "SIGKILL", "sigkill", "RTMIN+3": the signal, or -1. */
int oci_signal_parse(const char *s)
{
	char *end;
	long n;

	if (isdigit((unsigned char)*s)) {
		n = strtol(s, &end, 10);
		return *end || n < 1 || n >= NSIG ? -1 : (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	if (!strncasecmp(s, "RTMIN", 5)) {
		n = s[5] == '+' ? strtol(s + 6, &end, 10) : 0;
		if ((s[5] && s[5] != '+') || (s[5] == '+' && *end) || SIGRTMIN + n > SIGRTMAX)
			return -1;
		return SIGRTMIN + (int)n;
	}
	return -1;
}

int oci_one_id(int argc, char **argv, int first, const char *cmd, const char **id)
{
	if (argc - first != 1) {
		oci_error("\"%s\" requires exactly 1 argument (the container id), got %d; see 'cse-oci %s --help'",
			  cmd, argc - first, cmd);
		return -1;
	}
	*id = argv[first];
	return 0;
}

json_t *oci_state_json(const struct oci_state *st)
{
	enum oci_status s = oci_status(st);
	json_t *o = json_object(), *a = json_object_get(st->j, "annotations");

	json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(s == OCI_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "status", json_string(oci_status_name(s)));
	json_object_set(o, "bundle", json_object_get(st->j, "bundle"));
	json_object_set(o, "rootfs", json_object_get(st->j, "rootfs"));
	json_object_set(o, "created", json_object_get(st->j, "created"));
	json_object_set(o, "owner", json_object_get(st->j, "owner"));
	if (json_object_size(a))
		json_object_set(o, "annotations", a);
	return o;
}

int oci_cmd_state(int argc, char **argv)
{
	struct oci_state st;
	const char *id;
	json_t *o;

	if (oci_one_id(argc, argv, 1, "state", &id) < 0 || oci_state_load(id, &st) < 0)
		return 1;
	o = oci_state_json(&st);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
	oci_state_free(&st);
	return 0;
}

int oci_cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	struct oci_state st;
	bool all = false;
	int c, sig = SIGTERM, r = 1;
	enum oci_status s;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a') {
			oci_error("kill: bad usage; see 'cse-oci kill --help'");
			return 1;
		}
		all = true;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		oci_error("\"kill\" requires 1 or 2 arguments (container id, signal); see 'cse-oci kill --help'");
		return 1;
	}
	if (argc - optind == 2 && (sig = oci_signal_parse(argv[optind + 1])) < 0) {
		oci_error("unknown signal \"%s\"", argv[optind + 1]);
		return 1;
	}
	if (oci_state_load(argv[optind], &st) < 0)
		return 1;
	s = oci_status(&st);
	if (s == OCI_CREATING) {
		oci_error("cannot kill a container that is still being created");
	} else if (all) {
		r = oci_instance_signal(&st, sig) ? 1 : 0;
	} else if (s == OCI_STOPPED) {
		oci_error("container not running");
	} else if (kill(st.pid, sig) < 0) {
		oci_error("kill %d: %s", (int)st.pid, strerror(errno));
	} else {
		r = 0;
	}
	oci_state_free(&st);
	return r;
}

static void print_cmd(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	for (ssize_t i = 0; i < n - 1; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n > 0 ? n : 0] = 0;
	printf("%-8d %s\n", (int)pid, buf);
}

int oci_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	const char *format = "table";
	struct oci_state st;
	size_t n;
	pid_t *pids;
	int c;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f') {
			oci_error("ps: bad usage; see 'cse-oci ps --help'");
			return 1;
		}
		format = optarg;
	}
	if (strcmp(format, "json") && strcmp(format, "table")) {
		oci_error("ps: unknown format \"%s\": json or table", format);
		return 1;
	}
	/* runc passes further arguments to ps(1); there are none here */
	if (argc - optind < 1 || oci_state_load(argv[optind], &st) < 0) {
		if (argc - optind < 1)
			oci_error("\"ps\" requires the container id; see 'cse-oci ps --help'");
		return 1;
	}
	pids = oci_instance_pids(&st, &n);
	if (!strcmp(format, "json")) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		json_dumpf(a, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(a);
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++)
			print_cmd(pids[i]);
	}
	free(pids);
	oci_state_free(&st);
	return 0;
}

static int freeze(int argc, char **argv, bool on)
{
	const char *cmd = on ? "pause" : "resume", *id;
	struct oci_state st;
	enum oci_status s;
	int r = 1, lock;

	if (oci_one_id(argc, argv, 1, cmd, &id) < 0 || oci_state_load(id, &st) < 0)
		return 1;
	lock = oci_state_lock(&st);
	s = oci_status(&st);
	if (on && s != OCI_RUNNING)
		oci_error("container not running");
	else if (!on && s != OCI_PAUSED)
		oci_error("container not paused");
	else if (oci_instance_freeze(&st, on) == 0 && oci_state_save(&st) == 0)
		r = 0;
	if (lock >= 0)
		close(lock);
	oci_state_free(&st);
	return r;
}

int oci_cmd_pause(int argc, char **argv)
{
	return freeze(argc, argv, true);
}

int oci_cmd_resume(int argc, char **argv)
{
	return freeze(argc, argv, false);
}

int oci_delete(const char *id, bool force)
{
	struct oci_state st;
	enum oci_status s;
	json_t *leaf;
	pid_t w;
	int r = -1, lock;

	if (oci_state_load(id, &st) < 0)
		return -1;
	lock = oci_state_lock(&st);
	s = oci_status(&st);
	if (!force && (s == OCI_RUNNING || s == OCI_PAUSED)) {
		oci_error("cannot delete container %s that is not stopped: %s", id,
			  oci_status_name(s));
		goto out;
	}
	if (oci_instance_end(&st) < 0)
		goto out;
	/* the spec: a failing poststop hook is a warning, delete goes on */
	if (oci_hooks_run(&st, "poststop") < 0)
		oci_warn("delete: a poststop hook failed (above); the container is deleted anyway");
	w = (pid_t)json_integer_value(json_object_get(st.j, "watcher"));
	if (oci_pid_alive(w, (unsigned long long)json_integer_value(json_object_get(st.j, "watcher_start"))))
		kill(w, SIGKILL);
	leaf = json_object_get(st.j, "cgroup");
	if (json_is_string(leaf) && oci_cgroup_remove(json_string_value(leaf)) < 0)
		goto out;
	if (oci_reach_release(st.dir) < 0)
		goto out;
	if (oci_remove_tree(st.dir) < 0) {
		oci_error("cannot remove the state directory %s", st.dir);
		goto out;
	}
	r = 0;
out:
	if (lock >= 0)
		close(lock);
	oci_state_free(&st);
	return r;
}

int oci_cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	const char *id;
	int c;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f') {
			oci_error("delete: bad usage; see 'cse-oci delete --help'");
			return 1;
		}
		force = true;
	}
	if (oci_one_id(argc, argv, optind, "delete", &id) < 0)
		return 1;
	return oci_delete(id, force) ? 1 : 0;
}

int oci_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "quiet", no_argument, NULL, 'q' }, { 0 } };
	bool json = false, quiet = false;
	json_t *all = json_array();
	struct dirent *e;
	DIR *d;
	int c;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table"))) {
			json = !strcmp(optarg, "json");
		} else if (c == 'q') {
			quiet = true;
		} else {
			oci_error("list: bad usage; see 'cse-oci list --help'");
			return 1;
		}
	}
	d = opendir(oci_g.root);
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	while (d && (e = readdir(d))) {
		struct oci_state st;
		json_t *o;

		if (e->d_name[0] == '.' || !oci_valid_id(e->d_name) || oci_state_load(e->d_name, &st) < 0)
			continue;
		o = oci_state_json(&st);
		if (json)
			json_array_append(all, o);
		else if (quiet)
			printf("%s\n", st.id);
		else
			printf("%-24s %-8lld %-10s %-40s %s\n", st.id,
			       json_integer_value(json_object_get(o, "pid")),
			       json_string_value(json_object_get(o, "status")),
			       json_string_value(json_object_get(o, "bundle")),
			       json_string_value(json_object_get(o, "created")));
		json_decref(o);
		oci_state_free(&st);
	}
	if (d)
		closedir(d);
	if (json) {
		json_dumpf(all, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(all);
	return 0;
}

/*
 * update: new resource limits (Kubernetes' UpdateContainerResources).
 * cse applies none (see linux.resources): read and checked, then warned
 * about, or refused in strict mode, like the same keys in config.json.
 */
int oci_cmd_update(int argc, char **argv)
{
	static const struct option opts[] = { { "resources", required_argument, NULL, 'r' }, { 0 } };
	const char *file = NULL, *id;
	struct oci_state st;
	json_error_t err;
	json_t *r = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, "+r:", opts, NULL)) != -1) {
		if (c == 'r')
			file = optarg;
		/* runc's single-value flags (--memory, --cpu-quota, ...): limits too */
	}
	if (oci_one_id(argc, argv, optind, "update", &id) < 0 || oci_state_load(id, &st) < 0)
		return 1;
	if (file) {
		r = strcmp(file, "-") ? json_load_file(file, 0, &err) : json_loadf(stdin, 0, &err);
		if (!r) {
			oci_error("update: cannot read the resources %s: %s", file, err.text);
			oci_state_free(&st);
			return 1;
		}
	}
	json_decref(r);
	oci_state_free(&st);
	if (oci_g.strict) {
		oci_error("strict mode: cse cannot honour linux.resources (update)");
		return 1;
	}
	oci_warn("cse cannot honour linux.resources (update): no limit is applied");
	return 0;
}
