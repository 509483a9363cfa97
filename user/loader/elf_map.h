/* SPDX-License-Identifier: GPL-2.0 */
/* Mapping ELF images (programs, interpreters, elements) into memory. */
#ifndef CSE_ELF_MAP_H
#define CSE_ELF_MAP_H

#include <stdint.h>
#include <stddef.h>
#include <elf.h>

struct elf_image {
	uintptr_t bias;		/* load address minus link address */
	uintptr_t entry;
	uintptr_t phdr;		/* address of the program headers in memory */
	size_t phnum;
	uintptr_t dynamic;	/* PT_DYNAMIC in memory, 0 if none */
	uintptr_t end;		/* end of the highest segment */
	/* mm's view of it, as binfmt_elf computes it */
	uintptr_t start_code, end_code, start_data, end_data;
	int type;		/* ET_EXEC or ET_DYN */
	uintptr_t text_lo, text_hi;	/* its first r-x segment as mapped, or 0 */
	uint64_t ident[LEARN_IDENT];	/* the file's identity (rewrite_learn.c) */
	/* PT_INTERP, "" if none: the host path the path stage gives for
	 * the application's name, which the loader opens (ELF_INTERP_MAX
	 * bytes at most, kept for the process's life) */
	const char *interp;
};
#define ELF_INTERP_MAX	4096

/* Returns 0, or -errno with *why set to a short reason. */
int elf_map_file(const char *path, struct elf_image *img, const char **why);
/* The same, kept in the table of mapped images (no copy on the caller's
 * stack); NULL with *err = -errno and *why on failure. */
const struct elf_image *elf_map_kept(const char *path, int *err, const char **why);

/* The image mapped with its program headers at phdr, NULL if none. */
const struct elf_image *elf_image_by_phdr(uintptr_t phdr);

/* elf_place.c: where ET_DYN images go, as binfmt_elf decides */
int elf_randomizing(void);
void elf_note_stack(const uintptr_t *sp);	/* the loader's initial stack */
uintptr_t elf_random_pages(uintptr_t limit);
uintptr_t elf_max_align(const Elf64_Ehdr *eh, const Elf64_Phdr *ph);
long elf_reserve(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, int has_interp,
		 uintptr_t lo, uintptr_t hi, uintptr_t first_vaddr);

/* mm_view.c: tell the kernel about the program whose headers are at
 * phdr: its auxv (for /proc/self/auxv), code/data extents and brk.
 * mm_stack_areas() reads the stack and string areas off the initial
 * stack sp, before anything on it changes. */
struct mm_stack {
	uint64_t start_stack, arg_start, arg_end, env_start, env_end;
};
int mm_stack_areas(const uintptr_t *sp, struct mm_stack *ms);
void mm_view_program(uintptr_t phdr, uint64_t *auxv, size_t auxv_bytes,
		     const struct mm_stack *ms);

/* fdexec.c: close the fd a fexecve'd program came from; its AT_EXECFN. */
const char *fdexec_finish(const char *program, const char *execfn);

/* Relocate a mapped element and find its exported symbol. */
int elf_relocate_element(const struct elf_image *img, const char *symbol,
			 void **sym, const char **why, const char **undef);

#endif
