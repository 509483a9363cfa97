/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interface of cse-loader. */
#ifndef CSE_LOADER_H
#define CSE_LOADER_H

#include <stdint.h>

void self_relocate(void);
uintptr_t loader_base(void);

/* elements.c: map, relocate and set up one -e NAME[=ARGS] */
void element_load(const char *dir, const char *spec);

/* stack.c: turn the loader's initial stack into the program's */
uintptr_t stack_prepare(uintptr_t *sp, int argv0_index, const char *execfn,
			uintptr_t phdr, uintptr_t phnum, uintptr_t entry,
			uintptr_t interp_base);

/* exe.c: make /proc/self/exe name the program where permitted */
const char *exe_switch(const char *program);

#endif
