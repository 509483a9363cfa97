// SPDX-License-Identifier: GPL-2.0
/*
 * The program's view of its own /proc exe link.
 *
 * The kernel ran cse-loader, so /proc/self/exe names the loader unless
 * the loader could switch it (exe.c, needs CAP_SYS_RESOURCE). Programs
 * use the link to re-exec themselves (busybox applets, $ORIGIN in ld.so,
 * python's sys.executable, cse-run finding its loader), so the core
 * answers for it: readlink returns the program's path, and open, stat,
 * access and exec of the link reach the program.
 *
 * The link's text is the program's host path; with a path stage that has
 * reverse maps, readlink's result goes through them like every /proc
 * link (pathstage_results.c), so the application reads its guest path,
 * while opens, stats and execs here use the host path they need.
 *
 * Recognised: /proc/{self,thread-self,PID,TID}[/task/TID]/exe with PID
 * or TID the caller's own, absolute paths only (no dirfd-relative forms).
 * The path string is only read after the kernel accepted it in the real
 * call, so a bad pointer still gets EFAULT from the kernel instead of
 * faulting in the runtime.
 */
#include "runtime.h"

/* Next path component of *p (skipping "//" and "/./"), its length in *len. */
static const char *component(const char **p, size_t *len)
{
	const char *s = *p, *e;

	for (;;) {
		while (*s == '/')
			s++;
		if (s[0] == '.' && (s[1] == '/' || !s[1])) {
			s++;
			continue;
		}
		break;
	}
	for (e = s; *e && *e != '/'; e++)
		;
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

static int is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

/* Decimal component equal to want (no sign, no leading zero). */
static int is_number(const char *s, size_t n, long want)
{
	long v = 0;

	if (!n || n > 9 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v == want;
}

static int is_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

RT_HOT int procexe_is_self(int dirfd, const char *path)
{
	const char *p = path, *c;
	size_t n;

	(void)dirfd;	/* absolute paths ignore it */
	/* Most paths fail here, before the cold component walk. */
	if (path[0] != '/' || (path[1] != 'p' && path[1] != '/' && path[1] != '.'))
		return 0;
	c = component(&p, &n);
	if (!is(c, n, "proc"))
		return 0;
	c = component(&p, &n);
	if (!is(c, n, "self") && !is(c, n, "thread-self") &&
	    !is_number(c, n, rt_sys0(__NR_getpid)) &&
	    !is_number(c, n, rt_sys0(__NR_gettid)))
		return 0;
	c = component(&p, &n);
	if (is(c, n, "task") && !is(path + 6, 11, "thread-self")) {
		/* The kernel accepted the path, so TID is in our group. */
		c = component(&p, &n);
		if (!is_digits(c, n))
			return 0;
		c = component(&p, &n);
	}
	if (!is(c, n, "exe"))
		return 0;
	c = component(&p, &n);
	return n == 0 && !*p;
}

/*
 * Copy the program's path to the application's buffer like readlink:
 * at most size bytes, no NUL; a bad buffer is EFAULT.
 */
static long put_link(char *buf, long size)
{
	const char *exe = procexe_path();
	long n = (long)strlen(exe);

	if (n > size)
		n = size;
	return rt_copy_to_app(buf, exe, (size_t)n) ?: n;
}

/* procexe_is_self, and a program path to show: its page (cse_cfg) is
 * only read for a path naming the link. */
static int is_self(int dirfd, const char *path)
{
	return procexe_is_self(dirfd, path) && procexe_known();
}

RT_HOT long procexe_call(struct cse_call *c, int *handled)
{
	long *a = c->args;
	const char *exe;
	long r, again;

	/*
	 * The real call first. An open for writing fails on the running
	 * loader with ETXTBSY, exactly as native on the running program.
	 */
	*handled = 1;
	r = app_syscall6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r < 0)
		return r;
	switch (c->nr) {
	case __NR_readlink:
		if (!is_self(K_AT_FDCWD, (const char *)a[0]))
			return r;
		return put_link((char *)a[1], a[2]);
	case __NR_readlinkat:
		if (!is_self((int)a[0], (const char *)a[1]))
			return r;
		return put_link((char *)a[2], a[3]);
	case __NR_open:
		if ((a[1] & K_O_NOFOLLOW) || !is_self(K_AT_FDCWD, (const char *)a[0]))
			return r;
		exe = procexe_path();
		again = app_syscall6(__NR_openat, K_AT_FDCWD, (long)exe, a[1], a[2], 0, 0);
		break;
	case __NR_openat:
		if ((a[2] & K_O_NOFOLLOW) || !is_self((int)a[0], (const char *)a[1]))
			return r;
		exe = procexe_path();
		again = app_syscall6(__NR_openat, K_AT_FDCWD, (long)exe, a[2], a[3], 0, 0);
		break;
	case __NR_stat:
		if (!is_self(K_AT_FDCWD, (const char *)a[0]))
			return r;
		return app_syscall6(__NR_stat, (long)procexe_path(), a[1], 0, 0, 0, 0);
	case __NR_newfstatat:
		if ((a[3] & K_AT_SYMLINK_NOFOLLOW) ||
		    !is_self((int)a[0], (const char *)a[1]))
			return r;
		return app_syscall6(__NR_newfstatat, K_AT_FDCWD, (long)procexe_path(), a[2],
				    a[3], 0, 0);
	case __NR_statx:
		if ((a[2] & K_AT_SYMLINK_NOFOLLOW) ||
		    !is_self((int)a[0], (const char *)a[1]))
			return r;
		return app_syscall6(__NR_statx, K_AT_FDCWD, (long)procexe_path(), a[2], a[3],
				    a[4], 0);
	default:
		return r;
	}
	/* An open: hand out the program's fd in place of the loader's. */
	if (again < 0)
		return again;
	if (again != r) {
		long d = rt_sys3(__NR_dup3, again, r, (a[c->nr == __NR_open ? 1 : 2] &
						       K_O_CLOEXEC));
		rt_sys1(__NR_close, again);
		if (d < 0)
			return d;
	}
	return r;
}

/*
 * The program's path as the loader mapped it (absolute); resolved the
 * way the kernel's exe link shows it (symlinks followed) on first use
 * only: most programs never look, and the lookup costs three calls.
 */
static char resolved[4096] RT_LARGE;
static char exe_copy[4096] RT_LARGE;	/* when it is not cse_cfg.program */
static int resolve_state;	/* 0 not yet, 1 being resolved, 2 done */

void procexe_init(const char *program)
{
	size_t n = strlen(program);

	__atomic_store_n(&resolve_state, 0, __ATOMIC_RELAXED);
	if (!rt_strcmp(program, cse_cfg.program)) {
		cse_cfg.exe_path = cse_cfg.program;
		return;
	}
	if (n >= sizeof(exe_copy))
		n = 0;
	memcpy(exe_copy, program, n);
	exe_copy[n] = 0;
	cse_cfg.exe_path = exe_copy;
}

/* Whether the loader named the program (an exe link to answer for). */
int procexe_known(void)
{
	return cse_cfg.exe_path && cse_cfg.exe_path[0];
}

static void resolve(void)
{
	char link[64];
	long fd, n = -1;

	fd = rt_sys4(__NR_openat, K_AT_FDCWD, cse_cfg.exe_path, K_O_PATH | K_O_CLOEXEC, 0);
	if (fd >= 0) {
		rt_format(link, sizeof(link), "/proc/self/fd/%ld", fd);
		n = rt_sys3(__NR_readlink, link, resolved, sizeof(resolved) - 1);
		rt_sys1(__NR_close, fd);
	}
	if (n > 0 && resolved[0] == '/') {
		resolved[n] = 0;
		return;
	}
	memcpy(resolved, cse_cfg.exe_path, strlen(cse_cfg.exe_path) + 1);
}

/*
 * Threads racing here wait for the first one; a vfork child resolving
 * in its parent's memory writes what the parent would.
 */
const char *procexe_path(void)
{
	int st = __atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(st == 2, 1))
		return resolved;
	if (!procexe_known())
		return "";
	st = 0;
	if (__atomic_compare_exchange_n(&resolve_state, &st, 1, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_ACQUIRE)) {
		resolve();
		__atomic_store_n(&resolve_state, 2, __ATOMIC_RELEASE);
		return resolved;
	}
	while (__atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE) != 2)
		rt_sys0(__NR_sched_yield);
	return resolved;
}
