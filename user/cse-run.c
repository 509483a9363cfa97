// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-run: the launcher users type.
 *
 *   cse-run [options] -- PROGRAM [ARGS]
 *
 * Validates PROGRAM (launcher/elf.c), creates the application's instance
 * in cse.ko when /dev/cse exists (launcher/kmod.c) and its instance state
 * (a CSE_STATE_SIZE memfd, include/cse/state.h, inherited by the
 * application's processes; the loader initialises it), writes a boot
 * block (launcher/boot.c, include/cse/boot.h) naming PROGRAM, the fds and
 * the elements, then starts
 *
 *   <prefix>/lib/cse/cse-loader ARGV0 [ARG...]
 *
 * in this same process without a second execve where it can
 * (launcher/userexec.c), else execs it, with PROGRAM's own argv (for a '#!' script, its name as execvp would
 * pass it in argv[0]; the loader puts the interpreter in front) and the
 * environment unchanged, so ps, pgrep and /proc/PID/cmdline show the
 * program and nothing of cse. The loader runs PROGRAM in this same
 * process, so its exit status and death by signal are PROGRAM's own.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cse/state.h>

#include "launcher/launcher.h"
#include "launcher/profile.h"

static void check_elements(const struct cse_opts *o, const char *libdir)
{
	for (size_t i = 0; i < o->n_elements; i++) {
		char *so = cse_xasprintf("%s/cse-%s.so", libdir, o->elements[i].name);

		if (access(so, R_OK) < 0)
			cse_unknown_element(o->elements[i].name);
		cse_info("element %s", o->elements[i].name);
		free(so);
	}
}

/*
 * The element settings go into the state's settings area (cse/state.h).
 * A buffer of .lbss, after the arena (user/Makefile links this file after
 * launcher/arena.c), rather than 60 KiB of the arena: the records' scratch
 * allocation would land past it, on a page of its own (a page fault).
 */
static void write_settings(int fd)
{
	static char buf[CSE_STATE_SETTINGS_SIZE] __attribute__((section(".lbss")));
	uint32_t n, hdr[2];
	size_t len = cse_settings_records(buf, CSE_STATE_SETTINGS_SIZE, &n);

	_Static_assert(offsetof(struct cse_state_header, nsettings) ==
		       offsetof(struct cse_state_header, settings_len) + 4, "settings_len, nsettings");
	hdr[0] = (uint32_t)len;
	hdr[1] = n;
	if (n && (pwrite(fd, buf, len, CSE_STATE_SETTINGS_START) != (ssize_t)len ||
		  pwrite(fd, hdr, sizeof(hdr), offsetof(struct cse_state_header, settings_len)) !=
			  (ssize_t)sizeof(hdr)))
		cse_die(CSE_EXIT_FAILURE, NULL, "cannot write the element settings: %s",
			strerror(errno));
	cse_info("%u element setting(s) in the instance state", n);
}

static char *loader_path(const char *libdir)
{
	char *p = cse_xasprintf("%s/cse-loader", libdir);

	if (access(p, X_OK) < 0)
		cse_die(errno == ENOENT ? CSE_EXIT_NOT_FOUND : CSE_EXIT_CANNOT_EXEC,
			"cse-run expects its loader in ../lib/cse next to its own directory; run 'make'",
			"cannot run the loader %s: %s", p, strerror(errno));
	return p;
}

/* Keeps an fd we hand down off 0-2, in case cse-run started with them closed. */
static int high_fd(int fd)
{
	int nfd;

	if (fd >= 3)
		return fd;
	nfd = fcntl(fd, F_DUPFD, 3);
	if (nfd < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "dup: %s", strerror(errno));
	close(fd);
	return nfd;
}

static char *default_name(const char *prog)
{
	const char *base = strrchr(prog, '/');
	char pid[24];
	char *name;
	size_t room;

	base = base ? base + 1 : prog;
	if (!*base)
		base = "app";
	snprintf(pid, sizeof(pid), "-%ld", (long)getpid());
	room = 63 - strlen(pid);
	name = cse_xasprintf("%.*s%s", (int)(strlen(base) < room ? strlen(base) : room), base, pid);
	for (char *p = name; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	return name;
}

static void print_version(const char *libdir)
{
	struct cse_kmod_version v;
	char *loader;
	int pipefd[2];
	pid_t pid;
	int st;
	FILE *f;
	char line[512];
	int r;

	printf("cse-run %s\n", CSE_VERSION_STRING);
	if (!cse_verbose)
		return;
	fflush(stdout);

	loader = cse_xasprintf("%s/cse-loader", libdir);
	printf("loader: %s\n", loader);
	if (access(loader, X_OK) < 0) {
		printf("loader: not available: %s\n", strerror(errno));
	} else if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cse_die(CSE_EXIT_FAILURE, NULL, "pipe: %s", strerror(errno));
	} else {
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			cse_die(CSE_EXIT_FAILURE, NULL, "fork: %s", strerror(errno));
		if (pid == 0) {
			dup2(pipefd[1], 1);
			execl(loader, loader, "--probe", (char *)NULL);
			_exit(127);
		}
		close(pipefd[1]);
		f = fdopen(pipefd[0], "r");
		while (f && fgets(line, sizeof(line), f))
			printf("loader: %s%s", line, strchr(line, '\n') ? "" : "\n");
		if (f)
			fclose(f);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			printf("loader: --probe failed (%s %d)\n",
			       WIFEXITED(st) ? "exit status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	free(loader);

	r = cse_kmod_version(&v);
	if (r == -1)
		printf("kmod: /dev/cse not present (cse.ko not loaded)\n");
	else if (r == -2)
		printf("kmod: /dev/cse present, CSE_IOC_VERSION failed: %s\n", strerror(errno));
	else
		printf("kmod: /dev/cse present, api version %u, features 0x%llx\n",
		       v.api_version, (unsigned long long)v.features);
}

static bool uses_element(const struct cse_opts *o, const char *name)
{
	for (size_t i = 0; i < o->n_elements; i++)
		if (!strcmp(o->elements[i].name, name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct cse_opts o;
	struct cse_target t;
	struct cse_boot_req boot;
	struct cse_userexec x;
	const char *prog;
	char *libdir, *loader, *name;
	int inst_fd = -1, state_fd;
	char **nargv;
	size_t n = 0, nprog_args;

	cse_parse_options(argc, argv, &o);
	if (o.help) {
		cse_print_help();
		return 0;
	}
	libdir = cse_xstrdup(cse_libdir());
	if (o.version) {
		print_version(libdir);
		free(libdir);
		return 0;
	}
	if (!o.prog_index) {
		cse_err("missing PROGRAM");
		cse_hint("usage: cse-run [OPTION]... -- PROGRAM [ARG]...; see 'cse-run --help'");
		free(libdir);
		return CSE_EXIT_USAGE;
	}
	prog = argv[o.prog_index];

	memset(&boot, 0, sizeof(boot));
	boot.guest_program = uses_element(&o, "fs");
	if (boot.guest_program) {
		/* PROGRAM names a file of the fs element's view: the loader
		 * looks it up there, once the element is loaded. */
		if (!*prog)
			cse_die(CSE_EXIT_NOT_FOUND, NULL, "'': command not found");
		memset(&t, 0, sizeof(t));
		t.path = t.exec_name = (char *)prog;
	} else {
		cse_resolve_target(prog, &t);
	}
	if (t.setid) {
		if (!o.allow_setuid_drop)
			cse_die(CSE_EXIT_CANNOT_EXEC,
				"pass --allow-setuid-drop to run it without the privilege",
				"%s: setuid/setgid programs are refused", t.elf_path);
		cse_info("%s is setuid/setgid: running it without the privilege", t.elf_path);
	}
	check_elements(&o, libdir);
	loader = loader_path(libdir);

	if (o.no_kmod && o.n_grants)
		cse_die(CSE_EXIT_USAGE, "drop --no-kmod: device grants are kept by the module",
			"--device cannot be combined with --no-kmod");
	if (!o.no_kmod) {
		name = o.name ? cse_xstrdup(o.name) : default_name(prog);
		inst_fd = cse_kmod_instance(name, o.grants, o.n_grants);
		if (inst_fd >= 0)
			inst_fd = high_fd(inst_fd);
		free(name);
	}

	state_fd = memfd_create("cse-state", 0);
	if (state_fd < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "memfd_create: %s", strerror(errno));
	state_fd = high_fd(state_fd);
	if (ftruncate(state_fd, CSE_STATE_SIZE) < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "cannot size the instance state: %s", strerror(errno));
	write_settings(state_fd);

	boot.program = t.path;
	boot.filename = t.exec_name;
	boot.comm = strrchr(t.exec_name, '/') ? strrchr(t.exec_name, '/') + 1 : t.exec_name;
	boot.state_fd = state_fd;
	boot.instance_fd = inst_fd;
	boot.in_place = cse_userexec_prepare(loader, argc, argv, o.prog_index,
					     t.shebang_depth > 0, &x);
	boot.loader = loader;
	boot.launcher_start = x.image_start;
	boot.launcher_end = x.image_end;
	x.block = cse_boot_send(&boot, &o);

	/* A script's argv[0] is replaced by the kernel: "interp [arg] NAME". */
	nprog_args = (size_t)(argc - o.prog_index);
	nargv = cse_xmalloc(sizeof(char *) * (nprog_args + 1));
	for (int i = o.prog_index; i < argc; i++)
		nargv[n++] = argv[i];
	nargv[n] = NULL;
	if (t.shebang_depth)
		nargv[0] = t.exec_name;

	if (cse_verbose) {
		fprintf(stderr, "cse-run: %s %s with argv",
			boot.in_place ? "start (in place)" : "exec", loader);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", nargv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	if (boot.in_place)
		cse_userexec(&x);
	execve(loader, nargv, environ);
	cse_die(errno == ENOENT ? CSE_EXIT_NOT_FOUND : CSE_EXIT_CANNOT_EXEC, NULL,
		"cannot exec the loader %s: %s", loader, strerror(errno));
}
