// SPDX-License-Identifier: GPL-2.0
/*
 * Path calls that only the path stage and the core's /proc checks act on
 * (dispatch.c: the light path), made at raw `syscall` sites (rewritten
 * after their first trap) and through libc. Output must be the same
 * natively on a host directory and under cse-run, with or without a path
 * stage mapping a guest directory onto it.
 *
 * usage: lightpath calls BASE      each call three times (the first traps,
 *                                  the others take the fast path): result
 *                                  or errno, and what it read
 *        lightpath seccomp N BASE  a filter: newfstatat at AT_FDCWD ->
 *                                  RET_TRAP, faccessat -> RET_ERRNO(EROFS);
 *                                  N calls of each; the handler checks
 *                                  that it sees the application's own
 *                                  call (site, number, path pointer)
 *
 * BASE holds: file ("hello\n"), link -> file, loop -> loop, dir/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

extern char __executable_start[], etext[];
static const char *base;

/* One site for every number: its number comes in a register. */
static __attribute__((noinline)) long raw(long nr, long a0, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

/* newfstatat at a site of its own with the number in the instruction. */
static __attribute__((noinline)) long raw_fstatat(long dirfd, const char *path, void *st, long fl)
{
	register long r10 __asm__("r10") = fl;
	long r;

	__asm__ volatile("mov $262, %%eax\n\tsyscall" : "=a"(r) : "D"(dirfd), "S"(path), "d"(st),
			 "r"(r10) : "rcx", "r11", "memory");
	return r;
}

static char *at(const char *name)
{
	static char buf[4][512];
	static int i;
	char *b = buf[i++ & 3];

	snprintf(b, sizeof(buf[0]), "%s/%s", base, name);
	return b;
}

static void show(const char *what, long r, const char *extra)
{
	if (r < 0 && r > -4096)
		printf("%s: %s\n", what, strerrorname_np((int)-r));
	else
		printf("%s: ok%s%s\n", what, extra ? " " : "", extra ? extra : "");
}

static void show_stat(const char *what, long r, const struct stat *st)
{
	char s[64];

	snprintf(s, sizeof(s), "size %lld mode %o nlink %lu", (long long)st->st_size,
		 st->st_mode, (unsigned long)st->st_nlink);
	show(what, r, r == 0 ? s : NULL);
}

static void show_fd(const char *what, long fd)
{
	char data[16] = "", s[32] = "";

	if (fd >= 0) {
		ssize_t n = read((int)fd, data, sizeof(data) - 1);

		snprintf(s, sizeof(s), "read %zd %s", n, n > 0 ? (data[strcspn(data, "\n")] = 0, data) : "");
		if (close((int)fd))
			snprintf(s, sizeof(s), "close failed");
	}
	show(what, fd, fd >= 0 ? s : NULL);
}

/*
 * A path on a page the program then unmaps, or makes unreadable: EFAULT
 * as natively, though the path stage read a string on that page before
 * (pathstage_copy.c keeps such pages known until munmap or mprotect).
 */
static void gone_path(struct stat *st)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	snprintf(p, 4096, "%s", at("file"));
	show_stat("fstatat mapped path", raw_fstatat(AT_FDCWD, p, st, 0), st);
	munmap(p, 4096);
	show("fstatat unmapped path", raw_fstatat(AT_FDCWD, p, st, 0), NULL);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	snprintf(p, 4096, "%s", at("file"));
	show_stat("fstatat path before mprotect", raw_fstatat(AT_FDCWD, p, st, 0), st);
	mprotect(p, 4096, PROT_NONE);
	show("fstatat PROT_NONE path", raw_fstatat(AT_FDCWD, p, st, 0), NULL);
	munmap(p, 4096);
}

static int calls(void)
{
	static char longpath[5000];
	struct stat st;
	struct statx sx;
	char link[64], s[96];
	long r;
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(longpath, 'a', sizeof(longpath) - 1);
	if (dfd < 0)
		return 1;
	for (int round = 0; round < 3; round++) {
		printf("-- round %d\n", round);
		memset(&st, 0, sizeof(st));
		show_stat("fstatat file", raw_fstatat(AT_FDCWD, at("file"), &st, 0), &st);
		show_stat("fstatat link nofollow", raw(SYS_newfstatat, AT_FDCWD, (long)at("link"),
						       (long)&st, AT_SYMLINK_NOFOLLOW, 0), &st);
		show_stat("fstatat link", raw(SYS_newfstatat, AT_FDCWD, (long)at("link"), (long)&st, 0, 0), &st);
		show("fstatat missing", raw_fstatat(AT_FDCWD, at("missing"), &st, 0), NULL);
		show("fstatat file/x", raw_fstatat(AT_FDCWD, at("file/x"), &st, 0), NULL);
		show("fstatat loop", raw_fstatat(AT_FDCWD, at("loop"), &st, 0), NULL);
		show("fstatat bad pointer", raw_fstatat(AT_FDCWD, (const char *)1, &st, 0), NULL);
		show("fstatat bad buffer", raw_fstatat(AT_FDCWD, at("file"), (void *)1, 0), NULL);
		show("fstatat too long", raw_fstatat(AT_FDCWD, longpath, &st, 0), NULL);
		show("fstatat empty", raw_fstatat(AT_FDCWD, "", &st, 0), NULL);
		show("fstatat bad flags", raw_fstatat(AT_FDCWD, at("file"), &st, 0x12345), NULL);
		show_stat("fstatat dirfd file", raw_fstatat(dfd, "file", &st, 0), &st);
		gone_path(&st);
		show("fstatat bad dirfd", raw_fstatat(9999, "file", &st, 0), NULL);
		show_stat("stat", raw(SYS_stat, (long)at("file"), (long)&st, 0, 0, 0), &st);
		show_stat("lstat", raw(SYS_lstat, (long)at("link"), (long)&st, 0, 0, 0), &st);
		memset(&sx, 0, sizeof(sx));
		r = raw(SYS_statx, AT_FDCWD, (long)at("file"), 0, STATX_SIZE, (long)&sx);
		snprintf(s, sizeof(s), "size %llu", (unsigned long long)sx.stx_size);
		show("statx", r, r == 0 ? s : NULL);
		show("statx bad mask", raw(SYS_statx, AT_FDCWD, (long)at("file"), 0, 0x80000000u, (long)&sx), NULL);
		show("access R", raw(SYS_access, (long)at("file"), R_OK, 0, 0, 0), NULL);
		show("faccessat X", raw(SYS_faccessat, AT_FDCWD, (long)at("file"), X_OK, 0, 0), NULL);
		show("faccessat2 bad flags", raw(SYS_faccessat2, AT_FDCWD, (long)at("file"), R_OK, 0x7000, 0), NULL);
		show_fd("openat file", raw(SYS_openat, AT_FDCWD, (long)at("file"), O_RDONLY, 0, 0));
		show_fd("open file", raw(SYS_open, (long)at("file"), O_RDONLY, 0, 0, 0));
		show_fd("openat dirfd", raw(SYS_openat, dfd, (long)"file", O_RDONLY, 0, 0));
		show_fd("openat missing", raw(SYS_openat, AT_FDCWD, (long)at("missing"), O_RDONLY, 0, 0));
		show_fd("openat excl", raw(SYS_openat, AT_FDCWD, (long)at("file"), O_CREAT | O_EXCL | O_WRONLY, 0600, 0));
		show_fd("openat dir on file", raw(SYS_openat, AT_FDCWD, (long)at("file"), O_DIRECTORY, 0, 0));
		show_fd("openat write dir", raw(SYS_openat, AT_FDCWD, (long)at("dir"), O_WRONLY, 0, 0));
		show_fd("openat bad dirfd", raw(SYS_openat, 9999, (long)"file", O_RDONLY, 0, 0));
		show_fd("openat bad pointer", raw(SYS_openat, AT_FDCWD, 1, O_RDONLY, 0, 0));
		show_fd("openat nofollow link", raw(SYS_openat, AT_FDCWD, (long)at("link"), O_RDONLY | O_NOFOLLOW, 0, 0));
		memset(link, 0, sizeof(link));
		r = raw(SYS_readlink, (long)at("link"), (long)link, sizeof(link) - 1, 0, 0);
		show("readlink", r, r >= 0 ? link : NULL);
		show("readlinkat file", raw(SYS_readlinkat, AT_FDCWD, (long)at("file"), (long)link, 8, 0), NULL);
		show("readlink bad buffer", raw(SYS_readlink, (long)at("link"), 1, 8, 0, 0), NULL);
		show("mkdirat existing", raw(SYS_mkdirat, AT_FDCWD, (long)at("dir"), 0700, 0, 0), NULL);
		show("unlinkat missing", raw(SYS_unlinkat, AT_FDCWD, (long)at("missing"), 0, 0, 0), NULL);
		show("rmdir file", raw(SYS_rmdir, (long)at("file"), 0, 0, 0, 0), NULL);
		show("chdir missing", raw(SYS_chdir, (long)at("missing"), 0, 0, 0, 0), NULL);
		show("close bad", raw(SYS_close, 9999, 0, 0, 0, 0), NULL);
		show("close -1", raw(SYS_close, -1, 0, 0, 0, 0), NULL);
		show("dup bad", raw(SYS_dup, 9999, 0, 0, 0, 0), NULL);
		r = raw(SYS_dup, dfd, 0, 0, 0, 0);
		show("dup dirfd", r < 0 ? r : 0, NULL);
		show("close dup", r < 0 ? r : raw(SYS_close, r, 0, 0, 0, 0), NULL);
		/* The program's own exe link (the core answers it). */
		show("stat /proc/self/exe", raw_fstatat(AT_FDCWD, "/proc/self/exe", &st, 0) == 0 &&
		     st.st_size > 0 ? 0 : -EIO, NULL);
		r = raw(SYS_readlink, (long)"/proc/self/exe", (long)s, sizeof(s) - 1, 0, 0);
		if (r > 0)
			s[r] = 0;
		show("readlink /proc/self/exe names this program", r > 0 && strstr(s, "lightpath") ? 0 : -EIO,
		     NULL);
		/* libc's wrappers, at libc's own sites */
		show_stat("libc stat", stat(at("file"), &st), &st);
		show("libc stat missing", stat(at("missing"), &st) ? -errno : 0, NULL);
		show("libc access W dir", access(at("dir"), W_OK) ? -errno : 0, NULL);
		r = open(at("file"), O_RDONLY);
		show_fd("libc open", r < 0 ? -errno : r);
	}
	close(dfd);
	return 0;
}

#define TRAP_DATA	79
#define TRAP_RESULT	4243
static atomic_long traps, bad_traps;
static const char *trap_path;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const unsigned char *a = si->si_call_addr;
	greg_t *g = uc->uc_mcontext.gregs;

	/* The application's own call: its site, number and arguments. */
	if (sig != SIGSYS || si->si_code != 1 /* SYS_SECCOMP */ || si->si_syscall != SYS_newfstatat ||
	    si->si_errno != TRAP_DATA || (greg_t)a != g[REG_RIP] || a[-2] != 0x0f || a[-1] != 0x05 ||
	    g[REG_RAX] != SYS_newfstatat || g[REG_RDI] != AT_FDCWD || g[REG_RSI] != (greg_t)trap_path ||
	    (uintptr_t)a < (uintptr_t)__executable_start || (uintptr_t)a >= (uintptr_t)etext)
		atomic_fetch_add(&bad_traps, 1);
	atomic_fetch_add(&traps, 1);
	g[REG_RAX] = TRAP_RESULT;
}

static int filtered(long n)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_faccessat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EROFS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)AT_FDCWD, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | TRAP_DATA),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	long before = 0, trapped = 0, erofs = 0, other = 0;
	struct stat st;

	trap_path = at("file");
	if (sigaction(SIGSYS, &sa, NULL))
		return 1;
	for (long i = 0; i < 4; i++) {	/* rewritten before the filter */
		before += raw_fstatat(AT_FDCWD, trap_path, &st, 0) == 0 && st.st_size == 6;
		before += raw(SYS_faccessat, AT_FDCWD, (long)trap_path, R_OK, 0, 0) == 0;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 1;
	for (long i = 0; i < n; i++) {
		trapped += raw_fstatat(AT_FDCWD, trap_path, &st, 0) == TRAP_RESULT;
		erofs += raw(SYS_faccessat, AT_FDCWD, (long)trap_path, R_OK, 0, 0) == -EROFS;
		long fd = raw(SYS_openat, AT_FDCWD, (long)trap_path, O_RDONLY, 0, 0);

		other += fd >= 0 && raw(SYS_close, fd, 0, 0, 0, 0) == 0;
	}
	printf("seccomp path: before %ld; newfstatat trapped %ld; faccessat EROFS %ld; openat ok %ld; "
	       "traps %ld, bad %ld\n", before, trapped, erofs, other, atomic_load(&traps),
	       atomic_load(&bad_traps));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "calls")) {
		base = argv[2];
		return calls();
	}
	if (argc == 4 && !strcmp(argv[1], "seccomp")) {
		base = argv[3];
		return filtered(atol(argv[2]));
	}
	fprintf(stderr, "usage: lightpath calls BASE | seccomp N BASE\n");
	return 2;
}
