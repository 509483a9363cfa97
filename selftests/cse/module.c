// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle, run after every other cse selftest: cse.ko cannot be
 * unloaded while a /dev/cse fd, an instance fd or a proxy fd is open (the
 * kernel answers EWOULDBLOCK for a module in use); every instance the
 * earlier tests created was destroyed (max_instances=1 admits exactly one
 * new instance); with every fd closed the refcount is back to 0; and the
 * module survives 10 unload/load cycles, each checked through /dev/cse.
 * The module is left loaded.
 * CSE_KO names cse.ko (default /cse/kmod/cse.ko, where scripts/vm-run
 * puts it).
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_module.h"

#define CYCLES 10

TEST(rmmod_refused_while_dev_open)
{
	int dev;

	require_module();
	dev = cse_open_or_skip();
	ASSERT_ERRNO(EWOULDBLOCK, delete_module("cse", O_NONBLOCK));
	ASSERT_EQ(0, access("/sys/module/cse", F_OK));
	EXPECT_EQ(0, close(dev));
}

TEST(rmmod_refused_while_instance_open)
{
	int dev, ifd;

	require_module();
	dev = cse_open_or_skip();
	ifd = ASSERT_OK(cse_create(dev, "pin", NULL, 0, 0));
	ASSERT_EQ(0, close(dev));
	ASSERT_ERRNO(EWOULDBLOCK, delete_module("cse", O_NONBLOCK));
	ASSERT_EQ(0, close(ifd));
}

TEST(rmmod_refused_while_proxy_open)
{
	struct cse_dev_grant g;
	int dev, ifd, fd;

	require_module();
	dev = cse_open_or_skip();
	ASSERT_EQ(0, cse_grant_for(&g, "/dev/null", CSE_ACCESS_WRITE));
	ifd = ASSERT_OK(cse_create(dev, "pin-proxy", &g, 1, 0));
	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_WRONLY));
	ASSERT_EQ(0, close(ifd));
	ASSERT_EQ(0, close(dev));
	ASSERT_ERRNO(EWOULDBLOCK, delete_module("cse", O_NONBLOCK));
	ASSERT_EQ(3, write(fd, "abc", 3));
	ASSERT_EQ(0, close(fd));
}

/*
 * Every instance created so far was destroyed: with max_instances at 1,
 * exactly one instance can be created, which holds only when the module
 * counts no other live instance (a leaked one would make it ENOSPC).
 */
TEST(no_instance_leaked)
{
	char old[32];
	int dev, fd, a, b, eb;
	ssize_t n;

	require_module();
	dev = cse_open_or_skip();
	fd = open(CSE_MAX_INSTANCES_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no %s", CSE_MAX_INSTANCES_PARAM);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	ASSERT_LT(0, n);
	old[n] = '\0';
	ASSERT_EQ(0, cse_write_file(CSE_MAX_INSTANCES_PARAM, "1"));
	a = cse_create(dev, "leak-check-1", NULL, 0, 0);
	b = cse_create(dev, "leak-check-2", NULL, 0, 0);
	eb = errno;
	ASSERT_EQ(0, cse_write_file(CSE_MAX_INSTANCES_PARAM, old));
	EXPECT_LE(0, a) {
		TH_LOG("an instance is still alive: create failed with %s", strerror(errno));
	}
	EXPECT_EQ(-1, b);
	EXPECT_EQ(ENOSPC, eb);
	close(a);
	close(dev);
}

/* Nothing from this or any earlier test is still holding the module. */
TEST(refcount_back_to_zero)
{
	require_module();
	ASSERT_EQ(0, refcnt());
}

TEST(unload_load_cycles)
{
	struct cse_version v;
	int i, dev;

	require_module();
	if (access(ko_path(), R_OK))
		SKIP(return, "%s not found (set CSE_KO)", ko_path());
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, delete_module("cse", O_NONBLOCK)) {
			TH_LOG("cycle %d: rmmod cse: %s", i, strerror(errno));
		}
		ASSERT_NE(0, access("/sys/module/cse", F_OK));
		ASSERT_NE(0, access(CSE_DEV_PATH, F_OK));
		ASSERT_EQ(0, load_module(ko_path())) {
			TH_LOG("cycle %d: insmod %s: %s", i, ko_path(), strerror(errno));
		}
		dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev) {
			TH_LOG("cycle %d: open %s: %s", i, CSE_DEV_PATH, strerror(errno));
		}
		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		ASSERT_EQ(0, ioctl(dev, CSE_IOC_VERSION, &v));
		ASSERT_EQ((__u32)CSE_API_VERSION, v.api_version);
		/* Exercise the fresh module a little before unloading it. */
		close(ASSERT_OK(cse_create(dev, "cycle", NULL, 0, 0)));
		ASSERT_EQ(0, close(dev));
		ASSERT_EQ(0, refcnt());
	}
}

TEST_HARNESS_MAIN
