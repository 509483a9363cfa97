// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: copy-up. Every copy is made under a fresh name in the work
 * directory (UPPER/.wh..wh..cse-work, on UPPER's filesystem) with its
 * data, xattrs, owner, mode and times complete, then renamed into place
 * with RENAME_NOREPLACE: a kill at any moment leaves either no upper
 * file or a whole one, and the leftovers in the work directory are
 * removed by the next application's first process (fs_layer_index.c).
 * No fsync: the guarantee is against a process killed, not a machine
 * losing power.
 *
 * Owner: the copy gets the lower file's uid/gid when the kernel lets us
 * (we are root, or it is ours); as a plain user it belongs to the user,
 * and when the id element runs too, the copy gets the owner and mode id
 * showed for the lower file (fs_owner.c). Xattrs
 * the user may not set (security.*, trusted.*) are left behind, as are
 * values longer than 4 KiB.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define K_RENAME_NOREPLACE	1
#define K_AT_REMOVEDIR		0x200

static uint32_t cow_seq;

int cow_work_name(char *out, size_t size)
{
	uint32_t n = __atomic_add_fetch(&cow_seq, 1, __ATOMIC_RELAXED);

	if (cse_snprintf(lay_svc, out, size, "%s/c%d.%u", lay_work,
			 lay_svc->gettid(), n) >= (int)size)
		return -K_ENAMETOOLONG;
	return 0;
}

/* The xattrs of path src onto fd (or onto path dst when fd < 0). */
static void copy_xattrs(const char *src, int fd, const char *dst)
{
	LAY_BUF(names);
	LAY_BUF(val);
	long n = lay_sys(__NR_llistxattr, src, names, FS_PATH_MAX, 0, 0, 0);
	if (!names || !val)
		return;

	for (long i = 0; i < n;) {
		const char *name = names + i;
		long v;

		i += (long)cse_strlen(name) + 1;
		v = lay_sys(__NR_lgetxattr, src, name, val, FS_PATH_MAX, 0, 0);
		if (v < 0)
			continue;
		if (fd >= 0)
			lay_sys(__NR_fsetxattr, fd, name, val, v, 0, 0);
		else
			lay_sys(__NR_lsetxattr, dst, name, val, v, 0, 0);
	}
}

static void copy_times(int fd, const char *path, const struct cse_kstat *st)
{
	int64_t ts[4] = { (int64_t)st->times[0], (int64_t)st->times[1],
			  (int64_t)st->times[2], (int64_t)st->times[3] };

	if (fd >= 0)
		lay_sys(__NR_utimensat, fd, 0, ts, 0, 0, 0);
	else
		lay_sys(__NR_utimensat, K_AT_FDCWD, path, ts, K_AT_SYMLINK_NOFOLLOW, 0, 0);
}

int cow_copy_attrs(int fd, const char *src, const struct cse_kstat *st)
{
	long r;

	if (src)
		copy_xattrs(src, fd, NULL);
	/* EPERM as a plain user: the copy stays ours (see the top). */
	lay_sys(__NR_fchown, fd, st->uid, st->gid, 0, 0, 0);
	r = lay_sys(__NR_fchmod, fd, st->mode & 07777, 0, 0, 0, 0);
	if (r)
		return (int)r;
	copy_times(fd, NULL, st);
	return 0;
}

static long copy_data(int in, int out, int64_t size)
{
	int64_t done = 0;
	int plain = 0;

	while (done < size) {
		long n;

		if (!plain) {
			n = lay_sys(__NR_copy_file_range, in, 0, out, 0, size - done, 0);
			if (n == -K_EINVAL || n == -18 /* EXDEV */ || n == -K_ENOSYS ||
			    n == -K_EOPNOTSUPP) {
				plain = 1;
				continue;
			}
		} else {
			n = lay_sys(__NR_sendfile, out, in, 0, size - done, 0, 0);
		}
		if (n == -K_EINTR)
			continue;
		if (n < 0)
			return n;
		if (n == 0)
			break;	/* the file shrank under us: copy what is there */
		done += n;
	}
	return 0;
}

/*
 * Rename tmp to dst in a parent directory whose mode denies us writing
 * (the upper copy of a lower 0555 directory): the parent, ours, is made
 * writable for the rename and given its mode back (under the copy-up
 * lock; a kill in between leaves it writable, nothing half made).
 */
static long rename_in_locked_dir(const char *tmp, const char *dst)
{
	LAY_BUF(parent);
	struct cse_kstat st;
	size_t n = cse_strlen(dst);
	long r;

	if (!parent)
		return -K_EACCES;
	while (n && dst[n - 1] != '/')
		n--;
	if (n <= 1)
		return -K_EACCES;
	for (size_t i = 0; i + 1 < n; i++)
		parent[i] = dst[i];
	parent[n - 1] = 0;
	if (lay_sys(__NR_newfstatat, K_AT_FDCWD, parent, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0) ||
	    !is_dir(&st) || (st.mode & 0200) ||
	    lay_sys(__NR_chmod, parent, (st.mode & 07777) | 0200, 0, 0, 0, 0))
		return -K_EACCES;
	r = lay_sys(__NR_renameat2, K_AT_FDCWD, tmp, K_AT_FDCWD, dst, K_RENAME_NOREPLACE, 0);
	lay_sys(__NR_chmod, parent, st.mode & 07777, 0, 0, 0, 0);
	return r;
}

/* tmp into place at dst: 0 (*won 1 when ours is the one there), or -errno. */
static int place(const char *tmp, const char *dst, int dir, int *won)
{
	long r = lay_sys(__NR_renameat2, K_AT_FDCWD, tmp, K_AT_FDCWD, dst,
			 K_RENAME_NOREPLACE, 0);
	struct cse_kstat gone;

	if (r == -K_EACCES)
		r = rename_in_locked_dir(tmp, dst);
	*won = r == 0;
	if (r == 0)
		return 0;
	fs_owner_removing(tmp, &gone);
	if (dir)
		lay_rm_tree(tmp);
	else
		lay_sys(__NR_unlink, tmp, 0, 0, 0, 0, 0);
	fs_owner_removed(&gone);
	/* Made meanwhile by a creation in UPPER: the upper one wins. */
	return r == -K_EEXIST ? 0 : (int)r;
}

static int copy_file(const char *src, const struct cse_kstat *st, const char *tmp)
{
	long in = -1, out, r;

	/* An empty file needs no reading: a lock file root made 0640 that a
	 * plain user (root under --root-id) opens for writing still works. */
	if (st->size) {
		in = lay_sys(__NR_open, src, K_O_RDONLY | K_O_NOFOLLOW | K_O_CLOEXEC, 0, 0, 0, 0);
		if (in < 0)
			return (int)in;
	}
	out = lay_sys(__NR_open, tmp, K_O_WRONLY | K_O_CREAT | K_O_EXCL | K_O_CLOEXEC,
		      0600, 0, 0, 0);
	if (out < 0) {
		if (in >= 0)
			lay_sys(__NR_close, in, 0, 0, 0, 0, 0);
		return (int)out;
	}
	r = in >= 0 ? copy_data((int)in, (int)out, st->size) : 0;
	if (!r)
		r = cow_copy_attrs((int)out, src, st);
	if (in >= 0)
		lay_sys(__NR_close, in, 0, 0, 0, 0, 0);
	lay_sys(__NR_close, out, 0, 0, 0, 0, 0);
	return (int)r;
}

static int copy_link(const char *src, const struct cse_kstat *st, const char *tmp)
{
	LAY_BUF(target);
	long n, r;
	if (!target)
		return -K_ENOMEM;

	n = lay_sys(__NR_readlink, src, target, FS_PATH_MAX - 1, 0, 0, 0);
	if (n < 0)
		return (int)n;
	target[n] = 0;
	r = lay_sys(__NR_symlink, target, tmp, 0, 0, 0, 0);
	if (r)
		return (int)r;
	copy_xattrs(src, -1, tmp);
	lay_sys(__NR_fchownat, K_AT_FDCWD, tmp, st->uid, st->gid, K_AT_SYMLINK_NOFOLLOW, 0);
	copy_times(-1, tmp, st);
	return 0;
}

/*
 * A work name is taken by a leftover of a killed process whose thread id
 * this thread now has (leftovers go at the next application's start
 * only): EEXIST then asks for the next name, never fails the copy-up.
 */
#define COW_NAME_TRIES 8

static long copy_to_work(const char *src, const struct cse_kstat *st, const char *tmp)
{
	long r;

	switch (st->mode & K_S_IFMT) {
	case K_S_IFREG:
		r = copy_file(src, st, tmp);
		break;
	case K_S_IFLNK:
		r = copy_link(src, st, tmp);
		break;
	default:	/* fifo, socket, device (EPERM as a plain user) */
		r = lay_sys(__NR_mknod, tmp, st->mode & (K_S_IFMT | 07777), st->rdev, 0, 0, 0);
		if (!r) {
			copy_xattrs(src, -1, tmp);
			lay_sys(__NR_fchownat, K_AT_FDCWD, tmp, st->uid, st->gid,
				K_AT_SYMLINK_NOFOLLOW, 0);
			lay_sys(__NR_chmod, tmp, st->mode & 07777, 0, 0, 0, 0);
			copy_times(-1, tmp, st);
		}
		break;
	}
	return r;
}

int cow_copy(const char *src, const struct cse_kstat *st, const char *dst)
{
	LAY_BUF(tmp);
	long r = -K_EEXIST;
	int won;
	if (!tmp)
		return -K_ENOMEM;

	for (int i = 0; i < COW_NAME_TRIES && r == -K_EEXIST; i++) {
		r = cow_work_name(tmp, FS_PATH_MAX);
		if (r)
			return (int)r;
		r = copy_to_work(src, st, tmp);
	}
	if (r) {
		if (r != -K_EEXIST)	/* else the name is a leftover, not ours */
			lay_sys(__NR_unlink, tmp, 0, 0, 0, 0, 0);
		return (int)r;
	}
	fs_owner_copied(st, tmp);
	return place(tmp, dst, 0, &won);
}

int cow_mkdir(const char *src, const struct cse_kstat *st, const char *dst,
	      int opaque, uint32_t mode)
{
	LAY_BUF(tmp);
	LAY_BUF(m);
	struct cse_kstat mine;
	uint32_t final = 0;
	long r, fd;
	int won;
	if (!tmp || !m)
		return -K_ENOMEM;

	r = -K_EEXIST;
	for (int i = 0; i < COW_NAME_TRIES && r == -K_EEXIST; i++) {
		r = cow_work_name(tmp, FS_PATH_MAX);
		if (r)
			return (int)r;
		/* Without a lower directory the kernel applies the umask to mode. */
		r = lay_sys(__NR_mkdir, tmp, st ? 0700 : (mode & 07777), 0, 0, 0, 0);
	}
	if (r)
		return (int)r;
	fd = lay_sys(__NR_open, tmp, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0) {
		lay_sys(__NR_rmdir, tmp, 0, 0, 0, 0, 0);
		return (int)fd;
	}
	if (!st) {
		r = lay_sys(__NR_fstat, fd, &mine, 0, 0, 0, 0);
		if (!r && !(mine.mode & 0200))
			lay_sys(__NR_fchmod, fd, 0700, 0, 0, 0, 0);
	}
	if (!r && opaque) {
		long o;

		cse_snprintf(lay_svc, m, FS_PATH_MAX, "%s/%s", tmp, WH_OPAQUE);
		o = lay_sys(__NR_open, m, K_O_WRONLY | K_O_CREAT | K_O_EXCL | K_O_CLOEXEC,
			    0600, 0, 0, 0);
		if (o < 0)
			r = o;
		else
			lay_sys(__NR_close, o, 0, 0, 0, 0, 0);
	}
	if (!r && st)
		r = cow_copy_attrs((int)fd, src, st);
	else if (!r)
		r = lay_sys(__NR_fchmod, fd, mine.mode & 07777, 0, 0, 0, 0);
	/*
	 * Moving a directory to another parent writes its ".." entry: the
	 * kernel wants it writable by us (a plain user's 0555 copy would give
	 * EACCES). It keeps u+w until it is in place, then gets its mode
	 * (chmod leaves the copied times alone).
	 */
	final = (st ? st->mode : mine.mode) & 07777;
	if (!r && !(final & 0200))
		r = lay_sys(__NR_fchmod, fd, final | 0200, 0, 0, 0, 0);
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	if (r) {
		lay_rm_tree(tmp);
		return (int)r;
	}
	if (st)
		fs_owner_copied(st, tmp);
	r = place(tmp, dst, 1, &won);
	if (!r && won && !(final & 0200))
		lay_sys(__NR_chmod, dst, final, 0, 0, 0, 0);
	return (int)r;
}

int cow_whiteout(const char *path)
{
	/* An empty file is whole from its creation on: no work copy. */
	long fd = lay_sys(__NR_open, path, K_O_WRONLY | K_O_CREAT | K_O_CLOEXEC | K_O_NOFOLLOW,
			  0600, 0, 0, 0);

	if (fd < 0)
		return (int)fd;
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	return 0;
}
