// SPDX-License-Identifier: GPL-2.0
/*
 * execve/execveat re-entry.
 *
 * A new program image must be interposed from its first instruction, so
 * the runtime execs cse-loader again with the same state fd and the same
 * element specs, handed over in a boot block (boot.c): the loader gets
 * exactly the argv and envp the kernel would give the program, so
 * /proc/PID/cmdline and /proc/PID/environ are the program's own.
 * Everything the kernel would reject is checked first, so
 * a failing exec returns the kernel's errno to a caller that stays
 * interposed: the file (ENOENT, ENOTDIR, EACCES, ELOOP...), execute
 * permission (EACCES), its format (ENOEXEC), and for "#!" scripts the
 * interpreter, which is then started by the loader the way the kernel
 * would start it: interp [optional-arg] script-path args...
 */
#include <cse/boot.h>
#include "runtime.h"

#define K_AT_FDCWD		-100
#define K_AT_EMPTY_PATH		0x1000
#define K_AT_SYMLINK_NOFOLLOW	0x100
#define K_O_RDONLY_CLOEXEC	02000000
#define K_X_OK			1
#define K_S_IFMT		0170000
#define K_S_IFREG		0100000

struct kstat_min {		/* struct stat on x86-64, only what we need */
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t times[6];
	int64_t unused[3];
};
_Static_assert(sizeof(struct kstat_min) == 144, "struct stat is 144 bytes");

struct exec_plan {
	char program[4096];		/* absolute path for the loader */
	char head[SHEBANG_MAX];		/* first bytes of the file being looked at */
	struct shebang first;		/* the script's own "#!" line */
	struct shebang level[2];	/* scratch while following interpreters */
	int is_script;
	char filename[4096 + 32];	/* the kernel's name for the file */
	char comm[16];			/* and what it makes /proc/PID/comm */
};

/* Absolute form of path relative to dirfd, into out. */
static long absolutize(int dirfd, const char *path, char *out, size_t size)
{
	char fdlink[64];
	long n;

	if (path[0] == '/') {
		if (strlen(path) >= size)
			return -36;	/* ENAMETOOLONG */
		memcpy(out, path, strlen(path) + 1);
		return 0;
	}
	if (dirfd == K_AT_FDCWD) {
		n = rt_sys2(__NR_getcwd, out, size);
		if (n < 0)
			return n;
		n = (long)strlen(out);
	} else {
		rt_format(fdlink, sizeof(fdlink), "/proc/self/fd/%d", dirfd);
		n = rt_sys3(__NR_readlink, fdlink, out, size - 1);
		if (n < 0)
			return n;
		out[n] = 0;
	}
	if (!path[0])
		return 0;	/* AT_EMPTY_PATH: the fd itself */
	if ((size_t)n + 1 + strlen(path) + 1 > size)
		return -36;
	if (n > 1)
		out[n++] = '/';
	memcpy(out + n, path, strlen(path) + 1);
	return 0;
}

/* Check that dirfd/path is something the kernel would execute. */
static long check_file(int dirfd, const char *path, int flags, char *head,
		       long *headlen)
{
	int empty = (flags & K_AT_EMPTY_PATH) && !path[0];
	struct kstat_min st;
	char link[64];
	long fd, r;

	if (empty) {
		/* fexecve: re-open the fd through /proc to read its header. */
		rt_format(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		fd = rt_sys4(__NR_openat, K_AT_FDCWD, link, K_O_RDONLY_CLOEXEC, 0);
	} else {
		fd = rt_sys4(__NR_openat, dirfd, path, K_O_RDONLY_CLOEXEC, 0);
	}
	if (fd < 0)
		return fd;
	r = rt_sys2(__NR_fstat, fd, &st);
	if (r == 0 && (st.mode & K_S_IFMT) != K_S_IFREG)
		r = -13;	/* EACCES, as the kernel for non-regular files */
	if (r == 0)
		r = empty ? ((st.mode & 0111) ? 0 : -13)
			  : rt_sys3(__NR_faccessat, dirfd, path, K_X_OK);
	if (r == 0) {
		*headlen = rt_sys4(__NR_pread64, fd, head, SHEBANG_MAX, 0);
		if (*headlen < 0)
			r = *headlen;
	}
	rt_sys1(__NR_close, fd);
	return r;
}

/*
 * Follow dirfd/path through at most SHEBANG_DEPTH_MAX interpreters like
 * the kernel, returning its errno. The loader is started on the first
 * interpreter (it applies the rule again to later levels), so that is
 * what p->program names for a script.
 */
static long plan_exec(int dirfd, const char *path, int flags, struct exec_plan *p)
{
	long len = 0, r;

	for (int depth = 0;; depth++) {
		struct shebang *next = &p->level[depth & 1];

		if (depth > SHEBANG_DEPTH_MAX)
			return -40;	/* ELOOP */
		r = check_file(dirfd, path, flags, p->head, &len);
		if (r < 0)
			return r;
		if (depth <= 1) {
			r = absolutize(dirfd, path, p->program, sizeof(p->program));
			if (r < 0)
				return r;
		}
		if (len >= 4 && !memcmp(p->head, "\x7f" "ELF", 4))
			return 0;
		r = shebang_parse(p->head, len, next);
		if (r < 0)
			return r;
		if (depth == 0) {
			p->first = *next;
			p->is_script = 1;
		}
		dirfd = K_AT_FDCWD;
		path = next->interp;
		flags = 0;
	}
}

static long count_vec(char *const *v)
{
	long n = 0;

	while (v && v[n])
		n++;
	return n;
}

/*
 * The kernel's name for the file (bprm->filename): the path as given, or
 * /dev/fd/N[/path] for execveat relative to a dirfd. It is AT_EXECFN, a
 * script's word in its interpreter's argv, and its last component is
 * the new comm (truncated to 15 bytes), except for execveat with
 * AT_EMPTY_PATH, where the kernel names the process after the file that
 * runs (the loader knows that one).
 */
static unsigned int kernel_name(int dirfd, const char *path, struct exec_plan *p)
{
	const char *base;

	if (dirfd == K_AT_FDCWD || path[0] == '/')
		rt_format(p->filename, sizeof(p->filename), "%s", path);
	else if (!path[0])
		rt_format(p->filename, sizeof(p->filename), "/dev/fd/%d", dirfd);
	else
		rt_format(p->filename, sizeof(p->filename), "/dev/fd/%d/%s", dirfd, path);
	base = rt_strrchr(p->filename, '/');
	base = base ? base + 1 : p->filename;
	rt_format(p->comm, sizeof(p->comm), "%s", path[0] ? base : "");
	return path[0] ? 0 : CSE_BOOT_COMM_FROM_FILE;
}

long exec_reenter(struct cse_call *c)
{
	int is_at = c->nr == __NR_execveat;
	int dirfd = is_at ? (int)c->args[0] : K_AT_FDCWD;
	const char *path = (const char *)c->args[is_at ? 1 : 0];
	char *const *argv = (char *const *)c->args[is_at ? 2 : 1];
	char *const *envp = (char *const *)c->args[is_at ? 3 : 2];
	int flags = is_at ? (int)c->args[4] : 0;
	int name_dirfd = dirfd;
	const char *name_path = path;
	struct exec_plan *plan;
	struct boot_info bi;
	struct boot_undo undo;
	long argc = count_vec(argv), n = 0, r, total;
	char **nargv;
	size_t bytes;

	if (!path)
		return -14;	/* EFAULT */
	if (!path[0] && !(flags & K_AT_EMPTY_PATH))
		return -2;	/* ENOENT */
	if (!(flags & K_AT_SYMLINK_NOFOLLOW) && cse_cfg.exe_path[0] &&
	    procexe_is_self(dirfd, path)) {
		/* Re-exec of itself through /proc/self/exe (busybox applets). */
		path = cse_cfg.exe_path;
		dirfd = K_AT_FDCWD;
	}
	total = sizeof(*plan) + (size_t)(argc + 8) * sizeof(char *);
	bytes = ((size_t)total + 4095) & ~4095ul;
	r = rt_sys6(__NR_mmap, 0, bytes, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	plan = (struct exec_plan *)r;
	nargv = (char **)(plan + 1);

	r = plan_exec(dirfd, path, flags, plan);
	if (r < 0)
		goto out;

	/* Named as the caller named it, even when /proc/self/exe was swapped. */
	bi.flags = kernel_name(name_dirfd, name_path, plan);
	if (plan->is_script && name_dirfd != K_AT_FDCWD && name_path[0] != '/') {
		/* Its interpreter could not open /dev/fd/N/... after a
		 * close-on-exec N is gone, so the kernel says ENOENT. */
		long fl = rt_sys3(__NR_fcntl, name_dirfd, 1 /* F_GETFD */, 0);

		if (fl >= 0 && (fl & 1 /* FD_CLOEXEC */)) {
			r = -2;
			goto out;
		}
	}
	if (plan->is_script) {
		/* Like the kernel: interp [arg] script args-after-argv0... */
		nargv[n++] = plan->first.interp;
		if (plan->first.has_arg)
			nargv[n++] = plan->first.arg;
		nargv[n++] = plan->filename;
		for (long i = 1; i < argc; i++)
			nargv[n++] = argv[i];
	} else {
		if (argc == 0)
			nargv[n++] = (char *)"";	/* the kernel supplies an empty argv0 too */
		for (long i = 0; i < argc; i++)
			nargv[n++] = argv[i];
	}
	nargv[n] = NULL;
	chain_before_exec(plan->program);
	bi.program = plan->program;
	bi.filename = plan->filename;
	bi.comm = plan->comm;
	r = boot_send(&bi, &undo);
	if (r < 0)
		goto out;
	r = app_syscall6(__NR_execve, (long)cse_cfg.loader_path, (long)nargv, (long)envp, 0, 0, 0);
	boot_undo(&undo);	/* still here: the exec failed */
out:
	rt_sys2(__NR_munmap, plan, bytes);
	return r;
}
