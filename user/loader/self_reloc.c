// SPDX-License-Identifier: GPL-2.0
/*
 * cse-loader is a static-pie without libc, so nobody applies its own
 * relative relocations: this runs first, before any pointer stored in
 * data is used, and touches only what is reachable RIP-relatively.
 */
#include <elf.h>
#include <stdint.h>
#include "loader.h"

extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));

uintptr_t loader_base(void)
{
	return (uintptr_t)&__ehdr_start;
}

void self_relocate(void)
{
	uintptr_t base = (uintptr_t)&__ehdr_start;
	Elf64_Rela *rela = 0;
	uint64_t relasz = 0;

	for (Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RELA)
			rela = (Elf64_Rela *)(base + d->d_un.d_ptr);
		else if (d->d_tag == DT_RELASZ)
			relasz = d->d_un.d_val;
	}
	for (uint64_t i = 0; rela && i < relasz / sizeof(*rela); i++) {
		if (ELF64_R_TYPE(rela[i].r_info) == R_X86_64_RELATIVE)
			*(uint64_t *)(base + rela[i].r_offset) =
				base + (uint64_t)rela[i].r_addend;
	}
}
