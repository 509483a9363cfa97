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
#define EXEC_SMALL_ARGV		1024	/* loader argv entries kept on the stack */

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
	 * On the runtime's stack, not mmap: after a vfork child's exec
	 * nothing could unmap it from the parent's memory. Only an argv too
	 * long for small_argv needs a mapping (left behind in that case).
	 */
	struct exec_plan plan_buf, *plan = &plan_buf;
	char *small_argv[EXEC_SMALL_ARGV];
	long argc, n = 0, r;
	char **nargv = small_argv;
	size_t bytes = 0;

	argc = exec_count_vec(argv);
	if (argc < 0)
		argc = 0;	/* exec_check reports the EFAULT */
	if (argc + 16 + 2 * cse_cfg.nelement_specs > EXEC_SMALL_ARGV) {
		bytes = (size_t)(argc + 16 + 2 * cse_cfg.nelement_specs) * sizeof(char *);
		bytes = (bytes + 4095) & ~4095ul;
		r = rt_sys6(__NR_mmap, 0, bytes, 3, 0x22, -1, 0);
		if (IS_ERR_RET(r))
			return r;
		nargv = (char **)r;
	}

	r = exec_check(dirfd, path, argv, envp, flags, plan);
	if (r < 0)
		goto out;
	if (plan->argc != argc) {
		r = -14;	/* argv changed under us */
		goto out;
	}

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
		nargv[n++] = plan->first.interp;
		if (plan->first.has_arg)
			nargv[n++] = plan->first.arg;
		nargv[n++] = plan->script;
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
	exec_check_undo(plan);
out:
	if (bytes)
		rt_sys2(__NR_munmap, nargv, bytes);
	return r;
}
