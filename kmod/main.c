// SPDX-License-Identifier: GPL-2.0
/*
 * cse.ko: module init and exit only.
 *
 * The module brokers device access per application instance; see
 * include/uapi/linux/cse.h for the ABI and cse.h for the internals.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "cse.h"

static int __init cse_init(void)
{
	int err;

	/* The family first: instances can only appear once /dev/cse does. */
	err = cse_nl_register();
	if (err)
		goto err_nl_register;
	err = cse_misc_register();
	if (err)
		goto err_misc_register;

	pr_info("version %s loaded\n", CSE_MODULE_VERSION);
	return 0;

err_misc_register:
	cse_nl_unregister();
err_nl_register:
	return err;
}

static void __exit cse_exit(void)
{
	/* Every open fd pins the module, so no instance can be left. */
	cse_misc_deregister();
	cse_nl_unregister();
	cse_registry_exit();
	cse_quota_exit();
}

module_init(cse_init);
module_exit(cse_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The cse authors");
MODULE_DESCRIPTION("cse: per-application instances and a device broker");
MODULE_VERSION(CSE_MODULE_VERSION);
