// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p transport: the /dev/vhost-9p character device and its glue to the
 * vhost core.  The vhost core owns the rings, the memory table, the kick and
 * call eventfds and the worker; this file only routes ioctls to it and keeps
 * the device's own features.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/vhost_9p.h>

#include "vhost_9p.h"

/*
 * A fixed misc minor, so that kmod's static nodes create /dev/vhost-9p at
 * boot and the first open loads the module (as /dev/vhost-vsock does).  If a
 * kernel has given this minor to another driver, fall back to a dynamic one.
 */
#define VHOST_9P_MINOR		246

/* Requests served and bytes moved before the worker yields to other work. */
#define VHOST_9P_PKT_WEIGHT	256
#define VHOST_9P_BYTE_WEIGHT	0x80000

static void vhost_9p_handle_kick(struct vhost_work *work)
{
	/*
	 * No export can be set yet, so there is no backend: requests stay on
	 * the ring, where the guest's 9p client waits for them.
	 */
}

static int vhost_9p_open(struct inode *inode, struct file *file)
{
	struct vhost_9p *v9p;

	v9p = kzalloc(sizeof(*v9p), GFP_KERNEL_ACCOUNT);
	if (!v9p)
		return -ENOMEM;

	v9p->vqs[VHOST_9P_VQ_REQUEST] = &v9p->vq;
	v9p->vq.handle_kick = vhost_9p_handle_kick;
	vhost_dev_init(&v9p->dev, v9p->vqs, ARRAY_SIZE(v9p->vqs), UIO_MAXIOV,
		       VHOST_9P_PKT_WEIGHT, VHOST_9P_BYTE_WEIGHT, true, NULL);

	file->private_data = v9p;
	return 0;
}

static void vhost_9p_stop(struct vhost_9p *v9p)
{
	mutex_lock(&v9p->vq.mutex);
	vhost_vq_set_backend(&v9p->vq, NULL);
	mutex_unlock(&v9p->vq.mutex);
}

static int vhost_9p_release(struct inode *inode, struct file *file)
{
	struct vhost_9p *v9p = file->private_data;

	vhost_9p_stop(v9p);
	vhost_dev_flush(&v9p->dev);
	vhost_dev_stop(&v9p->dev);
	vhost_dev_cleanup(&v9p->dev);
	kfree(v9p);
	return 0;
}

/* Give the device up, as on close, so that another process may own it. */
static long vhost_9p_reset_owner(struct vhost_9p *v9p)
{
	struct vhost_iotlb *umem;
	long ret;

	mutex_lock(&v9p->dev.mutex);
	ret = vhost_dev_check_owner(&v9p->dev);
	if (ret)
		goto out;
	umem = vhost_dev_reset_owner_prepare();
	if (!umem) {
		ret = -ENOMEM;
		goto out;
	}
	vhost_9p_stop(v9p);
	vhost_dev_flush(&v9p->dev);
	vhost_dev_stop(&v9p->dev);
	vhost_dev_reset_owner(&v9p->dev, umem);
out:
	mutex_unlock(&v9p->dev.mutex);
	return ret;
}

static int vhost_9p_set_features(struct vhost_9p *v9p, u64 features)
{
	if (features & ~VHOST_9P_FEATURES)
		return -EOPNOTSUPP;

	mutex_lock(&v9p->dev.mutex);
	mutex_lock(&v9p->vq.mutex);
	v9p->vq.acked_features = features;
	mutex_unlock(&v9p->vq.mutex);
	mutex_unlock(&v9p->dev.mutex);
	return 0;
}

static long vhost_9p_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct vhost_9p *v9p = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 features;
	long ret;

	switch (ioctl) {
	case VHOST_GET_FEATURES:
		features = VHOST_9P_FEATURES;
		if (copy_to_user(argp, &features, sizeof(features)))
			return -EFAULT;
		return 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, argp, sizeof(features)))
			return -EFAULT;
		return vhost_9p_set_features(v9p, features);
	case VHOST_GET_BACKEND_FEATURES:
		features = 0;
		if (copy_to_user(argp, &features, sizeof(features)))
			return -EFAULT;
		return 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, argp, sizeof(features)))
			return -EFAULT;
		return features ? -EOPNOTSUPP : 0;
	case VHOST_RESET_OWNER:
		return vhost_9p_reset_owner(v9p);
	default:
		mutex_lock(&v9p->dev.mutex);
		ret = vhost_dev_ioctl(&v9p->dev, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = vhost_vring_ioctl(&v9p->dev, ioctl, argp);
		else
			vhost_dev_flush(&v9p->dev);
		mutex_unlock(&v9p->dev.mutex);
		return ret;
	}
}

static const struct file_operations vhost_9p_fops = {
	.owner		= THIS_MODULE,
	.open		= vhost_9p_open,
	.release	= vhost_9p_release,
	.llseek		= noop_llseek,
	.unlocked_ioctl	= vhost_9p_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice vhost_9p_misc = {
	.minor	= VHOST_9P_MINOR,
	.name	= "vhost-9p",
	.fops	= &vhost_9p_fops,
	.mode	= 0600,
};

static int __init vhost_9p_init(void)
{
	int ret;

	ret = misc_register(&vhost_9p_misc);
	if (ret != -EBUSY)
		return ret;

	pr_warn("misc minor %d is taken: using a dynamic minor, so opening /dev/vhost-9p will not load the module; load it with 'modprobe vhost_9p' at boot\n",
		VHOST_9P_MINOR);
	vhost_9p_misc.minor = MISC_DYNAMIC_MINOR;
	return misc_register(&vhost_9p_misc);
}
module_init(vhost_9p_init);

static void __exit vhost_9p_exit(void)
{
	misc_deregister(&vhost_9p_misc);
}
module_exit(vhost_9p_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-9p: virtio-9p (9P2000.L) file server in the host kernel");
MODULE_ALIAS_MISCDEV(VHOST_9P_MINOR);
MODULE_ALIAS("devname:vhost-9p");
