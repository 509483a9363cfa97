// SPDX-License-Identifier: GPL-2.0
/*
 * execve/execveat re-entry.
 *
 * A new program image must be interposed from its first instruction, so
 * the runtime execs cse-loader again with the same state fd and the same
 * element specs. Everything the kernel would reject is checked first, so
 * a failing exec returns the kernel's errno to a caller that stays
 * interposed: the file (ENOENT, ENOTDIR, EACCES, ELOOP...), execute
 * permission (EACCES), its format (ENOEXEC), and for "#!" scripts the
 * interpreter, which is then started by the loader the way the kernel
 * would start it: interp [optional-arg] script-path args...
 */
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
	char fd_name[32];
	int is_script;
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

long exec_reenter(struct cse_call *c)
{
	int is_at = c->nr == __NR_execveat;
	int dirfd = is_at ? (int)c->args[0] : K_AT_FDCWD;
	const char *path = (const char *)c->args[is_at ? 1 : 0];
	char *const *argv = (char *const *)c->args[is_at ? 2 : 1];
	char *const *envp = (char *const *)c->args[is_at ? 3 : 2];
	int flags = is_at ? (int)c->args[4] : 0;
	char statefd[32], instfd[32];
	struct exec_plan *plan;
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
	total = sizeof(*plan) + (size_t)(argc + 16 + 2 * cse_cfg.nelement_specs) * sizeof(char *);
	bytes = ((size_t)total + 4095) & ~4095ul;
	r = rt_sys6(__NR_mmap, 0, bytes, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	plan = (struct exec_plan *)r;
	nargv = (char **)(plan + 1);

	r = plan_exec(dirfd, path, flags, plan);
	if (r < 0)
		goto out;

	nargv[n++] = cse_cfg.loader_path;
	rt_format(statefd, sizeof(statefd), "--state-fd=%d", cse_cfg.state_fd);
	nargv[n++] = statefd;
	if (cse_cfg.instance_fd >= 0) {
		rt_format(instfd, sizeof(instfd), "--instance-fd=%d", cse_cfg.instance_fd);
		nargv[n++] = instfd;
	}
	if (!cse_cfg.rewrite)
		nargv[n++] = (char *)"--no-rewrite";
	for (int i = 0; i < cse_cfg.nelement_specs; i++) {
		nargv[n++] = (char *)"-e";
		nargv[n++] = (char *)cse_cfg.element_specs[i];
	}
	nargv[n++] = (char *)"--";
	nargv[n++] = plan->program;
	if (plan->is_script) {
		/* Like the kernel: interp [arg] script args-after-argv0... */
		char *script = (char *)path;

		nargv[n++] = plan->first.interp;
		if (plan->first.has_arg)
			nargv[n++] = plan->first.arg;
		if (!path[0]) {
			/* fexecve of a script: the kernel names it /dev/fd/N. */
			rt_format(plan->fd_name, sizeof(plan->fd_name), "/dev/fd/%d", dirfd);
			script = plan->fd_name;
		}
		nargv[n++] = script;
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
	r = app_syscall6(__NR_execve, (long)cse_cfg.loader_path, (long)nargv, (long)envp, 0, 0, 0);
out:
	rt_sys2(__NR_munmap, plan, bytes);
	return r;
}
