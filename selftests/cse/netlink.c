// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cse": family and group resolution, complete
 * and consistent dumps (also under concurrent changes), gets by id and by
 * name, the attribute tree after a scripted scenario, counter reset and
 * its privilege check, the events of a scripted scenario in order, and a
 * listener that never reads not stalling anyone. Malformed requests are in
 * netlink_errors.c.
 *
 * Raw netlink sockets (cse_nl.h). SKIP when /dev/cse or the family is
 * absent.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

/*
 * A socket that never read with a big buffer: the kernel sizes dump skbs
 * by the largest recv buffer seen, so 4096-byte reads give many parts.
 */
static int dump_socket(void)
{
	return nl_socket();
}

TEST_F(nl, family_and_events_group_resolve)
{
	EXPECT_NE(0, self->fam.id);
	EXPECT_EQ(CSE_GENL_VERSION, self->fam.version);
	EXPECT_NE(0, self->fam.events_group);
}

/* Dump collection: which of our ids were seen, how often, with what name. */
struct dump_seen {
	uint64_t ids[256];
	char names[256][CSE_NAME_MAX];
	int count[256];
	int n_ids;
	int msgs;
	int intr;
	int unordered;
	uint64_t last_id;
};

static void dump_collect(struct nlmsghdr *nlh, void *arg)
{
	struct dump_seen *d = arg;
	struct nl_instance in;
	int i;

	d->msgs++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr++;
	nl_parse_instance(nlh, &in);
	if (in.id <= d->last_id)
		d->unordered++;
	d->last_id = in.id;
	for (i = 0; i < d->n_ids; i++) {
		if (d->ids[i] != in.id)
			continue;
		d->count[i]++;
		memcpy(d->names[i], in.name, CSE_NAME_MAX);
	}
}

static int dump_all(int sock, uint16_t family, struct dump_seen *d,
		    size_t bufsz, int *parts, struct nl_ack *ack)
{
	struct nl_req r;

	d->msgs = d->intr = d->unordered = 0;
	d->last_id = 0;
	memset(d->count, 0, sizeof(d->count));
	nl_req_init(&r, family, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	return nl_transact(sock, &r, ack, dump_collect, d, bufsz, parts);
}

TEST_F(nl, dump_is_complete_across_parts)
{
	struct dump_seen d = { 0 };
	int fds[50], i, parts;
	struct nl_ack ack;
	char name[CSE_NAME_MAX];
	int sock = dump_socket();

	ASSERT_LE(0, sock);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "nl-dump-%d", i);
		fds[i] = ASSERT_OK(cse_create(self->dev, name, NULL, 0, 0));
		d.ids[i] = cse_inst_id(fds[i]);
		ASSERT_NE(0, d.ids[i]);
	}
	d.n_ids = 50;
	/* A small buffer keeps the dump skbs small: several parts. */
	ASSERT_EQ(0, dump_all(sock, self->fam.id, &d, 4096, &parts, &ack));
	ASSERT_EQ(0, ack.error);
	EXPECT_LE(2, parts);
	EXPECT_EQ(0, d.intr);
	EXPECT_EQ(0, d.unordered);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "nl-dump-%d", i);
		EXPECT_EQ(1, d.count[i]);
		EXPECT_STREQ(name, d.names[i]);
	}
	for (i = 0; i < 50; i++)
		close(fds[i]);
	close(sock);
}

TEST_F(nl, dump_change_between_parts_is_flagged)
{
	static char buf[4096];
	int fds[120], i, extra = -1, intr = 0, done = 0, recvs = 0;
	int sock = dump_socket();
	struct nl_req r;

	ASSERT_LE(0, sock);

	for (i = 0; i < 120; i++)
		fds[i] = ASSERT_OK(cse_create(self->dev, "nl-intr", NULL, 0, 0));
	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	ASSERT_EQ(0, nl_send(sock, &r));
	while (!done) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		int len = n;

		ASSERT_LT(0, n);
		/* The next part is built during this recv: change after it. */
		if (++recvs == 1)
			extra = ASSERT_OK(cse_create(self->dev, "nl-intr-x",
						     NULL, 0, 0));
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr++;
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR)
				done = 1;
		}
	}
	EXPECT_LE(3, recvs);
	EXPECT_LE(1, intr);
	close(extra);
	for (i = 0; i < 120; i++)
		close(fds[i]);
	close(sock);
}

struct churn {
	int dev;
	atomic_int stop;
	atomic_int rounds;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		int fd = cse_create(c->dev, "nl-churn", NULL, 0, 0);

		if (fd >= 0) {
			ioctl(fd, CSE_IOC_JOIN, 0);
			close(fd);
		}
		atomic_fetch_add(&c->rounds, 1);
	}
	return NULL;
}

TEST_F(nl, dump_under_churn_is_consistent_or_flagged)
{
	struct churn c = { .dev = self->dev };
	struct dump_seen d = { 0 };
	int fds[50], i, k, clean = 0, flagged = 0, parts;
	struct nl_ack ack;
	int sock = dump_socket();
	pthread_t th;

	ASSERT_LE(0, sock);
	for (i = 0; i < 50; i++) {
		fds[i] = ASSERT_OK(cse_create(self->dev, "nl-stable", NULL, 0, 0));
		d.ids[i] = cse_inst_id(fds[i]);
	}
	d.n_ids = 50;
	ASSERT_EQ(0, pthread_create(&th, NULL, churn_thread, &c));
	for (k = 0; k < 200; k++) {
		ASSERT_EQ(0, dump_all(sock, self->fam.id, &d, 4096, &parts,
				      &ack));
		ASSERT_EQ(0, ack.error);
		if (d.intr) {
			flagged++;
			continue;
		}
		clean++;
		/* Unflagged: every stable instance exactly once, in order. */
		EXPECT_EQ(0, d.unordered);
		for (i = 0; i < 50; i++)
			ASSERT_EQ(1, d.count[i]) {
				TH_LOG("dump %d: instance %llu seen %d times",
				       k, (unsigned long long)d.ids[i],
				       d.count[i]);
			}
	}
	atomic_store(&c.stop, 1);
	pthread_join(th, NULL);
	TH_LOG("%d clean dumps, %d flagged, %d churn rounds", clean, flagged,
	       atomic_load(&c.rounds));
	for (i = 0; i < 50; i++)
		close(fds[i]);
	close(sock);
}

TEST_F(nl, get_by_id_and_by_name)
{
	struct nl_instance in;
	struct nl_ack ack;
	struct nl_req r;
	uint64_t id;
	int ifd;

	ifd = ASSERT_OK(cse_create(self->dev, "nl-get-one", NULL, 0, 0));
	id = cse_inst_id(ifd);
	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, id, &in, &ack));
	EXPECT_EQ(id, in.id);
	EXPECT_STREQ("nl-get-one", in.name);
	EXPECT_EQ(getuid(), in.creator_uid);
	EXPECT_NE(0, in.ctime_ns);

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, "nl-get-one");
	memset(&in, 0, sizeof(in));
	ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, nl_get_one, &in,
				 NL_BUF_SIZE, NULL));
	ASSERT_EQ(0, ack.error);
	EXPECT_EQ(id, in.id);
	EXPECT_STREQ("nl-get-one", in.name);
	close(ifd);
}

/* Child member: joins, reports readiness, waits until the pipe closes. */
static pid_t spawn_member(int ifd, int *hold)
{
	pid_t pid;

	*hold = cse_members_spawn(ifd, &pid, 1);
	return *hold < 0 ? -1 : pid;
}

TEST_F(nl, scenario_members_grants_counters)
{
	struct cse_element_calls calls[2] = {
		{ .name = "trace", .calls = 11 },
		{ .name = "fs", .calls = 4 },
	};
	struct cse_syscall_report rep = {
		.size = sizeof(rep), .n_entries = 2,
		.entries = (uintptr_t)calls,
	};
	struct cse_dev_grant g[2];
	struct nl_instance in;
	struct nl_ack ack;
	struct nl_req r;
	char buf[16];
	int ifd, nfd, zfd, hold, i, found = 0;
	pid_t child;
	uint64_t id;

	ASSERT_EQ(0, cse_grant_for(&g[0], "/dev/null", CSE_ACCESS_ALL));
	ASSERT_EQ(0, cse_grant_for(&g[1], "/dev/zero", CSE_ACCESS_READ));
	ifd = ASSERT_OK(cse_create(self->dev, "nl-scenario", g, 2, 0));
	id = cse_inst_id(ifd);
	ASSERT_OK(ioctl(ifd, CSE_IOC_JOIN, 0));
	child = spawn_member(ifd, &hold);
	ASSERT_LT(0, child);

	nfd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_WRONLY));
	ASSERT_EQ(10, write(nfd, "0123456789", 10));
	zfd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY));
	ASSERT_EQ(5, read(zfd, buf, 5));
	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/full", O_RDONLY));
	ASSERT_OK(ioctl(ifd, CSE_IOC_REPORT_SYSCALLS, &rep));

	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, id, &in, &ack));
	ASSERT_EQ(2, in.n_members);
	EXPECT_EQ(getpid(), in.members[0]);
	EXPECT_EQ(child, in.members[1]);
	ASSERT_EQ(2, in.n_grants);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(g[i].type, in.grants[i].type);
		EXPECT_EQ(g[i].major, in.grants[i].major);
		EXPECT_EQ(g[i].minor, in.grants[i].minor);
		EXPECT_EQ(g[i].access, in.grants[i].access);
	}
	EXPECT_EQ(2, in.counters[0]);
	EXPECT_EQ(1, in.counters[1]);
	EXPECT_EQ(5, in.counters[2]);
	EXPECT_EQ(10, in.counters[3]);
	ASSERT_EQ(2, in.n_elements);
	EXPECT_STREQ("trace", in.elements[0].name);
	EXPECT_EQ(11, in.elements[0].calls);
	EXPECT_STREQ("fs", in.elements[1].name);
	EXPECT_EQ(4, in.elements[1].calls);

	/* The child exits: it is no longer listed. */
	close(hold);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, id, &in, &ack));
	ASSERT_EQ(1, in.n_members);
	EXPECT_EQ(getpid(), in.members[0]);

	/* Reset zeroes every counter and keeps the element names. */
	nl_req_init(&r, self->fam.id, CSE_CMD_COUNTERS_RESET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, id);
	ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, NULL, NULL,
				 NL_BUF_SIZE, NULL));
	ASSERT_EQ(0, ack.error);
	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, id, &in, &ack));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, in.counters[i]);
	ASSERT_EQ(2, in.n_elements);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, in.elements[i].calls);
		found += !strcmp(in.elements[i].name, calls[i].name);
	}
	EXPECT_EQ(2, found);
	close(nfd);
	close(zfd);
	close(ifd);
}

/* An event socket subscribed to "events". */
static int event_socket(uint32_t group, int rcvbuf)
{
	int fd = nl_socket();

	if (fd < 0)
		return -1;
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				 sizeof(rcvbuf)))
		return -1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -1;
	return fd;
}

TEST_F(nl, events_of_a_scenario_in_order)
{
	struct cse_dev_grant g, full;
	struct nl_event ev;
	int efd, ifd, nfd;
	uint64_t id;

	efd = event_socket(self->fam.events_group, 0);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, cse_grant_for(&g, "/dev/null", CSE_ACCESS_ALL));
	ASSERT_EQ(0, cse_grant_for(&full, "/dev/full", CSE_ACCESS_READ));
	ifd = ASSERT_OK(cse_create(self->dev, "nl-events", &g, 1, 0));
	id = cse_inst_id(ifd);
	ASSERT_OK(ioctl(ifd, CSE_IOC_JOIN, 0));
	nfd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDWR));
	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/full", O_RDONLY));
	ASSERT_OK(ioctl(ifd, CSE_IOC_LEAVE, 0));
	close(nfd);
	close(ifd);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_INSTANCE_NEW, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_STREQ("nl-events", ev.name);
	EXPECT_EQ(0, ev.has_pid);
	EXPECT_EQ(0, ev.has_dev);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_MEMBER_JOIN, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_EQ(1, ev.has_pid);
	EXPECT_EQ(getpid(), ev.pid);
	EXPECT_EQ(0, ev.has_dev);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_DEV_GRANTED, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_STREQ("nl-events", ev.name);
	EXPECT_EQ(getpid(), ev.pid);
	EXPECT_EQ(5, ev.has_dev);
	EXPECT_EQ(CSE_DEV_CHAR, ev.type);
	EXPECT_EQ(g.major, ev.major);
	EXPECT_EQ(g.minor, ev.minor);
	EXPECT_EQ(CSE_ACCESS_ALL, ev.access);
	EXPECT_STREQ("/dev/null", ev.path);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_DEV_DENIED, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_EQ(getpid(), ev.pid);
	EXPECT_EQ(5, ev.has_dev);
	EXPECT_EQ(CSE_DEV_CHAR, ev.type);
	EXPECT_EQ(full.major, ev.major);
	EXPECT_EQ(full.minor, ev.minor);
	EXPECT_EQ(CSE_ACCESS_READ, ev.access);
	EXPECT_STREQ("/dev/full", ev.path);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_MEMBER_LEAVE, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_EQ(getpid(), ev.pid);

	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_INSTANCE_DEL, ev.cmd);
	EXPECT_EQ(id, ev.id);
	EXPECT_STREQ("nl-events", ev.name);
	EXPECT_EQ(0, ev.has_pid);
	close(efd);
}

TEST_F(nl, event_denied_non_device_has_type_0)
{
	struct nl_event ev;
	int efd, ifd;

	efd = event_socket(self->fam.events_group, 0);
	ASSERT_LE(0, efd);
	ifd = ASSERT_OK(cse_create(self->dev, "nl-nodev", NULL, 0, 0));
	ASSERT_ERRNO(ENODEV, cse_dev_open(ifd, AT_FDCWD, "/proc/self/stat",
					  O_WRONLY));
	ASSERT_EQ(0, nl_next_event(efd, &ev));
	ASSERT_EQ(CSE_CMD_INSTANCE_NEW, ev.cmd);
	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_DEV_DENIED, ev.cmd);
	EXPECT_EQ(5, ev.has_dev);
	EXPECT_EQ(0, ev.type);
	EXPECT_EQ(0, ev.major);
	EXPECT_EQ(0, ev.minor);
	EXPECT_EQ(CSE_ACCESS_WRITE, ev.access);
	EXPECT_STREQ("/proc/self/stat", ev.path);
	close(ifd);
	close(efd);
}

TEST_F(nl, event_member_leave_when_member_exits)
{
	struct nl_event ev;
	int efd, ifd, hold;
	pid_t child;

	ifd = ASSERT_OK(cse_create(self->dev, "nl-exit", NULL, 0, 0));
	child = spawn_member(ifd, &hold);
	ASSERT_LT(0, child);
	efd = event_socket(self->fam.events_group, 0);
	ASSERT_LE(0, efd);
	close(hold);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	/* Looking at the member set drops the exited member. */
	{
		struct cse_instance_info info;

		ASSERT_OK(cse_info(ifd, &info));
		EXPECT_EQ(0, info.member_count);
	}
	ASSERT_EQ(0, nl_next_event(efd, &ev));
	EXPECT_EQ(CSE_CMD_MEMBER_LEAVE, ev.cmd);
	EXPECT_EQ(child, ev.pid);
	close(ifd);
	close(efd);
}

struct reader {
	int fd;
	int events;
	uint64_t lo, hi;	/* count instance events with ids in [lo, hi] */
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	struct nl_event ev;

	while (nl_next_event(rd->fd, &ev) == 0)
		if (ev.cmd == CSE_CMD_INSTANCE_DEL && ev.id >= rd->lo &&
		    ev.id <= rd->hi)
			rd->events++;
	return NULL;
}

/* 2,000 instances with events: over the 30 s default on the debug kernel. */
TEST_F_TIMEOUT(nl, listener_that_never_reads_stalls_nobody, 120)
{
	struct reader rd = { 0 };
	int stuck, i, n = 2000, fd;
	uint64_t first = 0, last = 0;
	char c;
	pthread_t th;

	stuck = event_socket(self->fam.events_group, 1);	/* minimum */
	ASSERT_LE(0, stuck);
	rd.fd = event_socket(self->fam.events_group, 8 << 20);
	ASSERT_LE(0, rd.fd);
	rd.lo = 1;
	rd.hi = UINT64_MAX;
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &rd));
	alarm(100);	/* a stall fails the test instead of hanging it */
	for (i = 0; i < n; i++) {
		fd = ASSERT_OK(cse_create(self->dev, "nl-flood", NULL, 0, 0));
		if (!first)
			first = cse_inst_id(fd);
		last = cse_inst_id(fd);
		close(fd);
	}
	alarm(0);
	/* The reader stops 5 s after the last event. */
	pthread_join(th, NULL);
	EXPECT_LE(first, last);
	EXPECT_EQ(n, rd.events);
	/* The stuck listener lost events instead of blocking anyone. */
	ASSERT_ERRNO(ENOBUFS, recv(stuck, &c, 1, MSG_DONTWAIT));
	close(stuck);
	close(rd.fd);
}

TEST_HARNESS_MAIN
