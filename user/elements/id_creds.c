// SPDX-License-Identifier: GPL-2.0
/*
 * The fake credentials of this process and the POSIX/Linux rules for
 * changing them. "Privileged" means a fake effective uid of 0 (the model
 * has no separate capabilities): fake root may set anything, anyone else
 * gets EPERM exactly where Linux would refuse.
 *
 * id_cur is static data: private to this process, inherited by fork
 * (the copy), shared by its threads. Writers take creds_lock; readers
 * read single fields without it.
 */
#include <asm/unistd.h>
#include "id.h"

struct id_creds id_cur;
static struct cse_lock creds_lock;

void id_creds_init(uint32_t uid, uint32_t gid)
{
	id_cur.ruid = id_cur.euid = id_cur.suid = id_cur.fsuid = uid;
	id_cur.rgid = id_cur.egid = id_cur.sgid = id_cur.fsgid = gid;
	id_cur.ngroups = 1;
	id_cur.groups[0] = gid;
}

/* After exec: the credentials before_exec parked under our pid. */
int id_creds_take_handoff(void)
{
	int pid = id_svc->getpid();
	int found = 0;

	id_svc->lock(&id_sh->lock);
	for (int i = 0; i < ID_HANDOFF_SLOTS; i++) {
		if (id_sh->handoff[i].pid == pid) {
			id_cur = id_sh->handoff[i].creds;
			id_sh->handoff[i].pid = 0;
			found = 1;
			break;
		}
	}
	id_svc->unlock(&id_sh->lock);
	return found;
}

/* Before exec. A slot whose pid is gone (killed between exec and setup) is
 * reused. With every slot busy, the new image would start with the
 * instance's initial credentials: visible, but not a widening, since the
 * fake credentials never grant real access. */
void id_creds_park(void)
{
	int pid = id_svc->getpid(), slot = -1;

	id_svc->lock(&id_sh->lock);
	for (int i = 0; i < ID_HANDOFF_SLOTS && slot < 0; i++)
		if (id_sh->handoff[i].pid == pid)
			slot = i;
	for (int i = 0; i < ID_HANDOFF_SLOTS && slot < 0; i++)
		if (!id_sh->handoff[i].pid ||
		    id_sys(__NR_kill, id_sh->handoff[i].pid, 0, 0, 0, 0, 0) == -K_ESRCH)
			slot = i;
	if (slot >= 0) {
		id_sh->handoff[slot].creds = id_cur;
		id_sh->handoff[slot].pid = pid;
	}
	id_svc->unlock(&id_sh->lock);
}

/* The exec failed and we are still here: free our slot. */
void id_creds_unpark(void)
{
	int pid = id_svc->getpid();

	id_svc->lock(&id_sh->lock);
	for (int i = 0; i < ID_HANDOFF_SLOTS; i++)
		if (id_sh->handoff[i].pid == pid)
			id_sh->handoff[i].pid = 0;
	id_svc->unlock(&id_sh->lock);
}

int id_creds_in_groups(uint32_t gid)
{
	if (gid == id_cur.egid || gid == id_cur.fsgid)
		return 1;
	for (uint32_t i = 0; i < id_cur.ngroups; i++)
		if (id_cur.groups[i] == gid)
			return 1;
	return 0;
}

static int one_of3(uint32_t v, uint32_t a, uint32_t b, uint32_t c)
{
	return v == a || v == b || v == c;
}

/* uid (which == 0) or gid (which == 1) flavours share one implementation. */
static long set_ids(int which, long nr_kind, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t *cr = which ? &id_cur.rgid : &id_cur.ruid;
	uint32_t *ce = which ? &id_cur.egid : &id_cur.euid;
	uint32_t *cs = which ? &id_cur.sgid : &id_cur.suid;
	uint32_t *cf = which ? &id_cur.fsgid : &id_cur.fsuid;
	int priv = id_cur.euid == 0;
	uint32_t or = *cr, oe = *ce, os = *cs;

	switch (nr_kind) {
	case 1:	/* setuid/setgid */
		if (priv) {
			*cr = *ce = *cs = r;
		} else if (r == or || r == os) {
			*ce = r;
		} else {
			return -K_EPERM;
		}
		break;
	case 2:	/* setreuid/setregid */
		if (!priv && ((r != ID_NOBODY && r != or && r != oe) ||
			      (e != ID_NOBODY && !one_of3(e, or, oe, os))))
			return -K_EPERM;
		if (r != ID_NOBODY)
			*cr = r;
		if (e != ID_NOBODY)
			*ce = e;
		if (r != ID_NOBODY || (e != ID_NOBODY && e != or))
			*cs = *ce;
		break;
	case 3:	/* setresuid/setresgid */
		if (!priv && ((r != ID_NOBODY && !one_of3(r, or, oe, os)) ||
			      (e != ID_NOBODY && !one_of3(e, or, oe, os)) ||
			      (s != ID_NOBODY && !one_of3(s, or, oe, os))))
			return -K_EPERM;
		if (r != ID_NOBODY)
			*cr = r;
		if (e != ID_NOBODY)
			*ce = e;
		if (s != ID_NOBODY)
			*cs = s;
		break;
	}
	*cf = *ce;
	return 0;
}

static long set_fs(int which, uint32_t v)
{
	uint32_t *cf = which ? &id_cur.fsgid : &id_cur.fsuid;
	uint32_t old = *cf;

	if (v != ID_NOBODY &&
	    (id_cur.euid == 0 ||
	     (which ? one_of3(v, id_cur.rgid, id_cur.egid, id_cur.sgid)
		    : one_of3(v, id_cur.ruid, id_cur.euid, id_cur.suid)) || v == old))
		*cf = v;
	return old;	/* setfsuid always returns the previous value */
}

static long get_res(int which, const long *a)
{
	uint32_t v[3] = {
		which ? id_cur.rgid : id_cur.ruid,
		which ? id_cur.egid : id_cur.euid,
		which ? id_cur.sgid : id_cur.suid,
	};

	for (int i = 0; i < 3; i++) {
		long r = id_svc->copy_to_app((void *)a[i], &v[i], sizeof(v[i]));

		if (r)
			return r;
	}
	return 0;
}

static long get_groups(long size, void *list)
{
	if (size < 0)
		return -K_EINVAL;
	if (size == 0)
		return id_cur.ngroups;
	if ((unsigned long)size < id_cur.ngroups)
		return -K_EINVAL;
	return id_svc->copy_to_app(list, id_cur.groups, id_cur.ngroups * sizeof(uint32_t)) ?:
	       (long)id_cur.ngroups;
}

static long set_groups(long size, void *list)
{
	uint32_t g[ID_NGROUPS_MAX];
	long r;

	if (id_cur.euid != 0)
		return -K_EPERM;
	if (size < 0 || size > ID_NGROUPS_MAX)
		return -K_EINVAL;
	r = id_svc->copy_from_app(g, list, (size_t)size * sizeof(uint32_t));
	if (r)
		return r;
	for (long i = 0; i < size; i++)
		id_cur.groups[i] = g[i];
	id_cur.ngroups = (uint32_t)size;
	return 0;
}

/* Credential system calls; the result, or -errno. */
long id_creds_call(const struct cse_call *c)
{
	const long *a = c->args;
	uint32_t x = (uint32_t)a[0], y = (uint32_t)a[1], z = (uint32_t)a[2];
	long r;

	switch (c->nr) {
	case __NR_getuid:
		return id_cur.ruid;
	case __NR_geteuid:
		return id_cur.euid;
	case __NR_getgid:
		return id_cur.rgid;
	case __NR_getegid:
		return id_cur.egid;
	case __NR_getresuid:
		return get_res(0, a);
	case __NR_getresgid:
		return get_res(1, a);
	case __NR_getgroups:
		return get_groups((int)a[0], (void *)a[1]);
	}

	id_svc->lock(&creds_lock);
	switch (c->nr) {
	case __NR_setuid:
		r = x == ID_NOBODY ? -K_EINVAL : set_ids(0, 1, x, 0, 0);
		break;
	case __NR_setgid:
		r = x == ID_NOBODY ? -K_EINVAL : set_ids(1, 1, x, 0, 0);
		break;
	case __NR_setreuid:
		r = set_ids(0, 2, x, y, 0);
		break;
	case __NR_setregid:
		r = set_ids(1, 2, x, y, 0);
		break;
	case __NR_setresuid:
		r = set_ids(0, 3, x, y, z);
		break;
	case __NR_setresgid:
		r = set_ids(1, 3, x, y, z);
		break;
	case __NR_setfsuid:
		r = set_fs(0, x);
		break;
	case __NR_setfsgid:
		r = set_fs(1, x);
		break;
	case __NR_setgroups:
		r = set_groups((int)a[0], (void *)a[1]);
		break;
	default:
		r = -K_EINVAL;
	}
	id_svc->unlock(&creds_lock);
	return r;
}
