// SPDX-License-Identifier: GPL-2.0
/*
 * The calls whose answer depends on which numbers are the runtime's
 * (fdguard.c): close_range around them, F_DUPFD and dup2/dup3 landing on
 * them, calls naming them; and the new descriptors of the application
 * that bring it near the low range.
 */
#include <cse/boot.h>
#include "fdguard.h"
#include "syscall_table.h"

#define K_CLOSE_RANGE_ALL 6u	/* CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC */
#define WATCH_FROM	(CSE_HIDDEN_FD_LOW - CSE_HIDDEN_FD_NEAR)

/* fd is the application's, or wanted by it: near the low range? Lock held. */
static void near_check(long fd)
{
	if (fd >= WATCH_FROM && !fdg_tab()->high)
		fdg_go_high();
}

/*
 * After a call, its result r: a new descriptor of the application (or a
 * pair written to its memory) near the low range moves ours to the top.
 */
RT_HOT void fdguard_note_result(const struct cse_call *c, long r)
{
	const struct sys_info *si;
	int fds[2], taken;
	long big = -1;

	if (fdg_tab()->high || r < 0)
		return;
	si = syscall_info(c->nr);
	if (!si)
		return;
	if (si->flags & SYS_NEWFD)
		big = r;
	else if ((si->flags & SYS_NEWFD_PAIR) && r == 0 &&
		 !rt_copy_from_app(fds, (const void *)c->args[c->nr == __NR_socketpair ? 3 : 0],
				   sizeof(fds)))
		big = fds[0] > fds[1] ? fds[0] : fds[1];
	if (big < WATCH_FROM)
		return;
	taken = fdg_lock();
	near_check(big);
	fdg_unlock(taken);
}

/* close_range over the application's numbers only. */
static long close_range_skipping(unsigned int first, unsigned int last,
				 unsigned int flags)
{
	const struct fdtab *t;

	if (flags & ~K_CLOSE_RANGE_ALL)
		return -K_EINVAL;
	if (first > last)
		return -K_EINVAL;
	t = fdg_tab();
	while (first <= last) {
		unsigned int stop = last;
		int skip = 0;
		long r;

		for (int i = 0; i < t->n; i++) {
			unsigned int h = (unsigned int)t->s[i].fd;

			if (h >= first && h <= stop) {
				stop = h;
				skip = 1;
			}
		}
		if (!skip) {
			r = rt_sys3(__NR_close_range, first, stop, flags);
			return r;
		}
		if (stop > first) {
			r = rt_sys3(__NR_close_range, first, stop - 1, flags);
			if (r < 0)
				return r;
		}
		if (stop == last)
			break;
		first = stop + 1;
	}
	return 0;
}

/*
 * F_DUPFD(arg): the kernel skipped our numbers; natively the lowest free
 * number at or above arg may be one of them. Give the application that one.
 */
static long dupfd(struct cse_call *c)
{
	long *a = c->args;
	int cloexec = a[1] == K_F_DUPFD_CLOEXEC;
	long r = app_syscall6(__NR_fcntl, a[0], a[1], a[2], 0, 0, 0);
	const struct fdtab *t = fdg_tab();
	int want = -1;

	if (r < 0)
		return r;
	for (int i = 0; i < t->n; i++) {
		int h = t->s[i].fd;

		if (h >= a[2] && h < r && (want < 0 || h < want))
			want = h;
	}
	if (want < 0)
		return r;
	if (fdg_evict(want) < 0)
		return r;	/* keep the kernel's answer rather than lose ours */
	if (rt_sys3(__NR_dup3, r, want, cloexec ? 02000000 : 0) != want)
		return r;
	rt_sys1(__NR_close, r);
	return want;
}

/*
 * Before the element chain: calls whose answer depends on which numbers
 * are the runtime's. *handled = 1 with the result, or 0 to go on (a
 * dup2/dup3 target may have been freed for the call). *locked = 1: the
 * caller makes the call, then fdguard_unlock().
 */
RT_HOT long fdguard_call(struct cse_call *c, int *handled, int *locked)
{
	long *a = c->args;
	long r;

	*handled = 1;
	*locked = 0;
	switch (c->nr) {
	case __NR_close_range:
		*locked = fdg_lock();	/* the core makes the call: fdguard_core() */
		break;
	case __NR_fcntl:
		if (fdguard_is_hidden((int)a[0]))
			return -K_EBADF;
		if (a[1] == K_F_DUPFD || a[1] == K_F_DUPFD_CLOEXEC) {
			*locked = fdg_lock();
			near_check(a[2]);
			break;
		}
		if (a[1] == 1027 /* F_DUPFD_QUERY: arg is an fd */ &&
		    fdguard_is_hidden((int)a[2]))
			return -K_EBADF;
		break;
	case __NR_dup2:
	case __NR_dup3:
		if (fdguard_is_hidden((int)a[0]))
			return c->nr == __NR_dup3 && a[0] == a[1] ? -K_EINVAL : -K_EBADF;
		/*
		 * Held until the call is done (fdguard_unlock): no move of
		 * ours may land on the target between this check and the call.
		 */
		*locked = fdg_lock();
		near_check(a[1]);
		if (fdguard_is_hidden((int)a[1])) {
			r = fdg_evict((int)a[1]);
			if (r < 0)
				return r;
		}
		break;
	case __NR_pidfd_getfd:
		if (fdguard_is_hidden((int)a[0]))
			return -K_EBADF;
		if (!fdguard_is_hidden((int)a[1]) && !fdshare_anywhere((int)a[1]))
			break;
		{
			/* The target's runtime fds are free numbers too. */
			int fds[MAX_HIDDEN], n = fdguard_set_of(procfd_pidfd_pid((int)a[0]), fds,
								MAX_HIDDEN);

			for (int i = 0; i < n; i++)
				if (fds[i] == (int)a[1])
					return -K_EBADF;
		}
		break;
	default:
		if (fdargs_hidden(c))
			return -K_EBADF;
		break;
	}
	*handled = 0;
	return 0;
}

/*
 * After the element chain, with the table locked by fdguard_call():
 * close_range and F_DUPFD made around the runtime's numbers. *handled = 0
 * for any other call.
 */
long fdguard_core(struct cse_call *c, int *handled)
{
	long *a = c->args;

	*handled = 1;
	if (c->nr == __NR_close_range)
		return close_range_skipping((unsigned int)a[0], (unsigned int)a[1],
					    (unsigned int)a[2]);
	if (c->nr == __NR_fcntl && !fdguard_is_hidden((int)a[0]) &&
	    (a[1] == K_F_DUPFD || a[1] == K_F_DUPFD_CLOEXEC))
		return dupfd(c);
	*handled = 0;
	return 0;
}
