/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-9p: what differs between the kernels the module builds for, in one
 * place.  Upstream, this file would not exist.
 */
#ifndef _DRIVERS_VHOST_9P_COMPAT_H
#define _DRIVERS_VHOST_9P_COMPAT_H

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/version.h>
#include <linux/xattr.h>

/*
 * Built and tested on 6.1 and 6.12 only: elsewhere the VFS calls below
 * differ in ways this file does not know (vfs_mkdir() returns a dentry
 * from 6.15), and a build would fail far from the cause, or not at all.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "vhost_9p builds for Linux 6.1 to 6.12 (Documentation/admin-guide.rst, What the build needs)"
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#include <linux/filelock.h>
#endif

#include "../vhost.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
/* 6.3 replaced the mount's user namespace by an idmap in the VFS calls. */
typedef struct mnt_idmap v9p_idmap_t;

static inline v9p_idmap_t *v9p_idmap(const struct path *path)
{
	return mnt_idmap(path->mnt);
}

static inline void v9p_renamedata_idmap(struct renamedata *rd, v9p_idmap_t *idmap)
{
	rd->old_mnt_idmap = idmap;
	rd->new_mnt_idmap = idmap;
}
#else
typedef struct user_namespace v9p_idmap_t;

static inline v9p_idmap_t *v9p_idmap(const struct path *path)
{
	return mnt_user_ns(path->mnt);
}

static inline void v9p_renamedata_idmap(struct renamedata *rd, v9p_idmap_t *idmap)
{
	rd->old_mnt_userns = idmap;
	rd->new_mnt_userns = idmap;
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
/* 6.5 made work queueing per virtqueue. */
static inline void v9p_vq_work_queue(struct vhost_virtqueue *vq,
				     struct vhost_work *work)
{
	vhost_vq_work_queue(vq, work);
}

static inline bool v9p_vq_has_work(struct vhost_virtqueue *vq)
{
	return vhost_vq_has_work(vq);
}

static inline int v9p_follow_down(struct path *path)
{
	return follow_down(path, 0);
}
#else
static inline void v9p_vq_work_queue(struct vhost_virtqueue *vq,
				     struct vhost_work *work)
{
	vhost_work_queue(vq->dev, work);
}

static inline bool v9p_vq_has_work(struct vhost_virtqueue *vq)
{
	return vhost_has_work(vq->dev);
}

static inline int v9p_follow_down(struct path *path)
{
	return follow_down(path);
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
/* 6.9 moved the common lock fields into struct file_lock_core. */
static inline void v9p_lock_init(struct file_lock *fl, struct file *file,
				 fl_owner_t owner, unsigned char type, pid_t pid)
{
	locks_init_lock(fl);
	fl->c.flc_flags = FL_POSIX;
	fl->c.flc_file = file;
	fl->c.flc_owner = owner;
	fl->c.flc_type = type;
	fl->c.flc_pid = pid;
}

static inline void v9p_lock_set_owner(struct file_lock *fl, fl_owner_t owner)
{
	fl->c.flc_owner = owner;
}

static inline unsigned char v9p_lock_type(const struct file_lock *fl)
{
	return fl->c.flc_type;
}

static inline pid_t v9p_lock_pid(const struct file_lock *fl)
{
	return fl->c.flc_pid;
}

static inline fl_owner_t v9p_lock_owner(const struct file_lock *fl)
{
	return fl->c.flc_owner;
}

/* Does @owner hold a POSIX lock on @inode? */
static inline bool v9p_owner_holds_lock(struct inode *inode, fl_owner_t owner)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	struct file_lock_core *flc;
	bool held = false;

	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	list_for_each_entry(flc, &ctx->flc_posix, flc_list)
		if (flc->flc_owner == owner) {
			held = true;
			break;
		}
	spin_unlock(&ctx->flc_lock);
	return held;
}
#else
static inline void v9p_lock_init(struct file_lock *fl, struct file *file,
				 fl_owner_t owner, unsigned char type, pid_t pid)
{
	locks_init_lock(fl);
	fl->fl_flags = FL_POSIX;
	fl->fl_file = file;
	fl->fl_owner = owner;
	fl->fl_type = type;
	fl->fl_pid = pid;
}

static inline void v9p_lock_set_owner(struct file_lock *fl, fl_owner_t owner)
{
	fl->fl_owner = owner;
}

static inline unsigned char v9p_lock_type(const struct file_lock *fl)
{
	return fl->fl_type;
}

static inline pid_t v9p_lock_pid(const struct file_lock *fl)
{
	return fl->fl_pid;
}

static inline fl_owner_t v9p_lock_owner(const struct file_lock *fl)
{
	return fl->fl_owner;
}

static inline bool v9p_owner_holds_lock(struct inode *inode, fl_owner_t owner)
{
	/* As locks_inode_context() of later kernels: set once, published. */
	struct file_lock_context *ctx = smp_load_acquire(&inode->i_flctx);
	struct file_lock *fl;
	bool held = false;

	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	list_for_each_entry(fl, &ctx->flc_posix, fl_list)
		if (fl->fl_owner == owner) {
			held = true;
			break;
		}
	spin_unlock(&ctx->flc_lock);
	return held;
}
#endif

/*
 * Close a file now.  fput() from the vhost worker would defer the close to
 * task work that a 6.4+ vhost_task never runs before it exits, keeping
 * every file the guest ever opened open.  Before 6.7, __fput_sync() was
 * for kernel threads only, which 6.1's vhost worker is.
 */
static inline void v9p_fput(struct file *file)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	if (!(current->flags & PF_KTHREAD)) {
		fput(file);
		return;
	}
#endif
	__fput_sync(file);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
/*
 * Since 6.2, POSIX ACLs are not xattrs for the VFS any more: the xattr
 * calls refuse their names, and the ACL calls take their place.  The guest
 * still speaks xattrs; convert, with ids in the export's user namespace.
 */
static inline ssize_t v9p_getxattr(v9p_idmap_t *idmap, struct dentry *dentry,
				   const char *name, void *value, size_t size)
{
	struct posix_acl *acl;
	ssize_t ret;

	if (!is_posix_acl_xattr(name))
		return vfs_getxattr(idmap, dentry, name, value, size);
	acl = vfs_get_acl(idmap, dentry, name);
	if (IS_ERR(acl))
		return PTR_ERR(acl);
	if (!acl)
		return -ENODATA;
	ret = posix_acl_to_xattr(current_user_ns(), acl, value, size);
	posix_acl_release(acl);
	return ret;
}

static inline int v9p_setxattr(v9p_idmap_t *idmap, struct dentry *dentry,
			       const char *name, const void *value, size_t size,
			       int flags)
{
	struct posix_acl *acl;
	int ret;

	if (!is_posix_acl_xattr(name))
		return vfs_setxattr(idmap, dentry, name, value, size, flags);
	acl = posix_acl_from_xattr(current_user_ns(), value, size);
	if (IS_ERR(acl))
		return PTR_ERR(acl);
	ret = vfs_set_acl(idmap, dentry, name, acl);
	posix_acl_release(acl);
	return ret;
}

static inline int v9p_removexattr(v9p_idmap_t *idmap, struct dentry *dentry,
				  const char *name)
{
	if (is_posix_acl_xattr(name))
		return vfs_remove_acl(idmap, dentry, name);
	return vfs_removexattr(idmap, dentry, name);
}
#else
#define v9p_getxattr vfs_getxattr
#define v9p_setxattr vfs_setxattr
#define v9p_removexattr vfs_removexattr
#endif

#endif /* _DRIVERS_VHOST_9P_COMPAT_H */
