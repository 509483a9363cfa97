/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime services offered to elements.
 *
 * Elements are freestanding shared objects (-nostdlib -fPIC -shared
 * -mgeneral-regs-only): they have no libc and must not make system calls
 * with their own `syscall` instructions, because only the runtime's code
 * is in the Syscall User Dispatch allowed region.  Everything an element
 * needs from the outside world goes through this table, which the runtime
 * hands to the element's setup() and which stays valid for the life of
 * the process.
 */
#ifndef CSE_SERVICES_H
#define CSE_SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define CSE_SERVICES_VERSION 1

struct cse_services {
	uint32_t version;	/* CSE_SERVICES_VERSION */
	uint32_t size;		/* sizeof(struct cse_services) */

	/*
	 * Perform a real system call, bypassing every element.
	 * Returns the raw kernel result (-errno on failure).
	 */
	long (*syscall)(long nr, long a0, long a1, long a2, long a3, long a4,
			long a5);

	/* snprintf subset: %d %i %u %ld %lu %lld %llu %x %lx %p %s %c %%,
	 * with optional '-', '0' flags and a width. Always NUL-terminates;
	 * returns the length that would have been written. */
	int (*format)(char *buf, size_t size, const char *fmt, va_list ap);

	/* Write a whole buffer to fd, retrying on EINTR and short writes. */
	long (*write_all)(int fd, const void *buf, size_t len);

	/* Name of syscall nr (e.g. "openat"), or NULL for an unknown number. */
	const char *(*syscall_name)(long nr);

	/*
	 * Argument kinds of syscall nr, one character per argument
	 * (see CSE_ARG_*), or NULL when unknown. Lets elements decode
	 * calls without their own table.
	 */
	const char *(*syscall_args)(long nr);

	/*
	 * Move fd to the runtime's hidden fd range and protect it from the
	 * application (close, dup2 onto it, close_range skip it).
	 * Returns the new fd or -errno; the old fd is closed. The runtime
	 * moves the fd when the application wants its number: keep the
	 * returned number as a handle and write through write_all, which
	 * follows the move.
	 */
	int (*hide_fd)(int fd, int cloexec);

	/* Process id and thread id, from the kernel. */
	int (*getpid)(void);
	int (*gettid)(void);

	/*
	 * The application's cse.ko instance fd (ioctls of
	 * include/uapi/linux/cse.h), or -1 when it runs without the module.
	 * Ask each time: the runtime may move the fd to keep it away from
	 * the application.
	 */
	int (*instance_fd)(void);
};

/* Argument kinds returned by syscall_args(). */
#define CSE_ARG_INT	'i'	/* signed integer */
#define CSE_ARG_UINT	'u'	/* unsigned integer / size */
#define CSE_ARG_HEX	'x'	/* flags, modes, addresses */
#define CSE_ARG_FD	'f'	/* file descriptor (AT_FDCWD allowed) */
#define CSE_ARG_PATH	'p'	/* NUL-terminated path in the app's memory */
#define CSE_ARG_STR	's'	/* other NUL-terminated string */
#define CSE_ARG_PTR	'*'	/* pointer to a struct/buffer */

/* Freestanding helpers usable by elements without linking anything. */
static inline size_t cse_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int cse_strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

static inline int cse_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static inline int cse_snprintf(const struct cse_services *svc, char *buf,
			       size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int cse_snprintf(const struct cse_services *svc, char *buf,
			       size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = svc->format(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#endif /* CSE_SERVICES_H */
