// SPDX-License-Identifier: GPL-2.0
/*
 * seq_fuzz: a stateful fuzzer.  ring_fuzz mutates single messages and
 * chains; this one sends valid-looking sequences over eight fids, as a
 * hostile guest that knows the protocol would: attaches, walks with "..",
 * creates, renames, links, unlinks, removes, xattrs written and read,
 * locks of many guest processes, opens, reads, writes, setattrs,
 * symlinks, and Tversion resets, in random order, while a host thread
 * renames directories out of the export, and out of the source of a bind
 * mount inside it, and back.
 *
 * After every request it checks what must always hold:
 *   - the request was answered (a stalled ring is a failure);
 *   - no reply names a file outside the export: no qid carries the inode
 *     of the export's parent or of anything beside the export, and none
 *     comes from a file system other than the export's and the tmpfs
 *     mounted in it (an escape to the host's root would);
 *   - the device's fids and lock owners stay within their bounds
 *     (fdinfo);
 * and at the end that the host tree beside the export is as it was, and
 * that every device gave its module reference back.  The suite's kernel
 * log check after the program catches oopses, lockdep, KASAN and kmemleak.
 *
 * seq_fuzz [--seconds N] [--seed N]: V9P_SEQ_FUZZ_SECONDS sets the
 * default time (20 s); the same seed replays the same guest sequence (the
 * host thread's timing is its own).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostutil.h"
#include "p9client.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NFIDS		8
#define ROUND_OPS	300
#define MAX_FIDS	64
#define MAX_LOCK_OWNERS	4096

/* Names a walk or a create uses: the export's own, "..", and new ones. */
static const char *const names[] = {
	"..", "..", "d1", "d2", "f", "g", "ro", "mnt", "data", "dd", "sub", "x", "y", "l",
};

static const char *pick_name(void)
{
	return names[rng_below(ARRAY_SIZE(names))];
}

static struct {
	unsigned long rounds, requests, errors, host_moves, versions;
} count;

/*
 * What the guest believes of its fids, as a client would, so that most
 * requests name a fid that exists and a new fid that does not: random
 * numbers alone are refused (EBADF) before reaching the code under test.
 * One request in eight still names any fid at all.
 */
static bool live[NFIDS + 1];

static __u32 pick_fid(bool want_live)
{
	__u32 pool[NFIDS], n = 0, i;

	for (i = 1; i <= NFIDS; i++)
		if (live[i] == want_live)
			pool[n++] = i;
	if (!n || !rng_below(8))
		return 1 + rng_below(NFIDS);
	return pool[rng_below(n)];
}

static void forget_fids(void)
{
	memset(live, 0, sizeof(live));
}

static int fail_count;
static bool timed_out, escaped, over_bounds;

/* Inodes outside the export (on its file system), and its file systems. */
static ino_t outside_inos[8];
static unsigned int n_outside;

static void note_outside(const char *path)
{
	struct stat st;

	if (!lstat(path, &st) && n_outside < 8)
		outside_inos[n_outside++] = st.st_ino;
}

/* A qid from a reply: does it name something outside the export? */
static void check_qid(const struct p9_qid *qid, const char *what)
{
	__u64 dev = qid->path >> 48, ino = qid->path & ((1ULL << 48) - 1);
	unsigned int i;

	/* 0: the export's file system (and the bind mount's); 1: its tmpfs. */
	if (dev > 1) {
		printf("# %s: a qid of file system %llu\n", what, (unsigned long long)dev);
		escaped = true;
		return;
	}
	for (i = 0; dev == 0 && i < n_outside; i++)
		if (ino == outside_inos[i]) {
			printf("# %s: a qid of inode %llu, outside the export\n", what,
			       (unsigned long long)ino);
			escaped = true;
		}
}

/* One request's outcome. */
static int sent(int ret)
{
	count.requests++;
	if (ret == -ETIMEDOUT) {
		timed_out = true;
		fail_count++;
	} else if (ret < 0) {
		count.errors++;
	}
	return ret;
}

/* The host's side: directories out of the export and back, meanwhile. */
struct host_moves {
	char export[300], away[300];
	bool stop;	/* read and written with __atomic builtins */
};

static void *host_thread(void *arg)
{
	struct host_moves *h = arg;
	static const char *const movable[] = { "data/dd", "d1", "d2", "data/dd/sub" };
	char from[400];
	unsigned int i = 0;

	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
		snprintf(from, sizeof(from), "%s/%s", h->export, movable[i++ % 4]);
		if (!rename(from, h->away)) {
			count.host_moves++;
			usleep(200);
			rename(h->away, from);
		}
		usleep(500);
	}
	return NULL;
}

static int walk(struct p9c *c, __u32 fid, __u32 newfid)
{
	unsigned int n = rng_below(4), i;
	const char *w[3] = { pick_name(), pick_name(), pick_name() };
	struct p9_qid qid;
	__u16 got;
	int ret;

	switch (n) {
	case 0:
		ret = p9c_rpc(c, P9_TWALK, "ddw", fid, newfid, 0U);
		break;
	case 1:
		ret = p9c_rpc(c, P9_TWALK, "ddws", fid, newfid, 1U, P9S(w[0]));
		break;
	case 2:
		ret = p9c_rpc(c, P9_TWALK, "ddwss", fid, newfid, 2U, P9S(w[0]), P9S(w[1]));
		break;
	default:
		ret = p9c_rpc(c, P9_TWALK, "ddwsss", fid, newfid, 3U, P9S(w[0]), P9S(w[1]),
			      P9S(w[2]));
		break;
	}
	if (sent(ret) || p9c_get(c, "w", &got))
		return ret;
	for (i = 0; i < got && !p9c_get(c, "Q", &qid); i++)
		check_qid(&qid, "Rwalk");
	/* A walk cut short makes no new fid. */
	if (got == n)
		live[newfid] = true;
	return 0;
}

static int got_qid(struct p9c *c, int ret, const char *fmt, const char *what)
{
	struct p9_qid qid;
	__u32 iounit;

	if (sent(ret))
		return ret;
	if (!(fmt[1] ? p9c_get(c, fmt, &qid, &iounit) : p9c_get(c, fmt, &qid)))
		check_qid(&qid, what);
	return 0;
}

/* One random request about fids 1..NFIDS. */
static void one_request(struct p9c *c)
{
	__u32 fid = pick_fid(true), other = pick_fid(true), free_fid = pick_fid(false);
	struct p9c_attr attr;
	char buf[256];
	__u64 size;

	switch (rng_below(24)) {
	case 0:
		if (!got_qid(c, p9c_rpc(c, P9_TATTACH, "ddssd", free_fid, P9_NOFID, P9S("u"),
					P9S(""), rng_below(2) ? 0U : 1000U), "Q", "Rattach"))
			live[free_fid] = true;
		break;
	case 1: case 2: case 3: case 4: case 5:
		walk(c, fid, rng_below(3) ? free_fid : fid);
		break;
	case 6:
		got_qid(c, p9c_rpc(c, P9_TLOPEN, "dd", fid,
				   rng_below(3) | (rng_below(4) ? 0 : 01000)), "Qd", "Rlopen");
		break;
	case 7:
		got_qid(c, p9c_rpc(c, P9_TLCREATE, "dsddd", fid, P9S(pick_name()), 2U, 0644U,
				   P9_NOFID), "Qd", "Rlcreate");
		break;
	case 8:
		got_qid(c, p9c_rpc(c, P9_TMKDIR, "dsdd", fid, P9S(pick_name()), 0755U,
				   P9_NOFID), "Q", "Rmkdir");
		break;
	case 9:
		sent(p9c_rpc(c, P9_TRENAMEAT, "dsds", fid, P9S(pick_name()), other,
			     P9S(pick_name())));
		break;
	case 10:
		sent(p9c_rpc(c, P9_TUNLINKAT, "dsd", fid, P9S(pick_name()),
			     rng_below(2) ? P9_DOTL_AT_REMOVEDIR : 0U));
		break;
	case 11:
		sent(p9c_rpc(c, P9_TLINK, "dds", fid, other, P9S(pick_name())));
		break;
	case 12:
		if (!sent(p9c_rpc(c, P9_TXATTRWALK, "dds", fid, free_fid,
				  P9S(rng_below(2) ? "user.x" : "")))) {
			live[free_fid] = true;
			sent(p9c_read(c, free_fid, 0, buf, sizeof(buf)));
		}
		break;
	case 13:
		size = rng_below(64);
		if (!sent(p9c_rpc(c, P9_TXATTRCREATE, "dsqd", fid, P9S("user.x"), size, 0U))) {
			sent(p9c_write(c, fid, 0, buf, rng_below(2) ? size : size / 2));
			sent(p9c_clunk(c, fid));
			live[fid] = false;
		}
		break;
	case 14:
		sent(p9c_rpc(c, P9_TLOCK, "dbdqqds", fid, rng_below(3), 0U, (__u64)rng_below(64),
			     (__u64)rng_below(16), rng_below(2000), P9S("seq_fuzz")));
		break;
	case 15:
		sent(p9c_rpc(c, P9_TGETLOCK, "dbqqds", fid, rng_below(2), (__u64)0, (__u64)0,
			     rng_below(2000), P9S("seq_fuzz")));
		break;
	case 16:
		if (rng_below(2))
			sent(p9c_read(c, fid, rng_below(8192), buf, sizeof(buf)));
		else
			sent(p9c_write(c, fid, rng_below(8192), buf, rng_below(sizeof(buf))));
		break;
	case 17:
		sent(p9c_clunk(c, fid));
		live[fid] = false;
		break;
	case 18:
		/* Clunks the fid, whatever the answer. */
		sent(p9c_rpc(c, P9_TREMOVE, "d", fid));
		live[fid] = false;
		break;
	case 19:
		sent(p9c_rpc(c, P9_TSETATTR, "dddddqqqqq", fid,
			     rng_below(2) ? V9P_SETATTR_MODE : V9P_SETATTR_SIZE, 0640U, 0U, 0U,
			     (__u64)rng_below(4096), (__u64)0, (__u64)0, (__u64)0, (__u64)0));
		break;
	case 20:
		got_qid(c, p9c_rpc(c, P9_TSYMLINK, "dssd", fid, P9S(pick_name()),
				   P9S(rng_below(2) ? "../../outside/secret" : "/"), P9_NOFID),
			"Q", "Rsymlink");
		break;
	case 21:
		sent(p9c_rpc(c, P9_TREADLINK, "d", fid));
		break;
	case 22:
		if (!sent(p9c_getattr(c, fid, &attr)))
			check_qid(&attr.qid, "Rgetattr");
		break;
	default:
		/* A new session now and then: everything goes, root again. */
		if (rng_below(8))
			break;
		count.versions++;
		forget_fids();
		if (!sent(p9c_session(c, 1))) {
			live[1] = true;
			walk(c, 1, 2);
		}
		break;
	}
}

/* The device's fids and lock owners, from its fdinfo, within bounds. */
static void check_bounds(struct p9c *c)
{
	char path[64], text[4096], *p;
	long fids = -1, owners = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", c->vq.fd);
	if (read_text(path, text, sizeof(text)) <= 0)
		return;
	p = strstr(text, "vhost-9p-fids:");
	if (p)
		fids = strtol(p + 14, NULL, 10);
	p = strstr(text, "vhost-9p-lock-owners:");
	if (p)
		owners = strtol(p + 21, NULL, 10);
	if (fids < 0 || fids > MAX_FIDS || owners < 0 || owners > MAX_LOCK_OWNERS) {
		printf("# fdinfo: %ld fids, %ld lock owners\n", fids, owners);
		over_bounds = true;
	}
}

static void fuzz_round(const char *export)
{
	struct vhost_9p_export exp = {
		.flags = VHOST_9P_EXPORT_CROSS_MOUNTS, .max_fids = MAX_FIDS,
	};
	struct p9c c;
	int i;

	if (p9c_open_path(&c, export, &exp)) {
		printf("# cannot open a device: %s\n", strerror(errno));
		fail_count++;
		return;
	}
	forget_fids();
	if (sent(p9c_session(&c, 1)))
		goto out;
	live[1] = true;
	for (i = 0; i < ROUND_OPS && !timed_out; i++) {
		one_request(&c);
		if (!(i % 32))
			check_bounds(&c);
	}
out:
	p9c_close(&c);
}

/* The host's view of the tree beside the export: names and sizes. */
static void snapshot(const char *dir, char *buf, size_t size)
{
	struct dirent *e;
	struct stat st;
	char path[600];
	size_t n = 0;
	DIR *d;

	buf[0] = '\0';
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && n + 300 < size) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!lstat(path, &st))
			n += snprintf(buf + n, size - n, "%s %o %lld\n", e->d_name,
				      st.st_mode, (long long)st.st_size);
	}
	closedir(d);
}

static int make_tree(const char *jail, char *export, size_t size)
{
	static const char *const dirs[] = {
		"export", "export/d1", "export/d1/sub", "export/d2", "export/data",
		"export/data/dd", "export/data/dd/sub", "export/ro", "export/mnt", "outside",
	};
	char path[400];
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", jail, dirs[i]);
		if (mkdir(path, 0755))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/outside/secret", jail);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0 || write(fd, "secret", 6) != 6)
		return -1;
	close(fd);
	snprintf(export, size, "%s/export", jail);
	snprintf(path, sizeof(path), "%s/export/f", jail);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "file", 4) != 4)
		return -1;
	close(fd);
	note_outside(jail);
	snprintf(path, sizeof(path), "%s/outside", jail);
	note_outside(path);
	snprintf(path, sizeof(path), "%s/outside/secret", jail);
	note_outside(path);
	snprintf(path, sizeof(path), "%s/export/mnt", jail);
	return mount("seq_fuzz", path, "tmpfs", 0, "size=4m");
}

int main(int argc, char **argv)
{
	unsigned long seconds = 20;
	char jail[256], export[300], src[400], dst[400];
	static char before[8192], after[8192];
	struct host_moves h = {};
	pthread_t thread;
	__u64 seed;
	int refs, i;
	double end;

	seed = fuzz_args(argc, argv, "V9P_SEQ_FUZZ_SECONDS", &seconds);
	printf("TAP version 13\n1..5\n# seq_fuzz --seconds %lu --seed %llu\n", seconds,
	       (unsigned long long)seed);

	snprintf(jail, sizeof(jail), "%s/v9p-seq.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(jail) || make_tree(jail, export, sizeof(export))) {
		printf("Bail out! cannot make the tree: %s\n", strerror(errno));
		return 1;
	}
	/* ro is a bind mount of data: the source moves, the mount stays. */
	snprintf(src, sizeof(src), "%s/data", export);
	snprintf(dst, sizeof(dst), "%s/ro", export);
	if (mount(src, dst, NULL, MS_BIND, NULL)) {
		printf("Bail out! bind mount: %s\n", strerror(errno));
		return 1;
	}
	snprintf(dst, sizeof(dst), "%s/outside", jail);
	snapshot(dst, before, sizeof(before));
	refs = module_refs();

	snprintf(h.export, sizeof(h.export), "%s", export);
	snprintf(h.away, sizeof(h.away), "%s/away", jail);
	if (pthread_create(&thread, NULL, host_thread, &h)) {
		printf("Bail out! no host thread\n");
		return 1;
	}
	end = now() + seconds;
	while (now() < end && !timed_out) {
		count.rounds++;
		fuzz_round(export);
	}
	__atomic_store_n(&h.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);

	printf("# %lu rounds, %lu requests (%lu refused), %lu sessions reset, %lu host moves\n",
	       count.rounds, count.requests, count.errors, count.versions, count.host_moves);
	printf("%s 1 every request was answered\n", timed_out ? "not ok" : "ok");
	printf("%s 2 no reply named a file outside the export\n", escaped ? "not ok" : "ok");
	snapshot(dst, after, sizeof(after));
	if (strcmp(before, after))
		printf("# beside the export, before:\n%s# after:\n%s", before, after);
	printf("%s 3 the host tree beside the export is unchanged\n",
	       strcmp(before, after) ? "not ok" : "ok");
	printf("%s 4 fids and lock owners stayed within their bounds\n",
	       over_bounds ? "not ok" : "ok");
	i = module_refs();
	if (i != refs)
		printf("# module references %d, %d before\n", i, refs);
	printf("%s 5 every device gave its module reference back\n", i == refs ? "ok" : "not ok");

	snprintf(dst, sizeof(dst), "%s/ro", export);
	umount2(dst, MNT_DETACH);
	snprintf(dst, sizeof(dst), "%s/mnt", export);
	umount2(dst, MNT_DETACH);
	rm_tree(jail);
	return fail_count || escaped || over_bounds || i != refs ||
	       strcmp(before, after) ? 1 : 0;
}
