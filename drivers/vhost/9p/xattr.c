// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p extended attributes: Txattrwalk reads an attribute's value, or
 * the list of names, into a fid that Tread then reads; Txattrcreate makes
 * a fid that Twrite fills and whose Tclunk sets the attribute.  Values are
 * held in the fids until the clunk, within V9P_XATTR_BUDGET per device.
 */
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "vhost_9p.h"

/*
 * Extended attributes: only user.* and POSIX ACLs.  trusted.* and
 * security.* would let the guest set what the host trusts with the
 * server's credentials.
 */
static bool xattr_name_allowed(struct v9p_server *srv, const char *name)
{
	if (v9p_mapped(srv) && v9p_mapped_name(name))
		return false;
	return !strncmp(name, XATTR_USER_PREFIX, XATTR_USER_PREFIX_LEN) ||
	       !strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
	       !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT);
}

/* The host's name for an attribute the guest names: see v9p_mapped_acl_name(). */
static const char *host_xattr_name(struct v9p_server *srv, const char *name)
{
	const char *acl = v9p_mapped(srv) ? v9p_mapped_acl_name(name) : NULL;

	return acl ?: name;
}

/* The guest's name for a host attribute, or NULL for one it may not see. */
static const char *guest_xattr_name(struct v9p_server *srv, const char *name)
{
	const char *acl;

	if (v9p_mapped(srv)) {
		acl = v9p_mapped_guest_acl(name);
		if (acl)
			return acl;
		/* The host's own ACLs are not the guest's. */
		if (v9p_mapped_acl_name(name))
			return NULL;
	}
	return xattr_name_allowed(srv, name) ? name : NULL;
}

/* A listxattr() result as the guest sees it, in place. */
static ssize_t filter_xattr_list(struct v9p_server *srv, char *list, ssize_t size)
{
	char *src = list, *dst = list, *end = list + size;
	const char *shown;
	size_t len, n;

	while (src < end) {
		len = strnlen(src, end - src) + 1;
		shown = src + len > end ? NULL : guest_xattr_name(srv, src);
		if (shown) {
			/* Never longer than the host's name: @dst stays behind. */
			n = strlen(shown) + 1;
			memmove(dst, shown, n);
			dst += n;
		}
		src += len;
	}
	return dst - list;
}

static ssize_t read_xattr(struct v9p_server *srv, struct v9p_request *req,
			  const struct path *path, const struct v9p_str *name, void **value)
{
	ssize_t size;
	void *buf;
	int ret;

	*value = NULL;
	if (name->len > XATTR_NAME_MAX)
		return -ERANGE;
	if (name->len && !xattr_name_allowed(srv, name->str))
		return -EOPNOTSUPP;
	size = v9p_fault(req);
	if (size)
		return size;
	if (name->len)
		size = v9p_getxattr(v9p_idmap(path), path->dentry,
				    host_xattr_name(srv, name->str), NULL, 0);
	else
		size = vfs_listxattr(path->dentry, NULL, 0);
	if (size <= 0)
		return size;
	if (size > (name->len ? XATTR_SIZE_MAX : XATTR_LIST_MAX))
		return -E2BIG;
	ret = v9p_fault(req);
	buf = ret ? NULL : kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ret ?: -ENOMEM;
	size = v9p_fault(req) ?: size;
	if (size > 0 && name->len)
		size = v9p_getxattr(v9p_idmap(path), path->dentry,
				    host_xattr_name(srv, name->str), buf, size);
	else if (size > 0)
		size = vfs_listxattr(path->dentry, buf, size);
	if (size > 0 && !name->len)
		size = filter_xattr_list(srv, buf, size);
	if (size < 0) {
		kvfree(buf);
		return size;
	}
	*value = buf;
	return size;
}

/* Count @size bytes of attribute value against the device's budget. */
static bool xattr_charge(struct v9p_server *srv, size_t size)
{
	if (atomic_long_add_return(size, &srv->session.xattr_bytes) <= V9P_XATTR_BUDGET)
		return true;
	atomic_long_sub(size, &srv->session.xattr_bytes);
	return false;
}

/**
 * v9p_xattr_check() - may the guest set this attribute, as setxattr(2)?
 * @srv: the server
 * @name: the attribute's name, without NUL bytes
 * @size: the size of its value
 *
 * File systems trust the VFS's callers to check the sizes.
 *
 * Return: 0, -ERANGE for a name too long, -EOPNOTSUPP for one outside
 * user.* and the POSIX ACLs, -E2BIG for a value too large.
 */
int v9p_xattr_check(struct v9p_server *srv, const struct v9p_str *name, u64 size)
{
	if (name->len > XATTR_NAME_MAX)
		return -ERANGE;
	if (!xattr_name_allowed(srv, name->str))
		return -EOPNOTSUPP;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	return 0;
}

/**
 * v9p_xattr_walk() - read an attribute, or the names, into a new fid
 * @srv: the server
 * @req: the Txattrwalk
 * @fid: the fid of the file
 * @newfid_id: the number of the new fid, which Tread reads the value from
 * @name: the attribute's name, without NUL bytes; empty for the list of
 *	names the guest may see
 *
 * Return: the value's size, or a negative errno, and then no new fid.
 */
ssize_t v9p_xattr_walk(struct v9p_server *srv, struct v9p_request *req,
		       struct v9p_fid *fid, u32 newfid_id, const struct v9p_str *name)
{
	struct v9p_fid *newfid;
	void *value;
	ssize_t size;
	int err;

	size = read_xattr(srv, req, &fid->path, name, &value);
	if (size < 0)
		return size;
	if (!xattr_charge(srv, size)) {
		kvfree(value);
		return -ENOMEM;
	}
	err = v9p_fault(req);
	newfid = err ? ERR_PTR(err) : v9p_fid_new(srv, newfid_id, &fid->path, fid->uid);
	if (IS_ERR(newfid)) {
		atomic_long_sub(size, &srv->session.xattr_bytes);
		kvfree(value);
		return PTR_ERR(newfid);
	}
	/* Whole before the guest can reach it: a Tread may be waiting. */
	newfid->kind = V9P_FID_XATTR_READ;
	newfid->xattr_value = value;
	newfid->xattr_size = size;
	newfid->xattr_charged = size;
	newfid = v9p_fid_publish(srv, newfid);
	if (IS_ERR(newfid))
		return PTR_ERR(newfid);
	v9p_fid_put(newfid);
	return size;
}

/**
 * v9p_xattr_create() - make a path fid one that Twrite fills with a value
 * @srv: the server
 * @req: the Txattrcreate
 * @fid: the fid of the file, with its lock held
 * @name: the attribute's name, checked by v9p_xattr_check()
 * @size: the value's size, which Twrites must fill exactly
 * @flags: XATTR_CREATE, XATTR_REPLACE
 *
 * The clunk sets the attribute (v9p_xattr_commit()).  A failure leaves the
 * fid as it was, and may be retried.
 *
 * Return: 0, -EBADF for a fid open or of another kind, -ENOSPC past the
 * device's budget, -ENOMEM.
 */
int v9p_xattr_create(struct v9p_server *srv, struct v9p_request *req,
		     struct v9p_fid *fid, const struct v9p_str *name, u64 size,
		     int flags)
{
	char *xname;
	void *value;
	int ret;

	lockdep_assert_held(&fid->lock);
	if (fid->kind != V9P_FID_PATH || v9p_fid_file(fid))
		return -EBADF;
	if (!xattr_charge(srv, size))
		return -ENOSPC;
	ret = v9p_fault(req);
	if (ret)
		goto out_uncharge;
	ret = -ENOMEM;
	xname = kstrdup(host_xattr_name(srv, name->str), GFP_KERNEL_ACCOUNT);
	if (!xname)
		goto out_uncharge;
	ret = v9p_fault(req);
	value = ret ? NULL : kvzalloc(size ?: 1, GFP_KERNEL_ACCOUNT);
	if (!value) {
		kfree(xname);
		ret = ret ?: -ENOMEM;
		goto out_uncharge;
	}
	fid->xattr_name = xname;
	fid->xattr_value = value;
	fid->xattr_size = size;
	fid->xattr_charged = size;
	fid->xattr_flags = flags;
	fid->kind = V9P_FID_XATTR_WRITE;
	return 0;
out_uncharge:
	atomic_long_sub(size, &srv->session.xattr_bytes);
	return ret;
}

/**
 * v9p_xattr_commit() - set the attribute a Txattrcreate fid was filled with
 * @fid: the fid, being clunked
 *
 * An empty value with XATTR_REPLACE is how the Linux client removes one.
 *
 * Return: 0, -EINVAL if fewer bytes were written than announced, or the
 * error of setting or removing the attribute.
 */
int v9p_xattr_commit(struct v9p_fid *fid)
{
	const struct path *path = &fid->path;
	int ret;

	/* A Twrite still filling it on the workqueue finishes first. */
	mutex_lock(&fid->lock);
	ret = -EINVAL;
	if (fid->xattr_filled != fid->xattr_size)
		goto out;
	/* Moved out of the export since Txattrcreate? */
	ret = v9p_check_beneath(fid->srv, path);
	if (ret)
		goto out;
	ret = mnt_want_write(path->mnt);
	if (ret)
		goto out;
	if (!fid->xattr_size && (fid->xattr_flags & XATTR_REPLACE))
		ret = v9p_removexattr(v9p_idmap(path), path->dentry, fid->xattr_name);
	else
		ret = v9p_setxattr(v9p_idmap(path), path->dentry, fid->xattr_name,
				   fid->xattr_value, fid->xattr_size, fid->xattr_flags);
	mnt_drop_write(path->mnt);
out:
	mutex_unlock(&fid->lock);
	return ret;
}
