// SPDX-License-Identifier: GPL-2.0
/*
 * Admission of new instances: who may take how many of the
 * max_instances slots.
 *
 * Three limits, checked in this order under the registry mutex:
 *  - max_instances live instances in all (ENOSPC);
 *  - the last reserved_instances of them only for callers with
 *    CAP_SYS_ADMIN (ENOSPC for everyone else), so that unprivileged users
 *    together can never lock the administrator out;
 *  - max_user_instances live instances per creator uid (EDQUOT), so that
 *    one user cannot take the slots of the others. Holders of
 *    CAP_SYS_ADMIN are counted but not limited: a container manager
 *    running as root may need many.
 *
 * Live instances are counted per uid in an xarray indexed by the uid's
 * value in the initial user namespace; entries are xarray value entries
 * (the count itself), erased when a uid's count drops to zero. The model
 * is inotify's max_user_instances; the kernel's ucounts cannot be used
 * from a module (their types are a fixed enum), hence this small table.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/module.h>
#include <linux/xarray.h>

#include "cse.h"

static unsigned int cse_max_instances = 1024;
module_param_named(max_instances, cse_max_instances, uint, 0644);
MODULE_PARM_DESC(max_instances,
		 "Most instances alive at once; creating one more fails with ENOSPC (default 1024)");

static unsigned int cse_max_user_instances = 128;
module_param_named(max_user_instances, cse_max_user_instances, uint, 0644);
MODULE_PARM_DESC(max_user_instances,
		 "Most live instances one uid may create without CAP_SYS_ADMIN; one more fails with EDQUOT (default 128)");

static unsigned int cse_reserved_instances = 32;
module_param_named(reserved_instances, cse_reserved_instances, uint, 0644);
MODULE_PARM_DESC(reserved_instances,
		 "The last this many of max_instances are for CAP_SYS_ADMIN only; others get ENOSPC (default 32)");

/* uid value -> xa_mk_value(live instances created by that uid) */
static DEFINE_XARRAY(cse_user_counts);

/* A policy question, not a use of privilege: no audit record. */
bool cse_quota_privileged(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}

static unsigned long cse_user_count(kuid_t uid)
{
	void *entry = xa_load(&cse_user_counts, __kuid_val(uid));

	return entry ? xa_to_value(entry) : 0;
}

/**
 * cse_quota_charge - admit one more instance created by @uid
 * @uid: the creator
 * @live: live instances now (before this one)
 * @privileged: the creator holds CAP_SYS_ADMIN (cse_quota_privileged())
 *
 * Called with the registry mutex held, which serialises every charge and
 * uncharge. Returns 0 (charged), -ENOSPC, -EDQUOT or -ENOMEM.
 */
int cse_quota_charge(kuid_t uid, unsigned int live, bool privileged)
{
	unsigned int max = READ_ONCE(cse_max_instances);
	unsigned int reserved = READ_ONCE(cse_reserved_instances);
	unsigned long count = cse_user_count(uid);

	cse_registry_assert_held();

	if (live >= max)
		return -ENOSPC;
	if (!privileged && reserved >= max - live)
		return -ENOSPC;
	if (!privileged && count >= READ_ONCE(cse_max_user_instances))
		return -EDQUOT;
	return xa_err(xa_store(&cse_user_counts, __kuid_val(uid),
			       xa_mk_value(count + 1), GFP_KERNEL));
}

/* Give back what cse_quota_charge() took; registry mutex held. */
void cse_quota_uncharge(kuid_t uid)
{
	unsigned long count = cse_user_count(uid);

	cse_registry_assert_held();

	if (WARN_ON_ONCE(!count))
		return;
	if (count == 1)
		xa_erase(&cse_user_counts, __kuid_val(uid));
	else	/* replaces an existing entry: no allocation, cannot fail */
		xa_store(&cse_user_counts, __kuid_val(uid),
			 xa_mk_value(count - 1), GFP_KERNEL);
}

/* Module exit: every instance is gone, so every count went back to 0. */
void cse_quota_exit(void)
{
	WARN_ON(!xa_empty(&cse_user_counts));
	xa_destroy(&cse_user_counts);
}
