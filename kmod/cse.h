/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cse.ko internal interfaces shared by the files of the module.
 *
 * Objects:
 *  - struct cse_instance: one application instance. Reference counted;
 *    every instance fd and every device proxy fd holds one reference.
 *    Live instances sit in a registry (an xarray indexed by id) so that
 *    a generic netlink dump can walk them consistently.
 *  - the device proxy (broker.c): a file wrapping a device file opened
 *    on behalf of an instance.
 *
 * Lock order: cse registry mutex, then an instance's member mutex, then
 * an instance's syscalls spinlock (a leaf). The per-user counts of
 * quota.c are changed only under the registry mutex (their xarray's own
 * lock is a leaf). Events are multicast with the
 * first two possibly held; sending never waits for a listener.
 */
#ifndef _CSE_INTERNAL_H
#define _CSE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/cse.h>

struct file;
struct genl_family;
struct pid;

#define CSE_MODULE_VERSION	"0.1.0"

/* Accounting of one instance; grows until CSE_CMD_COUNTERS_RESET. */
struct cse_instance_counters {
	atomic64_t opens_granted;
	atomic64_t opens_denied;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
};

struct cse_instance {
	refcount_t refs;
	u32 id;				/* registry index, never 0 */
	char name[CSE_NAME_MAX];	/* NUL-terminated, printable */
	kuid_t creator;
	u64 create_time_ns;		/* CLOCK_REALTIME */

	/* Immutable after creation: read without locking. */
	u32 n_grants;
	struct cse_dev_grant *grants;

	/* Thread groups that joined; see instance.c for the pruning rule. */
	struct mutex members_lock;
	struct list_head members;
	u32 n_members;
	u32 n_foreign;			/* members not of the creator's uid */

	struct cse_instance_counters counters;

	/* Per-element syscall counts reported by the runtime (report.c). */
	spinlock_t syscalls_lock;
	u32 n_elements;
	struct cse_element_count {
		char name[CSE_ELEMENT_NAME_MAX];
		u64 calls;
	} elements[CSE_ELEMENTS_MAX];

	/* The net element's port map (ports.c), also under syscalls_lock. */
	u32 n_ports;
	struct cse_port ports[CSE_PORTS_MAX];
};

/* instance.c: lifetime and registry */

int cse_instance_create(const char *name, struct cse_dev_grant *grants,
			u32 n_grants, struct cse_instance **out);
void cse_instance_get(struct cse_instance *inst);
void cse_instance_put(struct cse_instance *inst);
int cse_instance_install_fd(struct cse_instance *inst, bool cloexec);
struct cse_instance *cse_instance_from_file(struct file *file);

u32 cse_registry_generation(void);
struct cse_instance *cse_instance_lookup(u32 id);
int cse_registry_for_each(unsigned long *pos,
			  int (*fn)(struct cse_instance *inst, void *arg),
			  void *arg);
void cse_registry_exit(void);
void cse_registry_assert_held(void);

/* quota.c: admission (max_instances, the reserve, per-user limits) */
bool cse_quota_privileged(void);
int cse_quota_charge(kuid_t uid, unsigned int live, bool privileged);
void cse_quota_uncharge(kuid_t uid);
void cse_quota_exit(void);

/* instance.c: members */
bool cse_instance_is_owner(const struct cse_instance *inst);
int cse_instance_join(struct cse_instance *inst, struct pid *tgid);
int cse_instance_leave(struct cse_instance *inst, struct pid *tgid);
u32 cse_instance_member_count(struct cse_instance *inst);

int cse_instance_walk_members(struct cse_instance *inst,
			      int (*fn)(struct pid *tgid, void *arg),
			      void *arg);

/* instance.c: snapshot for CSE_IOC_INSTANCE_INFO (and netlink later) */
void cse_instance_fill_info(struct cse_instance *inst,
			    struct cse_instance_info *info);

/* report.c: per-element syscall counters */
void cse_syscalls_init(struct cse_instance *inst);
int cse_syscalls_report(struct cse_instance *inst,
			const struct cse_element_calls *entries, u32 n);
void cse_syscalls_reset(struct cse_instance *inst);
int cse_syscalls_for_each(struct cse_instance *inst,
			  int (*fn)(const char *name, u64 calls, void *arg),
			  void *arg);

/* ports.c: the port map the runtime reports */
struct sk_buff;
int cse_ports_report(struct cse_instance *inst,
		     const struct cse_port_report *req);
int cse_ports_put_nl(struct sk_buff *skb, struct cse_instance *inst);

/* netlink.c: the generic netlink family */
enum cse_nl_mcgrp {
	CSE_NL_MCGRP_EVENTS,
};

extern struct genl_family cse_nl_family;
int cse_nl_register(void);
void cse_nl_unregister(void);

/* events.c: its "events" group */
void cse_nl_notify_instance(struct cse_instance *inst, u8 cmd);
void cse_nl_notify_member(struct cse_instance *inst, u8 cmd,
			  struct pid *tgid);
void cse_nl_notify_dev(struct cse_instance *inst, u8 cmd,
		       const struct cse_dev_grant *dev,
		       const char __user *upath);

/* broker.c: grant lookup and CSE_IOC_DEV_OPEN */
int cse_broker_dev_open(struct cse_instance *inst,
			const struct cse_dev_open *req);

/* ioctl.c: /dev/cse and the instance fd ioctls */
int cse_check_name(const char *name, size_t max);
long cse_instance_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg);
int cse_misc_register(void);
void cse_misc_deregister(void);

#endif /* _CSE_INTERNAL_H */
