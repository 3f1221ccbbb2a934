// SPDX-License-Identifier: GPL-2.0
/*
 * vhost9p-ctl: control tool for vhost-9p, the in-kernel virtio-9p server.
 *
 *   vhost9p-ctl info    what /dev/vhost-9p is and which features it offers
 *   vhost9p-ctl attach  serve a directory to a running KVM VM, as its
 *                       virtio-9p device's backend (attach.c)
 *   vhost9p-ctl status  the devices open on this host (status.c)
 *   vhost9p-ctl stats   one device's counters and server times
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vhost_9p.h>

#include "vhost9p-ctl.h"

static const struct {
	unsigned int bit;
	const char *name;
} feature_names[] = {
	{ VIRTIO_9P_MOUNT_TAG, "VIRTIO_9P_MOUNT_TAG" },
	{ VIRTIO_F_NOTIFY_ON_EMPTY, "VIRTIO_F_NOTIFY_ON_EMPTY" },
	{ VIRTIO_F_ANY_LAYOUT, "VIRTIO_F_ANY_LAYOUT" },
	{ VIRTIO_RING_F_INDIRECT_DESC, "VIRTIO_RING_F_INDIRECT_DESC" },
	{ VIRTIO_RING_F_EVENT_IDX, "VIRTIO_RING_F_EVENT_IDX" },
	{ VHOST_F_LOG_ALL, "VHOST_F_LOG_ALL" },
	{ VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1" },
	{ VIRTIO_F_ACCESS_PLATFORM, "VIRTIO_F_ACCESS_PLATFORM" },
};

/* The commands; with @full, the options of each too. */
static void print_help(FILE *out, int full)
{
	fprintf(out,
		"usage: vhost9p-ctl COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  info      show " DEV_PATH " and the virtio features it offers\n"
		"  attach    serve a directory to a running KVM VM\n"
		"  status    list the devices open on this host: process, tag, path, fids\n"
		"  stats     one device's counters, per-message counts and server times\n"
		"  help      this text, with every option\n");
	if (full) {
		fputc('\n', out);
		attach_help(out);
	}
}

/* What to do about an open of the device failing with @err, or NULL. */
const char *device_fix(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "the module is not loaded: run 'modprobe vhost_9p'";
	case EACCES:
	case EPERM:
		return "run as root, or grant access with a udev rule (see the admin guide)";
	}
	return NULL;
}

/**
 * fd_not_eventfd() - whether /proc says @fd is something other than an eventfd
 * @fd: a descriptor of this process
 * @what: set to what it is instead
 * @len: the size of @what
 *
 * vhost takes only eventfds for a queue's kick and call; without /proc
 * nothing is known here, and vhost refuses the descriptor itself.
 *
 * Return: true, with @what set, when @fd is known not to be an eventfd.
 */
bool fd_not_eventfd(int fd, char *what, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, what, len - 1);
	if (n <= 0)
		return false;
	what[n] = '\0';
	return strcmp(what, "anon_inode:[eventfd]");
}

/* Open the device, or say what to do about it. */
int open_device(void)
{
	int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	const char *fix;

	if (fd >= 0)
		return fd;
	fix = device_fix(errno);
	fprintf(stderr, "vhost9p-ctl: %s: %s%s%s\n", DEV_PATH, strerror(errno),
		fix ? "; " : "", fix ? fix : "");
	return -1;
}

static int cmd_info(void)
{
	__u64 features, backend;
	struct stat st;
	unsigned int i;
	int fd;

	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;
	if (fstat(fd, &st) || ioctl(fd, VHOST_GET_FEATURES, &features) ||
	    ioctl(fd, VHOST_GET_BACKEND_FEATURES, &backend)) {
		fprintf(stderr, "vhost9p-ctl: %s: %s\n", DEV_PATH, strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	close(fd);

	printf("device:           %s (char %u:%u)\n", DEV_PATH,
	       major(st.st_rdev), minor(st.st_rdev));
	printf("virtqueues:       %d (requests)\n", VHOST_9P_VQ_MAX);
	printf("features:         0x%016llx\n", (unsigned long long)features);
	for (i = 0; i < ARRAY_SIZE(feature_names); i++)
		printf("  %-28s %s\n", feature_names[i].name,
		       features & (1ULL << feature_names[i].bit) ? "offered" : "-");
	printf("backend features: 0x%016llx\n", (unsigned long long)backend);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "stats"))
		return cmd_counters(argc - 1, argv + 1);
	if (argc != 2) {
		print_help(stderr, 0);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		print_help(stdout, 1);
		return 0;
	}
	fprintf(stderr, "vhost9p-ctl: unknown command '%s'\n", argv[1]);
	print_help(stderr, 0);
	return EXIT_USAGE;
}
