// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The option tables of the installed elements (struct cse_element.options,
 * include/cse/element.h), read from lib/cse/cse-NAME.so without loading
 * it: cse-run is static (no dlopen), and an element's code must never run
 * in cse-run anyway.
 *
 * The descriptor is the dynamic symbol cse_element_v2. Its pointers are
 * zero in the file: each has an R_X86_64_RELATIVE relocation whose addend
 * is the address it points to (elements are -nostdlib -shared, so no
 * other relocation can hold a descriptor pointer). Addresses map to file
 * offsets through the PT_LOAD headers. Every read is bounds-checked: a
 * damaged file is refused with one line, never trusted.
 *
 * Read lazily, on the first element flag, -e NAME=..., profile key or
 * --help: `cse-run -- PROGRAM` reads none.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define OPTIONS_MAX 64

struct image {
	const unsigned char *b;
	size_t size;
	const Elf64_Phdr *ph;
	unsigned int phnum;
	const Elf64_Rela **rela;	/* RELATIVE relocations */
	size_t nrela;
};

static char *libdir;
static struct cse_eltable *tables;
static size_t ntables;
static bool loaded;

void cse_set_libdir(const char *dir)
{
	free(libdir);
	libdir = cse_xstrdup(dir);
}

/* <dir of our realpath>/../lib/cse, without resolving "..". */
const char *cse_libdir(void)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (libdir)
		return libdir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		cse_die(CSE_EXIT_FAILURE, "is /proc mounted?", "cannot read /proc/self/exe: %s",
			n < 0 ? strerror(errno) : "empty");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		cse_die(CSE_EXIT_FAILURE, NULL, "odd executable path '%s'", exe);
	*slash = '\0';
	libdir = cse_xasprintf("%s/../lib/cse", exe);
	return libdir;
}

/* File offset of [addr, addr+len) inside one loaded segment, or -1. */
static long offset_of(const struct image *im, uint64_t addr, uint64_t len)
{
	for (unsigned int i = 0; i < im->phnum; i++) {
		const Elf64_Phdr *p = &im->ph[i];

		if (p->p_type == PT_LOAD && addr >= p->p_vaddr && len <= p->p_filesz &&
		    addr - p->p_vaddr <= p->p_filesz - len &&
		    p->p_offset + (addr - p->p_vaddr) + len <= im->size)
			return (long)(p->p_offset + (addr - p->p_vaddr));
	}
	return -1;
}

/* The pointer stored at addr once relocated; 0 for NULL. -1: unreadable. */
static int pointer_at(const struct image *im, uint64_t addr, uint64_t *out)
{
	long off = offset_of(im, addr, 8);

	if (off < 0)
		return -1;
	for (size_t i = 0; i < im->nrela; i++) {
		if (im->rela[i]->r_offset == addr) {
			*out = (uint64_t)im->rela[i]->r_addend;
			return 0;
		}
	}
	memcpy(out, im->b + off, 8);
	return 0;
}

/* A copy of the string at addr (NULL for addr 0), or NULL on error with *bad set. */
static char *string_at(const struct image *im, uint64_t addr, bool *bad)
{
	long off;
	const unsigned char *nul;

	if (!addr)
		return NULL;
	off = offset_of(im, addr, 1);
	if (off < 0 || !(nul = memchr(im->b + off, 0, im->size - (size_t)off)) ||
	    offset_of(im, addr, (uint64_t)(nul - (im->b + off)) + 1) < 0) {
		*bad = true;
		return NULL;
	}
	return cse_xstrdup((const char *)im->b + off);
}

/* Section bounds inside the file. */
static bool section_ok(const struct image *im, const Elf64_Shdr *s)
{
	/* .bss and the like take no room in the file */
	if (s->sh_type == SHT_NOBITS)
		return true;
	return s->sh_offset <= im->size && s->sh_size <= im->size - s->sh_offset;
}

static const char *read_table(struct image *im, struct cse_eltable *t)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->b;
	const Elf64_Shdr *sh;
	uint64_t sym = 0, p;
	struct cse_element e;
	bool bad = false;
	long off;

	if (eh->e_shoff > im->size || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > im->size - eh->e_shoff)
		return "bad section headers";
	sh = (const Elf64_Shdr *)(im->b + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		if (!section_ok(im, &sh[i]))
			return "section outside the file";
		if (sh[i].sh_type == SHT_RELA && sh[i].sh_entsize == sizeof(Elf64_Rela)) {
			const Elf64_Rela *r = (const Elf64_Rela *)(im->b + sh[i].sh_offset);
			size_t n = sh[i].sh_size / sizeof(Elf64_Rela);

			for (size_t k = 0; k < n; k++) {
				if (ELF64_R_TYPE(r[k].r_info) != R_X86_64_RELATIVE)
					continue;
				im->rela = realloc(im->rela, (im->nrela + 1) * sizeof(*im->rela));
				if (!im->rela)
					cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
				im->rela[im->nrela++] = &r[k];
			}
		}
		if (sh[i].sh_type == SHT_DYNSYM && sh[i].sh_entsize == sizeof(Elf64_Sym) &&
		    sh[i].sh_link < eh->e_shnum) {
			const Elf64_Sym *s = (const Elf64_Sym *)(im->b + sh[i].sh_offset);
			const Elf64_Shdr *str = &sh[sh[i].sh_link];
			size_t n = sh[i].sh_size / sizeof(Elf64_Sym);

			if (!section_ok(im, str))
				return "bad string table";
			for (size_t k = 0; k < n; k++) {
				const char *name = (const char *)im->b + str->sh_offset + s[k].st_name;

				if (s[k].st_name < str->sh_size && s[k].st_shndx != SHN_UNDEF &&
				    memchr(name, 0, str->sh_size - s[k].st_name) &&
				    !strcmp(name, CSE_ELEMENT_SYMBOL_NAME))
					sym = s[k].st_value;
			}
		}
	}
	if (!sym)
		return "no " CSE_ELEMENT_SYMBOL_NAME " descriptor (not an ABI "
		       CSE_STR(CSE_ELEMENT_ABI) " element)";
	off = offset_of(im, sym, sizeof(e));
	if (off < 0)
		return "descriptor outside the file";
	memcpy(&e, im->b + off, sizeof(e));
	if (e.abi != CSE_ELEMENT_ABI)
		return "another element ABI";
	if (pointer_at(im, sym + offsetof(struct cse_element, description), &p))
		return "bad descriptor";
	t->description = string_at(im, p, &bad);
	if (pointer_at(im, sym + offsetof(struct cse_element, options), &p))
		return "bad descriptor";
	for (uint64_t at = p; at && !bad; at += sizeof(struct cse_option)) {
		struct cse_option o;
		uint64_t f;

		if (t->nopts == OPTIONS_MAX)
			return "too many options";
		off = offset_of(im, at, sizeof(o));
		if (off < 0 || pointer_at(im, at + offsetof(struct cse_option, flag), &f))
			return "option table outside the file";
		if (!f)
			break;
		memcpy(&o, im->b + off, sizeof(o));
		o.flag = string_at(im, f, &bad);
		if (pointer_at(im, at + offsetof(struct cse_option, key), &f))
			return "bad option";
		o.key = string_at(im, f, &bad);
		if (pointer_at(im, at + offsetof(struct cse_option, arg_name), &f))
			return "bad option";
		o.arg_name = string_at(im, f, &bad);
		if (pointer_at(im, at + offsetof(struct cse_option, help), &f))
			return "bad option";
		o.help = string_at(im, f, &bad);
		if (!o.key || !o.help || !*o.flag || o.kind < CSE_OPT_BOOL || o.kind > CSE_OPT_INT ||
		    (o.kind != CSE_OPT_BOOL && !o.arg_name))
			return "bad option";
		t->opts = realloc(t->opts, (t->nopts + 1) * sizeof(*t->opts));
		if (!t->opts)
			cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
		t->opts[t->nopts++] = o;
	}
	return bad ? "string outside the file" : NULL;
}

/* Read, not mapped: page-table work costs more than copying ~100 KiB. */
static const char *read_file(int fd, unsigned char **buf, size_t *cap, size_t *len)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return "too short for an ELF file";
	if (st.st_size > (64 << 20))
		return "too large for an element";
	if ((size_t)st.st_size > *cap) {
		free(*buf);
		*cap = (size_t)st.st_size;
		*buf = cse_xmalloc(*cap);
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		n = pread(fd, *buf + *len, (size_t)st.st_size - *len, (off_t)*len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? strerror(errno) : "file shrank while read";
		*len += (size_t)n;
	}
	return NULL;
}

static void load_one(const char *name)
{
	static unsigned char *buf;
	static size_t cap;
	char *path = cse_xasprintf("%s/cse-%s.so", cse_libdir(), name);
	struct cse_eltable t = { .name = cse_xstrdup(name) };
	struct image im = { 0 };
	const char *why = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		why = strerror(errno);
	else
		why = read_file(fd, &buf, &cap, &im.size);
	if (fd >= 0)
		close(fd);
	if (!why) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

		im.b = buf;
		if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
		    eh->e_machine != EM_X86_64 || eh->e_type != ET_DYN)
			why = "not an x86-64 shared object";
		else if (eh->e_phoff > im.size || eh->e_phentsize != sizeof(Elf64_Phdr) ||
			 (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > im.size - eh->e_phoff)
			why = "bad program headers";
		if (!why) {
			im.ph = (const Elf64_Phdr *)(im.b + eh->e_phoff);
			im.phnum = eh->e_phnum;
			why = read_table(&im, &t);
		}
	}
	free(im.rela);
	if (why)
		cse_die(CSE_EXIT_USAGE, NULL, "element '%s': cannot read its options from %s: %s",
			name, path, why);
	free(path);
	tables = realloc(tables, (ntables + 1) * sizeof(*tables));
	if (!tables)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	tables[ntables++] = t;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cse_eltable *)a)->name, ((const struct cse_eltable *)b)->name);
}

/* A flag names one option of one element: two would make --FLAG ambiguous. */
static void check_unique(void)
{
	for (size_t i = 0; i < ntables; i++)
		for (size_t k = 0; k < tables[i].nopts; k++)
			for (size_t j = i; j < ntables; j++)
				for (size_t l = j == i ? k + 1 : 0; l < tables[j].nopts; l++)
					if (!strcmp(tables[i].opts[k].flag, tables[j].opts[l].flag) ||
					    (i == j && !strcmp(tables[i].opts[k].key, tables[j].opts[l].key)))
						cse_die(CSE_EXIT_FAILURE, "remove or rebuild one of them",
							"elements '%s' and '%s' both declare --%s (or key '%s')",
							tables[i].name, tables[j].name,
							tables[i].opts[k].flag, tables[i].opts[k].key);
}

const struct cse_eltable *cse_eltables(size_t *n)
{
	DIR *d;
	struct dirent *de;

	if (!loaded) {
		loaded = true;
		d = opendir(cse_libdir());
		while (d && (de = readdir(d))) {
			size_t len = strlen(de->d_name);
			char *name;

			if (len <= 7 || strncmp(de->d_name, "cse-", 4) ||
			    strcmp(de->d_name + len - 3, ".so"))
				continue;
			name = strndup(de->d_name + 4, len - 7);
			if (!name)
				cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
			if (cse_valid_element_name(name))
				load_one(name);
			free(name);
		}
		if (d)
			closedir(d);
		if (ntables)
			qsort(tables, ntables, sizeof(*tables), by_name);
		check_unique();
	}
	*n = ntables;
	return tables;
}

const struct cse_eltable *cse_eltable(const char *name)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

const struct cse_option *cse_element_option(const char *flag, const char **element)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < t[i].nopts; k++) {
			if (!strcmp(t[i].opts[k].flag, flag)) {
				*element = t[i].name;
				return &t[i].opts[k];
			}
		}
	}
	return NULL;
}

const struct cse_option *cse_element_key(const struct cse_eltable *t, const char *key)
{
	for (size_t k = 0; k < t->nopts; k++)
		if (!strcmp(t->opts[k].key, key))
			return &t->opts[k];
	return NULL;
}
