// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for csectl's netlink reply decoders
 * (user/csectl/instance.c, user/csectl/nl.c): the input is a receive
 * buffer, walked message by message as libnl does (nlmsg_ok/nlmsg_next),
 * and each message goes to csectl_parse_instance(), csectl_parse_event()
 * and, for NLMSG_ERROR/NLMSG_DONE, csectl_extack_msg().
 *
 * Invariants: a rejected message says why, returns -EBADMSG and leaves no
 * allocation behind; an accepted instance or event has NUL-terminated
 * names within their limits and, encoded again with libnl in the shape
 * include/uapi/linux/cse.h gives (as csectl-unit.c builds them), decodes
 * to the same struct; an extack message fits the buffer, is reported iff
 * non-empty, and a shorter buffer gets a prefix of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "csectl.h"

#define NEED(x) do { if ((x) < 0) abort(); } while (0)

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(65536);

	if (!msg || !genlmsg_put(msg, 1, 7, 0x1c, 0, NLM_F_MULTI, cmd, CSE_GENL_VERSION))
		abort();
	return msg;
}

static struct nl_msg *encode_instance(const struct csectl_inst *in)
{
	struct nl_msg *msg = new_msg(CSE_CMD_INSTANCE_GET);
	struct nlattr *n, *c, *s, *g;

	NEED(nla_put_u64(msg, CSE_A_INSTANCE_ID, in->id));
	NEED(nla_put_string(msg, CSE_A_INSTANCE_NAME, in->name));
	if (in->has_uid)
		NEED(nla_put_u32(msg, CSE_A_CREATOR_UID, in->creator_uid));
	if (in->has_ctime)
		NEED(nla_put_u64(msg, CSE_A_CTIME_NS, in->ctime_ns));
	NEED((n = nla_nest_start(msg, CSE_A_MEMBERS)) ? 0 : -1);
	for (size_t i = 0; i < in->n_pids; i++)
		NEED(nla_put_u32(msg, CSE_A_MEMBER_PID, in->pids[i]));
	nla_nest_end(msg, n);
	NEED((n = nla_nest_start(msg, CSE_A_GRANTS)) ? 0 : -1);
	for (size_t i = 0; i < in->n_grants; i++) {
		NEED((g = nla_nest_start(msg, CSE_A_GRANT)) ? 0 : -1);
		NEED(nla_put_u32(msg, CSE_A_GRANT_TYPE, in->grants[i].type));
		NEED(nla_put_u32(msg, CSE_A_GRANT_MAJOR, in->grants[i].major));
		NEED(nla_put_u32(msg, CSE_A_GRANT_MINOR, in->grants[i].minor));
		NEED(nla_put_u32(msg, CSE_A_GRANT_ACCESS, in->grants[i].access));
		nla_nest_end(msg, g);
	}
	nla_nest_end(msg, n);
	NEED((c = nla_nest_start(msg, CSE_A_COUNTERS)) ? 0 : -1);
	NEED(nla_put_u64(msg, CSE_A_OPENS_GRANTED, in->opens_granted));
	NEED(nla_put_u64(msg, CSE_A_OPENS_DENIED, in->opens_denied));
	NEED(nla_put_u64(msg, CSE_A_BYTES_READ, in->bytes_read));
	NEED(nla_put_u64(msg, CSE_A_BYTES_WRITTEN, in->bytes_written));
	NEED((s = nla_nest_start(msg, CSE_A_SYSCALLS)) ? 0 : -1);
	for (size_t i = 0; i < in->n_elems; i++) {
		NEED((g = nla_nest_start(msg, CSE_A_ELEMENT)) ? 0 : -1);
		NEED(nla_put_string(msg, CSE_A_ELEMENT_NAME, in->elems[i].name));
		NEED(nla_put_u64(msg, CSE_A_ELEMENT_CALLS, in->elems[i].calls));
		nla_nest_end(msg, g);
	}
	nla_nest_end(msg, s);
	nla_nest_end(msg, c);
	return msg;
}

static bool terminated(const char *s, size_t max)
{
	return strnlen(s, max) < max;
}

static bool same_instance(const struct csectl_inst *a, const struct csectl_inst *b)
{
	if (a->id != b->id || strcmp(a->name, b->name) || a->has_uid != b->has_uid ||
	    (a->has_uid && a->creator_uid != b->creator_uid) || a->has_ctime != b->has_ctime ||
	    (a->has_ctime && a->ctime_ns != b->ctime_ns) || a->n_pids != b->n_pids ||
	    a->n_grants != b->n_grants || a->n_elems != b->n_elems ||
	    a->opens_granted != b->opens_granted || a->opens_denied != b->opens_denied ||
	    a->bytes_read != b->bytes_read || a->bytes_written != b->bytes_written)
		return false;
	for (size_t i = 0; i < a->n_pids; i++)
		if (a->pids[i] != b->pids[i])
			return false;
	for (size_t i = 0; i < a->n_grants; i++)
		if (memcmp(&a->grants[i], &b->grants[i], sizeof(a->grants[i])))
			return false;
	for (size_t i = 0; i < a->n_elems; i++)
		if (strcmp(a->elems[i].name, b->elems[i].name) ||
		    a->elems[i].calls != b->elems[i].calls)
			return false;
	return true;
}

static void check_instance(const struct nlmsghdr *nlh)
{
	struct csectl_inst in, again;
	struct nl_msg *msg;
	char why[128] = "";
	int r = csectl_parse_instance(nlh, &in, why, sizeof(why));

	if (r) {
		if (r != -EBADMSG || !why[0] || in.pids || in.grants || in.elems)
			abort();
		return;
	}
	if (!terminated(in.name, sizeof(in.name)) || (in.n_pids && !in.pids) ||
	    (in.n_grants && !in.grants) || (in.n_elems && !in.elems))
		abort();
	for (size_t i = 0; i < in.n_elems; i++)
		if (!terminated(in.elems[i].name, sizeof(in.elems[i].name)))
			abort();
	(void)csectl_inst_syscalls(&in);
	msg = encode_instance(&in);
	if (csectl_parse_instance(nlmsg_hdr(msg), &again, why, sizeof(why)) ||
	    !same_instance(&in, &again))
		abort();
	nlmsg_free(msg);
	csectl_inst_free(&again);
	csectl_inst_free(&in);
}

static void check_event(const struct nlmsghdr *nlh)
{
	static struct csectl_event ev, again;
	struct nl_msg *msg;
	char why[128] = "";
	int r = csectl_parse_event(nlh, &ev, why, sizeof(why));

	if (r) {
		if (r != -EBADMSG || !why[0])
			abort();
		return;
	}
	if (!terminated(ev.name, sizeof(ev.name)) || !terminated(ev.path, sizeof(ev.path)))
		abort();
	msg = new_msg(ev.cmd);
	NEED(nla_put_u64(msg, CSE_A_INSTANCE_ID, ev.id));
	if (ev.has_name)
		NEED(nla_put_string(msg, CSE_A_INSTANCE_NAME, ev.name));
	if (ev.has_pid)
		NEED(nla_put_u32(msg, CSE_A_EVENT_PID, ev.pid));
	if (ev.has_dev) {
		NEED(nla_put_u32(msg, CSE_A_GRANT_TYPE, ev.dev.type));
		NEED(nla_put_u32(msg, CSE_A_GRANT_MAJOR, ev.dev.major));
		NEED(nla_put_u32(msg, CSE_A_GRANT_MINOR, ev.dev.minor));
		NEED(nla_put_u32(msg, CSE_A_GRANT_ACCESS, ev.dev.access));
	}
	if (ev.has_path)
		NEED(nla_put_string(msg, CSE_A_EVENT_PATH, ev.path));
	if (csectl_parse_event(nlmsg_hdr(msg), &again, why, sizeof(why)) ||
	    again.cmd != ev.cmd || again.id != ev.id || again.has_name != ev.has_name ||
	    strcmp(again.name, ev.name) || again.has_pid != ev.has_pid || again.pid != ev.pid ||
	    again.has_dev != ev.has_dev || memcmp(&again.dev, &ev.dev, sizeof(ev.dev)) ||
	    again.has_path != ev.has_path || strcmp(again.path, ev.path))
		abort();
	nlmsg_free(msg);
}

static void check_extack(const struct nlmsghdr *nlh)
{
	char big[512], small[8];
	bool b = csectl_extack_msg(nlh, big, sizeof(big));
	bool s = csectl_extack_msg(nlh, small, sizeof(small));

	if (!terminated(big, sizeof(big)) || !terminated(small, sizeof(small)) ||
	    b != !!big[0] || s != !!small[0] || b != s ||
	    strncmp(big, small, strlen(small)))
		abort();
	if (csectl_extack_msg(nlh, big, 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	void *buf;
	int rem = (int)size;

	if (size > 65536)
		return 0;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	for (nlh = buf; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
			check_extack(nlh);
			continue;
		}
		check_instance(nlh);
		check_event(nlh);
	}
	free(buf);
	return 0;
}
