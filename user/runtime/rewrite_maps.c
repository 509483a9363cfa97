// SPDX-License-Identifier: GPL-2.0
/*
 * Which mappings the rewriter may patch: the protection of the mapping
 * holding an address, from the loader's own knowledge of the text it
 * mapped (rewrite_learn.c) or else /proc/self/maps, with the last answer
 * kept until a call that may remap it goes through the runtime.
 */
#include "runtime.h"

static const char *memchr_local(const char *s, int c, long n)
{
	for (long i = 0; i < n; i++)
		if (s[i] == c)
			return s + i;
	return NULL;
}

/*
 * The last mapping found in /proc/self/maps, reused until a call that
 * may change mappings over it (rewrite_maps_changed) went through the
 * runtime: a process start traps at a dozen sites of the same libc text.
 */
static struct {
	uintptr_t lo, hi;
	int prot;
	unsigned int gen;
} maps_cache;
static unsigned int maps_gen = 1;


void rewrite_maps_changed(uintptr_t start, size_t len)
{
	uintptr_t end = start + len < start ? UINTPTR_MAX : start + len;

	learn_text_changed(start, end);
	if (start < maps_cache.hi && end > maps_cache.lo)
		__atomic_fetch_add(&maps_gen, 1, __ATOMIC_RELAXED);
}

/* Protection and bounds of the mapping holding addr, from /proc/self/maps. */
static int read_mapping_prot(uintptr_t addr, int *prot, uintptr_t *mlo, uintptr_t *mhi)
{
	char buf[4096 + 256];
	size_t have = 0;
	long fd = rt_sys4(__NR_openat, -100, "/proc/self/maps", 02000000, 0);
	int found = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		long n = rt_sys3(__NR_read, fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		while ((nl = (char *)memchr_local(line, '\n', buf + have - line))) {
			uintptr_t lo = 0, hi = 0;
			char *p = line;

			for (; *p != '-'; p++)
				lo = lo * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
			for (p++; *p != ' '; p++)
				hi = hi * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
			if (addr >= lo && addr < hi) {
				p++;
				*prot = (p[0] == 'r' ? 1 : 0) | (p[1] == 'w' ? 2 : 0) |
					(p[2] == 'x' ? 4 : 0);
				*mlo = lo;
				*mhi = hi;
				found = 1;
				goto done;
			}
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
	}
done:
	rt_sys1(__NR_close, fd);
	return found ? 0 : -1;
}

/* Protection of the mapping holding addr. */
int rewrite_mapping_prot(uintptr_t addr, int *prot)
{
	unsigned int gen = __atomic_load_n(&maps_gen, __ATOMIC_RELAXED);
	uintptr_t lo, hi;

	if (learn_text_holds(addr)) {
		*prot = 5;	/* r-x: the loader mapped it so */
		return 0;
	}
	if (maps_cache.gen == gen && addr >= maps_cache.lo && addr < maps_cache.hi) {
		*prot = maps_cache.prot;
		return 0;
	}
	if (read_mapping_prot(addr, prot, &lo, &hi))
		return -1;
	maps_cache.lo = lo;
	maps_cache.hi = hi;
	maps_cache.prot = *prot;
	maps_cache.gen = gen;
	return 0;
}
