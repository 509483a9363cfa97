// SPDX-License-Identifier: GPL-2.0 OR MIT
/* spawn N CMD...: median wall time of N fork+execvp+wait of CMD, in ns. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : 0;
	double *t;

	if (n <= 0)
		return 2;
	t = calloc((size_t)n, sizeof(*t));
	for (long i = 0; i < n; i++) {
		struct timespec a, b;
		int st;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "spawn: %s failed\n", argv[2]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.0f\n", t[n / 2]);
	free(t);
	return 0;
}
