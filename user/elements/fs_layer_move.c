// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: rename and link under --overlay (fs_layer_ops.c hands
 * them here). The source is copied up whole first: a directory with
 * every child it shows, then made opaque, so that it keeps its children
 * wherever it goes and shows nothing of the lower layer at its new name;
 * a file so that a hard link never reaches a lower inode.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define K_RENAME_NOREPLACE	1
#define K_RENAME_EXCHANGE	2

/* Under the lock: an opaque marker in upper directory up. */
int lay_make_opaque(const char *up, const char *rel)
{
	LAY_BUF(m);
	long fd;
	if (!m)
		return -K_ENOMEM;

	cse_snprintf(lay_svc, m, FS_PATH_MAX, "%s/%s", up, WH_OPAQUE);
	ix_set(rel, cse_strlen(rel), IX_OPAQUE, 0);
	fd = lay_sys(__NR_open, m, K_O_WRONLY | K_O_CREAT | K_O_CLOEXEC, 0600, 0, 0, 0);
	if (fd == -K_EACCES) {
		struct cse_kstat st;

		if (lay_sys(__NR_newfstatat, K_AT_FDCWD, up, &st, 0, 0, 0))
			return (int)fd;
		lay_sys(__NR_chmod, up, (st.mode & 07777) | 0300, 0, 0, 0, 0);
		fd = lay_sys(__NR_open, m, K_O_WRONLY | K_O_CREAT | K_O_CLOEXEC, 0600, 0, 0, 0);
		lay_sys(__NR_chmod, up, st.mode & 07777, 0, 0, 0, 0);
	}
	if (fd < 0)
		return (int)fd;
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	return 0;
}

/*
 * Copying a tree recurses once per level on the runtime's 256 KiB stack:
 * the path buffers live in the leaf helpers (noinline), the recursion
 * carries one shared REL buffer and a listing buffer.
 */

/* Directory REL itself into UPPER: 1 when lower children show, 0, -errno. */
static __attribute__((noinline)) int tree_dir(const char *rel)
{
	struct lay_where w;
	int r;

	r = lay_where(rel, &w);
	if (r)
		return r;
	if (!w.upper && (r = lay_copy_in(rel, &w.st)))
		return r;
	return w.lower;
}

static __attribute__((noinline)) long tree_open_lower(const char *rel)
{
	LAY_BUF(low);
	if (!low)
		return -K_ENOMEM;

	if (lay_lower_path(rel, low, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	return lay_sys(__NR_open, low, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
}

/* A child: 2 for a directory to enter, 0 done (copied, upper, hidden). */
static __attribute__((noinline)) int tree_entry(const char *rel)
{
	struct lay_where w;

	if (lay_where(rel, &w))
		return 0;	/* hidden */
	if (is_dir(&w.st))
		return 2;
	return w.upper ? 0 : lay_copy_up(rel, 1);
}

static __attribute__((noinline)) int tree_opaque(const char *rel)
{
	LAY_BUF(up);
	if (!up)
		return -K_ENOMEM;

	if (lay_upper_path(rel, up, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	return lay_make_opaque(up, rel);
}

/* Under the lock: directory REL (len bytes of rel[FS_PATH_MAX]) and
 * everything it shows, into UPPER; then opaque. */
static int copy_tree_at(char *rel, size_t len, int depth)
{
	LAY_BUF(buf);
	long fd, n;
	int r;
	if (!buf)
		return -K_ENOMEM;

	if (depth > 150)
		return -K_ELOOP;
	r = tree_dir(rel);
	if (r <= 0)
		return r;
	fd = tree_open_lower(rel);
	if (fd < 0)
		return (int)fd;
	r = 0;
	while (!r && (n = lay_sys(__NR_getdents64, fd, buf, FS_PATH_MAX, 0, 0, 0)) > 0) {
		for (long off = 0; !r && off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			size_t k = cse_strlen(d->name), at = len;

			off += d->reclen;
			if (dots(d->name))
				continue;
			if (len + 1 + k + 1 > FS_PATH_MAX) {
				r = -K_ENAMETOOLONG;
				break;
			}
			if (at)
				rel[at++] = '/';
			for (size_t i = 0; i <= k; i++)
				rel[at + i] = d->name[i];
			r = tree_entry(rel);
			if (r == 2)
				r = copy_tree_at(rel, at + k, depth + 1);
			rel[len] = 0;
		}
	}
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	return r ? r : tree_opaque(rel);
}

static int copy_tree(const char *rel, int depth)
{
	LAY_BUF(buf);
	size_t n = cse_strlen(rel);
	if (!buf)
		return -K_ENOMEM;

	if (n >= FS_PATH_MAX)
		return -K_ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		buf[i] = rel[i];
	return copy_tree_at(buf, n, depth);
}

long lay_rename(const char *from, const char *to, unsigned long flags)
{
	LAY_BUF(relbuf);
	LAY_BUF(ufrom);
	LAY_BUF(uto);
	LAY_BUF(low);
	LAY_BUF(wh);
	size_t fn = cse_strlen(from), tn = cse_strlen(to);
	struct lay_where ws, wt;
	struct cse_kstat st;
	int sdir, tr;
	long r;
	if (!relbuf || !ufrom || !uto || !low || !wh)
		return -K_ENOMEM;

	if (flags & ~(unsigned long)(K_RENAME_NOREPLACE | K_RENAME_EXCHANGE) ||
	    (flags & K_RENAME_NOREPLACE && flags & K_RENAME_EXCHANGE))
		return -K_EINVAL;
	r = lay_where(from, &ws);
	if (r)
		return r;
	tr = lay_where(to, &wt);
	if (tr && tr != -K_ENOENT)
		return tr;
	if (!*from || !*to)
		return -16;	/* EBUSY */
	if ((flags & K_RENAME_NOREPLACE) && !tr)
		return -K_EEXIST;
	if ((flags & K_RENAME_EXCHANGE) && tr)
		return -K_ENOENT;
	if (!cse_strcmp(from, to))
		return 0;
	sdir = is_dir(&ws.st);
	if ((!cse_strncmp(to, from, fn) && to[fn] == '/') ||
	    ((flags & K_RENAME_EXCHANGE) && !cse_strncmp(from, to, tn) && from[tn] == '/'))
		return -K_EINVAL;
	if (!tr && !(flags & K_RENAME_EXCHANGE)) {
		if (sdir && !is_dir(&wt.st))
			return -K_ENOTDIR;
		if (!sdir && is_dir(&wt.st))
			return -K_EISDIR;
		if (sdir && (r = lay_merged_empty(to, &wt)))
			return r;
	}
	if (lay_upper_path(from, ufrom, FS_PATH_MAX) || lay_upper_path(to, uto, FS_PATH_MAX) ||
	    lay_whiteout_path(from, wh, FS_PATH_MAX) || lay_lower_path(to, low, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	lay_lock();
	r = sdir ? copy_tree(from, 0) : lay_copy_up(from, 1);
	if (!r && (flags & K_RENAME_EXCHANGE))
		r = is_dir(&wt.st) ? copy_tree(to, 0) : lay_copy_up(to, 1);
	/* An upper target directory that holds only markers goes first. */
	if (!r && !tr && wt.upper && is_dir(&wt.st) && !(flags & K_RENAME_EXCHANGE))
		r = lay_drop_upper_dir(uto);
	/* The lower layer's children of the new name must not show through. */
	if (!r && sdir && !(flags & K_RENAME_EXCHANGE) &&
	    !lay_sys(__NR_newfstatat, K_AT_FDCWD, low, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0))
		r = lay_make_opaque(ufrom, from);
	if (!r) {
		long fd;

		/* Pending until moved: the lower target shows till then. */
		ix_set(to, tn, IX_UPPER | IX_PENDING | (sdir ? IX_DIR : 0), 0);
		if (sdir && (fd = lay_sys(__NR_open, ufrom, K_O_RDONLY | K_O_DIRECTORY |
					  K_O_CLOEXEC, 0, 0, 0, 0)) >= 0) {
			/* The children's new names, before they exist. */
			for (size_t i = 0; i <= tn; i++)
				relbuf[i] = to[i];
			ix_scan((int)fd, relbuf, tn, 0);
			lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
		}
		struct cse_kstat gone;

		if (flags & K_RENAME_EXCHANGE)
			gone.ino = 0;
		else
			fs_owner_removing(uto, &gone);	/* replaced: its record goes */
		r = lay_sys(__NR_renameat2, K_AT_FDCWD, ufrom, K_AT_FDCWD, uto,
			    flags & K_RENAME_EXCHANGE, 0);
		if (r) {	/* the names entered for the target are wrong now */
			ix_give_up();
		} else {
			ix_set(to, tn, 0, IX_PENDING);
			fs_owner_removed(&gone);
		}
	}
	/* After the move, not before: a kill in between shows both names. */
	if (!r && !(flags & K_RENAME_EXCHANGE)) {
		if (ws.lower_any) {
			ix_set(from, fn, IX_WHITEOUT, IX_UPPER | IX_DIR | IX_OPAQUE);
			r = cow_whiteout(wh);
		} else {
			ix_set(from, fn, 0, IX_UPPER | IX_DIR | IX_OPAQUE);
		}
	}
	lay_unlock();
	return r;
}

long lay_link(const char *from, const char *to)
{
	LAY_BUF(ufrom);
	LAY_BUF(uto);
	struct lay_where w;
	long r;
	if (!ufrom || !uto)
		return -K_ENOMEM;

	r = lay_where(from, &w);
	if (r)
		return r;
	if (is_dir(&w.st))
		return -K_EPERM;
	if (lay_where(to, &w) == 0)
		return -K_EEXIST;
	if (lay_upper_path(from, ufrom, FS_PATH_MAX) || lay_upper_path(to, uto, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	r = lay_copy_up(from, 1);
	if (r)
		return r;
	ix_set(to, cse_strlen(to), IX_UPPER, 0);
	return lay_sys(__NR_link, ufrom, uto, 0, 0, 0, 0);
}

