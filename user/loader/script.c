// SPDX-License-Identifier: GPL-2.0
/*
 * PROGRAM may be a "#!" script: cse-run passes what the user named, and
 * exec re-entry passes the first interpreter, which may be a script too
 * (pyenv's python3 shim is "#!/usr/bin/env bash"). The loader applies the
 * kernel's rule until it reaches an ELF file, at most SHEBANG_DEPTH_MAX
 * times: each level replaces argv[0] by "interp [arg] file".
 *
 * Errors are reported as a shell reports a failed exec: a missing
 * interpreter exits 127, any other reason (not executable, not a
 * program, too many levels) exits 126.
 */
#include <cse/boot.h>
#include "../runtime/runtime.h"
#include "loader.h"

#define K_AT_FDCWD		-100
#define K_O_RDONLY_CLOEXEC	02000000
#define K_O_NONBLOCK		04000
#define K_X_OK			1
#define K_S_IFMT		0170000
#define K_S_IFREG		0100000
/* Read at once: a "#!" line, or an ELF header with its program headers
 * and PT_INTERP for elf_map_file. */
#define HEAD_READ		1024

/* Kept for the program's whole life: argv points into it. */
static struct shebang levels[SHEBANG_DEPTH_MAX] RT_LARGE;

static const char *errno_text(long e)
{
	switch (e) {
	case 2: return "No such file or directory";
	case 8: return "Exec format error";
	case 13: return "Permission denied";
	case 20: return "Not a directory";
	case 36: return "File name too long";
	case 40: return "Too many levels of symbolic links";
	default: return "cannot execute";
	}
}

static _Noreturn void bad_interp(const char *script, const char *interp, long err)
{
	rt_errorf("%s: bad interpreter %s: %s", script, interp, errno_text(-err));
	rt_exit(err == -2 || err == -20 ? 127 : 126);
}

/*
 * The files the exec's sender opened and checked (include/cse/boot.h):
 * taken by path, each once; the rest closed before the program runs.
 */
static const struct cse_boot_file *handed;
static int nhanded;
static uint8_t handed_taken[CSE_BOOT_FILES_MAX];

void script_handed(const struct cse_boot_file *files, int n)
{
	handed = files;
	nhanded = n;
}

static const struct cse_boot_file *handed_take(const char *path)
{
	for (int i = 0; i < nhanded; i++) {
		if (!handed_taken[i] && !rt_strcmp(handed[i].path, path)) {
			handed_taken[i] = 1;
			return &handed[i];
		}
	}
	return NULL;
}

void script_handed_close(void)
{
	for (int i = 0; i < nhanded; i++)
		if (!handed_taken[i])
			rt_sys1(__NR_close, handed[i].fd);
	nhanded = 0;
}

/*
 * First bytes of path into head; -errno when it cannot be executed.
 * Opened without blocking and refused unless a regular file, as the
 * kernel refuses FIFOs, sockets and devices (a FIFO would block here).
 */
static long read_head(const char *path, char *head, long *len, long *fdp,
		      struct kstat_k *stp)
{
	const struct cse_boot_file *f = handed_take(path);
	struct kstat_k st;
	long fd, r;

	if (f) {
		/* Checked as the kernel checks an exec, and read: as is. */
		_Static_assert(sizeof(*stp) == sizeof(f->stat), "struct stat is 144 bytes");
		memcpy(stp, f->stat, sizeof(*stp));
		memcpy(head, f->head, f->len);
		*len = f->len;
		*fdp = f->fd;
		return 0;
	}
	fd = rt_sys4(__NR_openat, K_AT_FDCWD, path, K_O_RDONLY_CLOEXEC | K_O_NONBLOCK, 0);

	if (fd < 0)
		return fd == -6 /* ENXIO: a socket */ ? -13 : fd;
	_Static_assert(sizeof(st) == 144, "struct stat is 144 bytes");
	r = rt_sys2(__NR_fstat, fd, &st);
	if (r == 0 && (st.mode & K_S_IFMT) != K_S_IFREG)
		r = -13;	/* EACCES */
	if (r == 0)
		r = rt_sys4(__NR_faccessat, K_AT_FDCWD, path, K_X_OK, 0);
	if (r == 0) {
		*len = rt_sys4(__NR_pread64, fd, head, HEAD_READ, 0);
		if (*len < 0)
			r = *len;
	}
	if (r == 0) {
		*fdp = fd;
		*stp = st;
		return 0;
	}
	rt_sys1(__NR_close, fd);
	return r;
}

/*
 * The file script_resolve settled on, still open with its first bytes:
 * elf_map_file takes it instead of opening the same file again.
 */
static struct {
	long fd;
	const char *path;
	char head[HEAD_READ];
	long len;
	struct kstat_k st;
} held = { .fd = -1 };

long script_take_fd(const char *path, const char **head, long *len, struct kstat_k *st)
{
	long fd = held.fd;

	if (fd < 0 || held.path != path) {
		/* an interpreter the sender opened */
		const struct cse_boot_file *f = handed_take(path);

		if (!f)
			return -1;
		*head = f->head;
		*len = f->len;
		memcpy(st, f->stat, sizeof(*st));
		return f->fd;
	}
	*head = held.head;
	*len = held.len;
	*st = held.st;
	held.fd = -1;
	return fd;
}

/*
 * The files each level opens: PROGRAM is a host path (cse-run's, or
 * exec_check's after the path stage); the interpreters a "#!" line
 * names are the application's paths, which shebang_step looks up
 * through the path stage. Two buffers: the level read and the next.
 */
static char files[2][PATHSTAGE_MAX] RT_LARGE;
static char stage_buf[2 * PATHSTAGE_MAX] RT_LARGE;

const char *script_resolve(const char *program, struct script_argv *sa)
{
	const char *cur = program;
	char head[HEAD_READ];
	struct kstat_k st;

	for (int depth = 0;; depth++) {
		char *next = files[depth & 1];
		/* the file as the application names it, for messages */
		const char *name = depth ? levels[depth - 1].interp : cur;
		struct shebang *sb;
		long len = 0, r, fd = -1;
		int extra;

		r = read_head(cur, head, &len, &fd, &st);
		if (r < 0) {
			if (depth == 0)
				return cur;	/* elf_map_file reports it */
			bad_interp(program, name, r);
		}
		if (len < 2 || head[0] != '#' || head[1] != '!') {
			if (depth > 0 && (len < 4 || memcmp(head, "\x7f" "ELF", 4)))
				bad_interp(program, name, -8);
			if (held.fd >= 0)
				rt_sys1(__NR_close, held.fd);
			held.fd = fd;
			held.path = cur;
			held.len = len;
			held.st = st;
			memcpy(held.head, head, (size_t)len);
			return cur;
		}
		rt_sys1(__NR_close, fd);
		if (depth == SHEBANG_DEPTH_MAX) {
			rt_errorf("%s: too many levels of '#!' interpreters", program);
			rt_exit(126);
		}
		sb = &levels[depth];
		/* The kernel looks at the first SHEBANG_MAX bytes only. */
		r = shebang_step(head, len < SHEBANG_MAX ? len : SHEBANG_MAX, sb, next,
				 sizeof(files[0]), stage_buf);
		if (r < 0)
			bad_interp(program, sb->interp[0] ? sb->interp : name, r);
		/* argv[0] becomes: interp [arg] file */
		extra = sb->has_arg ? 2 : 1;
		memmove(sa->words + 1 + extra, sa->words + 1,
			(size_t)(sa->nwords - 1) * sizeof(sa->words[0]));
		sa->words[0] = sb->interp;
		if (sb->has_arg)
			sa->words[1] = sb->arg;
		sa->words[extra] = name;
		sa->nwords += extra;
		cur = next;
	}
}
