// SPDX-License-Identifier: GPL-2.0
/*
 * time: waits that agree with the application's clocks. Relative timeouts
 * are divided by the scale; absolute deadlines (clock_nanosleep
 * TIMER_ABSTIME, timerfd TFD_TIMER_ABSTIME, futex waits on a bitset or PI
 * lock) are translated to the real clock, so waits neither hang nor spin.
 * See time.c for the model.
 */
#include <asm/unistd.h>
#include <cse/element.h>
#include "time.h"

long do_nanosleep(uintptr_t req, uintptr_t rem)
{
	struct kts t, left;
	long r;

	if (svc->copy_from_app(&t, (const void *)req, sizeof(t)))
		return -14;
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= NSEC)
		return -22;
	t = ns_ts(rel_real(CLK_MONOTONIC, ts_ns(&t)));
	r = sys(__NR_nanosleep, (long)&t, rem ? (long)&left : 0, 0, 0);
	if (r == -4 && rem) {	/* EINTR: report what is left in our time */
		left = ns_ts(rel_virt(CLK_MONOTONIC, ts_ns(&left)));
		return svc->copy_to_app((void *)rem, &left, sizeof(left)) ?: r;
	}
	return r;
}

long do_clock_nanosleep(long clk, long flags, uintptr_t req, uintptr_t rem)
{
	struct kts t, left;
	int rel = !(flags & TIMER_ABSTIME_);
	long r;

	if (svc->copy_from_app(&t, (const void *)req, sizeof(t)))
		return -14;
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= NSEC)
		return -22;
	if (rel)
		t = ns_ts(rel_real(clk, ts_ns(&t)));
	else
		t = ns_ts(to_real(clk, ts_ns(&t)));
	/* The kernel writes rem only for a relative sleep cut by a signal. */
	r = sys(__NR_clock_nanosleep, clk, flags, (long)&t, rem && rel ? (long)&left : 0);
	if (r == -4 && rem && rel) {
		left = ns_ts(rel_virt(clk, ts_ns(&left)));
		return svc->copy_to_app((void *)rem, &left, sizeof(left)) ?: r;
	}
	return r;
}

/* A timerfd's clock, from /proc/self/fdinfo (the fd may have been inherited). */
static long timerfd_clock(long fd)
{
	char path[64], buf[512];
	long f, n, clk = -1;

	cse_snprintf(svc, path, sizeof(path), "/proc/self/fdinfo/%ld", fd);
	f = sys(__NR_openat, -100, (long)path, 02000000 /* O_CLOEXEC */, 0);
	if (f < 0)
		return -1;
	n = sys(__NR_read, f, (long)buf, sizeof(buf) - 1, 0);
	sys(__NR_close, f, 0, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (char *p = buf; *p; p++) {
		if ((p == buf || p[-1] == '\n') && !cse_strncmp(p, "clockid:", 8)) {
			p += 8;
			while (*p == ' ' || *p == '\t')
				p++;
			for (clk = 0; *p >= '0' && *p <= '9'; p++)
				clk = clk * 10 + (*p - '0');
			break;
		}
	}
	return clk;
}

static void itimer_to_virt(long clk, struct kitimerspec *v)
{
	v->interval = ns_ts(rel_virt(clk, ts_ns(&v->interval)));
	v->value = ns_ts(rel_virt(clk, ts_ns(&v->value)));
}

long do_timerfd_settime(long fd, long flags, uintptr_t newp, uintptr_t oldp)
{
	struct kitimerspec n, old;
	long clk = timerfd_clock(fd), r;

	if (clk < 0 || identity_for(clk) ||
	    (clock_class(clk) == C_WALL && !(flags & TIMER_ABSTIME_) && st->scale == PPM))
		return sys(__NR_timerfd_settime, fd, flags, (long)newp, (long)oldp);
	if (svc->copy_from_app(&n, (const void *)newp, sizeof(n)))
		return -14;
	if (n.value.sec || n.value.nsec) {	/* zero disarms: keep it zero */
		if (flags & TIMER_ABSTIME_)
			n.value = ns_ts(to_real(clk, ts_ns(&n.value)));
		else
			n.value = ns_ts(rel_real(clk, ts_ns(&n.value)));
		if (!n.value.sec && !n.value.nsec)
			n.value.nsec = 1;	/* already due, not disarmed */
	}
	n.interval = ns_ts(rel_real(clk, ts_ns(&n.interval)));
	r = sys(__NR_timerfd_settime, fd, flags, (long)&n, oldp ? (long)&old : 0);
	if (r == 0 && oldp) {
		itimer_to_virt(clk, &old);
		return svc->copy_to_app((void *)oldp, &old, sizeof(old));
	}
	return r;
}

long do_timerfd_gettime(long fd, uintptr_t cur)
{
	struct kitimerspec v;
	long clk = timerfd_clock(fd), r;

	if (clk < 0)
		return sys(__NR_timerfd_gettime, fd, (long)cur, 0, 0);
	r = sys(__NR_timerfd_gettime, fd, (long)&v, 0, 0);
	if (r)
		return r;
	itimer_to_virt(clk, &v);
	return svc->copy_to_app((void *)cur, &v, sizeof(v));
}

/* futex timeouts: the call is made here, with a translated copy. */
enum cse_verdict do_futex(struct cse_call *c)
{
	long op = c->args[1], cmd = op & FUTEX_CMD_MASK_, clk;
	struct kts t;
	int abs;

	if (!c->args[3])
		return CSE_PASS;
	switch (cmd) {
	case 0:		/* FUTEX_WAIT: relative, CLOCK_MONOTONIC */
		clk = CLK_MONOTONIC;
		abs = 0;
		break;
	case 6:		/* FUTEX_LOCK_PI: absolute CLOCK_REALTIME */
		clk = CLK_REALTIME;
		abs = 1;
		break;
	case 9:		/* FUTEX_WAIT_BITSET */
	case 11:	/* FUTEX_WAIT_REQUEUE_PI */
	case 13:	/* FUTEX_LOCK_PI2 */
		clk = (op & FUTEX_CLOCK_RT_) ? CLK_REALTIME : CLK_MONOTONIC;
		abs = 1;
		break;
	default:
		return CSE_PASS;	/* no timeout, or val2 in the timeout slot */
	}
	if (identity_for(clk) || (!abs && st->scale == PPM))
		return CSE_PASS;
	if (svc->copy_from_app(&t, (const void *)c->args[3], sizeof(t))) {
		c->ret = -14;
		return CSE_DONE;
	}
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= NSEC)
		return CSE_PASS;	/* the kernel's EINVAL */
	t = ns_ts(abs ? to_real(clk, ts_ns(&t)) : rel_real(clk, ts_ns(&t)));
	c->ret = svc->syscall(__NR_futex, c->args[0], op, c->args[2], (long)&t,
			      c->args[4], c->args[5]);
	return CSE_DONE;
}
