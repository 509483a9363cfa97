/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink helpers for the cse selftests: resolve the "cse"
 * family and its "events" group, build requests, read replies and
 * extended acks, and parse the instance attribute tree of
 * include/uapi/linux/cse.h into a flat struct.
 *
 * No libnl: kselftests talk netlink with plain sockets.
 */
#ifndef CSE_NL_H
#define CSE_NL_H

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/cse.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NL_BUF_SIZE	65536

struct nl_req {
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	};
};

/* What came back: an error with its extack, or messages. */
struct nl_ack {
	int error;			/* 0 or a negative errno */
	char msg[256];			/* NLMSGERR_ATTR_MSG, or "" */
	int miss_type;			/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
};

struct nl_instance {
	uint64_t id;
	char name[CSE_NAME_MAX];
	uint32_t creator_uid;
	uint64_t ctime_ns;
	int seen;			/* bitmask of CSE_A_* at top level */
	unsigned int n_members;
	uint32_t members[64];
	unsigned int n_grants;
	struct cse_dev_grant grants[CSE_GRANTS_MAX];
	uint64_t counters[4];		/* granted, denied, read, written */
	unsigned int n_elements;
	struct {
		char name[CSE_ELEMENT_NAME_MAX];
		uint64_t calls;
	} elements[CSE_ELEMENTS_MAX];
	unsigned int n_ports;
	struct cse_port ports[CSE_PORTS_MAX];
};

static inline struct nlattr *nl_attr_next(struct nlattr *a, int *rem)
{
	int len = NLA_ALIGN(a->nla_len);

	*rem -= len;
	return (struct nlattr *)((char *)a + len);
}

#define nl_attr_ok(a, rem) ((rem) >= (int)sizeof(struct nlattr) && \
	(a)->nla_len >= sizeof(struct nlattr) && (a)->nla_len <= (rem))
#define nl_for_each_attr(a, head, len, rem) \
	for ((a) = (head), (rem) = (len); nl_attr_ok(a, rem); \
	     (a) = nl_attr_next(a, &(rem)))
#define nl_attr_type(a)	((a)->nla_type & NLA_TYPE_MASK)
#define nl_attr_data(a)	((void *)((char *)(a) + NLA_HDRLEN))
#define nl_attr_len(a)	((int)(a)->nla_len - NLA_HDRLEN)

static inline uint32_t nl_u32(struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

static inline uint64_t nl_u64(struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

/*
 * A bound generic netlink socket with extended acks; -1 with errno on
 * error. Bound: multicast skips sockets whose port id equals the sender's
 * (0, the kernel), so an unbound listener would never get an event.
 */
static inline int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Start a request: family, command, nlmsg flags (NLM_F_REQUEST added). */
static inline void nl_req_init(struct nl_req *r, uint16_t family, uint8_t cmd,
			       uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nlh.nlmsg_seq = 1;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = CSE_GENL_VERSION;
}

static inline void nl_put(struct nl_req *r, uint16_t type, const void *data,
			  size_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(nl_attr_data(a), data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_put(r, type, &v, sizeof(v));
}

static inline void nl_put_u64(struct nl_req *r, uint16_t type, uint64_t v)
{
	nl_put(r, type, &v, sizeof(v));
}

static inline void nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	nl_put(r, type, s, strlen(s) + 1);
}

static inline int nl_send(int fd, struct nl_req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, r->buf, r->nlh.nlmsg_len, 0,
		      (struct sockaddr *)&sa, sizeof(sa)) ==
		(ssize_t)r->nlh.nlmsg_len ? 0 : -1;
}

/* Send an instance dump request; its replies are the caller's to read. */
static inline int nl_start_dump(int fd, uint16_t family)
{
	struct nl_req r;

	nl_req_init(&r, family, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	return nl_send(fd, &r);
}

/* Fill *ack from an NLMSG_ERROR message. */
static inline void nl_parse_ack(struct nlmsghdr *nlh, struct nl_ack *ack)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *a;
	int rem, off;

	ack->error = e->error;
	ack->msg[0] = 0;
	ack->miss_type = -1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* NETLINK_CAP_ACK: only the request's header is echoed. */
	off = NLMSG_HDRLEN + sizeof(*e);
	nl_for_each_attr(a, (struct nlattr *)((char *)nlh + off),
			 (int)nlh->nlmsg_len - off, rem) {
		if (nl_attr_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(ack->msg, sizeof(ack->msg), "%.*s",
				 nl_attr_len(a), (char *)nl_attr_data(a));
		else if (nl_attr_type(a) == NLMSGERR_ATTR_MISS_TYPE)
			ack->miss_type = nl_u32(a);
	}
}

/*
 * Send a request and read until its ack (NLM_F_ACK is added) or, for a
 * dump, NLMSG_DONE. Every other message goes to fn(nlh, arg). Returns 0
 * (look at ack->error) or -1 on a socket error. *parts counts the recv
 * calls when parts is not NULL.
 */
static inline int nl_transact(int fd, struct nl_req *r, struct nl_ack *ack,
			      void (*fn)(struct nlmsghdr *nlh, void *arg),
			      void *arg, size_t bufsz, int *parts)
{
	static char buf[NL_BUF_SIZE];
	int dump = r->nlh.nlmsg_flags & NLM_F_DUMP;

	if (bufsz > sizeof(buf))
		bufsz = sizeof(buf);
	r->nlh.nlmsg_flags |= NLM_F_ACK;
	memset(ack, 0, sizeof(*ack));
	ack->miss_type = -1;
	if (parts)
		*parts = 0;
	if (nl_send(fd, r))
		return -1;
	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n = recv(fd, buf, bufsz, 0);
		int len;

		if (n <= 0)
			return -1;
		if (parts)
			(*parts)++;
		len = n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				nl_parse_ack(nlh, ack);
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err, off = NLMSG_HDRLEN + sizeof(err);
				struct nlattr *a;
				int rem;

				/* A dump's error and extack come with DONE. */
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				ack->error = err;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					nl_for_each_attr(a, (struct nlattr *)((char *)nlh + off),
							 (int)nlh->nlmsg_len - off, rem)
						if (nl_attr_type(a) == NLMSGERR_ATTR_MSG)
							snprintf(ack->msg, sizeof(ack->msg),
								 "%.*s", nl_attr_len(a),
								 (char *)nl_attr_data(a));
				if (dump)
					return 0;
				continue;
			}
			if (fn)
				fn(nlh, arg);
		}
	}
}

struct nl_family_info {
	uint16_t id;
	uint32_t version;
	uint32_t events_group;
};

static void nl_family_parse(struct nlmsghdr *nlh, void *arg)
{
	struct nl_family_info *fi = arg;
	struct nlattr *a, *g, *ga;
	int rem, grem, garem;

	nl_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					       GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		if (nl_attr_type(a) == CTRL_ATTR_FAMILY_ID)
			fi->id = *(uint16_t *)nl_attr_data(a);
		if (nl_attr_type(a) == CTRL_ATTR_VERSION)
			fi->version = nl_u32(a);
		if (nl_attr_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		nl_for_each_attr(g, nl_attr_data(a), nl_attr_len(a), grem) {
			uint32_t id = 0;
			int events = 0;

			nl_for_each_attr(ga, nl_attr_data(g), nl_attr_len(g),
					 garem) {
				if (nl_attr_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
					id = nl_u32(ga);
				if (nl_attr_type(ga) == CTRL_ATTR_MCAST_GRP_NAME &&
				    !strcmp(nl_attr_data(ga), CSE_MCGRP_EVENTS))
					events = 1;
			}
			if (events)
				fi->events_group = id;
		}
	}
}

/* Resolve "cse"; 0, or a negative errno (-ENOENT: not registered). */
static inline int nl_resolve(int fd, struct nl_family_info *fi)
{
	struct nl_req r;
	struct nl_ack ack;

	memset(fi, 0, sizeof(*fi));
	nl_req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->version = 1;
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, CSE_GENL_NAME);
	if (nl_transact(fd, &r, &ack, nl_family_parse, fi, NL_BUF_SIZE, NULL))
		return -errno;
	if (ack.error)
		return ack.error;
	return fi->id ? 0 : -ENOENT;
}

static inline void nl_parse_counters(struct nl_instance *in, struct nlattr *c)
{
	struct nlattr *a, *s, *e;
	int rem, srem, erem;

	nl_for_each_attr(a, nl_attr_data(c), nl_attr_len(c), rem) {
		switch (nl_attr_type(a)) {
		case CSE_A_OPENS_GRANTED:
		case CSE_A_OPENS_DENIED:
		case CSE_A_BYTES_READ:
		case CSE_A_BYTES_WRITTEN:
			in->counters[nl_attr_type(a) - CSE_A_OPENS_GRANTED] =
				nl_u64(a);
			break;
		case CSE_A_SYSCALLS:
			nl_for_each_attr(s, nl_attr_data(a), nl_attr_len(a),
					 srem) {
				unsigned int i = in->n_elements++;

				if (i >= CSE_ELEMENTS_MAX)
					return;
				nl_for_each_attr(e, nl_attr_data(s),
						 nl_attr_len(s), erem) {
					if (nl_attr_type(e) == CSE_A_ELEMENT_NAME)
						snprintf(in->elements[i].name,
							 CSE_ELEMENT_NAME_MAX,
							 "%s", (char *)nl_attr_data(e));
					if (nl_attr_type(e) == CSE_A_ELEMENT_CALLS)
						in->elements[i].calls = nl_u64(e);
				}
			}
			break;
		}
	}
}

static inline void nl_parse_ports(struct nl_instance *in, struct nlattr *ports)
{
	struct nlattr *p, *f;
	int prem, frem;

	nl_for_each_attr(p, nl_attr_data(ports), nl_attr_len(ports), prem) {
		struct cse_port *d;

		if (nl_attr_type(p) != CSE_A_PORT || in->n_ports >= CSE_PORTS_MAX)
			continue;
		d = &in->ports[in->n_ports++];
		nl_for_each_attr(f, nl_attr_data(p), nl_attr_len(p), frem) {
			uint32_t v = nl_u32(f);

			switch (nl_attr_type(f)) {
			case CSE_A_PORT_PROTO:
				d->proto = v;
				break;
			case CSE_A_PORT_GUEST:
				d->guest = (uint16_t)v;
				break;
			case CSE_A_PORT_HOST:
				d->host = (uint16_t)v;
				break;
			case CSE_A_PORT_FLAGS:
				d->flags = v;
				break;
			}
		}
	}
}

/* Parse one CSE_CMD_INSTANCE_GET reply into *in (zeroed first). */
static inline void nl_parse_instance(struct nlmsghdr *nlh,
				     struct nl_instance *in)
{
	struct nlattr *a, *m, *g;
	int rem, mrem, grem;

	memset(in, 0, sizeof(*in));
	nl_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					       GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		int t = nl_attr_type(a);

		in->seen |= 1 << t;
		switch (t) {
		case CSE_A_INSTANCE_ID:
			in->id = nl_u64(a);
			break;
		case CSE_A_INSTANCE_NAME:
			snprintf(in->name, sizeof(in->name), "%s",
				 (char *)nl_attr_data(a));
			break;
		case CSE_A_CREATOR_UID:
			in->creator_uid = nl_u32(a);
			break;
		case CSE_A_CTIME_NS:
			in->ctime_ns = nl_u64(a);
			break;
		case CSE_A_MEMBERS:
			nl_for_each_attr(m, nl_attr_data(a), nl_attr_len(a), mrem)
				if (nl_attr_type(m) == CSE_A_MEMBER_PID &&
				    in->n_members < 64)
					in->members[in->n_members++] = nl_u32(m);
			break;
		case CSE_A_GRANTS:
			nl_for_each_attr(g, nl_attr_data(a), nl_attr_len(a), grem) {
				struct cse_dev_grant *d;
				struct nlattr *f;
				int frem;

				if (in->n_grants >= CSE_GRANTS_MAX)
					break;
				d = &in->grants[in->n_grants++];
				nl_for_each_attr(f, nl_attr_data(g), nl_attr_len(g),
						 frem) {
					uint32_t v = nl_u32(f);

					switch (nl_attr_type(f)) {
					case CSE_A_GRANT_TYPE:
						d->type = v;
						break;
					case CSE_A_GRANT_MAJOR:
						d->major = v;
						break;
					case CSE_A_GRANT_MINOR:
						d->minor = v;
						break;
					case CSE_A_GRANT_ACCESS:
						d->access = v;
						break;
					}
				}
			}
			break;
		case CSE_A_COUNTERS:
			nl_parse_counters(in, a);
			break;
		case CSE_A_PORTS:
			nl_parse_ports(in, a);
			break;
		}
	}
}

static void nl_get_one(struct nlmsghdr *nlh, void *arg)
{
	nl_parse_instance(nlh, arg);
}

/* CSE_CMD_INSTANCE_GET by id; returns ack.error semantics (0 or -errno). */
static inline int nl_get_by_id(int fd, uint16_t family, uint64_t id,
			       struct nl_instance *in, struct nl_ack *ack)
{
	struct nl_req r;

	memset(in, 0, sizeof(*in));
	nl_req_init(&r, family, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, id);
	if (nl_transact(fd, &r, ack, nl_get_one, in, NL_BUF_SIZE, NULL))
		return -errno;
	return ack->error;
}

/* One event of the "events" group, flattened. */
struct nl_event {
	uint8_t cmd;
	uint64_t id;
	char name[CSE_NAME_MAX];
	int has_pid, has_dev;
	uint32_t pid, type, major, minor, access;
	char path[256];
};

/* Read the next event (5 s at most); 0, or -1 on timeout or error. */
static inline int nl_next_event(int fd, struct nl_event *ev)
{
	static char buf[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct nlattr *a;
	ssize_t n;
	int rem;

	if (poll(&p, 1, 5000) != 1)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0 || !NLMSG_OK(nlh, (int)n))
		return -1;
	memset(ev, 0, sizeof(*ev));
	g = NLMSG_DATA(nlh);
	ev->cmd = g->cmd;
	nl_for_each_attr(a, (struct nlattr *)((char *)g + GENL_HDRLEN),
			 (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		switch (nl_attr_type(a)) {
		case CSE_A_INSTANCE_ID:
			ev->id = nl_u64(a);
			break;
		case CSE_A_INSTANCE_NAME:
			snprintf(ev->name, sizeof(ev->name), "%s",
				 (char *)nl_attr_data(a));
			break;
		case CSE_A_EVENT_PID:
			ev->has_pid = 1;
			ev->pid = nl_u32(a);
			break;
		case CSE_A_GRANT_TYPE:
			ev->has_dev++;
			ev->type = nl_u32(a);
			break;
		case CSE_A_GRANT_MAJOR:
			ev->has_dev++;
			ev->major = nl_u32(a);
			break;
		case CSE_A_GRANT_MINOR:
			ev->has_dev++;
			ev->minor = nl_u32(a);
			break;
		case CSE_A_GRANT_ACCESS:
			ev->has_dev++;
			ev->access = nl_u32(a);
			break;
		case CSE_A_EVENT_PATH:
			ev->has_dev++;
			snprintf(ev->path, sizeof(ev->path), "%s",
				 (char *)nl_attr_data(a));
			break;
		}
	}
	return 0;
}

/*
 * Send a request built by the caller and expect an error with a text.
 * Needs kselftest_harness.h and a fixture with ->sock.
 */
#define ASSERT_NL_ERROR(_self, _r, _err, _text) do {			\
	struct nl_ack __ack;						\
	ASSERT_EQ(0, nl_transact((_self)->sock, (_r), &__ack, NULL,	\
				 NULL, NL_BUF_SIZE, NULL));		\
	ASSERT_EQ(-(_err), __ack.error) {				\
		TH_LOG("extack: \"%s\"", __ack.msg);			\
	}								\
	ASSERT_STREQ(_text, __ack.msg);					\
} while (0)

#endif /* CSE_NL_H */
