// SPDX-License-Identifier: GPL-2.0 OR MIT
/* soc PATH [N]: ns per stat+open+close iteration on PATH. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100000;
	struct timespec a, b;
	struct stat st;

	for (long i = 0; i < n + 1000; i++) {
		int fd;

		if (i == 1000)
			clock_gettime(CLOCK_MONOTONIC, &a);
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (stat(argv[1], &st) < 0 || fd < 0)
			return 1;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
