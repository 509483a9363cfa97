/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interface of the in-process runtime. Nothing here is visible to
 * elements; they get include/cse/services.h.
 */
#ifndef CSE_RUNTIME_H
#define CSE_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <asm/unistd.h>
#include <cse/element.h>
#include "kabi.h"
#include "thread_area.h"

/*
 * Raw system calls, both in entry.S's syscall block inside the runtime's
 * text (the SUD allowed region), so they never trap. rt_syscall6 is the
 * runtime's own call: an application's seccomp filter lets it through
 * (seccomp.c). app_syscall6 is a call made on the application's behalf:
 * the application's filter applies to it as it would natively.
 */
long cse_rt_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long cse_app_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
#define rt_syscall6	cse_rt_syscall
#define app_syscall6	cse_app_syscall
#define rt_sys0(n)		rt_syscall6(n, 0, 0, 0, 0, 0, 0)
#define rt_sys1(n, a)		rt_syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define rt_sys2(n, a, b)	rt_syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define rt_sys3(n, a, b, c)	rt_syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define rt_sys4(n, a, b, c, d)	rt_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define rt_sys6(n, a, b, c, d, e, f) \
	rt_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#define IS_ERR_RET(r)	((unsigned long)(r) > -4096ul)
/*
 * Functions every dispatched call runs: kept together in .text.hot, so
 * a call touches few code pages (each syscall flushes the TLB under PTI
 * without PCID, and the kernel's work evicts the caches).
 */
#define RT_HOT	__attribute__((hot))
/*
 * Big zero-initialised buffers go after every small variable (.lbss
 * follows .bss): a start touches the small ones in a page or two instead
 * of one page per gap between buffers, and every page a start touches is
 * a page fault of its own.
 */
#define RT_LARGE	__attribute__((section(".lbss")))
/*
 * Data every dispatched call reads, for the reason of RT_HOT in one section
 * of its own (hot.ld: page aligned, the whole group under a page), so
 * these cost one TLB entry instead of one per file's .bss. The tail
 * follows the group: a table whose used head shares its page.
 */
#define RT_HOT_DATA	__attribute__((section("cse_hot")))
#define RT_HOT_TAIL	__attribute__((section("cse_hot_tail")))

/* lib.c: freestanding string/format helpers and the one die path. */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int rt_strcmp(const char *a, const char *b);
int rt_strncmp(const char *a, const char *b, size_t n);
char *rt_strrchr(const char *s, int c);
int rt_vformat(char *buf, size_t size, const char *fmt, va_list ap);
int rt_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
long rt_write_all(int fd, const void *buf, size_t len);
void rt_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void rt_die_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define RT_EXIT_USAGE	2
#define rt_die(...)	rt_die_status(127, __VA_ARGS__)
_Noreturn void rt_exit(int status);
int rt_parse_int(const char *s, long *out);
long rt_copy_from_app(void *dst, const void *src, size_t len);
long rt_copy_to_app(void *dst, const void *src, size_t len);
long rt_copy_str_from_app(char *dst, const char *src, size_t size);

/* Process-wide runtime configuration, set by the loader before start. */
struct cse_config {
	int state_fd;
	int instance_fd;		/* -1 when absent */
	int rewrite;			/* fast path allowed */
	int no_site_cache;		/* --no-site-cache (sitecache.c) */
	int nelement_specs;
	const char *element_specs[16];	/* "NAME[=ARGS]" as given to -e */
	uintptr_t text_start, text_end;	/* SUD allowed region */
	const char *exe_path;		/* the program as mapped (procexe_path), or NULL */
	/* Last: a start writes their first bytes only (small fields and
	 * loader_path's start share a page). */
	char loader_path[4096];		/* for exec re-entry */
	char program[4096];		/* PROGRAM-ABSPATH of this image */
};
extern struct cse_config cse_cfg;

/* syscall_table.c */
#define SYS_TRAP_ONLY	0x1	/* never rewrite: needs the signal frame */
#define SYS_NEWFD	0x2	/* the result is a new descriptor */
#define SYS_NEWFD_PAIR	0x4	/* new descriptors are written to an int[2] */
#define SYSCALL_TABLE_SIZE 512
int syscall_trap_only(long nr);
const char *syscall_name(long nr);
const char *syscall_args(long nr);

/* state.c */
int state_attach(int fd, const char **err);
void *state_region(const char *name, uint32_t size, int *fresh);
int state_is_initial_process(void);
extern struct cse_state_header *cse_state;

/* chain.c: element registry and dispatch order */
void *rt_scratch(size_t size);	/* per-call memory, see services.h */
int chain_add(const struct cse_element *e);
enum cse_verdict chain_run(struct cse_call *c, struct chain_frame *f);
int chain_wants(long nr);
unsigned int chain_quiet(long nr);
unsigned int chain_quiet_elements(void);
/* dispatch.c: nr may be registered with fd_quiet (services.h). */
int dispatch_quiet_ok(long nr);
void chain_exit_slow(struct cse_call *c, struct chain_frame *f);
static inline void chain_exit(struct cse_call *c, struct chain_frame *f)
{
	if (f->ran)
		chain_exit_slow(c, f);
}
void chain_fork_child(int shares_memory);
void chain_before_exec(const char *path);
int chain_count(void);
const char *chain_element_name(int i);

/* lock.c: the lock service (services.h) */
void rt_lock(struct cse_lock *l);
void rt_unlock(struct cse_lock *l);
extern int lock_live;

/* pathstage*.c: the path stage (services.h path_stage) */
#define PATHSTAGE_MAX	4096	/* PATH_MAX: a path with its NUL */
struct sys_info;
struct path_call {		/* a path result redirected to scratch */
	uint8_t result;		/* enum sys_result */
	uint8_t proc;		/* PROC_*: an open of a file served rewritten */
	long open_flags;
	char *app_buf;		/* NULL: nothing redirected */
	long app_size;
	char *buf;
};
extern int pathstage_on, pathstage_reversing;
int pathstage_register(int element, const struct cse_path_ops *ops);
/* buf: 2 * PATHSTAGE_MAX bytes. 0: *out is path; 1: *out is in buf, *out_len its
 * length; or -errno. */
long pathstage_resolve(struct cse_call *c, long nr, int arg, int *dirfd,
		       const char *path, uint32_t *intent, char *buf,
		       const char **out, size_t *out_len);
long pathstage_reverse(const char *host, char *buf, const char **out);
/* The runtime's and loader's own accesses for the application: the guest
 * path (size bytes) replaced by the host path in place. 0 or -errno. */
long pathstage_resolve_inplace(long nr, int *dirfd, char *path, size_t size,
			       uint32_t intent, char *buf);
int pathstage_pre(struct cse_call *c, struct path_call *pc);
long pathstage_post(struct cse_call *c, struct path_call *pc, long ret);
int pathstage_redirect(struct cse_call *c, const struct sys_info *info,
		       struct path_call *pc);
long pathstage_copy_path(char *dst, const char *src);
int pathstage_known_empty(const char *p);
#define PROC_NONE	0
#define PROC_MAPS	1
#define PROC_MOUNTINFO	2
#define PROC_MAYBE	3	/* an open named like one: ask the kernel */
int pathstage_proc_fd_kind(long fd);
long pathstage_proc_serve(long fd, int kind, long open_flags, char *work);
void pathstage_forget_memory(void);
void pathstage_brk_pre(uintptr_t addr);
void pathstage_forget_range(uintptr_t addr, size_t len);
void pathstage_brk_post(long ret);

/* report.c: per-element call counters for cse.ko, process membership */
void report_count(int element);
void report_flush(void);
void report_fork_child(int shares_memory);
extern const struct cse_services cse_svc;

/* dispatch.c: core handling of one call */
int dispatch_call(struct cse_call *c, struct kucontext *uc);
long dispatch_fast(long nr, long *regs, int may_trap);

/* sud.c */
int sud_enable(struct cse_thread *t);
int sud_probe(void);
int sigsys_install(void);
void cse_sigsys_handler(int sig, struct ksiginfo *si, void *uc);
void cse_sigsys_entry(int sig, struct ksiginfo *si, void *uc);	/* entry.S */

/* thread.c */
struct cse_thread *thread_area_new(void);
void thread_area_free(struct cse_thread *t);
int thread_area_install(struct cse_thread *t);
extern int cse_gs_ready;
long thread_clone(struct cse_call *c, struct kucontext *uc, const struct chain_frame *cf);
_Noreturn void thread_exit(long status);

/* shebang.c: the kernel's "#!" line rule */
#define SHEBANG_MAX		256	/* bytes of the file the kernel looks at */
#define SHEBANG_DEPTH_MAX	5	/* "#!" files in a row the kernel follows */
struct shebang {
	char interp[SHEBANG_MAX];
	char arg[SHEBANG_MAX];
	int has_arg;
};
long shebang_parse(const char *head, long len, struct shebang *sb);
/* One "#!" level for exec and the loader alike: head parsed into sb and
 * the interpreter's host path (through the path stage) into path. */
long shebang_step(const char *head, long len, struct shebang *sb, char *path,
		  size_t size, char *stage_buf);

/* exec.c */
long exec_reenter(struct cse_call *c);
void exec_buf_free(struct cse_thread *t);
void exec_buf_get(struct cse_thread *t);

/* boot.c: the loader's boot block (include/cse/boot.h) */
struct boot_info {
	const char *program;	/* absolute path of what to run */
	const char *filename;	/* the kernel's name for it: AT_EXECFN */
	const char *comm;	/* what /proc/PID/comm shows */
	unsigned int flags;	/* CSE_BOOT_COMM_FROM_FILE */
	/* files opened for the exec, handed to the loader (include/cse/boot.h) */
	const struct cse_boot_file *files;
	int nfiles;
};
struct boot_undo {
	int fd;			/* the agreed number */
	int saved;		/* where its previous occupant waits, or -1 */
	int saved_cloexec;
	int files_sent;		/* bi->files went into the block */
};
long boot_send(const struct boot_info *bi, struct boot_undo *u);
void boot_undo(const struct boot_undo *u);
/* in_memory: a block cse-run left in this process's memory, or NULL:
 * the one at the agreed descriptor, if any. */
int boot_receive(struct boot_info *bi, const void *in_memory);
const struct cse_boot *boot_block(void);

/* signal.c */
long signal_sigaction(struct cse_call *c);
long signal_sigprocmask(struct cse_call *c, struct kucontext *uc);
_Noreturn void signal_sigreturn(struct kucontext *uc);
void signal_foreign_sigsys(struct ksiginfo *si, struct kucontext *uc);
long signal_prctl_sud(struct cse_call *c);
long signal_sigaltstack(struct cse_call *c, struct kucontext *uc);
int signal_vsud_trap(struct cse_call *c, struct ksiginfo *si, struct kucontext *uc);
void signal_deliver_pending(void);
void signal_forced_sigsys(struct ksiginfo *si, struct kucontext *uc);

/* sigdefer.c: signals arriving while the runtime runs */
void cse_fast_ret(void);
void cse_fast_gate(void);
int sigdefer_init(void);
int sigdefer_is_wrapped(const struct ksigaction *k);
void sigdefer_app_act(int sig, struct ksigaction *out);
void sigdefer_wrap(const struct ksigaction *act, struct ksigaction *k);
void sigdefer_set(int sig, const struct ksigaction *act);
void sigdefer_clear(int sig);
void *cse_sig_slow(int sig, struct ksiginfo *si, void *uc);
void sigdefer_gate(struct kucontext *uc);
void sigdefer_trap_exit(struct kucontext *uc, int outermost);
void sigdefer_trap_restart(struct kucontext *uc, uintptr_t site, long nr);
void signal_clear_handlers(int shares_memory);
uint64_t sigdefer_mask_change(int how, ksigset_t set);
uint64_t sigdefer_pending(void);
void sigdefer_forget(void);
extern uintptr_t cse_gate_insn;
void sigdefer_gate_map(void);
/* A fast call ending with -ERESTARTSYS leaves through the gate, which
 * makes it again at the site after the deferred signal (sigdefer.c). */
static inline long sigdefer_fast_ret(long nr, long ret)
{
	if (__builtin_expect(ret == -512, 0)) {
		struct cse_thread *t = cse_stack_area();

		sigdefer_gate_map();	/* mapped by the deferral already */
		t->gate_nr = nr;
		t->fast_exit = (uintptr_t)cse_fast_gate - (uintptr_t)cse_fast_ret;
	}
	return ret;
}

/* procexe.c: /proc/self/exe names the program, not the loader */
void procexe_init(const char *program);
const char *procexe_path(void);
int procexe_known(void);
int procexe_is_self(int dirfd, const char *path);
long procexe_call(struct cse_call *c, int *handled);

/* fdguard.c: the runtime's own fds, invisible to the application */
#define FDGUARD_MAX	8
int fdguard_in_vfork_child(void);
void fdguard_fork_child(void);
int fdguard_set_of(int pid, int *fd, int max);
int fdguard_hide(int fd, int cloexec);
int fdguard_is_hidden(int fd);
int fdguard_count(void);
int fdguard_fd(int handle);
long fdguard_write_all(int handle, const void *buf, size_t len);
long fdguard_call(struct cse_call *c, int *handled, int *locked);
void fdguard_unlock(void);
long fdguard_core(struct cse_call *c, int *handled);
void fdguard_note_result(const struct cse_call *c, long r);
int fdguard_high(void);
void fdguard_set_high(int high);
int fdguard_keep(int fd);
void fdguard_sync_slow(void);
extern int fdguard_priv_used;
extern long cse_fd_neg_lo;
extern uint8_t cse_fd_quiet[256];
extern int fdguard_vfork_seen;
/* A vfork child changed its copy of the table: its parent takes it back. */
static inline void fdguard_sync(void)
{
	if (__builtin_expect(__atomic_load_n(&fdguard_priv_used, __ATOMIC_RELAXED) != 0, 0))
		fdguard_sync_slow();
}

/* fdshare.c: each process's hidden fds, for the application's other processes */
void fdshare_publish(const int *fd, int n);
void fdshare_exit(void);
int fdshare_lookup(int pid, int *fd, int max);
int fdshare_anywhere(int fd);

/* fdargs.c: does the call name a hidden fd as a descriptor argument? */
int fdargs_hidden(const struct cse_call *c);
int fdargs_any(long nr);
int fdargs_first_only(long nr, int at);

/*
 * fdtable.c, fdtable_exec.c: the descriptor table service; sockstage.c,
 * sockmsg.c: the socket-address stage. rt_io_hooks is set once an
 * element registers either: until then dispatch_call pays one branch.
 */
#define FDT_MAX_FD	(1 << 20)
extern int rt_io_hooks;
struct cse_boot_fd;
int fdtable_track(int element, const struct cse_fd_ops *ops);
int fdtable_set(int element, int fd, uint64_t value);
uint64_t fdtable_value(int element, int fd);
uint64_t fdtable_get(int element, int fd);
/* Every element of mask marked fd CSE_FD_QUIET. */
int fdtable_quiet(unsigned int mask, int fd);
int fdtable_trackers(void);
int fdtable_is_tracking(int element);
int fdtable_adopt(int element, int fd, uint64_t value);
void fdtable_closed_at_exec(int element, int fd, uint64_t value);
void fdtable_each(int element, void (*fn)(int e, int fd, uint64_t v, void *arg), void *arg);
void fdtable_received(int fd);
void fdtable_pre(const struct cse_call *c);
void fdtable_post(const struct cse_call *c);
void fdtable_import(const struct cse_boot_fd *v, uint32_t n);
void fdtable_import_pending(int element);
long fdtable_export(struct cse_boot_fd **out, size_t *bytes);

/* What the stage did to one call, for sockstage_post. */
struct sockstage_call {
	int kind;		/* SOCKSTAGE_* of sockstage.c, 0: nothing */
	int arg;		/* index of the address argument */
	long app_addr;		/* the application's pointers */
	long app_len;
	unsigned int app_vlen;	/* mmsg: entries rewritten */
	void *k;		/* the scratch copy handed to the kernel */
	int unix_fd;		/* sockunix.c: a directory to close after the call, or -1 */
};
int sockstage_register(int element, const struct cse_sockaddr_ops *ops);
int sockstage_active(void);
long sockstage_pre(struct cse_call *c, struct sockstage_call *sc);
long sockstage_post(struct cse_call *c, struct sockstage_call *sc);
long sockstage_copy_out(long nr, int fd, const void *addr, uint32_t klen, long app_addr,
			long app_len);
int io_hooks_pre(struct cse_call *c, struct sockstage_call *sc);
void io_hooks_post(struct cse_call *c, struct sockstage_call *sc);
/* sockunix.c: AF_UNIX paths through the path stage (0: unchanged, 1, -errno) */
int sockunix_to_host(struct cse_call *c, const void *addr, uint32_t len, void *out,
		     uint32_t *out_len, int *pfd);
int sockunix_to_guest(const void *addr, uint32_t len, void *out, uint32_t *out_len);
int sockstage_translate_in(struct cse_call *c, const void *addr, uint32_t len, void *out,
			   uint32_t out_size, uint32_t *out_len, int *pfd);
/* sockmsg.c */
long sockmsg_pre(struct cse_call *c, struct sockstage_call *sc);
long sockmsg_post(struct cse_call *c, struct sockstage_call *sc);
void sockmsg_scan_rights(const struct cse_call *c);
int sockstage_translate(int to_guest, long nr, int fd, const void *addr, uint32_t len,
			void *out, uint32_t out_size, uint32_t *out_len);

/* procfd.c: /proc/.../fd listings and links without the hidden fds */
long procfd_pre(struct cse_call *c, int *handled);
long procfd_post(const struct cse_call *c, long r);
long procfd_getdents(struct cse_call *c);
int procfd_pidfd_pid(int pidfd);

/* seccomp.c: filters the application installs */
long seccomp_install(struct cse_call *c);
int seccomp_sigsys(struct ksiginfo *si, struct kucontext *uc);
int seccomp_trap_deliver(struct cse_call *c, struct kucontext *uc,
			 const struct ksiginfo *si);
uintptr_t seccomp_retrap_rip(uintptr_t stub_ret);
long seccomp_app_call(const struct cse_call *c, long nr, const long *a);
extern char cse_syscall_block[], cse_syscall_block_end[];
extern char cse_rt_syscall_insn[], cse_app_syscall_ret[];

/* rewrite.c */
void rewrite_site(uintptr_t site, long nr);
const char *rewrite_mode(void);
void rewrite_init(int enabled);
void rewrite_stop(const char *why);
void rewrite_note_threads(void);
void rewrite_maps_changed(uintptr_t start, size_t len);
/* rewrite_maps.c: protection of the mapping holding addr (prot bits 1 r, 2 w, 4 x). */
int rewrite_mapping_prot(uintptr_t addr, int *prot);
/* rewrite_learn.c: sites learned by the application's processes, per file. */
#define LEARN_IDENT	7
struct learn_file;
void learn_ident(const struct kstat_k *st, uint64_t *ident);
/* f's sites (offset | nr << 32), *n of them, append-only: read in place. */
const uint64_t *learn_sites(const struct learn_file *f, int *n);
/* The loader mapped [lo, hi) r-x from the file ident names (NULL: do not
 * learn): its entry, if any. */
struct learn_file *learn_note_text(uintptr_t lo, uintptr_t hi, uintptr_t bias,
				   const uint64_t *ident);
int learn_text_holds(uintptr_t addr);	/* in such text, still r-x */
void learn_text_changed(uintptr_t start, uintptr_t end);
/* trapped for the first time, or (hot) the second in one process */
void learn_site(uintptr_t site, long nr, int hot);
#define LEARN_HOT	(1ull << 48)	/* in a learned site: trapped twice in a process */
void learn_flush(void);		/* at exit: new sites to the user's site cache */
/* sitecache.c: learned sites kept per user and program across instances */
#define SITECACHE_DIR_MAX	256
#define SITECACHE_SITES		120	/* per file */
#define SITECACHE_FILES		24	/* per program */
#define SITECACHE_MAX		8192	/* bytes of a program's file */
int sitecache_dir(char *dir, size_t size);
/* The loader's initial envp while the loader runs (NULL after): the
 * strings /proc/self/environ shows then, read in place. */
extern char **sitecache_start_env;
/* The program's file, checked whole, then add() per mapped file; 0 or -1. */
int sitecache_load(const char *dir, const uint64_t *prog,
		   void (*add)(const uint64_t *ident, const uint64_t *sites, uint32_t n));
size_t sitecache_begin(void);
size_t sitecache_put(size_t at, const uint64_t *ident, const uint64_t *sites, uint32_t n);
void sitecache_write(const char *dir, const uint64_t *prog, size_t len);
/* r-x text the loader mapped from the file ident names (NULL: unknown)
 * at bias: its learned sites are patched now. */
void rewrite_note_text(uintptr_t lo, uintptr_t hi, uintptr_t bias, const uint64_t *ident);
/* After a successful mmap (args a, result ret): r-x file text, see above. */
void rewrite_note_map(const long *a, long ret);
int rewrite_stub_of(uintptr_t rip, uintptr_t *stub);

/* entry.S */
void cse_fast_exit(void);
void cse_fast_ret(void);
void cse_fast_gate(void);
void cse_sig_entry(int sig, struct ksiginfo *si, void *uc);
_Noreturn void cse_sig_return(struct kucontext *uc);
void cse_sigreturn_restorer(void);
long cse_fast_entry(void);
long cse_fast_entry_dyn(void);
void cse_clone_stub(void);
void cse_on_rt_stack(void (*fn)(void *), void *arg);
void cse_clone_stub_newstack(void);
_Noreturn void cse_sigreturn_at(uintptr_t sp, struct cse_thread *area);
_Noreturn void cse_exit_thread(void *area, size_t len, long status);
_Noreturn void cse_jump_to_program(uintptr_t sp, uintptr_t entry);
void cse_fast_retrap(void);
long cse_app_call_at(long nr, long a0, long a1, uintptr_t sp);

#endif /* CSE_RUNTIME_H */
