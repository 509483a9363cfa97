// SPDX-License-Identifier: GPL-2.0
/*
 * File ownership and modes as the application sees them.
 *
 * The view of a file: its recorded entry when there is one; otherwise
 * the real stat, except that the real user's uid/gid show as the
 * instance's base uid/gid (fakeroot's rule: what you created is root's).
 * Real owners never change. A real mode changes only as chmod asks,
 * minus setuid/setgid bits and plus u+rw (u+rwx on directories), so the
 * real owner keeps access. Device nodes, which a non-root user cannot
 * make, become empty regular files recorded as the device.
 *
 * An entry is dropped when it says nothing the real file does not
 * (keeps the bounded table for what matters), and when the file's last
 * name goes away (unlink/rmdir/rename over it with st_nlink 1, or a
 * directory), so a reused inode number does not inherit it. Files
 * removed outside the application keep stale entries, as with fakeroot.
 */
#include <asm/unistd.h>
#include <linux/stat.h>
#include "id.h"

#define NR_fchmodat2	452
#define RENAME_EXCHANGE	2

static long real_stat(int dirfd, const char *path, int flags, struct cse_kstat *st)
{
	return id_sys(__NR_newfstatat, dirfd, path, st, flags, 0, 0);
}

/* chown family, normalised to (dirfd, path, flags). */
static long do_chown(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
	struct cse_kstat st;
	struct id_record v;
	long r = real_stat(dirfd, path, flags, &st);

	if (r)
		return r;
	id_files_view(&st, &v);
	if (id_cur.euid != 0) {
		/* Only the owner may change the group, to one of its own. */
		if (uid != ID_NOBODY && uid != v.uid)
			return -K_EPERM;
		if (gid != ID_NOBODY && (v.uid != id_cur.fsuid ||
					 (gid != v.gid && !id_creds_in_groups(gid))))
			return -K_EPERM;
	}
	if (uid != ID_NOBODY)
		v.uid = uid;
	if (gid != ID_NOBODY)
		v.gid = gid;
	/* Linux clears set-id bits on chown of anything but a directory. */
	if ((v.mode & K_S_IFMT) != K_S_IFDIR && (uid != ID_NOBODY || gid != ID_NOBODY)) {
		v.mode &= ~(uint32_t)K_S_ISUID;
		if (v.mode & K_S_IXGRP)
			v.mode &= ~(uint32_t)K_S_ISGID;
	}
	return id_files_record(&st, &v);
}

/* The real mode that keeps the real owner's access; never set-id. */
static uint32_t real_mode_for(uint32_t type, uint32_t mode)
{
	mode = (mode & 07777) & ~(uint32_t)(K_S_ISUID | K_S_ISGID);
	mode |= 0600;
	if (type == K_S_IFDIR)
		mode |= 0100;
	return mode;
}

static long do_chmod(int dirfd, const char *path, uint32_t mode, int flags, int *done)
{
	struct cse_kstat st;
	struct id_record v;
	char proc[48];
	long r = real_stat(dirfd, path, flags, &st);

	if (r)
		return r;
	if ((st.mode & K_S_IFMT) == K_S_IFLNK) {
		*done = 0;	/* the kernel's own answer for symlinks */
		return 0;
	}
	id_files_view(&st, &v);
	if (id_cur.euid != 0) {
		if (v.uid != id_cur.fsuid)
			return -K_EPERM;
		if (!id_creds_in_groups(v.gid))
			mode &= ~(uint32_t)K_S_ISGID;
	}
	if ((flags & K_AT_EMPTY_PATH) && !path[0]) {
		r = id_sys(__NR_fchmod, dirfd, real_mode_for(st.mode & K_S_IFMT, mode), 0, 0, 0, 0);
		if (r == -K_EBADF) {	/* an O_PATH fd */
			cse_snprintf(id_svc, proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
			r = id_sys(__NR_chmod, proc, real_mode_for(st.mode & K_S_IFMT, mode),
				   0, 0, 0, 0);
		}
	} else {
		r = id_sys(__NR_fchmodat, dirfd, path, real_mode_for(st.mode & K_S_IFMT, mode),
			   0, 0, 0);
	}
	/* Not really ours (e.g. root's file): fake root still records it. */
	if (r && !(r == -K_EPERM && id_cur.euid == 0))
		return r;
	if (real_stat(dirfd, path, flags, &st))
		return -K_ENOENT;
	v.mode = (v.mode & K_S_IFMT) | (mode & 07777);
	return id_files_record(&st, &v);
}

static long do_mknod(int dirfd, const char *path, uint32_t mode, uint32_t dev, int *done)
{
	uint32_t type = mode & K_S_IFMT;
	struct cse_kstat st;
	struct id_record v;
	long r;

	if (type != K_S_IFCHR && type != K_S_IFBLK) {
		*done = 0;
		return 0;
	}
	if (id_cur.euid != 0)
		return -K_EPERM;
	r = id_sys(__NR_mknodat, dirfd, path, K_S_IFREG | (mode & 07777), 0, 0, 0);
	if (r)
		return r;
	r = real_stat(dirfd, path, K_AT_SYMLINK_NOFOLLOW, &st);
	if (r)
		return r;
	id_files_view(&st, &v);
	v.mode = type | (st.mode & 07777);
	v.rdev = dev;
	r = id_files_record(&st, &v);
	if (r)	/* nothing half-done: no placeholder without its entry */
		id_sys(__NR_unlinkat, dirfd, path, 0, 0, 0, 0);
	return r;
}

/* The file a removal will take away for good, if it has an entry. */
static int doomed(int dirfd, const char *path, struct cse_kstat *st)
{
	if (!__atomic_load_n(&id_sh->count, __ATOMIC_RELAXED))
		return 0;
	if (real_stat(dirfd, path, K_AT_SYMLINK_NOFOLLOW, st))
		return 0;
	return (st->mode & K_S_IFMT) == K_S_IFDIR || st->nlink <= 1;
}

static long do_remove(struct cse_call *c, int dirfd, const char *path)
{
	struct cse_kstat st, src;
	const long *a = c->args;
	int gone = doomed(dirfd, path, &st);
	long r;

	if (gone && (c->nr == __NR_rename || c->nr == __NR_renameat ||
		     c->nr == __NR_renameat2)) {
		int odir = c->nr == __NR_rename ? K_AT_FDCWD : (int)a[0];
		const char *opath = (const char *)(c->nr == __NR_rename ? a[0] : a[1]);

		if (c->nr == __NR_renameat2 && (a[4] & RENAME_EXCHANGE))
			gone = 0;
		else if (!real_stat(odir, opath, K_AT_SYMLINK_NOFOLLOW, &src) &&
			 src.dev == st.dev && src.ino == st.ino)
			gone = 0;	/* rename onto a link of itself: a no-op */
	}
	r = id_sys(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (!r && gone)
		id_table_forget(st.dev, st.ino);
	return r;
}

static void fix_stat(struct cse_kstat *st)
{
	struct id_record v;

	id_files_view(st, &v);
	st->uid = v.uid;
	st->gid = v.gid;
	st->mode = v.mode;
	st->rdev = v.rdev;
}

static void fix_statx(struct statx *sx)
{
	struct cse_kstat st;
	struct id_record v;

	st.dev = (sx->stx_dev_minor & 0xff) | ((uint64_t)sx->stx_dev_major << 8) |
		 ((uint64_t)(sx->stx_dev_minor & ~0xffu) << 12);
	st.ino = sx->stx_ino;
	st.uid = sx->stx_uid;
	st.gid = sx->stx_gid;
	st.mode = sx->stx_mode;
	st.rdev = (sx->stx_rdev_minor & 0xff) | ((uint64_t)sx->stx_rdev_major << 8) |
		  ((uint64_t)(sx->stx_rdev_minor & ~0xffu) << 12);
	id_files_view(&st, &v);
	if (sx->stx_mask & STATX_UID)
		sx->stx_uid = v.uid;
	if (sx->stx_mask & STATX_GID)
		sx->stx_gid = v.gid;
	if (sx->stx_mask & (STATX_TYPE | STATX_MODE))
		sx->stx_mode = (uint16_t)v.mode;
	sx->stx_rdev_major = (uint32_t)((v.rdev >> 8) & 0xfff);
	sx->stx_rdev_minor = (uint32_t)((v.rdev & 0xff) | ((v.rdev >> 12) & 0xfff00));
}

/* Ownership, mode, stat and removal calls. *done = 0: not handled here. */
long id_files_call(struct cse_call *c, int *done)
{
	const long *a = c->args;
	long r;

	*done = 1;
	switch (c->nr) {
	case __NR_chown:
		return do_chown(K_AT_FDCWD, (const char *)a[0], (uint32_t)a[1], (uint32_t)a[2], 0);
	case __NR_lchown:
		return do_chown(K_AT_FDCWD, (const char *)a[0], (uint32_t)a[1], (uint32_t)a[2],
				K_AT_SYMLINK_NOFOLLOW);
	case __NR_fchown:
		return do_chown((int)a[0], "", (uint32_t)a[1], (uint32_t)a[2], K_AT_EMPTY_PATH);
	case __NR_fchownat:
		return do_chown((int)a[0], (const char *)a[1], (uint32_t)a[2], (uint32_t)a[3],
				(int)a[4]);
	case __NR_chmod:
		return do_chmod(K_AT_FDCWD, (const char *)a[0], (uint32_t)a[1], 0, done);
	case __NR_fchmod:
		return do_chmod((int)a[0], "", (uint32_t)a[1], K_AT_EMPTY_PATH, done);
	case __NR_fchmodat:
		return do_chmod((int)a[0], (const char *)a[1], (uint32_t)a[2], 0, done);
	case NR_fchmodat2:
		if (a[3] & ~(long)(K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH))
			return -K_EINVAL;
		return do_chmod((int)a[0], (const char *)a[1], (uint32_t)a[2], (int)a[3], done);
	case __NR_mknod:
		return do_mknod(K_AT_FDCWD, (const char *)a[0], (uint32_t)a[1], (uint32_t)a[2], done);
	case __NR_mknodat:
		return do_mknod((int)a[0], (const char *)a[1], (uint32_t)a[2], (uint32_t)a[3], done);
	case __NR_unlink:
	case __NR_rmdir:
		return do_remove(c, K_AT_FDCWD, (const char *)a[0]);
	case __NR_unlinkat:
		return do_remove(c, (int)a[0], (const char *)a[1]);
	case __NR_rename:
		return do_remove(c, K_AT_FDCWD, (const char *)a[1]);
	case __NR_renameat:
	case __NR_renameat2:
		return do_remove(c, (int)a[2], (const char *)a[3]);
	case __NR_stat:
	case __NR_lstat:
	case __NR_fstat:
	case __NR_newfstatat:
		r = id_sys(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (!r)
			fix_stat((struct cse_kstat *)(c->nr == __NR_newfstatat ? a[2] : a[1]));
		return r;
	case __NR_statx:
		r = id_sys(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (!r)
			fix_statx((struct statx *)a[4]);
		return r;
	}
	*done = 0;
	return 0;
}
