/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 kernel's structures and constants, for freestanding code
 * (the runtime, the loader, elements) that includes no libc header: one
 * copy here instead of one per file. Values are the kernel's uapi ones
 * (asm-generic/errno-base.h, asm-generic/fcntl.h, linux/stat.h,
 * asm/stat.h for x86-64); a K_ prefix keeps them clear of the uapi
 * headers an element may also include.
 */
#ifndef CSE_KABI_PUBLIC_H
#define CSE_KABI_PUBLIC_H

#include <stdint.h>

/* struct stat as the x86-64 kernel fills it (stat, fstat, newfstatat). */
struct cse_kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t times[6];	/* atime, its ns, mtime, its ns, ctime, its ns */
	int64_t unused[3];
};
_Static_assert(sizeof(struct cse_kstat) == 144, "struct stat is 144 bytes");

/* Errors, returned negated (-K_EFAULT). */
#define K_EPERM		1
#define K_ENOENT	2
#define K_ESRCH		3
#define K_EINTR		4
#define K_EIO		5
#define K_EBADF		9
#define K_EAGAIN	11
#define K_ENOMEM	12
#define K_EACCES	13
#define K_EFAULT	14
#define K_EEXIST	17
#define K_ENOTDIR	20
#define K_EISDIR	21
#define K_EINVAL	22
#define K_ENFILE	23
#define K_EMFILE	24
#define K_ENOSPC	28
#define K_ERANGE	34
#define K_ENAMETOOLONG	36
#define K_ENOSYS	38
#define K_ELOOP		40
#define K_EOPNOTSUPP	95
#define K_ETIMEDOUT	110

/* open(2) flags. */
#define K_O_RDONLY	0
#define K_O_WRONLY	01
#define K_O_RDWR	02
#define K_O_ACCMODE	03
#define K_O_CREAT	0100
#define K_O_EXCL	0200
#define K_O_NOCTTY	0400
#define K_O_TRUNC	01000
#define K_O_APPEND	02000
#define K_O_NONBLOCK	04000
#define K_O_DIRECTORY	0200000
#define K_O_NOFOLLOW	0400000
#define K_O_CLOEXEC	02000000
#define K_O_PATH	010000000

/* The *at() calls. */
#define K_AT_FDCWD		-100
#define K_AT_SYMLINK_NOFOLLOW	0x100
#define K_AT_EACCESS		0x200
#define K_AT_EMPTY_PATH		0x1000

/* File types and mode bits. */
#define K_S_IFMT	0170000
#define K_S_IFSOCK	0140000
#define K_S_IFLNK	0120000
#define K_S_IFREG	0100000
#define K_S_IFBLK	0060000
#define K_S_IFDIR	0040000
#define K_S_IFCHR	0020000
#define K_S_IFIFO	0010000
#define K_S_ISUID	04000
#define K_S_ISGID	02000
#define K_S_IXGRP	00010

/* access(2), fcntl(2), memfd_create(2), mmap(2). */
#define K_X_OK		1
#define K_W_OK		2
#define K_R_OK		4
#define K_F_DUPFD	0
#define K_F_GETFD	1
#define K_F_SETFD	2
#define K_F_DUPFD_CLOEXEC	1030
#define K_FD_CLOEXEC	1
#define K_MFD_CLOEXEC	1
#define K_MAP_PRIVATE	0x02
#define K_MAP_FIXED	0x10
#define K_MAP_ANONYMOUS	0x20

#endif /* CSE_KABI_PUBLIC_H */
