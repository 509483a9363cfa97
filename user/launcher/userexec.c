// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-run starts cse-loader without a second execve: a kernel exec costs
 * a new address space (about 0.35 ms of CPU on a paravirtualised host,
 * most of a cold start's overhead), and the one the kernel made for
 * cse-run serves as well. cse-run maps the loader here as binfmt_elf
 * maps an ET_DYN without PT_INTERP (where mmap puts it, file mappings
 * shared with the page cache, the holes between segments unmapped, .bss
 * anonymous), turns its own initial stack into the loader's and jumps to
 * the loader's entry. The loader then removes cse-run's image (the boot
 * block names it, CSE_BOOT_IN_PLACE) before it maps the program.
 *
 * The initial stack: cse-run's argv ends with the program's, so the
 * program's argv strings already lie where the kernel put them, the
 * environment and its strings too; argc moves up to just below the
 * program's argv[0] (cse-run's own arguments before it are zeroed), and
 * the auxiliary vector describes the loader as the executable (AT_PHDR,
 * AT_PHNUM, AT_ENTRY, AT_BASE 0), with 16 fresh bytes at AT_RANDOM.
 * AT_EXECFN keeps naming the kernel's copy of cse-run's name at the
 * stack's top (the loader reads the top off it); the loader's path is in
 * the boot block. The boot block stays in cse-run's memory: its address
 * and CSE_BOOT_MAGIC in the two words below the loader's initial stack
 * (zeros after a kernel's exec) tell the loader, which copies it before
 * cse-run's image goes.
 *
 * What an exec resets and musl set up is reset just before the jump:
 * %fs (musl's thread pointer), the clear-tid address (in cse-run's .bss,
 * where a non-PIE program may put its data), the vector registers. musl
 * installs no signal handler, alternate stack, robust list or rseq, and
 * cse-run leaves nothing open but the application's fds. A glibc build
 * (no musl-gcc) would have to undo its rseq and robust list: it keeps
 * the kernel's exec, as do '#!' scripts (argv[0] is a name cse-run
 * made) and a cse-run run under another runtime (nested cse: the
 * enclosing runtime must see the loader's exec).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cse/boot.h>

#include "launcher.h"

#define PAGE		4096ul
#define PG_DOWN(a)	((uintptr_t)(a) & ~(PAGE - 1))
#define PG_UP(a)	(((uintptr_t)(a) + PAGE - 1) & ~(PAGE - 1))
#define K_ARCH_SET_FS	0x1002
#define K_ARCH_GET_GS	0x1004
#define K_GRND_INSECURE	0x4

/* The linker's bounds of cse-run's image (GNU ld and lld define both). */
extern char __executable_start[], _end[];

static int prot_of(uint32_t f)
{
	return ((f & PF_R) ? PROT_READ : 0) | ((f & PF_W) ? PROT_WRITE : 0) |
	       ((f & PF_X) ? PROT_EXEC : 0);
}

static int map_segment(int fd, uintptr_t base, const Elf64_Phdr *p)
{
	uintptr_t start = PG_DOWN(base + p->p_vaddr);
	uintptr_t fend = base + p->p_vaddr + p->p_filesz;
	uintptr_t mend = PG_UP(base + p->p_vaddr + p->p_memsz);
	uintptr_t anon = p->p_filesz ? PG_UP(fend) : start;
	int prot = prot_of(p->p_flags);

	if (p->p_filesz &&
	    mmap((void *)start, PG_UP(fend) - start, prot, MAP_PRIVATE | MAP_FIXED, fd,
		 (off_t)PG_DOWN(p->p_offset)) == MAP_FAILED)
		return -errno;
	/* The file's bytes after the segment's end, in its last page: zeros
	 * (.bss starts there), as binfmt_elf's padzero writes them. */
	if (p->p_filesz && p->p_memsz > p->p_filesz && (fend & (PAGE - 1))) {
		if (!(prot & PROT_WRITE))
			return -ENOEXEC;
		memset((void *)fend, 0, PG_UP(fend) - fend);
	}
	if (mend > anon && mmap((void *)anon, mend - anon, prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/* The loader's PT_LOADs from fd; 0, or -errno with nothing left mapped. */
static int map_loader(int fd, struct cse_userexec *x)
{
	union {
		Elf64_Ehdr eh;
		char b[1024];	/* the loader's headers take some 600 bytes */
	} h;
	const Elf64_Phdr *ph;
	uintptr_t lo = UINTPTR_MAX, hi = 0, at;
	ssize_t n = pread(fd, h.b, sizeof(h), 0);
	void *m;
	int r = 0;

	if (n < (ssize_t)sizeof(h.eh) || memcmp(h.eh.e_ident, ELFMAG, SELFMAG) ||
	    h.eh.e_ident[EI_CLASS] != ELFCLASS64 || h.eh.e_type != ET_DYN ||
	    h.eh.e_machine != EM_X86_64 || h.eh.e_phentsize != sizeof(*ph) ||
	    h.eh.e_phoff + (uint64_t)h.eh.e_phnum * sizeof(*ph) > (uint64_t)n)
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(h.b + h.eh.e_phoff);
	for (int i = 0; i < h.eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return -ENOEXEC;
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* in ascending order, as the ELF specification wants them */
		if (ph[i].p_filesz > ph[i].p_memsz || PG_DOWN(ph[i].p_vaddr) < hi ||
		    (ph[i].p_vaddr - ph[i].p_offset) & (PAGE - 1))
			return -ENOEXEC;
		if (lo == UINTPTR_MAX)
			lo = PG_DOWN(ph[i].p_vaddr);
		hi = PG_UP(ph[i].p_vaddr + ph[i].p_memsz);
	}
	if (hi <= lo || lo == UINTPTR_MAX || lo > h.eh.e_phoff)
		return -ENOEXEC;
	/* One reservation where mmap puts it, as the kernel does for an
	 * ET_DYN without interpreter: randomised like a library. */
	m = mmap(NULL, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	x->base = (uintptr_t)m - lo;
	at = (uintptr_t)m;
	for (int i = 0; !r && i < h.eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* binfmt_elf leaves the holes between segments unmapped */
		if (PG_DOWN(x->base + ph[i].p_vaddr) > at)
			munmap((void *)at, PG_DOWN(x->base + ph[i].p_vaddr) - at);
		r = map_segment(fd, x->base, &ph[i]);
		at = PG_UP(x->base + ph[i].p_vaddr + ph[i].p_memsz);
	}
	if (r) {
		munmap(m, hi - lo);
		return r;
	}
	x->entry = x->base + h.eh.e_entry;
	x->phdr = x->base + h.eh.e_phoff;
	x->phnum = h.eh.e_phnum;
	return 0;
}

/*
 * Can the loader start in this process? Not under another runtime (a
 * nested cse-run: the enclosing runtime's %gs area is set, and its exec
 * must see the loader start), and only when the program's argv strings
 * are the tail of cse-run's, one after the other as the kernel wrote
 * them (a script's argv[0] is a name cse-run made: the kernel's exec).
 */
static bool possible(int argc, char **argv, int prog_index, bool script)
{
#if defined(__GLIBC__)
	/* glibc registers rseq and a robust list, which an exec drops. */
	(void)argc, (void)argv, (void)prog_index, (void)script;
	return false;
#else
	unsigned long gs = 1;

	if (script || prog_index < 1 || ((long *)argv)[-1] != argc ||
	    argv[0] >= argv[prog_index] || argv[prog_index - 1] >= argv[prog_index])
		return false;
	for (int i = prog_index; i + 1 < argc; i++)
		if (argv[i + 1] != argv[i] + strlen(argv[i]) + 1)
			return false;
	if (syscall(SYS_arch_prctl, K_ARCH_GET_GS, &gs) != 0 || gs != 0)
		return false;
	return true;
#endif
}

bool cse_userexec_prepare(const char *loader, int argc, char **argv, int prog_index,
			  bool script, struct cse_userexec *x)
{
	int fd, r;

	memset(x, 0, sizeof(*x));
	if (loader[0] != '/' || !possible(argc, argv, prog_index, script))
		return false;
	/* openat itself: musl's open adds an F_SETFD for old kernels */
	fd = (int)syscall(SYS_openat, AT_FDCWD, loader, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;	/* execve reports why */
	r = map_loader(fd, x);
	close(fd);
	if (r) {
		cse_info("cannot map the loader in place (%s): exec it", strerror(-r));
		return false;
	}
	x->loader = loader;
	x->sp = (uintptr_t *)argv - 1 + prog_index;
	x->argc = argc - prog_index;
	x->prog_index = prog_index;
	x->image_start = PG_DOWN(__executable_start);
	x->image_end = PG_UP(_end);
	return true;
}

/* The auxiliary vector of an exec of the loader. */
static void edit_auxv(const struct cse_userexec *x)
{
	char **envp = (char **)(x->sp + 1 + x->argc + 1);
	Elf64_auxv_t *av;

	while (*envp)
		envp++;
	for (av = (Elf64_auxv_t *)(envp + 1); av->a_type != AT_NULL; av++) {
		switch (av->a_type) {
		case AT_PHDR: av->a_un.a_val = x->phdr; break;
		case AT_PHNUM: av->a_un.a_val = x->phnum; break;
		case AT_PHENT: av->a_un.a_val = sizeof(Elf64_Phdr); break;
		case AT_ENTRY: av->a_un.a_val = x->entry; break;
		case AT_BASE: av->a_un.a_val = 0; break;
		case AT_RANDOM:
			/* As the kernel's exec, never waiting for entropy (early
			 * boot); where GRND_INSECURE is unknown (before 5.6) the
			 * bytes the exec of cse-run put there stay. */
			getrandom((void *)av->a_un.a_val, 16, K_GRND_INSECURE);
			break;
		default: break;
		}
	}
}

_Noreturn void cse_userexec(const struct cse_userexec *x)
{
	register uintptr_t sp __asm__("r12") = (uintptr_t)x->sp;
	register uintptr_t entry __asm__("r13") = x->entry;
	char *args = (char *)x->sp[1 - x->prog_index];	/* cse-run's argv[0] */

	edit_auxv(x);
	memset(args, 0, (size_t)((char *)x->sp[1] - args));
	x->sp[0] = (uintptr_t)x->argc;
	/* The boot block's address, below the loader's stack (the loader's
	 * _start leaves STACK_SLACK bytes there). */
	x->sp[-1] = CSE_BOOT_MAGIC;
	x->sp[-2] = (uintptr_t)x->block;
	/*
	 * No musl code runs after this: its thread pointer and tid address
	 * go, and the vector registers are zeroed as an exec leaves them
	 * (cse-run is built without AVX: the upper halves are zero still).
	 */
	__asm__ volatile("mov %%r12, %%rsp\n\t"
			 "xorps %%xmm0, %%xmm0\n\t" "xorps %%xmm1, %%xmm1\n\t"
			 "xorps %%xmm2, %%xmm2\n\t" "xorps %%xmm3, %%xmm3\n\t"
			 "xorps %%xmm4, %%xmm4\n\t" "xorps %%xmm5, %%xmm5\n\t"
			 "xorps %%xmm6, %%xmm6\n\t" "xorps %%xmm7, %%xmm7\n\t"
			 "xorps %%xmm8, %%xmm8\n\t" "xorps %%xmm9, %%xmm9\n\t"
			 "xorps %%xmm10, %%xmm10\n\t" "xorps %%xmm11, %%xmm11\n\t"
			 "xorps %%xmm12, %%xmm12\n\t" "xorps %%xmm13, %%xmm13\n\t"
			 "xorps %%xmm14, %%xmm14\n\t" "xorps %%xmm15, %%xmm15\n\t"
			 "xor %%edi, %%edi\n\t"
			 "mov %[tid], %%eax\n\t"
			 "syscall\n\t"
			 "mov %[set_fs], %%edi\n\t"
			 "xor %%esi, %%esi\n\t"
			 "mov %[prctl], %%eax\n\t"
			 "syscall\n\t"
			 "xor %%eax, %%eax\n\t"
			 "xor %%edx, %%edx\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%%r13"
			 :
			 : "r"(sp), "r"(entry), [tid] "i"(SYS_set_tid_address),
			   [set_fs] "i"(K_ARCH_SET_FS), [prctl] "i"(SYS_arch_prctl)
			 : "memory");
	__builtin_unreachable();
}
