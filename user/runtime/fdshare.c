// SPDX-License-Identifier: GPL-2.0
/*
 * Which numbers are the runtime's in each process of the application, so
 * that one process looking at another's /proc/PID/fd, or taking one of
 * its fds with pidfd_getfd, sees free numbers there too.
 *
 * A table of slots in the instance state (shared by the application's
 * processes only): each process writes its own slot, claimed by pid, and
 * clears it at exit_group. A killed process leaves its slot behind; when
 * no slot is free, slots of dead pids are taken back. A pid reused by a
 * process outside the application is caught when reading: the slot
 * counts only if /proc/PID/fd/STATE is our own state file.
 *
 * A vfork child shares its parent's memory and has no slot of its own
 * until it execs (the new image publishes one).
 */
#include "runtime.h"

#define FDSHARE_SLOTS	256

struct fdshare_slot {
	int n;
	int state_fd;
	int fd[FDGUARD_MAX];
};

/*
 * The pids together, ahead of the slots: a scan for a pid reads one page
 * (each page of the shared state a process touches costs it a fault).
 */
struct fdshare_table {
	int pid[FDSHARE_SLOTS];
	struct fdshare_slot slot[FDSHARE_SLOTS];
};

static struct fdshare_table *tab;
static struct fdshare_slot *mine;
static int mine_pid, mine_index;

static struct fdshare_table *table(void)
{
	int fresh;

	if (!tab && cse_state)
		tab = state_region("fdguard", sizeof(*tab), &fresh);
	return tab;
}

static int take(struct fdshare_table *t, int i, int old, int pid)
{
	return __atomic_compare_exchange_n(&t->pid[i], &old, pid, 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

static int claim(int pid)
{
	struct fdshare_table *t = table();

	if (!t)
		return -1;
	for (int i = 0; i < FDSHARE_SLOTS; i++)
		if (__atomic_load_n(&t->pid[i], __ATOMIC_ACQUIRE) == pid)
			return i;
	for (int i = 0; i < FDSHARE_SLOTS; i++)
		if (!t->pid[i] && take(t, i, 0, pid))
			return i;
	for (int i = 0; i < FDSHARE_SLOTS; i++) {
		int old = __atomic_load_n(&t->pid[i], __ATOMIC_ACQUIRE);

		if (old > 0 && rt_sys2(__NR_kill, old, 0) == -K_ESRCH && take(t, i, old, pid))
			return i;
	}
	return -1;
}

/* This process's hidden fds are now fd[0..n). */
void fdshare_publish(const int *fd, int n)
{
	int pid;

	if (fdguard_in_vfork_child())
		return;	/* a vfork child: the slot is its parent's */
	pid = (int)rt_sys0(__NR_getpid);
	if (!mine || mine_pid != pid ||
	    __atomic_load_n(&tab->pid[mine_index], __ATOMIC_ACQUIRE) != pid) {
		mine_index = claim(pid);
		mine = mine_index >= 0 ? &tab->slot[mine_index] : NULL;
		mine_pid = pid;
	}
	if (!mine)
		return;
	__atomic_store_n(&mine->n, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		mine->fd[i] = fd[i];
	mine->state_fd = cse_cfg.state_fd;
	__atomic_store_n(&mine->n, n, __ATOMIC_RELEASE);
}

void fdshare_exit(void)
{
	if (mine && mine_pid == (int)rt_sys0(__NR_getpid))
		take(tab, mine_index, mine_pid, 0);
}

/* Is fd a runtime fd in any process of the application? No system call. */
int fdshare_anywhere(int fd)
{
	struct fdshare_table *t = table();

	if (!t)
		return 0;
	for (int i = 0; i < FDSHARE_SLOTS; i++) {
		int n;

		if (!__atomic_load_n(&t->pid[i], __ATOMIC_ACQUIRE))
			continue;
		n = __atomic_load_n(&t->slot[i].n, __ATOMIC_ACQUIRE);
		for (int j = 0; j < n && j < FDGUARD_MAX; j++)
			if (t->slot[i].fd[j] == fd)
				return 1;
	}
	return 0;
}

/* Is /proc/PID/fd/SFD our state file? Then PID is one of ours. */
static int same_instance(int pid, int sfd)
{
	struct kstat_min { unsigned long dev, ino; unsigned long rest[16]; } a, b;
	char path[64];

	rt_format(path, sizeof(path), "/proc/%d/fd/%d", pid, sfd);
	if (rt_sys2(__NR_stat, path, &a) != 0 ||
	    rt_sys2(__NR_fstat, cse_cfg.state_fd, &b) != 0)
		return 0;
	return a.dev == b.dev && a.ino == b.ino;
}

/* The runtime's fds in process pid (another of the application's), or 0. */
int fdshare_lookup(int pid, int *fd, int max)
{
	struct fdshare_table *t = table();

	if (!t || pid <= 0)
		return 0;
	for (int i = 0; i < FDSHARE_SLOTS; i++) {
		int n;

		if (__atomic_load_n(&t->pid[i], __ATOMIC_ACQUIRE) != pid)
			continue;
		n = __atomic_load_n(&t->slot[i].n, __ATOMIC_ACQUIRE);
		if (n > max)
			n = max;
		for (int j = 0; j < n; j++)
			fd[j] = t->slot[i].fd[j];
		if (n && !same_instance(pid, t->slot[i].state_fd))
			return 0;
		return n;
	}
	return 0;
}
