/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The element API, ABI 2.
 *
 * An element is a freestanding position-independent shared object
 * (cse-NAME.so, built with -nostdlib -fPIC -shared -mgeneral-regs-only)
 * that exports exactly one symbol:
 *
 *	CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = { ... };
 *
 * cse-loader maps it privately into every process of the application,
 * applies its relocations, checks abi == CSE_ELEMENT_ABI and calls setup()
 * before the program's first instruction. Elements include only the
 * headers in include/cse/, never call the runtime's internals and never
 * call each other: the runtime composes them into one chain per syscall
 * number, in the order they were given on the command line.
 *
 * One call, in order:
 *   1. the runtime's path and socket-address stages rewrite guest paths
 *      and addresses into host ones (services.h: path_stage,
 *      sockaddr_stage); rewritten arguments live in runtime memory, the
 *      application's memory is never written;
 *   2. handle() of each element that asked for the number, in order;
 *   3. the kernel (or the runtime core for clone, exec, signals, exit);
 *   4. the stages translate results back (getcwd, readlink, addresses);
 *   5. exit() of every element whose handle() ran, in reverse order.
 *
 * handle():
 *   - May change call->nr and call->args[] and return CSE_PASS: the next
 *     element (or the kernel) sees the changed call. Rewritten pointer
 *     arguments must point to svc->scratch() memory, never into the
 *     application's buffers.
 *   - Or set call->ret (raw kernel-style: >= 0 or -errno) and return
 *     CSE_DONE: later elements and the kernel are skipped (their exit()
 *     is not run; exit() of this element and earlier ones is).
 *   - clone/fork/vfork/execve/rt_sigreturn/exit are carried out by the
 *     runtime core after the chain: an element may observe or refuse
 *     them (CSE_DONE with -errno) but must not perform them itself.
 *   - Application memory is directly addressable (same address space),
 *     but pointers come from the application: read and write it only
 *     through svc->copy_from_app/copy_to_app/copy_str_from_app.
 *   - Shared state is protected with svc->lock/unlock (struct cse_lock),
 *     never with home-made spinlocks.
 * exit() (optional): called with call->ret set, after the call completed
 * (not for a successful execve, exit, exit_group or rt_sigreturn). It
 * may change call->ret and the call's output buffers. call->priv holds
 * what this element's handle() left there.
 *
 * exit() of clone, clone3, fork and vfork runs on both sides, because the
 * call returns on both: in the parent with the kernel's result (the
 * child's pid, its tid for a thread, or -errno; no child then), and in
 * the new child with ret 0 and CSE_CALL_CHILD in call->flags, after
 * fork_child(). Each side's changes to ret are its own result. The
 * child's call->priv is the parent's word; memory from svc->scratch is
 * the parent's and the child must not touch it (a thread's parent runs
 * on). In a CLONE_VM child the element's globals are the parent's: an
 * exit() that frees what priv points to must do it on one side only
 * (CSE_CALL_CHILD tells which). Both sides run with the application's
 * signals blocked. Not run in the child of clone(CLONE_VM) without
 * CLONE_VFORK and without a new stack (no C library does that: parent
 * and child would share one stack).
 */
#ifndef CSE_ELEMENT_H
#define CSE_ELEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <cse/services.h>

#define CSE_ELEMENT_ABI		2
#define CSE_ELEMENT_SYMBOL	cse_element_v2
#define CSE_ELEMENT_SYMBOL_NAME	"cse_element_v2"
/* Use as: CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {...}; */
#define CSE_ELEMENT_EXPORT	__attribute__((visibility("default")))

/* Pseudo syscall number: the element wants every system call. */
#define CSE_ALL_SYSCALLS	(-1L)
#define CSE_SYSCALLS_END	(-2L)

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
	uint32_t reserved;
	void *priv;		/* this element's word for this call: NULL
				 * before its handle(), kept for its exit() */
};

#define CSE_CALL_TRAPPED	0x1	/* arrived by a SUD trap, not a rewritten site */
#define CSE_CALL_RUNTIME	0x2	/* made by the runtime or loader for the
					 * application (exec checks, program opens) */
#define CSE_CALL_CHILD		0x4	/* exit() in the new child of clone/fork/vfork */

/*
 * Flags an element declares. cse-run builds its options, --help, the
 * profile sections and --print-profile from these tables; giving any
 * flag of an element loads the element. Values reach setup() as
 * settings through the instance state (never through argv), so a value
 * may hold any byte but NUL.
 */
enum cse_option_kind {
	CSE_OPT_BOOL = 1,	/* --FLAG: value "1" */
	CSE_OPT_STRING,		/* --FLAG VALUE */
	CSE_OPT_PATH,		/* --FLAG PATH: made absolute against cse-run's cwd */
	CSE_OPT_INT,		/* --FLAG N: a decimal integer */
};
#define CSE_OPT_REPEAT		0x1	/* may be given several times, all kept in order */
#define CSE_OPT_EXCLUSIVE	0x2	/* one of the element's EXCLUSIVE flags at most
					 * (the command line's replaces the profile's) */

struct cse_option {
	const char *flag;	/* long option without "--", e.g. "hostname" */
	const char *key;	/* key in the element's [NAME] profile section */
	const char *arg_name;	/* e.g. "NAME"; NULL for CSE_OPT_BOOL */
	const char *help;	/* text for --help and the man page */
	uint16_t kind;		/* enum cse_option_kind */
	uint16_t flags;		/* CSE_OPT_* */
};

/*
 * One setting: an option's key and value, in the order given (profile
 * first, then the command line). setup() checks the value; an error about
 * a setting starts with its origin ("%s: bad value '%s': ...", origin,
 * value), and the loader then prints it as cse-run's own (exit 2).
 */
struct cse_setting {
	const char *key;
	const char *value;
	const char *origin;	/* for messages: "--time-at", "FILE:LINE: at" */
};

/* What setup() receives. */
struct cse_setup {
	const struct cse_services *svc;
	int id;				/* this element, for the per-element services */
	const struct cse_setting *settings;	/* command line and profile */
	uint32_t nsettings;
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
	const struct cse_option *options;	/* NULL, or ended by flag == NULL */

	/* Read settings, attach to state, register stages. Return 0, or
	 * -errno with err set: the loader then refuses to start the program. */
	int (*setup)(const struct cse_setup *s);

	/* Syscall numbers handled, terminated by CSE_SYSCALLS_END; or the
	 * single entry CSE_ALL_SYSCALLS followed by CSE_SYSCALLS_END. */
	const long *syscalls;

	enum cse_verdict (*handle)(struct cse_call *call);
	void (*exit)(struct cse_call *call);	/* optional, see above */

	/* Optional hooks, called by the runtime core. */
	/* In a new process after fork/vfork/clone. After vfork the child
	 * shares the suspended parent's memory, the element's globals
	 * included: do not change what the parent relies on. */
	void (*fork_child)(void);
	void (*before_exec)(const char *path);	/* just before a successful-looking exec */
};

#endif /* CSE_ELEMENT_H */
