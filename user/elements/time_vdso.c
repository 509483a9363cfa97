// SPDX-License-Identifier: GPL-2.0
/*
 * time element, part 2: the vDSO's clock reads, at vDSO speed.
 *
 * Programs read the clocks through the kernel's vDSO without a system
 * call. Every consumer (glibc, static glibc, musl, Go) finds the vDSO's
 * functions by name in its dynamic symbol table, as base + st_value. So
 * time_vdso_patch() leaves the vDSO's code alone and rewrites the st_value
 * of clock_gettime, gettimeofday and time (and their __vdso_ aliases) to
 * point at the replacements below, which call the original vDSO function
 * and apply the element's model: no system call, no lock, a few dozen
 * bytes of stack (Go calls the vDSO on small system stacks). The table is
 * patched before the program's own code runs; fork children inherit the
 * private copy, and exec maps a fresh vDSO, for which setup() runs again.
 * clock_getres is left alone: resolutions do not change.
 *
 * When the clock source cannot be read in user space the vDSO itself
 * falls back to a system call; that call traps into time.c's handler,
 * which passes calls from the vDSO's text through (time_vdso_site()) so
 * the model is applied once, here.
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

/* The original entry points and the vDSO's text, for this process. */
static long (*orig_clock_gettime)(long clk, struct kts *t);
static long (*orig_gettimeofday)(long *tv, void *tz);
static uintptr_t text_lo, text_hi;

int time_vdso_site(uintptr_t site)
{
	return site > text_lo && site <= text_hi;
}

static long vdso_clock_gettime(long clk, struct kts *t)
{
	long r = orig_clock_gettime(clk, t);

	if (r == 0 && clock_class(clk) != C_REAL)
		*t = ns_ts(to_virt(clk, ts_ns(t)));
	return r;
}

static long vdso_gettimeofday(long *tv, void *tz)
{
	long r = orig_gettimeofday(tv, tz);

	if (r == 0 && tv)
		virt_timeval(tv);
	return r;
}

/* As the system call path (do_time): the precise clock, then the model. */
static long vdso_time(long *tloc)
{
	struct kts t;
	long s;

	if (orig_clock_gettime(CLK_REALTIME, &t))
		return -1;
	s = ns_ts(to_virt(CLK_REALTIME, ts_ns(&t))).sec;
	if (tloc)
		*tloc = s;
	return s;
}

/*
 * Write a new st_value through /proc/self/mem: Linux 6.18 refuses
 * mprotect() on the vDSO, while a forced write makes a private copy of
 * the page, as a debugger's breakpoint does.
 */
static int set_value(long mem, const struct elf64_sym *sym, uint64_t value)
{
	long r = sys(__NR_pwrite64, mem, (long)&value, sizeof(value), (long)&sym->value);

	return r == (long)sizeof(value) ? 0 : r < 0 ? (int)r : -5;
}

int time_vdso_patch(const struct cse_services *s)
{
	static const char *const names[] = {
		"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
	};
	const uintptr_t repl[] = {
		(uintptr_t)vdso_clock_gettime, (uintptr_t)vdso_gettimeofday, (uintptr_t)vdso_time,
	};
	uint64_t orig[3] = { 0, 0, 0 };
	const struct elf64_sym *sym = 0;
	uint64_t nsym = 0;
	uintptr_t base, bias = 0;
	const struct elf64_ehdr *eh;
	const struct elf64_shdr *sh;
	const struct elf64_phdr *ph;
	const char *str = 0;
	int done = 0;
	long mem;

	svc = s;
	base = vdso_base();
	if (!base)
		return 0;	/* no vDSO (vdso=0): every read is a system call */
	eh = (const void *)base;
	ph = (const void *)(base + eh->phoff);
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_LOAD_) {
			bias = base - ph[i].vaddr;
			text_lo = bias + ph[i].vaddr;
			text_hi = text_lo + ph[i].memsz;
			break;
		}
	sh = (const void *)(base + eh->shoff);
	for (int i = 0; i < eh->shnum; i++)
		if (sh[i].type == SHT_DYNSYM_ && sh[i].link < eh->shnum) {
			sym = (const void *)(base + sh[i].offset);
			nsym = sh[i].size / sizeof(*sym);
			str = (const char *)(base + sh[sh[i].link].offset);
			break;
		}
	for (uint64_t k = 0; k < nsym; k++)
		for (int f = 0; f < 3; f++)
			if ((sym[k].info & 0xf) == STT_FUNC_ && !cse_strcmp(str + sym[k].name, names[f]))
				orig[f] = sym[k].value;
	if (!orig[0])
		return 0;	/* no clock_gettime: the reads are system calls */
	orig_clock_gettime = (void *)(bias + orig[0]);
	orig_gettimeofday = orig[1] ? (void *)(bias + orig[1]) : 0;
	mem = sys(__NR_openat, -100, (long)"/proc/self/mem", 02 | 02000000 /* O_RDWR|O_CLOEXEC */, 0);
	if (mem < 0)
		return (int)mem;
	/* Every name at one of these addresses (clock_gettime, ...) is an alias. */
	for (uint64_t k = 0; k < nsym; k++)
		for (int f = 0; f < 3; f++) {
			int r;

			if (!orig[f] || (sym[k].info & 0xf) != STT_FUNC_ || sym[k].value != orig[f])
				continue;
			r = set_value(mem, &sym[k], repl[f] - bias);	/* wraps as the consumers' sum does */
			if (r < 0) {
				sys(__NR_close, mem, 0, 0, 0);
				return r;
			}
			done++;
		}
	sys(__NR_close, mem, 0, 0, 0);
	return done;
}
