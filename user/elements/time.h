/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the time element's files (time.c, time_vdso.c). */
#ifndef CSE_ELEMENT_TIME_H
#define CSE_ELEMENT_TIME_H

#include <cse/services.h>

/*
 * Rewrite this process's vDSO clock_gettime, gettimeofday and time into
 * system calls. Returns how many entry points were patched (0 without a
 * vDSO), or -errno.
 */
int time_vdso_patch(const struct cse_services *svc);

#endif /* CSE_ELEMENT_TIME_H */
