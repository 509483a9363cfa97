/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cse-run internals, split by concern:
 *
 *   options.c  cse-run's own options, argument parsing, --help text
 *   eltables.c the elements' option tables, read from lib/cse/cse-NAME.so
 *   profile.c  element settings from flags, -e and profiles; --print-profile
 *   elf.c      PATH resolution (as execvp) and target inspection with libelf
 *   kmod.c     the application's instance in cse.ko (/dev/cse)
 *   status.c   error reporting and exit statuses
 *   boot.c     the boot block that tells cse-loader what to run
 *   userexec.c cse-loader started in cse-run's own process, without execve
 *   cse-run.c  main: validate, create instance state, start cse-loader
 *
 * cse-run is a face: it parses, validates and calls. No interposition
 * mechanism lives here; the loader execs nothing back into cse-run.
 */
#ifndef CSE_LAUNCHER_H
#define CSE_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/cse.h>
#include <cse/element.h>

#include "../common/diag.h"

#define CSE_STR_(x) #x
#define CSE_STR(x) CSE_STR_(x)

#ifndef CSE_VERSION_STRING
#define CSE_VERSION_STRING "0.1.0"
#endif

/* Exit statuses (documented in cse-run(1) and --help). */
enum {
	CSE_EXIT_USAGE = 2,	/* bad option, unknown element, bad element args */
	CSE_EXIT_FAILURE = 125,	/* cse-run itself failed (instance, state, ...) */
	CSE_EXIT_CANNOT_EXEC = 126,	/* found but not runnable */
	CSE_EXIT_NOT_FOUND = 127,	/* program (or its interpreter) not found */
};

/* status.c */
extern bool cse_verbose;
#define cse_err diag_err		/* "cse-run: ..." (user/common/diag.h) */
#define cse_hint diag_hint		/* "hint: ..." */
void cse_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void cse_die(int status, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *cse_xmalloc(size_t n);
char *cse_xstrdup(const char *s);
char *cse_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* options.c */
#define CSE_RUN_ELEMENTS_MAX 32

struct cse_element_req {
	char *name;		/* element name: <libdir>/cse-<name>.so */
};

struct cse_opts {
	bool help;
	bool version;
	bool no_kmod;
	bool no_rewrite;
	bool no_site_cache;	/* --no-site-cache */
	bool allow_setuid_drop;
	bool print_profile;	/* --print-profile: print, exit 0 (profile.c) */
	const char *name;	/* --name, NULL for the default */
	size_t n_elements;
	struct cse_element_req elements[CSE_RUN_ELEMENTS_MAX];
	int prog_index;		/* argv index of PROGRAM, 0 when absent */
	size_t n_grants;	/* --device grants for the cse.ko instance */
	struct cse_dev_grant grants[CSE_GRANTS_MAX];
};

void cse_parse_options(int argc, char **argv, struct cse_opts *o);

bool cse_valid_element_name(const char *name);
/* Loads element name (once; the order of first mention is the chain's). */
void cse_element_add(struct cse_opts *o, const char *name);
void cse_print_help(void);
/* "unknown element 'x' (no FILE)" and the list of installed ones; exit 2. */
_Noreturn void cse_unknown_element(const char *name);

/* eltables.c */
struct cse_eltable {
	char *name;
	char *description;
	size_t nopts;
	struct cse_option *opts;	/* strings are cse-run's own copies */
};

const char *cse_libdir(void);
void cse_set_libdir(const char *dir);	/* for tests: instead of ../lib/cse */
/* Every installed element, sorted by name; read on the first call. */
const struct cse_eltable *cse_eltables(size_t *n);
const struct cse_eltable *cse_eltable(const char *name);	/* NULL: none */
/* The element option --flag of any element (NULL: none). */
const struct cse_option *cse_element_option(const char *flag, const char **element);
const struct cse_option *cse_element_key(const struct cse_eltable *t, const char *key);

/* elf.c */
enum cse_elf_kind {
	CSE_ELF_STATIC,		/* ET_EXEC, no PT_INTERP */
	CSE_ELF_STATIC_PIE,	/* ET_DYN, no PT_INTERP */
	CSE_ELF_DYNAMIC,	/* PT_INTERP present */
};

#define CSE_SHEBANG_DEPTH_MAX 5	/* the kernel runs 5 chained #! scripts, not 6 */

struct cse_target {
	char *path;		/* absolute path handed to the loader */
	char *exec_name;	/* the name execvp(3) would give execve */
	char *elf_path;		/* the ELF that will run (PROGRAM or its interpreter) */
	enum cse_elf_kind kind;
	char *interp;		/* PT_INTERP of elf_path, or NULL */
	bool setid;		/* elf_path carries an effective setuid/setgid bit */
	unsigned int shebang_depth;
};

void cse_resolve_target(const char *prog, struct cse_target *t);
const char *cse_elf_kind_name(enum cse_elf_kind k);

/* boot.c */
struct cse_boot_req {
	const char *program;	/* absolute path of PROGRAM */
	const char *filename;	/* the kernel's name for it (execvp's) */
	const char *comm;	/* what the kernel would make comm */
	int state_fd;
	int instance_fd;	/* -1 when absent */
	bool guest_program;	/* program is looked up inside the fs view */
	bool in_place;		/* the loader starts without execve (userexec.c) */
	const char *loader;	/* in_place: its absolute path */
	uintptr_t launcher_start, launcher_end;	/* in_place: cse-run's image */
};

/* The block at the agreed fd; or, in_place, returned (it stays in
 * cse-run's memory until the loader copies it). */
const void *cse_boot_send(const struct cse_boot_req *req, const struct cse_opts *o);

/* userexec.c */
struct cse_userexec {
	const char *loader;	/* absolute path */
	const void *block;	/* the boot block, in cse-run's memory */
	uintptr_t *sp;		/* the loader's initial stack */
	long argc, prog_index;
	uintptr_t base, entry, phdr, phnum;	/* the loader as mapped */
	uintptr_t image_start, image_end;	/* cse-run's own image */
};

/* Maps the loader into this process when it can start here (x filled
 * in); false: exec it. argv is main's, PROGRAM's at prog_index. */
bool cse_userexec_prepare(const char *loader, int argc, char **argv, int prog_index,
			  bool script, struct cse_userexec *x);
/* Turns cse-run's initial stack into the loader's and enters it. */
_Noreturn void cse_userexec(const struct cse_userexec *x);

/* kmod.c */
struct cse_kmod_version {
	uint32_t api_version;
	uint64_t features;
};

/* -1: no /dev/cse; exits on any other failure. Returns the instance fd. */
int cse_kmod_instance(const char *name, const struct cse_dev_grant *grants, size_t n_grants);

/* devices.c: --device PATH[:r|w|rw] */
void cse_device_grant(struct cse_opts *o, const char *spec);
/* Splits spec into a new PATH and CSE_ACCESS_* bits; NULL, or why not
 * (then *path is NULL). The fuzz target's entry. */
const char *cse_device_spec_parse(const char *spec, char **path, unsigned int *access);
/* 0: filled in; -1: /dev/cse absent; -2: present but the ioctl failed (errno). */
int cse_kmod_version(struct cse_kmod_version *v);

#endif /* CSE_LAUNCHER_H */
