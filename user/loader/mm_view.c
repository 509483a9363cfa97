// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's record of the program, as if it had exec'd the program
 * and not cse-loader: prctl(PR_SET_MM_MAP), which needs no privilege
 * when the exe link is left alone, sets at once
 *
 *  - the saved auxiliary vector that /proc/self/auxv shows: the one the
 *    program finds on its stack (AT_PHDR, AT_ENTRY, AT_BASE...);
 *  - start/end of code and data, from the program's PT_LOADs;
 *  - the brk area: the kernel put the loader's at ELF_ET_DYN_BASE, where a
 *    PIE program now lies, so it is moved after the program's bss, one
 *    page and a random distance up when randomizing, as binfmt_elf does
 *    for a program. A static-pie program keeps the loader's: the kernel
 *    treats both alike.
 *
 * Everything else (stack, argument and environment areas) keeps its
 * current value: binfmt_elf put argc at the stack's start and the
 * argument and environment strings one after the other, each area from
 * its first string to the end of its last, so the initial stack tells
 * them without reading /proc/self/stat (three calls at every start; still
 * read when the stack cannot tell, argc 0). The loader never moved its
 * brk, so brk(0) is its start too. Kernels without
 * CONFIG_CHECKPOINT_RESTORE refuse the call; then /proc/self/auxv names
 * the loader and a PIE program's brk cannot grow (malloc falls back to
 * mmap), nothing worse.
 */
#include <elf.h>
#include <cse/boot.h>
#include "../runtime/runtime.h"
#include "elf_map.h"

#define PAGE			4096ul
#define PR_SET_MM_K		35
#define PR_SET_MM_MAP_K		14
#define BRK_RANDOM_RANGE	(1ul << 30)	/* arch_randomize_brk, 64-bit */
#define ELF_ET_DYN_BASE_K	0x555555554aaaul	/* x86-64: 2/3 of 47 bits */

struct k_prctl_mm_map {		/* struct prctl_mm_map, linux/prctl.h */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t *auxv;
	uint32_t auxv_size;
	uint32_t exe_fd;
};
_Static_assert(sizeof(struct k_prctl_mm_map) == 104, "struct prctl_mm_map is 104 bytes");

/* Fields 1.. of /proc/self/stat into f[1..n-1]; 0 on success. */
static int read_stat(uint64_t *f, int n)
{
	char buf[1024];
	long fd = rt_sys4(__NR_openat, -100, "/proc/self/stat", 02000000, 0);
	long len, i;
	int k = 3;

	if (fd < 0)
		return -1;
	len = rt_sys3(__NR_read, fd, buf, sizeof(buf) - 1);
	rt_sys1(__NR_close, fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	/* comm may hold anything: fields restart after its last ')'. */
	for (i = len - 1; i > 0 && buf[i] != ')'; i--)
		;
	if (i <= 0)
		return -1;
	for (i += 2; i < len && k < n; k++) {
		uint64_t v = 0;

		if (buf[i] == '-')
			i++;
		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			v = v * 10 + (uint64_t)(buf[i++] - '0');
		while (i < len && buf[i] != ' ')
			i++;	/* a state letter */
		i++;
		f[k] = v;
	}
	return k == n ? 0 : -1;
}

int mm_stack_areas(const uintptr_t *sp, struct mm_stack *ms)
{
	long argc = (long)sp[0];
	const char *const *argv = (const char *const *)(sp + 1);
	const char *const *envp = argv + argc + 1;
	long envc = 0;

	if (argc <= 0)
		return -1;
	while (envp[envc])
		envc++;
	ms->start_stack = (uintptr_t)sp;
	ms->arg_start = (uintptr_t)argv[0];
	ms->arg_end = (uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	ms->env_start = envc ? (uintptr_t)envp[0] : ms->arg_end;
	ms->env_end = envc ? (uintptr_t)envp[envc - 1] + strlen(envp[envc - 1]) + 1
			   : ms->env_start;
	return 0;
}

void mm_view_program(uintptr_t phdr, uint64_t *auxv, size_t auxv_bytes,
		     const struct mm_stack *ms)
{
	const struct elf_image *img = elf_image_by_phdr(phdr);
	struct k_prctl_mm_map m;
	uint64_t f[52];
	uintptr_t cur_brk;
	int have_img = img && img->end_code > img->start_code;
	int in_place = !!(boot_block()->flags & CSE_BOOT_IN_PLACE);

	memset(&m, 0, sizeof(m));
	cur_brk = (uintptr_t)rt_sys1(__NR_brk, 0);
	m.brk = cur_brk;
	if (ms && have_img) {
		m.start_stack = ms->start_stack;
		m.start_brk = cur_brk;
		m.arg_start = ms->arg_start;
		m.arg_end = ms->arg_end;
		m.env_start = ms->env_start;
		m.env_end = ms->env_end;
	} else {
		if (read_stat(f, 52))
			return;
		m.start_code = f[26];
		m.end_code = f[27];
		m.start_stack = f[28];
		m.start_data = f[45];
		m.end_data = f[46];
		m.start_brk = f[47];
		m.arg_start = f[48];
		m.arg_end = f[49];
		m.env_start = f[50];
		m.env_end = f[51];
	}
	if (have_img) {
		m.start_code = img->start_code;
		m.end_code = img->end_code;
		m.start_data = img->start_data;
		m.end_data = img->end_data;
		/* Only an unused brk area moves: nothing lives in it yet. */
		if ((img->type == ET_EXEC || img->interp[0]) && cur_brk == m.start_brk) {
			uintptr_t b = (img->end + PAGE - 1) & ~(PAGE - 1);

			if (elf_randomizing())
				b += PAGE + elf_random_pages(BRK_RANDOM_RANGE);
			m.start_brk = m.brk = b;
		} else if (in_place && cur_brk == m.start_brk) {
			/* The brk is cse-run's, after its image: where the
			 * kernel puts a static-pie's instead. */
			uintptr_t b = (ELF_ET_DYN_BASE_K + PAGE - 1) & ~(PAGE - 1);

			if (elf_randomizing())
				b += elf_random_pages(BRK_RANDOM_RANGE);
			m.start_brk = m.brk = b;
		}
	}
	m.auxv = auxv;
	m.auxv_size = (uint32_t)auxv_bytes;
	m.exe_fd = (uint32_t)-1;
	rt_sys6(__NR_prctl, PR_SET_MM_K, PR_SET_MM_MAP_K, &m, sizeof(m), 0, 0);
}
