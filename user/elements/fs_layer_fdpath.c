// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the layers: metadata changes and hard links through an
 * empty path with AT_EMPTY_PATH (fchownat, utimensat, fchmodat2, linkat
 * on (fd, "") or on the working directory with AT_FDCWD). The view
 * leaves "" to the kernel, which would change (or link) the object the
 * descriptor is open on: a LOWER file. It is copied up first and the call made on the upper copy's
 * path instead, not followed (the descriptor named the object itself,
 * a symlink too), so that an O_PATH descriptor, which the copy-up
 * cannot move (fs_cow_fds.c), or the working directory changes nothing
 * below --root either.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

/* The path and flags arguments of nr, or -1. */
static int args_of(long nr, int *path, int *flags)
{
	switch (nr) {
	case __NR_fchownat:
		*path = 1;
		*flags = 4;
		return 0;
	case __NR_utimensat:
	case __NR_fchmodat2:
		*path = 1;
		*flags = 3;
		return 0;
	case __NR_linkat:	/* the source: a hard link to LOWER's inode
				 * would let writes through the new name
				 * change LOWER */
		*path = 1;
		*flags = 4;
		return 0;
	default:
		return -1;
	}
}

/*
 * The object fd (or the cwd) is open on, when it is LOWER's: copied up,
 * its upper path written to up. 1 then, 0 when it is not LOWER's, or
 * -errno.
 */
static int copied(int fd, char *up)
{
	LAY_BUF(link);
	LAY_BUF(host);
	size_t n = lay_lower_real_len;
	const char *rel;
	long t;
	int r;

	if (!link || !host)
		return -K_ENOMEM;
	/* Without --root LOWER is "/": only the view knows its host paths. */
	if (n <= 1 || (fd != K_AT_FDCWD && fs_layer_fd_not_lower && fs_layer_fd_not_lower(fd)))
		return 0;
	if (fd == K_AT_FDCWD)
		cse_snprintf(lay_svc, link, FS_PATH_MAX, "/proc/self/cwd");
	else
		cse_snprintf(lay_svc, link, FS_PATH_MAX, "/proc/self/fd/%d", fd);
	t = lay_sys(__NR_readlink, link, host, FS_PATH_MAX - 1, 0, 0, 0);
	if (t <= 0)
		return 0;	/* EBADF and the like: the kernel answers */
	host[t] = 0;
	if (cse_strncmp(host, lay_lower_real, n) || (host[n] && host[n] != '/'))
		return 0;
	rel = host[n] ? host + n + 1 : "";
	r = *rel ? lay_copy_up(rel, 1) : 0;	/* the root's upper copy is UPPER */
	if (!r)
		r = lay_upper_path(rel, up, FS_PATH_MAX);
	if (r)
		return r;
	if (fd != K_AT_FDCWD)
		cow_move_fds(host, up);
	return 1;
}

enum cse_verdict fs_layer_empty_path(struct cse_call *call)
{
	long *x = call->args;
	int pa, fa, r;
	char c, *up;

	if (!fs_layer_overlay() || args_of(call->nr, &pa, &fa) || !(x[fa] & K_AT_EMPTY_PATH) ||
	    !x[pa] || lay_svc->copy_from_app(&c, (const void *)x[pa], 1) || c)
		return CSE_PASS;
	up = lay_svc->scratch(call, FS_PATH_MAX);
	if (!up) {
		call->ret = -K_ENOMEM;
		return CSE_DONE;
	}
	r = copied((int)x[0], up);
	if (r < 0) {
		call->ret = r;
		return CSE_DONE;
	}
	if (r) {
		x[0] = K_AT_FDCWD;
		x[pa] = (long)up;
		/* linkat follows nothing without AT_SYMLINK_FOLLOW, and
		 * takes no AT_SYMLINK_NOFOLLOW (EINVAL) */
		x[fa] &= ~(long)K_AT_EMPTY_PATH;
		if (call->nr != __NR_linkat)
			x[fa] |= K_AT_SYMLINK_NOFOLLOW;
	}
	return CSE_PASS;
}
