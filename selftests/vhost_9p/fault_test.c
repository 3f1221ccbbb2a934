// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test: every error path of the operations, and requests held in
 * flight, made deterministic by the debug module's fault injection
 * (CONFIG_VHOST_9P_FAULT_INJECTION, /sys/kernel/debug/vhost-9p).
 *
 * A sweep fails fault point N = 1, 2, ... of one request type until the
 * request succeeds: each failure must come back as the injected errno,
 * leave nothing behind on the host, and leave the fid table as it was.
 * Held requests: a Tflush is answered after the held request, closing
 * or resetting the device lets a held request go at once, and a new
 * memory table waits for the requests that translated with the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "p9client.h"

#define DFS		"/sys/kernel/debug/vhost-9p"
#define ROOT		1
#define SUB		2
#define FID		10
#define NOGID		P9_NOFID
#define P9_RDONLY	0U
#define P9_RDWR		2U
#define P9_CREATE	0100U
#define P9_TRUNC	01000U
#define P9_DIRECTORY	0200000U
#define HELD_TAG	0x4242
/* More fault points than any request passes: a sweep that gets here is stuck. */
#define MAX_POINTS	40

/* Write one command to a file of /sys/kernel/debug/vhost-9p. */
static int dfs_write(const char *file, const char *fmt, ...)
{
	char path[128], cmd[128];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), DFS "/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* The fail file's line for @type: how often its rule fired, and the points. */
static int rule_state(const char *type, unsigned int *fired, unsigned int *points)
{
	char buf[8192], *line, *save;
	size_t len = strlen(type);

	if (read_text(DFS "/fail", buf, sizeof(buf)) < 0)
		return -1;
	*fired = *points = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, type, len) && line[len] == ' ')
			return sscanf(line + len, " nth=%*u errno=%*d fired=%u points=%u",
				      fired, points) == 2 ? 0 : -1;
	return 0;
}

/* Wait until a request of @type with @tag is held in the module. */
static int wait_held(const char *type, unsigned int tag, int timeout_ms)
{
	char buf[4096], want[64];

	snprintf(want, sizeof(want), "held %s %u\n", type, tag);
	for (; timeout_ms > 0; timeout_ms -= 10) {
		if (read_text(DFS "/hold", buf, sizeof(buf)) >= 0 && strstr(buf, want))
			return 0;
		usleep(10 * 1000);
	}
	return -ETIMEDOUT;
}

static bool any_held(void)
{
	char buf[4096];

	return read_text(DFS "/hold", buf, sizeof(buf)) >= 0 && strstr(buf, "held ");
}

/* The fids the device holds, from its fdinfo. */
static int nr_fids(struct p9c *c)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", c->vq.fd);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "vhost-9p-fids:");
	return p ? atoi(p + strlen("vhost-9p-fids:")) : -1;
}

/* A different errno for each fault point, none that the paths make up. */
static int pick_errno(unsigned int n)
{
	static const int errs[] = { EIO, ENOMEM, EDQUOT, ENOSPC };

	return errs[n % 4];
}

/* Make fault point @n of @type fail, with pick_errno(n). */
static int fail_at(const char *type, unsigned int n)
{
	return dfs_write("fail", "%s %u %d", type, n, pick_errno(n));
}

static int lcreate(struct p9c *c, __u32 fid, const char *name, __u32 flags, __u32 mode)
{
	return p9c_rpc(c, P9_TLCREATE, "dsddd", fid, P9S(name), flags, mode, NOGID);
}

static int mkdir9(struct p9c *c, __u32 dfid, const char *name, __u32 mode)
{
	return p9c_rpc(c, P9_TMKDIR, "dsdd", dfid, P9S(name), mode, NOGID);
}

static int renameat9(struct p9c *c, __u32 olddir, const char *oldname, __u32 newdir,
		     const char *newname)
{
	return p9c_rpc(c, P9_TRENAMEAT, "dsds", olddir, P9S(oldname), newdir, P9S(newname));
}

static int xattrcreate9(struct p9c *c, __u32 fid, const char *name, __u64 size, __u32 flags)
{
	return p9c_rpc(c, P9_TXATTRCREATE, "dsqd", fid, P9S(name), size, flags);
}

static int readdir9(struct p9c *c, __u32 fid)
{
	__u32 n;
	int ret;

	ret = p9c_rpc(c, P9_TREADDIR, "dqd", fid, (__u64)0, 4096U);
	if (!ret && p9c_get(c, "d", &n))
		ret = -EBADMSG;
	return ret ? ret : (int)n;
}

static bool host_exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !lstat(path, &st);
}

static int host_put(const char *dir, const char *name, const char *data)
{
	char path[512];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		ret = -EIO;
	close(fd);
	return ret;
}

FIXTURE(fault) {
	char dir[256];
	struct p9c c;
	int fids;	/* what the device holds between requests */
};

FIXTURE_SETUP(fault)
{
	char path[512];

	if (access(DFS, F_OK))
		SKIP(return, "no " DFS ": not the debug module, or no debugfs mounted");
	snprintf(self->dir, sizeof(self->dir), "%s/v9p-fault.XXXXXX",
		 getenv("V9P_EXT4") ?: getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, host_put(self->dir, "file", "0123456789"));
	ASSERT_EQ(0, host_put(self->dir, "old", "moved around"));
	snprintf(path, sizeof(path), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, dfs_write("fail", "clear"));
	ASSERT_EQ(0, dfs_write("hold", "clear"));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->dir, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, SUB, "sub", NULL));
	self->fids = nr_fids(&self->c);
	ASSERT_EQ(2, self->fids);
}

FIXTURE_TEARDOWN(fault)
{
	if (access(DFS, F_OK))
		return;
	dfs_write("fail", "clear");
	dfs_write("hold", "clear");
	dfs_write("release", "all");
	if (self->c.vq.fd > 0)
		p9c_close(&self->c);
	rm_tree(self->dir);
}

/*
 * The checks after fault point @n of @type failed a request with @ret:
 * the injected errno, and the rule fired once.
 */
static void expect_failed_at(struct __test_metadata *_metadata, const char *type,
			     unsigned int n, int ret)
{
	unsigned int fired, points;

	EXPECT_EQ(-pick_errno(n), ret)
		TH_LOG("%s fault point %u: %d, not -%d", type, n, ret, pick_errno(n));
	ASSERT_EQ(0, rule_state(type, &fired, &points));
	EXPECT_EQ(1, fired);
}

/*
 * The request went through at the @n-th try: it passed every fault point
 * (the last was point n - 1) and the rule never fired.  Removes the rule.
 */
static void expect_passed_all(struct __test_metadata *_metadata, const char *type,
			      unsigned int n)
{
	unsigned int fired, points;

	ASSERT_EQ(0, rule_state(type, &fired, &points));
	EXPECT_EQ(0, fired);
	EXPECT_EQ(n - 1, points);
	EXPECT_LT(1, n);
	TH_LOG("%s: %u fault points, each failed once", type, n - 1);
	ASSERT_EQ(0, dfs_write("fail", "%s off", type));
}

/*
 * Twalk with newfid == fid moves the fid: a failure at any point, making
 * the moved fid included, leaves it naming what it named.
 */
TEST_F(fault, walk_in_place_sweep)
{
	struct p9_qid root_qid, sub_qid;
	struct p9c_attr attr;
	unsigned int n;
	int ret;

	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &attr));
	root_qid = attr.qid;
	for (n = 1; n < MAX_POINTS; n++) {
		/* The clone is a Twalk too: made before the rule is set. */
		ASSERT_EQ(0, dfs_write("fail", "Twalk off"));
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, FID, "", NULL));
		ASSERT_EQ(0, fail_at("Twalk", n));
		ret = p9c_walk(&self->c, FID, FID, "sub", &sub_qid);
		if (ret == 1)
			break;
		expect_failed_at(_metadata, "Twalk", n, ret);
		ASSERT_EQ(0, p9c_getattr(&self->c, FID, &attr))
			TH_LOG("Twalk failed at point %u and lost the fid it was moving", n);
		EXPECT_EQ(root_qid.path, attr.qid.path);
		EXPECT_EQ(0, p9c_clunk(&self->c, FID));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Twalk", n);
	ASSERT_EQ(0, p9c_getattr(&self->c, FID, &attr));
	EXPECT_EQ(sub_qid.path, attr.qid.path);
	EXPECT_NE(root_qid.path, attr.qid.path);
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
	EXPECT_EQ(self->fids, nr_fids(&self->c));
}

/*
 * A two-step Twalk to a new fid: a failure in the first step is an error,
 * one in the second a partial walk (one qid); neither makes the new fid.
 */
TEST_F(fault, walk_sweep)
{
	struct p9c_attr attr;
	unsigned int n, partial = 0;
	int ret;

	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Twalk", n));
		ret = p9c_walk(&self->c, ROOT, FID, "sub/..", NULL);
		if (ret == 2)
			break;
		if (ret == 1) {
			unsigned int fired, points;

			ASSERT_EQ(0, rule_state("Twalk", &fired, &points));
			EXPECT_EQ(1, fired);
			partial++;
		} else {
			expect_failed_at(_metadata, "Twalk", n, ret);
		}
		EXPECT_EQ(-EBADF, p9c_getattr(&self->c, FID, &attr))
			TH_LOG("Twalk failed at point %u but made the new fid", n);
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Twalk", n);
	EXPECT_LT(0, partial);
	EXPECT_EQ(0, p9c_getattr(&self->c, FID, &attr));
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
	EXPECT_EQ(self->fids, nr_fids(&self->c));
}

TEST_F(fault, lcreate_sweep)
{
	struct p9c_attr attr;
	unsigned int n;
	int ret;

	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Tlcreate", n));
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, FID, "", NULL));
		ret = lcreate(&self->c, FID, "new", P9_RDWR, 0640);
		if (!ret)
			break;
		expect_failed_at(_metadata, "Tlcreate", n, ret);
		ASSERT_FALSE(host_exists(self->dir, "new"))
			TH_LOG("Tlcreate failed at point %u but left the file behind", n);
		/* The fid still names the directory, unopened. */
		ASSERT_EQ(0, p9c_getattr(&self->c, FID, &attr));
		EXPECT_EQ(P9_QTDIR, attr.qid.type);
		EXPECT_EQ(0, p9c_clunk(&self->c, FID));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Tlcreate", n);
	EXPECT_TRUE(host_exists(self->dir, "new"));
	EXPECT_EQ(2, p9c_write(&self->c, FID, 0, "ok", 2));
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
	EXPECT_EQ(self->fids, nr_fids(&self->c));
}

TEST_F(fault, mkdir_sweep)
{
	struct p9c_attr attr;
	unsigned int n;
	int ret;

	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Tmkdir", n));
		ret = mkdir9(&self->c, SUB, "newdir", 0750);
		if (!ret)
			break;
		expect_failed_at(_metadata, "Tmkdir", n, ret);
		ASSERT_FALSE(host_exists(self->dir, "sub/newdir"))
			TH_LOG("Tmkdir failed at point %u but left the directory behind", n);
		EXPECT_EQ(0, p9c_getattr(&self->c, SUB, &attr));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Tmkdir", n);
	EXPECT_TRUE(host_exists(self->dir, "sub/newdir"));
	EXPECT_EQ(self->fids, nr_fids(&self->c));
}

TEST_F(fault, renameat_sweep)
{
	unsigned int n;
	int ret;

	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Trenameat", n));
		ret = renameat9(&self->c, ROOT, "old", SUB, "new");
		if (!ret)
			break;
		expect_failed_at(_metadata, "Trenameat", n, ret);
		EXPECT_TRUE(host_exists(self->dir, "old"));
		EXPECT_FALSE(host_exists(self->dir, "sub/new"));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Trenameat", n);
	EXPECT_FALSE(host_exists(self->dir, "old"));
	EXPECT_TRUE(host_exists(self->dir, "sub/new"));
	/* Both directories are still usable. */
	EXPECT_EQ(0, renameat9(&self->c, SUB, "new", ROOT, "old"));
}

TEST_F(fault, xattrcreate_sweep)
{
	char path[512], value[16];
	struct p9c_attr attr;
	unsigned int n;
	bool user_xattrs;
	int ret;

	snprintf(path, sizeof(path), "%s/file", self->dir);
	user_xattrs = !setxattr(path, "user.probe", "1", 1, 0);
	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Txattrcreate", n));
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, FID, "file", NULL));
		ret = xattrcreate9(&self->c, FID, "user.fault", 5, 0);
		if (!ret)
			break;
		expect_failed_at(_metadata, "Txattrcreate", n, ret);
		/* Still a fid of the file, which may be retried. */
		EXPECT_EQ(0, p9c_getattr(&self->c, FID, &attr));
		EXPECT_EQ(0, p9c_clunk(&self->c, FID));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Txattrcreate", n);
	EXPECT_EQ(5, p9c_write(&self->c, FID, 0, "value", 5));
	ret = p9c_clunk(&self->c, FID);
	if (user_xattrs) {
		EXPECT_EQ(0, ret);
		EXPECT_EQ(5, getxattr(path, "user.fault", value, sizeof(value)));
	}
	EXPECT_EQ(self->fids, nr_fids(&self->c));
}

TEST_F(fault, lopen_sweep)
{
	char buf[16];
	unsigned int n;
	int ret;

	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Tlopen", n));
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, FID, "file", NULL));
		ret = p9c_lopen(&self->c, FID, P9_RDWR | P9_TRUNC);
		if (!ret)
			break;
		expect_failed_at(_metadata, "Tlopen", n, ret);
		/* Told it failed, the guest must find the fid unopened. */
		ASSERT_EQ(-EBADF, p9c_read(&self->c, FID, 0, buf, sizeof(buf)))
			TH_LOG("Tlopen failed at point %u but the fid is open", n);
		EXPECT_EQ(0, p9c_clunk(&self->c, FID));
		EXPECT_EQ(self->fids, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Tlopen", n);
	EXPECT_EQ(2, p9c_write(&self->c, FID, 0, "ok", 2));
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
}

TEST_F(fault, readdir_sweep)
{
	unsigned int n;
	int ret;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, FID, "", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, FID, P9_RDONLY | P9_DIRECTORY));
	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Treaddir", n));
		ret = readdir9(&self->c, FID);
		if (ret >= 0)
			break;
		expect_failed_at(_metadata, "Treaddir", n, ret);
		EXPECT_EQ(self->fids + 1, nr_fids(&self->c));
	}
	expect_passed_all(_metadata, "Treaddir", n);
	EXPECT_LT(0, ret);
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
}

TEST_F(fault, write_sweep)
{
	char buf[32], path[512];
	unsigned int n;
	int ret;

	snprintf(path, sizeof(path), "%s/file", self->dir);
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, FID, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, FID, P9_RDWR));
	for (n = 1; n < MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_at("Twrite", n));
		ret = p9c_write(&self->c, FID, 0, "hello", 5);
		if (ret >= 0)
			break;
		expect_failed_at(_metadata, "Twrite", n, ret);
		ASSERT_EQ(10, read_text(path, buf, sizeof(buf)));
		EXPECT_STREQ("0123456789", buf);
	}
	expect_passed_all(_metadata, "Twrite", n);
	EXPECT_EQ(5, ret);
	ASSERT_EQ(10, read_text(path, buf, sizeof(buf)));
	EXPECT_STREQ("hello56789", buf);
	EXPECT_EQ(0, p9c_clunk(&self->c, FID));
}

static __u16 reply_tag(const void *reply)
{
	const __u8 *p = reply;

	return p[5] | p[6] << 8;
}

/* Hold the next Tread of an open file, and send one. */
static void *held_read(struct p9c *c)
{
	void *reply;

	if (p9c_walk(c, ROOT, FID, "file", NULL) != 1 || p9c_lopen(c, FID, P9_RDONLY))
		return NULL;
	virtq_reset_alloc(&c->vq);
	if (dfs_write("hold", "Tread"))
		return NULL;
	reply = p9c_post(c, P9_TREAD, HELD_TAG, 256, "dqd", (__u32)FID, (__u64)0, 64U);
	if (reply && wait_held("Tread", HELD_TAG, 5000))
		return NULL;
	return reply;
}

TEST_F(fault, flush_of_held_read_answered_after_it)
{
	void *rd, *flush, *token;
	__u32 len;

	rd = held_read(&self->c);
	ASSERT_NE(NULL, rd);
	flush = p9c_post(&self->c, P9_TFLUSH, 7, 64, "w", (unsigned int)HELD_TAG);
	ASSERT_NE(NULL, flush);
	/* Neither comes while the read is held. */
	EXPECT_EQ(0, virtq_wait_used(&self->c.vq, &token, &len, 300));
	ASSERT_EQ(0, dfs_write("release", "Tread"));
	ASSERT_EQ(1, virtq_wait_used(&self->c.vq, &token, &len, 5000));
	EXPECT_EQ(rd, token);
	EXPECT_EQ(P9_RREAD, ((__u8 *)rd)[4]);
	EXPECT_EQ(V9P_IOHDR_SIZE + 10, len);
	ASSERT_EQ(1, virtq_wait_used(&self->c.vq, &token, &len, 5000));
	EXPECT_EQ(flush, token);
	EXPECT_EQ(P9_RFLUSH, ((__u8 *)flush)[4]);
	EXPECT_EQ(7, reply_tag(flush));
	EXPECT_FALSE(any_held());
}

/* Closing the device lets its held request go: close does not wait for it. */
TEST_F(fault, close_during_held_read)
{
	int refs = module_refs();
	double start;

	ASSERT_NE(NULL, held_read(&self->c));
	start = now();
	p9c_close(&self->c);
	self->c.vq.fd = -1;
	EXPECT_GT(2.0, now() - start);
	EXPECT_FALSE(any_held());
	/* The device, its fids and its module reference are gone. */
	EXPECT_EQ(refs - 1, module_refs());
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->dir, 0));
	EXPECT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, nr_fids(&self->c));
}

/* The same for a request served on the vhost worker, holding its queue. */
TEST_F(fault, close_during_held_getattr)
{
	int refs = module_refs();
	double start;
	void *reply;

	virtq_reset_alloc(&self->c.vq);
	ASSERT_EQ(0, dfs_write("hold", "Tgetattr"));
	reply = p9c_post(&self->c, P9_TGETATTR, 9, 256, "dq", (__u32)ROOT,
			 (__u64)P9_STATS_BASIC);
	ASSERT_NE(NULL, reply);
	ASSERT_EQ(0, wait_held("Tgetattr", 9, 5000));
	start = now();
	p9c_close(&self->c);
	self->c.vq.fd = -1;
	EXPECT_GT(2.0, now() - start);
	EXPECT_FALSE(any_held());
	EXPECT_EQ(refs - 1, module_refs());
}

/* VHOST_RESET_OWNER with a request held: it is answered, the session ends. */
TEST_F(fault, reset_owner_during_held_read)
{
	void *rd, *token;
	double start;
	__u32 len;

	rd = held_read(&self->c);
	ASSERT_NE(NULL, rd);
	EXPECT_EQ(self->fids + 1, nr_fids(&self->c));
	start = now();
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_RESET_OWNER));
	EXPECT_GT(2.0, now() - start);
	EXPECT_FALSE(any_held());
	/* The read was answered before the device stopped... */
	ASSERT_EQ(1, virtq_wait_used(&self->c.vq, &token, &len, 1000));
	EXPECT_EQ(rd, token);
	EXPECT_EQ(P9_RREAD, ((__u8 *)rd)[4]);
	/* ...and the guest's session, with its fids, is gone. */
	EXPECT_EQ(0, nr_fids(&self->c));
}

struct mem_table_call {
	struct virtq_dev *vq;
	int ret;
	int done;
};

static void *set_mem_table_thread(void *arg)
{
	struct mem_table_call *call = arg;

	call->ret = virtq_set_mem_table(call->vq);
	__atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * VHOST_SET_MEM_TABLE while a Tread is held on the workqueue: the read's
 * buffers were translated with the old table, so the ioctl returns only
 * once the read is answered.  A VMM unmaps what it removed from the table
 * when the ioctl returns: a request still writing there would write into
 * whatever the VMM maps there next.
 */
TEST_F(fault, mem_table_waits_for_held_read)
{
	struct mem_table_call call = { .vq = &self->c.vq };
	void *rd, *token;
	pthread_t thread;
	__u32 len;

	rd = held_read(&self->c);
	ASSERT_NE(NULL, rd);
	ASSERT_EQ(0, pthread_create(&thread, NULL, set_mem_table_thread, &call));
	usleep(300 * 1000);
	EXPECT_FALSE(__atomic_load_n(&call.done, __ATOMIC_ACQUIRE))
		TH_LOG("the new memory table took effect under a held read");
	ASSERT_EQ(0, dfs_write("release", "Tread"));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, call.ret);
	/* The read was answered before the ioctl returned. */
	ASSERT_EQ(1, virtq_wait_used(&self->c.vq, &token, &len, 0));
	EXPECT_EQ(rd, token);
	EXPECT_EQ(P9_RREAD, ((__u8 *)rd)[4]);
	EXPECT_EQ(V9P_IOHDR_SIZE + 10, len);
	EXPECT_FALSE(any_held());
}

/* Release by type lets go of that type only; a hold is used once. */
TEST_F(fault, hold_is_one_shot)
{
	void *rd, *token;
	char buf[16];
	__u32 len;

	rd = held_read(&self->c);
	ASSERT_NE(NULL, rd);
	ASSERT_EQ(0, dfs_write("release", "Tgetattr"));
	EXPECT_EQ(0, virtq_wait_used(&self->c.vq, &token, &len, 200));
	ASSERT_EQ(0, dfs_write("release", "all"));
	ASSERT_EQ(1, virtq_wait_used(&self->c.vq, &token, &len, 5000));
	EXPECT_EQ(rd, token);
	/* The next Tread is not held. */
	EXPECT_EQ(10, p9c_read(&self->c, FID, 0, buf, sizeof(buf)));
}

V9P_HARNESS_MAIN
