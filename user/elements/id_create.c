// SPDX-License-Identifier: GPL-2.0
/*
 * Owners of the files a process creates.
 *
 * The real creator is always the real user, whose files show as the
 * instance's base uid/gid. That is right while the process runs with the
 * base credentials (the common case, nothing to do). A fake-root program
 * that drops to another user first (apt's _apt download methods,
 * `setpriv`, `su`) must see what a real root would: the new file belongs
 * to its fsuid, and to its fsgid or, in a set-group-ID directory, to the
 * directory's group (a new directory then inherits the set-group-ID
 * bit). So a creating call made with other credentials is followed by a
 * record of its file, as chown would make it; the owner may then chmod
 * and chown it as Linux allows.
 *
 * With the starting credentials, the same is done while the table has
 * entries: a set-group-ID directory whose group is recorded (a lower
 * directory copied up, a chgrp) gives its group to what is made in it.
 *
 * Which calls create: open/openat/openat2/creat with O_CREAT (only when
 * the name did not exist just before; an O_CREAT open of an existing
 * file changes nothing) or O_TMPFILE, mkdir(at), mknod(at) of non-device
 * types (devices are id_files.c's), symlink(at). A creation the fs
 * element carries out itself under --overlay (mkdir over a removed
 * lower directory) does not reach this element when fs comes first on
 * the command line; its owner is the base one.
 */
#include <asm/unistd.h>
#include <linux/stat.h>
#include "id.h"

#define K_O_TMPFILE	(020000000 | K_O_DIRECTORY)
#define NR_openat2	437

/* priv word of a creating call: the name was absent before the call. */
#define CREATE_NEW	((void *)1)

static int other_creds(void)
{
	return id_cur.fsuid != id_sh->base_uid || id_cur.fsgid != id_sh->base_gid;
}

/* Open flags of an open-family call. */
static long open_flags(const struct cse_call *c)
{
	uint64_t how[3];

	switch (c->nr) {
	case __NR_open:
		return c->args[1];
	case __NR_openat:
		return c->args[2];
	case __NR_creat:
		return K_O_CREAT | K_O_WRONLY | K_O_TRUNC;
	case NR_openat2:
		if (id_svc->copy_from_app(how, (const void *)c->args[2], sizeof(how)))
			return 0;
		return (long)how[0];
	}
	return 0;
}

/* (dirfd, path) of the call's name; path is the host path of the view. */
static void name_of(const struct cse_call *c, int *dirfd, const char **path)
{
	const long *a = c->args;

	switch (c->nr) {
	case __NR_open: case __NR_creat: case __NR_mkdir: case __NR_mknod:
		*dirfd = K_AT_FDCWD;
		*path = (const char *)a[0];
		return;
	case __NR_symlink:
		*dirfd = K_AT_FDCWD;
		*path = (const char *)a[1];
		return;
	case __NR_symlinkat:
		*dirfd = (int)a[1];
		*path = (const char *)a[2];
		return;
	default:	/* openat, openat2, mkdirat, mknodat */
		*dirfd = (int)a[0];
		*path = (const char *)a[1];
		return;
	}
}

/* Before the call: is it a creation made with other credentials? */
void id_create_before(struct cse_call *c)
{
	struct cse_kstat st;
	const char *path;
	long fl;
	int dirfd;

	/* With the starting credentials the kernel's own owner is right,
	 * but in a set-group-ID directory whose group is only recorded:
	 * then the table is not empty. */
	if (!other_creds() && !__atomic_load_n(&id_sh->count, __ATOMIC_RELAXED))
		return;
	switch (c->nr) {
	case __NR_open: case __NR_openat: case __NR_creat: case NR_openat2:
		fl = open_flags(c);
		if ((fl & K_O_TMPFILE) == K_O_TMPFILE) {
			c->priv = CREATE_NEW;
			return;
		}
		if (!(fl & K_O_CREAT))
			return;
		name_of(c, &dirfd, &path);
		/* Followed as the open follows it: a dangling link's target
		 * is created. */
		if (id_sys(__NR_newfstatat, dirfd, path, &st,
			   (fl & (K_O_EXCL | K_O_NOFOLLOW)) ? K_AT_SYMLINK_NOFOLLOW : 0, 0, 0) ==
		    -K_ENOENT)
			c->priv = CREATE_NEW;
		return;
	case __NR_mknod: case __NR_mknodat: {
		uint32_t type = (uint32_t)c->args[c->nr == __NR_mknod ? 1 : 2] & K_S_IFMT;

		if (type != K_S_IFCHR && type != K_S_IFBLK)
			c->priv = CREATE_NEW;
		return;
	}
	default:	/* mkdir, mkdirat, symlink, symlinkat */
		c->priv = CREATE_NEW;
		return;
	}
}

/* The parent directory of (dirfd, path): its view, 0 or -errno. */
static long parent_view(struct cse_call *c, int dirfd, const char *path, struct id_record *v)
{
	size_t n = cse_strlen(path), slash = n;
	struct cse_kstat st;
	char *p;
	long r;

	while (slash > 0 && path[slash - 1] == '/')
		slash--;	/* "dir/" names dir */
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	p = id_svc->scratch(c, slash + 2);
	if (!p)
		return -K_ENOMEM;
	if (!slash) {
		p[0] = '.';
		p[1] = 0;
	} else {
		for (size_t i = 0; i < slash; i++)
			p[i] = path[i];
		p[slash] = 0;
	}
	r = id_sys(__NR_newfstatat, dirfd, p, &st, 0, 0, 0);
	if (!r)
		id_files_view(&st, v);
	return r;
}

/* After the call: record the new file's owner. */
void id_create_after(struct cse_call *c)
{
	struct id_record v, parent;
	struct cse_kstat st;
	const char *path;
	int dirfd, is_open;
	long r;

	if (c->priv != CREATE_NEW || c->ret < 0)
		return;
	is_open = c->nr == __NR_open || c->nr == __NR_openat || c->nr == __NR_creat ||
		  c->nr == NR_openat2;
	name_of(c, &dirfd, &path);
	if (is_open)
		r = id_sys(__NR_fstat, c->ret, &st, 0, 0, 0, 0);
	else
		r = id_sys(__NR_newfstatat, dirfd, path, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0);
	/* Only a file the real user owns is one this call made. */
	if (r || st.uid != id_sh->real_uid)
		return;
	id_files_view(&st, &v);
	v.uid = id_cur.fsuid;
	v.gid = id_cur.fsgid;
	/* O_TMPFILE names the directory itself. */
	if (is_open && (open_flags(c) & K_O_TMPFILE) == K_O_TMPFILE) {
		struct cse_kstat dst;

		if (!id_sys(__NR_newfstatat, dirfd, path, &dst, 0, 0, 0)) {
			id_files_view(&dst, &parent);
			r = 0;
		} else {
			r = -1;
		}
	} else {
		r = parent_view(c, dirfd, path, &parent);
	}
	if (!r && (parent.mode & K_S_ISGID)) {
		v.gid = parent.gid;
		if ((v.mode & K_S_IFMT) == K_S_IFDIR)
			v.mode |= K_S_ISGID;
	}
	id_files_record(&st, &v);
}
