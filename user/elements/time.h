/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the time element's files (time.c, time_wait.c, time_vdso.c). */
#ifndef CSE_ELEMENT_TIME_H
#define CSE_ELEMENT_TIME_H

#include <stdint.h>
#include <cse/element.h>
#include <cse/services.h>

#define NSEC		1000000000L
#define PPM		1000000L
#define MAX_SCALE_PPM	(1000L * PPM)	/* cse-run allows at most 1000x */
#define NCLOCKS		12
#define CLK_REALTIME	0
#define CLK_MONOTONIC	1
#define CLK_BOOTTIME	7
#define CLK_TAI		11
#define TIMER_ABSTIME_	1
#define FUTEX_CMD_MASK_	0x7f
#define FUTEX_CLOCK_RT_	256

struct kts { long sec, nsec; };
struct kitimerspec { struct kts interval, value; };

struct time_state {
	int64_t shift;		/* added to the wall clocks (offset or at) */
	int64_t frozen;		/* wall clock value when frozen */
	int32_t is_frozen;
	uint32_t scale;		/* ppm; PPM is real speed */
	int64_t origin[NCLOCKS];	/* real clock values at the application's start */
};

enum clock_class { C_REAL, C_WALL, C_STEADY };

/* time.c: the model */
extern const struct cse_services *svc;
extern struct time_state *st;
long sys(long nr, long a, long b, long c, long d);
enum clock_class clock_class(long clk);
int64_t ts_ns(const struct kts *t);
struct kts ns_ts(int64_t ns);
int64_t to_real(long clk, int64_t virt);
int64_t rel_real(long clk, int64_t d);
int64_t rel_virt(long clk, int64_t d);
int identity_for(long clk);
int64_t to_virt(long clk, int64_t real);
void virt_timeval(long *tv);

/* time_wait.c: sleeps, timerfds and futex waits */
long do_nanosleep(uintptr_t req, uintptr_t rem);
long do_clock_nanosleep(long clk, long flags, uintptr_t req, uintptr_t rem);
long do_timerfd_settime(long fd, long flags, uintptr_t newp, uintptr_t oldp);
long do_timerfd_gettime(long fd, uintptr_t cur);
enum cse_verdict do_futex(struct cse_call *c);

/*
 * time_vdso.c: point this process's vDSO symbols clock_gettime,
 * gettimeofday and time at replacements that apply the model without a
 * system call. Returns how many symbols were redirected (0 without a
 * vDSO), or -errno. time_vdso_site(): a call made from the vDSO's text
 * (its fallback system call, already under a replacement).
 */
int time_vdso_patch(const struct cse_services *svc);
int time_vdso_site(uintptr_t site);

#endif /* CSE_ELEMENT_TIME_H */
