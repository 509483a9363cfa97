// SPDX-License-Identifier: GPL-2.0
/*
 * fs: the application's own filesystem view. --root DIR becomes "/";
 * --bind HOST:GUEST[:ro] shows host files or directories inside it;
 * --tmpfs GUEST is a private empty directory; --overlay UPPER takes every
 * change (the layers: fs_layer.h); with --root the host's /proc, /sys,
 * /dev, /etc/resolv.conf and /etc/hosts show through unless turned off.
 *
 * The view is the path stage (fs_resolve.c, fs_reverse.c): every path
 * argument of the runtime's syscall table is walked inside the view, and
 * host paths in results are mapped back. This element's handler answers
 * chroot() (emulated, fs_chroot.c), follows chdir/fchdir (fs_fd.c),
 * notes renames (the lookup cache), hands fchownat and fchmodat2 of an
 * empty path to the layers (fs_layer_fdpath.c) and removes the --tmpfs
 * directories when the application's first process exits. It passes
 * everything else on; the layers' calls go to fs_layer_handle first.
 *
 * Compatibility isolation, not a sandbox: see cse-run(1), "fs".
 */
#include "fs.h"

const struct cse_services *fs_svc;
struct fs_state *fs_st;
static char fs_walk_buf[FS_PATH_MAX];

static const long own_syscalls[] = {
	__NR_chroot, __NR_chdir, __NR_fchdir, __NR_exit_group,
	__NR_rename, __NR_renameat, __NR_renameat2,
	__NR_open, __NR_openat, __NR_openat2, __NR_creat,
	__NR_fchownat, __NR_fchmodat2,
};
#define NOWN (sizeof(own_syscalls) / sizeof(own_syscalls[0]))
static long fs_syscalls[NOWN + 128] = { CSE_SYSCALLS_END };

FS_HOT static int layer_call(long nr)
{
	return fs_layer_call(nr);
}

/* Ours, then the layers' numbers that are not ours already. */
static int list_syscalls(const struct cse_setup *s)
{
	size_t n = 0;

	for (size_t i = 0; i < NOWN; i++)
		fs_syscalls[n++] = own_syscalls[i];
	for (int i = 0; fs_layer_syscalls[i] != CSE_SYSCALLS_END; i++) {
		size_t k;

		for (k = 0; k < NOWN && own_syscalls[k] != fs_layer_syscalls[i]; k++)
			;
		if (k < NOWN)
			continue;
		if (n + 1 >= sizeof(fs_syscalls) / sizeof(fs_syscalls[0])) {
			cse_snprintf(s->svc, s->err, s->err_size, "fs: too many layer calls");
			return -K_EINVAL;
		}
		fs_syscalls[n++] = fs_layer_syscalls[i];
	}
	fs_syscalls[n] = CSE_SYSCALLS_END;
	return 0;
}

static const struct cse_path_ops ops = {
	.resolve = fs_resolve,
	.reverse = fs_reverse,
};

/* The first process starts in --workdir, or at the root's "/". */
static int start_dir(const struct cse_setup *s, const char *workdir)
{
	char g[FS_PATH_MAX], host[FS_PATH_MAX];
	int n;
	long r;

	if (!workdir && fs_mounts[0].kind == FS_ROOT && !fs_mounts[0].hlen)
		return 0;	/* no --root: the current directory stays */
	n = fs_walk_guest(workdir ? workdir : "/", g, sizeof(g));
	if (n >= 0)
		n = fs_host_of(g, (size_t)n, host, sizeof(host));
	r = n < 0 ? n : fs_sys(__NR_chdir, (long)host, 0, 0, 0);
	if (r < 0) {
		cse_snprintf(s->svc, s->err, s->err_size, "%s: cannot enter '%s' in the view (errno %ld)",
			     workdir ? "--workdir" : "--root", workdir ? workdir : "/", -r);
		return (int)r;
	}
	return 0;
}

/*
 * A --bind or --tmpfs GUEST is where the path leads inside the view as
 * the mounts before it make it (a symlink in GUEST is followed, as
 * mount(8) does); a GUEST that does not exist yet stays as written.
 */
static int place_mounts(const struct cse_setup *s)
{
	int all = fs_nmounts;
	char *g = fs_walk_buf;

	for (int i = 1; i < all; i++) {
		struct fs_mount *m = &fs_mounts[i];
		int n;

		fs_nmounts = i;
		n = fs_walk_guest(m->guest, g, FS_PATH_MAX);
		if (n == -K_ENOENT)
			continue;
		if (n < 0) {
			fs_nmounts = all;
			cse_snprintf(s->svc, s->err, s->err_size, "fs: '%s' cannot be reached in the view (errno %d)",
				     m->guest, -n);
			return n;
		}
		if (n == 0) {
			fs_nmounts = all;
			cse_snprintf(s->svc, s->err, s->err_size, "fs: '%s' leads to the root itself", m->guest);
			return -K_EINVAL;
		}
		fs_copy(m->guest, g, (size_t)n + 1);
		m->glen = (uint32_t)n;
		fs_mglen[i] = m->glen;
	}
	fs_nmounts = all;
	return 0;
}

static int fs_setup(const struct cse_setup *s)
{
	const char *workdir;
	int r;

	fs_svc = s->svc;
	fs_st = s->state;
	fs_owner_setup(s);
	r = fs_opts_read(s, &workdir);
	if (r)
		return r;
	r = fs_layer_setup(s, fs_mounts[0].hlen ? fs_mounts[0].host : "/",
			   fs_upper[0] ? fs_upper : NULL);
	if (r)
		return r;
	r = list_syscalls(s);
	if (r)
		return r;
	r = fs_tmpfs_setup(s);
	if (r)
		return r;
	r = place_mounts(s);
	if (r)
		return r;
	fsr_mounts_placed();
	fs_chroot_load();
	fs_fd_setup(s);
	r = s->svc->path_stage(s->id, &ops);
	if (r) {
		cse_snprintf(s->svc, s->err, s->err_size, "fs: cannot register the path stage (errno %d)", -r);
		return r;
	}
	if (s->state_fresh) {
		r = start_dir(s, workdir);
		if (r)
			return r;
	}
	fs_cwd_refresh();
	return 0;
}

FS_HOT static enum cse_verdict fs_handle(struct cse_call *c)
{
	if (layer_call(c->nr) && fs_layer_handle(c) == CSE_DONE)
		return CSE_DONE;
	switch (c->nr) {
	case __NR_chroot:
		c->ret = fs_chroot_call(c);
		return CSE_DONE;
	case __NR_fchownat:
	case __NR_fchmodat2:
		return fs_layer_empty_path(c);
	case __NR_exit_group:
		fs_tmpfs_exit();
		break;
	default:
		break;
	}
	return CSE_PASS;
}

/* The layers' calls on paths: the path stage may have noted their
 * paths (fs_layer_note); the descriptor ones have none. */
FS_HOT static int noted_call(const struct cse_call *c)
{
	switch (c->nr) {
	case __NR_fchmod: case __NR_fchown: case __NR_fsetxattr:
	case __NR_fremovexattr: case __NR_getdents64:
		return 0;
	case __NR_utimensat:
		return c->args[1] != 0;
	default:
		return layer_call(c->nr);
	}
}

FS_HOT static void fs_exit(struct cse_call *c)
{
	if (noted_call(c))
		fs_layer_exit(c);
	switch (c->nr) {
	case __NR_open:
	case __NR_openat:
		fs_fd_opened(c, !!(c->args[c->nr == __NR_openat ? 2 : 1] & K_O_DIRECTORY));
		break;
	case __NR_creat:
		fs_fd_opened(c, 0);
		break;
	case __NR_mkdir:
	case __NR_mkdirat:
		fsr_mkdir_done(c);
		break;
	case __NR_openat2: {
		struct { uint64_t flags, mode, resolve; } how;

		/* RESOLVE_BENEATH, RESOLVE_IN_ROOT: the kernel walked it */
		if (c->ret >= 0 && !fs_svc->copy_from_app(&how, (const void *)c->args[2], sizeof(how)) &&
		    !(how.resolve & 0x18))
			fs_fd_opened(c, !!(how.flags & K_O_DIRECTORY));
		break;
	}
	case __NR_chdir:
	case __NR_fchdir:
		if (c->ret == 0)
			fs_cwd_refresh();
		break;
	case __NR_rename:
	case __NR_renameat:
	case __NR_renameat2:
		fs_changed();	/* again: a lookup may have raced the call */
		break;
	default:
		break;
	}
}

static const struct cse_option fs_options[] = {
	{ "root", "root", "DIR",
	  "DIR becomes the application's \"/\" (programs,\n"
	  "their loader and libraries come from it).",
	  CSE_OPT_PATH, 0 },
	{ "bind", "bind", "HOST:GUEST[:ro]",
	  "Show the host file or directory HOST at\n"
	  "GUEST; :ro makes writing calls fail (EROFS).",
	  CSE_OPT_STRING, CSE_OPT_REPEAT },
	{ "tmpfs", "tmpfs", "GUEST",
	  "A private, empty, writable directory at\n"
	  "GUEST, removed when the application ends.",
	  CSE_OPT_STRING, CSE_OPT_REPEAT },
	{ "overlay", "overlay", "UPPER",
	  "Copy-on-write: every change to the root lands\n"
	  "in UPPER; the root itself is never modified.",
	  CSE_OPT_PATH, 0 },
	{ "workdir", "workdir", "DIR",
	  "Start in the guest directory DIR (default:\n"
	  "\"/\" with --root, else the current one).",
	  CSE_OPT_STRING, 0 },
	{ "no-host-proc", "no-host-proc", NULL,
	  "With --root: the root's own /proc, not the host's.", CSE_OPT_BOOL, 0 },
	{ "no-host-sys", "no-host-sys", NULL,
	  "With --root: the root's own /sys, not the host's.", CSE_OPT_BOOL, 0 },
	{ "no-host-dev", "no-host-dev", NULL,
	  "With --root: the root's own /dev, not the host's.", CSE_OPT_BOOL, 0 },
	{ "no-host-resolv-conf", "no-host-resolv-conf", NULL,
	  "With --root: the root's own /etc/resolv.conf.", CSE_OPT_BOOL, 0 },
	{ "no-host-hosts", "no-host-hosts", NULL,
	  "With --root: the root's own /etc/hosts.", CSE_OPT_BOOL, 0 },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct fs_state),
	.name = "fs",
	.description = "a private filesystem view: root, binds, tmpfs, copy-on-write overlay",
	.options = fs_options,
	.setup = fs_setup,
	.syscalls = fs_syscalls,
	.handle = fs_handle,
	.exit = fs_exit,
	.fork_child = fs_fork_child,
};
