// SPDX-License-Identifier: GPL-2.0
/*
 * Threads racing for the top of the fd table: one dup2()s, dup3()s and
 * F_DUPFDs its own file onto every number near the limit (where the
 * runtime keeps its fds) and writes one byte through each copy, others
 * make system calls meanwhile (each a trace log line under
 * --trace-log). The file must hold exactly our bytes, and the counts
 * must be those of a native run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROUNDS 30
#define SPAN 48

static int lim, fd;
static long bytes, ok, failed;
static volatile int stop;

static void *busy(void *arg)
{
	(void)arg;
	while (!stop)
		getppid();
	return NULL;
}

static void *dupper(void *arg)
{
	int mode = (int)(long)arg;

	for (int r = 0; r < ROUNDS; r++) {
		for (int n = lim - SPAN + mode; n < lim; n += 2) {
			int got = mode ? dup3(fd, n, O_CLOEXEC) : dup2(fd, n);

			if (got != n) {
				__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
				continue;
			}
			__atomic_add_fetch(&ok, 1, __ATOMIC_RELAXED);
			if (write(n, "d", 1) == 1)
				__atomic_add_fetch(&bytes, 1, __ATOMIC_RELAXED);
		}
		for (int n = lim - SPAN + mode; n < lim; n += 2)
			close(n);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	pthread_t b[2], d[2];
	struct stat st;
	int hi = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (!getenv("FD_RACE_REEXEC")) {
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		if (setrlimit(RLIMIT_NOFILE, &rl) || setenv("FD_RACE_REEXEC", "1", 1))
			return 1;
		execv("/proc/self/exe", argv);
		return 127;
	}
	lim = (int)rl.rlim_cur;
	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&b[i], NULL, busy, NULL) ||
		    pthread_create(&d[i], NULL, dupper, (void *)(long)i))
			return 1;
	/* F_DUPFD just below the dup2 range from here meanwhile. */
	for (int r = 0; r < ROUNDS * 4; r++) {
		int n = fcntl(fd, F_DUPFD, lim - SPAN - 4);

		if (n >= 0) {
			if (n != lim - SPAN - 4)
				hi = n;
			if (write(n, "f", 1) == 1)
				__atomic_add_fetch(&bytes, 1, __ATOMIC_RELAXED);
			close(n);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(d[i], NULL);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(b[i], NULL);
	fstat(fd, &st);
	printf("dups ok %ld failed %ld; bytes written %ld, in file %lld\n", ok, failed, bytes,
	       (long long)st.st_size);
	/* Threads interleave 'd' and 'f' in any order: count, then drop it. */
	{
		long kinds[3] = { 0 };
		char buf[4096];
		ssize_t n;
		int in = open(argv[1], O_RDONLY);

		while ((n = read(in, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++)
				kinds[buf[i] == 'd' ? 0 : buf[i] == 'f' ? 1 : 2]++;
		printf("file: %ld d, %ld f, %ld other\n", kinds[0], kinds[1], kinds[2]);
		unlink(argv[1]);
	}
	printf("F_DUPFD always lim-%d: %s\n", SPAN + 4, hi ? "no" : "yes");
	return 0;
}
