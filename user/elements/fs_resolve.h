/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs element, the resolver's walk (fs_resolve.c), shared with the
 * /proc magic-link steps of fs_resolve_proc.c.
 */
#ifndef CSE_FS_RESOLVE_H
#define CSE_FS_RESOLVE_H

#include "fs.h"

struct walk {
	char *g;		/* physical guest path so far (FS_PATH_MAX) */
	char *link, *back;	/* work buffers (FS_PATH_MAX) */
	size_t n;
	size_t floor;		/* the view's root: ".." stops here */
	size_t base;		/* start directory of a relative path */
	int simple;		/* still expressible relative to the start */
	int links;
	int magic;		/* a /proc/PID magic link was walked through */
	int crossed;		/* the walk left its start's mount (RESOLVE_NO_XDEV) */
	int unsure;		/* a component was not found to be no symlink */
	size_t parent_n;	/* nofollow_last: the length of g's parent */
	int nofollow_last;	/* the last component was not looked at (NOFOLLOW) */
	int proc_lazy;		/* a last /proc/PID/... component is not read */
	int magic_last;		/* a last magic link is walked in the view (a write) */
	int proc_kernel;	/* not openat2: the kernel may follow /proc/self/fd/N */
	const struct fs_mount *m, *start;
	uint64_t h;		/* hash of g[0..hn) */
	size_t hn;		/* (size_t)-1: h is not g's */
};

/* w->m for the path so far, after any change but a push (which
 * set_mount_pushed follows); a change of mount is noted for NO_XDEV. */
static inline void set_mount(struct walk *w)
{
	w->hn = (size_t)-1;	/* g changed: its hash is recomputed */
	w->m = fs_mount_of(w->g, w->n);
	if (w->m != w->start)
		w->crossed = 1;
}

static inline void to_root(struct walk *w)
{
	w->n = w->floor;
	w->g[w->n] = 0;
	w->simple = 0;
}

/* fs_resolve_proc.c, for a walk standing on a component of the host's
 * /proc (w->m->kind FS_PROC). */

/* The last component is one under /proc/PID the kernel may follow
 * itself (fd/N, cwd, exe, status; not root). */
int fsr_proc_lazy(const struct walk *w);

/* What the walk does after a symlink under /proc (text w->link, ln bytes):
 * go on with todo (*tn bytes) from *i, stop at this component, or stop
 * and leave the rest to the kernel; FSR_LINK: an ordinary symlink. */
enum { FSR_LINK, FSR_WALK_ON, FSR_STOP, FSR_KERNEL };
int fsr_proc_link(struct walk *w, char *todo, size_t *tn, size_t *i, int last, size_t ln);

/* The component just pushed (its parent parent_n bytes of w->g) is
 * /proc/self and the rest of the path (todo[i..tn)) is "/fd/N":
 * FSR_SELF_WALK, the walk goes through it as through a directory (the
 * kernel resolves it); FSR_SELF_KERNEL, N is on an object of UPPER (or
 * made there) and the kernel follows the whole path to it; else
 * FSR_SELF_NO. Not for openat2 (w->proc_kernel 0). */
enum { FSR_SELF_NO, FSR_SELF_WALK, FSR_SELF_KERNEL };
int fsr_proc_self_fd(const struct walk *w, size_t parent_n, const char *todo, size_t i, size_t tn);

/* fs_resolve_upper.c: 1 when req's relative path is a name the kernel
 * may walk from req->dirfd as it stands (below an upper-only directory). */
int fsr_upper_name(struct cse_path_req *req);

#endif /* CSE_FS_RESOLVE_H */
