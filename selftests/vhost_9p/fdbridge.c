// SPDX-License-Identifier: GPL-2.0
/*
 * fdbridge: the Linux 9p client mounts a vhost-9p export in this very
 * kernel, without a second-level guest: the client speaks 9P over a
 * socket (trans=fd) and this program passes each message through the
 * device's virtqueue (virtq.c) and the reply back.  Only the transport
 * differs from a guest's mount, so POSIX test suites that need many
 * processes can run where nested KVM would be slow or fragile.
 *
 * fdbridge [-m MODEL] [-o OPTIONS] DIR MOUNTPOINT: mounts DIR's export on
 * MOUNTPOINT and serves it until it is unmounted.  MODEL: none (default),
 * passthrough or mapped-xattr; OPTIONS are added to the 9p mount options.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9client.h"

/* The client's msize over trans=fd; the vring driver's buffers hold it. */
#define BRIDGE_MSIZE	65536

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n == 0)
			return done ? -EPROTO : 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += n;
	}
	return 1;
}

static int write_full(int fd, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

/* Pass T-messages to the device and R-messages back until EOF. */
static int serve(struct p9c *c, int sock)
{
	__u8 *msg = c->req;
	__u32 size;
	int ret;

	for (;;) {
		ret = read_full(sock, msg, 4);
		if (ret <= 0)
			return ret;
		memcpy(&size, msg, 4);
		size = le32toh(size);
		if (size < 7 || size > BRIDGE_MSIZE) {
			fprintf(stderr, "fdbridge: a message of %u bytes from the client\n", size);
			return -EPROTO;
		}
		ret = read_full(sock, msg + 4, size - 4);
		if (ret <= 0)
			return ret ? ret : -EPROTO;
		ret = p9c_raw(c, msg, size, BRIDGE_MSIZE);
		if (ret <= 0) {
			fprintf(stderr, "fdbridge: the device gave no reply (%s)\n",
				ret ? strerror(-ret) : "dropped");
			return ret ? ret : -EPROTO;
		}
		ret = write_full(sock, c->resp, c->resp_len);
		if (ret)
			return ret;
	}
}

int main(int argc, char **argv)
{
	/* For conformance suites: every file type and mode bit, as QEMU. */
	struct vhost_9p_export exp = {
		.flags = VHOST_9P_EXPORT_DEVICES | VHOST_9P_EXPORT_SETID,
		.security_model = VHOST_9P_SECURITY_NONE,
	};
	const char *extra = "", *model = "none";
	char options[1024];
	int sv[2], opt, ret, status;
	struct p9c c;
	pid_t pid;

	while ((opt = getopt(argc, argv, "m:o:")) != -1) {
		if (opt == 'm')
			model = optarg;
		else if (opt == 'o')
			extra = optarg;
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	if (!strcmp(model, "passthrough"))
		exp.security_model = VHOST_9P_SECURITY_PASSTHROUGH;
	else if (!strcmp(model, "mapped-xattr"))
		exp.security_model = VHOST_9P_SECURITY_MAPPED_XATTR;
	else if (strcmp(model, "none"))
		goto usage;

	snprintf(exp.tag, sizeof(exp.tag), "fdbridge");
	exp.dirfd = open(argv[optind], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (exp.dirfd < 0) {
		fprintf(stderr, "fdbridge: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	ret = p9c_open(&c, &exp);
	close(exp.dirfd);
	if (ret) {
		fprintf(stderr, "fdbridge: cannot open /dev/vhost-9p: %s\n", strerror(-ret));
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("fdbridge: socketpair");
		return 1;
	}
	snprintf(options, sizeof(options),
		 "trans=fd,rfdno=%d,wfdno=%d,version=9p2000.L,msize=%d%s%s",
		 sv[1], sv[1], BRIDGE_MSIZE, *extra ? "," : "", extra);

	/* mount() waits for Tversion and Tattach: serve them meanwhile. */
	pid = fork();
	if (pid < 0) {
		perror("fdbridge: fork");
		return 1;
	}
	if (!pid) {
		close(sv[0]);
		if (mount("vhost-9p", argv[optind + 1], "9p", 0, options)) {
			fprintf(stderr, "fdbridge: mount -o %s: %s\n", options, strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	ret = serve(&c, sv[0]);
	waitpid(pid, &status, 0);
	p9c_close(&c);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	if (ret < 0) {
		fprintf(stderr, "fdbridge: %s\n", strerror(-ret));
		return 1;
	}
	return 0;

usage:
	fprintf(stderr, "usage: fdbridge [-m none|passthrough|mapped-xattr] [-o OPTIONS]\n"
		"                DIR MOUNTPOINT\n");
	return 2;
}
