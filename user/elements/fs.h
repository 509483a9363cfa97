/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs element, the view: internal interfaces of fs.c, fs_opts.c,
 * fs_resolve*.c, fs_reverse.c, fs_fd.c, fs_tmpfs.c and fs_chroot.c.
 *
 * Guest paths are kept "physical": absolute, without "." or "..", no
 * trailing '/', symlinks already resolved, "" for the view's "/". A
 * process that called chroot() has a view root (fs_vroot) inside that:
 * its "/" is the physical guest path fs_vroot.
 */
#ifndef CSE_FS_H
#define CSE_FS_H

#include <asm/unistd.h>
#include "fs_layer.h"

#define FS_MOUNTS_MAX	40
#define FS_SYMLINKS_MAX	40	/* the kernel's limit: ELOOP after 40 */
#define FS_CHROOTS_MAX	32
#define FS_BUCKETS	4096
#define FS_CHROOT_LEN	1024
#define K_EROFS		30
#define K_EBUSY		16
#define K_EXDEV		18

enum fs_kind {
	FS_ROOT,	/* the root layer (LOWER, maybe with UPPER) at "" */
	FS_BIND,	/* --bind, and the host's /proc, /sys, /dev, /etc files */
	FS_PROC,	/* the host's /proc: magic links handled */
	FS_TMPFS,	/* --tmpfs: a private directory the element made */
};

struct fs_mount {
	char guest[FS_PATH_MAX];	/* physical guest path, "" for the root */
	char host[FS_PATH_MAX];		/* host path, "" for the host's "/" */
	uint32_t glen, hlen;
	uint8_t kind;			/* enum fs_kind */
	uint8_t ro;			/* writing calls get EROFS */
};

/* Shared by the application's processes (the element's instance state). */
struct fs_state {
	uint64_t gen;			/* bumped by every rename */
	uint32_t images;		/* process images started (fs_fd.c) */
	uint32_t bucket[FS_BUCKETS];	/* bumped by symlink and link (fs_resolve.c) */
	struct cse_lock lock;		/* tmpfs creation, chroot table */
	int32_t tmpfs_made;		/* 1 once the tmpfs backing dirs exist */
	int32_t tmpfs_owner;		/* pid that removes them at its exit */
	char tmpfs_base[256];		/* host directory holding them */
	struct {
		int32_t pid;
		char root[FS_CHROOT_LEN];	/* physical guest path */
	} chroots[FS_CHROOTS_MAX];
	uint64_t links;			/* bumped with every bucket (fs_resolve.c) */
};

extern const struct cse_services *fs_svc;
extern struct fs_state *fs_st;
extern struct fs_mount fs_mounts[FS_MOUNTS_MAX];
extern int fs_nmounts;			/* fs_mounts[0] is the root layer */
/* fs_mounts[i].glen, packed: a walk compares lengths first, and the
 * mount entries themselves lie pages apart. */
extern uint32_t fs_mglen[FS_MOUNTS_MAX];
extern char fs_upper[FS_PATH_MAX];	/* --overlay, "" when none */
extern char fs_vroot[FS_CHROOT_LEN];	/* this process's chroot(), "" */
extern uint32_t fs_vroot_len;

static inline long fs_sys(long nr, long a, long b, long c, long d)
{
	return fs_svc->syscall(nr, a, b, c, d, 0, 0);
}

/* fs_opts.c: settings into fs_mounts; 0 or -errno with s->err set. */
int fs_opts_read(const struct cse_setup *s, const char **workdir);

/* Host path of physical guest path g (len n) into out. */
int fs_host_of(const char *g, size_t n, char *out, size_t size);
/* The mount g (len n) is in. */
const struct fs_mount *fs_mount_of(const char *g, size_t n);

/* fs_resolve.c */
int fs_resolve(struct cse_path_req *req);
/* Forget every cached lookup (a rename happened). */
void fs_changed(void);
void fs_resolve_fork(void);
int fs_renames(long nr);
/* Guest path (as the process names it) to physical guest path. */
int fs_walk_guest(const char *path, char *out, size_t size);
/* The mounts' guest paths are final (setup, after place_mounts). */
void fsr_mounts_placed(void);

/* fs_resolve_cache.c: the resolver's answers. */
#define FSR_HASH_START 0xcbf29ce484222325ull
uint64_t fsr_hash_more(uint64_t h, const char *g, size_t n);
static inline uint64_t fsr_hash(const char *g, size_t n)
{
	return fsr_hash_more(FSR_HASH_START, g, n);
}
/* The tag a component's answer for hash h is given under now; whether
 * it is known to be no symlink under it; learn that it is. */
uint64_t fsr_tag_now(uint64_t h);
int fsr_no_link(uint64_t h, uint64_t tag);
void fsr_no_link_learn(uint64_t h, uint64_t tag);
/* Whole paths free of symlinks, under the generation fsr_whole_gen(). */
uint64_t fsr_whole_gen(void);
int fsr_whole_known(uint64_t h, uint64_t wgen);
void fsr_whole_learn(uint64_t h, uint64_t wgen);
/* A symlink may appear at physical guest path g (symlink, link). */
void fsr_changed_one(const char *g, size_t n);
/* mkdir call c makes guest path g (n bytes); after the call: learnt
 * as no symlink when it succeeded. */
void fsr_mkdir_note(struct cse_call *c, const char *g, size_t n);
void fsr_mkdir_done(struct cse_call *c);

/* A host path that no guest path names. */
#define FS_NOT_IN_VIEW	(-4096L)

/* fs_reverse.c */
long fs_reverse(const char *host, char *out, size_t size);
/* Host path to physical guest path (chroot not applied): its length,
 * FS_NOT_IN_VIEW, or -ENAMETOOLONG. */
long fs_reverse_phys(const char *host, char *out, size_t size);

/* fs_fd.c: the physical guest path of the cwd or of a dirfd: its
 * length, FS_NOT_IN_VIEW, or -errno. */
long fs_dir_guest(int dirfd, char *out, size_t size, char *work);
void fs_cwd_refresh(void);
/* Offset in host (hn bytes, of guest path g, gn bytes) of a tail the
 * kernel may walk from dirfd (or the cwd) instead, or 0. */
size_t fs_dir_tail(int dirfd, const char *host, size_t hn, const char *g, size_t gn);
void fs_fd_setup(const struct cse_setup *s);
/* After an open: an upper descriptor is marked, a directory's (dir)
 * guest path remembered. */
void fs_fd_opened(struct cse_call *c, int dir);
void fs_fd_fork(void);
/* Where the path of open call c (open, openat, openat2, creat) was
 * resolved: outside the root layer, in UPPER below directories under
 * which LOWER shows nothing, or neither (0). */
#define FS_FDR_OUTSIDE		1
#define FS_FDR_UPPER_ONLY	2
void fs_fd_resolved(struct cse_call *c, int where);
/* Descriptor fd was opened upper-only (FS_FDR_UPPER_ONLY). */
int fs_fd_upper_only(int fd);
/* Descriptor fd is on an object of the root layer's UPPER (never on a
 * LOWER file, not outside the root layer). */
int fs_fd_upper_object(int fd);
/* Directory fd was opened upper-only and its guest path is known: 1,
 * with the path's hash (fsr_hash) and length. */
int fs_fd_upper_dir(int fd, uint64_t *h, size_t *len);

/* fs_tmpfs.c */
int fs_tmpfs_setup(const struct cse_setup *s);
void fs_tmpfs_exit(void);

/* fs_owner.c: find the instance state (the id element's owner table). */
void fs_owner_setup(const struct cse_setup *s);

/* fs_chroot.c */
void fs_chroot_load(void);
void fs_chroot_fork(void);
long fs_chroot_call(struct cse_call *c);
void fs_fork_child(void);

/* Small string helpers (no libc). */
static inline void fs_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* memmove */
static inline void fs_move(char *dst, const char *src, size_t n)
{
	if (dst < src) {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	} else {
		for (size_t i = n; i > 0; i--)
			dst[i - 1] = src[i - 1];
	}
}

/* The first bytes of s, up to 8 and up to n, as one word. */
static inline uint64_t fs_head(const char *s, size_t n)
{
	uint64_t h = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		h |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return h;
}

/* s starts with directory d (length n): s is d, or d followed by '/'. */
static inline int fs_under(const char *s, size_t slen, const char *d, size_t n)
{
	return slen >= n && !cse_strncmp(s, d, n) && (slen == n || s[n] == '/' || !n);
}

#endif /* CSE_FS_H */
