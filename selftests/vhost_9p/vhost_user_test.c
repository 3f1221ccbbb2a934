// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_user_test: vhost9p-ctl attach --socket, driven by a vhost-user
 * frontend of our own, as QEMU's vhost-user-device-pci drives it: guest
 * memory in a memfd, the kick and call eventfds, a split ring the test
 * fills and reads itself.  A request goes through the ring and the device
 * answers it while the backend only watches its socket.
 *
 * Then a hostile or broken frontend: malformed headers, payloads and
 * tables, descriptors of the wrong kind, rings outside the memory table,
 * requests never negotiated, a frontend that vanishes mid-message or
 * mid-setup, a second frontend.  Each gets the connection dropped (or its
 * refusal) with a message that names the fix, and never a dead backend or
 * a stuck device: the next frontend is served in full.
 *
 * Runs as root in the first-level test guest with vhost_9p loaded; the
 * tool is found beside the test (../tools/vhost9p-ctl) or in $VHOST9P_CTL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>
#include <linux/vhost_types.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "kselftest_harness.h"
#include "hostutil.h"

/* The protocol's numbers (QEMU's docs/interop/vhost-user.rst). */
#define VU_VERSION		0x1
#define VU_FLAG_REPLY		(1U << 2)
#define VU_FLAG_NEED_REPLY	(1U << 3)
#define VU_F_PROTOCOL_FEATURES	30
#define VU_PROTOCOL_F_REPLY_ACK	3
#define VU_PROTOCOL_F_CONFIG	9
#define VU_VRING_NOFD		(1ULL << 8)

enum {
	GET_FEATURES = 1, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE,
	SET_LOG_BASE, SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE,
	GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR,
	GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE,
	GET_CONFIG = 24, SET_CONFIG = 25,
};

#define TAG		"vutag"
#define CONFIG_SIZE	(2 + sizeof(TAG) - 1)
/* Guest memory: 1 MiB at guest address 1 MiB; the rings, then buffers. */
#define MEM_SIZE	(1UL << 20)
#define MEM_GPA		0x100000ULL
#define RING_NUM	64
#define DESC_OFF	0x0000
#define AVAIL_OFF	0x1000
#define USED_OFF	0x2000
#define REQ_OFF		0x10000
#define RESP_OFF	0x20000
#define RESP_CAP	0x10000

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

struct vu_mem {
	__u32 nregions;
	__u32 padding;
	struct vu_region regions[8];
};

/* One frontend: its connection, guest memory and ring. */
struct frontend {
	int conn;
	int mem_fd;
	char *mem;
	int kick;
	int call;
	__u16 avail_idx;
	__u16 used_idx;
};

static char export_dir[64], sock_path[80], log_path[80];
static pid_t backend_pid;

/* A fresh export directory, and the socket and log paths beside it. */
static int make_paths(void)
{
	snprintf(export_dir, sizeof(export_dir), "%.40s/vu-export.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(export_dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%.64s.sock", export_dir);
	snprintf(log_path, sizeof(log_path), "%.64s.log", export_dir);
	return 0;
}

static const char *ctl_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("VHOST9P_CTL");
	ssize_t n;
	char *slash;

	if (env)
		return env;
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return "vhost9p-ctl";
	path[n] = '\0';
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, 32, "../tools/vhost9p-ctl");
	return path;
}

/* Run "vhost9p-ctl attach EXTRA... --path DIR --tag TAG"; its pid. */
static pid_t run_ctl(const char *out, char *const extra[], int nextra)
{
	char *argv[16] = { "vhost9p-ctl", "attach" };
	int i, n = 2, fd;
	pid_t pid;

	for (i = 0; i < nextra; i++)
		argv[n++] = extra[i];
	argv[n++] = "--path";
	argv[n++] = export_dir;
	argv[n++] = "--tag";
	argv[n++] = TAG;
	argv[n] = NULL;
	pid = fork();
	if (pid)
		return pid;
	fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execv(ctl_path(), argv);
	_exit(127);
}

/* Whether the backend's log has @text in it. */
static bool log_has(const char *text)
{
	static char buf[1 << 16];
	ssize_t n = read_text(log_path, buf, sizeof(buf));

	return n > 0 && strstr(buf, text);
}

/* Wait up to 5 s for @text in the log. */
static bool log_waits_for(const char *text)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (log_has(text))
			return true;
		usleep(10000);
	}
	return false;
}

static int start_backend(void)
{
	char *extra[2] = { "--socket", sock_path };

	unlink(log_path);
	backend_pid = run_ctl(log_path, extra, 2);
	if (backend_pid < 0 || !log_waits_for("listening on"))
		return -1;
	return 0;
}

/* SIGTERM: the backend must end with status 0 and take its socket away. */
static int stop_backend(void)
{
	int status;

	if (kill(backend_pid, SIGTERM) || waitpid(backend_pid, &status, 0) != backend_pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("the backend ended with wait status 0x%x\n", status);
		return -1;
	}
	return access(sock_path, F_OK) ? 0 : -1;
}

static int fe_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send a message: @payload of @size bytes, @nfds descriptors. */
static int send_msg(int conn, __u32 request, __u32 flags, const void *payload, __u32 size,
		    const int *fds, int nfds)
{
	char buf[sizeof(struct vu_header) + 512];
	char control[CMSG_SPACE(9 * sizeof(int))] = { 0 };
	struct vu_header hdr = { request, flags ?: VU_VERSION, size };
	struct iovec iov = { buf, sizeof(hdr) + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (size > sizeof(buf) - sizeof(hdr))
		return -1;
	memcpy(buf, &hdr, sizeof(hdr));
	if (size)
		memcpy(buf + sizeof(hdr), payload, size);
	if (nfds) {
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	return sendmsg(conn, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* Receive a reply to @request into @payload (at most @cap bytes); its size. */
static int recv_reply(int conn, __u32 request, void *payload, __u32 cap)
{
	struct vu_header hdr;

	if (recv(conn, &hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return -1;
	if (hdr.request != request || hdr.flags != (VU_VERSION | VU_FLAG_REPLY) ||
	    hdr.size > cap)
		return -1;
	if (hdr.size && recv(conn, payload, hdr.size, MSG_WAITALL) != hdr.size)
		return -1;
	return hdr.size;
}

static int send_u64(int conn, __u32 request, __u64 value, const int *fds, int nfds)
{
	return send_msg(conn, request, 0, &value, sizeof(value), fds, nfds);
}

/* A request of the vring state kind (index, num). */
static int send_state(int conn, __u32 request, __u32 index, __u32 num)
{
	struct vhost_vring_state s = { index, num };

	return send_msg(conn, request, 0, &s, sizeof(s), NULL, 0);
}

/* With REPLY_ACK: send with NEED_REPLY and return the backend's answer. */
static int send_acked(int conn, __u32 request, const void *payload, __u32 size,
		      const int *fds, int nfds)
{
	__u64 ack;

	if (send_msg(conn, request, VU_VERSION | VU_FLAG_NEED_REPLY, payload, size, fds, nfds) ||
	    recv_reply(conn, request, &ack, sizeof(ack)) != sizeof(ack))
		return -1;
	return ack ? 1 : 0;
}

/* Whether the backend closed the connection (within 5 s). */
static bool dropped(int conn)
{
	char c;

	return recv(conn, &c, 1, 0) == 0;
}

static void fe_close(struct frontend *f)
{
	if (f->conn >= 0)
		close(f->conn);
	if (f->mem && f->mem != MAP_FAILED)
		munmap(f->mem, MEM_SIZE);
	if (f->mem_fd >= 0)
		close(f->mem_fd);
	if (f->kick >= 0)
		close(f->kick);
	if (f->call >= 0)
		close(f->call);
	memset(f, 0, sizeof(*f));
	f->conn = -1;
	f->mem_fd = -1;
	f->kick = -1;
	f->call = -1;
}

static int fe_open(struct frontend *f)
{
	memset(f, 0, sizeof(*f));
	f->mem_fd = -1;
	f->kick = -1;
	f->call = -1;
	f->conn = fe_connect();
	f->mem_fd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (f->conn < 0 || f->mem_fd < 0 || ftruncate(f->mem_fd, MEM_SIZE))
		return -1;
	f->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->mem_fd, 0);
	f->kick = eventfd(0, EFD_CLOEXEC);
	f->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return f->mem == MAP_FAILED || f->kick < 0 || f->call < 0 ? -1 : 0;
}

static struct vu_mem one_region(struct frontend *f)
{
	struct vu_mem m = { .nregions = 1 };

	m.regions[0] = (struct vu_region){ MEM_GPA, MEM_SIZE, (uintptr_t)f->mem, 0 };
	return m;
}

static __u32 mem_table_size(__u32 n)
{
	return 8 + n * sizeof(struct vu_region);
}

static struct vhost_vring_addr ring_addr(struct frontend *f)
{
	return (struct vhost_vring_addr){
		.index = 0,
		.desc_user_addr = (uintptr_t)f->mem + DESC_OFF,
		.avail_user_addr = (uintptr_t)f->mem + AVAIL_OFF,
		.used_user_addr = (uintptr_t)f->mem + USED_OFF,
	};
}

/*
 * What QEMU's vhost_dev_init and vhost_dev_start send, in their order:
 * features, protocol features (REPLY_ACK, CONFIG), owner, memory table,
 * the ring, its eventfds, then enable.  0, or the step that failed.
 */
static int fe_setup(struct frontend *f, __u32 base)
{
	struct vu_mem m = one_region(f);
	struct vhost_vring_addr addr = ring_addr(f);
	__u64 features, protocol;

	/* Empty rings: a ring set up again starts afresh. */
	memset(f->mem, 0, REQ_OFF);

	if (send_msg(f->conn, GET_FEATURES, 0, NULL, 0, NULL, 0) ||
	    recv_reply(f->conn, GET_FEATURES, &features, 8) != 8 ||
	    !(features & (1ULL << VU_F_PROTOCOL_FEATURES)) ||
	    !(features & (1ULL << VIRTIO_9P_MOUNT_TAG)))
		return 1;
	if (send_msg(f->conn, GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0) ||
	    recv_reply(f->conn, GET_PROTOCOL_FEATURES, &protocol, 8) != 8 ||
	    !(protocol & (1ULL << VU_PROTOCOL_F_CONFIG)) ||
	    !(protocol & (1ULL << VU_PROTOCOL_F_REPLY_ACK)))
		return 2;
	protocol = (1ULL << VU_PROTOCOL_F_CONFIG) | (1ULL << VU_PROTOCOL_F_REPLY_ACK);
	if (send_u64(f->conn, SET_PROTOCOL_FEATURES, protocol, NULL, 0) ||
	    send_msg(f->conn, SET_OWNER, 0, NULL, 0, NULL, 0))
		return 3;
	features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_9P_MOUNT_TAG) |
		   (1ULL << VU_F_PROTOCOL_FEATURES);
	if (send_acked(f->conn, SET_FEATURES, &features, 8, NULL, 0))
		return 4;
	if (send_acked(f->conn, SET_MEM_TABLE, &m, mem_table_size(1), &f->mem_fd, 1))
		return 5;
	if (send_state(f->conn, SET_VRING_NUM, 0, RING_NUM) ||
	    send_state(f->conn, SET_VRING_BASE, 0, base) ||
	    send_acked(f->conn, SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0))
		return 6;
	if (send_u64(f->conn, SET_VRING_KICK, 0, &f->kick, 1) ||
	    send_u64(f->conn, SET_VRING_CALL, 0, &f->call, 1))
		return 7;
	if (send_acked(f->conn, SET_VRING_ENABLE, &(struct vhost_vring_state){ 0, 1 }, 8,
		       NULL, 0))
		return 8;
	f->avail_idx = base;
	f->used_idx = base;
	return 0;
}

/*
 * Put a Tversion in the ring and kick; with @wait_ms >= 0, wait that long
 * for the device's Rversion.  Returns 1 when it came right, 0 when none
 * came, -1 when a wrong one came.
 */
static int fe_tversion(struct frontend *f, int wait_ms)
{
	static const char version[] = "9P2000.L";
	struct vring_desc *desc = (void *)(f->mem + DESC_OFF);
	struct vring_avail *avail = (void *)(f->mem + AVAIL_OFF);
	struct vring_used *used = (void *)(f->mem + USED_OFF);
	unsigned char *req = (unsigned char *)f->mem + REQ_OFF;
	unsigned char *resp = (unsigned char *)f->mem + RESP_OFF;
	__u32 len = 4 + 1 + 2 + 4 + 2 + sizeof(version) - 1, msize = 65536;
	__u16 vlen = sizeof(version) - 1, tag = 0xffff;
	struct pollfd pfd = { .fd = f->call, .events = POLLIN };
	__u64 count;

	memcpy(req, &len, 4);
	req[4] = 100;
	memcpy(req + 5, &tag, 2);
	memcpy(req + 7, &msize, 4);
	memcpy(req + 11, &vlen, 2);
	memcpy(req + 13, version, vlen);
	memset(resp, 0, 64);
	desc[0] = (struct vring_desc){ MEM_GPA + REQ_OFF, len, VRING_DESC_F_NEXT, 1 };
	desc[1] = (struct vring_desc){ MEM_GPA + RESP_OFF, RESP_CAP, VRING_DESC_F_WRITE, 0 };
	avail->ring[f->avail_idx % RING_NUM] = 0;
	__atomic_store_n(&avail->idx, ++f->avail_idx, __ATOMIC_RELEASE);
	count = 1;
	if (write(f->kick, &count, sizeof(count)) != sizeof(count))
		return -1;
	if (wait_ms < 0)
		return 0;
	while (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == f->used_idx) {
		if (poll(&pfd, 1, wait_ms) <= 0)
			return 0;
		if (read(f->call, &count, sizeof(count)) < 0 && errno != EAGAIN)
			return -1;
	}
	f->used_idx++;
	return resp[4] == 101 && !memcmp(resp + 13, version, vlen) ? 1 : -1;
}

/* How many lines /proc/PID/@what of the backend has (fd: entries). */
static int backend_count(const char *what)
{
	static char buf[1 << 16];
	char path[64];
	int n = 0;
	ssize_t len;
	DIR *dir;

	if (!strcmp(what, "fd")) {
		snprintf(path, sizeof(path), "/proc/%d/fd", backend_pid);
		dir = opendir(path);
		if (!dir)
			return -1;
		while (readdir(dir))
			n++;
		closedir(dir);
		return n;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", backend_pid, what);
	len = read_text(path, buf, sizeof(buf));
	for (ssize_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return len < 0 ? -1 : n;
}

/*
 * backend_count() between frontends: once a new connection is answered,
 * the backend has let go of the last frontend's socket and memory (it
 * serves one at a time), so each count holds that connection and no more.
 */
static int backend_count_between(const char *what)
{
	__u64 features;
	int conn, n = -1;

	conn = fe_connect();
	if (conn < 0)
		return -1;
	if (!send_msg(conn, GET_FEATURES, 0, NULL, 0, NULL, 0) &&
	    recv_reply(conn, GET_FEATURES, &features, sizeof(features)) == sizeof(features))
		n = backend_count(what);
	close(conn);
	return n;
}

/* A frontend from scratch, set up, whose Tversion is answered. */
static bool fresh_frontend_served(void)
{
	struct frontend f;
	bool ok;

	ok = !fe_open(&f) && !fe_setup(&f, 0) && fe_tversion(&f, 5000) == 1;
	fe_close(&f);
	return ok;
}

FIXTURE(backend) {
	struct frontend f;
};

FIXTURE_SETUP(backend)
{
	ASSERT_EQ(0, make_paths());
	ASSERT_EQ(0, start_backend()) TH_LOG("vhost9p-ctl attach --socket did not start");
	ASSERT_EQ(0, fe_open(&self->f));
}

FIXTURE_TEARDOWN(backend)
{
	char cmd[256];

	fe_close(&self->f);
	EXPECT_EQ(0, stop_backend()) TH_LOG("SIGTERM: not status 0, or the socket stayed");
	snprintf(cmd, sizeof(cmd), "sed 's/^/# backend: /' %s", log_path);
	if (system(cmd))
		;
	unlink(log_path);
	rmdir(export_dir);
}

/* The whole handshake; a request goes through the ring and back. */
TEST_F(backend, request_through_the_ring)
{
	struct vu_config {
		__u32 offset, size, flags;
		__u8 data[CONFIG_SIZE];
	} cfg = { 0, CONFIG_SIZE, 0 };
	__u64 queues;
	__u32 cfg_len = offsetof(struct vu_config, data) + CONFIG_SIZE;

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	/* The config space: the tag's length (little-endian), then the tag. */
	ASSERT_EQ(0, send_msg(self->f.conn, GET_CONFIG, 0, &cfg, cfg_len, NULL, 0));
	ASSERT_EQ(cfg_len, recv_reply(self->f.conn, GET_CONFIG, &cfg, cfg_len));
	EXPECT_EQ(sizeof(TAG) - 1, cfg.data[0] | cfg.data[1] << 8);
	EXPECT_EQ(0, memcmp(cfg.data + 2, TAG, sizeof(TAG) - 1));
	ASSERT_EQ(0, send_msg(self->f.conn, GET_QUEUE_NUM, 0, NULL, 0, NULL, 0));
	ASSERT_EQ(8, recv_reply(self->f.conn, GET_QUEUE_NUM, &queues, 8));
	EXPECT_EQ(1, queues);
}

/* GET_VRING_BASE stops the ring where it is; a kick and enable restart it. */
TEST_F(backend, stop_and_restart)
{
	struct vhost_vring_state s = { 0, 0 };

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	ASSERT_EQ(0, send_msg(self->f.conn, GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0));
	ASSERT_EQ(sizeof(s), recv_reply(self->f.conn, GET_VRING_BASE, &s, sizeof(s)));
	EXPECT_EQ(1, s.num);
	/* Stopped: a request waits. */
	EXPECT_EQ(0, fe_tversion(&self->f, 500));
	ASSERT_EQ(0, send_state(self->f.conn, SET_VRING_BASE, 0, 1));
	ASSERT_EQ(0, send_u64(self->f.conn, SET_VRING_KICK, 0, &self->f.kick, 1));
	ASSERT_EQ(0, send_acked(self->f.conn, SET_VRING_ENABLE,
				&(struct vhost_vring_state){ 0, 1 }, 8, NULL, 0));
	/* ... and is served once the ring runs again. */
	{
		struct vring_used *used = (void *)(self->f.mem + USED_OFF);
		int i;

		for (i = 0; i < 500 && __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != 2; i++)
			usleep(10000);
		EXPECT_EQ(2, used->idx);
	}
}

/* A frontend that goes away and comes back: a reset device, served again. */
TEST_F(backend, reconnect)
{
	struct vu_mem m;

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	fe_close(&self->f);
	EXPECT_TRUE(log_waits_for("the frontend went away"));
	EXPECT_TRUE(fresh_frontend_served());
	/* And mid-setup: memory given, the ring never started. */
	ASSERT_EQ(0, fe_open(&self->f));
	m = one_region(&self->f);
	ASSERT_EQ(0, send_msg(self->f.conn, SET_MEM_TABLE, 0, &m, mem_table_size(1),
			      &self->f.mem_fd, 1));
	fe_close(&self->f);
	EXPECT_TRUE(fresh_frontend_served());
}

/* One frontend at a time: a second is turned away, the first goes on. */
TEST_F(backend, second_frontend)
{
	int second;

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	second = fe_connect();
	ASSERT_LE(0, second);
	EXPECT_TRUE(dropped(second));
	close(second);
	EXPECT_TRUE(log_has("a second frontend connected"));
	EXPECT_EQ(1, fe_tversion(&self->f, 5000));
}

/* A ring made larger after its addresses came must still fit the table. */
TEST_F(backend, ring_size_after_addr)
{
	struct vu_mem m = one_region(&self->f);
	struct vhost_vring_addr addr = ring_addr(&self->f);

	/* A one-entry used ring in the last 14 bytes: fine for one entry. */
	addr.used_user_addr = (uintptr_t)self->f.mem + MEM_SIZE - 16;
	ASSERT_EQ(0, send_msg(self->f.conn, SET_MEM_TABLE, 0, &m, mem_table_size(1),
			      &self->f.mem_fd, 1));
	ASSERT_EQ(0, send_state(self->f.conn, SET_VRING_NUM, 0, 1));
	ASSERT_EQ(0, send_msg(self->f.conn, SET_VRING_ADDR, 0, &addr, sizeof(addr), NULL, 0));
	/* 32768 entries would put it 256 KiB past the region's end. */
	ASSERT_EQ(0, send_state(self->f.conn, SET_VRING_NUM, 0, 32768));
	EXPECT_TRUE(dropped(self->f.conn));
	EXPECT_TRUE(log_waits_for("the used ring at"));
	EXPECT_TRUE(fresh_frontend_served());
}

/*
 * A new memory table for a running device, as QEMU sends while it lays out
 * guest memory: the rings move to the new mappings and requests go on.
 */
TEST_F(backend, mem_table_while_running)
{
	struct vu_mem m = one_region(&self->f);
	int i;

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, send_acked(self->f.conn, SET_MEM_TABLE, &m, mem_table_size(1),
					&self->f.mem_fd, 1));
		EXPECT_EQ(1, fe_tversion(&self->f, 5000)) TH_LOG("table %d", i + 2);
	}
}

/* RESET_DEVICE keeps the protocol features: its REPLY_ACK is answered. */
TEST_F(backend, reset_keeps_protocol_features)
{
	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(1, fe_tversion(&self->f, 5000));
	ASSERT_EQ(0, send_acked(self->f.conn, 34 /* RESET_DEVICE */, NULL, 0, NULL, 0));
	ASSERT_EQ(0, fe_setup(&self->f, 0));
	EXPECT_EQ(1, fe_tversion(&self->f, 5000));
}

/* A frontend that never reads its replies is dropped, not waited for. */
TEST_F(backend, frontend_that_never_reads)
{
	struct vu_header hdr = { GET_FEATURES, VU_VERSION, 0 };
	int i = 0, stalled_ms = 0;
	char buf[4096];
	ssize_t n;

	/* Requests until the backend takes no more for 3 s: it is stuck replying. */
	while (stalled_ms < 3000 && i < 1000000) {
		if (send(self->f.conn, &hdr, sizeof(hdr), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			ASSERT_EQ(EAGAIN, errno);
			usleep(100000);
			stalled_ms += 100;
			continue;
		}
		stalled_ms = 0;
		i++;
	}
	ksft_print_msg("%d requests sent before the backend stopped taking them\n", i);
	EXPECT_TRUE(log_waits_for("cannot reply") || (sleep(10), log_has("cannot reply")));
	/* The replies that came, then the end of the connection. */
	while ((n = recv(self->f.conn, buf, sizeof(buf), 0)) > 0)
		;
	/* (Reset: the backend closed with requests of ours unread.) */
	ASSERT_TRUE(n == 0 || errno == ECONNRESET) TH_LOG("recv: %s", strerror(errno));
	EXPECT_TRUE(fresh_frontend_served());
}

/* A message that trickles in is dropped after 10 s, not served for hours. */
TEST_F(backend, trickled_message)
{
	struct vu_header hdr = { SET_FEATURES, VU_VERSION, 8 };
	double start = now();
	int i;

	ASSERT_EQ(sizeof(hdr), send(self->f.conn, &hdr, sizeof(hdr), MSG_NOSIGNAL));
	for (i = 0; i < 8; i++) {
		if (send(self->f.conn, "x", 1, MSG_NOSIGNAL) != 1)
			break;
		sleep(3);
	}
	ASSERT_TRUE(dropped(self->f.conn));
	EXPECT_GT(20, now() - start) TH_LOG("dropped after %.1f s", now() - start);
	EXPECT_TRUE(log_has("stalled mid-message"));
	EXPECT_TRUE(fresh_frontend_served());
}

/* Frontends that send and vanish before the reply: nothing of theirs stays. */
TEST_F(backend, vanishing_frontends)
{
	int i, fds, now;

	/* The fixture's frontend goes first: one at a time. */
	fe_close(&self->f);
	ASSERT_TRUE(fresh_frontend_served());
	fds = backend_count_between("fd");
	ASSERT_LT(0, fds);
	for (i = 0; i < 20; i++) {
		int conn = fe_connect();

		ASSERT_LE(0, conn);
		send_msg(conn, GET_FEATURES, 0, NULL, 0, NULL, 0);
		close(conn);
	}
	EXPECT_TRUE(fresh_frontend_served());
	now = backend_count_between("fd");
	EXPECT_LT(0, now);
	EXPECT_GE(fds, now);
	EXPECT_EQ(0, kill(backend_pid, 0));
}

/* The config space a frontend sized too small: refused, naming the size. */
TEST_F(backend, config_too_small)
{
	struct { __u32 offset, size, flags; __u8 data[4]; } cfg = { 0, 4, 0 };

	ASSERT_EQ(0, fe_setup(&self->f, 0));
	ASSERT_EQ(0, send_msg(self->f.conn, GET_CONFIG, 0, &cfg, 16, NULL, 0));
	/* An empty payload is the protocol's failure. */
	EXPECT_EQ(0, recv_reply(self->f.conn, GET_CONFIG, &cfg, sizeof(cfg)));
	EXPECT_TRUE(log_has("give the device config_size=7"));
	EXPECT_EQ(1, fe_tversion(&self->f, 5000));
}

/*
 * A broken frontend: what @send sends; the backend must drop the
 * connection, say @says, and serve the next frontend in full.
 */
struct bad_case {
	const char *name;
	void (*send)(struct frontend *f);
	const char *says;
};

static void bad_version(struct frontend *f)
{
	send_msg(f->conn, GET_FEATURES, 0x2, NULL, 0, NULL, 0);
}

static void bad_huge_payload(struct frontend *f)
{
	struct vu_header hdr = { GET_FEATURES, VU_VERSION, 1 << 20 };

	if (send(f->conn, &hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr))
		return;
}

static void bad_short_payload(struct frontend *f)
{
	/* Says 8 bytes, sends 3 and vanishes. */
	struct vu_header hdr = { SET_FEATURES, VU_VERSION, 8 };

	if (send(f->conn, &hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr) ||
	    send(f->conn, "abc", 3, MSG_NOSIGNAL) != 3)
		return;
	shutdown(f->conn, SHUT_WR);
}

static void bad_wrong_size(struct frontend *f)
{
	send_msg(f->conn, SET_FEATURES, 0, "abcd", 4, NULL, 0);
}

static void bad_table_no_fd(struct frontend *f)
{
	struct vu_mem m = one_region(f);

	send_msg(f->conn, SET_MEM_TABLE, 0, &m, mem_table_size(1), NULL, 0);
}

static void bad_table_pipe(struct frontend *f)
{
	struct vu_mem m = one_region(f);
	int p[2];

	if (pipe(p))
		return;
	send_msg(f->conn, SET_MEM_TABLE, 0, &m, mem_table_size(1), p, 1);
	close(p[0]);
	close(p[1]);
}

static void bad_table_past_file(struct frontend *f)
{
	struct vu_mem m = one_region(f);

	m.regions[0].size = 2 * MEM_SIZE;
	send_msg(f->conn, SET_MEM_TABLE, 0, &m, mem_table_size(1), &f->mem_fd, 1);
}

static void bad_table_nine(struct frontend *f)
{
	struct { struct vu_mem m; struct vu_region ninth; } t = { one_region(f) };
	int fds[8] = { f->mem_fd, f->mem_fd, f->mem_fd, f->mem_fd,
		       f->mem_fd, f->mem_fd, f->mem_fd, f->mem_fd };

	/* Nine regions, sized as nine: more than the protocol's eight. */
	t.m.nregions = 9;
	send_msg(f->conn, SET_MEM_TABLE, 0, &t, mem_table_size(9), fds, 8);
}

static void bad_table_overlap(struct frontend *f)
{
	struct vu_mem m = one_region(f);
	int fds[2] = { f->mem_fd, f->mem_fd };

	m.nregions = 2;
	m.regions[1] = m.regions[0];
	m.regions[1].guest_addr += MEM_SIZE / 2;
	send_msg(f->conn, SET_MEM_TABLE, 0, &m, mem_table_size(2), fds, 2);
}

/* The rings' addresses need the memory table and the ring size first. */
static void give_memory(struct frontend *f)
{
	struct vu_mem m = one_region(f);

	send_msg(f->conn, SET_MEM_TABLE, 0, &m, mem_table_size(1), &f->mem_fd, 1);
	send_state(f->conn, SET_VRING_NUM, 0, RING_NUM);
}

static void bad_ring_outside(struct frontend *f)
{
	struct vhost_vring_addr addr = ring_addr(f);

	give_memory(f);
	/* The used ring runs past the end of the only region. */
	addr.used_user_addr = (uintptr_t)f->mem + MEM_SIZE - 64;
	send_msg(f->conn, SET_VRING_ADDR, 0, &addr, sizeof(addr), NULL, 0);
}

static void bad_ring_before_table(struct frontend *f)
{
	struct vhost_vring_addr addr = ring_addr(f);

	send_msg(f->conn, SET_VRING_ADDR, 0, &addr, sizeof(addr), NULL, 0);
}

static void bad_ring_log(struct frontend *f)
{
	struct vhost_vring_addr addr = ring_addr(f);

	give_memory(f);
	addr.flags = 1U << VHOST_VRING_F_LOG;
	send_msg(f->conn, SET_VRING_ADDR, 0, &addr, sizeof(addr), NULL, 0);
}

static void bad_kick_pipe(struct frontend *f)
{
	int p[2];

	if (pipe(p))
		return;
	send_u64(f->conn, SET_VRING_KICK, 0, p, 1);
	close(p[0]);
	close(p[1]);
}

static void bad_kick_polling(struct frontend *f)
{
	send_u64(f->conn, SET_VRING_KICK, VU_VRING_NOFD, NULL, 0);
}

static void bad_kick_no_fd(struct frontend *f)
{
	send_u64(f->conn, SET_VRING_KICK, 0, NULL, 0);
}

static void bad_queue_one(struct frontend *f)
{
	send_state(f->conn, SET_VRING_NUM, 1, RING_NUM);
}

static void bad_ring_size(struct frontend *f)
{
	send_state(f->conn, SET_VRING_NUM, 0, 100);
}

static void bad_unknown(struct frontend *f)
{
	send_msg(f->conn, 99, 0, NULL, 0, NULL, 0);
}

static void bad_log_base(struct frontend *f)
{
	__u64 log[2] = { 4096, 0 };

	send_msg(f->conn, SET_LOG_BASE, 0, log, sizeof(log), &f->mem_fd, 1);
}

static void bad_features(struct frontend *f)
{
	/* VHOST_F_LOG_ALL: never offered. */
	send_u64(f->conn, SET_FEATURES, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 26), NULL, 0);
}

static void bad_too_many_fds(struct frontend *f)
{
	int fds[8], i;

	for (i = 0; i < 8; i++)
		fds[i] = f->mem_fd;
	send_msg(f->conn, SET_OWNER, 0, NULL, 0, fds, 8);
}

static void bad_nine_fds(struct frontend *f)
{
	int fds[9], i;

	for (i = 0; i < 9; i++)
		fds[i] = f->mem_fd;
	send_msg(f->conn, SET_OWNER, 0, NULL, 0, fds, 9);
}

static void bad_reply_flag(struct frontend *f)
{
	send_msg(f->conn, GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, NULL, 0, NULL, 0);
}

static void bad_gone_mid_header(struct frontend *f)
{
	if (send(f->conn, "\x01\x00", 2, MSG_NOSIGNAL) != 2)
		return;
	shutdown(f->conn, SHUT_WR);
}

static const struct bad_case bad_cases[] = {
	{ "protocol version 2", bad_version, "this backend speaks version 1" },
	{ "a 1 MiB payload", bad_huge_payload, "no message of this backend's is larger" },
	{ "a payload cut short", bad_short_payload, "bytes of payload announced, 3 came" },
	{ "a header cut short", bad_gone_mid_header, "bytes of a message header" },
	{ "SET_FEATURES of 4 bytes", bad_wrong_size, "where the protocol has 8" },
	{ "descriptors where none belong", bad_too_many_fds, "where the protocol has 0" },
	{ "nine descriptors", bad_nine_fds, "came with more than 8 descriptors" },
	{ "a request with the reply flag", bad_reply_flag, "a frontend sends requests" },
	{ "a memory table without its descriptor", bad_table_no_fd,
	  "1 regions came with 0 descriptors" },
	{ "a memory table of a pipe", bad_table_pipe, "is not a memory file" },
	{ "a region past the end of its file", bad_table_past_file,
	  "is not a page-aligned range of its" },
	{ "a table of 9 regions", bad_table_nine, "the protocol has 1 to 8 regions" },
	{ "overlapping regions", bad_table_overlap, "overlap in guest memory" },
	{ "a ring outside the memory table", bad_ring_outside,
	  "is not in the memory table: the frontend must share all guest RAM" },
	{ "ring addresses before the memory table", bad_ring_before_table,
	  "before SET_MEM_TABLE" },
	{ "a ring with dirty logging", bad_ring_log, "the VM cannot migrate" },
	{ "a kick that is a pipe", bad_kick_pipe, "is not an eventfd" },
	{ "a kick without an eventfd (polling)", bad_kick_polling,
	  "vhost-9p is driven by the kick eventfd" },
	{ "a kick that says it has a descriptor and has none", bad_kick_no_fd,
	  "came without a descriptor" },
	{ "a second queue", bad_queue_one, "give the device num_vqs=1" },
	{ "a ring of 100 entries", bad_ring_size, "a power of two" },
	{ "an unknown request", bad_unknown, "not offered by this backend" },
	{ "a dirty log", bad_log_base, "dirty logging" },
	{ "features never offered", bad_features, "that the device did not offer" },
};

TEST(broken_frontends)
{
	unsigned int i;
	int fds, maps, now;

	ASSERT_EQ(0, make_paths());
	ASSERT_EQ(0, start_backend());
	/* What the backend holds between frontends, once it has served one. */
	ASSERT_TRUE(fresh_frontend_served());
	fds = backend_count_between("fd");
	maps = backend_count_between("maps");
	ASSERT_LT(0, fds);
	ASSERT_LT(0, maps);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct frontend f;
		bool was_dropped, said;

		ASSERT_EQ(0, fe_open(&f));
		c->send(&f);
		was_dropped = dropped(f.conn);
		fe_close(&f);
		said = log_waits_for(c->says);
		EXPECT_TRUE(was_dropped) TH_LOG("%s: the connection stayed", c->name);
		EXPECT_TRUE(said) TH_LOG("%s: the backend did not say '%s'", c->name, c->says);
		EXPECT_EQ(0, kill(backend_pid, 0)) TH_LOG("%s: the backend died", c->name);
		EXPECT_TRUE(fresh_frontend_served())
			TH_LOG("%s: the next frontend was not served", c->name);
		ksft_print_msg("%s: dropped, said '%s', the next frontend served\n",
			       c->name, c->says);
		/* One case's messages in the log at a time. */
		if (truncate(log_path, 0))
			ksft_print_msg("cannot truncate %s\n", log_path);
	}
	/* Nothing of 24 broken frontends stays: no descriptor, no mapping. */
	now = backend_count_between("fd");
	EXPECT_LT(0, now);
	EXPECT_GE(fds, now);
	now = backend_count_between("maps");
	EXPECT_LT(0, now);
	EXPECT_GE(maps, now);
	EXPECT_EQ(0, stop_backend());
	unlink(log_path);
	rmdir(export_dir);
}

/* Command lines and sockets that cannot work: refused, naming the fix. */
TEST(refused_setups)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char out[80], file[80], backend_log[80], *extra[4];
	int status, fd, s;
	pid_t pid;

	ASSERT_EQ(0, make_paths());
	snprintf(out, sizeof(out), "%.64s.out", export_dir);
	snprintf(file, sizeof(file), "%.64s/file", export_dir);
	snprintf(backend_log, sizeof(backend_log), "%s", log_path);
	/* The tool's own output, for log_has(). */
	snprintf(log_path, sizeof(log_path), "%s", out);
	/* --socket with the line protocol's options. */
	extra[0] = "--socket";
	extra[1] = sock_path;
	extra[2] = "--kick-fd";
	extra[3] = "0";
	pid = run_ctl(out, extra, 4);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(2, WEXITSTATUS(status));
	EXPECT_TRUE(log_has("hands over memory and eventfds: drop --kick-fd"));
	/* A path that is a file. */
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	extra[1] = file;
	pid = run_ctl(out, extra, 2);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_TRUE(log_has("exists and is not a socket: give a new path"));
	/* A socket another backend listens on. */
	snprintf(log_path, sizeof(log_path), "%s", backend_log);
	ASSERT_EQ(0, start_backend());
	snprintf(log_path, sizeof(log_path), "%s", out);
	extra[1] = sock_path;
	pid = run_ctl(out, extra, 2);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_TRUE(log_has("another backend listens there"));
	EXPECT_EQ(0, stop_backend());
	/* A socket a backend that died left: taken over. */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&addr, sizeof(addr)));
	close(s);
	snprintf(log_path, sizeof(log_path), "%s", backend_log);
	ASSERT_EQ(0, start_backend()) TH_LOG("a stale socket was not replaced");
	EXPECT_TRUE(fresh_frontend_served());
	EXPECT_EQ(0, stop_backend());
	unlink(backend_log);
	unlink(out);
	unlink(file);
	rmdir(export_dir);
}

TEST_HARNESS_MAIN
