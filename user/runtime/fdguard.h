/* SPDX-License-Identifier: GPL-2.0 */
/* The runtime's fd table (fdguard.c), shared with fdguard_calls.c. */
#ifndef CSE_FDGUARD_H
#define CSE_FDGUARD_H

#include "runtime.h"

#define MAX_HIDDEN	FDGUARD_MAX

struct fdslot {
	int handle;	/* the number its owner was given */
	int fd;		/* where it lives now */
	int cloexec;
};

struct fdtab {
	struct fdslot s[MAX_HIDDEN];
	int n;
	int lo, hi;	/* bounds of the fds, for quick tests */
	int high;	/* near the top of the limit for good, not from the low range */
};

/* The calling thread's process's table. */
struct fdtab *fdg_tab(void);
/* 1: taken, 0: this thread held it already. */
int fdg_lock(void);
void fdg_unlock(int taken);
/* Move ours off number fd, freeing it (lock held). */
long fdg_evict(int fd);
/* All of ours to the top, for good (lock held). */
void fdg_go_high(void);

#endif
