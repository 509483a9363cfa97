// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec_site DIR: failing execs from one call site of libc's execve(),
 * in one process, then a working one from the same site.
 *
 * Under cse-run the site traps first; a site that trapped twice is
 * rewritten, so the later calls reach the runtime's exec through the
 * fast path (no signal frame). Each failure must still give the
 * kernel's errno and leave no descriptor open, and the last exec must
 * start the program. Prints one line per call, then the descriptors
 * left open, then "site: syscall" while execve's own instructions are
 * libc's `mov $59,%eax; syscall` or "site: patched" once rewritten
 * (on stderr: it differs from a native run), then runs /bin/echo.
 * DIR must hold: dir/ (a directory), noperm (mode 644), empty (mode
 * 755, empty), made by exec.t.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Volatile: the compiler must not see the bad pointer it is. */
static char *const *volatile bad_argv = (char *const *)1;

static const char *ename(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOEXEC: return "ENOEXEC";
	case EFAULT: return "EFAULT";
	case ENOTDIR: return "ENOTDIR";
	default: return "other";
	}
}

/* The open descriptors, as " N N ..." (readdir's own fd left out). */
static void open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int seen[64] = { 0 };

	if (!d) {
		printf("fds: cannot read\n");
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && atoi(e->d_name) < 64)
			seen[atoi(e->d_name)] = 1;
	closedir(d);
	printf("fds:");
	for (int i = 0; i < 64; i++)
		if (seen[i])
			printf(" %d", i);
	printf("\n");
}

int main(int argc, char **argv)
{
	static const char *names[] = { "missing", "dir", "noperm", "empty", "empty/x" };
	char *const args[] = { (char *)"prog", NULL };
	char *const env[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char path[4096];
	static const unsigned char libc_site[] = { 0xb8, 0x3b, 0, 0, 0, 0x0f, 0x05 };

	if (argc != 2) {
		fprintf(stderr, "usage: exec_site DIR\n");
		return 2;
	}
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
			errno = 0;
			execve(path, args, env);
			printf("%d %s: errno %s\n", round, names[i], ename(errno));
		}
		snprintf(path, sizeof(path), "%s/empty", argv[1]);
		errno = 0;
		execve(path, bad_argv, env);	/* an argv it cannot read */
		printf("%d bad argv: errno %s\n", round, ename(errno));
	}
	open_fds();
	fprintf(stderr, "site: %s\n",
		memcmp((const void *)execve, libc_site, sizeof(libc_site)) ? "patched" : "syscall");
	fflush(stdout);
	execve("/bin/echo", (char *const[]){ (char *)"echo", (char *)"ran", NULL }, env);
	printf("echo: errno %s\n", ename(errno));
	return 1;
}
