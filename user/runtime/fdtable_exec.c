// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor table across execve: the sender writes the entries of
 * its table into the boot block (boot.c, include/cse/boot.h); the next
 * image's runtime keeps them until each element registers with
 * fd_track, then gives it its entries back (fdtable_import_pending).
 *
 * Which entries: those of descriptors open at the moment of the exec
 * (a number closed behind the runtime's back, by io_uring say, is left
 * out). Close-on-exec ones are sent marked closed: the element hears
 * closed() in the new image, when the exec has really happened, rather
 * than before an exec that may still fail.
 *
 * A vfork child shares its parent's table (fdtable.c) but has its own
 * descriptors: an entry goes with its exec only when the child's
 * descriptor is the same open file as the parent's (kcmp KCMP_FILE);
 * without kcmp (CONFIG_KCMP off, or denied), when the number is open.
 * A tracked descriptor the child dup2'd to another number is not
 * followed there.
 */
#include <cse/boot.h>
#include "runtime.h"

#define K_KCMP_FILE	0

/* Entries of the last boot block received, until their elements track. */
static const struct cse_boot_fd *pending;
static uint32_t npending;

void fdtable_import(const struct cse_boot_fd *v, uint32_t n)
{
	pending = v;
	npending = n;
}

void fdtable_import_pending(int e)
{
	for (uint32_t i = 0; i < npending; i++) {
		const struct cse_boot_fd *p = &pending[i];

		if (p->element != e)
			continue;
		/* Closed by the exec, or since (the loader opens nothing
		 * that stays at the application's numbers). */
		if ((p->flags & CSE_BOOT_FD_CLOSED) ||
		    rt_sys3(__NR_fcntl, p->fd, K_F_GETFD, 0) < 0 || fdguard_is_hidden(p->fd))
			fdtable_closed_at_exec(e, p->fd, p->value);
		else if (fdtable_adopt(e, p->fd, p->value) < 0)
			fdtable_closed_at_exec(e, p->fd, p->value);	/* no memory: lost */
	}
}

struct sink {
	struct cse_boot_fd *out;	/* NULL: only count */
	uint32_t n, max;
	int vfork_child;
	int parent;
};

static void add(struct sink *s, int e, int fd, uint64_t v, uint16_t flags)
{
	if (s->out && s->n == s->max)
		return;
	if (s->out)
		s->out[s->n] = (struct cse_boot_fd){ .fd = fd, .element = (uint16_t)e,
						     .flags = flags, .value = v };
	s->n++;
}

static void add_live(int e, int fd, uint64_t v, void *arg)
{
	struct sink *s = arg;
	long fl = rt_sys3(__NR_fcntl, fd, K_F_GETFD, 0);

	if (fl < 0)
		return;
	if (s->vfork_child && s->parent > 0) {
		long same = rt_sys6(__NR_kcmp, s->parent, rt_sys0(__NR_getpid), K_KCMP_FILE,
				    fd, fd, 0);

		if (same > 0 || same == -9 /* EBADF: the parent closed it meanwhile */)
			return;
	}
	add(s, e, fd, v, (fl & K_FD_CLOEXEC) ? CSE_BOOT_FD_CLOSED : 0);
}

static void collect(struct sink *s)
{
	int n = chain_count();

	for (int e = 0; e < n && e < CHAIN_MAX_ELEMENTS; e++) {
		if (e < fdtable_trackers() && fdtable_is_tracking(e)) {
			fdtable_each(e, add_live, s);
			continue;
		}
		/* Not registered in this image (yet): pass the old entries on. */
		for (uint32_t i = 0; i < npending; i++)
			if (pending[i].element == e)
				add(s, e, pending[i].fd, pending[i].value, pending[i].flags);
	}
	if (!n)	/* the loader itself, before any element is loaded */
		for (uint32_t i = 0; i < npending; i++)
			add(s, pending[i].element, pending[i].fd, pending[i].value,
			    pending[i].flags);
}

/*
 * The entries to send, in a mapping of *bytes bytes at *out (to unmap),
 * or none (0). Returns the count, or -errno.
 */
long fdtable_export(struct cse_boot_fd **out, size_t *bytes)
{
	struct sink s = { .out = NULL, .n = 0 };
	long r;

	*out = NULL;
	*bytes = 0;
	if (!fdtable_trackers() && !npending)
		return 0;
	s.vfork_child = fdguard_in_vfork_child();
	if (s.vfork_child)
		s.parent = (int)rt_sys0(__NR_getppid);
	collect(&s);
	if (!s.n)
		return 0;
	*bytes = ((size_t)s.n * sizeof(**out) + 4095) & ~4095ul;
	r = rt_sys6(__NR_mmap, 0, *bytes, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r)) {
		*bytes = 0;
		return r;
	}
	s.out = (struct cse_boot_fd *)r;
	s.max = s.n;
	s.n = 0;
	/* Counted, then filled: another thread may add entries between; they
	 * beyond the count are not sent (as if made after the exec began). */
	collect(&s);
	*out = s.out;
	return s.n;
}
