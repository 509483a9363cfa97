// SPDX-License-Identifier: GPL-2.0
/*
 * Who sees which instance over netlink. Without CAP_NET_ADMIN a requester
 * sees only the instances its uid created, in a get (by id and by name)
 * as in a dump, and another user's instance answers exactly like one that
 * does not exist (ENOENT, "no such instance"). CAP_NET_ADMIN sees all; a
 * root process without it is treated like any other uid. Unprivileged
 * sides are forked children (uid 65534, or uid 0 with CAP_NET_ADMIN
 * dropped) that report their findings through a pipe.
 */
#include <sys/syscall.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

#define MAX_SEEN 64

/* What one requester found. */
struct view {
	int dump_err;
	int n_seen;
	uint64_t seen[MAX_SEEN];
	uint32_t seen_uid[MAX_SEEN];
	int get_err[4];
	char get_msg[4][64];
	uint64_t same_id;	/* get by the shared name */
	uint64_t own[2];	/* the instances the child created, if any */
};

struct probe {
	uint64_t foreign_id;	/* someone else's instance */
	const char *foreign_name;
	const char *shared_name;
};

static void collect(struct nlmsghdr *nlh, void *arg)
{
	struct view *v = arg;
	struct nl_instance in;

	nl_parse_instance(nlh, &in);
	if (v->n_seen < MAX_SEEN) {
		v->seen[v->n_seen] = in.id;
		v->seen_uid[v->n_seen] = in.creator_uid;
	}
	v->n_seen++;
}

static int seen(const struct view *v, uint64_t id)
{
	int i, n = 0;

	for (i = 0; i < v->n_seen && i < MAX_SEEN; i++)
		n += v->seen[i] == id;
	return n;
}

/* Dump, and the gets of probe p, into v. 0 or an errno. */
static int look(int sock, uint16_t fam, const struct probe *p, struct view *v)
{
	struct nl_instance in;
	struct nl_ack ack;
	struct nl_req r;
	int i;

	nl_req_init(&r, fam, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	if (nl_transact(sock, &r, &ack, collect, v, 4096, NULL))
		return errno;
	v->dump_err = ack.error;
	for (i = 0; i < 4; i++) {
		nl_req_init(&r, fam, CSE_CMD_INSTANCE_GET, 0);
		switch (i) {
		case 0:
			nl_put_u64(&r, CSE_A_INSTANCE_ID, p->foreign_id);
			break;
		case 1:
			nl_put_u64(&r, CSE_A_INSTANCE_ID, UINT32_MAX);
			break;
		case 2:
			nl_put_str(&r, CSE_A_INSTANCE_NAME, p->foreign_name);
			break;
		case 3:
			nl_put_str(&r, CSE_A_INSTANCE_NAME, "vis-nobody-uses-this");
			break;
		}
		if (nl_transact(sock, &r, &ack, NULL, NULL, NL_BUF_SIZE, NULL))
			return errno;
		v->get_err[i] = ack.error;
		snprintf(v->get_msg[i], sizeof(v->get_msg[i]), "%s", ack.msg);
	}
	nl_req_init(&r, fam, CSE_CMD_INSTANCE_GET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, p->shared_name);
	memset(&in, 0, sizeof(in));
	if (nl_transact(sock, &r, &ack, nl_get_one, &in, NL_BUF_SIZE, NULL))
		return errno;
	v->same_id = ack.error ? 0 : in.id;
	return 0;
}

/* A forked looker: reports its view, then holds its instances. */
struct looker {
	pid_t pid;
	int release;
	struct view v;
	int code;
};

enum who { AS_NOBODY, AS_ROOT_WITHOUT_NET_ADMIN };

static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].permitted &= ~(1U << (CAP_NET_ADMIN % 32));
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

static int looker_body(enum who who, const struct probe *p, struct view *v)
{
	struct nl_family_info fam;
	int dev, sock, i;

	if (who == AS_NOBODY ? cse_become_nobody() : drop_net_admin())
		return errno ? errno : EPERM;
	dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	if (who == AS_NOBODY) {
		/* Own instances; the second shares a name with root's. */
		for (i = 0; i < 2; i++) {
			struct cse_instance_info info;
			int fd = cse_create(dev, i ? p->shared_name : "vis-nobody",
					    NULL, 0, 0);

			if (fd < 0 || cse_info(fd, &info))
				return errno;
			v->own[i] = info.id;
		}
	}
	sock = nl_socket();
	if (sock < 0)
		return errno;
	i = nl_resolve(sock, &fam);
	if (i)
		return -i;
	return look(sock, fam.id, p, v);
}

static int start_looker(struct looker *l, enum who who, const struct probe *p)
{
	int res[2], rel[2];

	memset(l, 0, sizeof(*l));
	if (pipe(res) || pipe(rel))
		return -1;
	l->pid = fork();
	if (l->pid < 0)
		return -1;
	if (l->pid == 0) {
		struct view v;
		int code;
		char c;

		close(res[0]);
		close(rel[1]);
		memset(&v, 0, sizeof(v));
		code = looker_body(who, p, &v);
		if (write(res[1], &code, sizeof(code)) != sizeof(code) ||
		    write(res[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		while (read(rel[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(res[1]);
	close(rel[0]);
	l->release = rel[1];
	if (read(res[0], &l->code, sizeof(l->code)) != sizeof(l->code) ||
	    read(res[0], &l->v, sizeof(l->v)) != sizeof(l->v))
		l->code = -1;
	close(res[0]);
	return 0;
}

static void stop_looker(struct looker *l)
{
	close(l->release);
	waitpid(l->pid, NULL, 0);
}

TEST_F(nl, unprivileged_sees_only_its_own)
{
	struct probe p = { .foreign_name = "vis-root", .shared_name = "vis-same" };
	struct looker nb, r0;
	struct view root = { 0 };
	uint64_t same_root;
	int a, b, i;

	a = ASSERT_OK(cse_create(self->dev, "vis-root", NULL, 0, 0));
	b = ASSERT_OK(cse_create(self->dev, "vis-same", NULL, 0, 0));
	p.foreign_id = cse_inst_id(a);
	same_root = cse_inst_id(b);

	ASSERT_EQ(0, start_looker(&nb, AS_NOBODY, &p));
	ASSERT_EQ(0, nb.code);
	/* The dump: exactly its two instances, nothing of root's. */
	EXPECT_EQ(0, nb.v.dump_err);
	EXPECT_EQ(2, nb.v.n_seen);
	EXPECT_EQ(1, seen(&nb.v, nb.v.own[0]));
	EXPECT_EQ(1, seen(&nb.v, nb.v.own[1]));
	for (i = 0; i < nb.v.n_seen && i < MAX_SEEN; i++)
		EXPECT_EQ((uint32_t)NOBODY_UID, nb.v.seen_uid[i]);
	/* Root's instance answers like one that does not exist. */
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(-ENOENT, nb.v.get_err[i]);
		EXPECT_STREQ("no such instance", nb.v.get_msg[i]);
	}
	/* The shared name resolves to its own, though root's id is lower. */
	EXPECT_LT(same_root, nb.v.own[1]);
	EXPECT_EQ(nb.v.own[1], nb.v.same_id);

	/* Root with CAP_NET_ADMIN sees everything. */
	ASSERT_EQ(0, look(self->sock, self->fam.id,
			  &(struct probe){ .foreign_id = nb.v.own[0],
					   .foreign_name = "vis-nobody",
					   .shared_name = "vis-same" }, &root));
	EXPECT_EQ(0, root.dump_err);
	EXPECT_EQ(1, seen(&root, p.foreign_id));
	EXPECT_EQ(1, seen(&root, same_root));
	EXPECT_EQ(1, seen(&root, nb.v.own[0]));
	EXPECT_EQ(1, seen(&root, nb.v.own[1]));
	EXPECT_EQ(0, root.get_err[0]);
	EXPECT_EQ(0, root.get_err[2]);
	EXPECT_EQ(-ENOENT, root.get_err[1]);
	EXPECT_EQ(same_root, root.same_id);

	/* uid 0 without CAP_NET_ADMIN: uid 0's instances only. */
	p.foreign_id = nb.v.own[0];
	p.foreign_name = "vis-nobody";
	ASSERT_EQ(0, start_looker(&r0, AS_ROOT_WITHOUT_NET_ADMIN, &p));
	ASSERT_EQ(0, r0.code);
	EXPECT_EQ(0, r0.v.dump_err);
	EXPECT_EQ(1, seen(&r0.v, cse_inst_id(a)));
	EXPECT_EQ(1, seen(&r0.v, same_root));
	EXPECT_EQ(0, seen(&r0.v, nb.v.own[0]));
	EXPECT_EQ(0, seen(&r0.v, nb.v.own[1]));
	for (i = 0; i < r0.v.n_seen && i < MAX_SEEN; i++)
		EXPECT_EQ(0U, r0.v.seen_uid[i]);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(-ENOENT, r0.v.get_err[i]);
		EXPECT_STREQ("no such instance", r0.v.get_msg[i]);
	}
	EXPECT_EQ(same_root, r0.v.same_id);
	stop_looker(&r0);
	stop_looker(&nb);
	close(a);
	close(b);
}

/* A user with no instance gets an empty, successful dump. */
static int dump_count(void *arg, void *out, size_t len)
{
	struct nl_family_info fam;
	struct view v = { 0 };
	struct nl_ack ack;
	struct nl_req r;
	int sock, e;

	(void)arg;
	if (len != 2 * sizeof(int))
		return EINVAL;
	sock = nl_socket();
	if (sock < 0)
		return errno;
	e = nl_resolve(sock, &fam);
	if (e)
		return -e;
	nl_req_init(&r, fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	if (nl_transact(sock, &r, &ack, collect, &v, 4096, NULL))
		return errno;
	((int *)out)[0] = ack.error;
	((int *)out)[1] = v.n_seen;
	return 0;
}

TEST_F(nl, unprivileged_without_instances_dumps_nothing)
{
	int res[2] = { -1, -1 }, fds[20], i;

	for (i = 0; i < 20; i++)
		fds[i] = ASSERT_OK(cse_create(self->dev, "vis-hidden", NULL, 0, 0));
	ASSERT_EQ(0, cse_run_as_nobody(dump_count, NULL, res, sizeof(res)));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	for (i = 0; i < 20; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
