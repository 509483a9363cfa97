// SPDX-License-Identifier: GPL-2.0
/*
 * Where an ELF image goes, decided as binfmt_elf (Linux 6.x) decides it:
 *
 *  - ET_EXEC: at its link addresses.
 *  - ET_DYN with PT_INTERP (a PIE program): at ELF_ET_DYN_BASE, plus
 *    arch_mmap_rnd() when randomizing, rounded down to the largest
 *    power-of-two p_align of its PT_LOADs (maximum_alignment()).
 *  - ET_DYN without PT_INTERP (static-pie, ld.so, elements): where mmap
 *    would put it, also aligned to that largest p_align.
 *
 * Randomizing means what the kernel's PF_RANDOMIZE means: no
 * ADDR_NO_RANDOMIZE personality (setarch -R) and randomize_va_space
 * not 0. So `setarch -R` gives a PIE program the address it gets
 * natively, 0x555555554000 for a first PT_LOAD at 0, run after run.
 */
#include <elf.h>
#include <cse/state.h>
#include "../runtime/runtime.h"
#include "elf_map.h"

#define PAGE			4096ul
#define K_MAP_PRIVATE		0x02
#define K_MAP_ANON		0x20
#define K_MAP_FIXED_NOREPLACE	0x100000
#define K_ADDR_NO_RANDOMIZE	0x0040000
#define K_GRND_NONBLOCK		1
/* x86-64: two thirds of the 47-bit user window (DEFAULT_MAP_WINDOW / 3 * 2). */
#define ELF_ET_DYN_BASE_K	0x555555554aaaul
#define MMAP_RND_BITS_DEFAULT	28

enum { SYSCTL_VA_SPACE, SYSCTL_RND_BITS };

/*
 * First bytes of a /proc/sys file as a number, or dflt. Read once per
 * instance and kept in the state: every exec of the application needs
 * them, and three syscalls each are a tenth of an exec's own.
 */
static long sysctl_number(int which, const char *path, long dflt)
{
	uint32_t *cache = cse_state ? &cse_state->sysctl_cache[which] : NULL;
	uint32_t c = cache ? __atomic_load_n(cache, __ATOMIC_RELAXED) : 0;
	char buf[32];
	long fd, n, v = 0;

	if (c)
		return (long)c - 1;
	fd = rt_sys4(__NR_openat, -100, path, 02000000 /* O_RDONLY|O_CLOEXEC */, 0);
	if (fd < 0)
		return dflt;
	n = rt_sys3(__NR_read, fd, buf, sizeof(buf) - 1);
	rt_sys1(__NR_close, fd);
	if (n <= 0)
		return dflt;
	for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9' && v < 1 << 20; i++)
		v = v * 10 + (buf[i] - '0');
	if (cache)
		__atomic_store_n(cache, (uint32_t)v + 1, __ATOMIC_RELAXED);
	return v;
}

/*
 * The top of the initial stack, as the kernel placed it for the loader:
 * the exec copies the file name right below top - 8, AT_EXECFN points at
 * that copy. Without randomizing it is STACK_TOP (TASK_SIZE_LOW, 47-bit
 * even with five-level paging); randomizing, the kernel moves it down by
 * a random number of pages, one of 2^22 possibly none.
 */
#define STACK_TOP_K		0x7ffffffff000ul
static uintptr_t stack_top;

void elf_note_stack(const uintptr_t *sp)
{
	const uintptr_t *p = sp + 1 + sp[0] + 1;

	while (*p++)
		;	/* envp */
	for (; p[0] != AT_NULL; p += 2)
		if (p[0] == AT_EXECFN && p[1])
			stack_top = p[1] + strlen((const char *)p[1]) + 1 + sizeof(void *);
}

/*
 * Asked once per loader run: the program's and its brk's placement. The
 * loader's own exec decided the same (one process, one personality): a
 * stack top moved from STACK_TOP says so without the calls below.
 */
int elf_randomizing(void)
{
	static int known = -1;
	long pers;

	if (known >= 0)
		return known;
	if (stack_top && stack_top != STACK_TOP_K)
		return known = 1;
	pers = rt_sys1(__NR_personality, 0xffffffff);
	if (pers >= 0 && (pers & K_ADDR_NO_RANDOMIZE))
		known = 0;
	else
		known = sysctl_number(SYSCTL_VA_SPACE, "/proc/sys/kernel/randomize_va_space", 2) != 0;
	return known;
}

/* Two per start (the program's base, its brk): one getrandom for both. */
uintptr_t elf_random_pages(uintptr_t limit)
{
	static uint64_t pool[2];
	static int left;
	uint64_t v;

	if (!left) {
		if (rt_sys3(__NR_getrandom, pool, sizeof(pool), K_GRND_NONBLOCK) != sizeof(pool))
			return 0;
		left = 2;
	}
	v = pool[--left];
	pool[left] = 0;
	return (uintptr_t)(v % (limit / PAGE)) * PAGE;
}

uintptr_t elf_max_align(const Elf64_Ehdr *eh, const Elf64_Phdr *ph)
{
	uintptr_t align = PAGE;

	for (int i = 0; i < eh->e_phnum; i++) {
		uint64_t a = ph[i].p_align;

		/* Not a power of two: the kernel ignores it as invalid. */
		if (ph[i].p_type != PT_LOAD || !a || (a & (a - 1)))
			continue;
		if (a > align)
			align = (uintptr_t)a;
	}
	return align;
}

/* len bytes (PROT_NONE) at an align-aligned address mmap chooses. */
static long reserve_anywhere(size_t len, uintptr_t align)
{
	uintptr_t start;
	long r;

	if (align <= PAGE)
		return rt_sys6(__NR_mmap, 0, len, 0, K_MAP_PRIVATE | K_MAP_ANON, -1, 0);
	r = rt_sys6(__NR_mmap, 0, len + align, 0, K_MAP_PRIVATE | K_MAP_ANON, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	start = ((uintptr_t)r + align - 1) & ~(align - 1);
	if (start > (uintptr_t)r)
		rt_sys2(__NR_munmap, r, start - (uintptr_t)r);
	if ((uintptr_t)r + len + align > start + len)
		rt_sys2(__NR_munmap, start + len, (uintptr_t)r + len + align - (start + len));
	return (long)start;
}

long elf_reserve(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, int has_interp,
		 uintptr_t lo, uintptr_t hi, uintptr_t first_vaddr)
{
	uintptr_t align = elf_max_align(eh, ph), base, bias;
	long r;

	if (eh->e_type != ET_DYN)
		return rt_sys6(__NR_mmap, lo, hi - lo, 0,
			       K_MAP_PRIVATE | K_MAP_ANON | K_MAP_FIXED_NOREPLACE, -1, 0);
	if (has_interp) {
		base = ELF_ET_DYN_BASE_K;
		if (elf_randomizing()) {
			long bits = sysctl_number(SYSCTL_RND_BITS, "/proc/sys/vm/mmap_rnd_bits",
						  MMAP_RND_BITS_DEFAULT);

			if (bits < 8 || bits > 32)
				bits = MMAP_RND_BITS_DEFAULT;
			base += elf_random_pages(PAGE << bits);
		}
		base &= ~(align - 1);
		bias = (base - first_vaddr) & ~(PAGE - 1);
		r = rt_sys6(__NR_mmap, bias + lo, hi - lo, 0,
			    K_MAP_PRIVATE | K_MAP_ANON | K_MAP_FIXED_NOREPLACE, -1, 0);
		if (!IS_ERR_RET(r))
			return r;
		/* Taken (by a nested loader's own image?): anywhere, still aligned. */
	}
	return reserve_anywhere(hi - lo, align);
}
