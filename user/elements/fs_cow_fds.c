// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: after a copy-up, the copying process's descriptors still
 * open on the lower file are moved to the upper copy, so that a file
 * opened for reading before the first write sees that write (and every
 * later one). Each such descriptor is reopened on the upper file with its
 * access mode and status flags, at its offset, and dup3()ed over its own
 * number (close-on-exec kept). Only this process's descriptor table is
 * reachable: another process's descriptor opened before the copy-up (or
 * shared with this one through fork) keeps the lower file.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define K_F_GETFL	3
#define K_SEEK_CUR	1

/* Descriptor fd is open on host path p. */
static int still(int fd, const char *p)
{
	LAY_BUF(target);
	char link[64];
	size_t n = cse_strlen(p);
	long t;

	if (!target)
		return 0;

	cse_snprintf(lay_svc, link, sizeof(link), "/proc/self/fd/%d", fd);
	t = lay_sys(__NR_readlink, link, target, FS_PATH_MAX - 1, 0, 0, 0);
	return t == (long)n && !cse_strncmp(target, p, n);
}

static void move_fd(int fd, const char *lower, const char *upper)
{
	long fl = lay_sys(__NR_fcntl, fd, K_F_GETFL, 0, 0, 0, 0);
	long fdfl = lay_sys(__NR_fcntl, fd, K_F_GETFD, 0, 0, 0, 0);
	long pos, nfd;

	if (fl < 0 || fdfl < 0 || (fl & K_O_PATH))
		return;
	pos = lay_sys(__NR_lseek, fd, 0, K_SEEK_CUR, 0, 0, 0);
	nfd = lay_sys(__NR_open, upper, (fl & ~(long)(K_O_CREAT | K_O_EXCL | K_O_TRUNC | K_O_NOCTTY)) |
		      K_O_CLOEXEC, 0, 0, 0, 0);
	if (nfd < 0)
		return;
	if (pos > 0)
		lay_sys(__NR_lseek, nfd, pos, 0, 0, 0, 0);
	/* Still the lower file (a thread may have closed and reused fd)? */
	if (!still(fd, lower)) {
		lay_sys(__NR_close, nfd, 0, 0, 0, 0, 0);
		return;
	}
	lay_sys(__NR_dup3, nfd, fd, (fdfl & K_FD_CLOEXEC) ? K_O_CLOEXEC : 0, 0, 0, 0);
	lay_sys(__NR_close, nfd, 0, 0, 0, 0, 0);
}

void cow_move_fds(const char *lower, const char *upper)
{
	LAY_BUF(buf);
	long dir, got;
	if (!buf)
		return;

	dir = lay_sys(__NR_open, "/proc/self/fd", K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC,
		      0, 0, 0, 0);
	if (dir < 0)
		return;
	while ((got = lay_sys(__NR_getdents64, dir, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
		for (long off = 0; off < got;) {
			struct dent *d = (struct dent *)(buf + off);
			int fd = 0;

			off += d->reclen;
			if (d->name[0] < '0' || d->name[0] > '9')
				continue;
			for (const char *p = d->name; *p; p++)
				fd = fd * 10 + (*p - '0');
			if (fd == dir || (fs_layer_fd_not_lower && fs_layer_fd_not_lower(fd)))
				continue;
			if (still(fd, lower))
				move_fd(fd, lower, upper);
		}
	}
	lay_sys(__NR_close, dir, 0, 0, 0, 0, 0);
}
