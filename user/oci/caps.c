// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * process.capabilities. Without a user namespace the process has the
 * caller's capabilities; as root we bound them: every capability not in
 * the "bounding" list is dropped from the bounding set before cse-run is
 * exec'd, and the kernel then gives a root process exactly the bounding
 * set as permitted and effective at execve (so "effective" and
 * "permitted" lists that differ from "bounding" are not separately
 * honoured). A process that becomes a non-root user loses them all at
 * setuid, as under runc without ambient capabilities; ambient ones are
 * not raised (warned).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "oci.h"

#define C(x) { "CAP_" #x, CAP_##x }
static const struct {
	const char *name;
	int cap;
} caps[] = {
	C(CHOWN), C(DAC_OVERRIDE), C(DAC_READ_SEARCH), C(FOWNER), C(FSETID), C(KILL),
	C(SETGID), C(SETUID), C(SETPCAP), C(LINUX_IMMUTABLE), C(NET_BIND_SERVICE),
	C(NET_BROADCAST), C(NET_ADMIN), C(NET_RAW), C(IPC_LOCK), C(IPC_OWNER),
	C(SYS_MODULE), C(SYS_RAWIO), C(SYS_CHROOT), C(SYS_PTRACE), C(SYS_PACCT),
	C(SYS_ADMIN), C(SYS_BOOT), C(SYS_NICE), C(SYS_RESOURCE), C(SYS_TIME),
	C(SYS_TTY_CONFIG), C(MKNOD), C(LEASE), C(AUDIT_WRITE), C(AUDIT_CONTROL),
	C(SETFCAP), C(MAC_OVERRIDE), C(MAC_ADMIN), C(SYSLOG), C(WAKE_ALARM),
	C(BLOCK_SUSPEND), C(AUDIT_READ), C(PERFMON), C(BPF), C(CHECKPOINT_RESTORE),
};
#undef C

int oci_caps_parse(json_t *c, struct oci_process *p, struct strv *u)
{
	json_t *bounding = json_object_get(c, "bounding"), *v;
	size_t i, k;

	if (!c)
		return 0;
	p->has_caps = true;
	p->cap_bounding = 0;
	json_array_foreach(bounding, i, v) {
		const char *name = json_string_value(v);

		for (k = 0; name && k < sizeof(caps) / sizeof(caps[0]); k++)
			if (!strcmp(name, caps[k].name))
				break;
		if (!name || k == sizeof(caps) / sizeof(caps[0])) {
			strv_addf(u, "process.capabilities: unknown capability %s",
				  name ? name : "(not a string)");
			continue;
		}
		p->cap_bounding |= UINT64_C(1) << caps[k].cap;
	}
	if (json_array_size(json_object_get(c, "ambient")) && p->uid != 0)
		strv_addf(u, "process.capabilities.ambient: not raised for uid %u",
			  (unsigned)p->uid);
	return 0;
}

/* Needs CAP_SETPCAP: call it before the process gives up root. */
int oci_caps_apply(const struct oci_process *p)
{
	int last = 63;
	FILE *f;

	if (!p->has_caps)
		return 0;
	f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 63;
		fclose(f);
	}
	for (int cap = 0; cap <= last && cap < 64; cap++) {
		if (p->cap_bounding & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

/* The names this runtime knows, for `features`. */
json_t *oci_caps_names(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		json_array_append_new(a, json_string(caps[i].name));
	return a;
}
