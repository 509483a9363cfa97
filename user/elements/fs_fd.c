// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: where a relative path starts, as a physical guest path.
 *
 * The working directory's guest path is kept per process (threads share
 * it, as they share the kernel's cwd): read once with getcwd at setup and
 * again after every chdir, fchdir and chroot the process makes, so a
 * relative path costs no system call.
 *
 * A dirfd's guest path is read from the kernel each time
 * (readlink /proc/self/fd/N, then the reverse map) rather than kept in
 * the descriptor table: the kernel's answer stays right after a rename
 * of the directory, across exec and for descriptors received by
 * SCM_RIGHTS or inherited, at one system call per dirfd-relative call.
 */
#include "fs.h"

static char cwd[FS_PATH_MAX];
static long cwd_len = FS_NOT_IN_VIEW;

/* Host path of the kernel's answer into a physical guest path. */
static long guest_of(const char *host, long n, char *out, size_t size)
{
	static const char deleted[] = " (deleted)";
	size_t dn = sizeof(deleted) - 1;

	if (n <= 0 || host[0] != '/')
		return FS_NOT_IN_VIEW;
	if ((size_t)n > dn && !cse_strcmp(host + n - dn, deleted))
		return FS_NOT_IN_VIEW;	/* a removed directory: the kernel answers */
	return fs_reverse_phys(host, out, size);
}

void fs_cwd_refresh(void)
{
	char host[FS_PATH_MAX];
	long n = fs_sys(__NR_getcwd, (long)host, sizeof(host), 0, 0);

	if (n <= 0) {
		cwd_len = FS_NOT_IN_VIEW;
		return;
	}
	cwd_len = guest_of(host, n - 1, cwd, sizeof(cwd));
}

long fs_dir_guest(int dirfd, char *out, size_t size)
{
	char host[FS_PATH_MAX], name[32];
	long n;

	if (dirfd == K_AT_FDCWD) {
		if (cwd_len < 0)
			return cwd_len;
		if ((size_t)cwd_len + 1 > size)
			return -K_ENAMETOOLONG;
		fs_copy(out, cwd, (size_t)cwd_len + 1);
		return cwd_len;
	}
	if (dirfd < 0)
		return FS_NOT_IN_VIEW;	/* EBADF from the kernel */
	cse_snprintf(fs_svc, name, sizeof(name), "/proc/self/fd/%d", dirfd);
	n = fs_sys(__NR_readlinkat, K_AT_FDCWD, (long)name, (long)host, sizeof(host) - 1);
	if (n < 0)
		return FS_NOT_IN_VIEW;
	host[n] = 0;
	return guest_of(host, n, out, size);
}
