// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fs_musl FILE [NEEDLE]: built by fs.t against the musl root (dynamic,
 * PT_INTERP /lib/ld-musl-x86_64.so.1), prints its cwd, its
 * /proc/self/exe and the first line of FILE, as seen inside the root;
 * with NEEDLE, also the inode of the first mapping in /proc/self/maps
 * whose path contains NEEDLE (which loader the kernel really mapped).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The inode column of the first maps line naming needle, or "?". */
static void mapped_inode(const char *needle, char *out, size_t len)
{
	char l[512], ino[64];
	FILE *m = fopen("/proc/self/maps", "r");

	snprintf(out, len, "?");
	if (!m)
		return;
	while (fgets(l, sizeof(l), m)) {
		if (strstr(l, needle) && sscanf(l, "%*s %*s %*s %*s %63s", ino) == 1) {
			snprintf(out, len, "%s", ino);
			break;
		}
	}
	fclose(m);
}

int main(int argc, char **argv)
{
	char cwd[256] = "?", exe[256] = "?", line[256] = "?", ino[64] = "";
	ssize_t n;
	FILE *f;

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "?");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	f = argc > 1 ? fopen(argv[1], "r") : NULL;
	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "?");
		line[strcspn(line, "\n")] = 0;
		fclose(f);
	}
	if (argc > 2) {
		mapped_inode(argv[2], ino, sizeof(ino));
		printf("musl: loader inode=%s\n", ino);
		return 0;
	}
	printf("musl: cwd=%s exe=%s read=%s\n", cwd, exe, line);
	return 0;
}
