// SPDX-License-Identifier: GPL-2.0
/*
 * The dev element end to end: an application started by cse-run with
 * --device grants opens device nodes only through cse.ko's broker, even
 * when it bypasses libc with a raw `syscall` instruction. Granted devices
 * open and are counted; others fail with EACCES; files that are not
 * devices are untouched; a read-only grant refuses a write open. The
 *
 * This binary is also its own test subject: "dev_element --raw-open PATH
 * FLAGS" opens PATH with a raw openat syscall and prints the result.
 */
#include "kselftest_harness.h"
#include "cse_test.h"

#define CSE_RUN	"/cse/build/bin/cse-run"

/* openat(AT_FDCWD, path, flags) without libc: what the element must catch. */
static long raw_openat(const char *path, long flags)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"(257L /* __NR_openat */), "D"(-100L /* AT_FDCWD */),
		       "S"(path), "d"(flags)
		     : "rcx", "r11", "memory");
	return ret;
}

static int raw_open_main(const char *path, const char *how)
{
	long flags = !strcmp(how, "w") ? O_WRONLY : O_RDONLY;
	long fd = raw_openat(path, flags);
	char buf[8];

	if (fd < 0) {
		printf("%ld\n", fd);
		return 0;
	}
	if (flags == O_RDONLY)
		printf("read %zd\n", read((int)fd, buf, sizeof(buf)));
	else
		printf("wrote %zd\n", write((int)fd, "abcd", 4));
	return 0;
}

/* Run the subject under cse-run with GRANTS; its one output line in out. */
static int run_subject(const char *const *grants, const char *path,
		       const char *how, char *out, size_t outlen)
{
	const char *argv[16];
	int p[2], n = 0, status;
	char self_path[256];
	ssize_t len;
	pid_t pid;

	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len < 0)
		return -1;
	self_path[len] = 0;

	argv[n++] = CSE_RUN;
	for (; *grants; grants++) {
		argv[n++] = "--device";
		argv[n++] = *grants;
	}
	argv[n++] = "--";
	argv[n++] = self_path;
	argv[n++] = "--raw-open";
	argv[n++] = path;
	argv[n++] = how;
	argv[n] = NULL;
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(CSE_RUN, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	len = read(p[0], out, outlen - 1);
	close(p[0]);
	out[len > 0 ? len : 0] = 0;
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

FIXTURE(dev) {
	char out[128];
};

FIXTURE_SETUP(dev)
{
	int fd = cse_open_or_skip();

	close(fd);
	if (access(CSE_RUN, X_OK))
		SKIP(return, CSE_RUN " is not built");
}

FIXTURE_TEARDOWN(dev)
{
}

TEST_F(dev, granted_device_opens_through_raw_syscall)
{
	const char *g[] = { "/dev/zero:r", NULL };

	ASSERT_EQ(0, run_subject(g, "/dev/zero", "r", self->out, sizeof(self->out)));
	ASSERT_STREQ("read 8", self->out);
}

TEST_F(dev, ungranted_device_is_eacces_through_raw_syscall)
{
	const char *g[] = { "/dev/zero:r", NULL };

	ASSERT_EQ(0, run_subject(g, "/dev/full", "r", self->out, sizeof(self->out)));
	ASSERT_STREQ("-13", self->out);
}

TEST_F(dev, write_open_on_read_only_grant_is_eacces)
{
	const char *g[] = { "/dev/null:r", NULL };

	ASSERT_EQ(0, run_subject(g, "/dev/null", "w", self->out, sizeof(self->out)));
	ASSERT_STREQ("-13", self->out);
}

TEST_F(dev, read_write_grant_allows_write)
{
	const char *g[] = { "/dev/null:rw", NULL };

	ASSERT_EQ(0, run_subject(g, "/dev/null", "w", self->out, sizeof(self->out)));
	ASSERT_STREQ("wrote 4", self->out);
}

TEST_F(dev, regular_files_are_not_brokered)
{
	const char *g[] = { "/dev/null:r", NULL };

	ASSERT_EQ(0, run_subject(g, "/etc/passwd", "r", self->out, sizeof(self->out)));
	ASSERT_STREQ("read 8", self->out);
}

TEST_F(dev, missing_path_keeps_enoent)
{
	const char *g[] = { "/dev/null:r", NULL };

	ASSERT_EQ(0, run_subject(g, "/dev/does-not-exist", "r", self->out,
				 sizeof(self->out)));
	ASSERT_STREQ("-2", self->out);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--raw-open"))
		return raw_open_main(argv[2], argv[3]);
	return test_harness_run(argc, argv);
}
