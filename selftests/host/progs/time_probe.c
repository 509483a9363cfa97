// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * time_probe: what a program sees of the clocks, for selftests/host/time.t.
 *
 *   time_probe clocks        one line per way of reading the wall clock:
 *                            "NAME SECONDS", including direct calls of the
 *                            vDSO's entry points (found via AT_SYSINFO_EHDR)
 *                            and a raw clock_gettime system call
 *   time_probe reads N       N reads each of clock_gettime, gettimeofday
 *                            and time through libc, then "reads N"
 *   time_probe abs-sleep S   clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME,
 *                            now + S), then "slept SECONDS" (monotonic)
 *   time_probe condwait S    pthread_cond_timedwait until now + S (realtime:
 *                            futex FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME)
 *   time_probe timerfd S     a CLOCK_REALTIME timerfd, TFD_TIMER_ABSTIME
 *
 * Built static and dynamic: a static binary finds the vDSO on its own.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void *vdso_sym(const char *name)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Shdr *sh;

	if (!base)
		return NULL;
	sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
			if (!strcmp(str + sym[k].st_name, name))
				return (void *)(base + sym[k].st_value);
	}
	return NULL;
}

static double ts(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void clocks(void)
{
	int (*v_cgt)(clockid_t, struct timespec *) = vdso_sym("__vdso_clock_gettime");
	int (*v_gtod)(struct timeval *, void *) = vdso_sym("__vdso_gettimeofday");
	time_t (*v_time)(time_t *) = vdso_sym("__vdso_time");
	struct timespec t;
	struct timeval tv;

	if (!v_cgt || !v_gtod || !v_time) {
		printf("no-vdso\n");
		exit(3);
	}
	v_cgt(CLOCK_REALTIME, &t);
	printf("vdso_clock_gettime %lld\n", (long long)t.tv_sec);
	v_gtod(&tv, NULL);
	printf("vdso_gettimeofday %lld\n", (long long)tv.tv_sec);
	printf("vdso_time %lld\n", (long long)v_time(NULL));
	printf("clock_gettime %lld\n", (long long)ts(CLOCK_REALTIME));
	printf("realtime_coarse %lld\n", (long long)ts(CLOCK_REALTIME_COARSE));
	printf("tai %lld\n", (long long)ts(CLOCK_TAI));	/* TAI - UTC: 0 to 37 s */
	gettimeofday(&tv, NULL);
	printf("gettimeofday %lld\n", (long long)tv.tv_sec);
	printf("time %lld\n", (long long)time(NULL));
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &t);
	printf("syscall_clock_gettime %lld\n", (long long)t.tv_sec);
}

static void reads(long n)
{
	struct timespec t;
	struct timeval tv;

	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &t);
		clock_gettime(CLOCK_MONOTONIC, &t);
		gettimeofday(&tv, NULL);
		time(NULL);
	}
	printf("reads %ld\n", n);
}

int main(int argc, char **argv)
{
	double s = argc > 2 ? atof(argv[2]) : 0, t0;
	struct timespec dl;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;

	if (argc < 2) {
		fprintf(stderr, "usage: time_probe clocks|reads N|abs-sleep S|condwait S|timerfd S\n");
		return 2;
	}
	if (!strcmp(argv[1], "clocks")) {
		clocks();
		return 0;
	}
	if (!strcmp(argv[1], "reads")) {
		reads((long)s);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)s;
	dl.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	t0 = ts(CLOCK_MONOTONIC);
	if (!strcmp(argv[1], "abs-sleep")) {
		if (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &dl, NULL))
			return 1;
	} else if (!strcmp(argv[1], "condwait")) {
		pthread_mutex_lock(&m);
		while (pthread_cond_timedwait(&c, &m, &dl) == 0)
			;
		pthread_mutex_unlock(&m);
	} else if (!strcmp(argv[1], "timerfd")) {
		struct itimerspec its = { .it_value = dl };
		int fd = timerfd_create(CLOCK_REALTIME, 0);
		uint64_t n;

		if (fd < 0 || timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) ||
		    read(fd, &n, sizeof(n)) != sizeof(n))
			return 1;
	} else {
		fprintf(stderr, "time_probe: unknown mode %s\n", argv[1]);
		return 2;
	}
	printf("slept %.3f\n", ts(CLOCK_MONOTONIC) - t0);
	return 0;
}
