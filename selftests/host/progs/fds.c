// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor table as the program sees it, printed so a run under
 * cse-run can be compared with a native one: /proc fd listings and links,
 * close/close_range/dup2/dup3/fcntl on every number up to the limit,
 * F_DUPFD near the top, closing all listed fds, lowering RLIMIT_NOFILE,
 * and exec after all that. Numbers are printed relative to the limit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long lim;

static const char *err(long r)
{
	return r >= 0 ? "ok" : strerrorname_np(errno);
}

/* Names in a directory, sorted numerically, as one line. */
static void list(const char *dir)
{
	int n = 0, v[4096];
	DIR *d = opendir(dir);
	struct dirent *e;
	int self;

	if (!d) {
		printf("%s: %s\n", dir, err(-1));
		return;
	}
	self = dirfd(d);
	while ((e = readdir(d)) && n < 4096) {
		if (e->d_name[0] == '.')
			continue;
		if (atoi(e->d_name) != self)
			v[n++] = atoi(e->d_name);
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				int t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	printf("%s:", dir[6] == 's' || dir[6] == 't' ? dir : "/proc/PID/...");
	for (int i = 0; i < n; i++)
		printf(" %d", v[i]);
	printf("\n");
}

/* How many numbers in [3, lim) answer each question. */
static void scan(const char *what)
{
	int getfd = 0, link = 0, info = 0, st = 0, fst = 0, rd = 0, dev = 0, op = 0, rel = 0;
	char path[64], buf[256];
	struct stat sb;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);

	for (int n = 3; n < lim; n++) {
		int o;

		if (n == dfd)
			continue;
		getfd += fcntl(n, F_GETFD) >= 0;
		fst += fstat(n, &sb) == 0;
		rd += read(n, buf, 0) >= 0 || errno != EBADF;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n);
		link += readlink(path, buf, sizeof(buf)) >= 0;
		st += stat(path, &sb) == 0;
		o = open(path, O_RDONLY | O_CLOEXEC);
		if (o >= 0) {
			op++;
			close(o);
		}
		snprintf(path, sizeof(path), "%d", n);
		rel += fstatat(dfd, path, &sb, 0) == 0;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", n);
		info += access(path, F_OK) == 0;
		snprintf(path, sizeof(path), "/dev/fd/%d", n);
		dev += lstat(path, &sb) == 0;
	}
	close(dfd);
	printf("%s: open getfd=%d fstat=%d read=%d readlink=%d stat=%d open=%d at=%d fdinfo=%d devfd=%d\n",
	       what, getfd, fst, rd, link, st, op, rel, info, dev);
}

/* A daemon's idiom: close everything /proc/self/fd lists, until empty. */
static void close_listed(void)
{
	int rounds = 0, left;

	do {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;

		left = 0;
		while ((e = readdir(d))) {
			int fd = atoi(e->d_name);

			if (e->d_name[0] == '.' || fd == dirfd(d) || fd <= 2)
				continue;
			close(fd);
			left++;
		}
		closedir(d);
	} while (left && ++rounds < 50);
	printf("close listed: %d rounds%s\n", rounds, left ? " (still listed)" : "");
}

static void run_true(const char *what)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "echo child sees $(ls /proc/self/fd | wc -l) fds", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("%s: exec status %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	char path[64];
	int fd, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (!getenv("FDS_REEXEC")) {
		/* A known limit, set before an exec as a shell's ulimit would. */
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		if (setrlimit(RLIMIT_NOFILE, &rl) || setenv("FDS_REEXEC", "1", 1))
			return 1;
		execv("/proc/self/exe", argv);
		return 127;
	}
	lim = (long)rl.rlim_cur;
	list("/proc/self/fd");
	list("/proc/self/fdinfo");
	list("/proc/thread-self/fd");
	snprintf(path, sizeof(path), "/proc/%d/fd", getpid());
	list(path);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/fdinfo", getpid(), gettid());
	list(path);
	scan("start");

	/* F_DUPFD near the top lands where it would natively. */
	for (long base = lim - 40; base < lim; base += 3) {
		fd = fcntl(1, F_DUPFD_CLOEXEC, base);
		printf("F_DUPFD(lim-%ld) = lim-%ld\n", lim - base, fd < 0 ? 0 : lim - fd);
	}
	scan("after F_DUPFD");
	close_range(3, ~0u, 0);
	scan("after close_range");
	{
		/* Truncating opens of free numbers' links: none may succeed. */
		int ok = 0;

		for (int n = 3; n < lim; n++) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", n);
			r = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (r >= 0) {
				ok++;
				close(r);
			}
		}
		printf("O_TRUNC opens of fd links: %d\n", ok);
	}

	/*
	 * dup2/dup3 onto every number but a few (the runtime needs somewhere
	 * to live); writes land in our own file only.
	 */
	fd = open(argc > 1 ? argv[1] : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (int n = 3; n < lim; n++) {
		if (n == fd || (n >= 100 && n < 110))
			continue;
		r = n & 1 ? dup2(fd, n) : dup3(fd, n, O_CLOEXEC);
		if (r != n)
			printf("dup onto %d: %s\n", n, err(r));
	}
	scan("after dup2 onto all");
	for (int n = lim - 1; n >= lim - 40; n--)
		if (write(n, "x", 1) != 1)
			printf("write %d: %s\n", n, err(-1));
	getpid();
	printf("close fd: %s, close again: ", err(close(fd)));
	printf("%s\n", err(close(fd)));
	for (int n = 3; n < lim; n++)
		if (n != fd && (n < 100 || n >= 110) && close(n) != 0)
			printf("close %d: %s\n", n, err(-1));
	scan("after closing all");
	run_true("after closing all");
	if (argc > 1) {
		struct stat sb;

		stat(argv[1], &sb);
		printf("own file: %lld bytes\n", (long long)sb.st_size);
	}

	/* Free numbers answer EBADF, ranges are checked as natively. */
	printf("close(lim-1) %s\n", err(close(lim - 1)));
	printf("fcntl(lim-2, F_GETFD) %s\n", err(fcntl(lim - 2, F_GETFD)));
	printf("dup2(lim-3, 5) %s\n", err(dup2(lim - 3, 5)));
	printf("dup3(lim-3, lim-3) %s\n", err(dup3(lim - 3, lim - 3, 0)));
	printf("close_range(9, 3) %s\n", err(close_range(9, 3, 0)));
	printf("close_range flags %s\n", err(close_range(3, 9, 0x100)));

	/* Open many, then close everything listed. */
	for (int i = 0; i < 20; i++)
		open("/dev/null", O_RDONLY);
	close_listed();
	list("/proc/self/fd");
	run_true("after close listed");

	/* Lower the limit below the top numbers; lowest-free still holds. */
	rl.rlim_cur = 64;
	printf("setrlimit 64 %s\n", err(setrlimit(RLIMIT_NOFILE, &rl)));
	lim = 64;
	fd = open("/dev/null", O_RDONLY);
	printf("open after lowering = %d\n", fd);
	printf("F_DUPFD(60) = %d\n", fcntl(fd, F_DUPFD, 60));
	printf("F_DUPFD(64) %s\n", err(fcntl(fd, F_DUPFD, 64)));
	scan("after lowering");
	list("/proc/self/fd");
	run_true("after lowering");
	return 0;
}
