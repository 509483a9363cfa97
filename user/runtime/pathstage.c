// SPDX-License-Identifier: GPL-2.0
/*
 * The path stage: elements' resolvers (guest path -> host path) applied
 * to every path argument of the syscall table before the element chain,
 * and their reverse maps applied to path results afterwards
 * (pathstage_results.c).
 *
 * An element registers one struct cse_path_ops from setup (services.h
 * path_stage). Resolvers run in element order, each on the previous
 * one's output; reverse maps run in the opposite order. The guest path
 * is always copied into the call's scratch memory and the call is made
 * with that copy, rewritten or not, so the application can neither see
 * a host path in its memory nor change the string after it was resolved.
 *
 * execve and execveat are resolved by exec_check.c, which keeps the
 * guest name for what the kernel would show (AT_EXECFN, comm, the name
 * a script's interpreter gets). The runtime's and the loader's own
 * accesses made for the application use pathstage_resolve() directly.
 *
 * With no stage registered dispatch_call pays one predictable branch
 * on pathstage_on.
 */
#include "runtime.h"
#include "syscall_table.h"

#define K_AT_REMOVEDIR		0x200
#define K_AT_SYMLINK_FOLLOW	0x400
#define K_RESOLVE_NO_SYMLINKS	0x04
#define K_RESOLVE_ALL		0x3f	/* NO_XDEV ... CACHED */
#define K_OPEN_HOW_MAX		4096	/* larger: E2BIG from the kernel */
#define K_IN_ONLYDIR		0x01000000
#define K_IN_DONT_FOLLOW	0x02000000
#define K_FAN_MARK_DONTFOLLOW	0x04
#define K_FAN_MARK_ONLYDIR	0x08
#define K_MOVE_F_SYMLINKS	0x01
#define K_MOVE_F_EMPTY_PATH	0x04
#define K_MOVE_T_SYMLINKS	0x10
#define K_MOVE_T_EMPTY_PATH	0x40
#define K_FSPICK_NOFOLLOW	0x02
#define K_FSPICK_EMPTY_PATH	0x08
#define K_UMOUNT_NOFOLLOW	0x08
#define K_MS_BIND		0x1000
#define K_MS_MOVE		0x2000
#define K_Q_QUOTAON		0x800002
#define K_MADV_DONTFORK		10
#define K_MADV_GUARD_INSTALL	102

RT_HOT_DATA int pathstage_on;		/* a resolver or a reverse map is registered */
RT_HOT_DATA static int resolving;	/* a resolver is registered: fail closed */
RT_HOT_DATA int pathstage_reversing;	/* a reverse map is registered */
/* The registered stages in element order, with no gaps: a call walks
 * only the ones there are. */
RT_HOT_DATA static struct {
	int element;
	int (*resolve)(struct cse_path_req *req);
	long (*reverse)(const char *host, char *out, size_t out_size);
} stage[CHAIN_MAX_ELEMENTS];
RT_HOT_DATA static int nstages;

int pathstage_register(int element, const struct cse_path_ops *ops)
{
	int i;

	if (element < 0 || element >= CHAIN_MAX_ELEMENTS || !ops ||
	    (!ops->resolve && !ops->reverse))
		return -K_EINVAL;
	for (i = 0; i < nstages; i++)
		if (stage[i].element == element)
			return -K_EBUSY;
	for (i = nstages; i > 0 && stage[i - 1].element > element; i--)
		stage[i] = stage[i - 1];
	stage[i].element = element;
	stage[i].resolve = ops->resolve;
	stage[i].reverse = ops->reverse;
	nstages++;
	if (ops->resolve)
		resolving = 1;
	if (ops->reverse)
		__atomic_store_n(&pathstage_reversing, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&pathstage_on, 1, __ATOMIC_RELEASE);
	/* AF_UNIX socket paths (sockunix.c) ride on the I/O hooks */
	__atomic_store_n(&rt_io_hooks, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The length of s if it ends within size, else -1. size is a multiple
 * of 8 (PATHSTAGE_MAX): read by words, never past the buffer.
 */
RT_HOT static long terminated(const char *s, size_t size)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	for (size_t i = 0; i < size; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if ((w - ones) & ~w & highs) {	/* a zero byte in this word */
			while (s[i])
				i++;
			return (long)i;
		}
	}
	return -1;
}

RT_HOT long pathstage_resolve(struct cse_call *c, long nr, int arg, int *dirfd,
		       const char *path, uint32_t *intent, char *buf,
		       const char **out, size_t *out_len)
{
	const char *cur = path;
	int flip = 0;
	long changed = 0;

	for (int i = 0; i < nstages; i++) {
		struct cse_path_req req;
		long r;

		if (!stage[i].resolve)
			continue;
		req.nr = nr;
		req.arg = arg;
		req.dirfd = *dirfd;
		req.path = cur;
		req.intent = *intent;
		req.out = buf + (flip ? PATHSTAGE_MAX : 0);
		req.out_size = PATHSTAGE_MAX;
		req.call = c;
		req.out[0] = 0;
		r = stage[i].resolve(&req);
		if (r < 0)
			return r;
		*dirfd = req.dirfd;
		if (r == 0)
			continue;
		/* The RESOLVE_* bits a resolver honoured itself are cleared. */
		*intent = (*intent & ~CSE_PATH_RESOLVE_MASK) | (req.intent & CSE_PATH_RESOLVE_MASK);
		r = terminated(req.out, PATHSTAGE_MAX);
		if (r < 0)
			return -K_ENAMETOOLONG;
		*out_len = (size_t)r;
		cur = req.out;
		flip ^= 1;
		changed = 1;
	}
	*out = cur;
	return changed;
}

long pathstage_reverse(const char *host, char *buf, const char **out)
{
	const char *cur = host;
	int flip = 0;
	long changed = 0;

	for (int i = nstages - 1; i >= 0; i--) {
		char *o = buf + (flip ? PATHSTAGE_MAX : 0);
		long r;

		if (!stage[i].reverse)
			continue;
		o[0] = 0;
		r = stage[i].reverse(cur, o, PATHSTAGE_MAX);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (r >= PATHSTAGE_MAX || terminated(o, PATHSTAGE_MAX) < 0)
			return -K_ENAMETOOLONG;
		cur = o;
		flip ^= 1;
		changed = 1;
	}
	*out = cur;
	return changed;
}

long pathstage_resolve_inplace(long nr, int *dirfd, char *path, size_t size,
				uint32_t intent, char *buf)
{
	const char *host;
	size_t n = 0;
	long r;

	if (!__atomic_load_n(&pathstage_on, __ATOMIC_ACQUIRE) || !path[0])
		return 0;
	r = pathstage_resolve(NULL, nr, 0, dirfd, path, &intent, buf, &host, &n);
	if (r <= 0)
		return r;
	if (n >= size)
		return -K_ENAMETOOLONG;
	memmove(path, host, n + 1);
	return 0;
}

/*
 * The intent of path p of call c, from its flag argument; -1 when the
 * argument is not a path for these flags. openat2's RESOLVE_* bits go
 * to the resolvers in the intent (services.h CSE_PATH_RESOLVE_MASK).
 */
RT_HOT static long intent_of(const struct sys_path *p, const long *a)
{
	uint32_t in = p->intent;
	unsigned long f = p->flags >= 0 ? (unsigned long)a[p->flags] : 0;
	struct { uint64_t flags, mode, resolve; } how;

	switch (p->rule) {
	case SPR_OPENHOW:
		if ((unsigned long)a[3] < sizeof(how) ||
		    rt_copy_from_app(&how, (const void *)a[2], sizeof(how)))
			return -1;	/* the kernel answers EINVAL or EFAULT */
		if (how.resolve & ~(uint64_t)K_RESOLVE_ALL)
			return -1;	/* EINVAL from the kernel */
		if (how.resolve & K_RESOLVE_NO_SYMLINKS)
			in |= CSE_PATH_NOFOLLOW;
		in |= (uint32_t)how.resolve << CSE_PATH_RESOLVE_SHIFT;
		f = how.flags;
		/* fall through */
	case SPR_OPEN:
		if (f & K_O_CREAT)
			in |= CSE_PATH_CREATE | CSE_PATH_WRITE;
		if ((f & (K_O_CREAT | K_O_EXCL)) == (K_O_CREAT | K_O_EXCL) || (f & K_O_NOFOLLOW))
			in |= CSE_PATH_NOFOLLOW;
		if ((f & K_O_ACCMODE) || (f & K_O_TRUNC))
			in |= CSE_PATH_WRITE;
		if (f & K_O_DIRECTORY)
			in |= CSE_PATH_DIR;
		break;
	case SPR_AT:
		if (f & K_AT_SYMLINK_NOFOLLOW)
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_AT_EMPTY_PATH)
			in |= CSE_PATH_EMPTY;
		break;
	case SPR_AT_FOLLOW:
		if (!(f & K_AT_SYMLINK_FOLLOW))
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_AT_EMPTY_PATH)
			in |= CSE_PATH_EMPTY;
		break;
	case SPR_AT_REMOVEDIR:
		if (f & K_AT_REMOVEDIR)
			in |= CSE_PATH_DIR;
		break;
	case SPR_INOTIFY:
		if (f & K_IN_DONT_FOLLOW)
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_IN_ONLYDIR)
			in |= CSE_PATH_DIR;
		break;
	case SPR_FANOTIFY:
		if (f & K_FAN_MARK_DONTFOLLOW)
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_FAN_MARK_ONLYDIR)
			in |= CSE_PATH_DIR;
		break;
	case SPR_MOVE_FROM:
		if (!(f & K_MOVE_F_SYMLINKS))
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_MOVE_F_EMPTY_PATH)
			in |= CSE_PATH_EMPTY;
		break;
	case SPR_MOVE_TO:
		if (!(f & K_MOVE_T_SYMLINKS))
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_MOVE_T_EMPTY_PATH)
			in |= CSE_PATH_EMPTY;
		break;
	case SPR_FSPICK:
		if (f & K_FSPICK_NOFOLLOW)
			in |= CSE_PATH_NOFOLLOW;
		if (f & K_FSPICK_EMPTY_PATH)
			in |= CSE_PATH_EMPTY;
		break;
	case SPR_UMOUNT:
		if (f & K_UMOUNT_NOFOLLOW)
			in |= CSE_PATH_NOFOLLOW;
		break;
	case SPR_MOUNT_SRC:
		if (!(f & (K_MS_BIND | K_MS_MOVE)))
			return -1;	/* a device or a name, not looked up here */
		break;
	case SPR_QUOTAON:
		if ((f >> 8) != K_Q_QUOTAON)
			return -1;
		break;
	default:
		break;
	}
	return in;
}

/*
 * Give back the scratch memory after end (the last allocation's unused
 * tail): a call's paths then share a page or two of the arena.
 */
static void scratch_keep(const char *end)
{
	struct cse_thread *t = cse_self();

	t->scratch_used = (uint32_t)(end - ta_scratch(t));
}

/*
 * openat2 after its path was resolved: the RESOLVE_* bits the resolvers
 * left go to the kernel in a copy of the open_how.
 */
static long set_resolve(struct cse_call *c, uint32_t intent)
{
	size_t size = (size_t)c->args[3];
	uint64_t *how;

	if (size > K_OPEN_HOW_MAX)
		return 0;	/* E2BIG from the kernel */
	how = rt_scratch(size);
	if (!how)
		return -K_ENOMEM;
	if (rt_copy_from_app(how, (const void *)c->args[2], size))
		return 0;	/* EFAULT from the kernel */
	how[2] = (how[2] & ~(uint64_t)K_RESOLVE_ALL) |
		 ((intent & CSE_PATH_RESOLVE_MASK) >> CSE_PATH_RESOLVE_SHIFT);
	c->args[2] = (long)how;
	return 0;
}

/*
 * One path argument: copied, resolved, and the call made with the copy.
 * Returns the length of the path the call is made with, or -errno.
 * One scratch block holds the guest copy and the resolvers' two
 * buffers; what the result does not use is given back.
 */
RT_HOT static long stage_arg(struct cse_call *c, const struct sys_path *p, uint32_t intent)
{
	uint32_t asked = intent;
	const char *app = (const char *)c->args[p->arg], *host;
	int dirfd = p->dirfd >= 0 ? (int)c->args[p->dirfd] : K_AT_FDCWD;
	char *guest, *buf;
	size_t len;
	long r;

	if (!app && (p->opt & SPO_NULL_OK))
		return 0;
	guest = rt_scratch(3 * PATHSTAGE_MAX + 16);
	if (!guest)
		return -K_ENOMEM;
	r = pathstage_copy_path(guest, app);
	if (r < 0)
		return r;
	c->args[p->arg] = (long)guest;
	if (r == 0) {
		scratch_keep(guest + 1);
		return 0;	/* "": the kernel answers (ENOENT, or dirfd itself) */
	}
	len = (size_t)r;
	buf = (char *)(((uintptr_t)guest + len + 1 + 15) & ~(uintptr_t)15);
	r = pathstage_resolve(c, c->nr, p->arg, &dirfd, guest, &intent, buf, &host, &len);
	if (r < 0)
		return r;
	scratch_keep(host + len + 1);
	if (p->rule == SPR_OPENHOW && intent != asked) {
		r = set_resolve(c, intent);
		if (r < 0)
			return r;
	}
	if (p->dirfd >= 0)
		c->args[p->dirfd] = dirfd;
	else if (dirfd != K_AT_FDCWD && host[0] != '/')
		return -K_EINVAL;	/* no dirfd argument to carry it */
	c->args[p->arg] = (long)host;
	return (long)len;
}

/* Calls that may take away readable memory (see pathstage_copy.c). */
static void note_memory(const struct cse_call *c)
{
	switch (c->nr) {
	case __NR_mmap:
		if (!(c->args[3] & K_MAP_FIXED))
			return;
		break;
	case __NR_madvise:
		if (c->args[2] != K_MADV_DONTFORK && c->args[2] != K_MADV_GUARD_INSTALL)
			return;
		break;
	case __NR_munmap:
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		pathstage_forget_range((uintptr_t)c->args[0], (size_t)c->args[1]);
		return;
	case __NR_brk:
		pathstage_brk_pre((uintptr_t)c->args[0]);
		return;
	case __NR_mremap:
	case __NR_shmdt:
	case __NR_process_madvise:
	case __NR_clone:	/* a child does not get MADV_DONTFORK memory */
	case __NR_clone3:
	case __NR_fork:
		break;
	default:
		return;
	}
	pathstage_forget_memory();
}

/* path (len bytes) ends in the component word? */
static int last_is(const char *path, size_t len, const char *word, size_t n)
{
	return len >= n && !memcmp(path + len - n, word, n) &&
	       (len == n || path[len - n - 1] == '/');
}

/*
 * A read-only open whose last component is maps, smaps or mountinfo, by
 * any name (a /proc dirfd, thread-self, PID, /dev/fd/N/...): once open,
 * pathstage_post asks the kernel which file it is (pathstage_proc.c).
 * path (len bytes) is the copy the call is made with.
 */
RT_HOT static void proc_open(const struct cse_call *c, struct path_call *pc, size_t len)
{
	int at = c->nr != __NR_open;
	const char *path = (const char *)c->args[at];
	long flags = c->args[at + 1];

	if (!last_is(path, len, "maps", 4) && !last_is(path, len, "smaps", 5) &&
	    !last_is(path, len, "mountinfo", 9))
		return;
	if (c->nr == __NR_openat2 &&
	    rt_copy_from_app(&flags, (const void *)c->args[2], sizeof(flags)))
		return;
	if (flags & (K_O_ACCMODE | K_O_PATH))
		return;
	pc->proc = PROC_MAYBE;
	pc->open_flags = flags;
}

static int unknown_said;

RT_HOT int pathstage_pre(struct cse_call *c, struct path_call *pc)
{
	const struct sys_info *info = syscall_info(c->nr);
	size_t len = 0;	/* of the last path staged: open's only one */

	pc->app_buf = NULL;
	pc->proc = PROC_NONE;
	note_memory(c);
	if (!info || !info->args[0]) {
		/* Known by name: a call without path arguments. */
		if (!resolving || syscall_name(c->nr))
			return 0;
		/* Fail closed: an unknown call may carry a path no
		 * resolver saw. Refused, and said once per process. */
		if (!__atomic_exchange_n(&unknown_said, 1, __ATOMIC_RELAXED))
			rt_errorf("system call %ld refused (ENOSYS): not in the runtime's table, "
				  "and a path stage is active", c->nr);
		c->ret = -K_ENOSYS;
		return 1;
	}
	for (int i = 0; i < info->npaths; i++) {
		const struct sys_path *p = &info->path[i];
		long intent, r;

		if (p->opt & SPO_CORE)
			continue;
		intent = intent_of(p, c->args);
		if (intent < 0)
			continue;
		r = stage_arg(c, p, (uint32_t)intent);
		if (r < 0) {
			c->ret = r;
			return 1;
		}
		len = (size_t)r;
	}
	if (!pathstage_reversing)
		return 0;
	if (info->result)
		return pathstage_redirect(c, info, pc);
	if ((c->nr == __NR_open || c->nr == __NR_openat || c->nr == __NR_openat2) && len)
		proc_open(c, pc, len);
	return 0;
}
