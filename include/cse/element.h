/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The element API.
 *
 * An element is a freestanding position-independent shared object
 * (cse-NAME.so, built with -nostdlib -fPIC -shared -mgeneral-regs-only)
 * that exports exactly one symbol:
 *
 *	const struct cse_element CSE_ELEMENT_SYMBOL = { ... };
 *
 * cse-loader maps it privately into every process of the application,
 * applies its relocations, checks abi == CSE_ELEMENT_ABI and calls setup()
 * before the program's first instruction. Elements include only
 * the headers in include/cse/, never call the runtime's internals and never call each
 * other: the runtime composes them into one chain per syscall number, in
 * the order they were given on the command line.
 *
 * Handler contract (handle):
 *   - Called for every system call whose number is in syscalls[], from any
 *     thread, possibly inside a signal handler, possibly re-entrantly
 *     (a signal arriving during a call). Keep it short and lock-free or
 *     use trylock.
 *   - The element may change call->nr and call->args[] and return
 *     CSE_PASS: the next element (or the kernel) sees the changed call.
 *   - Or it may set call->ret (a raw kernel-style result: >= 0 or -errno)
 *     and return CSE_DONE: later elements and the kernel are skipped.
 *   - To perform the real system call itself (e.g. to post-process a
 *     result) it uses svc->syscall() and returns CSE_DONE.
 *   - Application memory is directly addressable (same address space);
 *     an element must still expect bad pointers and validate lengths.
 *   - clone/fork/vfork/execve/rt_sigreturn/exit are carried out by the
 *     runtime core after the chain: an element may observe or refuse them
 *     (CSE_DONE with -errno) but must not perform them itself.
 *
 * observe (optional) is called after the call completed, with call->ret
 * set, for calls that return (not for successful execve, exit, exit_group,
 * rt_sigreturn, nor in the child of clone/fork).
 */
#ifndef CSE_ELEMENT_H
#define CSE_ELEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <cse/services.h>

#define CSE_ELEMENT_ABI		1
#define CSE_ELEMENT_SYMBOL	cse_element_v1
#define CSE_ELEMENT_SYMBOL_NAME	"cse_element_v1"
/* Use as: CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {...}; */
#define CSE_ELEMENT_EXPORT	__attribute__((visibility("default")))

/* Pseudo syscall number: the element wants every system call. */
#define CSE_ALL_SYSCALLS	(-1L)

enum cse_verdict {
	CSE_PASS = 0,	/* continue down the chain (args may be changed) */
	CSE_DONE = 1,	/* call->ret holds the result */
};

struct cse_call {
	long nr;		/* syscall number (may be changed) */
	long args[6];		/* rdi rsi rdx r10 r8 r9 (may be changed) */
	long ret;		/* result when done: >= 0 or -errno */
	uintptr_t site;		/* address just after the syscall instruction */
	uint32_t flags;		/* CSE_CALL_* */
};

#define CSE_CALL_TRAPPED	0x1	/* arrived by a SUD trap, not a rewritten site */

/* What setup() receives. */
struct cse_setup {
	const struct cse_services *svc;
	const char *args;	/* text after "NAME=", or "" */
	void *state;		/* this element's region of the instance state */
	uint32_t state_size;	/* as requested in state_size */
	int state_fresh;	/* 1 when the region was just created (zeroed) */
	int initial_process;	/* 1 in the application's first process */
	const char *program;	/* absolute path of the program being started */
	char *err;		/* setup writes a one-line reason on failure */
	size_t err_size;
};

struct cse_element {
	uint32_t abi;			/* CSE_ELEMENT_ABI */
	uint32_t state_size;		/* bytes of shared instance state wanted */
	const char *name;		/* must equal NAME in cse-NAME.so */
	const char *description;	/* one line */

	/* Parse args, attach to state. Return 0, or -errno with err set:
	 * the loader then refuses to start the program. */
	int (*setup)(const struct cse_setup *s);

	/* Syscall numbers handled, terminated by -2; or the single entry
	 * CSE_ALL_SYSCALLS followed by -2. */
	const long *syscalls;

	enum cse_verdict (*handle)(struct cse_call *call);
	void (*observe)(const struct cse_call *call);	/* optional */

	/* Optional hooks, called by the runtime core. */
	/* In a new process after fork/vfork/clone. After vfork the child
	 * shares the suspended parent's memory, the element's globals
	 * included: do not change what the parent relies on. */
	void (*fork_child)(void);
	void (*before_exec)(const char *path);	/* just before a successful-looking exec */
};

#define CSE_SYSCALLS_END	(-2L)

#endif /* CSE_ELEMENT_H */
