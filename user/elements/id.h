/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The id element's internal interface, shared by its files:
 *
 *   id.c            descriptor, argument parsing, setup, syscall dispatch
 *   id_creds.c      the fake credentials of this process (set*id rules)
 *   id_table.c      the ownership/mode table (also used by the fs element)
 *   id_files.c      the calls that use the table
 *   id_create.c     owners of files created under other credentials
 *   id_persist.c    --id-state: load at setup, crash-safe save
 *   id_statefile.c  the state file's text format (no syscalls: fuzzed)
 *
 * Where things live, and why:
 *
 *  - Credentials are per process (POSIX), so they are kept in this
 *    element's static data, which every process has its own copy of
 *    (copied by fork). Threads of a process share it, which matches
 *    POSIX and glibc's all-threads set*id broadcast. exec replaces the
 *    image and its static data, so before_exec parks the process's
 *    credentials in the shared handoff table under its pid, and setup in
 *    the new image takes them back.
 *
 *  - Recorded ownership and modes belong to the application as a whole,
 *    so they live in the shared instance state (struct id_shared), keyed
 *    by (st_dev, st_ino), in an open-addressing hash table of
 *    ID_TABLE_SLOTS slots holding at most ID_TABLE_MAX entries. When it is
 *    full, a chown/chmod/mknod that needs a new entry fails with ENOSPC.
 */
#ifndef CSE_ELEMENT_ID_H
#define CSE_ELEMENT_ID_H

#include <stddef.h>
#include <stdint.h>
#include <cse/element.h>
#include <cse/kabi.h>

#define ID_NGROUPS_MAX		128	/* setgroups beyond this: EINVAL */
#define ID_TABLE_SLOTS		4096	/* power of two */
#define ID_TABLE_MAX		3584	/* 7/8 load: probes stay short */
#define ID_HANDOFF_SLOTS	64	/* execs in flight at one time */
#define ID_PATH_MAX		4096
#define ID_NOBODY		0xffffffffu	/* "-1": leave unchanged */

/* id.c's setup answers -ID_EINVAL; the kernel's values are in cse/kabi.h. */
#define ID_EINVAL	K_EINVAL

/* One process's credentials. */
struct id_creds {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t groups[ID_NGROUPS_MAX];
};

/* What the application sees for one file; dev and rdev in the kernel's
 * 32-bit new_encode_dev() form, mode with its type bits. */
struct id_record {
	uint64_t dev, ino, rdev;
	uint32_t uid, gid, mode;
};

struct id_slot {
	struct id_record r;
	uint32_t used;
};

struct id_handoff {
	int32_t pid;		/* 0: free */
	uint32_t pad;
	struct id_creds creds;
};

/* This element's region of the shared instance state. */
struct id_shared {
	struct cse_lock lock;		/* the table and the handoff slots */
	struct cse_lock save_lock;	/* one saver at a time (id_persist.c) */
	uint32_t count;		/* used slots */
	uint32_t base_uid, base_gid;	/* what files of the real user show */
	uint32_t real_uid, real_gid;
	int32_t initial_pid;	/* the process that created this region */
	uint32_t seq;		/* odd while the table changes (readers retry) */
	uint32_t pad;
	uint64_t generation;	/* bumped by every table change */
	uint64_t saved_generation;
	char state_path[ID_PATH_MAX];	/* absolute, "" without --id-state */
	struct id_handoff handoff[ID_HANDOFF_SLOTS];
	struct id_slot table[ID_TABLE_SLOTS];
};

/* id.c */
extern const struct cse_services *id_svc;
extern struct id_shared *id_sh;
#define id_sys(nr, a, b, c, d, e, f) \
	id_svc->syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* id_creds.c */
extern struct id_creds id_cur;
void id_creds_init(uint32_t uid, uint32_t gid);
int id_creds_take_handoff(void);
void id_creds_park(void);
void id_creds_unpark(void);
int id_creds_in_groups(uint32_t gid);
long id_creds_call(const struct cse_call *c);

/* id_table.c (also compiled into the fs element, see there) */
/* Caller holds id_sh->lock. 0: inserted, 1: replaced, -ENOSPC: full. */
int id_table_put(const struct id_record *r);
/* The application's view of a real stat result. */
void id_files_view(const struct cse_kstat *st, struct id_record *v);
/* Record v for file st (dropped when it is st's plain view): 0 or -errno. */
long id_files_record(const struct cse_kstat *st, const struct id_record *v);
/* Drop the entry of (dev, ino), if any. */
void id_table_forget(uint64_t dev, uint64_t ino);

/* id_files.c */
long id_files_call(struct cse_call *c, int *done);

/* id_create.c: owners of files made with credentials other than the base */
void id_create_before(struct cse_call *c);
void id_create_after(struct cse_call *c);

/* id_persist.c */
int id_persist_load(char *err, size_t errlen);
int id_persist_check_dir(char *err, size_t errlen);
void id_persist_save(int force);

/* id_statefile.c: pure text format, no system calls */
#define ID_STATE_HEADER		"cse-id-state 1\n"
#define ID_STATE_MAX_BYTES	(1u << 20)
#define ID_STATE_LINE_MAX	128
typedef int (*id_record_fn)(void *ctx, const struct id_record *r, const char **why);
int id_statefile_parse(const char *buf, size_t len, id_record_fn add, void *ctx,
		       unsigned int *line, const char **why);
size_t id_statefile_format(char *out, size_t size, const struct id_record *r);

#endif /* CSE_ELEMENT_ID_H */
