// SPDX-License-Identifier: GPL-2.0
/*
 * Dumps of instances too big for one message. The bug of the issue: a
 * dump sized for the member counts at its start failed with EMSGSIZE when
 * an instance gained members meanwhile. Here one instance grows from 0 to
 * 1,000 members (forked children joining) while a dump reads through 60
 * other instances with a 4 KiB buffer and a minimal socket receive
 * buffer: the dump must complete, deliver the grown instance in parts
 * (CSE_A_CONTINUED) right after each other, flag the change with
 * NLM_F_DUMP_INTR, and a later quiet dump must give exactly the 1,000
 * member pids once each, without the flag. A get answers them in one
 * message.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

#define N_SMALL		60
#define N_MEMBERS	1000

/* One dump, reassembled. */
struct dump {
	int msgs, intr, done, err;
	int bad_cont;		/* CONTINUED not right after its instance */
	uint64_t last_id;
	int parts_of_big;	/* messages carrying the big instance */
	int firsts_of_big;	/* of which first parts */
	uint64_t big, small[N_SMALL];
	int small_seen[N_SMALL];
	uint32_t *pids;		/* members of big, in order received */
	int n_pids;
};

static void take(struct dump *d, struct nlmsghdr *nlh)
{
	struct nlattr *a, *m;
	uint64_t id = 0;
	int rem, mrem, cont = 0, i;

	d->msgs++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr++;
	nl_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					       GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		if (nl_attr_type(a) == CSE_A_INSTANCE_ID)
			id = nl_u64(a);
		if (nl_attr_type(a) == CSE_A_CONTINUED)
			cont = 1;
	}
	if (cont && id != d->last_id)
		d->bad_cont++;
	d->last_id = id;
	for (i = 0; i < N_SMALL; i++)
		if (!cont && id == d->small[i])
			d->small_seen[i]++;
	if (id != d->big)
		return;
	d->parts_of_big++;
	d->firsts_of_big += !cont;
	nl_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					       GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		if (nl_attr_type(a) != CSE_A_MEMBERS)
			continue;
		nl_for_each_attr(m, nl_attr_data(a), nl_attr_len(a), mrem)
			if (d->n_pids < 2 * N_MEMBERS)
				d->pids[d->n_pids++] = nl_u32(m);
	}
}

/* Read one datagram of the dump into d; 0, or -1 on a socket error. */
static int read_part(int sock, struct dump *d)
{
	static char buf[4096];
	struct nlmsghdr *nlh;
	ssize_t n = recv(sock, buf, sizeof(buf), 0);
	int len = n;

	if (n <= 0)
		return -1;
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR) {
			memcpy(&d->err, NLMSG_DATA(nlh), sizeof(int));
			d->done = 1;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				d->intr++;
		} else {
			take(d, nlh);
		}
	}
	return 0;
}

static void dump_reset(struct dump *d)
{
	d->msgs = d->intr = d->done = d->err = d->bad_cont = 0;
	d->last_id = 0;
	d->parts_of_big = d->firsts_of_big = d->n_pids = 0;
	memset(d->small_seen, 0, sizeof(d->small_seen));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Every member pid is one of ours, each exactly once. */
static int pids_match(uint32_t *got, int n, const pid_t *kids, int k)
{
	uint32_t *want = calloc(k, sizeof(*want));
	int i, ok = n == k;

	for (i = 0; i < k; i++)
		want[i] = kids[i];
	qsort(want, k, sizeof(*want), cmp_u32);
	qsort(got, n, sizeof(*got), cmp_u32);
	for (i = 0; ok && i < n; i++)
		ok = got[i] == want[i];
	free(want);
	return ok;
}

TEST_F_TIMEOUT(nl, instance_grows_to_1000_members_during_dump, 240)
{
	static uint32_t pids[2 * N_MEMBERS];
	static pid_t kids[N_MEMBERS];
	struct dump d = { .pids = pids };
	int fds[N_SMALL], big, sock, i, rcvbuf = 1, hold;
	struct nl_instance in;
	struct nl_ack ack;

	for (i = 0; i < N_SMALL; i++) {
		fds[i] = ASSERT_OK(cse_create(self->dev, "split-small", NULL, 0, 0));
		d.small[i] = cse_inst_id(fds[i]);
	}
	/* Created last: the highest id, the dump reaches it last. */
	big = ASSERT_OK(cse_create(self->dev, "split-big", NULL, 0, 0));
	d.big = cse_inst_id(big);
	sock = nl_socket();
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));

	dump_reset(&d);
	ASSERT_EQ(0, nl_start_dump(sock, self->fam.id));
	ASSERT_EQ(0, read_part(sock, &d));
	ASSERT_EQ(0, d.done);
	ASSERT_EQ(0, d.parts_of_big);

	/* The dump is paused on our socket: grow the instance now. */
	hold = cse_members_spawn(big, kids, N_MEMBERS);
	ASSERT_LE(0, hold);

	while (!d.done)
		ASSERT_EQ(0, read_part(sock, &d));
	EXPECT_EQ(0, d.err);
	EXPECT_LE(1, d.intr);
	EXPECT_EQ(0, d.bad_cont);
	for (i = 0; i < N_SMALL; i++)
		EXPECT_EQ(1, d.small_seen[i]);
	EXPECT_EQ(1, d.firsts_of_big);
	EXPECT_LE(2, d.parts_of_big);	/* 8 KB of pids, 4 KB messages */
	EXPECT_TRUE(pids_match(d.pids, d.n_pids, kids, N_MEMBERS));

	/* Quiet now: a clean dump, the same 1,000 pids once each. */
	dump_reset(&d);
	ASSERT_EQ(0, nl_start_dump(sock, self->fam.id));
	while (!d.done)
		ASSERT_EQ(0, read_part(sock, &d));
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(0, d.intr);
	EXPECT_EQ(0, d.bad_cont);
	EXPECT_EQ(1, d.firsts_of_big);
	EXPECT_LE(2, d.parts_of_big);
	EXPECT_TRUE(pids_match(d.pids, d.n_pids, kids, N_MEMBERS));

	/* A get answers the whole instance in one message. */
	ASSERT_EQ(0, nl_get_by_id(self->sock, self->fam.id, d.big, &in, &ack));
	EXPECT_EQ(d.big, in.id);
	EXPECT_EQ(64, in.n_members);	/* what nl_parse_instance keeps */

	EXPECT_EQ(N_MEMBERS, cse_members_release(hold, kids, N_MEMBERS));
	close(sock);
	close(big);
	for (i = 0; i < N_SMALL; i++)
		close(fds[i]);
}

/* Two instances, each with more members than a 4 KiB message holds. */
TEST_F_TIMEOUT(nl, many_split_instances_in_one_dump, 120)
{
	static uint32_t pids[2 * N_MEMBERS];
	struct dump d = { .pids = pids };
	int fds[2], sock, i, rcvbuf = 1, hold[2];
	pid_t kids[2 * 600];

	sock = nl_socket();
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	for (i = 0; i < 2; i++) {
		fds[i] = ASSERT_OK(cse_create(self->dev, "split-many", NULL, 0, 0));
		hold[i] = cse_members_spawn(fds[i], kids + 600 * i, 600);
		ASSERT_LE(0, hold[i]);
	}
	for (i = 0; i < 2; i++) {
		dump_reset(&d);
		d.big = cse_inst_id(fds[i]);
		ASSERT_EQ(0, nl_start_dump(sock, self->fam.id));
		while (!d.done)
			ASSERT_EQ(0, read_part(sock, &d));
		EXPECT_EQ(0, d.err);
		EXPECT_EQ(0, d.intr);
		EXPECT_EQ(0, d.bad_cont);
		EXPECT_EQ(1, d.firsts_of_big);
		EXPECT_LE(2, d.parts_of_big);
		EXPECT_TRUE(pids_match(d.pids, d.n_pids, kids + 600 * i, 600));
	}
	for (i = 0; i < 2; i++)
		cse_members_release(hold[i], kids + 600 * i, 600);
	close(sock);
	for (i = 0; i < 2; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
