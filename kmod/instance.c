// SPDX-License-Identifier: GPL-2.0
/*
 * Instance objects and the registry of live instances.
 *
 * An instance is created by CSE_IOC_INSTANCE_CREATE and lives while any
 * file refers to it: its instance fds and the device proxies opened through
 * it each hold one reference. The last put removes it from the registry.
 *
 * The registry is an xarray indexed by instance id, guarded by a mutex so
 * that a walker (the netlink dump) sees a stable set: an instance found in
 * the registry while the mutex is held cannot be freed under the walker,
 * because the final put takes the same mutex before erasing it. A
 * generation counter moves on every create, destroy and member change, so
 * a dump split over several calls can tell whether it stayed consistent.
 *
 * Each of those changes is also announced on the netlink "events" group,
 * member events under the member mutex so they arrive in the order the
 * member set changed.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include "cse.h"

static DEFINE_XARRAY_ALLOC1(cse_instances);
static DEFINE_MUTEX(cse_registry_lock);
static unsigned int cse_live_instances;	/* under cse_registry_lock */
static u32 cse_next_id;			/* under cse_registry_lock */
static atomic_t cse_generation = ATOMIC_INIT(1);

/* A thread group that joined an instance. */
struct cse_member {
	struct list_head node;
	struct pid *tgid;
	bool foreign;		/* joined without the creator's uid */
};

static void cse_registry_changed(void)
{
	atomic_inc(&cse_generation);
}

/**
 * cse_registry_generation - current generation of the instance registry
 *
 * Changes whenever an instance is created or destroyed or its member set
 * changes (including the lazy removal of exited members).
 */
u32 cse_registry_generation(void)
{
	return atomic_read(&cse_generation);
}

/* For the helpers that rely on the registry mutex (quota.c). */
void cse_registry_assert_held(void)
{
	lockdep_assert_held(&cse_registry_lock);
}

static int cse_registry_insert_locked(struct cse_instance *inst,
				      bool privileged)
{
	int err;

	lockdep_assert_held(&cse_registry_lock);

	err = cse_quota_charge(inst->creator, cse_live_instances, privileged);
	if (err)
		return err;
	err = xa_alloc_cyclic(&cse_instances, &inst->id, inst,
			      XA_LIMIT(1, U32_MAX), &cse_next_id, GFP_KERNEL);
	if (err < 0) {
		cse_quota_uncharge(inst->creator);
		return err == -EBUSY ? -ENOSPC : err;
	}
	cse_live_instances++;
	cse_registry_changed();
	return 0;
}

static void cse_registry_erase_locked(struct cse_instance *inst)
{
	lockdep_assert_held(&cse_registry_lock);

	xa_erase(&cse_instances, inst->id);
	cse_quota_uncharge(inst->creator);
	cse_live_instances--;
	cse_registry_changed();
}

static void cse_instance_free(struct cse_instance *inst)
{
	struct cse_member *m, *tmp;

	list_for_each_entry_safe(m, tmp, &inst->members, node) {
		put_pid(m->tgid);
		kfree(m);
	}
	mutex_destroy(&inst->members_lock);
	kfree(inst->grants);
	kfree(inst);
}

/**
 * cse_instance_create - create and register an instance
 * @name: validated, NUL-terminated name
 * @grants: validated grants (copied; the caller keeps its buffer)
 * @n_grants: number of entries in @grants
 * @out: the new instance, holding one reference for the caller
 *
 * The creator is the calling task's real uid; quota.c decides whether it
 * may have one more (-ENOSPC, -EDQUOT).
 */
int cse_instance_create(const char *name, struct cse_dev_grant *grants,
			u32 n_grants, struct cse_instance **out)
{
	bool privileged = cse_quota_privileged();
	struct cse_instance *inst;
	int err;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	if (n_grants) {
		inst->grants = kmemdup(grants, n_grants * sizeof(*grants),
				       GFP_KERNEL);
		if (!inst->grants) {
			kfree(inst);
			return -ENOMEM;
		}
	}
	refcount_set(&inst->refs, 1);
	strscpy(inst->name, name, sizeof(inst->name));
	inst->creator = current_uid();
	inst->create_time_ns = ktime_get_real_ns();
	inst->n_grants = n_grants;
	mutex_init(&inst->members_lock);
	INIT_LIST_HEAD(&inst->members);
	cse_syscalls_init(inst);

	mutex_lock(&cse_registry_lock);
	err = cse_registry_insert_locked(inst, privileged);
	mutex_unlock(&cse_registry_lock);
	if (err) {
		cse_instance_free(inst);
		return err;
	}
	cse_nl_notify_instance(inst, CSE_CMD_INSTANCE_NEW);
	*out = inst;
	return 0;
}

void cse_instance_get(struct cse_instance *inst)
{
	refcount_inc(&inst->refs);
}

void cse_instance_put(struct cse_instance *inst)
{
	/* Takes the registry mutex only for the final put (see top comment). */
	if (!refcount_dec_and_mutex_lock(&inst->refs, &cse_registry_lock))
		return;
	cse_registry_erase_locked(inst);
	mutex_unlock(&cse_registry_lock);
	cse_nl_notify_instance(inst, CSE_CMD_INSTANCE_DEL);
	cse_instance_free(inst);
}

/**
 * cse_instance_lookup - find a live instance by id
 *
 * Returns the instance with a reference the caller must put, or NULL.
 */
struct cse_instance *cse_instance_lookup(u32 id)
{
	struct cse_instance *inst;

	mutex_lock(&cse_registry_lock);
	inst = xa_load(&cse_instances, id);
	if (inst)
		cse_instance_get(inst);
	mutex_unlock(&cse_registry_lock);
	return inst;
}

/**
 * cse_registry_for_each - walk live instances in id order
 * @pos: in: first id to visit; out: where to resume
 * @fn: called with the registry mutex held; may take an instance's
 *	member mutex, must not put an instance
 * @arg: passed to @fn
 *
 * Stops at the first instance for which @fn returns non-zero, leaves @pos
 * at that instance (so a resumed walk retries it) and returns that value.
 * After a complete walk returns 0 with @pos one past the last id.
 */
int cse_registry_for_each(unsigned long *pos,
			  int (*fn)(struct cse_instance *inst, void *arg),
			  void *arg)
{
	struct cse_instance *inst;
	unsigned long id;
	int ret = 0;

	mutex_lock(&cse_registry_lock);
	xa_for_each_start(&cse_instances, id, inst, *pos) {
		ret = fn(inst, arg);
		if (ret) {
			*pos = id;
			break;
		}
		*pos = id + 1;
	}
	mutex_unlock(&cse_registry_lock);
	return ret;
}

/* Called at module exit: every fd pins the module, so nothing is left. */
void cse_registry_exit(void)
{
	WARN_ON(!xa_empty(&cse_instances));
	xa_destroy(&cse_instances);
}

/* Drop member @m, announcing it; the caller moves the generation. */
static void cse_member_remove(struct cse_instance *inst, struct cse_member *m)
{
	lockdep_assert_held(&inst->members_lock);

	cse_nl_notify_member(inst, CSE_CMD_MEMBER_LEAVE, m->tgid);
	list_del(&m->node);
	if (m->foreign)
		inst->n_foreign--;
	put_pid(m->tgid);
	kfree(m);
	inst->n_members--;
}

/*
 * Members are thread groups, recorded by their struct pid so that a pid
 * number reused by another process never matches. A member that exits
 * without CSE_IOC_LEAVE is dropped the next time the set is looked at:
 * thread_group_exited() is true once the whole group has exited, zombie
 * or reaped, so a zombie is not counted.
 */
static void cse_members_prune(struct cse_instance *inst)
{
	struct cse_member *m, *tmp;
	bool changed = false;

	lockdep_assert_held(&inst->members_lock);

	list_for_each_entry_safe(m, tmp, &inst->members, node) {
		if (!thread_group_exited(m->tgid))
			continue;
		cse_member_remove(inst, m);
		changed = true;
	}
	if (changed)
		cse_registry_changed();
}

static struct cse_member *cse_member_find(struct cse_instance *inst,
					  struct pid *tgid)
{
	struct cse_member *m;

	lockdep_assert_held(&inst->members_lock);

	list_for_each_entry(m, &inst->members, node)
		if (m->tgid == tgid)
			return m;
	return NULL;
}

/*
 * The calling task acts for the creator: its real or effective uid is the
 * creator's (a set-uid program run by the creator still counts).
 */
bool cse_instance_is_owner(const struct cse_instance *inst)
{
	return uid_eq(current_uid(), inst->creator) ||
	       uid_eq(current_euid(), inst->creator);
}

/*
 * Record @tgid (the caller's thread group) as a member; already a member
 * is success. Members that are not the owner's (see above) get at most
 * CSE_MEMBERS_FOREIGN_MAX of the slots, so whoever else holds the fd
 * cannot keep the owner's own processes out.
 */
int cse_instance_join(struct cse_instance *inst, struct pid *tgid)
{
	bool foreign = !cse_instance_is_owner(inst);
	struct cse_member *new;
	int err = 0;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	mutex_lock(&inst->members_lock);
	cse_members_prune(inst);
	if (cse_member_find(inst, tgid))
		goto out_unlock;
	if (inst->n_members >= CSE_MEMBERS_MAX ||
	    (foreign && inst->n_foreign >= CSE_MEMBERS_FOREIGN_MAX)) {
		err = -ENOSPC;
		goto out_unlock;
	}
	new->tgid = get_pid(tgid);
	new->foreign = foreign;
	inst->n_foreign += foreign;
	list_add_tail(&new->node, &inst->members);
	inst->n_members++;
	new = NULL;
	cse_registry_changed();
	cse_nl_notify_member(inst, CSE_CMD_MEMBER_JOIN, tgid);
out_unlock:
	mutex_unlock(&inst->members_lock);
	kfree(new);
	return err;
}

int cse_instance_leave(struct cse_instance *inst, struct pid *tgid)
{
	struct cse_member *m;
	int err = 0;

	mutex_lock(&inst->members_lock);
	cse_members_prune(inst);
	m = cse_member_find(inst, tgid);
	if (m) {
		cse_member_remove(inst, m);
		cse_registry_changed();
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&inst->members_lock);
	return err;
}

u32 cse_instance_member_count(struct cse_instance *inst)
{
	u32 n;

	mutex_lock(&inst->members_lock);
	cse_members_prune(inst);
	n = inst->n_members;
	mutex_unlock(&inst->members_lock);
	return n;
}

/**
 * cse_instance_walk_members - visit the live members of @inst
 * @fn: called with the member mutex held, in join order
 *
 * Exited members are pruned first. Stops at and returns the first
 * non-zero value @fn returns.
 */
int cse_instance_walk_members(struct cse_instance *inst,
			      int (*fn)(struct pid *tgid, void *arg),
			      void *arg)
{
	struct cse_member *m;
	int ret = 0;

	mutex_lock(&inst->members_lock);
	cse_members_prune(inst);
	list_for_each_entry(m, &inst->members, node) {
		ret = fn(m->tgid, arg);
		if (ret)
			break;
	}
	mutex_unlock(&inst->members_lock);
	return ret;
}

/**
 * cse_instance_fill_info - snapshot an instance for user space
 *
 * Zeroes @info, then fills everything but size and flags. The creator uid
 * is translated into the calling task's user namespace.
 */
void cse_instance_fill_info(struct cse_instance *inst,
			    struct cse_instance_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = inst->id;
	memcpy(info->name, inst->name, sizeof(info->name));
	info->creator_uid = from_kuid_munged(current_user_ns(), inst->creator);
	info->member_count = cse_instance_member_count(inst);
	info->create_time_ns = inst->create_time_ns;
	info->n_grants = inst->n_grants;
	info->counters.opens_granted =
		atomic64_read(&inst->counters.opens_granted);
	info->counters.opens_denied =
		atomic64_read(&inst->counters.opens_denied);
	info->counters.bytes_read = atomic64_read(&inst->counters.bytes_read);
	info->counters.bytes_written =
		atomic64_read(&inst->counters.bytes_written);
}

static int cse_instance_release(struct inode *inode, struct file *file)
{
	cse_instance_put(file->private_data);
	return 0;
}

/* .owner pins the module while any instance fd is open. */
static const struct file_operations cse_instance_fops = {
	.owner		= THIS_MODULE,
	.release	= cse_instance_release,
	.unlocked_ioctl	= cse_instance_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* The instance behind @file, or NULL if @file is not an instance fd. */
struct cse_instance *cse_instance_from_file(struct file *file)
{
	if (file->f_op != &cse_instance_fops)
		return NULL;
	return file->private_data;
}

/**
 * cse_instance_install_fd - give user space an fd for @inst
 *
 * On success the new file owns the caller's reference and the fd number is
 * returned. On failure the caller still owns it.
 */
int cse_instance_install_fd(struct cse_instance *inst, bool cloexec)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	file = anon_inode_getfile("[cse-instance]", &cse_instance_fops, inst,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
