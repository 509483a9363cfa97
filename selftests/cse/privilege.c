// SPDX-License-Identifier: GPL-2.0
/*
 * Privilege rules of /dev/cse: any user may open it and create a
 * grant-less instance (its creator uid is reported), but a non-empty
 * device grant list needs CAP_SYS_ADMIN (EPERM). Each case runs in a child
 * that has become uid/gid 65534 (nobody) with every capability dropped.
 */
#include "kselftest_harness.h"
#include "cse_test.h"

static int open_dev(void)
{
	return open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* As nobody: create an instance with one grant; returns the errno. */
static int create_with_grant(void *arg, void *out, size_t len)
{
	struct cse_dev_grant g;
	int dev, ifd;

	(void)arg; (void)out; (void)len;
	dev = open_dev();
	if (dev < 0)
		return errno;
	if (cse_grant_for(&g, "/dev/null", CSE_ACCESS_READ))
		return errno;
	ifd = cse_create(dev, "nobody-grants", &g, 1, 0);
	if (ifd >= 0)
		return 0;
	return errno;
}

/* As nobody: create a grant-less instance and return its info in out. */
static int create_plain(void *arg, void *out, size_t len)
{
	int dev, ifd;

	(void)arg;
	if (len != sizeof(struct cse_instance_info))
		return EINVAL;
	dev = open_dev();
	if (dev < 0)
		return errno;
	ifd = cse_create(dev, "nobody-plain", NULL, 0, 0);
	if (ifd < 0)
		return errno;
	if (cse_info(ifd, out))
		return errno;
	return 0;
}

/* As nobody: CSE_IOC_VERSION works for an unprivileged opener. */
static int version(void *arg, void *out, size_t len)
{
	struct cse_version v = { .size = sizeof(v) };
	int dev;

	(void)arg; (void)out; (void)len;
	dev = open_dev();
	if (dev < 0)
		return errno;
	if (ioctl(dev, CSE_IOC_VERSION, &v))
		return errno;
	return v.api_version == CSE_API_VERSION ? 0 : EPROTO;
}

TEST(nobody_can_open_and_query_version)
{
	close(cse_open_or_skip());
	ASSERT_EQ(0, cse_run_as_nobody(version, NULL, NULL, 0));
}

TEST(nobody_create_with_grants_eperm)
{
	close(cse_open_or_skip());
	ASSERT_EQ(EPERM, cse_run_as_nobody(create_with_grant, NULL, NULL, 0));
}

TEST(nobody_create_without_grants)
{
	struct cse_instance_info info;

	close(cse_open_or_skip());
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, cse_run_as_nobody(create_plain, NULL, &info, sizeof(info)));
	EXPECT_STREQ("nobody-plain", info.name);
	EXPECT_EQ((__u32)NOBODY_UID, info.creator_uid);
	EXPECT_EQ(0U, info.n_grants);
	EXPECT_EQ(0U, info.member_count);
}

TEST(root_create_with_grants)
{
	int dev = cse_open_or_skip();
	struct cse_instance_info info;
	struct cse_dev_grant g;
	int ifd;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	ASSERT_EQ(0, cse_grant_for(&g, "/dev/null", CSE_ACCESS_READ));
	ifd = ASSERT_OK(cse_create(dev, "root-grants", &g, 1, 0));
	ASSERT_EQ(0, cse_info(ifd, &info));
	EXPECT_EQ(0U, info.creator_uid);
	EXPECT_EQ(1U, info.n_grants);
}

TEST_HARNESS_MAIN
