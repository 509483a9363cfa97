// SPDX-License-Identifier: GPL-2.0
/*
 * posix_spawn (a CLONE_VM|CLONE_VFORK child sharing our memory) whose
 * file actions dup2 onto every number near the limit, where the runtime
 * keeps its fds; the child execs a shell that counts its fds. Then the
 * parent goes on: its own table, a fork+exec, and a second spawn must be
 * as natively.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;	/* ".", ".." and the directory itself */
}

static void spawn(int lim, int fd, const char *what)
{
	posix_spawn_file_actions_t fa;
	char *av[] = { "sh", "-c", "n=0; for f in /proc/self/fd/*; do n=$((n+1)); done; "
		       "echo child fds $n; exit 3", NULL };
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	for (int n = lim - 40; n < lim; n++)
		posix_spawn_file_actions_adddup2(&fa, fd, n);
	r = posix_spawn(&pid, "/bin/sh", &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		printf("%s: posix_spawn %d\n", what, r);
		return;
	}
	waitpid(pid, &st, 0);
	printf("%s: child status %d, parent fds %d\n", what, WEXITSTATUS(st), count_fds());
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int fd, lim, st;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (!getenv("FD_SPAWN_REEXEC")) {
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		if (setrlimit(RLIMIT_NOFILE, &rl) || setenv("FD_SPAWN_REEXEC", "1", 1))
			return 1;
		execv("/proc/self/exe", argv);
		return 127;
	}
	lim = (int)rl.rlim_cur;
	fd = open(argc > 1 ? argv[1] : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	printf("parent fds %d\n", count_fds());
	spawn(lim, fd, "first");
	for (int n = lim - 40; n < lim; n++)
		if (fcntl(n, F_GETFD) >= 0)
			printf("parent has %d\n", n);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "echo forked child ran", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("fork+exec status %d\n", WEXITSTATUS(st));
	spawn(lim, fd, "second");
	return 0;
}
