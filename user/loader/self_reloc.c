// SPDX-License-Identifier: GPL-2.0
/*
 * cse-loader is a static-pie without libc, so nobody applies its own
 * relative relocations: this runs first, before any pointer stored in
 * data is used, and touches only what is reachable RIP-relatively.
 */
#include <elf.h>
#include <stdint.h>
#include "../runtime/runtime.h"
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

#define K_MADV_POPULATE_READ	22
#define K_MADV_POPULATE_WRITE	23
#define PAGE_DOWN(a)		((uintptr_t)(a) & ~4095ul)
#define PAGE_UP(a)		(((uintptr_t)(a) + 4095) & ~4095ul)

extern char __bss_start[] __attribute__((visibility("hidden")));
extern uint8_t cse_plain_nr[] __attribute__((visibility("hidden")));

/* Inline: cse_rt_syscall's own text page is not mapped yet. */
static void madvise_now(uintptr_t start, uintptr_t end, long advice)
{
	long r;

	if (end <= start)
		return;
	__asm__ volatile("syscall" : "=a"(r)
			 : "0"((long)__NR_madvise), "D"(start), "S"(end - start), "d"(advice)
			 : "rcx", "r11", "memory");
	(void)r;
}

/*
 * Every start reads the headers, much of the text and some rodata, and
 * writes its stack, the first data pages and the small .bss (with the
 * boot block's page): map them with one call each rather than a page
 * fault each (here a fault costs about twice what a page populated in
 * bulk does). Best effort: before Linux 5.14 the calls fail and the
 * pages fault in.
 */
void loader_prefault(const uintptr_t *sp)
{
	uintptr_t base = (uintptr_t)&__ehdr_start;
	uintptr_t rw = PAGE_DOWN(_DYNAMIC);
	uintptr_t bss = PAGE_DOWN(__bss_start), bss_end = PAGE_UP(&cse_cfg + 1);
	uintptr_t stack = PAGE_DOWN(sp);

	madvise_now(base, rw, K_MADV_POPULATE_READ);
	/* The loader's deepest calls (map_file, patch_learned) reach three
	 * pages below the kernel's initial stack page; the program reuses
	 * them. The kernel's stack vma reaches far lower. */
	madvise_now(stack - 3 * 4096, stack, K_MADV_POPULATE_WRITE);
	/* .data.rel.ro and .data up to the hot page with plain_nr's head */
	madvise_now(rw, PAGE_UP(cse_plain_nr + 512), K_MADV_POPULATE_WRITE);
	/* .bss, the boot block's page among it (boot.c) */
	madvise_now(bss, bss_end, K_MADV_POPULATE_WRITE);
}
