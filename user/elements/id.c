// SPDX-License-Identifier: GPL-2.0
/*
 * id: the application's own credentials and file ownership.
 *
 *   cse-run --uid N --gid N --root-id --id-state FILE   (id_options)
 *
 * uid/gid: the credentials the program starts with (real, effective,
 * saved and filesystem ids; supplementary groups = {gid}); each defaults
 * to the real one. Files owned by the real user show as owned by uid/gid;
 * chown/chmod/mknod of devices are recorded, not done (see id_files.c).
 * root-id: uid 0 and gid 0 (a later uid or gid setting overrides it).
 * state FILE (absolute, or taken from the launch directory): load the
 * recorded table from FILE and save it back (id_persist.c). Settings
 * apply in order.
 *
 * Handled: the get/set*id family, getgroups/setgroups (always CSE_DONE);
 * chown/chmod/mknod(at) of devices, stat family and removals (CSE_DONE,
 * the element makes the real calls itself); mknod of other types and
 * chmod of symlinks pass on. exit_group is observed for saving and
 * always passes on. Creating calls pass on; their files get the
 * creator's owner when it is not the base one (id_create.c).
 */
#include <asm/unistd.h>
#include "id.h"

#define NR_fchmodat2	452
#define NR_openat2	437

const struct cse_services *id_svc;
struct id_shared *id_sh;

static int parse_id(const char *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (!n || n > 10 || (p[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v >= ID_NOBODY)	/* (uid_t)-1 means "unchanged" to the kernel */
		return -1;
	*out = (uint32_t)v;
	return 0;
}

struct id_args {
	uint32_t uid, gid;
	int have_uid, have_gid;
	const char *state;
	size_t state_len;
};

static int parse_settings(const struct cse_setup *s, struct id_args *o)
{
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *set = &s->settings[i];
		size_t n = cse_strlen(set->value);

		if (!cse_strcmp(set->key, "uid") || !cse_strcmp(set->key, "gid")) {
			int u = set->key[0] == 'u';

			if (parse_id(set->value, n, u ? &o->uid : &o->gid)) {
				cse_snprintf(id_svc, s->err, s->err_size,
					     "%s: bad %s '%s' (want 0 to 4294967294)", set->origin,
					     set->key, set->value);
				return -1;
			}
			if (u)
				o->have_uid = 1;
			else
				o->have_gid = 1;
		} else if (!cse_strcmp(set->key, "root-id")) {
			o->uid = o->gid = 0;
			o->have_uid = o->have_gid = 1;
		} else if (!cse_strcmp(set->key, "state") && n) {
			o->state = set->value;
			o->state_len = n;
		} else {
			cse_snprintf(id_svc, s->err, s->err_size, "%s: bad setting '%s'",
				     set->origin, set->key);
			return -1;
		}
	}
	return 0;
}

/* FILE relative to the launch directory, made absolute once. */
static int set_state_path(const struct id_args *o, char *err, size_t errlen)
{
	char *dst = id_sh->state_path;
	size_t n = 0;
	long r;

	if (o->state[0] != '/') {
		r = id_sys(__NR_getcwd, dst, ID_PATH_MAX, 0, 0, 0, 0);
		if (r < 0) {
			cse_snprintf(id_svc, err, errlen, "state file: getcwd failed (errno %ld)", -r);
			return (int)r;
		}
		n = cse_strlen(dst);
		if (n > 1)
			dst[n++] = '/';
		else
			n = 1;
	}
	if (n + o->state_len + 16 >= ID_PATH_MAX) {
		dst[0] = 0;
		cse_snprintf(id_svc, err, errlen, "state file path too long");
		return -36;
	}
	for (size_t i = 0; i < o->state_len; i++)
		dst[n + i] = o->state[i];
	dst[n + o->state_len] = 0;
	return 0;
}

static int id_setup(const struct cse_setup *s)
{
	struct id_args o = { 0 };
	int r;

	id_svc = s->svc;
	id_sh = s->state;
	if (parse_settings(s, &o))
		return -ID_EINVAL;
	if (s->state_fresh) {
		id_sh->real_uid = (uint32_t)id_sys(__NR_getuid, 0, 0, 0, 0, 0, 0);
		id_sh->real_gid = (uint32_t)id_sys(__NR_getgid, 0, 0, 0, 0, 0, 0);
		id_sh->base_uid = o.have_uid ? o.uid : id_sh->real_uid;
		id_sh->base_gid = o.have_gid ? o.gid : id_sh->real_gid;
		id_sh->initial_pid = id_svc->getpid();
		if (o.state) {
			r = set_state_path(&o, s->err, s->err_size);
			if (!r)
				r = id_persist_check_dir(s->err, s->err_size);
			if (!r)
				r = id_persist_load(s->err, s->err_size);
			if (r)
				return r;
		}
	}
	if (!id_creds_take_handoff())
		id_creds_init(id_sh->base_uid, id_sh->base_gid);
	return 0;
}

static enum cse_verdict id_handle(struct cse_call *c)
{
	int done;
	long r;

	switch (c->nr) {
	case __NR_getuid: case __NR_geteuid: case __NR_getgid: case __NR_getegid:
	case __NR_getresuid: case __NR_getresgid: case __NR_getgroups:
	case __NR_setuid: case __NR_setgid: case __NR_setreuid: case __NR_setregid:
	case __NR_setresuid: case __NR_setresgid: case __NR_setfsuid: case __NR_setfsgid:
	case __NR_setgroups:
		c->ret = id_creds_call(c);
		return CSE_DONE;
	case __NR_exit_group:
		/* Not a flag set at fork: a vfork child shares our memory. */
		id_persist_save(id_svc->getpid() == id_sh->initial_pid);
		return CSE_PASS;
	case __NR_open: case __NR_openat: case __NR_creat: case NR_openat2:
	case __NR_mkdir: case __NR_mkdirat: case __NR_symlink: case __NR_symlinkat:
		id_create_before(c);
		return CSE_PASS;
	case __NR_mknod: case __NR_mknodat:
		id_create_before(c);	/* non-devices: the kernel makes them */
		break;
	}
	r = id_files_call(c, &done);
	if (!done)
		return CSE_PASS;
	c->ret = r;
	return CSE_DONE;
}

/* Only calls that return reach here: an execve that failed. */
static void id_exit(struct cse_call *c)
{
	if (c->nr == __NR_execve || c->nr == __NR_execveat)
		id_creds_unpark();
	else
		id_create_after(c);
}

static void id_before_exec(const char *path)
{
	(void)path;
	id_creds_park();
}

static const long id_syscalls[] = {
	__NR_getuid, __NR_geteuid, __NR_getgid, __NR_getegid,
	__NR_getresuid, __NR_getresgid, __NR_getgroups,
	__NR_setuid, __NR_setgid, __NR_setreuid, __NR_setregid,
	__NR_setresuid, __NR_setresgid, __NR_setfsuid, __NR_setfsgid, __NR_setgroups,
	__NR_chown, __NR_fchown, __NR_lchown, __NR_fchownat,
	__NR_chmod, __NR_fchmod, __NR_fchmodat, NR_fchmodat2,
	__NR_stat, __NR_fstat, __NR_lstat, __NR_newfstatat, __NR_statx,
	__NR_mknod, __NR_mknodat,
	__NR_open, __NR_openat, __NR_creat, NR_openat2,
	__NR_mkdir, __NR_mkdirat, __NR_symlink, __NR_symlinkat,
	__NR_unlink, __NR_unlinkat, __NR_rmdir, __NR_rename, __NR_renameat, __NR_renameat2,
	__NR_execve, __NR_execveat, __NR_exit_group,
	CSE_SYSCALLS_END
};

static const struct cse_option id_options[] = {
	{ "uid", "uid", "N",
	  "Run as uid N (real, effective, saved, fs):\n"
	  "files of the real user show as N's; chown\n"
	  "and chmod are recorded, not done.",
	  CSE_OPT_INT, 0 },
	{ "gid", "gid", "N", "Run as gid N (groups: N).", CSE_OPT_INT, 0 },
	{ "root-id", "root-id", NULL,
	  "Run as root (like fakeroot): --uid 0 --gid 0.\n"
	  "A later --uid/--gid overrides it.",
	  CSE_OPT_BOOL, 0 },
	{ "id-state", "state", "FILE",
	  "Load recorded owners/modes from FILE and\n"
	  "save them back (atomically) when processes\n"
	  "exit.",
	  CSE_OPT_PATH, 0 },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct id_shared),
	.name = "id",
	.description = "own uid/gid; file owners and modes recorded, not changed",
	.options = id_options,
	.setup = id_setup,
	.syscalls = id_syscalls,
	.handle = id_handle,
	.exit = id_exit,
	.before_exec = id_before_exec,
};
