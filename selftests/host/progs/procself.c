// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * procself: prints what the kernel shows of this process in /proc, for
 * procview.t to compare native runs with runs under cse-run: argv,
 * /proc/self/{cmdline,comm,environ,stat,status}, each thread's comm,
 * AT_EXECFN. With a mode first, it execs instead:
 *   --exec PATH ARGV0 [ARG...]    execv with ARGV0 different from PATH
 *   --execat DIR NAME [ARG...]    execveat relative to a directory fd
 *   --execat-cloexec DIR NAME ... the same with a close-on-exec fd
 *   --fexec PATH [ARG...]         execveat(fd, "", AT_EMPTY_PATH)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static void put_escaped(const char *label, const char *buf, size_t n)
{
	printf("%s: ", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == 0)
			fputs("\\0", stdout);
		else if (c < 32 || c > 126 || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	while (n < size && (r = read(fd, buf + n, size - n)) > 0)
		n += (size_t)r;
	close(fd);
	return n;
}

static pthread_barrier_t bar;

static void *thread_main(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);	/* listed */
	pthread_barrier_wait(&bar);	/* read */
	return NULL;
}

static void thread_comms(void)
{
	static char buf[64];
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300];
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		len = slurp(path, buf, sizeof(buf));
		put_escaped("task comm", buf, len);
		n++;
	}
	if (d)
		closedir(d);
	printf("threads: %d\n", n);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t n, envn = 0;
	char *p, *q;
	pthread_t th;

	if (argc > 3 && !strcmp(argv[1], "--exec")) {
		execv(argv[2], argv + 3);
		perror("execv");
		return 127;
	}
	if (argc > 3 && !strncmp(argv[1], "--execat", 8)) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY |
			       (strcmp(argv[1], "--execat-cloexec") ? 0 : O_CLOEXEC));

		syscall(SYS_execveat, dfd, argv[3], argv + 3, environ, 0);
		perror("execveat");
		return 127;
	}
	if (argc > 2 && !strcmp(argv[1], "--fexec")) {
		int fd = open(argv[2], O_RDONLY);	/* a script needs it open */

		syscall(SYS_execveat, fd, "", argv + 2, environ, AT_EMPTY_PATH);
		perror("fexecve");
		return 127;
	}

	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++)
		put_escaped("argv", argv[i], strlen(argv[i]));
	n = slurp("/proc/self/cmdline", buf, sizeof(buf));
	put_escaped("cmdline", buf, n);
	n = slurp("/proc/self/comm", buf, sizeof(buf));
	put_escaped("comm", buf, n);
	n = slurp("/proc/self/stat", buf, sizeof(buf) - 1);
	buf[n] = 0;
	p = strchr(buf, '(');
	q = strrchr(buf, ')');
	if (p && q)
		put_escaped("stat comm", p + 1, (size_t)(q - p - 1));
	n = slurp("/proc/self/status", buf, sizeof(buf) - 1);
	buf[n] = 0;
	p = strstr(buf, "Name:");
	q = p ? strchr(p, '\n') : NULL;
	if (p && q)
		put_escaped("status", p, (size_t)(q - p));
	n = slurp("/proc/self/environ", buf, sizeof(buf));
	put_escaped("environ", buf, n);
	for (char **e = environ; *e; e++)
		envn += strlen(*e) + 1;
	printf("environ is envp: %s\n", envn == n ? "yes" : "no");
	put_escaped("execfn", (const char *)getauxval(AT_EXECFN),
		    strlen((const char *)getauxval(AT_EXECFN)));

	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_barrier_wait(&bar);
	thread_comms();
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);
	return 0;
}
