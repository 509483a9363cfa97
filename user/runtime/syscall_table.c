// SPDX-License-Identifier: GPL-2.0
/*
 * The one syscall table: per number its name, argument kinds, runtime
 * flags, path arguments and path-carrying result (syscall_table.h).
 * Names come from the build machine's <asm/unistd_64.h> (generated into
 * syscall_names.h by the Makefile), plus the few newer path-carrying
 * calls defined in syscall_table.h; other numbers have no name here and
 * are passed through unchanged. Argument kinds are written by hand for
 * the calls a tracer or a translating stage needs; the rest print as hex.
 *
 * Kinds (services.h CSE_ARG_*): i int, u unsigned, x hex, f fd, p path,
 * s string, * pointer, a/A sockaddr in/out, m msghdr, M mmsghdr vector.
 * An argument that is a path only for some flag values (mount's source,
 * quotactl's addr) is marked by its rule in the path list, not 'p'.
 *
 * Path arguments: which argument, which argument is its dirfd, and which
 * flag argument decides whether the last component is followed (or
 * whether it is a path at all). The path stage (pathstage.c) applies a
 * registered resolver to each of them before the element chain.
 */
#include "runtime.h"
#include "syscall_table.h"

static const char names[SYSCALL_TABLE_SIZE][32] = {
#include "syscall_names.h"
};

/* Names of the numbers newer than the build headers. */
static const struct {
	long nr;
	const char *name;
} newer_names[] = {
	{ __NR_fchmodat2, "fchmodat2" },
	{ __NR_setxattrat, "setxattrat" },
	{ __NR_getxattrat, "getxattrat" },
	{ __NR_listxattrat, "listxattrat" },
	{ __NR_removexattrat, "removexattrat" },
	{ __NR_open_tree_attr, "open_tree_attr" },
	{ __NR_file_getattr, "file_getattr" },
	{ __NR_file_setattr, "file_setattr" },
};

#define R	CSE_PATH_READ
#define W	CSE_PATH_WRITE
#define C	CSE_PATH_CREATE
#define D	CSE_PATH_REMOVE
#define NF	CSE_PATH_NOFOLLOW
#define X	CSE_PATH_EXEC
#define DIR	CSE_PATH_DIR
#define TXT	CSE_PATH_SYMLINK_TARGET

/* Kinds. */
#define A(nr, kinds)	[__NR_##nr].args = "=" kinds
/* Runtime flags. */
#define F(nr, f)	[__NR_##nr].flags = (f)
/* One path: argument, dirfd argument, flag argument, rule, intent, options. */
#define PATH(arg, dirfd, flags, rule, intent, opt) \
	{ arg, dirfd, flags, rule, intent, opt }
#define P1(nr, p)	[__NR_##nr].npaths = 1, [__NR_##nr].path = { p }
#define P2(nr, p, q)	[__NR_##nr].npaths = 2, [__NR_##nr].path = { p, q }
/* A path with no dirfd and no flag: path argument and intent. */
#define CWD(arg, intent)		PATH(arg, -1, -1, SPR_NONE, intent, 0)
/* A path with a dirfd and no flag. */
#define AT(dirfd, arg, intent)		PATH(arg, dirfd, -1, SPR_NONE, intent, 0)
/* A path with a dirfd and a flag argument read by rule. */
#define ATF(dirfd, arg, flags, rule, intent) PATH(arg, dirfd, flags, rule, intent, 0)

static const struct sys_info table[SYSCALL_TABLE_SIZE] = {
	A(read, "f*u"), A(write, "f*u"), A(open, "pxx"), A(close, "f"),
	A(stat, "p*"), A(fstat, "f*"), A(lstat, "p*"), A(poll, "*ui"),
	A(lseek, "fix"), A(mmap, "xuxxfx"), A(mprotect, "xux"),
	A(munmap, "xu"), A(brk, "x"), A(rt_sigaction, "i**u"),
	A(rt_sigprocmask, "i**u"), A(rt_sigreturn, ""), A(ioctl, "fxx"),
	A(pread64, "f*ui"), A(pwrite64, "f*ui"), A(readv, "f*u"),
	A(writev, "f*u"), A(access, "px"), A(pipe, "*"), A(select, "i****"),
	A(sched_yield, ""), A(mremap, "xuuxx"), A(madvise, "xui"),
	A(dup, "f"), A(dup2, "ff"), A(pause, ""), A(nanosleep, "**"),
	A(getpid, ""), A(sendfile, "ff*u"), A(socket, "iii"),
	A(connect, "fau"), A(accept, "fA*"), A(sendto, "f*uxau"),
	A(recvfrom, "f*uxA*"), A(bind, "fau"), A(listen, "fi"),
	A(sendmsg, "fmx"), A(recvmsg, "fmx"), A(getsockname, "fA*"),
	A(getpeername, "fA*"), A(socketpair, "iii*"),
	A(clone, "xx**x"), A(fork, ""), A(vfork, ""), A(execve, "p**"),
	A(exit, "i"), A(wait4, "i*x*"), A(kill, "ii"), A(uname, "*"),
	A(fcntl, "fix"), A(flock, "fx"), A(fsync, "f"), A(truncate, "pi"),
	A(ftruncate, "fi"), A(getdents, "f*u"), A(getcwd, "*u"),
	A(chdir, "p"), A(fchdir, "f"), A(rename, "pp"), A(mkdir, "px"),
	A(rmdir, "p"), A(creat, "px"), A(link, "pp"), A(unlink, "p"),
	A(symlink, "sp"), A(readlink, "p*u"), A(chmod, "px"),
	A(fchmod, "fx"), A(chown, "pii"), A(fchown, "fii"),
	A(lchown, "pii"), A(umask, "x"), A(getuid, ""), A(getgid, ""),
	A(setuid, "i"), A(setgid, "i"), A(geteuid, ""), A(getegid, ""),
	A(setpgid, "ii"), A(getppid, ""), A(setsid, ""),
	A(sigaltstack, "**"), A(utime, "p*"), A(mknod, "pxx"),
	A(uselib, "p"), A(statfs, "p*"), A(fstatfs, "f*"),
	A(prctl, "ixxxx"), A(arch_prctl, "xx"), A(chroot, "p"),
	A(acct, "p"), A(mount, "ppsx*"), A(umount2, "px"),
	A(pivot_root, "pp"), A(swapon, "px"), A(swapoff, "p"),
	A(quotactl, "xpi*"),
	A(sethostname, "su"), A(gettid, ""), A(tkill, "ii"),
	A(setxattr, "ps*ux"), A(lsetxattr, "ps*ux"), A(fsetxattr, "fs*ux"),
	A(getxattr, "ps*u"), A(lgetxattr, "ps*u"), A(fgetxattr, "fs*u"),
	A(listxattr, "p*u"), A(llistxattr, "p*u"), A(flistxattr, "f*u"),
	A(removexattr, "ps"), A(lremovexattr, "ps"), A(fremovexattr, "fs"),
	A(futex, "*xi***"), A(getdents64, "f*u"), A(set_tid_address, "*"),
	A(clock_gettime, "i*"), A(clock_nanosleep, "ix**"),
	A(exit_group, "i"), A(tgkill, "iii"), A(utimes, "p*"),
	A(inotify_add_watch, "fpx"), A(openat, "fpxx"),
	A(mkdirat, "fpx"), A(mknodat, "fpxx"), A(fchownat, "fpiix"),
	A(futimesat, "fp*"), A(newfstatat, "fp*x"),
	A(unlinkat, "fpx"), A(renameat, "fpfp"), A(linkat, "fpfpx"),
	A(symlinkat, "sfp"), A(readlinkat, "fp*u"), A(fchmodat, "fpx"),
	A(faccessat, "fpx"), A(pselect6, "i*****"), A(ppoll, "*u**u"),
	A(set_robust_list, "*u"), A(utimensat, "fp*x"),
	A(accept4, "fA*x"), A(dup3, "ffx"), A(pipe2, "*x"),
	A(fanotify_mark, "fxxfp"), A(prlimit64, "ii**"),
	A(name_to_handle_at, "fp**x"), A(open_by_handle_at, "f*x"),
	A(recvmmsg, "fMux*"), A(sendmmsg, "fMux"),
	A(renameat2, "fpfpx"), A(getrandom, "*ux"), A(memfd_create, "sx"),
	A(execveat, "fp**x"), A(statx, "fpxx*"), A(rseq, "*uxx"),
	A(open_tree, "fpx"), A(move_mount, "fpfpx"), A(fsopen, "sx"),
	A(fspick, "fpx"), A(clone3, "*u"), A(close_range, "ffx"),
	A(openat2, "fp*u"), A(faccessat2, "fpxx"), A(mount_setattr, "fpx*u"),
	A(seccomp, "xx*"), A(fchmodat2, "fpxx"),
	A(setxattrat, "fpxs*u"), A(getxattrat, "fpxs*u"),
	A(listxattrat, "fpx*u"), A(removexattrat, "fpxs"),
	A(open_tree_attr, "fpx*u"), A(file_getattr, "fp*ux"),
	A(file_setattr, "fp*ux"),

	/* Calls the runtime core must see with the full signal frame. */
	F(rt_sigreturn, SYS_TRAP_ONLY), F(clone, SYS_TRAP_ONLY),
	F(clone3, SYS_TRAP_ONLY), F(fork, SYS_TRAP_ONLY), F(vfork, SYS_TRAP_ONLY),
	F(exit, SYS_TRAP_ONLY),
	F(prctl, SYS_TRAP_ONLY), F(seccomp, SYS_TRAP_ONLY),
	F(sigaltstack, SYS_TRAP_ONLY),	/* answered about the application's stack pointer */

	/* Calls whose result is a new descriptor. */
	F(open, SYS_NEWFD), F(openat, SYS_NEWFD), F(openat2, SYS_NEWFD),
	F(creat, SYS_NEWFD), F(dup, SYS_NEWFD), F(dup2, SYS_NEWFD),
	F(dup3, SYS_NEWFD), F(socket, SYS_NEWFD), F(accept, SYS_NEWFD),
	F(accept4, SYS_NEWFD), F(epoll_create, SYS_NEWFD),
	F(epoll_create1, SYS_NEWFD), F(eventfd, SYS_NEWFD), F(eventfd2, SYS_NEWFD),
	F(inotify_init, SYS_NEWFD), F(inotify_init1, SYS_NEWFD),
	F(fanotify_init, SYS_NEWFD), F(signalfd, SYS_NEWFD), F(signalfd4, SYS_NEWFD),
	F(timerfd_create, SYS_NEWFD), F(memfd_create, SYS_NEWFD),
	F(memfd_secret, SYS_NEWFD), F(userfaultfd, SYS_NEWFD),
	F(perf_event_open, SYS_NEWFD), F(open_by_handle_at, SYS_NEWFD),
	F(open_tree, SYS_NEWFD), F(open_tree_attr, SYS_NEWFD),
	F(fsopen, SYS_NEWFD), F(fspick, SYS_NEWFD), F(fsmount, SYS_NEWFD),
	F(pidfd_open, SYS_NEWFD), F(pidfd_getfd, SYS_NEWFD),
	F(io_uring_setup, SYS_NEWFD), F(mq_open, SYS_NEWFD),
	F(landlock_create_ruleset, SYS_NEWFD),
	/* ... or new descriptors written to an int[2]. */
	F(pipe, SYS_NEWFD_PAIR), F(pipe2, SYS_NEWFD_PAIR), F(socketpair, SYS_NEWFD_PAIR),

	/* Path arguments. */
	P1(open, ATF(-1, 0, 1, SPR_OPEN, R)),
	P1(openat, ATF(0, 1, 2, SPR_OPEN, R)),
	P1(openat2, ATF(0, 1, 2, SPR_OPENHOW, R)),
	P1(creat, CWD(0, W | C)),
	P1(stat, CWD(0, R)),
	P1(lstat, CWD(0, R | NF)),
	P1(newfstatat, ATF(0, 1, 3, SPR_AT, R)),
	P1(statx, ATF(0, 1, 2, SPR_AT, R)),
	P1(access, CWD(0, R)),
	P1(faccessat, AT(0, 1, R)),
	P1(faccessat2, ATF(0, 1, 3, SPR_AT, R)),
	P1(chmod, CWD(0, W)),
	P1(fchmodat, AT(0, 1, W)),
	P1(fchmodat2, ATF(0, 1, 3, SPR_AT, W)),
	P1(chown, CWD(0, W)),
	P1(lchown, CWD(0, W | NF)),
	P1(fchownat, ATF(0, 1, 4, SPR_AT, W)),
	P2(rename, CWD(0, D | NF), CWD(1, C | D | NF)),
	P2(renameat, AT(0, 1, D | NF), AT(2, 3, C | D | NF)),
	P2(renameat2, AT(0, 1, D | NF), AT(2, 3, C | D | NF)),
	P2(link, CWD(0, R | NF), CWD(1, C | NF)),
	P2(linkat, ATF(0, 1, 4, SPR_AT_FOLLOW, R), AT(2, 3, C | NF)),
	P2(symlink, CWD(0, TXT), CWD(1, C | NF)),
	P2(symlinkat, CWD(0, TXT), AT(1, 2, C | NF)),
	P1(readlink, CWD(0, R | NF)),
	P1(readlinkat, AT(0, 1, R | NF)),
	P1(mkdir, CWD(0, C | DIR | NF)),
	P1(mkdirat, AT(0, 1, C | DIR | NF)),
	P1(mknod, CWD(0, C | NF)),
	P1(mknodat, AT(0, 1, C | NF)),
	P1(rmdir, CWD(0, D | DIR | NF)),
	P1(unlink, CWD(0, D | NF)),
	P1(unlinkat, ATF(0, 1, 2, SPR_AT_REMOVEDIR, D | NF)),
	P1(setxattr, CWD(0, W)),
	P1(lsetxattr, CWD(0, W | NF)),
	P1(getxattr, CWD(0, R)),
	P1(lgetxattr, CWD(0, R | NF)),
	P1(listxattr, CWD(0, R)),
	P1(llistxattr, CWD(0, R | NF)),
	P1(removexattr, CWD(0, W)),
	P1(lremovexattr, CWD(0, W | NF)),
	P1(setxattrat, ATF(0, 1, 2, SPR_AT, W)),
	P1(getxattrat, ATF(0, 1, 2, SPR_AT, R)),
	P1(listxattrat, ATF(0, 1, 2, SPR_AT, R)),
	P1(removexattrat, ATF(0, 1, 2, SPR_AT, W)),
	P1(file_getattr, ATF(0, 1, 4, SPR_AT, R)),
	P1(file_setattr, ATF(0, 1, 4, SPR_AT, W)),
	P1(utime, CWD(0, W)),
	P1(utimes, CWD(0, W)),
	P1(futimesat, PATH(1, 0, -1, SPR_NONE, W, SPO_NULL_OK)),
	P1(utimensat, PATH(1, 0, 3, SPR_AT, W, SPO_NULL_OK)),
	P1(truncate, CWD(0, W)),
	P1(statfs, CWD(0, R)),
	P1(inotify_add_watch, ATF(-1, 1, 2, SPR_INOTIFY, R)),
	P1(fanotify_mark, PATH(4, 3, 1, SPR_FANOTIFY, R, SPO_NULL_OK)),
	P1(name_to_handle_at, ATF(0, 1, 4, SPR_AT_FOLLOW, R)),
	P1(open_tree, ATF(0, 1, 2, SPR_AT, R)),
	P1(open_tree_attr, ATF(0, 1, 2, SPR_AT, R)),
	P2(move_mount, ATF(0, 1, 4, SPR_MOVE_FROM, R), ATF(2, 3, 4, SPR_MOVE_TO, W)),
	P1(fspick, ATF(0, 1, 2, SPR_FSPICK, R)),
	P2(mount, ATF(-1, 0, 3, SPR_MOUNT_SRC, R), CWD(1, W | DIR)),
	P1(umount2, ATF(-1, 0, 1, SPR_UMOUNT, W)),
	P1(mount_setattr, ATF(0, 1, 2, SPR_AT, W)),
	P2(pivot_root, CWD(0, W | DIR), CWD(1, W | DIR)),
	P1(execve, PATH(0, -1, -1, SPR_NONE, X, SPO_CORE)),
	P1(execveat, PATH(1, 0, 4, SPR_AT, X, SPO_CORE)),
	P1(uselib, CWD(0, R | X)),
	P1(chdir, CWD(0, R | DIR)),
	P1(chroot, CWD(0, R | DIR)),
	P1(acct, PATH(0, -1, -1, SPR_NONE, W, SPO_NULL_OK)),
	P1(swapon, CWD(0, W)),
	P1(swapoff, CWD(0, W)),
	P2(quotactl, PATH(1, -1, -1, SPR_NONE, R, SPO_NULL_OK),
	   PATH(3, -1, 0, SPR_QUOTAON, R, 0)),

	/* Path-carrying results. */
	[__NR_getcwd].result = SRES_GETCWD,
	[__NR_readlink].result = SRES_READLINK,
	[__NR_readlinkat].result = SRES_READLINKAT,
};

RT_HOT const struct sys_info *syscall_info(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	return &table[nr];
}

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	if (names[nr][0])
		return names[nr];
	for (size_t i = 0; i < sizeof(newer_names) / sizeof(newer_names[0]); i++)
		if (newer_names[i].nr == nr)
			return newer_names[i].name;
	return NULL;
}

const char *syscall_args(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	return table[nr].args[0] ? table[nr].args + 1 : NULL;
}

int syscall_trap_only(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return 1;	/* unknown numbers: keep them on the exact path */
	return table[nr].flags & SYS_TRAP_ONLY;
}
