// SPDX-License-Identifier: GPL-2.0
/*
 * Per-element syscall counters of an instance.
 *
 * The user-space runtime of an instance counts, per element, the system
 * calls it handled and reports the deltas with CSE_IOC_REPORT_SYSCALLS
 * (ioctl.c copies the request in). The counters are shown by the netlink
 * instance replies and zeroed by CSE_CMD_COUNTERS_RESET.
 *
 * An instance has room for CSE_ELEMENTS_MAX element names. A report is
 * applied entirely or not at all: names are checked and the free slots
 * counted before anything is added, all under one spinlock, so two racing
 * reports cannot together overflow the table.
 */
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "cse.h"

void cse_syscalls_init(struct cse_instance *inst)
{
	spin_lock_init(&inst->syscalls_lock);
	inst->n_elements = 0;
}

/* Slot of @name, or -1. Names in the table are NUL-padded. */
static int cse_element_find(struct cse_instance *inst, const char *name)
{
	u32 i;

	lockdep_assert_held(&inst->syscalls_lock);

	for (i = 0; i < inst->n_elements; i++)
		if (!strncmp(inst->elements[i].name, name,
			     CSE_ELEMENT_NAME_MAX))
			return i;
	return -1;
}

/* How many names of @entries[0..n) are new to the table (each once). */
static u32 cse_elements_new(struct cse_instance *inst,
			    const struct cse_element_calls *entries, u32 n)
{
	u32 i, j, fresh = 0;

	lockdep_assert_held(&inst->syscalls_lock);

	for (i = 0; i < n; i++) {
		if (cse_element_find(inst, entries[i].name) >= 0)
			continue;
		/* Count a name repeated within the report only once. */
		for (j = 0; j < i; j++)
			if (!strncmp(entries[j].name, entries[i].name,
				     CSE_ELEMENT_NAME_MAX))
				break;
		if (j == i)
			fresh++;
	}
	return fresh;
}

/**
 * cse_syscalls_report - add a report to the counters of @inst
 * @inst: the instance
 * @entries: @n entries copied from user space, not yet validated
 * @n: at most CSE_ELEMENTS_MAX (checked by the caller)
 *
 * Returns 0, -ENAMETOOLONG or -EINVAL for a bad name, or -ENOSPC when
 * the new names would not fit; on error nothing was changed.
 */
int cse_syscalls_report(struct cse_instance *inst,
			const struct cse_element_calls *entries, u32 n)
{
	u32 i;
	int err;

	for (i = 0; i < n; i++) {
		err = cse_check_name(entries[i].name, CSE_ELEMENT_NAME_MAX);
		if (err)
			return err;
	}

	spin_lock(&inst->syscalls_lock);
	if (inst->n_elements + cse_elements_new(inst, entries, n) >
	    CSE_ELEMENTS_MAX) {
		spin_unlock(&inst->syscalls_lock);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		int slot = cse_element_find(inst, entries[i].name);

		if (slot < 0) {
			struct cse_element_count *e;

			slot = inst->n_elements++;
			e = &inst->elements[slot];
			/* strscpy_pad: no bytes after the NUL reach readers. */
			strscpy_pad(e->name, entries[i].name, sizeof(e->name));
			e->calls = 0;
		}
		inst->elements[slot].calls += entries[i].calls;
	}
	spin_unlock(&inst->syscalls_lock);
	return 0;
}

/* Zero every element's count; the names stay. */
void cse_syscalls_reset(struct cse_instance *inst)
{
	u32 i;

	spin_lock(&inst->syscalls_lock);
	for (i = 0; i < inst->n_elements; i++)
		inst->elements[i].calls = 0;
	spin_unlock(&inst->syscalls_lock);
}

/**
 * cse_syscalls_for_each - visit every element in report order
 * @fn: called under the syscalls spinlock, so it must not sleep
 *
 * Stops at and returns the first non-zero value @fn returns.
 */
int cse_syscalls_for_each(struct cse_instance *inst,
			  int (*fn)(const char *name, u64 calls, void *arg),
			  void *arg)
{
	int ret = 0;
	u32 i;

	spin_lock(&inst->syscalls_lock);
	for (i = 0; i < inst->n_elements && !ret; i++)
		ret = fn(inst->elements[i].name, inst->elements[i].calls, arg);
	spin_unlock(&inst->syscalls_lock);
	return ret;
}
