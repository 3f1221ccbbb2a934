/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-9p: state shared by the transport, protocol and file-server parts.
 */
#ifndef _DRIVERS_VHOST_9P_VHOST_9P_H
#define _DRIVERS_VHOST_9P_VHOST_9P_H

#include <linux/virtio_9p.h>
#include <linux/vhost_9p.h>

#include "../vhost.h"

/*
 * What the device offers the VMM.  VHOST_F_LOG_ALL is left out on purpose:
 * replies are written into guest memory outside the dirty log, so a VMM must
 * block migration rather than log; VIRTIO_F_ACCESS_PLATFORM (vIOMMU) is not
 * supported yet.
 */
#define VHOST_9P_FEATURES ((1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) |		\
			   (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			   (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
			   (1ULL << VIRTIO_F_ANY_LAYOUT) |		\
			   (1ULL << VIRTIO_F_VERSION_1) |		\
			   (1ULL << VIRTIO_9P_MOUNT_TAG))

/**
 * struct vhost_9p - one /dev/vhost-9p instance, i.e. one virtio-9p device
 * @vqs: the array of virtqueue pointers that vhost_dev_init() wants
 * @dev: the vhost device; @dev.mutex serialises configuration ioctls
 * @vq: the request virtqueue (VHOST_9P_VQ_REQUEST)
 */
struct vhost_9p {
	struct vhost_virtqueue *vqs[VHOST_9P_VQ_MAX];
	struct vhost_dev dev;
	struct vhost_virtqueue vq;
};

#endif /* _DRIVERS_VHOST_9P_VHOST_9P_H */
