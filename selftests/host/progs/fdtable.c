// SPDX-License-Identifier: GPL-2.0
/*
 * fdtable DIR: drives the testfd element (selftests/host/elements/testfd.c)
 * through every way a descriptor changes: dup, dup2 over a tracked fd,
 * dup3, F_DUPFD/F_DUPFD_CLOEXEC, close, close_range with and without
 * CLOSE_RANGE_CLOEXEC, dup2 onto the runtime's hidden numbers (992 and
 * up under a soft limit of 1024), fork, SCM_RIGHTS (recvmsg, recvmmsg),
 * pidfd_getfd, exec with and without close-on-exec, and posix_spawn (a
 * vfork child) with file actions. "fdtable DIR clonevm": clone(CLONE_VM)
 * without CLONE_FILES, refused while descriptors are tracked. "fdtable
 * DIR quiet": quiet descriptors (quiet() below). Marks and queries go to the element as openat calls of
 * missing paths; stdout shows what the calls returned, the same natively.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;
static const char *dir;

static void mark(const char *s)
{
	char p[256];

	snprintf(p, sizeof(p), "/testfd-mark/%s", s);
	if (open(p, O_RDONLY) >= 0)
		exit(90);
}

static void get(int fd)
{
	char p[64];

	snprintf(p, sizeof(p), "/testfd-get/%d", fd);
	if (open(p, O_RDONLY) >= 0)
		exit(91);
}

static int tfd(const char *name, int flags)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDWR | O_CREAT | flags, 0600);
	printf("open %s = %d\n", name, fd);
	return fd;
}

static void say(const char *what, long r)
{
	printf("%s = %ld\n", what, r);
}

/*
 * "fdtable DIR quiet": fchmod on descriptors testfd marked quiet
 * (tfq-* files, services.h fd_quiet) never reaches its handler, on a
 * dup of one or in a forked child neither; on the same number reused
 * by an unmarked file, or on an untracked descriptor, it does.
 */
static int quiet(void)
{
	int a, b, c, st;
	pid_t pid;

	mark("quiet");
	a = tfd("tfq-a", 0);
	for (int i = 0; i < 3; i++)
		say("fchmod(tfq-a)", fchmod(a, 0640));
	b = dup(a);
	say("dup(tfq-a)", b);
	say("fchmod(dup)", fchmod(b, 0600));
	pid = fork();
	if (pid == 0)
		_exit(fchmod(b, 0644) ? 1 : 0);
	waitpid(pid, &st, 0);
	say("child's fchmod(dup)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	say("close(tfq-a)", close(a));
	c = tfd("tfd-b", 0);
	say("fchmod(tfd-b)", fchmod(c, 0600));
	say("close(tfd-b)", close(c));
	c = open(dir, O_RDONLY | O_DIRECTORY);
	say("fchmod(dir)", fchmod(c, 0700));
	say("fchmod(-1)", fchmod(-1, 0700));
	mark("done");
	return 0;
}

static int send_fd(int sock, int fd)
{
	char c = 'x', buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(buf, 0, sizeof(buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return (int)sendmsg(sock, &m, 0);
}

static int recv_fd(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The same through recvmmsg. */
static int recv_fd_mmsg(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
					   .msg_controllen = sizeof(buf) } };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmmsg(sock, &mm, 1, 0, NULL) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mm.msg_hdr);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int after_exec(const char *self)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)self, (char *)dir, "spawned", NULL };
	pid_t pid;
	int st;

	mark("after-exec");
	get(3);
	get(4);
	get(5);
	get(9);
	get(10);
	mark("spawn");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, 4);
	posix_spawn_file_actions_adddup2(&fa, 3, 11);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0)
		return 1;
	waitpid(pid, &st, 0);
	say("spawned child status", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	mark("spawn-parent");
	get(4);
	get(11);
	return 0;
}

static int vm_child(void *arg)
{
	(void)arg;
	return 7;
}

/* clone(CLONE_VM) without CLONE_FILES: a child sharing memory, not fds. */
static int clone_vm(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int st = 0;
	pid_t pid = clone(vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);

	if (pid < 0) {
		printf("clone(CLONE_VM): %s\n", strerrorname_np(errno));
		return 0;
	}
	waitpid(pid, &st, 0);
	printf("clone(CLONE_VM): child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	int a, b, c, sv[2], st, r;
	pid_t pid;

	if (argc < 2)
		return 2;
	dir = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[2], "after-exec"))
		return after_exec(argv[0]);
	if (argc > 2 && !strcmp(argv[2], "clonevm"))
		return clone_vm();
	if (argc > 2 && !strcmp(argv[2], "quiet"))
		return quiet();
	if (argc > 2 && !strcmp(argv[2], "spawned")) {
		mark("spawned");
		get(3);
		get(4);
		get(9);
		get(11);
		return 0;
	}

	mark("start");
	a = tfd("tfd-a", 0);
	b = tfd("tfd-b", 0);
	c = tfd("tfd-c", O_CLOEXEC);
	mark("dup");
	say("dup(a)", dup(a));
	get(6);
	mark("dup2-over");
	say("dup2(a, b)", dup2(a, b));
	get(4);
	mark("dup2-same");
	say("dup2(a, a)", dup2(a, a));
	mark("dup3");
	say("dup3(c, 10, O_CLOEXEC)", dup3(c, 10, O_CLOEXEC));
	mark("dupfd");
	say("F_DUPFD_CLOEXEC(b, 20)", fcntl(b, F_DUPFD_CLOEXEC, 20));
	say("F_DUPFD(a, 0)", fcntl(a, F_DUPFD, 0));
	mark("close");
	say("close(6)", close(6));
	get(6);
	say("close(7)", close(7));
	mark("close-range");
	tfd("tfd-x", 0);
	tfd("tfd-y", 0);
	tfd("tfd-z", 0);
	say("close_range(6, 7, 0)", syscall(SYS_close_range, 6, 7, 0));
	get(8);
	mark("close-range-cloexec");
	say("close_range(8, 8, CLOEXEC)", syscall(SYS_close_range, 8, 8, CLOSE_RANGE_CLOEXEC));
	get(8);
	mark("hidden");
	for (int n = 992; n < 996; n++)
		say("dup2(a, n)", dup2(a, n));
	for (int n = 992; n < 996; n++)
		get(n);
	for (int n = 992; n < 996; n++)
		close(n);
	mark("fork");
	pid = fork();
	if (pid == 0) {
		mark("child");
		get(3);
		dup2(3, 9);
		close(4);
		get(9);
		get(4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	mark("parent");
	get(4);
	get(9);
	mark("scm");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 3;
	say("socketpair", sv[0] * 100 + sv[1]);
	say("send_fd", send_fd(sv[0], a));
	r = recv_fd(sv[1]);
	say("recv_fd", r);
	get(r);
	mark("scm-mmsg");
	say("send_fd", send_fd(sv[0], c));
	r = recv_fd_mmsg(sv[1]);
	say("recv_fd_mmsg", r);
	get(r);
	close(r);
	close(sv[0]);
	close(sv[1]);
	mark("pidfd-getfd");
	{
		int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);

		r = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, a, 0);
		say("pidfd_getfd(self, a)", r);
		get(r);
		close(r);
		close(pidfd);
	}
	mark("exec");
	{
		char *nargv[] = { argv[0], argv[1], "after-exec", NULL };

		execve(argv[0], nargv, environ);
	}
	return 4;
}
