// SPDX-License-Identifier: GPL-2.0
/*
 * The one syscall table: name, argument kinds and runtime flags per
 * syscall number. Names come from the build machine's
 * <asm/unistd_64.h> (generated into syscall_names.h by the Makefile), so
 * a newer kernel's numbers simply have no name here and are passed
 * through unchanged. Argument kinds are written by hand for the calls a
 * tracer or a path/fd-translating element most needs; the rest print as hex.
 *
 * Kinds: i int, u unsigned, x hex, f fd, p path, s string, * pointer.
 */
#include "runtime.h"

static const char *const names[SYSCALL_TABLE_SIZE] = {
#include "syscall_names.h"
};

#define A(nr, kinds) [__NR_##nr] = kinds
static const char *const arg_kinds[SYSCALL_TABLE_SIZE] = {
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
	A(connect, "f*u"), A(accept, "f**"), A(sendto, "f*ux*u"),
	A(recvfrom, "f*ux**"), A(bind, "f*u"), A(listen, "fi"),
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
	A(sigaltstack, "**"), A(statfs, "p*"), A(fstatfs, "f*"),
	A(prctl, "ixxxx"), A(arch_prctl, "xx"), A(chroot, "p"),
	A(sethostname, "su"), A(gettid, ""), A(tkill, "ii"),
	A(futex, "*xi***"), A(getdents64, "f*u"), A(set_tid_address, "*"),
	A(clock_gettime, "i*"), A(clock_nanosleep, "ix**"),
	A(exit_group, "i"), A(tgkill, "iii"), A(openat, "fpxx"),
	A(mkdirat, "fpx"), A(fchownat, "fpiix"), A(newfstatat, "fp*x"),
	A(unlinkat, "fpx"), A(renameat, "fpfp"), A(linkat, "fpfpx"),
	A(symlinkat, "sfp"), A(readlinkat, "fp*u"), A(fchmodat, "fpx"),
	A(faccessat, "fpx"), A(pselect6, "i*****"), A(ppoll, "*u**u"),
	A(set_robust_list, "*u"), A(utimensat, "fp*x"),
	A(accept4, "f**x"), A(dup3, "ffx"), A(pipe2, "*x"),
	A(prlimit64, "ii**"), A(getrandom, "*ux"), A(memfd_create, "sx"),
	A(execveat, "fp**x"), A(statx, "fpxx*"), A(rseq, "*uxx"),
	A(clone3, "*u"), A(close_range, "ffx"), A(openat2, "fp*u"),
	A(faccessat2, "fpxx"), A(seccomp, "xx*"),
};

/* Calls the runtime core must see with the full signal frame. */
#define T(nr) [__NR_##nr] = SYS_TRAP_ONLY
static const uint8_t flags[SYSCALL_TABLE_SIZE] = {
	T(rt_sigreturn), T(clone), T(clone3), T(fork), T(vfork),
	T(execve), T(execveat), T(exit), T(prctl), T(seccomp),
	T(sigaltstack),	/* answered about the application's stack pointer */
};

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	return names[nr];
}

const char *syscall_args(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	return arg_kinds[nr];
}

int syscall_trap_only(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return 1;	/* unknown numbers: keep them on the exact path */
	return flags[nr] & SYS_TRAP_ONLY;
}
