/* SPDX-License-Identifier: GPL-2.0 */
/* Mapping ELF images (programs, interpreters, elements) into memory. */
#ifndef CSE_ELF_MAP_H
#define CSE_ELF_MAP_H

#include <stdint.h>
#include <stddef.h>

struct elf_image {
	uintptr_t bias;		/* load address minus link address */
	uintptr_t entry;
	uintptr_t phdr;		/* address of the program headers in memory */
	size_t phnum;
	uintptr_t dynamic;	/* PT_DYNAMIC in memory, 0 if none */
	uintptr_t end;		/* end of the highest segment */
	int type;		/* ET_EXEC or ET_DYN */
	char interp[256];	/* PT_INTERP, "" if none */
};

/* Returns 0, or -errno with *why set to a short reason. */
int elf_map_file(const char *path, struct elf_image *img, const char **why);

/* Relocate a mapped element and find its exported symbol. */
int elf_relocate_element(const struct elf_image *img, const char *symbol,
			 void **sym, const char **why, const char **undef);

#endif
