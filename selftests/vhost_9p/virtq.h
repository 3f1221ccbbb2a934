/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtq: a guest-side split-virtqueue driver for the vhost-9p selftests.
 *
 * The test process plays both the VMM and the guest: an anonymous shared
 * mapping is the guest memory handed to vhost with VHOST_SET_MEM_TABLE, the
 * rings live at its start, and two eventfds are the kick and call fds of
 * the request queue.  Everything is little-endian, virtio 1.0 layout.
 */
#ifndef _VHOST_9P_SELFTEST_VIRTQ_H
#define _VHOST_9P_SELFTEST_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <linux/types.h>
#include <linux/virtio_ring.h>

/* Guest physical address of the first byte of guest memory (not 0). */
#define VIRTQ_GPA_BASE		0x100000ULL
/* Alignment of every block handed out by virtq_alloc(). */
#define VIRTQ_ALLOC_ALIGN	64
/* Largest ring size virtq_dev_open() accepts (the split-ring limit). */
#define VIRTQ_MAX_NUM		32768

/**
 * struct virtq_dev - one /dev/vhost-9p device and its request queue
 * @fd: the /dev/vhost-9p file descriptor
 * @kick_fd: eventfd given with VHOST_SET_VRING_KICK
 * @call_fd: eventfd given with VHOST_SET_VRING_CALL (non-blocking)
 * @no_kick: when nonzero, virtq_submit() and virtq_submit_raw() do not kick;
 *	tests set it directly and call virtq_kick() themselves
 * @event_idx: nonzero when VIRTIO_RING_F_EVENT_IDX was negotiated
 * @features: the feature bits set with VHOST_SET_FEATURES
 * @offered: the feature bits VHOST_GET_FEATURES returned
 * @num: ring size (a power of two)
 * @mem: host address of guest memory (guest address VIRTQ_GPA_BASE)
 * @mem_size: size of guest memory in bytes (a multiple of the page size)
 * @desc: the descriptor table, at the start of guest memory
 * @avail: the available ring
 * @used: the used ring
 * @used_event: the used_event field at the end of the available ring
 * @avail_event: the avail_event field at the end of the used ring
 * @avail_idx: the next available index to publish (free-running)
 * @last_used_idx: the next used index to consume (free-running)
 * @num_free: descriptors not in any submitted chain
 * @free_head: first free descriptor, @num when none is free
 * @free_next: driver-private links, never read back from guest memory:
 *	the free list for free descriptors, and the order of the descriptors
 *	of each in-flight chain
 * @chain_len: descriptors in the chain whose head is the index, 0 when that
 *	index is not the head of an in-flight chain
 * @tokens: the token of each in-flight chain, by head
 * @alloc_start: offset in guest memory of the first allocatable byte
 * @alloc_off: offset in guest memory of the next free byte
 */
struct virtq_dev {
	int fd;
	int kick_fd;
	int call_fd;
	int no_kick;
	int event_idx;
	__u64 features;
	__u64 offered;
	unsigned int num;
	void *mem;
	size_t mem_size;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	__le16 *used_event;
	__le16 *avail_event;
	__u16 avail_idx;
	__u16 last_used_idx;
	unsigned int num_free;
	unsigned int free_head;
	__u16 *free_next;
	__u16 *chain_len;
	void **tokens;
	size_t alloc_start;
	size_t alloc_off;
};

/**
 * virtq_dev_open() - open /dev/vhost-9p and set up its request queue
 * @d: the device to fill in
 * @ring_num: ring size, a power of two from 1 to VIRTQ_MAX_NUM
 * @mem_size: guest memory size in bytes, rounded up to the page size; it
 *	must hold the rings
 * @event_idx: also negotiate VIRTIO_RING_F_EVENT_IDX if the device offers it
 *
 * Opens the device, takes ownership (VHOST_SET_OWNER), sets the features
 * VIRTIO_F_VERSION_1, VIRTIO_9P_MOUNT_TAG and VIRTIO_RING_F_INDIRECT_DESC
 * (plus VIRTIO_RING_F_EVENT_IDX if @event_idx) that the device offers, maps
 * the guest memory and gives it as one region at guest address
 * VIRTQ_GPA_BASE, lays the rings out at its start and configures vring
 * VHOST_9P_VQ_REQUEST (size, addresses, base 0, kick and call eventfds).
 * The device is not started: that is VHOST_9P_SET_RUNNING.
 *
 * Return: 0, or a negative errno with everything released.
 */
int virtq_dev_open(struct virtq_dev *d, unsigned int ring_num, size_t mem_size,
		   bool event_idx);

/**
 * virtq_dev_close() - release everything virtq_dev_open() set up
 * @d: a device opened with virtq_dev_open()
 *
 * Closes the device and the eventfds and unmaps guest memory.  Calling it
 * again on the same @d does nothing.
 */
void virtq_dev_close(struct virtq_dev *d);

/**
 * virtq_dev_reown() - set the queue up again after VHOST_RESET_OWNER
 * @d: a device opened with virtq_dev_open() whose owner was reset
 *
 * Takes ownership again, as a VMM does for a guest reset: the same
 * features, an empty ring in the same guest memory, the same eventfds.
 * Requests in flight at the reset are forgotten.  The device is not
 * started: that is VHOST_9P_SET_RUNNING.
 *
 * Return: 0 or -errno.
 */
int virtq_dev_reown(struct virtq_dev *d);

/**
 * virtq_set_mem_table() - give the device its guest memory again
 * @d: a device opened with virtq_dev_open()
 *
 * VHOST_SET_MEM_TABLE with the one region virtq_dev_open() gave, as a VMM
 * does whenever its memory map changes.
 *
 * Return: 0 or -errno.
 */
int virtq_set_mem_table(struct virtq_dev *d);

/**
 * virtq_alloc() - allocate a block of guest memory
 * @d: the device
 * @len: bytes wanted
 *
 * A bump allocator over the guest memory after the rings.  The block is
 * VIRTQ_ALLOC_ALIGN-aligned and zeroed.
 *
 * Return: the host address of the block, or NULL when guest memory is full.
 */
void *virtq_alloc(struct virtq_dev *d, size_t len);

/**
 * virtq_reset_alloc() - free every block virtq_alloc() handed out
 * @d: the device
 *
 * This includes indirect tables and virtq_call() buffers, so it must not be
 * called while chains that use them are in flight.
 */
void virtq_reset_alloc(struct virtq_dev *d);

/**
 * virtq_gpa() - translate a host pointer into a guest physical address
 * @d: the device
 * @host_ptr: a pointer into guest memory
 *
 * Return: the guest physical address of @host_ptr, or 0 (never a valid
 * guest address) when @host_ptr is outside guest memory.
 */
__u64 virtq_gpa(struct virtq_dev *d, const void *host_ptr);

/**
 * virtq_host_ptr() - translate a guest physical address into a host pointer
 * @d: the device
 * @gpa: a guest physical address
 * @len: bytes that must lie in guest memory from @gpa on
 *
 * Return: the host address of @gpa, or NULL when @gpa..@gpa+@len is not
 * entirely in guest memory.
 */
void *virtq_host_ptr(struct virtq_dev *d, __u64 gpa, size_t len);

/**
 * virtq_submit() - make one descriptor chain available and kick
 * @d: the device
 * @out: driver-readable buffers, in order
 * @nout: number of @out buffers
 * @in: device-writable buffers, in order, after the @out ones
 * @nin: number of @in buffers
 * @indirect: put the buffers in an indirect table (allocated with
 *	virtq_alloc()) referred to by one VRING_DESC_F_INDIRECT descriptor
 * @token: remembered for the chain and returned by virtq_wait_used()
 *
 * Every buffer must start in guest memory; its length is not checked
 * against the end of guest memory.  The chain is published with a
 * store-release of the available index, and the kick eventfd is written
 * unless @d->no_kick is set.
 *
 * Return: the head descriptor index, -EINVAL if there are no buffers or a
 * length does not fit in 32 bits, -EFAULT if a buffer is outside guest
 * memory, -ENOSPC when there are not enough free descriptors (or, with
 * @indirect, no guest memory for the table).
 */
int virtq_submit(struct virtq_dev *d, const struct iovec *out, unsigned int nout,
		 const struct iovec *in, unsigned int nin, bool indirect, void *token);

/**
 * virtq_submit_raw() - make exactly the given descriptors available
 * @d: the device
 * @descs: descriptors in CPU byte order; addr is a guest physical address,
 *	flags and next are written as given, even when they loop or point
 *	outside the table
 * @n: number of descriptors
 * @token: remembered for the chain and returned by virtq_wait_used()
 *
 * The descriptors go into @n consecutive table slots: the lowest run of
 * @n free slots, so with no chain in flight they are slots 0 to @n - 1 and
 * tests can write meaningful next values.  The first is published as the
 * head, then the device is kicked unless @d->no_kick is set.  When the used
 * element comes back, the @n slots are freed whatever next says.
 *
 * Return: the head descriptor index, -EINVAL if @n is 0, -ENOSPC when
 * there is no run of @n free slots, or -ENOMEM.
 */
int virtq_submit_raw(struct virtq_dev *d, const struct vring_desc *descs, unsigned int n,
		     void *token);

/**
 * virtq_kick() - notify the device that buffers are available
 * @d: the device
 *
 * Writes 1 to the kick eventfd, whatever @d->no_kick says and whatever
 * notification suppression the device asks for.
 */
void virtq_kick(struct virtq_dev *d);

/**
 * virtq_wait_used() - wait for the next used element
 * @d: the device
 * @token: set to the token of the completed chain
 * @len: set to the used length the device wrote
 * @timeout_ms: how long to wait; negative waits forever, 0 only looks
 *
 * Polls the used ring and sleeps in poll() on the call eventfd while it is
 * empty (with VIRTIO_RING_F_EVENT_IDX, used_event is first set to the next
 * index expected).  Used elements are returned in ring order, and the
 * descriptors of the chain are freed.
 *
 * Return: 1 with @token and @len set, 0 on timeout, -EIO when the device
 * returned an id that is not the head of an in-flight chain (the element
 * is consumed), or another negative errno from poll() or read().
 */
int virtq_wait_used(struct virtq_dev *d, void **token, __u32 *len, int timeout_ms);

/**
 * virtq_call() - send one request and wait for its response
 * @d: the device
 * @req: the request bytes, copied into guest memory
 * @req_len: bytes in @req
 * @resp_cap: size of the device-writable response buffer
 * @resp_len: set to the used length the device wrote
 * @timeout_ms: how long to wait, as for virtq_wait_used()
 *
 * Submits a chain of one driver-readable and one device-writable buffer,
 * both allocated with virtq_alloc(), and waits for it.  Used elements of
 * other chains that complete first are consumed and dropped.  The request
 * copy is freed again once the response is in; the zero-filled response
 * buffer stays allocated until virtq_reset_alloc(), so tests that send many
 * requests should reset the allocator now and then.  On timeout nothing is
 * freed, since the chain is still in flight.
 *
 * Return: the host address of the response in guest memory, or NULL with
 * errno set: ETIMEDOUT on timeout, ENOMEM when guest memory is full, or the
 * error of virtq_submit() or virtq_wait_used().
 */
void *virtq_call(struct virtq_dev *d, const void *req, size_t req_len, size_t resp_cap,
		 __u32 *resp_len, int timeout_ms);

#endif /* _VHOST_9P_SELFTEST_VIRTQ_H */
