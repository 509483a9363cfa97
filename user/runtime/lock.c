// SPDX-License-Identifier: GPL-2.0
/*
 * The lock service (svc->lock/unlock on struct cse_lock, services.h).
 *
 * One 32-bit word: the holder's tid, 0 when free, and LOCK_WAITERS
 * when a thread may sleep on it. It works in process memory and in the
 * instance state shared by the application's processes: waiters sleep
 * on a shared (not FUTEX_PRIVATE) futex, so a holder doing slow work
 * (a copy-up, a file write) costs them no CPU.
 *
 * A signal on the holding thread: the application's handler could call
 * into the same element and wait forever for a lock its own thread
 * holds. So a thread holding any lock has every signal but SIGSYS
 * blocked (SIGSYS is the runtime's own and is never blocked for real);
 * what arrives meanwhile is delivered at the last unlock. Cost: two
 * rt_sigprocmask calls per outermost lock/unlock pair, nothing per
 * nested one (measured in selftests/host/contract.t: see the guide,
 * user/elements/README.md).
 *
 * A holder that died (killed in the middle of an update) is found by a
 * waiter whose sleep timed out: its tid no longer exists, or is a
 * zombie. The waiter takes the lock over; the interrupted update may be
 * half done, which the element's data must tolerate (seqlock readers
 * retry, slots are written before they are marked used).
 *
 * Before the program starts (setup()) no thread area exists and no
 * application handler can run: the lock then only records the tid.
 */
#include "runtime.h"

#define LOCK_WAITERS	0x80000000u
#define LOCK_TID	0x3fffffffu	/* tids are below 2^22 */
#define LOCK_SPINS	100		/* reads of the word before sleeping */
#define LOCK_NAP_NS	20000000L	/* a sleep, then look for a dead holder */

#define K_FUTEX_WAIT	0
#define K_FUTEX_WAKE	1
#define K_O_RDONLY_CLOEXEC 02000000
#define K_SIG_BLOCK	0
#define K_SIG_SETMASK	2

/* Set once an element has been called with the program running: from
 * then on every thread has its area (cse_self). */
RT_HOT_DATA int lock_live;

struct lock_ts {
	long sec, nsec;
};

/* 1 when tid is gone or a zombie: it will never unlock. */
static int holder_dead(uint32_t tid)
{
	char path[32], buf[160];
	const char *p;
	long fd, n;

	if (rt_sys2(__NR_kill, tid, 0) == -K_ESRCH)
		return 1;
	rt_format(path, sizeof(path), "/proc/%u/stat", tid);
	fd = rt_sys4(__NR_openat, K_AT_FDCWD, path, K_O_RDONLY_CLOEXEC, 0);
	if (fd < 0)
		return fd == -K_ENOENT;
	n = rt_sys3(__NR_read, fd, buf, sizeof(buf) - 1);
	rt_sys1(__NR_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "tid (comm) S ...": comm may hold ')', the state follows the last. */
	p = rt_strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static int take(struct cse_lock *l, uint32_t *cur, uint32_t val)
{
	return __atomic_compare_exchange_n(&l->owner, cur, val, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static void lock_slow(struct cse_lock *l, uint32_t me, uint32_t depth)
{
	const struct lock_ts nap = { 0, LOCK_NAP_NS };

	for (unsigned int round = 0;; round++) {
		uint32_t cur = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
		long r;

		if (!cur) {
			/* Others may sleep too: keep the bit (a spare wake at worst). */
			if (take(l, &cur, me | LOCK_WAITERS))
				return;
			continue;
		}
		if ((cur & LOCK_TID) == me) {
			if (depth > 1)
				rt_die("an element took a lock its thread already holds");
			/* Left by a dead thread whose tid we now have. */
			if (take(l, &cur, me | (cur & LOCK_WAITERS)))
				return;
			continue;
		}
		if (round < LOCK_SPINS) {
			__builtin_ia32_pause();
			continue;
		}
		if (!(cur & LOCK_WAITERS)) {
			if (!__atomic_compare_exchange_n(&l->owner, &cur, cur | LOCK_WAITERS, 0,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				continue;
			cur |= LOCK_WAITERS;
		}
		r = rt_sys4(__NR_futex, &l->owner, K_FUTEX_WAIT, cur, &nap);
		if (r == -K_ETIMEDOUT && holder_dead(cur & LOCK_TID))
			if (take(l, &cur, me | LOCK_WAITERS))
				return;
	}
}

void rt_lock(struct cse_lock *l)
{
	struct cse_thread *t = __atomic_load_n(&lock_live, __ATOMIC_RELAXED) ? cse_self() : NULL;
	uint32_t me, depth = 1, cur = 0;

	if (t) {
		if (t->lock_depth++ == 0) {
			ksigset_t all = ~SIGBIT(K_SIGSYS);

			rt_sys4(__NR_rt_sigprocmask, K_SIG_BLOCK, &all, &t->lock_mask, 8);
		}
		me = (uint32_t)t->tid;
		depth = t->lock_depth;
	} else {
		me = (uint32_t)rt_sys0(__NR_gettid);
	}
	if (!take(l, &cur, me))
		lock_slow(l, me, depth);
}

void rt_unlock(struct cse_lock *l)
{
	uint32_t old = __atomic_exchange_n(&l->owner, 0, __ATOMIC_RELEASE);
	struct cse_thread *t;

	if (old & LOCK_WAITERS)
		rt_sys3(__NR_futex, &l->owner, K_FUTEX_WAKE, 1);
	if (!__atomic_load_n(&lock_live, __ATOMIC_RELAXED))
		return;
	t = cse_self();
	if (t->lock_depth && --t->lock_depth == 0)
		rt_sys4(__NR_rt_sigprocmask, K_SIG_SETMASK, &t->lock_mask, 0, 8);
}
