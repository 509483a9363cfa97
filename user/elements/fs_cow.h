/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs element, the layers' internal interface (behind fs_layer.h):
 *
 *   fs_layer.c        setup, find (where REL lives), prepare, copy-up walk
 *   fs_layer_names.c  path buffers, upper names (escaping), layer paths
 *   fs_layer_index.c  the in-memory index of UPPER (names, whiteouts,
 *                     opaque directories) shared by the application
 *   fs_layer_ops.c    calls the layers carry out: unlink, rmdir, mkdir,
 *                     access(W_OK), fd metadata; the notes of the path stage
 *   fs_layer_move.c   rename and link (whole copy-up of the source)
 *   fs_cow.c          copy-up (data, mode, owner, times, xattrs, symlinks)
 *   fs_cow_fds.c      descriptors open on a lower file follow its copy-up
 *   fs_dirents.c      getdents64 of a directory present in both layers
 *   fs_owner.c        the id element's owner records across copy-up
 *
 * UPPER's on-disk format is the OCI image layer convention: a whiteout
 * for NAME is an empty file ".wh.NAME" beside it, an opaque directory
 * holds ".wh..wh..opq". Names the convention leaves free are ours:
 * ".wh..wh..cse-work" (top of UPPER) is the work directory where copies
 * are made before they are renamed into place, a user's name that starts
 * with ".wh." is stored as ".wh..wh..u" + name, and the whiteout of such
 * a name as ".wh..wh..w" + name (so no user name can pass for a marker).
 */
#ifndef CSE_FS_COW_H
#define CSE_FS_COW_H

#include "fs_layer.h"

#define WH_PREFIX	".wh."
#define WH_OPAQUE	".wh..wh..opq"
#define WH_WORK		".wh..wh..cse-work"
#define WH_USER		".wh..wh..u"	/* + a user name starting ".wh." */
#define WH_WHUSER	".wh..wh..w"	/* whiteout of such a name */

extern const struct cse_services *lay_svc;
extern char lay_lower[FS_PATH_MAX], lay_upper[FS_PATH_MAX], lay_work[FS_PATH_MAX];
extern size_t lay_lower_len, lay_upper_len;
/* LOWER as the kernel names it in /proc/self/fd (symlinks resolved). */
extern char lay_lower_real[FS_PATH_MAX];
extern size_t lay_lower_real_len;

#define lay_sys(nr, a, b, c, d, e, f) \
	lay_svc->syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/*
 * Path buffers. The layers' code runs on the runtime's stack, or for a
 * trapped call on the application's alternate signal stack, which may be
 * a few KiB (Rust: 8 KiB): no FS_PATH_MAX array lives on the stack. A
 * buffer is taken from a pool (NULL when it is used up: ENOMEM) and given
 * back when its variable goes out of scope.
 */
char *lay_buf_get(void);
void lay_buf_put(char **p);
#define LAY_BUF(name) char *name __attribute__((cleanup(lay_buf_put))) = lay_buf_get()

/* fs_layer_names.c */
/* Append s (n bytes) to out at *at: 0 or -ENAMETOOLONG. */
int lay_put(char *out, size_t size, size_t *at, const char *s, size_t n);
int lay_lower_path(const char *rel, char *out, size_t size);
int lay_upper_path(const char *rel, char *out, size_t size);
/* The whiteout file of REL (in REL's upper parent). */
int lay_whiteout_path(const char *rel, char *out, size_t size);
/* What REL is in the layers, looked up on disk or in the index. */
struct lay_where {
	int upper;		/* REL exists in UPPER */
	int lower;		/* REL exists in LOWER and is not hidden */
	int merged;		/* a directory in both (lower children show) */
	int lower_any;		/* LOWER has REL, not hidden (maybe covered by
				 * the upper entry): its removal needs a whiteout */
	int parent_low;		/* nothing above REL hides LOWER's REL (a
				 * whiteout or opaque directory on the way) */
	int upper_only;		/* below upper directories under which
				 * LOWER shows nothing (upper_only) */
	struct cse_kstat st;	/* the visible one's lstat */
	struct cse_kstat lst;	/* the lower one's lstat, when lower */
};
int lay_where(const char *rel, struct lay_where *w);
/* 1 when REL lies below upper directories under which LOWER shows
 * nothing (by the index, no system call): only UPPER can hold it. */
int lay_upper_only(const char *rel);
/* 0 when the index says nothing of LOWER shows below REL (an upper
 * directory: opaque, whited out or under such), else 1. */
int lay_lower_may_show(const char *rel);
/* fs_layer.c */
/* Copy up REL's parents (directories), REL itself when whole. */
int lay_copy_up_parents(const char *rel);
int lay_copy_up(const char *rel, int whole);
/* Under the lock: lower REL (lstat st), absent from UPPER, copied up. */
int lay_copy_in(const char *rel, const struct cse_kstat *st);
/* 1 when a name of a directory listing is one of ours (markers). */
int lay_name_hidden(const char *name);
/* The user's name for an upper name (unescaped), into out. */
void lay_name_unescape(const char *name, char *out, size_t size);
/* The upper name for a user's name. */
int lay_name_escape(const char *name, size_t n, char *out, size_t size);
void lay_lock(void);
void lay_unlock(void);

/* fs_layer_index.c: flags per REL */
#define IX_UPPER	0x1	/* present in UPPER */
#define IX_WHITEOUT	0x2	/* a whiteout for it exists */
#define IX_OPAQUE	0x4	/* an opaque directory */
#define IX_DIR		0x8	/* the upper entry is a directory */
/* Set with IX_UPPER before a copy-up (or a rename) brings the entry into
 * UPPER over one the lower layer shows, cleared once it is in place: until
 * then an IX_UPPER answer is looked at on the disk, never trusted alone. */
#define IX_PENDING	0x10
int ix_open(int fresh, char *err, size_t errlen);
/* Flags of REL (n bytes), or -1 when the index cannot answer. */
int ix_get(const char *rel, size_t n);
/* The same for the raw hash state of REL: ix_hash_more(IX_HASH_START,
 * rel, n), which a walk extends component by component, and praw that
 * of its parent (REL up to its last '/', "" for a top name or REL ""). */
#define IX_HASH_START 0xcbf29ce484222325ull
uint64_t ix_hash_more(uint64_t raw, const char *s, size_t n);
int ix_get_raw(uint64_t praw, uint64_t raw);
void ix_set(const char *rel, size_t n, uint32_t set, uint32_t clear);
int ix_usable(void);
uint64_t ix_dir_gen(void);
void ix_give_up(void);
/* Enter what directory fd holds, REL rel (rlen bytes, FS_PATH_MAX room). */
int ix_scan(int fd, char *rel, size_t rlen, int depth);
void lay_rm_tree(const char *path);

/* fs_cow.c */
/* Copy lower host path src (lstat st) to upper host path dst through
 * the work directory: all or nothing. */
int cow_copy(const char *src, const struct cse_kstat *st, const char *dst);
/* Make directory dst like src (mode, owner, times, xattrs); opaque
 * when asked; through the work directory. */
int cow_mkdir(const char *src, const struct cse_kstat *st, const char *dst,
	      int opaque, uint32_t mode);
/* Create an empty whiteout file at path (through the work directory). */
int cow_whiteout(const char *path);
/* A fresh name in the work directory. */
int cow_work_name(char *out, size_t size);
int cow_copy_attrs(int fd, const char *src, const struct cse_kstat *st);

/* fs_cow_fds.c: this process's descriptors on lower, onto upper. */
void cow_move_fds(const char *lower, const char *upper);

/* fs_owner.c: the id element's records across the layers' changes.
 * copied: the copy (not yet in place) shows lower's owner and mode.
 * removing/removed: around the removal of path's last name. */
void fs_owner_copied(const struct cse_kstat *lower, const char *copy);
void fs_owner_removing(const char *path, struct cse_kstat *st);
void fs_owner_removed(const struct cse_kstat *st);

/* fs_dirents.c */
long dir_getdents(struct cse_call *call);

/* fs_layer_ops.c */
#define K_ENOTEMPTY	39
struct dent {			/* struct linux_dirent64 */
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};
static inline int dots(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}
static inline int is_dir(const struct cse_kstat *st)
{
	return (st->mode & K_S_IFMT) == K_S_IFDIR;
}
/* 0 when directory REL (where w) is empty in the merged view. */
int lay_merged_empty(const char *rel, const struct lay_where *w);
/* Move an upper directory out of sight and remove it. */
int lay_drop_upper_dir(const char *up);

/* fs_layer_move.c (under the lock for make_opaque) */
int lay_make_opaque(const char *up, const char *rel);
long lay_rename(const char *from, const char *to, unsigned long flags);
long lay_link(const char *from, const char *to);

#endif /* CSE_FS_COW_H */
