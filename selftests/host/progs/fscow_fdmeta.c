// SPDX-License-Identifier: GPL-2.0
/*
 * fscow_fdmeta FILE: metadata changes through a read-only descriptor
 * opened before any write (fchmod, futimens, fsetxattr), then what the
 * descriptor and the path show. Under --root --overlay the lower FILE
 * must stay unchanged (fscow.t compares it before and after).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts[2] = { { 1234567890, 0 }, { 1234567890, 0 } };
	struct stat a, b;
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	printf("fchmod %d\n", fchmod(fd, 0604));
	printf("futimens %d\n", futimens(fd, ts));
	printf("fsetxattr %d\n", fsetxattr(fd, "user.cse", "v", 1, 0) == 0 ? 0 : -1);
	fstat(fd, &a);
	stat(argv[1], &b);
	printf("fd %o %ld, path %o %ld\n", a.st_mode & 07777, (long)a.st_mtime,
	       b.st_mode & 07777, (long)b.st_mtime);
	return 0;
}
