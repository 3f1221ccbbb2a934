/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-9p: the structures the module's files share, their locking rules,
 * and the functions each file offers the others.
 */
#ifndef _DRIVERS_VHOST_9P_VHOST_9P_H
#define _DRIVERS_VHOST_9P_VHOST_9P_H

#include <linux/bits.h>
#include <linux/cred.h>
#include <linux/llist.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/refcount.h>
#include <linux/uio.h>
#include <linux/vhost_9p.h>
#include <linux/virtio_9p.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../vhost.h"
#include "compat.h"
#include "protocol.h"

/*
 * What the device offers the VMM: the vhost core's ring features, as
 * vsock's, and the mount tag.  VHOST_F_LOG_ALL is left out on purpose:
 * replies are written into guest memory outside the dirty log, so a VMM
 * must block migration rather than log; VIRTIO_F_ACCESS_PLATFORM (vIOMMU)
 * is not supported yet.
 */
#define VHOST_9P_FEATURES ((VHOST_FEATURES & ~(1ULL << VHOST_F_LOG_ALL)) |	\
			   (1ULL << VIRTIO_9P_MOUNT_TAG))

/*
 * The largest request other than Twrite: Twalk of 16 names of 255 bytes,
 * or Tsymlink with a PATH_MAX target.  Twrite data is never copied.
 */
#define V9P_REQ_MAX		(16 * 1024)

/* Requests served on the workqueue at once, per device. */
#define V9P_MAX_INFLIGHT	64

/*
 * (fid, guest process) pairs holding POSIX locks, per device: each is
 * remembered so that the fid's clunk releases its locks.
 */
#define V9P_MAX_LOCK_OWNERS	4096

/*
 * Attribute values fids may hold at once, per device: Txattrwalk's value
 * and Txattrcreate's buffer, up to XATTR_SIZE_MAX each, are kept until the
 * clunk, so the fid limit alone would let a guest pin max_fids times that.
 */
#define V9P_XATTR_BUDGET	(16 << 20)

/*
 * How deep below the export root anything is served: the most components
 * a path of PATH_MAX bytes has.  Checking a fid walks up to the root, so
 * this bounds what a chain of directories costs each request.
 */
#define V9P_MAX_DEPTH		(PATH_MAX / 2)

enum v9p_fid_kind {
	V9P_FID_PATH,		/* names a file; may be opened */
	V9P_FID_XATTR_READ,	/* Txattrwalk: reads return the value */
	V9P_FID_XATTR_WRITE,	/* Txattrcreate: writes fill it, clunk sets it */
};

/**
 * struct v9p_fid - a guest handle on a file of the export
 * @rcu: frees the fid after lookups under RCU are done with it
 * @ref: one for the fid table, one for each request using it
 * @srv: the server whose table holds it
 * @id: the guest's number for it
 * @kind: what it is for (enum v9p_fid_kind)
 * @uid: the user the guest acts for through it (Tattach n_uname, the
 *	guest's number: it may mean nothing on the host)
 * @path: the file it names, always inside the export; Tlcreate changes it,
 *	under @lock, on the vhost worker: requests the worker serves read it
 *	unlocked, those on the workqueue under @lock (Tlopen) or from a copy
 *	made under it (Tsetattr)
 * @file: the open file, after Tlopen or Tlcreate
 * @lock: serialises opening and creating through this fid, its directory
 *	position and its attribute value; the worker takes it only if it is
 *	free (fid_lock()), but for the Tclunk of a Txattrcreate fid, which
 *	waits for a Twrite still filling the value
 * @lock_owners: the lock owners (struct v9p_lock_owner, by guest proc_id)
 *	that may hold POSIX locks taken through @file (under
 *	v9p_session.lock_mutex)
 * @xattr_name: the attribute a Txattrcreate fid will set
 * @xattr_flags: its XATTR_CREATE/XATTR_REPLACE flags
 * @xattr_value: the attribute's value (read) or the value being written
 * @xattr_size: its size
 * @xattr_filled: bytes of it written so far
 * @xattr_charged: the bytes counted for it in v9p_session.xattr_bytes
 */
struct v9p_fid {
	struct rcu_head rcu;
	refcount_t ref;
	struct v9p_server *srv;
	u32 id;
	u8 kind;
	u32 uid;
	struct path path;
	struct file *file;
	struct mutex lock;	/* see above */
	struct xarray lock_owners;
	char *xattr_name;
	int xattr_flags;
	void *xattr_value;
	size_t xattr_size;
	size_t xattr_filled;
	size_t xattr_charged;
};

/*
 * A fid's open file: set once, by Tlopen or Tlcreate on the worker, and
 * read by requests on the workqueue, which must see it whole.
 */
static inline struct file *v9p_fid_file(struct v9p_fid *fid)
{
	/* Pairs with v9p_fid_set_file(): the file is seen fully set up. */
	return smp_load_acquire(&fid->file);
}

static inline void v9p_fid_set_file(struct v9p_fid *fid, struct file *file)
{
	/* Pairs with v9p_fid_file(). */
	smp_store_release(&fid->file, file);
}

/**
 * struct v9p_request - one request being served
 * @tag: its tag
 * @type: its T-message type
 * @in: the request, copied from the guest (all of it but Twrite data)
 * @out: the reply being built
 * @data_in: Twrite: the data, still in guest memory
 * @data_out: Rread: the guest's reply buffers, for data written in place
 * @data_placed: the reply's data went straight to @data_out, after room
 *	left for the header, which is all @out holds
 * @reply_len: the size of the reply, data included
 * @reply_alloc: a larger reply buffer, from v9p_reply_room()
 * @reply_cap: the guest's room for the reply
 * @err: the error answered, or 0
 * @io_bytes: data bytes read or written
 * @start_ns: when it was taken off the ring, for its server time
 * @nowait: served on the ring worker first: only if nothing sleeps for
 *	long (Tread: on I/O or a page fault; Tlopen, Tsetattr: on a lease
 *	break or a fid's lock), -EAGAIN otherwise, and the workqueue serves it
 *	again from the start, so what it did before must bear repeating
 * @async: served on the workqueue, where it may sleep
 * @fault_points: the fault points it passed (fault.c)
 */
struct v9p_request {
	u16 tag;
	u8 type;
	struct v9p_buf in;
	struct v9p_buf out;
	struct iov_iter *data_in;
	struct iov_iter *data_out;
	bool data_placed;
	u32 reply_len;
	void *reply_alloc;
	u32 reply_cap;
	int err;
	u64 io_bytes;
	u64 start_ns;
	bool nowait;
	bool async;
#ifdef CONFIG_VHOST_9P_FAULT_INJECTION
	unsigned int fault_points;
#endif
};

/**
 * struct v9p_export - what the VMM configured (VHOST_9P_SET_EXPORT): set
 *	when the server is made, never changed after
 * @root: the export's root directory
 * @cred: the credentials every file operation runs with (the VMM's)
 * @memcg: the memory cgroup of the process that set the export up: what
 *	the guest makes the host allocate is charged there, on the vhost
 *	worker and the workqueue alike (a 6.1 vhost kthread and a kworker
 *	are charged nowhere by themselves)
 * @owner_tgid: the VMM's process, which holds the guest's POSIX locks as
 *	the host sees them
 * @flags: VHOST_9P_EXPORT_*
 * @security_model: VHOST_9P_SECURITY_*
 * @max_fids: the guest may hold this many fids at once
 * @max_msize: the largest msize offered
 * @fsize_limit: the VMM's RLIMIT_FSIZE: no file grows past it (the
 *	workqueue's kworkers have no limit of their own)
 * @tag: the mount tag, for messages
 */
struct v9p_export {
	struct path root;
	const struct cred *cred;
	struct mem_cgroup *memcg;
	pid_t owner_tgid;
	u32 flags;
	u32 security_model;
	u32 max_fids;
	u32 max_msize;
	u64 fsize_limit;
	char tag[VHOST_9P_TAG_MAX];
};

/**
 * struct v9p_session - the guest's 9P session: what a Tversion, a device
 *	reset or the end of the export takes away
 * @msize: the msize of the session (0 before Tversion); Tversion sets it on
 *	the vhost worker once no request is in flight
 *	(v9p_xprt.barrier), so the workqueue reads it unlocked
 * @fids: the guest's fids, by number
 * @nr_fids: how many it holds
 * @xattr_bytes: attribute value bytes its fids hold, at most
 *	V9P_XATTR_BUDGET
 * @lock_mutex: guards @lock_owners, @nr_lock_owners and every fid's
 *	lock_owners
 * @lock_owners: one POSIX lock owner per guest process id that holds locks
 * @nr_lock_owners: the (fid, owner) pairs that fids' lock_owners hold, at
 *	most V9P_MAX_LOCK_OWNERS
 */
struct v9p_session {
	u32 msize;
	struct xarray fids;
	atomic_t nr_fids;
	atomic_long_t xattr_bytes;
	struct mutex lock_mutex;	/* lock owners: see above */
	struct xarray lock_owners;
	unsigned int nr_lock_owners;
};

/**
 * struct v9p_xprt - the requests between the ring and the operations
 * @req_buf: where each request served on the worker is copied, then its
 *	strings
 * @reply_buf: where each reply built on the worker goes (max_msize bytes)
 * @wq: where requests that may block are served
 * @pending: those requests, by tag, for Tflush (under the vq's mutex)
 * @inflight: how many there are (under the vq's mutex)
 * @barrier: a Tversion waits for them to end (under the vq's mutex)
 * @stats: counters for VHOST_9P_GET_STATS (under the vq's mutex; the fids,
 *	msize and max_fids it reports are filled in when read)
 */
struct v9p_xprt {
	void *req_buf;
	void *reply_buf;
	struct workqueue_struct *wq;
	struct xarray pending;
	unsigned int inflight;
	bool barrier;
	struct vhost_9p_stats stats;
};

/**
 * struct v9p_server - one export being served to one guest
 * @export: its configuration
 * @session: the guest's 9P session
 * @xprt: the requests in flight
 * @devices: host file systems seen, numbered for qid.path: kept across
 *	sessions, so that a file's qid stays the same
 * @nr_devices: the last number given
 */
struct v9p_server {
	struct v9p_export export;
	struct v9p_session session;
	struct v9p_xprt xprt;
	struct xarray devices;
	atomic_t nr_devices;
};

/*
 * Locking, outermost first:
 *
 * vhost_9p.dev.mutex: configuration ioctls, VHOST_9P_GET_STATS, fdinfo.
 * vhost_9p.vq.mutex: the ring, and the server's request state
 *	(v9p_xprt.pending, .inflight, .barrier, .stats); held by the vhost
 *	worker's handle_kick and complete_work, and by whoever stops the
 *	device or reads the statistics.
 * v9p_fid.lock: one fid's open file, readdir position and xattr value.
 * i_rwsem of the files: taken by the VFS under a fid's lock, a parent
 *	before its child (I_MUTEX_PARENT), lock_rename() for two directories.
 * v9p_session.lock_mutex: a leaf; POSIX lock owners.
 *
 * A request on the workqueue holds none of the vhost locks: it owns its
 * struct v9p_async (iovecs, message, reply), reaches fids through their
 * references, and its reply reaches the ring through vhost_9p_complete().
 */

/**
 * struct vhost_9p - one /dev/vhost-9p instance, i.e. one virtio-9p device
 * @vqs: the array of virtqueue pointers that vhost_dev_init() wants
 * @dev: the vhost device; @dev.mutex serialises configuration ioctls
 * @vq: the request virtqueue (VHOST_9P_VQ_REQUEST)
 * @server: the export, once set; the vq's backend while running
 * @done: requests the workqueue has answered, for @complete_work
 *	(lockless: workqueue producers, the vhost worker consumes)
 * @complete_work: puts them on the used ring, on the vhost worker
 * @poll_ns: how long the worker polls an empty ring before it sleeps
 * @idle_since: when it last went to sleep after polling, 0 when awake
 * @no_holds: stopping: its requests are not held (fault.c)
 */
struct vhost_9p {
	struct vhost_virtqueue *vqs[VHOST_9P_VQ_MAX];
	struct vhost_dev dev;
	struct vhost_virtqueue vq;
	struct v9p_server *server;
	struct llist_head done;
	struct vhost_work complete_work;
	u64 poll_ns;
	u64 idle_since;
#ifdef CONFIG_VHOST_9P_FAULT_INJECTION
	bool no_holds;
#endif
};

/* export.c */
struct v9p_server *v9p_server_create(const struct vhost_9p_export *exp);
void v9p_server_destroy(struct v9p_server *srv);
void v9p_run_in_kworker(struct v9p_server *srv, void (*fn)(void *arg), void *arg);
bool v9p_readonly(const struct v9p_server *srv);
int v9p_name_check(const struct v9p_str *name);
int v9p_check_beneath(const struct v9p_server *srv, const struct path *path);
int v9p_walk_one(struct v9p_server *srv, struct path *path,
		 const struct v9p_str *name);
u32 v9p_dev_index(struct v9p_server *srv, dev_t dev);
u64 v9p_qid_path(u32 dev_index, u64 ino);
void v9p_make_qid(struct v9p_server *srv, const struct path *path,
		  const struct kstat *stat, struct p9_qid *qid);
int v9p_path_qid(struct v9p_server *srv, const struct path *path,
		 struct p9_qid *qid);

/* fid.c */
struct v9p_fid *v9p_fid_get(struct v9p_server *srv, u32 id);
void v9p_fid_put(struct v9p_fid *fid);
struct v9p_fid *v9p_fid_new(struct v9p_server *srv, u32 id,
			    const struct path *path, u32 uid);
struct v9p_fid *v9p_fid_publish(struct v9p_server *srv, struct v9p_fid *fid);
struct v9p_fid *v9p_fid_create(struct v9p_server *srv, u32 id,
			       const struct path *path, u32 uid);
struct v9p_fid *v9p_fid_replace(struct v9p_server *srv, struct v9p_fid *old,
				const struct path *path);
struct v9p_fid *v9p_fid_remove(struct v9p_server *srv, u32 id);
void v9p_fid_clunk_all(struct v9p_server *srv);
void v9p_session_reset(struct v9p_server *srv);
void v9p_session_end(struct v9p_server *srv);

/* mapped.c: the mapped-xattr security model */
enum {
	V9P_MAPPED_UID,
	V9P_MAPPED_GID,
	V9P_MAPPED_MODE,
	V9P_MAPPED_RDEV,
};

bool v9p_mapped(const struct v9p_server *srv);
bool v9p_mapped_name(const char *name);
const char *v9p_mapped_acl_name(const char *name);
const char *v9p_mapped_guest_acl(const char *name);
bool v9p_mapped_supported(const struct path *root);
void v9p_mapped_stat(const struct path *path, struct kstat *st);
umode_t v9p_mapped_mode(const struct path *path);
int v9p_mapped_set(const struct path *path, unsigned int fields, u32 uid,
		   u32 gid, u32 mode, u64 rdev);
int v9p_mapped_change(const struct path *path, unsigned int fields, u32 uid,
		      u32 gid, u32 mode);

/* ops.c */
/*
 * Where requests of a type are served (v9p_op_flags()).  V9P_OP_BLOCKS:
 * it may block for long (data I/O, fsync, directory reads), so it goes to
 * the export's workqueue and does not hold the others; replies complete
 * out of order.  V9P_OP_NOWAIT: it is tried on the vhost worker first, and
 * goes to the workqueue only if it would sleep (v9p_request.nowait): a
 * Tread the page cache answers, a Tlopen or a Tsetattr that breaks no
 * lease.  Others are answered at once, on the worker.
 */
#define V9P_OP_BLOCKS	BIT(0)
#define V9P_OP_NOWAIT	BIT(1)

u8 v9p_op_flags(u8 type);
void v9p_serve(struct v9p_server *srv, struct v9p_request *req);
void v9p_reply_free(struct v9p_request *req);

/* vfs.c: what requests do to the host's files */
/**
 * struct v9p_setattr - what a Tsetattr changes
 * @valid: which of the rest (V9P_SETATTR_*)
 * @mode: the permission bits
 * @uid: the owner, as the guest numbers it
 * @gid: the group
 * @size: the size
 * @atime_sec: the access time given (V9P_SETATTR_ATIME_SET)
 * @atime_nsec: its nanoseconds, below NSEC_PER_SEC
 * @mtime_sec: the modification time given (V9P_SETATTR_MTIME_SET)
 * @mtime_nsec: its nanoseconds, below NSEC_PER_SEC
 */
struct v9p_setattr {
	u32 valid;
	u32 mode;
	u32 uid;
	u32 gid;
	u64 size;
	u64 atime_sec;
	u64 atime_nsec;
	u64 mtime_sec;
	u64 mtime_nsec;
};

struct file *v9p_vfs_open(struct v9p_server *srv, struct v9p_request *req,
			  const struct path *path, int flags);
int v9p_vfs_setattr(struct v9p_server *srv, struct v9p_request *req,
		    const struct path *path, const struct v9p_setattr *sa);
int v9p_vfs_write_drop_setid(struct v9p_server *srv, u32 uid, struct file *file);
struct file *v9p_vfs_lcreate(struct v9p_server *srv, struct v9p_request *req,
			     const struct path *dir, const struct v9p_str *name,
			     u32 uid, u32 gid, umode_t mode, int flags,
			     struct path *path, struct p9_qid *qid);
int v9p_vfs_mknod(struct v9p_server *srv, struct v9p_request *req,
		  const struct path *dir, const struct v9p_str *name, u32 uid,
		  u32 gid, umode_t mode, dev_t rdev, const char *target,
		  struct p9_qid *qid);
const char *v9p_vfs_get_link(struct v9p_server *srv, const struct path *path,
			     char **buf, struct delayed_call *done);
int v9p_vfs_unlink(struct v9p_server *srv, struct v9p_request *req,
		   const struct path *dir, const struct v9p_str *name, bool rmdir);
int v9p_vfs_remove(struct v9p_server *srv, const struct path *path);
int v9p_vfs_link(struct v9p_server *srv, struct v9p_request *req,
		 const struct path *dir, const struct v9p_str *name,
		 const struct path *target);
int v9p_vfs_rename(struct v9p_server *srv, struct v9p_request *req,
		   const struct path *olddir, const struct v9p_str *oldname,
		   const struct path *newdir, const struct v9p_str *newname);
int v9p_vfs_rename_path(struct v9p_server *srv, struct v9p_request *req,
			const struct path *path, const struct path *newdir,
			const struct v9p_str *newname);

/* xattr.c: extended attributes */
int v9p_xattr_check(struct v9p_server *srv, const struct v9p_str *name, u64 size);
ssize_t v9p_xattr_walk(struct v9p_server *srv, struct v9p_request *req,
		       struct v9p_fid *fid, u32 newfid_id, const struct v9p_str *name);
int v9p_xattr_create(struct v9p_server *srv, struct v9p_request *req,
		     struct v9p_fid *fid, const struct v9p_str *name, u64 size,
		     int flags);
int v9p_xattr_commit(struct v9p_fid *fid);

/* lock.c: POSIX locks */
/**
 * struct v9p_flock - a POSIX lock as Tlock and Tgetlock carry it
 * @type: F_RDLCK, F_WRLCK or F_UNLCK
 * @start: its first byte
 * @length: its length, 0 for up to the largest offset
 * @proc_id: the guest process that holds or asks for it
 */
struct v9p_flock {
	int type;
	u64 start;
	u64 length;
	u32 proc_id;
};

int v9p_lock_set(struct v9p_server *srv, struct v9p_fid *fid, struct file *file,
		 const struct v9p_flock *lk);
int v9p_lock_test(struct v9p_server *srv, struct file *file, struct v9p_flock *lk);
void v9p_release_locks(struct v9p_fid *fid);

/*
 * fault.c: fault points and held requests for the tests, and record.c: a
 * recorder of requests for the fuzzer's corpus, built only with
 * CONFIG_VHOST_9P_FAULT_INJECTION; without it they are no code at all.
 */
#ifdef CONFIG_VHOST_9P_FAULT_INJECTION
int v9p_fault(struct v9p_request *req);
void v9p_fault_end(const struct v9p_request *req);
void v9p_hold(struct vhost_9p *v9p, const struct v9p_request *req);
bool v9p_hold_armed(const struct v9p_request *req);
void v9p_unhold(struct vhost_9p *v9p);
void v9p_hold_allow(struct vhost_9p *v9p);
void v9p_fault_init(void);
void v9p_fault_exit(void);
void v9p_record(const u8 *msg, size_t len);
void v9p_record_init(struct dentry *dir);
void v9p_record_exit(void);
#else
static inline int v9p_fault(struct v9p_request *req) { return 0; }
static inline void v9p_fault_end(const struct v9p_request *req) {}
static inline void v9p_hold(struct vhost_9p *v9p, const struct v9p_request *req) {}
static inline bool v9p_hold_armed(const struct v9p_request *req) { return false; }
static inline void v9p_unhold(struct vhost_9p *v9p) {}
static inline void v9p_hold_allow(struct vhost_9p *v9p) {}
static inline void v9p_fault_init(void) {}
static inline void v9p_fault_exit(void) {}
static inline void v9p_record(const u8 *msg, size_t len) {}
#endif

#endif /* _DRIVERS_VHOST_9P_VHOST_9P_H */
