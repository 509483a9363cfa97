// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: chroot() inside the view, emulated. The process's view root
 * (fs_vroot, a physical guest path) moves to the directory named; every
 * absolute path and every ".." then stays below it, and the reverse map
 * shows paths from it. The kernel is not asked: a fake-root program
 * (debootstrap, a package's maintainer script) gets success where the
 * kernel would want CAP_SYS_CHROOT. As natively, the working directory
 * does not move.
 *
 * The view root belongs to the process and survives exec: the instance
 * state keeps a small table of (pid, view root), written by the process
 * at chroot and by every child at fork, read by setup after exec.
 */
#include "fs.h"

char fs_vroot[FS_CHROOT_LEN];
uint32_t fs_vroot_len;

static void set_vroot(const char *g, size_t n)
{
	fs_copy(fs_vroot, g, n);
	fs_vroot[n] = 0;
	fs_vroot_len = (uint32_t)n;
}

/* Record this process's view root (under the lock). */
static void record(void)
{
	int pid = fs_svc->getpid(), slot = -1;

	fs_svc->lock(&fs_st->lock);
	for (int i = 0; i < FS_CHROOTS_MAX; i++) {
		int p = fs_st->chroots[i].pid;

		if (p == pid) {
			slot = i;
			break;
		}
		if (slot < 0 && (p == 0 || fs_sys(__NR_kill, p, 0, 0, 0) == -K_ESRCH))
			slot = i;
	}
	if (slot >= 0) {
		if (fs_vroot_len) {
			fs_copy(fs_st->chroots[slot].root, fs_vroot, fs_vroot_len + 1);
			fs_st->chroots[slot].pid = pid;
		} else if (fs_st->chroots[slot].pid == pid) {
			fs_st->chroots[slot].pid = 0;
		}
	}
	fs_svc->unlock(&fs_st->lock);
}

void fs_chroot_load(void)
{
	int pid = fs_svc->getpid();

	set_vroot("", 0);
	for (int i = 0; i < FS_CHROOTS_MAX; i++) {
		if (__atomic_load_n(&fs_st->chroots[i].pid, __ATOMIC_ACQUIRE) != pid)
			continue;
		set_vroot(fs_st->chroots[i].root, cse_strlen(fs_st->chroots[i].root));
		return;
	}
}

/* A new process: its view root is its parent's (and a reused pid's
 * stale entry must not be taken for it). */
void fs_fork_child(void)
{
	fs_resolve_fork();
	fs_fd_fork();
	fs_chroot_fork();
}

void fs_chroot_fork(void)
{
	int pid = fs_svc->getpid();
	int stale = 0;

	for (int i = 0; i < FS_CHROOTS_MAX; i++)
		stale |= __atomic_load_n(&fs_st->chroots[i].pid, __ATOMIC_RELAXED) == pid;
	if (fs_vroot_len || stale)
		record();
}

long fs_chroot_call(struct cse_call *c)
{
	const char *host = (const char *)c->args[0];
	char *g = fs_svc->scratch(c, FS_PATH_MAX);	/* not the stack */
	struct cse_kstat st;
	long r, n;

	if (!g)
		return -K_ENOMEM;
	r = fs_sys(__NR_newfstatat, K_AT_FDCWD, (long)host, (long)&st, 0);
	if (r < 0)
		return r;
	if ((st.mode & K_S_IFMT) != K_S_IFDIR)
		return -K_ENOTDIR;
	r = fs_sys(__NR_faccessat, K_AT_FDCWD, (long)host, K_X_OK, 0);
	if (r < 0)
		return r;
	n = fs_reverse_phys(host, g, FS_PATH_MAX);
	if (n == FS_NOT_IN_VIEW)
		return -K_EPERM;	/* not reachable in the view */
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(fs_vroot))
		return -K_ENAMETOOLONG;
	set_vroot(g, (size_t)n);
	record();
	fs_changed();	/* cached answers were for the old root */
	return 0;
}
