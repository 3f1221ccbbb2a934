// SPDX-License-Identifier: GPL-2.0
/*
 * vhost9p-ctl attach --socket: a vhost-user backend in front of
 * /dev/vhost-9p, so that an unmodified VMM (QEMU's vhost-user-device-pci,
 * or any other vhost-user frontend) gives its guest a virtio-9p device
 * served in the host kernel.
 *
 * The frontend already registers each queue's kick eventfd with KVM as an
 * ioeventfd and its call eventfd as an irqfd; it hands both over with the
 * files behind guest memory.  This process maps that memory, translates
 * the ring addresses from the frontend's address space into its own and
 * gives the device the eventfds as they are: no request or reply ever
 * passes through it.  vhost reaches guest memory through the owner's
 * address space, this process's mappings, so it lives as long as the
 * device.
 *
 * One frontend at a time: when it goes away (quits, dies, or breaks the
 * protocol), the device is stopped and reset, its 9P session ends, the
 * memory is unmapped and the next connection is accepted, which is how a
 * VMM reconnects.  The messages are those of QEMU's
 * docs/interop/vhost-user.rst that a one-queue device needs; anything else
 * is refused.  Every refusal says what to change on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_9p.h>
#include <linux/vhost_9p.h>

#include "vhost9p-ctl.h"

#define PFX		"vhost9p-ctl attach: "

/* The message header's flags: the protocol version and the reply bits. */
#define VU_VERSION		0x1
#define VU_VERSION_MASK		0x3
#define VU_FLAG_REPLY		(1U << 2)
#define VU_FLAG_NEED_REPLY	(1U << 3)

/* The vhost-user feature bit that says protocol features exist. */
#define VU_F_PROTOCOL_FEATURES	30
#define VU_PROTOCOL_F_REPLY_ACK		3
#define VU_PROTOCOL_F_CONFIG		9
#define VU_PROTOCOL_F_RESET_DEVICE	13
#define VU_PROTOCOL_FEATURES	((1ULL << VU_PROTOCOL_F_REPLY_ACK) |	\
				 (1ULL << VU_PROTOCOL_F_CONFIG) |	\
				 (1ULL << VU_PROTOCOL_F_RESET_DEVICE))

/* A kick or call message's u64: the queue, and "no descriptor". */
#define VU_VRING_INDEX_MASK	0xffULL
#define VU_VRING_NOFD		(1ULL << 8)

/* Without VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, eight regions. */
#define VU_MAX_REGIONS		8
#define VU_MAX_FDS		8
/* The largest config space a frontend asks for (VHOST_USER_MAX_CONFIG_SIZE). */
#define VU_CONFIG_MAX		256
/* Every message this backend accepts fits; a larger one is malformed. */
#define VU_PAYLOAD_MAX		4096
/* How long the rest of a started message, or room for a reply, may take. */
#define VU_MSG_TIMEOUT_S	10
/* Messages of a frontend read, at most, before a new connection is seen. */
#define VU_DRAIN_MAX		64

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
};

static const char * const request_names[] = {
	[VU_GET_FEATURES] = "GET_FEATURES",
	[VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER",
	[VU_RESET_OWNER] = "RESET_OWNER",
	[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_LOG_BASE] = "SET_LOG_BASE",
	[VU_SET_LOG_FD] = "SET_LOG_FD",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_SET_VRING_ERR] = "SET_VRING_ERR",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VU_GET_CONFIG] = "GET_CONFIG",
	[VU_SET_CONFIG] = "SET_CONFIG",
	[VU_RESET_DEVICE] = "RESET_DEVICE",
};

struct vu_header {
	__u32 request;
	__u32 flags;
	__u32 size;
};

struct vu_region {
	__u64 guest_addr;
	__u64 size;
	__u64 user_addr;
	__u64 mmap_offset;
};

struct vu_mem_table {
	__u32 nregions;
	__u32 padding;
	struct vu_region regions[VU_MAX_REGIONS];
};

struct vu_config {
	__u32 offset;
	__u32 size;
	__u32 flags;
	__u8 data[VU_CONFIG_MAX];
};

/**
 * struct vu_msg - one message, as received or as a reply
 * @hdr: the header
 * @u64: the payload of the u64 messages
 * @state: of SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE
 * @addr: of SET_VRING_ADDR
 * @mem: of SET_MEM_TABLE
 * @config: of GET_CONFIG and SET_CONFIG
 * @raw: any payload
 * @fds: the descriptors that came with it, -1 once taken or closed
 * @nfds: how many
 */
struct vu_msg {
	struct vu_header hdr;
	union {
		__u64 u64;
		struct vhost_vring_state state;
		struct vhost_vring_addr addr;
		struct vu_mem_table mem;
		struct vu_config config;
		__u8 raw[VU_PAYLOAD_MAX];
	};
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

/**
 * struct vu_mapping - one region of the frontend's memory table, mapped here
 * @guest_addr: its guest physical address
 * @user_addr: where the frontend has it mapped (ring addresses are these)
 * @size: its length
 * @ours: where this process has it mapped
 */
struct vu_mapping {
	__u64 guest_addr;
	__u64 user_addr;
	__u64 size;
	void *ours;
};

/**
 * struct vu_backend - the backend: the device, and one frontend at a time
 * @socket: the socket's path
 * @exp: the export (its tag is the config space's)
 * @dev: /dev/vhost-9p, owned by this process for its whole life
 * @listen_fd: the listening socket
 * @conn: the frontend's connection, -1 when none
 * @offered: what GET_FEATURES answers: the device's bits and
 *	VHOST_USER_F_PROTOCOL_FEATURES
 * @protocol: the protocol features the frontend acknowledged
 * @acked: the feature bits of the last SET_FEATURES
 * @map: the memory table, as mapped here
 * @nmap: how many regions
 * @num: the ring size of the last SET_VRING_NUM, 0 before
 * @addr: the ring's addresses as the frontend gave them (its own)
 * @have_addr: @addr came since the last reset; the device has them, as
 *	translated into this process's mappings of the current table
 * @kicked: the ring was given its kick eventfd since it last stopped
 * @enabled: the ring is enabled (from the start, without protocol features)
 * @running: the device serves the queue
 * @broken: the device could not be reset: the tool must exit, which
 *	releases it
 */
struct vu_backend {
	const char *socket;
	struct vhost_9p_export exp;
	int dev;
	int listen_fd;
	int conn;
	__u64 offered;
	__u64 protocol;
	__u64 acked;
	struct vu_mapping map[VU_MAX_REGIONS];
	unsigned int nmap;
	unsigned int num;
	struct vhost_vring_addr addr;
	bool have_addr;
	bool kicked;
	bool enabled;
	bool running;
	bool broken;
};

static const char *request_name(__u32 request)
{
	if (request < ARRAY_SIZE(request_names) && request_names[request])
		return request_names[request];
	return "an unknown request";
}

/* A refusal of @msg (NULL: of no message), on stderr: "REQUEST (N): why". */
static void refuse(const struct vu_msg *msg, const char *why)
{
	if (msg)
		fprintf(stderr, PFX "%s (%u): %s\n", request_name(msg->hdr.request),
			msg->hdr.request, why);
	else
		fprintf(stderr, PFX "%s\n", why);
}

/* refuse(), with the reason formatted (and checked as snprintf's arguments). */
static char why_buf[512];
#define vu_err(msg, ...) \
	refuse(msg, (snprintf(why_buf, sizeof(why_buf), __VA_ARGS__), why_buf))

static void close_fds(struct vu_msg *msg)
{
	unsigned int i;

	for (i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

/* Take the message's only descriptor, or -1 if it has none. */
static int take_fd(struct vu_msg *msg)
{
	int fd;

	if (msg->nfds != 1)
		return -1;
	fd = msg->fds[0];
	msg->fds[0] = -1;
	return fd;
}

/*
 * Receive one message with its descriptors.  Returns 1, 0 when the
 * frontend closed the connection between messages, or -1 (said why).
 */
static int recv_msg(int conn, struct vu_msg *msg)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	msg->nfds = 0;
	do {
		n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* No descriptors came: the control buffer is as it was. */
		vu_err(NULL, "the frontend's connection failed: %s", strerror(errno));
		return -1;
	}
	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		size_t i, count;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count && msg->nfds < VU_MAX_FDS; i++)
			memcpy(&msg->fds[msg->nfds++], CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(int));
	}
	if (!n) {
		close_fds(msg);
		return 0;
	}
	if (n != sizeof(msg->hdr)) {
		vu_err(NULL, "the frontend sent %zd bytes of a message header: %s", n,
		       "it went away or stalled mid-message");
		goto fail;
	}
	if (msg->hdr.flags & VU_FLAG_REPLY) {
		vu_err(msg, "has the reply flag: a frontend sends requests");
		goto fail;
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		vu_err(msg, "came with more than %d descriptors: a frontend passes at most %d",
		       VU_MAX_FDS, VU_MAX_REGIONS);
		goto fail;
	}
	if ((msg->hdr.flags & VU_VERSION_MASK) != VU_VERSION) {
		vu_err(msg, "protocol version %u: this backend speaks version %u of vhost-user",
		       msg->hdr.flags & VU_VERSION_MASK, VU_VERSION);
		goto fail;
	}
	if (msg->hdr.size > VU_PAYLOAD_MAX) {
		vu_err(msg, "a payload of %u bytes: no message of this backend's is larger than %d",
		       msg->hdr.size, VU_PAYLOAD_MAX);
		goto fail;
	}
	/* One call: the receive timeout bounds the whole payload. */
	n = msg->hdr.size ? recv(conn, msg->raw, msg->hdr.size, MSG_WAITALL) : 0;
	if (n != msg->hdr.size) {
		vu_err(msg, "%u bytes of payload announced, %zd came: %s", msg->hdr.size, n,
		       n < 0 ? strerror(errno) : "the frontend went away or stalled mid-message");
		goto fail;
	}
	return 1;
fail:
	close_fds(msg);
	return -1;
}

static int send_reply(struct vu_backend *b, struct vu_msg *msg, __u32 size)
{
	struct vu_header *hdr = &msg->hdr;
	char buf[sizeof(*hdr) + VU_PAYLOAD_MAX];
	ssize_t n;

	hdr->flags = VU_VERSION | VU_FLAG_REPLY;
	hdr->size = size;
	memcpy(buf, hdr, sizeof(*hdr));
	memcpy(buf + sizeof(*hdr), msg->raw, size);
	do {
		n = send(b->conn, buf, sizeof(*hdr) + size, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)(sizeof(*hdr) + size))
		return 0;
	vu_err(msg, "cannot reply: %s", n < 0 ? strerror(errno) : "short write");
	return -1;
}

static int reply_u64(struct vu_backend *b, struct vu_msg *msg, __u64 value)
{
	msg->u64 = value;
	return send_reply(b, msg, sizeof(msg->u64));
}

/* The payload must be @size bytes and come with @nfds descriptors. */
static int check_msg(struct vu_msg *msg, size_t size, unsigned int nfds)
{
	if (msg->hdr.size != size) {
		vu_err(msg, "a payload of %u bytes, where the protocol has %zu",
		       msg->hdr.size, size);
		return -1;
	}
	if (msg->nfds > nfds) {
		vu_err(msg, "came with %u descriptors, where the protocol has %u",
		       msg->nfds, nfds);
		return -1;
	}
	return 0;
}

/* The ring index of a vring message: virtio-9p has one queue. */
static int check_index(struct vu_msg *msg, unsigned int index)
{
	if (index == VHOST_9P_VQ_REQUEST)
		return 0;
	vu_err(msg, "queue %u: virtio-9p has one queue, 0: give the device num_vqs=1", index);
	return -1;
}

static void unmap_all(struct vu_backend *b)
{
	unsigned int i;

	for (i = 0; i < b->nmap; i++)
		munmap(b->map[i].ours, b->map[i].size);
	b->nmap = 0;
}

static int stop_device(struct vu_backend *b)
{
	int zero = 0;

	if (!b->running)
		return 0;
	b->running = false;
	if (ioctl(b->dev, VHOST_9P_SET_RUNNING, &zero)) {
		/* Only a reset of the owner can stop it now. */
		vu_err(NULL, "cannot stop the device: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Serve the queue once it is both kicked and enabled. */
static int maybe_start(struct vu_backend *b, struct vu_msg *msg)
{
	int one = 1;

	if (b->running || !b->kicked || !b->enabled)
		return 0;
	if (!b->num || !b->have_addr || !b->nmap) {
		vu_err(msg, "the ring is started before the frontend sent %s",
		       !b->nmap ? "SET_MEM_TABLE" : !b->num ? "SET_VRING_NUM" : "SET_VRING_ADDR");
		return -1;
	}
	if (ioctl(b->dev, VHOST_9P_SET_RUNNING, &one)) {
		vu_err(msg, "cannot start the device: %s%s", strerror(errno),
		       errno == EFAULT ? ": the device cannot reach the rings" : "");
		return -1;
	}
	b->running = true;
	return 0;
}

/*
 * Forget the frontend's device state, as a reset does: the ring stops, the
 * device's owner is reset (its 9P session ends, its eventfds and memory
 * table go) and taken again, and the memory is unmapped.  The protocol
 * features stay, as the protocol wants, unless the frontend is gone too
 * (@frontend_gone).  A device that cannot be reset may still reach the
 * mappings: they stay, and the tool must exit (@broken).
 */
static int reset_device(struct vu_backend *b, bool frontend_gone)
{
	stop_device(b);
	if (ioctl(b->dev, VHOST_RESET_OWNER) || ioctl(b->dev, VHOST_SET_OWNER)) {
		vu_err(NULL, "cannot reset the device: %s: exiting, which releases it",
		       strerror(errno));
		b->broken = true;
		return -1;
	}
	unmap_all(b);
	if (frontend_gone)
		b->protocol = 0;
	b->acked = 0;
	b->num = 0;
	b->have_addr = false;
	b->kicked = false;
	b->enabled = false;
	return 0;
}

static int set_features(struct vu_backend *b, struct vu_msg *msg)
{
	__u64 bits = msg->u64 & ~(1ULL << VU_F_PROTOCOL_FEATURES);

	if (msg->u64 & ~b->offered) {
		vu_err(msg, "bits 0x%llx that the device did not offer (it offers 0x%llx)",
		       (unsigned long long)(msg->u64 & ~b->offered),
		       (unsigned long long)b->offered);
		return -1;
	}
	if (b->running) {
		vu_err(msg, "while the ring runs: features come before the ring starts");
		return -1;
	}
	if (ioctl(b->dev, VHOST_SET_FEATURES, &bits)) {
		vu_err(msg, "VHOST_SET_FEATURES: %s", strerror(errno));
		return -1;
	}
	b->acked = msg->u64;
	return 0;
}

/* Where @user_addr..+@len of the frontend's memory is mapped here, or NULL. */
static void *translate(struct vu_backend *b, __u64 user_addr, __u64 len)
{
	unsigned int i;

	for (i = 0; i < b->nmap; i++) {
		struct vu_mapping *m = &b->map[i];

		if (user_addr >= m->user_addr && user_addr - m->user_addr < m->size &&
		    len <= m->size - (user_addr - m->user_addr))
			return (char *)m->ours + (user_addr - m->user_addr);
	}
	return NULL;
}

/*
 * Give the device @b->addr, translated into this process's mappings of the
 * current table for a ring of @b->num entries; 0, or -1 (said why).
 */
static int apply_vring_addr(struct vu_backend *b, struct vu_msg *msg)
{
	struct vhost_vring_addr addr = b->addr;
	/* The split ring's parts, with the event index fields. */
	const struct {
		const char *name;
		__u64 user_addr;
		__u64 len;
		__u64 *ours;
	} part[] = {
		{ "descriptor table", addr.desc_user_addr, 16ULL * b->num,
		  &addr.desc_user_addr },
		{ "available ring", addr.avail_user_addr, 6 + 2ULL * b->num,
		  &addr.avail_user_addr },
		{ "used ring", addr.used_user_addr, 6 + 8ULL * b->num, &addr.used_user_addr },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(part); i++) {
		void *ours = translate(b, part[i].user_addr, part[i].len);

		if (!ours) {
			vu_err(msg, "the %s at 0x%llx (%llu bytes) is not in the memory table: the frontend must share all guest RAM (memory-backend-memfd,share=on)",
			       part[i].name, (unsigned long long)part[i].user_addr,
			       (unsigned long long)part[i].len);
			return -1;
		}
		*part[i].ours = (uintptr_t)ours;
	}
	addr.log_guest_addr = 0;
	if (ioctl(b->dev, VHOST_SET_VRING_ADDR, &addr)) {
		vu_err(msg, "VHOST_SET_VRING_ADDR: %s (the rings are misaligned?)",
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* Map one region of a memory table; 0, or -1 (said why). */
static int map_region(struct vu_msg *msg, unsigned int i, int fd, struct vu_mapping *m)
{
	const struct vu_region *r = &msg->mem.regions[i];
	__u64 page = sysconf(_SC_PAGESIZE);
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		vu_err(msg, "region %u's descriptor is not a memory file: back guest memory with memory-backend-memfd,share=on (or a shared memory-backend-file)",
		       i);
		return -1;
	}
	if (!r->size || (r->mmap_offset | r->size) & (page - 1) ||
	    r->user_addr + r->size < r->user_addr ||
	    r->guest_addr + r->size < r->guest_addr ||
	    r->mmap_offset + r->size < r->mmap_offset ||
	    r->mmap_offset + r->size > (__u64)st.st_size) {
		vu_err(msg, "region %u (%llu bytes from offset %llu) is not a page-aligned range of its %lld-byte file",
		       i, (unsigned long long)r->size, (unsigned long long)r->mmap_offset,
		       (long long)st.st_size);
		return -1;
	}
	m->ours = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       r->mmap_offset);
	if (m->ours == MAP_FAILED) {
		vu_err(msg, "cannot map region %u shared: %s%s", i, strerror(errno),
		       errno == EACCES ?
		       ": the frontend must share guest memory read-write (share=on)" : "");
		return -1;
	}
	m->guest_addr = r->guest_addr;
	m->user_addr = r->user_addr;
	m->size = r->size;
	return 0;
}

static int set_mem_table(struct vu_backend *b, struct vu_msg *msg)
{
	struct vu_mapping map[VU_MAX_REGIONS], old[VU_MAX_REGIONS];
	struct vhost_memory *table;
	unsigned int i, n = msg->mem.nregions, mapped = 0, nold;
	bool was_running;
	int ret = -1;

	size_t head = offsetof(struct vu_mem_table, regions);

	if (msg->hdr.size < head || n > VU_MAX_REGIONS || !n ||
	    msg->hdr.size != head + n * sizeof(struct vu_region)) {
		vu_err(msg, "a table of %u regions in %u bytes: the protocol has 1 to %d regions of %zu bytes each",
		       n, msg->hdr.size, VU_MAX_REGIONS, sizeof(struct vu_region));
		return -1;
	}
	if (msg->nfds != n) {
		vu_err(msg, "%u regions came with %u descriptors: one each", n, msg->nfds);
		return -1;
	}
	table = calloc(1, sizeof(*table) + n * sizeof(table->regions[0]));
	if (!table) {
		vu_err(msg, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++, mapped++) {
		unsigned int j;

		if (map_region(msg, i, msg->fds[i], &map[i]))
			goto out;
		for (j = 0; j < i; j++)
			if (map[i].guest_addr < map[j].guest_addr + map[j].size &&
			    map[j].guest_addr < map[i].guest_addr + map[i].size) {
				vu_err(msg, "regions %u and %u overlap in guest memory", j, i);
				mapped++;
				goto out;
			}
		table->regions[i].guest_phys_addr = map[i].guest_addr;
		table->regions[i].memory_size = map[i].size;
		table->regions[i].userspace_addr = (uintptr_t)map[i].ours;
	}
	table->nregions = n;
	/*
	 * A frontend changes the table of a running device (QEMU does, as
	 * guest memory is laid out): the ring stops, which also waits for
	 * the requests under way, while the rings move to the new mappings.
	 */
	was_running = b->running;
	if (stop_device(b))
		goto out;
	if (ioctl(b->dev, VHOST_SET_MEM_TABLE, table)) {
		vu_err(msg, "VHOST_SET_MEM_TABLE: %s%s", strerror(errno), errno == E2BIG ?
		       ": more regions than vhost's max_mem_regions module parameter allows" : "");
		goto out;
	}
	/* The old mappings go once the rings are in the new ones. */
	memcpy(old, b->map, b->nmap * sizeof(old[0]));
	nold = b->nmap;
	memcpy(b->map, map, n * sizeof(map[0]));
	b->nmap = n;
	mapped = 0;
	ret = b->have_addr ? apply_vring_addr(b, msg) : 0;
	for (i = 0; i < nold; i++)
		munmap(old[i].ours, old[i].size);
	/* On failure the frontend is dropped and the device reset. */
	if (!ret && was_running)
		ret = maybe_start(b, msg);
out:
	for (i = 0; i < mapped; i++)
		munmap(map[i].ours, map[i].size);
	free(table);
	/* Mapped or not, the descriptors are of no further use. */
	close_fds(msg);
	return ret;
}

/* Queue @index, which must not run; 0, or -1 (said why). */
static int check_ring_stopped(struct vu_backend *b, struct vu_msg *msg, unsigned int index)
{
	if (check_index(msg, index))
		return -1;
	if (!b->running)
		return 0;
	vu_err(msg, "while the ring runs: stop it with GET_VRING_BASE first");
	return -1;
}

static int set_vring_num(struct vu_backend *b, struct vu_msg *msg)
{
	struct vhost_vring_state state = msg->state;

	if (check_ring_stopped(b, msg, state.index))
		return -1;
	if (ioctl(b->dev, VHOST_SET_VRING_NUM, &state)) {
		vu_err(msg, "a ring of %u entries: %s (vhost takes a power of two up to 32768)",
		       state.num, strerror(errno));
		return -1;
	}
	b->num = state.num;
	/* A larger ring must still lie in the table. */
	return b->have_addr ? apply_vring_addr(b, msg) : 0;
}

static int set_vring_addr(struct vu_backend *b, struct vu_msg *msg)
{
	if (check_ring_stopped(b, msg, msg->addr.index))
		return -1;
	if (msg->addr.flags & (1U << VHOST_VRING_F_LOG)) {
		vu_err(msg, "asks for dirty logging: vhost-9p cannot log, so it offers no VHOST_F_LOG_ALL and the VM cannot migrate");
		return -1;
	}
	if (!b->num || !b->nmap) {
		vu_err(msg, "before %s: the frontend must send it first",
		       !b->nmap ? "SET_MEM_TABLE" : "SET_VRING_NUM");
		return -1;
	}
	b->have_addr = false;
	b->addr = msg->addr;
	if (apply_vring_addr(b, msg))
		return -1;
	b->have_addr = true;
	return 0;
}

static int set_vring_base(struct vu_backend *b, struct vu_msg *msg)
{
	struct vhost_vring_state state = msg->state;

	if (check_ring_stopped(b, msg, state.index))
		return -1;
	if (ioctl(b->dev, VHOST_SET_VRING_BASE, &state)) {
		vu_err(msg, "VHOST_SET_VRING_BASE %u: %s", state.num, strerror(errno));
		return -1;
	}
	return 0;
}

/* Stop the ring and say where it stopped. */
static int get_vring_base(struct vu_backend *b, struct vu_msg *msg)
{
	struct vhost_vring_state state = { .index = msg->state.index };

	if (check_index(msg, state.index) || stop_device(b))
		return -1;
	if (ioctl(b->dev, VHOST_GET_VRING_BASE, &state)) {
		vu_err(msg, "VHOST_GET_VRING_BASE: %s", strerror(errno));
		return -1;
	}
	b->kicked = false;
	msg->state = state;
	return send_reply(b, msg, sizeof(msg->state));
}

/* SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ERR: hand over an eventfd. */
static int set_vring_fd(struct vu_backend *b, struct vu_msg *msg, unsigned long ioc)
{
	struct vhost_vring_file file = { .index = msg->u64 & VU_VRING_INDEX_MASK, .fd = -1 };
	bool nofd = msg->u64 & VU_VRING_NOFD;
	char what[256];
	int ret = -1;

	if (check_index(msg, file.index))
		goto out;
	if (msg->u64 & ~(VU_VRING_INDEX_MASK | VU_VRING_NOFD)) {
		vu_err(msg, "unknown bits 0x%llx", (unsigned long long)msg->u64);
		goto out;
	}
	if (nofd != !msg->nfds) {
		vu_err(msg, "%s", nofd ? "says it has no descriptor, and has one" :
		       "came without a descriptor and without the no-descriptor bit");
		goto out;
	}
	if (nofd && msg->hdr.request == VU_SET_VRING_KICK) {
		vu_err(msg, "without an eventfd asks the backend to poll the ring: vhost-9p is driven by the kick eventfd, give it one");
		goto out;
	}
	if (!nofd) {
		file.fd = take_fd(msg);
		if (fd_not_eventfd(file.fd, what, sizeof(what))) {
			vu_err(msg, "the descriptor is not an eventfd (it is %s): pass the eventfd registered with KVM (ioeventfd, irqfd)",
			       what);
			goto out;
		}
	}
	if (ioctl(b->dev, ioc, &file)) {
		vu_err(msg, "%s", strerror(errno));
		goto out;
	}
	ret = 0;
	if (msg->hdr.request == VU_SET_VRING_KICK) {
		b->kicked = true;
		/* Without protocol features a ring is enabled when it starts. */
		if (!(b->acked & (1ULL << VU_F_PROTOCOL_FEATURES)))
			b->enabled = true;
		ret = maybe_start(b, msg);
	}
out:
	/* vhost holds its own reference. */
	if (file.fd >= 0)
		close(file.fd);
	return ret;
}

static int set_vring_enable(struct vu_backend *b, struct vu_msg *msg)
{
	if (check_index(msg, msg->state.index))
		return -1;
	if (msg->state.num > 1) {
		vu_err(msg, "%u: enable is 0 or 1", msg->state.num);
		return -1;
	}
	b->enabled = msg->state.num;
	if (!b->enabled)
		return stop_device(b);
	return maybe_start(b, msg);
}

/* The config space: virtio_9p_config, the tag's length then the tag. */
static int get_config(struct vu_backend *b, struct vu_msg *msg)
{
	size_t tag_len = strlen(b->exp.tag), need = 2 + tag_len;
	__u8 space[2 + VHOST_9P_TAG_MAX] = { tag_len & 0xff, tag_len >> 8 };
	__u32 offset = msg->config.offset, size = msg->config.size;

	if (msg->hdr.size < offsetof(struct vu_config, data) ||
	    msg->hdr.size != offsetof(struct vu_config, data) + (__u64)size ||
	    size > VU_CONFIG_MAX || offset > VU_CONFIG_MAX - size) {
		vu_err(msg, "%u bytes at offset %u in a %u-byte message: not a config request",
		       size, offset, msg->hdr.size);
		return -1;
	}
	if (offset + size < need) {
		vu_err(msg, "the config space is %u bytes, the tag '%s' needs %zu: give the device config_size=%zu",
		       offset + size, b->exp.tag, need, need);
		/* An empty payload is the protocol's failure. */
		return send_reply(b, msg, 0);
	}
	memcpy(space + 2, b->exp.tag, tag_len);
	memset(msg->config.data, 0, size);
	if (offset < need)
		memcpy(msg->config.data, space + offset, need - offset);
	return send_reply(b, msg, msg->hdr.size);
}

/*
 * Handle one message.  Returns 0, or -1 when the connection must go: the
 * frontend broke the protocol or asked for what this device cannot do.
 */
static int handle(struct vu_backend *b, struct vu_msg *msg)
{
	bool need_reply = msg->hdr.flags & VU_FLAG_NEED_REPLY;
	bool replied = false;
	int ret;

	switch (msg->hdr.request) {
	case VU_GET_FEATURES:
		ret = check_msg(msg, 0, 0) ?: reply_u64(b, msg, b->offered);
		replied = true;
		break;
	case VU_SET_FEATURES:
		ret = check_msg(msg, sizeof(msg->u64), 0) ?: set_features(b, msg);
		break;
	case VU_GET_PROTOCOL_FEATURES:
		ret = check_msg(msg, 0, 0) ?: reply_u64(b, msg, VU_PROTOCOL_FEATURES);
		replied = true;
		break;
	case VU_SET_PROTOCOL_FEATURES:
		ret = check_msg(msg, sizeof(msg->u64), 0);
		if (!ret && msg->u64 & ~VU_PROTOCOL_FEATURES) {
			vu_err(msg, "bits 0x%llx that the backend did not offer",
			       (unsigned long long)(msg->u64 & ~VU_PROTOCOL_FEATURES));
			ret = -1;
		}
		if (!ret)
			b->protocol = msg->u64;
		break;
	case VU_GET_QUEUE_NUM:
		ret = check_msg(msg, 0, 0) ?: reply_u64(b, msg, VHOST_9P_VQ_MAX);
		replied = true;
		break;
	case VU_SET_OWNER:
		/* This process owns the device from the start. */
		ret = check_msg(msg, 0, 0);
		break;
	case VU_RESET_OWNER:
	case VU_RESET_DEVICE:
		ret = check_msg(msg, 0, 0) ?: reset_device(b, false);
		break;
	case VU_SET_MEM_TABLE:
		ret = set_mem_table(b, msg);
		break;
	case VU_SET_VRING_NUM:
		ret = check_msg(msg, sizeof(msg->state), 0) ?: set_vring_num(b, msg);
		break;
	case VU_SET_VRING_ADDR:
		ret = check_msg(msg, sizeof(msg->addr), 0) ?: set_vring_addr(b, msg);
		break;
	case VU_SET_VRING_BASE:
		ret = check_msg(msg, sizeof(msg->state), 0) ?: set_vring_base(b, msg);
		break;
	case VU_GET_VRING_BASE:
		ret = check_msg(msg, sizeof(msg->state), 0) ?: get_vring_base(b, msg);
		replied = true;
		break;
	case VU_SET_VRING_KICK:
		ret = check_msg(msg, sizeof(msg->u64), 1) ?:
			set_vring_fd(b, msg, VHOST_SET_VRING_KICK);
		break;
	case VU_SET_VRING_CALL:
		ret = check_msg(msg, sizeof(msg->u64), 1) ?:
			set_vring_fd(b, msg, VHOST_SET_VRING_CALL);
		break;
	case VU_SET_VRING_ERR:
		ret = check_msg(msg, sizeof(msg->u64), 1) ?:
			set_vring_fd(b, msg, VHOST_SET_VRING_ERR);
		break;
	case VU_SET_VRING_ENABLE:
		ret = check_msg(msg, sizeof(msg->state), 0) ?: set_vring_enable(b, msg);
		break;
	case VU_GET_CONFIG:
		ret = get_config(b, msg);
		replied = true;
		break;
	case VU_SET_CONFIG:
		/* A guest's write to the read-only config space: ignored, as virtio-9p does. */
		ret = 0;
		break;
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
		vu_err(msg, "dirty logging: vhost-9p offers no VHOST_F_LOG_ALL and the VM cannot migrate");
		ret = -1;
		break;
	default:
		vu_err(msg, "not offered by this backend (the frontend sent it without negotiating it)");
		ret = -1;
		break;
	}
	close_fds(msg);
	/* REPLY_ACK: 0 for success. */
	if (need_reply && !replied && (b->protocol & (1ULL << VU_PROTOCOL_F_REPLY_ACK)))
		return reply_u64(b, msg, ret ? 1 : 0) ?: ret;
	return ret;
}

/* The frontend went away, or must: the device forgets it. */
static void disconnect(struct vu_backend *b)
{
	close(b->conn);
	b->conn = -1;
	reset_device(b, true);
}

/* Listen on @b->socket, replacing a socket nobody listens on. */
static int listen_socket(struct vu_backend *b)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(b->socket) >= sizeof(addr.sun_path)) {
		fprintf(stderr, PFX "--socket %s: longer than %zu bytes: use a shorter path\n",
			b->socket, sizeof(addr.sun_path) - 1);
		return -1;
	}
	memcpy(addr.sun_path, b->socket, strlen(b->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, PFX "socket: %s\n", strerror(errno));
		return -1;
	}
	if (!lstat(b->socket, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr,
				PFX "--socket %s exists and is not a socket: give a new path\n",
				b->socket);
			goto fail;
		}
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			fprintf(stderr, PFX "--socket %s: %s: give another path\n",
				b->socket, "another backend listens there");
			goto fail;
		}
		/* A socket nobody listens on: what a backend that died left. */
		unlink(b->socket);
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fprintf(stderr, PFX "socket: %s\n", strerror(errno));
			return -1;
		}
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 1)) {
		fprintf(stderr, PFX "--socket %s: %s\n", b->socket, strerror(errno));
		goto fail;
	}
	b->listen_fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
}

static void accept_frontend(struct vu_backend *b)
{
	struct timeval tv = { .tv_sec = VU_MSG_TIMEOUT_S };
	int fd;

	fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (b->conn >= 0) {
		fprintf(stderr,
			PFX "a second frontend connected to %s: one device per socket; %s\n",
			b->socket, "run another attach for another device");
		close(fd);
		return;
	}
	/*
	 * Between messages it may wait for ever; within one, or for room for
	 * a reply (a frontend that never reads), not.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	b->conn = fd;
	fprintf(stderr, PFX "a frontend connected to %s\n", b->socket);
}

/* Handle the frontend's next message; drop the frontend if it must go. */
static void serve_message(struct vu_backend *b)
{
	struct vu_msg msg;
	int ret;

	ret = recv_msg(b->conn, &msg);
	if (ret > 0)
		ret = handle(b, &msg) ? -1 : 1;
	if (ret > 0)
		return;
	fprintf(stderr, PFX "%s: the device is reset; waiting for the frontend to connect again\n",
		ret ? "dropping the frontend" : "the frontend went away");
	disconnect(b);
}

/* Serve frontends one after another until a signal asks to stop. */
static int serve(struct vu_backend *b)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waiting;
	unsigned int i;

	sigemptyset(&block);
	sigprocmask(SIG_BLOCK, NULL, &waiting);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaddset(&block, sigs[i]);
		sigdelset(&waiting, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, NULL);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = b->listen_fd, .events = POLLIN },
			{ .fd = b->conn, .events = POLLIN },
		};

		if (ppoll(pfd, 2, NULL, &waiting) < 0) {
			if (errno == EINTR)
				return 0;
			fprintf(stderr, PFX "poll: %s\n", strerror(errno));
			return -1;
		}
		if (b->conn >= 0 && pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			serve_message(b);
		if (b->broken)
			return -1;
		if (pfd[0].revents & POLLIN) {
			/*
			 * A frontend that closed and connects again at once:
			 * what is left of the old connection is read first,
			 * so that the new one is not taken for a second (a
			 * bounded number of messages: one that floods is not
			 * going away).
			 */
			for (i = 0; i < VU_DRAIN_MAX && b->conn >= 0 &&
			     poll(&pfd[1], 1, 0) > 0; i++)
				serve_message(b);
			accept_frontend(b);
		}
		if (b->broken)
			return -1;
	}
}

/**
 * vhost_user_serve() - be the vhost-user backend of one virtio-9p device
 * @socket: the UNIX socket to listen on
 * @dev: /dev/vhost-9p, owned (VHOST_SET_OWNER) with its export set
 * @exp: the export, whose tag the config space shows
 * @path: the exported directory, for messages
 *
 * Return: 0 when a signal ended it, EXIT_FAIL when it could not serve.
 */
int vhost_user_serve(const char *socket, int dev, const struct vhost_9p_export *exp,
		     const char *path)
{
	struct vu_backend b = {
		.socket = socket, .exp = *exp, .dev = dev,
		.listen_fd = -1, .conn = -1,
	};
	int ret;

	if (ioctl(dev, VHOST_GET_FEATURES, &b.offered)) {
		fprintf(stderr, PFX "%s: %s\n", DEV_PATH, strerror(errno));
		return EXIT_FAIL;
	}
	b.offered |= 1ULL << VU_F_PROTOCOL_FEATURES;
	if (listen_socket(&b))
		return EXIT_FAIL;
	/* Said on stdout, for whoever waits to start the VMM. */
	printf("listening on %s: serving %s as tag '%s'\n", socket, path, exp->tag);
	fflush(stdout);
	ret = serve(&b) ? EXIT_FAIL : 0;
	if (b.conn >= 0)
		disconnect(&b);
	else
		stop_device(&b);
	/* A device that could not be reset lets go only when it is closed. */
	if (!b.broken)
		unmap_all(&b);
	close(b.listen_fd);
	unlink(socket);
	return ret;
}
