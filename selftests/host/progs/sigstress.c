// SPDX-License-Identifier: GPL-2.0
/*
 * Signals landing on threads that make system calls all the time, as the
 * Go runtime does: each worker has a small alternate stack and an
 * SA_ONSTACK handler that itself makes calls (so handlers nest into the
 * runtime's work and the runtime's work into handlers); a sender thread
 * fires tgkill at the workers. Checks that every handler ran on its own
 * alternate stack (or nested on it), nothing crashed, and prints only
 * deterministic totals.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS	4
#define LOOPS	20000
#define ALT_SIZE (16 * 1024)

static __thread char *my_alt;
static atomic_int handled, off_stack;
static atomic_int tids[WORKERS];
static atomic_int done;

static void handler(int sig)
{
	char here;

	(void)sig;
	if (!my_alt || (uintptr_t)&here - (uintptr_t)my_alt >= ALT_SIZE)
		atomic_fetch_add(&off_stack, 1);
	syscall(SYS_getppid);
	atomic_fetch_add(&handled, 1);
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg, fd;
	stack_t ss;

	my_alt = malloc(ALT_SIZE);
	ss.ss_sp = my_alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		abort();
	atomic_store(&tids[i], (int)syscall(SYS_gettid));
	for (int n = 0; n < LOOPS; n++) {
		syscall(SYS_getppid);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			abort();
		close(fd);
	}
	return NULL;
}

static void *sender(void *arg)
{
	int pid = getpid(), sent = 0;

	(void)arg;
	while (!atomic_load(&done)) {
		for (int i = 0; i < WORKERS; i++) {
			int t = atomic_load(&tids[i]);

			if (t && syscall(SYS_tgkill, pid, t, SIGUSR1) == 0)
				sent++;
		}
		usleep(200);
	}
	return (void *)(intptr_t)sent;
}

int main(void)
{
	pthread_t w[WORKERS], s;
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK | SA_RESTART };
	void *sent;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i);
	pthread_create(&s, NULL, sender, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&done, 1);
	pthread_join(s, &sent);
	printf("workers done: %d x %d\n", WORKERS, LOOPS);
	printf("signals handled: %s\n", atomic_load(&handled) > 0 ? "some" : "none");
	printf("handlers off their alternate stack: %d\n", atomic_load(&off_stack));
	return 0;
}
