// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fs_swap DIR TARGET N: lookups after paths changed in another process.
 * A child swaps DIR/a (by rename) and DIR/b (by rmdir and mkdir) between
 * a directory holding f = "in" and a symlink to TARGET, N times, and
 * after each change waits for the parent to check DIR/a/f and DIR/b/f
 * (open, read, stat) against what the change made. Meanwhile a thread
 * of the parent looks both paths up without pause, so cached answers
 * are being made while the changes happen. TARGET is an absolute path
 * that names nothing inside the view but a directory with f = "OUT" on
 * the host: a lookup that missed a completed change (a stale cache)
 * would follow the symlink on the host. (A lookup racing the change
 * itself may: not confined, see cse-run(1); the thread's answers are
 * not checked.) Prints "reads ok" or the first wrong answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char pa[4096], pb[4096], pad[4096], paf[4096], pbf[4096], pt[4096];
static volatile int stop;

/* f = "in", whole at once (renamed into place) */
static void put(const char *path)
{
	int fd = open(pt, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "in", 2) != 2 || close(fd) || rename(pt, path))
		_exit(2);
}

static void sync_with(int out, int in, char say)
{
	char c;

	if (write(out, &say, 1) != 1 || read(in, &c, 1) != 1)
		_exit(5);
}

static void swapper(const char *target, long n, int out, int in)
{
	for (long i = 0; i < n; i++) {
		/* a: renamed away, a symlink in its place; b: removed, the same */
		if (rename(pa, pad) || symlink(target, pa))
			_exit(3);
		if (unlink(pbf) || rmdir(pb) || symlink(target, pb))
			_exit(4);
		sync_with(out, in, 'S');
		if (unlink(pa) || rename(pad, pa) || unlink(pb) || mkdir(pb, 0755))
			_exit(3);
		put(pbf);
		sync_with(out, in, 'D');
	}
	_exit(0);
}

/* link: path leads through the symlink (nothing in the view), else "in". */
static int check(const char *path, int link)
{
	char buf[16];
	struct stat st;
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (link) {
		if (fd >= 0 || errno != ENOENT) {
			r = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
			printf("open %s: %s \"%.*s\"\n", path, fd >= 0 ? "opened" : strerror(errno),
			       r > 0 ? (int)r : 0, buf);
			return 1;
		}
		if (stat(path, &st) == 0 || errno != ENOENT) {
			printf("stat %s: %s\n", path, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (fd < 0) {
		printf("open %s: %s\n", path, strerror(errno));
		return 1;
	}
	r = read(fd, buf, sizeof(buf));
	close(fd);
	if (r != 2 || memcmp(buf, "in", 2)) {
		printf("read %s: \"%.*s\"\n", path, r > 0 ? (int)r : 0, buf);
		return 1;
	}
	if (stat(path, &st) || st.st_size != 2) {
		printf("stat %s: size %ld\n", path, (long)st.st_size);
		return 1;
	}
	return 0;
}

static void *hammer(void *arg)
{
	struct stat st;

	(void)arg;
	while (!stop) {
		stat(paf, &st);
		stat(pbf, &st);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[3]) : 1000;
	int to_child[2], to_parent[2], st, bad = 0;
	pthread_t th;
	pid_t pid;
	char c;

	if (argc < 3)
		return 2;
	snprintf(pa, sizeof(pa), "%s/a", argv[1]);
	snprintf(pad, sizeof(pad), "%s/a.d", argv[1]);
	snprintf(pb, sizeof(pb), "%s/b", argv[1]);
	snprintf(paf, sizeof(paf), "%s/a/f", argv[1]);
	snprintf(pbf, sizeof(pbf), "%s/b/f", argv[1]);
	snprintf(pt, sizeof(pt), "%s/t", argv[1]);
	if (mkdir(argv[1], 0755) || mkdir(pa, 0755) || mkdir(pb, 0755))
		return 2;
	put(paf);
	put(pbf);
	bad = check(paf, 0) || check(pbf, 0);	/* every lookup warm */
	if (bad || pipe(to_child) || pipe(to_parent))
		return 1;
	pid = fork();
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		swapper(argv[2], n, to_parent[1], to_child[0]);
	}
	close(to_parent[1]);	/* EOF when the child is done */
	close(to_child[0]);
	if (pthread_create(&th, NULL, hammer, NULL))
		return 2;
	while (!bad && read(to_parent[0], &c, 1) == 1) {
		bad = check(paf, c == 'S') || check(pbf, c == 'S');
		if (!bad && write(to_child[1], &c, 1) != 1)
			bad = 1;
	}
	stop = 1;
	pthread_join(th, NULL);
	if (bad)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (!bad && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		printf("swapper: status %d\n", st);
		bad = 1;
	}
	if (!bad)
		printf("reads ok\n");
	return bad;
}
