// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/self/exe should name the program, not cse-loader.
 * PR_SET_MM_EXE_FILE does that, but needs CAP_SYS_RESOURCE and the old
 * executable no longer mapped. The loader is still mapped (it is the
 * runtime), so first its file-backed segments are replaced in place by
 * anonymous copies with identical bytes (mremap of a fresh copy over the
 * original), then the exe link is switched. Without the capability the
 * link keeps naming the loader; AT_EXECFN names the program regardless.
 */
#include <elf.h>
#include "../runtime/runtime.h"
#include "loader.h"

#define PR_SET_MM_K		35
#define PR_SET_MM_EXE_FILE_K	13
#define MREMAP_MAYMOVE_K	1
#define MREMAP_FIXED_K		2
#define CAP_SYS_RESOURCE_K	24

/* Replace [start, start+len) by an anonymous copy; prot restored after. */
static int detach_range(uintptr_t start, size_t len, int prot)
{
	long tmp = rt_sys6(__NR_mmap, 0, len, 3, 0x22, -1, 0);
	long r;

	if (IS_ERR_RET(tmp))
		return (int)tmp;
	memcpy((void *)tmp, (void *)start, len);
	rt_sys3(__NR_mprotect, tmp, len, prot);
	/* Code keeps running across this: the bytes at start are identical. */
	r = rt_sys6(__NR_mremap, tmp, len, len, MREMAP_MAYMOVE_K | MREMAP_FIXED_K,
		    start, 0);
	return IS_ERR_RET(r) ? (int)r : 0;
}

/*
 * Whether CAP_SYS_RESOURCE is in the effective set: without it the prctl
 * fails with EPERM, and asking capget first spares every start the open
 * of the program and the refused prctl.
 */
static int may_set_exe(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	struct { uint32_t effective, permitted, inheritable; } data[2];

	if (rt_sys2(__NR_capget, &hdr, data) != 0)
		return 1;	/* cannot tell: let the prctl decide */
	return (data[CAP_SYS_RESOURCE_K / 32].effective >> (CAP_SYS_RESOURCE_K % 32)) & 1;
}

const char *exe_switch(const char *program)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)loader_base();
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(loader_base() + eh->e_phoff);
	long fd, r;

	if (!may_set_exe())
		return "no CAP_SYS_RESOURCE";
	fd = rt_sys4(__NR_openat, -100, program, 02000000 /* O_RDONLY|O_CLOEXEC */, 0);
	if (fd < 0)
		return "cannot open the program";
	r = rt_sys6(__NR_prctl, PR_SET_MM_K, PR_SET_MM_EXE_FILE_K, fd, 0, 0, 0);
	if (r == -16 /* EBUSY: the loader is still mapped */) {
		for (int i = 0; i < eh->e_phnum; i++) {
			uintptr_t s, e;
			int prot;

			if (ph[i].p_type != PT_LOAD)
				continue;
			s = (loader_base() + ph[i].p_vaddr) & ~4095ul;
			e = (loader_base() + ph[i].p_vaddr + ph[i].p_filesz + 4095) & ~4095ul;
			prot = ((ph[i].p_flags & PF_R) ? 1 : 0) |
			       ((ph[i].p_flags & PF_W) ? 2 : 0) |
			       ((ph[i].p_flags & PF_X) ? 4 : 0);
			if (e > s && detach_range(s, e - s, prot | 1))
				break;
		}
		r = rt_sys6(__NR_prctl, PR_SET_MM_K, PR_SET_MM_EXE_FILE_K, fd, 0, 0, 0);
	}
	rt_sys1(__NR_close, fd);
	if (r == -1 || r == -13)
		return "no CAP_SYS_RESOURCE";
	return r ? "prctl(PR_SET_MM_EXE_FILE) failed" : NULL;
}
