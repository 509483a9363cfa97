// SPDX-License-Identifier: GPL-2.0
/*
 * fscow_layer: the fs element's layer code (user/elements/fs_layer*.c,
 * fs_cow.c, fs_dirents.c) driven the way the view drives it, with a
 * services table whose syscall() is the real one.
 *
 *   fscow_layer LOWER UPPER   commands through the layers (UPPER "-": none)
 *   fscow_layer -n DIR        the same commands made directly on DIR
 *
 * Commands on stdin, one a line (REL relative to the root, no leading /):
 *   write REL TEXT | append REL TEXT | trunc REL N | rm REL | rmdir REL |
 *   mkdir REL | mv A B | ln A B | symlink TARGET REL | chmod REL OCTAL |
 *   tree (print every entry: path, type, mode, size, content sum, target)
 * A failing command prints "REL: errno N" (same in both modes), so
 * fscow.t compares the two outputs for one script.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <cse/element.h>
#include "../../../user/elements/fs_cow.h"

static long real_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r < 0 ? -errno : r;
}

static int fmt(char *buf, size_t size, const char *f, va_list ap)
{
	return vsnprintf(buf, size, f, ap);
}

static char arena[65536];
static size_t arena_used;

static void *scratch(struct cse_call *c, size_t n)
{
	(void)c;
	n = (n + 15) & ~(size_t)15;
	if (arena_used + n > sizeof(arena))
		return NULL;
	arena_used += n;
	return arena + arena_used - n;
}

static void lock(struct cse_lock *l)
{
	uint32_t zero = 0, tid = (uint32_t)gettid();

	while (!__atomic_compare_exchange_n(&l->owner, &zero, tid, 0, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		zero = 0;
		sched_yield();
	}
}

static void unlock(struct cse_lock *l)
{
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

static int my_gettid(void)
{
	return gettid();
}

static long copy_to(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

static const struct cse_services svc = {
	.version = CSE_SERVICES_VERSION, .size = sizeof(svc), .syscall = real_syscall,
	.format = fmt, .gettid = my_gettid, .getpid = getpid, .scratch = scratch,
	.lock = lock, .unlock = unlock, .copy_to_app = copy_to,
};

static const char *native;	/* -n DIR */
static struct cse_call call;

/* Path argument arg of call: a host path as the view would hand it. */
static const char *path(int arg, const char *rel, uint32_t intent)
{
	char *out = scratch(&call, FS_PATH_MAX);
	int r;

	if (native) {
		snprintf(out, FS_PATH_MAX, "%s/%s", native, rel);
		return out;
	}
	fs_layer_note(&call, arg, 1, rel);
	if (intent & (CSE_PATH_WRITE | CSE_PATH_CREATE | CSE_PATH_REMOVE))
		r = fs_layer_prepare(&call, rel, intent, out, FS_PATH_MAX);
	else
		r = fs_layer_find(rel, out, FS_PATH_MAX, NULL, NULL);
	if (r && r != -ENOENT)
		return NULL;
	return out;
}

/* One call through the layers' handler, then the kernel. */
static long run(long nr, long a, long b, long c, long d, long e)
{
	long r;

	call.nr = nr;
	call.args[0] = a, call.args[1] = b, call.args[2] = c;
	call.args[3] = d, call.args[4] = e;
	if (!native && fs_layer_handle(&call) == CSE_DONE)
		r = call.ret;
	else
		r = real_syscall(call.nr, call.args[0], call.args[1], call.args[2],
				 call.args[3], call.args[4], 0);
	if (!native)
		fs_layer_exit(&call);
	return r;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tree(const char *rel)
{
	char buf[4096], *names[4096];
	const char *p = path(0, rel, CSE_PATH_READ);
	int fd = p ? open(p, O_RDONLY | O_DIRECTORY) : -1, n = 0;
	long got;

	if (fd < 0) {
		printf("%s: open dir errno %d\n", rel, errno);
		return;
	}
	while ((got = run(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0)) > 0) {
		for (long off = 0; off < got;) {
			struct { uint64_t ino; int64_t off; uint16_t reclen; uint8_t type;
				 char name[]; } *d = (void *)(buf + off);

			off += d->reclen;
			if (strcmp(d->name, ".") && strcmp(d->name, "..") && n < 4096)
				names[n++] = strdup(d->name);
		}
	}
	close(fd);
	qsort(names, (size_t)n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++) {
		char sub[FS_PATH_MAX], target[FS_PATH_MAX] = "";
		struct stat st;
		unsigned long sum = 0;
		const char *h;

		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		arena_used = 0;
		h = path(0, sub, CSE_PATH_READ);
		if (!h || lstat(h, &st)) {
			printf("%s: lstat errno %d\n", sub, errno);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			FILE *f = fopen(h, "r");
			int ch;

			while (f && (ch = fgetc(f)) != EOF)
				sum = sum * 31 + (unsigned)ch;
			if (f)
				fclose(f);
		}
		if (S_ISLNK(st.st_mode) && readlink(h, target, sizeof(target) - 1) < 0)
			target[0] = 0;
		printf("%s %o %lld %lu %s\n", sub, st.st_mode, S_ISDIR(st.st_mode) ? 0LL :
		       (long long)st.st_size, sum, target);
		if (S_ISDIR(st.st_mode))
			tree(sub);
		free(names[i]);
	}
}

static long do_open_write(const char *rel, const char *text, int flags)
{
	const char *p = path(0, rel, CSE_PATH_WRITE | CSE_PATH_CREATE);
	long fd, r;

	if (!p)
		return -ENOENT;
	fd = run(SYS_open, (long)p, flags | O_WRONLY | O_CREAT, 0644, 0, 0);
	if (fd < 0)
		return fd;
	r = write((int)fd, text, strlen(text)) < 0 ? -errno : 0;
	close((int)fd);
	return r;
}

static long command(char *line)
{
	char *op = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, "\n");
	const char *p, *q;

	arena_used = 0;
	if (!op)
		return 0;
	if (!strcmp(op, "tree")) {
		tree("");
		return 0;
	}
	if (!a)
		return -EINVAL;
	if (!strcmp(op, "write"))
		return do_open_write(a, b ? b : "", O_TRUNC);
	if (!strcmp(op, "append"))
		return do_open_write(a, b ? b : "", O_APPEND);
	if (!strcmp(op, "trunc"))
		return (p = path(0, a, CSE_PATH_WRITE)) ?
			run(SYS_truncate, (long)p, b ? atol(b) : 0, 0, 0, 0) : -ENOENT;
	if (!strcmp(op, "chmod"))
		return (p = path(0, a, CSE_PATH_WRITE)) ?
			run(SYS_chmod, (long)p, b ? strtol(b, NULL, 8) : 0, 0, 0, 0) : -ENOENT;
	if (!strcmp(op, "rm"))
		return (p = path(0, a, CSE_PATH_REMOVE | CSE_PATH_NOFOLLOW)) ?
			run(SYS_unlink, (long)p, 0, 0, 0, 0) : -ENOENT;
	if (!strcmp(op, "rmdir"))
		return (p = path(0, a, CSE_PATH_REMOVE | CSE_PATH_DIR)) ?
			run(SYS_rmdir, (long)p, 0, 0, 0, 0) : -ENOENT;
	if (!strcmp(op, "mkdir"))
		return (p = path(0, a, CSE_PATH_CREATE | CSE_PATH_DIR)) ?
			run(SYS_mkdir, (long)p, 0755, 0, 0, 0) : -ENOENT;
	if (!b)
		return -EINVAL;
	if (!strcmp(op, "symlink"))
		return (p = path(1, b, CSE_PATH_CREATE | CSE_PATH_NOFOLLOW)) ?
			run(SYS_symlink, (long)a, (long)p, 0, 0, 0) : -ENOENT;
	p = path(0, a, !strcmp(op, "mv") ? CSE_PATH_REMOVE : CSE_PATH_READ);
	q = path(1, b, CSE_PATH_CREATE | (!strcmp(op, "mv") ? CSE_PATH_REMOVE : 0));
	if (!p || !q)
		return -ENOENT;
	if (!strcmp(op, "mv"))
		return run(SYS_rename, (long)p, (long)q, 0, 0, 0);
	if (!strcmp(op, "ln"))
		return run(SYS_link, (long)p, (long)q, 0, 0, 0);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct cse_setup s = { .svc = &svc, .state_fresh = 1, .initial_process = 1 };
	char err[256] = "", line[8192];
	int r;

	umask(022);
	if (argc == 3 && !strcmp(argv[1], "-n")) {
		native = argv[2];
	} else if (argc == 3) {
		s.err = err;
		s.err_size = sizeof(err);
		r = fs_layer_setup(&s, argv[1], strcmp(argv[2], "-") ? argv[2] : NULL);
		if (r) {
			fprintf(stderr, "fscow_layer: %s\n", err);
			return 2;
		}
	} else {
		fprintf(stderr, "usage: fscow_layer LOWER UPPER | -n DIR  (commands on stdin)\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char copy[8192];
		long res;

		strcpy(copy, line);
		res = command(line);
		if (res < 0)
			printf("%s: errno %ld\n", strtok(copy, "\n"), -res);
		fflush(stdout);
	}
	return 0;
}
