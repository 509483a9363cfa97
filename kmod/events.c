// SPDX-License-Identifier: GPL-2.0
/*
 * The multicast group "events" of the generic netlink family "cse"
 * (netlink.c): instance, member and device events, specified in
 * include/uapi/linux/cse.h.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "cse.h"

/*
 * Events. Each starts with the instance id and name. Nothing is built
 * unless someone listens; multicast never waits for a listener (a full
 * socket just loses the message).
 */
static struct sk_buff *cse_nl_event_start(struct cse_instance *inst, u8 cmd,
					  size_t extra, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&cse_nl_family, &init_net, CSE_NL_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(CSE_NAME_MAX) + extra, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &cse_nl_family, 0, cmd);
	if (!*hdr ||
	    nla_put_u64_64bit(skb, CSE_A_INSTANCE_ID, inst->id, CSE_A_PAD) ||
	    nla_put_string(skb, CSE_A_INSTANCE_NAME, inst->name)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void cse_nl_event_send(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&cse_nl_family, skb, 0, CSE_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
}

/* CSE_CMD_INSTANCE_NEW or CSE_CMD_INSTANCE_DEL */
void cse_nl_notify_instance(struct cse_instance *inst, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = cse_nl_event_start(inst, cmd, 0, &hdr);
	if (skb)
		cse_nl_event_send(skb, hdr);
}

/* CSE_CMD_MEMBER_JOIN or CSE_CMD_MEMBER_LEAVE; the pid as init sees it. */
void cse_nl_notify_member(struct cse_instance *inst, u8 cmd, struct pid *tgid)
{
	struct sk_buff *skb;
	void *hdr;

	skb = cse_nl_event_start(inst, cmd, nla_total_size(sizeof(u32)), &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, CSE_A_EVENT_PID, pid_nr(tgid))) {
		nlmsg_free(skb);
		return;
	}
	cse_nl_event_send(skb, hdr);
}

/**
 * cse_nl_notify_dev - CSE_CMD_DEV_GRANTED or CSE_CMD_DEV_DENIED
 * @inst: the instance asked
 * @cmd: which event
 * @dev: type (0 when not a device node), major, minor, access asked for
 * @upath: the path the caller passed, copied again here (only for the
 *	   event: it says what was asked, the broker resolved it already)
 */
void cse_nl_notify_dev(struct cse_instance *inst, u8 cmd,
		       const struct cse_dev_grant *dev,
		       const char __user *upath)
{
	struct sk_buff *skb;
	const char *path;
	char *copy;
	void *hdr;

	if (!genl_has_listeners(&cse_nl_family, &init_net, CSE_NL_MCGRP_EVENTS))
		return;
	/* The lookup read it already; failing now means it just changed. */
	copy = strndup_user(upath, PATH_MAX);
	path = IS_ERR(copy) ? "" : copy;
	skb = cse_nl_event_start(inst, cmd,
				 5 * nla_total_size(sizeof(u32)) +
				 nla_total_size(strlen(path) + 1), &hdr);
	if (!skb)
		goto out;
	if (nla_put_u32(skb, CSE_A_EVENT_PID, task_tgid_nr(current)) ||
	    nla_put_u32(skb, CSE_A_GRANT_TYPE, dev->type) ||
	    nla_put_u32(skb, CSE_A_GRANT_MAJOR, dev->major) ||
	    nla_put_u32(skb, CSE_A_GRANT_MINOR, dev->minor) ||
	    nla_put_u32(skb, CSE_A_GRANT_ACCESS, dev->access) ||
	    nla_put_string(skb, CSE_A_EVENT_PATH, path)) {
		nlmsg_free(skb);
		goto out;
	}
	cse_nl_event_send(skb, hdr);
out:
	if (!IS_ERR(copy))
		kfree(copy);
}
