/* SPDX-License-Identifier: GPL-2.0 */
/* What the kernel would answer to an execve, found before leaving the image. */
#ifndef CSE_EXEC_CHECK_H
#define CSE_EXEC_CHECK_H

#include <elf.h>
#include <cse/boot.h>
#include "runtime.h"

#define EXEC_NAME_MAX	4096
#define EXEC_VEC_CHUNK	64	/* vector entries read at a time */

struct exec_plan {
	long argc;			/* entries of argv */
	char program[EXEC_NAME_MAX];	/* absolute path the loader starts */
	/* The script's name as the kernel passes it to the interpreter:
	 * the path as given, or /dev/fd/N[/path] for execveat on a dirfd. */
	char script[EXEC_NAME_MAX + 32];
	struct shebang first;		/* the script's own "#!" line */
	int is_script;
	int cloexec_fd;			/* FD_CLOEXEC cleared for the loader */
	/* scratch while following interpreters */
	char guest[EXEC_NAME_MAX];	/* the path as the caller gave it */
	char path[EXEC_NAME_MAX];	/* the file to open: host path */
	char head[SHEBANG_MAX];
	struct shebang level[2];
	char elf_interp[EXEC_NAME_MAX];
	Elf64_Phdr ph[4096 / sizeof(Elf64_Phdr)];
	/* The ELF program and its PT_INTERP, still open (close-on-exec)
	 * with what was read of them: handed to the loader (boot.h). */
	struct cse_boot_file files[CSE_BOOT_FILES_MAX];
	int nfiles;
	/* The first part of argv and of envp, read with the path (exec_check) */
	char *vec[2][EXEC_VEC_CHUNK];
	char stage[2 * PATHSTAGE_MAX];	/* the path stage's work space */
};

/*
 * 0 when execveat(dirfd, path, ..., flags) would start a program (the
 * plan says which), else the kernel's -errno. Never blocks: nothing but
 * regular files is opened for reading.
 */
long exec_check(int dirfd, const char *path, char *const *argv, char *const *envp,
		int flags, struct exec_plan *p);

/* The exec failed after exec_check said yes: put back what it changed. */
void exec_check_undo(int cloexec_fd);

/* Close the files a plan holds for the loader. */
void exec_files_close(const int *fd, int n);

/* Number of pointers in the application's NULL-terminated vector v,
 * read safely: -EFAULT like the kernel when it cannot be read. */
long exec_count_vec(char *const *v);

#endif
