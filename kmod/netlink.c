// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cse": instance queries, the counter reset
 * and the "events" multicast group (whose messages events.c builds). The
 * attribute tree is specified in include/uapi/linux/cse.h and
 * include/uapi/linux/cse.yaml.
 *
 * Policies and ops are laid out the way the YNL generator would emit them
 * for this spec, in the 6.1 genl_ops form: one policy per request, strict
 * validation everywhere (no GENL_DONT_VALIDATE_* flags, resv_start_op 0).
 * Notifications have no ops, so the core refuses them as requests with
 * EOPNOTSUPP.
 *
 * Dumps walk the registry in id order and resume from cb->args (see the
 * CSE_NL_DUMP_* indexes), splitting an instance whose members do not fit
 * in one skb into CSE_A_CONTINUED parts, so a dump never fails for size:
 * instances may grow between two dumpit calls. Every message records the
 * registry generation read after it was filled;
 * genl_dump_check_consistent() flags NLM_F_DUMP_INTR on the first
 * message after a change, so a change anywhere in a multi-part dump is
 * seen.
 *
 * Who sees what is decided by cse_nl_view_of() (policy in the ABI
 * header): a get of an instance the requester may not see fails as if it
 * did not exist, a dump leaves it out.
 */
#include <linux/capability.h>
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

/* Everything of an instance message but its member pids. */
static size_t cse_nl_fixed_size(u32 n_grants)
{
	size_t grant = nla_total_size(0) + 4 * nla_total_size(sizeof(u32));
	size_t element = nla_total_size(0) +
			 nla_total_size(CSE_ELEMENT_NAME_MAX) +
			 nla_total_size_64bit(sizeof(u64));
	size_t port = nla_total_size(0) + 4 * nla_total_size(sizeof(u32));

	return nla_total_size_64bit(sizeof(u64))		/* ID */
	       + nla_total_size(CSE_NAME_MAX)			/* NAME */
	       + nla_total_size(sizeof(u32))			/* CREATOR_UID */
	       + nla_total_size_64bit(sizeof(u64))		/* CTIME_NS */
	       + nla_total_size(0) + n_grants * grant
	       + nla_total_size(0) + 4 * nla_total_size_64bit(sizeof(u64))
	       + nla_total_size(0) + CSE_ELEMENTS_MAX * element
	       + nla_total_size(0) + CSE_PORTS_MAX * port	/* PORTS */
	       + nla_total_size(0);				/* MEMBERS */
}

/* Room for one whole instance message; n_members is read unlocked. */
static size_t cse_nl_instance_size(const struct cse_instance *inst,
				   u32 n_members)
{
	return cse_nl_fixed_size(inst->n_grants) +
	       n_members * nla_total_size(sizeof(u32));
}

/*
 * Who sees what (the policy is in include/uapi/linux/cse.h): CAP_NET_ADMIN
 * over the whole machine (init_user_ns, the check GENL_ADMIN_PERM makes)
 * sees every instance, like the events group; anyone else only those it
 * created. Decided once per request, in the requester's context.
 */
struct cse_nl_view {
	bool all;
	kuid_t uid;
};

static void cse_nl_view_of(const struct sk_buff *skb, struct cse_nl_view *v)
{
	v->all = netlink_capable(skb, CAP_NET_ADMIN);
	v->uid = current_uid();
}

static bool cse_nl_sees(const struct cse_nl_view *v,
			const struct cse_instance *inst)
{
	return v->all || uid_eq(v->uid, inst->creator);
}

/* Member pids from index @skip on, as many as fit in @skb. */
struct cse_nl_members {
	struct sk_buff *skb;
	u32 skip;		/* sent in earlier parts */
	u32 index;		/* walked so far */
};

static int cse_nl_put_member(struct pid *tgid, void *arg)
{
	struct cse_nl_members *m = arg;
	pid_t nr;

	if (m->index < m->skip) {
		m->index++;
		return 0;
	}
	/* 0: not visible in the reader's pid namespace, leave it out. */
	nr = pid_vnr(tgid);
	if (nr && nla_put_u32(m->skb, CSE_A_MEMBER_PID, nr))
		return -EMSGSIZE;
	m->index++;
	return 0;
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

/* The attributes of a first part, all but the members. */
static int cse_nl_put_fixed(struct sk_buff *skb, struct cse_instance *inst,
			    struct user_namespace *user_ns)
{
	struct nlattr *nest;
	u32 i;

	if (nla_put_string(skb, CSE_A_INSTANCE_NAME, inst->name) ||
	    nla_put_u32(skb, CSE_A_CREATOR_UID,
			from_kuid_munged(user_ns, inst->creator)) ||
	    nla_put_u64_64bit(skb, CSE_A_CTIME_NS, inst->create_time_ns,
			      CSE_A_PAD))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, CSE_A_GRANTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < inst->n_grants; i++)
		if (cse_nl_put_grant(skb, &inst->grants[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	if (cse_ports_put_nl(skb, inst))
		return -EMSGSIZE;
	return cse_nl_put_counters(skb, inst);
}

/**
 * cse_nl_fill_instance - one instance message, or one part of it
 * @skb: where to add it
 * @inst: the instance
 * @user_ns: translates the creator uid (member pids are translated into
 *	     the current task's pid namespace, the reader's)
 * @portid: @seq: @flags: of the netlink header
 * @cb: a dump callback (the message takes part in the consistency
 *	check), or NULL
 * @sent: in: members sent in earlier parts (0 for a first part, which
 *	  carries every attribute; else a continuation: ID, CONTINUED and
 *	  the next members); out: where the next part starts
 *
 * Members go last, as many as fit. An instance is split only when it
 * starts an skb of its own, and a continuation only when it sends at
 * least one member, so a dump always moves forward. Returns 0 when the
 * member list is complete, 1 when the message ended with more members to
 * come, -EMSGSIZE when nothing was added.
 */
static int cse_nl_fill_instance(struct sk_buff *skb, struct cse_instance *inst,
				struct user_namespace *user_ns, u32 portid,
				u32 seq, int flags, struct netlink_callback *cb,
				u32 *sent)
{
	struct cse_nl_members m = { .skb = skb, .skip = *sent };
	bool alone = !skb->len;
	struct nlattr *nest;
	void *hdr;
	int more;

	hdr = genlmsg_put(skb, portid, seq, &cse_nl_family, flags,
			  CSE_CMD_INSTANCE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, CSE_A_INSTANCE_ID, inst->id, CSE_A_PAD))
		goto cancel;
	if (*sent ? nla_put_flag(skb, CSE_A_CONTINUED) :
		    cse_nl_put_fixed(skb, inst, user_ns))
		goto cancel;
	nest = nla_nest_start(skb, CSE_A_MEMBERS);
	if (!nest)
		goto cancel;
	more = cse_instance_walk_members(inst, cse_nl_put_member, &m);
	if (more && (!alone || (*sent && m.index == m.skip)))
		goto cancel;
	nla_nest_end(skb, nest);

	if (cb) {
		/* Read after filling: covers members pruned just now. */
		cb->seq = cse_registry_generation();
		genl_dump_check_consistent(cb, hdr);
	}
	genlmsg_end(skb, hdr);
	*sent = more ? m.index : 0;
	return more ? 1 : 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

struct cse_nl_name_match {
	const char *name;
	const struct cse_nl_view *view;
	struct cse_instance *found;
};

/* Registry walker: the lowest id with the name the requester sees wins. */
static int cse_nl_match_name(struct cse_instance *inst, void *arg)
{
	struct cse_nl_name_match *m = arg;

	if (!cse_nl_sees(m->view, inst) || strcmp(inst->name, m->name))
		return 0;
	/* Safe: the registry mutex keeps a listed instance's refs above 0. */
	cse_instance_get(inst);
	m->found = inst;
	return 1;
}

static struct cse_instance *cse_nl_lookup_name(const char *name,
					       const struct cse_nl_view *view)
{
	struct cse_nl_name_match m = { .name = name, .view = view };
	unsigned long pos = 0;

	cse_registry_for_each(&pos, cse_nl_match_name, &m);
	return m.found;
}

/* An instance the requester may not see does not exist for it. */
static struct cse_instance *cse_nl_lookup_id(u64 id,
					     const struct cse_nl_view *view)
{
	struct cse_instance *inst = cse_instance_lookup(id);

	if (inst && !cse_nl_sees(view, inst)) {
		cse_instance_put(inst);
		inst = NULL;
	}
	return inst;
}

static int cse_nl_instance_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[CSE_A_INSTANCE_ID];
	struct nlattr *name_attr = info->attrs[CSE_A_INSTANCE_NAME];
	struct user_namespace *user_ns = sk_user_ns(NETLINK_CB(skb).sk);
	struct cse_instance *inst;
	struct cse_nl_view view;
	struct sk_buff *msg;
	size_t size, max;
	u32 sent;
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
	cse_nl_view_of(skb, &view);
	if (id_attr) {
		inst = cse_nl_lookup_id(nla_get_u64(id_attr), &view);
	} else {
		if (!*(char *)nla_data(name_attr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
					    "instance name is empty");
			return -EINVAL;
		}
		inst = cse_nl_lookup_name(nla_data(name_attr), &view);
	}
	if (!inst) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr ?: name_attr,
				    "no such instance");
		return -ENOENT;
	}

	/* One message. Members may join meanwhile: retry with room for all. */
	size = cse_nl_instance_size(inst, READ_ONCE(inst->n_members));
	max = cse_nl_instance_size(inst, CSE_MEMBERS_MAX);
	for (;;) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		sent = 0;
		err = cse_nl_fill_instance(msg, inst, user_ns, info->snd_portid,
					   info->snd_seq, 0, NULL, &sent);
		if (!err || size >= max)
			break;
		nlmsg_free(msg);
		size = max;
	}
	cse_instance_put(inst);
	if (err) {
		nlmsg_free(msg);
		return err < 0 ? err : -EMSGSIZE;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dump state in cb->args: [0] the next instance id to visit, [1] the id
 * of an instance whose member list is being split (0: none) and [2] how
 * many of its members were walked, [3] and [4] the requester's view.
 */
enum {
	CSE_NL_DUMP_POS,
	CSE_NL_DUMP_SPLIT_ID,
	CSE_NL_DUMP_SPLIT_SENT,
	CSE_NL_DUMP_VIEW_ALL,
	CSE_NL_DUMP_VIEW_UID,
};

static int cse_nl_instance_get_dumpstart(struct netlink_callback *cb)
{
	struct cse_nl_view view;

	/* Here, unlike in later dumpit calls, current is the requester. */
	cse_nl_view_of(cb->skb, &view);
	cb->args[CSE_NL_DUMP_VIEW_ALL] = view.all;
	cb->args[CSE_NL_DUMP_VIEW_UID] = __kuid_val(view.uid);
	/* Room for the largest first part with a member: progress. */
	cb->min_dump_alloc = nlmsg_total_size(GENL_HDRLEN +
					      cse_nl_fixed_size(CSE_GRANTS_MAX) +
					      nla_total_size(sizeof(u32)));
	return 0;
}

struct cse_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct cse_nl_view view;
};

static int cse_nl_dump_one(struct cse_instance *inst, void *arg)
{
	struct cse_nl_dump *d = arg;
	struct netlink_callback *cb = d->cb;
	u32 sent = 0;
	int err;

	if (!cse_nl_sees(&d->view, inst))
		return 0;
	if (cb->args[CSE_NL_DUMP_SPLIT_ID] == inst->id)
		sent = cb->args[CSE_NL_DUMP_SPLIT_SENT];
	err = cse_nl_fill_instance(d->skb, inst,
				   sk_user_ns(NETLINK_CB(cb->skb).sk),
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI, cb, &sent);
	if (err < 0)
		return err;
	cb->args[CSE_NL_DUMP_SPLIT_ID] = err ? inst->id : 0;
	cb->args[CSE_NL_DUMP_SPLIT_SENT] = sent;
	/* More members to come: end this skb, resume at this instance. */
	return err ? -EMSGSIZE : 0;
}

static int cse_nl_instance_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct cse_nl_dump d = { .skb = skb, .cb = cb };
	unsigned long pos = cb->args[CSE_NL_DUMP_POS];
	int err;

	/*
	 * The do policy is shared; refuse its keys here, where 6.1 has an
	 * extack (the error and its message come back with NLMSG_DONE).
	 */
	if (info->attrs[CSE_A_INSTANCE_ID] || info->attrs[CSE_A_INSTANCE_NAME]) {
		NL_SET_ERR_MSG(cb->extack, "a dump takes no attributes");
		return -EINVAL;
	}
	d.view.all = cb->args[CSE_NL_DUMP_VIEW_ALL];
	d.view.uid = KUIDT_INIT(cb->args[CSE_NL_DUMP_VIEW_UID]);
	err = cse_registry_for_each(&pos, cse_nl_dump_one, &d);
	cb->args[CSE_NL_DUMP_POS] = pos;
	/*
	 * Also for a call that added no message: the core checks NLMSG_DONE
	 * against it, so a change after the last message is flagged too.
	 */
	cb->seq = cse_registry_generation();
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
	/* Admins only, who see every instance. */
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
struct genl_family cse_nl_family __ro_after_init = {
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

int cse_nl_register(void)
{
	return genl_register_family(&cse_nl_family);
}

void cse_nl_unregister(void)
{
	genl_unregister_family(&cse_nl_family);
}
