// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p transport: the /dev/vhost-9p character device, its glue to the
 * vhost core, and where each request is served.  The vhost core owns the
 * rings, the memory table, the kick and call eventfds and the worker; this
 * file routes ioctls to it, keeps the device's own features, takes
 * requests off the ring, serves each on the worker or hands it to the
 * export's workqueue (v9p_op_flags()), orders Rflush after the reply it
 * flushes, holds a Tversion until the requests in flight are answered,
 * polls the ring, and counts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/vhost_9p.h>

#include "vhost_9p.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * A fixed misc minor, so that kmod's static nodes create /dev/vhost-9p at
 * boot and the first open loads the module (as /dev/vhost-vsock does).  If a
 * kernel has given this minor to another driver, fall back to a dynamic one.
 */
#define VHOST_9P_MINOR		246

/* Requests served and bytes moved before the worker yields to other work. */
#define VHOST_9P_PKT_WEIGHT	256
#define VHOST_9P_BYTE_WEIGHT	0x80000

/*
 * How long, at most, the worker polls an empty ring before it sleeps, for
 * devices whose VMM does not set VHOST_SET_VRING_BUSYLOOP_TIMEOUT.
 */
static unsigned int poll_us;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us, "default ring polling limit in microseconds (0: never poll)");

/* The window a polling device starts from, and below which it stops. */
#define V9P_POLL_MIN_NS		(4 * NSEC_PER_USEC)

/*
 * The request bytes an asynchronous request keeps: all the fields of the
 * largest (Tsetattr, 67 bytes), but Twrite's data.  Padding after them is
 * not copied, so it cannot force a request onto the worker.
 */
#define V9P_ASYNC_MSG_MAX	72
/* Their replies, but Rreaddir's entries: Rread's header, Rwrite, Rfsync. */
#define V9P_ASYNC_REPLY_MAX	64

/* What vhost_9p_handle_request() did with a request. */
enum {
	V9P_ANSWERED,	/* the reply is written: add it to the used ring */
	V9P_DEFERRED,	/* it completes later, in vhost_9p_complete() */
	V9P_RETRY,	/* put back on the ring until requests in flight end */
};

/**
 * struct v9p_async - a request served on the export's workqueue
 * @work: its work item
 * @done: on vhost_9p.done once answered
 * @v9p: the device
 * @srv: the export
 * @head: its descriptor chain
 * @len: the bytes its reply wrote into the guest
 * @flush_head: the chain of a Tflush to answer after it, or -1
 * @flush_len: that Rflush's length
 * @req_iter: the rest of the request (Twrite's data)
 * @resp_iter: the guest's reply buffers
 * @resp_len: their size
 * @nout: how many of @iov hold the request
 * @nin: how many of @iov, after those, are reply buffers
 * @req: the request
 * @msg: its copy
 * @reply: room for its reply
 * @iov: a copy of its descriptors' iovecs: vq->iov is the next request's
 */
struct v9p_async {
	struct work_struct work;
	struct llist_node done;
	struct vhost_9p *v9p;
	struct v9p_server *srv;
	int head;
	u32 len;
	int flush_head;
	u32 flush_len;
	struct iov_iter req_iter;
	struct iov_iter resp_iter;
	size_t resp_len;
	unsigned int nout;
	unsigned int nin;
	struct v9p_request req;
	u8 msg[V9P_ASYNC_MSG_MAX];
	u8 reply[V9P_ASYNC_REPLY_MAX];
	struct iovec iov[];
};

/* Write the reply of a served request into the guest's buffers. */
static u32 put_reply(struct v9p_request *req, const struct iovec *in_iov,
		     unsigned int in, size_t resp_len, struct iov_iter *resp_iter)
{
	struct iov_iter head;

	if (req->data_placed) {
		/* Rread: the data is in place; the header goes in front of it. */
		iov_iter_init(&head, ITER_DEST, in_iov, in, resp_len);
		if (copy_to_iter(req->out.data, V9P_IOHDR_SIZE, &head) != V9P_IOHDR_SIZE)
			return 0;
		return req->reply_len;
	}
	if (copy_to_iter(req->out.data, req->reply_len, resp_iter) != req->reply_len)
		return 0;
	return req->reply_len;
}

/*
 * The server's clock is local_clock(), not ktime_get_ns(): that reads the
 * clocksource, which in a nested guest is an emulated HPET, and a profile
 * of the worker there found a tenth of its time in read_hpet() for these
 * statistics alone.  Between two CPUs it may step back a little while
 * sched_clock is unstable: an interval is never less than 0.
 */
static u64 elapsed_ns(u64 since)
{
	u64 now = local_clock();

	return now > since ? now - since : 0;
}

/*
 * Count a request, answered with @len bytes, in the statistics: only ever
 * on the vhost worker.
 */
static void account(struct v9p_server *srv, const struct v9p_request *req, u32 len)
{
	u64 ns = elapsed_ns(req->start_ns);

	trace_vhost_9p_reply(srv->export.tag, req->tag, req->type, req->err, len,
			     req->io_bytes, ns);
	srv->xprt.stats.requests++;
	srv->xprt.stats.latency_hist[min_t(unsigned int, fls64(div_u64(ns, NSEC_PER_USEC)),
				      VHOST_9P_LATENCY_BUCKETS - 1)]++;
	if (req->type < VHOST_9P_MSG_TYPES) {
		srv->xprt.stats.msg_count[req->type]++;
		srv->xprt.stats.msg_time_ns[req->type] += ns;
	}
	if (req->err) {
		srv->xprt.stats.errors++;
		if (req->err == -EPROTO)
			srv->xprt.stats.bad_requests++;
	}
	if (req->type == P9_TREAD)
		srv->xprt.stats.read_bytes += req->io_bytes;
	else if (req->type == P9_TWRITE)
		srv->xprt.stats.write_bytes += req->io_bytes;
}

static void vhost_9p_async_work(struct work_struct *work)
{
	struct v9p_async *a = container_of(work, struct v9p_async, work);
	struct vhost_9p *v9p = a->v9p;
	struct mm_struct *mm = v9p->dev.mm;
	struct mem_cgroup *old_memcg;

	v9p_hold(v9p, &a->req);
	/* Guest memory is mapped in the VMM: borrow its address space. */
	if (mm && mmget_not_zero(mm)) {
		kthread_use_mm(mm);
		old_memcg = set_active_memcg(a->srv->export.memcg);
		v9p_serve(a->srv, &a->req);
		a->len = put_reply(&a->req, a->iov + a->nout, a->nin, a->resp_len,
				   &a->resp_iter);
		set_active_memcg(old_memcg);
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	v9p_reply_free(&a->req);
	/* @a belongs to vhost_9p_complete() from here. */
	llist_add(&a->done, &v9p->done);
	v9p_vq_work_queue(&v9p->vq, &v9p->complete_work);
}

/* Answer, on the vhost worker, the requests the workqueue has served. */
static void vhost_9p_complete(struct vhost_work *work)
{
	struct vhost_9p *v9p = container_of(work, struct vhost_9p, complete_work);
	struct vhost_virtqueue *vq = &v9p->vq;
	struct llist_node *done = llist_del_all(&v9p->done);
	struct v9p_async *a, *next;
	struct v9p_server *srv;
	bool resume = false;

	if (!done)
		return;
	mutex_lock(&vq->mutex);
	llist_for_each_entry_safe(a, next, llist_reverse_order(done), done) {
		srv = a->srv;
		account(srv, &a->req, a->len);
		vhost_add_used(vq, a->head, a->len);
		xa_erase(&srv->xprt.pending, a->req.tag);
		/* Rflush only once the flushed request is answered. */
		if (a->flush_head >= 0)
			vhost_add_used(vq, a->flush_head, a->flush_len);
		if (srv->xprt.inflight-- == V9P_MAX_INFLIGHT ||
		    (!srv->xprt.inflight && srv->xprt.barrier))
			resume = true;
		kfree(a);
	}
	vhost_signal(vq->dev, vq);
	/* The worker stopped taking requests: let it go on. */
	if (resume && vhost_vq_get_backend(vq))
		vhost_poll_queue(&vq->poll);
	mutex_unlock(&vq->mutex);
}

/*
 * Answered requests whose completion the worker never ran: a vhost_task
 * killed with its process (6.4+) runs no more work.  The device is
 * stopped; their replies are in guest memory, never on the used ring.
 */
static void vhost_9p_drop_done(struct vhost_9p *v9p)
{
	struct llist_node *done = llist_del_all(&v9p->done);
	struct v9p_async *a, *next;

	mutex_lock(&v9p->vq.mutex);
	llist_for_each_entry_safe(a, next, done, done) {
		xa_erase(&a->srv->xprt.pending, a->req.tag);
		a->srv->xprt.inflight--;
		kfree(a);
	}
	mutex_unlock(&v9p->vq.mutex);
}

/* Hand a request to the workqueue: it gets its own copies of everything. */
static int queue_async(struct vhost_9p *v9p, struct v9p_server *srv,
		       struct v9p_request *req, int head, unsigned int out,
		       unsigned int in, size_t copied, size_t req_len, size_t resp_len)
{
	struct vhost_virtqueue *vq = &v9p->vq;
	struct v9p_async *a;

	lockdep_assert_held(&vq->mutex);
	a = kmalloc(struct_size(a, iov, out + in), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	/* A tag can be pending once: a guest reusing one gets EPROTO. */
	if (xa_insert(&srv->xprt.pending, req->tag, a, GFP_KERNEL_ACCOUNT)) {
		kfree(a);
		return -EBUSY;
	}
	INIT_WORK(&a->work, vhost_9p_async_work);
	a->v9p = v9p;
	a->srv = srv;
	a->head = head;
	a->len = 0;
	a->flush_head = -1;
	a->nout = out;
	a->nin = in;
	a->resp_len = resp_len;
	memcpy(a->iov, vq->iov, (out + in) * sizeof(struct iovec));
	memcpy(a->msg, req->in.data, copied);
	iov_iter_init(&a->req_iter, ITER_SOURCE, a->iov, out, req_len);
	iov_iter_advance(&a->req_iter, copied);
	iov_iter_init(&a->resp_iter, ITER_DEST, a->iov + out, in, resp_len);

	/*
	 * Only what the worker decoded: @req's buffers and iterators are the
	 * worker's, and its next request reuses them.
	 */
	a->req = (struct v9p_request) {
		.tag = req->tag,
		.type = req->type,
		.reply_cap = req->reply_cap,
		.start_ns = req->start_ns,
		.async = true,
		.data_in = &a->req_iter,
		.data_out = &a->resp_iter,
	};
	v9p_buf_init(&a->req.in, a->msg, copied, NULL, 0);
	a->req.in.pos = V9P_HDR_SIZE;
	v9p_buf_init(&a->req.out, a->reply, min_t(size_t, resp_len, sizeof(a->reply)),
		     NULL, 0);
	srv->xprt.inflight++;
	queue_work(srv->xprt.wq, &a->work);
	return 0;
}

/* The fid a request starts with: all but Tversion and Tflush have one. */
static u32 first_fid(const struct v9p_request *req)
{
	__le32 fid;

	if (req->type == P9_TVERSION || req->type == P9_TFLUSH ||
	    req->in.size < V9P_HDR_SIZE + sizeof(fid))
		return P9_NOFID;
	memcpy(&fid, req->in.data + V9P_HDR_SIZE, sizeof(fid));
	return le32_to_cpu(fid);
}

/* Tflush of a request in flight: the request to answer it after, or NULL. */
static struct v9p_async *flush_target(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_async *a;
	u16 oldtag;

	if (v9p_readf(&req->in, "w", &oldtag))
		return NULL;
	req->in.pos = V9P_HDR_SIZE;
	a = xa_load(&srv->xprt.pending, oldtag);
	/* A second Tflush of the same request is answered at once. */
	return a && a->flush_head < 0 ? a : NULL;
}

/*
 * A Tread the page cache answers is answered here, on the ring worker: a
 * trip through the workqueue costs more than copying a few pages (the
 * Linux client reads a page per Tread where it reads straight into user
 * memory).  So are a Tlopen and a Tsetattr that break no lease.  False if
 * it would sleep: @req is as it was, for the workqueue.
 */
static bool serve_at_once(struct v9p_server *srv, struct v9p_request *req)
{
	struct v9p_request tried = *req;
	struct iov_iter data = *req->data_out;

	tried.nowait = true;
	tried.data_out = &data;
	v9p_serve(srv, &tried);
	if (tried.err == -EAGAIN) {
		v9p_reply_free(&tried);
		return false;
	}
	*req = tried;
	req->nowait = false;
	req->data_out = NULL;
	return true;
}

/*
 * Take the request in the descriptors vhost_get_vq_desc() just returned:
 * the first @out iovecs hold the T-message, the @in after them receive the
 * R-message.  Sets *@len to the bytes written to the guest when answered
 * at once (0 for a request too short to answer, which is dropped).
 */
static int vhost_9p_handle_request(struct vhost_9p *v9p, struct v9p_server *srv,
				   int head, unsigned int out, unsigned int in,
				   u32 *len)
{
	struct vhost_virtqueue *vq = &v9p->vq;
	struct iov_iter req_iter, resp_iter;
	struct v9p_request req = {};
	size_t req_len, resp_len, copy;
	u8 *buf = srv->xprt.req_buf;
	struct v9p_async *target = NULL;
	bool deferred = false;
	struct v9p_buf hdr;
	u32 size;
	u8 flags;
	int ret;

	*len = 0;
	req.start_ns = local_clock();
	req_len = iov_length(vq->iov, out);
	resp_len = iov_length(vq->iov + out, in);
	iov_iter_init(&req_iter, ITER_SOURCE, vq->iov, out, req_len);
	iov_iter_init(&resp_iter, ITER_DEST, vq->iov + out, in, resp_len);

	/* Too short to carry a tag, or no room for an Rlerror: drop it. */
	if (req_len < V9P_HDR_SIZE || resp_len < V9P_IOHDR_SIZE ||
	    !copy_from_iter_full(buf, V9P_HDR_SIZE, &req_iter)) {
		srv->xprt.stats.bad_requests++;
		return V9P_ANSWERED;
	}
	v9p_buf_init(&hdr, buf, V9P_HDR_SIZE, NULL, 0);
	v9p_readf(&hdr, "dbw", &size, &req.type, &req.tag);

	/* A new session waits for the old one's requests to end. */
	if (req.type == P9_TVERSION && srv->xprt.inflight) {
		srv->xprt.barrier = true;
		return V9P_RETRY;
	}
	srv->xprt.barrier = false;

	/* Twrite data stays in guest memory: copy only its header. */
	copy = req.type == P9_TWRITE ? min_t(size_t, req_len, V9P_TWRITE_HDR_SIZE) : req_len;
	req.reply_cap = min_t(size_t, resp_len, srv->export.max_msize);
	v9p_buf_init(&req.out, srv->xprt.reply_buf, req.reply_cap, NULL, 0);
	if (size != req_len || copy > V9P_REQ_MAX ||
	    (srv->session.msize && req_len > srv->session.msize) ||
	    !copy_from_iter_full(buf + V9P_HDR_SIZE, copy - V9P_HDR_SIZE, &req_iter)) {
		req.err = -EPROTO;
		v9p_put_error(&req.out, req.tag, size != req_len ? EPROTO : EMSGSIZE);
		req.reply_len = req.out.pos;
		goto reply;
	}
	v9p_buf_init(&req.in, buf, copy, buf + V9P_REQ_MAX, V9P_REQ_MAX);
	req.in.pos = V9P_HDR_SIZE;
	v9p_record(buf, copy);
	if (trace_vhost_9p_request_enabled())
		trace_vhost_9p_request(srv->export.tag, req.tag, req.type, first_fid(&req), size);

	req.data_in = &req_iter;
	req.data_out = &resp_iter;
	flags = v9p_op_flags(req.type);
	if ((flags & V9P_OP_NOWAIT) && srv->session.msize && !v9p_hold_armed(&req)) {
		if (serve_at_once(srv, &req))
			goto reply;
		deferred = true;
	}
	if (((flags & V9P_OP_BLOCKS) || deferred) && srv->session.msize) {
		ret = queue_async(v9p, srv, &req, head, out, in,
				  min_t(size_t, copy, V9P_ASYNC_MSG_MAX), req_len, resp_len);
		if (!ret)
			return V9P_DEFERRED;
		/*
		 * A tag in flight used again (no client does that), or no
		 * memory for the copy: serving a request here that would
		 * sleep would block the worker.
		 */
		if (ret == -EBUSY || deferred) {
			req.err = ret == -EBUSY ? -EPROTO : ret;
			v9p_put_error(&req.out, req.tag, -req.err);
			req.reply_len = req.out.pos;
			goto reply;
		}
	}
	if (req.type == P9_TFLUSH)
		target = flush_target(srv, &req);
	v9p_hold(v9p, &req);
	v9p_serve(srv, &req);
reply:
	*len = put_reply(&req, vq->iov + out, in, resp_len, &resp_iter);
	account(srv, &req, *len);
	v9p_reply_free(&req);
	if (target) {
		/* Rflush goes to the used ring right after the flushed reply. */
		target->flush_len = *len;
		target->flush_head = head;
		return V9P_DEFERRED;
	}
	return V9P_ANSWERED;
}

/*
 * The worker was asleep on an empty ring and a kick woke it: size the next
 * polling window from how long the guest took, as QEMU's AioContext does.
 * A request that came within the limit would have been caught by a longer
 * window: double it.  One that took longer would not: halve it, down to
 * no polling at all, so that an idle guest costs nothing.
 */
static void poll_adapt(struct vhost_9p *v9p)
{
	u64 limit = (u64)v9p->vq.busyloop_timeout * NSEC_PER_USEC;
	u64 gap;

	if (!v9p->idle_since)
		return;
	gap = elapsed_ns(v9p->idle_since) + v9p->poll_ns;
	v9p->idle_since = 0;
	if (gap <= limit)
		v9p->poll_ns = clamp_t(u64, v9p->poll_ns * 2, V9P_POLL_MIN_NS, limit);
	else if (v9p->poll_ns / 2 < V9P_POLL_MIN_NS || v9p->poll_ns > limit)
		v9p->poll_ns = 0;
	else
		v9p->poll_ns /= 2;
}

/*
 * Poll the empty ring for up to the window (not 0) before sleeping: a guest that
 * answers a reply with its next request then needs no exit to kick us.
 * The guest's notifications stay off meanwhile.  Gives up at once for
 * other work of the worker (completions), a reschedule or a signal.
 */
static bool ring_poll(struct vhost_9p *v9p, struct v9p_server *srv)
{
	struct vhost_virtqueue *vq = &v9p->vq;
	u64 start, spent;
	bool found;

	start = local_clock();
	do {
		found = !vhost_vq_avail_empty(vq->dev, vq);
		spent = elapsed_ns(start);
		if (found || need_resched() || signal_pending(current) ||
		    v9p_vq_has_work(vq))
			break;
		cpu_relax();
	} while (spent < v9p->poll_ns);
	srv->xprt.stats.poll_ns += spent;
	if (found)
		srv->xprt.stats.poll_hits++;
	else
		srv->xprt.stats.poll_misses++;
	return found;
}

/* A new owner starts from the module's limit and no window. */
static void poll_reset(struct vhost_9p *v9p)
{
	v9p->vq.busyloop_timeout = READ_ONCE(poll_us);
	v9p->poll_ns = 0;
	v9p->idle_since = 0;
}

static void vhost_9p_handle_kick(struct vhost_work *work)
{
	struct vhost_virtqueue *vq = container_of(work, struct vhost_virtqueue,
						  poll.work);
	struct vhost_9p *v9p = container_of(vq, struct vhost_9p, vq);
	struct mem_cgroup *old_memcg;
	struct v9p_server *srv;
	unsigned int out, in;
	int head, served = 0;
	size_t total = 0;
	bool added = false;
	u32 len;

	mutex_lock(&vq->mutex);
	/* No backend: not running; requests wait on the ring. */
	srv = vhost_vq_get_backend(vq);
	if (!srv)
		goto out;
	/* What the guest makes the host allocate is the VMM's (see memcg). */
	old_memcg = set_active_memcg(srv->export.memcg);

	poll_adapt(v9p);
	vhost_disable_notify(vq->dev, vq);
	do {
		/*
		 * Enough in flight: leave the rest on the ring; the next
		 * completion comes back here.
		 */
		if (srv->xprt.inflight >= V9P_MAX_INFLIGHT)
			break;
		head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov),
					 &out, &in, NULL, NULL);
		/* A malformed ring: vhost_get_vq_desc() said why (vq_err). */
		if (unlikely(head < 0))
			break;
		if (head == vq->num) {
			if (v9p->poll_ns) {
				/* The guest waits for these replies: not for the poll. */
				if (added)
					vhost_signal(vq->dev, vq);
				added = false;
				if (ring_poll(v9p, srv))
					continue;
			}
			if (unlikely(vhost_enable_notify(vq->dev, vq))) {
				vhost_disable_notify(vq->dev, vq);
				continue;
			}
			if (vq->busyloop_timeout)
				v9p->idle_since = local_clock();
			break;
		}
		switch (vhost_9p_handle_request(v9p, srv, head, out, in, &len)) {
		case V9P_RETRY:
			vhost_discard_vq_desc(vq, 1);
			goto signal;
		case V9P_DEFERRED:
			continue;
		}
		vhost_add_used(vq, head, len);
		added = true;
		total += len;
	} while (likely(!vhost_exceeds_weight(vq, ++served, total)));
signal:
	/* One interrupt for the whole batch. */
	if (added)
		vhost_signal(vq->dev, vq);
	set_active_memcg(old_memcg);
out:
	mutex_unlock(&vq->mutex);
}

static int vhost_9p_open(struct inode *inode, struct file *file)
{
	struct vhost_9p *v9p;

	v9p = kzalloc(sizeof(*v9p), GFP_KERNEL_ACCOUNT);
	if (!v9p)
		return -ENOMEM;

	v9p->vqs[VHOST_9P_VQ_REQUEST] = &v9p->vq;
	init_llist_head(&v9p->done);
	vhost_work_init(&v9p->complete_work, vhost_9p_complete);
	v9p->vq.handle_kick = vhost_9p_handle_kick;
	vhost_dev_init(&v9p->dev, v9p->vqs, ARRAY_SIZE(v9p->vqs), UIO_MAXIOV,
		       VHOST_9P_PKT_WEIGHT, VHOST_9P_BYTE_WEIGHT, true, NULL);
	poll_reset(v9p);

	file->private_data = v9p;
	return 0;
}

/*
 * Wait until every request taken off the ring is answered: those on the
 * workqueue, then their completions on the vhost worker.  Called with
 * dev.mutex held.
 */
static void vhost_9p_flush(struct vhost_9p *v9p)
{
	if (v9p->server)
		flush_workqueue(v9p->server->xprt.wq);
	vhost_dev_flush(&v9p->dev);
}

/*
 * Stop taking requests, and answer every request already taken: the ring
 * must be consistent for VHOST_GET_VRING_BASE, a restart or a close.
 */
static void vhost_9p_stop(struct vhost_9p *v9p)
{
	/* A held request holds the vq mutex or the workqueue: let it go. */
	v9p_unhold(v9p);
	mutex_lock(&v9p->vq.mutex);
	vhost_vq_set_backend(&v9p->vq, NULL);
	mutex_unlock(&v9p->vq.mutex);
	vhost_9p_flush(v9p);
	vhost_9p_drop_done(v9p);
}

/* The export goes, and the session first: the device is stopped. */
static void vhost_9p_drop_server(struct vhost_9p *v9p)
{
	if (!v9p->server)
		return;
	v9p_session_end(v9p->server);
	v9p_server_destroy(v9p->server);
	v9p->server = NULL;
}

static bool vhost_9p_running(struct vhost_9p *v9p)
{
	bool running;

	mutex_lock(&v9p->vq.mutex);
	running = vhost_vq_get_backend(&v9p->vq);
	mutex_unlock(&v9p->vq.mutex);
	return running;
}

static long vhost_9p_set_export(struct vhost_9p *v9p, void __user *argp)
{
	struct vhost_9p_export exp;
	struct v9p_server *srv;
	long ret;

	if (copy_from_user(&exp, argp, sizeof(exp)))
		return -EFAULT;
	mutex_lock(&v9p->dev.mutex);
	ret = vhost_dev_check_owner(&v9p->dev);
	if (ret)
		goto out;
	ret = -EBUSY;
	if (vhost_9p_running(v9p))
		goto out;
	srv = v9p_server_create(&exp);
	ret = PTR_ERR_OR_ZERO(srv);
	if (ret)
		goto out;
	vhost_9p_drop_server(v9p);
	v9p->server = srv;
out:
	mutex_unlock(&v9p->dev.mutex);
	return ret;
}

static long vhost_9p_set_running(struct vhost_9p *v9p, void __user *argp)
{
	struct vhost_virtqueue *vq = &v9p->vq;
	int start;
	long ret;

	if (copy_from_user(&start, argp, sizeof(start)))
		return -EFAULT;
	mutex_lock(&v9p->dev.mutex);
	ret = vhost_dev_check_owner(&v9p->dev);
	if (ret)
		goto out;
	if (!start) {
		vhost_9p_stop(v9p);
		goto out;
	}
	ret = -EINVAL;
	if (!v9p->server)
		goto out;
	mutex_lock(&vq->mutex);
	ret = -EFAULT;
	if (!vhost_vq_access_ok(vq))
		goto out_vq;
	if (!vhost_vq_get_backend(vq)) {
		v9p_hold_allow(v9p);
		vhost_vq_set_backend(vq, v9p->server);
		ret = vhost_vq_init_access(vq);
		if (ret) {
			vhost_vq_set_backend(vq, NULL);
			goto out_vq;
		}
	}
	ret = 0;
	/* Serve what the guest queued before the device started. */
	vhost_poll_queue(&vq->poll);
out_vq:
	mutex_unlock(&vq->mutex);
out:
	mutex_unlock(&v9p->dev.mutex);
	return ret;
}

static long vhost_9p_get_stats(struct vhost_9p *v9p, void __user *argp)
{
	struct vhost_9p_stats *stats;
	long ret = 0;
	u32 size;

	if (get_user(size, (u32 __user *)argp))
		return -EFAULT;
	if (size < offsetofend(struct vhost_9p_stats, fids))
		return -EINVAL;
	size = min_t(u32, size, sizeof(*stats));
	/* Too large for the stack with the per-message arrays. */
	stats = kzalloc(sizeof(*stats), GFP_KERNEL);
	if (!stats)
		return -ENOMEM;
	mutex_lock(&v9p->dev.mutex);
	if (v9p->server) {
		mutex_lock(&v9p->vq.mutex);
		*stats = v9p->server->xprt.stats;
		stats->fids = atomic_read(&v9p->server->session.nr_fids);
		stats->msize = v9p->server->session.msize;
		stats->max_fids = v9p->server->export.max_fids;
		stats->poll_window_ns = v9p->poll_ns;
		mutex_unlock(&v9p->vq.mutex);
	}
	mutex_unlock(&v9p->dev.mutex);
	stats->size = size;
	if (copy_to_user(argp, stats, size))
		ret = -EFAULT;
	kfree(stats);
	return ret;
}

static int vhost_9p_release(struct inode *inode, struct file *file)
{
	struct vhost_9p *v9p = file->private_data;

	vhost_9p_stop(v9p);
	vhost_dev_stop(&v9p->dev);
	vhost_9p_drop_server(v9p);
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
	vhost_dev_stop(&v9p->dev);
	/* The guest is gone: so is its session, not the export. */
	if (v9p->server)
		v9p_session_end(v9p->server);
	vhost_dev_reset_owner(&v9p->dev, umem);
	/* That reset the vq's polling limit too. */
	poll_reset(v9p);
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
	case VHOST_9P_SET_EXPORT:
		return vhost_9p_set_export(v9p, argp);
	case VHOST_9P_SET_RUNNING:
		return vhost_9p_set_running(v9p, argp);
	case VHOST_9P_GET_STATS:
		return vhost_9p_get_stats(v9p, argp);
	default:
		mutex_lock(&v9p->dev.mutex);
		ret = vhost_dev_ioctl(&v9p->dev, ioctl, argp);
		if (ret == -ENOIOCTLCMD) {
			ret = vhost_vring_ioctl(&v9p->dev, ioctl, argp);
		} else if (ioctl == VHOST_SET_MEM_TABLE && !ret) {
			/*
			 * The workqueue too: its requests' buffers were
			 * translated with the table this replaced, and the
			 * VMM unmaps what it removed once this returns.
			 */
			vhost_9p_flush(v9p);
		} else {
			vhost_dev_flush(&v9p->dev);
		}
		mutex_unlock(&v9p->dev.mutex);
		return ret;
	}
}

/*
 * /proc/PID/fdinfo/FD of a device: what it serves and how busy it is, so
 * that an operator (vhost9p-ctl status) can tell the instances of a host
 * apart without access to the VMM.
 */
static void vhost_9p_show_fdinfo(struct seq_file *m, struct file *file)
{
	static const char * const models[] = {
		[VHOST_9P_SECURITY_NONE] = "none",
		[VHOST_9P_SECURITY_PASSTHROUGH] = "passthrough",
		[VHOST_9P_SECURITY_MAPPED_XATTR] = "mapped-xattr",
	};
	struct vhost_9p *v9p = file->private_data;
	struct v9p_server *srv;

	mutex_lock(&v9p->dev.mutex);
	srv = v9p->server;
	if (!srv) {
		seq_puts(m, "vhost-9p-export:\tnone\n");
		goto out;
	}
	seq_puts(m, "vhost-9p-tag:\t");
	seq_escape(m, srv->export.tag, " \t\n\\");
	seq_putc(m, '\n');
	seq_puts(m, "vhost-9p-path:\t");
	seq_path(m, &srv->export.root, " \t\n\\");
	seq_putc(m, '\n');
	seq_printf(m, "vhost-9p-model:\t%s\n", models[srv->export.security_model]);
	seq_printf(m, "vhost-9p-readonly:\t%d\n",
		   !!(srv->export.flags & VHOST_9P_EXPORT_READONLY));
	mutex_lock(&v9p->vq.mutex);
	seq_printf(m, "vhost-9p-running:\t%d\n", !!vhost_vq_get_backend(&v9p->vq));
	seq_printf(m, "vhost-9p-msize:\t%u\n", srv->session.msize);
	seq_printf(m, "vhost-9p-fids:\t%d\n", atomic_read(&srv->session.nr_fids));
	seq_printf(m, "vhost-9p-max-fids:\t%u\n", srv->export.max_fids);
	seq_printf(m, "vhost-9p-lock-owners:\t%u\n", READ_ONCE(srv->session.nr_lock_owners));
	seq_printf(m, "vhost-9p-inflight:\t%u\n", srv->xprt.inflight);
	seq_printf(m, "vhost-9p-requests:\t%llu\n", srv->xprt.stats.requests);
	seq_printf(m, "vhost-9p-errors:\t%llu\n", srv->xprt.stats.errors);
	mutex_unlock(&v9p->vq.mutex);
out:
	mutex_unlock(&v9p->dev.mutex);
}

static const struct file_operations vhost_9p_fops = {
	.owner		= THIS_MODULE,
	.open		= vhost_9p_open,
	.release	= vhost_9p_release,
	.llseek		= noop_llseek,
	.unlocked_ioctl	= vhost_9p_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= vhost_9p_show_fdinfo,
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

	v9p_fault_init();
	ret = misc_register(&vhost_9p_misc);
	if (ret == -EBUSY) {
		pr_warn("misc minor %d is taken: using a dynamic minor, so opening /dev/vhost-9p will not load the module; load it with 'modprobe vhost_9p' at boot\n",
			VHOST_9P_MINOR);
		vhost_9p_misc.minor = MISC_DYNAMIC_MINOR;
		ret = misc_register(&vhost_9p_misc);
	}
	if (ret)
		v9p_fault_exit();
	return ret;
}
module_init(vhost_9p_init);

static void __exit vhost_9p_exit(void)
{
	misc_deregister(&vhost_9p_misc);
	v9p_fault_exit();
}
module_exit(vhost_9p_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-9p: virtio-9p (9P2000.L) file server in the host kernel");
MODULE_ALIAS_MISCDEV(VHOST_9P_MINOR);
MODULE_ALIAS("devname:vhost-9p");
