// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The application's instance in cse.ko: CSE_IOC_INSTANCE_CREATE with
 * CSE_CREATE_INHERIT (the instance fd survives the exec of cse-loader and
 * of the program) and the --device grants, then CSE_IOC_JOIN so cse-run's
 * process (which becomes the program) is a member. A missing /dev/cse means
 * the module is not loaded, which is fine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cse.h>

#include "launcher.h"

#define CSE_DEV_PATH "/dev/" CSE_DEVICE_NAME

static int open_dev(void)
{
	int fd = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		return -1;
	if (fd < 0)
		cse_die(CSE_EXIT_FAILURE, "run with --no-kmod to start without the kernel module",
			"cannot open %s: %s", CSE_DEV_PATH, strerror(errno));
	return fd;
}

int cse_kmod_instance(const char *name, const struct cse_dev_grant *grants, size_t n_grants)
{
	struct cse_instance_create c;
	int dev = open_dev();
	int fd;

	if (dev < 0) {
		if (n_grants)
			cse_die(CSE_EXIT_FAILURE, "load it first: insmod kmod/cse.ko (or modprobe cse)",
				"--device needs the cse.ko kernel module (%s not present)", CSE_DEV_PATH);
		cse_info("%s not present: running without the kernel module", CSE_DEV_PATH);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = CSE_CREATE_INHERIT;
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.n_grants = (__u32)n_grants;
	c.grants = (__u64)(uintptr_t)grants;

	fd = ioctl(dev, CSE_IOC_INSTANCE_CREATE, &c);
	if (fd < 0) {
		int e = errno;

		close(dev);
		cse_die(CSE_EXIT_FAILURE,
			e == ENOSPC ? "too many live instances (module parameters max_instances, reserved_instances)" :
			e == EDQUOT ? "this user has too many live instances (module parameter max_user_instances)" :
			e == EPERM && n_grants ? "granting devices (--device) needs CAP_SYS_ADMIN" :
			"run with --no-kmod to start without the kernel module",
			"cannot create instance '%s' in cse.ko: %s", name, strerror(e));
	}
	close(dev);
	if (ioctl(fd, CSE_IOC_JOIN, 0) < 0)
		cse_die(CSE_EXIT_FAILURE, "run with --no-kmod to start without the kernel module",
			"cannot join instance '%s': %s", name, strerror(errno));
	if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
		cse_die(CSE_EXIT_FAILURE, NULL, "instance fd of '%s' is close-on-exec despite CSE_CREATE_INHERIT",
			name);
	cse_info("instance '%s' created in cse.ko (fd %d)", name, fd);
	return fd;
}

int cse_kmod_version(struct cse_kmod_version *v)
{
	struct cse_version ver;
	int dev = open_dev();
	int r;

	if (dev < 0)
		return -1;
	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	r = ioctl(dev, CSE_IOC_VERSION, &ver);
	close(dev);
	if (r < 0)
		return -2;
	v->api_version = ver.api_version;
	v->features = ver.features;
	return 0;
}
