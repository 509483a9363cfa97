// SPDX-License-Identifier: GPL-2.0
/*
 * Dumps into tiny receive buffers across many instances and members:
 * each datagram's length learnt by a 1-byte MSG_PEEK|MSG_TRUNC read, then
 * consumed by a 1- to 16-byte read that truncates it (the whole dump is
 * still seen, through a full peek before); dumps on a socket whose
 * receive buffer is forced to its minimum; dumps abandoned half-way by
 * closing the socket or by the reader's exit (SIGKILL); and a dump
 * paused inside a split instance that is destroyed meanwhile, which must
 * still end in NLMSG_DONE with error 0 and NLM_F_DUMP_INTR.
 */
#include <signal.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

#define N_INST		100
#define N_BIG		1	/* the last ones get many members */
#define N_MEMBERS	600	/* more than a 4 KiB dump skb holds */

/* A dump as the reader saw it. */
struct seen {
	uint64_t ids[N_INST];
	int firsts[N_INST];	/* first parts of each instance */
	int parts[N_INST];	/* all its parts */
	int members[N_INST];	/* member pids over all its parts */
	int done, err, intr, msgs, reads;
};

static void take(struct seen *s, struct nlmsghdr *nlh)
{
	struct nlattr *a, *m;
	int rem, mrem, i, cont = 0, pids = 0;
	uint64_t id = 0;

	s->msgs++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		s->intr++;
	nl_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					       GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		if (nl_attr_type(a) == CSE_A_INSTANCE_ID)
			id = nl_u64(a);
		else if (nl_attr_type(a) == CSE_A_CONTINUED)
			cont = 1;
		else if (nl_attr_type(a) == CSE_A_MEMBERS)
			nl_for_each_attr(m, nl_attr_data(a), nl_attr_len(a), mrem)
				pids++;
	}
	for (i = 0; i < N_INST; i++) {
		if (s->ids[i] != id)
			continue;
		s->firsts[i] += !cont;
		s->parts[i]++;
		s->members[i] += pids;
	}
}

/*
 * Read one datagram: 1-byte peek for its length, full peek to parse it,
 * then a read of 1 to 16 bytes that drops the rest. 0, or -1.
 */
static int read_tiny(int sock, struct seen *s, uint64_t *rng)
{
	static char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	char small[16];
	ssize_t len, n;

	len = recv(sock, small, 1, MSG_PEEK | MSG_TRUNC);
	if (len <= 0 || len > (ssize_t)sizeof(buf))
		return -1;
	n = recv(sock, buf, len, MSG_PEEK);
	if (n != len)
		return -1;
	if (recv(sock, small, 1 + cse_rnd(rng) % 16, MSG_TRUNC) != len)
		return -1;
	s->reads++;
	for (nlh = (void *)buf; NLMSG_OK(nlh, (int)n); nlh = NLMSG_NEXT(nlh, n)) {
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR) {
			memcpy(&s->err, NLMSG_DATA(nlh), sizeof(int));
			s->done = 1;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				s->intr++;
		} else {
			take(s, nlh);
		}
	}
	return 0;
}

static void seen_reset(struct seen *s, const int *fds)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < N_INST; i++)
		s->ids[i] = cse_inst_id(fds[i]);
}

FIXTURE(tiny) {
	int dev, sock;
	int dsock;	/* never read with a big buffer: dump skbs stay 4 KiB */
	struct nl_family_info fam;
	int fds[N_INST];
	int holds[N_BIG];
	pid_t kids[N_BIG][N_MEMBERS];
};

FIXTURE_SETUP(tiny)
{
	int i;

	self->sock = self->dsock = -1;
	for (i = 0; i < N_BIG; i++)
		self->holds[i] = -1;
	self->dev = cse_open_or_skip();
	self->sock = nl_socket();
	ASSERT_LE(0, self->sock);
	if (nl_resolve(self->sock, &self->fam))
		SKIP(return, "generic netlink family \"cse\" is not registered");
	self->dsock = nl_socket();
	ASSERT_LE(0, self->dsock);
	for (i = 0; i < N_INST; i++)
		self->fds[i] = ASSERT_OK(cse_create(self->dev, "tiny", NULL, 0, 0));
}

/* The last N_BIG instances get N_MEMBERS members each (forks: costly). */
#define GROW_BIG(_self) do {						\
	int __i;							\
	for (__i = 0; __i < N_BIG; __i++) {				\
		(_self)->holds[__i] = cse_members_spawn(		\
			(_self)->fds[N_INST - 1 - __i],			\
			(_self)->kids[__i], N_MEMBERS);			\
		ASSERT_LE(0, (_self)->holds[__i]);			\
	}								\
} while (0)

FIXTURE_TEARDOWN(tiny)
{
	int i;

	for (i = 0; i < N_BIG; i++)
		if (self->holds[i] >= 0)
			cse_members_release(self->holds[i], self->kids[i],
					    N_MEMBERS);
	for (i = 0; i < N_INST; i++)
		if (self->fds[i] > 0)
			close(self->fds[i]);
	if (self->sock >= 0)
		close(self->sock);
	if (self->dsock >= 0)
		close(self->dsock);
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F_TIMEOUT(tiny, truncated_reads_still_see_every_instance_and_member, 240)
{
	uint64_t rng = cse_seed("CSE_TINY_SEED");
	int round, i, rcvbuf = 1;
	static struct seen s;

	GROW_BIG(self);

	for (round = 0; round < 2; round++) {
		/* The second round with the smallest receive buffer there is. */
		if (round)
			ASSERT_EQ(0, setsockopt(self->dsock, SOL_SOCKET,
						SO_RCVBUFFORCE, &rcvbuf,
						sizeof(rcvbuf)));
		seen_reset(&s, self->fds);
		ASSERT_EQ(0, nl_start_dump(self->dsock, self->fam.id));
		while (!s.done)
			ASSERT_EQ(0, read_tiny(self->dsock, &s, &rng));
		EXPECT_EQ(0, s.err);
		EXPECT_EQ(0, s.intr);
		for (i = 0; i < N_INST; i++) {
			EXPECT_EQ(1, s.firsts[i]) {
				TH_LOG("round %d: instance %d in %d first parts",
				       round, i, s.firsts[i]);
			}
			EXPECT_EQ(i >= N_INST - N_BIG ? N_MEMBERS : 0,
				  s.members[i]);
		}
		EXPECT_LE(2, s.parts[N_INST - 1]);	/* the big one was split */
	}
}

TEST_F_TIMEOUT(tiny, abandoned_dumps_leave_nothing_behind, 240)
{
	uint64_t rng = cse_seed("CSE_TINY_SEED");
	static struct seen s;
	int i, j, sock, sv[2];
	pid_t pid;
	char c;

	for (i = 0; i < 100; i++) {
		sock = nl_socket();
		ASSERT_LE(0, sock);
		ASSERT_EQ(0, nl_start_dump(sock, self->fam.id));
		seen_reset(&s, self->fds);
		for (j = 0; j < i % 7 && !s.done; j++)
			ASSERT_EQ(0, read_tiny(sock, &s, &rng));
		/* A second dump on a socket with one under way is refused. */
		if (!s.done && i % 2) {
			struct nl_req r;

			nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET,
				    NLM_F_DUMP);
			r.nlh.nlmsg_seq = 2;
			r.nlh.nlmsg_flags |= NLM_F_ACK;
			ASSERT_EQ(0, nl_send(sock, &r));
		}
		close(sock);
	}
	/* Readers killed in the middle of a dump. */
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(sv[0]);
			sock = nl_socket();
			if (sock < 0 || nl_start_dump(sock, self->fam.id) ||
			    read_tiny(sock, &s, &rng) || write(sv[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		close(sv[1]);
		ASSERT_EQ(1, read(sv[0], &c, 1));
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		close(sv[0]);
	}
	/* Nothing stuck: a whole dump still works. */
	seen_reset(&s, self->fds);
	ASSERT_EQ(0, nl_start_dump(self->dsock, self->fam.id));
	while (!s.done)
		ASSERT_EQ(0, read_tiny(self->dsock, &s, &rng));
	EXPECT_EQ(0, s.err);
	for (i = 0; i < N_INST; i++)
		EXPECT_EQ(1, s.firsts[i]);
}

TEST_F_TIMEOUT(tiny, split_instance_destroyed_mid_dump, 240)
{
	uint64_t rng = cse_seed("CSE_TINY_SEED");
	int i, big = N_INST - 1, rcvbuf = 1;
	static struct seen s;

	GROW_BIG(self);

	ASSERT_EQ(0, setsockopt(self->dsock, SOL_SOCKET, SO_RCVBUFFORCE,
				&rcvbuf, sizeof(rcvbuf)));
	seen_reset(&s, self->fds);
	ASSERT_EQ(0, nl_start_dump(self->dsock, self->fam.id));
	/* Read until the dump is inside the last (biggest-id) instance. */
	while (!s.done && !s.members[big])
		ASSERT_EQ(0, read_tiny(self->dsock, &s, &rng));
	ASSERT_EQ(0, s.done);
	ASSERT_GT(N_MEMBERS, s.members[big]);
	/* Its members go, then its last fd. */
	EXPECT_EQ(N_MEMBERS, cse_members_release(self->holds[0], self->kids[0],
						 N_MEMBERS));
	self->holds[0] = -1;
	close(self->fds[big]);
	self->fds[big] = -1;
	while (!s.done)
		ASSERT_EQ(0, read_tiny(self->dsock, &s, &rng));
	EXPECT_EQ(0, s.err);
	EXPECT_LE(1, s.intr);
	for (i = 0; i < N_INST; i++)
		EXPECT_EQ(1, s.firsts[i]);
}

TEST_HARNESS_MAIN
