// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Instances and events as cse.ko reports them, decoded from generic
 * netlink messages into plain structs (the attribute tree is specified in
 * include/uapi/linux/cse.h and include/uapi/linux/cse.yaml), plus the
 * requests built on them: dump all, get one (by id or name), reset.
 *
 * Decoding is strict about what it needs (an id and a name, complete
 * grants and elements, right-sized integers, NUL-terminated strings) and
 * lenient about what it does not know: unknown attributes, nested or not,
 * are skipped so that a newer module still works with this csectl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "csectl.h"

static struct nla_policy top_policy[CSE_A_MAX + 1] = {
	[CSE_A_INSTANCE_ID]	= { .type = NLA_U64 },
	[CSE_A_INSTANCE_NAME]	= { .type = NLA_STRING, .maxlen = CSE_NAME_MAX },
	[CSE_A_CREATOR_UID]	= { .type = NLA_U32 },
	[CSE_A_CTIME_NS]	= { .type = NLA_U64 },
	[CSE_A_MEMBERS]		= { .type = NLA_NESTED },
	[CSE_A_GRANTS]		= { .type = NLA_NESTED },
	[CSE_A_COUNTERS]	= { .type = NLA_NESTED },
	[CSE_A_GRANT_TYPE]	= { .type = NLA_U32 },
	[CSE_A_GRANT_MAJOR]	= { .type = NLA_U32 },
	[CSE_A_GRANT_MINOR]	= { .type = NLA_U32 },
	[CSE_A_GRANT_ACCESS]	= { .type = NLA_U32 },
	[CSE_A_EVENT_PID]	= { .type = NLA_U32 },
	[CSE_A_EVENT_PATH]	= { .type = NLA_STRING, .maxlen = 4096 },
	[CSE_A_CONTINUED]	= { .type = NLA_FLAG },
	[CSE_A_PORTS]		= { .type = NLA_NESTED },
};

static struct nla_policy port_policy[CSE_A_MAX + 1] = {
	[CSE_A_PORT_PROTO]	= { .type = NLA_U32 },
	[CSE_A_PORT_GUEST]	= { .type = NLA_U32 },
	[CSE_A_PORT_HOST]	= { .type = NLA_U32 },
	[CSE_A_PORT_FLAGS]	= { .type = NLA_U32 },
};

static struct nla_policy grant_policy[CSE_A_MAX + 1] = {
	[CSE_A_GRANT_TYPE]	= { .type = NLA_U32 },
	[CSE_A_GRANT_MAJOR]	= { .type = NLA_U32 },
	[CSE_A_GRANT_MINOR]	= { .type = NLA_U32 },
	[CSE_A_GRANT_ACCESS]	= { .type = NLA_U32 },
};

static struct nla_policy counters_policy[CSE_A_MAX + 1] = {
	[CSE_A_OPENS_GRANTED]	= { .type = NLA_U64 },
	[CSE_A_OPENS_DENIED]	= { .type = NLA_U64 },
	[CSE_A_BYTES_READ]	= { .type = NLA_U64 },
	[CSE_A_BYTES_WRITTEN]	= { .type = NLA_U64 },
	[CSE_A_SYSCALLS]	= { .type = NLA_NESTED },
};

static struct nla_policy element_policy[CSE_A_MAX + 1] = {
	[CSE_A_ELEMENT_NAME]	= { .type = NLA_STRING,
				    .maxlen = CSE_ELEMENT_NAME_MAX },
	[CSE_A_ELEMENT_CALLS]	= { .type = NLA_U64 },
};

__attribute__((format(printf, 3, 4)))
static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* libnl checked the length and the terminating NUL; copy what fits. */
static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	size_t n = strnlen(nla_data(a), (size_t)nla_len(a));

	if (n >= len)
		n = len - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
}

static int parse_grant(struct nlattr *nest, struct csectl_grant *g,
		       char *why, size_t len)
{
	struct nlattr *tb[CSE_A_MAX + 1];

	if (nla_parse_nested(tb, CSE_A_MAX, nest, grant_policy) < 0)
		return bad(why, len, "malformed device grant");
	if (!tb[CSE_A_GRANT_TYPE] || !tb[CSE_A_GRANT_MAJOR] ||
	    !tb[CSE_A_GRANT_MINOR] || !tb[CSE_A_GRANT_ACCESS])
		return bad(why, len, "incomplete device grant");
	g->type = nla_get_u32(tb[CSE_A_GRANT_TYPE]);
	g->major = nla_get_u32(tb[CSE_A_GRANT_MAJOR]);
	g->minor = nla_get_u32(tb[CSE_A_GRANT_MINOR]);
	g->access = nla_get_u32(tb[CSE_A_GRANT_ACCESS]);
	return 0;
}

static int parse_members(struct csectl_inst *inst, struct nlattr *nest,
			 char *why, size_t len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != CSE_A_MEMBER_PID)
			continue;
		if (nla_len(a) != sizeof(uint32_t))
			return bad(why, len, "malformed member pid");
		inst->pids = csectl_xreallocarray(inst->pids, inst->n_pids + 1,
						  sizeof(*inst->pids));
		inst->pids[inst->n_pids++] = nla_get_u32(a);
	}
	return 0;
}

static int parse_grants(struct csectl_inst *inst, struct nlattr *nest,
			char *why, size_t len)
{
	struct nlattr *a;
	int rem, r;

	nla_for_each_nested(a, nest, rem) {
		struct csectl_grant g;

		if (nla_type(a) != CSE_A_GRANT)
			continue;
		r = parse_grant(a, &g, why, len);
		if (r)
			return r;
		inst->grants = csectl_xreallocarray(inst->grants,
						    inst->n_grants + 1,
						    sizeof(*inst->grants));
		inst->grants[inst->n_grants++] = g;
	}
	return 0;
}

static int parse_elements(struct csectl_inst *inst, struct nlattr *nest,
			  char *why, size_t len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		struct nlattr *tb[CSE_A_MAX + 1];
		struct csectl_elem *e;

		if (nla_type(a) != CSE_A_ELEMENT)
			continue;
		if (nla_parse_nested(tb, CSE_A_MAX, a, element_policy) < 0)
			return bad(why, len, "malformed element counter");
		if (!tb[CSE_A_ELEMENT_NAME] || !tb[CSE_A_ELEMENT_CALLS])
			return bad(why, len, "incomplete element counter");
		inst->elems = csectl_xreallocarray(inst->elems,
						   inst->n_elems + 1,
						   sizeof(*inst->elems));
		e = &inst->elems[inst->n_elems++];
		copy_str(e->name, sizeof(e->name), tb[CSE_A_ELEMENT_NAME]);
		e->calls = nla_get_u64(tb[CSE_A_ELEMENT_CALLS]);
	}
	return 0;
}

static int parse_ports(struct csectl_inst *inst, struct nlattr *nest,
		       char *why, size_t len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		struct nlattr *tb[CSE_A_MAX + 1];
		struct csectl_port *p;

		if (nla_type(a) != CSE_A_PORT)
			continue;
		if (nla_parse_nested(tb, CSE_A_MAX, a, port_policy) < 0)
			return bad(why, len, "malformed port pair");
		if (!tb[CSE_A_PORT_PROTO] || !tb[CSE_A_PORT_GUEST] ||
		    !tb[CSE_A_PORT_HOST] || !tb[CSE_A_PORT_FLAGS])
			return bad(why, len, "incomplete port pair");
		inst->ports = csectl_xreallocarray(inst->ports, inst->n_ports + 1,
						   sizeof(*inst->ports));
		p = &inst->ports[inst->n_ports++];
		p->proto = nla_get_u32(tb[CSE_A_PORT_PROTO]);
		p->guest = nla_get_u32(tb[CSE_A_PORT_GUEST]);
		p->host = nla_get_u32(tb[CSE_A_PORT_HOST]);
		p->flags = nla_get_u32(tb[CSE_A_PORT_FLAGS]);
	}
	return 0;
}

static int parse_counters(struct csectl_inst *inst, struct nlattr *nest,
			  char *why, size_t len)
{
	struct nlattr *tb[CSE_A_MAX + 1];

	if (nla_parse_nested(tb, CSE_A_MAX, nest, counters_policy) < 0)
		return bad(why, len, "malformed counters");
	if (tb[CSE_A_OPENS_GRANTED])
		inst->opens_granted = nla_get_u64(tb[CSE_A_OPENS_GRANTED]);
	if (tb[CSE_A_OPENS_DENIED])
		inst->opens_denied = nla_get_u64(tb[CSE_A_OPENS_DENIED]);
	if (tb[CSE_A_BYTES_READ])
		inst->bytes_read = nla_get_u64(tb[CSE_A_BYTES_READ]);
	if (tb[CSE_A_BYTES_WRITTEN])
		inst->bytes_written = nla_get_u64(tb[CSE_A_BYTES_WRITTEN]);
	if (tb[CSE_A_SYSCALLS])
		return parse_elements(inst, tb[CSE_A_SYSCALLS], why, len);
	return 0;
}

static int parse_top(const void *p, struct nlattr **tb, char *why, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;

	if (!genlmsg_valid_hdr(nlh, 0))
		return bad(why, len, "truncated generic netlink header");
	if (genlmsg_parse(nlh, 0, tb, CSE_A_MAX, top_policy) < 0)
		return bad(why, len, "malformed attributes");
	if (!tb[CSE_A_INSTANCE_ID])
		return bad(why, len, "no instance id");
	return 0;
}

int csectl_parse_instance(const void *nlh, struct csectl_inst *inst,
			  char *why, size_t len)
{
	struct nlattr *tb[CSE_A_MAX + 1];
	int r;

	memset(inst, 0, sizeof(*inst));
	r = parse_top(nlh, tb, why, len);
	if (r)
		return r;
	if (!tb[CSE_A_INSTANCE_NAME])
		return bad(why, len, "no instance name");
	inst->id = nla_get_u64(tb[CSE_A_INSTANCE_ID]);
	copy_str(inst->name, sizeof(inst->name), tb[CSE_A_INSTANCE_NAME]);
	if (tb[CSE_A_CREATOR_UID]) {
		inst->has_uid = true;
		inst->creator_uid = nla_get_u32(tb[CSE_A_CREATOR_UID]);
	}
	if (tb[CSE_A_CTIME_NS]) {
		inst->has_ctime = true;
		inst->ctime_ns = nla_get_u64(tb[CSE_A_CTIME_NS]);
	}
	if (tb[CSE_A_MEMBERS])
		r = parse_members(inst, tb[CSE_A_MEMBERS], why, len);
	if (!r && tb[CSE_A_GRANTS])
		r = parse_grants(inst, tb[CSE_A_GRANTS], why, len);
	if (!r && tb[CSE_A_COUNTERS])
		r = parse_counters(inst, tb[CSE_A_COUNTERS], why, len);
	if (!r && tb[CSE_A_PORTS])
		r = parse_ports(inst, tb[CSE_A_PORTS], why, len);
	if (r)
		csectl_inst_free(inst);
	return r;
}

/*
 * A dump part carrying CSE_A_CONTINUED holds the next member pids of the
 * instance in the message right before it (cse.ko splits instances whose
 * members do not fit in one message).
 */
static int merge_continued(struct nlattr **tb, struct csectl_inst *v,
			   size_t n, char *why, size_t len)
{
	uint64_t id = nla_get_u64(tb[CSE_A_INSTANCE_ID]);

	if (!n || v[n - 1].id != id)
		return bad(why, len,
			   "member list of instance %llu continued without its instance",
			   (unsigned long long)id);
	if (!tb[CSE_A_MEMBERS])
		return 0;
	return parse_members(&v[n - 1], tb[CSE_A_MEMBERS], why, len);
}

int csectl_collect_instance(const void *nlh, struct csectl_inst **v,
			    size_t *n, char *why, size_t len)
{
	struct nlattr *tb[CSE_A_MAX + 1];
	struct csectl_inst inst;
	int r;

	r = parse_top(nlh, tb, why, len);
	if (r)
		return r;
	if (tb[CSE_A_CONTINUED])
		return merge_continued(tb, *v, *n, why, len);
	r = csectl_parse_instance(nlh, &inst, why, len);
	if (r)
		return r;
	*v = csectl_xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = inst;
	return 0;
}

int csectl_parse_event(const void *nlh, struct csectl_event *ev,
		       char *why, size_t len)
{
	struct nlattr *tb[CSE_A_MAX + 1];
	int r;

	memset(ev, 0, sizeof(*ev));
	r = parse_top(nlh, tb, why, len);
	if (r)
		return r;
	ev->cmd = ((const struct genlmsghdr *)
		   nlmsg_data((const struct nlmsghdr *)nlh))->cmd;
	ev->id = nla_get_u64(tb[CSE_A_INSTANCE_ID]);
	if (tb[CSE_A_INSTANCE_NAME]) {
		ev->has_name = true;
		copy_str(ev->name, sizeof(ev->name), tb[CSE_A_INSTANCE_NAME]);
	}
	if (tb[CSE_A_EVENT_PID]) {
		ev->has_pid = true;
		ev->pid = nla_get_u32(tb[CSE_A_EVENT_PID]);
	}
	if (tb[CSE_A_GRANT_TYPE] && tb[CSE_A_GRANT_MAJOR] &&
	    tb[CSE_A_GRANT_MINOR] && tb[CSE_A_GRANT_ACCESS]) {
		ev->has_dev = true;
		ev->dev.type = nla_get_u32(tb[CSE_A_GRANT_TYPE]);
		ev->dev.major = nla_get_u32(tb[CSE_A_GRANT_MAJOR]);
		ev->dev.minor = nla_get_u32(tb[CSE_A_GRANT_MINOR]);
		ev->dev.access = nla_get_u32(tb[CSE_A_GRANT_ACCESS]);
	}
	if (tb[CSE_A_EVENT_PATH]) {
		ev->has_path = true;
		copy_str(ev->path, sizeof(ev->path), tb[CSE_A_EVENT_PATH]);
	}
	return 0;
}

void csectl_inst_free(struct csectl_inst *inst)
{
	free(inst->pids);
	free(inst->grants);
	free(inst->elems);
	free(inst->ports);
	inst->ports = NULL;
	inst->n_ports = 0;
	inst->pids = NULL;
	inst->grants = NULL;
	inst->elems = NULL;
	inst->n_pids = inst->n_grants = inst->n_elems = 0;
}

void csectl_insts_free(struct csectl_inst *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csectl_inst_free(&v[i]);
	free(v);
}

/* Saturating: a sum that wraps would show a nonsense rate. */
uint64_t csectl_inst_syscalls(const struct csectl_inst *inst)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < inst->n_elems; i++)
		sum = inst->elems[i].calls > UINT64_MAX - sum ?
			UINT64_MAX : sum + inst->elems[i].calls;
	return sum;
}

static int by_id(const void *a, const void *b)
{
	const struct csectl_inst *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void csectl_insts_sort(struct csectl_inst *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), by_id);
}

/*
 * ID|NAME: all digits is an id; anything else is a name, checked as the
 * kernel checks it (1..CSE_NAME_MAX-1 printable bytes). "name=" forces a
 * name, for instances whose name is all digits.
 */
int csectl_parse_ref(const char *arg, struct csectl_ref *ref)
{
	size_t n;

	memset(ref, 0, sizeof(*ref));
	if (strncmp(arg, "name=", 5) && arg[0] >= '0' && arg[0] <= '9')
		return csectl_parse_u64(arg, &ref->id);
	if (!strncmp(arg, "name=", 5))
		arg += 5;
	n = strlen(arg);
	if (!n)
		return -EINVAL;
	if (n >= CSE_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] < 0x20 || (unsigned char)arg[i] > 0x7e)
			return -EINVAL;
	ref->by_name = true;
	memcpy(ref->name, arg, n + 1);
	return 0;
}

const char *csectl_event_name(unsigned int cmd)
{
	switch (cmd) {
	case CSE_CMD_INSTANCE_NEW:	return "instance-new";
	case CSE_CMD_INSTANCE_DEL:	return "instance-del";
	case CSE_CMD_MEMBER_JOIN:	return "member-join";
	case CSE_CMD_MEMBER_LEAVE:	return "member-leave";
	case CSE_CMD_DEV_GRANTED:	return "dev-granted";
	case CSE_CMD_DEV_DENIED:	return "dev-denied";
	default:			return NULL;
	}
}

/*
 * cse.ko shows a requester without CAP_NET_ADMIN (in the initial user
 * namespace) only the instances its uid created. csectl opens its own
 * socket, so the kernel's check is about csectl's own effective set:
 * capget answers it without asking the kernel for anything more. (Inside
 * a user namespace a capability there is not one over the machine; the
 * kernel then still shows the partial view, without this line.)
 */
bool csectl_sees_all(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[CAP_NET_ADMIN / 32].effective & (1U << (CAP_NET_ADMIN % 32));
}

void csectl_view_hint(void)
{
	if (!csectl_sees_all())
		fprintf(stderr,
			"csectl: showing only instances created by uid %u (CAP_NET_ADMIN sees all)\n",
			(unsigned int)getuid());
}

/* Requests. */

struct collect {
	struct csectl_inst *v;
	size_t n;
	char why[128];
};

static int collect_one(const void *nlh, void *arg)
{
	struct collect *c = arg;

	if (((const struct genlmsghdr *)
	     nlmsg_data((const struct nlmsghdr *)nlh))->cmd != CSE_CMD_INSTANCE_GET)
		return 0;
	return csectl_collect_instance(nlh, &c->v, &c->n, c->why,
				       sizeof(c->why));
}

static void report_malformed(struct csectl_ctx *ctx, int rc, const char *what,
			     const struct collect *c)
{
	if (rc == -EBADMSG && !ctx->err && c->why[0]) {
		csectl_err("%s: malformed reply from cse.ko: %s", what, c->why);
		csectl_hint("csectl and cse.ko may disagree on the ABI; rebuild both from one tree");
	} else {
		csectl_report(ctx, rc, what);
	}
}

#define DUMP_TRIES 5

int csectl_dump(struct csectl_ctx *ctx, struct csectl_inst **v, size_t *n)
{
	struct collect c;
	int r = -EINTR;

	for (int i = 0; i < DUMP_TRIES && r == -EINTR; i++) {
		struct nl_msg *msg = csectl_msg_new(ctx, CSE_CMD_INSTANCE_GET,
						    NLM_F_DUMP);

		if (!msg)
			return -1;
		memset(&c, 0, sizeof(c));
		r = csectl_request(ctx, msg, collect_one, &c);
		if (r)
			csectl_insts_free(c.v, c.n);
	}
	if (r == -EINTR) {
		csectl_err("list instances: the instance list kept changing during %d dumps",
			   DUMP_TRIES);
		csectl_hint("try again");
		return -1;
	}
	if (r) {
		report_malformed(ctx, r, "list instances", &c);
		return -1;
	}
	csectl_insts_sort(c.v, c.n);
	*v = c.v;
	*n = c.n;
	return 0;
}

static void ref_what(const struct csectl_ref *ref, const char *verb,
		     char *buf, size_t len)
{
	if (ref->by_name)
		snprintf(buf, len, "%sinstance \"%s\"", verb, ref->name);
	else
		snprintf(buf, len, "%sinstance %llu", verb,
			 (unsigned long long)ref->id);
}

int csectl_get(struct csectl_ctx *ctx, const struct csectl_ref *ref,
	       struct csectl_inst *inst)
{
	struct nl_msg *msg = csectl_msg_new(ctx, CSE_CMD_INSTANCE_GET, 0);
	struct collect c;
	char what[128];
	int r;

	if (!msg)
		return -1;
	if (ref->by_name ?
	    nla_put_string(msg, CSE_A_INSTANCE_NAME, ref->name) :
	    nla_put_u64(msg, CSE_A_INSTANCE_ID, ref->id)) {
		nlmsg_free(msg);
		csectl_err("out of memory");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	r = csectl_request(ctx, msg, collect_one, &c);
	ref_what(ref, "", what, sizeof(what));
	if (!r && c.n != 1) {
		snprintf(c.why, sizeof(c.why), "%zu instances in a get reply",
			 c.n);
		r = -EBADMSG;
	}
	if (r) {
		csectl_insts_free(c.v, c.n);
		if (r == -ENOENT && !ctx->extack[0]) {
			csectl_err("%s: no such instance", what);
			csectl_hint("'csectl list' shows the instances");
		} else {
			report_malformed(ctx, r, what, &c);
			if (r == -ENOENT)
				csectl_hint("'csectl list' shows the instances");
		}
		if (r == -ENOENT)
			csectl_view_hint();
		return -1;
	}
	*inst = c.v[0];
	free(c.v);
	return 0;
}

int csectl_reset(struct csectl_ctx *ctx, const struct csectl_ref *ref)
{
	struct csectl_ref by_id = *ref;
	struct nl_msg *msg;
	char what[128];
	int r;

	/* The kernel takes an id only: resolve a name first. */
	if (ref->by_name) {
		struct csectl_inst inst;

		if (csectl_get(ctx, ref, &inst))
			return -1;
		by_id.by_name = false;
		by_id.id = inst.id;
		csectl_inst_free(&inst);
	}
	msg = csectl_msg_new(ctx, CSE_CMD_COUNTERS_RESET, 0);
	if (!msg)
		return -1;
	if (nla_put_u64(msg, CSE_A_INSTANCE_ID, by_id.id)) {
		nlmsg_free(msg);
		csectl_err("out of memory");
		return -1;
	}
	r = csectl_request(ctx, msg, NULL, NULL);
	if (r) {
		ref_what(ref, "reset ", what, sizeof(what));
		if (r == -ENOENT && !ctx->extack[0]) {
			csectl_err("%s: no such instance", what);
			csectl_hint("'csectl list' shows the instances");
		} else {
			csectl_report(ctx, r, what);
		}
		return -1;
	}
	return 0;
}
