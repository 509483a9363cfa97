// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the resolver (fs_resolve.c): a name the kernel may walk
 * as it stands. Below a directory descriptor opened upper-only (LOWER
 * shows nothing under it, nor ever will: fs_fd_upper_only), a path of
 * plain names (not ".wh." escaped, no mount at one) looked at, or
 * opened and maybe created, without following its last component is
 * in UPPER under its own names when the directories on its way are
 * known free of symlinks: the walk would hand the kernel that same path
 * relative to dirfd (its tail, fs_dir_tail) after a lookup of the whole
 * path in the layer index. tar -c's fstatat and open of every file it
 * archives, tar -x's creates below the directory it extracts into.
 */
#include "fs_resolve.h"

/* The last component of each mount's guest path: its length and head
 * (fs_head), packed, so no mount's own page is read per call. */
static uint32_t mbase_len[FS_MOUNTS_MAX];
static uint64_t mbase_head[FS_MOUNTS_MAX];

void fsr_mounts_placed(void)
{
	for (int i = 1; i < fs_nmounts; i++) {
		const struct fs_mount *m = &fs_mounts[i];
		size_t b = m->glen;

		while (b > 0 && m->guest[b - 1] != '/')
			b--;
		mbase_len[i] = m->glen - (uint32_t)b;
		mbase_head[i] = fs_head(m->guest + b, mbase_len[i]);
	}
}

/* Some mount's guest path may end in the component name (n bytes). */
static int mount_named(const char *name, size_t n)
{
	uint64_t h = fs_head(name, n);

	for (int i = 1; i < fs_nmounts; i++)
		if (mbase_len[i] == n && mbase_head[i] == h)
			return 1;
	return 0;
}

static int opens(long nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_openat2 || nr == __NR_creat;
}

/* A component of n bytes the kernel may walk as it is named: not "."
 * or "..", not ".wh." escaped, no mount at it. */
static int plain_part(const char *p, size_t n)
{
	if (!n || n > 255)
		return 0;
	if (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.')))
		return 0;
	if (n >= 4 && !cse_strncmp(p, ".wh.", 4))
		return 0;
	return !mount_named(p, n);
}

/*
 * More than one component (the last begins at p + last): the
 * directories on the way are known free of symlinks (the whole-path
 * answers of fs_resolve.c, for dirfd's guest path and them), so the
 * kernel walks through the same directories in UPPER. The walk would
 * hand it the same relative path after the same lookup.
 */
static int known_dirs(int dirfd, const char *p, size_t last, size_t tn)
{
	uint64_t h;
	size_t dn;

	if (!fs_fd_upper_dir(dirfd, &h, &dn) || dn + 1 + tn >= FS_PATH_MAX)
		return 0;
	h = fsr_hash_more(fsr_hash_more(h, "/", 1), p, last - 1);
	return dn + last <= fs_vroot_len || fsr_whole_known(h, fsr_whole_gen());
}

/*
 * A relative path of plain components looked at, or opened (and maybe
 * created), without following its last component: each directory
 * below an upper-only dirfd is one too.
 */
FS_HOT int fsr_upper_name(struct cse_path_req *req)
{
	const uint32_t plain = CSE_PATH_READ | CSE_PATH_NOFOLLOW | CSE_PATH_DIR;
	const uint32_t open = plain | CSE_PATH_WRITE | CSE_PATH_CREATE;
	const char *p = req->path;
	size_t n = 0, last = 0;

	if (!req->call || !(req->intent & CSE_PATH_NOFOLLOW) ||
	    (req->intent & ~(opens(req->nr) ? open : plain)) || !fs_upper[0] || req->dirfd < 0 ||
	    fs_layer_call(req->nr))
		return 0;
	for (;;) {
		size_t s = n;

		while (n - s <= 255 && p[n] && p[n] != '/')
			n++;
		if (!plain_part(p + s, n - s))
			return 0;	/* "", too long for a name, "." or ".." ... */
		if (!p[n])
			break;
		last = ++n;
	}
	if (last ? !known_dirs(req->dirfd, p, last, n) : !fs_fd_upper_only(req->dirfd))
		return 0;
	if (opens(req->nr))
		fs_fd_resolved(req->call, FS_FDR_UPPER_ONLY);
	return 1;
}
