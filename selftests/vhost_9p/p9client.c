// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal 9P2000.L client for the kselftests, over virtq.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "p9client.h"

#define P9C_RING	256
#define P9C_MEM		(8UL << 20)

/**
 * p9c_open_dev() - allocate the client and open its device, not yet serving
 * @c: the client
 *
 * For a caller that has something to do between opening the device and
 * setting its export (dropping privileges, as an unprivileged VMM does);
 * p9c_set_export() then starts it.
 *
 * Return: 0, or -errno of the failing step.
 */
int p9c_open_dev(struct p9c *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->msize = P9C_MSIZE;
	c->req = malloc(VHOST_9P_MAX_MSIZE);
	c->resp = malloc(VHOST_9P_MAX_MSIZE);
	c->scratch = malloc(VHOST_9P_MAX_MSIZE);
	if (!c->req || !c->resp || !c->scratch) {
		ret = -ENOMEM;
		goto err;
	}
	ret = virtq_dev_open(&c->vq, P9C_RING, P9C_MEM, true);
	if (ret)
		goto err;
	return 0;
err:
	free(c->req);
	free(c->resp);
	free(c->scratch);
	return ret;
}

/**
 * p9c_set_export() - set the export of a device p9c_open_dev() opened, and start it
 * @c: the client
 * @exp: the export
 *
 * Return: 0 or -errno.
 */
int p9c_set_export(struct p9c *c, const struct vhost_9p_export *exp)
{
	int one = 1;

	if (ioctl(c->vq.fd, VHOST_9P_SET_EXPORT, exp) ||
	    ioctl(c->vq.fd, VHOST_9P_SET_RUNNING, &one))
		return -errno;
	return 0;
}

/**
 * p9c_open() - open a device serving @exp and start it
 * @c: the client
 * @exp: the export
 *
 * Return: 0, or -errno of the failing step.
 */
int p9c_open(struct p9c *c, const struct vhost_9p_export *exp)
{
	int ret;

	ret = p9c_open_dev(c);
	if (ret)
		return ret;
	ret = p9c_set_export(c, exp);
	if (ret)
		p9c_close(c);
	return ret;
}

/**
 * p9c_open_path() - open a device exporting @dir, as @exp says otherwise
 * @c: the client
 * @dir: the directory
 * @exp: the rest of the export: flags, limits, tag ("selftest" when empty);
 *	its dirfd is set here
 *
 * Return: 0 or -errno.
 */
int p9c_open_path(struct p9c *c, const char *dir, struct vhost_9p_export *exp)
{
	int ret;

	if (!exp->tag[0])
		snprintf(exp->tag, sizeof(exp->tag), "selftest");
	exp->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (exp->dirfd < 0)
		return -errno;
	ret = p9c_open(c, exp);
	close(exp->dirfd);
	return ret;
}

/**
 * p9c_open_dir() - open a device exporting @dir with @flags
 * @c: the client
 * @dir: the directory
 * @flags: VHOST_9P_EXPORT_*
 *
 * Return: 0 or -errno.
 */
int p9c_open_dir(struct p9c *c, const char *dir, __u32 flags)
{
	struct vhost_9p_export exp = { .flags = flags };

	return p9c_open_path(c, dir, &exp);
}

/**
 * p9c_close() - close the device and free the client
 * @c: the client
 */
void p9c_close(struct p9c *c)
{
	virtq_dev_close(&c->vq);
	free(c->req);
	free(c->resp);
	free(c->scratch);
}

/**
 * p9c_raw() - send @msg as it is, and keep whatever comes back
 * @c: the client
 * @msg: the bytes of a message, well-formed or not
 * @len: their length
 * @resp_cap: room offered for the reply
 *
 * Return: the number of bytes the device wrote back (0 when it dropped the
 * request), or -errno (-ETIMEDOUT: no completion).
 */
int p9c_raw(struct p9c *c, const void *msg, size_t len, size_t resp_cap)
{
	__u32 used;
	void *resp;

	virtq_reset_alloc(&c->vq);
	resp = virtq_call(&c->vq, msg, len, resp_cap, &used, P9C_TIMEOUT_MS);
	if (!resp)
		return -errno;
	if (used > resp_cap)
		return -EOVERFLOW;
	memcpy(c->resp, resp, used);
	c->resp_len = used;
	return used;
}

/**
 * p9c_post() - put a T-message on the ring without waiting for its reply
 * @c: the client
 * @type: the T-message type
 * @tag: its tag
 * @cap: the room offered for the reply
 * @fmt: its body, as for v9p_writef()
 *
 * The message and its reply buffer are allocated from @c's guest memory,
 * after whatever is there: virtq_reset_alloc() first for a new batch, and
 * no p9c_rpc() while posted requests are unanswered (it starts one).
 *
 * Return: the reply buffer (virtq_wait_used()'s token), or NULL.
 */
void *p9c_post(struct p9c *c, __u8 type, __u16 tag, size_t cap, const char *fmt, ...)
{
	struct iovec out, in = { .iov_len = cap };
	struct v9p_buf b;
	va_list ap;

	out.iov_base = virtq_alloc(&c->vq, 256);
	in.iov_base = virtq_alloc(&c->vq, cap);
	if (!out.iov_base || !in.iov_base)
		return NULL;
	v9p_buf_init(&b, out.iov_base, 256, NULL, 0);
	v9p_begin_reply(&b, type, tag);
	va_start(ap, fmt);
	v9p_vwritef(&b, fmt, ap);
	va_end(ap);
	out.iov_len = v9p_end_reply(&b);
	if (virtq_submit(&c->vq, &out, 1, &in, 1, false, in.iov_base) < 0)
		return NULL;
	return in.iov_base;
}

static int finish_reply(struct p9c *c, __u8 type, __u16 tag)
{
	__u32 size, ecode;
	__u16 rtag;
	__u8 rtype;

	v9p_buf_init(&c->reply, c->resp, c->resp_len, c->scratch, VHOST_9P_MAX_MSIZE);
	if (v9p_readf(&c->reply, "dbw", &size, &rtype, &rtag) || size != c->resp_len ||
	    rtag != tag)
		return -EPROTO;
	if (rtype == P9_RLERROR) {
		if (v9p_readf(&c->reply, "d", &ecode))
			return -EPROTO;
		return -(int)ecode;
	}
	return rtype == type + 1 ? 0 : -EPROTO;
}

static int build(struct p9c *c, __u8 type, __u16 tag, const char *fmt, va_list ap,
		 struct v9p_buf *buf)
{
	v9p_buf_init(buf, c->req, c->msize, NULL, 0);
	v9p_begin_reply(buf, type, tag);
	if (v9p_vwritef(buf, fmt, ap))
		return -EMSGSIZE;
	v9p_end_reply(buf);
	return 0;
}

/**
 * p9c_rpc() - send a T-message and wait for its reply
 * @c: the client
 * @type: the T-message type
 * @fmt: its body, as for v9p_writef()
 *
 * Return: 0 with the reply's body ready for p9c_get(), -errno from an
 * Rlerror, -EPROTO for a reply that is malformed, of the wrong type or tag,
 * or -ETIMEDOUT.
 */
int p9c_rpc(struct p9c *c, __u8 type, const char *fmt, ...)
{
	__u16 tag = type == P9_TVERSION ? P9_NOTAG : c->tag++ % 0xfff0;
	struct v9p_buf buf;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = build(c, type, tag, fmt, ap, &buf);
	va_end(ap);
	if (ret)
		return ret;
	ret = p9c_raw(c, c->req, buf.pos, c->msize);
	if (ret < 0)
		return ret;
	return finish_reply(c, type, tag);
}

/**
 * p9c_get() - decode fields of the last reply's body
 * @c: the client
 * @fmt: as for v9p_readf()
 *
 * Return: 0 or -EPROTO.
 */
int p9c_get(struct p9c *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = v9p_vreadf(&c->reply, fmt, ap);
	va_end(ap);
	return ret;
}

/**
 * p9c_session_as() - Tversion then Tattach of @root_fid as guest user @uid
 * @c: the client
 * @root_fid: the fid to attach
 * @uid: the guest user (Tattach n_uname)
 *
 * Return: 0 or -errno.
 */
int p9c_session_as(struct p9c *c, __u32 root_fid, __u32 uid)
{
	struct v9p_str version;
	__u32 msize;
	int ret;

	ret = p9c_rpc(c, P9_TVERSION, "ds", (__u32)P9C_MSIZE, P9S("9P2000.L"));
	if (!ret)
		ret = p9c_get(c, "ds", &msize, &version);
	if (ret)
		return ret;
	if (strcmp(version.str, "9P2000.L"))
		return -EPROTO;
	c->msize = msize;
	return p9c_rpc(c, P9_TATTACH, "ddssd", root_fid, (__u32)P9_NOFID,
		       P9S("user"), P9S(""), uid);
}

/**
 * p9c_session() - Tversion then Tattach of @root_fid as root
 * @c: the client
 * @root_fid: the fid to attach
 *
 * Return: 0 or -errno.
 */
int p9c_session(struct p9c *c, __u32 root_fid)
{
	return p9c_session_as(c, root_fid, 0);
}

/**
 * p9c_walk() - Twalk from @fid along @path ("a/b/c", "" for a clone)
 * @c: the client
 * @fid: where from
 * @newfid: the fid the walk makes
 * @path: up to 16 components separated by '/'
 * @last: if not NULL, the qid of the last component
 *
 * Return: the number of qids in Rwalk (a partial walk returns fewer than
 * the components), or -errno.
 */
int p9c_walk(struct p9c *c, __u32 fid, __u32 newfid, const char *path,
	     struct p9_qid *last)
{
	struct v9p_buf buf;
	char copy[4096], *name, *save = NULL;
	__u16 n = 0, nwqid, i, tag = c->tag++ % 0xfff0;
	struct p9_qid qid;
	int ret;

	snprintf(copy, sizeof(copy), "%s", path);
	v9p_buf_init(&buf, c->req, c->msize, NULL, 0);
	v9p_begin_reply(&buf, P9_TWALK, tag);
	v9p_writef(&buf, "ddw", fid, newfid, 0U);
	for (name = strtok_r(copy, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		if (v9p_writef(&buf, "s", P9S(name)))
			return -EMSGSIZE;
		n++;
	}
	/* Patch nwname now that the names are counted. */
	c->req[V9P_HDR_SIZE + 8] = n & 0xff;
	c->req[V9P_HDR_SIZE + 9] = n >> 8;
	v9p_end_reply(&buf);
	ret = p9c_raw(c, c->req, buf.pos, c->msize);
	if (ret < 0)
		return ret;
	ret = finish_reply(c, P9_TWALK, tag);
	if (ret)
		return ret;
	if (p9c_get(c, "w", &nwqid))
		return -EPROTO;
	for (i = 0; i < nwqid; i++)
		if (p9c_get(c, "Q", &qid))
			return -EPROTO;
	if (last && nwqid)
		*last = qid;
	return nwqid;
}

/**
 * p9c_lopen() - Tlopen
 * @c: the client
 * @fid: the fid
 * @flags: Linux open flags as on the wire (P9_DOTL_*)
 *
 * Return: 0 or -errno.
 */
int p9c_lopen(struct p9c *c, __u32 fid, __u32 flags)
{
	return p9c_rpc(c, P9_TLOPEN, "dd", fid, flags);
}

/**
 * p9c_read() - Tread into @buf, the data landing in its own descriptor
 *	after an 11-byte header descriptor, as the Linux client's zero-copy
 *	path lays it out
 * @c: the client
 * @fid: an open fid
 * @offset: where
 * @buf: where the data goes
 * @count: how much at most
 *
 * Return: the bytes read, or -errno.
 */
ssize_t p9c_read(struct p9c *c, __u32 fid, __u64 offset, void *buf, __u32 count)
{
	__u16 tag = c->tag++ % 0xfff0;
	struct iovec out, in[2];
	struct v9p_buf msg;
	__u32 used, n;
	void *token;
	int ret;

	virtq_reset_alloc(&c->vq);
	v9p_buf_init(&msg, c->req, c->msize, NULL, 0);
	v9p_begin_reply(&msg, P9_TREAD, tag);
	v9p_writef(&msg, "dqd", fid, offset, count);
	v9p_end_reply(&msg);
	out.iov_len = msg.pos;
	out.iov_base = virtq_alloc(&c->vq, out.iov_len);
	in[0].iov_len = V9P_IOHDR_SIZE;
	in[0].iov_base = virtq_alloc(&c->vq, in[0].iov_len);
	in[1].iov_len = count;
	in[1].iov_base = virtq_alloc(&c->vq, count);
	if (!out.iov_base || !in[0].iov_base || !in[1].iov_base)
		return -ENOMEM;
	memcpy(out.iov_base, c->req, out.iov_len);
	ret = virtq_submit(&c->vq, &out, 1, in, 2, false, in[0].iov_base);
	if (ret < 0)
		return ret;
	ret = virtq_wait_used(&c->vq, &token, &used, P9C_TIMEOUT_MS);
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	if (used < V9P_IOHDR_SIZE)
		return -EPROTO;
	memcpy(c->resp, in[0].iov_base, V9P_IOHDR_SIZE);
	c->resp_len = used;
	if (c->resp[4] == P9_RLERROR) {
		c->resp_len = V9P_IOHDR_SIZE;
		return finish_reply(c, P9_TREAD, tag);
	}
	if (used - V9P_IOHDR_SIZE > count)
		return -EPROTO;
	memcpy(c->resp + V9P_IOHDR_SIZE, in[1].iov_base, used - V9P_IOHDR_SIZE);
	ret = finish_reply(c, P9_TREAD, tag);
	if (ret)
		return ret;
	if (p9c_get(c, "d", &n) || n != used - V9P_IOHDR_SIZE)
		return -EPROTO;
	memcpy(buf, in[1].iov_base, n);
	return n;
}

/**
 * p9c_write() - Twrite of @buf, the data in its own descriptor after the
 *	header's, as the Linux client's zero-copy path lays it out
 * @c: the client
 * @fid: an open fid
 * @offset: where
 * @buf: the data
 * @count: its length
 *
 * Return: the bytes written, or -errno.
 */
ssize_t p9c_write(struct p9c *c, __u32 fid, __u64 offset, const void *buf,
		  __u32 count)
{
	__u16 tag = c->tag++ % 0xfff0;
	struct iovec out[2], in;
	struct v9p_buf msg;
	__u32 used, n;
	void *token;
	int ret;

	virtq_reset_alloc(&c->vq);
	v9p_buf_init(&msg, c->req, c->msize, NULL, 0);
	v9p_begin_reply(&msg, P9_TWRITE, tag);
	v9p_writef(&msg, "dqd", fid, offset, count);
	/* The size covers the data that follows in the next descriptor. */
	v9p_end_reply_sized(&msg, msg.pos + count);
	out[0].iov_len = msg.pos;
	out[0].iov_base = virtq_alloc(&c->vq, msg.pos);
	out[1].iov_len = count;
	out[1].iov_base = virtq_alloc(&c->vq, count);
	in.iov_len = 64;
	in.iov_base = virtq_alloc(&c->vq, in.iov_len);
	if (!out[0].iov_base || !out[1].iov_base || !in.iov_base)
		return -ENOMEM;
	memcpy(out[0].iov_base, c->req, msg.pos);
	memcpy(out[1].iov_base, buf, count);
	ret = virtq_submit(&c->vq, out, count ? 2 : 1, &in, 1, false, in.iov_base);
	if (ret < 0)
		return ret;
	ret = virtq_wait_used(&c->vq, &token, &used, P9C_TIMEOUT_MS);
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	if (used > in.iov_len)
		return -EPROTO;
	memcpy(c->resp, in.iov_base, used);
	c->resp_len = used;
	ret = finish_reply(c, P9_TWRITE, tag);
	if (ret)
		return ret;
	return p9c_get(c, "d", &n) ? -EPROTO : (ssize_t)n;
}

/**
 * p9c_clunk() - Tclunk
 * @c: the client
 * @fid: the fid
 *
 * Return: 0 or -errno.
 */
int p9c_clunk(struct p9c *c, __u32 fid)
{
	return p9c_rpc(c, P9_TCLUNK, "d", fid);
}

/**
 * p9c_lock() - Tlock, as guest process @proc_id
 * @c: the client
 * @fid: an open fid
 * @type: P9_LOCK_TYPE_*
 * @flags: P9_LOCK_FLAGS_*
 * @start: the first byte
 * @length: how many bytes, 0 for all that follow
 * @proc_id: the guest process that locks
 *
 * Return: the status (P9_LOCK_*), or -errno.
 */
int p9c_lock(struct p9c *c, __u32 fid, __u8 type, __u32 flags, __u64 start, __u64 length,
	     __u32 proc_id)
{
	__u8 status;
	int ret;

	ret = p9c_rpc(c, P9_TLOCK, "dbdqqds", fid, type, flags, start, length, proc_id,
		      P9S("kselftest"));
	if (ret)
		return ret;
	return p9c_get(c, "b", &status) ? -EBADMSG : status;
}

/**
 * p9c_getattr() - Tgetattr of everything
 * @c: the client
 * @fid: the fid
 * @a: filled in
 *
 * Return: 0 or -errno.
 */
int p9c_getattr(struct p9c *c, __u32 fid, struct p9c_attr *a)
{
	int ret = p9c_rpc(c, P9_TGETATTR, "dq", fid, (__u64)P9_STATS_ALL);

	if (ret)
		return ret;
	return p9c_get(c, "qQdddqqqqqqqqqqqqqqq", &a->valid, &a->qid, &a->mode,
		       &a->uid, &a->gid, &a->nlink, &a->rdev, &a->size, &a->blksize,
		       &a->blocks, &a->atime_sec, &a->atime_nsec, &a->mtime_sec,
		       &a->mtime_nsec, &a->ctime_sec, &a->ctime_nsec, &a->btime_sec,
		       &a->btime_nsec, &a->gen, &a->data_version);
}

/**
 * p9c_readdir() - read a whole open directory with Treaddir
 * @c: the client
 * @fid: an open directory fid
 * @count: the count asked for in each Treaddir (small values test resuming)
 * @fn: called for each entry; a non-zero return stops the listing
 * @arg: passed to @fn
 *
 * Return: the number of entries, or -errno (of a Treaddir, or of @fn).
 */
int p9c_readdir(struct p9c *c, __u32 fid, __u32 count, p9c_dirent_fn fn, void *arg)
{
	__u64 offset = 0, next;
	struct v9p_str name;
	struct p9_qid qid;
	int ret, entries = 0;
	__u32 n, end;
	__u8 type;

	for (;;) {
		ret = p9c_rpc(c, P9_TREADDIR, "dqd", fid, offset, count);
		if (!ret)
			ret = p9c_get(c, "d", &n);
		if (ret)
			return ret;
		if (!n)
			return entries;
		end = c->reply.pos + n;
		if (end != c->reply.size)
			return -EPROTO;
		while (c->reply.pos < end) {
			if (p9c_get(c, "Qqbs", &qid, &next, &type, &name))
				return -EPROTO;
			ret = fn(&name, &qid, type, arg);
			if (ret)
				return ret;
			entries++;
			offset = next;
		}
	}
}
