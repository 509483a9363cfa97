// SPDX-License-Identifier: GPL-2.0
/*
 * The admission and visibility policies under concurrency. For a few
 * seconds, root threads and unprivileged processes (two uids) create,
 * join, report on and close instances while another thread keeps changing
 * max_instances, reserved_instances and max_user_instances, and root and
 * nobody dump with a 4 KiB buffer. Every create must succeed or fail with
 * ENOSPC/EDQUOT only, every dump must end without error and nobody's dumps
 * must hold only its own instances. Afterwards the counts must be back to
 * zero: with fixed limits a user gets exactly its quota and root exactly
 * max_instances (a leaked charge would show as an early refusal).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"

#define SECONDS		8

/* Shared with the forked unprivileged processes. */
static atomic_int *stop;

struct counts {
	int ok, refused, dumps;
};

/* Create/join/report/close until stop; returns the number of bad errnos. */
static int churn(int dev, const char *name, struct counts *c)
{
	struct cse_element_calls e = { .name = "stress", .calls = 1 };
	struct cse_syscall_report r = {
		.size = sizeof(r), .n_entries = 1, .entries = (uintptr_t)&e,
	};
	int bad = 0, fds[8], n = 0, i;

	while (!atomic_load(stop)) {
		int fd = cse_create(dev, name, NULL, 0, 0);

		if (fd < 0) {
			bad += errno != ENOSPC && errno != EDQUOT;
			c->refused++;
		} else {
			c->ok++;
			bad += ioctl(fd, CSE_IOC_JOIN, 0) != 0;
			bad += ioctl(fd, CSE_IOC_REPORT_SYSCALLS, &r) != 0;
			fds[n++] = fd;
		}
		if (n == 8 || fd < 0) {
			for (i = 0; i < n; i++)
				close(fds[i]);
			n = 0;
		}
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return bad;
}

/* Dumps until stop: error count, and instances not created by own_uid. */
static void dumps(int *errs, int *foreign, uint32_t own_uid, int check_uid,
		  struct counts *c)
{
	struct nl_family_info fam;
	int sock = nl_socket();

	*errs = *foreign = 0;
	if (sock < 0 || nl_resolve(sock, &fam)) {
		*errs = 1000;
		return;
	}
	while (!atomic_load(stop)) {
		struct nl_instance in;
		static char buf[4096];
		struct nl_req rq;
		int done = 0;

		nl_req_init(&rq, fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
		if (nl_send(sock, &rq)) {
			(*errs)++;
			break;
		}
		while (!done) {
			ssize_t n = recv(sock, buf, sizeof(buf), 0);
			struct nlmsghdr *nlh;
			int len = n;

			if (n <= 0) {
				(*errs)++;
				return;
			}
			for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
			     nlh = NLMSG_NEXT(nlh, len)) {
				if (nlh->nlmsg_type == NLMSG_DONE ||
				    nlh->nlmsg_type == NLMSG_ERROR) {
					int e;

					memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
					*errs += e != 0;
					c->dumps++;
					done = 1;
					continue;
				}
				nl_parse_instance(nlh, &in);
				if (check_uid && (in.seen & (1 << CSE_A_CREATOR_UID)) &&
				    in.creator_uid != own_uid)
					(*foreign)++;
			}
		}
	}
	close(sock);
}

struct worker {
	pthread_t th;
	int dev;
	int bad;
	struct counts c;
};

static void *root_churn(void *arg)
{
	struct worker *w = arg;

	w->bad = churn(w->dev, "stress-root", &w->c);
	return NULL;
}

static void *root_dumps(void *arg)
{
	struct worker *w = arg;
	int foreign;

	dumps(&w->bad, &foreign, 0, 0, &w->c);
	return NULL;
}

static void *flip_params(void *arg)
{
	static const char *const max[] = { "12", "1024", "30", "6" };
	static const char *const user[] = { "2", "50", "5", "1" };
	static const char *const res[] = { "0", "4", "10", "2" };
	struct worker *w = arg;
	unsigned int i = 0;

	while (!atomic_load(stop)) {
		w->bad += cse_param_set("max_instances", max[i % 4]) != 0;
		w->bad += cse_param_set("max_user_instances", user[(i / 2) % 4]) != 0;
		w->bad += cse_param_set("reserved_instances", res[(i / 3) % 4]) != 0;
		i++;
		usleep(2000);
	}
	return NULL;
}

/* An unprivileged process: churn in one thread, dump in this one. */
static pid_t unprivileged(uid_t uid, int result)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct worker w = { 0 };
		int out[6] = { 0 }, dev;

		if (cse_become(uid, uid))
			_exit(1);
		dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		w.dev = dev;
		if (dev < 0 || pthread_create(&w.th, NULL, root_churn, &w))
			_exit(1);
		dumps(&out[1], &out[2], uid, 1, &w.c);
		pthread_join(w.th, NULL);
		out[0] = w.bad;
		out[3] = w.c.ok;
		out[4] = w.c.refused;
		out[5] = w.c.dumps;
		if (write(result, out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(0);
	}
	return pid;
}

/* Exactly n creates succeed, the next fails with err. */
static int admits_exactly(int dev, int n, int err)
{
	int fds[64], i, ok = 1;

	for (i = 0; i < n; i++) {
		fds[i] = cse_create(dev, "stress-count", NULL, 0, 0);
		ok &= fds[i] >= 0;
	}
	ok &= cse_create(dev, "stress-count", NULL, 0, 0) < 0 && errno == err;
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok;
}

static int nobody_admits_exactly_5(void *arg, void *out, size_t len)
{
	int dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);

	(void)arg; (void)out; (void)len;
	return dev >= 0 && admits_exactly(dev, 5, EDQUOT) ? 0 : 1;
}

FIXTURE(st) {
	int dev;
	char max[32], user[32], reserved[32];
	int saved;
};

FIXTURE_SETUP(st)
{
	self->dev = cse_open_or_skip();
	if (cse_param_get("max_user_instances", self->user, sizeof(self->user)))
		SKIP(return, "no max_user_instances parameter");
	ASSERT_EQ(0, cse_param_get("max_instances", self->max,
				   sizeof(self->max)));
	ASSERT_EQ(0, cse_param_get("reserved_instances", self->reserved,
				   sizeof(self->reserved)));
	self->saved = 1;
}

FIXTURE_TEARDOWN(st)
{
	if (self->saved) {
		EXPECT_EQ(0, cse_param_set("max_instances", self->max));
		EXPECT_EQ(0, cse_param_set("max_user_instances", self->user));
		EXPECT_EQ(0, cse_param_set("reserved_instances",
					   self->reserved));
	}
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F_TIMEOUT(st, limits_and_views_under_churn, 120)
{
	struct worker churners[3] = { 0 }, dumper = { 0 }, flipper = { 0 };
	int res[2], out[6], i, status;
	struct counts root = { 0 }, user = { 0 };
	pid_t kids[4];

	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	atomic_store(stop, 0);
	ASSERT_EQ(0, pipe(res));
	/* Fork before any thread exists. */
	for (i = 0; i < 4; i++) {
		kids[i] = unprivileged(i & 1 ? CSE_OTHER_UID : NOBODY_UID, res[1]);
		ASSERT_LE(0, kids[i]);
	}
	close(res[1]);
	for (i = 0; i < 3; i++) {
		churners[i].dev = self->dev;
		ASSERT_EQ(0, pthread_create(&churners[i].th, NULL, root_churn,
					    &churners[i]));
	}
	ASSERT_EQ(0, pthread_create(&dumper.th, NULL, root_dumps, &dumper));
	ASSERT_EQ(0, pthread_create(&flipper.th, NULL, flip_params, &flipper));
	sleep(SECONDS);
	atomic_store(stop, 1);
	for (i = 0; i < 3; i++) {
		pthread_join(churners[i].th, NULL);
		EXPECT_EQ(0, churners[i].bad);
		root.ok += churners[i].c.ok;
		root.refused += churners[i].c.refused;
	}
	pthread_join(dumper.th, NULL);
	pthread_join(flipper.th, NULL);
	EXPECT_EQ(0, dumper.bad);
	EXPECT_EQ(0, flipper.bad);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(sizeof(out), read(res[0], out, sizeof(out)));
		EXPECT_EQ(0, out[0]);	/* unexpected errnos */
		EXPECT_EQ(0, out[1]);	/* failed dumps */
		EXPECT_EQ(0, out[2]);	/* other users' instances seen */
		user.ok += out[3];
		user.refused += out[4];
		user.dumps += out[5];
	}
	TH_LOG("root: %d created, %d refused, %d dumps; users: %d created, %d refused, %d dumps",
	       root.ok, root.refused, dumper.c.dumps, user.ok, user.refused,
	       user.dumps);
	/* Not vacuous: the limits were hit and the dumps ran. */
	EXPECT_LT(0, root.ok);
	EXPECT_LT(0, root.refused);
	EXPECT_LT(0, user.ok);
	EXPECT_LT(0, user.refused);
	EXPECT_LT(0, dumper.c.dumps);
	EXPECT_LT(0, user.dumps);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	close(res[0]);

	/* Every charge was given back. */
	ASSERT_EQ(0, cse_param_set("max_instances", "1024"));
	ASSERT_EQ(0, cse_param_set("reserved_instances", "0"));
	ASSERT_EQ(0, cse_param_set("max_user_instances", "5"));
	EXPECT_EQ(0, cse_run_as_nobody(nobody_admits_exactly_5, NULL, NULL, 0));
	ASSERT_EQ(0, cse_param_set("max_instances", "7"));
	EXPECT_TRUE(admits_exactly(self->dev, 7, ENOSPC));
}

TEST_HARNESS_MAIN
