// SPDX-License-Identifier: GPL-2.0
/*
 * time element, part 2: making the vDSO's clock reads visible.
 *
 * Programs read the clocks through the kernel's vDSO without a system
 * call, so nothing would trap. time_vdso_patch() finds the vDSO of this
 * process (AT_SYSINFO_EHDR in /proc/self/auxv), looks up the entry points
 * of clock_gettime, gettimeofday and time in its dynamic symbol table and
 * overwrites each with a real system call, which traps into the runtime
 * and reaches time.c's handler. The page is copied on write, so only this
 * process sees the change; fork children inherit it, and exec maps a fresh
 * vDSO, for which setup() runs again. clock_getres is left alone:
 * resolutions do not change.
 */
#include <asm/unistd.h>
#include <cse/element.h>
#include "time.h"

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr { uint32_t type, flags; uint64_t offset, vaddr, paddr, filesz, memsz, align; };
struct elf64_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};
struct elf64_sym { uint32_t name; unsigned char info, other; uint16_t shndx; uint64_t value, size; };

#define AT_SYSINFO_EHDR_ 33
#define SHT_DYNSYM_	11
#define PT_LOAD_	1
#define STT_FUNC_	2

static uintptr_t vdso_base(void)
{
	uint64_t av[2 * 64];
	long fd = sys(__NR_openat, -100, (long)"/proc/self/auxv", 02000000, 0), n;

	if (fd < 0)
		return 0;
	n = sys(__NR_read, fd, (long)av, sizeof(av), 0);
	sys(__NR_close, fd, 0, 0, 0);
	for (long i = 0; n > 0 && i + 1 < n / 8; i += 2)
		if (av[i] == AT_SYSINFO_EHDR_)
			return (uintptr_t)av[i + 1];
	return 0;
}

/*
 * Overwrite the vDSO function at addr with a real system call:
 *
 *   b8 NN NN NN NN     mov  $nr, %eax
 *   0f 05              syscall          (traps: not in the runtime's text)
 *   c3                 ret
 *
 * The C arguments of these functions are already in %rdi/%rsi, where the
 * kernel wants them; %rcx and %r11, clobbered by syscall, are caller-saved.
 * The write goes through /proc/self/mem: Linux 6.18 refuses mprotect() on
 * the vDSO, while a forced write makes a private copy of the page, as a
 * debugger's breakpoint does.
 */
static int patch_entry(long mem, uintptr_t addr, long nr)
{
	const unsigned char code[8] = {
		0xb8, (unsigned char)nr, (unsigned char)(nr >> 8), 0, 0, 0x0f, 0x05, 0xc3,
	};
	long r = sys(__NR_pwrite64, mem, (long)code, sizeof(code), (long)addr);

	return r == (long)sizeof(code) ? 0 : r < 0 ? (int)r : -5;
}

int time_vdso_patch(const struct cse_services *s)
{
	static const struct { const char *name; long nr; } fns[] = {
		{ "__vdso_clock_gettime", __NR_clock_gettime },
		{ "__vdso_gettimeofday", __NR_gettimeofday },
		{ "__vdso_time", __NR_time },
	};
	uintptr_t base, bias = 0;
	long mem;
	const struct elf64_ehdr *eh;
	const struct elf64_shdr *sh;
	const struct elf64_phdr *ph;
	int done = 0;

	svc = s;
	base = vdso_base();
	if (!base)
		return 0;	/* no vDSO (vdso=0): every read is a system call */
	eh = (const void *)base;
	ph = (const void *)(base + eh->phoff);
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_LOAD_) {
			bias = base - ph[i].vaddr;
			break;
		}
	mem = sys(__NR_openat, -100, (long)"/proc/self/mem", 02 | 02000000 /* O_RDWR|O_CLOEXEC */, 0);
	if (mem < 0)
		return (int)mem;
	sh = (const void *)(base + eh->shoff);
	for (int i = 0; i < eh->shnum; i++) {
		const struct elf64_sym *sym = (const void *)(base + sh[i].offset);
		const char *str;

		if (sh[i].type != SHT_DYNSYM_ || sh[i].link >= eh->shnum)
			continue;
		str = (const char *)(base + sh[sh[i].link].offset);
		for (uint64_t k = 0; k < sh[i].size / sizeof(*sym); k++) {
			for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
				int r;

				if ((sym[k].info & 0xf) != STT_FUNC_ || sym[k].size < 8 ||
				    cse_strcmp(str + sym[k].name, fns[f].name))
					continue;
				/* The plain aliases (clock_gettime, ...) share these addresses. */
				r = patch_entry(mem, bias + sym[k].value, fns[f].nr);
				if (r < 0) {
					sys(__NR_close, mem, 0, 0, 0);
					return r;
				}
				done++;
			}
		}
	}
	sys(__NR_close, mem, 0, 0, 0);
	return done;
}
