// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fs_musl FILE: built by fs.t against the musl root (dynamic, PT_INTERP
 * /lib/ld-musl-x86_64.so.1), prints its cwd, its /proc/self/exe and the
 * first line of FILE, as seen inside the root.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char cwd[256] = "?", exe[256] = "?", line[256] = "?";
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
	printf("musl: cwd=%s exe=%s read=%s\n", cwd, exe, line);
	return 0;
}
