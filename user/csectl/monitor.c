// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csectl monitor: join the family's "events" multicast group and print
 * one line per notification until SIGINT or SIGTERM (exit 0). Each line is
 * flushed at once: monitor is meant to be piped into other tools.
 *
 * A receive buffer overrun (ENOBUFS) loses events; that is reported on
 * stderr and monitoring goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "csectl.h"

struct monitor {
	struct csectl_ctx *ctx;
	bool json;
	int err;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct csectl_event ev;
	char why[128];

	if (nlh->nlmsg_type != m->ctx->family)
		return NL_SKIP;
	if (csectl_parse_event(nlh, &ev, why, sizeof(why))) {
		csectl_err("ignoring a malformed event: %s", why);
		return NL_SKIP;
	}
	/* INSTANCE_GET/COUNTERS_RESET are requests, never events. */
	if (ev.cmd == CSE_CMD_INSTANCE_GET || ev.cmd == CSE_CMD_COUNTERS_RESET)
		return NL_SKIP;
	csectl_print_event(stdout, &ev, m->json);
	if (fflush(stdout) == EOF) {
		m->err = errno ? errno : EIO;
		return NL_STOP;
	}
	return NL_OK;
}

/* Events are unsolicited multicast: they carry no sequence to check. */
static int accept_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int csectl_monitor(struct csectl_ctx *ctx, bool json)
{
	struct monitor m = { .ctx = ctx, .json = json };
	struct nl_cb *cb;
	int fd, r;

	if (csectl_events_open(ctx))
		return -1;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		csectl_err("out of memory");
		return -1;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, NULL);
	fd = nl_socket_get_fd(ctx->sk);
	csectl_signals_block();
	while (!m.err) {
		r = csectl_wait(fd, -1);
		if (r < 0)
			break;		/* SIGINT/SIGTERM: a normal end */
		r = nl_recvmsgs(ctx->sk, cb);
		if (r == -NLE_NOMEM) {
			/* libnl maps ENOBUFS (overrun) to NLE_NOMEM. */
			csectl_err("events were lost: the receive buffer overflowed");
			continue;
		}
		if (r < 0 && !m.err) {
			csectl_err("receiving events: %s", nl_geterror(r));
			nl_cb_put(cb);
			return -1;
		}
	}
	nl_cb_put(cb);
	if (m.err) {
		if (m.err != EPIPE)
			csectl_err("writing events: %s", strerror(m.err));
		return -1;
	}
	return 0;
}
