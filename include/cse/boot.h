/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The boot block: how cse-run and the runtime (on every execve inside an
 * application) tell cse-loader what to run and with which elements.
 *
 * Why not argv or the environment: the kernel shows a process's argv and
 * environment in /proc/PID/cmdline and /proc/PID/environ (ps, pgrep -f,
 * programs re-reading their own command line), and the loader cannot
 * move the kernel's view without CAP_SYS_RESOURCE. So the loader is
 * exec'd with exactly the argv and envp the kernel would have given the
 * program, and everything else travels in this block.
 *
 * Where: in a memfd at one agreed descriptor number, CSE_BOOT_FD_CAP - 1
 * or, when the soft RLIMIT_NOFILE is lower, the limit minus one: the
 * highest number the process may use, which both sides compute alike
 * (rlimits survive execve). An application descriptor already at that
 * number is not lost: the sender dups it to a free number, records that
 * number in displaced_fd, and the loader moves it back before the
 * program runs (a close-on-exec one would vanish at exec anyway, so it
 * is only kept for undoing a failed execve). Because the most recent
 * sender always owns the agreed number, nested cse-run works: an inner
 * block waits at its displaced number while the outer loader runs.
 *
 * Validation: the loader takes the descriptor only if it is a regular
 * file whose first bytes are CSE_BOOT_MAGIC and CSE_BOOT_VERSION; reads
 * with pread only, so anything else at that number is left untouched
 * (cse-loader started by hand then falls back to its argv options). A
 * block with the magic but a bad size or string table is fatal.
 *
 * Layout: struct cse_boot, then nfiles struct cse_boot_file (0..2: the
 * program, then its PT_INTERP, which the runtime opened and read while
 * checking the exec: the loader takes fd, stat and first bytes from them
 * instead of opening, checking and reading the same files again; their
 * fds are not close-on-exec and the loader closes them before the
 * program runs), then nstrings NUL-terminated strings:
 *   program   absolute path of the file to run (ELF or '#!' script)
 *   filename  the kernel's name for it (bprm->filename): AT_EXECFN
 *   comm      what the kernel writes to /proc/PID/comm at exec
 *   one "NAME[=ARGS]" per element, in chain order
 *   with CSE_BOOT_IN_PLACE, last: the loader's absolute path (there
 *   was no exec of it to name it in AT_EXECFN)
 * then, at the next multiple of 8 bytes from the block's start, nfds
 * struct cse_boot_fd: the sender's descriptor table (services.h,
 * fd_track), which the next image's runtime gives back to each element
 * when it registers. A close-on-exec descriptor's entry is marked
 * CSE_BOOT_FD_CLOSED: the element hears closed() for it in the new
 * image, once the exec really happened. The block ends there.
 * If program is a script, argv[0] is the name the kernel puts in the
 * interpreter's argv for it (the loader expands the '#!' levels).
 */
#ifndef CSE_BOOT_H
#define CSE_BOOT_H

#include <stdint.h>

#define CSE_BOOT_MAGIC		0x31746f6f62657363ull	/* "cseboot1" */
#define CSE_BOOT_VERSION	3
#define CSE_BOOT_FD_CAP		1024	/* the agreed fd is below this */
#define CSE_BOOT_MAX		(1024 * 1024)	/* bytes, header included */
#define CSE_BOOT_NAME		"cse-boot"	/* memfd name */

#define CSE_BOOT_NO_REWRITE	0x1	/* --no-rewrite */
#define CSE_BOOT_COMM_FROM_FILE	0x2	/* comm is the name of the ELF file
					   that runs (execveat AT_EMPTY_PATH) */
#define CSE_BOOT_GUEST_PROGRAM	0x4	/* program is the name the user gave,
					   looked up (PATH, '/'-relative) inside
					   the view of the elements' path stage */
#define CSE_BOOT_FDS_HIGH	0x8	/* the runtime's fds sit near the top of
					   the fd limit, not from CSE_HIDDEN_FD_LOW */
#define CSE_BOOT_NO_SITE_CACHE	0x10	/* --no-site-cache */
#define CSE_BOOT_GS_FREE	0x20	/* the sender ran under no other runtime:
					   the loader's %gs base is the 0 the
					   kernel's exec left (no ARCH_GET_GS) */
#define CSE_BOOT_IN_PLACE	0x40	/* cse-run mapped the loader itself, in
					   the process the kernel started for
					   cse-run (launcher/userexec.c): the
					   loader unmaps launcher_start..end */
#define CSE_BOOT_FLAGS_ALL	0x7f

/* Where the runtime's own fds sit until the application comes within
 * CSE_HIDDEN_FD_NEAR of them (runtime/fdguard.c). */
#define CSE_HIDDEN_FD_LOW	1000
#define CSE_HIDDEN_FD_NEAR	64

struct cse_boot {
	uint64_t magic;		/* CSE_BOOT_MAGIC */
	uint32_t version;	/* CSE_BOOT_VERSION */
	uint32_t size;		/* bytes, header and strings */
	int32_t creator;	/* pid (tgid) of the sender */
	int32_t state_fd;	/* the instance state memfd */
	int32_t instance_fd;	/* cse.ko instance fd, or -1 */
	int32_t displaced_fd;	/* the application's fd from the agreed
				   number, to move back; or -1 */
	uint32_t flags;		/* CSE_BOOT_* */
	uint32_t nstrings;	/* 3 + number of elements (+ 1, IN_PLACE) */
	uint32_t nfds;		/* struct cse_boot_fd after the strings */
	uint32_t nfiles;	/* struct cse_boot_file after this header */
	uint64_t launcher_start;	/* CSE_BOOT_IN_PLACE: cse-run's image, */
	uint64_t launcher_end;		/* .bss included, page aligned */
	char strings[];
};

#define CSE_BOOT_FILES_MAX	2
#define CSE_BOOT_HEAD		1024	/* a file's first bytes: its ELF
					   header, program headers, PT_INTERP */
struct cse_boot_file {
	int32_t fd;		/* open for reading; the loader closes it */
	uint32_t len;		/* bytes of head read (fewer: the file ends) */
	char path[256];		/* the host path the loader would open */
	uint8_t stat[144];	/* its struct stat (x86-64) */
	char head[CSE_BOOT_HEAD];
};

struct cse_boot_fd {
	int32_t fd;
	uint16_t element;	/* index in the chain */
	uint16_t flags;		/* CSE_BOOT_FD_* */
	uint64_t value;		/* non-zero */
};
#define CSE_BOOT_FD_CLOSED	0x1	/* close-on-exec: closed by this exec */

/* The agreed descriptor number for a soft RLIMIT_NOFILE; -1 if none. */
static inline int cse_boot_fd(uint64_t nofile_soft)
{
	if (nofile_soft < 1)
		return -1;
	return (int)((nofile_soft < CSE_BOOT_FD_CAP ? nofile_soft : CSE_BOOT_FD_CAP) - 1);
}

#endif /* CSE_BOOT_H */
