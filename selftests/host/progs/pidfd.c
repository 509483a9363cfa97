// SPDX-License-Identifier: GPL-2.0
/*
 * pidfd process management, printed so a run under cse-run can be compared
 * with a native one: pidfd_open + poll + waitid(P_PIDFD), pidfd_send_signal,
 * pidfd_getfd, clone(CLONE_PIDFD), clone3(CLONE_PIDFD), each from the main
 * thread and from a second thread, and the thread pidfds of PIDFD_THREAD.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int pidfd, int sig, siginfo_t *si, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, si, flags);
}

static int pidfd_getfd(int pidfd, int fd, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

static const char *err(long r)
{
	static char buf[64];

	if (r >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno));
	return buf;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, ms);

	return r == 1 ? (p.revents & POLLIN ? 1 : -p.revents) : r;
}

static void reap(const char *what, int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0) {
		printf("%s: waitid %s\n", what, err(-1));
		return;
	}
	printf("%s: waitid code=%d status=%d signo=%d\n", what, si.si_code,
	       si.si_status, si.si_signo);
}

/* A child that waits on a pipe, then exits with status 7. */
static void open_poll_wait(const char *who)
{
	int p[2], pidfd;
	pid_t pid;
	char what[64];

	snprintf(what, sizeof(what), "%s open", who);
	if (pipe(p))
		exit(1);
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		_exit(7);
	}
	close(p[0]);
	pidfd = pidfd_open(pid, 0);
	printf("%s: pidfd_open %s cloexec=%d\n", what, err(pidfd),
	       (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	printf("%s: poll before exit %d\n", what, readable(pidfd, 50));
	close(p[1]);
	printf("%s: poll after exit %d\n", what, readable(pidfd, 5000));
	reap(what, pidfd);
	printf("%s: waitid again %s\n", what,
	       err(waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){0}, WEXITED | WNOHANG)));
	close(pidfd);
}

static void send_signal(const char *who)
{
	char what[64];
	siginfo_t si;
	pid_t pid;
	int pidfd;

	snprintf(what, sizeof(what), "%s signal", who);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	pidfd = pidfd_open(pid, 0);
	printf("%s: sig 0 %s\n", what, err(pidfd_send_signal(pidfd, 0, NULL, 0)));
	printf("%s: bad flags %s\n", what, err(pidfd_send_signal(pidfd, SIGTERM, NULL, 99)));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	printf("%s: forged SI_USER %s\n", what, err(pidfd_send_signal(pidfd, SIGUSR1, &si, 0)));
	printf("%s: SIGTERM %s\n", what, err(pidfd_send_signal(pidfd, SIGTERM, NULL, 0)));
	reap(what, pidfd);
	printf("%s: after reap %s\n", what, err(pidfd_send_signal(pidfd, SIGTERM, NULL, 0)));
	close(pidfd);
}

/* The child opens a file at a known number; the parent takes a copy. */
static void get_fd(const char *who)
{
	char what[64], buf[16] = "";
	int p[2], pidfd, fd;
	pid_t pid;

	snprintf(what, sizeof(what), "%s getfd", who);
	if (pipe(p))
		exit(1);
	pid = fork();
	if (pid == 0) {
		int m;
		char c;

		/* fd 40 last: once the parent sees it, the table is complete. */
		close(p[1]);
		m = memfd_create("pidfd-test", 0);
		if (write(m, "payload", 7) != 7 || dup2(m, 40) != 40)
			_exit(1);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	pidfd = pidfd_open(pid, 0);
	/* Wait until the child has set up fd 40. */
	for (int i = 0; i < 5000; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/fd/40", pid);
		if (access(path, F_OK) == 0)
			break;
		usleep(1000);
	}
	{
		/* The child's table as a sibling sees it: listing and numbers. */
		char dir[64], line[512] = "";
		struct dirent *e;
		int ok = 0;
		DIR *d;

		snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] != '.' && strlen(line) < sizeof(line) - 16) {
				strcat(line, " ");
				strcat(line, e->d_name);
			}
		}
		if (d)
			closedir(d);
		printf("%s: child lists%s\n", what, line);
		for (int n = 0; n < 1 << 16; n++) {
			int r = pidfd_getfd(pidfd, n, 0);

			if (r >= 0) {
				close(r);
				ok++;
			}
		}
		printf("%s: child scan: %d open\n", what, ok);
	}
	fd = pidfd_getfd(pidfd, 40, 0);
	printf("%s: fd 40 %s cloexec=%d\n", what, err(fd),
	       fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (fd >= 0) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = 0;
		printf("%s: content %s\n", what, buf);
		close(fd);
	}
	printf("%s: fd 41 %s\n", what, err(pidfd_getfd(pidfd, 41, 0)));
	printf("%s: bad flags %s\n", what, err(pidfd_getfd(pidfd, 40, 1)));
	close(p[1]);
	reap(what, pidfd);
	printf("%s: after exit %s\n", what, err(pidfd_getfd(pidfd, 40, 0)));
	close(pidfd);
	/* Our own process: free numbers are EBADF whatever lives there. */
	pidfd = pidfd_open(getpid(), 0);
	for (int n = 0, ok = 0; ; n++) {
		int r = pidfd_getfd(pidfd, n, 0);

		if (r >= 0) {
			close(r);
			ok++;
		} else if (errno != EBADF) {
			printf("%s: self fd %d: %s\n", what, n, err(r));
		}
		if (n == 1 << 16) {
			printf("%s: self scan: %d open\n", what, ok);
			break;
		}
	}
	close(pidfd);
}

static void clone_pidfd(const char *who)
{
	char what[64];
	int pidfd = -1;
	long pid;

	snprintf(what, sizeof(what), "%s clone", who);
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(3);
	printf("%s: clone %s pidfd %s cloexec=%d\n", what, err(pid),
	       pidfd >= 0 ? "set" : "unset", (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	printf("%s: poll %d\n", what, readable(pidfd, 5000));
	reap(what, pidfd);
	close(pidfd);

	snprintf(what, sizeof(what), "%s clone3", who);
	{
		struct clone_args ca;
		int pfd = -1;

		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_PIDFD;
		ca.pidfd = (uintptr_t)&pfd;
		ca.exit_signal = SIGCHLD;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			_exit(5);
		printf("%s: clone3 %s pidfd %s\n", what, err(pid), pfd >= 0 ? "set" : "unset");
		printf("%s: poll %d\n", what, readable(pfd, 5000));
		reap(what, pfd);
		close(pfd);
		/* CLONE_PIDFD with CLONE_PARENT_SETTID at the same address: EINVAL. */
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
		ca.pidfd = (uintptr_t)&pfd;
		ca.parent_tid = (uintptr_t)&pfd;
		ca.exit_signal = SIGCHLD;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			_exit(5);
		printf("%s: clone3 same address %s\n", what, err(pid));
		/* clone(CLONE_PIDFD|CLONE_DETACHED) is refused. */
		pid = syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &pfd, 0, 0);
		if (pid == 0)
			_exit(5);
		printf("%s: clone detached %s\n", what, err(pid));
	}
}

static int vm_child(void *arg)
{
	(void)arg;
	return 9;
}

static volatile int go;

/* The raw thread: no libc (its TLS is the parent's), no return. */
static __attribute__((noreturn, used)) void thread_child(void)
{
	long r;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		__asm__ volatile("syscall" : "=a"(r) : "0"(SYS_sched_yield) : "rcx", "r11", "memory");
	for (;;)
		__asm__ volatile("syscall" : "=a"(r) : "0"(SYS_exit), "D"(0) : "rcx", "r11", "memory");
}

static long clone3_thread(struct clone_args *ca)
{
	long r;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "call thread_child\n"
			 "1:"
			 : "=a"(r)
			 : "0"(SYS_clone3), "D"(ca), "S"(sizeof(*ca))
			 : "rcx", "r11", "memory");
	return r;
}

/* posix_spawn's shape (CLONE_VM|CLONE_VFORK on a new stack) and a thread. */
static void clone_vm_pidfd(const char *who)
{
	static char stack[2][1 << 16] __attribute__((aligned(16)));
	char what[64];
	struct clone_args ca;
	int pfd = -1;
	long pid;

	snprintf(what, sizeof(what), "%s clone vm", who);
	pid = clone(vm_child, stack[0] + sizeof(stack[0]),
		    CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, NULL, &pfd);
	printf("%s: vfork clone %s pidfd %s\n", what, err(pid), pfd >= 0 ? "set" : "unset");
	printf("%s: poll %d\n", what, readable(pfd, 5000));
	reap(what, pfd);
	close(pfd);

	go = 0;
	pfd = -1;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		   CLONE_SYSVSEM | CLONE_PIDFD;
	ca.pidfd = (uintptr_t)&pfd;
	ca.stack = (uintptr_t)stack[1];
	ca.stack_size = sizeof(stack[1]);
	pid = clone3_thread(&ca);
	if (pid < 0)
		errno = (int)-pid;
	printf("%s: thread clone3 %s pidfd %s\n", what, err(pid), pfd >= 0 ? "set" : "unset");
	if (pid > 0) {
		printf("%s: thread poll before %d\n", what, readable(pfd, 50));
		printf("%s: thread signal 0 %s\n", what,
		       err(pidfd_send_signal(pfd, 0, NULL, 0)));
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		printf("%s: thread poll after %d\n", what, readable(pfd, 5000));
		close(pfd);
	}
}

static volatile sig_atomic_t got_sig, got_code, got_pid_ok;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid_ok = si->si_pid == getpid();
}

/* Signals to ourselves through a pidfd, and a non-blocking pidfd. */
static void self_and_nonblock(void)
{
	struct sigaction sa;
	siginfo_t si;
	int pfd = pidfd_open(getpid(), 0), nb;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	printf("self: send %s\n", err(pidfd_send_signal(pfd, SIGUSR1, NULL, 0)));
	printf("self: handler sig=%d code=%d pid_ok=%d\n", got_sig, got_code, got_pid_ok);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	got_sig = 0;
	printf("self: queue %s\n", err(pidfd_send_signal(pfd, SIGUSR1, &si, 0)));
	printf("self: handler sig=%d code=%d\n", got_sig, got_code);
	printf("self: waitid on self %s\n",
	       err(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOHANG)));
	close(pfd);

	pid = fork();
	if (pid == 0) {
		usleep(100000);
		_exit(4);
	}
	nb = pidfd_open(pid, PIDFD_NONBLOCK);
	printf("nonblock: flags O_NONBLOCK=%d\n", (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
	memset(&si, 0, sizeof(si));
	printf("nonblock: waitid early %s\n", err(waitid(P_PIDFD, (id_t)nb, &si, WEXITED)));
	printf("nonblock: poll %d\n", readable(nb, 5000));
	reap("nonblock", nb);
	close(nb);
}

static void *thread_pidfd(void *arg)
{
	int *out = arg;

	*out = pidfd_open((pid_t)gettid(), PIDFD_THREAD);
	printf("thread: PIDFD_THREAD open %s\n", err(*out));
	printf("thread: pidfd_open(tid, 0) %s\n", err(pidfd_open((pid_t)gettid(), 0)));
	return NULL;
}

static void *all_from_thread(void *arg)
{
	(void)arg;
	open_poll_wait("thread");
	send_signal("thread");
	get_fd("thread");
	clone_pidfd("thread");
	clone_vm_pidfd("thread");
	return NULL;
}

int main(void)
{
	pthread_t t;
	int tfd = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	open_poll_wait("main");
	send_signal("main");
	get_fd("main");
	clone_pidfd("main");
	clone_vm_pidfd("main");
	if (pthread_create(&t, NULL, all_from_thread, NULL) || pthread_join(t, NULL))
		return 1;
	self_and_nonblock();
	if (pthread_create(&t, NULL, thread_pidfd, &tfd) || pthread_join(t, NULL))
		return 1;
	printf("thread pidfd after exit: poll %d\n", readable(tfd, 5000));
	printf("bad pid: %s\n", err(pidfd_open(0x7ffffff0, 0)));
	printf("bad flags: %s\n", err(pidfd_open(getpid(), 1)));
	return 0;
}
