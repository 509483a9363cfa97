// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * 64 threads each make 2000 system calls (gettid, getppid, pipe writes
 * and reads of their own pipe) and check every result.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 64
#define ROUNDS 500

static pid_t parent;

static void *worker(void *arg)
{
	long bad = 0;
	int p[2];
	pid_t tid = (pid_t)syscall(SYS_gettid);

	(void)arg;
	if (pipe(p) < 0)
		return (void *)1L;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned char c = (unsigned char)i, d = 0;

		if ((pid_t)syscall(SYS_gettid) != tid || getppid() != parent)
			bad++;
		if (write(p[1], &c, 1) != 1 || read(p[0], &d, 1) != 1 || c != d)
			bad++;
	}
	close(p[0]);
	close(p[1]);
	return (void *)bad;
}

int main(void)
{
	pthread_t t[NTHREADS];
	long bad = 0;

	parent = getppid();
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 2;
	for (int i = 0; i < NTHREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += (long)r;
	}
	printf("%d threads x %d rounds: bad=%ld\n", NTHREADS, ROUNDS, bad);
	return bad ? 1 : 0;
}
