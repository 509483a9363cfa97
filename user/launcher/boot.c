// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The application's first boot block (include/cse/boot.h): what
 * cse-loader runs and with which elements, handed over at the agreed
 * descriptor so the loader's argv and environment can be exactly the
 * program's own; or, when the loader starts in cse-run's process
 * (userexec.c), left in memory for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cse/boot.h>

#include "launcher.h"

static size_t put(char *buf, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;

	if (at + n > CSE_BOOT_MAX)
		cse_die(CSE_EXIT_USAGE, "shorten the element arguments",
			"the configuration is longer than %u bytes", CSE_BOOT_MAX);
	memcpy(buf + at, s, n);
	return at + n;
}

/*
 * Does the program start with an fd near the low range where the
 * runtime puts its own (an inherited fd that survives the exec)? Then
 * the runtime puts them near the top of the limit from the start.
 * getdents64 straight into a static buffer: no DIR, no malloc.
 */
static int fds_near_low(void)
{
	static char buf[4096] __attribute__((aligned(8)));
	/* openat itself: musl's open adds an F_SETFD for old kernels */
	int d = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int near = 0;
	long n = sizeof(buf);

	if (d < 0)
		return 1;	/* cannot tell */
	/* A read that left room for another entry was the last one. */
	while (!near && n > (long)sizeof(buf) - 64 &&
	       (n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
		for (long at = 0; !near && at < n;) {
			const struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *e = (const void *)(buf + at);
			char *end;
			long fd = strtol(e->name, &end, 10);
			int fl;

			at += e->reclen;
			if (*end || end == e->name || fd == d ||
			    fd < CSE_HIDDEN_FD_LOW - CSE_HIDDEN_FD_NEAR)
				continue;
			fl = fcntl((int)fd, F_GETFD);
			near = fl >= 0 && !(fl & FD_CLOEXEC);
		}
	}
	close(d);
	return near;
}

const void *cse_boot_send(const struct cse_boot_req *req, const struct cse_opts *o)
{
	/* .lbss: only the pages written are touched */
	static char buf[CSE_BOOT_MAX] __attribute__((aligned(8), section(".lbss")));
	struct cse_boot *h = (struct cse_boot *)buf;
	struct rlimit rl;
	size_t at = sizeof(*h);
	int fd, bfd, fl;

	h->magic = CSE_BOOT_MAGIC;
	h->version = CSE_BOOT_VERSION;
	h->state_fd = req->state_fd;
	h->instance_fd = req->instance_fd;
	h->displaced_fd = -1;
	h->flags = o->no_rewrite ? CSE_BOOT_NO_REWRITE : 0;
	if (o->no_site_cache)
		h->flags |= CSE_BOOT_NO_SITE_CACHE;
	if (req->guest_program)
		h->flags |= CSE_BOOT_GUEST_PROGRAM;
	if (fds_near_low())
		h->flags |= CSE_BOOT_FDS_HIGH;
	if (req->in_place) {
		/* cse-run checked that no runtime has set %gs (userexec.c) */
		h->flags |= CSE_BOOT_IN_PLACE | CSE_BOOT_GS_FREE;
		h->launcher_start = req->launcher_start;
		h->launcher_end = req->launcher_end;
	}
	h->nstrings = 3 + (uint32_t)o->n_elements + (req->in_place ? 1 : 0);
	at = put(buf, at, req->program);
	at = put(buf, at, req->filename);
	at = put(buf, at, req->comm);
	for (size_t i = 0; i < o->n_elements; i++) {
		at = put(buf, at, o->elements[i].name);	/* settings: in the state */
	}
	if (req->in_place)
		at = put(buf, at, req->loader);
	h->size = (uint32_t)at;
	if (req->in_place) {
		/* The loader copies it from here (userexec.c): no fd. */
		cse_info("boot block in memory: program %s, named %s, comm %s, %zu element(s)",
			 req->program, req->filename, req->comm, o->n_elements);
		return buf;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || (bfd = cse_boot_fd(rl.rlim_cur)) < 0)
		cse_die(CSE_EXIT_FAILURE, "raise the open files limit (ulimit -n)",
			"no file descriptor can be opened");
	h->creator = getpid();

	/* An fd inherited at the agreed number is the program's: park it. */
	fl = fcntl(bfd, F_GETFD);
	if (fl >= 0 && !(fl & FD_CLOEXEC)) {
		h->displaced_fd = fcntl(bfd, F_DUPFD, 3);
		if (h->displaced_fd < 0)
			cse_die(CSE_EXIT_FAILURE, NULL, "dup: %s", strerror(errno));
	}
	fd = memfd_create(CSE_BOOT_NAME, MFD_CLOEXEC);
	if (fd < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "memfd_create: %s", strerror(errno));
	if (write(fd, buf, at) != (ssize_t)at)
		cse_die(CSE_EXIT_FAILURE, NULL, "cannot write the boot block: %s", strerror(errno));
	if (fd == bfd ? fcntl(fd, F_SETFD, 0) < 0 : dup3(fd, bfd, 0) < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "cannot place the boot block at fd %d: %s", bfd,
			strerror(errno));
	if (fd != bfd)
		close(fd);
	cse_info("boot block at fd %d: program %s, named %s, comm %s, %zu element(s)%s",
		 bfd, req->program, req->filename, req->comm, o->n_elements,
		 h->displaced_fd >= 0 ? ", inherited fd parked" : "");
	return NULL;
}
