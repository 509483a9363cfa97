// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fd_low: descriptor numbers around the runtime's low range (from 1000)
 * are the native ones. The runtime keeps its own fds there until the
 * application comes within 64 of them, then moves them to the top of
 * the limit for good; neither may show. Prints what it sees; fds.t
 * compares it with a native run.
 *
 *   fd_low            opens up to 1100 one by one (lowest free number
 *                     each time), closes and reopens around 1000, dup2
 *                     and F_DUPFD there, listings of /proc/self/fd, and
 *                     the listing of an exec'd image before and after
 *   fd_low list       print this image's /proc/self/fd numbers
 *   fd_low dup2       a fresh image: dup2 straight onto 1000 and 1001
 *   fd_low dupfd      a fresh image: F_DUPFD from 998, then opens
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The listing, as ranges "a-b" of consecutive numbers. */
static void list(const char *what)
{
	static int fd[8192];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d) {
		printf("%s: opendir: %s\n", what, strerror(errno));
		return;
	}
	while ((e = readdir(d)) && n < 8192) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		fd[n++] = atoi(e->d_name);
	}
	closedir(d);
	qsort(fd, (size_t)n, sizeof(fd[0]), cmp);
	printf("%s: %d fds:", what, n);
	for (int i = 0; i < n;) {
		int j = i;

		while (j + 1 < n && fd[j + 1] == fd[j] + 1)
			j++;
		if (j > i)
			printf(" %d-%d", fd[i], fd[j]);
		else
			printf(" %d", fd[i]);
		i = j + 1;
	}
	printf("\n");
	fflush(stdout);
}

static void run_self(const char *mode)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(self, self, mode, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		printf("%s: fork/wait failed\n", mode);
	else
		printf("%s: status %d\n", mode, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int open_null(void)
{
	return open("/dev/null", O_RDONLY);
}

/* dup2 straight onto the low range, in an image that never came near. */
static int dup2_mode(void)
{
	int a = dup2(1, 1000);
	int b = dup2(1, 1001);
	int c = fcntl(1, F_DUPFD, 999);
	char line[64];
	int n = snprintf(line, sizeof(line), "written through fd %d\n", a);

	printf("dup2 1000 -> %d, dup2 1001 -> %d, F_DUPFD 999 -> %d\n", a, b, c);
	fflush(stdout);
	if (write(a, line, (size_t)n) != n)
		printf("write to %d: %s\n", a, strerror(errno));
	printf("open after: %d\n", open_null());
	list("dup2 image");
	return 0;
}

static int dupfd_mode(void)
{
	int a = fcntl(0, F_DUPFD, 998);
	int b = fcntl(0, F_DUPFD, 998);
	int c = fcntl(0, F_DUPFD, 998);
	int d = open_null();

	printf("F_DUPFD 998 -> %d %d %d, open -> %d\n", a, b, c, d);
	list("dupfd image");
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int first, last, gaps = 0, fd;

	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "list")) {
		list("exec'd image");
		return 0;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < 4096) {
		printf("hard fd limit under 4096: nothing checked\n");
		return 0;
	}
	rl.rlim_cur = 4096;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		printf("setrlimit: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "dup2"))
		return dup2_mode();
	if (argc > 1 && !strcmp(argv[1], "dupfd"))
		return dupfd_mode();

	list("start");
	run_self("list");
	run_self("dup2");
	run_self("dupfd");

	/* Up to 1100, each open the lowest free number. */
	first = last = open_null();
	while (last >= 0 && last < 1100) {
		fd = open_null();
		if (fd != last + 1)
			gaps++;
		last = fd;
	}
	printf("opens: first %d, last %d, %d not the next number\n", first, last, gaps);
	list("after opens");

	close(1000);
	close(1001);
	close(1050);
	fd = open_null();
	printf("reopened: %d", fd);
	fd = open_null();
	printf(" %d", fd);
	fd = open_null();
	printf(" %d\n", fd);
	fd = dup2(0, 1010);
	printf("dup2 onto 1010: %d, onto 2000: %d\n", fd, dup2(0, 2000));
	close(995);
	printf("F_DUPFD 990: %d\n", fcntl(0, F_DUPFD, 990));
	printf("F_DUPFD_CLOEXEC 3000: %d\n", fcntl(0, F_DUPFD_CLOEXEC, 3000));
	list("after dups");
	run_self("list");

	for (fd = 3; fd < 4096; fd++)
		close(fd);
	list("all closed");
	run_self("list");
	printf("open after closing: %d\n", open_null());
	return 0;
}
