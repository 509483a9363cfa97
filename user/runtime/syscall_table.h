/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall table's per-number record: argument kinds, runtime flags,
 * the path arguments (with their dirfd and the flag bits that decide
 * whether the last component is followed) and the path-carrying result.
 */
#ifndef CSE_SYSCALL_TABLE_H
#define CSE_SYSCALL_TABLE_H

#include <stdint.h>

/* Numbers newer than the build machine's <asm/unistd_64.h>. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2		452
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat		463
#define __NR_getxattrat		464
#define __NR_listxattrat	465
#define __NR_removexattrat	466
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr	467
#endif
#ifndef __NR_file_getattr
#define __NR_file_getattr	468
#define __NR_file_setattr	469
#endif

/* How the argument at sys_path.flags changes a path's intent. */
enum sys_path_rule {
	SPR_NONE = 0,
	SPR_OPEN,	/* open flags: O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC, access mode */
	SPR_OPENHOW,	/* struct open_how *: its flags and RESOLVE_* bits */
	SPR_AT,		/* AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH */
	SPR_AT_FOLLOW,	/* not followed unless AT_SYMLINK_FOLLOW; AT_EMPTY_PATH */
	SPR_AT_REMOVEDIR, /* unlinkat: AT_REMOVEDIR names a directory */
	SPR_INOTIFY,	/* IN_DONT_FOLLOW, IN_ONLYDIR */
	SPR_FANOTIFY,	/* FAN_MARK_DONTFOLLOW, FAN_MARK_ONLYDIR */
	SPR_MOVE_FROM,	/* MOVE_MOUNT_F_SYMLINKS, MOVE_MOUNT_F_EMPTY_PATH */
	SPR_MOVE_TO,	/* MOVE_MOUNT_T_SYMLINKS, MOVE_MOUNT_T_EMPTY_PATH */
	SPR_FSPICK,	/* FSPICK_SYMLINK_NOFOLLOW, FSPICK_EMPTY_PATH */
	SPR_UMOUNT,	/* UMOUNT_NOFOLLOW */
	SPR_MOUNT_SRC,	/* mount's source is a path only for MS_BIND and MS_MOVE */
	SPR_QUOTAON,	/* quotactl's addr is a path only for Q_QUOTAON */
};

/* sys_path.opt */
#define SPO_NULL_OK	0x1	/* NULL is not a path (utimensat, acct, fanotify_mark) */
#define SPO_CORE	0x2	/* resolved by the core itself (exec: exec_check.c) */

struct sys_path {
	int8_t arg;		/* index of the path argument; 0 with intent 0: none */
	int8_t dirfd;		/* index of its dirfd, -1: relative to the cwd */
	int8_t flags;		/* index of the argument read by rule, -1: none */
	uint8_t rule;		/* enum sys_path_rule */
	uint16_t intent;	/* CSE_PATH_* bits that always hold */
	uint16_t opt;		/* SPO_* */
};

/* sys_info.result: a path the kernel writes back. */
enum sys_result {
	SRES_NONE = 0,
	SRES_GETCWD,		/* getcwd(buf, size) */
	SRES_READLINK,		/* readlink(path, buf, size): buffer in args 1, 2 */
	SRES_READLINKAT,	/* readlinkat(dirfd, path, buf, size): args 2, 3 */
};

/*
 * No pointers in the table: a pointer needs a relocation, and the
 * loader's self_relocate() writing 600 of them made every exec copy
 * five pages of it.
 */
struct sys_info {
	char args[8];		/* '=' then CSE_ARG_* per argument; "": unknown */
	uint8_t flags;		/* SYS_* (runtime.h) */
	uint8_t npaths;
	uint8_t result;		/* enum sys_result */
	struct sys_path path[2];
};

/* NULL when nr is outside the table. */
const struct sys_info *syscall_info(long nr);

#endif
