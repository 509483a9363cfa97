// SPDX-License-Identifier: GPL-2.0
/*
 * Instance lifetime and membership: a forked child inherits the instance
 * fd and can use it; JOIN/LEAVE follow the spec (joining twice is a no-op,
 * leaving as a non-member is ENOENT, the argument must be 0); the member
 * count follows members that exit normally or are SIGKILLed; and an
 * instance outlives its creator's fds while a proxy fd still refers to it.
 */
#include <signal.h>

#include "kselftest_harness.h"
#include "cse_test.h"

static __u32 members(int ifd)
{
	struct cse_instance_info info;

	if (cse_info(ifd, &info))
		return (__u32)-1;
	return info.member_count;
}

TEST(fork_child_inherits_instance_fd)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "forked", NULL, 0, 0));
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cse_instance_info info;

		if (cse_info(ifd, &info))
			_exit(1);
		_exit(strcmp(info.name, "forked") ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(join_leave)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "join", NULL, 0, 0));

	ASSERT_EQ(0U, members(ifd));
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	EXPECT_EQ(1U, members(ifd));
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_LEAVE, 0));
	EXPECT_EQ(0U, members(ifd));
}

TEST(double_join_is_noop)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "join2", NULL, 0, 0));

	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	EXPECT_EQ(1U, members(ifd));
	/* One LEAVE undoes both joins. */
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_LEAVE, 0));
	EXPECT_EQ(0U, members(ifd));
}

TEST(leave_non_member_enoent)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "leave", NULL, 0, 0));

	ASSERT_ERRNO(ENOENT, ioctl(ifd, CSE_IOC_LEAVE, 0));
}

TEST(leave_twice_enoent)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "leave2", NULL, 0, 0));

	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_LEAVE, 0));
	ASSERT_ERRNO(ENOENT, ioctl(ifd, CSE_IOC_LEAVE, 0));
}

TEST(join_nonzero_arg_einval)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "joinarg", NULL, 0, 0));

	ASSERT_ERRNO(EINVAL, ioctl(ifd, CSE_IOC_JOIN, 1));
	EXPECT_EQ(0U, members(ifd));
}

TEST(leave_nonzero_arg_einval)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "leavearg", NULL, 0, 0));

	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	ASSERT_ERRNO(EINVAL, ioctl(ifd, CSE_IOC_LEAVE, 1));
	EXPECT_EQ(1U, members(ifd));
}

/* Threads of one process are one member: the thread group joins. */
TEST(member_is_the_thread_group)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "tgid", NULL, 0, 0));
	int status;
	pid_t pid;

	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	/* A child process is a different member. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ioctl(ifd, CSE_IOC_JOIN, 0) ? 1 : members(ifd) == 2 ? 0 : 2);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* It exited, so only we are left. */
	EXPECT_EQ(1U, members(ifd));
}

#define N_CHILDREN 4

/*
 * Start N_CHILDREN members that wait on a pipe; exit one normally, kill one
 * with SIGKILL, and watch the count follow after each waitpid().
 */
TEST(member_count_follows_exits)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "exits", NULL, 0, 0));
	int ready[2], go[N_CHILDREN][2];
	pid_t pid[N_CHILDREN];
	int i, status;
	char c;

	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < N_CHILDREN; i++) {
		ASSERT_EQ(0, pipe(go[i]));
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			int j;

			/* Keep only our own end, so parent's close means EOF. */
			for (j = 0; j <= i; j++)
				close(go[j][1]);
			close(ready[0]);
			c = ioctl(ifd, CSE_IOC_JOIN, 0) ? 'e' : 'j';
			if (write(ready[1], &c, 1) != 1)
				_exit(3);
			/* Wait for the parent to say "exit" (or to go away). */
			if (read(go[i][0], &c, 1) < 0)
				_exit(4);
			_exit(0);
		}
		close(go[i][0]);
	}
	close(ready[1]);
	for (i = 0; i < N_CHILDREN; i++) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
		ASSERT_EQ('j', c);
	}
	EXPECT_EQ((__u32)N_CHILDREN, members(ifd));

	/* Child 0 exits normally. */
	ASSERT_EQ(1, write(go[0][1], "x", 1));
	ASSERT_EQ(pid[0], waitpid(pid[0], &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ((__u32)N_CHILDREN - 1, members(ifd));

	/* Child 1 is killed. */
	ASSERT_EQ(0, kill(pid[1], SIGKILL));
	ASSERT_EQ(pid[1], waitpid(pid[1], &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ((__u32)N_CHILDREN - 2, members(ifd));

	/* The parent joins and leaves without disturbing the others. */
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_JOIN, 0));
	EXPECT_EQ((__u32)N_CHILDREN - 1, members(ifd));
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_LEAVE, 0));

	/* The rest exit when their pipe closes. */
	for (i = 2; i < N_CHILDREN; i++) {
		close(go[i][1]);
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
	}
	EXPECT_EQ(0U, members(ifd));
}

/* A member that exits while still holding the instance fd is dropped too. */
TEST(member_exit_without_leave_then_rejoin)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "rejoin", NULL, 0, 0));
	int i, status;

	for (i = 0; i < 20; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(ioctl(ifd, CSE_IOC_JOIN, 0) ? 1 : 0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
		ASSERT_EQ(0U, members(ifd));
	}
}

TEST(instance_outlives_creator_fd_via_proxy)
{
	int dev = cse_open_or_skip();
	struct cse_dev_grant g;
	char buf[16];
	int ifd, fd;

	if (geteuid() != 0)
		SKIP(return, "grants need CAP_SYS_ADMIN");
	ASSERT_EQ(0, cse_grant_for(&g, "/dev/zero", CSE_ACCESS_READ));
	ifd = ASSERT_OK(cse_create(dev, "outlive", &g, 1, 0));
	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY));
	ASSERT_EQ(0, close(ifd));
	ASSERT_EQ(0, close(dev));
	/* The proxy still works, and still counts into the live instance. */
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ(0, close(fd));
}

TEST(instance_outlives_creator_in_child)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "handoff", NULL, 0, 0));
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Give the parent time to drop its fds. */
		usleep(200000);
		_exit(members(ifd) == 0 ? 0 : 1);
	}
	ASSERT_EQ(0, close(ifd));
	ASSERT_EQ(0, close(dev));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
