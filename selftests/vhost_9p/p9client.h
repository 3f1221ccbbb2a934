/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal 9P2000.L client for the kselftests: T-messages built with the
 * module's own protocol code, sent over the virtqueue driver of virtq.c.
 */
#ifndef _SELFTESTS_VHOST_9P_P9CLIENT_H
#define _SELFTESTS_VHOST_9P_P9CLIENT_H

#include <linux/types.h>
#include <linux/vhost_9p.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "../../drivers/vhost/9p/protocol.h"
#include "hostutil.h"
#include "virtq.h"

#define P9C_MSIZE	(128 * 1024)
/* How long a request may go unanswered: V9P_SLOW times as long on the debug kernel. */
#define P9C_TIMEOUT_MS	(10000 * slow_factor())

static inline struct v9p_str *p9s_set(struct v9p_str *v, const char *s)
{
	v->str = s;
	v->len = strlen(s);
	return v;
}

/* A string argument for the 's' format: P9S("name"). */
#define P9S(s) p9s_set(&(struct v9p_str){}, (s))

/**
 * struct p9c - one test client: a device, a queue, a session
 * @vq: the virtqueue driver
 * @msize: the negotiated msize (P9C_MSIZE before Tversion)
 * @tag: the next tag
 * @req: where T-messages are built
 * @resp: a copy of the last R-message
 * @resp_len: its length
 * @reply: a cursor over @resp's body, for p9c_get()
 * @scratch: room for the strings p9c_get() decodes
 */
struct p9c {
	struct virtq_dev vq;
	__u32 msize;
	__u16 tag;
	__u8 *req;
	__u8 *resp;
	__u32 resp_len;
	struct v9p_buf reply;
	char *scratch;
};

/**
 * struct p9c_attr - the fields of an Rgetattr
 */
struct p9c_attr {
	__u64 valid;
	struct p9_qid qid;
	__u32 mode, uid, gid;
	__u64 nlink, rdev, size, blksize, blocks;
	__u64 atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	__u64 ctime_sec, ctime_nsec, btime_sec, btime_nsec, gen, data_version;
};

int p9c_open_dev(struct p9c *c);
int p9c_set_export(struct p9c *c, const struct vhost_9p_export *exp);
int p9c_open(struct p9c *c, const struct vhost_9p_export *exp);
int p9c_open_path(struct p9c *c, const char *dir, struct vhost_9p_export *exp);
int p9c_open_dir(struct p9c *c, const char *dir, __u32 flags);
void p9c_close(struct p9c *c);
int p9c_rpc(struct p9c *c, __u8 type, const char *fmt, ...);
int p9c_get(struct p9c *c, const char *fmt, ...);
int p9c_raw(struct p9c *c, const void *msg, size_t len, size_t resp_cap);
void *p9c_post(struct p9c *c, __u8 type, __u16 tag, size_t cap, const char *fmt, ...);
int p9c_session(struct p9c *c, __u32 root_fid);
int p9c_session_as(struct p9c *c, __u32 root_fid, __u32 uid);
int p9c_walk(struct p9c *c, __u32 fid, __u32 newfid, const char *path,
	     struct p9_qid *last);
int p9c_lopen(struct p9c *c, __u32 fid, __u32 flags);
ssize_t p9c_read(struct p9c *c, __u32 fid, __u64 offset, void *buf, __u32 count);
ssize_t p9c_write(struct p9c *c, __u32 fid, __u64 offset, const void *buf,
		  __u32 count);
int p9c_clunk(struct p9c *c, __u32 fid);
int p9c_lock(struct p9c *c, __u32 fid, __u8 type, __u32 flags, __u64 start, __u64 length,
	     __u32 proc_id);
int p9c_getattr(struct p9c *c, __u32 fid, struct p9c_attr *attr);

typedef int (*p9c_dirent_fn)(const struct v9p_str *name, const struct p9_qid *qid,
			     __u8 type, void *arg);
int p9c_readdir(struct p9c *c, __u32 fid, __u32 count, p9c_dirent_fn fn, void *arg);

#endif /* _SELFTESTS_VHOST_9P_P9CLIENT_H */
