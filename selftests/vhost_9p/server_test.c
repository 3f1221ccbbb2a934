// SPDX-License-Identifier: GPL-2.0
/*
 * server_test: the 9P2000.L server of /dev/vhost-9p, driven as a guest
 * would drive it: T-messages on the virtqueue, R-messages checked field by
 * field against what the host file system says.  Each test gets a fresh
 * export directory under $TMPDIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "p9client.h"

#define ROOT	1

static void put_file(const char *dir, const char *name, const char *data)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		abort();
	close(fd);
}

FIXTURE(srv) {
	char dir[256];
	struct p9c c;
};

FIXTURE_SETUP(srv)
{
	char path[512];

	snprintf(self->dir, sizeof(self->dir), "%s/v9p.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	put_file(self->dir, "hello", "hello, world\n");
	snprintf(path, sizeof(path), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	put_file(path, "inner", "inner file\n");
	snprintf(path, sizeof(path), "%s/link", self->dir);
	ASSERT_EQ(0, symlink("sub", path));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->dir, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
}

FIXTURE_TEARDOWN(srv)
{
	p9c_close(&self->c);
	rm_tree(self->dir);
}

TEST_F(srv, version_negotiates_msize)
{
	struct v9p_str version;
	__u32 msize;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TVERSION, "ds", 8192U, P9S("9P2000.L")));
	ASSERT_EQ(0, p9c_get(&self->c, "ds", &msize, &version));
	EXPECT_EQ(8192, msize);
	EXPECT_STREQ("9P2000.L", version.str);
	/* More than the export allows is cut to its maximum. */
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TVERSION, "ds", 1U << 30, P9S("9P2000.L")));
	ASSERT_EQ(0, p9c_get(&self->c, "ds", &msize, &version));
	EXPECT_EQ(VHOST_9P_DEFAULT_MAX_MSIZE, msize);
}

TEST_F(srv, version_unknown_dialect)
{
	struct v9p_str version;
	__u32 msize;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TVERSION, "ds", 8192U, P9S("9P2000.u")));
	ASSERT_EQ(0, p9c_get(&self->c, "ds", &msize, &version));
	EXPECT_STREQ("unknown", version.str);
	/* No session: nothing else is served. */
	EXPECT_EQ(-EPROTO, p9c_rpc(&self->c, P9_TATTACH, "ddssd", 5U, P9_NOFID,
				   P9S(""), P9S(""), 0U));
}

TEST_F(srv, version_msize_too_small)
{
	EXPECT_EQ(-EINVAL, p9c_rpc(&self->c, P9_TVERSION, "ds", 512U, P9S("9P2000.L")));
}

TEST_F(srv, version_clunks_every_fid)
{
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(0, p9c_clunk(&self->c, ROOT));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "hello", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TVERSION, "ds", 8192U, P9S("9P2000.L")));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
}

TEST_F(srv, attach_root_is_a_directory)
{
	struct p9_qid qid;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TATTACH, "ddssd", 7U, P9_NOFID,
			     P9S("root"), P9S(""), 0U));
	ASSERT_EQ(0, p9c_get(&self->c, "Q", &qid));
	EXPECT_EQ(P9_QTDIR, qid.type);
}

TEST_F(srv, attach_errors)
{
	/* Fid in use, and an afid although no Tauth ever succeeds. */
	EXPECT_EQ(-EEXIST, p9c_rpc(&self->c, P9_TATTACH, "ddssd", ROOT, P9_NOFID,
				   P9S("root"), P9S(""), 0U));
	EXPECT_EQ(-EINVAL, p9c_rpc(&self->c, P9_TATTACH, "ddssd", 8U, 9U,
				   P9S("root"), P9S(""), 0U));
}

TEST_F(srv, auth_refused)
{
	EXPECT_EQ(-EOPNOTSUPP, p9c_rpc(&self->c, P9_TAUTH, "dssd", 3U, P9S("root"),
				       P9S(""), 0U));
}

TEST_F(srv, walk_and_read)
{
	char buf[64] = {};
	struct p9_qid qid;

	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 2, "sub/inner", &qid));
	EXPECT_EQ(P9_QTFILE, qid.type);
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, 0));
	ASSERT_EQ(11, p9c_read(&self->c, 2, 0, buf, sizeof(buf)));
	EXPECT_STREQ("inner file\n", buf);
	EXPECT_EQ(5, p9c_read(&self->c, 2, 6, buf, 5));
	EXPECT_EQ(0, memcmp(buf, "file\n", 5));
	/* At and past the end: no data, no error. */
	EXPECT_EQ(0, p9c_read(&self->c, 2, 11, buf, sizeof(buf)));
	EXPECT_EQ(0, p9c_read(&self->c, 2, 1 << 20, buf, sizeof(buf)));
	EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
}

TEST_F(srv, walk_partial_and_errors)
{
	struct p9_qid qid;

	/* The first name missing is an error; a later one, a partial walk. */
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, ROOT, 2, "missing", NULL));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "sub/missing", &qid));
	EXPECT_EQ(P9_QTDIR, qid.type);
	/* A partial walk creates no fid. */
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
	EXPECT_EQ(-EBADF, p9c_walk(&self->c, 99, 2, "sub", NULL));
	EXPECT_EQ(-ENOTDIR, p9c_walk(&self->c, ROOT, 2, "hello/x", NULL) == 1 ?
		  -ENOTDIR : -1);
	EXPECT_EQ(-EINVAL, p9c_walk(&self->c, ROOT, 2, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q",
				    NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "sub", NULL));
	EXPECT_EQ(-EEXIST, p9c_walk(&self->c, ROOT, 2, "hello", NULL));
}

TEST_F(srv, walk_clone_and_dotdot_stays_in_export)
{
	struct p9c_attr root, up;
	struct p9_qid qid;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	/* ".." at the root, and below it, never leaves the export. */
	ASSERT_EQ(3, p9c_walk(&self->c, ROOT, 3, "../../..", &qid));
	EXPECT_EQ(root.qid.path, qid.path);
	ASSERT_EQ(3, p9c_walk(&self->c, ROOT, 4, "sub/../..", &qid));
	ASSERT_EQ(0, p9c_getattr(&self->c, 4, &up));
	EXPECT_EQ(root.qid.path, up.qid.path);
}

TEST_F(srv, walk_never_follows_symlinks)
{
	struct p9_qid qid;
	char path[512];

	/* The link itself can be walked to, not through. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "link", &qid));
	EXPECT_EQ(P9_QTSYMLINK, qid.type);
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 3, "link/inner", NULL));
	snprintf(path, sizeof(path), "%s/abs", self->dir);
	ASSERT_EQ(0, symlink("/etc", path));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 3, "abs/passwd", NULL));
}

TEST_F(srv, walk_refuses_bad_names)
{
	struct v9p_str bad[] = {
		{ .len = 5, .str = "a/b/c" },
		{ .len = 3, .str = "a\0b" },
		{ .len = 1, .str = "." },
		{ .len = 0, .str = "" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, p9c_rpc(&self->c, P9_TWALK, "ddws", ROOT, 2U, 1U,
					   &bad[i]));
}

TEST_F(srv, getattr_matches_host)
{
	struct p9c_attr a;
	struct stat st;
	char path[512];

	snprintf(path, sizeof(path), "%s/hello", self->dir);
	ASSERT_EQ(0, lstat(path, &st));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "hello", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(P9_STATS_BASIC, a.valid & P9_STATS_BASIC);
	EXPECT_EQ(st.st_mode, a.mode);
	EXPECT_EQ(st.st_size, a.size);
	EXPECT_EQ(st.st_nlink, a.nlink);
	EXPECT_EQ(st.st_uid, a.uid);
	EXPECT_EQ(st.st_mtim.tv_sec, a.mtime_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, a.mtime_nsec);
	EXPECT_EQ(st.st_ino, a.qid.path);
	EXPECT_EQ(-EBADF, p9c_getattr(&self->c, 42, &a));
}

TEST_F(srv, malformed_messages_get_rlerror)
{
	__u8 msg[64] = { 0 };
	__u32 ecode;

	/* Size field larger than what was sent. */
	msg[0] = 40; msg[4] = P9_TCLUNK; msg[5] = 1;
	ASSERT_EQ(11, p9c_raw(&self->c, msg, 11, 64));
	EXPECT_EQ(P9_RLERROR, self->c.resp[4]);
	memcpy(&ecode, self->c.resp + 7, 4);
	EXPECT_EQ(EPROTO, ecode);
	/* A message shorter than its fields. */
	msg[0] = 9;
	ASSERT_EQ(11, p9c_raw(&self->c, msg, 9, 64));
	memcpy(&ecode, self->c.resp + 7, 4);
	EXPECT_EQ(EPROTO, ecode);
	/* An unknown type. */
	msg[0] = 7; msg[4] = 200;
	ASSERT_EQ(11, p9c_raw(&self->c, msg, 7, 64));
	memcpy(&ecode, self->c.resp + 7, 4);
	EXPECT_EQ(EOPNOTSUPP, ecode);
	/* A string whose length runs past the end. */
	msg[0] = 15; msg[4] = P9_TWALK; msg[13] = 1; msg[14] = 0;
	ASSERT_EQ(11, p9c_raw(&self->c, msg, 15, 64));
	memcpy(&ecode, self->c.resp + 7, 4);
	EXPECT_EQ(EPROTO, ecode);
	/* Too short for a header, or no room for a reply: dropped. */
	EXPECT_EQ(0, p9c_raw(&self->c, msg, 3, 64));
	msg[0] = 11; msg[4] = P9_TCLUNK;
	EXPECT_EQ(0, p9c_raw(&self->c, msg, 11, 4));
	/* And the session still works. */
	EXPECT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
}

TEST_F(srv, stats_count_requests)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };

	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_9P_GET_STATS, &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(1, st.fids);
	EXPECT_EQ(1, st.msg_count[P9_TVERSION]);
	EXPECT_EQ(1, st.msg_count[P9_TATTACH]);
	EXPECT_EQ(P9C_MSIZE, st.msize);
	EXPECT_EQ(VHOST_9P_DEFAULT_MAX_FIDS, st.max_fids);
}

TEST_F(srv, stats_time_requests)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };
	__u64 in_hist = 0;
	int i;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 10 + i, "", NULL));
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_9P_GET_STATS, &st));
	EXPECT_EQ(10, st.msg_count[P9_TWALK]);
	/* Each request takes some time, and none takes a second. */
	EXPECT_GE(st.msg_time_ns[P9_TWALK], 10);
	EXPECT_LT(st.msg_time_ns[P9_TWALK], 10 * 1000000000ULL);
	EXPECT_GT(st.msg_time_ns[P9_TVERSION], 0);
	for (i = 0; i < VHOST_9P_LATENCY_BUCKETS; i++)
		in_hist += st.latency_hist[i];
	EXPECT_EQ(st.requests, in_hist);
	EXPECT_EQ(0, st.latency_hist[VHOST_9P_LATENCY_BUCKETS - 1]);
}

/* A caller built with the first layout of the counters gets just those. */
TEST_F(srv, stats_size_of_older_callers)
{
	struct vhost_9p_stats st;
	size_t first = offsetof(struct vhost_9p_stats, msg_time_ns);

	memset(&st, 0xa5, sizeof(st));
	st.size = first;
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_9P_GET_STATS, &st));
	EXPECT_EQ(first, st.size);
	EXPECT_EQ(1, st.msg_count[P9_TATTACH]);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, st.msg_time_ns[P9_TVERSION]);
}

static struct vhost_9p_stats stats_of(struct p9c *c)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };

	if (ioctl(c->vq.fd, VHOST_9P_GET_STATS, &st))
		st.size = 0;
	return st;
}

static int set_poll_limit(struct p9c *c, unsigned int us)
{
	struct vhost_vring_state s = { .index = VHOST_9P_VQ_REQUEST, .num = us };

	return ioctl(c->vq.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s);
}

/* One request, one round trip: a Tgetattr of the root. */
static int one_request(struct p9c *c)
{
	struct p9c_attr attr;

	return p9c_getattr(c, ROOT, &attr);
}

/*
 * @n kicked requests @gap_ms apart, nothing else in between: reading the
 * counters would wait for the worker's polling to end (it holds the
 * queue), so that no poll could ever catch a request.
 */
static int requests_apart(struct p9c *c, unsigned int gap_ms, int n)
{
	while (n--) {
		usleep(gap_ms * 1000);
		if (one_request(c))
			return -1;
	}
	return 0;
}

/* The module's default polling limit (poll_us): 0 unless it was loaded with one. */
TEST_F(srv, ring_polling_off_by_default)
{
	struct vhost_vring_state s = { .index = VHOST_9P_VQ_REQUEST };
	struct vhost_9p_stats st;
	unsigned int dflt = 0;
	char buf[32];
	int i;

	if (read_text("/sys/module/vhost_9p/parameters/poll_us", buf, sizeof(buf)) > 0)
		dflt = atoi(buf);
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s));
	EXPECT_EQ(dflt, s.num);
	if (dflt)
		SKIP(return, "vhost_9p was loaded with poll_us=%u", dflt);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 10 + i, "", NULL));
	st = stats_of(&self->c);
	ASSERT_EQ(sizeof(st), st.size);
	EXPECT_EQ(0, st.poll_hits + st.poll_misses);
	EXPECT_EQ(0, st.poll_ns);
	EXPECT_EQ(0, st.poll_window_ns);
}

/*
 * With a limit, the window grows while the guest keeps sending, until the
 * worker's polling catches requests; then a request the guest never
 * kicks for is served all the same.  A limit of 0 stops it.
 */
TEST_F(srv, ring_polling_serves_unkicked_requests)
{
	struct vhost_9p_stats st;

	/* 200 ms: far longer than a round trip, even under emulation. */
	ASSERT_EQ(0, set_poll_limit(&self->c, 200000));
	/* From 4 us, 13 doublings pass 20 ms. */
	ASSERT_EQ(0, requests_apart(&self->c, 20, 30));
	/* The worker polls now: what the guest adds needs no kick. */
	self->c.vq.no_kick = 1;
	EXPECT_EQ(0, one_request(&self->c));
	EXPECT_EQ(0, one_request(&self->c));
	self->c.vq.no_kick = 0;
	st = stats_of(&self->c);
	TH_LOG("2 unkicked after 30: %llu polls caught a request, %llu not; window %.1f ms",
	       (unsigned long long)st.poll_hits, (unsigned long long)st.poll_misses,
	       st.poll_window_ns / 1e6);
	/*
	 * Only a poll can have served the two unkicked requests.  How many
	 * of the 30 kicked ones a poll caught first depends on how late the
	 * 20 ms sleeps wake: 12 or more idle, 11 once on a loaded machine.
	 */
	EXPECT_LE(2, st.poll_hits);
	EXPECT_GE(st.poll_window_ns, 20000000ULL);
	EXPECT_LE(st.poll_window_ns, 200000000ULL);
	/* A limit of 0 turns polling off from the next kick. */
	ASSERT_EQ(0, set_poll_limit(&self->c, 0));
	ASSERT_EQ(0, one_request(&self->c));
	EXPECT_EQ(0, stats_of(&self->c).poll_window_ns);
}

/*
 * A guest that goes quiet: each request after a gap longer than the limit
 * halves the window, down to no polling at all, and then the worker polls
 * no more.  Polling never outlasts the window.
 */
TEST_F(srv, ring_polling_stops_for_an_idle_guest)
{
	struct vhost_9p_stats st;
	__u64 prev;
	int i;

	ASSERT_EQ(0, set_poll_limit(&self->c, 20000));
	ASSERT_EQ(0, requests_apart(&self->c, 2, 20));
	prev = stats_of(&self->c).poll_window_ns;
	ASSERT_LT(0, prev);
	for (i = 0; i < 24 && prev; i++) {
		usleep(40 * 1000);
		ASSERT_EQ(0, one_request(&self->c));
		st = stats_of(&self->c);
		EXPECT_LE(st.poll_window_ns, prev);
		prev = st.poll_window_ns;
	}
	EXPECT_EQ(0, prev) TH_LOG("window still %llu ns after %d gaps of 40 ms",
				  (unsigned long long)prev, i);
	TH_LOG("no polling after %d gaps of 40 ms", i);
	st = stats_of(&self->c);
	for (i = 0; i < 3; i++) {
		usleep(40 * 1000);
		ASSERT_EQ(0, one_request(&self->c));
	}
	EXPECT_EQ(st.poll_ns, stats_of(&self->c).poll_ns);
	EXPECT_LE(st.poll_ns, (st.poll_hits + st.poll_misses) * 20000000ULL);
}

V9P_HARNESS_MAIN
