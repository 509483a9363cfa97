// SPDX-License-Identifier: GPL-2.0
/*
 * time: a private replica of the system clocks for one application.
 *
 *   --time-offset DURATION   wall clocks run DURATION ahead (+365d, -2h30m)
 *   --time-at DATE           wall clocks read DATE when the application
 *                            starts, then tick
 *   --time-freeze DATE       wall clocks always read DATE
 *   --time-scale X           every clock runs X times as fast as the real
 *                            one, counted from the application's start
 *
 * (settings offset, at, freeze, scale: time_options; values parsed by
 * time_parse.c). offset, at and freeze exclude each other, freeze excludes
 * scale. The start and the settings live in the shared instance
 * state: every process of the application, later execs included, reads the
 * same clocks; the host and other applications are untouched.
 *
 * Clocks (clock ids as in the kernel):
 *   wall      REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI, and
 *             gettimeofday() and time(): offset/at/freeze and scale apply.
 *   steady    MONOTONIC, MONOTONIC_COARSE, MONOTONIC_RAW, BOOTTIME,
 *             BOOTTIME_ALARM: scale applies, offset does not (they count from
 *             boot and must never jump); under freeze they keep ticking, so
 *             timeouts still expire.
 *   CPU       PROCESS/THREAD_CPUTIME and dynamic clock ids: real.
 *
 * The vDSO: programs read clocks without a system call through the kernel's
 * vDSO. setup() points its clock symbols, in this process's private copy,
 * at replacements that call the original and apply the same model, still
 * without a system call (time_vdso.c).
 *
 * Waits agree with the clocks: relative timeouts of nanosleep,
 * clock_nanosleep, timerfd and FUTEX_WAIT are divided by the scale;
 * absolute deadlines (clock_nanosleep TIMER_ABSTIME, timerfd
 * TFD_TIMER_ABSTIME, futex WAIT_BITSET/LOCK_PI/LOCK_PI2/WAIT_REQUEUE_PI, so
 * pthread_cond_timedwait, sem_timedwait and C++ wait_until) are translated
 * to the real clock. A wall-clock deadline under freeze is taken relative
 * to the frozen value, so it expires after the real time remaining instead
 * of never. clock_settime(CLOCK_REALTIME) and settimeofday() set this
 * application's wall clock only.
 *
 * What stays real: file timestamps written by the kernel (mtime, ctime,
 * atime, and what stat shows), timestamps in /proc (process start times,
 * /proc/uptime, /proc/stat btime), SO_TIMESTAMP socket stamps, the times of
 * POSIX timers (timer_settime) and itimers/alarm, the relative timeouts of
 * poll, select, epoll_wait and io_uring, and CPU-time clocks.
 */
#include <asm/unistd.h>
#include <cse/element.h>
#include "time.h"
#include "time_parse.h"

const struct cse_services *svc;
struct time_state *st;

long sys(long nr, long a, long b, long c, long d)
{
	return svc->syscall(nr, a, b, c, d, 0, 0);
}

enum clock_class clock_class(long clk)
{
	switch (clk) {
	case 0: case 5: case 8: case CLK_TAI:	/* REALTIME, _COARSE, _ALARM, TAI */
		return C_WALL;
	case 1: case 4: case 6: case 7: case 9:	/* MONOTONIC, _RAW, _COARSE, BOOTTIME, _ALARM */
		return C_STEADY;
	default:
		return C_REAL;
	}
}

/* Coarse and alarm clocks read the same time as their precise base. */
static int clock_base(long clk)
{
	switch (clk) {
	case 5: case 8:
		return CLK_REALTIME;
	case 6:
		return CLK_MONOTONIC;
	case 9:
		return CLK_BOOTTIME;
	default:
		return (int)clk;
	}
}

/* ---- arithmetic: saturating, no 128-bit division (no libgcc here) ---- */

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* a * num / den for den > 0, saturating. */
static int64_t muldiv(int64_t a, int64_t num, int64_t den)
{
	int64_t q = a / den, r = a % den, hi;

	if (__builtin_mul_overflow(q, num, &hi))
		return (a < 0) != (num < 0) ? INT64_MIN : INT64_MAX;
	return sat_add(hi, r * num / den);	/* |r| < den <= 1e9, num <= 1e9 */
}

int64_t ts_ns(const struct kts *t)
{
	int64_t s;

	if (__builtin_mul_overflow(t->sec, NSEC, &s))
		return t->sec < 0 ? INT64_MIN : INT64_MAX;
	return sat_add(s, t->nsec);
}

struct kts ns_ts(int64_t ns)
{
	struct kts t = { ns / NSEC, ns % NSEC };

	if (t.nsec < 0) {
		t.nsec += NSEC;
		t.sec--;
	}
	return t;
}

/* ---- the model ---- */

static int64_t real_now(long clk)
{
	struct kts t;

	if (sys(__NR_clock_gettime, clk, (long)&t, 0, 0) < 0)
		return 0;
	return ts_ns(&t);
}

static int64_t frozen_value(long clk)
{
	/* TAI keeps its distance from REALTIME. */
	return sat_add(__atomic_load_n(&st->frozen, __ATOMIC_RELAXED),
		       st->origin[clock_base(clk)] - st->origin[CLK_REALTIME]);
}

static int wall_frozen(enum clock_class c)
{
	return c == C_WALL && __atomic_load_n(&st->is_frozen, __ATOMIC_RELAXED);
}

/* What the application sees for a real reading of clk. */
int64_t to_virt(long clk, int64_t real)
{
	enum clock_class c = clock_class(clk);
	int64_t shift = c == C_WALL ? __atomic_load_n(&st->shift, __ATOMIC_RELAXED) : 0;
	int64_t o;

	if (c == C_REAL)
		return real;
	if (wall_frozen(c))
		return frozen_value(clk);
	if (st->scale == PPM)
		return sat_add(real, shift);
	o = st->origin[clock_base(clk)];
	return sat_add(sat_add(o, shift), muldiv(real - o, st->scale, PPM));
}

/* The real time at which clk reads virt (for absolute deadlines). */
int64_t to_real(long clk, int64_t virt)
{
	enum clock_class c = clock_class(clk);
	int64_t shift = c == C_WALL ? __atomic_load_n(&st->shift, __ATOMIC_RELAXED) : 0;
	int64_t o, r;

	if (c == C_REAL)
		return virt;
	if (wall_frozen(c))
		r = sat_add(real_now(clk), sat_add(virt, -frozen_value(clk)));
	else if (st->scale == PPM)
		r = sat_add(virt, -shift);
	else {
		o = st->origin[clock_base(clk)];
		r = sat_add(o, muldiv(sat_add(sat_add(virt, -shift), -o), PPM, st->scale));
	}
	return r < 0 ? 0 : r;	/* already past */
}

/* Length of a relative wait on clk in real time, and back. */
int64_t rel_real(long clk, int64_t d)
{
	enum clock_class c = clock_class(clk);

	return c == C_REAL || wall_frozen(c) ? d : muldiv(d, PPM, st->scale);
}

int64_t rel_virt(long clk, int64_t d)
{
	enum clock_class c = clock_class(clk);

	return c == C_REAL || wall_frozen(c) ? d : muldiv(d, st->scale, PPM);
}

int identity_for(long clk)
{
	enum clock_class c = clock_class(clk);

	return c == C_REAL || (c == C_STEADY && st->scale == PPM);
}

/* ---- reading clocks ---- */

static long do_clock_gettime(long clk, uintptr_t user)
{
	struct kts t;
	long r = sys(__NR_clock_gettime, clk, (long)&t, 0, 0);	/* validates clk */

	if (r)
		return r;
	if (clock_class(clk) != C_REAL)
		t = ns_ts(to_virt(clk, ts_ns(&t)));
	return svc->copy_to_app((void *)user, &t, sizeof(t));
}

/* A real struct timeval in place to what the application sees. */
void virt_timeval(long *u)
{
	struct kts t = ns_ts(to_virt(CLK_REALTIME, sat_add(muldiv(u[0], NSEC, 1), u[1] * 1000)));

	u[0] = t.sec;
	u[1] = t.nsec / 1000;
}

static long do_gettimeofday(uintptr_t tv, uintptr_t tz)
{
	long u[2];
	long r = sys(__NR_gettimeofday, tv ? (long)u : 0, (long)tz, 0, 0);

	if (r || !tv)
		return r;
	virt_timeval(u);
	return svc->copy_to_app((void *)tv, u, sizeof(u));
}

static long do_time(uintptr_t tloc)
{
	struct kts t = ns_ts(to_virt(CLK_REALTIME, real_now(CLK_REALTIME)));

	if (tloc)
		return svc->copy_to_app((void *)tloc, &t.sec, sizeof(t.sec)) ?: t.sec;
	return t.sec;
}

/* clock_settime/settimeofday: move this application's wall clock only. */
static long set_wall(int64_t virt)
{
	int64_t real = real_now(CLK_REALTIME), o = st->origin[CLK_REALTIME];

	if (__atomic_load_n(&st->is_frozen, __ATOMIC_RELAXED))
		__atomic_store_n(&st->frozen, virt, __ATOMIC_RELAXED);
	else if (st->scale == PPM)
		__atomic_store_n(&st->shift, virt - real, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&st->shift, virt - o - muldiv(real - o, st->scale, PPM),
				 __ATOMIC_RELAXED);
	return 0;
}

static long do_clock_settime(long clk, uintptr_t user)
{
	struct kts t;

	if (svc->copy_from_app(&t, (const void *)user, sizeof(t)))
		return -14;
	if (clk != CLK_REALTIME)
		return -22;	/* the kernel's answer for the other clocks */
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= NSEC)
		return -22;
	return set_wall(ts_ns(&t));
}

static long do_settimeofday(uintptr_t tv)
{
	long u[2];

	if (!tv)
		return 0;	/* only a time zone: nothing we keep */
	if (svc->copy_from_app(u, (const void *)tv, sizeof(u)))
		return -14;
	if (u[0] < 0 || u[1] < 0 || u[1] >= 1000000)
		return -22;
	return set_wall(sat_add(muldiv(u[0], NSEC, 1), u[1] * 1000));
}

static enum cse_verdict time_handle(struct cse_call *c)
{
	long *a = c->args;

	/* The vDSO's own fallback, made under a replacement that applies the model. */
	if (time_vdso_site(c->site))
		return CSE_PASS;
	switch (c->nr) {
	case __NR_clock_gettime:
		c->ret = do_clock_gettime(a[0], (uintptr_t)a[1]);
		break;
	case __NR_gettimeofday:
		c->ret = do_gettimeofday((uintptr_t)a[0], (uintptr_t)a[1]);
		break;
	case __NR_time:
		c->ret = do_time((uintptr_t)a[0]);
		break;
	case __NR_clock_settime:
		c->ret = do_clock_settime(a[0], (uintptr_t)a[1]);
		break;
	case __NR_settimeofday:
		c->ret = do_settimeofday((uintptr_t)a[0]);
		break;
	case __NR_nanosleep:
		if (st->scale == PPM)
			return CSE_PASS;
		c->ret = do_nanosleep((uintptr_t)a[0], (uintptr_t)a[1]);
		break;
	case __NR_clock_nanosleep:
		if (identity_for(a[0]) || (!(a[1] & TIMER_ABSTIME_) && rel_real(a[0], NSEC) == NSEC))
			return CSE_PASS;
		c->ret = do_clock_nanosleep(a[0], a[1], (uintptr_t)a[2], (uintptr_t)a[3]);
		break;
	case __NR_timerfd_settime:
		c->ret = do_timerfd_settime(a[0], a[1], (uintptr_t)a[2], (uintptr_t)a[3]);
		break;
	case __NR_timerfd_gettime:
		if (st->scale == PPM)
			return CSE_PASS;
		c->ret = do_timerfd_gettime(a[0], (uintptr_t)a[1]);
		break;
	case __NR_futex:
		return do_futex(c);
	default:
		return CSE_PASS;
	}
	return CSE_DONE;
}

/* ---- setup ---- */

struct time_args {
	const struct cse_setting *base, *scale_set;	/* offset/at/freeze, scale */
	int has_offset, has_at, has_freeze;
	int64_t offset, at, freeze, scale;
};

static int parse_settings(const struct cse_setup *s, struct time_args *ta)
{
	ta->base = ta->scale_set = 0;
	ta->has_offset = ta->has_at = ta->has_freeze = 0;
	ta->offset = ta->at = ta->freeze = 0;
	ta->scale = PPM;
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *set = &s->settings[i];
		const char *k = set->key, *why = "unknown setting";
		int r = -1;

		if (!cse_strcmp(k, "offset"))
			r = cse_parse_duration(set->value, &ta->offset, &why);
		else if (!cse_strcmp(k, "at"))
			r = cse_parse_date(set->value, &ta->at, &why);
		else if (!cse_strcmp(k, "freeze"))
			r = cse_parse_date(set->value, &ta->freeze, &why);
		else if (!cse_strcmp(k, "scale"))
			r = cse_parse_scale(set->value, &ta->scale, &why);
		if (r) {
			cse_snprintf(svc, s->err, s->err_size, "%s: bad value '%s': %s",
				     set->origin, set->value, why);
			return -22;
		}
		if (k[0] == 's') {
			ta->scale_set = set;
		} else if (ta->base) {
			cse_snprintf(svc, s->err, s->err_size, "%s and %s exclude each other",
				     ta->base->origin, set->origin);
			return -22;
		} else {
			ta->base = set;
			ta->has_offset = k[0] == 'o';
			ta->has_at = k[0] == 'a';
			ta->has_freeze = k[0] == 'f';
		}
	}
	if (ta->has_freeze && ta->scale_set) {
		const struct cse_setting *a = ta->base < ta->scale_set ? ta->base : ta->scale_set;
		const struct cse_setting *b = a == ta->base ? ta->scale_set : ta->base;

		cse_snprintf(svc, s->err, s->err_size, "%s and %s exclude each other (a frozen clock has no speed)",
			     a->origin, b->origin);
		return -22;
	}
	return 0;
}

static int time_setup(const struct cse_setup *s)
{
	struct time_args ta;
	int r;

	svc = s->svc;
	st = s->state;
	r = parse_settings(s, &ta);
	if (r)
		return r;
	if (s->state_fresh) {
		for (int c = 0; c < NCLOCKS; c++)
			if (clock_class(c) != C_REAL)
				st->origin[c] = real_now(c);
		st->scale = (uint32_t)ta.scale;
		st->shift = ta.has_at ? ta.at - st->origin[CLK_REALTIME] : ta.offset;
		st->frozen = ta.freeze;
		st->is_frozen = ta.has_freeze;
	}
	r = time_vdso_patch(svc);
	if (r < 0) {
		cse_snprintf(svc, s->err, s->err_size, "cannot patch the vDSO (errno %d)", -r);
		return r;
	}
	return 0;
}

static const long time_syscalls[] = {
	__NR_clock_gettime, __NR_gettimeofday, __NR_time,
	__NR_clock_settime, __NR_settimeofday,
	__NR_nanosleep, __NR_clock_nanosleep,
	__NR_timerfd_settime, __NR_timerfd_gettime, __NR_futex,
	CSE_SYSCALLS_END
};

static const struct cse_option time_options[] = {
	{ "time-offset", "offset", "DURATION",
	  "Wall clock runs DURATION ahead (+365d,\n"
	  "-2h30m, 90s; units y w d h m s ms us ns),\n"
	  "vDSO included.",
	  CSE_OPT_STRING, CSE_OPT_EXCLUSIVE },
	{ "time-at", "at", "DATE",
	  "Wall clock starts at DATE, then ticks. DATE:\n"
	  "2030-01-02T03:04:05Z, ...+02:00 or @UNIXTIME.",
	  CSE_OPT_STRING, CSE_OPT_EXCLUSIVE },
	{ "time-freeze", "freeze", "DATE", "Wall clock always reads DATE.",
	  CSE_OPT_STRING, CSE_OPT_EXCLUSIVE },
	{ "time-scale", "scale", "X",
	  "All clocks run X times as fast (2, 0.5);\n"
	  "sleeps and timeouts agree.",
	  CSE_OPT_STRING, 0 },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct time_state),
	.name = "time",
	.description = "private wall clock: offset, start date, frozen or scaled clocks",
	.options = time_options,
	.setup = time_setup,
	.syscalls = time_syscalls,
	.handle = time_handle,
};
