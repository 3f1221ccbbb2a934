/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-9p: a virtio-9p (9P2000.L) server in the host kernel.
 *
 * A VMM opens /dev/vhost-9p, drives it with the generic vhost ioctls of
 * <linux/vhost.h> (VHOST_SET_OWNER, VHOST_GET_FEATURES/VHOST_SET_FEATURES,
 * VHOST_SET_MEM_TABLE, VHOST_SET_VRING_*), and serves the virtio-9p config
 * space (the mount tag) itself.
 */
#ifndef _UAPI_LINUX_VHOST_9P_H
#define _UAPI_LINUX_VHOST_9P_H

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

#endif /* _UAPI_LINUX_VHOST_9P_H */
