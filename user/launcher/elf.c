// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Finding and inspecting the target program.
 *
 * PROGRAM is resolved as execvp(3) does: a name with a '/' is used as is,
 * otherwise each PATH entry is tried in order (an empty entry is the current
 * directory; no PATH means "/bin:/usr/bin"), skipping entries where the file
 * is missing and remembering a permission problem for the error. The result
 * is made absolute without resolving symlinks, so a script sees the same $0
 * the kernel would give it for that path.
 *
 * The ELF that will run (PROGRAM, or the interpreter a '#!' chain ends in)
 * must be a 64-bit x86-64 ET_EXEC or ET_DYN; its PT_INTERP, when present,
 * must exist. Setuid/setgid bits are recorded (the kernel ignores them on
 * scripts, and setgid without group execute is not setgid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define SHEBANG_BUF 256		/* what the kernel reads of a '#!' line */

const char *cse_elf_kind_name(enum cse_elf_kind k)
{
	switch (k) {
	case CSE_ELF_STATIC:
		return "static";
	case CSE_ELF_STATIC_PIE:
		return "static-pie";
	case CSE_ELF_DYNAMIC:
		return "dynamic";
	}
	return "?";
}

static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return cse_xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		cse_die(CSE_EXIT_FAILURE, NULL, "cannot get the current directory: %s",
			strerror(errno));
	if (!strncmp(path, "./", 2))
		path += 2;
	return cse_xasprintf("%s/%s", strcmp(cwd, "/") ? cwd : "", path);
}

/* Checks a path used as is; exits with the shell's status when unusable. */
static void check_runnable(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			cse_die(CSE_EXIT_NOT_FOUND, NULL, "%s%s: not found", what, path);
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s%s: %s", what, path, strerror(e));
	}
	if (S_ISDIR(st.st_mode))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s%s: is a directory", what, path);
	if (!S_ISREG(st.st_mode))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s%s: not a regular file", what, path);
	if (access(path, X_OK) < 0)
		cse_die(CSE_EXIT_CANNOT_EXEC, "check its mode bits (chmod +x) and the mount's noexec flag",
			"%s%s: not executable: %s", what, path, strerror(errno));
}

static char *search_path(const char *prog)
{
	const char *path = getenv("PATH");
	const char *p;
	bool denied = false;
	size_t plen = strlen(prog);

	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; ) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		char *cand;
		struct stat st;

		if (dlen == 0)
			cand = cse_xstrdup(prog);
		else
			cand = cse_xasprintf("%.*s/%.*s", (int)dlen, p, (int)plen, prog);
		if (stat(cand, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				return cand;
			denied = true;
		} else if (errno == EACCES) {
			denied = true;
		}
		free(cand);
		if (!end)
			break;
		p = end + 1;
	}
	if (denied)
		cse_die(CSE_EXIT_CANNOT_EXEC, "check its mode bits (chmod +x)",
			"%s: found in PATH but not executable", prog);
	cse_die(CSE_EXIT_NOT_FOUND, "check the spelling and PATH, or give a path containing '/'",
		"%s: command not found", prog);
}

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	default:
		return NULL;
	}
}

/* Reads exactly n bytes at off; false on a short read or an error. */
static bool read_at(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off) == (ssize_t)n;
}

/*
 * Inspects one ELF file. Returns false (without a message) when the file
 * is not an ELF at all, so the caller can try '#!'. The headers are read
 * with pread and <elf.h>: only the ELF header and the program headers
 * matter here, and a libc-only launcher starts faster (see Makefile).
 */
static bool inspect_elf(const char *path, const char *shown, struct cse_target *t)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr *phs;
	ssize_t got;
	size_t phnum;
	const char *m;

	if (fd < 0)
		cse_die(CSE_EXIT_CANNOT_EXEC,
			errno == EACCES ? "cse maps programs itself, so it needs read permission on them" : NULL,
			"%s: cannot read: %s", shown, strerror(errno));
	got = pread(fd, &eh, sizeof(eh), 0);
	if (got < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		close(fd);
		return false;
	}
	/* e_type and e_machine sit at the same offsets in both classes. */
	if ((size_t)got < offsetof(Elf64_Ehdr, e_version))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt ELF header: file too short", shown);
	if (eh.e_ident[EI_CLASS] == ELFCLASS32) {
		m = machine_name(eh.e_machine);
		cse_die(CSE_EXIT_CANNOT_EXEC, "cse runs 64-bit x86-64 programs only",
			"%s: 32-bit ELF%s%s, not x86-64", shown, m ? " for " : "", m ? m : "");
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || (size_t)got < sizeof(eh))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt ELF header: %s", shown,
			eh.e_ident[EI_CLASS] != ELFCLASS64 ? "unknown class" : "file too short");
	if (eh.e_machine != EM_X86_64) {
		m = machine_name(eh.e_machine);
		if (m)
			cse_die(CSE_EXIT_CANNOT_EXEC, "cse runs x86-64 programs only",
				"%s: ELF for %s, not x86-64", shown, m);
		cse_die(CSE_EXIT_CANNOT_EXEC, "cse runs x86-64 programs only",
			"%s: ELF for machine %u, not x86-64", shown, (unsigned int)eh.e_machine);
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: ELF %s, not an executable", shown,
			eh.e_type == ET_REL ? "object file" : eh.e_type == ET_CORE ? "core dump" :
			"of unknown type");
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM) {		/* the real count is in section 0 */
		Elf64_Shdr sh0;

		if (!eh.e_shoff || !read_at(fd, &sh0, sizeof(sh0), (off_t)eh.e_shoff))
			cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt ELF header: bad e_phnum", shown);
		phnum = sh0.sh_info;
	}
	if (phnum == 0 || !eh.e_phoff)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: ELF without program headers", shown);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt program header: entry size %u",
			shown, (unsigned int)eh.e_phentsize);

	if (phnum > 65536 / sizeof(Elf64_Phdr))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt program header: %zu entries",
			shown, phnum);
	phs = cse_xmalloc(phnum * sizeof(*phs));
	if (!read_at(fd, phs, phnum * sizeof(*phs), (off_t)eh.e_phoff))
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: corrupt program header: past the end of the file",
			shown);
	t->interp = NULL;
	for (size_t i = 0; i < phnum; i++) {
		const Elf64_Phdr ph = phs[i];
		char *buf;

		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > PATH_MAX)
			cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: bad PT_INTERP size %llu", shown,
				(unsigned long long)ph.p_filesz);
		buf = cse_xmalloc(ph.p_filesz);
		if (!read_at(fd, buf, ph.p_filesz, (off_t)ph.p_offset) ||
		    buf[ph.p_filesz - 1] != '\0')
			cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: unreadable PT_INTERP", shown);
		t->interp = buf;
	}
	free(phs);
	close(fd);

	if (t->interp) {
		t->kind = CSE_ELF_DYNAMIC;
		if (access(t->interp, F_OK) < 0)
			cse_die(CSE_EXIT_NOT_FOUND, "the program was built for another system or its loader is not installed",
				"%s: ELF interpreter %s not found", shown, t->interp);
	} else {
		t->kind = eh.e_type == ET_EXEC ? CSE_ELF_STATIC : CSE_ELF_STATIC_PIE;
	}
	return true;
}

/* Reads a '#!' line into interp (and ignores its optional argument). */
static bool read_shebang(const char *path, char *interp, size_t size)
{
	char buf[SHEBANG_BUF + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p, *end;

	if (fd < 0)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: cannot open: %s", path, strerror(errno));
	n = read(fd, buf, SHEBANG_BUF);
	close(fd);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	buf[n] = '\0';
	end = memchr(buf, '\n', (size_t)n);
	if (end)
		*end = '\0';
	p = buf + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strcspn(p, " \t");
	*end = '\0';
	if (!*p)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: '#!' line names no interpreter", path);
	if ((size_t)(end - p) >= size)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: '#!' interpreter path too long", path);
	memcpy(interp, p, (size_t)(end - p) + 1);
	return true;
}

void cse_resolve_target(const char *prog, struct cse_target *t)
{
	char *cur;
	char interp[SHEBANG_BUF];
	struct stat st;

	memset(t, 0, sizeof(*t));
	if (!*prog)
		cse_die(CSE_EXIT_NOT_FOUND, NULL, "'': command not found");
	if (strchr(prog, '/')) {
		check_runnable("", prog);
		cur = cse_xstrdup(prog);
	} else {
		cur = search_path(prog);
	}
	t->exec_name = cur;
	t->path = absolute(cur);
	cse_info("program: %s", t->path);

	for (;;) {
		if (inspect_elf(cur, cur, t))
			break;
		if (!read_shebang(cur, interp, sizeof(interp)))
			cse_die(CSE_EXIT_CANNOT_EXEC, "cse runs x86-64 ELF executables and '#!' scripts",
				"%s: not an ELF executable or '#!' script", cur);
		if (++t->shebang_depth > CSE_SHEBANG_DEPTH_MAX)
			cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: too many levels of '#!' interpreters",
				prog);
		cse_info("'#!' interpreter: %s", interp);
		check_runnable("interpreter ", interp);
		if (cur != t->exec_name)
			free(cur);
		cur = t->elf_path = cse_xstrdup(interp);	/* reachable for LSan */
	}
	t->elf_path = cur;

	if (stat(cur, &st) < 0)
		cse_die(CSE_EXIT_CANNOT_EXEC, NULL, "%s: %s", cur, strerror(errno));
	t->setid = (st.st_mode & S_ISUID) ||
		   ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP));
	cse_info("ELF: %s, %s%s%s%s", cur, cse_elf_kind_name(t->kind),
		 t->interp ? " (interpreter " : "", t->interp ? t->interp : "",
		 t->interp ? ")" : "");
}
