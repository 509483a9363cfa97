// SPDX-License-Identifier: GPL-2.0
/*
 * procmaps ROOT HOST: this process's /proc maps, smaps and mountinfo
 * opened by every name real programs use (paths.t). The program runs
 * from ROOT/bin/procmaps; for each way of opening it prints "ok" when
 * the text names the program by its ROOT path and, when ROOT is not
 * HOST (under the testroot element), never names HOST. Natively
 * ROOT == HOST: the output is the same text when the runtime rewrote
 * every form.
 *
 * A regular file named "maps" (ROOT/maps) must come back unchanged.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *root, *host;
static char self[4096];

static void check(const char *what, int fd, int want_self)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;

	if (fd < 0) {
		printf("%s: open failed\n", what);
		return;
	}
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	close(fd);
	if (want_self && !strstr(buf, self))
		printf("%s: does not name %s/bin/procmaps\n", what, "ROOT");
	else if (strcmp(root, host) && strstr(buf, host))
		printf("%s: names the host directory\n", what);
	else
		printf("%s: ok\n", what);
}

static long openat2_(int dirfd, const char *path, unsigned long long resolve)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = resolve };

	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static volatile pid_t other_tid;
static volatile int stop;

static void *other(void *arg)
{
	(void)arg;
	other_tid = gettid();
	while (!stop)
		usleep(1000);
	return NULL;
}

int main(int argc, char **argv)
{
	char p[4096];
	int procfd, selffd;
	pthread_t th;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: procmaps ROOT HOST\n");
		return 2;
	}
	root = argv[1];
	host = argv[2];
	snprintf(self, sizeof(self), " %s/bin/procmaps\n", root);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&th, NULL, other, NULL))
		return 3;
	while (!other_tid)
		usleep(1000);
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	selffd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	check("open /proc/self/maps", open("/proc/self/maps", O_RDONLY), 1);
	check("openat AT_FDCWD /proc/self/maps", openat(AT_FDCWD, "/proc/self/maps", O_RDONLY), 1);
	check("openat /proc dirfd, self/maps", openat(procfd, "self/maps", O_RDONLY), 1);
	check("openat /proc/self dirfd, maps", openat(selffd, "maps", O_RDONLY), 1);
	check("open /proc/thread-self/maps", open("/proc/thread-self/maps", O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/%d/maps", getpid());
	check("open /proc/PID/maps", open(p, O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/self/task/%d/maps", gettid());
	check("open /proc/self/task/TID/maps", open(p, O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/self/task/%d/maps", other_tid);
	check("open /proc/self/task/OTHER/maps", open(p, O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/%d/maps", other_tid);
	check("open /proc/OTHER-TID/maps", open(p, O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/%d/task/%d/maps", getpid(), other_tid);
	check("open /proc/PID/task/OTHER/maps", open(p, O_RDONLY), 1);
	check("openat2 /proc/self/maps", (int)openat2_(AT_FDCWD, "/proc/self/maps", 0), 1);
	check("openat2 /proc dirfd, self/maps, RESOLVE_BENEATH",
	      (int)openat2_(procfd, "self/maps", RESOLVE_BENEATH), 1);
	snprintf(p, sizeof(p), "/dev/fd/%d/maps", selffd);
	check("open /dev/fd/N/maps (N: /proc/self)", open(p, O_RDONLY), 1);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/maps", selffd);
	check("open /proc/self/fd/N/maps", open(p, O_RDONLY), 1);
	check("open /proc/self/smaps", open("/proc/self/smaps", O_RDONLY), 1);
	check("open /proc/self/./maps", open("/proc/self/./maps", O_RDONLY), 1);
	f = fopen("/proc/self/maps", "re");
	check("libc fopen /proc/self/maps", f ? dup(fileno(f)) : -1, 1);
	if (f)
		fclose(f);
	check("open /proc/self/mountinfo", open("/proc/self/mountinfo", O_RDONLY), 0);
	check("openat /proc/self dirfd, mountinfo", openat(selffd, "mountinfo", O_RDONLY), 0);
	check("openat2 /proc/thread-self/mountinfo",
	      (int)openat2_(AT_FDCWD, "/proc/thread-self/mountinfo", 0), 0);

	/* Not procfs: a file called maps is left alone. */
	snprintf(p, sizeof(p), "%s/maps", root);
	f = fopen(p, "we");
	if (f) {
		fprintf(f, "%s/plain\n", root);
		fclose(f);
	}
	{
		char buf[256] = "";
		int fd = open(p, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		buf[n > 0 ? n : 0] = 0;
		if (!strncmp(buf, root, strlen(root)))
			printf("a regular file named maps: <ROOT>%s", buf + strlen(root));
		else
			printf("a regular file named maps: %s\n", n > 0 ? buf : "(unreadable)");
		if (fd >= 0)
			close(fd);
	}
	stop = 1;
	pthread_join(th, NULL);
	return 0;
}
