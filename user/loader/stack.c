// SPDX-License-Identifier: GPL-2.0
/*
 * The program's initial stack is the loader's own, minus the loader's
 * arguments: argc/argv are re-based so argv[0] is ARGV0 (or, for a script,
 * the interpreter's words that replace it), the environment
 * and the strings stay where the kernel put them, and the auxiliary
 * vector is edited to describe the program (AT_PHDR, AT_PHNUM, AT_ENTRY,
 * AT_BASE of its interpreter, AT_EXECFN) as if the kernel had run it;
 * the kernel's copy, shown in /proc/self/auxv, is set to match (mm_view.c).
 */
#include <elf.h>
#include "../runtime/runtime.h"
#include "loader.h"
#include "elf_map.h"

uintptr_t stack_prepare(uintptr_t *sp, int argv0_index,
			const struct script_argv *sa, const char *execfn,
			uintptr_t phdr, uintptr_t phnum, uintptr_t entry,
			uintptr_t interp_base)
{
	long argc = (long)sp[0];
	uintptr_t *rest = sp + 2 + argv0_index;	/* the arguments after ARGV0 */
	/*
	 * argc and the words replacing ARGV0 go right below rest. With more
	 * than one word ("#!" scripts) that may be below sp: _start left
	 * STACK_SLACK bytes free there.
	 */
	uintptr_t *nsp = rest - 1 - sa->nwords;
	uintptr_t *p = sp + 1 + argc + 1;	/* envp */
	size_t words;
	Elf64_auxv_t *av, *auxv;
	struct mm_stack ms;
	int have_ms = mm_stack_areas(sp, &ms) == 0;	/* before sp[] changes */

	if ((char *)sp - (char *)nsp > STACK_SLACK - 8)
		rt_die("too many '#!' arguments for the initial stack");
	for (int i = 0; i < sa->nwords; i++)
		nsp[1 + i] = (uintptr_t)sa->words[i];

	while (*p)
		p++;
	p++;				/* auxv */
	while (((Elf64_auxv_t *)p)->a_type != AT_NULL)
		p += 2;
	p += 2;
	nsp[0] = (uintptr_t)(argc - argv0_index - 1 + sa->nwords);
	words = (size_t)(p - nsp);
	if ((uintptr_t)nsp & 15) {
		/* The ABI wants rsp 16-aligned at entry: slide the block down. */
		memmove(nsp - 1, nsp, words * sizeof(uintptr_t));
		nsp--;
	}
	p = nsp + 1 + nsp[0] + 1;
	while (*p)
		p++;
	for (av = auxv = (Elf64_auxv_t *)(p + 1); av->a_type != AT_NULL; av++) {
		switch (av->a_type) {
		case AT_PHDR: av->a_un.a_val = phdr; break;
		case AT_PHNUM: av->a_un.a_val = phnum; break;
		case AT_PHENT: av->a_un.a_val = sizeof(Elf64_Phdr); break;
		case AT_ENTRY: av->a_un.a_val = entry; break;
		case AT_BASE: av->a_un.a_val = interp_base; break;
		case AT_EXECFN: av->a_un.a_val = (uintptr_t)fdexec_finish(cse_cfg.program, execfn); break;
		default: break;
		}
	}
	/* /proc/self/auxv shows this vector too, and the program's brk. */
	mm_view_program(phdr, (uint64_t *)auxv, (size_t)((char *)(av + 1) - (char *)auxv),
			have_ms ? &ms : NULL);
	return (uintptr_t)nsp;
}
