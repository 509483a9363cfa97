/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the cse selftests: open /dev/cse or skip, build and
 * issue the ioctls of include/uapi/linux/cse.h, assert exact errnos, and
 * run a piece of a test as the unprivileged user "nobody".
 *
 * Include after kselftest_harness.h: the macros use its _metadata.
 */
#ifndef CSE_TEST_H
#define CSE_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/cse.h>

#define CSE_DEV_PATH	"/dev/cse"
#define NOBODY_UID	65534
#define NOBODY_GID	65534
#define CSE_OTHER_UID	65533		/* a second unprivileged user */
#define CSE_BAD_PTR	((void *)8)	/* never mapped */

/* Open /dev/cse, or mark the test SKIP when the module is not loaded. */
#define cse_open_or_skip() ({						\
	int __fd = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);		\
	if (__fd < 0 && errno == ENOENT)				\
		SKIP(return, CSE_DEV_PATH " is absent (cse.ko not loaded)"); \
	ASSERT_LE(0, __fd) {						\
		TH_LOG("open %s: %s", CSE_DEV_PATH, strerror(errno));	\
	}								\
	__fd;								\
})

/* Assert that _expr fails with exactly errno _err. */
#define ASSERT_ERRNO(_err, _expr) do {					\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(_expr);						\
	__e = errno;							\
	ASSERT_EQ(-1, __r) {						\
		TH_LOG("%s returned %ld, expected -1 with %s",		\
		       #_expr, __r, strerror(_err));			\
	}								\
	ASSERT_EQ(_err, __e) {						\
		TH_LOG("%s: errno %d (%s), expected %d (%s)", #_expr,	\
		       __e, strerror(__e), _err, strerror(_err));	\
	}								\
} while (0)

/* Assert that _expr succeeds (returns >= 0); evaluates to its result. */
#define ASSERT_OK(_expr) ({						\
	long __r;							\
	errno = 0;							\
	__r = (long)(_expr);						\
	ASSERT_LE(0, __r) {						\
		TH_LOG("%s failed: %s", #_expr, strerror(errno));	\
	}								\
	__r;								\
})

static inline void cse_create_init(struct cse_instance_create *c,
				   const char *name,
				   const struct cse_dev_grant *grants,
				   unsigned int n_grants, unsigned int flags)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = flags;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->n_grants = n_grants;
	c->grants = (uintptr_t)grants;
}

/* CSE_IOC_INSTANCE_CREATE; returns the instance fd or -1 with errno. */
static inline int cse_create(int dev, const char *name,
			     const struct cse_dev_grant *grants,
			     unsigned int n_grants, unsigned int flags)
{
	struct cse_instance_create c;

	cse_create_init(&c, name, grants, n_grants, flags);
	return ioctl(dev, CSE_IOC_INSTANCE_CREATE, &c);
}

static inline int cse_info(int ifd, struct cse_instance_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(ifd, CSE_IOC_INSTANCE_INFO, info);
}

static inline void cse_dev_open_init(struct cse_dev_open *o, int dirfd,
				     const char *path, unsigned int open_flags)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->dirfd = dirfd;
	o->open_flags = open_flags;
	o->path = (uintptr_t)path;
}

/* CSE_IOC_DEV_OPEN; returns the proxy fd or -1 with errno. */
static inline int cse_dev_open(int ifd, int dirfd, const char *path,
			       unsigned int open_flags)
{
	struct cse_dev_open o;

	cse_dev_open_init(&o, dirfd, path, open_flags);
	return ioctl(ifd, CSE_IOC_DEV_OPEN, &o);
}

/* Fill *g with a grant for the device node at path; 0 or -1 with errno. */
static inline int cse_grant_for(struct cse_dev_grant *g, const char *path,
				unsigned int access)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
		errno = ENODEV;
		return -1;
	}
	g->type = S_ISCHR(st.st_mode) ? CSE_DEV_CHAR : CSE_DEV_BLOCK;
	g->major = major(st.st_rdev);
	g->minor = minor(st.st_rdev);
	g->access = access;
	return 0;
}

#define CSE_MAX_INSTANCES_PARAM "/sys/module/cse/parameters/max_instances"

/* Write val to a sysfs file (a module parameter); 0 or -1 with errno. */
static inline int cse_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

#define CSE_PARAM_DIR "/sys/module/cse/parameters/"

/* Read module parameter name into buf (newline stripped); 0 or -1. */
static inline int cse_param_get(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CSE_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int cse_param_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), CSE_PARAM_DIR "%s", name);
	return cse_write_file(path, val);
}

/* Become uid/gid with no capabilities left; 0 or -1 with errno. */
static inline int cse_become(uid_t uid, gid_t gid)
{
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -1;
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(gid, gid, gid))
		return -1;
	/* A uid change away from 0 clears every capability set. */
	if (setresuid(uid, uid, uid))
		return -1;
	return 0;
}

static inline int cse_become_nobody(void)
{
	return cse_become(NOBODY_UID, NOBODY_GID);
}

/*
 * Run fn(arg, out, out_len) in a forked child that has become uid/gid. fn
 * returns an errno-style code (0 for success) and may fill out; both come
 * back to the caller through a pipe. Returns that code, or -1 when the
 * child could not report (it then died or could not drop privileges).
 */
static inline int cse_run_as(uid_t uid, gid_t gid,
			     int (*fn)(void *arg, void *out, size_t len),
			     void *arg, void *out, size_t out_len)
{
	int p[2], code = -1, status;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char buf[512];
		int c;

		close(p[0]);
		memset(buf, 0, sizeof(buf));
		if (out_len > sizeof(buf))
			_exit(2);
		c = cse_become(uid, gid) ? -1 : fn(arg, buf, out_len);
		if (write(p[1], &c, sizeof(c)) != sizeof(c) ||
		    (out_len && write(p[1], buf, out_len) != (ssize_t)out_len))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &code, sizeof(code)) != sizeof(code))
		code = -1;
	else if (out_len && read(p[0], out, out_len) != (ssize_t)out_len)
		code = -1;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		code = -1;
	return code;
}

static inline int cse_run_as_nobody(int (*fn)(void *arg, void *out, size_t len),
				    void *arg, void *out, size_t out_len)
{
	return cse_run_as(NOBODY_UID, NOBODY_GID, fn, arg, out, out_len);
}

/* Instance id of an instance fd (CSE_IOC_INSTANCE_INFO), or 0. */
static inline uint64_t cse_inst_id(int ifd)
{
	struct cse_instance_info info;

	return cse_info(ifd, &info) ? 0 : info.id;
}

/* Reap pid: its exit status, or -1 when it did not exit normally. */
static inline int cse_wait_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Open fds of this process, or -1. */
static inline int cse_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static inline int cse_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd above 2 but the three given ones (in any order). */
static inline void cse_close_all_but(int a, int b, int c)
{
	int keep[3] = { a, b, c }, i, lo = 3;

	qsort(keep, 3, sizeof(keep[0]), cse_int_cmp);
	for (i = 0; i < 3; i++) {
		if (keep[i] > lo)
			close_range(lo, keep[i] - 1, 0);
		if (keep[i] + 1 > lo)
			lo = keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/*
 * Fork n children that each JOIN ifd, say so, then wait for EOF on a
 * pipe: the instance has n more members until cse_members_release().
 * Returns the write end of that pipe, or -1 (children already forked
 * are then left to the caller's *kids, -1 past the last one).
 */
static inline int cse_members_spawn(int ifd, pid_t *kids, int n)
{
	int ready[2], hold[2], i, ok = 0;
	char c;

	if (pipe(ready))
		return -1;
	if (pipe(hold)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	for (i = 0; i < n; i++)
		kids[i] = -1;
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			break;
		if (kids[i] == 0) {
			/* Only what it needs: no other group's hold pipe. */
			cse_close_all_but(ifd, ready[1], hold[0]);
			if (ioctl(ifd, CSE_IOC_JOIN, 0) ||
			    write(ready[1], "j", 1) != 1)
				_exit(1);
			while (read(hold[0], &c, 1) > 0)
				;
			_exit(0);
		}
	}
	close(ready[1]);
	close(hold[0]);
	while (ok < i && read(ready[0], &c, 1) == 1)
		ok++;
	close(ready[0]);
	if (ok < n) {
		close(hold[1]);
		return -1;
	}
	return hold[1];
}

/* Let the children of cse_members_spawn() exit; how many exited cleanly. */
static inline int cse_members_release(int hold, const pid_t *kids, int n)
{
	int i, clean = 0;

	close(hold);
	for (i = 0; i < n && kids[i] > 0; i++)
		clean += cse_wait_status(kids[i]) == 0;
	return clean;
}

/* xorshift64*: a small seeded generator, so a failing run can be replayed. */
static inline uint64_t cse_rnd(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

/* A seed from env (decimal or 0x...) when set, else from time and pid. */
static inline uint64_t cse_seed(const char *env)
{
	const char *s = getenv(env);
	uint64_t seed;

	seed = s ? strtoull(s, NULL, 0) :
		   ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	return seed ? seed : 1;
}

#endif /* CSE_TEST_H */
