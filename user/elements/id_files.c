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

static uint32_t slot_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 40) ^ (dev >> 24)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 52) & (ID_TABLE_SLOTS - 1);
}

/* Caller holds the lock. Index of (dev, ino), or -1. */
static int find(uint64_t dev, uint64_t ino)
{
	uint32_t i = slot_of(dev, ino);

	for (uint32_t n = 0; n < ID_TABLE_SLOTS; n++, i = (i + 1) & (ID_TABLE_SLOTS - 1)) {
		const struct id_slot *s = &id_sh->table[i];

		if (!s->used)
			return -1;
		if (s->r.dev == dev && s->r.ino == ino)
			return (int)i;
	}
	return -1;
}

/*
 * Table writers hold the lock and bracket their changes with seq (odd
 * while changing), so that stat, the hot path, reads without the lock and
 * without a system call: it retries when seq moved under it.
 */
static void write_begin(void)
{
	__atomic_store_n(&id_sh->seq, id_sh->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(void)
{
	__atomic_store_n(&id_sh->seq, id_sh->seq + 1, __ATOMIC_RELEASE);
}

/* Caller holds the lock. Backward-shift deletion: no tombstones. */
static void drop_at(uint32_t i)
{
	uint32_t j = i;

	write_begin();
	for (;;) {
		uint32_t k;

		j = (j + 1) & (ID_TABLE_SLOTS - 1);
		if (!id_sh->table[j].used)
			break;
		k = slot_of(id_sh->table[j].r.dev, id_sh->table[j].r.ino);
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			id_sh->table[i] = id_sh->table[j];
			i = j;
		}
	}
	id_sh->table[i].used = 0;
	id_sh->count--;
	id_sh->generation++;
	write_end();
}

/* Caller holds the lock. Insert (0) or replace (1); -ENOSPC when full. */
int id_table_put(const struct id_record *r)
{
	int at = find(r->dev, r->ino);
	uint32_t i;

	if (at >= 0) {
		write_begin();
		id_sh->table[at].r = *r;
		id_sh->generation++;
		write_end();
		return 1;
	}
	if (id_sh->count >= ID_TABLE_MAX)
		return -K_ENOSPC;
	write_begin();
	for (i = slot_of(r->dev, r->ino); id_sh->table[i].used;)
		i = (i + 1) & (ID_TABLE_SLOTS - 1);
	id_sh->table[i].r = *r;
	__atomic_store_n(&id_sh->table[i].used, 1, __ATOMIC_RELEASE);
	id_sh->count++;
	id_sh->generation++;
	write_end();
	return 0;
}

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Without the lock: 1 and the entry of (dev, ino) in *out, or 0, if no
 * writer changed the table meanwhile; -1 when one did (retry). */
static int find_unlocked(uint64_t dev, uint64_t ino, struct id_record *out)
{
	uint32_t seq = __atomic_load_n(&id_sh->seq, __ATOMIC_ACQUIRE), i = slot_of(dev, ino);
	int found = 0;

	if (seq & 1)
		return -1;
	for (uint32_t n = 0; n < ID_TABLE_SLOTS; n++, i = (i + 1) & (ID_TABLE_SLOTS - 1)) {
		struct id_slot *s = &id_sh->table[i];

		if (!RD(s->used))
			break;
		if (RD(s->r.dev) == dev && RD(s->r.ino) == ino) {
			out->dev = dev;
			out->ino = ino;
			out->rdev = RD(s->r.rdev);
			out->uid = RD(s->r.uid);
			out->gid = RD(s->r.gid);
			out->mode = RD(s->r.mode);
			found = 1;
			break;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return RD(id_sh->seq) == seq ? found : -1;
}

/* The application's view of a real stat result. */
void id_files_view(const struct cse_kstat *st, struct id_record *v)
{
	int at;

	v->dev = st->dev;
	v->ino = st->ino;
	v->uid = st->uid == id_sh->real_uid ? id_sh->base_uid : st->uid;
	v->gid = st->gid == id_sh->real_gid ? id_sh->base_gid : st->gid;
	v->mode = st->mode;
	v->rdev = st->rdev;
	if (!__atomic_load_n(&id_sh->count, __ATOMIC_RELAXED))
		return;
	for (int tries = 0; tries < 64; tries++) {
		struct id_record rec;
		int f = find_unlocked(st->dev, st->ino, &rec);

		if (f >= 0) {
			if (f)
				*v = rec;
			return;
		}
	}
	/* Still changing: a writer may have died mid-change (its lock is taken over). */
	id_svc->lock(&id_sh->lock);
	if (id_sh->seq & 1)
		write_end();
	at = find(st->dev, st->ino);
	if (at >= 0)
		*v = id_sh->table[at].r;
	id_svc->unlock(&id_sh->lock);
}

/* Record v for the file st, or drop its entry when v is its plain view. */
long id_files_record(const struct cse_kstat *st, const struct id_record *v)
{
	struct id_record def;
	long r = 0;
	int at;

	id_svc->lock(&id_sh->lock);
	at = find(st->dev, st->ino);
	def.dev = st->dev;
	def.ino = st->ino;
	def.uid = st->uid == id_sh->real_uid ? id_sh->base_uid : st->uid;
	def.gid = st->gid == id_sh->real_gid ? id_sh->base_gid : st->gid;
	def.mode = st->mode;
	def.rdev = st->rdev;
	if (def.uid == v->uid && def.gid == v->gid && def.mode == v->mode &&
	    def.rdev == v->rdev) {
		if (at >= 0)
			drop_at((uint32_t)at);
	} else {
		r = id_table_put(v);
		if (r > 0)
			r = 0;
	}
	id_svc->unlock(&id_sh->lock);
	return r;
}

static void forget(uint64_t dev, uint64_t ino)
{
	int at;

	id_svc->lock(&id_sh->lock);
	at = find(dev, ino);
	if (at >= 0)
		drop_at((uint32_t)at);
	id_svc->unlock(&id_sh->lock);
}

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
		forget(st.dev, st.ino);
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
