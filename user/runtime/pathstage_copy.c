// SPDX-License-Identifier: GPL-2.0
/*
 * Copying a guest path out of application memory, as the kernel's
 * getname() would: -EFAULT for memory it cannot read, -ENAMETOOLONG
 * when no NUL comes within PATH_MAX bytes.
 *
 * rt_copy_str_from_app (process_vm_readv) costs two system calls, as
 * much as the stat the path is for. So pages it has read once are
 * remembered (a small direct-mapped set of page numbers) and later
 * strings on them are read directly. The set is forgotten whenever the
 * application may make memory unreadable: munmap, mprotect, mremap,
 * mmap MAP_FIXED, brk lowering the break, shmdt, madvise
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

void pathstage_forget_memory(void)
{
	for (int i = 0; i < SLOTS; i++)
		__atomic_store_n(&known[i], 0, __ATOMIC_RELAXED);
}

/* The break the last brk returned, 0 while not known. */
RT_HOT_DATA static uintptr_t brk_top;

/* Before brk(addr): only a lower break takes memory away (malloc grows
 * the heap far more often than it trims it). */
void pathstage_brk_pre(uintptr_t addr)
{
	uintptr_t top = __atomic_load_n(&brk_top, __ATOMIC_RELAXED);

	if (!addr || (top && addr >= top))
		return;
	pathstage_forget_memory();
}

void pathstage_brk_post(long ret)
{
	if (ret > 0)
		__atomic_store_n(&brk_top, (uintptr_t)ret, __ATOMIC_RELAXED);
}

static int is_known(uintptr_t page)
{
	return __atomic_load_n(&known[page & (SLOTS - 1)], __ATOMIC_RELAXED) == page + 1;
}

static void remember(uintptr_t page)
{
	__atomic_store_n(&known[page & (SLOTS - 1)], page + 1, __ATOMIC_RELAXED);
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

	return user_address(a) && is_known(a >> PAGE_SHIFT) && !*(const volatile char *)p;
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
