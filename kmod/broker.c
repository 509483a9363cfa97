// SPDX-License-Identifier: GPL-2.0
/*
 * The device broker: CSE_IOC_DEV_OPEN and the counting proxy file.
 *
 * A device is opened for an instance only if the instance holds a grant
 * for its type, major:minor and the access the open asks for, and only
 * with the caller's own credentials and the permission checks open(2)
 * would make. dentry_open() performs none of those checks itself, so they
 * are made here first: the broker can narrow access, never widen it.
 *
 * User space gets a proxy file ("[cse-dev]") rather than the device file
 * so that bytes moved can be counted per instance. The proxy forwards
 * read, write, llseek, poll, ioctl, fsync and flush; mmap is not
 * forwarded. It holds the device file and a reference on the instance.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/poll.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "cse.h"

struct cse_dev_proxy {
	struct file *real;
	struct cse_instance *inst;
	/* llseek is the only user of real->f_pos; keep it coherent. */
	struct mutex seek_lock;
};

/* File mode bits that describe what the device file supports. */
#define CSE_PROXY_FMODE_MIRROR \
	(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE | FMODE_STREAM | \
	 FMODE_UNSIGNED_OFFSET | FMODE_ATOMIC_POS | FMODE_NOWAIT)

/*
 * O_NONBLOCK can be changed on the proxy (fcntl, FIONBIO); drivers look at
 * their own file, so carry the current setting over before each call.
 */
static void cse_proxy_sync_nonblock(struct file *file, struct file *real)
{
	unsigned int want = READ_ONCE(file->f_flags) & O_NONBLOCK;

	if ((READ_ONCE(real->f_flags) & O_NONBLOCK) == want)
		return;
	spin_lock(&real->f_lock);
	real->f_flags = (real->f_flags & ~O_NONBLOCK) | want;
	spin_unlock(&real->f_lock);
}

/* Per-call flags of the proxy's kiocb, passed on to the device file. */
static rwf_t cse_proxy_rwf(const struct kiocb *iocb)
{
	rwf_t flags = 0;

	if (iocb->ki_flags & IOCB_NOWAIT)
		flags |= RWF_NOWAIT;
	if (iocb->ki_flags & IOCB_HIPRI)
		flags |= RWF_HIPRI;
	if (iocb->ki_flags & IOCB_DSYNC)
		flags |= RWF_DSYNC;
	if (iocb->ki_flags & IOCB_SYNC)
		flags |= RWF_SYNC;
	if (iocb->ki_flags & IOCB_APPEND)
		flags |= RWF_APPEND;
	return flags;
}

static ssize_t cse_proxy_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct cse_dev_proxy *proxy = iocb->ki_filp->private_data;
	ssize_t ret;

	cse_proxy_sync_nonblock(iocb->ki_filp, proxy->real);
	ret = vfs_iter_read(proxy->real, to, &iocb->ki_pos, cse_proxy_rwf(iocb));
	if (ret > 0)
		atomic64_add(ret, &proxy->inst->counters.bytes_read);
	return ret;
}

static ssize_t cse_proxy_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct cse_dev_proxy *proxy = iocb->ki_filp->private_data;
	ssize_t ret;

	cse_proxy_sync_nonblock(iocb->ki_filp, proxy->real);
	ret = vfs_iter_write(proxy->real, from, &iocb->ki_pos,
			     cse_proxy_rwf(iocb));
	if (ret > 0)
		atomic64_add(ret, &proxy->inst->counters.bytes_written);
	return ret;
}

/*
 * Reads and writes use the proxy's own position (the kiocb carries it),
 * so the device file's f_pos is only a scratch copy for its llseek.
 */
static loff_t cse_proxy_llseek(struct file *file, loff_t offset, int whence)
{
	struct cse_dev_proxy *proxy = file->private_data;
	loff_t ret;

	mutex_lock(&proxy->seek_lock);
	proxy->real->f_pos = file->f_pos;
	ret = vfs_llseek(proxy->real, offset, whence);
	file->f_pos = proxy->real->f_pos;
	mutex_unlock(&proxy->seek_lock);
	return ret;
}

static __poll_t cse_proxy_poll(struct file *file, poll_table *wait)
{
	struct cse_dev_proxy *proxy = file->private_data;

	return vfs_poll(proxy->real, wait);
}

/* Generic ioctls (FIONBIO, FIOCLEX, ...) were handled on the proxy already. */
static long cse_proxy_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct cse_dev_proxy *proxy = file->private_data;
	int err;

	/* The LSM saw the proxy; let it judge the device too. */
	err = security_file_ioctl(proxy->real, cmd, arg);
	if (err)
		return err;
	cse_proxy_sync_nonblock(file, proxy->real);
	return vfs_ioctl(proxy->real, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long cse_proxy_compat_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	struct cse_dev_proxy *proxy = file->private_data;
	struct file *real = proxy->real;
	int err;

	err = security_file_ioctl_compat(real, cmd, arg);
	if (err)
		return err;
	if (!real->f_op->compat_ioctl)
		return -ENOIOCTLCMD;
	cse_proxy_sync_nonblock(file, real);
	return real->f_op->compat_ioctl(real, cmd, arg);
}
#endif

static int cse_proxy_fsync(struct file *file, loff_t start, loff_t end,
			   int datasync)
{
	struct cse_dev_proxy *proxy = file->private_data;

	return vfs_fsync_range(proxy->real, start, end, datasync);
}

/* close(2) flushes the proxy; give the driver its flush as open(2) would. */
static int cse_proxy_flush(struct file *file, fl_owner_t id)
{
	struct cse_dev_proxy *proxy = file->private_data;
	struct file *real = proxy->real;

	if (!real->f_op->flush)
		return 0;
	return real->f_op->flush(real, id);
}

static int cse_proxy_release(struct inode *inode, struct file *file)
{
	struct cse_dev_proxy *proxy = file->private_data;

	fput(proxy->real);
	cse_instance_put(proxy->inst);
	mutex_destroy(&proxy->seek_lock);
	kfree(proxy);
	return 0;
}

/* .owner pins the module while any proxy is open. */
static const struct file_operations cse_proxy_fops = {
	.owner		= THIS_MODULE,
	.read_iter	= cse_proxy_read_iter,
	.write_iter	= cse_proxy_write_iter,
	.llseek		= cse_proxy_llseek,
	.poll		= cse_proxy_poll,
	.unlocked_ioctl	= cse_proxy_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl	= cse_proxy_compat_ioctl,
#endif
	.fsync		= cse_proxy_fsync,
	.flush		= cse_proxy_flush,
	.release	= cse_proxy_release,
};

/* Wrap @real; on success the proxy owns @real and a reference on @inst. */
static struct file *cse_proxy_create(struct cse_instance *inst,
				     struct file *real, u32 open_flags)
{
	struct cse_dev_proxy *proxy;
	struct file *file;

	proxy = kzalloc(sizeof(*proxy), GFP_KERNEL);
	if (!proxy)
		return ERR_PTR(-ENOMEM);
	proxy->real = real;
	proxy->inst = inst;
	mutex_init(&proxy->seek_lock);

	file = anon_inode_getfile("[cse-dev]", &cse_proxy_fops, proxy,
				  open_flags & (O_ACCMODE | O_NONBLOCK));
	if (IS_ERR(file)) {
		mutex_destroy(&proxy->seek_lock);
		kfree(proxy);
		return file;
	}
	/* Not yet visible to anyone: safe to adjust the mode directly. */
	file->f_mode &= ~CSE_PROXY_FMODE_MIRROR;
	file->f_mode |= real->f_mode & CSE_PROXY_FMODE_MIRROR;
	cse_instance_get(inst);
	return file;
}

static u32 cse_access_wanted(u32 open_flags)
{
	switch (open_flags & O_ACCMODE) {
	case O_RDONLY:
		return CSE_ACCESS_READ;
	case O_WRONLY:
		return CSE_ACCESS_WRITE;
	default:
		return CSE_ACCESS_READ | CSE_ACCESS_WRITE;
	}
}

/* Grants for the same device add up; all of @access must be covered. */
static bool cse_grant_allows(const struct cse_instance *inst, umode_t mode,
			     dev_t rdev, u32 access)
{
	u32 type = S_ISCHR(mode) ? CSE_DEV_CHAR : CSE_DEV_BLOCK;
	u32 granted = 0;
	u32 i;

	for (i = 0; i < inst->n_grants; i++) {
		const struct cse_dev_grant *g = &inst->grants[i];

		if (g->type == type && g->major == MAJOR(rdev) &&
		    g->minor == MINOR(rdev))
			granted |= g->access;
	}
	return (granted & access) == access;
}

/* What open(2) checks for a device node and dentry_open() does not. */
static int cse_may_open_dev(const struct path *path, u32 access,
			    u32 open_flags)
{
	struct inode *inode = d_backing_inode(path->dentry);
	int mask = MAY_OPEN;
	int err;

	if ((path->mnt->mnt_flags & MNT_NODEV) ||
	    (path->mnt->mnt_sb->s_iflags & SB_I_NODEV))
		return -EACCES;
	if (access & CSE_ACCESS_READ)
		mask |= MAY_READ;
	if (access & CSE_ACCESS_WRITE)
		mask |= MAY_WRITE;
	err = inode_permission(mnt_user_ns(path->mnt), inode, mask);
	if (err)
		return err;
	/* Append-only nodes need O_APPEND for writing, which we never pass. */
	if (IS_APPEND(inode) && (open_flags & O_ACCMODE) != O_RDONLY)
		return -EPERM;
	return 0;
}

/**
 * cse_broker_dev_open - CSE_IOC_DEV_OPEN on a validated request
 *
 * Every attempt whose path resolved is counted exactly once: as granted
 * when an fd is returned, as denied otherwise (not a device, no grant,
 * permission check or the driver's open failed), and announced once with
 * a DEV_GRANTED or DEV_DENIED event.
 */
int cse_broker_dev_open(struct cse_instance *inst,
			const struct cse_dev_open *req)
{
	u32 access = cse_access_wanted(req->open_flags);
	struct cse_dev_grant ev = { .access = access };
	int real_flags = req->open_flags & ~O_CLOEXEC;
	struct file *real, *file;
	struct inode *inode;
	struct path path;
	int fd, err;

	if (force_o_largefile())
		real_flags |= O_LARGEFILE;

	fd = get_unused_fd_flags(req->open_flags & O_CLOEXEC);
	if (fd < 0)
		return fd;
	err = user_path_at(req->dirfd, u64_to_user_ptr(req->path),
			   LOOKUP_FOLLOW, &path);
	if (err)
		goto out_put_fd;

	inode = d_backing_inode(path.dentry);
	if (!S_ISCHR(inode->i_mode) && !S_ISBLK(inode->i_mode)) {
		err = -ENODEV;
		goto out_denied;
	}
	/* What the event reports: the device asked for (type 0: none). */
	ev.type = S_ISCHR(inode->i_mode) ? CSE_DEV_CHAR : CSE_DEV_BLOCK;
	ev.major = MAJOR(inode->i_rdev);
	ev.minor = MINOR(inode->i_rdev);
	if (!cse_grant_allows(inst, inode->i_mode, inode->i_rdev, access)) {
		err = -EACCES;
		goto out_denied;
	}
	err = cse_may_open_dev(&path, access, req->open_flags);
	if (err)
		goto out_denied;

	real = dentry_open(&path, real_flags, current_cred());
	if (IS_ERR(real)) {
		err = PTR_ERR(real);
		goto out_denied;
	}
	file = cse_proxy_create(inst, real, req->open_flags);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		fput(real);
		goto out_denied;
	}
	path_put(&path);
	atomic64_inc(&inst->counters.opens_granted);
	cse_nl_notify_dev(inst, CSE_CMD_DEV_GRANTED, &ev,
			  u64_to_user_ptr(req->path));
	fd_install(fd, file);
	return fd;

out_denied:
	atomic64_inc(&inst->counters.opens_denied);
	path_put(&path);
	cse_nl_notify_dev(inst, CSE_CMD_DEV_DENIED, &ev,
			  u64_to_user_ptr(req->path));
out_put_fd:
	put_unused_fd(fd);
	return err;
}
