// SPDX-License-Identifier: GPL-2.0
/*
 * async_test: several requests in flight.  A Tread is held in the kernel,
 * deterministically, by pointing its data buffer at guest memory behind a
 * userfaultfd: the server blocks copying into it until the test resolves
 * the fault.  Meanwhile other requests must be answered (out of order), a
 * Tflush of the held request must be answered only after it, a Tversion
 * must wait for it, and closing the device must wait for it and then
 * release everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "p9client.h"

#define ROOT		1
#define FILE_FID	2
#define FILE_SIZE	65536
#define HELD_TAG	0x4242

/* A client whose next Tread can be held in the kernel. */
struct held {
	char dir[256];
	struct p9c c;
	int uffd;
	char *page;		/* guest memory behind the userfaultfd */
	char *hdr;		/* the held read's header buffer */
	long page_size;
};

FIXTURE(held) {
	struct held h;
};

/* Build a message in guest memory; returns its length. */
static __u32 build(struct p9c *c, void *where, __u8 type, __u16 tag, const char *fmt, ...)
{
	struct v9p_buf b;
	va_list ap;

	v9p_buf_init(&b, where, 256, NULL, 0);
	v9p_begin_reply(&b, type, tag);
	va_start(ap, fmt);
	v9p_vwritef(&b, fmt, ap);
	va_end(ap);
	return v9p_end_reply(&b);
}

/* Submit a message of @len bytes at @msg with a reply buffer of @cap. */
static void *submit(struct p9c *c, void *msg, __u32 len, size_t cap)
{
	struct iovec out = { .iov_base = msg, .iov_len = len };
	struct iovec in = { .iov_len = cap };

	in.iov_base = virtq_alloc(&c->vq, cap);
	if (!in.iov_base || virtq_submit(&c->vq, &out, 1, &in, 1, false, in.iov_base) < 0)
		return NULL;
	return in.iov_base;
}

/* Queue a Tread of FILE_FID whose data lands on the held page. */
static int submit_held_read(struct held *self)
{
	struct iovec out, in[2];

	out.iov_base = virtq_alloc(&self->c.vq, 64);
	out.iov_len = build(&self->c, out.iov_base, P9_TREAD, HELD_TAG, "dqd",
			    (__u32)FILE_FID, (__u64)0, (__u32)self->page_size);
	in[0].iov_base = self->hdr;
	in[0].iov_len = V9P_IOHDR_SIZE;
	in[1].iov_base = self->page;
	in[1].iov_len = self->page_size;
	return virtq_submit(&self->c.vq, &out, 1, in, 2, false, self->hdr);
}

/* Wait for the server to fault on the held page. */
static int wait_fault(int uffd, int timeout_ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EPROTO;
}

/* Let the held request go: map a page there. */
static int release_page(struct held *self)
{
	struct uffdio_copy copy = {
		.dst = (unsigned long)self->page,
		.len = self->page_size,
	};
	void *src = calloc(1, self->page_size);

	copy.src = (unsigned long)src;
	if (ioctl(self->uffd, UFFDIO_COPY, &copy))
		return -errno;
	free(src);
	return 0;
}

static __u16 reply_tag(const void *reply)
{
	const __u8 *p = reply;

	return p[5] | p[6] << 8;
}

FIXTURE_SETUP(held)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MISSING_SHMEM };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	char path[512], data[FILE_SIZE];
	int fd, i;

	snprintf(self->h.dir, sizeof(self->h.dir), "%s/v9p-async.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->h.dir));
	snprintf(path, sizeof(path), "%s/data", self->h.dir);
	for (i = 0; i < FILE_SIZE; i++)
		data[i] = 'a' + i % 26;
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_EQ(FILE_SIZE, write(fd, data, FILE_SIZE));
	close(fd);

	ASSERT_EQ(0, p9c_open_dir(&self->h.c, self->h.dir, 0));
	ASSERT_EQ(0, p9c_session(&self->h.c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->h.c, ROOT, FILE_FID, "data", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->h.c, FILE_FID, 0));
	virtq_reset_alloc(&self->h.c.vq);

	/* The last page of guest memory, never touched: drop it, then trap it. */
	self->h.page_size = sysconf(_SC_PAGESIZE);
	self->h.page = (char *)self->h.c.vq.mem + self->h.c.vq.mem_size - self->h.page_size;
	self->h.hdr = virtq_alloc(&self->h.c.vq, 64);
	ASSERT_EQ(0, madvise(self->h.page, self->h.page_size, MADV_REMOVE));
	self->h.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (self->h.uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->h.uffd, UFFDIO_API, &api));
	reg.range.start = (unsigned long)self->h.page;
	reg.range.len = self->h.page_size;
	ASSERT_EQ(0, ioctl(self->h.uffd, UFFDIO_REGISTER, &reg));
}

FIXTURE_TEARDOWN(held)
{
	if (self->h.c.vq.fd > 0)
		p9c_close(&self->h.c);
	if (self->h.uffd >= 0)
		close(self->h.uffd);
	rm_tree(self->h.dir);
}

TEST_F(held, others_are_answered_while_one_is_held)
{
	void *getattr, *token;
	__u32 len, msg_len;
	void *msg;
	int i;

	ASSERT_LE(0, submit_held_read(&self->h));
	ASSERT_EQ(0, wait_fault(self->h.uffd, 5000));
	/* The read is stuck in the kernel; a getattr must not wait for it. */
	for (i = 0; i < 3; i++) {
		msg = virtq_alloc(&self->h.c.vq, 64);
		msg_len = build(&self->h.c, msg, P9_TGETATTR, 100 + i, "dq", (__u32)ROOT,
				(__u64)P9_STATS_BASIC);
		getattr = submit(&self->h.c, msg, msg_len, 256);
		ASSERT_NE(NULL, getattr);
		ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
		EXPECT_EQ(getattr, token);
		EXPECT_EQ(P9_RGETATTR, ((__u8 *)token)[4]);
		EXPECT_EQ(100 + i, reply_tag(token));
	}
	ASSERT_EQ(0, release_page(&self->h));
	ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
	EXPECT_EQ(self->h.hdr, token);
	EXPECT_EQ(V9P_IOHDR_SIZE + self->h.page_size, len);
	EXPECT_EQ(P9_RREAD, self->h.hdr[4]);
	EXPECT_EQ(0, memcmp(self->h.page, "abcdefghijklmnopqrstuvwxyzabcdef", 32));
}

TEST_F(held, flush_is_answered_after_the_flushed_request)
{
	void *flush, *token;
	__u32 len, msg_len;
	void *msg;

	ASSERT_LE(0, submit_held_read(&self->h));
	ASSERT_EQ(0, wait_fault(self->h.uffd, 5000));
	msg = virtq_alloc(&self->h.c.vq, 64);
	msg_len = build(&self->h.c, msg, P9_TFLUSH, 7, "w", (unsigned int)HELD_TAG);
	flush = submit(&self->h.c, msg, msg_len, 64);
	ASSERT_NE(NULL, flush);
	/* Rflush must not come while the flushed request is unanswered. */
	EXPECT_EQ(0, virtq_wait_used(&self->h.c.vq, &token, &len, 300));
	ASSERT_EQ(0, release_page(&self->h));
	ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
	EXPECT_EQ(self->h.hdr, token);
	ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
	EXPECT_EQ(flush, token);
	EXPECT_EQ(V9P_HDR_SIZE, len);
	EXPECT_EQ(P9_RFLUSH, ((__u8 *)flush)[4]);
	EXPECT_EQ(7, reply_tag(flush));
}

TEST_F(held, version_waits_for_requests_in_flight)
{
	void *version, *token;
	__u32 len, msg_len;
	void *msg;

	ASSERT_LE(0, submit_held_read(&self->h));
	ASSERT_EQ(0, wait_fault(self->h.uffd, 5000));
	msg = virtq_alloc(&self->h.c.vq, 64);
	msg_len = build(&self->h.c, msg, P9_TVERSION, P9_NOTAG, "ds", (__u32)8192,
			P9S("9P2000.L"));
	version = submit(&self->h.c, msg, msg_len, 64);
	ASSERT_NE(NULL, version);
	EXPECT_EQ(0, virtq_wait_used(&self->h.c.vq, &token, &len, 300));
	ASSERT_EQ(0, release_page(&self->h));
	ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
	EXPECT_EQ(self->h.hdr, token);
	ASSERT_EQ(1, virtq_wait_used(&self->h.c.vq, &token, &len, 5000));
	EXPECT_EQ(version, token);
	EXPECT_EQ(P9_RVERSION, ((__u8 *)version)[4]);
}

static void *release_later(void *arg)
{
	struct held *self = arg;

	usleep(500 * 1000);
	release_page(self);
	return NULL;
}

TEST_F(held, close_waits_for_the_held_request)
{
	pthread_t thread;
	double start;

	ASSERT_LE(0, submit_held_read(&self->h));
	ASSERT_EQ(0, wait_fault(self->h.uffd, 5000));
	ASSERT_EQ(0, pthread_create(&thread, NULL, release_later, &self->h));
	start = now();
	p9c_close(&self->h.c);
	self->h.c.vq.fd = -1;
	EXPECT_LE(0.4, now() - start);
	EXPECT_GT(10.0, now() - start);
	pthread_join(thread, NULL);
	/* A new device over the same export works. */
	ASSERT_EQ(0, p9c_open_dir(&self->h.c, self->h.dir, 0));
	EXPECT_EQ(0, p9c_session(&self->h.c, ROOT));
}

FIXTURE(many) {
	char dir[256];
	struct p9c c;
};

FIXTURE_SETUP(many)
{
	char path[512], data[FILE_SIZE];
	int fd, i;

	snprintf(self->dir, sizeof(self->dir), "%s/v9p-many.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(path, sizeof(path), "%s/data", self->dir);
	for (i = 0; i < FILE_SIZE; i++)
		data[i] = i / 256;
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_EQ(FILE_SIZE, write(fd, data, FILE_SIZE));
	close(fd);
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->dir, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, FILE_FID, "data", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, FILE_FID, 0));
}

FIXTURE_TEARDOWN(many)
{
	p9c_close(&self->c);
	rm_tree(self->dir);
}

/* More reads at once than the device serves at once: all come back right. */
TEST_F(many, more_requests_than_the_inflight_limit)
{
	/* Two descriptors each, on a ring of 256; twice the inflight limit. */
	const int n = 120;
	void *replies[120], *token;
	int i, seen = 0, bad = 0;
	__u32 len, msg_len;
	__u8 *r;
	void *msg;

	virtq_reset_alloc(&self->c.vq);
	self->c.vq.no_kick = 1;
	for (i = 0; i < n; i++) {
		msg = virtq_alloc(&self->c.vq, 64);
		msg_len = build(&self->c, msg, P9_TREAD, i, "dqd", (__u32)FILE_FID,
				(__u64)(i % 256) * 256, 256U);
		replies[i] = submit(&self->c, msg, msg_len, 512);
		ASSERT_NE(NULL, replies[i]);
	}
	virtq_kick(&self->c.vq);
	while (seen < n && virtq_wait_used(&self->c.vq, &token, &len, 10000) == 1) {
		r = token;
		i = reply_tag(r);
		if (i >= n || replies[i] != token || len != V9P_IOHDR_SIZE + 256 ||
		    r[4] != P9_RREAD || r[V9P_IOHDR_SIZE] != i % 256)
			bad++;
		seen++;
	}
	EXPECT_EQ(n, seen);
	EXPECT_EQ(0, bad);
}

V9P_HARNESS_MAIN
