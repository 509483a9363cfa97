// SPDX-License-Identifier: GPL-2.0
/*
 * ELF mapping for the loader: the program and its PT_INTERP are mapped the
 * way the kernel's binfmt_elf would (segments at their page-aligned
 * offsets, bss zeroed, ET_DYN where the kernel would put it: elf_place.c),
 * and elements additionally get their relocations applied, since they
 * are linked without any dynamic linker to do it.
 */
#include <elf.h>
#include "../runtime/runtime.h"
#include "elf_map.h"
#include "loader.h"

#define PAGE		4096ul
#define PAGE_DOWN(x)	((x) & ~(PAGE - 1))
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define K_O_RDONLY_CLOEXEC 02000000
#define K_O_NONBLOCK	04000
#define K_MAP_PRIVATE	0x02
#define K_MAP_FIXED	0x10
#define K_MAP_ANON	0x20
#define K_MAP_FIXED_NOREPLACE 0x100000

static int seg_prot(uint32_t flags)
{
	return ((flags & PF_R) ? 1 : 0) | ((flags & PF_W) ? 2 : 0) |
	       ((flags & PF_X) ? 4 : 0);
}

/* What the kernel records in mm for a program (start_code ... brk). */
static void note_extents(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, struct elf_image *img)
{
	uintptr_t b = img->bias;

	img->start_code = UINTPTR_MAX;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if ((p->p_flags & PF_X) && b + p->p_vaddr < img->start_code)
			img->start_code = b + p->p_vaddr;
		if (img->start_data < b + p->p_vaddr)
			img->start_data = b + p->p_vaddr;
		if ((p->p_flags & PF_X) && img->end_code < b + p->p_vaddr + p->p_filesz)
			img->end_code = b + p->p_vaddr + p->p_filesz;
		if (img->end_data < b + p->p_vaddr + p->p_filesz)
			img->end_data = b + p->p_vaddr + p->p_filesz;
	}
	if (img->start_code == UINTPTR_MAX)
		img->start_code = img->end_code = 0;
}

static int map_segments(long fd, const Elf64_Ehdr *eh, const Elf64_Phdr *ph,
			struct elf_image *img, const char **why)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0, first = 0, bias;
	long r;

	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (lo == UINTPTR_MAX)
			first = ph[i].p_vaddr;
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (lo == UINTPTR_MAX) {
		*why = "no loadable segments";
		return -8;
	}
	lo = PAGE_DOWN(lo);
	hi = PAGE_UP(hi);
	/* Reserve the whole span first so segments land together. */
	r = elf_reserve(eh, ph, img->interp[0] != 0, lo, hi, first);
	if (IS_ERR_RET(r)) {
		*why = "cannot reserve its address range";
		return (int)r;
	}
	bias = (uintptr_t)r - lo;

	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		uintptr_t start = bias + PAGE_DOWN(p->p_vaddr);
		uintptr_t file_end = bias + p->p_vaddr + p->p_filesz;
		uintptr_t mem_end = bias + p->p_vaddr + p->p_memsz;
		int prot = seg_prot(p->p_flags);

		if (p->p_type != PT_LOAD)
			continue;
		if ((p->p_vaddr & (PAGE - 1)) != (p->p_offset & (PAGE - 1))) {
			*why = "misaligned segment";
			return -8;
		}
		if (p->p_filesz) {
			r = rt_sys6(__NR_mmap, start, PAGE_UP(file_end) - start,
				    prot | (p->p_memsz > p->p_filesz ? 2 : 0),
				    K_MAP_PRIVATE | K_MAP_FIXED, fd,
				    PAGE_DOWN(p->p_offset));
			if (IS_ERR_RET(r)) {
				*why = "cannot map a segment";
				return (int)r;
			}
			if (prot == 5 && p->p_memsz <= p->p_filesz && !img->text_lo) {
				img->text_lo = start;
				img->text_hi = PAGE_UP(file_end);
			}
		}
		if (p->p_memsz > p->p_filesz) {
			/* bss: zero the file page's tail, map the rest anonymous. */
			if (p->p_filesz && (file_end & (PAGE - 1)))
				memset((void *)file_end, 0, PAGE_UP(file_end) - file_end);
			if (PAGE_UP(mem_end) > PAGE_UP(file_end)) {
				uintptr_t from = p->p_filesz ? PAGE_UP(file_end) : start;

				r = rt_sys6(__NR_mmap, from, PAGE_UP(mem_end) - from, prot,
					    K_MAP_PRIVATE | K_MAP_FIXED | K_MAP_ANON, -1, 0);
				if (IS_ERR_RET(r)) {
					*why = "cannot map bss";
					return (int)r;
				}
			}
			if (p->p_filesz && !(prot & 2))
				rt_sys3(__NR_mprotect, start, PAGE_UP(file_end) - start, prot);
		}
		if (mem_end > img->end)
			img->end = mem_end;
	}
	img->bias = bias;
	note_extents(eh, ph, img);
	return 0;
}

/*
 * Every image mapped, for stack.c to describe the program to the kernel,
 * in .bss (whose pages the loader populates at entry), and their
 * PT_INTERP strings packed in .lbss: a static program's start writes no
 * page of them, a dynamic one's one.
 */
#define NKEPT	(2 + CHAIN_MAX_ELEMENTS)
static struct {
	struct elf_image img[NKEPT];
} kept;
static struct {
	char interp[NKEPT * ELF_INTERP_MAX];
} kept_interp RT_LARGE __attribute__((aligned(4096)));
static size_t interp_used;
static int nmapped;

const struct elf_image *elf_image_by_phdr(uintptr_t phdr)
{
	for (int i = 0; i < nmapped; i++)
		if (kept.img[i].phdr == phdr)
			return &kept.img[i];
	return NULL;
}

/*
 * PT_INTERP names the interpreter as the application sees the file
 * system: look it up through the path stage, as exec_check.c does.
 * (The program itself and the elements are host paths already.)
 */
static int interp_through_stage(char *interp, size_t size)
{
	static char stage_buf[2 * PATHSTAGE_MAX] RT_LARGE;
	int dirfd = -100;
	long r = pathstage_resolve_inplace(__NR_execve, &dirfd, interp, size,
					   CSE_PATH_EXEC | CSE_PATH_READ, stage_buf);

	if (r == 0 && dirfd != -100 && interp[0] != '/')
		r = -22;	/* EINVAL: nothing opens it relative to a dirfd */
	return (int)r;
}

/* The program's first bytes, read by script_resolve, or NULL. */
static const char *held;
static long held_len;

/* pread, or a copy when the bytes are among the held ones. */
static long read_at(long fd, void *buf, size_t n, uint64_t off)
{
	if (held && off <= (uint64_t)held_len && n <= (uint64_t)held_len - off) {
		memcpy(buf, held + off, n);
		return (long)n;
	}
	return rt_sys4(__NR_pread64, fd, buf, n, off);
}

static int map_file(const char *path, struct elf_image *img, const char **why)
{
	struct kstat_k st;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	long fd, r;

	memset(img, 0, sizeof(*img));
	img->interp = "";
	held = NULL;
	/* script_resolve's open of the program: a regular file, head read. */
	fd = script_take_fd(path, &held, &held_len, &st);
	if (fd >= 0) {
		learn_ident(&st, img->ident);
		r = read_at(fd, &eh, sizeof(eh), 0);
		goto have_head;
	}
	/* Never blocks on a FIFO; only regular files are programs. */
	fd = rt_sys4(__NR_openat, -100, path, K_O_RDONLY_CLOEXEC | K_O_NONBLOCK, 0);
	if (fd < 0) {
		*why = "cannot open";
		return (int)fd;
	}
	if (rt_sys2(__NR_fstat, fd, &st) || (st.mode & 0170000) != 0100000) {
		*why = "not a regular file";
		r = -13;	/* EACCES */
		goto out;
	}
	learn_ident(&st, img->ident);
	r = rt_sys4(__NR_pread64, fd, &eh, sizeof(eh), 0);
have_head:
	if (r != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64) {
		*why = "not an x86-64 ELF executable or shared object";
		r = -8;
		goto out;
	}
	r = read_at(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff);
	if (r != (long)(eh.e_phnum * sizeof(Elf64_Phdr))) {
		*why = "truncated program headers";
		r = -8;
		goto out;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		char *interp = kept_interp.interp + interp_used;

		if (ph[i].p_type != PT_INTERP)
			continue;
		if (interp_used + ELF_INTERP_MAX > sizeof(kept_interp.interp)) {
			*why = "too many images";
			r = -12;	/* ENOMEM */
			goto out;
		}
		if (ph[i].p_filesz == 0 || ph[i].p_filesz >= ELF_INTERP_MAX ||
		    read_at(fd, interp, ph[i].p_filesz,
			    ph[i].p_offset) != (long)ph[i].p_filesz) {
			*why = "bad PT_INTERP";
			r = -8;
			goto out;
		}
		interp[ph[i].p_filesz - 1] = 0;
		r = interp_through_stage(interp, ELF_INTERP_MAX);
		if (r) {
			*why = "PT_INTERP refused by the path stage";
			goto out;
		}
		img->interp = interp;
		interp_used += strlen(interp) + 1;
	}
	r = map_segments(fd, &eh, ph, img, why);
	if (r)
		goto out;
	img->type = eh.e_type;
	img->entry = img->bias + eh.e_entry;
	img->phnum = eh.e_phnum;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_PHDR)
			img->phdr = img->bias + ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			img->dynamic = img->bias + ph[i].p_vaddr;
		if (!img->phdr && ph[i].p_type == PT_LOAD && ph[i].p_offset <= eh.e_phoff &&
		    eh.e_phoff < ph[i].p_offset + ph[i].p_filesz)
			img->phdr = img->bias + ph[i].p_vaddr + eh.e_phoff - ph[i].p_offset;
	}
out:
	held = NULL;
	rt_sys1(__NR_close, fd);
	return (int)r;
}

int elf_map_file(const char *path, struct elf_image *img, const char **why)
{
	int r = map_file(path, img, why);

	if (!r && nmapped < (int)(sizeof(kept.img) / sizeof(kept.img[0]))) {
		kept.img[nmapped++] = *img;
	}
	return r;
}

const struct elf_image *elf_map_kept(const char *path, int *err, const char **why)
{
	struct elf_image *img = &kept.img[nmapped];

	if (nmapped == (int)(sizeof(kept.img) / sizeof(kept.img[0]))) {
		*why = "too many images";
		*err = -12;	/* ENOMEM */
		return NULL;
	}
	*err = map_file(path, img, why);
	if (*err)
		return NULL;
	nmapped++;
	return img;
}

/* The only symbols an element may import: compiler-emitted helpers. */
static uintptr_t runtime_export(const char *name)
{
	if (!rt_strcmp(name, "memcpy"))
		return (uintptr_t)memcpy;
	if (!rt_strcmp(name, "memmove"))
		return (uintptr_t)memmove;
	if (!rt_strcmp(name, "memset"))
		return (uintptr_t)memset;
	if (!rt_strcmp(name, "memcmp"))
		return (uintptr_t)memcmp;
	return 0;
}

int elf_relocate_element(const struct elf_image *img, const char *symbol,
			 void **sym, const char **why, const char **undef)
{
	const Elf64_Dyn *d = (const Elf64_Dyn *)img->dynamic;
	const Elf64_Rela *rela = NULL, *jmprel = NULL;
	size_t relasz = 0, pltrelsz = 0;
	const Elf64_Sym *symtab = NULL;
	const char *strtab = NULL;
	const uint32_t *hash = NULL;
	uintptr_t b = img->bias;

	*sym = NULL;
	if (!d) {
		*why = "not a shared object (no PT_DYNAMIC)";
		return -8;
	}
	for (; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_RELA: rela = (const Elf64_Rela *)(b + d->d_un.d_ptr); break;
		case DT_RELASZ: relasz = d->d_un.d_val; break;
		case DT_JMPREL: jmprel = (const Elf64_Rela *)(b + d->d_un.d_ptr); break;
		case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
		case DT_SYMTAB: symtab = (const Elf64_Sym *)(b + d->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)(b + d->d_un.d_ptr); break;
		case DT_HASH: hash = (const uint32_t *)(b + d->d_un.d_ptr); break;
		case DT_NEEDED:
			*why = "depends on other shared objects (elements must be -nostdlib)";
			return -8;
		default: break;
		}
	}
	if (!symtab || !strtab || !hash) {
		*why = "no symbol table or DT_HASH (link with --hash-style=sysv or both)";
		return -8;
	}
	for (int pass = 0; pass < 2; pass++) {
		const Elf64_Rela *r = pass ? jmprel : rela;
		size_t n = (pass ? pltrelsz : relasz) / sizeof(Elf64_Rela);

		for (size_t i = 0; r && i < n; i++) {
			uint64_t *where = (uint64_t *)(b + r[i].r_offset);
			const Elf64_Sym *s = &symtab[ELF64_R_SYM(r[i].r_info)];
			uintptr_t val = 0;

			switch (ELF64_R_TYPE(r[i].r_info)) {
			case R_X86_64_NONE:
				continue;
			case R_X86_64_RELATIVE:
				*where = b + (uint64_t)r[i].r_addend;
				continue;
			case R_X86_64_64:
			case R_X86_64_GLOB_DAT:
			case R_X86_64_JUMP_SLOT:
				if (s->st_shndx != SHN_UNDEF)
					val = b + s->st_value;
				else
					val = runtime_export(strtab + s->st_name);
				if (!val && ELF64_ST_BIND(s->st_info) != STB_WEAK) {
					*why = "undefined symbol";
					*undef = strtab + s->st_name;
					return -8;
				}
				*where = val + (ELF64_R_TYPE(r[i].r_info) == R_X86_64_64 ?
						(uint64_t)r[i].r_addend : 0);
				continue;
			default:
				*why = "unsupported relocation type";
				return -8;
			}
		}
	}
	for (uint32_t i = 0; i < hash[1]; i++) {
		if (symtab[i].st_shndx != SHN_UNDEF &&
		    !rt_strcmp(strtab + symtab[i].st_name, symbol)) {
			*sym = (void *)(b + symtab[i].st_value);
			return 0;
		}
	}
	*why = "does not export " CSE_ELEMENT_SYMBOL_NAME;
	return -8;
}
