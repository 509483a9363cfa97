// SPDX-License-Identifier: GPL-2.0
/*
 * The port map of an instance, as its runtime's net element reports it
 * (CSE_IOC_REPORT_PORTS): guest:host port pairs, shown by the netlink
 * instance replies (CSE_A_PORTS) so that csectl can list them.
 *
 * The kernel does nothing with the map but keep and show it; the ports
 * are translated in the application's own process. A report replaces
 * the whole map, after every entry was checked; the map is kept under
 * the instance's report spinlock (syscalls_lock, a leaf), which the
 * zeroed instance already has initialised by cse_syscalls_init().
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/genetlink.h>

#include "cse.h"

static int cse_port_check(const struct cse_port *p)
{
	if (p->proto != CSE_PORT_TCP && p->proto != CSE_PORT_UDP)
		return -EINVAL;
	if (p->flags & ~CSE_PORT_FLAGS_ALL)
		return -EINVAL;
	if (!p->guest || !p->host || p->reserved)
		return -EINVAL;
	return 0;
}

/* Every entry valid, no proto with a guest or host port twice. */
static int cse_ports_check(const struct cse_port *p, u32 n)
{
	u32 i, j;
	int err;

	for (i = 0; i < n; i++) {
		err = cse_port_check(&p[i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (p[j].proto == p[i].proto &&
			    (p[j].guest == p[i].guest ||
			     p[j].host == p[i].host))
				return -EINVAL;
	}
	return 0;
}

/**
 * cse_ports_report - CSE_IOC_REPORT_PORTS on @inst
 * @inst: the instance
 * @req: the request, copied in; flags and reserved0 not yet checked
 *
 * Checks in the ABI's order: flags and reserved0 (EINVAL), the caller
 * (EPERM), n_ports (E2BIG), the array (EFAULT), each entry (EINVAL).
 * A rejected report changes nothing.
 */
int cse_ports_report(struct cse_instance *inst,
		     const struct cse_port_report *req)
{
	struct cse_port *p = NULL;
	int err;

	if (req->flags || req->reserved0)
		return -EINVAL;
	if (!cse_instance_is_owner(inst))
		return -EPERM;
	if (req->n_ports > CSE_PORTS_MAX)
		return -E2BIG;
	if (req->n_ports) {
		p = memdup_user(u64_to_user_ptr(req->ports),
				array_size(req->n_ports, sizeof(*p)));
		if (IS_ERR(p))
			return PTR_ERR(p);
		err = cse_ports_check(p, req->n_ports);
		if (err) {
			kfree(p);
			return err;
		}
	}
	spin_lock(&inst->syscalls_lock);
	if (req->n_ports)
		memcpy(inst->ports, p, req->n_ports * sizeof(*p));
	inst->n_ports = req->n_ports;
	spin_unlock(&inst->syscalls_lock);
	kfree(p);
	return 0;
}

/* CSE_A_PORTS for a netlink reply; nothing when the map is empty. */
int cse_ports_put_nl(struct sk_buff *skb, struct cse_instance *inst)
{
	struct cse_port map[CSE_PORTS_MAX];
	struct nlattr *nest, *port;
	u32 i, n;

	spin_lock(&inst->syscalls_lock);
	n = inst->n_ports;
	memcpy(map, inst->ports, n * sizeof(map[0]));
	spin_unlock(&inst->syscalls_lock);
	if (!n)
		return 0;
	nest = nla_nest_start(skb, CSE_A_PORTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		port = nla_nest_start(skb, CSE_A_PORT);
		if (!port ||
		    nla_put_u32(skb, CSE_A_PORT_PROTO, map[i].proto) ||
		    nla_put_u32(skb, CSE_A_PORT_GUEST, map[i].guest) ||
		    nla_put_u32(skb, CSE_A_PORT_HOST, map[i].host) ||
		    nla_put_u32(skb, CSE_A_PORT_FLAGS, map[i].flags))
			return -EMSGSIZE;
		nla_nest_end(skb, port);
	}
	nla_nest_end(skb, nest);
	return 0;
}
