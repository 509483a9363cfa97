// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vfork + execve of /bin/echo, then of a missing program (the child must
 * _exit(127) without corrupting the parent), and waits for both.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run(const char *path, char *const argv[])
{
	int st;
	pid_t pid = vfork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	char *echo[] = { "echo", "from", "vfork", "child", NULL };
	char *none[] = { "none", NULL };
	int a, b;

	fflush(stdout);
	a = run("/bin/echo", echo);
	b = run("/nonexistent/none", none);
	printf("echo=%d missing=%d\n", a, b);
	return a == 0 && b == 127 ? 0 : 1;
}
