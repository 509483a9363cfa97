/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime services offered to elements (ABI 2).
 *
 * Elements are freestanding shared objects (-nostdlib -fPIC -shared
 * -mgeneral-regs-only): they have no libc and must not make system calls
 * with their own `syscall` instructions, because only the runtime's code
 * is in the Syscall User Dispatch allowed region. Everything an element
 * needs from the outside world goes through this table, which the runtime
 * hands to the element's setup() and which stays valid for the life of
 * the process. Functions taking an `element` argument want cse_setup.id.
 */
#ifndef CSE_SERVICES_H
#define CSE_SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define CSE_SERVICES_VERSION 2

struct cse_call;

/*
 * A lock for element state, in process memory or in the instance state
 * (shared by the application's processes). All zero is unlocked. Safe
 * against a signal arriving on the holding thread, and taken over when
 * its holder died.
 */
struct cse_lock {
	uint32_t owner;		/* tid of the holder, 0 when free */
	uint32_t spare;		/* must be zero */
};

/* ---- the path stage ---- */

/* What a call does with a path (bits of cse_path_req.intent). */
#define CSE_PATH_READ		0x001	/* looks up, reads or stats the object */
#define CSE_PATH_WRITE		0x002	/* changes the object's data or metadata */
#define CSE_PATH_CREATE		0x004	/* may create the last component */
#define CSE_PATH_REMOVE		0x008	/* removes or renames away the last component */
#define CSE_PATH_NOFOLLOW	0x010	/* a symlink as last component is not followed */
#define CSE_PATH_EMPTY		0x020	/* AT_EMPTY_PATH: "" names dirfd itself */
#define CSE_PATH_EXEC		0x040	/* executed, or loaded as an interpreter */
#define CSE_PATH_DIR		0x080	/* must name a directory (chdir, chroot) */
#define CSE_PATH_SYMLINK_TARGET	0x100	/* symlink()'s target text: stored, not resolved */
#define CSE_PATH_SOCKET		0x200	/* an AF_UNIX socket path */
/*
 * openat2's how.resolve (RESOLVE_*), shifted: the lookup restrictions the
 * application asked for. A resolver that rewrites the path either
 * honours a restriction itself and clears its bit in req->intent, or
 * leaves the bit set and the kernel applies it to the rewritten path (so
 * a path made absolute under BENEATH fails with EXDEV, and IN_ROOT makes
 * an absolute path relative to dirfd). Bits left are what the kernel gets.
 */
#define CSE_PATH_RESOLVE_SHIFT	16
#define CSE_PATH_NO_XDEV	(0x01u << 16)	/* RESOLVE_NO_XDEV */
#define CSE_PATH_NO_MAGICLINKS	(0x02u << 16)	/* RESOLVE_NO_MAGICLINKS */
#define CSE_PATH_NO_SYMLINKS	(0x04u << 16)	/* RESOLVE_NO_SYMLINKS (NOFOLLOW is set too) */
#define CSE_PATH_BENEATH	(0x08u << 16)	/* RESOLVE_BENEATH: stay under dirfd */
#define CSE_PATH_IN_ROOT	(0x10u << 16)	/* RESOLVE_IN_ROOT: dirfd is "/" */
#define CSE_PATH_CACHED		(0x20u << 16)	/* RESOLVE_CACHED */
#define CSE_PATH_RESOLVE_MASK	(0x3fu << 16)

struct cse_path_req {
	long nr;		/* syscall the path belongs to */
	int arg;		/* index of the path argument, -1 for a result */
	int dirfd;		/* AT_FDCWD or a descriptor: the resolver may change it */
	const char *path;	/* the guest path, NUL-terminated, in runtime memory */
	uint32_t intent;	/* CSE_PATH_*; resolve() may clear RESOLVE bits */
	char *out;		/* where resolve() writes the host path */
	size_t out_size;
	/* The application's call this path belongs to (for svc->scratch
	 * and to find, in handle(), what resolve() decided), or NULL for
	 * an access the runtime or loader makes outside a call (exec
	 * checks, program and interpreter opens). */
	struct cse_call *call;
};

struct cse_path_ops {
	/*
	 * Guest path to host path. Returns 0: keep the path as it is;
	 * 1: req->out holds the path to use (absolute, or relative to
	 * req->dirfd); -errno: the call fails with that error and the
	 * kernel is not asked.
	 */
	int (*resolve)(struct cse_path_req *req);
	/*
	 * Host path (from getcwd, readlink, /proc/self/{exe,cwd,root,fd/N},
	 * /proc/self/maps, mountinfo, AF_UNIX addresses) to guest path.
	 * Returns 0: show it as it is; > 0: the length of the guest path
	 * written to out (NUL-terminated); -errno: the call fails with it.
	 */
	long (*reverse)(const char *host, char *out, size_t out_size);
};

/* ---- the socket-address stage ---- */

struct cse_sockaddr_req {
	long nr;		/* bind, connect, sendto, sendmsg, getsockname, ... */
	int fd;			/* the socket */
	const void *addr;	/* the address, in runtime memory */
	uint32_t len;
	void *out;		/* where the translation is written */
	uint32_t out_size;
	uint32_t out_len;	/* set by the element when it returns 1 */
};

struct cse_sockaddr_ops {
	/* Guest address going to the kernel (bind, connect, sendto,
	 * sendmsg and sendmmsg names). 0: unchanged; 1: out/out_len hold
	 * the address to use; -errno: the call fails with it. */
	int (*to_host)(struct cse_sockaddr_req *req);
	/* Host address coming back (getsockname, getpeername, accept,
	 * accept4, recvfrom, recvmsg and recvmmsg names). Same returns. */
	int (*to_guest)(struct cse_sockaddr_req *req);
};

/* ---- the descriptor table ---- */

/*
 * An element attaches one 64-bit value (non-zero) to a descriptor; the
 * runtime follows the descriptor through the application's calls. The
 * table is per process: fork copies it, exec keeps the entries of the
 * descriptors that survive (close-on-exec ones are closed). While an
 * element tracks descriptors, clone(CLONE_VM) without CLONE_FILES and
 * without CLONE_VFORK fails with EINVAL: the child would share the
 * table's memory but not the descriptors.
 */
struct cse_fd_ops {
	/* fd was closed (close, close_range, dup2/dup3 over it, exec with
	 * close-on-exec). The entry is gone after this returns. */
	void (*closed)(int fd, uint64_t value);
	/* newfd now names oldfd's file (dup, dup2, dup3, F_DUPFD*): the
	 * value newfd gets (0: none). NULL: newfd gets the same value. */
	uint64_t (*duplicated)(int oldfd, int newfd, uint64_t value);
	/* fd arrived by SCM_RIGHTS or pidfd_getfd: its value (0: none).
	 * Optional. */
	uint64_t (*received)(int fd);
};

struct cse_services {
	uint32_t version;	/* CSE_SERVICES_VERSION */
	uint32_t size;		/* sizeof(struct cse_services) */

	/*
	 * Perform a real system call, bypassing every element and stage.
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
	 * (see CSE_ARG_*), or NULL when unknown.
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
	 * Ask each time: the runtime may move the fd.
	 */
	int (*instance_fd)(void);

	/* Application memory: 0, or -EFAULT for a bad pointer. */
	long (*copy_from_app)(void *dst, const void *app_src, size_t len);
	long (*copy_to_app)(void *app_dst, const void *src, size_t len);
	/* A NUL-terminated string: its length, -EFAULT, or -ENAMETOOLONG
	 * when it does not fit in size bytes with its NUL. */
	long (*copy_str_from_app)(char *dst, const char *app_src, size_t size);

	/* Memory for this call (rewritten arguments), 16-byte aligned, valid
	 * until the call's exit() hooks have run; NULL when used up. */
	void *(*scratch)(struct cse_call *call, size_t size);

	void (*lock)(struct cse_lock *l);
	void (*unlock)(struct cse_lock *l);

	/* Register this element's stage (once, from setup). 0 or -errno. */
	int (*path_stage)(int element, const struct cse_path_ops *ops);
	int (*sockaddr_stage)(int element, const struct cse_sockaddr_ops *ops);

	/* The descriptor table. fd_track registers the hooks (once, from
	 * setup); fd_set with value 0 removes the entry; fd_get returns
	 * the value or 0 (always 0 in a vfork child, whose descriptors
	 * are not the table's). fd_set: 0, -EBADF, or -ENOMEM. fd_set checks
	 * that fd is open (one fcntl), unless element is or'ed with
	 * CSE_FD_NEW: fd is the one the call in hand returned (its exit
	 * hook), open by the kernel's word. */
	int (*fd_track)(int element, const struct cse_fd_ops *ops);
	int (*fd_set)(int element, int fd, uint64_t value);
	uint64_t (*fd_get)(int element, int fd);

	/*
	 * Quiet descriptors (present when size covers it). syscalls lists
	 * numbers this element handles whose first argument is the
	 * descriptor they act on (fchmod, fchown, fsetxattr, fremovexattr,
	 * utimensat), ended by CSE_SYSCALLS_END. Once registered (once,
	 * from setup, after fd_track), such a call on a descriptor whose
	 * table value has CSE_FD_QUIET set reaches neither this element's
	 * handle() nor its exit(): the element says it has no per-call work
	 * for it. A call is made quiet only when every element that handles
	 * its number registered the number and marked the descriptor, and
	 * when its path arguments are NULL (utimensat(fd, NULL, ...)); the
	 * runtime's own checks still apply. The mark is part of the value,
	 * so it follows the value: dropped on close, passed on by dup
	 * (duplicated()'s value), fork and exec. 0, -EINVAL (not tracking,
	 * or a number without a descriptor first, or one the runtime
	 * carries out or watches), -EBUSY (registered already).
	 */
	int (*fd_quiet)(int element, const long *syscalls);
};

/* fd_set(element | CSE_FD_NEW, ...): see fd_set. */
#define CSE_FD_NEW	0x40000000
/* A bit of a descriptor table value: the descriptor is quiet (fd_quiet)
 * for this element. The element's other 63 bits are its own. */
#define CSE_FD_QUIET	(1ull << 63)

/* Argument kinds returned by syscall_args(). */
#define CSE_ARG_INT	'i'	/* signed integer */
#define CSE_ARG_UINT	'u'	/* unsigned integer / size */
#define CSE_ARG_HEX	'x'	/* flags, modes, addresses */
#define CSE_ARG_FD	'f'	/* file descriptor (AT_FDCWD allowed) */
#define CSE_ARG_PATH	'p'	/* NUL-terminated path in the app's memory */
#define CSE_ARG_STR	's'	/* other NUL-terminated string */
#define CSE_ARG_PTR	'*'	/* pointer to a struct/buffer */
#define CSE_ARG_SOCKADDR 'a'	/* struct sockaddr in (length in the next argument) */
#define CSE_ARG_SOCKOUT	'A'	/* struct sockaddr out (socklen_t * in the next argument) */
#define CSE_ARG_MSGHDR	'm'	/* struct msghdr * */
#define CSE_ARG_MMSGHDR	'M'	/* struct mmsghdr * vector (count in the next argument) */

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
