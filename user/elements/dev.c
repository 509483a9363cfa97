// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dev: device access through cse.ko.
 *
 * The application sees only the devices granted to its instance. Every
 * open of a device node (open, creat, openat, openat2: also from code
 * that bypasses libc, since the runtime interposes the syscall itself)
 * becomes CSE_IOC_DEV_OPEN on the instance fd. The module checks the
 * instance's allow-list, opens the device with the caller's own
 * credentials, counts the traffic through a proxy fd and reports the
 * grant or the denial over netlink. A device that is not granted fails
 * with EACCES, exactly as the module answers.
 *
 * Handled/pass-on contract: calls on paths that are not device nodes (or
 * that do not exist, or are O_PATH opens) pass on unchanged; device
 * opens are completed here. The path is read by the module straight from
 * the application's memory (same address space), so nothing is copied.
 *
 * Arguments: none. The grants themselves are given to cse.ko by cse-run
 * (--device PATH[:r|w|rw]); the element refuses to start without an
 * instance fd, i.e. without the module.
 */
#include <stddef.h>
#include <stdint.h>

#include <asm/unistd.h>
#include <linux/cse.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>

#include <cse/element.h>
#include <cse/kabi.h>

/* The open flags cse.ko accepts; others are meaningless on a device. */
#define DEV_OPEN_FLAGS (O_ACCMODE | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | \
			O_SYNC | O_DSYNC)

static const struct cse_services *svc;

static long sys(long nr, long a0, long a1, long a2, long a3)
{
	return svc->syscall(nr, a0, a1, a2, a3, 0, 0);
}

/*
 * Broker one open if the path names a device node; returns 1 with *ret
 * set when handled, 0 to pass the call on.
 */
static int dev_open(int dirfd, const char *path, unsigned long flags, long *ret)
{
	struct cse_dev_open req;
	struct cse_kstat st;
	int ifd;

	if (!path || (flags & O_PATH))
		return 0;
	if (sys(__NR_newfstatat, dirfd, (long)path, (long)&st,
		(flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) != 0)
		return 0;	/* missing, EFAULT, ...: the kernel answers */
	if (!S_ISCHR(st.mode) && !S_ISBLK(st.mode))
		return 0;

	/* What open(2) would answer before touching the device. */
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		*ret = -EEXIST;
		return 1;
	}
	if (flags & O_DIRECTORY) {
		*ret = -ENOTDIR;
		return 1;
	}
	ifd = svc->instance_fd();
	if (ifd < 0) {
		*ret = -EACCES;
		return 1;
	}
	for (size_t i = 0; i < sizeof(req); i++)
		((volatile char *)&req)[i] = 0;
	req.size = sizeof(req);
	req.dirfd = dirfd;
	req.open_flags = (unsigned int)(flags & DEV_OPEN_FLAGS);
	req.path = (uintptr_t)path;
	*ret = sys(__NR_ioctl, ifd, CSE_IOC_DEV_OPEN, (long)&req, 0);
	return 1;
}

static enum cse_verdict dev_handle(struct cse_call *c)
{
	long *a = c->args;

	switch (c->nr) {
	case __NR_open:
		return dev_open(AT_FDCWD, (const char *)a[0], (unsigned long)a[1],
				&c->ret) ? CSE_DONE : CSE_PASS;
	case __NR_creat:
		return dev_open(AT_FDCWD, (const char *)a[0],
				O_CREAT | O_WRONLY | O_TRUNC, &c->ret) ?
			CSE_DONE : CSE_PASS;
	case __NR_openat:
		return dev_open((int)a[0], (const char *)a[1], (unsigned long)a[2],
				&c->ret) ? CSE_DONE : CSE_PASS;
	case __NR_openat2: {
		const struct open_how *how = (const struct open_how *)a[2];

		/* A short or bad open_how is the kernel's to reject. */
		if (!how || (unsigned long)a[3] < sizeof(*how))
			return CSE_PASS;
		return dev_open((int)a[0], (const char *)a[1], how->flags,
				&c->ret) ? CSE_DONE : CSE_PASS;
	}
	}
	return CSE_PASS;
}

static int dev_setup(const struct cse_setup *s)
{
	svc = s->svc;
	if (s->nsettings) {
		cse_snprintf(svc, s->err, s->err_size,
			     "takes no settings (got '%s'); grant devices with cse-run --device",
			     s->settings[0].key);
		return -EINVAL;
	}
	if (svc->size < offsetof(struct cse_services, instance_fd) + sizeof(svc->instance_fd) ||
	    svc->instance_fd() < 0) {
		cse_snprintf(svc, s->err, s->err_size,
			     "needs the cse.ko kernel module (no instance fd); load it or drop --device");
		return -ENODEV;
	}
	return 0;
}

static const long dev_syscalls[] = {
	__NR_open, __NR_creat, __NR_openat, __NR_openat2, CSE_SYSCALLS_END
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = 0,
	.name = "dev",
	.description = "open device nodes only through cse.ko's broker",
	.setup = dev_setup,
	.syscalls = dev_syscalls,
	.handle = dev_handle,
};
