// SPDX-License-Identifier: GPL-2.0
/*
 * opbench: what vhost-9p's server costs per operation, against the system
 * calls it makes for it, measured side by side in one process.
 *
 * The process is the guest (selftests/vhost_9p's userspace virtqueue
 * driver and 9P client, no second-level guest) and drives one device at a
 * time with one kind of request.  For each operation it reports:
 *   server  the server's own time per operation: from taking a request
 *           off the ring to putting the reply on the used ring, summed
 *           over the operation's messages (VHOST_9P_GET_STATS);
 *   rtt     the client's round trip per operation: the server, the kick,
 *           the worker's wake-up and the interrupt;
 *   native  the same operation done with the system calls, in this
 *           process, on the same files;
 *   ratio   server / native: what the ring, the fid lookup, the codec,
 *           the credentials and the reply add to the VFS work.
 * Then requests per second of Tgetattr with 1, 2 and 4 devices driven by
 * as many threads.
 *
 * Usage: opbench DIR [SECONDS]: DIR is scratch space on the file system
 * to measure (it gets a 1 MiB file and a 1,000-entry directory); each
 * measurement runs about SECONDS (default 1).  Root, vhost_9p loaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vhost_9p/p9client.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define ROOT		1
#define FILE_FID	2
#define DIR_FID		3
#define TMP_FID		4
#define P9_RDONLY	0U
#define P9_RDWR		2U
#define P9_CREATE_FLAGS	(P9_RDWR | 0100 /* O_CREAT */)
#define NOGID		(~0U)
#define FILE_SIZE	(1 << 20)
#define DIR_ENTRIES	1000

static const char *dir;
static double seconds = 1.0;
static char buf[FILE_SIZE];

/* One operation: the client's request(s), and the same natively. */
struct op {
	const char *name;
	const char *native_name;
	int (*request)(struct p9c *c, unsigned int i);
	int (*native)(unsigned int i);
	/* The message types whose server time makes up the operation. */
	unsigned char types[4];
	size_t len;
};

static int file_fd = -1, dir_fd = -1;

static int req_getattr(struct p9c *c, unsigned int i)
{
	struct p9c_attr a;

	(void)i;
	return p9c_getattr(c, FILE_FID, &a);
}

static int nat_fstat(unsigned int i)
{
	struct stat st;

	(void)i;
	return fstat(file_fd, &st);
}

static int req_walk_clunk(struct p9c *c, unsigned int i)
{
	(void)i;
	if (p9c_walk(c, ROOT, TMP_FID, "file", NULL) != 1)
		return -1;
	return p9c_clunk(c, TMP_FID);
}

static int nat_open_close(unsigned int i)
{
	int fd = openat(dir_fd, "file", O_PATH);

	(void)i;
	return fd < 0 ? -1 : close(fd);
}

static size_t io_len;

static int req_read(struct p9c *c, unsigned int i)
{
	__u64 off = (__u64)(i % (FILE_SIZE / io_len)) * io_len;

	return p9c_read(c, FILE_FID, off, buf, io_len) == (ssize_t)io_len ? 0 : -1;
}

static int nat_pread(unsigned int i)
{
	off_t off = (off_t)(i % (FILE_SIZE / io_len)) * io_len;

	return pread(file_fd, buf, io_len, off) == (ssize_t)io_len ? 0 : -1;
}

static int req_write(struct p9c *c, unsigned int i)
{
	__u64 off = (__u64)(i % (FILE_SIZE / io_len)) * io_len;

	return p9c_write(c, FILE_FID, off, buf, io_len) == (ssize_t)io_len ? 0 : -1;
}

static int nat_pwrite(unsigned int i)
{
	off_t off = (off_t)(i % (FILE_SIZE / io_len)) * io_len;

	return pwrite(file_fd, buf, io_len, off) == (ssize_t)io_len ? 0 : -1;
}

static int count_entry(const struct v9p_str *name, const struct p9_qid *qid, __u8 type,
		       void *arg)
{
	(void)name;
	(void)qid;
	(void)type;
	(*(int *)arg)++;
	return 0;
}

/* A whole listing: walk, open, Treaddir to the end, clunk. */
static int req_readdir(struct p9c *c, unsigned int i)
{
	int n = 0, ret;

	(void)i;
	if (p9c_walk(c, ROOT, TMP_FID, "dir", NULL) != 1 || p9c_lopen(c, TMP_FID, P9_RDONLY))
		return -1;
	ret = p9c_readdir(c, TMP_FID, c->msize - 64, count_entry, &n);
	if (p9c_clunk(c, TMP_FID) || ret < 0)
		return -1;
	/* With "." and "..". */
	return n >= DIR_ENTRIES ? 0 : -1;
}

static int nat_getdents(unsigned int i)
{
	char dents[64 * 1024];
	int fd = openat(dir_fd, "dir", O_RDONLY | O_DIRECTORY);
	long n;

	(void)i;
	if (fd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, dents, sizeof(dents))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int req_create_unlink(struct p9c *c, unsigned int i)
{
	char name[32];

	snprintf(name, sizeof(name), "new%u", i);
	if (p9c_walk(c, ROOT, TMP_FID, "", NULL) != 0 ||
	    p9c_rpc(c, P9_TLCREATE, "dsddd", TMP_FID, P9S(name), P9_CREATE_FLAGS, 0644U, NOGID) ||
	    p9c_clunk(c, TMP_FID))
		return -1;
	return p9c_rpc(c, P9_TUNLINKAT, "dsd", ROOT, P9S(name), 0U);
}

static int nat_create_unlink(unsigned int i)
{
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "nat%u", i);
	fd = openat(dir_fd, name, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || close(fd))
		return -1;
	return unlinkat(dir_fd, name, 0);
}

static const struct op ops[] = {
	{ "Tgetattr (open fid)", "fstat", req_getattr, nat_fstat, { P9_TGETATTR } },
	{ "Twalk 1 name + Tclunk", "openat(O_PATH)+close", req_walk_clunk, nat_open_close,
	  { P9_TWALK, P9_TCLUNK } },
	{ "Tread 4 KiB", "pread 4 KiB", req_read, nat_pread, { P9_TREAD }, 4096 },
	{ "Tread 64 KiB", "pread 64 KiB", req_read, nat_pread, { P9_TREAD }, 65536 },
	{ "Tread 120 KiB", "pread 120 KiB", req_read, nat_pread, { P9_TREAD }, 122880 },
	{ "Twrite 4 KiB", "pwrite 4 KiB", req_write, nat_pwrite, { P9_TWRITE }, 4096 },
	{ "Twrite 64 KiB", "pwrite 64 KiB", req_write, nat_pwrite, { P9_TWRITE }, 65536 },
	{ "Treaddir, 1,000 entries", "open+getdents64+close", req_readdir, nat_getdents,
	  { P9_TREADDIR, P9_TWALK, P9_TLOPEN, P9_TCLUNK } },
	{ "Tlcreate+Tclunk+Tunlinkat", "openat(O_CREAT)+close+unlinkat", req_create_unlink,
	  nat_create_unlink, { P9_TLCREATE, P9_TUNLINKAT, P9_TCLUNK } },
};

static struct vhost_9p_stats stats_of(struct p9c *c)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };

	if (ioctl(c->vq.fd, VHOST_9P_GET_STATS, &st))
		memset(&st, 0, sizeof(st));
	return st;
}

static int open_client(struct p9c *c)
{
	struct vhost_9p_export exp = { .security_model = VHOST_9P_SECURITY_NONE };

	if (p9c_open_path(c, dir, &exp) || p9c_session(c, ROOT) ||
	    p9c_walk(c, ROOT, FILE_FID, "file", NULL) != 1 || p9c_lopen(c, FILE_FID, P9_RDWR))
		return -1;
	return 0;
}

/* Run @fn about @seconds; its calls per second, or -1 if one failed. */
static double rate(int (*fn)(unsigned int), unsigned int *calls)
{
	double start = now(), t;
	unsigned int i = 0;

	do {
		if (fn(i++))
			return -1;
		t = now() - start;
	} while (t < seconds || i < 20);
	*calls = i;
	return i / t;
}

static struct p9c *cur;

static int (*cur_request)(struct p9c *, unsigned int);

static int request_thunk(unsigned int i)
{
	return cur_request(cur, i);
}

static int measure(const struct op *op)
{
	struct vhost_9p_stats a, b;
	struct p9c c = { 0 };
	unsigned int calls, ncalls, k;
	double rtt_rate, nat_rate, server_ns = 0;

	io_len = op->len;
	if (open_client(&c)) {
		fprintf(stderr, "opbench: cannot open a device exporting %s\n", dir);
		return -1;
	}
	cur = &c;
	cur_request = op->request;
	/* Warm: caches, dentries, the worker. */
	seconds /= 4;
	rate(request_thunk, &calls);
	rate(op->native, &ncalls);
	seconds *= 4;
	virtq_reset_alloc(&c.vq);
	a = stats_of(&c);
	rtt_rate = rate(request_thunk, &calls);
	b = stats_of(&c);
	nat_rate = rate(op->native, &ncalls);
	p9c_close(&c);
	if (rtt_rate < 0 || nat_rate < 0) {
		fprintf(stderr, "opbench: %s failed\n", rtt_rate < 0 ? op->name : op->native_name);
		return -1;
	}
	for (k = 0; k < sizeof(op->types) && op->types[k]; k++)
		server_ns += b.msg_time_ns[op->types[k]] - a.msg_time_ns[op->types[k]];
	server_ns /= calls;
	printf("%-28s %9.2f %9.2f %9.2f %7.2f   %-30s %u/%u\n", op->name, server_ns / 1000,
	       1e6 / rtt_rate, 1e6 / nat_rate, server_ns / (1e9 / nat_rate), op->native_name,
	       calls, ncalls);
	fflush(stdout);
	return 0;
}

struct worker {
	pthread_t thread;
	struct p9c c;
	unsigned long done;
	int failed;
	int *stop;
};

static void *getattr_loop(void *arg)
{
	struct worker *w = arg;
	struct p9c_attr a;

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		if (p9c_getattr(&w->c, FILE_FID, &a)) {
			w->failed = 1;
			break;
		}
		w->done++;
	}
	return NULL;
}

/* Tgetattr per second with @n devices, a thread each. */
static int scaling(int n)
{
	struct worker w[4] = { 0 };
	int stop = 0;
	unsigned long total = 0;
	double start;
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		w[i].stop = &stop;
		if (open_client(&w[i].c))
			return -1;
	}
	start = now();
	for (i = 0; i < n; i++)
		pthread_create(&w[i].thread, NULL, getattr_loop, &w[i]);
	usleep(seconds * 2e6);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].done;
		ret |= w[i].failed;
		p9c_close(&w[i].c);
	}
	printf("Tgetattr, %d device%s        %9.0f requests/s\n", n, n > 1 ? "s" : " ",
	       total / (now() - start));
	return ret ? -1 : 0;
}

static int make_files(void)
{
	char path[4096];
	unsigned int i;
	int fd;

	memset(buf, 'x', sizeof(buf));
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, FILE_SIZE) != FILE_SIZE)
		return -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/dir", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	for (i = 0; i < DIR_ENTRIES; i++) {
		snprintf(path, sizeof(path), "%s/dir/e%04u", dir, i);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return -1;
		close(fd);
	}
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/file", dir);
	file_fd = open(path, O_RDWR);
	return dir_fd < 0 || file_fd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int n, failed = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: opbench DIR [SECONDS]\n");
		return 2;
	}
	dir = argv[1];
	if (argc == 3)
		seconds = atof(argv[2]);
	if (seconds <= 0 || make_files()) {
		fprintf(stderr, "opbench: cannot set up %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("# opbench: %zu operations, then Tgetattr on 1, 2, 4 devices; %.1f s each, in %s\n",
	       ARRAY_SIZE(ops), seconds, dir);
	printf("%-28s %9s %9s %9s %7s   %-30s %s\n", "operation", "server", "rtt", "native",
	       "ratio", "native call", "calls (9P/native)");
	printf("%-28s %9s %9s %9s %7s\n", "", "us/op", "us/op", "us/op", "srv/nat");
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		failed |= measure(&ops[i]);
	for (n = 1; n <= 4; n *= 2)
		failed |= scaling(n);
	return failed ? 1 : 0;
}
