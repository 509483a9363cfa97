// SPDX-License-Identifier: GPL-2.0
/*
 * Only the creator's uid may report element syscall counts. The abuse
 * case of the issue: uid 65534 creates an instance and passes its fd over
 * a unix socket (SCM_RIGHTS) to uid 65533, which may use it (INFO, JOIN)
 * but gets EPERM for every report, so it can neither take the
 * CSE_ELEMENTS_MAX slots nor touch the counters; the owner then reports
 * all 16 elements of its own. Root that is not the creator is refused
 * too (the rule is the uid, not a capability). The result is checked
 * over netlink as root. Member slots likewise: the other user's
 * processes get CSE_MEMBERS_FOREIGN_MAX of them, the owner still joins.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

#define OWNER_UID	NOBODY_UID

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A report of n elements named prefix0.. with calls each; errno or 0. */
static int report(int ifd, const char *prefix, unsigned int n, uint64_t calls)
{
	struct cse_element_calls e[CSE_ELEMENTS_MAX];
	struct cse_syscall_report r = {
		.size = sizeof(r), .n_entries = n, .entries = (uintptr_t)e,
	};
	unsigned int i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < n; i++) {
		snprintf(e[i].name, sizeof(e[i].name), "%s%u", prefix, i);
		e[i].calls = calls;
	}
	return ioctl(ifd, CSE_IOC_REPORT_SYSCALLS, &r) ? errno : 0;
}

/*
 * The other user: receives the fd, uses it, tries to fill the slots.
 * Exit status: 0, or the number of the step that went wrong.
 */
static int other_user(int sock)
{
	struct cse_instance_info info;
	struct cse_syscall_report empty = { .size = sizeof(empty) };
	int ifd, i;
	char c;

	if (cse_become(CSE_OTHER_UID, CSE_OTHER_UID))
		return 1;
	ifd = recv_fd(sock);
	if (ifd < 0)
		return 2;
	if (cse_info(ifd, &info) || info.creator_uid != OWNER_UID)
		return 3;
	if (ioctl(ifd, CSE_IOC_JOIN, 0))
		return 4;
	/* Every way of filling the slots: all refused before anything. */
	if (report(ifd, "junk", CSE_ELEMENTS_MAX, 1) != EPERM)
		return 5;
	for (i = 0; i < 2 * CSE_ELEMENTS_MAX; i++)
		if (report(ifd, i & 1 ? "x" : "y", 1, 1000) != EPERM)
			return 6;
	if (ioctl(ifd, CSE_IOC_REPORT_SYSCALLS, &empty) >= 0 || errno != EPERM)
		return 7;
	if (send(sock, "d", 1, 0) != 1)
		return 8;
	/* Stay a member until the parent has looked. */
	while (read(sock, &c, 1) > 0)
		;
	return 0;
}

/* The owner: creates, passes the fd on, reports after the other user. */
static int owner(int to_other, int to_parent)
{
	int dev, ifd;
	uint64_t id;
	char c;

	if (cse_become(OWNER_UID, OWNER_UID))
		return 1;
	dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return 2;
	ifd = cse_create(dev, "owner-report", NULL, 0, 0);
	if (ifd < 0)
		return 3;
	if (send_fd(to_other, ifd))
		return 4;
	if (read(to_other, &c, 1) != 1)
		return 5;
	/* All slots are still ours. */
	if (report(ifd, "el", CSE_ELEMENTS_MAX, 7))
		return 6;
	{
		struct cse_instance_info info;

		if (cse_info(ifd, &info))
			return 7;
		id = info.id;
	}
	if (write(to_parent, &id, sizeof(id)) != sizeof(id))
		return 8;
	while (read(to_parent, &c, 1) > 0)
		;
	return 0;
}

TEST_F(nl, scm_rights_receiver_cannot_fill_report_slots)
{
	struct nl_instance in;
	struct nl_ack ack;
	int sv[2], pv[2], i;
	pid_t o, x;
	uint64_t id = 0;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pv));
	x = fork();
	ASSERT_LE(0, x);
	if (x == 0) {
		close(sv[0]);
		close(pv[0]);
		close(pv[1]);
		_exit(other_user(sv[1]));
	}
	o = fork();
	ASSERT_LE(0, o);
	if (o == 0) {
		close(sv[1]);
		close(pv[0]);
		_exit(owner(sv[0], pv[1]));
	}
	close(pv[1]);
	ASSERT_EQ(sizeof(id), read(pv[0], &id, sizeof(id))) {
		TH_LOG("owner exited with %d, other user with %d",
		       cse_wait_status(o), cse_wait_status(x));
	}

	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, id, &in, &ack));
	EXPECT_EQ((uint32_t)OWNER_UID, in.creator_uid);
	/* The other user is a member: it could use the instance. */
	ASSERT_EQ(1, in.n_members);
	EXPECT_EQ(x, in.members[0]);
	ASSERT_EQ(CSE_ELEMENTS_MAX, in.n_elements);
	for (i = 0; i < CSE_ELEMENTS_MAX; i++) {
		char name[CSE_ELEMENT_NAME_MAX];

		snprintf(name, sizeof(name), "el%d", i);
		EXPECT_STREQ(name, in.elements[i].name);
		EXPECT_EQ(7, in.elements[i].calls);
	}
	close(pv[0]);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, cse_wait_status(o));
	EXPECT_EQ(0, cse_wait_status(x));
}

/*
 * Member slots: the other user's processes get at most
 * CSE_MEMBERS_FOREIGN_MAX, the owner still joins. Each of the other
 * user's joiners writes 'j' (joined) or 'n' (ENOSPC) to @res and, when
 * joined, waits for @hold to close.
 */
static int other_user_joins(int sock, int res, int hold, int n)
{
	int ifd, i;
	char c;

	if (cse_become(CSE_OTHER_UID, CSE_OTHER_UID))
		return 1;
	ifd = recv_fd(sock);
	if (ifd < 0)
		return 2;
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return 3;
		if (p)
			continue;
		c = !ioctl(ifd, CSE_IOC_JOIN, 0) ? 'j' :
		    errno == ENOSPC ? 'n' : 'x';
		if (write(res, &c, 1) != 1)
			_exit(1);
		while (c == 'j' && read(hold, &c, 1) > 0)
			;
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

static int owner_joins_last(int to_other, int to_parent)
{
	struct cse_instance_info info;
	int dev, ifd, out[2];
	char c;

	if (cse_become(OWNER_UID, OWNER_UID))
		return 1;
	dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
	ifd = cse_create(dev, "owner-members", NULL, 0, 0);
	if (ifd < 0 || send_fd(to_other, ifd))
		return 2;
	if (read(to_parent, &c, 1) != 1)
		return 3;
	out[0] = ioctl(ifd, CSE_IOC_JOIN, 0) ? errno : 0;
	out[1] = cse_info(ifd, &info) ? -1 : (int)info.member_count;
	if (write(to_parent, out, sizeof(out)) != sizeof(out))
		return 4;
	while (read(to_parent, &c, 1) > 0)
		;
	return 0;
}

TEST_F_TIMEOUT(nl, scm_rights_receiver_cannot_take_every_member_slot, 180)
{
	int sv[2], pv[2], res[2], hold[2], i, joined = 0, refused = 0, out[2];
	int n = CSE_MEMBERS_FOREIGN_MAX + 50;
	pid_t o, x;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pv));
	ASSERT_EQ(0, pipe(res));
	ASSERT_EQ(0, pipe(hold));
	x = fork();
	ASSERT_LE(0, x);
	if (x == 0) {
		close(sv[0]);
		close(pv[0]);
		close(pv[1]);
		close(res[0]);
		close(hold[1]);
		_exit(other_user_joins(sv[1], res[1], hold[0], n));
	}
	o = fork();
	ASSERT_LE(0, o);
	if (o == 0) {
		close(sv[1]);
		close(pv[0]);
		close(res[0]);
		close(res[1]);
		close(hold[0]);
		close(hold[1]);
		_exit(owner_joins_last(sv[0], pv[1]));
	}
	close(pv[1]);
	close(res[1]);
	close(hold[0]);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, read(res[0], &c, 1));
		joined += c == 'j';
		refused += c == 'n';
	}
	EXPECT_EQ(CSE_MEMBERS_FOREIGN_MAX, joined);
	EXPECT_EQ(n - CSE_MEMBERS_FOREIGN_MAX, refused);
	ASSERT_EQ(1, write(pv[0], "j", 1));
	ASSERT_EQ(sizeof(out), read(pv[0], out, sizeof(out)));
	EXPECT_EQ(0, out[0]);
	EXPECT_EQ(CSE_MEMBERS_FOREIGN_MAX + 1, out[1]);
	close(hold[1]);
	close(pv[0]);
	close(sv[0]);
	close(sv[1]);
	close(res[0]);
	EXPECT_EQ(0, cse_wait_status(o));
	EXPECT_EQ(0, cse_wait_status(x));
}

/* Root holding another user's instance fd is refused as well. */
TEST_F(nl, root_that_is_not_the_creator_cannot_report)
{
	struct cse_instance_info info;
	int sv[2], ifd;
	pid_t o;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	o = fork();
	ASSERT_LE(0, o);
	if (o == 0) {
		int dev, fd;

		close(sv[0]);
		if (cse_become(OWNER_UID, OWNER_UID))
			_exit(1);
		dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		fd = cse_create(dev, "owner-root", NULL, 0, 0);
		if (fd < 0 || send_fd(sv[1], fd))
			_exit(2);
		if (read(sv[1], &c, 1) != 1 || report(fd, "own", 1, 3))
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	ifd = recv_fd(sv[0]);
	ASSERT_LE(0, ifd);
	ASSERT_OK(cse_info(ifd, &info));
	EXPECT_EQ((uint32_t)OWNER_UID, info.creator_uid);
	EXPECT_EQ(EPERM, report(ifd, "root", 1, 1));
	ASSERT_EQ(1, write(sv[0], "r", 1));
	EXPECT_EQ(0, cse_wait_status(o));
	close(sv[0]);
	close(ifd);
}

/* The creator reports through an fd it got back over SCM_RIGHTS too. */
TEST_F(nl, creator_reports_through_a_passed_fd)
{
	int sv[2], ifd, fd;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ifd = ASSERT_OK(cse_create(self->dev, "owner-self", NULL, 0, 0));
	ASSERT_EQ(0, send_fd(sv[0], ifd));
	fd = recv_fd(sv[1]);
	ASSERT_LE(0, fd);
	close(ifd);
	EXPECT_EQ(0, report(fd, "mine", 2, 5));
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
