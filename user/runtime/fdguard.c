// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime's own file descriptors (instance state, cse.ko instance,
 * element log files) live at numbers the application does not reach, so
 * the kernel's lowest-free-number rule hands it the same numbers as
 * natively: first from CSE_HIDDEN_FD_LOW (1000) up, where an exec finds
 * them again and keeps them (no dup, close or limit lookup per start,
 * and a small kernel fd table to copy at every fork); once the
 * application holds, dups onto or asks F_DUPFD for a number within
 * CSE_HIDDEN_FD_NEAR (64) of them, near the top of the RLIMIT_NOFILE
 * range for good (the table's `high`, passed on at exec in the boot
 * block). New descriptors are seen in the results of the calls that make
 * them (fdguard_calls.c); not seen: descriptors received in SCM_RIGHTS
 * messages, so a program whose fds climb from below 936 to 1000 through
 * such messages alone may see numbers from 1000 skipped.
 * To the application their numbers are free:
 *
 *  - any call naming one as a descriptor fails with EBADF (fdargs.c);
 *  - dup2/dup3 onto one, or an F_DUPFD that would natively land on one,
 *    first moves the runtime's fd to another high number, then lets the
 *    application have the number;
 *  - close_range skips them; /proc fd listings and links hide them
 *    (procfd.c).
 *
 * Elements keep the number hide_fd() gave them (a handle); the runtime
 * translates it to wherever the fd lives now (fdguard_fd), so a moved
 * log fd is never confused with the application's fd at the old number.
 *
 * RLIMIT_NOFILE: high fds are placed under the soft limit at the time they
 * are hidden (the loader hides them again after each exec). A program
 * lowering the limit below them leaves them where they are: numbers at
 * or above the limit are unusable to it anyway. Raising the limit leaves
 * them too; only a program with that many fds open sees them skipped.
 *
 * A vfork child shares this table's memory but has its own fd table: its
 * changes go to a private copy (before_change). cse_cfg's state and
 * instance fds, which exec hands to the loader, follow the changing
 * process's table; the vfork parent sets them back from its own table on
 * its next entry into the runtime (fdguard_sync). Until then another
 * thread of the parent that execs, or reports to cse.ko, would use the
 * child's numbers.
 */
#include <cse/boot.h>
#include "fdguard.h"

#define FDGUARD_TOP	65536

/* The process's table. */
RT_HOT_DATA static struct fdtab ptab = { .lo = 0x7fffffff, .hi = -1 };
/* Handles of the fds cse_cfg names (exec passes them to the loader). */
static int state_handle = -1, instance_handle = -1;

/*
 * A vfork child shares our memory but has its own fd table: its first
 * change works on a private copy, claimed here by its thread area and
 * given back when its parent thread enters the runtime again.
 */
#define NPRIV	16
static struct {
	struct cse_thread *owner;
	struct fdtab t;
} priv[NPRIV] RT_LARGE;
RT_HOT_DATA int fdguard_priv_used;	/* read by every fast call (entry.S) */

/* -(the process table's lo): entry.S's plain path for a call whose one
 * descriptor (its first argument) is below every hidden fd. */
RT_HOT_DATA long cse_fd_neg_lo = -0x7fffffff;

/* Set by thread_clone() before the first vfork; no thread area before. */
RT_HOT_DATA int fdguard_vfork_seen;

static int tab_lock;	/* tid of the holder, 0 when free */
static int fd_users[2];	/* writers through handles, per epoch (fdguard_write_all) */
static unsigned int fd_epoch;

/*
 * Changes of the table by two application threads at once are
 * serialised, however long the holder takes (under load it may be off
 * the CPU for a while; giving up then let two moves land on one number).
 * Two exceptions, where waiting would never end: a signal handler that
 * interrupted its own thread's change goes on without the lock (returns
 * 0: not taken), and a holder that died (a vfork child killed in a call)
 * is taken over.
 */
int fdg_lock(void)
{
	int me = (int)rt_sys0(__NR_gettid);

	for (unsigned int i = 1;; i++) {
		int cur = 0;

		if (__atomic_compare_exchange_n(&tab_lock, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (cur == me)
			return 0;
		if (!(i % 256) && rt_sys2(__NR_kill, cur, 0) == -3 /* ESRCH */)
			__atomic_compare_exchange_n(&tab_lock, &cur, 0, 0, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		rt_sys0(__NR_sched_yield);
	}
}

void fdg_unlock(int taken)
{
	if (taken)
		__atomic_store_n(&tab_lock, 0, __ATOMIC_RELEASE);
}

void fdguard_unlock(void)
{
	fdg_unlock(1);
}

RT_HOT int fdguard_in_vfork_child(void)
{
	return fdguard_vfork_seen && cse_self()->borrowed;
}

/* The table of the calling thread's process. */
RT_HOT struct fdtab *fdg_tab(void)
{
	struct cse_thread *t;

	if (__builtin_expect(!__atomic_load_n(&fdguard_priv_used, __ATOMIC_ACQUIRE), 1))
		return &ptab;
	t = cse_self();
	if (t->borrowed)
		for (int i = 0; i < NPRIV; i++)
			if (__atomic_load_n(&priv[i].owner, __ATOMIC_ACQUIRE) == t)
				return &priv[i].t;
	return &ptab;
}

static int fd_of(const struct fdtab *t, int handle)
{
	for (int i = 0; i < t->n; i++)
		if (t->s[i].handle == handle)
			return __atomic_load_n(&t->s[i].fd, __ATOMIC_SEQ_CST);
	return handle;
}

/* cse_cfg's numbers from table t. */
static void cfg_from(const struct fdtab *t)
{
	if (state_handle >= 0)
		cse_cfg.state_fd = fd_of(t, state_handle);
	if (instance_handle >= 0)
		cse_cfg.instance_fd = fd_of(t, instance_handle);
}

/*
 * lo and hi are read without the lock (fdguard_is_hidden): each value
 * either may hold must cover every hidden fd, so they are computed
 * aside and stored once, and widen() covers a number before it becomes
 * hidden. A fd briefly reported hidden by a wide range is still looked
 * up in the slots.
 */
static void publish_lo(const struct fdtab *t, int lo)
{
	if (t == &ptab)
		__atomic_store_n(&cse_fd_neg_lo, -(long)lo, __ATOMIC_SEQ_CST);
}

static void widen(struct fdtab *t, int fd)
{
	if (fd < __atomic_load_n(&t->lo, __ATOMIC_RELAXED)) {
		publish_lo(t, fd);
		__atomic_store_n(&t->lo, fd, __ATOMIC_SEQ_CST);
	}
	if (fd > __atomic_load_n(&t->hi, __ATOMIC_RELAXED))
		__atomic_store_n(&t->hi, fd, __ATOMIC_SEQ_CST);
}

static void bounds(struct fdtab *t)
{
	int fds[MAX_HIDDEN], lo = 0x7fffffff, hi = -1;

	for (int i = 0; i < t->n; i++) {
		if (t->s[i].fd < lo)
			lo = t->s[i].fd;
		if (t->s[i].fd > hi)
			hi = t->s[i].fd;
		fds[i] = t->s[i].fd;
	}
	__atomic_store_n(&t->lo, lo, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->hi, hi, __ATOMIC_SEQ_CST);
	publish_lo(t, lo);
	cfg_from(t);
	if (t == &ptab)
		fdshare_publish(fds, t->n);
}

/* A fork child: same numbers, its own slot for other processes to see. */
void fdguard_fork_child(void)
{
	/* Other threads of the parent, in the middle of a change or a
	 * write when it forked, do not exist here. */
	__atomic_store_n(&tab_lock, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fd_users[0], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fd_users[1], 0, __ATOMIC_RELAXED);
	if (ptab.n)
		bounds(&ptab);
}

/* The hidden fds of process pid: ours, or another of the application's. */
int fdguard_set_of(int pid, int *fd, int max)
{
	const struct fdtab *t = fdg_tab();
	int n = 0;

	if (pid != (int)rt_sys0(__NR_getpid))
		return fdshare_lookup(pid, fd, max);
	for (int i = 0; i < t->n && n < max; i++)
		fd[n++] = t->s[i].fd;
	return n;
}

/* The table a change goes to: a vfork child's own copy. */
static struct fdtab *before_change(void)
{
	struct cse_thread *t;
	struct fdtab *cur = fdg_tab();

	if (!fdguard_vfork_seen || cur != &ptab)
		return cur;
	t = cse_self();
	if (!t->borrowed)
		return &ptab;
	for (int i = 0; i < NPRIV; i++) {
		struct cse_thread *none = NULL;

		if (__atomic_compare_exchange_n(&priv[i].owner, &none, t, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			priv[i].t = ptab;
			__atomic_add_fetch(&fdguard_priv_used, 1, __ATOMIC_RELEASE);
			return &priv[i].t;
		}
	}
	return &ptab;	/* 16 vfork children changing fds at once: share */
}

/* The vfork parent is back: its child's copy is done with. */
void fdguard_sync_slow(void)
{
	struct cse_thread *t = cse_self();

	if (t->borrowed || !t->vfork_spare)
		return;
	for (int i = 0; i < NPRIV; i++) {
		struct cse_thread *o = __atomic_load_n(&priv[i].owner, __ATOMIC_ACQUIRE);

		/* The child ran in our spare area, or in ours (thread.c). */
		if (o != t->vfork_spare && o != t)
			continue;
		__atomic_store_n(&priv[i].owner, NULL, __ATOMIC_RELEASE);
		__atomic_sub_fetch(&fdguard_priv_used, 1, __ATOMIC_RELEASE);
		cfg_from(&ptab);
	}
}

RT_HOT int fdguard_is_hidden(int fd)
{
	const struct fdtab *t = fdg_tab();
	int n;

	if (fd < __atomic_load_n(&t->lo, __ATOMIC_SEQ_CST) ||
	    fd > __atomic_load_n(&t->hi, __ATOMIC_SEQ_CST))
		return 0;
	n = __atomic_load_n(&t->n, __ATOMIC_SEQ_CST);
	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&t->s[i].fd, __ATOMIC_SEQ_CST) == fd)
			return 1;
	return 0;
}

RT_HOT int fdguard_count(void)
{
	return ptab.n;
}

int fdguard_fd(int handle)
{
	return fd_of(fdg_tab(), handle);
}

/*
 * Writes through a handle count as users of the runtime's fds: a move
 * (evict) publishes the new number, then waits for writers that may
 * still hold the old one before it frees the number for the application,
 * so a log line never lands in the application's file.
 *
 * Writers count themselves in the slot of the epoch they started in; a
 * move starts a new epoch and waits only for the old one's writers, who
 * are few and finishing, never for the stream of later ones (with busy
 * threads logging every call, a single counter is seldom zero). A writer
 * that read the old number started before the move's new epoch, so it
 * is waited for.
 */

long fdguard_write_all(int handle, const void *buf, size_t len)
{
	unsigned int e = __atomic_load_n(&fd_epoch, __ATOMIC_SEQ_CST) & 1;
	long r;

	__atomic_add_fetch(&fd_users[e], 1, __ATOMIC_SEQ_CST);
	r = rt_write_all(fdguard_fd(handle), buf, len);
	__atomic_sub_fetch(&fd_users[e], 1, __ATOMIC_SEQ_CST);
	return r;
}

static long now_ms(void)
{
	struct { long sec, nsec; } ts;

	if (rt_sys2(__NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, &ts))
		return 0;
	return ts.sec * 1000 + ts.nsec / 1000000;
}

/*
 * Bounded in time (2 s): a signal handler of the application that
 * interrupts one of our writes and then moves an fd must not wait for
 * itself forever.
 */
static void wait_fd_users(void)
{
	unsigned int old = __atomic_fetch_add(&fd_epoch, 1, __ATOMIC_SEQ_CST) & 1;
	long until = 0;

	for (unsigned int i = 1; __atomic_load_n(&fd_users[old], __ATOMIC_SEQ_CST); i++) {
		if (!(i % 64)) {
			long t = now_ms();

			if (!until)
				until = t + 2000;
			else if (t > until)
				break;
		}
		rt_sys0(__NR_sched_yield);
	}
}

/*
 * The soft RLIMIT_NOFILE, capped: the kernel sizes a process's fd table
 * by its highest open number and copies it on every fork, so under a
 * limit of millions our fds stay below 65536 (a program with more than
 * 65000 open fds would see numbers skipped there).
 */
static long soft_limit(void)
{
	uint64_t lim[2];

	if (rt_sys4(__NR_prlimit64, 0, K_RLIMIT_NOFILE, 0, lim) != 0)
		return 1024;
	return lim[0] < FDGUARD_TOP ? (long)lim[0] : FDGUARD_TOP;
}

/*
 * A copy of fd where the runtime's fds go: from CSE_HIDDEN_FD_LOW while
 * the table is low (near the top when that is not under the limit, or
 * taken by the application's fds already), else near the top of the
 * limit. F_DUPFD takes the lowest free number at or above its base
 * atomically, so it never replaces a descriptor an application thread
 * opened meanwhile.
 */
static long place(const struct fdtab *t, int fd, int cloexec)
{
	int cmd = cloexec ? K_F_DUPFD_CLOEXEC : K_F_DUPFD;
	long lim, base, r;

	if (!t->high) {
		r = rt_sys3(__NR_fcntl, fd, cmd, CSE_HIDDEN_FD_LOW);
		if (r >= CSE_HIDDEN_FD_LOW && r < CSE_HIDDEN_FD_LOW + CSE_HIDDEN_FD_NEAR)
			return r;
		if (r >= 0)
			rt_sys1(__NR_close, r);
		else if (r != -K_EMFILE && r != -K_EINVAL)
			return r;
	}
	lim = soft_limit();
	base = lim > 64 ? lim - 32 : lim > 16 ? lim - 8 : 3;
	r = -K_EMFILE;
	while (base >= 3) {
		r = rt_sys3(__NR_fcntl, fd, cmd, base);
		if (r != -K_EMFILE && r != -K_EINVAL)
			break;
		base = base > 6 ? base / 2 : 2;
	}
	return r;
}

static int is_handle(const struct fdtab *t, int fd)
{
	for (int i = 0; i < t->n; i++)
		if (t->s[i].handle == fd)
			return 1;
	return 0;
}

int fdguard_hide(int fd, int cloexec)
{
	struct fdtab *t;
	long nfd;
	int taken = fdg_lock();

	t = before_change();
	if (t->n == MAX_HIDDEN) {
		fdg_unlock(taken);
		return -K_EMFILE;
	}
	nfd = place(t, fd, cloexec);
	/* A handle names one fd forever: skip numbers given out before. */
	while (nfd >= 0 && is_handle(t, (int)nfd)) {
		long again = rt_sys3(__NR_fcntl, fd, cloexec ? K_F_DUPFD_CLOEXEC : K_F_DUPFD,
				     nfd + 1);

		rt_sys1(__NR_close, nfd);
		nfd = again;
	}
	if (nfd < 0) {
		fdg_unlock(taken);
		return (int)nfd;
	}
	rt_sys1(__NR_close, fd);
	t->s[t->n].handle = (int)nfd;
	t->s[t->n].fd = (int)nfd;
	t->s[t->n].cloexec = cloexec;
	widen(t, (int)nfd);
	__atomic_store_n(&t->n, t->n + 1, __ATOMIC_SEQ_CST);
	if (fd == cse_cfg.state_fd)
		state_handle = (int)nfd;
	if (fd == cse_cfg.instance_fd)
		instance_handle = (int)nfd;
	bounds(t);
	fdg_unlock(taken);
	return (int)nfd;
}

/* The application wants number fd: move ours away and free the number. */
long fdg_evict(int fd)
{
	struct fdtab *t = fdg_tab();

	for (int i = 0; i < t->n; i++) {
		long nfd;

		if (t->s[i].fd != fd)
			continue;
		t = before_change();
		nfd = place(t, fd, t->s[i].cloexec);
		if (nfd < 0)
			return nfd;
		widen(t, (int)nfd);
		__atomic_store_n(&t->s[i].fd, (int)nfd, __ATOMIC_SEQ_CST);
		bounds(t);
		wait_fd_users();
		rt_sys1(__NR_close, fd);
		return 0;
	}
	return 0;
}

/*
 * The application came near the low numbers: every fd of ours moves to
 * the top, and stays there (also in later images). With the lock held.
 */
void fdg_go_high(void)
{
	struct fdtab *t = before_change();

	if (t->high)
		return;
	t->high = 1;
	for (int i = 0; i < t->n; i++) {
		int fd = __atomic_load_n(&t->s[i].fd, __ATOMIC_SEQ_CST);

		if (fd < CSE_HIDDEN_FD_LOW + CSE_HIDDEN_FD_NEAR)
			fdg_evict(fd);
	}
}

int fdguard_high(void)
{
	return fdg_tab()->high;
}

/* Before any fd is hidden: where this image's fds go (boot block). */
void fdguard_set_high(int high)
{
	ptab.high = high;
}

/*
 * An fd an exec handed down at a number of the low range it still holds:
 * hidden where it is, without the dup, close and limit lookup. Not
 * close-on-exec (it came through an exec).
 */
int fdguard_keep(int fd)
{
	struct fdtab *t = &ptab;
	int taken;

	if (t->high || fd < CSE_HIDDEN_FD_LOW || fd >= CSE_HIDDEN_FD_LOW + CSE_HIDDEN_FD_NEAR ||
	    t->n == MAX_HIDDEN || is_handle(t, fd))
		return fdguard_hide(fd, 0);
	taken = fdg_lock();
	t->s[t->n].handle = fd;
	t->s[t->n].fd = fd;
	t->s[t->n].cloexec = 0;
	widen(t, fd);
	__atomic_store_n(&t->n, t->n + 1, __ATOMIC_SEQ_CST);
	if (fd == cse_cfg.state_fd)
		state_handle = fd;
	if (fd == cse_cfg.instance_fd)
		instance_handle = fd;
	bounds(t);
	fdg_unlock(taken);
	return fd;
}
