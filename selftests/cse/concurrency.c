// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: for at least 10 seconds (CSE_STRESS_SECONDS to change it),
 * several threads create, join, use and close private instances, open and
 * read granted devices through one shared instance, get refused on a
 * device it does not grant, and a forking thread makes short-lived
 * processes join the shared instance. Afterwards every counter of the
 * shared instance must equal the exact sum of what the threads did, its
 * member count must be 0, and no thread may have seen an inconsistency.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "kselftest_harness.h"
#include "cse_test.h"

#define N_WORKERS 4

struct stress {
	int dev;
	int shared;
	time_t deadline;
	atomic_ulong opens, denied, bytes_read, forks, private_rounds;
	atomic_int errors;
	char first_error[256];
	pthread_mutex_t lock;
};

static void fail(struct stress *s, const char *what, int err)
{
	pthread_mutex_lock(&s->lock);
	if (atomic_fetch_add(&s->errors, 1) == 0)
		snprintf(s->first_error, sizeof(s->first_error), "%s: %s",
			 what, err ? strerror(err) : "wrong value");
	pthread_mutex_unlock(&s->lock);
}

/* One round on a private instance; every check is exact. */
static void private_round(struct stress *s, int dev, unsigned int seed)
{
	struct cse_dev_grant g[2];
	struct cse_instance_info info;
	size_t nr = 1 + seed % 4000, nw = 1 + (seed / 7) % 3000;
	char buf[4096];
	int ifd, zfd, nfd;

	memset(buf, 0, sizeof(buf));
	if (cse_grant_for(&g[0], "/dev/zero", CSE_ACCESS_READ) ||
	    cse_grant_for(&g[1], "/dev/null", CSE_ACCESS_WRITE))
		return fail(s, "stat grants", errno);
	ifd = cse_create(dev, "stress-private", g, 2, 0);
	if (ifd < 0)
		return fail(s, "create private", errno);
	if (ioctl(ifd, CSE_IOC_JOIN, 0))
		fail(s, "join private", errno);
	zfd = cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC);
	nfd = cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
	if (zfd < 0 || nfd < 0) {
		fail(s, "dev_open private", errno);
	} else {
		if (read(zfd, buf, nr) != (ssize_t)nr)
			fail(s, "read private", errno);
		if (write(nfd, buf, nw) != (ssize_t)nw)
			fail(s, "write private", errno);
		if (cse_info(ifd, &info))
			fail(s, "info private", errno);
		else if (info.member_count != 1 || info.counters.opens_granted != 2 ||
			 info.counters.opens_denied != 0 ||
			 info.counters.bytes_read != nr ||
			 info.counters.bytes_written != nw || info.n_grants != 2)
			fail(s, "private counters", 0);
	}
	if (zfd >= 0)
		close(zfd);
	if (nfd >= 0)
		close(nfd);
	if (ioctl(ifd, CSE_IOC_LEAVE, 0))
		fail(s, "leave private", errno);
	if (close(ifd))
		fail(s, "close private", errno);
	atomic_fetch_add(&s->private_rounds, 1);
}

/* One round on the shared instance; adds what it did to the tallies. */
static void shared_round(struct stress *s, unsigned int seed)
{
	size_t n = 1 + seed % 2048;
	char buf[2048];
	int fd;

	fd = cse_dev_open(s->shared, AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(s, "dev_open shared", errno);
	atomic_fetch_add(&s->opens, 1);
	if (read(fd, buf, n) != (ssize_t)n)
		fail(s, "read shared", errno);
	else
		atomic_fetch_add(&s->bytes_read, n);
	close(fd);
	if (cse_dev_open(s->shared, AT_FDCWD, "/dev/full", O_RDONLY | O_CLOEXEC) != -1 ||
	    errno != EACCES)
		fail(s, "not granted /dev/full", errno);
	else
		atomic_fetch_add(&s->denied, 1);
}

static void *worker(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (unsigned int)(uintptr_t)pthread_self();
	int own_dev = -1;

	while (time(NULL) < s->deadline) {
		seed = seed * 1103515245u + 12345u;
		/* Alternate between the shared /dev/cse fd and a private one. */
		if (own_dev < 0)
			own_dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
		private_round(s, (seed & 1) || own_dev < 0 ? s->dev : own_dev, seed >> 8);
		shared_round(s, seed >> 4);
		if ((seed & 0x70) == 0 && own_dev >= 0) {
			close(own_dev);
			own_dev = -1;
		}
	}
	if (own_dev >= 0)
		close(own_dev);
	return NULL;
}

/* Short-lived processes that join the shared instance and exit. */
static void *forker(void *arg)
{
	struct stress *s = arg;
	int status;

	while (time(NULL) < s->deadline) {
		pid_t pid = fork();

		if (pid < 0) {
			fail(s, "fork", errno);
			break;
		}
		if (pid == 0)
			_exit(ioctl(s->shared, CSE_IOC_JOIN, 0) ? 1 : 0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			fail(s, "joining child", 0);
		atomic_fetch_add(&s->forks, 1);
	}
	return NULL;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

TEST_F_TIMEOUT(stress, threads_instances_devices, 120)
{
	static struct stress s;
	struct cse_dev_grant g[2];
	struct cse_instance_info info;
	pthread_t th[N_WORKERS + 1];
	const char *env = getenv("CSE_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	int i;

	s.dev = cse_open_or_skip();
	if (geteuid() != 0)
		SKIP(return, "grants need CAP_SYS_ADMIN");
	ASSERT_LT(0, seconds);
	pthread_mutex_init(&s.lock, NULL);
	ASSERT_EQ(0, cse_grant_for(&g[0], "/dev/zero", CSE_ACCESS_READ));
	ASSERT_EQ(0, cse_grant_for(&g[1], "/dev/null", CSE_ACCESS_ALL));
	s.shared = ASSERT_OK(cse_create(s.dev, "stress-shared", g, 2, 0));
	s.deadline = time(NULL) + seconds;

	for (i = 0; i < N_WORKERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker, &s));
	ASSERT_EQ(0, pthread_create(&th[N_WORKERS], NULL, forker, &s));
	for (i = 0; i <= N_WORKERS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));

	TH_LOG("%lu private rounds, %lu shared opens, %lu denied, %lu bytes, %lu joining children",
	       (unsigned long)s.private_rounds, (unsigned long)s.opens,
	       (unsigned long)s.denied, (unsigned long)s.bytes_read,
	       (unsigned long)s.forks);
	EXPECT_EQ(0, s.errors) {
		TH_LOG("%d errors, first: %s", s.errors, s.first_error);
	}
	EXPECT_LT(0UL, (unsigned long)s.private_rounds);
	EXPECT_LT(0UL, (unsigned long)s.forks);

	ASSERT_EQ(0, cse_info(s.shared, &info));
	EXPECT_EQ((__u64)s.opens, info.counters.opens_granted);
	EXPECT_EQ((__u64)s.denied, info.counters.opens_denied);
	EXPECT_EQ((__u64)s.bytes_read, info.counters.bytes_read);
	EXPECT_EQ(0ULL, info.counters.bytes_written);
	EXPECT_EQ(0U, info.member_count);
	EXPECT_EQ(0, close(s.shared));
	EXPECT_EQ(0, close(s.dev));
}

TEST_HARNESS_MAIN
