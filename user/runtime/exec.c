// SPDX-License-Identifier: GPL-2.0
/*
 * execve/execveat re-entry.
 *
 * A new program image must be interposed from its first instruction, so
 * the runtime execs cse-loader again with the same state fd and the same
 * element specs, handed over in a boot block (boot.c): the loader gets
 * exactly the argv and envp the kernel would give the program, so
 * /proc/PID/cmdline and /proc/PID/environ are the program's own.
 * Everything the kernel would reject is checked first (exec_check.c), so
 * a failing exec returns the kernel's errno to a caller that stays
 * interposed; a "#!" script's interpreter is then started by the loader
 * the way the kernel would start it: interp [optional-arg] script-name args...
 */
#include <cse/boot.h>
#include "exec_check.h"

/* What the kernel would record for the new image. */
struct exec_names {
	char filename[EXEC_NAME_MAX + 32];	/* bprm->filename: AT_EXECFN */
	char comm[16];				/* and /proc/PID/comm */
};

/* A copy of str at *at, which moves past it. */
static char *put(char **at, const char *str)
{
	char *r = *at;
	size_t n = strlen(str) + 1;

	memcpy(r, str, n);
	*at += n;
	return r;
}

/*
 * The kernel's name for the file: the path as given, or /dev/fd/N[/path]
 * for execveat relative to a dirfd. Its last component is the new comm
 * (truncated to 15 bytes), except for execveat with AT_EMPTY_PATH, where
 * the kernel names the process after the file that runs (the loader
 * knows that one). Named as the caller named it, even when
 * /proc/self/exe is swapped for the program.
 */
static unsigned int kernel_name(int dirfd, const char *path, struct exec_names *nm)
{
	const char *base;

	if (dirfd == K_AT_FDCWD || path[0] == '/')
		rt_format(nm->filename, sizeof(nm->filename), "%s", path);
	else if (!path[0])
		rt_format(nm->filename, sizeof(nm->filename), "/dev/fd/%d", dirfd);
	else
		rt_format(nm->filename, sizeof(nm->filename), "/dev/fd/%d/%s", dirfd, path);
	base = rt_strrchr(nm->filename, '/');
	base = base ? base + 1 : nm->filename;
	rt_format(nm->comm, sizeof(nm->comm), "%s", path[0] ? base : "");
	return path[0] ? 0 : CSE_BOOT_COMM_FROM_FILE;
}

/*
 * Work space: the plan, the names, and what the kernel reads during the
 * execve (keep: the loader's argv and a script's strings). Mappings, not
 * the stack: the runtime may run on the application's alternate signal
 * stack (Go's has 32 KiB). The thread's buffer is kept from one exec to
 * the next (a vfork child's is its parent's, or its parent's spare
 * area's, so its pages are there already: no fault, and no munmap whose
 * TLB shootdown reaches the parent's CPU); an exec nested in a signal
 * handler, or a keep too
 * large for it, maps its own.
 */
#define PLAN_BYTES	((sizeof(struct exec_plan) + sizeof(struct exec_names) + 4095) & ~4095ul)
#define KEEP_IN_BUF	(16 * 1024)
#define EXEC_BUF_SIZE	(PLAN_BYTES + KEEP_IN_BUF)

void exec_buf_free(struct cse_thread *t)
{
	if (t->exec_buf)
		rt_sys2(__NR_munmap, t->exec_buf, EXEC_BUF_SIZE);
	t->exec_buf = NULL;
}

/* The thread's buffer mapped, if it can be. */
void exec_buf_get(struct cse_thread *t)
{
	long r;

	if (t->exec_buf)
		return;
	r = rt_sys6(__NR_mmap, 0, EXEC_BUF_SIZE, 3, 0x22, -1, 0);
	if (!IS_ERR_RET(r))
		t->exec_buf = (void *)r;
}

/* The plan's memory: the thread's buffer (*own = 0) or a new mapping. */
static void *plan_take(struct cse_thread *t, int *own)
{
	long r;

	*own = 1;
	if (!t->exec_buf_busy) {
		exec_buf_get(t);
		if (t->exec_buf) {
			t->exec_buf_busy = 1;
			*own = 0;
			return t->exec_buf;
		}
	}
	r = rt_sys6(__NR_mmap, 0, PLAN_BYTES, 3, 0x22, -1, 0);
	return (void *)r;	/* or -errno */
}

long exec_reenter(struct cse_call *c)
{
	int is_at = c->nr == __NR_execveat;
	int dirfd = is_at ? (int)c->args[0] : K_AT_FDCWD;
	const char *path = (const char *)c->args[is_at ? 1 : 0];
	char *const *argv = (char *const *)c->args[is_at ? 2 : 1];
	char *const *envp = (char *const *)c->args[is_at ? 3 : 2];
	int flags = is_at ? (int)c->args[4] : 0;
	struct cse_thread *t = cse_self();
	size_t keep_bytes = 0;	/* a mapping of its own, when not in the buffer */
	struct exec_plan *plan;
	struct exec_names *names;
	struct boot_info bi;
	struct boot_undo undo;
	long argc, n = 0, nvec, r;
	char **nargv = NULL, *strs;
	size_t keep;
	int cloexec_fd, own, nfiles = 0, files[CSE_BOOT_FILES_MAX];

	plan = plan_take(t, &own);
	if (IS_ERR_RET((long)plan))
		return (long)plan;
	names = (struct exec_names *)(plan + 1);
	r = exec_check(dirfd, path, argv, envp, flags, plan);
	if (r < 0)
		goto out;
	for (nfiles = 0; nfiles < plan->nfiles; nfiles++)
		files[nfiles] = plan->files[nfiles].fd;
	bi.flags = kernel_name(dirfd, plan->guest, names);	/* our copy of path */
	if (!t->next)
		bi.flags |= CSE_BOOT_GS_FREE;	/* no enclosing runtime sees this exec */
	argc = plan->argc;
	nvec = argc + 4;
	keep = (size_t)nvec * sizeof(char *) +
	       (plan->is_script ? sizeof(plan->first) + strlen(plan->script) + 1 : 0);
	if (!own && keep <= KEEP_IN_BUF) {
		nargv = (char **)((char *)plan + PLAN_BYTES);
	} else {
		keep_bytes = (keep + 4095) & ~4095ul;
		r = rt_sys6(__NR_mmap, 0, keep_bytes, 3, 0x22, -1, 0);
		if (IS_ERR_RET(r)) {
			keep_bytes = 0;
			goto out;
		}
		nargv = (char **)r;
	}
	strs = (char *)(nargv + nvec);

	if (plan->is_script) {
		/* Like the kernel: interp [arg] script args-after-argv0... */
		nargv[n++] = put(&strs, plan->first.interp);
		if (plan->first.has_arg)
			nargv[n++] = put(&strs, plan->first.arg);
		nargv[n++] = put(&strs, plan->script);
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
	bi.filename = names->filename;
	bi.comm = names->comm;
	bi.files = plan->files;
	bi.nfiles = nfiles;
	r = boot_send(&bi, &undo);	/* copies the names: the plan can go */
	if (r == -24 && nfiles) {
		/* EMFILE: the handed files took the block's descriptor */
		exec_files_close(files, nfiles);
		bi.nfiles = nfiles = 0;
		r = boot_send(&bi, &undo);
	}
	if (r < 0)
		goto out;
	/* The loader closes them; a failed exec, below. */
	for (int i = 0; undo.files_sent && i < nfiles; i++)
		rt_sys3(__NR_fcntl, files[i], K_F_SETFD, 0);
	cloexec_fd = plan->cloexec_fd;
	if (own) {
		/* Only what the kernel reads stays mapped: all a vfork
		 * child's successful exec leaves in its parent's memory. */
		rt_sys2(__NR_munmap, plan, PLAN_BYTES);
		plan = NULL;
	}
	r = app_syscall6(__NR_execve, (long)cse_cfg.loader_path, (long)nargv, (long)envp, 0, 0, 0);
	boot_undo(&undo);	/* still here: the exec failed */
	exec_check_undo(cloexec_fd);
	goto done;
out:
	exec_check_undo(plan->cloexec_fd);
done:
	exec_files_close(files, nfiles);
	if (own && plan)
		rt_sys2(__NR_munmap, plan, PLAN_BYTES);
	else if (!own)
		t->exec_buf_busy = 0;
	if (keep_bytes)
		rt_sys2(__NR_munmap, nargv, keep_bytes);
	return r;
}
