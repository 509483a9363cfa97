// SPDX-License-Identifier: GPL-2.0
/*
 * fs_fdmark DIR: descriptors across a copy-up, and descriptors the fs
 * element marks as opened on an upper file (fs_fd.c). DIR holds f and g
 * (files) and sub/ (a directory with a file). Everything printed must be
 * what the same program prints natively on a copy of DIR: fd numbers,
 * data read through a descriptor opened before the copy-up and its
 * dups, metadata changed through them, a marked descriptor replaced by
 * dup2 of a lower one, a merged directory listed through a descriptor
 * opened without O_DIRECTORY.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;

static char *at(const char *name)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void show_mode(const char *what, int fd, const char *name)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat(at(name), &b)) {
		printf("%s: stat failed\n", what);
		return;
	}
	/* An mtime set by a write is the clock's: shown as 0. */
	printf("%s: fd %o %ld, path %o %ld %ld\n", what, a.st_mode & 07777, (long)a.st_size,
	       b.st_mode & 07777, (long)b.st_size,
	       b.st_mtime < 1700000000 ? (long)b.st_mtime : 0L);
}

static int cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int main(int argc, char **argv)
{
	struct timespec ts[2] = { { 1234567890, 0 }, { 1234567890, 0 } };
	char buf[256], *names[64];
	int a, b, c, w, n, l, nn = 0;
	ssize_t k;
	DIR *d;
	struct dirent *e;

	if (argc != 2)
		return 2;
	dir = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);

	/* A lower file, opened read-only and duplicated before any write. */
	a = open(at("f"), O_RDONLY);
	b = dup(a);
	c = fcntl(a, F_DUPFD_CLOEXEC, 20);
	printf("fds %d %d %d\n", a, b, c);
	k = read(a, buf, 4);
	printf("read a: %.*s\n", (int)(k > 0 ? k : 0), buf);
	/* The first write through another descriptor copies it up. */
	w = open(at("f"), O_WRONLY | O_APPEND);
	printf("writer %d, write %zd\n", w, write(w, "more\n", 5));
	k = read(a, buf, sizeof(buf));
	printf("read a on: %.*s|\n", (int)(k > 0 ? k : 0), buf);
	k = pread(b, buf, sizeof(buf), 0);
	printf("pread b: %.*s|\n", (int)(k > 0 ? k : 0), buf);
	printf("fchmod c %d\n", fchmod(c, 0604));
	show_mode("f via a", a, "f");
	show_mode("f via w", w, "f");
	printf("cloexec c %d b %d\n", !!(fcntl(c, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(b, F_GETFD) & FD_CLOEXEC));

	/* A new file (upper): its metadata calls change it alone. */
	n = open(at("new"), O_CREAT | O_WRONLY | O_EXCL, 0644);
	printf("new %d, write %zd\n", n, write(n, "n\n", 2));
	printf("fchmod new %d futimens new %d\n", fchmod(n, 0600), futimens(n, ts));
	show_mode("new", n, "new");

	/* Its number now names a lower file: a metadata change through it
	 * copies that one up (the mark went with the old file). */
	l = open(at("g"), O_RDONLY);
	printf("dup2 %d\n", dup2(l, n));
	printf("fchmod g %d\n", fchmod(n, 0640));
	show_mode("g", n, "g");
	show_mode("new again", open(at("new"), O_RDONLY), "new");

	/* A directory both layers hold, listed through a descriptor opened
	 * without O_DIRECTORY (as tar and fts do). */
	close(open(at("sub/added"), O_CREAT | O_WRONLY, 0644));
	d = fdopendir(open(at("sub"), O_RDONLY | O_NONBLOCK | O_NOFOLLOW));
	while (d && (e = readdir(d)) && nn < 64)
		names[nn++] = strdup(e->d_name);
	qsort(names, (size_t)nn, sizeof(names[0]), cmp);
	printf("sub:");
	for (int i = 0; i < nn; i++)
		printf(" %s", names[i]);
	printf("\n");
	return 0;
}
