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
#define K_RESOLVE_BENEATH	0x08
#define K_RESOLVE_IN_ROOT	0x10
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

#define EINVAL_		22
#define ENOMEM_		12
#define EBUSY_		16
#define ENAMETOOLONG_	36
#define ENOSYS_		38

int pathstage_on;		/* a resolver or a reverse map is registered */
static int resolving;		/* a resolver is registered: fail closed */
int pathstage_reversing;	/* a reverse map is registered */
static const struct cse_path_ops *stage[CHAIN_MAX_ELEMENTS];

int pathstage_register(int element, const struct cse_path_ops *ops)
{
	if (element < 0 || element >= CHAIN_MAX_ELEMENTS || !ops ||
	    (!ops->resolve && !ops->reverse))
		return -EINVAL_;
	if (stage[element])
		return -EBUSY_;
	stage[element] = ops;
	if (ops->resolve)
		resolving = 1;
	if (ops->reverse)
		__atomic_store_n(&pathstage_reversing, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&pathstage_on, 1, __ATOMIC_RELEASE);
	/* AF_UNIX socket paths (sockunix.c) ride on the I/O hooks */
	__atomic_store_n(&rt_io_hooks, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Terminated within size? */
static int terminated(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!s[i])
			return 1;
	return 0;
}

long pathstage_resolve(struct cse_call *c, long nr, int arg, int *dirfd,
		       const char *path, uint32_t intent, char *buf,
		       const char **out)
{
	const char *cur = path;
	int flip = 0;
	long changed = 0;

	for (int i = 0; i < CHAIN_MAX_ELEMENTS; i++) {
		struct cse_path_req req;
		long r;

		if (!stage[i] || !stage[i]->resolve)
			continue;
		req.nr = nr;
		req.arg = arg;
		req.dirfd = *dirfd;
		req.path = cur;
		req.intent = intent;
		req.out = buf + (flip ? PATHSTAGE_MAX : 0);
		req.out_size = PATHSTAGE_MAX;
		req.call = c;
		req.out[0] = 0;
		r = stage[i]->resolve(&req);
		if (r < 0)
			return r;
		*dirfd = req.dirfd;
		if (r == 0)
			continue;
		if (!terminated(req.out, PATHSTAGE_MAX))
			return -ENAMETOOLONG_;
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

	for (int i = CHAIN_MAX_ELEMENTS - 1; i >= 0; i--) {
		char *o = buf + (flip ? PATHSTAGE_MAX : 0);
		long r;

		if (!stage[i] || !stage[i]->reverse)
			continue;
		o[0] = 0;
		r = stage[i]->reverse(cur, o, PATHSTAGE_MAX);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (r >= PATHSTAGE_MAX || !terminated(o, PATHSTAGE_MAX))
			return -ENAMETOOLONG_;
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
	size_t n;
	long r;

	if (!__atomic_load_n(&pathstage_on, __ATOMIC_ACQUIRE) || !path[0])
		return 0;
	r = pathstage_resolve(NULL, nr, 0, dirfd, path, intent, buf, &host);
	if (r <= 0)
		return r;
	n = strlen(host);
	if (n >= size)
		return -ENAMETOOLONG_;
	memmove(path, host, n + 1);
	return 0;
}

/*
 * The intent of path p of call c, from its flag argument; -1 when the
 * argument is not a path for these flags, or is confined to its dirfd
 * (openat2 RESOLVE_BENEATH/IN_ROOT: the dirfd was opened through the
 * stage already).
 */
static long intent_of(const struct sys_path *p, const long *a)
{
	uint32_t in = p->intent;
	unsigned long f = p->flags >= 0 ? (unsigned long)a[p->flags] : 0;
	struct { uint64_t flags, mode, resolve; } how;

	switch (p->rule) {
	case SPR_OPENHOW:
		if (rt_copy_from_app(&how, (const void *)a[2], sizeof(how)))
			return -1;	/* the kernel answers EFAULT */
		if (how.resolve & (K_RESOLVE_BENEATH | K_RESOLVE_IN_ROOT))
			return -1;
		if (how.resolve & K_RESOLVE_NO_SYMLINKS)
			in |= CSE_PATH_NOFOLLOW;
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

/* One path argument: copied, resolved, and the call made with the copy. */
static long stage_arg(struct cse_call *c, const struct sys_path *p, uint32_t intent)
{
	const char *app = (const char *)c->args[p->arg], *host;
	int dirfd = p->dirfd >= 0 ? (int)c->args[p->dirfd] : K_AT_FDCWD;
	char *guest, *buf;
	long r;

	if (!app && (p->opt & SPO_NULL_OK))
		return 0;
	guest = rt_scratch(PATHSTAGE_MAX);
	if (!guest)
		return -ENOMEM_;
	r = pathstage_copy_path(guest, app);
	if (r < 0)
		return r;
	c->args[p->arg] = (long)guest;
	if (r == 0)
		return 0;	/* "": the kernel answers (ENOENT, or dirfd itself) */
	scratch_keep(guest + r + 1);
	buf = rt_scratch(2 * PATHSTAGE_MAX);
	if (!buf)
		return -ENOMEM_;
	r = pathstage_resolve(c, c->nr, p->arg, &dirfd, guest, intent, buf, &host);
	if (r < 0)
		return r;
	if (host == buf)
		scratch_keep(buf + strlen(buf) + 1);
	if (p->dirfd >= 0)
		c->args[p->dirfd] = dirfd;
	else if (dirfd != K_AT_FDCWD && host[0] != '/')
		return -EINVAL_;	/* no dirfd argument to carry it */
	c->args[p->arg] = (long)host;
	return 0;
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
	case __NR_mremap:
	case __NR_brk:
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

/* An open of this process's maps or mountinfo: served rewritten. */
static void proc_open(const struct cse_call *c, struct path_call *pc)
{
	int at = c->nr == __NR_openat;
	const char *path = (const char *)c->args[at];
	long flags = c->args[at + 1];

	if ((flags & (K_O_ACCMODE | K_O_PATH)) || path[0] != '/' || path[1] != 'p')
		return;
	pc->proc = (uint8_t)pathstage_proc_kind(path);
	pc->open_flags = flags;
}

static int unknown_said;

int pathstage_pre(struct cse_call *c, struct path_call *pc)
{
	const struct sys_info *info = syscall_info(c->nr);

	pc->app_buf = NULL;
	pc->proc = PROC_NONE;
	note_memory(c);
	if (!info || !info->args) {
		/* Known by name: a call without path arguments. */
		if (!resolving || syscall_name(c->nr))
			return 0;
		/* Fail closed: an unknown call may carry a path no
		 * resolver saw. Refused, and said once per process. */
		if (!__atomic_exchange_n(&unknown_said, 1, __ATOMIC_RELAXED))
			rt_errorf("system call %ld refused (ENOSYS): not in the runtime's table, "
				  "and a path stage is active", c->nr);
		c->ret = -ENOSYS_;
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
	}
	if (!pathstage_reversing)
		return 0;
	if (info->result)
		return pathstage_redirect(c, info, pc);
	if (c->nr == __NR_open || c->nr == __NR_openat)
		proc_open(c, pc);
	return 0;
}
