// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime's own file descriptors (instance state, cse.ko instance,
 * element log files) live at the top of the fd table and are invisible
 * to the application's close/close_range/dup2/dup3: shells and daemons
 * that close "all" fds must not cut the application off its instance.
 */
#include "runtime.h"

#define MAX_HIDDEN	8
#define K_F_DUPFD	0
#define K_F_DUPFD_CLOEXEC 1030
#define K_RLIMIT_NOFILE	7

static int hidden[MAX_HIDDEN];
static int hidden_cloexec[MAX_HIDDEN];
static int nhidden;

int fdguard_is_hidden(int fd)
{
	for (int i = 0; i < nhidden; i++)
		if (hidden[i] == fd)
			return 1;
	return 0;
}

static long high_base(void)
{
	uint64_t lim[2];

	if (rt_sys4(__NR_prlimit64, 0, K_RLIMIT_NOFILE, 0, lim) == 0 &&
	    lim[0] > 64 && lim[0] < (1u << 20))
		return (long)lim[0] - 32;
	return 10;
}

static long move_high(int fd, int cloexec)
{
	return rt_sys3(__NR_fcntl, fd, cloexec ? K_F_DUPFD_CLOEXEC : K_F_DUPFD,
		       high_base());
}

int fdguard_hide(int fd, int cloexec)
{
	long nfd;

	if (nhidden == MAX_HIDDEN)
		return -24;	/* EMFILE */
	nfd = move_high(fd, cloexec);
	if (nfd < 0)
		return (int)nfd;
	rt_sys1(__NR_close, fd);
	hidden[nhidden] = (int)nfd;
	hidden_cloexec[nhidden++] = cloexec;
	if (fd == cse_cfg.state_fd)
		cse_cfg.state_fd = (int)nfd;
	if (fd == cse_cfg.instance_fd)
		cse_cfg.instance_fd = (int)nfd;
	return (int)nfd;
}

/* The application wants fd for itself (dup2 target): move ours away. */
static long evict(int fd)
{
	for (int i = 0; i < nhidden; i++) {
		long nfd;

		if (hidden[i] != fd)
			continue;
		nfd = rt_sys3(__NR_fcntl, fd,
			      hidden_cloexec[i] ? K_F_DUPFD_CLOEXEC : K_F_DUPFD, 10);
		if (nfd < 0)
			return nfd;
		hidden[i] = (int)nfd;
		if (fd == cse_cfg.state_fd)
			cse_cfg.state_fd = (int)nfd;
		if (fd == cse_cfg.instance_fd)
			cse_cfg.instance_fd = (int)nfd;
	}
	return 0;
}

static long close_range_skipping(unsigned int first, unsigned int last,
				 unsigned int flags)
{
	while (first <= last) {
		unsigned int stop = last;
		long r;

		for (int i = 0; i < nhidden; i++)
			if ((unsigned int)hidden[i] >= first &&
			    (unsigned int)hidden[i] <= stop)
				stop = (unsigned int)hidden[i] - 1;
		if (stop + 1 != first && stop >= first) {
			r = rt_sys3(__NR_close_range, first, stop, flags);
			if (r < 0)
				return r;
		}
		if (stop >= last)
			break;
		first = stop + 2;	/* skip the hidden fd at stop + 1 */
	}
	return 0;
}

long fdguard_call(struct cse_call *c, int *handled)
{
	long r;

	*handled = 0;
	if (!nhidden)
		return 0;
	switch (c->nr) {
	case __NR_close:
		if (!fdguard_is_hidden((int)c->args[0]))
			return 0;
		*handled = 1;
		return -9;	/* EBADF: not the application's fd */
	case __NR_close_range:
		*handled = 1;
		return close_range_skipping((unsigned int)c->args[0],
					    (unsigned int)c->args[1],
					    (unsigned int)c->args[2]);
	case __NR_dup2:
	case __NR_dup3:
		if (fdguard_is_hidden((int)c->args[0])) {
			*handled = 1;
			return -9;
		}
		if (!fdguard_is_hidden((int)c->args[1]))
			return 0;
		r = evict((int)c->args[1]);
		if (r < 0) {
			*handled = 1;
			return r;
		}
		return 0;
	default:
		return 0;
	}
}
