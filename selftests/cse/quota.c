// SPDX-License-Identifier: GPL-2.0
/*
 * Admission limits of CSE_IOC_INSTANCE_CREATE: the per-user quota
 * (max_user_instances, EDQUOT), the reserve of the last slots for
 * CAP_SYS_ADMIN (reserved_instances, ENOSPC) and the global limit
 * (max_instances, ENOSPC). Unprivileged creators are forked children that
 * became uid 65534 or 65533 and hold their instances until released, so
 * that two users' counts are alive at once. Module parameters are saved
 * and restored by the fixture. Like abi.c, it expects no other instance
 * alive while it runs.
 */
#include "kselftest_harness.h"
#include "cse_test.h"

/* A child that created instances as some uid and holds them. */
struct holder {
	pid_t pid;
	int release;		/* close it to let the child exit */
	int created;		/* instances it holds */
	int err;		/* errno of the create that failed, or 0 */
};

/* Release ends of the live holders: a new holder must not keep them. */
static int releases[4];
static int n_releases;

/*
 * Fork a child that becomes uid, creates up to n instances (stopping at
 * the first failure), reports, then holds them until released. 0 or -1.
 */
static int hold(struct holder *h, uid_t uid, int n)
{
	int res[2], rel[2], out[2];

	if (pipe(res) || pipe(rel))
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		int dev, i;
		char c;

		close(res[0]);
		close(rel[1]);
		for (i = 0; i < n_releases; i++)
			close(releases[i]);
		out[0] = out[1] = 0;
		if (cse_become(uid, uid))
			_exit(1);
		dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (cse_create(dev, "quota", NULL, 0, 0) < 0) {
				out[1] = errno;
				break;
			}
			out[0]++;
		}
		if (write(res[1], out, sizeof(out)) != sizeof(out))
			_exit(1);
		/* EOF when the parent releases us. */
		while (read(rel[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(res[1]);
	close(rel[0]);
	h->release = rel[1];
	if (n_releases < 4)
		releases[n_releases++] = rel[1];
	if (read(res[0], out, sizeof(out)) != sizeof(out)) {
		close(res[0]);
		return -1;
	}
	close(res[0]);
	h->created = out[0];
	h->err = out[1];
	return 0;
}

/* Let the holder exit and reap it: its instances are gone afterwards. */
static int release(struct holder *h)
{
	int status, i;

	for (i = 0; i < n_releases; i++)
		if (releases[i] == h->release)
			releases[i] = releases[--n_releases];
	close(h->release);
	if (waitpid(h->pid, &status, 0) != h->pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

FIXTURE(quota) {
	int dev;
	char max[32], user[32], reserved[32];
	int saved;
};

FIXTURE_SETUP(quota)
{
	self->dev = cse_open_or_skip();
	if (cse_param_get("max_user_instances", self->user, sizeof(self->user)))
		SKIP(return, "no max_user_instances parameter");
	ASSERT_EQ(0, cse_param_get("max_instances", self->max,
				   sizeof(self->max)));
	ASSERT_EQ(0, cse_param_get("reserved_instances", self->reserved,
				   sizeof(self->reserved)));
	self->saved = 1;
}

FIXTURE_TEARDOWN(quota)
{
	if (self->saved) {
		EXPECT_EQ(0, cse_param_set("max_instances", self->max));
		EXPECT_EQ(0, cse_param_set("max_user_instances", self->user));
		EXPECT_EQ(0, cse_param_set("reserved_instances",
					   self->reserved));
	}
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(quota, defaults)
{
	EXPECT_STREQ("1024", self->max);
	EXPECT_STREQ("128", self->user);
	EXPECT_STREQ("32", self->reserved);
}

/* One more than max_user_instances: EDQUOT; exiting gives them back. */
TEST_F(quota, user_quota_is_edquot_and_given_back)
{
	struct holder h;

	ASSERT_EQ(0, cse_param_set("max_user_instances", "3"));
	ASSERT_EQ(0, hold(&h, NOBODY_UID, 5));
	EXPECT_EQ(3, h.created);
	EXPECT_EQ(EDQUOT, h.err);
	ASSERT_EQ(0, release(&h));

	ASSERT_EQ(0, hold(&h, NOBODY_UID, 3));
	EXPECT_EQ(3, h.created);
	EXPECT_EQ(0, h.err);
	ASSERT_EQ(0, release(&h));
}

/* Closing one instance fd makes room for exactly one more. */
static int close_one_and_retry(void *arg, void *out, size_t len)
{
	int dev, a, b, c;

	(void)arg; (void)out; (void)len;
	dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	a = cse_create(dev, "q-a", NULL, 0, 0);
	b = cse_create(dev, "q-b", NULL, 0, 0);
	if (a < 0 || b < 0)
		return 1000 + errno;
	if (cse_create(dev, "q-c", NULL, 0, 0) >= 0 || errno != EDQUOT)
		return 2000 + errno;
	close(a);
	c = cse_create(dev, "q-c", NULL, 0, 0);
	if (c < 0)
		return 3000 + errno;
	if (cse_create(dev, "q-d", NULL, 0, 0) >= 0 || errno != EDQUOT)
		return 4000 + errno;
	return 0;
}

TEST_F(quota, closing_an_instance_gives_its_slot_back)
{
	ASSERT_EQ(0, cse_param_set("max_user_instances", "2"));
	ASSERT_EQ(0, cse_run_as_nobody(close_one_and_retry, NULL, NULL, 0));
}

/* Two users each get their own quota; root is counted, not limited. */
TEST_F(quota, quota_is_per_uid_and_root_is_exempt)
{
	struct holder a, b;
	int fds[4], i;

	ASSERT_EQ(0, cse_param_set("max_user_instances", "2"));
	ASSERT_EQ(0, hold(&a, NOBODY_UID, 3));
	EXPECT_EQ(2, a.created);
	EXPECT_EQ(EDQUOT, a.err);
	ASSERT_EQ(0, hold(&b, CSE_OTHER_UID, 3));
	EXPECT_EQ(2, b.created);
	EXPECT_EQ(EDQUOT, b.err);
	for (i = 0; i < 4; i++)
		fds[i] = cse_create(self->dev, "q-root", NULL, 0, 0);
	for (i = 0; i < 4; i++) {
		EXPECT_LE(0, fds[i]);
		close(fds[i]);
	}
	ASSERT_EQ(0, release(&a));
	ASSERT_EQ(0, release(&b));
}

/*
 * max_instances 6, the last 2 reserved: unprivileged users together get
 * 4, then ENOSPC (not EDQUOT: their own quota is not the problem); root
 * gets the last 2, then ENOSPC like everyone.
 */
TEST_F(quota, last_slots_are_reserved_for_cap_sys_admin)
{
	struct holder a, b;
	int r1, r2, r3, e3;

	ASSERT_EQ(0, cse_param_set("max_user_instances", "100"));
	ASSERT_EQ(0, cse_param_set("reserved_instances", "2"));
	ASSERT_EQ(0, cse_param_set("max_instances", "6"));
	ASSERT_EQ(0, hold(&a, NOBODY_UID, 3));
	EXPECT_EQ(3, a.created);
	EXPECT_EQ(0, a.err);
	ASSERT_EQ(0, hold(&b, CSE_OTHER_UID, 3));
	EXPECT_EQ(1, b.created);
	EXPECT_EQ(ENOSPC, b.err);
	r1 = cse_create(self->dev, "q-reserve-1", NULL, 0, 0);
	r2 = cse_create(self->dev, "q-reserve-2", NULL, 0, 0);
	r3 = cse_create(self->dev, "q-reserve-3", NULL, 0, 0);
	e3 = errno;
	EXPECT_LE(0, r1);
	EXPECT_LE(0, r2);
	EXPECT_EQ(-1, r3);
	EXPECT_EQ(ENOSPC, e3);
	close(r1);
	close(r2);
	ASSERT_EQ(0, release(&a));
	ASSERT_EQ(0, release(&b));
}

/* A reserve as large as the limit leaves nothing to unprivileged users. */
TEST_F(quota, reserve_of_everything_refuses_unprivileged)
{
	struct holder a;
	int fd;

	ASSERT_EQ(0, cse_param_set("max_instances", "4"));
	ASSERT_EQ(0, cse_param_set("reserved_instances", "4"));
	ASSERT_EQ(0, hold(&a, NOBODY_UID, 1));
	EXPECT_EQ(0, a.created);
	EXPECT_EQ(ENOSPC, a.err);
	ASSERT_EQ(0, release(&a));
	fd = ASSERT_OK(cse_create(self->dev, "q-admin", NULL, 0, 0));
	close(fd);
}

/* The abuse of the issue: one user cannot lock everyone else out. */
TEST_F(quota, one_user_cannot_exhaust_max_instances)
{
	struct holder a, b;
	int fd;

	ASSERT_EQ(0, cse_param_set("max_instances", "40"));
	ASSERT_EQ(0, cse_param_set("max_user_instances", "16"));
	ASSERT_EQ(0, cse_param_set("reserved_instances", "4"));
	ASSERT_EQ(0, hold(&a, NOBODY_UID, 1000));
	EXPECT_EQ(16, a.created);
	EXPECT_EQ(EDQUOT, a.err);
	ASSERT_EQ(0, hold(&b, CSE_OTHER_UID, 1));
	EXPECT_EQ(1, b.created);
	fd = ASSERT_OK(cse_create(self->dev, "q-root", NULL, 0, 0));
	close(fd);
	ASSERT_EQ(0, release(&a));
	ASSERT_EQ(0, release(&b));
}

TEST_HARNESS_MAIN
