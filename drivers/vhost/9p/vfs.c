// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p VFS sequences: what a request does to the host's files, on
 * paths of the export, with the export's credentials (v9p_serve() holds
 * them).  The handlers in ops.c decode a request, find its fids (beneath
 * the export: req_path_fid()), call one helper here and encode the reply.
 * Here are the checks made under the directory's lock that a path is
 * still beneath the export, the security models' policy on modes and
 * owners, and the undoing of half-done creations.
 *
 * The rule for every helper that creates: a request answered with an
 * error leaves nothing behind.  A file made before a later step failed is
 * removed again, under the same directory lock when it can be.
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xattr.h>

#include "vhost_9p.h"

/* The mapped model's files are the VMM's and private to it on the host. */
#define V9P_MAPPED_FILE_MODE	(S_IFREG | 0600)
#define V9P_MAPPED_DIR_MODE	0700

static kgid_t wire_gid(u32 gid)
{
	return make_kgid(current_user_ns(), gid);
}

/* Is this failure one the "none" model hides (QEMU's meaning)? */
static bool ownership_failure_ignored(struct v9p_server *srv, int err)
{
	return srv->export.security_model == VHOST_9P_SECURITY_NONE &&
	       (err == -EPERM || err == -EINVAL);
}

/*
 * Set-user-ID and set-group-ID programs, and device nodes, on the host only
 * where the export says so (VHOST_9P_EXPORT_SETID, _DEVICES): as on a
 * nosuid, nodev mount, never by default.  The mapped model keeps modes and
 * devices in its attributes, on private regular files: nothing to refuse.
 */
static int host_mode_allowed(struct v9p_server *srv, umode_t mode)
{
	if (v9p_mapped(srv))
		return 0;
	/* Only a program runs with its bits: other files keep the kernel's say. */
	if (!(srv->export.flags & VHOST_9P_EXPORT_SETID) && S_ISREG(mode) &&
	    ((mode & S_ISUID) || (mode & (S_ISGID | 0010)) == (S_ISGID | 0010)))
		return -EPERM;
	if (!(srv->export.flags & VHOST_9P_EXPORT_DEVICES) && (S_ISCHR(mode) || S_ISBLK(mode)))
		return -EPERM;
	return 0;
}

/*
 * A chown by a root VMM keeps a file's set-ID bits (CAP_FSETID): without
 * VHOST_9P_EXPORT_SETID they go, as they would for an unprivileged chown,
 * or a host user's set-user-ID program given to root would run as root.
 */
static unsigned int chown_kills_setid(struct v9p_server *srv, const struct path *path)
{
	umode_t mode = d_inode(path->dentry)->i_mode;
	unsigned int kill = 0;

	if (v9p_mapped(srv) || (srv->export.flags & VHOST_9P_EXPORT_SETID) || S_ISDIR(mode))
		return 0;
	if (mode & S_ISUID)
		kill |= ATTR_KILL_SUID;
	if ((mode & (S_ISGID | 0010)) == (S_ISGID | 0010))
		kill |= ATTR_KILL_SGID;
	return kill;
}

static int set_attrs(const struct path *path, struct iattr *attr)
{
	struct inode *inode = d_inode(path->dentry);
	int ret;

	ret = mnt_want_write(path->mnt);
	if (ret)
		return ret;
	inode_lock(inode);
	ret = notify_change(v9p_idmap(path), path->dentry, attr, NULL);
	inode_unlock(inode);
	mnt_drop_write(path->mnt);
	return ret;
}

static int may_open_path(struct v9p_server *srv, const struct path *path,
			 int flags)
{
	struct inode *inode = d_inode(path->dentry);
	int acc = flags & O_ACCMODE;
	umode_t mode = v9p_mapped(srv) ? v9p_mapped_mode(path) : inode->i_mode;
	int mask = 0;

	switch (mode & S_IFMT) {
	case S_IFLNK:
		return -ELOOP;
	case S_IFDIR:
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
		break;
	case S_IFREG:
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		break;
	default:
		/* Never a host device, FIFO or socket (CVE-2023-2861). */
		return -ENXIO;
	}
	if (acc == 3)
		return -EINVAL;
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	if ((mask & MAY_WRITE) && v9p_readonly(srv))
		return -EROFS;
	if ((mask & MAY_WRITE) && IS_APPEND(inode) && !(flags & O_APPEND))
		return -EPERM;
	return inode_permission(v9p_idmap(path), inode, mask | MAY_OPEN);
}

/*
 * A lease a host process holds on @inode (or an NFS delegation) makes an
 * open or a truncate wait up to lease-break-time (45 s) for its holder.
 * On the ring worker that would stall every request of the guest and the
 * VMM's ioctls: there, start the break and answer -EAGAIN, and the
 * workqueue serves the request, waiting as a local open would.
 */
static int lease_nowait(struct v9p_request *req, struct inode *inode, int flags)
{
	int ret;

	if (!req->nowait)
		return 0;
	ret = break_lease(inode, flags | O_NONBLOCK);
	return ret == -EWOULDBLOCK ? -EAGAIN : ret;
}

/**
 * v9p_vfs_open() - open a file of the export, as open(2) without O_CREAT
 * @srv: the server
 * @req: the request (Tlopen)
 * @path: the file
 * @flags: open(2) flags; O_TRUNC truncates the file first
 *
 * Only directories and regular files open: never a host device, FIFO or
 * socket.
 *
 * Return: the file, or an ERR_PTR(): -EAGAIN on the ring worker when a
 * lease must break first.
 */
struct file *v9p_vfs_open(struct v9p_server *srv, struct v9p_request *req,
			  const struct path *path, int flags)
{
	int ret;

	/* A truncate writes, whatever the access asked for. */
	ret = may_open_path(srv, path, flags) ?:
	      lease_nowait(req, d_inode(path->dentry),
			   flags & O_TRUNC ? O_WRONLY : flags);
	if (ret)
		return ERR_PTR(ret);
	if (flags & O_TRUNC) {
		ret = v9p_fault(req) ?: vfs_truncate(path, 0);
		if (ret)
			return ERR_PTR(ret);
	}
	ret = v9p_fault(req);
	if (ret)
		return ERR_PTR(ret);
	return dentry_open(path, flags & ~O_TRUNC, current_cred());
}

/**
 * v9p_vfs_setattr() - change a file's mode, owner, size and times
 * @srv: the server
 * @req: the request (Tsetattr)
 * @path: the file
 * @sa: what to change, with times checked by the caller
 *
 * The caller refuses a read-only export.
 *
 * Return: 0, or a negative errno: -EAGAIN on the ring worker when a lease
 * must break before the size changes.
 */
int v9p_vfs_setattr(struct v9p_server *srv, struct v9p_request *req,
		    const struct path *path, const struct v9p_setattr *sa)
{
	u32 valid = sa->valid;
	struct iattr attr = {};
	umode_t type;
	int ret;

	ret = v9p_check_beneath(srv, path);
	if (ret)
		return ret;
	type = d_inode(path->dentry)->i_mode & S_IFMT;
	/* Refused before anything changes. */
	if (valid & V9P_SETATTR_MODE) {
		ret = host_mode_allowed(srv, (sa->mode & S_IALLUGO) | type);
		if (ret)
			return ret;
	}

	if (valid & V9P_SETATTR_SIZE) {
		if (srv->export.fsize_limit != RLIM_INFINITY && sa->size > srv->export.fsize_limit)
			return -EFBIG;
		ret = lease_nowait(req, d_inode(path->dentry), O_WRONLY) ?:
		      v9p_fault(req) ?: vfs_truncate(path, sa->size);
		if (ret)
			return ret;
	}
	if (v9p_mapped(srv) && (valid & (V9P_SETATTR_UID | V9P_SETATTR_GID |
					 V9P_SETATTR_MODE))) {
		/* The guest's owner and mode are the model's, not the host's. */
		ret = v9p_fault(req) ?:
		      v9p_mapped_change(path,
					(valid & V9P_SETATTR_UID ? BIT(V9P_MAPPED_UID) : 0) |
					(valid & V9P_SETATTR_GID ? BIT(V9P_MAPPED_GID) : 0) |
					(valid & V9P_SETATTR_MODE ? BIT(V9P_MAPPED_MODE) : 0),
					sa->uid, sa->gid, (sa->mode & S_IALLUGO) |
					(v9p_mapped_mode(path) & S_IFMT));
		if (ret)
			return ret;
		valid &= ~(V9P_SETATTR_UID | V9P_SETATTR_GID | V9P_SETATTR_MODE);
	}
	if (valid & (V9P_SETATTR_UID | V9P_SETATTR_GID)) {
		if (valid & V9P_SETATTR_UID) {
			attr.ia_valid |= ATTR_UID;
			attr.ia_uid = make_kuid(current_user_ns(), sa->uid);
		}
		if (valid & V9P_SETATTR_GID) {
			attr.ia_valid |= ATTR_GID;
			attr.ia_gid = wire_gid(sa->gid);
		}
		attr.ia_valid |= chown_kills_setid(srv, path);
		ret = v9p_fault(req) ?: set_attrs(path, &attr);
		if (ret && ownership_failure_ignored(srv, ret))
			ret = 0;
		if (ret)
			return ret;
		attr.ia_valid = 0;
	}
	/* The wire's remaining bits are the kernel's ATTR_* bits. */
	if (valid & V9P_SETATTR_MODE) {
		attr.ia_valid |= ATTR_MODE;
		attr.ia_mode = (sa->mode & S_IALLUGO) | type;
	}
	if (valid & V9P_SETATTR_ATIME) {
		attr.ia_valid |= ATTR_ATIME;
		if (valid & V9P_SETATTR_ATIME_SET) {
			attr.ia_valid |= ATTR_ATIME_SET;
			attr.ia_atime.tv_sec = sa->atime_sec;
			attr.ia_atime.tv_nsec = sa->atime_nsec;
		}
	}
	if (valid & V9P_SETATTR_MTIME) {
		attr.ia_valid |= ATTR_MTIME;
		if (valid & V9P_SETATTR_MTIME_SET) {
			attr.ia_valid |= ATTR_MTIME_SET;
			attr.ia_mtime.tv_sec = sa->mtime_sec;
			attr.ia_mtime.tv_nsec = sa->mtime_nsec;
		}
	}
	/*
	 * As utimensat(2) asks: times given are ATTR_TIMES_SET (the owner's,
	 * refused on append-only files), "now" alone is ATTR_TOUCH.
	 */
	if (attr.ia_valid & (ATTR_ATIME_SET | ATTR_MTIME_SET))
		attr.ia_valid |= ATTR_TIMES_SET;
	else if (attr.ia_valid & (ATTR_ATIME | ATTR_MTIME))
		attr.ia_valid |= ATTR_TOUCH;
	if (valid & V9P_SETATTR_CTIME)
		attr.ia_valid |= ATTR_CTIME;
	if (attr.ia_valid)
		ret = v9p_fault(req) ?: set_attrs(path, &attr);
	return ret;
}

/**
 * v9p_vfs_write_drop_setid() - drop set-ID bits before a write, as write(2)
 * @srv: the server
 * @uid: the guest user writing (the fid's)
 * @file: the file written
 *
 * A write by a guest user other than root drops set-user-ID, and
 * set-group-ID from a group-executable file.
 *
 * Return: 0 or the error of changing the mode.
 */
int v9p_vfs_write_drop_setid(struct v9p_server *srv, u32 uid, struct file *file)
{
	struct iattr attr = { .ia_valid = ATTR_MODE | ATTR_FORCE };
	bool mapped = v9p_mapped(srv);
	umode_t mode;

	if (!uid || uid == P9_NOFID)
		return 0;
	mode = mapped ? v9p_mapped_mode(&file->f_path) : file_inode(file)->i_mode;
	if (!(mode & S_ISUID) && (mode & (S_ISGID | 0010)) != (S_ISGID | 0010))
		return 0;
	attr.ia_mode = mode & ~S_ISUID;
	if (mode & 0010)
		attr.ia_mode &= ~S_ISGID;
	if (mapped)
		return v9p_mapped_change(&file->f_path, BIT(V9P_MAPPED_MODE), 0, 0,
					 attr.ia_mode);
	return set_attrs(&file->f_path, &attr);
}

/*
 * Creating: lock the directory, look the name up, and hand back a negative
 * dentry to create, with write access to the mount held.
 */
static struct dentry *create_begin(struct v9p_server *srv, struct v9p_request *req,
				   const struct path *dir, const struct v9p_str *name)
{
	struct dentry *dentry;
	int ret;

	if (v9p_readonly(srv))
		return ERR_PTR(-EROFS);
	ret = v9p_name_check(name);
	if (ret)
		return ERR_PTR(ret);
	if (!d_can_lookup(dir->dentry))
		return ERR_PTR(-ENOTDIR);
	ret = v9p_fault(req) ?: mnt_want_write(dir->mnt);
	if (ret)
		return ERR_PTR(ret);
	inode_lock_nested(d_inode(dir->dentry), I_MUTEX_PARENT);
	/* Its entries stay now; it may have left the export since the check. */
	ret = v9p_fault(req) ?: v9p_check_beneath(srv, dir);
	dentry = ret ? ERR_PTR(ret) : lookup_one_len(name->str, dir->dentry, name->len);
	if (!IS_ERR(dentry) && d_really_is_positive(dentry)) {
		dput(dentry);
		dentry = ERR_PTR(-EEXIST);
	}
	if (IS_ERR(dentry)) {
		inode_unlock(d_inode(dir->dentry));
		mnt_drop_write(dir->mnt);
	}
	return dentry;
}

static void create_end(const struct path *dir, struct dentry *dentry)
{
	inode_unlock(d_inode(dir->dentry));
	dput(dentry);
	mnt_drop_write(dir->mnt);
}

static bool has_default_acl(const struct path *dir)
{
	return v9p_getxattr(v9p_idmap(dir), dir->dentry, XATTR_NAME_POSIX_ACL_DEFAULT,
			    NULL, 0) > 0;
}

/*
 * Give a new file the guest's owner and mode.  The file was created with
 * the server's credentials, and the worker's umask may have cleared mode
 * bits the guest asked for (its own umask was already applied); a default
 * ACL, though, is the directory's word and stands.  In the mapped model,
 * all of it, and a device's number, goes into the model's attributes.
 */
static int finish_create(struct v9p_server *srv, const struct path *dir,
			 struct dentry *dentry, u32 uid, u32 gid, umode_t mode, dev_t rdev)
{
	struct path path = { .mnt = dir->mnt, .dentry = dentry };
	struct inode *inode = d_inode(dentry);
	struct iattr attr = {};
	umode_t want = mode & S_IALLUGO;
	kuid_t kuid;
	int ret = 0;

	if (v9p_mapped(srv))
		return v9p_mapped_set(&path, BIT(V9P_MAPPED_UID) | BIT(V9P_MAPPED_MODE) |
				      (gid != P9_NOFID ? BIT(V9P_MAPPED_GID) : 0) |
				      (rdev ? BIT(V9P_MAPPED_RDEV) : 0),
				      uid, gid, mode, new_encode_dev(rdev));
	kuid = make_kuid(current_user_ns(), uid);
	if (uid_valid(kuid)) {
		attr.ia_valid |= ATTR_UID;
		attr.ia_uid = kuid;
	}
	if (gid != P9_NOFID) {
		attr.ia_valid |= ATTR_GID;
		attr.ia_gid = wire_gid(gid);
	}
	/* The directory is locked; the new inode comes after it in lock order. */
	inode_lock(inode);
	if (attr.ia_valid) {
		ret = notify_change(v9p_idmap(dir), dentry, &attr, NULL);
		if (ret && ownership_failure_ignored(srv, ret))
			ret = 0;
		if (ret)
			goto out;
	}
	if (S_ISDIR(inode->i_mode))
		want |= inode->i_mode & S_ISGID;
	if ((inode->i_mode & S_IALLUGO) == want || S_ISLNK(inode->i_mode))
		goto out;
	if ((want & ~inode->i_mode & 0777) && has_default_acl(dir))
		goto out;
	attr.ia_valid = ATTR_MODE;
	attr.ia_mode = want | (inode->i_mode & S_IFMT);
	ret = notify_change(v9p_idmap(dir), dentry, &attr, NULL);
out:
	inode_unlock(inode);
	return ret;
}

/* Undo a creation whose ownership could not be set (passthrough model). */
static void undo_create(const struct path *dir, struct dentry *dentry)
{
	struct inode *dir_inode = d_inode(dir->dentry);

	if (d_is_dir(dentry))
		vfs_rmdir(v9p_idmap(dir), dir_inode, dentry);
	else
		vfs_unlink(v9p_idmap(dir), dir_inode, dentry, NULL);
}

/*
 * Undo a creation that failed after the directory was unlocked (Tlcreate's
 * open), unless the file has been moved or removed since: the guest, told
 * the request failed, must not find it.
 */
static void undo_create_unlocked(const struct path *dir, struct dentry *dentry)
{
	struct inode *dir_inode = d_inode(dir->dentry);

	if (mnt_want_write(dir->mnt))
		return;
	inode_lock_nested(dir_inode, I_MUTEX_PARENT);
	if (dentry->d_parent == dir->dentry && !d_unhashed(dentry) &&
	    d_really_is_positive(dentry))
		undo_create(dir, dentry);
	inode_unlock(dir_inode);
	mnt_drop_write(dir->mnt);
}

/**
 * v9p_vfs_lcreate() - create a regular file and open it, as open(2) with
 *	O_CREAT | O_EXCL
 * @srv: the server
 * @req: the request (Tlcreate)
 * @dir: the directory
 * @name: the new file's name
 * @uid: its owner, as the guest numbers it
 * @gid: its group, or P9_NOFID for the directory's say
 * @mode: its permission bits
 * @flags: open(2) flags, without O_TRUNC and O_DIRECTORY
 * @path: the new file, with a reference, if it opened
 * @qid: its qid
 *
 * Return: the open file, or an ERR_PTR(), and then no new file is left.
 */
struct file *v9p_vfs_lcreate(struct v9p_server *srv, struct v9p_request *req,
			     const struct path *dir, const struct v9p_str *name,
			     u32 uid, u32 gid, umode_t mode, int flags,
			     struct path *path, struct p9_qid *qid)
{
	struct dentry *dentry;
	struct file *file;
	int ret;

	mode = (mode & S_IALLUGO) | S_IFREG;
	ret = host_mode_allowed(srv, mode);
	if (ret)
		return ERR_PTR(ret);
	dentry = create_begin(srv, req, dir, name);
	if (IS_ERR(dentry))
		return ERR_CAST(dentry);
	ret = v9p_fault(req) ?:
	      vfs_create(v9p_idmap(dir), d_inode(dir->dentry), dentry,
			 v9p_mapped(srv) ? V9P_MAPPED_FILE_MODE : mode, true);
	if (!ret) {
		ret = v9p_fault(req) ?: finish_create(srv, dir, dentry, uid, gid, mode, 0);
		if (ret)
			undo_create(dir, dentry);
	}
	path->mnt = dir->mnt;
	path->dentry = dentry;
	path_get(path);
	create_end(dir, dentry);
	if (ret)
		goto out_path;

	/* The creator may write a file it created read-only. */
	ret = v9p_fault(req);
	file = ret ? ERR_PTR(ret) : dentry_open(path, flags, current_cred());
	ret = PTR_ERR_OR_ZERO(file);
	if (ret)
		goto out_undo;
	ret = v9p_fault(req) ?: v9p_path_qid(srv, path, qid);
	if (ret) {
		v9p_fput(file);
		goto out_undo;
	}
	return file;
out_undo:
	undo_create_unlocked(dir, dentry);
out_path:
	path_put(path);
	return ERR_PTR(ret);
}

/* A symlink of the mapped model: a regular file holding the target. */
static int write_mapped_symlink(const struct path *path, const char *target)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = dentry_open(path, O_WRONLY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	/*
	 * Not kernel_write(): create_begin()'s mnt_want_write() holds the
	 * file system's freeze protection already, and taking it again
	 * deadlocks once a freeze waits in between (lockdep says so).
	 */
	n = __kernel_write(file, target, strlen(target), &pos);
	v9p_fput(file);
	return n < 0 ? n : 0;
}

/**
 * v9p_vfs_mknod() - make a directory, symlink, device node, FIFO, socket
 *	or empty regular file
 * @srv: the server
 * @req: the request (Tmkdir, Tsymlink, Tmknod)
 * @dir: the directory
 * @name: the new file's name
 * @uid: its owner, as the guest numbers it
 * @gid: its group, or P9_NOFID for the directory's say
 * @mode: its type and permission bits
 * @rdev: a device node's number
 * @target: a symlink's target
 * @qid: the new file's qid
 *
 * Return: 0, or a negative errno, and then no new file is left.
 */
int v9p_vfs_mknod(struct v9p_server *srv, struct v9p_request *req,
		  const struct path *dir, const struct v9p_str *name, u32 uid,
		  u32 gid, umode_t mode, dev_t rdev, const char *target,
		  struct p9_qid *qid)
{
	struct inode *dir_inode = d_inode(dir->dentry);
	v9p_idmap_t *idmap = v9p_idmap(dir);
	struct dentry *dentry;
	struct path path;
	int ret;

	ret = host_mode_allowed(srv, mode);
	if (ret)
		return ret;
	dentry = create_begin(srv, req, dir, name);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	path.mnt = dir->mnt;
	path.dentry = dentry;
	ret = v9p_fault(req);
	if (ret)
		goto out;
	if (S_ISDIR(mode))
		ret = vfs_mkdir(idmap, dir_inode, dentry,
				v9p_mapped(srv) ? V9P_MAPPED_DIR_MODE : mode & S_IALLUGO);
	else if (v9p_mapped(srv))
		ret = vfs_create(idmap, dir_inode, dentry, V9P_MAPPED_FILE_MODE, true);
	else if (S_ISLNK(mode))
		ret = vfs_symlink(idmap, dir_inode, dentry, target);
	else if (S_ISREG(mode))
		/* As mknod(2): ->mknod makes special files only. */
		ret = vfs_create(idmap, dir_inode, dentry, mode, true);
	else
		ret = vfs_mknod(idmap, dir_inode, dentry, mode, rdev);
	if (!ret && d_really_is_negative(dentry))
		ret = -ENOENT;	/* the file system did not instantiate it */
	if (ret)
		goto out;
	/* From here, a failure takes the new file away again. */
	if (S_ISLNK(mode) && v9p_mapped(srv))
		ret = v9p_fault(req) ?: write_mapped_symlink(&path, target);
	if (!ret)
		ret = v9p_fault(req) ?: finish_create(srv, dir, dentry, uid, gid, mode, rdev);
	if (!ret)
		ret = v9p_fault(req) ?: v9p_path_qid(srv, &path, qid);
	if (ret)
		undo_create(dir, dentry);
out:
	create_end(dir, dentry);
	return ret;
}

static int read_mapped_symlink(const struct path *path, char *buf, size_t size)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = dentry_open(path, O_RDONLY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_read(file, buf, size, &pos);
	v9p_fput(file);
	return n;
}

/**
 * v9p_vfs_get_link() - a symlink's target
 * @srv: the server
 * @path: the symlink
 * @buf: set to a buffer the caller kfree()s, or NULL
 * @done: called by the caller, with do_delayed_call(), once done with the
 *	target
 *
 * Return: the target, NUL-terminated, or an ERR_PTR(): -EINVAL for a file
 * that is no symlink.
 */
const char *v9p_vfs_get_link(struct v9p_server *srv, const struct path *path,
			     char **buf, struct delayed_call *done)
{
	int ret;

	*buf = NULL;
	if (v9p_mapped(srv) && d_is_reg(path->dentry)) {
		if (!S_ISLNK(v9p_mapped_mode(path)))
			return ERR_PTR(-EINVAL);
		*buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!*buf)
			return ERR_PTR(-ENOMEM);
		ret = read_mapped_symlink(path, *buf, PATH_MAX - 1);
		if (ret < 0)
			return ERR_PTR(ret);
		(*buf)[ret] = '\0';
		return *buf;
	}
	if (!d_is_symlink(path->dentry))
		return ERR_PTR(-EINVAL);
	/*
	 * Links with a ->readlink of their own (procfs's magic links)
	 * need a path walk to read, which a request is not: their
	 * ->get_link() jumps the caller's walk, and oopses without one.
	 * Exports never reach them (v9p_walk_one()); this is the
	 * second fence.
	 */
	if (d_inode(path->dentry)->i_op->readlink)
		return ERR_PTR(-EINVAL);
	return vfs_get_link(path->dentry, done);
}

/* Look up a name under a locked directory: a positive dentry or an error. */
static struct dentry *lookup_existing(const struct path *dir,
				      const struct v9p_str *name)
{
	struct dentry *dentry;
	int ret;

	ret = v9p_name_check(name);
	if (ret)
		return ERR_PTR(ret);
	dentry = lookup_one_len(name->str, dir->dentry, name->len);
	if (!IS_ERR(dentry) && d_really_is_negative(dentry)) {
		dput(dentry);
		dentry = ERR_PTR(-ENOENT);
	}
	return dentry;
}

static int unlink_dentry(const struct path *dir, struct dentry *dentry,
			 bool want_dir)
{
	v9p_idmap_t *idmap = v9p_idmap(dir);

	if (want_dir)
		return d_is_dir(dentry) ? vfs_rmdir(idmap, d_inode(dir->dentry), dentry) :
					  -ENOTDIR;
	if (d_is_dir(dentry))
		return -EISDIR;
	return vfs_unlink(idmap, d_inode(dir->dentry), dentry, NULL);
}

/**
 * v9p_vfs_unlink() - remove a name from a directory, as unlinkat(2)
 * @srv: the server
 * @req: the request (Tunlinkat)
 * @dir: the directory
 * @name: the name
 * @rmdir: AT_REMOVEDIR: the name must be a directory's
 *
 * The caller refuses a read-only export.
 *
 * Return: 0 or a negative errno.
 */
int v9p_vfs_unlink(struct v9p_server *srv, struct v9p_request *req,
		   const struct path *dir, const struct v9p_str *name, bool rmdir)
{
	struct dentry *dentry;
	int ret;

	if (!d_can_lookup(dir->dentry))
		return -ENOTDIR;
	ret = v9p_fault(req) ?: mnt_want_write(dir->mnt);
	if (ret)
		return ret;
	inode_lock_nested(d_inode(dir->dentry), I_MUTEX_PARENT);
	ret = v9p_fault(req) ?: v9p_check_beneath(srv, dir);
	dentry = ret ? ERR_PTR(ret) : lookup_existing(dir, name);
	ret = PTR_ERR_OR_ZERO(dentry);
	if (!ret) {
		ret = v9p_fault(req) ?:
		      unlink_dentry(dir, dentry, rmdir);
		dput(dentry);
	}
	inode_unlock(d_inode(dir->dentry));
	mnt_drop_write(dir->mnt);
	return ret;
}

/**
 * v9p_vfs_remove() - remove a file by its path, as Tremove does
 * @srv: the server
 * @path: the file
 *
 * Return: 0, -EROFS, -EBUSY for the export's root or a mount point,
 * -ENOENT if it was renamed away or removed since it was found, or a
 * negative errno.
 */
int v9p_vfs_remove(struct v9p_server *srv, const struct path *path)
{
	struct dentry *dentry = path->dentry;
	struct path parent = { .mnt = path->mnt };
	int ret;

	if (v9p_readonly(srv))
		return -EROFS;
	if (path_equal(path, &srv->export.root) || dentry == path->mnt->mnt_root)
		return -EBUSY;
	/* Not by the caller: Tremove clunks its fid whatever happens. */
	ret = v9p_check_beneath(srv, path);
	if (ret)
		return ret;
	ret = mnt_want_write(parent.mnt);
	if (ret)
		return ret;
	parent.dentry = dget_parent(dentry);
	inode_lock_nested(d_inode(parent.dentry), I_MUTEX_PARENT);
	/* Renamed away since the walk, or already removed? */
	if (dentry->d_parent != parent.dentry || d_unhashed(dentry))
		ret = -ENOENT;
	else
		ret = v9p_check_beneath(srv, &parent) ?:
		      unlink_dentry(&parent, dentry, d_is_dir(dentry));
	inode_unlock(d_inode(parent.dentry));
	dput(parent.dentry);
	mnt_drop_write(parent.mnt);
	return ret;
}

/*
 * fs.protected_hardlinks, which the VFS applies in linkat(2) and not in
 * vfs_link(): a link to a file the server neither owns nor may read and
 * write, or to a set-user-ID or set-group-ID executable, is refused unless
 * the VMM has CAP_FOWNER over it.  Always on, as every distribution has it.
 */
static int may_link_source(const struct path *path)
{
	v9p_idmap_t *idmap = v9p_idmap(path);
	struct inode *inode = d_inode(path->dentry);
	umode_t mode = inode->i_mode;

	if (inode_owner_or_capable(idmap, inode))
		return 0;
	if (!S_ISREG(mode) || (mode & S_ISUID) ||
	    (mode & (S_ISGID | 0010)) == (S_ISGID | 0010) ||
	    inode_permission(idmap, inode, MAY_READ | MAY_WRITE))
		return -EPERM;
	return 0;
}

/**
 * v9p_vfs_link() - make a hard link, as linkat(2)
 * @srv: the server
 * @req: the request (Tlink)
 * @dir: the directory of the new name
 * @name: the new name
 * @target: the file linked to
 *
 * Return: 0 or a negative errno.
 */
int v9p_vfs_link(struct v9p_server *srv, struct v9p_request *req,
		 const struct path *dir, const struct v9p_str *name,
		 const struct path *target)
{
	struct dentry *dentry;
	int ret;

	if (target->mnt != dir->mnt)
		return -EXDEV;
	ret = may_link_source(target);
	if (ret)
		return ret;
	dentry = create_begin(srv, req, dir, name);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	ret = v9p_fault(req) ?:
	      vfs_link(target->dentry, v9p_idmap(dir), d_inode(dir->dentry), dentry, NULL);
	create_end(dir, dentry);
	return ret;
}

/*
 * Rename, as renameat(2).  @expect: the file the old name must still
 * name under the directories' locks, or NULL for whatever it names.
 */
static int rename_at(struct v9p_server *srv, struct v9p_request *req,
		     const struct path *olddir, const struct v9p_str *oldname,
		     const struct path *newdir, const struct v9p_str *newname,
		     const struct dentry *expect)
{
	struct renamedata rd = {};
	struct dentry *trap, *old, *new;
	int ret;

	if (v9p_readonly(srv))
		return -EROFS;
	ret = v9p_name_check(oldname) ?: v9p_name_check(newname);
	if (ret)
		return ret;
	if (olddir->mnt != newdir->mnt)
		return -EXDEV;
	if (!d_can_lookup(olddir->dentry) || !d_can_lookup(newdir->dentry))
		return -ENOTDIR;
	ret = v9p_fault(req) ?: mnt_want_write(olddir->mnt);
	if (ret)
		return ret;
	trap = lock_rename(newdir->dentry, olddir->dentry);
	ret = PTR_ERR_OR_ZERO(trap);
	if (ret)
		goto out_write;
	ret = v9p_fault(req) ?: v9p_check_beneath(srv, olddir) ?:
	      v9p_check_beneath(srv, newdir);
	old = ret ? ERR_PTR(ret) : lookup_existing(olddir, oldname);
	ret = PTR_ERR_OR_ZERO(old);
	if (ret)
		goto out_unlock;
	/* Renamed away, or replaced, since its name was taken? */
	ret = -ENOENT;
	if (expect && old != expect)
		goto out_old;
	ret = -EINVAL;
	if (old == trap)
		goto out_old;
	ret = v9p_fault(req);
	new = ret ? ERR_PTR(ret) : lookup_one_len(newname->str, newdir->dentry, newname->len);
	ret = PTR_ERR_OR_ZERO(new);
	if (ret)
		goto out_old;
	ret = -ENOTEMPTY;
	if (new == trap)
		goto out_new;
	v9p_renamedata_idmap(&rd, v9p_idmap(olddir));
	rd.old_dir = d_inode(olddir->dentry);
	rd.old_dentry = old;
	rd.new_dir = d_inode(newdir->dentry);
	rd.new_dentry = new;
	ret = v9p_fault(req) ?: vfs_rename(&rd);
out_new:
	dput(new);
out_old:
	dput(old);
out_unlock:
	unlock_rename(newdir->dentry, olddir->dentry);
out_write:
	mnt_drop_write(olddir->mnt);
	return ret;
}

/**
 * v9p_vfs_rename() - rename, as renameat(2)
 * @srv: the server
 * @req: the request (Trenameat)
 * @olddir: the directory of the old name
 * @oldname: the old name
 * @newdir: the directory of the new name
 * @newname: the new name
 *
 * Return: 0 or a negative errno.
 */
int v9p_vfs_rename(struct v9p_server *srv, struct v9p_request *req,
		   const struct path *olddir, const struct v9p_str *oldname,
		   const struct path *newdir, const struct v9p_str *newname)
{
	return rename_at(srv, req, olddir, oldname, newdir, newname, NULL);
}

/**
 * v9p_vfs_rename_path() - rename a file found by its path, as Trename does
 * @srv: the server
 * @req: the request (Trename)
 * @path: the file
 * @newdir: the directory of the new name
 * @newname: the new name
 *
 * Return: 0, -EBUSY for the export's root or a mount point, -ENOENT if it
 * was renamed away or removed meanwhile, or a negative errno.
 */
int v9p_vfs_rename_path(struct v9p_server *srv, struct v9p_request *req,
			const struct path *path, const struct path *newdir,
			const struct v9p_str *newname)
{
	struct name_snapshot snap;
	struct v9p_str oldname;
	struct path olddir;
	int ret;

	if (path_equal(path, &srv->export.root) || path->dentry == path->mnt->mnt_root)
		return -EBUSY;
	olddir.mnt = path->mnt;
	olddir.dentry = dget_parent(path->dentry);
	take_dentry_name_snapshot(&snap, path->dentry);
	oldname.str = snap.name.name;
	oldname.len = snap.name.len;
	/* The name is taken unlocked: a host rename may race with it. */
	ret = rename_at(srv, req, &olddir, &oldname, newdir, newname, path->dentry);
	release_dentry_name_snapshot(&snap);
	dput(olddir.dentry);
	return ret;
}
