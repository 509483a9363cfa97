// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cse": instance queries, the counter reset
 * and the "events" multicast group. The attribute tree is specified in
 * include/uapi/linux/cse.h and include/uapi/linux/cse.yaml.
 *
 * Policies and ops are laid out the way the YNL generator would emit them
 * for this spec, in the 6.1 genl_ops form: one policy per request, strict
 * validation everywhere (no GENL_DONT_VALIDATE_* flags, resv_start_op 0).
 * Notifications have no ops, so the core refuses them as requests with
 * EOPNOTSUPP.
 *
 * Dumps walk the registry in id order and resume from cb->args[0]. Every
 * message records the registry generation read after it was filled;
 * genl_dump_check_consistent() flags NLM_F_DUMP_INTR on the first
 * message after a change, so a change anywhere in a multi-part dump is
 * seen.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "cse.h"

enum cse_nl_mcgrp {
	CSE_NL_MCGRP_EVENTS,
};

static struct genl_family cse_nl_family;

/*
 * Ids are u32 inside the module; larger ones can name nothing. Not const:
 * the 6.1 policy holds a non-const pointer to it.
 */
static struct netlink_range_validation cse_a_instance_id_range = {
	.min	= 1ULL,
	.max	= U32_MAX,
};

/* CSE_CMD_INSTANCE_GET - do */
static const struct nla_policy cse_instance_get_nl_policy[CSE_A_INSTANCE_NAME + 1] = {
	[CSE_A_INSTANCE_ID] = NLA_POLICY_FULL_RANGE(NLA_U64, &cse_a_instance_id_range),
	[CSE_A_INSTANCE_NAME] = { .type = NLA_NUL_STRING, .len = CSE_NAME_MAX - 1, },
};

/* CSE_CMD_COUNTERS_RESET - do */
static const struct nla_policy cse_counters_reset_nl_policy[CSE_A_INSTANCE_ID + 1] = {
	[CSE_A_INSTANCE_ID] = NLA_POLICY_FULL_RANGE(NLA_U64, &cse_a_instance_id_range),
};

/* Room for one instance message; n_members is read without its lock. */
static size_t cse_nl_instance_size(const struct cse_instance *inst,
				   u32 n_members)
{
	size_t grant = nla_total_size(0) + 4 * nla_total_size(sizeof(u32));
	size_t element = nla_total_size(0) +
			 nla_total_size(CSE_ELEMENT_NAME_MAX) +
			 nla_total_size_64bit(sizeof(u64));

	return nla_total_size_64bit(sizeof(u64))		/* ID */
	       + nla_total_size(CSE_NAME_MAX)			/* NAME */
	       + nla_total_size(sizeof(u32))			/* CREATOR_UID */
	       + nla_total_size_64bit(sizeof(u64))		/* CTIME_NS */
	       + nla_total_size(0) + n_members * nla_total_size(sizeof(u32))
	       + nla_total_size(0) + inst->n_grants * grant
	       + nla_total_size(0) + 4 * nla_total_size_64bit(sizeof(u64))
	       + nla_total_size(0) + CSE_ELEMENTS_MAX * element;
}

static int cse_nl_put_member(struct pid *tgid, void *arg)
{
	struct sk_buff *skb = arg;
	pid_t nr = pid_vnr(tgid);

	/* 0: not visible in the reader's pid namespace, leave it out. */
	if (!nr)
		return 0;
	return nla_put_u32(skb, CSE_A_MEMBER_PID, nr);
}

static int cse_nl_put_grant(struct sk_buff *skb, const struct cse_dev_grant *g)
{
	struct nlattr *nest = nla_nest_start(skb, CSE_A_GRANT);

	if (!nest ||
	    nla_put_u32(skb, CSE_A_GRANT_TYPE, g->type) ||
	    nla_put_u32(skb, CSE_A_GRANT_MAJOR, g->major) ||
	    nla_put_u32(skb, CSE_A_GRANT_MINOR, g->minor) ||
	    nla_put_u32(skb, CSE_A_GRANT_ACCESS, g->access))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int cse_nl_put_element(const char *name, u64 calls, void *arg)
{
	struct sk_buff *skb = arg;
	struct nlattr *nest = nla_nest_start(skb, CSE_A_ELEMENT);

	if (!nest ||
	    nla_put_string(skb, CSE_A_ELEMENT_NAME, name) ||
	    nla_put_u64_64bit(skb, CSE_A_ELEMENT_CALLS, calls, CSE_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int cse_nl_put_counters(struct sk_buff *skb, struct cse_instance *inst)
{
	struct cse_instance_counters *c = &inst->counters;
	struct nlattr *nest, *syscalls;

	nest = nla_nest_start(skb, CSE_A_COUNTERS);
	if (!nest ||
	    nla_put_u64_64bit(skb, CSE_A_OPENS_GRANTED,
			      atomic64_read(&c->opens_granted), CSE_A_PAD) ||
	    nla_put_u64_64bit(skb, CSE_A_OPENS_DENIED,
			      atomic64_read(&c->opens_denied), CSE_A_PAD) ||
	    nla_put_u64_64bit(skb, CSE_A_BYTES_READ,
			      atomic64_read(&c->bytes_read), CSE_A_PAD) ||
	    nla_put_u64_64bit(skb, CSE_A_BYTES_WRITTEN,
			      atomic64_read(&c->bytes_written), CSE_A_PAD))
		return -EMSGSIZE;
	syscalls = nla_nest_start(skb, CSE_A_SYSCALLS);
	if (!syscalls ||
	    cse_syscalls_for_each(inst, cse_nl_put_element, skb))
		return -EMSGSIZE;
	nla_nest_end(skb, syscalls);
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One instance reply. @user_ns translates the creator uid; member pids are
 * translated into the current task's pid namespace (the reader's). With a
 * dump callback @cb, the message takes part in the consistency check.
 */
static int cse_nl_fill_instance(struct sk_buff *skb, struct cse_instance *inst,
				struct user_namespace *user_ns, u32 portid,
				u32 seq, int flags, struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;
	u32 i;

	hdr = genlmsg_put(skb, portid, seq, &cse_nl_family, flags,
			  CSE_CMD_INSTANCE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, CSE_A_INSTANCE_ID, inst->id, CSE_A_PAD) ||
	    nla_put_string(skb, CSE_A_INSTANCE_NAME, inst->name) ||
	    nla_put_u32(skb, CSE_A_CREATOR_UID,
			from_kuid_munged(user_ns, inst->creator)) ||
	    nla_put_u64_64bit(skb, CSE_A_CTIME_NS, inst->create_time_ns,
			      CSE_A_PAD))
		goto cancel;

	nest = nla_nest_start(skb, CSE_A_MEMBERS);
	if (!nest ||
	    cse_instance_walk_members(inst, cse_nl_put_member, skb))
		goto cancel;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, CSE_A_GRANTS);
	if (!nest)
		goto cancel;
	for (i = 0; i < inst->n_grants; i++)
		if (cse_nl_put_grant(skb, &inst->grants[i]))
			goto cancel;
	nla_nest_end(skb, nest);

	if (cse_nl_put_counters(skb, inst))
		goto cancel;

	if (cb) {
		/* Read after filling: covers members pruned just now. */
		cb->seq = cse_registry_generation();
		genl_dump_check_consistent(cb, hdr);
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

struct cse_nl_name_match {
	const char *name;
	struct cse_instance *found;
};

/* Registry walker: the lowest id with the name wins. */
static int cse_nl_match_name(struct cse_instance *inst, void *arg)
{
	struct cse_nl_name_match *m = arg;

	if (strcmp(inst->name, m->name))
		return 0;
	/* Safe: the registry mutex keeps a listed instance's refs above 0. */
	cse_instance_get(inst);
	m->found = inst;
	return 1;
}

static struct cse_instance *cse_nl_lookup_name(const char *name)
{
	struct cse_nl_name_match m = { .name = name };
	unsigned long pos = 0;

	cse_registry_for_each(&pos, cse_nl_match_name, &m);
	return m.found;
}

static int cse_nl_instance_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[CSE_A_INSTANCE_ID];
	struct nlattr *name_attr = info->attrs[CSE_A_INSTANCE_NAME];
	struct user_namespace *user_ns = sk_user_ns(NETLINK_CB(skb).sk);
	struct cse_instance *inst;
	struct sk_buff *msg;
	size_t size;
	int err;

	if (!id_attr && !name_attr) {
		GENL_REQ_ATTR_CHECK(info, CSE_A_INSTANCE_ID);
		GENL_SET_ERR_MSG(info, "instance id or name is required");
		return -EINVAL;
	}
	if (id_attr && name_attr) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "instance id and name are exclusive");
		return -EINVAL;
	}
	if (id_attr) {
		inst = cse_instance_lookup(nla_get_u64(id_attr));
	} else {
		if (!*(char *)nla_data(name_attr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
					    "instance name is empty");
			return -EINVAL;
		}
		inst = cse_nl_lookup_name(nla_data(name_attr));
	}
	if (!inst) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr ?: name_attr,
				    "no such instance");
		return -ENOENT;
	}

	/* Members may join meanwhile: retry once with room for the most. */
	size = cse_nl_instance_size(inst, READ_ONCE(inst->n_members));
	for (;;) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		err = cse_nl_fill_instance(msg, inst, user_ns, info->snd_portid,
					   info->snd_seq, 0, NULL);
		if (!err || size >= cse_nl_instance_size(inst, CSE_MEMBERS_MAX))
			break;
		nlmsg_free(msg);
		size = cse_nl_instance_size(inst, CSE_MEMBERS_MAX);
	}
	cse_instance_put(inst);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Size the dump skbs for the largest instance there is now. */
static int cse_nl_size_one(struct cse_instance *inst, void *arg)
{
	size_t *max = arg;
	size_t size = nlmsg_total_size(GENL_HDRLEN +
				       cse_nl_instance_size(inst,
							    READ_ONCE(inst->n_members)));

	*max = max(*max, size);
	return 0;
}

static int cse_nl_instance_get_dumpstart(struct netlink_callback *cb)
{
	unsigned long pos = 0;
	size_t max = 0;

	cse_registry_for_each(&pos, cse_nl_size_one, &max);
	cb->min_dump_alloc = min_t(size_t, max, U16_MAX);
	return 0;
}

struct cse_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int cse_nl_dump_one(struct cse_instance *inst, void *arg)
{
	struct cse_nl_dump *d = arg;
	struct netlink_callback *cb = d->cb;

	return cse_nl_fill_instance(d->skb, inst,
				    sk_user_ns(NETLINK_CB(cb->skb).sk),
				    NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
}

static int cse_nl_instance_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct cse_nl_dump d = { .skb = skb, .cb = cb };
	unsigned long pos = cb->args[0];
	int err;

	/*
	 * The do policy is shared; refuse its keys here, where 6.1 has an
	 * extack (the error and its message come back with NLMSG_DONE).
	 */
	if (info->attrs[CSE_A_INSTANCE_ID] || info->attrs[CSE_A_INSTANCE_NAME]) {
		NL_SET_ERR_MSG(cb->extack, "a dump takes no attributes");
		return -EINVAL;
	}
	err = cse_registry_for_each(&pos, cse_nl_dump_one, &d);
	cb->args[0] = pos;
	/* Full skb: send it and resume at the instance that did not fit. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (err)
		return err;
	return skb->len;
}

static int cse_nl_counters_reset_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[CSE_A_INSTANCE_ID];
	struct cse_instance *inst;

	if (GENL_REQ_ATTR_CHECK(info, CSE_A_INSTANCE_ID)) {
		GENL_SET_ERR_MSG(info, "instance id is required");
		return -EINVAL;
	}
	inst = cse_instance_lookup(nla_get_u64(id_attr));
	if (!inst) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr, "no such instance");
		return -ENOENT;
	}
	atomic64_set(&inst->counters.opens_granted, 0);
	atomic64_set(&inst->counters.opens_denied, 0);
	atomic64_set(&inst->counters.bytes_read, 0);
	atomic64_set(&inst->counters.bytes_written, 0);
	cse_syscalls_reset(inst);
	cse_instance_put(inst);
	return 0;
}

/* Ops for cse */
static const struct genl_ops cse_nl_ops[] = {
	{
		.cmd		= CSE_CMD_INSTANCE_GET,
		.doit		= cse_nl_instance_get_doit,
		.start		= cse_nl_instance_get_dumpstart,
		.dumpit		= cse_nl_instance_get_dumpit,
		.policy		= cse_instance_get_nl_policy,
		.maxattr	= CSE_A_INSTANCE_NAME,
	},
	{
		.cmd		= CSE_CMD_COUNTERS_RESET,
		.doit		= cse_nl_counters_reset_doit,
		.policy		= cse_counters_reset_nl_policy,
		.maxattr	= CSE_A_INSTANCE_ID,
		.flags		= GENL_ADMIN_PERM,
	},
};

/*
 * Events name the pids and device paths of every user's applications:
 * subscribing needs CAP_NET_ADMIN where the kernel can enforce it (the
 * group flag exists in Debian's 6.1 and in upstream 6.6 and later).
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define CSE_NL_EVENTS_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#else
#define CSE_NL_EVENTS_FLAGS	0
#endif

static const struct genl_multicast_group cse_nl_mcgrps[] = {
	[CSE_NL_MCGRP_EVENTS] = {
		.name = CSE_MCGRP_EVENTS,
		.flags = CSE_NL_EVENTS_FLAGS,
	},
};

/* Handlers take the module's own locks: no need for genl_mutex. */
static struct genl_family cse_nl_family __ro_after_init = {
	.name		= CSE_GENL_NAME,
	.version	= CSE_GENL_VERSION,
	.maxattr	= CSE_A_MAX,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= cse_nl_ops,
	.n_ops		= ARRAY_SIZE(cse_nl_ops),
	.mcgrps		= cse_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(cse_nl_mcgrps),
};

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

int cse_nl_register(void)
{
	return genl_register_family(&cse_nl_family);
}

void cse_nl_unregister(void)
{
	genl_unregister_family(&cse_nl_family);
}
