// SPDX-License-Identifier: GPL-2.0
/*
 * export_test: what the guest sees of an export, and where it cannot go.
 *
 * The guest's view of a tree, read through the server (names, types,
 * sizes, modes, link counts, symlink targets, contents), must equal what
 * the host sees; walks must stay inside the export through "..", symlinks,
 * mount points and directories renamed away; and a device closed with
 * requests and locks outstanding must release everything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "p9client.h"

#define ROOT		1
#define MAX_NAMES	4096

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? chmod(path, mode) : -1;
}

struct name_list {
	int n;
	char *names[MAX_NAMES];
	__u8 types[MAX_NAMES];
};

static int collect(const struct v9p_str *name, const struct v9p_qid *qid, __u8 type,
		   void *arg)
{
	struct name_list *list = arg;

	if (!strcmp(name->str, ".") || !strcmp(name->str, ".."))
		return 0;
	if (list->n == MAX_NAMES)
		return -E2BIG;
	list->types[list->n] = type;
	list->names[list->n++] = strdup(name->str);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(struct name_list *list)
{
	while (list->n)
		free(list->names[--list->n]);
}

struct tree_walk {
	struct p9c *c;
	__u32 next_fid;
	int entries;
	int mismatches;
	char *buf;
	char *host_buf;
};

#define MISMATCH(w, fmt, ...)						\
	do {								\
		(w)->mismatches++;					\
		fprintf(stderr, "# mismatch: " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

static void compare_contents(struct tree_walk *w, __u32 fid, const char *host, off_t size)
{
	ssize_t n, got;
	off_t off = 0;
	int fd;

	if (p9c_lopen(w->c, fid, 0)) {
		MISMATCH(w, "%s: cannot open", host);
		return;
	}
	fd = open(host, O_RDONLY);
	if (fd < 0)
		return;
	while (off <= size) {
		got = p9c_read(w->c, fid, off, w->buf, 65536);
		n = pread(fd, w->host_buf, 65536, off);
		if (got != n || (n > 0 && memcmp(w->buf, w->host_buf, n))) {
			MISMATCH(w, "%s: contents differ at %lld", host, (long long)off);
			break;
		}
		if (n <= 0)
			break;
		off += n;
	}
	close(fd);
}

static void compare_entry(struct tree_walk *w, __u32 dfid, const char *host_dir,
			  const char *name, __u8 dirent_type);

/* Compare the directory @dfid names with the host's @host. */
static void compare_dir(struct tree_walk *w, __u32 dfid, const char *host)
{
	struct name_list mine = {}, theirs = {};
	__u32 dir_fid = w->next_fid++;
	struct dirent *de;
	DIR *d;
	int i;

	if (p9c_walk(w->c, dfid, dir_fid, "", NULL) || p9c_lopen(w->c, dir_fid, 0) ||
	    p9c_readdir(w->c, dir_fid, 512, collect, &mine) < 0) {
		MISMATCH(w, "%s: cannot list", host);
		return;
	}
	p9c_clunk(w->c, dir_fid);
	d = opendir(host);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && theirs.n < MAX_NAMES)
			theirs.names[theirs.n++] = strdup(de->d_name);
	if (d)
		closedir(d);
	qsort(theirs.names, theirs.n, sizeof(char *), cmp_str);
	if (mine.n != theirs.n)
		MISMATCH(w, "%s: %d entries, host has %d", host, mine.n, theirs.n);
	for (i = 0; i < mine.n; i++) {
		if (!bsearch(&mine.names[i], theirs.names, theirs.n, sizeof(char *), cmp_str))
			MISMATCH(w, "%s: extra entry %s", host, mine.names[i]);
		else
			compare_entry(w, dfid, host, mine.names[i], mine.types[i]);
	}
	free_names(&mine);
	free_names(&theirs);
}

static void compare_entry(struct tree_walk *w, __u32 dfid, const char *host_dir,
			  const char *name, __u8 dirent_type)
{
	char host[4096], target[4096];
	__u32 fid = w->next_fid++;
	struct v9p_str link;
	struct p9c_attr a;
	struct v9p_qid qid;
	struct stat st;
	ssize_t n;

	snprintf(host, sizeof(host), "%s/%s", host_dir, name);
	w->entries++;
	if (lstat(host, &st))
		return;
	if (p9c_walk(w->c, dfid, fid, name, &qid) != 1 || p9c_getattr(w->c, fid, &a)) {
		MISMATCH(w, "%s: cannot walk or stat", host);
		return;
	}
	if (a.mode != st.st_mode || a.size != (__u64)st.st_size || a.nlink != st.st_nlink ||
	    a.uid != st.st_uid || a.gid != st.st_gid ||
	    a.mtime_sec != (__u64)st.st_mtim.tv_sec ||
	    a.mtime_nsec != (__u64)st.st_mtim.tv_nsec)
		MISMATCH(w, "%s: attributes differ (mode %o/%o size %llu/%lld nlink %llu/%lu)",
			 host, a.mode, st.st_mode, (unsigned long long)a.size,
			 (long long)st.st_size, (unsigned long long)a.nlink,
			 (unsigned long)st.st_nlink);
	if ((S_ISDIR(st.st_mode) && (qid.type != V9P_QTDIR || dirent_type != DT_DIR)) ||
	    (S_ISLNK(st.st_mode) && (qid.type != V9P_QTSYMLINK || dirent_type != DT_LNK)) ||
	    (S_ISREG(st.st_mode) && (qid.type != V9P_QTFILE || dirent_type != DT_REG)))
		MISMATCH(w, "%s: qid type %#x / dirent type %u wrong", host, qid.type,
			 dirent_type);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (p9c_rpc(w->c, V9P_TREADLINK, "d", fid) || p9c_get(w->c, "s", &link) ||
		    strcmp(link.str, target))
			MISMATCH(w, "%s: symlink target differs", host);
	} else if (S_ISREG(st.st_mode)) {
		compare_contents(w, fid, host, st.st_size);
	} else if (S_ISDIR(st.st_mode)) {
		compare_dir(w, fid, host);
	}
	p9c_clunk(w->c, fid);
}

static int compare_tree(struct p9c *c, const char *host, int *entries)
{
	struct tree_walk w = { .c = c, .next_fid = 100 };

	w.buf = malloc(65536);
	w.host_buf = malloc(65536);
	compare_dir(&w, ROOT, host);
	free(w.buf);
	free(w.host_buf);
	*entries = w.entries;
	return w.mismatches;
}

/* A tree with every kind of entry a guest meets. */
static void make_tree(const char *dir)
{
	static char big[1 << 20];
	char path[4096], target[4096], name[256];
	unsigned int i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 2654435761U >> 13);
	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0, 0644);
	snprintf(path, sizeof(path), "%s/page", dir);
	write_file(path, big, 4096, 0600);
	snprintf(path, sizeof(path), "%s/page+1", dir);
	write_file(path, big, 4097, 0755);
	snprintf(path, sizeof(path), "%s/big", dir);
	write_file(path, big, sizeof(big), 0444);
	snprintf(path, sizeof(path), "%s/setuid", dir);
	write_file(path, "x", 1, 04755);
	snprintf(path, sizeof(path), "%s/sticky", dir);
	mkdir(path, 01777);
	snprintf(path, sizeof(path), "%s/with space and ünïcode", dir);
	write_file(path, "u", 1, 0644);
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, "long", 4, 0644);
	snprintf(path, sizeof(path), "%s/hardlink", dir);
	snprintf(target, sizeof(target), "%s/page", dir);
	link(target, path);
	snprintf(path, sizeof(path), "%s/rel-link", dir);
	symlink("page", path);
	snprintf(path, sizeof(path), "%s/abs-link", dir);
	symlink("/etc/passwd", path);
	snprintf(path, sizeof(path), "%s/dangling", dir);
	symlink("no/such/file", path);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkfifo(path, 0640);
	snprintf(path, sizeof(path), "%s/deep", dir);
	for (i = 0; i < 10; i++) {
		mkdir(path, 0755);
		strcat(path, "/d");
	}
	strcat(path, "-leaf");
	write_file(path, "leaf\n", 5, 0644);
	snprintf(path, sizeof(path), "%s/many", dir);
	mkdir(path, 0755);
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "%s/many/entry-%03u", dir, i);
		write_file(path, path, strlen(path), 0644);
	}
}

FIXTURE(tree) {
	char dir[256];
	struct p9c c;
};

FIXTURE_SETUP(tree)
{
	snprintf(self->dir, sizeof(self->dir), "%s/v9p-tree.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(tree)
{
	rm_tree(self->dir);
}

/* Reading whole trees under TCG takes longer than the default 30 s. */
TEST_F_TIMEOUT(tree, guest_view_equals_host_view, 240)
{
	int entries, mismatches;

	make_tree(self->dir);
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->dir, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	mismatches = compare_tree(&self->c, self->dir, &entries);
	TH_LOG("%d entries compared", entries);
	EXPECT_LT(320, entries);
	EXPECT_EQ(0, mismatches);
	p9c_close(&self->c);
}

TEST_F_TIMEOUT(tree, usr_include_linux_read_only, 240)
{
	const char *src = "/usr/include/linux";
	int entries, mismatches;

	if (access(src, R_OK))
		SKIP(return, "%s is not there", src);
	ASSERT_EQ(0, p9c_open_dir(&self->c, src, VHOST_9P_EXPORT_READONLY));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	mismatches = compare_tree(&self->c, src, &entries);
	TH_LOG("%d entries compared", entries);
	EXPECT_LT(500, entries);
	EXPECT_EQ(0, mismatches);
	p9c_close(&self->c);
}

/* The export is DIR/export; DIR/outside is outside it. */
FIXTURE(conf) {
	char dir[256];
	char exp[300];
	struct p9c c;
};

FIXTURE_SETUP(conf)
{
	char path[512];

	snprintf(self->dir, sizeof(self->dir), "%s/v9p-conf.XXXXXX",
		 getenv("TMPDIR") ?: "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->exp, sizeof(self->exp), "%s/export", self->dir);
	ASSERT_EQ(0, mkdir(self->exp, 0755));
	snprintf(path, sizeof(path), "%s/outside", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/outside/secret", self->dir);
	ASSERT_EQ(0, write_file(path, "secret", 6, 0600));
	snprintf(path, sizeof(path), "%s/sub", self->exp);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/sub/inner", self->exp);
	ASSERT_EQ(0, write_file(path, "inner", 5, 0644));
	snprintf(path, sizeof(path), "%s/up", self->exp);
	ASSERT_EQ(0, symlink("../outside", path));
	snprintf(path, sizeof(path), "%s/root", self->exp);
	ASSERT_EQ(0, symlink("/", path));
	snprintf(path, sizeof(path), "%s/proc-root", self->exp);
	ASSERT_EQ(0, symlink("/proc/self/root", path));
	snprintf(path, sizeof(path), "%s/loop", self->exp);
	ASSERT_EQ(0, symlink("loop", path));
}

FIXTURE_TEARDOWN(conf)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	umount2(path, MNT_DETACH);
	rm_tree(self->dir);
}

TEST_F(conf, dotdot_never_leaves)
{
	struct p9c_attr root, a;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	ASSERT_EQ(4, p9c_walk(&self->c, ROOT, 2, "../../../..", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(root.qid.path, a.qid.path);
	/* "../outside" from the root is the root's own child, and missing. */
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 3, "../outside", NULL));
	EXPECT_EQ(3, p9c_walk(&self->c, ROOT, 3, "sub/../../outside", NULL));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 3));
	p9c_close(&self->c);
}

TEST_F(conf, symlinks_are_not_followed)
{
	static const char *const links[] = { "up", "root", "proc-root", "loop" };
	unsigned int i;
	char path[64];

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		/* The walk stops at the link: one qid, no new fid. */
		snprintf(path, sizeof(path), "%s/secret", links[i]);
		EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, path, NULL));
		snprintf(path, sizeof(path), "%s/etc/passwd", links[i]);
		EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, path, NULL));
		/* And the link itself cannot be opened as a file. */
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, links[i], NULL));
		EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, 0));
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	p9c_close(&self->c);
}

TEST_F(conf, directory_renamed_out_mid_walk)
{
	char from[512], to[512];
	struct p9c_attr a;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "sub", NULL));
	/* A host process moves the directory out while the guest holds it. */
	snprintf(from, sizeof(from), "%s/sub", self->exp);
	snprintf(to, sizeof(to), "%s/outside/sub", self->dir);
	ASSERT_EQ(0, rename(from, to));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "inner", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "../secret", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "", NULL));
	/* Back inside, it is reachable again. */
	ASSERT_EQ(0, rename(to, from));
	EXPECT_EQ(1, p9c_walk(&self->c, 2, 3, "inner", NULL));
	EXPECT_EQ(0, p9c_getattr(&self->c, 3, &a));
	EXPECT_EQ(5, a.size);
	p9c_close(&self->c);
}

static int mount_inside(const char *exp, const char *file_data)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/mnt", exp);
	if (mkdir(path, 0755) || mount("v9p-test", path, "tmpfs", 0, "size=1m"))
		return -1;
	snprintf(path, sizeof(path), "%s/mnt/on-tmpfs", exp);
	return write_file(path, file_data, strlen(file_data), 0644);
}

TEST_F(conf, mounts_below_are_not_crossed_by_default)
{
	ASSERT_EQ(0, mount_inside(self->exp, "mounted"));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	/* The guest sees the directory under the mount point: empty. */
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, "mnt/on-tmpfs", NULL));
	p9c_close(&self->c);
}

TEST_F(conf, mounts_below_are_crossed_when_allowed)
{
	struct p9c_attr root, mnt, up;
	char buf[16] = {};

	ASSERT_EQ(0, mount_inside(self->exp, "mounted"));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_CROSS_MOUNTS));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 2, "mnt/on-tmpfs", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, 0));
	EXPECT_EQ(7, p9c_read(&self->c, 2, 0, buf, sizeof(buf)));
	EXPECT_STREQ("mounted", buf);
	/* qid.path tells the file systems apart even where inodes collide. */
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "mnt", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 3, &mnt));
	EXPECT_NE(root.qid.path >> 48, mnt.qid.path >> 48);
	/* ".." from the mounted root comes back to the export. */
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 4, "mnt/..", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 4, &up));
	EXPECT_EQ(root.qid.path, up.qid.path);
	p9c_close(&self->c);
}

/*
 * Everything the server does takes and puts its mount references in pairs:
 * a file system it served unmounts cleanly (an extra put is a WARN in the
 * kernel log, an extra get EBUSY).
 */
TEST_F(conf, served_mount_unmounts_cleanly)
{
	struct v9p_qid qid;
	char path[512];
	__u32 iounit, i;

	ASSERT_EQ(0, mount_inside(self->exp, "x"));
	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	ASSERT_EQ(0, p9c_open_dir(&self->c, path, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "new-%u", i);
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 10 + i, "", NULL));
		ASSERT_EQ(0, p9c_rpc(&self->c, V9P_TLCREATE, "dsddd", 10 + i, P9S(path), 2U,
				     0644U, V9P_NOFID));
		ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
		ASSERT_EQ(1, p9c_write(&self->c, 10 + i, 0, "y", 1));
	}
	ASSERT_EQ(0, p9c_rpc(&self->c, V9P_TMKDIR, "dsdd", (__u32)ROOT, P9S("d"), 0755U,
			     V9P_NOFID));
	ASSERT_EQ(0, p9c_rpc(&self->c, V9P_TSYMLINK, "dssd", (__u32)ROOT, P9S("l"), P9S("d"),
			     V9P_NOFID));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 20, "d", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, V9P_TREMOVE, "d", 20U));
	p9c_close(&self->c);
	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	EXPECT_EQ(0, umount2(path, 0));
}

/* A device closed with requests on its ring and locks held releases all. */
TEST_F(conf, close_with_requests_in_flight_and_locks_held)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct iovec out, in;
	char path[512], msg[64];
	struct v9p_buf b;
	__u8 status;
	int i, fd, status_code;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/sub/inner", self->exp);
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 2, "sub/inner", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, 2));
	ASSERT_EQ(0, p9c_rpc(&self->c, V9P_TLOCK, "dbdqqds", 2U, V9P_LOCK_TYPE_WRLCK, 0U,
			     (__u64)0, (__u64)0, 42U, P9S("guest")));
	ASSERT_EQ(0, p9c_get(&self->c, "b", &status));
	ASSERT_EQ(V9P_LOCK_SUCCESS, status);

	/* Queue 64 reads without waiting for them, then close. */
	virtq_reset_alloc(&self->c.vq);
	for (i = 0; i < 64; i++) {
		v9p_buf_init(&b, (__u8 *)msg, sizeof(msg), NULL, 0);
		v9p_begin_reply(&b, V9P_TREAD, i);
		v9p_writef(&b, "dqd", 2U, (__u64)0, 4096U);
		v9p_end_reply(&b);
		out.iov_len = b.pos;
		out.iov_base = virtq_alloc(&self->c.vq, b.pos);
		in.iov_len = 4096 + V9P_IOHDR_SIZE;
		in.iov_base = virtq_alloc(&self->c.vq, in.iov_len);
		ASSERT_NE(NULL, in.iov_base);
		memcpy(out.iov_base, msg, b.pos);
		ASSERT_LE(0, virtq_submit(&self->c.vq, &out, 1, &in, 1, false, NULL));
	}
	p9c_close(&self->c);

	/* The lock went with the device: a host process can take it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = open(path, O_RDWR);
		_exit(fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status_code, 0));
	EXPECT_EQ(0, WEXITSTATUS(status_code));

	/* And the next device works. */
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	EXPECT_EQ(2, p9c_walk(&self->c, ROOT, 2, "sub/inner", NULL));
	p9c_close(&self->c);
}

TEST_HARNESS_MAIN
