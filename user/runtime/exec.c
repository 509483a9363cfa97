// SPDX-License-Identifier: GPL-2.0
/*
 * execve/execveat re-entry.
 *
 * A new program image must be interposed from its first instruction, so
 * the runtime execs cse-loader again with the same state fd and the same
 * element specs. Everything the kernel would reject is checked first
 * (exec_check.c), so a failing exec returns the kernel's errno to a
 * caller that stays interposed; a "#!" script's interpreter is then
 * started by the loader the way the kernel would start it:
 * interp [optional-arg] script-name args...
 */
#include "exec_check.h"

#define K_AT_FDCWD		-100

/* A copy of str at *at, which moves past it. */
static char *put(char **at, const char *str)
{
	char *r = *at;
	size_t n = strlen(str) + 1;

	memcpy(r, str, n);
	*at += n;
	return r;
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
	/*
	 * Mappings, not the stack: the runtime may run on the application's
	 * alternate signal stack (Go's has 32 KiB). The plan is unmapped
	 * before the execve; only what the kernel reads from (keep: the
	 * loader's argv and its strings, usually a page) stays mapped during
	 * it, and is all a vfork child's successful exec leaves behind in
	 * its parent's memory.
	 */
	size_t plan_bytes = (sizeof(struct exec_plan) + 4095) & ~4095ul, keep_bytes = 0;
	struct exec_plan *plan;
	long argc, n = 0, nvec, r;
	char **nargv = NULL, *strs, *program;
	int cloexec_fd;

	r = rt_sys6(__NR_mmap, 0, plan_bytes, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	plan = (struct exec_plan *)r;
	r = exec_check(dirfd, path, argv, envp, flags, plan);
	if (r < 0)
		goto out;
	argc = plan->argc;
	nvec = argc + 16 + 2 * cse_cfg.nelement_specs;
	keep_bytes = (size_t)nvec * sizeof(char *) + strlen(plan->program) + 1 +
		     (plan->is_script ? sizeof(plan->first) + strlen(plan->script) + 1 : 0);
	keep_bytes = (keep_bytes + 4095) & ~4095ul;
	r = rt_sys6(__NR_mmap, 0, keep_bytes, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r)) {
		keep_bytes = 0;
		goto out;
	}
	nargv = (char **)r;
	strs = (char *)(nargv + nvec);

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
	nargv[n++] = program = put(&strs, plan->program);
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
	cloexec_fd = plan->cloexec_fd;
	rt_sys2(__NR_munmap, plan, plan_bytes);
	plan = NULL;
	chain_before_exec(program);
	r = app_syscall6(__NR_execve, (long)cse_cfg.loader_path, (long)nargv, (long)envp, 0, 0, 0);
	exec_check_undo(cloexec_fd);
out:
	if (plan) {
		exec_check_undo(plan->cloexec_fd);
		rt_sys2(__NR_munmap, plan, plan_bytes);
	}
	if (keep_bytes)
		rt_sys2(__NR_munmap, nargv, keep_bytes);
	return r;
}
