/*
 * vhost-9p: a virtio-9p device served by the host kernel (/dev/vhost-9p)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef QEMU_VHOST_9P_H
#define QEMU_VHOST_9P_H

#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/vhost.h"
#include "qom/object.h"

#define TYPE_VHOST_9P "vhost-9p-device"
OBJECT_DECLARE_SIMPLE_TYPE(VHost9P, VHOST_9P)

/* The Linux client puts at most 128 requests on the ring. */
#define VHOST_9P_QUEUE_SIZE 128

struct VHost9P {
    VirtIODevice parent_obj;

    /* Properties, with virtio-9p's names. */
    char *mount_tag;
    char *path;
    char *security_model;
    bool readonly;
    /* Ours: device nodes and set-ID bits on the host, off by default. */
    bool devices;
    bool setid;
    char *vhostfd;
    uint32_t max_fids;
    uint32_t max_msize;

    struct vhost_virtqueue vhost_vq;
    struct vhost_dev vhost_dev;
    VirtQueue *vq;
    int fd;
    Error *migration_blocker;
};

#endif
