/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout of the per-application instance state.
 *
 * The state is a memfd (CSE_STATE_SIZE bytes) created by cse-run, or by
 * cse-loader when started without --state-fd. Every process of the
 * application maps it MAP_SHARED, and exec re-entry passes the same fd on,
 * so counters and tables kept here are shared by the whole application
 * and by nothing else.
 *
 *   offset 0      struct cse_state_header
 *   offset 4096   element settings, written by cse-run before the loader
 *                 starts: nsettings records of four NUL-terminated
 *                 strings, ELEMENT KEY VALUE ORIGIN, in the order the
 *                 elements read them (settings_len bytes in all)
 *   offset 65536  element regions, allocated on first use by name,
 *                 page aligned, never freed
 */
#ifndef CSE_STATE_H
#define CSE_STATE_H

#include <stdint.h>

#define CSE_STATE_SIZE		(1u << 20)
#define CSE_STATE_MAGIC		0x31657461747365ull	/* "estate1" */
#define CSE_STATE_VERSION	2
#define CSE_STATE_MAX_REGIONS	32
#define CSE_STATE_SETTINGS_START 4096u
#define CSE_STATE_SETTINGS_SIZE	(65536u - 4096u)
#define CSE_STATE_SETTINGS_MAX	256	/* records */
#define CSE_STATE_DATA_START	65536u

struct cse_state_region {
	char name[32];		/* element name, NUL-terminated */
	uint32_t offset;	/* from the start of the state */
	uint32_t size;
};

struct cse_state_header {
	uint64_t magic;		/* CSE_STATE_MAGIC once initialised */
	uint32_t version;
	uint32_t size;		/* CSE_STATE_SIZE */
	int32_t initial_pid;	/* pid of the application's first process */
	uint32_t lock;		/* spinlock for the region table */
	uint32_t nregions;
	uint32_t next_free;	/* first unallocated byte */
	uint64_t processes;	/* processes started so far (exec counts) */
	uint32_t settings_len;	/* bytes of the settings area in use */
	uint32_t nsettings;	/* records in it */
	struct cse_state_region regions[CSE_STATE_MAX_REGIONS];
	/* /proc/sys values every exec needs (loader/elf_place.c), read by
	 * the first process that needs them: value + 1, 0 until then */
	uint32_t sysctl_cache[2];
};

_Static_assert(sizeof(struct cse_state_header) <= CSE_STATE_DATA_START,
	       "state header must fit in the first page");

#endif /* CSE_STATE_H */
