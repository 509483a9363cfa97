// SPDX-License-Identifier: GPL-2.0
/*
 * Which arguments of a call are file descriptors, so a call naming one
 * of the runtime's hidden fds fails with EBADF as on a free number.
 *
 * Per syscall number: bit i (0-5) says argument i is a descriptor; bit
 * 8 + i says argument i is a dirfd used only when the path in argument
 * i + 1 is relative (or NULL/empty). Descriptors inside structures
 * (poll, select, epoll events, SCM_RIGHTS, io_uring) are not looked at.
 *
 * Cost: one table load per call; a call with descriptor arguments
 * compares each with the bounds of the hidden fds, and only a number
 * inside them walks the table.
 */
#include "runtime.h"

#define F(i)	(1u << (i))
#define AT(i)	(1u << (8 + (i)))

static const uint16_t fdmask[SYSCALL_TABLE_SIZE] = {
	[__NR_read] = F(0), [__NR_write] = F(0), [__NR_close] = F(0),
	[__NR_fstat] = F(0), [__NR_lseek] = F(0), [__NR_mmap] = F(4),
	[__NR_ioctl] = F(0), [__NR_pread64] = F(0), [__NR_pwrite64] = F(0),
	[__NR_readv] = F(0), [__NR_writev] = F(0), [__NR_dup] = F(0),
	[__NR_sendfile] = F(0) | F(1), [__NR_connect] = F(0),
	[__NR_accept] = F(0), [__NR_sendto] = F(0), [__NR_recvfrom] = F(0),
	[__NR_sendmsg] = F(0), [__NR_recvmsg] = F(0), [__NR_shutdown] = F(0),
	[__NR_bind] = F(0), [__NR_listen] = F(0), [__NR_getsockname] = F(0),
	[__NR_getpeername] = F(0), [__NR_setsockopt] = F(0),
	[__NR_getsockopt] = F(0), [__NR_flock] = F(0), [__NR_fsync] = F(0),
	[__NR_fdatasync] = F(0), [__NR_ftruncate] = F(0),
	[__NR_getdents] = F(0), [__NR_fchdir] = F(0), [__NR_fchmod] = F(0),
	[__NR_fchown] = F(0), [__NR_fstatfs] = F(0), [__NR_readahead] = F(0),
	[__NR_fsetxattr] = F(0), [__NR_fgetxattr] = F(0),
	[__NR_flistxattr] = F(0), [__NR_fremovexattr] = F(0),
	[__NR_getdents64] = F(0), [__NR_fadvise64] = F(0),
	[__NR_epoll_wait] = F(0), [__NR_epoll_ctl] = F(0) | F(2),
	[__NR_inotify_add_watch] = F(0), [__NR_inotify_rm_watch] = F(0),
	[__NR_openat] = AT(0), [__NR_mkdirat] = AT(0), [__NR_mknodat] = AT(0),
	[__NR_fchownat] = AT(0), [__NR_futimesat] = AT(0),
	[__NR_newfstatat] = AT(0), [__NR_unlinkat] = AT(0),
	[__NR_renameat] = AT(0) | AT(2), [__NR_linkat] = AT(0) | AT(2),
	[__NR_symlinkat] = AT(1), [__NR_readlinkat] = AT(0),
	[__NR_fchmodat] = AT(0), [__NR_faccessat] = AT(0),
	[__NR_splice] = F(0) | F(2), [__NR_tee] = F(0) | F(1),
	[__NR_sync_file_range] = F(0), [__NR_vmsplice] = F(0),
	[__NR_utimensat] = AT(0), [__NR_epoll_pwait] = F(0),
	[__NR_timerfd_settime] = F(0), [__NR_timerfd_gettime] = F(0),
	[__NR_fallocate] = F(0), [__NR_accept4] = F(0), [__NR_preadv] = F(0),
	[__NR_pwritev] = F(0), [__NR_recvmmsg] = F(0),
	[__NR_fanotify_mark] = F(0) | AT(3), [__NR_name_to_handle_at] = AT(0),
	[__NR_open_by_handle_at] = F(0), [__NR_syncfs] = F(0),
	[__NR_sendmmsg] = F(0), [__NR_setns] = F(0),
	[__NR_finit_module] = F(0), [__NR_renameat2] = AT(0) | AT(2),
	[__NR_kexec_file_load] = F(0) | F(1), [__NR_execveat] = AT(0),
	[__NR_copy_file_range] = F(0) | F(2), [__NR_preadv2] = F(0),
	[__NR_pwritev2] = F(0), [__NR_statx] = AT(0),
	[__NR_pidfd_send_signal] = F(0), [__NR_io_uring_enter] = F(0),
	[__NR_io_uring_register] = F(0), [__NR_open_tree] = AT(0),
	[__NR_move_mount] = AT(0) | AT(2), [__NR_fsconfig] = F(0),
	[__NR_fsmount] = F(0), [__NR_fspick] = AT(0), [__NR_openat2] = AT(0),
	[__NR_faccessat2] = AT(0), [__NR_process_madvise] = F(0),
	[__NR_epoll_pwait2] = F(0), [__NR_mount_setattr] = AT(0),
	[__NR_quotactl_fd] = F(0), [__NR_landlock_add_rule] = F(0),
	[__NR_landlock_restrict_self] = F(0), [__NR_process_mrelease] = F(0),
	[451 /* cachestat */] = F(0), [452 /* fchmodat2 */] = AT(0),
};

/* Is the path in app memory absolute? Read safely: it may be any pointer. */
static int path_absolute(long p)
{
	char ch;

	if (!p || rt_copy_from_app(&ch, (const void *)p, 1) != 0)
		return 0;
	return ch == '/';
}

/* Whether nr has a descriptor argument at all. */
int fdargs_any(long nr)
{
	return nr >= 0 && nr < SYSCALL_TABLE_SIZE && fdmask[nr];
}

/* Whether nr's one descriptor argument is its first: F for a descriptor,
 * AT for a dirfd (entry.S's plain path checks only that one). */
int fdargs_first_only(long nr, int at)
{
	return nr >= 0 && nr < SYSCALL_TABLE_SIZE && fdmask[nr] == (at ? AT(0) : F(0));
}

RT_HOT int fdargs_hidden(const struct cse_call *c)
{
	unsigned int m;

	if (c->nr < 0 || c->nr >= SYSCALL_TABLE_SIZE)
		return 0;
	m = fdmask[c->nr];
	if (!m)
		return 0;
	for (int i = 0; i < 6; i++) {
		int fd;

		if (!(m & (F(i) | AT(i))))
			continue;
		fd = (int)c->args[i];
		if (!fdguard_is_hidden(fd))
			continue;
		if (c->nr == __NR_mmap && (c->args[3] & K_MAP_ANONYMOUS))
			continue;
		if ((m & AT(i)) && path_absolute(c->args[i + 1]))
			continue;
		return 1;
	}
	return 0;
}
