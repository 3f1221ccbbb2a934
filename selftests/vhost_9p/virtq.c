// SPDX-License-Identifier: GPL-2.0
/*
 * virtq: a guest-side split-virtqueue driver for the vhost-9p selftests.
 * See virtq.h for what each function does.
 *
 * Guest memory layout: the descriptor table at offset 0, the available ring
 * right after it (2-byte aligned), the used ring after that (4-byte
 * aligned), then the blocks of virtq_alloc().
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_config.h>
#include <linux/vhost_9p.h>

#include "virtq.h"

#define VIRTQ_DEV_PATH	"/dev/vhost-9p"

/* Round @x up to a multiple of @a, a power of two. */
static inline size_t virtq_align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static const __u64 virtq_wanted_features =
	(1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_9P_MOUNT_TAG) |
	(1ULL << VIRTIO_RING_F_INDIRECT_DESC);

static void virtq_init_free_list(struct virtq_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->num; i++)
		d->free_next[i] = i + 1;
	d->free_head = 0;
	d->num_free = d->num;
}

int virtq_set_mem_table(struct virtq_dev *d)
{
	struct vhost_memory *table;
	int ret;

	table = calloc(1, sizeof(*table) + sizeof(table->regions[0]));
	if (!table)
		return -ENOMEM;
	table->nregions = 1;
	table->regions[0].guest_phys_addr = VIRTQ_GPA_BASE;
	table->regions[0].memory_size = d->mem_size;
	table->regions[0].userspace_addr = (uintptr_t)d->mem;
	ret = ioctl(d->fd, VHOST_SET_MEM_TABLE, table) ? -errno : 0;
	free(table);
	return ret;
}

static int virtq_set_vring(struct virtq_dev *d)
{
	struct vhost_vring_state state = { .index = VHOST_9P_VQ_REQUEST };
	struct vhost_vring_addr addr = { .index = VHOST_9P_VQ_REQUEST };
	struct vhost_vring_file file = { .index = VHOST_9P_VQ_REQUEST };

	state.num = d->num;
	if (ioctl(d->fd, VHOST_SET_VRING_NUM, &state))
		return -errno;
	addr.desc_user_addr = (uintptr_t)d->desc;
	addr.avail_user_addr = (uintptr_t)d->avail;
	addr.used_user_addr = (uintptr_t)d->used;
	if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &addr))
		return -errno;
	state.num = 0;
	if (ioctl(d->fd, VHOST_SET_VRING_BASE, &state))
		return -errno;
	file.fd = d->kick_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_KICK, &file))
		return -errno;
	file.fd = d->call_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_CALL, &file))
		return -errno;
	return 0;
}

int virtq_dev_open(struct virtq_dev *d, unsigned int ring_num, size_t mem_size,
		   bool event_idx)
{
	size_t avail_off, used_off, rings_end;
	__u64 wanted;
	long page;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->kick_fd = -1;
	d->call_fd = -1;

	if (!ring_num || ring_num > VIRTQ_MAX_NUM || (ring_num & (ring_num - 1)))
		return -EINVAL;
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	if (mem_size > SIZE_MAX - page)
		return -EINVAL;
	mem_size = virtq_align_up(mem_size, page);

	avail_off = virtq_align_up(sizeof(struct vring_desc) * ring_num, 2);
	/* flags, idx, ring[num], used_event */
	used_off = virtq_align_up(avail_off + sizeof(__u16) * (3 + ring_num), 4);
	/* flags, idx, ring[num], avail_event */
	rings_end = used_off + 2 * sizeof(__u16) +
		    sizeof(struct vring_used_elem) * ring_num + sizeof(__u16);
	if (rings_end > mem_size)
		return -EINVAL;

	d->num = ring_num;
	d->free_next = calloc(ring_num, sizeof(*d->free_next));
	d->chain_len = calloc(ring_num, sizeof(*d->chain_len));
	d->tokens = calloc(ring_num, sizeof(*d->tokens));
	if (!d->free_next || !d->chain_len || !d->tokens) {
		ret = -ENOMEM;
		goto err;
	}

	d->fd = open(VIRTQ_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		goto err_errno;
	if (ioctl(d->fd, VHOST_SET_OWNER))
		goto err_errno;
	if (ioctl(d->fd, VHOST_GET_FEATURES, &d->offered))
		goto err_errno;
	wanted = virtq_wanted_features;
	if (event_idx)
		wanted |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	d->features = wanted & d->offered;
	if (ioctl(d->fd, VHOST_SET_FEATURES, &d->features))
		goto err_errno;
	d->event_idx = !!(d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX));

	d->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		goto err_errno;
	}
	d->mem_size = mem_size;
	ret = virtq_set_mem_table(d);
	if (ret)
		goto err;

	/* Fresh anonymous memory is zeroed: avail->flags is 0, interrupts on. */
	d->desc = d->mem;
	d->avail = (struct vring_avail *)((char *)d->mem + avail_off);
	d->used = (struct vring_used *)((char *)d->mem + used_off);
	d->used_event = (__le16 *)&d->avail->ring[ring_num];
	d->avail_event = (__le16 *)&d->used->ring[ring_num];
	d->alloc_start = virtq_align_up(rings_end, VIRTQ_ALLOC_ALIGN);
	d->alloc_off = d->alloc_start;
	virtq_init_free_list(d);

	d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->kick_fd < 0)
		goto err_errno;
	d->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->call_fd < 0)
		goto err_errno;
	ret = virtq_set_vring(d);
	if (ret)
		goto err;
	return 0;

err_errno:
	ret = -errno;
err:
	virtq_dev_close(d);
	return ret;
}

int virtq_dev_reown(struct virtq_dev *d)
{
	int ret;

	if (ioctl(d->fd, VHOST_SET_OWNER) || ioctl(d->fd, VHOST_SET_FEATURES, &d->features))
		return -errno;
	/* A fresh ring: what the device had taken off the old one is gone. */
	memset(d->mem, 0, d->alloc_start);
	memset(d->chain_len, 0, d->num * sizeof(*d->chain_len));
	memset(d->tokens, 0, d->num * sizeof(*d->tokens));
	d->avail_idx = 0;
	d->last_used_idx = 0;
	d->alloc_off = d->alloc_start;
	virtq_init_free_list(d);
	ret = virtq_set_mem_table(d);
	if (ret)
		return ret;
	return virtq_set_vring(d);
}

void virtq_dev_close(struct virtq_dev *d)
{
	/* The device goes first, so that it no longer touches guest memory. */
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->kick_fd >= 0)
		close(d->kick_fd);
	d->kick_fd = -1;
	if (d->call_fd >= 0)
		close(d->call_fd);
	d->call_fd = -1;
	if (d->mem)
		munmap(d->mem, d->mem_size);
	d->mem = NULL;
	d->mem_size = 0;
	d->desc = NULL;
	d->avail = NULL;
	d->used = NULL;
	d->used_event = NULL;
	d->avail_event = NULL;
	free(d->free_next);
	d->free_next = NULL;
	free(d->chain_len);
	d->chain_len = NULL;
	free(d->tokens);
	d->tokens = NULL;
	d->num = 0;
	d->num_free = 0;
}

void *virtq_alloc(struct virtq_dev *d, size_t len)
{
	size_t off = virtq_align_up(d->alloc_off, VIRTQ_ALLOC_ALIGN);
	void *p;

	/* Even an empty block gets a byte, so that blocks are distinct. */
	if (!len)
		len = 1;
	if (off > d->mem_size || len > d->mem_size - off)
		return NULL;
	p = (char *)d->mem + off;
	memset(p, 0, len);
	d->alloc_off = off + len;
	return p;
}

void virtq_reset_alloc(struct virtq_dev *d)
{
	d->alloc_off = d->alloc_start;
}

__u64 virtq_gpa(struct virtq_dev *d, const void *host_ptr)
{
	uintptr_t p = (uintptr_t)host_ptr, base = (uintptr_t)d->mem;

	if (!d->mem || p < base || p - base >= d->mem_size)
		return 0;
	return VIRTQ_GPA_BASE + (p - base);
}

void *virtq_host_ptr(struct virtq_dev *d, __u64 gpa, size_t len)
{
	__u64 off;

	if (!d->mem || gpa < VIRTQ_GPA_BASE)
		return NULL;
	off = gpa - VIRTQ_GPA_BASE;
	if (off > d->mem_size || len > d->mem_size - off)
		return NULL;
	return (char *)d->mem + off;
}

void virtq_kick(struct virtq_dev *d)
{
	__u64 one = 1;
	ssize_t ret;

	/* A full counter only means the device has a kick pending already. */
	ret = write(d->kick_fd, &one, sizeof(one));
	(void)ret;
}

/* Take @n descriptors off the free list; they stay linked in free_next. */
static unsigned int virtq_take_chain(struct virtq_dev *d, unsigned int n)
{
	unsigned int head = d->free_head, last = head, i;

	for (i = 1; i < n; i++)
		last = d->free_next[last];
	d->free_head = d->free_next[last];
	d->num_free -= n;
	return head;
}

static void virtq_free_chain(struct virtq_dev *d, unsigned int head)
{
	unsigned int n = d->chain_len[head], last = head, i;

	for (i = 1; i < n; i++)
		last = d->free_next[last];
	d->free_next[last] = d->free_head;
	d->free_head = head;
	d->num_free += n;
	d->chain_len[head] = 0;
	d->tokens[head] = NULL;
}

static void virtq_set_desc(struct vring_desc *desc, __u64 addr, __u32 len, __u16 flags,
			   __u16 next)
{
	desc->addr = htole64(addr);
	desc->len = htole32(len);
	desc->flags = htole16(flags);
	desc->next = htole16(next);
}

static int virtq_publish(struct virtq_dev *d, unsigned int head, unsigned int n, void *token)
{
	d->chain_len[head] = n;
	d->tokens[head] = token;
	d->avail->ring[d->avail_idx % d->num] = htole16(head);
	d->avail_idx++;
	/* Descriptors and ring entry are visible before the new index. */
	__atomic_store_n(&d->avail->idx, htole16(d->avail_idx), __ATOMIC_RELEASE);
	if (!d->no_kick)
		virtq_kick(d);
	return head;
}

int virtq_submit(struct virtq_dev *d, const struct iovec *out, unsigned int nout,
		 const struct iovec *in, unsigned int nin, bool indirect, void *token)
{
	unsigned int total = nout + nin, n, i, id = 0, head;
	struct vring_desc *table = NULL;
	const struct iovec *iov;
	__u16 flags;

	if (!total || total < nout)
		return -EINVAL;
	for (i = 0; i < total; i++) {
		iov = i < nout ? &out[i] : &in[i - nout];
		if (iov->iov_len > UINT32_MAX)
			return -EINVAL;
		if (!virtq_gpa(d, iov->iov_base))
			return -EFAULT;
	}
	n = indirect ? 1 : total;
	if (n > d->num_free)
		return -ENOSPC;
	if (indirect) {
		if ((size_t)total > UINT32_MAX / sizeof(*table))
			return -EINVAL;
		table = virtq_alloc(d, total * sizeof(*table));
		if (!table)
			return -ENOSPC;
	}

	head = virtq_take_chain(d, n);
	if (!indirect)
		id = head;
	for (i = 0; i < total; i++) {
		struct vring_desc *desc = indirect ? &table[i] : &d->desc[id];
		unsigned int next = 0;

		iov = i < nout ? &out[i] : &in[i - nout];
		flags = i < nout ? 0 : VRING_DESC_F_WRITE;
		if (i + 1 < total) {
			flags |= VRING_DESC_F_NEXT;
			next = indirect ? i + 1 : d->free_next[id];
		}
		virtq_set_desc(desc, virtq_gpa(d, iov->iov_base), iov->iov_len, flags, next);
		id = next;
	}
	if (indirect)
		virtq_set_desc(&d->desc[head], virtq_gpa(d, table),
			       total * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
	return virtq_publish(d, head, n, token);
}

int virtq_submit_raw(struct virtq_dev *d, const struct vring_desc *descs, unsigned int n,
		     void *token)
{
	unsigned int i, id, next, tail, run = 0, start = 0;
	unsigned char *is_free;

	if (!n)
		return -EINVAL;
	if (n > d->num_free)
		return -ENOSPC;
	is_free = calloc(d->num, 1);
	if (!is_free)
		return -ENOMEM;
	for (id = d->free_head; id < d->num; id = d->free_next[id])
		is_free[id] = 1;
	for (i = 0; i < d->num && run < n; i++) {
		if (!is_free[i]) {
			run = 0;
			continue;
		}
		if (!run++)
			start = i;
	}
	free(is_free);
	if (run < n)
		return -ENOSPC;

	/* Unlink slots start..start + n - 1, keeping the others in order. */
	tail = d->num;
	id = d->free_head;
	d->free_head = d->num;
	for (; id < d->num; id = next) {
		next = d->free_next[id];
		if (id >= start && id < start + n)
			continue;
		if (tail == d->num)
			d->free_head = id;
		else
			d->free_next[tail] = id;
		tail = id;
	}
	if (tail < d->num)
		d->free_next[tail] = d->num;
	d->num_free -= n;

	for (i = 0; i < n; i++) {
		virtq_set_desc(&d->desc[start + i], descs[i].addr, descs[i].len,
			       descs[i].flags, descs[i].next);
		/* Our own record of the chain, whatever next says. */
		d->free_next[start + i] = start + i + 1;
	}
	return virtq_publish(d, start, n, token);
}

static bool virtq_used_pending(struct virtq_dev *d)
{
	/* Acquire: the element is read only after its index is seen. */
	__u16 idx = le16toh(__atomic_load_n(&d->used->idx, __ATOMIC_ACQUIRE));

	return idx != d->last_used_idx;
}

static int virtq_consume(struct virtq_dev *d, void **token, __u32 *len)
{
	struct vring_used_elem *elem = &d->used->ring[d->last_used_idx % d->num];
	__u32 id = le32toh(elem->id);
	__u32 used_len = le32toh(elem->len);

	d->last_used_idx++;
	if (id >= d->num || !d->chain_len[id])
		return -EIO;
	*token = d->tokens[id];
	*len = used_len;
	virtq_free_chain(d, id);
	return 1;
}

static void virtq_deadline(struct timespec *deadline, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	if (timeout_ms <= 0)
		return;
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left until @deadline, rounded up; -1 when @timeout_ms < 0. */
static int virtq_remaining_ms(const struct timespec *deadline, int timeout_ms)
{
	struct timespec now;
	long long ns;

	if (timeout_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
	     (deadline->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	return (int)((ns + 999999) / 1000000);
}

int virtq_wait_used(struct virtq_dev *d, void **token, __u32 *len, int timeout_ms)
{
	struct pollfd pfd = { .fd = d->call_fd, .events = POLLIN };
	struct timespec deadline;
	__u64 count;
	int wait_ms, ret;

	virtq_deadline(&deadline, timeout_ms);
	for (;;) {
		if (virtq_used_pending(d))
			return virtq_consume(d, token, len);
		if (d->event_idx) {
			/* Ask for a call once the next element is added ... */
			__atomic_store_n(d->used_event, htole16(d->last_used_idx),
					 __ATOMIC_RELAXED);
			/* ... and look again after the device can see that. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (virtq_used_pending(d))
				continue;
		}
		wait_ms = virtq_remaining_ms(&deadline, timeout_ms);
		if (!wait_ms)
			return 0;
		ret = poll(&pfd, 1, wait_ms);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd.revents & (POLLERR | POLLNVAL))
			return -EIO;
		if ((pfd.revents & POLLIN) && read(d->call_fd, &count, sizeof(count)) < 0 &&
		    errno != EAGAIN)
			return -errno;
	}
}

void *virtq_call(struct virtq_dev *d, const void *req, size_t req_len, size_t resp_cap,
		 __u32 *resp_len, int timeout_ms)
{
	size_t mark = d->alloc_off, resp_end;
	struct iovec out, in;
	struct timespec deadline;
	void *resp, *req_buf, *token;
	__u32 len;
	int ret;

	virtq_deadline(&deadline, timeout_ms);
	resp = virtq_alloc(d, resp_cap);
	resp_end = d->alloc_off;
	req_buf = resp ? virtq_alloc(d, req_len) : NULL;
	if (!req_buf) {
		d->alloc_off = mark;
		errno = ENOMEM;
		return NULL;
	}
	memcpy(req_buf, req, req_len);
	out.iov_base = req_buf;
	out.iov_len = req_len;
	in.iov_base = resp;
	in.iov_len = resp_cap;
	ret = virtq_submit(d, &out, 1, &in, 1, false, resp);
	if (ret < 0) {
		d->alloc_off = mark;
		errno = -ret;
		return NULL;
	}
	do {
		ret = virtq_wait_used(d, &token, &len,
				      virtq_remaining_ms(&deadline, timeout_ms));
		if (!ret) {
			errno = ETIMEDOUT;
			return NULL;
		}
		if (ret < 0) {
			errno = -ret;
			return NULL;
		}
	} while (token != resp);
	/* The request copy was the last block allocated: give it back. */
	d->alloc_off = resp_end;
	*resp_len = len;
	return resp;
}
