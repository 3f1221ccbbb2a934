/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-9p: a virtio-9p (9P2000.L) server in the host kernel.
 *
 * A VMM opens /dev/vhost-9p, drives it with the generic vhost ioctls of
 * <linux/vhost.h> (VHOST_SET_OWNER, VHOST_GET_FEATURES/VHOST_SET_FEATURES,
 * VHOST_SET_MEM_TABLE, VHOST_SET_VRING_*), serves the virtio-9p config
 * space (the mount tag) itself, and uses the ioctls below to say what to
 * export and to start serving.
 */
#ifndef _UAPI_LINUX_VHOST_9P_H
#define _UAPI_LINUX_VHOST_9P_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vhost.h>

/**
 * DOC: virtqueues
 *
 * A virtio-9p device has exactly one virtqueue: the guest places each
 * T-message in driver-readable descriptors followed by driver-writable
 * descriptors that receive the R-message.  Any other vring index passed to a
 * VHOST_*_VRING_* ioctl fails with ENOBUFS.
 */
#define VHOST_9P_VQ_REQUEST	0
#define VHOST_9P_VQ_MAX		1

/* struct vhost_9p_export.flags */
/* Refuse every modification with EROFS. */
#define VHOST_9P_EXPORT_READONLY	(1U << 0)
/*
 * Let walks enter file systems mounted below the export root (without it, a
 * walk onto a mount point fails with EXDEV).  Kernel interfaces such as
 * procfs and sysfs are never entered.
 */
#define VHOST_9P_EXPORT_CROSS_MOUNTS	(1U << 1)
/*
 * Let the guest make character and block device nodes on the host (none
 * and passthrough models).  Without it, Tmknod of one fails with EPERM, as
 * on a nodev mount: with a root VMM, a guest could otherwise make a node
 * of the host's disk that host users can open.
 */
#define VHOST_9P_EXPORT_DEVICES		(1U << 2)
/*
 * Let the guest set the set-user-ID bit, and set-group-ID on anything
 * group-executable but a directory (none and passthrough models).  Without
 * it, a create or Tsetattr asking for them fails with EPERM: with a root
 * VMM, a guest could otherwise leave a set-user-ID-root program for host
 * users.
 */
#define VHOST_9P_EXPORT_SETID		(1U << 3)
#define VHOST_9P_EXPORT_FLAGS		(VHOST_9P_EXPORT_READONLY | \
					 VHOST_9P_EXPORT_CROSS_MOUNTS | \
					 VHOST_9P_EXPORT_DEVICES | \
					 VHOST_9P_EXPORT_SETID)

/*
 * struct vhost_9p_export.security_model: how guest ownership and modes map
 * to host files, with QEMU's names and meanings.
 */
/* Passthrough, ignoring failures to set ownership (QEMU's "none"). */
#define VHOST_9P_SECURITY_NONE		0
/* Guest ownership and modes applied to host files; needs CAP_CHOWN. */
#define VHOST_9P_SECURITY_PASSTHROUGH	1
/* Guest ownership and modes kept in user.virtfs.* xattrs. */
#define VHOST_9P_SECURITY_MAPPED_XATTR	2

#define VHOST_9P_TAG_MAX		256
#define VHOST_9P_DEFAULT_MAX_FIDS	131072
#define VHOST_9P_DEFAULT_MAX_MSIZE	(512 * 1024)
#define VHOST_9P_MIN_MSIZE		4096
#define VHOST_9P_MAX_MSIZE		(16 * 1024 * 1024)

/**
 * struct vhost_9p_export - what a device serves (VHOST_9P_SET_EXPORT)
 * @dirfd: a file descriptor of the directory to export, opened by the
 *	VMM (O_PATH is enough); the device keeps its own reference
 * @flags: VHOST_9P_EXPORT_*
 * @security_model: VHOST_9P_SECURITY_*
 * @max_fids: most fids the guest may hold at once; 0 for
 *	VHOST_9P_DEFAULT_MAX_FIDS
 * @max_msize: largest msize offered in Rversion, between VHOST_9P_MIN_MSIZE
 *	and VHOST_9P_MAX_MSIZE; 0 for VHOST_9P_DEFAULT_MAX_MSIZE
 * @reserved: must be zero
 * @tag: the mount tag, NUL-terminated, for status and messages only (the
 *	guest reads it from the config space the VMM serves)
 *
 * Every file operation runs with the credentials of the process that set
 * the export, captured by this ioctl.  The export can be changed only while
 * the device is not running.
 */
struct vhost_9p_export {
	__s32 dirfd;
	__u32 flags;
	__u32 security_model;
	__u32 max_fids;
	__u32 max_msize;
	__u32 reserved[3];
	char tag[VHOST_9P_TAG_MAX];
};

#define VHOST_9P_MSG_TYPES	128
#define VHOST_9P_LATENCY_BUCKETS	24

/**
 * struct vhost_9p_stats - counters of a device (VHOST_9P_GET_STATS)
 * @size: set by the caller to sizeof(struct vhost_9p_stats) as it knows
 *	it; the kernel fills at most that many bytes and sets @size to what
 *	it filled, so old and new binaries work with old and new kernels
 * @fids: fids the guest holds now
 * @requests: requests answered
 * @errors: requests answered with Rlerror
 * @bad_requests: requests that could not be parsed (answered with
 *	Rlerror EPROTO when a reply was possible, else dropped)
 * @read_bytes: data bytes returned by Tread
 * @write_bytes: data bytes accepted by Twrite
 * @msize: the msize negotiated by the last Tversion, 0 before
 * @max_fids: the export's fid limit
 * @msg_count: requests answered, indexed by T-message type
 * @msg_time_ns: server time of those requests, summed, in nanoseconds,
 *	indexed by T-message type; a request's server time runs from
 *	taking it off the ring to putting its reply on the used ring
 * @latency_hist: requests by server time: [0] counts those under 1
 *	microsecond, [i] those from 2^(i-1) to under 2^i microseconds, the
 *	last all longer ones
 * @poll_hits: times the worker, polling the empty ring after a batch,
 *	found a new request there (which then needed no kick)
 * @poll_misses: times it polled the whole window in vain, then slept
 * @poll_ns: time spent polling, in nanoseconds
 * @poll_window_ns: the polling window now (adapts between 0 and the
 *	VHOST_SET_VRING_BUSYLOOP_TIMEOUT limit)
 */
struct vhost_9p_stats {
	__u32 size;
	__u32 fids;
	__u64 requests;
	__u64 errors;
	__u64 bad_requests;
	__u64 read_bytes;
	__u64 write_bytes;
	__u32 msize;
	__u32 max_fids;
	__u64 msg_count[VHOST_9P_MSG_TYPES];
	__u64 msg_time_ns[VHOST_9P_MSG_TYPES];
	__u64 latency_hist[VHOST_9P_LATENCY_BUCKETS];
	__u64 poll_hits;
	__u64 poll_misses;
	__u64 poll_ns;
	__u64 poll_window_ns;
};

/*
 * ioctl numbers: 0xA0.. in the VHOST_VIRTIO space, where mainline's
 * vhost.h has nothing.
 */
/* Set the export: struct vhost_9p_export. */
#define VHOST_9P_SET_EXPORT	_IOW(VHOST_VIRTIO, 0xA0, struct vhost_9p_export)
/* Start (1) or stop (0) serving the request queue: int. */
#define VHOST_9P_SET_RUNNING	_IOW(VHOST_VIRTIO, 0xA1, int)
/* Read the counters: struct vhost_9p_stats. */
#define VHOST_9P_GET_STATS	_IOWR(VHOST_VIRTIO, 0xA2, struct vhost_9p_stats)

#endif /* _UAPI_LINUX_VHOST_9P_H */
