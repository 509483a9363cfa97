// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fs_calls OP... : path calls by raw system calls, one line of result per
 * OP, for fs.t to compare a native chroot(8) run with a cse-run --root
 * run of the same tree. Built static so it runs in any root. Results
 * never show inode or device numbers (the trees differ), only what the
 * application must see identically.
 *
 * OPs (fields separated by ','):
 *   stat,P  lstat,P  statx,P  read,P  readlink,P  getcwd  chdir,P
 *   fchdir,P  chroot,P  access,P,MODE  faccessat2,P,MODE  fchmodat2,P,MODE
 *   fchmod,P,MODE (on a read-only descriptor, then its fstat)
 *   creat,P  mkdir,P  unlink,P  rmdir,P  symlink,TARGET,P  link,A,B
 *   rename2,A,B,FLAGS  openat2,DIR,P,RESOLVE  relat,DIR,P (fstatat on a
 *   dirfd)  relnf,DIR,P (fstatat and open, not following, on an
 *   O_DIRECTORY dirfd)  emptyat,P (utimensat and fchownat of (fd, "")
 *   with AT_EMPTY_PATH on an O_PATH descriptor of P; P "." the cwd)
 *   linkempty,P,Q (linkat(fd, "", Q, AT_EMPTY_PATH) on a read-only
 *   descriptor of P, an append through Q, then P's size and whether P
 *   and Q are one inode)  unix,P (bind, getsockname, stat)  inotify,P  xattr,P
 *   exec,P,OP (fork, exec P with the one OP, wait)  nlink,P  raw,NR,P (an
 *   unknown system call NR with path P)  pid
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char *field[8];
static int nfield;

static void split(char *op)
{
	nfield = 0;
	for (char *p = op; p && nfield < 8; ) {
		field[nfield++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = 0;
	}
}

static void res(long r)
{
	if (r < 0)
		printf(" = E%s\n", strerrorname_np(errno));
	else
		printf(" = ok\n");
}

static const char *type(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "link" :
	       S_ISSOCK(m) ? "sock" : S_ISCHR(m) ? "chr" : "other";
}

static void show_stat(long r, const struct stat *st)
{
	if (r < 0)
		res(r);
	else
		printf(" = %s size=%lld mode=%o\n", type(st->st_mode),
		       S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size, st->st_mode & 07777);
}

static void op_read(const char *p)
{
	char buf[256];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		res(-1);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf(" = \"%s\"\n", buf);
}

static void op_readlink(const char *p)
{
	char buf[4096];
	long n = syscall(SYS_readlinkat, AT_FDCWD, p, buf, sizeof(buf) - 1);

	if (n < 0) {
		res(n);
		return;
	}
	buf[n] = 0;
	printf(" = \"%s\"\n", buf);
}

static void op_unix(const char *p)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX }, b;
	socklen_t len = sizeof(b);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat st;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", p);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&b, &len) < 0 || stat(p, &st) < 0) {
		res(-1);
		close(s);
		return;
	}
	printf(" = bound \"%s\" %s\n", b.sun_path, type(st.st_mode));
	close(s);
}

static void op_exec(const char *p, const char *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char *argv[] = { (char *)"fs_calls", (char *)arg, NULL };

		fflush(stdout);
		syscall(SYS_execve, p, argv, environ);
		printf("execve = E%s\n", strerrorname_np(errno));
		fflush(stdout);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("exec,%s = exit %d\n", p, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void op(char *o)
{
	struct stat st;
	struct statx sx;
	char buf[4096];
	long r;
	int fd;

	size_t olen = strlen(o);

	printf("%s", o);
	fflush(stdout);
	split(o);
	if (!strcmp(field[0], "exec") && nfield > 3) {
		/* exec,P,OP...: the child's OP keeps its commas */
		for (char *q = field[2]; q < o + olen; q++)
			if (!*q)
				*q = ',';
		nfield = 3;
	}
	const char *a = nfield > 1 ? field[1] : "", *b = nfield > 2 ? field[2] : "";
	const char *c = nfield > 3 ? field[3] : "0";

	if (!strcmp(field[0], "stat")) {
		r = syscall(SYS_newfstatat, AT_FDCWD, a, &st, 0);
		show_stat(r, &st);
	} else if (!strcmp(field[0], "lstat")) {
		r = syscall(SYS_newfstatat, AT_FDCWD, a, &st, AT_SYMLINK_NOFOLLOW);
		show_stat(r, &st);
	} else if (!strcmp(field[0], "statx")) {
		r = syscall(SYS_statx, AT_FDCWD, a, 0, STATX_BASIC_STATS, &sx);
		if (r < 0)
			res(r);
		else
			printf(" = %s size=%llu nlink=%u\n", type(sx.stx_mode),
			       S_ISDIR(sx.stx_mode) ? 0ULL : (unsigned long long)sx.stx_size,
			       sx.stx_nlink);
	} else if (!strcmp(field[0], "nlink")) {
		r = syscall(SYS_newfstatat, AT_FDCWD, a, &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			res(r);
		else
			printf(" = nlink=%lu\n", (unsigned long)st.st_nlink);
	} else if (!strcmp(field[0], "read")) {
		op_read(a);
	} else if (!strcmp(field[0], "readlink")) {
		op_readlink(a);
	} else if (!strcmp(field[0], "getcwd")) {
		r = syscall(SYS_getcwd, buf, sizeof(buf));
		if (r < 0)
			res(r);
		else
			printf(" = \"%s\"\n", buf);
	} else if (!strcmp(field[0], "chdir")) {
		res(syscall(SYS_chdir, a));
	} else if (!strcmp(field[0], "fchdir")) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, a, O_PATH | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? fd : syscall(SYS_fchdir, fd);
		res(r);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(field[0], "chroot")) {
		res(syscall(SYS_chroot, a));
	} else if (!strcmp(field[0], "access")) {
		res(syscall(SYS_access, a, atoi(b)));
	} else if (!strcmp(field[0], "faccessat2")) {
		res(syscall(SYS_faccessat2, AT_FDCWD, a, atoi(b), AT_EACCESS));
	} else if (!strcmp(field[0], "fchmodat2")) {
		res(syscall(SYS_fchmodat2, AT_FDCWD, a, strtol(b, NULL, 8), AT_SYMLINK_NOFOLLOW));
	} else if (!strcmp(field[0], "fchmod")) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, a, O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? fd : syscall(SYS_fchmod, fd, strtol(b, NULL, 8));
		if (r == 0)
			r = fstat(fd, &st);
		show_stat(r, &st);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(field[0], "creat")) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		res(fd);
		if (fd >= 0) {
			if (write(fd, "new\n", 4) != 4)
				printf("short write\n");
			close(fd);
		}
	} else if (!strcmp(field[0], "mkdir")) {
		res(syscall(SYS_mkdirat, AT_FDCWD, a, 0755));
	} else if (!strcmp(field[0], "unlink")) {
		res(syscall(SYS_unlinkat, AT_FDCWD, a, 0));
	} else if (!strcmp(field[0], "rmdir")) {
		res(syscall(SYS_unlinkat, AT_FDCWD, a, AT_REMOVEDIR));
	} else if (!strcmp(field[0], "symlink")) {
		res(syscall(SYS_symlinkat, a, AT_FDCWD, b));
	} else if (!strcmp(field[0], "link")) {
		res(syscall(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0));
	} else if (!strcmp(field[0], "rename2")) {
		res(syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, atoi(c)));
	} else if (!strcmp(field[0], "emptyat")) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000, 0 } };

		if (!strcmp(a, "."))
			fd = AT_FDCWD;	/* the working directory */
		else
			fd = (int)syscall(SYS_openat, AT_FDCWD, a, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		r = syscall(SYS_utimensat, fd, "", ts, AT_EMPTY_PATH);
		printf(" utimensat%s", r ? " failed" : "");
		r = syscall(SYS_fchownat, fd, "", -1, getgid(), AT_EMPTY_PATH);
		printf(" fchownat%s", r ? " failed" : "");
		/* looked up again by name: what the view shows now */
		if (fd == AT_FDCWD && !getcwd(buf, sizeof(buf)))
			buf[0] = 0;
		r = syscall(SYS_newfstatat, AT_FDCWD, fd == AT_FDCWD ? buf : a, &st, AT_SYMLINK_NOFOLLOW);
		if (r == 0)
			printf(" mtime=%lld", (long long)st.st_mtime);
		res(r);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(field[0], "linkempty")) {
		struct stat sq;
		int w;

		fd = (int)syscall(SYS_openat, AT_FDCWD, a, O_RDONLY | O_CLOEXEC);
		r = syscall(SYS_linkat, fd, "", AT_FDCWD, b, AT_EMPTY_PATH);
		if (r) {
			res(r);
		} else {
			w = (int)syscall(SYS_openat, AT_FDCWD, b, O_WRONLY | O_APPEND | O_CLOEXEC);
			printf(" append%s", w < 0 || write(w, "x", 1) != 1 ? " failed" : "");
			if (w >= 0)
				close(w);
			r = syscall(SYS_newfstatat, AT_FDCWD, a, &st, 0);
			if (!r)
				r = syscall(SYS_newfstatat, AT_FDCWD, b, &sq, 0);
			if (!r)
				printf(" size=%lld nlink=%ld one-inode=%d", (long long)st.st_size,
				       (long)st.st_nlink, st.st_ino == sq.st_ino && st.st_dev == sq.st_dev);
			res(r);
		}
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(field[0], "relnf")) {
		int dfd = (int)syscall(SYS_openat, AT_FDCWD, a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0) {
			res(dfd);
			return;
		}
		r = syscall(SYS_newfstatat, dfd, b, &st, AT_SYMLINK_NOFOLLOW);
		show_stat(r, &st);
		fd = (int)syscall(SYS_openat, dfd, b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		r = fd < 0 ? fd : fstat(fd, &st);
		show_stat(r, &st);
		if (fd >= 0)
			close(fd);
		close(dfd);
	} else if (!strcmp(field[0], "openat2") || !strcmp(field[0], "relat")) {
		int dfd = (int)syscall(SYS_openat, AT_FDCWD, a, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = strtoull(c, NULL, 0) };

		if (dfd < 0) {
			res(dfd);
			return;
		}
		if (field[0][0] == 'o') {
			fd = (int)syscall(SYS_openat2, dfd, b, &how, sizeof(how));
			r = fd < 0 ? fd : fstat(fd, &st);
			show_stat(r, &st);
			if (fd >= 0)
				close(fd);
		} else {
			r = syscall(SYS_newfstatat, dfd, b, &st, 0);
			show_stat(r, &st);
		}
		close(dfd);
	} else if (!strcmp(field[0], "unix")) {
		op_unix(a);
	} else if (!strcmp(field[0], "inotify")) {
		fd = inotify_init1(IN_CLOEXEC);
		r = inotify_add_watch(fd, a, IN_CREATE);
		res(r < 0 ? r : 0);
		close(fd);
	} else if (!strcmp(field[0], "xattr")) {
		r = setxattr(a, "user.cse", "v1", 2, 0);
		if (r == 0)
			r = getxattr(a, "user.cse", buf, sizeof(buf));
		if (r < 0)
			res(r);
		else
			printf(" = \"%.*s\"\n", (int)r, buf);
	} else if (!strcmp(field[0], "pid")) {
		printf(" = %d\n", (int)getpid());
	} else if (!strcmp(field[0], "raw")) {
		res(syscall(atol(a), b));
	} else if (!strcmp(field[0], "exec")) {
		printf(" (child:)\n");
		op_exec(a, b);
	} else {
		printf(" = unknown op\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		op(argv[i]);
	return 0;
}
