// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p mapped-xattr security model.
 *
 * The guest's owner, group, mode and device number of a file are kept in
 * user.virtfs.* extended attributes, in QEMU's format (little-endian 32-bit
 * uid, gid and mode, 64-bit device number), so that an export can move
 * between QEMU and vhost-9p.  On the host, every file the guest creates
 * belongs to the VMM's user and is private to it (0600, directories 0700),
 * and device nodes, FIFOs, sockets and symlinks are regular files (a
 * symlink's target is the file's content): the guest can give itself any
 * owner or device without the host trusting any of it.
 */
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/posix_acl_xattr.h>
#include <linux/stat.h>
#include <linux/xattr.h>

#include "vhost_9p.h"

#define MAPPED_PREFIX	"user.virtfs."

static const char *const mapped_names[] = {
	[V9P_MAPPED_UID] = MAPPED_PREFIX "uid",
	[V9P_MAPPED_GID] = MAPPED_PREFIX "gid",
	[V9P_MAPPED_MODE] = MAPPED_PREFIX "mode",
	[V9P_MAPPED_RDEV] = MAPPED_PREFIX "rdev",
};

/**
 * v9p_mapped() - does the export keep guest attributes in xattrs
 * @srv: the server
 *
 * Return: true for the mapped-xattr model.
 */
bool v9p_mapped(const struct v9p_server *srv)
{
	return srv->export.security_model == VHOST_9P_SECURITY_MAPPED_XATTR;
}

/**
 * v9p_mapped_name() - is @name one of the model's own attributes
 * @name: an attribute name
 *
 * Return: true for user.virtfs.*, which the guest may neither see nor set.
 */
bool v9p_mapped_name(const char *name)
{
	return !strncmp(name, MAPPED_PREFIX, sizeof(MAPPED_PREFIX) - 1);
}

/**
 * v9p_mapped_acl_name() - where the model keeps a POSIX ACL of the guest
 * @name: an attribute name, as the guest sends it
 *
 * The guest's ACLs are its own, like its owners and modes: as QEMU does,
 * they are kept in user.virtfs.system.posix_acl_{access,default}, never
 * handed to the host's ACLs, which would rewrite the host file's mode and
 * grant host users access to it.
 *
 * Return: the attribute that holds @name, or NULL for a name that is not
 * a POSIX ACL.
 */
const char *v9p_mapped_acl_name(const char *name)
{
	if (!strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS))
		return MAPPED_PREFIX XATTR_NAME_POSIX_ACL_ACCESS;
	if (!strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT))
		return MAPPED_PREFIX XATTR_NAME_POSIX_ACL_DEFAULT;
	return NULL;
}

/**
 * v9p_mapped_guest_acl() - the guest's name of a host attribute holding its ACL
 * @name: a host attribute name
 *
 * Return: the POSIX ACL name inside @name for one from
 * v9p_mapped_acl_name(), or NULL.
 */
const char *v9p_mapped_guest_acl(const char *name)
{
	const char *acl = name + sizeof(MAPPED_PREFIX) - 1;

	if (!v9p_mapped_name(name) || !v9p_mapped_acl_name(acl))
		return NULL;
	return acl;
}

union mapped_value {
	__le32 w;
	__le64 q;
};

static size_t field_size(int field)
{
	return field == V9P_MAPPED_RDEV ? sizeof(__le64) : sizeof(__le32);
}

/**
 * v9p_mapped_supported() - can the model keep its attributes on this file
 * system
 * @root: the export's root
 *
 * Return: false when the file system has no user.* xattrs.
 */
bool v9p_mapped_supported(const struct path *root)
{
	return v9p_getxattr(v9p_idmap(root), root->dentry,
			    mapped_names[V9P_MAPPED_MODE], NULL, 0) != -EOPNOTSUPP;
}

static bool get_field(const struct path *path, int field, u64 *value)
{
	union mapped_value v = {};
	ssize_t n;

	n = v9p_getxattr(v9p_idmap(path), path->dentry, mapped_names[field], &v,
			 field_size(field));
	if (n != field_size(field))
		return false;
	*value = n == sizeof(v.q) ? le64_to_cpu(v.q) : le32_to_cpu(v.w);
	return true;
}

/**
 * v9p_mapped_stat() - the guest's attributes of a file, over the host's
 * @path: the file
 * @st: its host attributes, from vfs_getattr(); the owner, group, mode and
 *	device number the guest gave it replace the host's
 *
 * A file the guest did not make has none, and keeps the host's.
 */
void v9p_mapped_stat(const struct path *path, struct kstat *st)
{
	u64 v;

	if (get_field(path, V9P_MAPPED_UID, &v))
		st->uid = make_kuid(current_user_ns(), v);
	if (get_field(path, V9P_MAPPED_GID, &v))
		st->gid = make_kgid(current_user_ns(), v);
	if (get_field(path, V9P_MAPPED_MODE, &v))
		st->mode = v;
	if (get_field(path, V9P_MAPPED_RDEV, &v))
		st->rdev = new_decode_dev(v);
}

/**
 * v9p_mapped_mode() - the mode the guest sees for a file
 * @path: the file
 *
 * Return: the mode from user.virtfs.mode, or the host's.
 */
umode_t v9p_mapped_mode(const struct path *path)
{
	u64 v;

	if (d_is_reg(path->dentry) && get_field(path, V9P_MAPPED_MODE, &v))
		return v;
	return d_inode(path->dentry)->i_mode;
}

/**
 * v9p_mapped_set() - record guest attributes of a file
 * @path: the file
 * @fields: a mask of BIT(V9P_MAPPED_*): which of the next ones to set
 * @uid: the guest's owner
 * @gid: the guest's group
 * @mode: the guest's mode, file type included
 * @rdev: the guest's device number (new_encode_dev() of it)
 *
 * The caller holds write access to @path's mount (mnt_want_write()), as
 * creating does; v9p_mapped_change() takes it.
 *
 * Return: 0, or the first error of setting one.
 */
int v9p_mapped_set(const struct path *path, unsigned int fields, u32 uid,
		   u32 gid, u32 mode, u64 rdev)
{
	const u64 values[] = {
		[V9P_MAPPED_UID] = uid, [V9P_MAPPED_GID] = gid,
		[V9P_MAPPED_MODE] = mode, [V9P_MAPPED_RDEV] = rdev,
	};
	union mapped_value v;
	unsigned int field;
	int ret;

	for (field = 0; field < ARRAY_SIZE(values); field++) {
		if (!(fields & BIT(field)))
			continue;
		if (field_size(field) == sizeof(v.q))
			v.q = cpu_to_le64(values[field]);
		else
			v.w = cpu_to_le32(values[field]);
		ret = v9p_setxattr(v9p_idmap(path), path->dentry, mapped_names[field], &v,
				   field_size(field), 0);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * v9p_mapped_change() - change guest attributes of an existing file
 * @path: the file
 * @fields: a mask of BIT(V9P_MAPPED_UID/GID/MODE)
 * @uid: the guest's owner
 * @gid: the guest's group
 * @mode: the guest's mode, file type included
 *
 * v9p_mapped_set() with write access to the mount taken for it: a
 * read-only mount refuses (-EROFS) and a frozen one waits, as for any other
 * write.
 *
 * Return: 0, or the error of taking write access or of setting one.
 */
int v9p_mapped_change(const struct path *path, unsigned int fields, u32 uid,
		      u32 gid, u32 mode)
{
	int ret;

	ret = mnt_want_write(path->mnt);
	if (ret)
		return ret;
	ret = v9p_mapped_set(path, fields, uid, gid, mode, 0);
	mnt_drop_write(path->mnt);
	return ret;
}
