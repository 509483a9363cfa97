// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink abuse: requests of the largest size a socket can send, attributes
 * nested a thousand deep, lengths that lie, and CSE_NL_FUZZ_MSGS (default
 * 5,000) random requests, each answered by an error or a valid reply
 * while the socket keeps working (CSE_NL_FUZZ_SEED replays a run).
 * dump_tiny has the dumps read through tiny buffers.
 */
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

#define BIG_MSG		(1 << 20)

/* A request in a buffer of its own size: up to BIG_MSG bytes. */
struct big_req {
	struct nlmsghdr nlh;
	char body[BIG_MSG];
};

static struct big_req big;

static void big_init(uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g = (void *)big.body;

	memset(&big.nlh, 0, sizeof(big.nlh));
	big.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	big.nlh.nlmsg_type = family;
	big.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	big.nlh.nlmsg_seq = 77;
	memset(g, 0, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = CSE_GENL_VERSION;
}

/* Append an attribute header and len bytes of fill; returns it. */
static struct nlattr *big_put(uint16_t type, size_t len, int fill)
{
	struct nlattr *a = (void *)((char *)&big + NLMSG_ALIGN(big.nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memset(a + 1, fill, len);
	big.nlh.nlmsg_len = NLMSG_ALIGN(big.nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

/* Send the big request and read its ack: the error, or 1 on a socket error. */
static int big_send(int sock)
{
	static char buf[NL_BUF_SIZE];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(sock, &big, big.nlh.nlmsg_len, 0, (void *)&sa,
		   sizeof(sa)) != (ssize_t)big.nlh.nlmsg_len)
		return 1;
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (void *)buf;

		if (n <= 0)
			return 1;
		for (; NLMSG_OK(nlh, (int)n); nlh = NLMSG_NEXT(nlh, n))
			if (nlh->nlmsg_seq == 77 &&
			    (nlh->nlmsg_type == NLMSG_ERROR ||
			     nlh->nlmsg_type == NLMSG_DONE))
				return *(int *)NLMSG_DATA(nlh);
	}
}

/* The socket still works: a get of a live instance answers it. */
#define ASSERT_STILL_ANSWERS(_self, _id) do {				\
	struct nl_instance __in;					\
	struct nl_ack __ack;						\
	ASSERT_EQ(0, nl_get_by_id((_self)->sock, (_self)->fam.id, (_id), \
				  &__in, &__ack));			\
	ASSERT_EQ((_id), __in.id);					\
} while (0)

TEST_F(nl, largest_requests_are_refused_cleanly)
{
	int sndbuf = 4 * BIG_MSG, ifd, i;
	uint64_t id;

	ifd = ASSERT_OK(cse_create(self->dev, "abuse", NULL, 0, 0));
	id = cse_inst_id(ifd);
	ASSERT_EQ(0, setsockopt(self->sock, SOL_SOCKET, SO_SNDBUFFORCE,
				&sndbuf, sizeof(sndbuf)));

	/* A name attribute of the largest length an attribute can have. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	big_put(CSE_A_INSTANCE_NAME, 0xffff - NLA_HDRLEN, 'n');
	EXPECT_EQ(-EINVAL, big_send(self->sock));

	/* A megabyte of largest attributes: unknown, then valid ids. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	while (big.nlh.nlmsg_len + 0x10000 < sizeof(big))
		big_put(CSE_A_MAX + 1, 0xfff0, 0);
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	while (big.nlh.nlmsg_len + 16 < sizeof(big))
		*(uint64_t *)(big_put(CSE_A_INSTANCE_ID, 8, 0) + 1) = id;
	/* Strict validation keeps the last of a repeated attribute. */
	EXPECT_EQ(0, big_send(self->sock));
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	for (i = 0; i < 4096; i++)
		big_put(CSE_A_MAX + 1 + i % 8, 200, i);
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	ASSERT_STILL_ANSWERS(self, id);
	close(ifd);
}

TEST_F(nl, deep_nesting_and_lying_lengths_are_einval)
{
	static const uint16_t types[] = {
		CSE_A_INSTANCE_ID, CSE_A_INSTANCE_NAME, CSE_A_MEMBERS,
		CSE_A_MAX + 1, 0,
	};
	struct nlattr *outer[1000];
	unsigned int t;
	int ifd, i;
	uint64_t id;

	ifd = ASSERT_OK(cse_create(self->dev, "abuse", NULL, 0, 0));
	id = cse_inst_id(ifd);
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		/* A thousand nests, each inside the one before. */
		big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
		for (i = 0; i < 1000; i++)
			outer[i] = big_put(types[t] | NLA_F_NESTED, 0, 0);
		*(uint64_t *)(big_put(CSE_A_INSTANCE_ID, 8, 0) + 1) = id;
		for (i = 999; i >= 0; i--)
			outer[i]->nla_len = (char *)&big + big.nlh.nlmsg_len -
					    (char *)outer[i];
		EXPECT_EQ(-EINVAL, big_send(self->sock)) {
			TH_LOG("nested type %u", types[t]);
		}
	}
	/* An attribute longer than the message. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	big_put(CSE_A_INSTANCE_ID, 8, 0)->nla_len = 4000;
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	/* An attribute shorter than its own header. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	big_put(CSE_A_INSTANCE_ID, 8, 0)->nla_len = 2;
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	/* Bytes after the last attribute that make no attribute. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	*(uint64_t *)(big_put(CSE_A_INSTANCE_ID, 8, 0) + 1) = id;
	big.nlh.nlmsg_len += 3;
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	/* The same tricks on a dump, whose parse happens at its start. */
	big_init(self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	big_put(CSE_A_INSTANCE_NAME | NLA_F_NESTED, 8, 0)->nla_len = 4000;
	EXPECT_EQ(-EINVAL, big_send(self->sock));
	ASSERT_STILL_ANSWERS(self, id);
	close(ifd);
}

/* Errors the cse family and the genetlink core may answer a bad request. */
static int expected_error(int err)
{
	switch (-err) {
	case 0: case EINVAL: case ENOENT: case EOPNOTSUPP: case ERANGE:
	case EPERM: case EBUSY: case EMSGSIZE:
		return 1;
	}
	return 0;
}

TEST_F_TIMEOUT(nl, random_requests_get_an_answer_or_none, 600)
{
	const char *env = getenv("CSE_NL_FUZZ_MSGS");
	unsigned long msgs = env ? strtoul(env, NULL, 0) : 5000, i;
	uint64_t rng = cse_seed("CSE_NL_FUZZ_SEED"), id;
	static char buf[NL_BUF_SIZE];
	unsigned long replies = 0, errors = 0, unexpected = 0;
	int ifd, last_err = 0;

	TH_LOG("seed %llu (CSE_NL_FUZZ_SEED), %lu requests",
	       (unsigned long long)rng, msgs);
	ifd = ASSERT_OK(cse_create(self->dev, "abuse", NULL, 0, 0));
	id = cse_inst_id(ifd);
	for (i = 0; i < msgs; i++) {
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
		unsigned int n = cse_rnd(&rng) % 6, j, len;
		struct genlmsghdr *g = (void *)big.body;

		big_init(self->fam.id, cse_rnd(&rng) % 12,
			 cse_rnd(&rng) % 3 ? 0 : NLM_F_DUMP);
		big.nlh.nlmsg_seq = 1000;
		if (!(cse_rnd(&rng) % 8))
			big.nlh.nlmsg_flags ^= cse_rnd(&rng) & 0x7ff;
		if (!(cse_rnd(&rng) % 8))
			g->version = cse_rnd(&rng);
		if (!(cse_rnd(&rng) % 8))
			g->reserved = cse_rnd(&rng);
		for (j = 0; j < n; j++) {
			uint16_t type = cse_rnd(&rng) % (CSE_A_MAX + 3);
			struct nlattr *a;

			if (!(cse_rnd(&rng) % 4))
				type |= NLA_F_NESTED;
			len = cse_rnd(&rng) % 4 ? cse_rnd(&rng) % 17 :
			      cse_rnd(&rng) % 300;
			a = big_put(type, len, 0);
			if (len == 8)
				*(uint64_t *)(a + 1) = cse_rnd(&rng) % 2 ? id :
						       cse_rnd(&rng);
			else if (len)
				((char *)(a + 1))[len - 1] = cse_rnd(&rng) % 2 ?
					0 : 'x';
			if (!(cse_rnd(&rng) % 16))
				a->nla_len = cse_rnd(&rng);
		}
		if (!(cse_rnd(&rng) % 16))
			big.nlh.nlmsg_len = cse_rnd(&rng) % (big.nlh.nlmsg_len + 8);
		sendto(self->sock, &big, big.nlh.nlmsg_len < 16 ? 16 :
		       big.nlh.nlmsg_len, 0, (void *)&sa, sizeof(sa));
		/* Answers, if any, come at once: read them without waiting. */
		for (;;) {
			ssize_t r = recv(self->sock, buf, sizeof(buf), MSG_DONTWAIT);
			struct nlmsghdr *nlh = (void *)buf;

			if (r <= 0)
				break;
			for (; NLMSG_OK(nlh, (int)r); nlh = NLMSG_NEXT(nlh, r)) {
				int err;

				replies++;
				if (nlh->nlmsg_type != NLMSG_ERROR &&
				    nlh->nlmsg_type != NLMSG_DONE)
					continue;
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				errors += err != 0;
				if (!expected_error(err)) {
					unexpected++;
					last_err = err;
				}
			}
		}
	}
	TH_LOG("%lu replies, %lu errors, %lu unexpected (last %d)",
	       replies, errors, unexpected, last_err);
	EXPECT_EQ(0UL, unexpected);
	EXPECT_LT(0UL, errors);
	/* A fresh socket: the old one may still have a dump under way. */
	close(self->sock);
	self->sock = nl_socket();
	ASSERT_LE(0, self->sock);
	ASSERT_STILL_ANSWERS(self, id);
	close(ifd);
}

TEST_HARNESS_MAIN
