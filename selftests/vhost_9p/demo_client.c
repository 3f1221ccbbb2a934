// SPDX-License-Identifier: GPL-2.0
/*
 * demo_client: use a directory through /dev/vhost-9p as a guest would.
 *
 *   demo_client DIR
 *
 * Exports DIR, lists it (Twalk, Tlopen, Treaddir, Tgetattr), reads
 * README.txt (Tread), and writes guest-wrote-this.txt (Tlcreate, Twrite),
 * printing each step.  The 9P requests go over a virtqueue in this
 * process's memory, exactly as a guest's would over its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#include "p9client.h"

#define ROOT	1

struct listing {
	int n;
	char names[64][256];
	__u8 types[64];
};

static int collect(const struct v9p_str *name, const struct v9p_qid *qid, __u8 type,
		   void *arg)
{
	struct listing *l = arg;

	if (l->n < 64 && name->str[0] != '.') {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name->str);
		l->types[l->n++] = qid->type;
	}
	return 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "demo_client: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };
	struct listing l = {};
	char buf[4096], msg[256];
	struct p9c_attr a;
	struct utsname u;
	struct v9p_qid qid;
	struct p9c c;
	__u32 iounit;
	ssize_t n;
	int i, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: demo_client DIR\n");
		return 2;
	}
	ret = p9c_open_dir(&c, argv[1], 0);
	if (ret)
		return fail("cannot export the directory", ret);
	ret = p9c_session(&c, ROOT);
	if (ret)
		return fail("Tversion/Tattach", ret);
	printf("guest: mounted the share (9P2000.L, msize %u)\n", c.msize);

	ret = p9c_walk(&c, ROOT, 2, "", NULL);
	if (ret >= 0)
		ret = p9c_lopen(&c, 2, 0);
	if (ret >= 0)
		ret = p9c_readdir(&c, 2, 4096, collect, &l);
	if (ret < 0)
		return fail("listing the share", ret);
	p9c_clunk(&c, 2);
	printf("guest: ls -l /share\n");
	for (i = 0; i < l.n; i++) {
		if (p9c_walk(&c, ROOT, 3, l.names[i], NULL) != 1 || p9c_getattr(&c, 3, &a))
			continue;
		printf("  %c%03o %8llu  %s\n", l.types[i] == V9P_QTDIR ? 'd' : '-',
		       a.mode & 0777, (unsigned long long)a.size, l.names[i]);
		p9c_clunk(&c, 3);
	}

	ret = p9c_walk(&c, ROOT, 4, "README.txt", NULL);
	if (ret == 1)
		ret = p9c_lopen(&c, 4, 0);
	n = ret < 0 ? ret : p9c_read(&c, 4, 0, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail("reading README.txt", n);
	buf[n] = '\0';
	printf("guest: cat /share/README.txt\n%s", buf);
	p9c_clunk(&c, 4);

	uname(&u);
	snprintf(msg, sizeof(msg), "Written by the guest (kernel %s) through vhost-9p.\n",
		 u.release);
	ret = p9c_walk(&c, ROOT, 5, "", NULL);
	if (ret >= 0)
		ret = p9c_rpc(&c, V9P_TLCREATE, "dsddd", 5U, P9S("guest-wrote-this.txt"),
			      (__u32)(1 | V9P_DOTL_TRUNC), 0644U, V9P_NOFID);
	if (ret == -EEXIST)
		ret = p9c_walk(&c, ROOT, 5, "guest-wrote-this.txt", NULL) == 1 ?
		      p9c_lopen(&c, 5, 1 | V9P_DOTL_TRUNC) : -ENOENT;
	else if (!ret)
		ret = p9c_get(&c, "Qd", &qid, &iounit);
	n = ret < 0 ? ret : p9c_write(&c, 5, 0, msg, strlen(msg));
	if (n < 0)
		return fail("writing guest-wrote-this.txt", n);
	printf("guest: wrote %zd bytes to /share/guest-wrote-this.txt\n", n);
	p9c_clunk(&c, 5);

	if (!ioctl(c.vq.fd, VHOST_9P_GET_STATS, &st))
		printf("device: %llu requests served, %llu errors, %llu bytes read, %llu written\n",
		       (unsigned long long)st.requests, (unsigned long long)st.errors,
		       (unsigned long long)st.read_bytes, (unsigned long long)st.write_bytes);
	p9c_close(&c);
	return 0;
}
