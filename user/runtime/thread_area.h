/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-thread runtime area and the constants entry.S needs.
 *
 * Each thread owns one page found through the %gs base (user space gs is
 * unused by the x86-64 ABI and by glibc/musl; the application's %fs TLS is
 * never touched). %gs:0 holds the area's own address, so C code reads it
 * with one instruction. The page holds the SUD selector byte, so the
 * selector is per thread, plus the state the clone stubs need.
 *
 * This header is included from C and from assembly: offsets are plain
 * numbers here and checked against the struct with static_asserts in
 * thread.c.
 */
#ifndef CSE_THREAD_AREA_H
#define CSE_THREAD_AREA_H

#define TA_SELF		0	/* struct cse_thread *self */
#define TA_SELECTOR	8	/* uint8_t SUD selector */
#define TA_CLONE_RIP	16	/* where the parent resumes after a clone stub */
#define TA_SAVED_MASK	24	/* application signal mask during a clone stub */
#define TA_OWNER	32	/* the runtime instance (its &cse_cfg) owning this area */
#define TA_NEXT		40	/* area of the enclosing runtime when nested */
#define TA_RETRAP	48	/* a site's syscall instruction, for cse_fast_retrap */
#define TA_DEPTH	56	/* entries into the runtime stack now live */
#define TA_ALT_LO	64	/* the application's alternate signal stack, */
#define TA_ALT_HI	72	/* as the kernel has it (0, 0: none) */
#define TA_FAST_EXIT	80	/* 0, or a signal is deferred (sigdefer.c): the
				 * fast path leaves through the gate */
#define TA_GATE_RET	88	/* the fast call's result, for the gate */
#define TA_CLONE_EXIT	96	/* exit() hooks wait for the clone stub's result */
#define TA_SECCOMP	104	/* int: a seccomp RET_TRAP of a call made for
				 * the application is pending (seccomp.c) */
#define TA_GATE_NR	112	/* the fast call to make again after the gate */
#define TA_VFORK_BACKUP	120	/* area keeping this one's image while a vfork
				 * child runs in it (thread.c), or 0 */
#define TA_VFORK_TAG	128	/* int: in that image, the child's tid */
#define TA_SIZE		4096

/* The private syscall number of the fast path's gate (sigdefer.c). */
#define CSE_GATE_NR	0x4353e

/*
 * Each area sits at the top of its own mapping, above the thread's
 * runtime stack and a guard page: [guard][stack ... ][area]. The fast
 * path and the SIGSYS handler run C code there, never on the
 * application's stack (a goroutine stack has 2 KiB and nothing below it
 * belongs to the goroutine). The stack's top is the area's address.
 */
#define TA_GUARD_SIZE	4096
#define TA_STACK_SIZE	(256 * 1024)
/* Above the area: the thread's scratch arena (svc->scratch), used as a
 * stack of per-call allocations so a call nested by a signal handler
 * gets its own above the interrupted call's. */
#define TA_SCRATCH_SIZE	(64 * 1024)
#define TA_MAP_SIZE	(TA_GUARD_SIZE + TA_STACK_SIZE + TA_SIZE + TA_SCRATCH_SIZE)

/* Child frame at the top of a new thread's stack, written by the parent. */
#define CF_RIP		0	/* application resume address */
#define CF_MASK		8	/* application signal mask */
#define CF_FLAGS	16	/* clone flags */
#define CF_AREA		24	/* the child's area made by the parent, or 0 */
#define CF_SIZE		32

#define RED_ZONE	128

/* Bytes _start leaves free below the initial stack: argv words a "#!"
 * script adds (loader/stack.c). */
#define STACK_SLACK	512

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <cse/element.h>
#include "kabi.h"

#define CHAIN_MAX_ELEMENTS 16
/* One call's way through the chain: the elements whose handle() ran
 * (bit i: element i) and the priv word each left for its exit(). */
struct chain_frame {
	uint32_t ran;
	void *priv[CHAIN_MAX_ELEMENTS];
};

/* A clone finished by a stub: what its exit() hooks need (thread.c). */
struct clone_exit {
	struct cse_call call;
	struct chain_frame cf;
	uint32_t scratch_mark;		/* the call's scratch, released after exit() */
};

struct cse_thread {
	struct cse_thread *self;
	uint8_t selector;
	uint8_t pad0[7];
	uint64_t clone_rip;
	uint64_t saved_mask;
	const void *owner;
	struct cse_thread *next;
	uint64_t retrap_rip;
	uint64_t rt_depth;
	uint64_t alt_lo, alt_hi;
	uint64_t fast_exit;		/* cse_fast_gate - cse_fast_ret, or 0 */
	uint64_t gate_ret;
	uint64_t clone_exit_pending;	/* clone_exit holds a call for exit() */
	/* A seccomp RET_TRAP of a call made for the application (seccomp.c). */
	int seccomp_trapped;
	int pad1;
	long gate_nr;			/* the fast call to restart at the gate */
	struct cse_thread *vfork_backup;	/* see TA_VFORK_BACKUP */
	int vfork_tag;
	int vfork_in_place;		/* this vfork's child runs in our area */
	/* Below: C only. */
	struct clone_exit clone_exit;
	struct cse_thread *clone_pre;	/* a CLONE_VM child's area, made here */
	struct cse_thread *vfork_spare;	/* area for a CLONE_VM|CLONE_VFORK child */
	int tid;
	int borrowed;			/* a vfork child's: its parent's spare area,
					   or the parent's own area lent to it */
	uint64_t child_flags;		/* clone flags for a shared-stack child */
	int sigsys_blocked;		/* virtual: the app believes SIGSYS is blocked */
	struct clone_args_k clone3_args;	/* copy handed to the kernel */
	/* Virtual Syscall User Dispatch of the application (nested runtimes). */
	int vsud_on;
	uint64_t vsud_start, vsud_len;
	uint8_t *vsud_selector;
	struct ksiginfo seccomp_si;	/* with seccomp_trapped */
	uint32_t scratch_used;		/* bytes of the scratch arena in use */
	uint32_t lock_depth;		/* cse_locks held (lock.c) */
	ksigset_t lock_mask;		/* signal mask to restore at the last unlock */
	uint64_t sig_deferred;		/* signals blocked for deferral (sigdefer.c) */
	/* exec_reenter's work space (exec.c), kept for the next exec: a
	 * vfork child finds its parent's spare area's pages already there. */
	void *exec_buf;
	int exec_buf_busy;
};

extern struct cse_config cse_cfg;

/* The area whose stack the entry code uses: the first on %gs, not walked. */
static inline struct cse_thread *cse_stack_area(void)
{
	struct cse_thread *t;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(t));
	return t;
}

static inline void *ta_map_base(struct cse_thread *t)
{
	return (char *)t - TA_STACK_SIZE - TA_GUARD_SIZE;
}

static inline char *ta_scratch(struct cse_thread *t)
{
	return (char *)t + TA_SIZE;
}

/*
 * This runtime's area of the calling thread. A nested runtime (cse-run
 * inside cse-run) installs its own area in front of ours and links ours
 * as next, so each runtime walks to the area it owns.
 */
static inline struct cse_thread *cse_self(void)
{
	struct cse_thread *t;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(t));
	while (t->owner != &cse_cfg)
		t = t->next;
	return t;
}
#endif

#endif /* CSE_THREAD_AREA_H */
