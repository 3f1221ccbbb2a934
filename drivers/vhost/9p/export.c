// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p export: what a device serves, with whose credentials, and the
 * walk that keeps the guest inside it.
 *
 * The guest names files only by walking from fids one component at a time:
 * names with '/' or NUL, "." and the empty name are refused (names longer
 * than NAME_MAX too, with the host's ENAMETOOLONG), symlinks are
 * never followed (lookup does not follow them, and a symlink is not a
 * directory to walk through), ".." at the export root stays there, other
 * file systems mounted below the root are entered only if the export says
 * so, and the result of every walk must still lie under the root, which a
 * host process renaming a directory out of the export would break.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "vhost_9p.h"

/* qid.path: 16 bits of host file system index, 48 bits of inode number. */
#define V9P_QID_INO_BITS	48
#define V9P_QID_INO_MASK	((1ULL << V9P_QID_INO_BITS) - 1)
#define V9P_QID_MAX_DEVICES	(1U << (64 - V9P_QID_INO_BITS))

static int check_export(const struct vhost_9p_export *exp)
{
	unsigned int i;

	if (exp->flags & ~VHOST_9P_EXPORT_FLAGS)
		return -EINVAL;
	if (exp->security_model > VHOST_9P_SECURITY_MAPPED_XATTR)
		return -EINVAL;
	if (exp->max_msize &&
	    (exp->max_msize < VHOST_9P_MIN_MSIZE || exp->max_msize > VHOST_9P_MAX_MSIZE))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(exp->reserved); i++)
		if (exp->reserved[i])
			return -EINVAL;
	if (!memchr(exp->tag, '\0', sizeof(exp->tag)))
		return -EINVAL;
	return 0;
}

/**
 * v9p_server_create() - start serving an export, for VHOST_9P_SET_EXPORT
 * @exp: what to serve, as the VMM gave it
 *
 * Captures the caller's credentials: every file operation of the server
 * runs with them.
 *
 * Return: the server, or ERR_PTR(): -EINVAL for bad flags, limits or tag,
 * -EBADF or -ENOTDIR for a bad @exp->dirfd, -EPERM for the passthrough
 * model without CAP_CHOWN, -EOPNOTSUPP for the mapped-xattr model on a
 * file system without user.* xattrs, -ENOMEM.
 */
struct v9p_server *v9p_server_create(const struct vhost_9p_export *exp)
{
	struct v9p_server *srv;
	struct file *dir;
	int ret;

	ret = check_export(exp);
	if (ret)
		return ERR_PTR(ret);
	if (exp->security_model == VHOST_9P_SECURITY_PASSTHROUGH &&
	    !capable(CAP_CHOWN)) {
		pr_warn_ratelimited("%s: security_model=passthrough needs CAP_CHOWN: run the VMM as root, or use security_model=mapped-xattr\n",
				    exp->tag);
		return ERR_PTR(-EPERM);
	}

	/* O_PATH is enough: the export is named, not read. */
	dir = fget_raw(exp->dirfd);
	if (!dir)
		return ERR_PTR(-EBADF);
	if (!d_can_lookup(dir->f_path.dentry)) {
		ret = -ENOTDIR;
		goto err_fd;
	}
	if (exp->security_model == VHOST_9P_SECURITY_MAPPED_XATTR &&
	    !v9p_mapped_supported(&dir->f_path)) {
		pr_warn_ratelimited("%s: security_model=mapped-xattr needs user.* xattrs, which the export's file system lacks: use ext4, xfs or btrfs, or security_model=none\n",
				    exp->tag);
		ret = -EOPNOTSUPP;
		goto err_fd;
	}

	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv) {
		ret = -ENOMEM;
		goto err_fd;
	}
	srv->flags = exp->flags;
	srv->security_model = exp->security_model;
	srv->max_fids = exp->max_fids ?: VHOST_9P_DEFAULT_MAX_FIDS;
	srv->max_msize = exp->max_msize ?: VHOST_9P_DEFAULT_MAX_MSIZE;
	strscpy(srv->tag, exp->tag, sizeof(srv->tag));
	xa_init(&srv->fids);
	xa_init(&srv->devices);
	xa_init(&srv->lock_owners);
	xa_init(&srv->pending);

	/* The request, then room for its strings: see struct v9p_buf. */
	srv->req_buf = kvmalloc(2 * V9P_REQ_MAX, GFP_KERNEL_ACCOUNT);
	srv->reply_buf = kvmalloc(srv->max_msize, GFP_KERNEL_ACCOUNT);
	srv->wq = alloc_workqueue("vhost-9p", WQ_UNBOUND, 0);
	if (!srv->req_buf || !srv->reply_buf || !srv->wq) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* The root's file system is number 0: its qid.path is its inode. */
	ret = xa_insert(&srv->devices, dir->f_path.dentry->d_sb->s_dev,
			xa_mk_value(0), GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;

	srv->root = dir->f_path;
	path_get(&srv->root);
	srv->cred = get_current_cred();
	fput(dir);
	return srv;

err_free:
	if (srv->wq)
		destroy_workqueue(srv->wq);
	xa_destroy(&srv->devices);
	kvfree(srv->reply_buf);
	kvfree(srv->req_buf);
	kfree(srv);
err_fd:
	fput(dir);
	return ERR_PTR(ret);
}

/**
 * v9p_server_reset() - end the session: drop every fid, forget the msize
 * @srv: the server
 */
void v9p_server_reset(struct v9p_server *srv)
{
	v9p_fid_clunk_all(srv);
	srv->msize = 0;
}

/**
 * v9p_server_destroy() - stop serving: release every fid and the export
 * @srv: the server, no longer reachable by the worker
 */
void v9p_server_destroy(struct v9p_server *srv)
{
	void *owner;
	unsigned long pid;

	/* The device stopped, and drained the workqueue, before this. */
	destroy_workqueue(srv->wq);
	v9p_server_reset(srv);
	xa_for_each(&srv->lock_owners, pid, owner)
		kfree(owner);
	xa_destroy(&srv->lock_owners);
	xa_destroy(&srv->fids);
	xa_destroy(&srv->devices);
	xa_destroy(&srv->pending);
	path_put(&srv->root);
	put_cred(srv->cred);
	kvfree(srv->reply_buf);
	kvfree(srv->req_buf);
	kfree(srv);
}

/**
 * v9p_readonly() - does the export refuse modifications
 * @srv: the server
 *
 * Return: true for a read-only export.
 */
bool v9p_readonly(const struct v9p_server *srv)
{
	return srv->flags & VHOST_9P_EXPORT_READONLY;
}

/**
 * v9p_name_check() - is @name one path component the guest may use
 * @name: the name, as the guest sent it
 *
 * Return: 0, -ENAMETOOLONG for a name longer than NAME_MAX (what a host
 * file system answers), or -EINVAL for the empty name, ".", ".." and names
 * holding '/' or NUL.
 */
int v9p_name_check(const struct v9p_str *name)
{
	if (name->len > NAME_MAX)
		return -ENAMETOOLONG;
	return v9p_name_ok(name) ? 0 : -EINVAL;
}

static int walk_dotdot(struct v9p_server *srv, struct path *path)
{
	struct dentry *parent;

	for (;;) {
		if (path_equal(path, &srv->root))
			return 0;
		if (path->dentry != path->mnt->mnt_root)
			break;
		/* The root of a file system mounted below the export root. */
		if (!follow_up(path))
			return -ENOENT;
	}
	parent = dget_parent(path->dentry);
	dput(path->dentry);
	path->dentry = parent;
	return 0;
}

/**
 * v9p_walk_one() - walk one path component, inside the export
 * @srv: the server
 * @path: where to walk from; replaced by where the walk led
 * @name: the component, as the guest sent it
 *
 * Return: 0, or -EINVAL for a name that is not one component,
 * -ENAMETOOLONG for one longer than NAME_MAX, -ENOTDIR when @path is not a
 * directory, -ENOENT when nothing has that name or the
 * walk would leave the export, or the lookup's error.  On error @path is
 * unchanged or still a valid reference the caller must put.
 */
int v9p_walk_one(struct v9p_server *srv, struct path *path,
		 const struct v9p_str *name)
{
	struct dentry *child;
	int ret;

	if (!d_can_lookup(path->dentry))
		return -ENOTDIR;
	if (name->len == 2 && !memcmp(name->str, "..", 2)) {
		ret = walk_dotdot(srv, path);
	} else {
		ret = v9p_name_check(name);
		if (ret)
			return ret;
		child = lookup_one_len_unlocked(name->str, path->dentry, name->len);
		if (IS_ERR(child))
			return PTR_ERR(child);
		if (d_really_is_negative(child)) {
			dput(child);
			return -ENOENT;
		}
		dput(path->dentry);
		path->dentry = child;
		ret = 0;
		if ((srv->flags & VHOST_9P_EXPORT_CROSS_MOUNTS) && d_mountpoint(child))
			ret = v9p_follow_down(path);
	}
	if (!ret && !path_is_under(path, &srv->root))
		ret = -ENOENT;
	return ret;
}

/**
 * v9p_dev_index() - the number of a host file system, for qid.path
 * @srv: the server
 * @dev: the file system's device number
 *
 * Return: 0 for the export root's, a small number for one mounted below.
 */
u32 v9p_dev_index(struct v9p_server *srv, dev_t dev)
{
	void *entry = xa_load(&srv->devices, dev);
	u32 index;

	if (entry)
		return xa_to_value(entry);
	/*
	 * A file system not seen before: a mount below the root.  If the
	 * numbers run out, share number 0; qids may then collide, which the
	 * client survives.
	 */
	index = atomic_inc_return(&srv->nr_devices);
	if (index >= V9P_QID_MAX_DEVICES)
		return 0;
	entry = xa_cmpxchg(&srv->devices, dev, NULL, xa_mk_value(index),
			   GFP_KERNEL_ACCOUNT);
	if (xa_is_err(entry))
		return 0;
	return entry ? xa_to_value(entry) : index;
}

/**
 * v9p_make_qid() - the qid of a file, from its attributes
 * @srv: the server
 * @path: the file (only its type and identity matter)
 * @stat: its attributes, from vfs_getattr()
 * @qid: filled in
 *
 * qid.path combines the inode number with a number for its host file
 * system, so that two files with the same inode number on two file systems
 * of the export differ.
 */
void v9p_make_qid(struct v9p_server *srv, const struct path *path,
		  const struct kstat *stat, struct v9p_qid *qid)
{
	u64 ino = stat->ino;

	if (S_ISDIR(stat->mode))
		qid->type = V9P_QTDIR;
	else if (S_ISLNK(stat->mode))
		qid->type = V9P_QTSYMLINK;
	else
		qid->type = V9P_QTFILE;
	qid->version = (u32)(stat->mtime.tv_sec ^ stat->mtime.tv_nsec ^ (stat->size << 8));
	if (ino > V9P_QID_INO_MASK)
		ino = (ino ^ (ino >> V9P_QID_INO_BITS)) & V9P_QID_INO_MASK;
	qid->path = ((u64)v9p_dev_index(srv, stat->dev) << V9P_QID_INO_BITS) | ino;
}

/**
 * v9p_path_qid() - the qid of a file
 * @srv: the server
 * @path: the file
 * @qid: filled in
 *
 * Return: 0, or the error of vfs_getattr().
 */
int v9p_path_qid(struct v9p_server *srv, const struct path *path,
		 struct v9p_qid *qid)
{
	struct kstat stat;
	int ret;

	ret = vfs_getattr(path, &stat, STATX_TYPE | STATX_INO | STATX_MTIME | STATX_SIZE,
			  AT_STATX_SYNC_AS_STAT);
	if (ret)
		return ret;
	/* A symlink of the mapped model is a regular file on the host. */
	if (v9p_mapped(srv) && S_ISREG(stat.mode))
		stat.mode = v9p_mapped_mode(path);
	v9p_make_qid(srv, path, &stat, qid);
	return 0;
}
