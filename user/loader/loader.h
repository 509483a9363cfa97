/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interface of cse-loader. */
#ifndef CSE_LOADER_H
#define CSE_LOADER_H

#include <stdint.h>
#include "../runtime/runtime.h"

void self_relocate(void);
void loader_prefault(const uintptr_t *sp);
uintptr_t loader_base(void);

/* elements.c: map, relocate and set up one -e NAME[=ARGS] */
void element_load(const char *dir, const char *spec);

/* What replaces ARGV0 in the program's argv: ARGV0 itself, or for a
 * "#!" script "interp [arg] script" (repeated for each level). */
struct script_argv {
	const char *words[1 + 2 * SHEBANG_DEPTH_MAX];
	int nwords;
};

/* script.c: the ELF file that really runs PROGRAM; exits like a shell
 * when an interpreter cannot run. */
const char *script_resolve(const char *program, struct script_argv *sa);
/* The fd of the file script_resolve returned as path, its first *len
 * bytes at *head and its stat: once, else -1 (then open it). */
long script_take_fd(const char *path, const char **head, long *len, struct kstat_k *st);
/* The files the boot block hands over; those not taken, closed. */
void script_handed(const struct cse_boot_file *files, int n);
void script_handed_close(void);

/* stack.c: turn the loader's initial stack into the program's */
uintptr_t stack_prepare(uintptr_t *sp, int argv0_index,
			const struct script_argv *sa, const char *execfn,
			uintptr_t phdr, uintptr_t phnum, uintptr_t entry,
			uintptr_t interp_base);

/* guestprog.c: PROGRAM looked up inside the path stage's view (exits
 * like a shell when it is not there); its guest name in *filename. */
const char *guest_program(const char *prog, char **envp, const char **filename);

/* exe.c: make /proc/self/exe name the program where permitted */
const char *exe_switch(const char *program);

#endif
