// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/cse misc device and the ioctl entry points of both /dev/cse and
 * instance fds: copying structs in and out, validating every field, then
 * calling into instance.c or broker.c.
 *
 * Struct rules (see include/uapi/linux/cse.h): "in" structs are read with
 * copy_struct_from_user(), so a size below the first published size is
 * EINVAL, unknown trailing bytes must be zero (E2BIG) and sizes above a
 * page are E2BIG. "Out" structs only read size and flags; the kernel
 * zeroes its copy and writes back min(size, sizeof) bytes.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cse.h"

/* open_flags accepted by CSE_IOC_DEV_OPEN (O_SYNC includes O_DSYNC). */
#define CSE_DEV_OPEN_FLAGS \
	(O_ACCMODE | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_SYNC | O_DSYNC)

/* Largest major number a dev_t can hold. */
#define CSE_MAJOR_MAX	((1U << (32 - MINORBITS)) - 1)

static int cse_copy_in(void *dst, size_t ksize, u32 ver0,
		       const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

/* Read and check the header of an "out" struct; returns its size in @usize. */
static int cse_out_header(const void __user *uarg, u32 ver0, u32 *usize)
{
	const u32 __user *hdr = uarg;
	u32 flags;

	if (get_user(*usize, &hdr[0]) || get_user(flags, &hdr[1]))
		return -EFAULT;
	if (*usize < ver0 || flags)
		return -EINVAL;
	return 0;
}

static int cse_copy_out(void __user *uarg, const void *src, size_t ksize,
			u32 usize)
{
	if (copy_to_user(uarg, src, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

static long cse_ioc_version(void __user *uarg)
{
	struct cse_version v;
	u32 usize;
	int err;

	err = cse_out_header(uarg, CSE_VERSION_SIZE_VER0, &usize);
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	v.size = usize;
	v.api_version = CSE_API_VERSION;
	v.features = CSE_FEATURES_ALL;
	return cse_copy_out(uarg, &v, sizeof(v), usize);
}

/*
 * Names (instances, elements): 1..max-1 printable ASCII bytes, then a NUL
 * within max bytes (-ENAMETOOLONG without one).
 */
int cse_check_name(const char *name, size_t max)
{
	size_t len = strnlen(name, max);
	size_t i;

	if (len == max)
		return -ENAMETOOLONG;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c < 0x20 || c > 0x7e)
			return -EINVAL;
	}
	return 0;
}

static int cse_validate_grants(const struct cse_dev_grant *grants, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct cse_dev_grant *g = &grants[i];

		if (g->type != CSE_DEV_CHAR && g->type != CSE_DEV_BLOCK)
			return -EINVAL;
		if (!g->access || (g->access & ~CSE_ACCESS_ALL))
			return -EINVAL;
		if (g->major > CSE_MAJOR_MAX || g->minor > MINORMASK)
			return -EINVAL;
	}
	return 0;
}

static long cse_ioc_instance_create(void __user *uarg)
{
	struct cse_instance_create req;
	struct cse_dev_grant *grants = NULL;
	struct cse_instance *inst;
	int err;

	err = cse_copy_in(&req, sizeof(req), CSE_INSTANCE_CREATE_SIZE_VER0,
			  uarg);
	if (err)
		return err;
	if (req.flags & ~CSE_CREATE_FLAGS_ALL)
		return -EINVAL;
	if (req.reserved0 || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	err = cse_check_name(req.name, CSE_NAME_MAX);
	if (err)
		return err;
	if (req.n_grants > CSE_GRANTS_MAX)
		return -E2BIG;

	if (req.n_grants) {
		/* Checked before the grants are read: no probing without it. */
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		grants = memdup_user(u64_to_user_ptr(req.grants),
				     array_size(req.n_grants, sizeof(*grants)));
		if (IS_ERR(grants))
			return PTR_ERR(grants);
		err = cse_validate_grants(grants, req.n_grants);
		if (err)
			goto out_free;
	}

	err = cse_instance_create(req.name, grants, req.n_grants, &inst);
	if (err)
		goto out_free;
	err = cse_instance_install_fd(inst,
				      !(req.flags & CSE_CREATE_INHERIT));
	if (err < 0)
		cse_instance_put(inst);
out_free:
	kfree(grants);
	return err;
}

static long cse_ioc_instance_info(struct cse_instance *inst,
				  void __user *uarg)
{
	struct cse_instance_info info;
	u32 usize;
	int err;

	err = cse_out_header(uarg, CSE_INSTANCE_INFO_SIZE_VER0, &usize);
	if (err)
		return err;
	cse_instance_fill_info(inst, &info);
	info.size = usize;
	return cse_copy_out(uarg, &info, sizeof(info), usize);
}

static long cse_ioc_dev_open(struct cse_instance *inst, void __user *uarg)
{
	struct cse_dev_open req;
	int err;

	err = cse_copy_in(&req, sizeof(req), CSE_DEV_OPEN_SIZE_VER0, uarg);
	if (err)
		return err;
	if (req.flags || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	if (req.open_flags & ~CSE_DEV_OPEN_FLAGS)
		return -EINVAL;
	if ((req.open_flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	return cse_broker_dev_open(inst, &req);
}

/* The names and the element limit are checked by report.c. */
static long cse_ioc_report_syscalls(struct cse_instance *inst,
				    void __user *uarg)
{
	struct cse_element_calls *entries;
	struct cse_syscall_report req;
	int err;

	err = cse_copy_in(&req, sizeof(req), CSE_SYSCALL_REPORT_SIZE_VER0,
			  uarg);
	if (err)
		return err;
	if (req.flags || req.reserved0)
		return -EINVAL;
	/* Before the array is read: a stranger learns nothing from it. */
	/*
	 * Only the creator's processes report: the slots and counters must
	 * not be filled by whoever else got the fd (over SCM_RIGHTS, say).
	 */
	if (!cse_instance_is_owner(inst))
		return -EPERM;
	if (req.n_entries > CSE_ELEMENTS_MAX)
		return -E2BIG;
	if (!req.n_entries)
		return 0;
	entries = memdup_user(u64_to_user_ptr(req.entries),
			      array_size(req.n_entries, sizeof(*entries)));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	err = cse_syscalls_report(inst, entries, req.n_entries);
	kfree(entries);
	return err;
}

/* Every field is checked by ports.c. */
static long cse_ioc_report_ports(struct cse_instance *inst, void __user *uarg)
{
	struct cse_port_report req;
	int err;

	err = cse_copy_in(&req, sizeof(req), CSE_PORT_REPORT_SIZE_VER0, uarg);
	if (err)
		return err;
	return cse_ports_report(inst, &req);
}

long cse_instance_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct cse_instance *inst = cse_instance_from_file(file);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case CSE_IOC_INSTANCE_INFO:
		return cse_ioc_instance_info(inst, uarg);
	case CSE_IOC_JOIN:
		if (arg)
			return -EINVAL;
		return cse_instance_join(inst, task_tgid(current));
	case CSE_IOC_LEAVE:
		if (arg)
			return -EINVAL;
		return cse_instance_leave(inst, task_tgid(current));
	case CSE_IOC_DEV_OPEN:
		return cse_ioc_dev_open(inst, uarg);
	case CSE_IOC_REPORT_SYSCALLS:
		return cse_ioc_report_syscalls(inst, uarg);
	case CSE_IOC_REPORT_PORTS:
		return cse_ioc_report_ports(inst, uarg);
	default:
		return -ENOTTY;
	}
}

static long cse_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case CSE_IOC_VERSION:
		return cse_ioc_version(uarg);
	case CSE_IOC_INSTANCE_CREATE:
		return cse_ioc_instance_create(uarg);
	default:
		return -ENOTTY;
	}
}

/* .owner pins the module while /dev/cse is open (misc_open takes it). */
static const struct file_operations cse_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= cse_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* Mode 0666: any user may create instances without grants. */
static struct miscdevice cse_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= CSE_DEVICE_NAME,
	.fops	= &cse_ctl_fops,
	.mode	= 0666,
};

int cse_misc_register(void)
{
	/* The ABI pins these sizes; a change here is an ABI break. */
	BUILD_BUG_ON(sizeof(struct cse_version) != CSE_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_instance_create) !=
		     CSE_INSTANCE_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_instance_info) !=
		     CSE_INSTANCE_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_dev_open) != CSE_DEV_OPEN_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_dev_grant) != 16);
	BUILD_BUG_ON(sizeof(struct cse_counters) != 32);
	BUILD_BUG_ON(sizeof(struct cse_syscall_report) !=
		     CSE_SYSCALL_REPORT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_element_calls) != 24);
	BUILD_BUG_ON(sizeof(struct cse_port_report) !=
		     CSE_PORT_REPORT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct cse_port) != 16);

	return misc_register(&cse_misc);
}

void cse_misc_deregister(void)
{
	misc_deregister(&cse_misc);
}
