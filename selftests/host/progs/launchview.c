// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * launchview: what of the way it was started a program can see, printed
 * so that a native run and a run under cse-run compare byte for byte
 * (launch.t): where its image and brk lie (classes, not addresses),
 * whether any mapping is of a file named cse-run, its descriptors and
 * what they name, whether %fs was 0 at entry (before libc set it: read
 * from the kernel's view of the main thread is not possible, so the
 * -nostdlib build, launchfs, checks that).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char __ehdr_start[];
extern char end[];	/* the end of this program's .bss */

static const char *brk_class(uintptr_t brk)
{
	uintptr_t img = ((uintptr_t)end + 4095) & ~4095ul;
	uintptr_t dyn = 0x555555555000ul;	/* x86-64 ELF_ET_DYN_BASE, page up */

	if (brk == img)
		return "right after the image";
	if (brk > img && brk - img <= (1ul << 30) + 4096)
		return "within 1 GiB after the image";
	if (brk >= dyn && brk - dyn < (1ul << 30))
		return "within 1 GiB from ELF_ET_DYN_BASE";
	return "elsewhere";
}

int main(void)
{
	uintptr_t base = (uintptr_t)__ehdr_start;
	char line[PATH_MAX + 128], path[PATH_MAX], target[PATH_MAX];
	int launcher = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	struct dirent *e;
	DIR *d;

	printf("image at %s\n", base == 0x400000 ? "0x400000" : "a PIE address");
	printf("brk %s\n", brk_class((uintptr_t)sbrk(0)));
	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strchr(line, '/');
		const char *slash = p ? strrchr(p, '/') : NULL;

		if (slash && !strcmp(slash, "/cse-run\n"))
			launcher++;
	}
	if (f)
		fclose(f);
	printf("mappings of cse-run: %d\n", launcher);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		printf("fd %s -> %s\n", e->d_name, target);
	}
	if (d)
		closedir(d);
	return 0;
}
