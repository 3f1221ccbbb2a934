# The devices make qemu builds (qemu/build.sh: --without-default-devices):
# the pc machine, virtio over PCI, and the file-sharing devices the suite
# and the benchmark compare.  Anything else QEMU can do is left out, which
# halves the build.
CONFIG_I440FX=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_9P=y
CONFIG_VHOST_USER_FS=y
CONFIG_VHOST_9P=y
