// SPDX-License-Identifier: GPL-2.0
/*
 * csectl against the real module: an unprivileged user's "csectl list"
 * shows only its own instances and says so on stderr, "csectl show" of
 * another user's instance fails like a missing one (with the same line),
 * root sees all without the line, and an instance dumped in parts
 * (600 members) is listed once with all its members. Runs the csectl that
 * scripts/vm-run copies to /cse/build/bin (SKIP without it).
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cse_test.h"

#define CSECTL	"/cse/build/bin/csectl"
#define HINT	"csectl: showing only instances created by uid 65534 (CAP_NET_ADMIN sees all)\n"

struct output {
	int status;		/* exit status, or -1 */
	char out[65536];
	char err[4096];
};

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Run csectl with up to three arguments as the calling user. */
static int csectl(struct output *o, const char *a1, const char *a2,
		  const char *a3)
{
	int out = memfd_create("out", 0), err = memfd_create("err", 0);
	int status;
	pid_t pid;

	o->status = -1;
	if (out < 0 || err < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		execl(CSECTL, "csectl", a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out, o->out, sizeof(o->out));
	slurp(err, o->err, sizeof(o->err));
	return 0;
}

FIXTURE(cv) {
	int dev;
};

FIXTURE_SETUP(cv)
{
	self->dev = cse_open_or_skip();
	if (access(CSECTL, X_OK))
		SKIP(return, "no %s", CSECTL);
}

FIXTURE_TEARDOWN(cv)
{
	if (self->dev >= 0)
		close(self->dev);
}

/* As nobody: list and show; returns 0 or the step that went wrong. */
static int nobody_views(void *arg, void *out, size_t len)
{
	static struct output o;
	int dev, fd;

	(void)arg; (void)out; (void)len;
	dev = open(CSE_DEV_PATH, O_RDWR | O_CLOEXEC);
	fd = cse_create(dev, "cv-nobody", NULL, 0, 0);
	if (fd < 0)
		return 1;
	if (csectl(&o, "list", NULL, NULL) || o.status != 0)
		return 2;
	if (strcmp(o.err, HINT))
		return 3;
	if (!strstr(o.out, "cv-nobody") || strstr(o.out, "cv-root"))
		return 4;
	if (csectl(&o, "show", "cv-root", NULL) || o.status != 1)
		return 5;
	if (!strstr(o.err, "no such instance") || !strstr(o.err, HINT))
		return 6;
	if (csectl(&o, "show", "cv-nobody", NULL) || o.status != 0)
		return 7;
	return 0;
}

TEST_F(cv, unprivileged_list_is_partial_and_says_so)
{
	int fd;

	fd = ASSERT_OK(cse_create(self->dev, "cv-root", NULL, 0, 0));
	EXPECT_EQ(0, cse_run_as_nobody(nobody_views, NULL, NULL, 0));
	close(fd);
}

TEST_F(cv, root_list_is_complete_without_the_line)
{
	static struct output o;
	int fd;

	fd = ASSERT_OK(cse_create(self->dev, "cv-root-all", NULL, 0, 0));
	ASSERT_EQ(0, csectl(&o, "list", NULL, NULL));
	EXPECT_EQ(0, o.status);
	EXPECT_STREQ("", o.err);
	EXPECT_NE(NULL, strstr(o.out, "cv-root-all"));
	close(fd);
}

TEST_F_TIMEOUT(cv, split_instance_is_listed_once_with_all_members, 120)
{
	static struct output o;
	int fd, hold;
	struct cse_instance_info info;
	pid_t kids[600];
	char key[64], *at;

	fd = ASSERT_OK(cse_create(self->dev, "cv-big", NULL, 0, 0));
	ASSERT_OK(cse_info(fd, &info));
	hold = cse_members_spawn(fd, kids, 600);
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, csectl(&o, "list", "-j", NULL));
	EXPECT_EQ(0, o.status);
	EXPECT_STREQ("", o.err);
	snprintf(key, sizeof(key), "{\"id\":%llu,", (unsigned long long)info.id);
	at = strstr(o.out, key);
	ASSERT_NE(NULL, at);
	EXPECT_EQ(NULL, strstr(at + 1, key));	/* listed once */
	at = strstr(at, "\"member_count\":");
	ASSERT_NE(NULL, at);
	EXPECT_EQ(600, atoi(at + strlen("\"member_count\":")));
	cse_members_release(hold, kids, 600);
	close(fd);
}

TEST_HARNESS_MAIN
