/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs element: the contract between the view (fs.c, fs_resolve.c,
 * fs_reverse.c, fs_fd.c: the guest namespace of root, binds, tmpfs,
 * /proc, /sys, /dev, and confinement) and the layers (fs_layer*.c,
 * fs_cow*.c, fs_dirents.c: where a path of the root lives when
 * --overlay is given, copy-up, whiteouts, merged directories).
 *
 * The root layer is LOWER (the --root directory, or the host's "/") with,
 * under --overlay, UPPER on top. Binds, tmpfs and the host's /proc, /sys
 * and /dev are not part of it: they are never copied up.
 *
 * The view walks a guest path component by component (symlinks resolved
 * inside the view, ".." clamped at the root). For every prefix that lies
 * in the root layer it hands the layer code REL: the path relative to the
 * root, without leading or trailing '/', without "." or ".." components,
 * every parent already resolved (not a symlink). "" is the root itself.
 */
#ifndef CSE_FS_LAYER_H
#define CSE_FS_LAYER_H

#include <cse/element.h>
#include <cse/kabi.h>

/* The functions of every call the element sees (its chain hooks, the
 * path stage's resolve, the descriptor notes): one run of pages in the
 * .so's text (.text.hot), so a call touches fewer code pages; each is a
 * TLB miss after a system call here (no PCID). */
#define FS_HOT	__attribute__((hot))

#define FS_PATH_MAX 4096
#ifndef __NR_fchmodat2
#define __NR_fchmodat2	452	/* Linux 6.6; older headers lack it */
#endif

/*
 * From the element's setup(), after the options were read and checked:
 * lower is the absolute host directory of the root layer ("/" without
 * --root), upper the --overlay directory or NULL. 0, or -errno with a
 * one-line reason in s->err.
 */
int fs_layer_setup(const struct cse_setup *s, const char *lower,
		   const char *upper);

/* 1 when an upper layer is active. */
int fs_layer_overlay(void);

/*
 * Where REL lives now. Writes the host path to host (size bytes) and
 * returns 0 when REL exists in a layer (upper first); -ENOENT when it is
 * absent or whited out (host then holds the path a creation would use,
 * without creating anything); -ENOTDIR, -ENAMETOOLONG as the kernel.
 * When st is not NULL it is filled with REL's lstat (on 0). *only (when
 * not NULL) is set to 1 when REL lies below upper directories under
 * which LOWER shows nothing (a new or opaque directory): so does
 * everything below REL.
 */
int fs_layer_find(const char *rel, char *host, size_t size,
		  struct cse_kstat *st, int *only);

/*
 * REL is about to be changed by a call with intent (CSE_PATH_WRITE,
 * CSE_PATH_CREATE, CSE_PATH_REMOVE): make it changeable in the upper
 * layer (parents copied up; for WRITE, REL itself copied up whole and
 * atomically) and write the upper host path. Without an overlay it is
 * fs_layer_find. 0 or -errno (never a half-copied file visible).
 */
int fs_layer_prepare(struct cse_call *call, const char *rel, uint32_t intent,
		     char *host, size_t size);

/*
 * Calls the layers carry out themselves under --overlay (unlink, rmdir,
 * rename*, getdents64, link, ...): fs.c lists them in its syscalls
 * and hands them to fs_layer_handle() first (before its own handling),
 * and fs_layer_exit() from its exit hook. The path arguments the handler
 * sees are already host paths; the view records REL and the layer of each
 * (see fs_layer_note) so the handler never guesses from a host prefix.
 */
extern const long fs_layer_syscalls[];	/* ended by CSE_SYSCALLS_END */
int fs_layer_call(long nr);		/* nr is one of them */
enum cse_verdict fs_layer_handle(struct cse_call *call);
void fs_layer_exit(struct cse_call *call);

/*
 * fchownat, utimensat and fchmodat2 with AT_EMPTY_PATH and path "": the
 * object its descriptor (or the cwd) is open on is copied up when it is
 * LOWER's, and the call made on the upper path (fs_layer_fdpath.c).
 * fs.c hands it fchownat and fchmodat2, fs_layer_handle utimensat.
 */
enum cse_verdict fs_layer_empty_path(struct cse_call *call);

/*
 * The view tells the layers, during the path stage, that path argument
 * arg of call resolved into the root layer at rel (in_root 1), or
 * elsewhere (a bind, tmpfs, /proc...: in_root 0). Kept per call (the
 * call pointer is the key; calls nest on signals).
 */
void fs_layer_note(struct cse_call *call, int arg, int in_root,
		   const char *rel);

/*
 * The view's word on descriptor fd (fs_fd.c sets it at setup; NULL in
 * a program that links the layers alone): 1 when fd is known not to be
 * open on a LOWER file (it was opened on an upper path), 0 when that is
 * not known. Spares the layers a readlink of /proc/self/fd/N.
 */
extern int (*fs_layer_fd_not_lower)(int fd);
/* 1 when fd was opened on a path fs_layer_find found upper-only (*only):
 * a directory whose listing has no lower names (NULL: not asked). */
extern int (*fs_layer_fd_upper_only)(int fd);
/* 1 when fd was opened outside the root layer (a bind, --tmpfs, /proc,
 * /sys, /dev): nothing of the layers there (NULL: not asked). */
extern int (*fs_layer_fd_outside)(int fd);
/* Directory fd was just listed by call (the view may remember its
 * paths; fd is known open). */
extern void (*fs_layer_fd_listing)(struct cse_call *call, int fd);
/* The layers found that directory fd (used by the call in hand) is REL
 * of the root layer, at host path host: the view may remember it
 * (NULL: not asked). */
extern void (*fs_layer_fd_named)(int fd, const char *rel, const char *host);

/* 1 when host path p names something in UPPER (under --overlay). */
int fs_layer_upper_path(const char *p);

#endif /* CSE_FS_LAYER_H */
