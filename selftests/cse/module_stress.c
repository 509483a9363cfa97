// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod and insmod of cse.ko under load, run last (after "module"). For
 * CSE_MODSTRESS_SECONDS (default 20) worker processes open /dev/cse,
 * create instances, join them, open devices through them, use the proxies
 * and close everything again, or leave that to their exit; others dump,
 * get and subscribe over netlink; meanwhile the module is unloaded
 * whenever the kernel lets it and loaded again at once.
 *
 * An unload is refused (EWOULDBLOCK) while anything holds the module, or
 * succeeds; never a crash. A worker that got /dev/cse open has pinned the
 * module, so everything it does afterwards must succeed; before that,
 * ENOENT, ENODEV or ENXIO (the node or the device just went) are fine, and
 * a netlink request to a family that just went gets ENOENT, EOPNOTSUPP
 * or EPROTONOSUPPORT (seen on 6.1 when the family went mid-request).
 * A dump, once started, pins the module and ends in NLMSG_DONE with 0. At
 * the end the module is loaded, holds no reference and no instance, and
 * unloads cleanly once more.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_module.h"

#define N_IOCTL_WORKERS	2
#define N_NL_WORKERS	2

struct shared {
	atomic_int stop;
	atomic_ulong rounds, bad;
	char bad_what[160];
};

static struct shared *sh;

static void bad(const char *what, int err)
{
	if (atomic_fetch_add(&sh->bad, 1) == 0)
		snprintf(sh->bad_what, sizeof(sh->bad_what), "%s: %s", what,
			 strerror(err));
}

/* One round with the module pinned by dev: every call must succeed. */
static void ioctl_round(int dev, int leave_open)
{
	struct cse_instance_info info;
	struct cse_dev_grant g;
	char buf[16] = "x";
	int ifd, fd;

	if (cse_grant_for(&g, "/dev/null", CSE_ACCESS_ALL))
		return bad("stat /dev/null", errno);
	ifd = cse_create(dev, "modstress", &g, 1, 0);
	if (ifd < 0)
		return bad("create while pinned", errno);
	if (ioctl(ifd, CSE_IOC_JOIN, 0))
		bad("join while pinned", errno);
	fd = cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDWR);
	if (fd < 0) {
		bad("dev_open while pinned", errno);
	} else {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf) ||
		    read(fd, buf, sizeof(buf)) != 0)
			bad("proxy read/write while pinned", errno);
		/* The proxy alone keeps instance and module alive. */
		close(ifd);
		ifd = -1;
		if (!leave_open)
			close(fd);
	}
	if (ifd >= 0) {
		if (cse_info(ifd, &info))
			bad("info while pinned", errno);
		if (!leave_open)
			close(ifd);
	}
}

static void ioctl_worker(uint64_t rng)
{
	while (!atomic_load(&sh->stop)) {
		int dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		pid_t pid;

		if (dev < 0) {
			if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
				bad("open /dev/cse", errno);
			usleep(1000);
			continue;
		}
		/* Idle half the time, so that unloads get their chance. */
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		if (atomic_fetch_add(&sh->rounds, 1) % 4) {
			ioctl_round(dev, 0);
			close(dev);
			usleep((rng >> 33) % 100000);
			continue;
		}
		/* A child that leaves everything to its exit. */
		pid = fork();
		if (pid == 0) {
			ioctl_round(dev, 1);
			_exit(0);
		}
		close(dev);
		if (pid < 0 || cse_wait_status(pid) != 0)
			bad("child", errno);
	}
}

/* A dump, a get and a subscription; the family may come and go. */
static void nl_round(int sock)
{
	struct nl_family_info fam;
	struct nl_ack ack;
	struct nl_req r;
	int err;

	err = nl_resolve(sock, &fam);
	if (err) {
		if (err != -ENOENT)
			bad("resolve", -err);
		usleep(1000);
		return;
	}
	atomic_fetch_add(&sh->rounds, 1);
	nl_req_init(&r, fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	if (nl_transact(sock, &r, &ack, NULL, NULL, 4096, NULL))
		return bad("dump recv", errno);
	if (ack.error && ack.error != -ENOENT && ack.error != -EOPNOTSUPP &&
	    ack.error != -EPROTONOSUPPORT)
		bad("dump", -ack.error);
	nl_req_init(&r, fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1);
	if (nl_transact(sock, &r, &ack, NULL, NULL, NL_BUF_SIZE, NULL))
		return bad("get recv", errno);
	if (ack.error && ack.error != -ENOENT && ack.error != -EOPNOTSUPP &&
	    ack.error != -EPROTONOSUPPORT)
		bad("get", -ack.error);
	/* A listener of the events group across unloads. */
	setsockopt(sock, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		   &fam.events_group, sizeof(fam.events_group));
}

static void nl_worker(void)
{
	int sock = -1, i = 0;

	while (!atomic_load(&sh->stop)) {
		/* A fresh socket now and then: listeners come and go too. */
		usleep(1000 * (i % 8));
		if (sock < 0 || !(++i % 16)) {
			if (sock >= 0)
				close(sock);
			sock = nl_socket();
			if (sock < 0)
				return bad("netlink socket", errno);
		}
		nl_round(sock);
	}
	close(sock);
}

static void count_msg(struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(*(int *)arg)++;
}

/* Instance messages of a whole dump, or -1. */
static int count_instances(void)
{
	struct nl_family_info fam;
	int sock = nl_socket(), n = 0;
	struct nl_ack ack;
	struct nl_req r;

	if (sock < 0 || nl_resolve(sock, &fam)) {
		n = -1;
		goto out;
	}
	nl_req_init(&r, fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	if (nl_transact(sock, &r, &ack, count_msg, &n, NL_BUF_SIZE, NULL) ||
	    ack.error)
		n = -1;
out:
	if (sock >= 0)
		close(sock);
	return n;
}

/* The harness's 30 s default is too short for the load phase. */
FIXTURE(ms) {
	int unused;
};

FIXTURE_SETUP(ms) {}
FIXTURE_TEARDOWN(ms) {}

TEST_F_TIMEOUT(ms, unload_and_load_under_load, 300)
{
	const char *env = getenv("CSE_MODSTRESS_SECONDS");
	int seconds = env ? atoi(env) : 20, i, loaded = 1;
	pid_t kids[N_IOCTL_WORKERS + N_NL_WORKERS];
	unsigned long unloads = 0, refused = 0;
	struct timespec t0, now;

	require_module();
	if (access(ko_path(), R_OK))
		SKIP(return, "%s not found (set CSE_KO)", ko_path());
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	for (i = 0; i < N_IOCTL_WORKERS + N_NL_WORKERS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0) {
			if (i < N_IOCTL_WORKERS)
				ioctl_worker(cse_seed("CSE_MODSTRESS_SEED") + i);
			else
				nl_worker();
			_exit(0);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (delete_module("cse", O_NONBLOCK) == 0) {
			unloads++;
			loaded = 0;
			/* Gone: no node, no family, until the load. */
			EXPECT_NE(0, access("/sys/module/cse", F_OK));
			usleep(1000 * (unloads % 5));
			ASSERT_EQ(0, load_module(ko_path())) {
				TH_LOG("insmod %s: %s", ko_path(), strerror(errno));
			}
			loaded = 1;
		} else {
			ASSERT_EQ(EWOULDBLOCK, errno) {
				TH_LOG("rmmod cse: %s", strerror(errno));
			}
			refused++;
		}
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Past the time, go on (up to thrice as long) for 3 unloads. */
	} while ((now.tv_sec - t0.tv_sec < seconds ||
		  (unloads < 3 && now.tv_sec - t0.tv_sec < 3 * seconds)) &&
		 !atomic_load(&sh->bad));
	atomic_store(&sh->stop, 1);
	for (i = 0; i < N_IOCTL_WORKERS + N_NL_WORKERS; i++)
		EXPECT_EQ(0, cse_wait_status(kids[i]));
	TH_LOG("%lu unloads, %lu refused, %lu worker rounds in %ld s",
	       unloads, refused, atomic_load(&sh->rounds),
	       (long)(now.tv_sec - t0.tv_sec));
	EXPECT_LE(1UL, unloads);
	EXPECT_EQ(0UL, atomic_load(&sh->bad)) {
		TH_LOG("first unexpected result: %s", sh->bad_what);
	}
	EXPECT_LT(0UL, atomic_load(&sh->rounds));
	ASSERT_EQ(1, loaded);

	/* Quiet again: nothing left alive, nothing pinned, a clean cycle. */
	EXPECT_EQ(0, count_instances());
	EXPECT_EQ(0, refcnt());
	ASSERT_EQ(0, delete_module("cse", O_NONBLOCK)) {
		TH_LOG("rmmod cse: %s", strerror(errno));
	}
	ASSERT_EQ(0, load_module(ko_path()));
	EXPECT_EQ(0, count_instances());
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
