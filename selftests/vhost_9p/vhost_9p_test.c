// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_9p_test: the /dev/vhost-9p character device and the vhost core
 * ioctls it serves (owner, features, memory table, vring setup), driven
 * from userspace as a VMM would.  Runs as root in the first-level test
 * guest, with the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vhost_9p.h>

#include "kselftest_harness.h"
#include "hostutil.h"

#define DEV_PATH	"/dev/vhost-9p"
#define MISC_MAJOR	10
#define RING_NUM	256
#define GUEST_MEM_SIZE	(1UL << 20)

static const __u64 required_features =
	(1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_9P_MOUNT_TAG) |
	(1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_RING_F_EVENT_IDX);

FIXTURE(dev) {
	int fd;
	void *mem;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	self->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(dev)
{
	munmap(self->mem, GUEST_MEM_SIZE);
	close(self->fd);
}

/* A memory table of one region that maps guest address 0 to self->mem. */
static int set_mem_table(int fd, void *mem, __u32 padding)
{
	struct vhost_memory *table;
	int ret;

	table = calloc(1, sizeof(*table) + sizeof(table->regions[0]));
	if (!table)
		return -1;
	table->nregions = 1;
	table->padding = padding;
	table->regions[0].guest_phys_addr = 0;
	table->regions[0].memory_size = GUEST_MEM_SIZE;
	table->regions[0].userspace_addr = (uintptr_t)mem;
	ret = ioctl(fd, VHOST_SET_MEM_TABLE, table);
	free(table);
	return ret;
}

TEST(device_node_is_misc_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
	/* Only root may create vhost devices unless udev says otherwise. */
	EXPECT_EQ(0600, st.st_mode & 07777);
}

TEST(open_close_many)
{
	int i, fd;

	for (i = 0; i < 64; i++) {
		fd = open(DEV_PATH, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

TEST(ioctls_need_an_owner)
{
	__u64 features;
	int fd = open(DEV_PATH, O_RDWR);
	void *mem;

	ASSERT_LE(0, fd);
	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* Features can be read before SET_OWNER; the memory table cannot. */
	EXPECT_EQ(0, ioctl(fd, VHOST_GET_FEATURES, &features));
	EXPECT_EQ(-1, set_mem_table(fd, mem, 0));
	EXPECT_EQ(EPERM, errno);
	munmap(mem, GUEST_MEM_SIZE);
	close(fd);
}

TEST_F(dev, set_owner_twice_is_ebusy)
{
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_OWNER));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(dev, reset_owner_then_set_owner_again)
{
	ASSERT_EQ(0, set_mem_table(self->fd, self->mem, 0));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_RESET_OWNER));
	/* Without an owner, the memory table is refused again. */
	EXPECT_EQ(-1, set_mem_table(self->fd, self->mem, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	EXPECT_EQ(0, set_mem_table(self->fd, self->mem, 0));
}

TEST_F(dev, reset_owner_only_by_the_owner)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ioctl(self->fd, VHOST_RESET_OWNER) == 0)
			_exit(1);
		_exit(errno == EPERM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(dev, other_process_is_not_the_owner)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child has its own mm: it is not the owner. */
		if (set_mem_table(self->fd, self->mem, 0) == 0)
			_exit(1);
		_exit(errno == EPERM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(dev, features_offered)
{
	__u64 features;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_FEATURES, &features));
	TH_LOG("features 0x%llx", (unsigned long long)features);
	EXPECT_EQ(required_features, features & required_features);
	/* Replies bypass the dirty log: migration logging is not offered. */
	EXPECT_EQ(0, features & (1ULL << VHOST_F_LOG_ALL));
	EXPECT_EQ(0, features & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
}

TEST_F(dev, features_negotiated)
{
	__u64 offered, bad;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_FEATURES, &offered));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_FEATURES, &offered));
	offered &= ~(1ULL << VIRTIO_RING_F_EVENT_IDX);
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_FEATURES, &offered));

	bad = offered | (1ULL << VHOST_F_LOG_ALL);
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_FEATURES, &bad));
	EXPECT_EQ(EOPNOTSUPP, errno);
	bad = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_FEATURES, &bad));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(dev, backend_features_none)
{
	__u64 features = ~0ULL;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_BACKEND_FEATURES, &features));
	EXPECT_EQ(0, features);
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_BACKEND_FEATURES, &features));
	features = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_BACKEND_FEATURES, &features));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(dev, mem_table)
{
	EXPECT_EQ(0, set_mem_table(self->fd, self->mem, 0));
	/* The table can be replaced. */
	EXPECT_EQ(0, set_mem_table(self->fd, self->mem, 0));
	EXPECT_EQ(-1, set_mem_table(self->fd, self->mem, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(dev, vring_setup)
{
	struct vhost_vring_state num = { .index = VHOST_9P_VQ_REQUEST, .num = RING_NUM };
	struct vhost_vring_state base = { .index = VHOST_9P_VQ_REQUEST, .num = 7 };
	struct vhost_vring_addr addr = {
		.index = VHOST_9P_VQ_REQUEST,
		.desc_user_addr = (uintptr_t)self->mem,
		.avail_user_addr = (uintptr_t)self->mem + 0x4000,
		.used_user_addr = (uintptr_t)self->mem + 0x8000,
	};
	struct vhost_vring_file kick = { .index = VHOST_9P_VQ_REQUEST };
	struct vhost_vring_file call = { .index = VHOST_9P_VQ_REQUEST };
	__u64 features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_9P_MOUNT_TAG);

	ASSERT_EQ(0, set_mem_table(self->fd, self->mem, 0));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_FEATURES, &features));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_NUM, &num));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_ADDR, &addr));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_BASE, &base));

	kick.fd = eventfd(0, EFD_CLOEXEC);
	call.fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, kick.fd);
	ASSERT_LE(0, call.fd);
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_KICK, &kick));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_CALL, &call));
	/* A kick with no export served must be harmless. */
	EXPECT_EQ(8, write(kick.fd, &(__u64){ 1 }, 8));

	base.num = 0;
	EXPECT_EQ(0, ioctl(self->fd, VHOST_GET_VRING_BASE, &base));
	EXPECT_EQ(7, base.num);

	/* Detach the eventfds again. */
	kick.fd = -1;
	call.fd = -1;
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_KICK, &kick));
	EXPECT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_CALL, &call));
}

TEST_F(dev, vring_num_must_be_power_of_two)
{
	struct vhost_vring_state num = { .index = VHOST_9P_VQ_REQUEST, .num = 100 };

	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &num));
	EXPECT_EQ(EINVAL, errno);
	num.num = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &num));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, only_one_virtqueue)
{
	struct vhost_vring_state num = { .index = VHOST_9P_VQ_MAX, .num = RING_NUM };

	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &num));
	EXPECT_EQ(ENOBUFS, errno);
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	/* The vhost core reads a vring index first: give it a valid one. */
	struct vhost_vring_state arg = { .index = VHOST_9P_VQ_REQUEST };

	EXPECT_EQ(-1, ioctl(self->fd, _IOW(VHOST_VIRTIO, 0xff, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, module_unload_refused_while_open)
{
	/* An open device pins the module: delete_module must not wait. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vhost_9p", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
}

V9P_HARNESS_MAIN
