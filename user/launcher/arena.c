// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-run's malloc when linked statically with musl (CSE_LAUNCHER_ARENA,
 * user/Makefile): a bump allocator in .bss. cse-run lives for a few
 * hundred allocations before it execs the loader; musl's allocator put
 * each size class on its own fresh page, about eight page faults of every
 * launch, where these allocations share one or two pages. Requests too
 * big for the arena get their own mapping, given back by free(); arena
 * memory is reused only when the last allocation is freed or grown.
 * musl allows the program to replace malloc; its own internal calls keep
 * their allocator (__libc_malloc).
 */
#ifdef CSE_LAUNCHER_ARENA
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_SIZE	(512u * 1024)
#define BIG		(64u * 1024)	/* and larger: a mapping of its own */
#define HDR		16u		/* the size, keeping 16-byte alignment */

/* .lbss: after .bss, whose small variables keep sharing a page */
static alignas(16) unsigned char arena[ARENA_SIZE] __attribute__((section(".lbss")));
static size_t used;		/* bytes of arena handed out, headers included */
static unsigned char *last;	/* the latest arena allocation */

static size_t *hdr(void *p)
{
	return (size_t *)((unsigned char *)p - HDR);
}

static int in_arena(const void *p)
{
	return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_SIZE;
}

/* Not named malloc: GCC would turn calloc's malloc + memset into a
 * call of calloc, itself. */
static void *alloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	unsigned char *p;

	if (n >= BIG || need + HDR > ARENA_SIZE - used) {
		size_t len;
		void *m;

		if (n > SIZE_MAX - HDR - 4095) {
			errno = ENOMEM;
			return NULL;
		}
		len = (n + HDR + 4095) & ~(size_t)4095;
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		p = (unsigned char *)m + HDR;
		*hdr(p) = len - HDR;
		return p;
	}
	p = arena + used + HDR;
	*hdr(p) = need;
	used += need + HDR;
	last = p;
	return p;
}

void *malloc(size_t n)
{
	return alloc(n);
}

void free(void *p)
{
	if (!p)
		return;
	if (!in_arena(p)) {
		munmap((unsigned char *)p - HDR, *hdr(p) + HDR);
		return;
	}
	if (p == last) {
		used = (size_t)((unsigned char *)p - HDR - arena);
		last = NULL;
	}
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = alloc(n * size);
	/* Fresh .bss and mappings are zero; a reused tail may not be. */
	if (p && in_arena(p))
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *old, size_t n)
{
	size_t have, need = (n + 15) & ~(size_t)15;
	void *p;

	if (!old)
		return alloc(n);
	have = *hdr(old);
	if (old == last && n < BIG &&
	    need <= ARENA_SIZE - (size_t)((unsigned char *)old - arena)) {
		used = (size_t)((unsigned char *)old - arena) + need;
		*hdr(old) = need;
		return old;
	}
	if (n <= have)
		return old;
	p = alloc(n);
	if (!p)
		return NULL;
	memcpy(p, old, have);
	free(old);
	return p;
}
#endif
