// SPDX-License-Identifier: GPL-2.0
/*
 * /proc views of the process's own descriptor table without the
 * runtime's fds: listings of /proc/{self,thread-self,PID}[/task/TID]/fd
 * and fdinfo drop their entries, and paths naming them there (or in
 * /dev/fd) answer ENOENT as for a free number.
 *
 * Listings: the real getdents first; only when the buffer holds numeric
 * names is the directory checked (fstatfs: procfs; its /proc/self/fd
 * link: .../PID/fd or .../PID/task/TID/fd, whose PID is this process or
 * another of the application's, fdshare.c), so other directories cost
 * nothing more. A buffer left empty by the filter is refilled, since an
 * empty answer means the end.
 *
 * Paths: checked after the kernel accepted the call (the string is then
 * known readable); an open that succeeded is closed again. An open with
 * O_TRUNC would change the runtime's file, so its path is read first,
 * through process_vm_readv (a bad pointer is not our fault to take).
 *
 * Not covered: paths through symlinks or bind mounts of /proc, and
 * /proc/TID/fd of another process's non-leader thread.
 */
#include "runtime.h"

#define K_PROC_SUPER_MAGIC	0x9fa0

struct kstatfs_min {
	long f_type;
	long rest[15];
};

static int parse_num(const char *s, size_t n, long *v)
{
	*v = 0;
	if (!n || n > 9)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static const char *next(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s == '/')
		s++;
	for (e = s; *e && *e != '/'; e++)
		;
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

static int word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

struct hset {
	int n;
	int fd[FDGUARD_MAX];
};

static int in_set(const struct hset *h, long v)
{
	for (int i = 0; i < h->n; i++)
		if (h->fd[i] == v)
			return 1;
	return 0;
}

/*
 * The process whose fd table a task id shows: ours for our own threads,
 * else the id itself (another process's thread ids are not followed).
 */
static int table_owner(long id)
{
	char path[48];
	int pid = (int)rt_sys0(__NR_getpid);

	if (id == pid)
		return pid;
	rt_format(path, sizeof(path), "/proc/self/task/%ld", id);
	return rt_sys2(__NR_access, path, 0) == 0 ? pid : (int)id;
}

/*
 * p points after "/proc": "/{self,thread-self,PID}[/task/TID]/{fd,fdinfo}".
 * Returns the pid whose fd table that is, or 0; leaves *p after it. The
 * shape is checked before any system call, so /proc/PID/stat costs none.
 */
static int fd_dir_owner(const char **p)
{
	const char *c;
	size_t n;
	long pid = -1, tid = -1;

	c = next(p, &n);
	if (word(c, n, "thread-self"))
		pid = 0;
	else if (word(c, n, "self"))
		pid = 0;
	else if (!parse_num(c, n, &pid))
		return 0;
	c = next(p, &n);
	if (pid && word(c, n, "task")) {
		c = next(p, &n);
		if (!parse_num(c, n, &tid))
			return 0;
		c = next(p, &n);
	}
	if (!word(c, n, "fd") && !word(c, n, "fdinfo"))
		return 0;
	if (!pid)
		return (int)rt_sys0(__NR_getpid);
	/* /proc/PID/task/TID: TID's table, which is PID's for PID's threads. */
	return table_owner(pid);
}

static void set_of(int pid, struct hset *h)
{
	h->n = pid > 0 ? fdguard_set_of(pid, h->fd, FDGUARD_MAX) : 0;
}

/* Does this absolute path name a hidden fd in /proc or /dev/fd? */
RT_HOT static int hidden_path(const char *path)
{
	const char *p = path, *c;
	struct hset h;
	size_t n;
	long v;
	int pid;

	/* Most paths fail here: only "dev" and "proc" lead on. */
	if (path[0] != '/' || (path[1] != 'd' && path[1] != 'p' && path[1] != '/'))
		return 0;
	c = next(&p, &n);
	if (word(c, n, "dev")) {
		c = next(&p, &n);
		if (!word(c, n, "fd"))
			return 0;
		pid = -1;	/* our own, checked below */
	} else if (!word(c, n, "proc") || !(pid = fd_dir_owner(&p))) {
		return 0;
	}
	c = next(&p, &n);
	if (!parse_num(c, n, &v))
		return 0;
	next(&p, &n);
	if (n)
		return 0;
	if (pid < 0)
		return fdguard_is_hidden((int)v);
	set_of(pid, &h);
	return in_set(&h, v);
}

/* Whose /proc fd or fdinfo directory is dirfd? 0: none. */
static int fd_dirfd_owner(int fd)
{
	struct kstatfs_min sf;
	char link[48], target[256];
	long n;
	const char *p;

	if (rt_sys2(__NR_fstatfs, fd, &sf) != 0 || sf.f_type != K_PROC_SUPER_MAGIC)
		return 0;
	rt_format(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = rt_sys3(__NR_readlink, link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	/* Wherever procfs is mounted: find "/<pid>/" that leads to fd. */
	for (p = target; *p; p++) {
		const char *q = p;
		int pid;

		if (*p != '/' || p[1] < '0' || p[1] > '9')
			continue;
		pid = fd_dir_owner(&q);
		if (pid && !*q)
			return pid;
	}
	return 0;
}

/* A relative name "N" under a dirfd that is an fd directory. */
RT_HOT static int hidden_at(int dirfd, const char *path)
{
	struct hset h;
	long v;

	if (path[0] == '/')
		return hidden_path(path);
	if (dirfd == K_AT_FDCWD || !parse_num(path, strlen(path), &v))
		return 0;
	set_of(fd_dirfd_owner(dirfd), &h);
	return in_set(&h, v);
}

/* Which argument holds the path (and dirfd), or -1. */
RT_HOT static int path_arg(long nr, int *dirfd_arg)
{
	*dirfd_arg = -1;
	switch (nr) {
	case __NR_open:
	case __NR_stat:
	case __NR_lstat:
	case __NR_readlink:
	case __NR_access:
		return 0;
	case __NR_openat:
	case __NR_openat2:
	case __NR_newfstatat:
	case __NR_statx:
	case __NR_readlinkat:
	case __NR_faccessat:
	case __NR_faccessat2:
		*dirfd_arg = 0;
		return 1;
	default:
		return -1;
	}
}

static int is_open(long nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_openat2;
}

/* Bytes of a string in app memory, possibly short near an unmapped page. */
static long peek(char *buf, size_t size, const char *app)
{
	struct { const void *base; size_t len; } local = { buf, size - 1 },
						   remote = { app, size - 1 };
	long r = rt_sys6(__NR_process_vm_readv, rt_sys0(__NR_getpid), &local, 1,
			 &remote, 1, 0);

	if (r <= 0)
		return 0;
	buf[r] = 0;
	return (long)strlen(buf) < r;	/* a whole string */
}

/* Before the call: an O_TRUNC open of a hidden fd's link fails first. */
RT_HOT long procfd_pre(struct cse_call *c, int *handled)
{
	char buf[256];
	long flags;
	int da, pa = path_arg(c->nr, &da);

	*handled = 0;
	if (!is_open(c->nr))
		return 0;
	if (c->nr == __NR_openat2) {
		if (!c->args[2] || rt_copy_from_app(&flags, (const void *)c->args[2], 8))
			return 0;
	} else {
		flags = c->args[pa + 1];
	}
	if (!(flags & K_O_TRUNC) || !peek(buf, sizeof(buf), (const char *)c->args[pa]))
		return 0;
	if (!hidden_at(da < 0 ? K_AT_FDCWD : (int)c->args[da], buf))
		return 0;
	*handled = 1;
	return -K_ENOENT;
}

/* After the call: r is its result. */
RT_HOT long procfd_post(const struct cse_call *c, long r)
{
	int da, pa = path_arg(c->nr, &da);

	fdguard_note_result(c, r);	/* a new fd near the runtime's */
	if (pa < 0 || r == -K_EFAULT || r == -K_ENAMETOOLONG || !c->args[pa])
		return r;
	if (!hidden_at(da < 0 ? K_AT_FDCWD : (int)c->args[da], (const char *)c->args[pa]))
		return r;
	if (is_open(c->nr) && r >= 0)
		rt_sys1(__NR_close, r);
	return -K_ENOENT;
}

static int name_in(const char *name, const struct hset *h)
{
	long v;

	return parse_num(name, strlen(name), &v) && in_set(h, v);
}

/* Drop the hidden entries; returns the new length. */
static long filter(char *buf, long len, int off, const struct hset *h)
{
	long in = 0, out = 0;

	while (in < len) {
		unsigned short reclen = *(unsigned short *)(buf + in + 16);

		if (!name_in(buf + in + off, h)) {
			if (out != in)
				memmove(buf + out, buf + in, reclen);
			out += reclen;
		}
		in += reclen;
	}
	return out;
}

/* Could any entry be some process's hidden fd? Numbers only, cheap. */
static int any_number(const char *buf, long len, int off)
{
	for (long pos = 0; pos < len;) {
		long v;

		if (parse_num(buf + pos + off, strlen(buf + pos + off), &v))
			return 1;
		pos += *(const unsigned short *)(buf + pos + 16);
	}
	return 0;
}

/*
 * getdents/getdents64 on the application's behalf, filtered. Our own
 * numbers are known without a call; another process's directory is only
 * recognised by its fd, so every listing of numeric names (/proc itself,
 * fd directories) costs an fstatfs.
 */
long procfd_getdents(struct cse_call *c)
{
	/* Name offset: linux_dirent64 has d_type before it, linux_dirent after. */
	int off = c->nr == __NR_getdents64 ? 19 : 18;
	struct hset h = { .n = -1 };
	long r;

	for (;;) {
		r = app_syscall6(c->nr, c->args[0], c->args[1], c->args[2], 0, 0, 0);
		if (r <= 0 || !any_number((char *)c->args[1], r, off))
			return r;
		if (h.n < 0)
			set_of(fd_dirfd_owner((int)c->args[0]), &h);
		if (!h.n)
			return r;
		r = filter((char *)c->args[1], r, off, &h);
		if (r > 0)
			return r;
	}
}

/* The pid a pidfd names (its fdinfo "Pid:" line), or 0. */
int procfd_pidfd_pid(int pidfd)
{
	char path[48], buf[512];
	long fd, n;

	rt_format(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = rt_sys4(__NR_openat, -100, path, 02000000 /* O_CLOEXEC */, 0);
	if (fd < 0)
		return 0;
	n = rt_sys3(__NR_read, fd, buf, sizeof(buf) - 1);
	rt_sys1(__NR_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (char *p = buf; *p; p++) {
		if (!rt_strncmp(p, "Pid:\t", 5)) {
			long pid = 0;

			for (p += 5; *p >= '0' && *p <= '9'; p++)
				pid = pid * 10 + (*p - '0');
			return (int)pid;
		}
		while (*p && *p != '\n')
			p++;
		if (!*p)
			break;
	}
	return 0;
}
