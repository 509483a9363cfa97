// SPDX-License-Identifier: GPL-2.0
/*
 * Path results through the stage's reverse maps: getcwd, and readlink /
 * readlinkat of /proc's links (/proc/{self,thread-self,PID}/{exe,cwd,
 * root,fd/N,...}, however reached: /dev/fd/N too). Symlinks of other
 * filesystems keep their stored text: it was never resolved.
 *
 * The kernel (or the element chain) writes the host path into scratch
 * memory of PATH_MAX bytes, never into the application's buffer, so a
 * result the application's buffer would have cut is reversed whole and
 * then cut as the kernel cuts: readlink to the buffer's size, getcwd
 * with ERANGE.
 */
#include "runtime.h"
#include "syscall_table.h"

/* Where the application's buffer and size are, per result kind. */
static int buf_arg(uint8_t result)
{
	return result == SRES_GETCWD ? 0 : result == SRES_READLINK ? 1 : 2;
}

int pathstage_redirect(struct cse_call *c, const struct sys_info *info, struct path_call *pc)
{
	int b = buf_arg(info->result);
	char *buf;

	if (info->result != SRES_GETCWD && (long)c->args[b + 1] <= 0)
		return 0;	/* readlink's EINVAL comes from the kernel */
	buf = rt_scratch(PATHSTAGE_MAX);
	if (!buf) {
		c->ret = -K_ENOMEM;
		return 1;
	}
	pc->result = info->result;
	pc->app_buf = (char *)c->args[b];
	pc->app_size = c->args[b + 1];
	pc->buf = buf;
	c->args[b] = (long)buf;
	/* readlink leaves room for our NUL */
	c->args[b + 1] = info->result == SRES_GETCWD ? PATHSTAGE_MAX : PATHSTAGE_MAX - 1;
	return 0;
}

/* Is the link readlink just read one of procfs's? */
static int in_procfs(const struct cse_call *c)
{
	static uint64_t proc_dev;
	struct kstat_k st;
	int at = c->nr == __NR_readlinkat;
	long dirfd = at ? c->args[0] : K_AT_FDCWD;
	const char *path = (const char *)c->args[at ? 1 : 0];

	if (!proc_dev) {
		if (rt_sys4(__NR_newfstatat, K_AT_FDCWD, "/proc/self", &st, 0))
			return 0;
		proc_dev = st.dev;
	}
	if (rt_sys4(__NR_newfstatat, dirfd, path, &st, K_AT_SYMLINK_NOFOLLOW))
		return 0;
	return st.dev == proc_dev;
}

RT_HOT long pathstage_post(struct cse_call *c, struct path_call *pc, long ret)
{
	int b;
	const char *guest;
	char *rev;
	long len, r;

	if (c->nr == __NR_brk)
		pathstage_brk_post(ret);
	if (pc->proc && ret >= 0) {
		int kind = pathstage_proc_fd_kind(ret);

		if (kind == PROC_NONE)
			return ret;
		rev = rt_scratch(2 * PATHSTAGE_MAX);
		if (!rev) {
			rt_sys1(__NR_close, ret);
			return -K_ENOMEM;
		}
		return pathstage_proc_serve(ret, kind, pc->open_flags, rev);
	}
	if (!pc->app_buf)
		return ret;
	b = buf_arg(pc->result);
	if (ret < 0)
		goto out;
	guest = pc->buf;
	if (pc->result != SRES_GETCWD) {
		pc->buf[ret] = 0;	/* room kept by pathstage_redirect */
		if (pc->buf[0] != '/' || !in_procfs(c))
			guest = pc->buf;
		else
			guest = NULL;
	} else if (pc->buf[0] != '/') {
		guest = pc->buf;	/* "(unreachable)/...": not a path of ours */
	} else {
		guest = NULL;
	}
	if (!guest) {
		rev = rt_scratch(2 * PATHSTAGE_MAX);
		if (!rev) {
			ret = -K_ENOMEM;
			goto out;
		}
		r = pathstage_reverse(pc->buf, rev, &guest);
		if (r < 0) {
			ret = r;
			goto out;
		}
	}
	len = (long)strlen(guest);
	if (pc->result == SRES_GETCWD) {
		if (len + 1 > pc->app_size)
			ret = -K_ERANGE;
		else
			ret = rt_copy_to_app(pc->app_buf, guest, (size_t)len + 1) ? -K_EFAULT : len + 1;
	} else {
		if (len > pc->app_size)
			len = pc->app_size;
		ret = rt_copy_to_app(pc->app_buf, guest, (size_t)len) ? -K_EFAULT : len;
	}
out:
	/* exit() hooks see the application's buffer with the final result. */
	c->args[b] = (long)pc->app_buf;
	c->args[b + 1] = pc->app_size;
	return ret;
}
