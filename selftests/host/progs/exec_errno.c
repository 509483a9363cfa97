// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec_errno DIR [NOEXEC_DIR]: tries execve/execveat/fexecve on every kind
 * of file the kernel refuses to run, and on a few it runs, each in a
 * forked child with a 5 s alarm, and prints one line per case:
 *
 *   NAME: errno ENAME               the exec failed (the caller kept running)
 *   NAME: exit N, output '...'      the exec worked, the program exited N
 *   NAME: blocked                   the exec hung until the alarm
 *
 * The output is compared with a native run: the point is the same errno,
 * in the same order of checks as the kernel, and never a hang.
 * DIR must be empty except for these, made by exec.t with gcc:
 *   elf-badinterp     PT_INTERP names DIR/missing
 *   elf-interp-text   PT_INTERP names DIR/text (executable, not a program)
 *   elf-interp-empty  PT_INTERP names DIR/empty (executable, empty)
 *   elf-interp-noperm PT_INTERP names DIR/noperm (mode 644)
 *   elf-interp-dir    PT_INTERP names DIR/subdir
 *   elf-nointerp-field PT_INTERP without its terminating NUL (patched)
 *   true, echo        copies of /bin/true and /bin/echo
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Cases are compound literals that leave trailing fields zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static char dir[1024];
static char *const no_env[] = { "PATH=/usr/bin:/bin", NULL };

static const char *ename(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case EACCES: return "EACCES";
	case ENOEXEC: return "ENOEXEC";
	case ELOOP: return "ELOOP";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ETXTBSY: return "ETXTBSY";
	case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case ELIBBAD: return "ELIBBAD";
	case EISDIR: return "EISDIR";
	case EPERM: return "EPERM";
	default: return "other";
	}
}

static long sys_execveat(int fd, const char *path, char *const argv[],
			 char *const envp[], int flags)
{
	return syscall(SYS_execveat, fd, path, argv, envp, flags);
}

/* Kinds of call a case makes. */
enum how { EXECVE, EXECVEAT, FEXECVE };

struct exec_case {
	const char *name;
	enum how how;
	int fd;			/* dirfd or the fd to run */
	const char *path;
	char *const *argv;
	int flags;
};

/*
 * The fds open after a failed exec, as " fds N N ...": whatever the
 * runtime opened for the exec (the program and its interpreter, handed
 * to the loader) must be closed again, as natively nothing was opened.
 */
static void open_fds(char *out, size_t size)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;
	int fds[64], k = 0;

	out[0] = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && k < 64)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			fds[k++] = atoi(e->d_name);
	closedir(d);
	/* readdir's order is the kernel's: sort for the comparison */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	n += (size_t)snprintf(out + n, size - n, ", fds");
	for (int i = 0; i < k && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, " %d", fds[i]);
}

/* Run one case in a child; report how it ended, with its output. */
static void run(const struct exec_case *c)
{
	char *const dflt[] = { (char *)"prog", NULL };
	char *const *argv = c->argv ? c->argv : dflt;
	char out[4096];
	size_t len = 0;
	int status, p[2];
	ssize_t n;
	pid_t pid;

	if (pipe(p)) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		char line[64], fds[512];
		long r;

		alarm(5);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		if (c->how == EXECVE)
			r = syscall(SYS_execve, c->path, argv, no_env);
		else if (c->how == EXECVEAT)
			r = sys_execveat(c->fd, c->path, argv, no_env, c->flags);
		else
			r = sys_execveat(c->fd, "", argv, no_env, AT_EMPTY_PATH);
		snprintf(line, sizeof(line), "errno %s", r < 0 ? ename(errno) : "none");
		open_fds(fds, sizeof(fds));
		if (write(1, line, strlen(line)) < 0 || write(1, fds, strlen(fds)) < 0)
			_exit(3);
		_exit(111);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	out[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (out[i] == '\n')
			out[i] = '|';
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(2);
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("%s: blocked\n", c->name);
	else if (WIFSIGNALED(status))
		printf("%s: signal %d, output '%s'\n", c->name, WTERMSIG(status), out);
	else if (WEXITSTATUS(status) == 111)
		printf("%s: %s\n", c->name, out);
	else
		printf("%s: exit %d, output '%s'\n", c->name, WEXITSTATUS(status), out);
}

static const char *at(const char *name)
{
	static char bufs[8][2048];
	static int i;
	char *b = bufs[i++ & 7];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void put(const char *name, const char *text, size_t len, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode)) {
		perror(name);
		exit(2);
	}
	close(fd);
}

static void puts_file(const char *name, const char *text, mode_t mode)
{
	put(name, text, strlen(text), mode);
}

static void make_fixtures(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[1024];
	int s;

	if (mkfifo(at("fifo"), 0755) || mkfifo(at("fifo-rw"), 0666) ||
	    mkdir(at("subdir"), 0755)) {
		perror("fixtures");
		exit(2);
	}
	/* A bound unix socket leaves its node behind: mode 755 like a program. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(at("sock"), 0755)) {
		perror("socket");
		exit(2);
	}
	close(s);
	put("empty", "", 0, 0755);
	/* Longer than an ELF header, so an interpreter read gets all of it. */
	puts_file("text", "just some text, no #! line\nsecond line\n"
		  "third line, to be longer than 64 bytes\n", 0755);
	put("junk", "\x01\x02\x03\x04\x05\x06\x07\x08\xff\xfe\x00\x00", 12, 0755);
	put("elf-magic-only", "\x7f" "ELF", 4, 0755);
	/* ELF64 header for aarch64 (EM_AARCH64 = 183), nothing after. */
	memset(buf, 0, 64);
	memcpy(buf, "\x7f" "ELF\x02\x01\x01", 7);
	buf[16] = 2;		/* ET_EXEC */
	buf[18] = (char)183;	/* e_machine */
	buf[20] = 1;
	put("elf-arm64", buf, 64, 0755);
	/* ELF32 header for i386, no program headers: refused with or without
	 * IA32 emulation (cse-loader never runs 32-bit programs). */
	memset(buf, 0, 64);
	memcpy(buf, "\x7f" "ELF\x01\x01\x01", 7);
	buf[16] = 2;		/* ET_EXEC */
	buf[18] = 3;		/* EM_386 */
	buf[20] = 1;
	put("elf-i386", buf, 52, 0755);
	puts_file("noperm", "#!/bin/sh\necho should not run\n", 0644);
	puts_file("noperm-x-other", "#!/bin/sh\necho ran\n", 0601);
	puts_file("sb-missing", "#!/nonexistent/interp\n", 0755);
	puts_file("sb-empty", "#!\n", 0755);
	puts_file("sb-blanks", "#!  \t \n", 0755);
	puts_file("sb-dir", "#!/\n", 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("fifo"));
	puts_file("sb-fifo", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("sock"));
	puts_file("sb-sock", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("noperm"));
	puts_file("sb-noperm", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("text"));
	puts_file("sb-text", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("empty"));
	puts_file("sb-empty-interp", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s/x\n", at("text"));
	puts_file("sb-notdir", buf, 0755);
	snprintf(buf, sizeof(buf), "#!%s\n", at("sb-self"));
	puts_file("sb-self", buf, 0755);
	/* "#!" then 300 path bytes and no newline: the kernel sees a cut path. */
	strcpy(buf, "#!/");
	memset(buf + 3, 'p', 300);
	put("sb-long-path", buf, 303, 0755);
	/* A long line whose interpreter name ends in time: its argument is cut. */
	strcpy(buf, "#!/bin/echo ");
	memset(buf + 12, 'a', 400);
	buf[412] = '\n';
	put("sb-long-arg", buf, 413, 0755);
	/* The interpreter name ends exactly at the end of the 256 bytes read. */
	memset(buf, ' ', 256);
	memcpy(buf, "#!", 2);
	memcpy(buf + 256 - 9, "/bin/echo", 9);
	put("sb-name-at-end", buf, 256, 0755);
	memcpy(buf + 256 - 9, "/bin/echo b", 11);
	put("sb-name-at-end2", buf, 258, 0755);
	puts_file("sb-arg", "#!/bin/echo  one two \t \nrest\n", 0755);
	puts_file("sb-tabs", "#!\t/bin/echo\t a\tb \t\n", 0755);
	puts_file("sb-short-no-newline", "#!/bin/echo a  ", 0755);
	put("sb-nul-in-arg", "#!/bin/echo x\0y z\n", 18, 0755);
	put("sb-nul-after-name", "#!/bin/echo\0 abc\n", 17, 0755);
	put("sb-blank-nul", "#!/bin/echo \0\n", 15, 0755);
	/* Chains of #! files: chain0 runs echo, chainN runs chain(N-1). */
	puts_file("chain0", "#!/bin/echo\n", 0755);
	for (int i = 1; i <= 7; i++) {
		char name[16], prev[16];

		snprintf(name, sizeof(name), "chain%d", i);
		snprintf(prev, sizeof(prev), "chain%d", i - 1);
		snprintf(buf, sizeof(buf), "#!%s\n", at(prev));
		puts_file(name, buf, 0755);
	}
	/* A chain that ends in a missing interpreter one level too deep. */
	puts_file("mchain0", "#!/nonexistent/interp\n", 0755);
	for (int i = 1; i <= 6; i++) {
		char name[16], prev[16];

		snprintf(name, sizeof(name), "mchain%d", i);
		snprintf(prev, sizeof(prev), "mchain%d", i - 1);
		snprintf(buf, sizeof(buf), "#!%s\n", at(prev));
		puts_file(name, buf, 0755);
	}
	if (symlink("loop-b", at("loop-a")) || symlink("loop-a", at("loop-b")) ||
	    symlink("true", at("link-true"))) {
		perror("symlink");
		exit(2);
	}
}

/* An argv of n strings of len bytes each. */
static char **big_argv(long n, size_t len)
{
	char **v = calloc((size_t)n + 1, sizeof(char *));
	char *s = malloc(len + 1);

	if (!v || !s) {
		perror("malloc");
		exit(2);
	}
	memset(s, 'x', len);
	s[len] = 0;
	for (long i = 0; i < n; i++)
		v[i] = s;
	return v;
}

/*
 * An argv that fills the end of a page followed by an inaccessible one:
 * NULL-terminated in its last slot (terminated), or not terminated at
 * all (the kernel then reads into the inaccessible page: EFAULT).
 */
static char **edge_argv(int terminated)
{
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char **v;
	int n = 40;

	if (m == MAP_FAILED || mprotect(m + 4096, 4096, PROT_NONE)) {
		perror("mmap");
		exit(2);
	}
	v = (char **)(m + 4096) - n;
	for (int i = 0; i < n; i++)
		v[i] = (char *)"x";
	if (terminated)
		v[n - 1] = NULL;
	return v;
}

int main(int argc, char **argv)
{
	char longpath[6000], longname[300], buf[65536];
	char *const echo_argv[] = { (char *)"echo", (char *)"hi", NULL };
	int dfd, dfd_cloexec, fd;

	if (argc < 2 || strlen(argv[1]) > 512) {
		fprintf(stderr, "usage: exec_errno DIR [NOEXEC_DIR]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	make_fixtures();
	setvbuf(stdout, NULL, _IOLBF, 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	dfd_cloexec = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* Non-regular files. */
	run(&(struct exec_case){ "fifo", EXECVE, 0, at("fifo") });
	run(&(struct exec_case){ "fifo rw-mode", EXECVE, 0, at("fifo-rw") });
	run(&(struct exec_case){ "fifo execveat dirfd", EXECVEAT, dfd, "fifo" });
	fd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
	run(&(struct exec_case){ "fifo fexecve", FEXECVE, fd });
	close(fd);
	fd = open(at("fifo"), O_PATH);
	run(&(struct exec_case){ "fifo fexecve O_PATH", FEXECVE, fd });
	close(fd);
	run(&(struct exec_case){ "socket", EXECVE, 0, at("sock") });
	fd = open(at("sock"), O_PATH);
	run(&(struct exec_case){ "socket fexecve O_PATH", FEXECVE, fd });
	close(fd);
	run(&(struct exec_case){ "directory", EXECVE, 0, dir });
	run(&(struct exec_case){ "directory trailing slash", EXECVE, 0, at("subdir/") });
	run(&(struct exec_case){ "directory fexecve", FEXECVE, dfd });
	run(&(struct exec_case){ "directory execveat \".\"", EXECVEAT, dfd, "." });
	run(&(struct exec_case){ "/dev/null", EXECVE, 0, "/dev/null" });
	fd = open("/dev/null", O_RDONLY);
	run(&(struct exec_case){ "/dev/null fexecve", FEXECVE, fd });
	close(fd);
	run(&(struct exec_case){ "/dev/zero", EXECVE, 0, "/dev/zero" });

	/* Permission and mounts. */
	run(&(struct exec_case){ "no execute permission", EXECVE, 0, at("noperm") });
	fd = open(at("noperm"), O_RDONLY);
	run(&(struct exec_case){ "no execute permission fexecve", FEXECVE, fd });
	close(fd);
	run(&(struct exec_case){ "execute for others only", EXECVE, 0, at("noperm-x-other") });
	if (argc > 2) {
		char p[600];

		snprintf(p, sizeof(p), "%s/true", argv[2]);
		run(&(struct exec_case){ "noexec mount", EXECVE, 0, p });
		fd = open(p, O_RDONLY);
		run(&(struct exec_case){ "noexec mount fexecve", FEXECVE, fd });
		close(fd);
		snprintf(p, sizeof(p), "%s/script", argv[2]);
		run(&(struct exec_case){ "noexec mount script", EXECVE, 0, p });
		run(&(struct exec_case){ "#! interpreter on noexec mount", EXECVE, 0,
					 at("via-noexec") });
	}
	fd = open(at("true"), O_WRONLY);
	run(&(struct exec_case){ "open for writing (ETXTBSY)", EXECVE, 0, at("true") });
	run(&(struct exec_case){ "open for writing fexecve", FEXECVE, fd });
	close(fd);
	run(&(struct exec_case){ "closed writer: runs", EXECVE, 0, at("true") });

	/* Formats. */
	run(&(struct exec_case){ "empty file", EXECVE, 0, at("empty") });
	run(&(struct exec_case){ "text file", EXECVE, 0, at("text") });
	run(&(struct exec_case){ "binary junk", EXECVE, 0, at("junk") });
	run(&(struct exec_case){ "ELF magic only", EXECVE, 0, at("elf-magic-only") });
	run(&(struct exec_case){ "aarch64 ELF", EXECVE, 0, at("elf-arm64") });
	run(&(struct exec_case){ "i386 ELF header only", EXECVE, 0, at("elf-i386") });
	run(&(struct exec_case){ "ELF, PT_INTERP missing", EXECVE, 0, at("elf-badinterp") });
	run(&(struct exec_case){ "ELF, PT_INTERP a text file", EXECVE, 0, at("elf-interp-text") });
	run(&(struct exec_case){ "ELF, PT_INTERP an empty file", EXECVE, 0, at("elf-interp-empty") });
	run(&(struct exec_case){ "ELF, PT_INTERP not executable", EXECVE, 0, at("elf-interp-noperm") });
	run(&(struct exec_case){ "ELF, PT_INTERP a directory", EXECVE, 0, at("elf-interp-dir") });
	run(&(struct exec_case){ "ELF, PT_INTERP not NUL-terminated", EXECVE, 0,
				 at("elf-nointerp-field") });

	/* "#!" lines. */
	run(&(struct exec_case){ "#! missing interpreter", EXECVE, 0, at("sb-missing") });
	run(&(struct exec_case){ "#! and nothing", EXECVE, 0, at("sb-empty") });
	run(&(struct exec_case){ "#! and blanks", EXECVE, 0, at("sb-blanks") });
	run(&(struct exec_case){ "#! names a directory", EXECVE, 0, at("sb-dir") });
	run(&(struct exec_case){ "#! names a FIFO", EXECVE, 0, at("sb-fifo") });
	run(&(struct exec_case){ "#! names a socket", EXECVE, 0, at("sb-sock") });
	run(&(struct exec_case){ "#! names a non-executable file", EXECVE, 0, at("sb-noperm") });
	run(&(struct exec_case){ "#! names a text file", EXECVE, 0, at("sb-text") });
	run(&(struct exec_case){ "#! names an empty file", EXECVE, 0, at("sb-empty-interp") });
	run(&(struct exec_case){ "#! path through a file", EXECVE, 0, at("sb-notdir") });
	run(&(struct exec_case){ "#! names itself", EXECVE, 0, at("sb-self") });
	run(&(struct exec_case){ "#! path longer than the kernel reads", EXECVE, 0,
				 at("sb-long-path") });
	run(&(struct exec_case){ "#! long argument is cut", EXECVE, 0, at("sb-long-arg") });
	run(&(struct exec_case){ "#! name ends the buffer", EXECVE, 0, at("sb-name-at-end") });
	run(&(struct exec_case){ "#! name ends the buffer, then more", EXECVE, 0,
				 at("sb-name-at-end2") });
	run(&(struct exec_case){ "#! optional argument", EXECVE, 0, at("sb-arg"), echo_argv });
	run(&(struct exec_case){ "#! tabs", EXECVE, 0, at("sb-tabs"), echo_argv });
	run(&(struct exec_case){ "#! short, no newline", EXECVE, 0, at("sb-short-no-newline") });
	run(&(struct exec_case){ "#! NUL in the argument", EXECVE, 0, at("sb-nul-in-arg") });
	run(&(struct exec_case){ "#! NUL after the name", EXECVE, 0, at("sb-nul-after-name") });
	run(&(struct exec_case){ "#! blank then NUL", EXECVE, 0, at("sb-blank-nul") });
	for (int i = 0; i <= 7; i++) {
		char name[64], file[16];

		snprintf(name, sizeof(name), "#! chain of %d", i + 1);
		snprintf(file, sizeof(file), "chain%d", i);
		run(&(struct exec_case){ name, EXECVE, 0, at(file) });
	}
	for (int i = 4; i <= 6; i++) {
		char name[64], file[16];

		snprintf(name, sizeof(name), "#! chain of %d to a missing interpreter", i + 1);
		snprintf(file, sizeof(file), "mchain%d", i);
		run(&(struct exec_case){ name, EXECVE, 0, at(file) });
	}

	/* Paths. */
	run(&(struct exec_case){ "missing file", EXECVE, 0, at("missing") });
	run(&(struct exec_case){ "path through a file (ENOTDIR)", EXECVE, 0, at("text/x") });
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	run(&(struct exec_case){ "path longer than PATH_MAX", EXECVE, 0, longpath });
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	run(&(struct exec_case){ "name longer than NAME_MAX", EXECVEAT, dfd, longname });
	run(&(struct exec_case){ "symlink loop", EXECVE, 0, at("loop-a") });
	run(&(struct exec_case){ "symlink with AT_SYMLINK_NOFOLLOW", EXECVEAT, dfd,
				 "link-true", NULL, AT_SYMLINK_NOFOLLOW });
	run(&(struct exec_case){ "symlink followed", EXECVEAT, dfd, "link-true" });
	run(&(struct exec_case){ "empty path", EXECVE, 0, "" });
	run(&(struct exec_case){ "empty path, execveat no flag", EXECVEAT, dfd, "" });
	run(&(struct exec_case){ "NULL path", EXECVE, 0, NULL });
	run(&(struct exec_case){ "execveat unknown flag", EXECVEAT, dfd, "true", NULL, 0x4 });
	run(&(struct exec_case){ "execveat bad dirfd", EXECVEAT, 9999, "true" });
	fd = open(at("true"), O_RDONLY);
	run(&(struct exec_case){ "execveat dirfd not a directory", EXECVEAT, fd, "true" });
	run(&(struct exec_case){ "fexecve O_RDONLY", FEXECVE, fd, NULL, (char *const *)echo_argv });
	close(fd);
	fd = open(at("echo"), O_PATH);
	run(&(struct exec_case){ "fexecve O_PATH", FEXECVE, fd, NULL, (char *const *)echo_argv });
	close(fd);
	run(&(struct exec_case){ "execveat relative", EXECVEAT, dfd, "echo", echo_argv });
	run(&(struct exec_case){ "execveat relative #! (dirfd)", EXECVEAT, dfd, "sb-arg", echo_argv });
	run(&(struct exec_case){ "execveat relative #! (close-on-exec dirfd)", EXECVEAT,
				 dfd_cloexec, "sb-arg", echo_argv });
	fd = open(at("sb-arg"), O_RDONLY | O_CLOEXEC);
	run(&(struct exec_case){ "fexecve #! close-on-exec fd", FEXECVE, fd, NULL, echo_argv });
	close(fd);
	fd = open(at("sb-arg"), O_RDONLY);
	run(&(struct exec_case){ "fexecve #! fd", FEXECVE, fd, NULL, echo_argv });
	close(fd);

	/* fexecve of a memfd: no path names it; the fd stays only without CLOEXEC. */
	for (int cloexec = 0; cloexec <= 1; cloexec++) {
		char cmd[128], name[64];
		int src = open("/bin/sh", O_RDONLY);
		char *sh_argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
		ssize_t n;

		fd = (int)syscall(SYS_memfd_create, "cse-test", cloexec ? 1u /* MFD_CLOEXEC */ : 0u);
		while (src >= 0 && fd >= 0 && (n = read(src, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) != n)
				break;
		close(src);
		snprintf(cmd, sizeof(cmd), "echo ran; [ -e /proc/$$/fd/%d ] && echo fd open || echo fd closed", fd);
		snprintf(name, sizeof(name), "fexecve memfd%s", cloexec ? " (close-on-exec)" : "");
		run(&(struct exec_case){ name, FEXECVE, fd, NULL, sh_argv });
		close(fd);
	}

	/* Arguments. */
	run(&(struct exec_case){ "argv bad pointer", EXECVE, 0, at("true"), (char *const *)8 });
	run(&(struct exec_case){ "argv with a bad string", EXECVE, 0, at("true"),
				 (char *const[]){ (char *)"a", (char *)8, NULL } });
	run(&(struct exec_case){ "argv ending at an inaccessible page: runs", EXECVE, 0,
				 at("true"), edge_argv(1) });
	run(&(struct exec_case){ "argv running into an inaccessible page", EXECVE, 0,
				 at("true"), edge_argv(0) });
	run(&(struct exec_case){ "argv string over 128 KiB", EXECVE, 0, at("true"),
				 big_argv(2, 200 * 1024) });
	run(&(struct exec_case){ "argv 3 MiB in total", EXECVE, 0, at("true"),
				 big_argv(3 * 1024, 1024) });
	run(&(struct exec_case){ "argv 3 MiB, missing file", EXECVE, 0, at("missing"),
				 big_argv(3 * 1024, 1024) });
	run(&(struct exec_case){ "argv 3 MiB, FIFO", EXECVE, 0, at("fifo"),
				 big_argv(3 * 1024, 1024) });
	run(&(struct exec_case){ "argv 1 MiB: runs", EXECVE, 0, at("true"),
				 big_argv(1024, 1024) });
	return 0;
}
