// SPDX-License-Identifier: GPL-2.0
/*
 * paths ROOT HOST: every path-carrying system call of the runtime's
 * syscall table, by raw `syscall` instructions (sys()) and through libc,
 * on files under ROOT, printing one line per call with the result and,
 * for calls that change something, what the host sees at HOST (the same
 * directory by its host name). Paths the kernel returns (getcwd, /proc
 * links) are printed with ROOT replaced by "<ROOT>".
 *
 * selftests/host/paths.t runs it natively as `paths DIR DIR` and under
 * the testroot element as `paths /cse-guest DIR`: the outputs must be
 * identical, so each guest path reached the right host file (arguments
 * in) and each host path came back as the guest's (results out). It
 * also checks that no call wrote a host path into the program's memory.
 *
 * Calls that would change the host (mount, swapon, acct, pivot_root)
 * are made so that they fail after looking the path up: a different
 * errno than ENOENT shows the lookup reached the file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fanotify.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2		452
#endif
#define SYS_setxattrat_		463
#define SYS_getxattrat_		464
#define SYS_listxattrat_	465
#define SYS_removexattrat_	466
#define SYS_file_getattr_	468

static const char *root, *host;
static int failures;

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define S(nr, ...) sys_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_n(nr, a, b, c, d, e, f, ...) \
	sys(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ROOT/name and HOST/name, in rotating buffers. */
static const char *in(const char *base, const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *b = bufs[next++ & 7];

	snprintf(b, PATH_MAX, "%s%s%s", base, name[0] ? "/" : "", name);
	return b;
}
#define R(name) in(root, name)
#define H(name) in(host, name)

/* A host path the kernel returned, shown relative to ROOT. */
static const char *shown(const char *p)
{
	static char b[PATH_MAX + 16];
	size_t n = strlen(root);

	if (!strncmp(p, root, n) && (p[n] == '/' || !p[n]))
		snprintf(b, sizeof(b), "<ROOT>%s", p + n);
	else
		snprintf(b, sizeof(b), "%s", p);
	return b;
}

static void show(const char *what, long r)
{
	if (r < 0 && r > -4096)
		printf("%s: %s\n", what, strerrorname_np((int)-r));
	else
		printf("%s: %ld\n", what, r);
}

/* For libc calls: -1 with errno, or the result. */
static long lc(long r)
{
	return r == -1 ? -errno : r;
}

/* Descriptor results: only whether one came. */
static long fdok(long r)
{
	if (r >= 0) {
		close((int)r);
		return 0;
	}
	return r;
}

/* What the host sees at HOST/name. */
static void seen(const char *what, const char *name)
{
	struct stat st;

	if (lstat(H(name), &st))
		printf("  host %s %s: %s\n", what, name, strerrorname_np(errno));
	else
		printf("  host %s %s: %s mode %o size %lld\n", what, name,
		       S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" :
		       S_ISFIFO(st.st_mode) ? "fifo" : S_ISREG(st.st_mode) ? "file" : "other",
		       st.st_mode & 07777, (long long)st.st_size);
}

/* A path argument the runtime must not have written to. */
static void unchanged(const char *what, const char *p, const char *want)
{
	if (strcmp(p, want)) {
		printf("%s: the program's path became '%s'\n", what, p);
		failures++;
	}
}

static void link_of(const char *what, const char *link)
{
	char buf[PATH_MAX];
	long n = S(SYS_readlink, link, buf, sizeof(buf) - 1);

	if (n < 0) {
		show(what, n);
		return;
	}
	buf[n] = 0;
	printf("%s: %s\n", what, shown(buf));
}

/* Zeroed, so a failed call prints the same fields every run. */
static struct stat *z(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	return st;
}

static void creation(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	char path[PATH_MAX];
	FILE *fp;

	show("mkdir", S(SYS_mkdir, R("d"), 0750)); seen("mkdir", "d");
	show("mkdirat", S(SYS_mkdirat, AT_FDCWD, R("d/e"), 0700)); seen("mkdirat", "d/e");
	show("libc mkdir", lc(mkdir(R("d/libc"), 0755))); seen("libc mkdir", "d/libc");
	show("open O_CREAT", fdok(S(SYS_open, R("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0640)));
	seen("open", "f");
	show("openat O_CREAT", fdok(S(SYS_openat, AT_FDCWD, R("g"), O_CREAT | O_RDWR, 0600)));
	seen("openat", "g");
	show("creat", fdok(S(SYS_creat, R("h"), 0604))); seen("creat", "h");
	fp = fopen(R("i"), "w");
	show("libc fopen w", fp ? lc(fclose(fp)) : -errno); seen("fopen", "i");
	show("openat2", fdok(S(SYS_openat2, AT_FDCWD, R("f"), &how, sizeof(how))));
	how.resolve = RESOLVE_NO_SYMLINKS;
	show("openat2 RESOLVE_NO_SYMLINKS", fdok(S(SYS_openat2, AT_FDCWD, R("f"), &how, sizeof(how))));
	show("mknod fifo", S(SYS_mknod, R("fifo"), S_IFIFO | 0644, 0)); seen("mknod", "fifo");
	show("mknodat fifo", S(SYS_mknodat, AT_FDCWD, R("fifo2"), S_IFIFO | 0600, 0));
	seen("mknodat", "fifo2");
	show("symlink", S(SYS_symlink, "f", R("l"))); seen("symlink", "l");
	show("symlinkat", S(SYS_symlinkat, "d/e", AT_FDCWD, R("l2"))); seen("symlinkat", "l2");
	show("libc symlink", lc(symlink("nowhere", R("dangling")))); seen("libc symlink", "dangling");
	show("link", S(SYS_link, R("f"), R("f.hard"))); seen("link", "f.hard");
	show("linkat", S(SYS_linkat, AT_FDCWD, R("g"), AT_FDCWD, R("g.hard"), 0));
	seen("linkat", "g.hard");
	show("linkat AT_SYMLINK_FOLLOW", S(SYS_linkat, AT_FDCWD, R("l"), AT_FDCWD, R("l.followed"),
					   AT_SYMLINK_FOLLOW));
	seen("linkat follow", "l.followed");
	show("linkat nofollow", S(SYS_linkat, AT_FDCWD, R("l"), AT_FDCWD, R("l.itself"), 0));
	seen("linkat nofollow", "l.itself");
	show("write", lc(S(SYS_write, S(SYS_open, R("f"), O_WRONLY | O_CLOEXEC), "0123456789", 10)));
	snprintf(path, sizeof(path), "%s", R("f"));
	show("stat into the program's buffer", S(SYS_stat, path, &(struct stat){ 0 }));
	unchanged("stat", path, R("f"));
}

/* openat2's RESOLVE_* restrictions on guest paths (after creation()). */
static void resolves(void)
{
	static const struct { const char *what, *name; int at_dir; unsigned long long resolve; } t[] = {
		{ "openat2 a symlink", "l", 0, 0 },
		{ "openat2 a symlink, RESOLVE_NO_SYMLINKS", "l", 0, RESOLVE_NO_SYMLINKS },
		{ "openat2 through a dir symlink, RESOLVE_NO_SYMLINKS", "l2", 0, RESOLVE_NO_SYMLINKS },
		{ "openat2 RESOLVE_NO_XDEV", "f", 0, RESOLVE_NO_XDEV },
		{ "openat2 RESOLVE_NO_MAGICLINKS", "f", 0, RESOLVE_NO_MAGICLINKS },
		{ "openat2 dirfd RESOLVE_BENEATH", "e", 1, RESOLVE_BENEATH },
		{ "openat2 dirfd RESOLVE_BENEATH ..", "../f", 1, RESOLVE_BENEATH },
		{ "openat2 dirfd RESOLVE_BENEATH absolute", NULL, 1, RESOLVE_BENEATH },
		{ "openat2 dirfd RESOLVE_IN_ROOT /e", "/e", 1, RESOLVE_IN_ROOT },
		{ "openat2 dirfd RESOLVE_IN_ROOT /../e", "/../e", 1, RESOLVE_IN_ROOT },
		{ "openat2 dirfd RESOLVE_IN_ROOT absolute", NULL, 1, RESOLVE_IN_ROOT },
		{ "openat2 dirfd RESOLVE_IN_ROOT|NO_SYMLINKS", "/e", 1,
		  RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS },
	};
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	char magic[64];
	int dfd = (int)S(SYS_open, R("d"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = (int)S(SYS_open, R("f"), O_RDONLY | O_CLOEXEC);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *name = !t[i].name ? R("d/e") : t[i].at_dir ? t[i].name : R(t[i].name);

		how.resolve = t[i].resolve;
		show(t[i].what, fdok(S(SYS_openat2, t[i].at_dir ? dfd : AT_FDCWD, name, &how,
				      sizeof(how))));
	}
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d", fd);
	how.resolve = RESOLVE_NO_MAGICLINKS;
	show("openat2 /proc/self/fd/N RESOLVE_NO_MAGICLINKS", fdok(S(SYS_openat2, AT_FDCWD, magic,
								      &how, sizeof(how))));
	how.resolve = 0x40;	/* unknown: EINVAL */
	show("openat2 unknown RESOLVE bit", fdok(S(SYS_openat2, AT_FDCWD, R("f"), &how, sizeof(how))));
	close(fd);
	close(dfd);
}

static void lookups(void)
{
	struct stat st;
	struct statx stx;
	struct statfs sfs;
	char buf[PATH_MAX];
	long n;

	show("stat", S(SYS_stat, R("l"), z(&st))); printf("  size %lld\n", (long long)st.st_size);
	show("lstat", S(SYS_lstat, R("l"), z(&st))); printf("  link %d\n", S_ISLNK(st.st_mode));
	show("newfstatat", S(SYS_newfstatat, AT_FDCWD, R("l"), z(&st), 0));
	printf("  link %d\n", S_ISLNK(st.st_mode));
	show("newfstatat NOFOLLOW", S(SYS_newfstatat, AT_FDCWD, R("l"), z(&st), AT_SYMLINK_NOFOLLOW));
	printf("  link %d\n", S_ISLNK(st.st_mode));
	show("statx", S(SYS_statx, AT_FDCWD, R("f"), 0, STATX_SIZE, memset(&stx, 0, sizeof(stx))));
	printf("  size %llu\n", (unsigned long long)stx.stx_size);
	show("statx NOFOLLOW", S(SYS_statx, AT_FDCWD, R("l"), AT_SYMLINK_NOFOLLOW, STATX_TYPE,
				  memset(&stx, 0, sizeof(stx))));
	printf("  link %d\n", S_ISLNK(stx.stx_mode));
	show("libc stat", lc(stat(R("d/e"), z(&st)))); printf("  dir %d\n", S_ISDIR(st.st_mode));
	show("libc lstat", lc(lstat(R("dangling"), z(&st))));
	show("libc stat dangling", lc(stat(R("dangling"), z(&st))));
	show("access", S(SYS_access, R("f"), R_OK));
	show("access missing", S(SYS_access, R("missing"), F_OK));
	show("faccessat", S(SYS_faccessat, AT_FDCWD, R("f"), W_OK));
	show("faccessat2", S(SYS_faccessat2, AT_FDCWD, R("l"), F_OK, AT_SYMLINK_NOFOLLOW));
	show("libc access", lc(access(R("d"), X_OK)));
	show("statfs", S(SYS_statfs, R("d"), &sfs));
	show("libc statfs", lc(statfs(R("f"), &sfs)));
	n = S(SYS_readlink, R("l"), buf, sizeof(buf));
	show("readlink", n); printf("  %.*s\n", (int)(n > 0 ? n : 0), buf);
	n = S(SYS_readlinkat, AT_FDCWD, R("l2"), buf, sizeof(buf));
	show("readlinkat", n); printf("  %.*s\n", (int)(n > 0 ? n : 0), buf);
	n = lc(readlink(R("dangling"), buf, sizeof(buf)));
	show("libc readlink", n); printf("  %.*s\n", (int)(n > 0 ? n : 0), buf);
	show("readlink not a link", S(SYS_readlink, R("f"), buf, sizeof(buf)));
	show("uselib", S(SYS_uselib, R("f")));
}

static void changes(void)
{
	struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct timespec ts[2] = { { 1100000000, 0 }, { 1100000000, 0 } };
	struct utimbuf ub = { 1200000000, 1200000000 };
	struct stat st;

	show("chmod", S(SYS_chmod, R("f"), 0604)); seen("chmod", "f");
	show("fchmodat", S(SYS_fchmodat, AT_FDCWD, R("g"), 0640)); seen("fchmodat", "g");
	show("fchmodat2", S(SYS_fchmodat2, AT_FDCWD, R("h"), 0664, 0)); seen("fchmodat2", "h");
	show("libc chmod", lc(chmod(R("i"), 0611))); seen("libc chmod", "i");
	show("chown", S(SYS_chown, R("f"), getuid(), getgid()));
	show("lchown", S(SYS_lchown, R("l"), getuid(), getgid()));
	show("fchownat", S(SYS_fchownat, AT_FDCWD, R("l"), getuid(), getgid(), AT_SYMLINK_NOFOLLOW));
	show("truncate", S(SYS_truncate, R("f"), 3)); seen("truncate", "f");
	show("libc truncate", lc(truncate(R("g"), 7))); seen("libc truncate", "g");
	show("utime", S(SYS_utime, R("f"), &ub));
	lstat(H("f"), z(&st)); printf("  host mtime %lld\n", (long long)st.st_mtime);
	show("utimes", S(SYS_utimes, R("g"), tv));
	lstat(H("g"), z(&st)); printf("  host mtime %lld\n", (long long)st.st_mtime);
	show("futimesat", S(SYS_futimesat, AT_FDCWD, R("h"), tv));
	lstat(H("h"), z(&st)); printf("  host mtime %lld\n", (long long)st.st_mtime);
	show("utimensat", S(SYS_utimensat, AT_FDCWD, R("i"), ts, 0));
	lstat(H("i"), z(&st)); printf("  host mtime %lld\n", (long long)st.st_mtime);
	show("utimensat NOFOLLOW", S(SYS_utimensat, AT_FDCWD, R("l"), ts, AT_SYMLINK_NOFOLLOW));
	lstat(H("l"), z(&st)); printf("  host link mtime %lld\n", (long long)st.st_mtime);
	show("libc utimes", lc(utimes(R("f"), tv)));
}

static void xattrs(void)
{
	char buf[256];
	long n;
	struct { unsigned long long value; unsigned int size, flags; } xa = {
		(unsigned long long)(unsigned long)"at", 2, 0 };

	show("setxattr", S(SYS_setxattr, R("f"), "user.cse", "v1", 2, 0));
	show("lsetxattr on a link", S(SYS_lsetxattr, R("l"), "user.cse", "v2", 2, 0));
	n = S(SYS_getxattr, R("f"), "user.cse", buf, sizeof(buf));
	show("getxattr", n); printf("  %.*s\n", (int)(n > 0 ? n : 0), buf);
	show("lgetxattr", S(SYS_lgetxattr, R("l"), "user.cse", buf, sizeof(buf)));
	show("listxattr", S(SYS_listxattr, R("f"), buf, sizeof(buf)));
	show("llistxattr", S(SYS_llistxattr, R("l"), buf, sizeof(buf)));
	n = lc(getxattr(H("f"), "user.cse", buf, sizeof(buf)));
	show("  host getxattr", n);
	show("removexattr", S(SYS_removexattr, R("f"), "user.cse"));
	show("lremovexattr", S(SYS_lremovexattr, R("l"), "user.cse"));
	show("libc setxattr", lc(setxattr(R("g"), "user.libc", "x", 1, 0)));
	show("  host getxattr", lc(getxattr(H("g"), "user.libc", buf, sizeof(buf))));
	show("setxattrat", S(SYS_setxattrat_, AT_FDCWD, R("h"), 0, "user.at", &xa, sizeof(xa)));
	show("  host getxattr", lc(getxattr(H("h"), "user.at", buf, sizeof(buf))));
	xa.value = (unsigned long long)(unsigned long)buf;
	xa.size = sizeof(buf);
	show("getxattrat", S(SYS_getxattrat_, AT_FDCWD, R("h"), 0, "user.at", &xa, sizeof(xa)));
	show("listxattrat", S(SYS_listxattrat_, AT_FDCWD, R("h"), 0, buf, sizeof(buf)));
	show("removexattrat", S(SYS_removexattrat_, AT_FDCWD, R("h"), 0, "user.at"));
	show("file_getattr", S(SYS_file_getattr_, AT_FDCWD, R("h"), buf, 24, 0));
}

static void watches_and_mounts(void)
{
	struct { unsigned int bytes; int type; unsigned char h[128]; } fh = { 128, 0, { 0 } };
	struct mount_attr ma = { 0 };
	int mnt, fd;

	fd = inotify_init1(IN_CLOEXEC);
	show("inotify_add_watch", S(SYS_inotify_add_watch, fd, R("f"), IN_MODIFY));
	show("inotify_add_watch missing", S(SYS_inotify_add_watch, fd, R("missing"), IN_MODIFY));
	show("inotify_add_watch IN_ONLYDIR", S(SYS_inotify_add_watch, fd, R("f"), IN_MODIFY | IN_ONLYDIR));
	close(fd);
	fd = (int)S(SYS_fanotify_init, FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	if (fd >= 0) {
		show("fanotify_mark", S(SYS_fanotify_mark, fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, R("f")));
		show("fanotify_mark missing", S(SYS_fanotify_mark, fd, FAN_MARK_ADD, FAN_OPEN,
						 AT_FDCWD, R("missing")));
		close(fd);
	} else {
		show("fanotify_init", fd);
	}
	show("name_to_handle_at", S(SYS_name_to_handle_at, AT_FDCWD, R("f"), &fh, &mnt, 0));
	show("name_to_handle_at missing", S(SYS_name_to_handle_at, AT_FDCWD, R("missing"), &fh, &mnt, 0));
	fd = (int)S(SYS_open_tree, AT_FDCWD, R("d"), OPEN_TREE_CLOEXEC);
	show("open_tree", fd < 0 ? fd : 0);
	if (fd >= 0) {
		char link[64];

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		link_of("  its /proc/self/fd link", link);
		close(fd);
	}
	show("move_mount (not a mount)", S(SYS_move_mount, AT_FDCWD, R("d"), AT_FDCWD, R("d/e"), 0));
	show("fspick (not a mount)", S(SYS_fspick, AT_FDCWD, R("d"), FSPICK_CLOEXEC));
	show("mount_setattr (not a mount)", S(SYS_mount_setattr, AT_FDCWD, R("d"), 0, &ma, sizeof(ma)));
	show("mount bind file on dir", S(SYS_mount, R("f"), R("d"), 0, MS_BIND, 0));
	show("umount2 (not a mount)", S(SYS_umount2, R("d"), 0));
	show("pivot_root (not a mount)", S(SYS_pivot_root, R("d"), R("d/e")));
	show("swapon (not swap)", S(SYS_swapon, R("f"), 0));
	show("swapoff (not swap)", S(SYS_swapoff, R("f")));
	show("acct on a directory", S(SYS_acct, R("d")));
	/* QCMD(Q_GETFMT, USRQUOTA); QCMD(Q_QUOTAON, USRQUOTA), whose addr is a path */
	show("quotactl (not a block device)", S(SYS_quotactl, 0x800004 << 8, R("f"), 0, &mnt));
	show("quotactl Q_QUOTAON", S(SYS_quotactl, 0x800002 << 8, R("f"), 2, R("g")));
}

static void moves_and_removal(void)
{
	show("rename", S(SYS_rename, R("i"), R("i2"))); seen("rename from", "i"); seen("rename to", "i2");
	show("renameat", S(SYS_renameat, AT_FDCWD, R("i2"), AT_FDCWD, R("i3"))); seen("renameat", "i3");
	show("renameat2 NOREPLACE", S(SYS_renameat2, AT_FDCWD, R("i3"), AT_FDCWD, R("f"),
				      RENAME_NOREPLACE));
	show("renameat2 EXCHANGE", S(SYS_renameat2, AT_FDCWD, R("i3"), AT_FDCWD, R("h"), RENAME_EXCHANGE));
	seen("exchanged", "h");
	show("libc rename", lc(rename(R("i3"), R("i4")))); seen("libc rename", "i4");
	show("unlink", S(SYS_unlink, R("f.hard"))); seen("unlink", "f.hard");
	show("unlinkat", S(SYS_unlinkat, AT_FDCWD, R("g.hard"), 0)); seen("unlinkat", "g.hard");
	show("unlinkat a dir without AT_REMOVEDIR", S(SYS_unlinkat, AT_FDCWD, R("d/libc"), 0));
	show("unlinkat AT_REMOVEDIR", S(SYS_unlinkat, AT_FDCWD, R("d/libc"), AT_REMOVEDIR));
	seen("unlinkat AT_REMOVEDIR", "d/libc");
	show("rmdir not empty", S(SYS_rmdir, R("d")));
	show("mkdir+rmdir", S(SYS_mkdir, R("gone"), 0700) | S(SYS_rmdir, R("gone")));
	seen("rmdir", "gone");
	show("libc unlink", lc(unlink(R("l.itself")))); seen("libc unlink", "l.itself");
	show("libc remove", lc(remove(R("fifo2")))); seen("libc remove", "fifo2");
}

static void directories(void)
{
	char buf[PATH_MAX], *p;
	DIR *dir;
	int n = 0, fd;

	dir = opendir(R("d"));
	if (dir) {
		while (readdir(dir))
			n++;
		closedir(dir);
	}
	printf("opendir/readdir: %d entries\n", n);
	show("chdir", S(SYS_chdir, R("d")));
	n = (int)S(SYS_getcwd, buf, sizeof(buf));
	show("getcwd length", n < 0 ? n : n - (long)strlen(root));
	printf("  %s\n", n > 0 ? shown(buf) : "");
	show("getcwd exact size", S(SYS_getcwd, buf, strlen(R("d")) + 1) > 0);
	show("getcwd one short", S(SYS_getcwd, buf, strlen(R("d"))));
	p = getcwd(NULL, 0);
	printf("libc getcwd: %s\n", p ? shown(p) : strerrorname_np(errno));
	free(p);
	link_of("readlink /proc/self/cwd", "/proc/self/cwd");
	n = (int)S(SYS_readlink, "/proc/self/cwd", buf, 5);
	printf("readlink cut to 5: %d %s\n", n, n == 5 && !memcmp(buf, R("d"), 5) ? "matches" : "differs");
	show("relative stat", S(SYS_stat, "e", &(struct stat){ 0 }));
	show("chdir ..", S(SYS_chdir, ".."));
	link_of("readlink /proc/self/cwd after ..", "/proc/self/cwd");
	fd = (int)S(SYS_open, R("d/e"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	link_of("readlink /proc/self/fd/N", buf);
	snprintf(buf, sizeof(buf), "/dev/fd/%d", fd);
	link_of("readlink /dev/fd/N", buf);
	snprintf(buf, sizeof(buf), "/proc/%d/fd/%d", getpid(), fd);
	link_of("readlink /proc/PID/fd/N", buf);
	n = (int)S(SYS_readlinkat, fd, "..", buf, sizeof(buf));
	show("readlinkat dirfd .. (a dir)", n);
	show("mkdirat relative to a dirfd", S(SYS_mkdirat, fd, "sub", 0700));
	seen("mkdirat dirfd", "d/e/sub");
	close(fd);
	p = realpath(R("d/e/../../l"), NULL);
	printf("libc realpath: %s\n", p ? shown(p) : strerrorname_np(errno));
	free(p);
	if (fork() == 0) {
		long r = S(SYS_chroot, R("d"));

		show("chroot (child)", r);
		if (r == 0) {
			show("  stat /e after chroot", S(SYS_stat, "/e", &(struct stat){ 0 }));
		}
		fflush(stdout);
		_exit(0);
	}
	wait(NULL);
}

static void bad_paths(void)
{
	static char longp[PATH_MAX + 8];

	show("stat bad pointer", S(SYS_stat, 1, &(struct stat){ 0 }));
	show("stat NULL", S(SYS_stat, 0, &(struct stat){ 0 }));
	show("stat empty", S(SYS_stat, "", &(struct stat){ 0 }));
	memset(longp, 'a', sizeof(longp) - 1);
	show("stat no NUL within PATH_MAX", S(SYS_stat, longp, &(struct stat){ 0 }));
	longp[PATH_MAX - 1] = 0;
	for (int i = 200; i < PATH_MAX - 1; i += 201)
		longp[i] = '/';
	show("stat PATH_MAX - 1 bytes", S(SYS_stat, longp, &(struct stat){ 0 }));
	show("utimensat NULL path (fd itself)", S(SYS_utimensat, -1, 0, 0, 0));
	show("fstatat AT_EMPTY_PATH", S(SYS_newfstatat, 0, "", &(struct stat){ 0 }, AT_EMPTY_PATH));
}

/* Run one exec variant in a child; print what it wrote, paths shown. */
static void exec_case(const char *what, long nr, long a, long b, long c, long d, long e)
{
	char out[PATH_MAX] = "";
	int p[2], st;
	long n;

	if (pipe2(p, O_CLOEXEC))
		return;
	if (fork() == 0) {
		dup2(p[1], 1);
		n = sys(nr, a, b, c, d, e, 0);
		dprintf(1, "exec failed: %s", strerrorname_np((int)-n));
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = 0;
	close(p[0]);
	wait(&st);
	printf("%s: %s (status %d)\n", what, shown(out), WEXITSTATUS(st));
}

static void execs(void)
{
	char *sargv[] = { "x.sh", "arg", NULL };
	char *eargv[] = { "self", strdup(root), (char *)host, "exe", NULL };
	char buf[65536];
	int fd, dfd, self;
	long n;

	fd = open(R("x.sh"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	dprintf(fd, "#!/bin/sh\necho \"$0 $1\"\n");
	close(fd);
	/* a copy of this program in ROOT, run by its ROOT name */
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	fd = open(R("self"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	while ((n = read(self, buf, sizeof(buf))) > 0)
		write(fd, buf, (size_t)n);
	close(fd);
	close(self);
	dfd = open(R(""), O_RDONLY | O_DIRECTORY);	/* kept across exec for /dev/fd/N */
	exec_case("execve script", SYS_execve, (long)R("x.sh"), (long)sargv, (long)environ, 0, 0);
	exec_case("execveat script", SYS_execveat, AT_FDCWD, (long)R("x.sh"), (long)sargv,
		  (long)environ, 0);
	exec_case("execveat script, dirfd", SYS_execveat, dfd, (long)"x.sh", (long)sargv,
		  (long)environ, 0);
	exec_case("execve missing", SYS_execve, (long)R("missing"), (long)sargv, (long)environ, 0, 0);
	exec_case("execve a directory", SYS_execve, (long)R("d"), (long)sargv, (long)environ, 0, 0);
	exec_case("execve ELF, its /proc/self/exe", SYS_execve, (long)R("self"), (long)eargv,
		  (long)environ, 0, 0);
	exec_case("execveat ELF NOFOLLOW via a link", SYS_execveat, AT_FDCWD, (long)R("l"),
		  (long)eargv, (long)environ, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	free(eargv[1]);
}

static void exe_link(void)
{
	link_of("readlink /proc/self/exe", "/proc/self/exe");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: paths ROOT HOST [exe]\n");
		return 2;
	}
	root = argv[1];
	host = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 3) {
		exe_link();
		return 0;
	}
	creation();
	resolves();
	lookups();
	changes();
	xattrs();
	watches_and_mounts();
	moves_and_removal();
	directories();
	execs();
	bad_paths();
	return failures ? 1 : 0;
}
