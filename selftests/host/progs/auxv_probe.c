// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * auxv_probe [addr]: what a program learns from its auxiliary vector,
 * printed as meanings (which stay the same run to run) rather than
 * addresses: AT_PHDR is this program's headers, AT_ENTRY its _start,
 * AT_BASE its interpreter's load address (0 when static), AT_RANDOM on
 * the stack, AT_SYSINFO_EHDR the vDSO, AT_EXECFN the name it was run
 * by; /proc/self/auxv equals the vector on the stack; and the values
 * that are not addresses (hardware caps, page size, ids...) as such.
 * With "addr" also the addresses of this program and its heap, which
 * are fixed under setarch -R.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char __ehdr_start[];	/* this program's ELF header */
extern void _start(void);

static unsigned long stack_auxv[2 * 64];
static size_t stack_n;

static unsigned long get(unsigned long type, int *found)
{
	for (size_t i = 0; i < stack_n; i += 2) {
		if (stack_auxv[i] == type) {
			*found = 1;
			return stack_auxv[i + 1];
		}
	}
	*found = 0;
	return 0;
}

/* Start of the mapping named name (or whose path ends in name) with offset 0. */
static unsigned long mapping(const char *name, unsigned long *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s = 0, e, off;

	while (f && fgets(line, sizeof(line), f)) {
		char path[400] = "";
		size_t n;

		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %399s", &s, &e, &off, path) < 3)
			continue;
		n = strlen(path);
		if (n >= strlen(name) && !strcmp(path + n - strlen(name), name) &&
		    (off == 0 || name[0] == '[')) {
			if (end)
				*end = e;
			fclose(f);
			return s;
		}
	}
	if (f)
		fclose(f);
	return 0;
}

/* Path of the interpreter named in our PT_INTERP, "" if none. */
static const char *interp_name(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(__ehdr_start + eh->e_phoff);
	unsigned long bias = 0;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (unsigned long)ph - ph[i].p_vaddr;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return (const char *)(bias + ph[i].p_vaddr);
	return "";
}

int main(int argc, char **argv, char **envp)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)__ehdr_start;
	unsigned long proc[2 * 64], v, end;
	char **p = envp, buf[PATH_MAX];
	const char *interp = interp_name();
	int fd, found;
	ssize_t n;

	while (*p)
		p++;
	for (unsigned long *a = (unsigned long *)(p + 1); stack_n < 2 * 63; a += 2) {
		stack_auxv[stack_n++] = a[0];
		stack_auxv[stack_n++] = a[1];
		if (a[0] == AT_NULL)
			break;
	}
	fd = open("/proc/self/auxv", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, proc, sizeof(proc));
	printf("/proc/self/auxv equals the stack's vector: %s\n",
	       n >= (ssize_t)(stack_n * sizeof(long)) &&
	       !memcmp(proc, stack_auxv, stack_n * sizeof(long)) ? "yes" : "no");
	printf("types in order:");
	for (size_t i = 0; i < stack_n; i += 2)
		printf(" %lu", stack_auxv[i]);
	printf("\n");

	v = get(AT_PHDR, &found);
	printf("AT_PHDR is this program's headers: %s\n",
	       v == (unsigned long)__ehdr_start + eh->e_phoff ? "yes" : "no");
	printf("AT_PHENT %lu AT_PHNUM matches: %s\n", get(AT_PHENT, &found),
	       get(AT_PHNUM, &found) == eh->e_phnum ? "yes" : "no");
	printf("AT_ENTRY is _start: %s\n", get(AT_ENTRY, &found) == (unsigned long)_start ? "yes" : "no");
	v = get(AT_BASE, &found);
	if (!interp[0]) {
		printf("AT_BASE (static): %lu\n", v);
	} else {
		char *real = realpath(interp, buf);

		printf("AT_BASE is the interpreter's base: %s\n",
		       real && v && v == mapping(real, NULL) ? "yes" : "no");
	}
	v = get(AT_RANDOM, &found);
	printf("AT_RANDOM on the stack: %s\n",
	       v >= mapping("[stack]", &end) && v + 16 <= end ? "yes" : "no");
	v = get(AT_SYSINFO_EHDR, &found);
	printf("AT_SYSINFO_EHDR is the vDSO: %s\n", v && v == mapping("[vdso]", NULL) ? "yes" : "no");
	v = get(AT_EXECFN, &found);
	printf("AT_EXECFN: %s\n", found ? (const char *)v : "(none)");
	v = get(AT_PLATFORM, &found);
	printf("AT_PLATFORM: %s\n", found ? (const char *)v : "(none)");
	static const struct { unsigned long type; const char *name; } plain[] = {
		{ AT_HWCAP, "AT_HWCAP" }, { AT_HWCAP2, "AT_HWCAP2" },
		{ AT_MINSIGSTKSZ, "AT_MINSIGSTKSZ" }, { AT_PAGESZ, "AT_PAGESZ" },
		{ AT_CLKTCK, "AT_CLKTCK" }, { AT_FLAGS, "AT_FLAGS" }, { AT_SECURE, "AT_SECURE" },
		{ AT_UID, "AT_UID" }, { AT_EUID, "AT_EUID" }, { AT_GID, "AT_GID" },
		{ AT_EGID, "AT_EGID" },
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		v = get(plain[i].type, &found);
		printf("%s: %s%lx\n", plain[i].name, found ? "0x" : "absent ", v);
	}
	if (argc > 1 && !strcmp(argv[1], "addr")) {
		free(malloc(100));	/* the heap exists once malloc ran */
		printf("AT_PHDR %#lx AT_ENTRY %#lx heap %#lx\n", get(AT_PHDR, &found),
		       get(AT_ENTRY, &found), mapping("[heap]", NULL));
	}
	return 0;
}
