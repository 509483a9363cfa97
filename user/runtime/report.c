// SPDX-License-Identifier: GPL-2.0
/*
 * Per-element syscall counters, reported to the application's cse.ko
 * instance (CSE_IOC_REPORT_SYSCALLS), and membership of each process.
 *
 * Counting is one relaxed atomic add per element per call, in process
 * memory. Reports carry deltas, so they are cheap to batch: a process
 * reports when an element has REPORT_BATCH unreported calls, before an
 * exec replaces its memory and at exit_group. A process that dies by a
 * signal loses at most one batch. Without the module nothing is reported.
 *
 * fork: the child starts with nothing unreported (the parent reports its
 * own). vfork shares memory with the parent, so the counters are the
 * parent's and stay as they are.
 */
#include <linux/cse.h>
#include "runtime.h"

#define REPORT_BATCH	4096

RT_HOT_DATA static uint64_t calls[CHAIN_MAX_ELEMENTS];
RT_HOT_DATA static uint64_t reported[CHAIN_MAX_ELEMENTS];
static int report_busy;		/* one reporter at a time; others skip */

/* Counted with or without the module: only the batch's flush reads
 * cse_cfg (a page of its own), where no instance means nothing to send. */
RT_HOT void report_count(int element)
{
	uint64_t n = __atomic_add_fetch(&calls[element], 1, __ATOMIC_RELAXED);

	if (n - __atomic_load_n(&reported[element], __ATOMIC_RELAXED) >= REPORT_BATCH)
		report_flush();
}

void report_flush(void)
{
	struct cse_element_calls e[CHAIN_MAX_ELEMENTS];
	uint64_t now[CHAIN_MAX_ELEMENTS];
	struct cse_syscall_report r;
	int idx[CHAIN_MAX_ELEMENTS];
	int n = 0, fd = cse_cfg.instance_fd;

	if (fd < 0) {
		/* Nobody to report to: the counts are dropped as they come. */
		for (int i = 0; i < CHAIN_MAX_ELEMENTS; i++)
			__atomic_store_n(&reported[i], __atomic_load_n(&calls[i], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
		return;
	}
	if (__atomic_exchange_n(&report_busy, 1, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < chain_count(); i++) {
		const char *name = chain_element_name(i);
		size_t len = strlen(name);

		now[i] = __atomic_load_n(&calls[i], __ATOMIC_RELAXED);
		if (now[i] == reported[i] || len >= CSE_ELEMENT_NAME_MAX)
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		memcpy(e[n].name, name, len);
		e[n].calls = now[i] - reported[i];
		idx[n++] = i;
	}
	if (n) {
		memset(&r, 0, sizeof(r));
		r.size = sizeof(r);
		r.n_entries = (uint32_t)n;
		r.entries = (uint64_t)(uintptr_t)e;
		/* A module without the report ioctl (ENOTTY): keep counting. */
		if (rt_sys3(__NR_ioctl, fd, CSE_IOC_REPORT_SYSCALLS, &r) == 0)
			for (int k = 0; k < n; k++)
				__atomic_store_n(&reported[idx[k]], now[idx[k]],
						 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&report_busy, 0, __ATOMIC_RELEASE);
}

void report_fork_child(int shares_memory)
{
	if (cse_cfg.instance_fd < 0)
		return;
	if (!shares_memory) {
		for (int i = 0; i < CHAIN_MAX_ELEMENTS; i++)
			reported[i] = calls[i];
		report_busy = 0;	/* a parent thread may have held it */
	}
	/* Every process of the application is a member of its instance. */
	rt_sys3(__NR_ioctl, cse_cfg.instance_fd, CSE_IOC_JOIN, 0);
}
