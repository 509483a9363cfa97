// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Hooks (config.json "hooks"): host programs run at points of the
 * lifecycle, each with the container's state JSON on its stdin, its own
 * args and env, and an optional timeout in seconds.
 *
 *   prestart, createRuntime, createContainer   create, once the init waits
 *                                              (a failure fails the create)
 *   startContainer                             start, before the program
 *                                              is released (fails start)
 *   poststart                                  start, after the release
 *   poststop                                   delete, once every process
 *                                              has ended (a warning)
 *
 * There is no container namespace to enter: createContainer and
 * startContainer run in the host's, like the others (cse-oci(1)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static int run_one(const char *kind, size_t i, json_t *h, const char *state)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	json_int_t timeout = json_integer_value(json_object_get(h, "timeout"));
	struct strv argv = { 0 }, env = { 0 };
	int pfd[2], status = 0;
	struct timespec t0, now;
	size_t k;
	json_t *v;
	pid_t pid;

	if (!path || path[0] != '/') {
		oci_error("hooks.%s[%zu]: path must be absolute", kind, i);
		return -1;
	}
	json_array_foreach(json_object_get(h, "args"), k, v)
		strv_add(&argv, oci_xstrdup(json_string_value(v) ?: ""));
	if (!argv.n)
		strv_add(&argv, oci_xstrdup(path));
	json_array_foreach(json_object_get(h, "env"), k, v)
		strv_add(&env, oci_xstrdup(json_string_value(v) ?: ""));
	if (!env.n)
		strv_add(&env, oci_xstrdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(pfd[0], 0);
		execve(path, argv.v, env.v);
		_exit(127);
	}
	close(pfd[0]);
	/* a hook that does not read its stdin must not block us: SIGPIPE off */
	signal(SIGPIPE, SIG_IGN);
	if (pid > 0 && write(pfd[1], state, strlen(state)) < 0 && errno != EPIPE)
		oci_warn("hooks.%s[%zu]: cannot write the state: %s", kind, i, strerror(errno));
	close(pfd[1]);
	strv_free(&argv);
	strv_free(&env);
	if (pid < 0) {
		oci_error("hooks.%s[%zu] %s: fork: %s", kind, i, path, strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			oci_error("hooks.%s[%zu] %s: waitpid: %s", kind, i, path, strerror(errno));
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout > 0 && now.tv_sec - t0.tv_sec >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			oci_error("hooks.%s[%zu] %s: timed out after %lld s", kind, i, path,
				  (long long)timeout);
			return -1;
		}
		usleep(10000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		oci_error("hooks.%s[%zu] %s: %s %d", kind, i, path,
			  WIFEXITED(status) ? "exited with status" : "killed by signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

int oci_hooks_run(const struct oci_state *st, const char *kind)
{
	json_t *hooks = json_object_get(json_object_get(st->j, "hooks"), kind), *h;
	json_t *sj;
	char *state;
	size_t i;
	int r = 0;

	if (!json_array_size(hooks))
		return 0;
	sj = oci_state_json(st);
	state = json_dumps(sj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(sj);
	json_array_foreach(hooks, i, h)
		if (run_one(kind, i, h, state ? state : "{}") < 0) {
			r = -1;
			break;
		}
	free(state);
	return r;
}
