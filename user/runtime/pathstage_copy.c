// SPDX-License-Identifier: GPL-2.0
/*
 * Copying a guest path out of application memory, as the kernel's
 * getname() would: -EFAULT for memory it cannot read, -ENAMETOOLONG
 * when no NUL comes within PATH_MAX bytes.
 *
 * rt_copy_str_from_app (process_vm_readv) costs two system calls, as
 * much as the stat the path is for. So pages it has read once are
 * remembered (a small two-way set of page numbers) and later
 * strings on them are read directly. The set is forgotten whenever the
 * application may make memory unreadable: munmap and mprotect (their
 * range), brk lowering the break (the pages above it), mremap,
 * mmap MAP_FIXED, shmdt, madvise
 * DONTFORK/GUARD_INSTALL (noted by pathstage_pre before the call is
 * made), and before fork, whose child lacks MADV_DONTFORK ranges.
 *
 * Known differences: a thread that unmaps a page while another thread
 * passes a path on it to a system call can make the runtime fault
 * instead of the kernel returning EFAULT (the program races against its
 * own argument); so can memory made inaccessible with protection keys
 * (WRPKRU needs no system call).
 */
#include "runtime.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096ul
#define SLOTS		64	/* power of two */

/* Page number + 1 of a page known readable, 0 for none. */
RT_HOT_DATA static uintptr_t known[SLOTS];

/*
 * The last "" pathstage_known_empty found, on a known page, else 0:
 * entry.S's plain path takes an fstat (newfstatat(fd, p, ...)) with p
 * equal to it, after reading *p (the page stays readable while this is
 * set: it is cleared with the page's entry).
 */
RT_HOT_DATA const char *cse_known_empty;

void pathstage_forget_memory(void)
{
	__atomic_store_n(&cse_known_empty, NULL, __ATOMIC_SEQ_CST);
	for (int i = 0; i < SLOTS; i++)
		__atomic_store_n(&known[i], 0, __ATOMIC_RELAXED);
}

/* The break the last brk returned, 0 while not known. */
RT_HOT_DATA static uintptr_t brk_top;

/* Before brk(addr): only a lower break takes memory away (malloc grows
 * the heap far more often than it trims it), and only the pages from
 * addr's up to the break: the others stay known (glibc trims the heap
 * every few hundred calls of tar -c; forgetting every page cost a
 * process_vm_readv for each page read again, the C library's "" of
 * fstat among them). Without a known break, every page is forgotten. */
void pathstage_brk_pre(uintptr_t addr)
{
	uintptr_t top = __atomic_load_n(&brk_top, __ATOMIC_RELAXED);

	if (!addr || (top && addr >= top))
		return;
	if (!top) {
		pathstage_forget_memory();
		return;
	}
	pathstage_forget_range(addr, top - addr);
}

/* Before munmap, mprotect (and a lower break): the known pages of
 * [addr, addr + len) are forgotten, the others stay known. */
void pathstage_forget_range(uintptr_t addr, size_t len)
{
	uintptr_t lo = addr >> PAGE_SHIFT, hi;

	if (len > (uintptr_t)-1 - addr - PAGE_SIZE) {
		pathstage_forget_memory();
		return;
	}
	hi = (addr + len + PAGE_SIZE - 1) >> PAGE_SHIFT;	/* first page after */
	if (((uintptr_t)__atomic_load_n(&cse_known_empty, __ATOMIC_RELAXED) >> PAGE_SHIFT) - lo <
	    hi - lo)
		__atomic_store_n(&cse_known_empty, NULL, __ATOMIC_SEQ_CST);
	for (int i = 0; i < SLOTS; i++) {
		uintptr_t k = __atomic_load_n(&known[i], __ATOMIC_RELAXED);

		if (k && k - 1 >= lo && k - 1 < hi)
			__atomic_store_n(&known[i], 0, __ATOMIC_RELAXED);
	}
}

void pathstage_brk_post(long ret)
{
	if (ret > 0)
		__atomic_store_n(&brk_top, (uintptr_t)ret, __ATOMIC_RELAXED);
}

/*
 * Two ways per set: two pages of one set read in turn (a heap page of
 * names and the C library's "" of fstat, at addresses ASLR picks) would
 * evict each other at every call in a direct-mapped table.
 */
#define SET(page)	(((page) & (SLOTS / 2 - 1)) * 2)

static int is_known(uintptr_t page)
{
	const uintptr_t *k = &known[SET(page)];

	return __atomic_load_n(&k[0], __ATOMIC_RELAXED) == page + 1 ||
	       __atomic_load_n(&k[1], __ATOMIC_RELAXED) == page + 1;
}

/* Into a free way, else over the way the page's next bit picks; an
 * entry is only ever overwritten, never moved (a move could bring back
 * a page forgotten meanwhile). */
static void remember(uintptr_t page)
{
	uintptr_t *k = &known[SET(page)];
	int w = !__atomic_load_n(&k[0], __ATOMIC_RELAXED) ? 0 :
		!__atomic_load_n(&k[1], __ATOMIC_RELAXED) ? 1 : (int)((page / (SLOTS / 2)) & 1);

	__atomic_store_n(&k[w], page + 1, __ATOMIC_RELAXED);
}

/* The kernel's half is never application memory. */
static int user_address(uintptr_t a)
{
	return a >= PAGE_SIZE && a < (1ul << 47);
}

/*
 * p is "" on a page read before (no system call, no fault): the kernel
 * looks nothing up for it (fstat as newfstatat(fd, "", AT_EMPTY_PATH)).
 * 0 when not known: the caller takes the general path.
 */
RT_HOT int pathstage_known_empty(const char *p)
{
	uintptr_t a = (uintptr_t)p;

	if (!user_address(a) || !is_known(a >> PAGE_SHIFT) || *(const volatile char *)p)
		return 0;
	if (__atomic_load_n(&cse_known_empty, __ATOMIC_RELAXED) != p)
		__atomic_store_n(&cse_known_empty, p, __ATOMIC_RELAXED);
	return 1;
}

RT_HOT long pathstage_copy_path(char *dst, const char *src)
{
	uintptr_t a = (uintptr_t)src;
	size_t n = 0;
	long r;

	while (n < PATHSTAGE_MAX && user_address(a + n) && is_known((a + n) >> PAGE_SHIFT)) {
		size_t chunk = PAGE_SIZE - ((a + n) & (PAGE_SIZE - 1));
		const volatile char *s = (const volatile char *)(a + n);

		if (chunk > PATHSTAGE_MAX - n)
			chunk = PATHSTAGE_MAX - n;
		for (size_t i = 0; i < chunk; i++) {
			dst[n + i] = s[i];
			if (!dst[n + i])
				return (long)(n + i);
		}
		n += chunk;
	}
	if (n == PATHSTAGE_MAX)
		return -36;	/* ENAMETOOLONG */
	r = rt_copy_str_from_app(dst + n, src + n, PATHSTAGE_MAX - n);
	if (r < 0)
		return r;
	/* Every page up to the NUL was read. */
	for (uintptr_t p = (a + n) >> PAGE_SHIFT; p <= (a + n + (size_t)r) >> PAGE_SHIFT; p++)
		remember(p);
	return (long)n + r;
}
