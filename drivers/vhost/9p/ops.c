// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p operations: one handler per 9P2000.L request, which decodes it,
 * finds its fids (fid.c), calls the host VFS or one helper (vfs.c,
 * xattr.c, lock.c, export.c, mapped.c), and encodes the reply.
 *
 * Every function here runs with the export's credentials (see
 * v9p_serve()), on fids pinned for the whole request.  Data moves straight
 * between the page cache and guest memory: Tread fills the guest's reply
 * buffers in place and Twrite reads the guest's request buffers, through
 * iov_iters over the descriptors.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/uidgid.h>
#include <linux/xattr.h>

#include "vhost_9p.h"

/* Rlopen/Rlcreate iounit: 0 lets the client use msize. */
#define V9P_IOUNIT	0

/* A fid of the request, pinned until the request is done. */
static struct v9p_fid *req_fid(struct v9p_server *srv, u32 id)
{
	struct v9p_fid *fid = v9p_fid_get(srv, id);

	return fid ?: ERR_PTR(-EBADF);
}

/*
 * A fid the request names, creates, removes, renames, opens or changes
 * something through by its path: the path must still lie beneath the
 * export root, which a host process renaming a directory out of the export
 * would break (walks check the same in v9p_walk_one()).  A fid already open
 * keeps its file, as an open file descriptor would.
 */
static struct v9p_fid *req_path_fid(struct v9p_server *srv, u32 id)
{
	struct v9p_fid *fid = req_fid(srv, id);
	int ret;

	if (IS_ERR(fid))
		return fid;
	ret = v9p_check_beneath(srv, &fid->path);
	if (ret) {
		v9p_fid_put(fid);
		return ERR_PTR(ret);
	}
	return fid;
}

/*
 * A fid's lock, taken on the ring worker only if it is free: a request on
 * the workqueue may hold it while it sleeps (a directory read, an open
 * waiting for a lease break), and the worker must not wait with it.  A
 * request that may go to the workqueue (v9p_request.nowait) goes there
 * (-EAGAIN); another gets -EBUSY, which no client meets that does not send
 * two requests about one fid at once.
 */
static int fid_lock(struct v9p_request *req, struct v9p_fid *fid)
{
	if (req->async) {
		mutex_lock(&fid->lock);
		return 0;
	}
	if (mutex_trylock(&fid->lock))
		return 0;
	return req->nowait ? -EAGAIN : -EBUSY;
}

/**
 * v9p_reply_room() - make room for a reply of @size bytes
 * @req: the request
 * @size: the whole reply's size
 *
 * Replies are built in a small buffer; the few that can be large (Rreaddir,
 * Rreadlink, an attribute's value) ask for more first.  What is already in
 * the reply is kept.
 *
 * Return: 0, -EMSGSIZE if the guest gave less room than @size, -ENOMEM.
 */
static int v9p_reply_room(struct v9p_request *req, u32 size)
{
	void *buf;

	if (size <= req->out.size)
		return 0;
	if (size > req->reply_cap)
		return -EMSGSIZE;
	buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, req->out.data, req->out.pos);
	kvfree(req->reply_alloc);
	req->reply_alloc = buf;
	req->out.data = buf;
	req->out.size = size;
	return 0;
}

/**
 * v9p_reply_free() - free what v9p_reply_room() allocated
 * @req: the request, whose reply has been written to the guest
 */
void v9p_reply_free(struct v9p_request *req)
{
	kvfree(req->reply_alloc);
	req->reply_alloc = NULL;
}

/* v9p_fid_create() for @req, after a fault point. */
static struct v9p_fid *new_fid(struct v9p_server *srv, struct v9p_request *req,
			       u32 id, const struct path *path, u32 uid)
{
	int ret = v9p_fault(req);

	return ret ? ERR_PTR(ret) : v9p_fid_create(srv, id, path, uid);
}

static int reply_qid(struct v9p_request *req, const struct p9_qid *qid)
{
	return v9p_writef(&req->out, "Q", qid);
}

/* Tlopen/Tlcreate flags to open(2) flags, whatever the host arch. */
static int open_flags(u32 flags)
{
	static const struct { u32 wire; int host; } map[] = {
		{ P9_DOTL_TRUNC, O_TRUNC },
		{ P9_DOTL_APPEND, O_APPEND },
		{ P9_DOTL_DSYNC, O_DSYNC },
		{ P9_DOTL_LARGEFILE, O_LARGEFILE },
		{ P9_DOTL_DIRECTORY, O_DIRECTORY },
		{ P9_DOTL_NOFOLLOW, O_NOFOLLOW },
		{ P9_DOTL_SYNC, O_SYNC },
	};
	int host = flags & V9P_DOTL_ACCMODE;
	unsigned int i;

	/*
	 * O_DIRECT, O_NOATIME, O_NONBLOCK, O_ASYNC, O_NOCTTY and O_CLOEXEC
	 * are the guest's business: the host file is the server's, and
	 * O_DIRECT would impose the host's alignment on guest buffers.
	 */
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (flags & map[i].wire)
			host |= map[i].host;
	return host | O_LARGEFILE;
}

/*
 * Open a fid's file and answer its qid.  The fid holds the file only once
 * nothing can fail: a guest told Tlopen failed must find it unopened.
 */
static int open_fid(struct v9p_server *srv, struct v9p_request *req,
		    struct v9p_fid *fid, int flags, struct p9_qid *qid)
{
	struct file *file;
	int ret;

	if (v9p_fid_file(fid) || fid->kind != V9P_FID_PATH)
		return -EBADF;
	file = v9p_vfs_open(srv, req, &fid->path, flags);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = v9p_fault(req) ?: v9p_path_qid(srv, &fid->path, qid);
	if (ret) {
		v9p_fput(file);
		return ret;
	}
	v9p_fid_set_file(fid, file);
	return 0;
}

static int op_version(struct v9p_server *srv, struct v9p_request *req)
{
	static const struct v9p_str dotl = { .len = 8, .str = "9P2000.L" };
	static const struct v9p_str unknown = { .len = 7, .str = "unknown" };
	struct v9p_str version;
	u32 msize;

	if (v9p_readf(&req->in, "ds", &msize, &version))
		return -EPROTO;
	/* A new session: whatever the old one held is gone. */
	v9p_session_reset(srv);
	if (msize < VHOST_9P_MIN_MSIZE)
		return -EINVAL;
	msize = min(msize, srv->export.max_msize);
	if (version.len != dotl.len || memcmp(version.str, dotl.str, dotl.len))
		return v9p_writef(&req->out, "ds", msize, &unknown);
	srv->session.msize = msize;
	return v9p_writef(&req->out, "ds", msize, &dotl);
}

static int op_attach(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str uname, aname;
	u32 fid_id, afid, n_uname;
	struct v9p_fid *fid;
	struct p9_qid qid;
	int ret;

	if (v9p_readf(&req->in, "ddssd", &fid_id, &afid, &uname, &aname, &n_uname))
		return -EPROTO;
	if (!srv->session.msize)
		return -EPROTO;
	/* No Tauth is ever answered, so no afid can be valid. */
	if (afid != P9_NOFID)
		return -EINVAL;
	ret = v9p_fault(req) ?: v9p_path_qid(srv, &srv->export.root, &qid);
	if (ret)
		return ret;
	fid = new_fid(srv, req, fid_id, &srv->export.root, n_uname);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	v9p_fid_put(fid);
	return reply_qid(req, &qid);
}

static int op_walk(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	u32 fid_id, newfid_id;
	struct v9p_fid *fid, *newfid;
	struct path path;
	u16 nwname, i;
	int ret = 0;

	if (v9p_readf(&req->in, "ddw", &fid_id, &newfid_id, &nwname))
		return -EPROTO;
	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	/* Room for every qid, before newfid exists (see v9p_op.fixed_reply). */
	if (req->reply_cap < V9P_HDR_SIZE + 2 + nwname * V9P_QID_SIZE)
		return -EMSGSIZE;
	for (i = 0; i < nwname; i++)
		if (v9p_readf(&req->in, "s", &names[i]))
			return -EPROTO;

	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	if (fid->kind != V9P_FID_PATH) {
		v9p_fid_put(fid);
		return -EBADF;
	}
	/* As QEMU: an open fid may be cloned, not replaced (its file would go). */
	if (newfid_id == fid_id && v9p_fid_file(fid)) {
		v9p_fid_put(fid);
		return -EINVAL;
	}
	path = fid->path;
	path_get(&path);
	/* Even a clone: the fid's directory may have been moved out since. */
	if (!nwname)
		ret = v9p_check_beneath(srv, &path);
	for (i = 0; i < nwname; i++) {
		ret = v9p_fault(req) ?: v9p_walk_one(srv, &path, &names[i]) ?:
		      v9p_fault(req) ?: v9p_path_qid(srv, &path, &qids[i]);
		if (ret)
			break;
	}
	if (i == nwname && !ret) {
		/* Complete: newfid names the result (newfid == fid moves fid). */
		if (newfid_id == fid_id) {
			ret = v9p_fault(req);
			newfid = ret ? ERR_PTR(ret) : v9p_fid_replace(srv, fid, &path);
		} else {
			newfid = new_fid(srv, req, newfid_id, &path, fid->uid);
		}
		if (IS_ERR(newfid))
			ret = PTR_ERR(newfid);
		else
			v9p_fid_put(newfid);
	}
	path_put(&path);
	v9p_fid_put(fid);
	/*
	 * A failed first step is an error, a later one a partial walk whose
	 * qids say how far it went (and newfid is not created).
	 */
	if (ret && (i == 0 || i == nwname))
		return ret;
	ret = v9p_writef(&req->out, "w", (unsigned int)i);
	for (nwname = i, i = 0; !ret && i < nwname; i++)
		ret = reply_qid(req, &qids[i]);
	return ret;
}

/*
 * Take a fid out of the table, as Tclunk and Tremove do.  A Txattrcreate
 * fid sets its attribute now, and says how that went.
 */
static int clunk_fid(struct v9p_server *srv, u32 fid_id)
{
	struct v9p_fid *fid;
	int ret = 0;

	fid = v9p_fid_remove(srv, fid_id);
	if (!fid)
		return -EBADF;
	if (fid->kind == V9P_FID_XATTR_WRITE)
		ret = v9p_xattr_commit(fid);
	v9p_fid_put(fid);
	return ret;
}

static int op_clunk(struct v9p_server *srv, struct v9p_request *req)
{
	u32 fid_id;

	if (v9p_readf(&req->in, "d", &fid_id))
		return -EPROTO;
	return clunk_fid(srv, fid_id);
}

static int op_getattr(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *fid;
	struct kstat st;
	struct p9_qid qid;
	u64 mask, valid;
	u32 fid_id;
	int ret;

	if (v9p_readf(&req->in, "dq", &fid_id, &mask))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = v9p_fault(req) ?: vfs_getattr(&fid->path, &st, STATX_BASIC_STATS | STATX_BTIME,
					    AT_STATX_SYNC_AS_STAT);
	if (!ret && v9p_mapped(srv))
		v9p_mapped_stat(&fid->path, &st);
	if (!ret)
		v9p_make_qid(srv, &fid->path, &st, &qid);
	v9p_fid_put(fid);
	if (ret)
		return ret;
	valid = P9_STATS_BASIC;
	if (st.result_mask & STATX_BTIME)
		valid |= P9_STATS_BTIME;
	else
		st.btime = (struct timespec64){};
	return v9p_writef(&req->out, "qQdddqqqqqqqqqqqqqqq", valid, &qid,
			  (u32)st.mode,
			  (u32)from_kuid_munged(current_user_ns(), st.uid),
			  (u32)from_kgid_munged(current_user_ns(), st.gid),
			  (u64)st.nlink, (u64)new_encode_dev(st.rdev),
			  (u64)st.size, (u64)st.blksize, (u64)st.blocks,
			  (u64)st.atime.tv_sec, (u64)st.atime.tv_nsec,
			  (u64)st.mtime.tv_sec, (u64)st.mtime.tv_nsec,
			  (u64)st.ctime.tv_sec, (u64)st.ctime.tv_nsec,
			  (u64)st.btime.tv_sec, (u64)st.btime.tv_nsec,
			  (u64)0, (u64)0);
}

/* Does Tsetattr's @valid set a time to one it gives (both @bits)? */
static bool time_given(u32 valid, u32 bits)
{
	return (valid & bits) == bits;
}

static int op_setattr(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_setattr sa;
	struct v9p_fid *fid;
	struct path path;
	u32 fid_id;
	int ret;

	if (v9p_readf(&req->in, "dddddqqqqq", &fid_id, &sa.valid, &sa.mode, &sa.uid,
		      &sa.gid, &sa.size, &sa.atime_sec, &sa.atime_nsec, &sa.mtime_sec,
		      &sa.mtime_nsec))
		return -EPROTO;
	if (sa.valid & ~(V9P_SETATTR_MODE | V9P_SETATTR_UID | V9P_SETATTR_GID |
			 V9P_SETATTR_SIZE | V9P_SETATTR_ATIME | V9P_SETATTR_MTIME |
			 V9P_SETATTR_CTIME | V9P_SETATTR_ATIME_SET |
			 V9P_SETATTR_MTIME_SET))
		return -EINVAL;
	/*
	 * As utimensat(2), before anything changes: the wire's u64 would make
	 * a negative tv_nsec of 2^63 and more.
	 */
	if ((time_given(sa.valid, V9P_SETATTR_ATIME | V9P_SETATTR_ATIME_SET) &&
	     sa.atime_nsec >= NSEC_PER_SEC) ||
	    (time_given(sa.valid, V9P_SETATTR_MTIME | V9P_SETATTR_MTIME_SET) &&
	     sa.mtime_nsec >= NSEC_PER_SEC))
		return -EINVAL;
	if (v9p_readonly(srv))
		return -EROFS;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	/*
	 * A copy of the path: Tlcreate changes the fid's in place, and this
	 * may run on the workqueue meanwhile.
	 */
	ret = fid_lock(req, fid);
	if (ret) {
		v9p_fid_put(fid);
		return ret;
	}
	path = fid->path;
	path_get(&path);
	mutex_unlock(&fid->lock);
	v9p_fid_put(fid);
	ret = v9p_vfs_setattr(srv, req, &path, &sa);
	path_put(&path);
	return ret;
}

static int op_statfs(struct v9p_server *srv, struct v9p_request *req)
{
	struct kstatfs st;
	struct v9p_fid *fid;
	u32 fid_id;
	int ret;

	if (v9p_readf(&req->in, "d", &fid_id))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = v9p_fault(req) ?: vfs_statfs(&fid->path, &st);
	v9p_fid_put(fid);
	if (ret)
		return ret;
	return v9p_writef(&req->out, "ddqqqqqqd", (u32)st.f_type, (u32)st.f_bsize,
			  (u64)st.f_blocks, (u64)st.f_bfree, (u64)st.f_bavail,
			  (u64)st.f_files, (u64)st.f_ffree,
			  (u64)st.f_fsid.val[0] | ((u64)st.f_fsid.val[1] << 32),
			  (u32)st.f_namelen);
}

static int op_lopen(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *fid;
	struct p9_qid qid;
	u32 fid_id, flags;
	int ret;

	if (v9p_readf(&req->in, "dd", &fid_id, &flags))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = fid_lock(req, fid);
	if (ret)
		goto out;
	/* Under the lock: Tlcreate changes the path in place. */
	ret = v9p_check_beneath(srv, &fid->path) ?:
	      open_fid(srv, req, fid, open_flags(flags), &qid);
	mutex_unlock(&fid->lock);
out:
	v9p_fid_put(fid);
	if (ret)
		return ret;
	return v9p_writef(&req->out, "Qd", &qid, (u32)V9P_IOUNIT);
}

static int op_lcreate(struct v9p_server *srv, struct v9p_request *req)
{
	u32 fid_id, flags, mode, gid;
	struct v9p_str name;
	struct v9p_fid *fid;
	struct p9_qid qid;
	struct path path;
	struct file *file;
	int ret;

	if (v9p_readf(&req->in, "dsddd", &fid_id, &name, &flags, &mode, &gid))
		return -EPROTO;
	fid = req_path_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = fid_lock(req, fid);
	if (ret) {
		v9p_fid_put(fid);
		return ret;
	}
	ret = -EBADF;
	if (v9p_fid_file(fid) || fid->kind != V9P_FID_PATH)
		goto out;
	file = v9p_vfs_lcreate(srv, req, &fid->path, &name, fid->uid, gid, mode,
			       open_flags(flags) & ~(O_TRUNC | O_DIRECTORY), &path, &qid);
	ret = PTR_ERR_OR_ZERO(file);
	if (ret)
		goto out;
	/* The fid now names the new file, open. */
	path_put(&fid->path);
	fid->path = path;
	v9p_fid_set_file(fid, file);
	ret = v9p_writef(&req->out, "Qd", &qid, (u32)V9P_IOUNIT);
out:
	mutex_unlock(&fid->lock);
	v9p_fid_put(fid);
	return ret;
}

static int xattr_read(struct v9p_fid *fid, struct v9p_request *req,
		      u64 offset, u32 count)
{
	u32 n = 0;
	int ret;

	if (offset < fid->xattr_size)
		n = min_t(u64, count, fid->xattr_size - offset);
	ret = v9p_reply_room(req, V9P_IOHDR_SIZE + n);
	if (!ret)
		ret = v9p_writef(&req->out, "d", n);
	if (ret)
		return ret;
	if (n > req->out.size - req->out.pos)
		return -EMSGSIZE;
	memcpy(req->out.data + req->out.pos, fid->xattr_value + offset, n);
	req->out.pos += n;
	return 0;
}

/*
 * Read into the guest's buffers.  Tried first on the ring worker, where
 * sleeping would stall every other request: only what the page cache
 * holds, into guest memory already mapped (no page faults), as io_uring
 * tries a read before punting it to a worker.  Anything else is -EAGAIN,
 * and the workqueue reads it.
 */
static ssize_t read_file(struct file *file, struct v9p_request *req,
			 struct iov_iter *data, loff_t *pos)
{
	struct kiocb kiocb;
	ssize_t n;

	if (!req->nowait)
		return vfs_iter_read(file, data, pos, 0);
	if (!(file->f_mode & FMODE_NOWAIT))
		return -EAGAIN;
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = *pos;
	kiocb.ki_flags |= IOCB_NOWAIT;
	pagefault_disable();
	n = vfs_iocb_iter_read(file, &kiocb, data);
	pagefault_enable();
	if (n == -EFAULT)
		return -EAGAIN;
	if (n > 0)
		*pos = kiocb.ki_pos;
	return n;
}

static int op_read(struct v9p_server *srv, struct v9p_request *req)
{
	struct iov_iter data;
	struct v9p_fid *fid;
	u32 fid_id, count;
	struct file *file;
	u64 offset;
	loff_t pos;
	ssize_t n;

	if (v9p_readf(&req->in, "dqd", &fid_id, &offset, &count))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	file = v9p_fid_file(fid);
	count = min3(count, srv->session.msize - V9P_IOHDR_SIZE,
		     (u32)iov_iter_count(req->data_out) - V9P_IOHDR_SIZE);
	if (fid->kind == V9P_FID_XATTR_READ) {
		n = xattr_read(fid, req, offset, count);
		goto out;
	}
	n = -EBADF;
	if (!file || !(file->f_mode & FMODE_READ))
		goto out;
	n = -EINVAL;
	if (offset > LLONG_MAX)
		goto out;
	/*
	 * The data goes straight into the guest's buffers, after the header;
	 * an Rlerror instead goes at their start, where @req->data_out stays.
	 */
	data = *req->data_out;
	iov_iter_advance(&data, V9P_IOHDR_SIZE);
	iov_iter_truncate(&data, count);
	pos = offset;
	n = v9p_fault(req) ?: read_file(file, req, &data, &pos);
	if (n >= 0) {
		v9p_writef(&req->out, "d", (u32)n);
		req->data_placed = true;
		req->reply_len = V9P_IOHDR_SIZE + n;
		req->io_bytes = n;
		n = 0;
	}
out:
	v9p_fid_put(fid);
	return n;
}

/*
 * The VMM's RLIMIT_FSIZE, as generic_write_check_limits() applies the
 * writer's: a write starting past it fails with EFBIG, one crossing it is
 * cut short.  (No SIGXFSZ: the VMM did not write.)
 */
static int fsize_limit_write(struct v9p_server *srv, struct file *file, u64 pos,
			     struct iov_iter *data)
{
	if (srv->export.fsize_limit == RLIM_INFINITY || !S_ISREG(file_inode(file)->i_mode))
		return 0;
	if (pos >= srv->export.fsize_limit)
		return iov_iter_count(data) ? -EFBIG : 0;
	iov_iter_truncate(data, srv->export.fsize_limit - pos);
	return 0;
}

static int xattr_write(struct v9p_fid *fid, struct v9p_request *req,
		       u64 offset, u32 count)
{
	if (offset > fid->xattr_size || count > fid->xattr_size - offset)
		return -ENOSPC;
	if (!copy_from_iter_full(fid->xattr_value + offset, count, req->data_in))
		return -EFAULT;
	fid->xattr_filled = max_t(size_t, fid->xattr_filled, offset + count);
	return v9p_writef(&req->out, "d", count);
}

static int op_write(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *fid;
	u32 fid_id, count;
	struct file *file;
	u64 offset;
	loff_t pos;
	ssize_t n;

	if (v9p_readf(&req->in, "dqd", &fid_id, &offset, &count))
		return -EPROTO;
	/* The data follows the header in guest memory, exactly count bytes. */
	if (count != iov_iter_count(req->data_in))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	if (fid->kind == V9P_FID_XATTR_WRITE) {
		mutex_lock(&fid->lock);
		n = xattr_write(fid, req, offset, count);
		mutex_unlock(&fid->lock);
		goto out;
	}
	file = v9p_fid_file(fid);
	n = -EBADF;
	if (!file || !(file->f_mode & FMODE_WRITE))
		goto out;
	n = -EINVAL;
	if (offset > LLONG_MAX)
		goto out;
	n = v9p_fault(req) ?: v9p_vfs_write_drop_setid(srv, fid->uid, file) ?:
	    fsize_limit_write(srv, file, offset, req->data_in);
	if (n)
		goto out;
	pos = offset;
	n = v9p_fault(req) ?: vfs_iter_write(file, req->data_in, &pos, 0);
	if (n >= 0) {
		req->io_bytes = n;
		n = v9p_writef(&req->out, "d", (u32)n);
	}
out:
	v9p_fid_put(fid);
	return n;
}

/*
 * Treaddir: entries are qid[13] offset[8] type[1] name[s], where offset is
 * where to resume after the entry.  That is only known when the next entry
 * comes (its own position) or the directory ends, so each entry's offset
 * is filled in one entry late.
 */
struct readdir_ctx {
	struct dir_context ctx;
	struct v9p_server *srv;
	struct v9p_request *req;
	struct v9p_buf *out;
	u32 limit;
	u32 dev_index;
	u64 root_ino;		/* at the export root, what ".." shows, or 0 */
	u32 pending;		/* where the last entry's offset goes, or 0 */
	int err;		/* why the reply could not grow */
};

/*
 * The Linux client asks for a whole msize of entries each time, and most
 * directories fill a page: the reply starts at a page and doubles as the
 * entries come.  (Room for all of count at once zeroed and freed half a
 * megabyte per Treaddir: a fifth of the server's time in a profile of a
 * tree read.)
 */
#define V9P_READDIR_FIRST_ROOM	PAGE_SIZE

static void put_u64_at(struct v9p_buf *out, u32 at, u64 v)
{
	u32 saved = out->pos;

	out->pos = at;
	v9p_writef(out, "q", v);
	out->pos = saved;
}

static bool readdir_actor(struct dir_context *dctx, const char *name, int len,
			  loff_t offset, u64 ino, unsigned int type)
{
	struct readdir_ctx *rc = container_of(dctx, struct readdir_ctx, ctx);
	struct v9p_str str = { .len = len, .str = name };
	struct p9_qid qid = {};
	u32 at, need;

	if (rc->pending) {
		put_u64_at(rc->out, rc->pending, offset);
		rc->pending = 0;
	}
	need = V9P_QID_SIZE + 8 + 1 + 2 + (u32)len;
	if (need > rc->limit - rc->out->pos)
		return false;
	if (need > rc->out->size - rc->out->pos) {
		u32 room = max(rc->out->size * 2, rc->out->pos + need);

		rc->err = v9p_reply_room(rc->req, min(rc->limit, room));
		if (rc->err)
			return false;
	}
	/* The export root's parent is not the guest's to see. */
	if (rc->root_ino && len == 2 && !memcmp(name, "..", 2))
		ino = rc->root_ino;
	qid.type = type == DT_DIR ? P9_QTDIR : type == DT_LNK ? P9_QTSYMLINK : P9_QTFILE;
	qid.path = v9p_qid_path(rc->dev_index, ino);
	v9p_writef(rc->out, "Q", &qid);
	at = rc->out->pos;
	v9p_writef(rc->out, "qbs", (u64)0, type, &str);
	rc->pending = at;
	return true;
}

static int op_readdir(struct v9p_server *srv, struct v9p_request *req)
{
	struct readdir_ctx rc = { .ctx.actor = readdir_actor, .srv = srv, .req = req };
	u32 fid_id, count, count_at, end;
	struct v9p_fid *fid;
	struct file *file;
	u64 offset;
	loff_t pos;
	int ret;

	if (v9p_readf(&req->in, "dqd", &fid_id, &offset, &count))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	file = v9p_fid_file(fid);
	ret = -EBADF;
	if (!file)
		goto out;
	ret = -ENOTDIR;
	if (!S_ISDIR(file_inode(file)->i_mode))
		goto out;
	count = min3(count, srv->session.msize - V9P_IOHDR_SIZE, req->reply_cap - V9P_IOHDR_SIZE);
	ret = v9p_fault(req) ?: v9p_reply_room(req, V9P_IOHDR_SIZE +
					      min_t(u32, count, V9P_READDIR_FIRST_ROOM));
	if (ret)
		goto out;

	count_at = req->out.pos;
	v9p_writef(&req->out, "d", (u32)0);
	rc.out = &req->out;
	rc.limit = req->out.pos + count;
	rc.dev_index = v9p_dev_index(srv, file_inode(file)->i_sb->s_dev);
	if (path_equal(&file->f_path, &srv->export.root))
		rc.root_ino = file_inode(file)->i_ino;

	/* One reader at a time: the position is the file's. */
	mutex_lock(&fid->lock);
	ret = v9p_fault(req);
	pos = ret ?: vfs_llseek(file, offset, SEEK_SET);
	ret = pos < 0 ? pos : 0;
	if (!ret)
		ret = v9p_fault(req) ?: iterate_dir(file, &rc.ctx);
	if (!ret && rc.pending)
		put_u64_at(&req->out, rc.pending, rc.ctx.pos);
	/* Out of memory after some entries: those are a good reply. */
	if (!ret && rc.err && req->out.pos == count_at + 4)
		ret = rc.err;
	mutex_unlock(&fid->lock);
	if (!ret) {
		end = req->out.pos;
		req->out.pos = count_at;
		v9p_writef(&req->out, "d", end - count_at - 4);
		req->out.pos = end;
	}
out:
	v9p_fid_put(fid);
	return ret;
}

static int op_fsync(struct v9p_server *srv, struct v9p_request *req)
{
	struct file *file;
	struct v9p_fid *fid;
	u32 fid_id, datasync;
	int ret;

	if (v9p_readf(&req->in, "dd", &fid_id, &datasync))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	file = v9p_fid_file(fid);
	ret = file ? v9p_fault(req) ?: vfs_fsync(file, !!datasync) : -EBADF;
	v9p_fid_put(fid);
	return ret;
}

/* Tmkdir, Tsymlink, Tmknod: make a file in a directory, reply its qid. */
static int make_file(struct v9p_server *srv, struct v9p_request *req,
		     u32 dfid_id, const struct v9p_str *name, umode_t mode,
		     dev_t rdev, const char *target, u32 gid)
{
	struct v9p_fid *dfid;
	struct p9_qid qid;
	int ret;

	dfid = req_path_fid(srv, dfid_id);
	if (IS_ERR(dfid))
		return PTR_ERR(dfid);
	ret = v9p_vfs_mknod(srv, req, &dfid->path, name, dfid->uid, gid, mode, rdev,
			    target, &qid);
	v9p_fid_put(dfid);
	return ret ?: reply_qid(req, &qid);
}

static int op_mkdir(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str name;
	u32 dfid, mode, gid;

	if (v9p_readf(&req->in, "dsdd", &dfid, &name, &mode, &gid))
		return -EPROTO;
	return make_file(srv, req, dfid, &name, (mode & S_IALLUGO) | S_IFDIR, 0, NULL, gid);
}

static int op_symlink(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str name, target;
	u32 dfid, gid;

	if (v9p_readf(&req->in, "dssd", &dfid, &name, &target, &gid))
		return -EPROTO;
	if (target.len >= PATH_MAX)
		return -ENAMETOOLONG;	/* as symlink(2) */
	if (!target.len || memchr(target.str, '\0', target.len))
		return -EINVAL;
	return make_file(srv, req, dfid, &name, S_IFLNK | 0777, 0, target.str, gid);
}

static int op_mknod(struct v9p_server *srv, struct v9p_request *req)
{
	u32 dfid, mode, major, minor, gid;
	struct v9p_str name;
	dev_t rdev;

	if (v9p_readf(&req->in, "dsdddd", &dfid, &name, &mode, &major, &minor, &gid))
		return -EPROTO;
	switch (mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
		rdev = MKDEV(major, minor);
		if (MAJOR(rdev) != major || MINOR(rdev) != minor)
			return -EINVAL;
		break;
	case S_IFIFO:
	case S_IFSOCK:
		rdev = 0;
		break;
	case S_IFREG:
	case 0:
		mode = (mode & S_IALLUGO) | S_IFREG;
		rdev = 0;
		break;
	default:
		return -EINVAL;
	}
	return make_file(srv, req, dfid, &name, mode, rdev, NULL, gid);
}

static int op_readlink(struct v9p_server *srv, struct v9p_request *req)
{
	DEFINE_DELAYED_CALL(done);
	struct v9p_str target;
	struct v9p_fid *fid;
	const char *link;
	u32 fid_id;
	char *buf;
	int ret;

	if (v9p_readf(&req->in, "d", &fid_id))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	link = v9p_vfs_get_link(srv, &fid->path, &buf, &done);
	ret = PTR_ERR_OR_ZERO(link);
	if (!ret) {
		target.str = link;
		target.len = strnlen(link, PATH_MAX);
		ret = v9p_reply_room(req, V9P_HDR_SIZE + 2 + target.len) ?:
		      v9p_writef(&req->out, "s", &target);
	}
	do_delayed_call(&done);
	kfree(buf);
	v9p_fid_put(fid);
	return ret;
}

static int op_unlinkat(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str name;
	struct v9p_fid *dfid;
	u32 dfid_id, flags;
	int ret;

	if (v9p_readf(&req->in, "dsd", &dfid_id, &name, &flags))
		return -EPROTO;
	if (flags & ~P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	if (v9p_readonly(srv))
		return -EROFS;
	dfid = req_path_fid(srv, dfid_id);
	if (IS_ERR(dfid))
		return PTR_ERR(dfid);
	ret = v9p_vfs_unlink(srv, req, &dfid->path, &name, flags & P9_DOTL_AT_REMOVEDIR);
	v9p_fid_put(dfid);
	return ret;
}

static int op_remove(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *fid;
	u32 fid_id;
	int ret;

	if (v9p_readf(&req->in, "d", &fid_id))
		return -EPROTO;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = v9p_vfs_remove(srv, &fid->path);
	v9p_fid_put(fid);
	/* Tremove clunks the fid even when the removal fails. */
	clunk_fid(srv, fid_id);
	return ret;
}

static int op_link(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *dfid, *fid;
	struct v9p_str name;
	u32 dfid_id, fid_id;
	int ret;

	if (v9p_readf(&req->in, "dds", &dfid_id, &fid_id, &name))
		return -EPROTO;
	dfid = req_path_fid(srv, dfid_id);
	if (IS_ERR(dfid))
		return PTR_ERR(dfid);
	fid = req_path_fid(srv, fid_id);
	ret = PTR_ERR_OR_ZERO(fid);
	if (!ret) {
		ret = v9p_vfs_link(srv, req, &dfid->path, &name, &fid->path);
		v9p_fid_put(fid);
	}
	v9p_fid_put(dfid);
	return ret;
}

static int op_renameat(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str oldname, newname;
	struct v9p_fid *olddir, *newdir;
	u32 olddir_id, newdir_id;
	int ret;

	if (v9p_readf(&req->in, "dsds", &olddir_id, &oldname, &newdir_id, &newname))
		return -EPROTO;
	olddir = req_path_fid(srv, olddir_id);
	if (IS_ERR(olddir))
		return PTR_ERR(olddir);
	newdir = req_path_fid(srv, newdir_id);
	ret = PTR_ERR_OR_ZERO(newdir);
	if (!ret) {
		ret = v9p_vfs_rename(srv, req, &olddir->path, &oldname, &newdir->path,
				     &newname);
		v9p_fid_put(newdir);
	}
	v9p_fid_put(olddir);
	return ret;
}

static int op_rename(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_fid *fid, *dfid;
	struct v9p_str newname;
	u32 fid_id, dfid_id;
	int ret;

	if (v9p_readf(&req->in, "dds", &fid_id, &dfid_id, &newname))
		return -EPROTO;
	fid = req_path_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	dfid = req_path_fid(srv, dfid_id);
	ret = PTR_ERR_OR_ZERO(dfid);
	if (!ret) {
		ret = v9p_vfs_rename_path(srv, req, &fid->path, &dfid->path, &newname);
		v9p_fid_put(dfid);
	}
	v9p_fid_put(fid);
	return ret;
}

static int op_xattrwalk(struct v9p_server *srv, struct v9p_request *req)
{
	u32 fid_id, newfid_id;
	struct v9p_str name;
	struct v9p_fid *fid;
	ssize_t size;

	if (v9p_readf(&req->in, "dds", &fid_id, &newfid_id, &name))
		return -EPROTO;
	if (memchr(name.str, '\0', name.len))
		return -EINVAL;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	size = v9p_xattr_walk(srv, req, fid, newfid_id, &name);
	if (size >= 0)
		size = v9p_writef(&req->out, "q", (u64)size);
	v9p_fid_put(fid);
	return size;
}

static int op_xattrcreate(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str name;
	struct v9p_fid *fid;
	u32 fid_id, flags;
	int ret, xflags;
	u64 size;

	if (v9p_readf(&req->in, "dsqd", &fid_id, &name, &size, &flags))
		return -EPROTO;
	if (!name.len || memchr(name.str, '\0', name.len) ||
	    (flags & ~(V9P_XATTR_CREATE | V9P_XATTR_REPLACE)))
		return -EINVAL;
	ret = v9p_xattr_check(srv, &name, size);
	if (ret)
		return ret;
	if (v9p_readonly(srv))
		return -EROFS;
	xflags = (flags & V9P_XATTR_CREATE ? XATTR_CREATE : 0) |
		 (flags & V9P_XATTR_REPLACE ? XATTR_REPLACE : 0);
	fid = req_path_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	ret = fid_lock(req, fid);
	if (!ret) {
		ret = v9p_xattr_create(srv, req, fid, &name, size, xflags);
		mutex_unlock(&fid->lock);
	}
	v9p_fid_put(fid);
	return ret;
}

/* Tlock and Tgetlock's lock types, as fcntl(2)'s. */
static int lock_type(u8 type)
{
	switch (type) {
	case P9_LOCK_TYPE_RDLCK:
		return F_RDLCK;
	case P9_LOCK_TYPE_WRLCK:
		return F_WRLCK;
	case P9_LOCK_TYPE_UNLCK:
		return F_UNLCK;
	}
	return -EINVAL;
}

static u8 wire_lock_type(int type)
{
	switch (type) {
	case F_RDLCK:
		return P9_LOCK_TYPE_RDLCK;
	case F_WRLCK:
		return P9_LOCK_TYPE_WRLCK;
	}
	return P9_LOCK_TYPE_UNLCK;
}

static int op_lock(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str client_id;
	struct v9p_flock lk;
	struct v9p_fid *fid;
	struct file *file;
	u32 fid_id, flags;
	u8 type;
	int ret;

	if (v9p_readf(&req->in, "dbdqqds", &fid_id, &type, &flags, &lk.start,
		      &lk.length, &lk.proc_id, &client_id))
		return -EPROTO;
	lk.type = lock_type(type);
	if (lk.type < 0 || (flags & ~(P9_LOCK_FLAGS_BLOCK | P9_LOCK_FLAGS_RECLAIM)))
		return -EINVAL;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	file = v9p_fid_file(fid);
	ret = file ? v9p_lock_set(srv, fid, file, &lk) : -EBADF;
	/* A conflict is answered "blocked" at once: the client retries. */
	if (!ret || ret == -EAGAIN)
		ret = v9p_writef(&req->out, "b",
				 ret ? P9_LOCK_BLOCKED : P9_LOCK_SUCCESS);
	v9p_fid_put(fid);
	return ret;
}

static int op_getlock(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_str client_id;
	struct v9p_flock lk;
	struct v9p_fid *fid;
	struct file *file;
	u32 fid_id;
	u8 type;
	int ret;

	if (v9p_readf(&req->in, "dbqqds", &fid_id, &type, &lk.start, &lk.length,
		      &lk.proc_id, &client_id))
		return -EPROTO;
	lk.type = lock_type(type);
	if (lk.type < 0)
		return -EINVAL;
	/*
	 * The Linux client's F_GETLK asks with UNLCK whatever its caller
	 * asked (v9fs_file_getlock() loses the type): test for a write lock,
	 * which any other owner's lock conflicts with, and name that lock.
	 */
	if (lk.type == F_UNLCK)
		lk.type = F_WRLCK;
	fid = req_fid(srv, fid_id);
	if (IS_ERR(fid))
		return PTR_ERR(fid);
	file = v9p_fid_file(fid);
	ret = file ? v9p_lock_test(srv, file, &lk) : -EBADF;
	if (!ret)
		ret = v9p_reply_room(req, V9P_HDR_SIZE + 23 + client_id.len);
	if (!ret)
		ret = v9p_writef(&req->out, "bqqds", (unsigned int)wire_lock_type(lk.type),
				 lk.start, lk.length, lk.proc_id, &client_id);
	v9p_fid_put(fid);
	return ret;
}

static int op_flush(struct v9p_server *srv, struct v9p_request *req)
{
	u16 oldtag;

	/*
	 * A request still on the workqueue is answered first, and this
	 * Rflush right after it (flush_target() in transport.c); any other
	 * has been answered already, or never existed.
	 */
	if (v9p_readf(&req->in, "w", &oldtag))
		return -EPROTO;
	return 0;
}

static int op_auth(struct v9p_server *srv, struct v9p_request *req)
{
	/* Access is the VMM's to grant: there is nothing to authenticate. */
	return -EOPNOTSUPP;
}

/**
 * struct v9p_op - how the server handles one request type
 * @serve: decodes the request, runs it, encodes the reply
 * @fixed_reply: the size of the reply to a request that changes something:
 *	the guest's room for it is checked before the change, so that a reply
 *	that cannot be sent (-EMSGSIZE) leaves no fid, file or open file
 *	behind.  Rwalk's size depends on the request: op_walk() checks it.
 * @flags: where it is served (V9P_OP_BLOCKS, V9P_OP_NOWAIT)
 *
 * A type with neither flag is served on the vhost worker, one request at a
 * time: op_lcreate() rewrites its fid's path and op_xattrwalk() fills a fid
 * it has published, counting on that.
 */
struct v9p_op {
	int (*serve)(struct v9p_server *srv, struct v9p_request *req);
	u8 fixed_reply;
	u8 flags;
};

static const struct v9p_op v9p_ops[V9P_MSG_TYPE_MAX] = {
	[P9_TSTATFS] = { .serve = op_statfs },
	[P9_TLOPEN] = {
		.serve = op_lopen,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE + 4,
		.flags = V9P_OP_NOWAIT,
	},
	[P9_TLCREATE] = {
		.serve = op_lcreate,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE + 4,
	},
	[P9_TSYMLINK] = {
		.serve = op_symlink,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE,
	},
	[P9_TMKNOD] = {
		.serve = op_mknod,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE,
	},
	[P9_TRENAME] = { .serve = op_rename },
	[P9_TREADLINK] = { .serve = op_readlink },
	[P9_TGETATTR] = { .serve = op_getattr },
	[P9_TSETATTR] = {
		.serve = op_setattr,
		.flags = V9P_OP_NOWAIT,
	},
	[P9_TXATTRWALK] = {
		.serve = op_xattrwalk,
		.fixed_reply = V9P_HDR_SIZE + 8,
	},
	[P9_TXATTRCREATE] = { .serve = op_xattrcreate },
	[P9_TREADDIR] = {
		.serve = op_readdir,
		.flags = V9P_OP_BLOCKS,
	},
	[P9_TFSYNC] = {
		.serve = op_fsync,
		.flags = V9P_OP_BLOCKS,
	},
	[P9_TLOCK] = {
		.serve = op_lock,
		.fixed_reply = V9P_HDR_SIZE + 1,
	},
	[P9_TGETLOCK] = { .serve = op_getlock },
	[P9_TLINK] = { .serve = op_link },
	[P9_TMKDIR] = {
		.serve = op_mkdir,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE,
	},
	[P9_TRENAMEAT] = { .serve = op_renameat },
	[P9_TUNLINKAT] = { .serve = op_unlinkat },
	[P9_TVERSION] = {
		.serve = op_version,
		.fixed_reply = V9P_HDR_SIZE + 4 + 2 + 8,	/* msize, "9P2000.L" */
	},
	[P9_TAUTH] = { .serve = op_auth },
	[P9_TATTACH] = {
		.serve = op_attach,
		.fixed_reply = V9P_HDR_SIZE + V9P_QID_SIZE,
	},
	[P9_TFLUSH] = { .serve = op_flush },
	[P9_TWALK] = { .serve = op_walk },
	[P9_TREAD] = {
		.serve = op_read,
		.flags = V9P_OP_BLOCKS | V9P_OP_NOWAIT,
	},
	[P9_TWRITE] = {
		.serve = op_write,
		.flags = V9P_OP_BLOCKS,
	},
	[P9_TCLUNK] = { .serve = op_clunk },
	[P9_TREMOVE] = { .serve = op_remove },
};

/**
 * v9p_op_flags() - where requests of a type are served
 * @type: the request's type
 *
 * Return: its V9P_OP_* flags; 0 for a type the server does not know.
 */
u8 v9p_op_flags(u8 type)
{
	return v9p_ops[type].flags;
}

/* Errors the guest must never see: kernel-internal numbers. */
static int wire_errno(int err)
{
	if (err == -ENOTSUPP)
		return -EOPNOTSUPP;
	if (err <= -512)
		return -EIO;
	return err;
}

/**
 * v9p_serve() - serve one request: decode it, run it, build the reply
 * @srv: the server
 * @req: the request, copied in; on return @req->out holds the reply, of
 *	@req->reply_len bytes (its data, when @req->data_placed, went straight
 *	to the guest), and @req->err the error answered
 *
 * Runs the operation with the export's credentials.  Anything that fails
 * is answered with Rlerror and the errno.
 */
void v9p_serve(struct v9p_server *srv, struct v9p_request *req)
{
	const struct v9p_op *op = &v9p_ops[req->type];
	const struct cred *old;
	int ret;

	v9p_begin_reply(&req->out, req->type + 1, req->tag);
	if (!op->serve) {
		ret = -EOPNOTSUPP;
	} else if (req->reply_cap < op->fixed_reply) {
		ret = -EMSGSIZE;
	} else if (!srv->session.msize && req->type != P9_TVERSION) {
		ret = -EPROTO;	/* no session yet */
	} else {
		old = override_creds(srv->export.cred);
		ret = op->serve(srv, req);
		revert_creds(old);
		v9p_fault_end(req);
	}
	req->err = ret;
	if (ret) {
		req->data_placed = false;
		v9p_put_error(&req->out, req->tag, wire_errno(ret));
		req->reply_len = req->out.pos;
	} else if (req->data_placed) {
		v9p_end_reply_sized(&req->out, req->reply_len);
	} else {
		req->reply_len = v9p_end_reply(&req->out);
	}
}
