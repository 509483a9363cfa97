// SPDX-License-Identifier: GPL-2.0
/*
 * CSE_IOC_REPORT_PORTS: every validation error with its exact errno (the
 * struct's size, flags and reserved field, the entry count, the array
 * address, each field of an entry, duplicate guest or host ports within
 * one protocol), a rejected report changing nothing, a report replacing
 * the map, the caller check (another user holding the fd: EPERM before
 * the array is read), and the map in netlink replies: in report order,
 * shown to whoever sees the instance and to nobody else, and fitting a
 * dump message next to the largest grant and element lists. End to end:
 * cse-run's net element reports its map (an explicit pair and one made
 * by --port-auto for a static busybox nc on port 80), and `csectl show`
 * and `csectl show -j` list it.
 *
 * SKIP when /dev/cse is absent or the netlink family is not registered.
 */
#include <assert.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

static_assert(sizeof(struct cse_port_report) == CSE_PORT_REPORT_SIZE_VER0,
	      "cse_port_report size");
static_assert(sizeof(struct cse_port) == 16, "cse_port size");
static_assert(offsetof(struct cse_port, guest) == 8, "cse_port layout");

struct rep {
	struct cse_port p[CSE_PORTS_MAX + 1];
	struct cse_port_report r;
};

static void rep_init(struct rep *x, uint32_t n)
{
	memset(x, 0, sizeof(*x));
	x->r.size = sizeof(x->r);
	x->r.ports = (uintptr_t)x->p;
	x->r.n_ports = n;
	for (uint32_t i = 0; i < CSE_PORTS_MAX + 1; i++) {
		x->p[i].proto = i % 2 ? CSE_PORT_UDP : CSE_PORT_TCP;
		x->p[i].guest = (uint16_t)(80 + i);
		x->p[i].host = (uint16_t)(20000 + i);
	}
}

#define REPORT(_ifd, _x) ioctl((_ifd), CSE_IOC_REPORT_PORTS, &(_x)->r)

static int get_ports(int sock, uint16_t fam, uint64_t id, struct nl_instance *in)
{
	struct nl_ack ack;

	return nl_get_by_id(sock, fam, id, in, &ack);
}

TEST_F(nl, map_shows_in_report_order_and_is_replaced)
{
	int ifd = ASSERT_OK(cse_create(self->dev, "ports", NULL, 0, 0));
	uint64_t id = cse_inst_id(ifd);
	struct nl_instance in;
	struct rep x;

	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	EXPECT_EQ(0, in.n_ports);
	EXPECT_FALSE(in.seen & (1 << CSE_A_PORTS));

	rep_init(&x, 3);
	x.p[2].flags = CSE_PORT_AUTO;
	x.p[2].guest = 80;		/* guest 80 again, but for UDP: allowed */
	x.p[2].proto = CSE_PORT_UDP;
	x.p[1].guest = 53;
	ASSERT_EQ(0, REPORT(ifd, &x));
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	ASSERT_EQ(3, in.n_ports);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(x.p[i].proto, in.ports[i].proto);
		EXPECT_EQ(x.p[i].guest, in.ports[i].guest);
		EXPECT_EQ(x.p[i].host, in.ports[i].host);
		EXPECT_EQ(x.p[i].flags, in.ports[i].flags);
	}

	rep_init(&x, 1);
	x.p[0].guest = 8080;
	ASSERT_EQ(0, REPORT(ifd, &x));
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	ASSERT_EQ(1, in.n_ports);
	EXPECT_EQ(8080, in.ports[0].guest);

	/* Zero entries: the map is empty, the array is not read. */
	x.r.n_ports = 0;
	x.r.ports = 8;
	ASSERT_EQ(0, REPORT(ifd, &x));
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	EXPECT_EQ(0, in.n_ports);
	EXPECT_FALSE(in.seen & (1 << CSE_A_PORTS));
	close(ifd);
}

TEST_F(nl, struct_checks)
{
	int ifd = ASSERT_OK(cse_create(self->dev, "ports", NULL, 0, 0));
	struct {
		struct cse_port_report r;
		uint64_t tail;
	} big;
	struct rep x;

	rep_init(&x, 1);
	x.r.size = CSE_PORT_REPORT_SIZE_VER0 - 1;
	ASSERT_ERRNO(EINVAL, REPORT(ifd, &x));
	x.r.size = 4097;
	ASSERT_ERRNO(E2BIG, REPORT(ifd, &x));
	x.r.size = sizeof(x.r);
	x.r.flags = 1;
	ASSERT_ERRNO(EINVAL, REPORT(ifd, &x));
	x.r.flags = 0x80000000u;
	ASSERT_ERRNO(EINVAL, REPORT(ifd, &x));
	x.r.flags = 0;
	x.r.reserved0 = 1;
	ASSERT_ERRNO(EINVAL, REPORT(ifd, &x));
	x.r.reserved0 = 0;
	x.r.n_ports = CSE_PORTS_MAX + 1;
	ASSERT_ERRNO(E2BIG, REPORT(ifd, &x));
	x.r.n_ports = 0xffffffffu;
	ASSERT_ERRNO(E2BIG, REPORT(ifd, &x));
	x.r.n_ports = CSE_PORTS_MAX;
	ASSERT_EQ(0, REPORT(ifd, &x));
	x.r.ports = 8;
	ASSERT_ERRNO(EFAULT, REPORT(ifd, &x));
	x.r.ports = (uintptr_t)x.p;

	big.r = x.r;
	big.r.size = sizeof(big);
	big.tail = 1;
	ASSERT_ERRNO(E2BIG, ioctl(ifd, CSE_IOC_REPORT_PORTS, &big));
	big.tail = 0;
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_REPORT_PORTS, &big));
	close(ifd);
}

/* Each bad entry, placed last so that the good ones before it are read. */
TEST_F(nl, entry_checks_and_a_rejected_report_changes_nothing)
{
	int ifd = ASSERT_OK(cse_create(self->dev, "ports", NULL, 0, 0));
	uint64_t id = cse_inst_id(ifd);
	struct nl_instance in;
	struct rep x;
	const int last = 4;

	rep_init(&x, 2);
	ASSERT_EQ(0, REPORT(ifd, &x));
	for (int c = 0; c < 11; c++) {
		rep_init(&x, last + 1);
		switch (c) {
		case 0: x.p[last].proto = 0; break;
		case 1: x.p[last].proto = 1; break;
		case 2: x.p[last].proto = 132; break;	/* SCTP */
		case 3: x.p[last].flags = 2; break;
		case 4: x.p[last].flags = 0x80000000u; break;
		case 5: x.p[last].guest = 0; break;
		case 6: x.p[last].host = 0; break;
		case 7: x.p[last].reserved = 1; break;
		case 8: x.p[last].guest = x.p[0].guest;	break;	/* both TCP */
		case 9: x.p[last].host = x.p[0].host; break;
		case 10: x.p[last].guest = x.p[1].guest;	/* both UDP */
			 x.p[last].proto = CSE_PORT_UDP;
			 break;
		}
		errno = 0;
		EXPECT_EQ(-1, REPORT(ifd, &x)) {
			TH_LOG("case %d", c);
		}
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("case %d", c);
		}
	}
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	ASSERT_EQ(2, in.n_ports);
	EXPECT_EQ(80, in.ports[0].guest);
	EXPECT_EQ(20001, in.ports[1].host);

	/* The same port as guest of one pair and host of another is fine. */
	rep_init(&x, 2);
	x.p[1].proto = CSE_PORT_TCP;
	x.p[1].guest = x.p[0].host;
	ASSERT_EQ(0, REPORT(ifd, &x));
	close(ifd);
}

TEST_F(nl, on_dev_cse_is_enotty)
{
	struct rep x;

	rep_init(&x, 1);
	ASSERT_ERRNO(ENOTTY, REPORT(self->dev, &x));
}

static int report_bad_address(void *arg, void *out, size_t len)
{
	struct rep x;

	(void)out;
	(void)len;
	rep_init(&x, 1);
	x.r.ports = 8;	/* EPERM comes first: the array is never read */
	return REPORT(*(int *)arg, &x) ? errno : 0;
}

static int nobody_get(void *arg, void *out, size_t len)
{
	struct nl_family_info fi;
	struct nl_instance in;
	int s = nl_socket(), err;

	(void)out;
	(void)len;
	if (s < 0 || nl_resolve(s, &fi))
		return -1;
	err = get_ports(s, fi.id, *(uint64_t *)arg, &in);
	close(s);
	return err < 0 ? -err : (int)in.n_ports + 1000;
}

/* The fd alone is not enough to report, and nobody else sees the map. */
TEST_F(nl, another_user_can_neither_report_nor_see)
{
	int ifd = ASSERT_OK(cse_create(self->dev, "ports", NULL, 0, 0));
	uint64_t id = cse_inst_id(ifd);
	struct nl_instance in;
	struct rep x;

	rep_init(&x, 2);
	ASSERT_EQ(0, REPORT(ifd, &x));
	EXPECT_EQ(EPERM, cse_run_as_nobody(report_bad_address, &ifd, NULL, 0));
	EXPECT_EQ(ENOENT, cse_run_as_nobody(nobody_get, &id, NULL, 0));
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, id, &in));
	EXPECT_EQ(2, in.n_ports);
	close(ifd);
}

struct own_map {
	uint64_t id;
	int seen;	/* n_ports + 1000 as the creator saw it */
};

static int nobody_creates_and_reports(void *arg, void *out, size_t len)
{
	struct own_map *m = out;
	int dev, ifd, r;
	struct rep x;

	(void)arg;
	if (len != sizeof(*m))
		return -1;
	dev = open("/dev/cse", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	ifd = cse_create(dev, "ports-nobody", NULL, 0, CSE_CREATE_INHERIT);
	if (ifd < 0)
		return errno;
	rep_init(&x, 3);
	if (REPORT(ifd, &x))
		return errno;
	m->id = cse_inst_id(ifd);
	m->seen = nobody_get(&m->id, NULL, 0);
	/* Keep the instance alive for the parent's look: leak ifd to a child. */
	r = fork();
	if (r == 0) {
		sleep(5);
		_exit(0);
	}
	return r < 0 ? errno : 0;
}

/* A plain user reports for its own instance and sees it; CAP_NET_ADMIN too. */
TEST_F(nl, the_creator_and_an_admin_see_the_map)
{
	struct nl_instance in;
	struct own_map m = { 0 };

	ASSERT_EQ(0, cse_run_as_nobody(nobody_creates_and_reports, NULL, &m, sizeof(m)));
	EXPECT_EQ(1003, m.seen);
	ASSERT_EQ(0, get_ports(self->sock, self->fam.id, m.id, &in));
	EXPECT_EQ(3, in.n_ports);
	EXPECT_EQ((uint32_t)NOBODY_UID, in.creator_uid);
}

/* A dump's message about one instance. */
struct pick {
	uint64_t id;
	struct nl_instance *in;
};

static void nl_get_one_of(struct nlmsghdr *nlh, void *arg)
{
	static struct nl_instance tmp;
	struct pick *p = arg;

	nl_parse_instance(nlh, &tmp);
	if (tmp.id == p->id)
		*p->in = tmp;
}

/*
 * The largest instance message: a full map next to CSE_GRANTS_MAX grants,
 * CSE_ELEMENTS_MAX elements and the longest name, in a dump read with
 * the smallest buffer the kernel fills (it never sends less than a page).
 */
TEST_F(nl, a_full_map_fits_beside_everything_else)
{
	struct cse_dev_grant g[CSE_GRANTS_MAX];
	struct cse_element_calls e[CSE_ELEMENTS_MAX];
	struct cse_syscall_report sr = { .size = sizeof(sr) };
	char name[CSE_NAME_MAX];
	struct nl_instance in;
	struct nl_ack ack;
	struct nl_req r;
	struct rep x;
	int ifd;

	if (geteuid())
		SKIP(return, "grants need CAP_SYS_ADMIN");
	for (int i = 0; i < CSE_GRANTS_MAX; i++)
		g[i] = (struct cse_dev_grant){ CSE_DEV_CHAR, 1, (uint32_t)i, CSE_ACCESS_ALL };
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	ifd = ASSERT_OK(cse_create(self->dev, name, g, CSE_GRANTS_MAX, 0));
	memset(e, 0, sizeof(e));
	for (int i = 0; i < CSE_ELEMENTS_MAX; i++) {
		memset(e[i].name, 'a' + i, CSE_ELEMENT_NAME_MAX - 1);
		e[i].calls = ~0ULL;
	}
	sr.n_entries = CSE_ELEMENTS_MAX;
	sr.entries = (uintptr_t)e;
	ASSERT_EQ(0, ioctl(ifd, CSE_IOC_REPORT_SYSCALLS, &sr));
	rep_init(&x, CSE_PORTS_MAX);
	ASSERT_EQ(0, REPORT(ifd, &x));

	memset(&in, 0, sizeof(in));
	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, nl_get_one_of, &(struct pick){
				 cse_inst_id(ifd), &in }, 4096, NULL));
	ASSERT_EQ(0, ack.error);
	EXPECT_EQ(cse_inst_id(ifd), in.id);
	EXPECT_EQ(CSE_GRANTS_MAX, in.n_grants);
	EXPECT_EQ(CSE_ELEMENTS_MAX, in.n_elements);
	EXPECT_EQ(CSE_PORTS_MAX, in.n_ports);
	close(ifd);
}

#define CSE_RUN_BIN	"/cse/build/bin/cse-run"
#define CSECTL_BIN	"/cse/build/bin/csectl"
#define E2E_NAME	"ports-e2e"

struct by_name {
	const char *name;
	struct nl_instance *in;
	int found;
};

static void pick_name(struct nlmsghdr *nlh, void *arg)
{
	static struct nl_instance tmp;
	struct by_name *b = arg;

	nl_parse_instance(nlh, &tmp);
	if (!strcmp(tmp.name, b->name)) {
		*b->in = tmp;
		b->found = 1;
	}
}

/* stdout of csectl ARGS (at most len - 1 bytes); its exit status or -1. */
static int run_csectl(char *out, size_t len, const char *a1, const char *a2, const char *a3)
{
	int p[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(CSECTL_BIN, "csectl", a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < len - 1 && (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST_F(nl, cse_run_reports_and_csectl_shows_the_map)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char out[8192], want[256];
	struct nl_instance in;
	struct nl_ack ack;
	struct nl_req r;
	struct by_name b = { E2E_NAME, &in, 0 };
	pid_t app;
	int c, hp = 0;

	if (access(CSE_RUN_BIN, X_OK) || access(CSECTL_BIN, X_OK) || access("/bin/busybox", X_OK))
		SKIP(return, "no cse-run, csectl or busybox in /cse/build/bin");
	/* The debug kernel is built without IPv4 (scripts/debug-kernel). */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 && errno == EAFNOSUPPORT)
		SKIP(return, "this kernel has no IPv4 (the debug kernel's recipe leaves it out)");
	ASSERT_LE(0, c);
	close(c);
	app = fork();
	ASSERT_LE(0, app);
	if (app == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execl(CSE_RUN_BIN, "cse-run", "--name", E2E_NAME, "--port", "8080:18080/tcp",
		      "--port-auto", "--", "/bin/busybox", "nc", "-l", "-p", "80", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		b.found = 0;
		nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
		ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, pick_name, &b, NL_BUF_SIZE, NULL));
		if (b.found && in.n_ports == 2)
			break;
		usleep(100000);
	}
	ASSERT_TRUE(b.found && in.n_ports == 2) {
		TH_LOG("found %d, %u pairs (cse-run exit %d)", b.found, in.n_ports,
		       waitpid(app, NULL, WNOHANG) == app);
		kill(app, SIGKILL);
	}
	EXPECT_EQ(CSE_PORT_TCP, in.ports[0].proto);
	EXPECT_EQ(8080, in.ports[0].guest);
	EXPECT_EQ(18080, in.ports[0].host);
	EXPECT_EQ(0, in.ports[0].flags);
	EXPECT_EQ(CSE_PORT_TCP, in.ports[1].proto);
	EXPECT_EQ(80, in.ports[1].guest);
	EXPECT_EQ(CSE_PORT_AUTO, in.ports[1].flags);
	hp = in.ports[1].host;
	EXPECT_NE(80, hp);

	ASSERT_EQ(0, run_csectl(out, sizeof(out), "show", E2E_NAME, NULL));
	EXPECT_NE(NULL, strstr(out, "  ports: 2\n    8080/tcp -> host 18080\n")) {
		TH_LOG("%s", out);
	}
	snprintf(want, sizeof(want), "    80/tcp -> host %d (auto)\n", hp);
	EXPECT_NE(NULL, strstr(out, want)) {
		TH_LOG("%s", out);
	}
	ASSERT_EQ(0, run_csectl(out, sizeof(out), "show", "-j", E2E_NAME));
	snprintf(want, sizeof(want),
		 "\"ports\":[{\"proto\":\"tcp\",\"guest\":8080,\"host\":18080,\"auto\":false},"
		 "{\"proto\":\"tcp\",\"guest\":80,\"host\":%d,\"auto\":true}]", hp);
	EXPECT_NE(NULL, strstr(out, want)) {
		TH_LOG("%s", out);
	}
	/* The reported host port is where the application listens (last:
	 * nc ends, and the instance with it, after one connection). */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_port = htons((uint16_t)hp);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	EXPECT_EQ(0, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	close(c);
	kill(app, SIGTERM);
	waitpid(app, NULL, 0);
}

TEST_HARNESS_MAIN
