// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test: what a guest can make the host hold, measured.  Each flood
 * (fids, attribute values, requests in flight, huge counts) must stop at
 * its limit with a defined errno, and what it made the host allocate must
 * be bounded at the limit and given back afterwards.  Then the lifecycle:
 * an export removed or lazily unmounted under a session, the VMM killed
 * mid-stream, VHOST_RESET_OWNER mid-stream; none may leak fids, files or
 * memory, and the next device must work.  The figures measured are
 * printed as KTAP diagnostics for Documentation/design.rst.
 *
 * Memory is read from /proc/meminfo after dropping caches and shrinking
 * the slab caches, and compared with generous bounds: the assertions are
 * about orders of magnitude (a leak of a fid per request, or a flood that
 * grows without limit), not about bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "minifuse.h"
#include "p9client.h"

#define ROOT		1
#define P9_RDONLY	0U
#define P9_RDWR		2U

/* Fids of the flood: half the default limit, well within the VM's memory. */
#define FLOOD_FIDS	65536
/*
 * What one fid may cost at most: struct v9p_fid is about 170 bytes
 * (kmalloc-192) and its xarray slot about 9 (576-byte nodes of 64 slots);
 * four times the next power of two is generous.
 */
#define FID_BOUND	1024
/* The module's budget for attribute values held by fids (V9P_XATTR_BUDGET). */
#define XATTR_BUDGET	(16 << 20)
#define XATTR_SIZE_MAX	65536
/* The module's V9P_MAX_LOCK_OWNERS: (fid, guest process) pairs holding locks. */
#define LOCK_RECORDS	4096
/* The module's V9P_MAX_INFLIGHT. */
#define MAX_INFLIGHT	64

/* The number after "@key:" in the file @path, or -1. */
static long file_field(const char *path, const char *key)
{
	size_t klen = strlen(key);
	char line[512];
	long val = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* A /proc/meminfo field, in KiB, or -1. */
static long mem_kib(const char *key)
{
	return file_field("/proc/meminfo", key);
}

/* A numeric field of /proc/PID/fdinfo/FD, or -1. */
static long fd_field(pid_t pid, int fd, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	return file_field(path, key);
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		; /* Not writable here: the figures are only noisier. */
	close(fd);
}

/*
 * Make freed memory show: drop the page and dentry caches, let RCU
 * callbacks (fids and xarray nodes are freed after a grace period) run,
 * and give empty slabs back to the page allocator.
 */
static void settle(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	usleep(50 * 1000);
	d = opendir("/sys/kernel/slab");
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
			write_str(path, "1");
		}
	closedir(d);
}

/*
 * Settle until the meminfo field @key is at most @target (KiB), for up to
 * @ms milliseconds: RCU and deferred frees take their time.  The last
 * value read.
 */
static long settle_to(const char *key, long target, int ms)
{
	double end = now() + ms / 1000.0;
	long val;

	for (;;) {
		settle();
		val = mem_kib(key);
		if (val <= target || now() > end)
			return val;
		usleep(100 * 1000);
	}
}

/* A directory of its own under TMPDIR. */
static void make_dir(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "%s/v9p-%s.XXXXXX", getenv("TMPDIR") ?: "/tmp", name);
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static int put_file(const char *dir, const char *name, size_t size)
{
	char path[512], buf[65536];
	size_t done = 0, n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (n = 0; n < sizeof(buf); n++)
		buf[n] = 'a' + n % 26;
	while (done < size) {
		n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return 0;
}

static int open_export(struct p9c *c, const char *dir, __u32 max_fids, __u32 max_msize)
{
	struct vhost_9p_export exp = {
		.max_fids = max_fids, .max_msize = max_msize, .tag = "limits",
	};

	return p9c_open_path(c, dir, &exp);
}

/* Tversion of @msize: the msize the server answers, or -errno. */
static long version(struct p9c *c, __u32 msize)
{
	struct v9p_str ver;
	__u32 got;
	int ret;

	ret = p9c_rpc(c, P9_TVERSION, "ds", msize, P9S("9P2000.L"));
	if (!ret)
		ret = p9c_get(c, "ds", &got, &ver);
	return ret ? ret : (long)got;
}

static int attach(struct p9c *c, __u32 fid)
{
	return p9c_rpc(c, P9_TATTACH, "ddssd", fid, (__u32)P9_NOFID, P9S("root"), P9S(""),
		       0U);
}

static int xattrcreate9(struct p9c *c, __u32 fid, const char *name, __u64 size)
{
	return p9c_rpc(c, P9_TXATTRCREATE, "dsqd", fid, P9S(name), size, 0U);
}

/*
 * Send one T-message with a single reply buffer of @cap bytes: the length
 * of the reply, *@reply pointing at it in guest memory, or -errno.
 */
static int call_cap(struct p9c *c, size_t cap, __u8 **reply, __u8 type, const char *fmt, ...)
{
	struct iovec out, in;
	struct v9p_buf b;
	__u32 used;
	void *token;
	va_list ap;
	int ret;

	virtq_reset_alloc(&c->vq);
	out.iov_base = virtq_alloc(&c->vq, 256);
	in.iov_base = virtq_alloc(&c->vq, cap);
	in.iov_len = cap;
	if (!out.iov_base || !in.iov_base)
		return -ENOMEM;
	v9p_buf_init(&b, out.iov_base, 256, NULL, 0);
	v9p_begin_reply(&b, type, c->tag++ % 0xfff0);
	va_start(ap, fmt);
	ret = v9p_vwritef(&b, fmt, ap);
	va_end(ap);
	if (ret)
		return -EMSGSIZE;
	out.iov_len = v9p_end_reply(&b);
	ret = virtq_submit(&c->vq, &out, 1, &in, 1, false, in.iov_base);
	if (ret < 0)
		return ret;
	ret = virtq_wait_used(&c->vq, &token, &used, P9C_TIMEOUT_MS);
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	*reply = token;
	return used;
}

/* The errno of an Rlerror at @r, or 0 for any other reply. */
static int rlerror(const __u8 *r)
{
	return r[4] == P9_RLERROR ? r[7] | r[8] << 8 | r[9] << 16 : 0;
}

static __u32 get32(const __u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

FIXTURE(lim) {
	char dir[256];
	char mnt[300];
	bool mounted;
	struct p9c c;
	bool open;
};

FIXTURE_SETUP(lim)
{
	make_dir(self->dir, sizeof(self->dir), "limits");
	ASSERT_NE(0, self->dir[0]);
	ASSERT_EQ(0, put_file(self->dir, "file", 4096));
	self->open = false;
	self->mounted = false;
}

FIXTURE_TEARDOWN(lim)
{
	if (self->open)
		p9c_close(&self->c);
	if (self->mounted)
		umount2(self->mnt, MNT_DETACH);
	rm_tree(self->dir);
}

/* A tmpfs of its own at @dir/mnt, named in @mnt: 0 or -errno. */
static int mount_tmpfs(const char *dir, char *mnt, size_t size, bool *mounted)
{
	snprintf(mnt, size, "%s/mnt", dir);
	if (mkdir(mnt, 0755))
		return -errno;
	if (mount("limits", mnt, "tmpfs", 0, "size=256m"))
		return -errno;
	*mounted = true;
	return 0;
}

/*
 * Fids: walk clones up to the export's limit, the next is EMFILE.  The
 * slab grows by a bounded amount per fid, and gives it back when the
 * session ends (Tversion) and when the device is closed.
 */
TEST_F_TIMEOUT(lim, fid_flood, 240)
{
	long s0, s1, s2, s3, a0, a1, growth, tol;
	double t0, secs;
	__u32 fid;

	ASSERT_EQ(0, open_export(&self->c, self->dir, FLOOD_FIDS, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	settle();
	s0 = mem_kib("Slab");
	a0 = mem_kib("MemAvailable");
	ASSERT_LT(0, s0);

	t0 = now();
	for (fid = ROOT + 1; fid <= FLOOD_FIDS; fid++)
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, fid, "", NULL)) TH_LOG("fid %u", fid);
	secs = now() - t0;
	EXPECT_EQ(-EMFILE, p9c_walk(&self->c, ROOT, fid, "", NULL));
	EXPECT_EQ(-EMFILE, p9c_walk(&self->c, ROOT, fid, "file", NULL));
	EXPECT_EQ(FLOOD_FIDS, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	settle();
	s1 = mem_kib("Slab");
	a1 = mem_kib("MemAvailable");
	growth = s1 - s0;
	ksft_print_msg("fid flood: %d fids, %.1f s: slab +%ld KiB (%ld B/fid), MemAvail -%ld KiB\n",
		       FLOOD_FIDS, secs, growth, growth * 1024 / FLOOD_FIDS, a0 - a1);
	EXPECT_GE((long)FLOOD_FIDS * FID_BOUND * debug_kernel_factor() / 1024, growth);

	/* Slack for other slab users and partial slabs: not a fid's worth each. */
	tol = 2048 + (growth > 0 ? growth / 10 : 0);
	/* A new session drops every fid. */
	ASSERT_LT(0, version(&self->c, P9C_MSIZE));
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	s2 = settle_to("Slab", s0 + tol, 5000);
	p9c_close(&self->c);
	self->open = false;
	s3 = settle_to("Slab", s0 + tol, 5000);
	ksft_print_msg("fid flood: slab after Tversion %+ld KiB, after close %+ld (cap +%ld)\n",
		       s2 - s0, s3 - s0, growth);
	EXPECT_GE(s0 + tol, s2);
	EXPECT_GE(s0 + tol, s3);

	/* The next device works. */
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
}

/*
 * The host's open files, from /proc/sys/fs/file-nr, or -1: a per-CPU
 * counter's sum, off by up to its batch on each CPU (and 0 when those
 * hold it all), so only large changes tell.
 */
static long open_files(void)
{
	long n = -1;
	FILE *f;

	f = fopen("/proc/sys/fs/file-nr", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Open files: a fid each, Tlopen'd, up to the export's limit (what a
 * guest that keeps 100,000 files open does, as the benchmark's fid test
 * does).  Each holds an open file on the host; reads and getattrs reach
 * early and late ones alike; Tversion closes them all, and the host's
 * count of open files comes back.
 */
TEST_F_TIMEOUT(lim, open_flood, 400)
{
	/*
	 * Under make check-debug's KASAN, Tversion closing 65,535 files
	 * outlasts the client's 10 s wait for a reply: fewer there.
	 */
	const __u32 last = ROOT + (FLOOD_FIDS - ROOT) / slow_factor();
	const ssize_t len = 64;
	long f0, f1, f2;
	struct p9c_attr attr;
	__u32 fid, probe;
	char buf[64];
	int i;

	ASSERT_EQ(0, open_export(&self->c, self->dir, FLOOD_FIDS, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	settle();
	f0 = open_files();
	ASSERT_LE(0, f0);

	for (fid = ROOT + 1; fid <= last; fid++) {
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, fid, "file", NULL)) TH_LOG("fid %u", fid);
		ASSERT_EQ(0, p9c_lopen(&self->c, fid, P9_RDWR)) TH_LOG("fid %u", fid);
		if (fid % 4096)
			continue;
		/* An early fid and this one still read and getattr. */
		probe = ROOT + 1 + (fid * 2654435761U) % (fid - ROOT);
		ASSERT_EQ(len, p9c_read(&self->c, probe, fid % (4096 - len), buf, len))
			TH_LOG("fid %u", probe);
		ASSERT_EQ(0, p9c_getattr(&self->c, fid, &attr));
		EXPECT_EQ(4096, attr.size);
	}
	if (last == FLOOD_FIDS)
		EXPECT_EQ(-EMFILE, p9c_walk(&self->c, ROOT, fid, "file", NULL));
	EXPECT_EQ(last - ROOT + 1, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	f1 = open_files();
	ksft_print_msg("open flood: %u open fids, host open files %+ld\n",
		       last - ROOT, f1 - f0);
	/* The root's fid holds none: one file per other fid. */
	EXPECT_LE(f0 + (long)(last - ROOT) - 256, f1);

	ASSERT_LT(0, version(&self->c, P9C_MSIZE));
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	/* Files a kthread drops are closed by a work item: give it time. */
	for (i = 0; i < 100 && (f2 = open_files()) > f0 + 256; i++)
		usleep(100 * 1000);
	ksft_print_msg("open flood: host open files after Tversion %+ld\n", f2 - f0);
	EXPECT_GE(f0 + 256, f2);

	/* The next session opens files as before. */
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));
	EXPECT_EQ(len, p9c_read(&self->c, 2, 0, buf, len));
}

/*
 * Attribute values: each Txattrcreate fid holds a buffer of up to
 * XATTR_SIZE_MAX until it is clunked, and Txattrwalk fids hold the value
 * read.  A guest holding many is bounded by the export's budget for them,
 * not by its fid limit (131072 fids of 64 KiB would be 8 GiB).
 */
TEST_F_TIMEOUT(lim, xattr_value_flood, 120)
{
	const int tries = 2 * XATTR_BUDGET / XATTR_SIZE_MAX;
	long m0, m1, m2;
	int i, ret = 0;
	__u32 fid;

	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	/* Over XATTR_SIZE_MAX: E2BIG before anything is held (ops_test too). */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	EXPECT_EQ(-E2BIG, xattrcreate9(&self->c, 2, "user.big", XATTR_SIZE_MAX + 1));
	EXPECT_EQ(0, p9c_clunk(&self->c, 2));

	settle();
	m0 = mem_kib("MemAvailable");
	for (i = 0; i < tries; i++) {
		fid = 100 + i;
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, fid, "file", NULL));
		ret = xattrcreate9(&self->c, fid, "user.flood", XATTR_SIZE_MAX);
		if (ret)
			break;
	}
	settle();
	m1 = mem_kib("MemAvailable");
	ksft_print_msg("xattr flood: %d values of %d B held (of %d), then %s; MemAvail -%ld KiB\n",
		       i, XATTR_SIZE_MAX, tries, ret ? strerror(-ret) : "no error",
		       m0 - m1);
	EXPECT_EQ(-ENOSPC, ret);
	EXPECT_GE(XATTR_BUDGET / XATTR_SIZE_MAX, i);
	EXPECT_LE(XATTR_BUDGET / XATTR_SIZE_MAX / 2, i);
	/* What was held is given back with the fids. */
	ASSERT_LT(0, version(&self->c, P9C_MSIZE));
	settle();
	m2 = mem_kib("MemAvailable");
	ksft_print_msg("xattr flood: after Tversion %+ld KiB MemAvailable\n", m2 - m0);
	/* Budget usable again: the session's values were released. */
	ASSERT_EQ(0, attach(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	EXPECT_EQ(0, xattrcreate9(&self->c, 2, "user.again", XATTR_SIZE_MAX));
}

/* Tversion with the largest msize a guest can ask: the export's maximum. */
TEST_F(lim, msize_is_capped)
{
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	EXPECT_EQ(VHOST_9P_DEFAULT_MAX_MSIZE, version(&self->c, 0xffffffffU));
	p9c_close(&self->c);
	self->open = false;

	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, VHOST_9P_MAX_MSIZE));
	self->open = true;
	EXPECT_EQ(VHOST_9P_MAX_MSIZE, version(&self->c, 0xffffffffU));
	p9c_close(&self->c);
	self->open = false;

	EXPECT_EQ(-EINVAL, open_export(&self->c, self->dir, 0, VHOST_9P_MAX_MSIZE + 1));
}

/*
 * Counts larger than the msize: a Twrite carrying more than msize is
 * refused whole (EMSGSIZE), one of exactly msize is written; Tread and
 * Treaddir counts are cut to the msize and to the guest's buffer.
 */
TEST_F_TIMEOUT(lim, huge_counts, 120)
{
	__u32 msize, count;
	char name[512];
	__u8 *buf, *r;
	struct stat st;
	int i, len;

	ASSERT_EQ(0, put_file(self->dir, "big", 1 << 20));
	snprintf(name, sizeof(name), "%s/many", self->dir);
	ASSERT_EQ(0, mkdir(name, 0755));
	/* About 1.2 MiB of Rreaddir: more than any msize. */
	for (i = 0; i < 5000; i++) {
		char rel[300];

		snprintf(rel, sizeof(rel), "many/%05d%0200d", i, 0);
		ASSERT_EQ(0, put_file(self->dir, rel, 0));
	}

	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	msize = version(&self->c, 0xffffffffU);
	ASSERT_EQ(VHOST_9P_DEFAULT_MAX_MSIZE, msize);
	self->c.msize = msize;
	ASSERT_EQ(0, attach(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "big", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));

	buf = malloc(msize);
	ASSERT_NE(NULL, buf);
	memset(buf, 'W', msize);
	EXPECT_EQ(msize - V9P_TWRITE_HDR_SIZE,
		  p9c_write(&self->c, 2, 0, buf, msize - V9P_TWRITE_HDR_SIZE));
	EXPECT_EQ(-EMSGSIZE, p9c_write(&self->c, 2, 0, buf, msize - V9P_TWRITE_HDR_SIZE + 1));
	EXPECT_EQ(-EMSGSIZE, p9c_write(&self->c, 2, 0, buf, 4 << 20));
	free(buf);
	snprintf(name, sizeof(name), "%s/big", self->dir);
	ASSERT_EQ(0, stat(name, &st));
	EXPECT_EQ(1 << 20, st.st_size);
	/* A count of 4 GiB - 1 with a few bytes of data: EPROTO. */
	len = call_cap(&self->c, 64, &r, P9_TWRITE, "dqd", 2U, (__u64)0, 0xffffffffU);
	ASSERT_LT(0, len);
	EXPECT_EQ(EPROTO, rlerror(r));

	/* Tread of 4 GiB - 1 into 1 MiB: msize. */
	len = call_cap(&self->c, 1 << 20, &r, P9_TREAD, "dqd", 2U, (__u64)0, 0xffffffffU);
	EXPECT_EQ(msize, len);
	EXPECT_EQ(P9_RREAD, r[4]);
	EXPECT_EQ(msize - V9P_IOHDR_SIZE, get32(r + V9P_HDR_SIZE));
	/* Into 4 KiB: the buffer. */
	len = call_cap(&self->c, 4096, &r, P9_TREAD, "dqd", 2U, (__u64)0, 0xffffffffU);
	EXPECT_EQ(4096, len);
	EXPECT_EQ(4096 - V9P_IOHDR_SIZE, get32(r + V9P_HDR_SIZE));

	/* Treaddir of 4 GiB - 1: as much as fits in msize, not more. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "many", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 3, P9_RDONLY));
	len = call_cap(&self->c, 1 << 20, &r, P9_TREADDIR, "dqd", 3U, (__u64)0, 0xffffffffU);
	ASSERT_LT(0, len);
	EXPECT_EQ(P9_RREADDIR, r[4]) TH_LOG("errno %d", rlerror(r));
	count = get32(r + V9P_HDR_SIZE);
	ksft_print_msg("huge counts: Rread %d bytes, Rreaddir %u bytes of entries (msize %u)\n",
		       (int)msize, count, msize);
	EXPECT_GE(msize, len);
	EXPECT_EQ(len - V9P_IOHDR_SIZE, count);
	EXPECT_LT(msize - V9P_IOHDR_SIZE - 300, count);
	/* Into 8 KiB: the buffer. */
	len = call_cap(&self->c, 8192, &r, P9_TREADDIR, "dqd", 3U, (__u64)0, 0xffffffffU);
	EXPECT_GE(8192, len);
	EXPECT_LT(8192 - 300, len);
}

/*
 * A lock a host process holds forever: Tlock, even with the block flag,
 * answers BLOCKED at once (the server never sleeps on a lock; the client
 * retries), and other requests go on being answered while it retries.
 */
TEST_F(lim, never_completing_lock_holds_no_worker)
{
	double t0, t, worst = 0, total;
	char path[512];
	struct holder h;
	struct p9c_attr attr;
	int i, n = 500;

	snprintf(path, sizeof(path), "%s/file", self->dir);
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));
	ASSERT_EQ(0, host_hold_lock(path, 0, 0, &h));
	t0 = now();
	for (i = 0; i < n; i++) {
		t = now();
		ASSERT_EQ(P9_LOCK_BLOCKED, p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK,
						    P9_LOCK_FLAGS_BLOCK, 0, 0, 7U));
		ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &attr));
		t = now() - t;
		if (t > worst)
			worst = t;
	}
	total = now() - t0;
	ksft_print_msg("blocked lock: %d Tlock retries and Tgetattrs, %.0f us each, worst %.0f\n",
		       n, total / n * 1e6, worst * 1e6);
	EXPECT_GT(1.0, worst);
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-inflight"));
	host_release_lock(&h);
	EXPECT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK,
					    P9_LOCK_FLAGS_BLOCK, 0, 0, 7U));
}

/*
 * The VMM's RLIMIT_FSIZE holds for what the guest writes, whichever
 * thread of the host serves it (before, writes on the workqueue's kworkers
 * had no limit): EFBIG past it, a short write across it, and a truncate
 * past it refused.
 */
TEST_F(lim, vmm_fsize_limit_holds)
{
	struct rlimit rl = { .rlim_cur = 1 << 20, .rlim_max = RLIM_INFINITY };
	char buf[100] = {};
	char path[512];
	struct stat st;

	/* As a shell would have it for the VMM: EFBIG, not a signal. */
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &rl));
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));
	EXPECT_EQ(-EFBIG, p9c_write(&self->c, 2, 1 << 20, buf, sizeof(buf)));
	EXPECT_EQ(-EFBIG, p9c_write(&self->c, 2, 5 << 20, buf, sizeof(buf)));
	EXPECT_EQ(10, p9c_write(&self->c, 2, (1 << 20) - 10, buf, sizeof(buf)));
	EXPECT_EQ(-EFBIG, p9c_rpc(&self->c, P9_TSETATTR, "dddddqqqqq", 2U, V9P_SETATTR_SIZE,
				  0U, 0U, 0U, (__u64)(2 << 20), (__u64)0, (__u64)0, (__u64)0,
				  (__u64)0));
	snprintf(path, sizeof(path), "%s/file", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(1 << 20, st.st_size);
}

/*
 * A reply that cannot be sent leaves nothing behind: requests offering
 * room for an Rlerror only are refused (EMSGSIZE) before they change
 * anything.  Before, the fid, the open file or the new file stayed.
 */
TEST_F(lim, no_room_for_the_reply_changes_nothing)
{
	char path[512], buf[64];
	struct stat st;
	__u8 *r;
	long n;

	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));

	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TATTACH, "ddssd",
					   5U, P9_NOFID, P9S("u"), P9S(""), 0U));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 5));

	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TWALK, "ddws",
					   (__u32)ROOT, 6U, 1U, P9S("file")));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 6));

	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 7, "file", NULL));
	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TLOPEN, "dd",
					   7U, P9_RDWR));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	EXPECT_EQ(0, p9c_lopen(&self->c, 7, P9_RDWR));

	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TMKDIR, "dsdd",
					   (__u32)ROOT, P9S("newdir"), 0755U, P9_NOFID));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	snprintf(path, sizeof(path), "%s/newdir", self->dir);
	EXPECT_EQ(-1, stat(path, &st));

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 8, "", NULL));
	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TLCREATE, "dsddd",
					   8U, P9S("newfile"), P9_RDWR, 0644U, P9_NOFID));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	snprintf(path, sizeof(path), "%s/newfile", self->dir);
	EXPECT_EQ(-1, stat(path, &st));
	/* Still the directory, unopened. */
	EXPECT_EQ(1, p9c_walk(&self->c, 8, 9, "file", NULL));

	ASSERT_EQ(V9P_IOHDR_SIZE, call_cap(&self->c, V9P_IOHDR_SIZE, &r, P9_TXATTRWALK, "dds",
					   (__u32)ROOT, 10U, P9S("")));
	EXPECT_EQ(EMSGSIZE, rlerror(r));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 10));

	/* A Tread that fails answers its Rlerror at the start of the buffer. */
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 11, "", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 11, P9_RDONLY));
	n = p9c_read(&self->c, 11, 0, buf, sizeof(buf));
	EXPECT_TRUE(n == -EISDIR || n == -EINVAL) TH_LOG("Tread of a directory: %ld", n);
}

#define CGROUP_ROOT	"/sys/fs/cgroup"

/* cgroup v2 with the memory controller for children: 0 or -errno. */
static int memory_cgroups(void)
{
	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	return access(CGROUP_ROOT "/cgroup.subtree_control", F_OK) ? -errno : 0;
}

/* A number of the cgroup @cg: its file @file, or the line "@key N" of it. */
static long cg_read(const char *cg, const char *file, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	char path[512], line[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!key || (!strncmp(line, key, klen) && line[klen] == ' ')) {
			val = strtol(line + klen, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static void cg_write(const char *cg, const char *file, const char *fmt, long v)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	snprintf(buf, sizeof(buf), fmt, v);
	write_str(path, buf);
}

/* How the VMM in the cgroup ended its fid flood (exit codes). */
enum { FLOOD_STOPPED = 0, FLOOD_SETUP = 2, FLOOD_EARLY = 3, FLOOD_UNBOUNDED = 4 };

/*
 * The VMM's side: join @cg, open a device, and walk fids: FLOOD_FIDS
 * freely, reporting what the cgroup was charged for them on @report, then
 * under a memory.max a few MiB above, until the server refuses one.
 */
static int cgroup_vmm(const char *dir, const char *cg, int report)
{
	long before, after, charged;
	struct p9c c;
	__u32 fid;
	int ret;

	cg_write(cg, "cgroup.procs", "%ld", getpid());
	if (open_export(&c, dir, 1 << 20, 0) || p9c_session(&c, ROOT))
		return FLOOD_SETUP;
	before = cg_read(cg, "memory.current", NULL);
	for (fid = 2; fid < 2 + FLOOD_FIDS / 4; fid++)
		if (p9c_walk(&c, ROOT, fid, "", NULL))
			return FLOOD_EARLY;
	after = cg_read(cg, "memory.current", NULL);
	charged = after - before;
	if (write(report, &charged, sizeof(charged)) != sizeof(charged))
		return FLOOD_SETUP;
	cg_write(cg, "memory.max", "%ld", after + (4 << 20));
	for (; fid < 2 + 8 * FLOOD_FIDS; fid++) {
		ret = p9c_walk(&c, ROOT, fid, "", NULL);
		if (ret == -ENOMEM)
			return FLOOD_STOPPED;
		if (ret)
			return FLOOD_EARLY;
	}
	return FLOOD_UNBOUNDED;
}

/*
 * The review's finding M1: what a guest makes the host allocate is charged
 * to the memory cgroup of the VMM that set the device up, whichever host
 * thread allocates it (a 6.1 vhost kthread and the workqueue's kworkers
 * are charged nowhere by themselves).  The fids a guest holds show in the
 * cgroup's memory.current, and a memory.max stops the flood inside the
 * cgroup (ENOMEM, or the cgroup's OOM killer taking the VMM), where the
 * host's memory would otherwise have gone.
 */
TEST_F_TIMEOUT(lim, guest_memory_charged_to_vmm_cgroup, 300)
{
	long charged = 0, per_fid;
	int report[2], status;
	char cg[128];
	pid_t pid;

	ASSERT_EQ(0, memory_cgroups()) TH_LOG("no cgroup v2 memory controller in the VM");
	snprintf(cg, sizeof(cg), CGROUP_ROOT "/v9p-limits.%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	ASSERT_EQ(0, pipe(report));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(report[0]);
		_exit(cgroup_vmm(self->dir, cg, report[1]));
	}
	close(report[1]);
	EXPECT_EQ(sizeof(charged), read(report[0], &charged, sizeof(charged)));
	close(report[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	per_fid = charged / (FLOOD_FIDS / 4);
	ksft_print_msg("memory cgroup of the VMM: %ld bytes charged per fid; flood %s\n",
		       per_fid, WIFSIGNALED(status) ? "ended by the cgroup's OOM killer" :
		       WEXITSTATUS(status) == FLOOD_STOPPED ? "refused with ENOMEM" :
		       "not stopped by the cgroup");
	/* struct v9p_fid alone is about 200 bytes. */
	EXPECT_LE(100, per_fid);
	EXPECT_TRUE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) == FLOOD_STOPPED))
		TH_LOG("VMM status %#x", status);
	EXPECT_LT(0, cg_read(cg, "memory.events", "max"));
	/* Its memory goes with it. */
	EXPECT_EQ(0, rmdir(cg));
}

#define LEASE_BREAK_TIME	"/proc/sys/fs/lease-break-time"

/*
 * A host process holding a read lease on @path until killed: its pid, or
 * -errno.  It ignores the break, so the kernel revokes the lease after
 * lease-break-time.
 */
static pid_t host_hold_lease(const char *path)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open(path, O_RDONLY);

		signal(SIGIO, SIG_IGN);
		c = fd >= 0 && !fcntl(fd, F_SETLEASE, F_RDLCK);
		if (write(ready[1], &c, 1) != 1 || !c)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || !c) {
		close(ready[0]);
		waitpid(pid, NULL, 0);
		return -EAGAIN;
	}
	close(ready[0]);
	return pid;
}

/*
 * The review's finding M7: a lease a host process holds makes an open for
 * writing, or a truncate, wait for its break (here lease-break-time, set
 * to 3 s).  That wait is the request's own, on the workqueue: the ring
 * worker answers other requests meanwhile, one about the same fid
 * included (before, it slept in the open, and every request of the guest
 * with it).
 */
TEST_F_TIMEOUT(lim, lease_break_holds_no_worker, 120)
{
	static const char *const kinds[] = {
		"Tlopen O_RDWR", "Tlopen O_RDONLY|O_TRUNC", "Tsetattr size",
	};
	char path[512], saved[32] = "45";
	__u8 *blocked, *other, *stat;
	unsigned int i;
	double t0, t;
	void *token;
	__u32 len;
	pid_t holder;
	FILE *f;

	f = fopen(LEASE_BREAK_TIME, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);
	write_str(LEASE_BREAK_TIME, "3");
	snprintf(path, sizeof(path), "%s/file", self->dir);
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
		holder = host_hold_lease(path);
		ASSERT_LT(0, holder) TH_LOG("F_SETLEASE: %d", holder);
		virtq_reset_alloc(&self->c.vq);
		t0 = now();
		if (i < 2)
			blocked = p9c_post(&self->c, P9_TLOPEN, 1, 256, "dd", 2U,
					   i ? P9_RDONLY | P9_DOTL_TRUNC : P9_RDWR);
		else
			blocked = p9c_post(&self->c, P9_TSETATTR, 1, 256, "dddddqqqqq", 2U,
					   V9P_SETATTR_SIZE, 0U, 0U, 0U, (__u64)1, (__u64)0,
					   (__u64)0, (__u64)0, (__u64)0);
		/* The same fid, whose lock a waiting open holds. */
		other = p9c_post(&self->c, P9_TLCREATE, 2, 256, "dsddd", 2U, P9S("x"),
				 P9_RDWR, 0644U, P9_NOFID);
		stat = p9c_post(&self->c, P9_TGETATTR, 3, 256, "dq", (__u32)ROOT,
				(__u64)0x7ff);
		ASSERT_NE(NULL, blocked);
		ASSERT_NE(NULL, other);
		ASSERT_NE(NULL, stat);
		ASSERT_LT(0, virtq_wait_used(&self->c.vq, &token, &len, 10000));
		EXPECT_EQ(other, token) TH_LOG("%s: Tlcreate waited for the lease", kinds[i]);
		ASSERT_LT(0, virtq_wait_used(&self->c.vq, &token, &len, 10000));
		EXPECT_EQ(stat, token) TH_LOG("%s: Tgetattr waited for the lease", kinds[i]);
		t = now() - t0;
		EXPECT_GT(1.0, t) TH_LOG("%s: replies after %.1f s", kinds[i], t);
		ASSERT_LT(0, virtq_wait_used(&self->c.vq, &token, &len, 10000));
		t = now() - t0;
		/* The holder never let go: the kernel took the lease back. */
		EXPECT_EQ(blocked, token);
		EXPECT_EQ(i < 2 ? P9_RLOPEN : P9_RSETATTR, blocked[4]) TH_LOG("%s", kinds[i]);
		EXPECT_LT(2.0, t);
		ksft_print_msg("%s waited %.1f s for the lease; Tlcreate and Tgetattr did not\n",
			       kinds[i], t);
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	write_str(LEASE_BREAK_TIME, saved);
}

/* Microseconds per Tmkdir + Tunlinkat pair in the directory of @fid. */
static double mkdir_unlink_us(struct p9c *c, __u32 fid, int n)
{
	double t0 = now();
	int i;

	for (i = 0; i < n; i++)
		if (p9c_rpc(c, P9_TMKDIR, "dsdd", fid, P9S("m"), 0755U, P9_NOFID) ||
		    p9c_rpc(c, P9_TUNLINKAT, "dsd", fid, P9S("m"), P9_DOTL_AT_REMOVEDIR))
			return -1;
	return (now() - t0) / n * 1e6;
}

/*
 * The review's finding M6: the check that a fid lies beneath the export
 * walks up its ancestors, so every request on the bottom of a chain costs
 * as much as the chain is deep.  It takes no lock a host shares (it used
 * to hold mount_lock for the whole walk up), and nothing deeper than
 * MAX_DEPTH levels below the export root is served (ENAMETOOLONG): the
 * most components a path of PATH_MAX bytes has, which is all a host
 * program can name in one path.  Measured at the top and at the bound of
 * a chain of CHAIN_DEPTH directories a host process made.
 */
#define CHAIN_DEPTH	10000
#define MAX_DEPTH	(PATH_MAX / 2)

TEST_F_TIMEOUT(lim, directory_chain_depth_bounded, 300)
{
	char path[600], cmd[700], names[2 * 16 + 1];
	double top, bottom, t0;
	int fd, next, depth, n, i;

	snprintf(path, sizeof(path), "%s/chain", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	fd = open(path, O_PATH | O_DIRECTORY);
	ASSERT_LE(0, fd);
	for (i = 0; i < CHAIN_DEPTH; i++) {
		ASSERT_EQ(0, mkdirat(fd, "d", 0755));
		next = openat(fd, "d", O_PATH | O_DIRECTORY);
		ASSERT_LE(0, next);
		close(fd);
		fd = next;
	}
	close(fd);
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "chain", NULL));
	t0 = now();
	for (depth = 1; depth < MAX_DEPTH; depth += n) {
		n = MAX_DEPTH - depth < 16 ? MAX_DEPTH - depth : 16;
		for (i = 0; i < n; i++)
			memcpy(names + 2 * i, "d/", 2);
		names[2 * n - 1] = '\0';
		ASSERT_EQ(n, p9c_walk(&self->c, 2, 2, names, NULL))
			TH_LOG("at depth %d", depth);
	}
	ksft_print_msg("deep chain: walked %d levels down in %.1f s\n", MAX_DEPTH, now() - t0);
	/* One level more is refused, alone or at the end of a longer walk. */
	EXPECT_EQ(-ENAMETOOLONG, p9c_walk(&self->c, 2, 3, "d", NULL));
	ASSERT_EQ(2, p9c_walk(&self->c, 2, 3, "../..", NULL));
	EXPECT_EQ(2, p9c_walk(&self->c, 3, 4, "d/d/d", NULL));
	/* A directory the guest makes at the bound is made, and not entered. */
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", 2, P9S("g"), 0755U, P9_NOFID));
	EXPECT_EQ(-ENAMETOOLONG, p9c_walk(&self->c, 2, 4, "g", NULL));
	EXPECT_EQ(0, p9c_rpc(&self->c, P9_TUNLINKAT, "dsd", 2, P9S("g"), P9_DOTL_AT_REMOVEDIR));
	top = mkdir_unlink_us(&self->c, ROOT, 100);
	bottom = mkdir_unlink_us(&self->c, 2, 100);
	ksft_print_msg("deep chain: Tmkdir+Tunlinkat %.0f us at the top, %.0f us %d levels down\n",
		       top, bottom, MAX_DEPTH);
	EXPECT_LT(0, top);
	EXPECT_LT(0, bottom);
	/* Bounded, and small: well under the client's patience per request. */
	EXPECT_GT(100000.0, bottom);
	snprintf(cmd, sizeof(cmd), "/bin/rm -rf '%s/chain'", self->dir);
	EXPECT_EQ(0, system(cmd));
}

/*
 * The review's finding H3: lock owners.  An unlock, or a lock refused, is
 * never remembered (before, every Tlock stored its proc_id in the fid,
 * and 64 distinct ones exhausted an export of 64 fids for good); the
 * (fid, owner) pairs of granted locks stop at the device's bound with
 * ENOLCK, and are forgotten as their locks go.
 */
TEST_F_TIMEOUT(lim, lock_owners_bounded, 300)
{
	const __u32 unlockers = 20000;
	long s0, s1, tol;
	char path[512];
	struct holder h;
	__u32 i;

	snprintf(path, sizeof(path), "%s/file", self->dir);
	ASSERT_EQ(0, open_export(&self->c, self->dir, 64, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));
	settle();
	s0 = mem_kib("Slab");
	for (i = 0; i < unlockers; i++)
		ASSERT_EQ(P9_LOCK_SUCCESS,
			  p9c_lock(&self->c, 2, P9_LOCK_TYPE_UNLCK, 0, 0, 0, 1000 + i))
			TH_LOG("unlock by guest process %u", 1000 + i);
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	/* Refused locks are not remembered either. */
	ASSERT_EQ(0, host_hold_lock(path, 0, 0, &h));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(P9_LOCK_BLOCKED,
			  p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, 0, 0, 50000 + i));
	host_release_lock(&h);
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));

	/* Granted ones: one byte each, up to the bound. */
	for (i = 0; i < LOCK_RECORDS; i++)
		ASSERT_EQ(P9_LOCK_SUCCESS,
			  p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, i, 1, 100000 + i))
			TH_LOG("lock %u", i);
	EXPECT_EQ(LOCK_RECORDS, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	settle();
	s1 = mem_kib("Slab");
	ksft_print_msg("lock owners: %d held, slab +%ld KiB (%ld bytes each, with its lock)\n",
		       LOCK_RECORDS, s1 - s0, (s1 - s0) * 1024 / LOCK_RECORDS);
	EXPECT_EQ(-ENOLCK, p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, LOCK_RECORDS, 1, 1));
	/* An owner already known may take more. */
	EXPECT_EQ(P9_LOCK_SUCCESS,
		  p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, LOCK_RECORDS + 10, 1, 100000));
	/* Its locks gone, an owner is forgotten and makes room. */
	EXPECT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_UNLCK, 0, 0, 0, 100001));
	EXPECT_EQ(LOCK_RECORDS - 1, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	EXPECT_EQ(P9_LOCK_SUCCESS,
		  p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, LOCK_RECORDS, 1, 1));
	/* Partly unlocked, it is still held: byte LOCK_RECORDS + 10 stays. */
	EXPECT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_UNLCK, 0, 0, 1, 100000));
	EXPECT_EQ(LOCK_RECORDS, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	/* The clunk releases every lock and owner. */
	EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	EXPECT_EQ(0, host_hold_lock(path, 0, 0, &h));
	host_release_lock(&h);
	tol = 2048;
	EXPECT_GE(s0 + tol, settle_to("Slab", s0 + tol, 5000));
}

/* A POSIX lock's end when it runs to the end of the file: OFFSET_MAX. */
#define WHOLE_FILE_END	0x7fffffffffffffffULL

/* minifuse mounted on @base/fuse, named in @dir: 0, -ENODEV, or -errno. */
static int fuse_mount_below(struct minifuse *fs, const char *base, char *dir, size_t size)
{
	snprintf(dir, size, "%s/fuse", base);
	if (mkdir(dir, 0755))
		return -errno;
	return minifuse_mount(fs, dir);
}

/* Was @owner's lock of [@start, @end] among the first @n of @locks? */
static bool fuse_saw(const struct minifuse_lock *locks, unsigned int n, __u64 owner,
		     __u32 type, __u64 start, __u64 end)
{
	unsigned int i;

	for (i = 0; i < n && i < MINIFUSE_MAX_LOCKS; i++)
		if (locks[i].owner == owner && locks[i].type == type &&
		    locks[i].start == start && locks[i].end == end)
			return true;
	return false;
}

/*
 * H3 on a file system with its own ->lock: FUSE keeps no POSIX lock in the
 * inode, it sends each to its server, so the module cannot ask whether an
 * owner still holds one.  An owner whose lock was granted is remembered
 * until the clunk, which unlocks the whole file for it at the server; a
 * lock the server refuses, to an owner new to the fid, is not remembered.
 */
TEST_F_TIMEOUT(lim, fuse_lock_owners_released_at_clunk, 120)
{
	struct minifuse_lock seen[MINIFUSE_MAX_LOCKS];
	struct minifuse fs;
	__u64 first, second;
	unsigned int n;
	char dir[300];
	int ret;

	ret = fuse_mount_below(&fs, self->dir, dir, sizeof(dir));
	if (ret == -ENODEV)
		SKIP(return, "kernel without FUSE (/dev/fuse)");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, open_export(&self->c, dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));

	/* Granted at the server, and remembered even once unlocked. */
	ASSERT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, 0, 10, 1));
	ASSERT_EQ(1, minifuse_locks(&fs, seen, MINIFUSE_MAX_LOCKS));
	first = seen[0].owner;
	EXPECT_EQ(F_WRLCK, seen[0].type);
	EXPECT_EQ(9, seen[0].end);
	EXPECT_EQ(1, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	EXPECT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_UNLCK, 0, 0, 10, 1));
	EXPECT_EQ(1, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));

	/* Refused by the server: blocked, or its error; nothing remembered. */
	minifuse_refuse(&fs, EAGAIN);
	EXPECT_EQ(P9_LOCK_BLOCKED, p9c_lock(&self->c, 2, P9_LOCK_TYPE_WRLCK, 0, 0, 10, 2));
	minifuse_refuse(&fs, ENOLCK);
	EXPECT_EQ(-ENOLCK, p9c_lock(&self->c, 2, P9_LOCK_TYPE_RDLCK, 0, 0, 10, 3));
	EXPECT_EQ(1, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	minifuse_refuse(&fs, 0);
	ASSERT_EQ(P9_LOCK_SUCCESS, p9c_lock(&self->c, 2, P9_LOCK_TYPE_RDLCK, 0, 100, 0, 4));
	EXPECT_EQ(2, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	n = minifuse_locks(&fs, seen, MINIFUSE_MAX_LOCKS);
	ASSERT_EQ(5, n);
	second = seen[4].owner;
	EXPECT_NE(first, second);
	EXPECT_EQ(WHOLE_FILE_END, seen[4].end);

	/* The clunk unlocks the whole file at the server, for both owners. */
	EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-lock-owners"));
	n = minifuse_locks(&fs, seen, MINIFUSE_MAX_LOCKS);
	EXPECT_TRUE(fuse_saw(seen, n, first, F_UNLCK, 0, WHOLE_FILE_END));
	EXPECT_TRUE(fuse_saw(seen, n, second, F_UNLCK, 0, WHOLE_FILE_END));
	p9c_close(&self->c);
	self->open = false;
	minifuse_unmount(&fs);
}

/* Where the VMM of fuse_lock_then_kill() is when it is killed. */
enum vmm_killed_in {
	KILLED_HOLDING,		/* holding the lock: its close releases it */
	KILLED_IN_RESET,	/* in VHOST_RESET_OWNER, unlocking */
	KILLED_IN_CLUNK,	/* waiting for its Tclunk, which is unlocking */
};

/*
 * A VMM that locks a file on FUSE through a fid and is killed @where:
 * there, the server reads nothing until after the signal, so that its
 * unlock is one FUSE could give up.  Sets FUSE's owner of the lock and how
 * many lock requests the server saw before it.
 */
static void fuse_lock_then_kill(struct __test_metadata *_metadata, struct minifuse *fs,
				const char *dir, enum vmm_killed_in where, __u64 *owner,
				unsigned int *before)
{
	struct minifuse_lock seen[MINIFUSE_MAX_LOCKS];
	int ready[2], go[2], status;
	pid_t vmm;
	char c;

	*before = minifuse_locks(fs, seen, MINIFUSE_MAX_LOCKS);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	vmm = fork();
	ASSERT_LE(0, vmm);
	if (vmm == 0) {
		struct p9c vc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (open_export(&vc, dir, 0, 0) || p9c_session(&vc, ROOT) ||
		    p9c_walk(&vc, ROOT, 2, "file", NULL) != 1 || p9c_lopen(&vc, 2, P9_RDWR) ||
		    p9c_lock(&vc, 2, P9_LOCK_TYPE_WRLCK, 0, 0, 10, 1) != P9_LOCK_SUCCESS)
			_exit(1);
		if (write(ready[1], "l", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		if (where == KILLED_IN_RESET)
			ioctl(vc.vq.fd, VHOST_RESET_OWNER);
		else if (where == KILLED_IN_CLUNK)
			p9c_clunk(&vc, 2);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(*before + 1, minifuse_locks(fs, seen, MINIFUSE_MAX_LOCKS));
	*owner = seen[*before].owner;
	if (where != KILLED_HOLDING)
		ASSERT_EQ(0, minifuse_hold(fs));
	ASSERT_EQ(1, write(go[1], "g", 1));
	/* Time to reach the unlock, which then waits for the server. */
	usleep(1000000 * slow_factor());
	ASSERT_EQ(0, kill(vmm, SIGKILL));
	usleep(500000 * slow_factor());
	minifuse_resume(fs);
	ASSERT_EQ(vmm, waitpid(vmm, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * The same when the VMM is killed: its close or VHOST_RESET_OWNER may run
 * with SIGKILL pending, and so may the worker (a thread of the VMM from
 * 6.4 on) serving a Tclunk; FUSE gives up a request its server has not
 * read yet when the caller has a fatal signal pending.  The unlock must
 * still reach the server, once.
 */
TEST_F_TIMEOUT(lim, fuse_lock_released_when_vmm_killed, 120)
{
	static const enum vmm_killed_in wheres[] = {
		KILLED_IN_RESET, KILLED_IN_CLUNK, KILLED_HOLDING,
	};
	struct minifuse_lock seen[MINIFUSE_MAX_LOCKS];
	unsigned int before, n, i;
	struct minifuse fs;
	char dir[300];
	__u64 owner;
	int ret;

	ret = fuse_mount_below(&fs, self->dir, dir, sizeof(dir));
	if (ret == -ENODEV)
		SKIP(return, "kernel without FUSE (/dev/fuse)");
	ASSERT_EQ(0, ret);
	for (i = 0; i < ARRAY_SIZE(wheres); i++) {
		fuse_lock_then_kill(_metadata, &fs, dir, wheres[i], &owner, &before);
		n = minifuse_locks(&fs, seen, MINIFUSE_MAX_LOCKS);
		EXPECT_EQ(before + 2, n) TH_LOG("killed in case %u", i);
		EXPECT_TRUE(fuse_saw(seen, n, owner, F_UNLCK, 0, WHOLE_FILE_END))
			TH_LOG("killed in case %u", i);
	}
	minifuse_unmount(&fs);
}

/* Reads whose data buffer is a page of guest memory behind a userfaultfd. */
struct held_reads {
	int uffd;
	char *page;
	long page_size;
};

/* Trap the last page of @c's guest memory: 0, or -errno (no userfaultfd). */
static int hold_setup(struct p9c *c, struct held_reads *h)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MISSING_SHMEM };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	h->page_size = sysconf(_SC_PAGESIZE);
	h->page = (char *)c->vq.mem + c->vq.mem_size - h->page_size;
	if (madvise(h->page, h->page_size, MADV_REMOVE))
		return -errno;
	h->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (h->uffd < 0)
		return -errno;
	reg.range.start = (unsigned long)h->page;
	reg.range.len = h->page_size;
	if (ioctl(h->uffd, UFFDIO_API, &api) || ioctl(h->uffd, UFFDIO_REGISTER, &reg)) {
		close(h->uffd);
		return -errno;
	}
	return 0;
}

/* Post @n Treads of @fid into the trapped page, then kick. */
static int hold_reads(struct p9c *c, struct held_reads *h, __u32 fid, int n)
{
	struct iovec out, in[2];
	struct v9p_buf b;
	int i, ret;

	virtq_reset_alloc(&c->vq);
	c->vq.no_kick = 1;
	for (i = 0; i < n; i++) {
		out.iov_base = virtq_alloc(&c->vq, 64);
		in[0].iov_base = virtq_alloc(&c->vq, V9P_IOHDR_SIZE);
		if (!out.iov_base || !in[0].iov_base)
			return -ENOMEM;
		v9p_buf_init(&b, out.iov_base, 64, NULL, 0);
		v9p_begin_reply(&b, P9_TREAD, i);
		v9p_writef(&b, "dqd", fid, (__u64)0, (__u32)h->page_size);
		out.iov_len = v9p_end_reply(&b);
		in[0].iov_len = V9P_IOHDR_SIZE;
		in[1].iov_base = h->page;
		in[1].iov_len = h->page_size;
		ret = virtq_submit(&c->vq, &out, 1, in, 2, false, in[0].iov_base);
		if (ret < 0)
			return ret;
	}
	c->vq.no_kick = 0;
	virtq_kick(&c->vq);
	return 0;
}

/* Let the held reads go: map a page there. */
static int hold_release(struct held_reads *h)
{
	struct uffdio_copy copy = { .dst = (unsigned long)h->page, .len = h->page_size };
	void *src = calloc(1, h->page_size);
	int ret;

	copy.src = (unsigned long)src;
	ret = ioctl(h->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
	free(src);
	return ret;
}

static void *release_later(void *arg)
{
	usleep(300 * 1000);
	hold_release(arg);
	return NULL;
}

/* The most requests in flight seen over @ms milliseconds. */
static long most_inflight(struct p9c *c, int ms)
{
	long n, most = 0;
	int i;

	for (i = 0; i < ms / 50; i++) {
		usleep(50 * 1000);
		n = fd_field(getpid(), c->vq.fd, "vhost-9p-inflight");
		if (n > most)
			most = n;
	}
	return most;
}

/*
 * Requests in flight: reads held in the kernel (their data buffer is
 * behind a userfaultfd) are never more than the limit at once; the rest
 * wait on the ring, and all are answered once released.
 */
TEST_F(lim, inflight_never_exceeds_the_limit)
{
	/* Three descriptors each, on a ring of 256. */
	const int n = 80;
	struct held_reads h;
	int ret, done = 0;
	void *token;
	long most;
	__u32 len;

	ASSERT_EQ(0, put_file(self->dir, "data", 65536));
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "data", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDONLY));
	ret = hold_setup(&self->c, &h);
	if (ret)
		SKIP(return, "no userfaultfd: %s", strerror(-ret));
	ASSERT_EQ(0, hold_reads(&self->c, &h, 2, n));
	/* Watch the count for a second: it reaches the limit and stays there. */
	most = most_inflight(&self->c, 1000);
	EXPECT_EQ(0, virtq_wait_used(&self->c.vq, &token, &len, 10));
	ksft_print_msg("in flight: %d reads held, at most %ld in the server at once\n", n, most);
	EXPECT_EQ(MAX_INFLIGHT, most);

	ASSERT_EQ(0, hold_release(&h));
	while (done < n && virtq_wait_used(&self->c.vq, &token, &len, 5000) == 1) {
		EXPECT_EQ(P9_RREAD, ((__u8 *)token)[4]);
		done++;
	}
	EXPECT_EQ(n, done);
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-inflight"));
	close(h.uffd);
}

/*
 * The export directory emptied and removed by the host under a session:
 * the guest gets ENOENT for everything that needs the directory to exist,
 * what it holds open still works, and nothing is left behind.
 */
TEST_F(lim, export_removed_while_attached)
{
	char exp[512], path[600];
	struct p9c_attr attr;
	__u8 *r;
	int len;

	snprintf(exp, sizeof(exp), "%s/exp", self->dir);
	ASSERT_EQ(0, mkdir(exp, 0755));
	ASSERT_EQ(0, put_file(exp, "f", 100));
	snprintf(path, sizeof(path), "%s/d", exp);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, open_export(&self->c, exp, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "f", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDWR));
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 3, "", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 3, P9_RDONLY));

	snprintf(path, sizeof(path), "%s/f", exp);
	ASSERT_EQ(0, unlink(path));
	snprintf(path, sizeof(path), "%s/d", exp);
	ASSERT_EQ(0, rmdir(path));
	ASSERT_EQ(0, rmdir(exp));

	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, ROOT, 4, "f", NULL));
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", (__u32)ROOT, P9S("new"),
				   0755U, P9_NOFID));
	/* ".." of the root is the root, removed or not. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 4, "..", NULL));
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 4U, P9S("new"), 2U,
				   0644U, P9_NOFID));
	/* The directory itself is still there to look at, empty, unlinked. */
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &attr));
	EXPECT_EQ(0, attr.nlink);
	len = call_cap(&self->c, 8192, &r, P9_TREADDIR, "dqd", 3U, (__u64)0, 8000U);
	ASSERT_LT(0, len);
	EXPECT_EQ(ENOENT, rlerror(r));
	EXPECT_EQ(0, p9c_rpc(&self->c, P9_TSTATFS, "d", (__u32)ROOT));
	/* The open file still reads and writes. */
	EXPECT_EQ(3, p9c_write(&self->c, 2, 0, "xyz", 3));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &attr));
	EXPECT_EQ(0, attr.nlink);
	EXPECT_EQ(4, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	EXPECT_EQ(3, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
	p9c_close(&self->c);
	self->open = false;

	/* The next device, over a new directory of that name, works. */
	ASSERT_EQ(0, mkdir(exp, 0755));
	ASSERT_EQ(0, put_file(exp, "g", 10));
	ASSERT_EQ(0, open_export(&self->c, exp, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "g", NULL));
}

/*
 * The export's file system lazily unmounted (umount -l) under a session:
 * the session goes on, on the detached tree, and closing the device lets
 * the file system go: its 32 MiB of tmpfs come back.
 */
TEST_F(lim, export_lazily_unmounted_while_in_use)
{
	const long big = 32 << 10;
	long sh0, sh1, sh2;
	char buf[64];
	int ret;

	ret = mount_tmpfs(self->dir, self->mnt, sizeof(self->mnt), &self->mounted);
	if (ret)
		SKIP(return, "cannot mount tmpfs: %s", strerror(-ret));
	ASSERT_EQ(0, put_file(self->mnt, "big", big << 10));
	ASSERT_EQ(0, put_file(self->mnt, "small", 10));
	ASSERT_EQ(0, open_export(&self->c, self->mnt, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "big", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDONLY));
	settle();
	sh0 = mem_kib("Shmem");

	ASSERT_EQ(0, umount2(self->mnt, MNT_DETACH));
	self->mounted = false;
	EXPECT_EQ(10, p9c_read(&self->c, 2, 0, buf, 10));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 3, "small", NULL));
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 4, "", NULL));
	EXPECT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 4U, P9S("new"), 2U, 0644U,
			     P9_NOFID));
	EXPECT_EQ(3, p9c_write(&self->c, 4, 0, "abc", 3));
	settle();
	sh1 = mem_kib("Shmem");
	EXPECT_EQ(4, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));

	p9c_close(&self->c);
	self->open = false;
	sh2 = settle_to("Shmem", sh0 - big + 4096, 5000);
	ksft_print_msg("lazy umount: Shmem %ld KiB detached, %+ld KiB after close (file %ld KiB)\n",
		       sh1, sh2 - sh0, big);
	EXPECT_GE(sh0 - big + 4096, sh2);
	ASSERT_EQ(0, rmdir(self->mnt));

	/* The next device works. */
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
}

#define KILL_FIDS	10000

/* The VMM of vmm_killed_mid_stream: never returns. */
static void stream_forever(const char *dir, int ready_fd)
{
	char buf[4096];
	struct p9c c;
	__u32 fid;
	int fd;

	if (open_export(&c, dir, 0, 0) || p9c_session(&c, ROOT))
		_exit(1);
	for (fid = 100; fid < 100 + KILL_FIDS; fid++)
		if (p9c_walk(&c, ROOT, fid, "", NULL))
			_exit(2);
	/* A file only this device keeps, and a lock only it holds. */
	if (p9c_walk(&c, ROOT, 2, "big", NULL) != 1 || p9c_lopen(&c, 2, P9_RDWR) ||
	    p9c_walk(&c, ROOT, 3, "file", NULL) != 1 || p9c_lopen(&c, 3, P9_RDWR) ||
	    p9c_lock(&c, 3, P9_LOCK_TYPE_WRLCK, 0, 0, 0, 7U) != P9_LOCK_SUCCESS)
		_exit(3);
	fd = c.vq.fd;
	if (write(ready_fd, &fd, sizeof(fd)) != sizeof(fd))
		_exit(4);
	for (;;) {
		p9c_read(&c, 2, 0, buf, sizeof(buf));
		p9c_write(&c, 3, 0, buf, 100);
		p9c_walk(&c, ROOT, 4, "file", NULL);
		p9c_clunk(&c, 4);
	}
}

/*
 * The VMM killed (SIGKILL) in the middle of a stream of requests, with
 * fids, an open file unlinked on the host and a lock: the fids' slab, the
 * file's memory and the lock all come back, and the next device works.
 */
TEST_F_TIMEOUT(lim, vmm_killed_mid_stream, 120)
{
	const long big = 16 << 10;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	long s0, s1, sh0, sh1, r1, r2, fids, tol;
	int ready[2], fd, status, hfd;
	char path[600];
	pid_t pid;
	int ret;

	ret = mount_tmpfs(self->dir, self->mnt, sizeof(self->mnt), &self->mounted);
	if (ret)
		SKIP(return, "cannot mount tmpfs: %s", strerror(-ret));
	ASSERT_EQ(0, put_file(self->mnt, "big", big << 10));
	ASSERT_EQ(0, put_file(self->mnt, "file", 4096));
	settle();
	s0 = mem_kib("Slab");
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		stream_forever(self->mnt, ready[1]);
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(fd), read(ready[0], &fd, sizeof(fd)));
	close(ready[0]);
	snprintf(path, sizeof(path), "%s/big", self->mnt);
	EXPECT_EQ(0, unlink(path));
	settle();
	sh0 = mem_kib("Shmem");
	fids = fd_field(pid, fd, "vhost-9p-fids");
	r1 = fd_field(pid, fd, "vhost-9p-requests");
	usleep(300 * 1000);
	r2 = fd_field(pid, fd, "vhost-9p-requests");
	EXPECT_LE(KILL_FIDS + 3, fids);
	EXPECT_LT(r1, r2);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	/* The unlinked file was only the device's: its memory comes back. */
	sh1 = settle_to("Shmem", sh0 - big + 2048, 5000);
	/* As do the fids' slab (and the VMM's own). */
	tol = 2048;
	s1 = settle_to("Slab", s0 + tol, 5000);
	ksft_print_msg("VMM killed: %ld fids, %ld req/s; Shmem %+ld KiB (file %ld), slab %+ld\n",
		       fids, (r2 - r1) * 10 / 3, sh1 - sh0, big, s1 - s0);
	EXPECT_GE(sh0 - big + 2048, sh1);
	EXPECT_GE(s0 + tol, s1);
	/* And its lock: a host process may take it. */
	snprintf(path, sizeof(path), "%s/file", self->mnt);
	hfd = open(path, O_RDWR);
	ASSERT_LE(0, hfd);
	EXPECT_EQ(0, fcntl(hfd, F_SETLK, &fl));
	close(hfd);

	/* The next device works. */
	ASSERT_EQ(0, open_export(&self->c, self->mnt, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
}

/*
 * The guest reset (VHOST_RESET_OWNER) in the middle of a stream: with
 * reads held in flight and more on the ring.  The reset waits for those in
 * flight, takes no more, drops the session's fids, and a new session on
 * the same device works.
 */
TEST_F(lim, reset_owner_mid_stream)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };
	const int n = 80;
	struct held_reads h;
	pthread_t thread;
	int one = 1, ret;
	double t0, waited;
	__u32 fid;

	ASSERT_EQ(0, put_file(self->dir, "data", 65536));
	ASSERT_EQ(0, open_export(&self->c, self->dir, 0, 0));
	self->open = true;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (fid = 100; fid < 1100; fid++)
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, fid, "", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "data", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDONLY));
	ret = hold_setup(&self->c, &h);
	if (ret)
		SKIP(return, "no userfaultfd: %s", strerror(-ret));
	ASSERT_EQ(0, hold_reads(&self->c, &h, 2, n));
	EXPECT_EQ(MAX_INFLIGHT, most_inflight(&self->c, 500));

	ASSERT_EQ(0, pthread_create(&thread, NULL, release_later, &h));
	t0 = now();
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_RESET_OWNER));
	waited = now() - t0;
	pthread_join(thread, NULL);
	close(h.uffd);
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_9P_GET_STATS, &st));
	/* Tversion, Tattach, 1001 Twalks and a Tlopen came before. */
	ksft_print_msg("reset owner: waited %.2f s for %d reads in flight; %llu of %d answered\n",
		       waited, MAX_INFLIGHT, (unsigned long long)st.requests - 1004, n);
	EXPECT_LT(0.2, waited);
	EXPECT_EQ(MAX_INFLIGHT, st.requests - 1004);
	EXPECT_EQ(0, st.fids);
	EXPECT_EQ(0, st.msize);
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-inflight"));
	EXPECT_EQ(0, fd_field(getpid(), self->c.vq.fd, "vhost-9p-running"));

	/* The guest comes back: a new ring, a new session. */
	ASSERT_EQ(0, virtq_dev_reown(&self->c.vq));
	ASSERT_EQ(0, ioctl(self->c.vq.fd, VHOST_9P_SET_RUNNING, &one));
	self->c.msize = P9C_MSIZE;
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "data", NULL));
	EXPECT_EQ(0, p9c_lopen(&self->c, 2, P9_RDONLY));
	EXPECT_EQ(0, p9c_walk(&self->c, ROOT, 100, "", NULL));
	EXPECT_EQ(3, fd_field(getpid(), self->c.vq.fd, "vhost-9p-fids"));
}

V9P_HARNESS_MAIN
