// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor table service (services.h: fd_track, fd_set, fd_get):
 * one 64-bit value per element per descriptor of the process, followed
 * through the application's calls.
 *
 *   close, close_range	   entries dropped before the call, so a number
 *			   another thread gets from the kernel right after
 *			   never loses the value its element sets
 *			   (CLOSE_RANGE_CLOEXEC closes nothing now: exec does)
 *   dup, dup2, dup3,	   after the call: an entry at the new number is
 *   F_DUPFD[_CLOEXEC]	   closed, then it gets duplicated()'s value
 *   SCM_RIGHTS		   received() for each descriptor recvmsg/recvmmsg
 *			   brought (sockmsg.c finds them)
 *   pidfd_getfd	   received() for the descriptor it made
 *   fork		   the table is process memory: the child has a copy
 *   exec		   fdtable_exec.c hands the table to the next image
 *
 * Storage: per element, a directory of 4 KiB chunks of 512 values,
 * allocated on first use. Values are read and written with atomic
 * operations and chunks installed by compare-and-swap, so no lock is
 * held and a signal handler's call in the middle of another is safe. A
 * vfork child shares this memory with its suspended parent but has its
 * own descriptors: its calls change nothing here (its exec passes on
 * the parent's entries that still name the same files, fdtable_exec.c),
 * and fd_set from it is ignored. A child sharing memory without the
 * descriptors and without vfork's wait (clone with CLONE_VM, without
 * CLONE_FILES and CLONE_VFORK) would change this table under its parent
 * while both run: while an element tracks descriptors, such a clone
 * fails with EINVAL (thread.c). No C library makes one (threads share
 * the descriptors; posix_spawn and Go's exec use CLONE_VFORK).
 *
 * Descriptors at or above FDT_MAX_FD cannot be tracked (fd_set answers
 * -EBADF): the kernel's default fs.nr_open is 1048576.
 */
#include "runtime.h"

#define K_CLOSE_RANGE_UNSHARE	2u
#define K_CLOSE_RANGE_CLOEXEC	4u

#define CHUNK_BITS	9
#define CHUNK_FDS	(1 << CHUNK_BITS)
#define NCHUNKS		(FDT_MAX_FD >> CHUNK_BITS)

struct tracker {
	const struct cse_fd_ops *ops;
	uint64_t **chunk;	/* NCHUNKS pointers, mmap'd by fd_track */
};

static struct tracker trk[CHAIN_MAX_ELEMENTS];
RT_HOT_DATA static int ntrackers;		/* highest tracking element + 1 */
RT_HOT_DATA int rt_io_hooks;		/* see runtime.h */

static void *map_zeroed(size_t bytes)
{
	long r = rt_sys6(__NR_mmap, 0, bytes, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);

	return IS_ERR_RET(r) ? NULL : (void *)r;
}

/* The slot of fd for element e; NULL when absent and !create. */
static inline __attribute__((always_inline)) uint64_t *slot(int e, int fd, int create)
{
	uint64_t **dir = trk[e].chunk;
	uint64_t *c;

	if (!dir || fd < 0 || fd >= FDT_MAX_FD)
		return NULL;
	c = __atomic_load_n(&dir[fd >> CHUNK_BITS], __ATOMIC_ACQUIRE);
	if (!c && create) {
		uint64_t *fresh = map_zeroed(CHUNK_FDS * sizeof(uint64_t));

		if (!fresh)
			return NULL;
		if (__atomic_compare_exchange_n(&dir[fd >> CHUNK_BITS], &c, fresh, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			c = fresh;
		else
			rt_sys2(__NR_munmap, fresh, CHUNK_FDS * sizeof(uint64_t));
	}
	return c ? &c[fd & (CHUNK_FDS - 1)] : NULL;
}

RT_HOT uint64_t fdtable_get(int e, int fd)
{
	uint64_t *s = slot(e, fd, 0);

	return s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : 0;
}

/* Every element of mask (a bit per element) marked fd quiet (services.h
 * fd_quiet). Read on the fast path: no allocation, no system call. */
RT_HOT int fdtable_quiet(unsigned int mask, int fd)
{
	for (int e = 0; mask; e++, mask >>= 1) {
		uint64_t *s;

		if (!(mask & 1))
			continue;
		s = slot(e, fd, 0);
		if (!s || !(__atomic_load_n(s, __ATOMIC_ACQUIRE) & CSE_FD_QUIET))
			return 0;
	}
	return 1;
}

/*
 * 1 for a descriptor below 256 that every element registering quiet
 * numbers marked quiet, else 0: entry.S's plain path for a quiet call
 * (dispatch.c PLAIN_ASM_QUIET) reads it. Kept by every change of an
 * entry (put, take); each writer looks at the entries again after its
 * store, so the last one leaves the byte right. Not read once the
 * process made a vfork child (fdguard_vfork_seen): a child's
 * descriptors are not the table's. In the hot data's page, which the
 * plain path reads anyway (a higher descriptor takes the full path).
 */
RT_HOT_DATA uint8_t cse_fd_quiet[256];

static uint8_t quiet_now(int fd)
{
	unsigned int m = chain_quiet_elements();

	return m && fdtable_quiet(m, fd);
}

static void quiet_refresh(int fd)
{
	uint8_t q;

	if (fd < 0 || fd >= (int)sizeof(cse_fd_quiet) || !chain_quiet_elements())
		return;
	do {
		q = quiet_now(fd);
		__atomic_store_n(&cse_fd_quiet[fd], q, __ATOMIC_SEQ_CST);
	} while (quiet_now(fd) != q);
}

/* Takes the entry out (0 if none). */
RT_HOT static uint64_t take(int e, int fd)
{
	uint64_t *s = slot(e, fd, 0);
	uint64_t v = s ? __atomic_exchange_n(s, 0, __ATOMIC_ACQ_REL) : 0;

	if (v & CSE_FD_QUIET)
		quiet_refresh(fd);
	return v;
}

/* 0 or -ENOMEM; the entry's previous value goes to *prev. */
RT_HOT static int put(int e, int fd, uint64_t v, uint64_t *prev)
{
	uint64_t *s = slot(e, fd, v != 0);

	*prev = 0;
	if (!s)
		return v ? -K_ENOMEM : 0;
	*prev = __atomic_exchange_n(s, v, __ATOMIC_ACQ_REL);
	if ((v | *prev) & CSE_FD_QUIET)
		quiet_refresh(fd);
	return 0;
}

RT_HOT static void report_closed(int e, int fd, uint64_t v)
{
	if (v && trk[e].ops->closed)
		trk[e].ops->closed(fd, v);
}

/* Applied by the new image: entries of the old one (fdtable_exec.c). */
int fdtable_adopt(int e, int fd, uint64_t v)
{
	uint64_t prev;
	int r = put(e, fd, v, &prev);

	report_closed(e, fd, prev);
	return r;
}

void fdtable_closed_at_exec(int e, int fd, uint64_t v)
{
	report_closed(e, fd, v);
}

int fdtable_trackers(void)
{
	return ntrackers;
}

int fdtable_is_tracking(int e)
{
	return e >= 0 && e < CHAIN_MAX_ELEMENTS && trk[e].ops;
}

/* Calls for the application in a vfork child leave the table alone. */
static int frozen(void)
{
	return fdguard_in_vfork_child();
}

int fdtable_track(int e, const struct cse_fd_ops *ops)
{
	if (e < 0 || e >= CHAIN_MAX_ELEMENTS || !ops)
		return -K_EINVAL;
	if (trk[e].ops)
		return -16;	/* EBUSY: once per element */
	trk[e].chunk = map_zeroed(NCHUNKS * sizeof(uint64_t *));
	if (!trk[e].chunk)
		return -K_ENOMEM;
	trk[e].ops = ops;
	if (e + 1 > ntrackers)
		ntrackers = e + 1;
	__atomic_store_n(&rt_io_hooks, 1, __ATOMIC_RELEASE);
	fdtable_import_pending(e);
	return 0;
}

int fdtable_set(int e, int fd, uint64_t value)
{
	/* A descriptor the call in hand just returned needs no check. */
	int fresh = e >= 0 && (e & CSE_FD_NEW);
	uint64_t prev;

	e &= ~CSE_FD_NEW;
	if (e < 0 || e >= CHAIN_MAX_ELEMENTS || !trk[e].ops)
		return -K_EINVAL;
	if (fd < 0 || fd >= FDT_MAX_FD || fdguard_is_hidden(fd))
		return -K_EBADF;
	if (value && !fresh && rt_sys3(__NR_fcntl, fd, K_F_GETFD, 0) < 0)
		return -K_EBADF;
	if (frozen())
		return 0;
	return put(e, fd, value, &prev);
}

/* fd_get: nothing in a vfork child, whose descriptors are not the
 * table's (the parent's fd N may be another file than the child's). */
RT_HOT uint64_t fdtable_value(int e, int fd)
{
	if (e < 0 || e >= CHAIN_MAX_ELEMENTS || frozen())
		return 0;
	return fdtable_get(e, fd);
}

/* fd is gone: each element's entry is dropped and reported. */
RT_HOT static void drop(int fd)
{
	for (int e = 0; e < ntrackers; e++)
		report_closed(e, fd, take(e, fd));
}

/* newfd now names oldfd's file. */
static void duplicate(int oldfd, int newfd)
{
	for (int e = 0; e < ntrackers; e++) {
		uint64_t v, nv, prev;

		if (!trk[e].ops)
			continue;
		v = fdtable_get(e, oldfd);
		report_closed(e, newfd, take(e, newfd));
		if (!v)
			continue;
		nv = trk[e].ops->duplicated ? trk[e].ops->duplicated(oldfd, newfd, v) : v;
		if (nv && put(e, newfd, nv, &prev) == 0)
			report_closed(e, newfd, prev);
	}
}

/* fd arrived by SCM_RIGHTS. */
void fdtable_received(int fd)
{
	if (!ntrackers || frozen())
		return;
	for (int e = 0; e < ntrackers; e++) {
		uint64_t v, prev;

		if (!trk[e].ops)
			continue;
		/* An entry already there belongs to a number closed unseen. */
		report_closed(e, fd, take(e, fd));
		v = trk[e].ops->received ? trk[e].ops->received(fd) : 0;
		if (v && put(e, fd, v, &prev) == 0)
			report_closed(e, fd, prev);
	}
}

/* Drops every entry in [first, last]. */
static void drop_range(unsigned int first, unsigned int last)
{
	if (first >= FDT_MAX_FD)
		return;
	if (last >= FDT_MAX_FD)
		last = FDT_MAX_FD - 1;
	for (int e = 0; e < ntrackers; e++) {
		uint64_t **dir = trk[e].chunk;

		if (!dir)
			continue;
		for (unsigned int c = first >> CHUNK_BITS; c <= last >> CHUNK_BITS; c++) {
			uint64_t *ch = __atomic_load_n(&dir[c], __ATOMIC_ACQUIRE);
			unsigned int lo = c << CHUNK_BITS, hi = lo + CHUNK_FDS - 1;

			if (!ch)
				continue;
			lo = lo < first ? first : lo;
			hi = hi > last ? last : hi;
			for (unsigned int fd = lo; fd <= hi; fd++) {
				uint64_t v = __atomic_exchange_n(&ch[fd & (CHUNK_FDS - 1)], 0,
								 __ATOMIC_ACQ_REL);

				report_closed(e, (int)fd, v);
			}
		}
	}
}

/* Calls every entry of element e (for exec): fn(e, fd, value, arg). */
void fdtable_each(int e, void (*fn)(int e, int fd, uint64_t v, void *arg), void *arg)
{
	uint64_t **dir = trk[e].chunk;

	if (!dir)
		return;
	for (int c = 0; c < NCHUNKS; c++) {
		uint64_t *ch = __atomic_load_n(&dir[c], __ATOMIC_ACQUIRE);

		if (!ch)
			continue;
		for (int i = 0; i < CHUNK_FDS; i++) {
			uint64_t v = __atomic_load_n(&ch[i], __ATOMIC_ACQUIRE);

			if (v)
				fn(e, (c << CHUNK_BITS) | i, v, arg);
		}
	}
}

/* Before the element chain: closes (see the top of this file). */
RT_HOT void fdtable_pre(const struct cse_call *c)
{
	const long *a = c->args;

	if (!ntrackers || frozen())
		return;
	switch (c->nr) {
	case __NR_close:
		drop((int)a[0]);
		break;
	case __NR_close_range:
		/* Only what the kernel would accept; CLOEXEC closes at exec. */
		if ((unsigned long)a[2] & ~(unsigned long)(K_CLOSE_RANGE_UNSHARE |
							    K_CLOSE_RANGE_CLOEXEC))
			break;
		if ((unsigned int)a[0] > (unsigned int)a[1] || (a[2] & K_CLOSE_RANGE_CLOEXEC))
			break;
		drop_range((unsigned int)a[0], (unsigned int)a[1]);
		break;
	default:
		break;
	}
}

/* After the call: descriptors made by duplication. */
RT_HOT void fdtable_post(const struct cse_call *c)
{
	const long *a = c->args;

	if (!ntrackers || c->ret < 0 || frozen())
		return;
	switch (c->nr) {
	case __NR_dup:
		duplicate((int)a[0], (int)c->ret);
		break;
	case __NR_dup2:
	case __NR_dup3:
		if (a[0] != a[1])
			duplicate((int)a[0], (int)a[1]);
		break;
	case __NR_fcntl:
		if (a[1] == K_F_DUPFD || a[1] == K_F_DUPFD_CLOEXEC)
			duplicate((int)a[0], (int)c->ret);
		break;
	case __NR_pidfd_getfd:
		fdtable_received((int)c->ret);	/* a copy of another's descriptor */
		break;
	default:
		break;
	}
}
