// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A small program built static and static-pie: reads a file, writes a
 * checksum, stats a few paths, reports how it was started. Its output
 * depends only on its inputs, so native and cse runs must match.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long sum = 5381;
	char buf[4096];
	ssize_t n;
	struct stat st;
	int fd = open("/etc/hostname", O_RDONLY);

	if (fd < 0)
		fd = open("/etc/passwd", O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 33 + (unsigned char)buf[i];
	close(fd);
	printf("argc=%d argv0-base=%s\n", argc, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	for (int i = 1; i < argc; i++)
		printf("arg[%d]=%s\n", i, argv[i]);
	printf("sum=%lx\n", sum);
	printf("stat / %s\n", stat("/", &st) == 0 && S_ISDIR(st.st_mode) ? "dir" : "?");
	printf("stat /nonexistent %s\n", stat("/nonexistent", &st) < 0 ? "ENOENT-ish" : "exists?");
	fprintf(stderr, "hello on stderr\n");
	return argc > 1 ? 7 : 0;
}
