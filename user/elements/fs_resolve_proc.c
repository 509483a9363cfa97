// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the resolver (fs_resolve.c) on the host's /proc: the
 * /proc/PID links (cwd, exe, root, fd/N, ...) are the kernel's magic
 * links. Their text is a host path of something the process reached
 * through the view, so it is mapped back into the view and walked from
 * there; /proc/PID/root is the view's root. What the view cannot name
 * (a pipe, a namespace, a file outside) the kernel follows itself.
 */
#include "fs_resolve.h"

/*
 * Splice the magic link's text (mlen bytes) in front of todo (*tn
 * bytes). 1: todo now starts with that guest path and the walk is back
 * at the view's root; 0: not in the view.
 */
static int proc_magic(struct walk *w, const char *text, size_t mlen, char *todo, size_t *tn)
{
	char *back = w->back;
	long r;

	if (text[0] != '/' || mlen >= FS_PATH_MAX)
		return 0;
	r = fs_reverse_phys(text, back, FS_PATH_MAX);
	if (r < 0 || !fs_under(back, (size_t)r, fs_vroot, fs_vroot_len))
		return 0;
	r -= fs_vroot_len;
	if ((size_t)r + 1 + *tn >= 2 * FS_PATH_MAX)
		return 0;
	if (!*tn) {	/* the link was the last component */
		fs_copy(todo, back + fs_vroot_len, (size_t)r);
		*tn = (size_t)r;
		todo[*tn] = 0;
		to_root(w);
		return 1;
	}
	fs_move(todo + r + 1, todo, *tn);
	fs_copy(todo, back + fs_vroot_len, (size_t)r);
	todo[r] = '/';
	*tn += (size_t)r + 1;
	todo[*tn] = 0;
	to_root(w);
	return 1;
}

/* A magic link's text for a file deleted since it was opened. */
static int deleted(const char *text, size_t n)
{
	static const char tag[] = " (deleted)";
	size_t tl = sizeof(tag) - 1;

	return n >= tl && !cse_strncmp(text + n - tl, tag, tl);
}

/* The last component of w is NAME. */
static int named(const struct walk *w, const char *name)
{
	size_t n = cse_strlen(name);

	return w->n > n && w->g[w->n - n - 1] == '/' && !cse_strncmp(w->g + w->n - n, name, n);
}

/* Is the symlink depth under /proc more than /proc/NAME (a magic link)? */
static int in_proc_pid(const struct walk *w)
{
	int slashes = 0;

	for (size_t i = w->m->glen; i < w->n; i++)
		slashes += w->g[i] == '/';
	return slashes >= 2;
}

/*
 * The last component under /proc/PID (fd/N, cwd, exe, status): magic
 * link or not, the kernel takes it from here as the walk would leave it.
 * Not /proc/PID/root (the view's root).
 */
int fsr_proc_lazy(const struct walk *w)
{
	return in_proc_pid(w) && !named(w, "root");
}

/* Drop todo's first i bytes (the components walked). */
static void shift(char *todo, size_t *tn, size_t *i)
{
	size_t rn = *tn - *i;

	for (size_t k = 0; k < rn; k++)
		todo[k] = todo[*i + k];
	todo[rn] = 0;
	*tn = rn;
	*i = 0;
}

int fsr_proc_link(struct walk *w, char *todo, size_t *tn, size_t *i, int last, size_t ln)
{
	if (!in_proc_pid(w))
		return FSR_LINK;	/* /proc/self, /proc/mounts: ordinary links */
	w->magic = 1;
	if (named(w, "root")) {	/* /proc/PID/root: the view's root */
		shift(todo, tn, i);
		to_root(w);
		set_mount(w);
		return FSR_WALK_ON;
	}
	/*
	 * The kernel follows a last magic link to its object, but a write
	 * through it must reach the object's copy in the layer: the link is
	 * walked in the view then (a file deleted since is left to the
	 * kernel).
	 */
	if (last && (!w->magic_last || deleted(w->link, ln)))
		return FSR_STOP;
	if (last)
		*i = *tn;	/* nothing follows the link */
	shift(todo, tn, i);
	if (proc_magic(w, w->link, ln, todo, tn)) {
		set_mount(w);
		return FSR_WALK_ON;
	}
	/* not in the view: the kernel follows it */
	return last ? FSR_STOP : FSR_KERNEL;
}

/*
 * /proc/self/fd/N (glibc's fchmodat, fchownat and others of an O_PATH
 * descriptor name it): the host path keeps "self", which the kernel
 * resolves for the calling process, the application's, as the link's
 * text ("PID") would: the walk reads the last magic link only, not
 * /proc/self, /proc/PID and /proc/PID/fd first. Only for this whole
 * path, whose walk ends at the fd's object: a walk's path may outlive
 * its call (a cwd) and must not name another process then. When N is
 * a descriptor of the view's root layer that cannot be on a LOWER file
 * (fs_fd_upper_object), the kernel's following of the magic link
 * reaches what the walk would (its copy in UPPER is the object itself):
 * not even the magic link is read. A descriptor outside the root layer
 * (a bind, maybe read-only) is walked.
 */
int fsr_proc_self_fd(const struct walk *w, size_t parent_n, const char *todo, size_t i, size_t tn)
{
	int fd = 0;

	if (parent_n != w->m->glen || w->n != parent_n + 5 || cse_strncmp(w->g + parent_n, "/self", 5))
		return FSR_SELF_NO;
	if (tn - i < 5 || tn - i > 13 || cse_strncmp(todo + i, "/fd/", 4))
		return FSR_SELF_NO;
	for (size_t k = i + 4; k < tn; k++) {
		if (todo[k] < '0' || todo[k] > '9')
			return FSR_SELF_NO;
		fd = fd * 10 + (todo[k] - '0');
	}
	return w->proc_kernel && fs_fd_upper_object(fd) ? FSR_SELF_KERNEL : FSR_SELF_WALK;
}
