// SPDX-License-Identifier: GPL-2.0
/*
 * ring_fuzz: random hostile traffic through /dev/vhost-9p for a bounded
 * time, as a guest gone bad would send it: mutated 9P messages (bits
 * flipped, sizes that lie, cut short, run long, other types, tags and
 * fids), reply buffers of every size down to none, and malformed
 * descriptor chains (zero-length, looping, longer than the ring, outside
 * guest memory, device-writable first, bad indirect tables), with owner
 * resets and closes at random points.
 *
 * Every answer must fit the buffer offered and, when it is a message,
 * say so in its size field and carry the request's tag.  Every message
 * must be answered: each is sent once the one before it was, so none
 * waits for another, and one left unanswered is a stalled ring.  Only a
 * chain the vhost core must refuse (loops, descriptors outside memory or
 * out of order, bad indirect tables) may stop the queue (vq_err); the
 * fuzzer then closes that device, which must still close.  A chain of
 * valid if odd descriptors must be answered like any other.  After every round a fresh device
 * must answer a session and a Tgetattr, nothing may appear beside the
 * export, and the module's reference count must come back: the suite's
 * kernel log check after the program catches oopses, warnings and KASAN.
 *
 * ring_fuzz [--seconds N] [--seed N]: V9P_FUZZ_SECONDS sets the default
 * time (30 s); the seed is printed, and the same seed replays the same
 * traffic.  ring_fuzz --plant-stall sends one message to a device that
 * is not running, for the harness's self-test: it must fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostutil.h"
#include "p9client.h"

#define ROOT		1
#define ROUND_OPS	40
/*
 * A request gets its answer within this (times V9P_SLOW); a chain the
 * vhost core refuses, never.
 */
#define WAIT_MS		2000
#define CHAIN_WAIT_MS	300

static struct {
	unsigned long rounds, messages, answered, dropped, chains, stopped, resets;
} count;

/* A valid T-message of a random kind, about fids 1..4, into @buf. */
static size_t seed_message(__u8 *buf, size_t cap)
{
	struct v9p_buf b;
	__u32 fid = 1 + rng_below(4), newfid = 1 + rng_below(6);
	__u16 tag = rng_below(8);

	v9p_buf_init(&b, buf, cap, NULL, 0);
	switch (rng_below(16)) {
	case 0:
		v9p_begin_reply(&b, P9_TVERSION, P9_NOTAG);
		v9p_writef(&b, "ds", rng_below(2) ? P9C_MSIZE : rng_next(), P9S("9P2000.L"));
		break;
	case 1:
		v9p_begin_reply(&b, P9_TATTACH, tag);
		v9p_writef(&b, "ddssd", fid, (__u32)P9_NOFID, P9S("u"), P9S(""), 0U);
		break;
	case 2:
		v9p_begin_reply(&b, P9_TWALK, tag);
		v9p_writef(&b, "ddwss", fid, newfid, 2U, P9S("sub"),
			   P9S(rng_below(2) ? ".." : "f"));
		break;
	case 3:
		v9p_begin_reply(&b, P9_TLOPEN, tag);
		v9p_writef(&b, "dd", fid, rng_below(4));
		break;
	case 4:
		v9p_begin_reply(&b, P9_TREAD, tag);
		v9p_writef(&b, "dqd", fid, (__u64)rng_below(8192), rng_below(1 << 20));
		break;
	case 5:
		v9p_begin_reply(&b, P9_TWRITE, tag);
		v9p_writef(&b, "dqd", fid, (__u64)rng_below(8192), 8U);
		v9p_writef(&b, "q", (__u64)rng_next() << 32 | rng_next());
		break;
	case 6:
		v9p_begin_reply(&b, P9_TREADDIR, tag);
		v9p_writef(&b, "dqd", fid, (__u64)rng_below(4), rng_below(65536));
		break;
	case 7:
		v9p_begin_reply(&b, P9_TGETATTR, tag);
		v9p_writef(&b, "dq", fid, (__u64)0x3fff);
		break;
	case 8:
		v9p_begin_reply(&b, P9_TSETATTR, tag);
		v9p_writef(&b, "ddddqqqqq", fid, rng_below(128), 0600U, 0U, 0U,
			   (__u64)rng_below(65536), (__u64)0, (__u64)0, (__u64)0, (__u64)0);
		break;
	case 9:
		v9p_begin_reply(&b, P9_TXATTRWALK, tag);
		v9p_writef(&b, "dds", fid, newfid, P9S(rng_below(2) ? "user.a" : ""));
		break;
	case 10:
		v9p_begin_reply(&b, P9_TXATTRCREATE, tag);
		v9p_writef(&b, "dsqd", fid, P9S("user.a"), (__u64)rng_below(1 << 17), 0U);
		break;
	case 11:
		v9p_begin_reply(&b, P9_TLCREATE, tag);
		v9p_writef(&b, "dsddd", fid, P9S(rng_below(2) ? "new" : "../escape"), 2U,
			   0644U, 0U);
		break;
	case 12:
		v9p_begin_reply(&b, P9_TMKDIR, tag);
		v9p_writef(&b, "dsdd", fid, P9S("d"), 0755U, 0U);
		break;
	case 13:
		v9p_begin_reply(&b, P9_TUNLINKAT, tag);
		v9p_writef(&b, "dsd", fid, P9S(rng_below(2) ? "new" : "d"),
			   rng_below(2) ? 0x200U : 0U);
		break;
	case 14:
		v9p_begin_reply(&b, P9_TFLUSH, tag);
		v9p_writef(&b, "w", rng_below(8));
		break;
	default:
		v9p_begin_reply(&b, P9_TCLUNK, tag);
		v9p_writef(&b, "d", fid);
		break;
	}
	v9p_end_reply(&b);
	return b.pos;
}

/* Spoil a message in one of the ways a broken or hostile guest would. */
static size_t mutate(__u8 *buf, size_t len, size_t cap)
{
	size_t i, n;

	switch (rng_below(7)) {
	case 0:		/* flip bits */
		for (n = 1 + rng_below(4); n; n--)
			buf[rng_below(len)] ^= 1 << rng_below(8);
		break;
	case 1:		/* a size field that lies */
		*(__u32 *)buf = rng_below(2) ? rng_next() : (__u32)len + rng_below(64) - 32;
		break;
	case 2:		/* cut short */
		len = rng_below(len + 1);
		break;
	case 3:		/* run long with garbage */
		for (n = rng_below(cap - len); n; n--)
			buf[len++] = rng_next();
		break;
	case 4:		/* another type, R-messages and unknown ones included */
		buf[4] = rng_next();
		break;
	case 5:		/* random bytes in the body */
		for (i = 7; i < len; i++)
			if (!rng_below(4))
				buf[i] = rng_next();
		break;
	default:	/* as it was */
		break;
	}
	return len;
}

static int fail_count;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fail_count++;						\
		printf("# FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

/* Send one mutated message; false once the queue no longer answers. */
static bool fuzz_message(struct p9c *c)
{
	/* No room at all, too little for an Rlerror, a little, or plenty. */
	static const size_t caps[] = { 1, 8, 11, 64, 4096, P9C_MSIZE };
	__u8 msg[4096];
	size_t len, cap;
	__u8 *resp;
	__u32 used;

	len = mutate(msg, seed_message(msg, sizeof(msg)), sizeof(msg));
	cap = caps[rng_below(6)];
	count.messages++;
	virtq_reset_alloc(&c->vq);
	resp = virtq_call(&c->vq, msg, len ? len : 1, cap, &used, WAIT_MS * slow_factor());
	if (!resp) {
		/* Nothing else is in flight: nothing may keep it waiting. */
		CHECK(0, "no answer to a message of type %u, %zu bytes, tag %02x%02x: %s",
		      len > 4 ? msg[4] : 0, len, len > 6 ? msg[5] : 0, len > 6 ? msg[6] : 0,
		      strerror(errno));
		return false;
	}
	CHECK(used <= cap, "reply of %u bytes in a buffer of %zu", used, cap);
	if (!used) {
		count.dropped++;
		return true;
	}
	count.answered++;
	CHECK(used >= 7 && *(__u32 *)resp == used,
	      "reply of %u bytes says %u", used, used >= 4 ? *(__u32 *)resp : 0);
	if (len >= 7 && used >= 7)
		CHECK(!memcmp(resp + 5, msg + 5, 2), "reply tag %02x%02x for %02x%02x",
		      resp[5], resp[6], msg[5], msg[6]);
	return true;
}

/*
 * A descriptor chain the vhost core or the server must refuse.  Returns
 * false when the queue stopped (no used element came back).
 */
static bool fuzz_chain(struct p9c *c)
{
	struct vring_desc d[8] = {};
	unsigned int n = 2, i, kind = rng_below(9);
	/* Refused by the vhost core: the queue stops, nothing comes back. */
	bool may_stop = kind >= 1 && kind <= 7;
	__u64 base;
	void *token;
	__u32 used;
	int ret;

	virtq_reset_alloc(&c->vq);
	base = virtq_gpa(&c->vq, virtq_alloc(&c->vq, 8192));
	seed_message(virtq_host_ptr(&c->vq, base, 4096), 4096);
	d[0] = (struct vring_desc){ base, 64, VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ base + 4096, 4096, VRING_DESC_F_WRITE, 0 };
	switch (kind) {
	case 0:		/* zero-length descriptors */
		d[rng_below(2)].len = 0;
		break;
	case 1:		/* a loop */
		d[1].flags |= VRING_DESC_F_NEXT;
		d[1].next = rng_below(2);
		break;
	case 2:		/* next beyond the table */
		d[0].next = c->vq.num + rng_below(1000);
		break;
	case 3:		/* outside guest memory */
		d[rng_below(2)].addr = rng_below(2) ? ~0ULL - rng_below(4096) :
						      c->vq.mem_size + VIRTQ_GPA_BASE;
		break;
	case 4:		/* device-writable first, readable after */
		d[0].flags |= VRING_DESC_F_WRITE;
		d[1].flags &= ~VRING_DESC_F_WRITE;
		break;
	case 5:		/* a huge length */
		d[rng_below(2)].len = 0x80000000U + rng_below(1 << 30);
		break;
	case 6:		/* an indirect table that is not one (or, at 16 or 32, may be) */
		n = 1;
		d[0] = (struct vring_desc){ base + 4096 + 512, (__u32)rng_below(40),
					    VRING_DESC_F_INDIRECT, 0 };
		break;
	case 7:		/* indirect inside indirect */
		n = 1;
		d[0] = (struct vring_desc){ base + 6144, 32, VRING_DESC_F_INDIRECT, 0 };
		*(struct vring_desc *)virtq_host_ptr(&c->vq, base + 6144, 16) =
			(struct vring_desc){ base + 6144, 32, VRING_DESC_F_INDIRECT, 0 };
		break;
	default:	/* many tiny pieces */
		n = 8;
		for (i = 0; i < n; i++)
			d[i] = (struct vring_desc){ base + i * 8, 8,
				i < 4 ? VRING_DESC_F_NEXT : VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
				i + 1 };
		d[n - 1].flags &= ~VRING_DESC_F_NEXT;
		break;
	}
	count.chains++;
	ret = virtq_submit_raw(&c->vq, d, n, &count);
	if (ret < 0)
		return true;
	ret = virtq_wait_used(&c->vq, &token, &used, CHAIN_WAIT_MS);
	if (ret == 1) {
		CHECK(used <= 4096, "used length %u for a 4096-byte buffer", used);
		return true;
	}
	count.stopped++;
	CHECK(may_stop, "no answer to a chain of kind %u, which the vhost core accepts", kind);
	return false;
}

/* One device's worth of hostile traffic. */
static void fuzz_round(const char *dir)
{
	struct p9c c;
	int i;

	if (p9c_open_dir(&c, dir, 0)) {
		CHECK(0, "cannot open a device: %s", strerror(errno));
		return;
	}
	if (rng_below(4))
		p9c_session(&c, ROOT);
	for (i = 0; i < ROUND_OPS; i++) {
		unsigned int what = rng_below(40);

		if (what == 0 && !ioctl(c.vq.fd, VHOST_RESET_OWNER)) {
			count.resets++;
			if (virtq_dev_reown(&c.vq) ||
			    ioctl(c.vq.fd, VHOST_9P_SET_RUNNING, &(int){ 1 }))
				break;
			continue;
		}
		if (what == 1)
			break;	/* close with whatever is in flight */
		if (!(what < 4 ? fuzz_chain(&c) : fuzz_message(&c)))
			break;
	}
	p9c_close(&c);
}

/* A fresh device must still serve a session and a Tgetattr. */
static bool device_works(const char *dir)
{
	struct p9c_attr attr;
	struct p9c c;
	bool ok;

	if (p9c_open_dir(&c, dir, 0))
		return false;
	ok = !p9c_session(&c, ROOT) && !p9c_getattr(&c, ROOT, &attr);
	p9c_close(&c);
	return ok;
}

/* Entries of @dir: only "export" may be there. */
static int entries_beside(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "export")) {
			printf("# beside the export: %s\n", e->d_name);
			n++;
		}
	closedir(d);
	return n;
}

/* The harness's self-test: a message to a stopped device must fail. */
static int plant_stall(void)
{
	struct p9c c;

	printf("TAP version 13\n1..1\n# ring_fuzz --plant-stall\n");
	if (p9c_open_dir(&c, getenv("TMPDIR") ?: "/tmp", 0) ||
	    ioctl(c.vq.fd, VHOST_9P_SET_RUNNING, &(int){ 0 })) {
		printf("Bail out! no device to stop: %s\n", strerror(errno));
		return 1;
	}
	fuzz_message(&c);
	p9c_close(&c);
	printf("%s 1 every message was answered\n", fail_count ? "not ok" : "ok");
	return fail_count ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 30;
	char jail[256], dir[300];
	bool alive = true;
	__u64 seed;
	double end;
	int refs, i;

	if (argc == 2 && !strcmp(argv[1], "--plant-stall"))
		return plant_stall();
	seed = fuzz_args(argc, argv, "V9P_FUZZ_SECONDS", &seconds);
	printf("TAP version 13\n1..4\n# ring_fuzz --seconds %lu --seed %llu\n", seconds,
	       (unsigned long long)seed);

	snprintf(jail, sizeof(jail), "%s/v9p-fuzz.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(jail)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/export", jail);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/export/sub", jail);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/export", jail);
	if (!device_works(dir)) {
		printf("Bail out! no working /dev/vhost-9p to start from\n");
		return 1;
	}
	refs = module_refs();

	end = now() + seconds;
	while (now() < end && alive) {
		count.rounds++;
		fuzz_round(dir);
		alive = device_works(dir);
	}
	printf("# %lu rounds, %lu messages (%lu answered, %lu dropped)\n",
	       count.rounds, count.messages, count.answered, count.dropped);
	printf("# %lu bad chains (%lu stopped the queue), %lu owner resets\n",
	       count.chains, count.stopped, count.resets);
	printf("%s 1 every message and valid chain was answered, within its buffer, with its tag\n",
	       fail_count ? "not ok" : "ok");
	if (!alive)
		printf("# a fresh device stopped answering after round %lu\n", count.rounds);
	printf("%s 2 a fresh device answered after every round\n", alive ? "ok" : "not ok");
	i = entries_beside(jail);
	printf("%s 3 nothing appeared beside the export\n", i == 0 ? "ok" : "not ok");
	i = module_refs();
	if (i != refs)
		printf("# module references %d, %d before\n", i, refs);
	printf("%s 4 every device gave its module reference back\n", i == refs ? "ok" : "not ok");
	rm_tree(jail);
	return fail_count || !alive || i != refs ? 1 : 0;
}
