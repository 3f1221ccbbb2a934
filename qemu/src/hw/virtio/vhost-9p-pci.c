/*
 * vhost-9p-pci: the vhost-9p device on virtio-pci
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/vhost-9p.h"
#include "qemu/module.h"
#include "qom/object.h"

typedef struct VHost9PPCI VHost9PPCI;

#define TYPE_VHOST_9P_PCI "vhost-9p-pci-base"
DECLARE_INSTANCE_CHECKER(VHost9PPCI, VHOST_9P_PCI, TYPE_VHOST_9P_PCI)

struct VHost9PPCI {
    VirtIOPCIProxy parent_obj;
    VHost9P vdev;
};

static const Property vhost_9p_pci_properties[] = {
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 2),
};

static void vhost_9p_pci_realize(VirtIOPCIProxy *vpci_dev, Error **errp)
{
    VHost9PPCI *dev = VHOST_9P_PCI(vpci_dev);
    DeviceState *vdev = DEVICE(&dev->vdev);

    qdev_realize(vdev, BUS(&vpci_dev->bus), errp);
}

static void vhost_9p_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);

    k->realize = vhost_9p_pci_realize;
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    device_class_set_props(dc, vhost_9p_pci_properties);
    /* The guest sees a virtio-9p device: its unmodified driver binds. */
    pcidev_k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pcidev_k->device_id = PCI_DEVICE_ID_VIRTIO_9P;
    pcidev_k->revision = VIRTIO_PCI_ABI_VERSION;
    pcidev_k->class_id = PCI_CLASS_STORAGE_OTHER;
}

static void vhost_9p_pci_instance_init(Object *obj)
{
    VHost9PPCI *dev = VHOST_9P_PCI(obj);

    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VHOST_9P);
}

static const VirtioPCIDeviceTypeInfo vhost_9p_pci_info = {
    .base_name = TYPE_VHOST_9P_PCI,
    .generic_name = "vhost-9p-pci",
    .non_transitional_name = "vhost-9p-pci-non-transitional",
    .instance_size = sizeof(VHost9PPCI),
    .instance_init = vhost_9p_pci_instance_init,
    .class_init = vhost_9p_pci_class_init,
};

static void vhost_9p_pci_register(void)
{
    virtio_pci_types_register(&vhost_9p_pci_info);
}

type_init(vhost_9p_pci_register)
