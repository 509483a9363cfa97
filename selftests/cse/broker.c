// SPDX-License-Identifier: GPL-2.0
/*
 * The device broker (CSE_IOC_DEV_OPEN): granted devices open through a
 * proxy fd whose reads and writes are counted exactly in the instance
 * counters; anything not granted, not a device node, or opened with more
 * access than granted is refused and counted as denied; symlinks and dirfd
 * are resolved as openat(2) would; and the broker opens with the caller's
 * credentials, so it narrows access but never widens it.
 */
#include <poll.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "cse_test.h"

/* An instance that may read and write /dev/null and only read /dev/zero. */
static int broker_instance(int dev, const char *name)
{
	struct cse_dev_grant g[2];

	if (cse_grant_for(&g[0], "/dev/null", CSE_ACCESS_ALL) ||
	    cse_grant_for(&g[1], "/dev/zero", CSE_ACCESS_READ))
		return -1;
	return cse_create(dev, name, g, 2, 0);
}

#define get_counters(_ifd) ({						\
	struct cse_instance_info __i;					\
	ASSERT_EQ(0, cse_info(_ifd, &__i));				\
	__i.counters;							\
})

TEST(null_read_write_counted_exactly)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "null"));
	struct cse_counters c;
	char buf[128];
	int fd;

	memset(buf, 'w', sizeof(buf));
	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDWR));
	ASSERT_EQ(100, write(fd, buf, 100));
	ASSERT_EQ(28, write(fd, buf, 28));
	ASSERT_EQ(0, read(fd, buf, 64));
	c = get_counters(ifd);
	EXPECT_EQ(1ULL, c.opens_granted);
	EXPECT_EQ(0ULL, c.opens_denied);
	EXPECT_EQ(128ULL, c.bytes_written);
	EXPECT_EQ(0ULL, c.bytes_read);
	EXPECT_EQ(0, close(fd));
}

TEST(zero_read_counted_exactly)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "zero"));
	struct cse_counters c;
	char buf[4096];
	size_t i;
	int fd;

	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY));
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), read(fd, buf, sizeof(buf)));
	for (i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
	ASSERT_EQ(123, read(fd, buf, 123));
	c = get_counters(ifd);
	EXPECT_EQ(1ULL, c.opens_granted);
	EXPECT_EQ(0ULL, c.opens_denied);
	EXPECT_EQ(4096ULL + 123, c.bytes_read);
	EXPECT_EQ(0ULL, c.bytes_written);
}

TEST(counters_add_up_across_fds)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "sum"));
	int other = ASSERT_OK(broker_instance(dev, "other"));
	struct cse_counters c;
	char buf[300];
	int a, b;

	memset(buf, 0, sizeof(buf));
	a = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY));
	b = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_WRONLY));
	ASSERT_EQ(300, read(a, buf, 300));
	ASSERT_EQ(200, write(b, buf, 200));
	ASSERT_EQ(17, read(a, buf, 17));
	c = get_counters(ifd);
	EXPECT_EQ(2ULL, c.opens_granted);
	EXPECT_EQ(317ULL, c.bytes_read);
	EXPECT_EQ(200ULL, c.bytes_written);
	/* Another instance's counters are its own. */
	c = get_counters(other);
	EXPECT_EQ(0ULL, c.opens_granted);
	EXPECT_EQ(0ULL, c.bytes_read);
	EXPECT_EQ(0ULL, c.bytes_written);
}

TEST(write_on_read_only_grant_eacces)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "ro"));
	struct cse_counters c;

	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_WRONLY));
	c = get_counters(ifd);
	EXPECT_EQ(0ULL, c.opens_granted);
	EXPECT_EQ(1ULL, c.opens_denied);
}

TEST(rdwr_on_read_only_grant_eacces)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "ro"));

	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDWR));
	EXPECT_EQ(1ULL, get_counters(ifd).opens_denied);
}

TEST(not_granted_device_eacces)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "full"));
	struct cse_counters c;

	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/full", O_RDONLY));
	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/urandom", O_RDONLY));
	c = get_counters(ifd);
	EXPECT_EQ(0ULL, c.opens_granted);
	EXPECT_EQ(2ULL, c.opens_denied);
}

TEST(instance_without_grants_eacces)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(cse_create(dev, "nogrants", NULL, 0, 0));

	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDONLY));
	EXPECT_EQ(1ULL, get_counters(ifd).opens_denied);
}

TEST(regular_file_enodev)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "regular"));
	const char *path = "/tmp/cse-broker-regular";
	int fd = ASSERT_OK(open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666));
	struct cse_counters c;

	close(fd);
	ASSERT_ERRNO(ENODEV, cse_dev_open(ifd, AT_FDCWD, path, O_RDONLY));
	unlink(path);
	c = get_counters(ifd);
	EXPECT_EQ(0ULL, c.opens_granted);
	EXPECT_EQ(1ULL, c.opens_denied);
}

TEST(directory_enodev)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "dir"));

	ASSERT_ERRNO(ENODEV, cse_dev_open(ifd, AT_FDCWD, "/tmp", O_RDONLY));
	EXPECT_EQ(1ULL, get_counters(ifd).opens_denied);
}

TEST(missing_path_enoent)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "missing"));

	ASSERT_ERRNO(ENOENT, cse_dev_open(ifd, AT_FDCWD, "/dev/cse-no-such-node", O_RDONLY));
}

TEST(symlink_to_granted_device)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "symlink"));
	const char *link = "/tmp/cse-broker-null-link";
	struct cse_counters c;
	int fd;

	unlink(link);
	ASSERT_EQ(0, symlink("/dev/null", link));
	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, link, O_WRONLY));
	unlink(link);
	ASSERT_EQ(5, write(fd, "hello", 5));
	c = get_counters(ifd);
	EXPECT_EQ(1ULL, c.opens_granted);
	EXPECT_EQ(5ULL, c.bytes_written);
}

TEST(symlink_to_not_granted_device_eacces)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "symlink2"));
	const char *link = "/tmp/cse-broker-full-link";

	unlink(link);
	ASSERT_EQ(0, symlink("/dev/full", link));
	ASSERT_ERRNO(EACCES, cse_dev_open(ifd, AT_FDCWD, link, O_RDONLY));
	unlink(link);
}

TEST(dirfd_relative_path)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "dirfd"));
	int dfd = ASSERT_OK(open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	char buf[10];
	int fd;

	fd = ASSERT_OK(cse_dev_open(ifd, dfd, "zero", O_RDONLY));
	ASSERT_EQ(10, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(10ULL, get_counters(ifd).bytes_read);
}

TEST(cwd_relative_path)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "cwd"));

	ASSERT_EQ(0, chdir("/dev"));
	close(ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "null", O_RDONLY)));
	EXPECT_EQ(1ULL, get_counters(ifd).opens_granted);
}

TEST(bad_dirfd_ebadf)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "badfd"));

	ASSERT_ERRNO(EBADF, cse_dev_open(ifd, 999, "null", O_RDONLY));
}

TEST(open_flags_accmode_3_einval)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "flags"));

	ASSERT_ERRNO(EINVAL, cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_ACCMODE));
}

TEST(open_flags_creat_einval)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "flags"));

	ASSERT_ERRNO(EINVAL, cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDWR | O_CREAT));
}

TEST(open_flags_others_einval)
{
	static const unsigned int bad[] = {
		O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE,
		O_EXCL, O_DIRECT, O_NOATIME, O_ASYNC, 1U << 30,
	};
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "flags"));
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDONLY | bad[i])) {
			TH_LOG("open_flags 0%o was accepted", bad[i]);
		}
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("open_flags 0%o: %s", bad[i], strerror(errno));
		}
	}
}

TEST(open_flags_allowed)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "flags"));
	int fd, fl;

	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null",
				    O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_SYNC | O_DSYNC));
	fl = fcntl(fd, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, fl & FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	EXPECT_EQ(O_NONBLOCK, fl & O_NONBLOCK);
	EXPECT_EQ(O_WRONLY, fl & O_ACCMODE);
	close(fd);

	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/null", O_RDONLY));
	fl = fcntl(fd, F_GETFD);
	EXPECT_EQ(0, fl & FD_CLOEXEC);
	close(fd);
}

TEST(dev_open_unknown_flags)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "flags"));
	struct cse_dev_open o;

	cse_dev_open_init(&o, AT_FDCWD, "/dev/null", O_RDONLY);
	o.flags = 1;
	ASSERT_ERRNO(EINVAL, ioctl(ifd, CSE_IOC_DEV_OPEN, &o));
}

TEST(dev_open_reserved_nonzero)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "reserved"));
	struct cse_dev_open o;

	cse_dev_open_init(&o, AT_FDCWD, "/dev/null", O_RDONLY);
	o.reserved[0] = 1;
	ASSERT_ERRNO(EINVAL, ioctl(ifd, CSE_IOC_DEV_OPEN, &o));
}

TEST(dev_open_size_too_short)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "size"));
	struct cse_dev_open o;

	cse_dev_open_init(&o, AT_FDCWD, "/dev/null", O_RDONLY);
	o.size = CSE_DEV_OPEN_SIZE_VER0 - 16;
	ASSERT_ERRNO(EINVAL, ioctl(ifd, CSE_IOC_DEV_OPEN, &o));
}

TEST(dev_open_bad_path_pointer)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "path"));

	ASSERT_ERRNO(EFAULT, cse_dev_open(ifd, AT_FDCWD, CSE_BAD_PTR, O_RDONLY));
}

TEST(dev_open_bad_arg_pointer)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "arg"));

	ASSERT_ERRNO(EFAULT, ioctl(ifd, CSE_IOC_DEV_OPEN, CSE_BAD_PTR));
}

TEST(dev_open_on_dev_fd_enotty)
{
	int dev = cse_open_or_skip();
	struct cse_dev_open o;

	cse_dev_open_init(&o, AT_FDCWD, "/dev/null", O_RDONLY);
	ASSERT_ERRNO(ENOTTY, ioctl(dev, CSE_IOC_DEV_OPEN, &o));
}

TEST(proxy_forwards_poll_and_llseek)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "poll"));
	struct pollfd p = { .events = POLLIN };

	p.fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/zero", O_RDONLY));
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLIN, p.revents & POLLIN);
	/* /dev/zero's llseek succeeds and leaves the position at 0. */
	EXPECT_EQ(0, lseek(p.fd, 4096, SEEK_SET));
}

/* ioctls reach the device: TIOCGPTN on a brokered /dev/ptmx names a pty. */
TEST(proxy_forwards_ioctl)
{
	int dev = cse_open_or_skip();
	struct cse_dev_grant g;
	char pts[32];
	int ifd, fd;
	unsigned int n = ~0U;

	if (geteuid() != 0)
		SKIP(return, "grants need CAP_SYS_ADMIN");
	if (cse_grant_for(&g, "/dev/ptmx", CSE_ACCESS_ALL))
		SKIP(return, "no /dev/ptmx");
	ifd = ASSERT_OK(cse_create(dev, "ioctl", &g, 1, 0));
	fd = ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY));
	ASSERT_EQ(0, ioctl(fd, TIOCGPTN, &n));
	snprintf(pts, sizeof(pts), "/dev/pts/%u", n);
	EXPECT_EQ(0, access(pts, F_OK)) {
		TH_LOG("TIOCGPTN said %u but %s does not exist", n, pts);
	}
	/* An ioctl the device does not know keeps its own errno. */
	ASSERT_ERRNO(ENOTTY, ioctl(fd, _IO(CSE_IOC_MAGIC, 0x7e), 0));
}

struct nobody_open {
	int ifd;
	const char *path;
	unsigned int open_flags;
};

/* As nobody: DEV_OPEN a->path through the inherited instance fd. */
static int open_as_nobody(void *arg, void *out, size_t len)
{
	struct nobody_open *a = arg;
	int fd;

	(void)out; (void)len;
	fd = cse_dev_open(a->ifd, AT_FDCWD, a->path, a->open_flags);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST(broker_never_widens_access)
{
	int dev = cse_open_or_skip();
	int ifd = ASSERT_OK(broker_instance(dev, "narrow"));
	const char *node = "/tmp/cse-broker-null-0600";
	struct nobody_open a = { .ifd = ifd, .open_flags = O_RDONLY };
	struct stat st;

	if (geteuid() != 0)
		SKIP(return, "needs root to mknod and to change uid");
	ASSERT_EQ(0, stat("/dev/null", &st));
	unlink(node);
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0600, st.st_rdev));
	ASSERT_EQ(0, chmod(node, 0600));
	ASSERT_EQ(0, chown(node, 0, 0));

	/* Root may open the granted 0600 node... */
	close(ASSERT_OK(cse_dev_open(ifd, AT_FDCWD, node, O_RDONLY)));
	/* ...nobody may open the 0666 /dev/null through the broker... */
	a.path = "/dev/null";
	EXPECT_EQ(0, cse_run_as_nobody(open_as_nobody, &a, NULL, 0));
	/* ...but not the same device through the 0600 node. */
	a.path = node;
	EXPECT_EQ(EACCES, cse_run_as_nobody(open_as_nobody, &a, NULL, 0));
	unlink(node);
}

TEST_HARNESS_MAIN
