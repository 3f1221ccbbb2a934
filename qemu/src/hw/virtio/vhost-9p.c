/*
 * vhost-9p: a virtio-9p device served by the host kernel (/dev/vhost-9p)
 *
 * QEMU opens the export directory and hands it to the kernel, serves the
 * config space (the mount tag), and wires the queue to the kernel with
 * the generic vhost machinery: guest requests never reach QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-access.h"
#include "hw/virtio/virtio-bus.h"
#include "hw/virtio/vhost-9p.h"
#include "migration/blocker.h"
#include "migration/vmstate.h"
#include "monitor/monitor.h"
#include "standard-headers/linux/virtio_9p.h"
#include "standard-headers/linux/virtio_ids.h"
#include "linux/vhost_9p.h"

/* Features the kernel decides on; the others are QEMU's. */
static const int feature_bits[] = {
    VIRTIO_F_NOTIFY_ON_EMPTY,
    VIRTIO_RING_F_INDIRECT_DESC,
    VIRTIO_RING_F_EVENT_IDX,
    VIRTIO_F_ANY_LAYOUT,
    VIRTIO_F_VERSION_1,
    VIRTIO_F_IOMMU_PLATFORM,
    VIRTIO_F_RING_RESET,
    VIRTIO_9P_MOUNT_TAG,
    VHOST_INVALID_FEATURE_BIT
};

static uint64_t vhost_9p_get_features(VirtIODevice *vdev, uint64_t features,
                                      Error **errp)
{
    VHost9P *s = VHOST_9P(vdev);

    virtio_add_feature(&features, VIRTIO_9P_MOUNT_TAG);
    return vhost_get_features(&s->vhost_dev, feature_bits, features);
}

static void vhost_9p_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VHost9P *s = VHOST_9P(vdev);
    struct virtio_9p_config *cfg = (struct virtio_9p_config *)config;
    size_t len = strlen(s->mount_tag);

    virtio_stw_p(vdev, &cfg->tag_len, len);
    /* The tag goes without its NUL. */
    memcpy(cfg->tag, s->mount_tag, len);
}

static int vhost_9p_set_running(VHost9P *s, int start)
{
    if (ioctl(s->fd, VHOST_9P_SET_RUNNING, &start) < 0) {
        return -errno;
    }
    return 0;
}

static int vhost_9p_start(VirtIODevice *vdev)
{
    VHost9P *s = VHOST_9P(vdev);
    BusState *qbus = BUS(qdev_get_parent_bus(DEVICE(vdev)));
    VirtioBusClass *k = VIRTIO_BUS_GET_CLASS(qbus);
    int ret;

    if (!k->set_guest_notifiers) {
        error_report("vhost-9p: the transport has no guest notifiers");
        return -ENOSYS;
    }
    ret = vhost_dev_enable_notifiers(&s->vhost_dev, vdev);
    if (ret < 0) {
        error_report("vhost-9p: cannot enable host notifiers: %s",
                     strerror(-ret));
        return ret;
    }
    ret = k->set_guest_notifiers(qbus->parent, s->vhost_dev.nvqs, true);
    if (ret < 0) {
        error_report("vhost-9p: cannot bind guest notifiers: %s",
                     strerror(-ret));
        goto err_host_notifiers;
    }
    s->vhost_dev.acked_features = vdev->guest_features;
    ret = vhost_dev_start(&s->vhost_dev, vdev, true);
    if (ret < 0) {
        error_report("vhost-9p: cannot start vhost: %s", strerror(-ret));
        goto err_guest_notifiers;
    }
    /* Interrupts go straight from the kernel to the guest (irqfd). */
    vhost_virtqueue_mask(&s->vhost_dev, vdev, 0, false);
    ret = vhost_9p_set_running(s, 1);
    if (ret < 0) {
        error_report("vhost-9p: cannot start serving '%s': %s", s->mount_tag,
                     strerror(-ret));
        goto err_vhost;
    }
    return 0;

err_vhost:
    vhost_dev_stop(&s->vhost_dev, vdev, true);
err_guest_notifiers:
    k->set_guest_notifiers(qbus->parent, s->vhost_dev.nvqs, false);
err_host_notifiers:
    vhost_dev_disable_notifiers(&s->vhost_dev, vdev);
    return ret;
}

static void vhost_9p_stop(VirtIODevice *vdev)
{
    VHost9P *s = VHOST_9P(vdev);
    BusState *qbus = BUS(qdev_get_parent_bus(DEVICE(vdev)));
    VirtioBusClass *k = VIRTIO_BUS_GET_CLASS(qbus);
    int ret;

    /* The kernel answers what it took off the ring before it stops. */
    ret = vhost_9p_set_running(s, 0);
    if (ret < 0) {
        error_report("vhost-9p: cannot stop serving '%s': %s", s->mount_tag,
                     strerror(-ret));
    }
    vhost_dev_stop(&s->vhost_dev, vdev, true);
    if (k->set_guest_notifiers(qbus->parent, s->vhost_dev.nvqs, false) < 0) {
        error_report("vhost-9p: cannot unbind guest notifiers");
        return;
    }
    vhost_dev_disable_notifiers(&s->vhost_dev, vdev);
}

static void vhost_9p_set_status(VirtIODevice *vdev, uint8_t status)
{
    VHost9P *s = VHOST_9P(vdev);
    bool should_start = virtio_device_should_start(vdev, status);

    if (vhost_dev_is_started(&s->vhost_dev) == should_start) {
        return;
    }
    if (should_start) {
        vhost_9p_start(vdev);
    } else {
        vhost_9p_stop(vdev);
    }
}

static void vhost_9p_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    /* The kernel serves the queue: QEMU never sees a request. */
}

static void vhost_9p_guest_notifier_mask(VirtIODevice *vdev, int idx, bool mask)
{
    VHost9P *s = VHOST_9P(vdev);

    /* The config space never changes: no config interrupt to mask. */
    if (idx == VIRTIO_CONFIG_IRQ_IDX) {
        return;
    }
    vhost_virtqueue_mask(&s->vhost_dev, vdev, idx, mask);
}

static bool vhost_9p_guest_notifier_pending(VirtIODevice *vdev, int idx)
{
    VHost9P *s = VHOST_9P(vdev);

    if (idx == VIRTIO_CONFIG_IRQ_IDX) {
        return false;
    }
    return vhost_virtqueue_pending(&s->vhost_dev, idx);
}

static int vhost_9p_security_model(const char *name, Error **errp)
{
    if (!name || !strcmp(name, "none")) {
        return VHOST_9P_SECURITY_NONE;
    }
    if (!strcmp(name, "passthrough")) {
        return VHOST_9P_SECURITY_PASSTHROUGH;
    }
    if (!strcmp(name, "mapped-xattr") || !strcmp(name, "mapped")) {
        return VHOST_9P_SECURITY_MAPPED_XATTR;
    }
    error_setg(errp, "vhost-9p: security_model=%s is not one of passthrough, "
               "mapped-xattr or none", name);
    return -1;
}

static int vhost_9p_open_device(VHost9P *s, Error **errp)
{
    int fd;

    if (s->vhostfd) {
        fd = monitor_fd_param(monitor_cur(), s->vhostfd, errp);
        if (fd == -1) {
            error_prepend(errp, "vhost-9p: vhostfd=%s: ", s->vhostfd);
        }
        return fd;
    }
    fd = qemu_open_old("/dev/vhost-9p", O_RDWR);
    if (fd >= 0) {
        return fd;
    }
    switch (errno) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
        error_setg_errno(errp, errno, "vhost-9p: cannot open /dev/vhost-9p: "
                         "load the module with 'modprobe vhost_9p'");
        break;
    case EACCES:
    case EPERM:
        error_setg_errno(errp, errno, "vhost-9p: cannot open /dev/vhost-9p: "
                         "give QEMU's user access to it, or pass an open one "
                         "with vhostfd=");
        break;
    default:
        error_setg_errno(errp, errno, "vhost-9p: cannot open /dev/vhost-9p");
    }
    return -1;
}

static int vhost_9p_set_export(VHost9P *s, int model, Error **errp)
{
    struct vhost_9p_export exp = {
        .flags = (s->readonly ? VHOST_9P_EXPORT_READONLY : 0) |
                 (s->devices ? VHOST_9P_EXPORT_DEVICES : 0) |
                 (s->setid ? VHOST_9P_EXPORT_SETID : 0),
        .security_model = model,
        .max_fids = s->max_fids,
        .max_msize = s->max_msize,
    };
    int ret = 0;

    exp.dirfd = qemu_open_old(s->path, O_PATH | O_DIRECTORY);
    if (exp.dirfd < 0) {
        error_setg_errno(errp, errno, "vhost-9p: cannot export path=%s",
                         s->path);
        return -1;
    }
    pstrcpy(exp.tag, sizeof(exp.tag), s->mount_tag);
    if (ioctl(s->fd, VHOST_9P_SET_EXPORT, &exp) < 0) {
        ret = -1;
        if (errno == EPERM && model == VHOST_9P_SECURITY_PASSTHROUGH) {
            error_setg(errp, "vhost-9p: security_model=passthrough needs "
                       "CAP_CHOWN: run QEMU as root, or use "
                       "security_model=mapped-xattr");
        } else if (errno == EOPNOTSUPP &&
                   model == VHOST_9P_SECURITY_MAPPED_XATTR) {
            error_setg(errp, "vhost-9p: the file system of path=%s has no "
                       "user.* xattrs, which security_model=mapped-xattr "
                       "needs: share a directory on ext4, xfs or btrfs, or "
                       "use security_model=none", s->path);
        } else {
            error_setg_errno(errp, errno, "vhost-9p: cannot export path=%s",
                             s->path);
        }
    }
    close(exp.dirfd);
    return ret;
}

static void vhost_9p_device_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VHost9P *s = VHOST_9P(dev);
    int model, ret;

    if (!s->mount_tag || !*s->mount_tag) {
        error_setg(errp, "vhost-9p: mount_tag is required: the name the guest "
                   "mounts, as in 'mount -t 9p TAG /mnt'");
        return;
    }
    if (strlen(s->mount_tag) >= VHOST_9P_TAG_MAX) {
        error_setg(errp, "vhost-9p: mount_tag is longer than %d bytes",
                   VHOST_9P_TAG_MAX - 1);
        return;
    }
    if (!s->path) {
        error_setg(errp, "vhost-9p: path is required: the host directory "
                   "to share");
        return;
    }
    if (s->max_msize && (s->max_msize < VHOST_9P_MIN_MSIZE ||
                         s->max_msize > VHOST_9P_MAX_MSIZE)) {
        error_setg(errp, "vhost-9p: max_msize=%" PRIu32 " is out of range: "
                   "give %d to %d bytes, or leave it out for %d",
                   s->max_msize, VHOST_9P_MIN_MSIZE, VHOST_9P_MAX_MSIZE,
                   VHOST_9P_DEFAULT_MAX_MSIZE);
        return;
    }
    model = vhost_9p_security_model(s->security_model, errp);
    if (model < 0) {
        return;
    }

    s->fd = vhost_9p_open_device(s, errp);
    if (s->fd < 0) {
        return;
    }
    if (!g_unix_set_fd_nonblocking(s->fd, true, NULL)) {
        error_setg_errno(errp, errno,
                         "vhost-9p: cannot make the fd non-blocking");
        close(s->fd);
        return;
    }

    virtio_init(vdev, VIRTIO_ID_9P,
                sizeof(struct virtio_9p_config) + strlen(s->mount_tag));
    s->vq = virtio_add_queue(vdev, VHOST_9P_QUEUE_SIZE, vhost_9p_handle_output);
    s->vhost_dev.nvqs = 1;
    s->vhost_dev.vqs = &s->vhost_vq;
    ret = vhost_dev_init(&s->vhost_dev, (void *)(uintptr_t)s->fd,
                         VHOST_BACKEND_TYPE_KERNEL, 0, errp);
    if (ret < 0) {
        /* vhost_dev_init() closed the fd. */
        goto err_virtio;
    }
    if (vhost_9p_set_export(s, model, errp) < 0) {
        goto err_vhost;
    }

    error_setg(&s->migration_blocker, "vhost-9p (mount_tag=%s) does not "
               "support migration: the guest's open files are held by the "
               "host kernel", s->mount_tag);
    /* On failure it frees the blocker and clears the pointer. */
    if (migrate_add_blocker(&s->migration_blocker, errp) < 0) {
        goto err_vhost;
    }
    return;

err_vhost:
    vhost_dev_cleanup(&s->vhost_dev);
err_virtio:
    virtio_delete_queue(s->vq);
    virtio_cleanup(vdev);
}

static void vhost_9p_device_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VHost9P *s = VHOST_9P(dev);

    vhost_9p_set_status(vdev, 0);
    if (s->migration_blocker) {
        migrate_del_blocker(&s->migration_blocker);
    }
    vhost_dev_cleanup(&s->vhost_dev);
    virtio_delete_queue(s->vq);
    virtio_cleanup(vdev);
}

static const VMStateDescription vmstate_vhost_9p = {
    .name = "vhost-9p",
    .unmigratable = 1,
};

static const Property vhost_9p_properties[] = {
    DEFINE_PROP_STRING("mount_tag", VHost9P, mount_tag),
    DEFINE_PROP_STRING("path", VHost9P, path),
    DEFINE_PROP_STRING("security_model", VHost9P, security_model),
    DEFINE_PROP_BOOL("readonly", VHost9P, readonly, false),
    /* Off as on a nodev, nosuid mount: see vhost_9p.h. */
    DEFINE_PROP_BOOL("devices", VHost9P, devices, false),
    DEFINE_PROP_BOOL("setid", VHost9P, setid, false),
    DEFINE_PROP_STRING("vhostfd", VHost9P, vhostfd),
    DEFINE_PROP_UINT32("max_fids", VHost9P, max_fids, 0),
    DEFINE_PROP_UINT32("max_msize", VHost9P, max_msize, 0),
};

static void vhost_9p_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, vhost_9p_properties);
    dc->vmsd = &vmstate_vhost_9p;
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    vdc->realize = vhost_9p_device_realize;
    vdc->unrealize = vhost_9p_device_unrealize;
    vdc->get_features = vhost_9p_get_features;
    vdc->get_config = vhost_9p_get_config;
    vdc->set_status = vhost_9p_set_status;
    vdc->guest_notifier_mask = vhost_9p_guest_notifier_mask;
    vdc->guest_notifier_pending = vhost_9p_guest_notifier_pending;
}

static const TypeInfo vhost_9p_info = {
    .name = TYPE_VHOST_9P,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VHost9P),
    .class_init = vhost_9p_class_init,
};

static void vhost_9p_register_types(void)
{
    type_register_static(&vhost_9p_info);
}

type_init(vhost_9p_register_types)
