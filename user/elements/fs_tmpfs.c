// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: --tmpfs GUEST, a private, empty, writable directory.
 *
 * Not a kernel tmpfs (that would need a mount): each one is a directory
 * the element makes, once per application, under a host directory of
 * its own, /tmp/cse-fs.PID (mode 0700: no other user can reach it). The
 * application's first process removes the whole tree when it exits
 * (exit_group); processes that outlive it lose their tmpfs contents.
 * It lives on the host's /tmp filesystem, so its size is that one's.
 */
#include "fs.h"

#define K_AT_REMOVEDIR	0x200
#define K_O_DIRECTORY_	0200000

/* The host directory of the n-th --tmpfs mount (index i). */
static void name_of(char *out, size_t size, int i)
{
	cse_snprintf(fs_svc, out, size, "%s/%d", fs_st->tmpfs_base, i);
}

int fs_tmpfs_setup(const struct cse_setup *s)
{
	int any = 0;
	long r = 0;

	for (int i = 0; i < fs_nmounts; i++)
		any |= fs_mounts[i].kind == FS_TMPFS;
	if (!any)
		return 0;
	fs_svc->lock(&fs_st->lock);
	if (!fs_st->tmpfs_made) {
		int pid = fs_svc->getpid();

		cse_snprintf(fs_svc, fs_st->tmpfs_base, sizeof(fs_st->tmpfs_base),
			     "/tmp/cse-fs.%d", pid);
		r = fs_sys(__NR_mkdir, (long)fs_st->tmpfs_base, 0700, 0, 0);
		for (int i = 0; i < fs_nmounts && r == 0; i++) {
			char dir[FS_PATH_MAX];

			if (fs_mounts[i].kind != FS_TMPFS)
				continue;
			name_of(dir, sizeof(dir), i);
			r = fs_sys(__NR_mkdir, (long)dir, 0700, 0, 0);
			if (r == 0)	/* a tmpfs's root is 1777 */
				r = fs_sys(__NR_fchmodat, K_AT_FDCWD, (long)dir, 01777, 0);
		}
		if (r == 0) {
			fs_st->tmpfs_owner = pid;
			fs_st->tmpfs_made = 1;
		}
	}
	fs_svc->unlock(&fs_st->lock);
	if (r < 0) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "--tmpfs: cannot make its directory under %s (errno %ld)",
			     fs_st->tmpfs_base, -r);
		return (int)r;
	}
	for (int i = 0; i < fs_nmounts; i++) {
		struct fs_mount *m = &fs_mounts[i];

		if (m->kind != FS_TMPFS)
			continue;
		name_of(m->host, sizeof(m->host), i);
		m->hlen = (uint32_t)cse_strlen(m->host);
	}
	return 0;
}

/*
 * Remove everything below directory fd dfd, then nothing else. Runs at
 * exit_group, maybe on a small sigaltstack: one static buffer for every
 * level, so a directory is read again from its start after a
 * subdirectory was emptied (what is removed does not come back).
 */
static char dents[4096];

/* Returns how many names it removed. */
static long empty_dir(int dfd, int depth)
{
	long n, removed = 0;
	int again, progress;

	if (depth > 64)
		return 0;
	do {
		again = progress = 0;
		fs_sys(__NR_lseek, dfd, 0, 0, 0);
		while (!again && (n = fs_sys(__NR_getdents64, dfd, (long)dents, sizeof(dents), 0)) > 0) {
			for (long off = 0; off < n; ) {
				struct { uint64_t ino; int64_t off; uint16_t reclen; uint8_t type; char name[]; }
					*d = (void *)(dents + off);
				const char *nm = d->name;
				long sub;

				off += d->reclen;
				if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
					continue;
				if (fs_sys(__NR_unlinkat, dfd, (long)nm, 0, 0) == 0 ||
				    fs_sys(__NR_unlinkat, dfd, (long)nm, K_AT_REMOVEDIR, 0) == 0) {
					progress = 1;
					removed++;
					continue;
				}
				sub = fs_sys(__NR_openat, dfd, (long)nm,
					     K_O_RDONLY | K_O_DIRECTORY_ | K_O_NOFOLLOW | K_O_CLOEXEC, 0);
				if (sub < 0)
					continue;
				/* dents is reused below: read this one again after */
				if (empty_dir((int)sub, depth + 1) > 0)
					progress = again = 1;
				fs_sys(__NR_close, sub, 0, 0, 0);
				if (again)
					break;
			}
		}
		removed += progress;
	} while (progress);
	return removed;
}

void fs_tmpfs_exit(void)
{
	long fd;

	if (!fs_st || !fs_st->tmpfs_made || fs_st->tmpfs_owner != fs_svc->getpid())
		return;
	fd = fs_sys(__NR_openat, K_AT_FDCWD, (long)fs_st->tmpfs_base,
		    K_O_RDONLY | K_O_DIRECTORY_ | K_O_NOFOLLOW | K_O_CLOEXEC, 0);
	if (fd < 0)
		return;
	empty_dir((int)fd, 0);
	fs_sys(__NR_close, fd, 0, 0, 0);
	fs_sys(__NR_unlinkat, K_AT_FDCWD, (long)fs_st->tmpfs_base, K_AT_REMOVEDIR, 0);
	fs_st->tmpfs_made = 0;
}
