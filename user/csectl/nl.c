// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The csectl library context: one generic netlink socket talking to the
 * "cse" family.
 *
 * Requests always carry NLM_F_ACK, so every request ends in exactly one of:
 * an ack (doit), an NLMSG_ERROR (any failure), or NLMSG_DONE (dumps; it may
 * carry an error of its own). Parts of a dump (NLM_F_MULTI) may arrive over
 * several reads. A part flagged NLM_F_DUMP_INTR means the kernel's
 * instance list changed under the dump; csectl_request() then reads the
 * dump to its end and returns -EINTR so the caller can start over.
 *
 * NETLINK_EXT_ACK is enabled so that rejections carry the kernel's message;
 * NETLINK_CAP_ACK keeps error replies small (no echo of our request).
 * libnl 3.7 does not decode extack itself, so csectl_extack_msg() does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "csectl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void not_loaded(void)
{
	csectl_err("cse.ko is not loaded");
	csectl_hint("insmod kmod/cse.ko (or modprobe cse)");
}

int csectl_open(struct csectl_ctx *ctx)
{
	int one = 1, r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->sk = nl_socket_alloc();
	if (!ctx->sk) {
		csectl_err("out of memory");
		return -1;
	}
	r = genl_connect(ctx->sk);
	if (r < 0) {
		csectl_err("cannot open a generic netlink socket: %s",
			   nl_geterror(r));
		goto fail;
	}
	/* Best effort: kernels before 4.12 lack extack, errors still work. */
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/* Peek at each datagram's size so large dump parts are never cut. */
	nl_socket_enable_msg_peek(ctx->sk);

	r = genl_ctrl_resolve(ctx->sk, CSE_GENL_NAME);
	if (r == -NLE_OBJ_NOTFOUND) {
		not_loaded();
		goto fail;
	}
	if (r < 0) {
		csectl_err("cannot look up the generic netlink family \"%s\": %s",
			   CSE_GENL_NAME, nl_geterror(r));
		goto fail;
	}
	ctx->family = r;
	return 0;
fail:
	nl_socket_free(ctx->sk);
	ctx->sk = NULL;
	return -1;
}

void csectl_close(struct csectl_ctx *ctx)
{
	if (ctx->sk)
		nl_socket_free(ctx->sk);
	ctx->sk = NULL;
}

int csectl_events_open(struct csectl_ctx *ctx)
{
	int grp = genl_ctrl_resolve_grp(ctx->sk, CSE_GENL_NAME,
					CSE_MCGRP_EVENTS);
	int r;

	if (grp == -NLE_OBJ_NOTFOUND) {
		csectl_err("the loaded cse.ko has no \"%s\" multicast group",
			   CSE_MCGRP_EVENTS);
		csectl_hint("csectl and cse.ko disagree on the ABI; rebuild both from one tree");
		return -1;
	}
	if (grp < 0) {
		csectl_err("cannot look up the \"%s\" multicast group: %s",
			   CSE_MCGRP_EVENTS, nl_geterror(grp));
		return -1;
	}
	/* Events are unsolicited: no sequence numbers to check. */
	nl_socket_disable_seq_check(ctx->sk);
	/* Room for bursts (a fork bomb joining an instance, say). */
	nl_socket_set_buffer_size(ctx->sk, 4 << 20, 0);
	r = nl_socket_add_membership(ctx->sk, grp);
	if (r < 0) {
		csectl_err("cannot join the \"%s\" multicast group: %s",
			   CSE_MCGRP_EVENTS, nl_geterror(r));
		if (r == -NLE_PERM)
			csectl_hint("events show every user's processes: run as root (CAP_NET_ADMIN)");
		return -1;
	}
	return 0;
}

struct nl_msg *csectl_msg_new(struct csectl_ctx *ctx, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family,
				 0, flags | NLM_F_ACK, cmd, CSE_GENL_VERSION)) {
		csectl_err("out of memory");
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * The TLVs of an NLMSG_ERROR follow struct nlmsgerr and, unless the
 * kernel set NLM_F_CAPPED, a copy of our request's payload; those of an
 * NLMSG_DONE follow its int. Both start at an aligned offset.
 */
bool csectl_extack_msg(const void *p, char *buf, size_t len)
{
	const struct nlmsghdr *nlh = p;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	if (len)
		buf[0] = '\0';
	if (!len || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return false;
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
			    e->msg.nlmsg_len > nlh->nlmsg_len)
				return false;
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		off = NLMSG_HDRLEN + sizeof(int);
	} else {
		return false;
	}
	off = NLMSG_ALIGN(off);
	if (off >= nlh->nlmsg_len)
		return false;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return false;
	if (!tb[NLMSGERR_ATTR_MSG] || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return false;
	{
		const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
		size_t n = strnlen(s, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));

		if (n >= len)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return buf[0] != '\0';
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct csectl_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int r;

	if (nlh->nlmsg_type != ctx->family || ctx->cb_err || ctx->dump_intr)
		return NL_SKIP;
	if (!genlmsg_valid_hdr(nlh, 0)) {
		ctx->cb_err = -EBADMSG;
		return NL_SKIP;
	}
	r = ctx->on_msg ? ctx->on_msg(nlh, ctx->on_msg_arg) : 0;
	if (r < 0 && !ctx->cb_err)
		ctx->cb_err = r;
	return NL_OK;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct csectl_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* A dump that failed half-way reports its errno in NLMSG_DONE. */
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int e;

		memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
		if (e < 0) {
			ctx->err = -e;
			csectl_extack_msg(nlh, ctx->extack, sizeof(ctx->extack));
		}
	}
	ctx->done = true;
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct csectl_ctx *ctx = arg;

	(void)msg;
	ctx->done = true;
	return NL_STOP;
}

static int cb_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct csectl_ctx *ctx = arg;
	/* libnl hands us the payload; the header sits right before it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)who;
	ctx->err = e->error < 0 ? -e->error : e->error;
	csectl_extack_msg(nlh, ctx->extack, sizeof(ctx->extack));
	ctx->done = true;
	return NL_STOP;
}

static int cb_dump_intr(struct nl_msg *msg, void *arg)
{
	struct csectl_ctx *ctx = arg;

	(void)msg;
	ctx->dump_intr = true;
	return NL_OK;	/* keep reading to NLMSG_DONE */
}

int csectl_request(struct csectl_ctx *ctx, struct nl_msg *msg,
		   int (*on_msg)(const void *nlh, void *arg), void *arg)
{
	struct nl_cb *cb;
	int r;

	ctx->err = 0;
	ctx->extack[0] = '\0';
	ctx->dump_intr = false;
	ctx->done = false;
	ctx->cb_err = 0;
	ctx->on_msg = on_msg;
	ctx->on_msg_arg = arg;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, ctx);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, ctx);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_dump_intr, ctx);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, ctx);

	r = nl_send_auto(ctx->sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		nl_cb_put(cb);
		return r == -NLE_PERM ? -EPERM : -EIO;
	}
	while (!ctx->done) {
		r = nl_recvmsgs(ctx->sk, cb);
		if (r < 0 && !ctx->done) {
			nl_cb_put(cb);
			switch (r) {
			case -NLE_NOMEM:
				return -ENOBUFS;
			case -NLE_SEQ_MISMATCH:
			case -NLE_MSG_TRUNC:
				return -EBADMSG;
			default:
				return -EIO;
			}
		}
	}
	nl_cb_put(cb);
	if (ctx->err)
		return -ctx->err;
	if (ctx->dump_intr)
		return -EINTR;
	return ctx->cb_err;
}

void csectl_report(struct csectl_ctx *ctx, int rc, const char *what)
{
	if (ctx->err && ctx->extack[0])
		csectl_err("%s: %s (%s)", what, ctx->extack, strerror(ctx->err));
	else if (rc == -EBADMSG)
		csectl_err("%s: malformed reply from cse.ko", what);
	else
		csectl_err("%s: %s", what, strerror(-rc));
	if (ctx->err == EPERM)
		csectl_hint("this needs CAP_NET_ADMIN (run as root)");
	else if (ctx->err == EOPNOTSUPP || ctx->err == EINVAL)
		csectl_hint("csectl and cse.ko may disagree on the ABI; rebuild both from one tree");
}
