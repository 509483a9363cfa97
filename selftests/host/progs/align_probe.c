// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * align_probe: built with -Wl,-z,max-page-size=ALIGN (2 MiB, 64 KiB) as a
 * PIE and a static-pie; prints whether the kernel-chosen (or loader-
 * chosen) load address honours the largest PT_LOAD p_align, as
 * binfmt_elf does for position-independent programs, and that the
 * program still works (a malloc'd block, a relocated pointer).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char __ehdr_start[];
static const char *relocated = "relocated pointer ok";

int main(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(__ehdr_start + eh->e_phoff);
	unsigned long align = 4096, base = (unsigned long)__ehdr_start;
	char *m = malloc(64);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_align > align)
			align = ph[i].p_align;
	printf("largest p_align %#lx, load address aligned to it: %s\n", align,
	       base & (align - 1) ? "no" : "yes");
	strcpy(m, relocated);
	printf("%s\n", m);
	free(m);
	return 0;
}
