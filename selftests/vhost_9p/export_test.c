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
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "p9client.h"

#define ROOT		1
#define MAX_NAMES	4096
#define NOBODY		65534

/* Remove @name under @dfd, relative all the way: trees deeper than PATH_MAX too. */
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

static int collect(const struct v9p_str *name, const struct p9_qid *qid, __u8 type,
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
	struct p9_qid qid;
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
	if ((S_ISDIR(st.st_mode) && (qid.type != P9_QTDIR || dirent_type != DT_DIR)) ||
	    (S_ISLNK(st.st_mode) && (qid.type != P9_QTSYMLINK || dirent_type != DT_LNK)) ||
	    (S_ISREG(st.st_mode) && (qid.type != P9_QTFILE || dirent_type != DT_REG)))
		MISMATCH(w, "%s: qid type %#x / dirent type %u wrong", host, qid.type,
			 dirent_type);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (p9c_rpc(w->c, P9_TREADLINK, "d", fid) || p9c_get(w->c, "s", &link) ||
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

/*
 * What the host has outside the export, as a string: for every entry,
 * sorted, its name, type and mode, owner, link count, extended attributes,
 * and for a file its size, times and contents, for a symlink its target.
 * (A directory's own times are left out: a test that renames a directory
 * into it and back leaves it as it was, but not its mtime.)
 */
struct snap {
	char *buf;
	size_t len, size;
};

static void snap_add(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->buf + s->len, s->size - s->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < s->size - s->len)
			break;
		s->size = 2 * s->size + n;
		s->buf = realloc(s->buf, s->size);
		if (!s->buf)
			abort();
	}
	s->len += n;
}

#define FNV_BASIS	0xcbf29ce484222325ULL

/* FNV-1a, enough to tell contents apart. */
static __u64 hash_bytes(const void *data, size_t len, __u64 h)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static __u64 hash_file(const char *path)
{
	__u64 h = FNV_BASIS;
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = hash_bytes(buf, n, h);
	close(fd);
	return h;
}

static void snap_xattrs(struct snap *s, const char *path)
{
	char names[4096], value[4096];
	ssize_t len, n;
	char *name;

	len = llistxattr(path, names, sizeof(names));
	for (name = names; len > 0 && name < names + len; name += strlen(name) + 1) {
		n = lgetxattr(path, name, value, sizeof(value));
		snap_add(s, " %s=%llx", name,
			 (unsigned long long)hash_bytes(value, n < 0 ? 0 : n, FNV_BASIS));
	}
}

static void snap_tree(struct snap *s, const char *dir, const char *rel)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent **names;
	struct stat st;
	int i, n;
	ssize_t len;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		snap_add(s, "%s: cannot list (%d)\n", rel, errno);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(names[i]->d_name, ".") || !strcmp(names[i]->d_name, "..")) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (lstat(path, &st)) {
			snap_add(s, "%s/%s: gone\n", rel, names[i]->d_name);
			free(names[i]);
			continue;
		}
		snap_add(s, "%s/%s %o %u:%u nlink %lu", rel, names[i]->d_name, st.st_mode,
			 st.st_uid, st.st_gid, (unsigned long)st.st_nlink);
		snap_xattrs(s, path);
		if (S_ISREG(st.st_mode)) {
			snap_add(s, " size %lld mtime %lld.%09ld ctime %lld.%09ld data %llx",
				 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
				 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
				 st.st_ctim.tv_nsec, (unsigned long long)hash_file(path));
		} else if (S_ISLNK(st.st_mode)) {
			len = readlink(path, target, sizeof(target) - 1);
			target[len < 0 ? 0 : len] = '\0';
			snap_add(s, " -> %s", target);
		} else if (!S_ISDIR(st.st_mode)) {
			snap_add(s, " rdev %llx", (unsigned long long)st.st_rdev);
		}
		snap_add(s, "\n");
		if (S_ISDIR(st.st_mode)) {
			char sub[PATH_MAX];

			snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]->d_name);
			snap_tree(s, path, sub);
		}
		free(names[i]);
	}
	free(names);
}

/* The host's view of @dir and all below it: a string to free. */
static char *snapshot(const char *dir)
{
	struct snap s = { .size = 4096 };
	struct stat st;

	s.buf = malloc(s.size);
	if (!s.buf)
		abort();
	s.buf[0] = '\0';
	if (lstat(dir, &st))
		snap_add(&s, ". gone\n");
	else
		snap_add(&s, ". %o %u:%u\n", st.st_mode, st.st_uid, st.st_gid);
	snap_xattrs(&s, dir);
	snap_tree(&s, dir, ".");
	return s.buf;
}

/*
 * The export is DIR/export; DIR/outside is outside it, and must be exactly
 * as it was when each test ends, whatever the test tried (the teardown
 * checks):
 *
 *   outside/secret       "secret", 0600, trusted.v9p="outside" (as root)
 *   outside/dir/file     "file"
 *   outside/link         -> secret
 *   export/file          "file"
 *   export/sub/inner     "inner"
 *   export/up            -> ../outside
 *   export/leak          -> ../outside/secret
 *   export/root          -> /
 *   export/proc-root     -> /proc/self/root
 *   export/loop          -> loop
 */
FIXTURE(conf) {
	char dir[256];
	char exp[300];
	char out[300];
	char mnt[512];	/* one more mount the teardown takes away */
	char *before;
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
	snprintf(self->out, sizeof(self->out), "%s/outside", self->dir);
	ASSERT_EQ(0, mkdir(self->out, 0755));
	snprintf(path, sizeof(path), "%s/secret", self->out);
	ASSERT_EQ(0, write_file(path, "secret", 6, 0600));
	/* Not every file system has trusted.*: the check is there where it does. */
	setxattr(path, "trusted.v9p", "outside", 7, 0);
	snprintf(path, sizeof(path), "%s/dir", self->out);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/dir/file", self->out);
	ASSERT_EQ(0, write_file(path, "file", 4, 0644));
	snprintf(path, sizeof(path), "%s/link", self->out);
	ASSERT_EQ(0, symlink("secret", path));
	snprintf(path, sizeof(path), "%s/file", self->exp);
	ASSERT_EQ(0, write_file(path, "file", 4, 0644));
	snprintf(path, sizeof(path), "%s/sub", self->exp);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/sub/inner", self->exp);
	ASSERT_EQ(0, write_file(path, "inner", 5, 0644));
	snprintf(path, sizeof(path), "%s/up", self->exp);
	ASSERT_EQ(0, symlink("../outside", path));
	snprintf(path, sizeof(path), "%s/leak", self->exp);
	ASSERT_EQ(0, symlink("../outside/secret", path));
	snprintf(path, sizeof(path), "%s/root", self->exp);
	ASSERT_EQ(0, symlink("/", path));
	snprintf(path, sizeof(path), "%s/proc-root", self->exp);
	ASSERT_EQ(0, symlink("/proc/self/root", path));
	snprintf(path, sizeof(path), "%s/loop", self->exp);
	ASSERT_EQ(0, symlink("loop", path));
	self->before = snapshot(self->out);
}

FIXTURE_TEARDOWN(conf)
{
	char path[512];
	char *after;

	/* The host is unchanged: nothing the guest tried reached outside. */
	after = snapshot(self->out);
	EXPECT_STREQ(self->before, after);
	free(after);
	free(self->before);
	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	umount2(path, MNT_DETACH);
	if (self->mnt[0])
		umount2(self->mnt, MNT_DETACH);
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
	if ((mkdir(path, 0755) && errno != EEXIST) ||
	    mount("v9p-test", path, "tmpfs", 0, "size=1m"))
		return -1;
	snprintf(path, sizeof(path), "%s/mnt/on-tmpfs", exp);
	return write_file(path, file_data, strlen(file_data), 0644);
}

TEST_F(conf, mounts_below_are_not_crossed_by_default)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/mnt/hidden", self->exp);
	ASSERT_EQ(0, write_file(path, "hidden", 6, 0644));
	ASSERT_EQ(0, mount_inside(self->exp, "mounted"));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	/*
	 * The review's finding M5: neither the mount nor the directory it
	 * hides (here holding "hidden"), as RESOLVE_NO_XDEV answers.
	 */
	EXPECT_EQ(-EXDEV, p9c_walk(&self->c, ROOT, 2, "mnt", NULL));
	EXPECT_EQ(-EXDEV, p9c_walk(&self->c, ROOT, 2, "mnt/on-tmpfs", NULL));
	EXPECT_EQ(-EXDEV, p9c_walk(&self->c, ROOT, 2, "mnt/hidden", NULL));
	/* A partial walk: two steps, and no fid. */
	EXPECT_EQ(2, p9c_walk(&self->c, ROOT, 2, "sub/../mnt", NULL));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
	p9c_close(&self->c);
}

TEST_F(conf, mounts_below_are_crossed_when_allowed)
{
	struct p9c_attr root, mnt, up;
	char buf[16] = {}, path[512];

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
	/* Every crossing gave its references back: the mount is not busy. */
	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	EXPECT_EQ(0, umount2(path, 0));
}

static int renameat9(struct p9c *c, __u32 olddir, const struct v9p_str *oldname,
		     __u32 newdir, const struct v9p_str *newname)
{
	return p9c_rpc(c, P9_TRENAMEAT, "dsds", olddir, oldname, newdir, newname);
}

static int find_dots(const struct v9p_str *name, const struct p9_qid *qid, __u8 type,
		     void *arg)
{
	struct p9_qid *dots = arg;

	if (name->len == 1 && name->str[0] == '.')
		dots[0] = *qid;
	else if (name->len == 2 && !memcmp(name->str, "..", 2))
		dots[1] = *qid;
	return 0;
}

/*
 * The export root's ".." entry names the root itself, as a walk of ".."
 * does: its parent's inode number is the host's business.
 */
TEST_F(conf, readdir_dotdot_of_root_is_the_root)
{
	struct p9_qid dots[2] = {};
	struct p9c_attr root;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, 0));
	ASSERT_LT(0, p9c_readdir(&self->c, 2, 8192, find_dots, dots));
	EXPECT_EQ(root.qid.path, dots[0].path);
	EXPECT_EQ(root.qid.path, dots[1].path);
	/* One level down, ".." is the root too. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "sub", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 3, 0));
	memset(dots, 0, sizeof(dots));
	ASSERT_LT(0, p9c_readdir(&self->c, 3, 8192, find_dots, dots));
	EXPECT_EQ(root.qid.path, dots[1].path);
	/* An open fid is not walked onto itself: its file would go. */
	EXPECT_EQ(-EINVAL, p9c_walk(&self->c, 3, 3, "", NULL));
	memset(dots, 0, sizeof(dots));
	EXPECT_LT(0, p9c_readdir(&self->c, 3, 8192, find_dots, dots));
	p9c_close(&self->c);
}

/*
 * E/ro is a bind mount of E/data, which holds a directory d.  Returns 0, or
 * -1 with nothing mounted.
 */
static int bind_data_at_ro(const char *exp)
{
	char data[512], ro[512];

	snprintf(data, sizeof(data), "%s/data", exp);
	snprintf(ro, sizeof(ro), "%s/ro", exp);
	if (mkdir(data, 0755) || mkdir(ro, 0755))
		return -1;
	snprintf(data, sizeof(data), "%s/data/d", exp);
	if (mkdir(data, 0755))
		return -1;
	snprintf(data, sizeof(data), "%s/data", exp);
	return mount(data, ro, NULL, MS_BIND, NULL);
}

/*
 * The review's finding C1, guest alone: a fid inside a bind mount whose
 * directory the guest then renames out of the mount's source must not
 * climb out through "..".  The walks from it would otherwise reach the
 * parent of the export and the whole file system.
 */
TEST_F(conf, bind_mount_dotdot_after_guest_rename)
{
	struct p9c_attr root, a;

	snprintf(self->mnt, sizeof(self->mnt), "%s/ro", self->exp);
	ASSERT_EQ(0, bind_data_at_ro(self->exp));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_CROSS_MOUNTS));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	/* Inside the bind mount, ".." works as it should. */
	ASSERT_EQ(4, p9c_walk(&self->c, ROOT, 5, "ro/d/../..", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 5, &a));
	EXPECT_EQ(root.qid.path, a.qid.path);
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 2, "ro/d", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "data", NULL));
	/* d leaves the bind mount's source: E/data/d becomes E/x. */
	ASSERT_EQ(0, renameat9(&self->c, 3, P9S("d"), ROOT, P9S("x")));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "../..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "../../outside/secret", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "", NULL));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 4));
	/* Nor can it be opened, or anything made in it. */
	EXPECT_EQ(-ENOENT, p9c_lopen(&self->c, 2, 0));
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", 2U, P9S("new"), 0755U,
				   P9_NOFID));
	p9c_close(&self->c);
	EXPECT_EQ(0, umount2(self->mnt, 0));
	self->mnt[0] = '\0';
}

/*
 * C1, host race: a host process moves a directory out of the bind mount's
 * source, and out of the export, while the guest holds a fid inside it.
 */
TEST_F(conf, bind_mount_source_moved_out_by_host)
{
	char from[512], to[512];

	snprintf(self->mnt, sizeof(self->mnt), "%s/ro", self->exp);
	ASSERT_EQ(0, bind_data_at_ro(self->exp));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_CROSS_MOUNTS));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 2, "ro/d", NULL));
	snprintf(from, sizeof(from), "%s/data/d", self->exp);
	snprintf(to, sizeof(to), "%s/moved", self->dir);
	ASSERT_EQ(0, rename(from, to));
	/* DIR/moved/.. is DIR: outside/secret would be next. */
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "../outside/secret", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 3, "../export", NULL));
	/* Back in the source, it is reachable again. */
	ASSERT_EQ(0, rename(to, from));
	EXPECT_EQ(2, p9c_walk(&self->c, 2, 3, "../d", NULL));
	p9c_close(&self->c);
	EXPECT_EQ(0, umount2(self->mnt, 0));
	self->mnt[0] = '\0';
}

/*
 * C1 through a chain of mounts: a tmpfs mounted on d/m inside the bind
 * mount, and d then leaves the bind mount's source.  ".." from the tmpfs
 * root goes up to its mount point, which is then outside.
 */
TEST_F(conf, mount_on_moved_bind_directory)
{
	char path[512];

	snprintf(self->mnt, sizeof(self->mnt), "%s/ro", self->exp);
	ASSERT_EQ(0, bind_data_at_ro(self->exp));
	snprintf(path, sizeof(path), "%s/ro/d/m", self->exp);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, mount("v9p-test", path, "tmpfs", 0, "size=1m"));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_CROSS_MOUNTS));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(3, p9c_walk(&self->c, ROOT, 2, "ro/d/m", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "data", NULL));
	ASSERT_EQ(0, renameat9(&self->c, 3, P9S("d"), ROOT, P9S("x")));
	/* The tmpfs went out with its mount point: out of reach, as d is. */
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "../..", NULL));
	EXPECT_EQ(-ENOENT, p9c_walk(&self->c, 2, 4, "../../../outside", NULL));
	p9c_close(&self->c);
	/* The tmpfs went with d: only the bind mount's detach reaches it. */
	EXPECT_EQ(0, umount2(self->mnt, MNT_DETACH));
	self->mnt[0] = '\0';
}

/*
 * H1: pseudo file systems (procfs's magic links oops a reader outside a
 * path walk; sysfs, debugfs and the like are the host's controls) are
 * never exported, and never entered below an export.
 */
TEST_F(conf, pseudo_fs_export_refused)
{
	static const char *const dirs[] = { "/proc", "/proc/self", "/proc/sys", "/sys",
					    "/sys/kernel" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		EXPECT_EQ(-EOPNOTSUPP, p9c_open_dir(&self->c, dirs[i], 0)) TH_LOG("dirs[%u]", i);
}

TEST_F(conf, pseudo_fs_mount_not_entered)
{
	snprintf(self->mnt, sizeof(self->mnt), "%s/proc", self->exp);
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	ASSERT_EQ(0, mount("proc", self->mnt, "proc", 0, NULL));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_CROSS_MOUNTS));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	/* No step onto it: a Treadlink of proc's cwd would oops the host. */
	EXPECT_EQ(-EXDEV, p9c_walk(&self->c, ROOT, 2, "proc", NULL));
	EXPECT_EQ(-EXDEV, p9c_walk(&self->c, ROOT, 2, "proc/self/cwd", NULL));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
	p9c_close(&self->c);
	EXPECT_EQ(0, umount2(self->mnt, 0));
	self->mnt[0] = '\0';
}

/*
 * Everything the server does takes and puts its mount references in pairs:
 * a file system it served unmounts cleanly (an extra put is a WARN in the
 * kernel log, an extra get EBUSY).
 */
TEST_F(conf, served_mount_unmounts_cleanly)
{
	struct p9_qid qid;
	char path[512];
	__u32 iounit, i;

	ASSERT_EQ(0, mount_inside(self->exp, "x"));
	snprintf(path, sizeof(path), "%s/mnt", self->exp);
	ASSERT_EQ(0, p9c_open_dir(&self->c, path, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "new-%u", i);
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 10 + i, "", NULL));
		ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 10 + i, P9S(path), 2U,
				     0644U, P9_NOFID));
		ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
		ASSERT_EQ(1, p9c_write(&self->c, 10 + i, 0, "y", 1));
	}
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", (__u32)ROOT, P9S("d"), 0755U,
			     P9_NOFID));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TSYMLINK, "dssd", (__u32)ROOT, P9S("l"), P9S("d"),
			     P9_NOFID));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 20, "d", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TREMOVE, "d", 20U));
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
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLOCK, "dbdqqds", 2U, P9_LOCK_TYPE_WRLCK, 0U,
			     (__u64)0, (__u64)0, 42U, P9S("guest")));
	ASSERT_EQ(0, p9c_get(&self->c, "b", &status));
	ASSERT_EQ(P9_LOCK_SUCCESS, status);

	/* Queue 64 reads without waiting for them, then close. */
	virtq_reset_alloc(&self->c.vq);
	for (i = 0; i < 64; i++) {
		v9p_buf_init(&b, (__u8 *)msg, sizeof(msg), NULL, 0);
		v9p_begin_reply(&b, P9_TREAD, i);
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

/*
 * Escape attempts, one test per kind.  Each asserts the errno the server
 * answers; the teardown asserts that outside/ did not change.
 */
#define NOGID		P9_NOFID
#define P9_RDONLY	0U
#define P9_WRONLY	1U
#define P9_RDWR		2U

/* A name of @len bytes ('n'), NUL-terminated, in @buf. */
static const char *long_name(char *buf, size_t len)
{
	memset(buf, 'n', len);
	buf[len] = '\0';
	return buf;
}

static int lcreate9(struct p9c *c, __u32 fid, const struct v9p_str *name, __u32 flags,
		    __u32 mode, __u32 gid)
{
	return p9c_rpc(c, P9_TLCREATE, "dsddd", fid, name, flags, mode, gid);
}

static int mkdir9(struct p9c *c, __u32 dfid, const struct v9p_str *name, __u32 mode)
{
	return p9c_rpc(c, P9_TMKDIR, "dsdd", dfid, name, mode, NOGID);
}

static int symlink9(struct p9c *c, __u32 dfid, const struct v9p_str *name,
		    const struct v9p_str *target)
{
	return p9c_rpc(c, P9_TSYMLINK, "dssd", dfid, name, target, NOGID);
}

static int mknod9(struct p9c *c, __u32 dfid, const struct v9p_str *name, __u32 mode,
		  __u32 major, __u32 minor)
{
	return p9c_rpc(c, P9_TMKNOD, "dsdddd", dfid, name, mode, major, minor, NOGID);
}

static int link9(struct p9c *c, __u32 dfid, __u32 fid, const struct v9p_str *name)
{
	return p9c_rpc(c, P9_TLINK, "dds", dfid, fid, name);
}

static int rename9(struct p9c *c, __u32 fid, __u32 dfid, const struct v9p_str *name)
{
	return p9c_rpc(c, P9_TRENAME, "dds", fid, dfid, name);
}

static int setattr9(struct p9c *c, __u32 fid, __u32 valid, __u32 mode, __u32 uid, __u32 gid,
		    __u64 size, __u64 sec)
{
	return p9c_rpc(c, P9_TSETATTR, "dddddqqqqq", fid, valid, mode, uid, gid, size,
		       sec, (__u64)0, sec, (__u64)0);
}

static int xattrwalk9(struct p9c *c, __u32 fid, __u32 newfid, const struct v9p_str *name,
		      __u64 *size)
{
	int ret;

	ret = p9c_rpc(c, P9_TXATTRWALK, "dds", fid, newfid, name);
	if (!ret && p9c_get(c, "q", size))
		ret = -EBADMSG;
	return ret;
}

static int xattrcreate9(struct p9c *c, __u32 fid, const char *name, __u64 size, __u32 flags)
{
	return p9c_rpc(c, P9_TXATTRCREATE, "dsqd", fid, P9S(name), size, flags);
}

/* The names no request may use, and what each is answered. */
static const struct {
	struct v9p_str name;
	int err;
} bad_names[] = {
	{ { 2, ".." }, -EINVAL },
	{ { 1, "." }, -EINVAL },
	{ { 0, "" }, -EINVAL },
	{ { 3, "a/b" }, -EINVAL },
	{ { 2, "/x" }, -EINVAL },
	{ { 10, "../outside" }, -EINVAL },
	{ { 17, "../outside/secret" }, -EINVAL },
	{ { 3, "a\0b" }, -EINVAL },
};

/* NAME_MAX + 1 bytes: what a host file system says of it. */
#define TOO_LONG	(NAME_MAX + 1)

static void host_path(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		buf[0] = '\0';
}

static bool host_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	host_path(path, sizeof(path), dir, name);
	return !lstat(path, &st);
}

TEST_F(conf, link_attempts)
{
	char buf[TOO_LONG + 1], path[PATH_MAX];
	struct stat a, b;
	struct v9p_str n;
	unsigned int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "sub", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 4, "up", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 5, "leak", NULL));
	/* Directories cannot be linked: not the root, not another. */
	EXPECT_EQ(-EPERM, link9(&self->c, ROOT, ROOT, P9S("rootlink")));
	EXPECT_EQ(-EPERM, link9(&self->c, 3, ROOT, P9S("rootlink")));
	EXPECT_EQ(-EPERM, link9(&self->c, ROOT, 3, P9S("sublink")));
	/* The new name is one component. */
	for (i = 0; i < ARRAY_SIZE(bad_names); i++)
		EXPECT_EQ(bad_names[i].err, link9(&self->c, ROOT, 2, &bad_names[i].name))
			TH_LOG("name %u", i);
	p9s_set(&n, long_name(buf, TOO_LONG));
	EXPECT_EQ(-ENAMETOOLONG, link9(&self->c, ROOT, 2, &n));
	/* Into a symlink to outside: not a directory. */
	EXPECT_EQ(-ENOTDIR, link9(&self->c, 4, 2, P9S("x")));
	/* Over the outside symlinks: they exist. */
	EXPECT_EQ(-EEXIST, link9(&self->c, ROOT, 2, P9S("up")));
	EXPECT_EQ(-EEXIST, link9(&self->c, ROOT, 2, P9S("leak")));
	/* A link to the symlink is a link to the symlink, not to its target. */
	EXPECT_EQ(0, link9(&self->c, 3, 5, P9S("leak2")));
	host_path(path, sizeof(path), self->exp, "leak");
	ASSERT_EQ(0, lstat(path, &a));
	host_path(path, sizeof(path), self->exp, "sub/leak2");
	ASSERT_EQ(0, lstat(path, &b));
	EXPECT_TRUE(S_ISLNK(b.st_mode));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(2, p9c_walk(&self->c, ROOT, 6, "sub/leak2/x", NULL));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 6, "sub/leak2", NULL));
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 6, P9_RDONLY));
	EXPECT_FALSE(host_exists(self->exp, "rootlink"));
	EXPECT_FALSE(host_exists(self->exp, "sub/sublink"));
	p9c_close(&self->c);
}

/*
 * A hard link the host made from inside the export to a file outside is a
 * file of the export like any other: the host put it there, and the guest
 * reads what the host chose to share.  Not an escape: nothing the guest
 * can do makes one.
 */
TEST_F(conf, host_made_hard_link_is_just_a_file)
{
	char from[PATH_MAX], to[PATH_MAX], buf[16] = {};

	host_path(from, sizeof(from), self->out, "secret");
	host_path(to, sizeof(to), self->exp, "hard");
	ASSERT_EQ(0, link(from, to));
	free(self->before);
	self->before = snapshot(self->out);
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "hard", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 2, P9_RDONLY));
	EXPECT_EQ(6, p9c_read(&self->c, 2, 0, buf, sizeof(buf)));
	EXPECT_STREQ("secret", buf);
	p9c_close(&self->c);
}

TEST_F(conf, rename_attempts)
{
	char buf[TOO_LONG + 1];
	struct v9p_str n;
	unsigned int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "sub", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 4, "up", NULL));
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		EXPECT_EQ(bad_names[i].err,
			  renameat9(&self->c, ROOT, P9S("file"), ROOT, &bad_names[i].name))
			TH_LOG("new name %u", i);
		EXPECT_EQ(bad_names[i].err,
			  renameat9(&self->c, 3, &bad_names[i].name, ROOT, P9S("x")))
			TH_LOG("old name %u", i);
		EXPECT_EQ(bad_names[i].err, rename9(&self->c, 2, ROOT, &bad_names[i].name))
			TH_LOG("Trename name %u", i);
	}
	long_name(buf, TOO_LONG);
	EXPECT_EQ(-ENAMETOOLONG, renameat9(&self->c, ROOT, P9S("file"), ROOT, p9s_set(&n, buf)));
	EXPECT_EQ(-ENAMETOOLONG, renameat9(&self->c, ROOT, p9s_set(&n, buf), ROOT, P9S("x")));
	EXPECT_EQ(-ENAMETOOLONG, rename9(&self->c, 2, ROOT, p9s_set(&n, buf)));
	/* Into a symlink to outside: not a directory. */
	EXPECT_EQ(-ENOTDIR, renameat9(&self->c, ROOT, P9S("file"), 4, P9S("x")));
	EXPECT_EQ(-ENOTDIR, rename9(&self->c, 2, 4, P9S("x")));
	/* The export root cannot move, by any fid that names it. */
	EXPECT_EQ(-EBUSY, rename9(&self->c, ROOT, 3, P9S("x")));
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 5, "", NULL));
	EXPECT_EQ(-EBUSY, rename9(&self->c, 5, 3, P9S("x")));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 6, "sub/..", NULL));
	EXPECT_EQ(-EBUSY, rename9(&self->c, 6, ROOT, P9S("x")));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 7, "../..", NULL));
	EXPECT_EQ(-EBUSY, rename9(&self->c, 7, 3, P9S("x")));
	/* Nor can anything be renamed over it: ".." is no name. */
	EXPECT_EQ(-EINVAL, renameat9(&self->c, 3, P9S("inner"), 3, P9S("..")));
	EXPECT_TRUE(host_exists(self->exp, "file"));
	EXPECT_TRUE(host_exists(self->exp, "sub/inner"));
	EXPECT_FALSE(host_exists(self->exp, "x"));
	EXPECT_FALSE(host_exists(self->exp, "sub/x"));
	p9c_close(&self->c);
}

TEST_F(conf, create_with_bad_names)
{
	struct name_list names = {};
	char buf[TOO_LONG + 1];
	struct v9p_str n;
	unsigned int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		const struct v9p_str *name = &bad_names[i].name;

		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
		EXPECT_EQ(bad_names[i].err, lcreate9(&self->c, 2, name, P9_RDWR, 0644U, NOGID))
			TH_LOG("Tlcreate name %u", i);
		EXPECT_EQ(bad_names[i].err, mkdir9(&self->c, ROOT, name, 0755U))
			TH_LOG("Tmkdir name %u", i);
		EXPECT_EQ(bad_names[i].err, symlink9(&self->c, ROOT, name, P9S("file")))
			TH_LOG("Tsymlink name %u", i);
		EXPECT_EQ(bad_names[i].err, mknod9(&self->c, ROOT, name, S_IFIFO | 0644U, 0, 0))
			TH_LOG("Tmknod name %u", i);
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	/* NAME_MAX + 1 bytes: too long, as on the host. */
	p9s_set(&n, long_name(buf, TOO_LONG));
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	EXPECT_EQ(-ENAMETOOLONG, lcreate9(&self->c, 2, &n, P9_RDWR, 0644U, NOGID));
	EXPECT_EQ(-ENAMETOOLONG, mkdir9(&self->c, ROOT, &n, 0755U));
	EXPECT_EQ(-ENAMETOOLONG, symlink9(&self->c, ROOT, &n, P9S("file")));
	EXPECT_EQ(-ENAMETOOLONG, mknod9(&self->c, ROOT, &n, S_IFIFO | 0644U, 0, 0));
	/* NAME_MAX bytes is a name. */
	p9s_set(&n, long_name(buf, NAME_MAX));
	EXPECT_EQ(0, mkdir9(&self->c, ROOT, &n, 0755U));
	EXPECT_TRUE(host_exists(self->exp, buf));
	/* Only that one was made: the fixture's 8 entries and it. */
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 3, "", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 3, P9_RDONLY));
	ASSERT_LE(0, p9c_readdir(&self->c, 3, 8192, collect, &names));
	EXPECT_EQ(8, names.n);
	free_names(&names);
	p9c_close(&self->c);
}

TEST_F(conf, symlink_targets_are_data)
{
	static const char *const targets[] = {
		"../outside/secret", "/etc/shadow", "../../../..", "/proc/self/root/etc",
	};
	char target[PATH_MAX + 1], name[16];
	struct v9p_str t, link;
	unsigned int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		/* Any target may be written: it is never followed. */
		snprintf(name, sizeof(name), "l%u", i);
		EXPECT_EQ(0, symlink9(&self->c, ROOT, P9S(name), P9S(targets[i])));
		snprintf(target, sizeof(target), "%s/x", name);
		EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 2, target, NULL));
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, name, NULL));
		EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_RDONLY));
		EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_WRONLY | P9_DOTL_TRUNC));
		ASSERT_EQ(0, p9c_rpc(&self->c, P9_TREADLINK, "d", 2U));
		ASSERT_EQ(0, p9c_get(&self->c, "s", &link));
		EXPECT_STREQ(targets[i], link.str);
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	/* A target of PATH_MAX bytes is too long, as symlink(2) says; empty is none. */
	memset(target, 'x', PATH_MAX);
	target[PATH_MAX] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, symlink9(&self->c, ROOT, P9S("big"), p9s_set(&t, target)));
	EXPECT_EQ(-EINVAL, symlink9(&self->c, ROOT, P9S("empty"), P9S("")));
	EXPECT_FALSE(host_exists(self->exp, "big"));
	EXPECT_FALSE(host_exists(self->exp, "empty"));
	p9c_close(&self->c);
}

TEST_F(conf, walk_element_too_long)
{
	char buf[TOO_LONG + 1];
	struct v9p_str n[2];

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	long_name(buf, TOO_LONG);
	EXPECT_EQ(-ENAMETOOLONG, p9c_rpc(&self->c, P9_TWALK, "ddws", ROOT, 2U, 1U,
					 p9s_set(&n[0], buf)));
	/* Second: a partial walk, one qid, no fid. */
	EXPECT_EQ(0, p9c_rpc(&self->c, P9_TWALK, "ddwss", ROOT, 2U, 2U, P9S("sub"),
			     p9s_set(&n[1], buf)));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 2));
	/* NAME_MAX bytes is a name, not there. */
	long_name(buf, NAME_MAX);
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TWALK, "ddws", ROOT, 2U, 1U,
				   p9s_set(&n[0], buf)));
	/* More than 16 elements are refused whole. */
	EXPECT_EQ(-EINVAL, p9c_walk(&self->c, ROOT, 2, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", NULL));
	p9c_close(&self->c);
}

/*
 * Walks are relative to fids, never host paths: a chain of directories
 * whose host path is longer than PATH_MAX is made, walked, written and
 * walked back out of like any other.  The host itself can reach its
 * bottom only relative to a directory.
 */
#define DEEP_LEVELS	20

TEST_F_TIMEOUT(conf, deeper_than_path_max, 120)
{
	char name[NAME_MAX + 1], buf[16] = {};
	struct p9c_attr root, a;
	char *host;
	size_t len;
	struct p9_qid qid;
	struct stat st;
	__u32 iounit;
	int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	long_name(name, NAME_MAX);
	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 10, "", NULL));
	for (i = 0; i < DEEP_LEVELS; i++) {
		ASSERT_EQ(0, mkdir9(&self->c, 10, P9S(name), 0755U));
		ASSERT_EQ(1, p9c_walk(&self->c, 10, 10, name, NULL));
	}
	/* Its host path: DEEP_LEVELS * (NAME_MAX + 1) bytes and more. */
	host = malloc(strlen(self->exp) + DEEP_LEVELS * (NAME_MAX + 1) + 16);
	ASSERT_NE(NULL, host);
	len = sprintf(host, "%s", self->exp);
	for (i = 0; i < DEEP_LEVELS; i++)
		len += sprintf(host + len, "/%s", name);
	EXPECT_LT(PATH_MAX, strlen(host));
	EXPECT_EQ(-1, lstat(host, &st));
	EXPECT_EQ(ENAMETOOLONG, errno);
	free(host);
	/* A file at the bottom, written and read back. */
	ASSERT_EQ(0, p9c_walk(&self->c, 10, 11, "", NULL));
	ASSERT_EQ(0, lcreate9(&self->c, 11, P9S("f"), P9_RDWR, 0644U, NOGID));
	ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
	EXPECT_EQ(4, p9c_write(&self->c, 11, 0, "deep", 4));
	EXPECT_EQ(4, p9c_read(&self->c, 11, 0, buf, sizeof(buf)));
	EXPECT_STREQ("deep", buf);
	/* DEEP_LEVELS ".." lead back to the root, and one more stays there. */
	ASSERT_EQ(0, p9c_getattr(&self->c, ROOT, &root));
	ASSERT_EQ(16, p9c_walk(&self->c, 10, 12, "../../../../../../../../../../../../../../../..",
			       NULL));
	ASSERT_EQ(5, p9c_walk(&self->c, 12, 12, "../../../../..", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 12, &a));
	EXPECT_EQ(root.qid.path, a.qid.path);
	p9c_close(&self->c);
}

TEST_F(conf, create_over_outside_symlinks)
{
	static const char *const links[] = { "up", "leak", "root", "proc-root", "loop" };
	unsigned int i;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "file", NULL));
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		const struct v9p_str *name = P9S(links[i]);

		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
		EXPECT_EQ(-EEXIST, lcreate9(&self->c, 2, name, P9_RDWR | P9_DOTL_TRUNC, 0644U,
					    NOGID));
		EXPECT_EQ(-EEXIST, mkdir9(&self->c, ROOT, name, 0755U));
		EXPECT_EQ(-EEXIST, symlink9(&self->c, ROOT, name, P9S("file")));
		EXPECT_EQ(-EEXIST, mknod9(&self->c, ROOT, name, S_IFREG | 0644U, 0, 0));
		EXPECT_EQ(-EEXIST, link9(&self->c, ROOT, 3, name));
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
		/* And in them, as directories: they are not. */
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, links[i], NULL));
		EXPECT_EQ(-ENOTDIR, mkdir9(&self->c, 2, P9S("x"), 0755U));
		EXPECT_EQ(-ENOTDIR, symlink9(&self->c, 2, P9S("x"), P9S("file")));
		EXPECT_EQ(-ENOTDIR, mknod9(&self->c, 2, P9S("x"), S_IFIFO | 0644U, 0, 0));
		EXPECT_EQ(-ENOTDIR, p9c_rpc(&self->c, P9_TUNLINKAT, "dsd", 2U, P9S("secret"), 0U));
		EXPECT_EQ(-ENOTDIR, lcreate9(&self->c, 2, P9S("x"), P9_RDWR, 0644U, NOGID));
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	p9c_close(&self->c);
}

TEST_F(conf, symlink_fid_never_reaches_target)
{
	char path[PATH_MAX], buf[64];
	struct stat before, st;
	struct v9p_str link;
	__u64 size;

	host_path(path, sizeof(path), self->exp, "leak");
	ASSERT_EQ(0, lstat(path, &before));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "leak", NULL));
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_RDONLY));
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_WRONLY | P9_DOTL_TRUNC));
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_RDWR | P9_DOTL_TRUNC | P9_DOTL_APPEND));
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, P9_RDONLY | P9_DOTL_DIRECTORY));
	/* Not opened: no reads, no writes. */
	EXPECT_EQ(-EBADF, p9c_read(&self->c, 2, 0, buf, sizeof(buf)));
	EXPECT_EQ(-EBADF, p9c_write(&self->c, 2, 0, "x", 1));
	/* Tsetattr is the symlink's own: truncate and chmod refused... */
	EXPECT_EQ(-EINVAL, setattr9(&self->c, 2, V9P_SETATTR_SIZE, 0, 0, 0, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, setattr9(&self->c, 2, V9P_SETATTR_MODE, 04777U, 0, 0, 0, 0));
	/* ...owner and times changed on the link, not on the secret. */
	EXPECT_EQ(0, setattr9(&self->c, 2, V9P_SETATTR_UID | V9P_SETATTR_GID, 0, 1234, 1234,
			      0, 0));
	EXPECT_EQ(0, setattr9(&self->c, 2, V9P_SETATTR_ATIME | V9P_SETATTR_ATIME_SET |
			      V9P_SETATTR_MTIME | V9P_SETATTR_MTIME_SET, 0, 0, 0, 0,
			      1000000000));
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_EQ(before.st_mode, st.st_mode);
	EXPECT_EQ(1234, st.st_uid);
	EXPECT_EQ(1234, st.st_gid);
	EXPECT_EQ(1000000000, st.st_mtim.tv_sec);
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TREADLINK, "d", 2U));
	ASSERT_EQ(0, p9c_get(&self->c, "s", &link));
	EXPECT_STREQ("../outside/secret", link.str);
	/* Its attributes are its own: none of user.*, the target's hidden. */
	EXPECT_EQ(-ENODATA, xattrwalk9(&self->c, 2, 3, P9S("user.x"), &size));
	EXPECT_EQ(-EOPNOTSUPP, xattrwalk9(&self->c, 2, 3, P9S("trusted.v9p"), &size));
	EXPECT_EQ(0, xattrwalk9(&self->c, 2, 3, P9S(""), &size));
	EXPECT_EQ(0, size);
	EXPECT_EQ(0, p9c_clunk(&self->c, 3));
	EXPECT_EQ(-EOPNOTSUPP, xattrcreate9(&self->c, 2, "trusted.v9p", 1, 0));
	EXPECT_EQ(-EOPNOTSUPP, xattrcreate9(&self->c, 2, "security.capability", 1, 0));
	/* user.* cannot be set on a symlink: the clunk says so. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 4, "leak", NULL));
	ASSERT_EQ(0, xattrcreate9(&self->c, 4, "user.x", 1, 0));
	EXPECT_EQ(1, p9c_write(&self->c, 4, 0, "y", 1));
	EXPECT_EQ(-EPERM, p9c_clunk(&self->c, 4));
	EXPECT_EQ(-1, lgetxattr(path, "user.x", buf, sizeof(buf)));
	p9c_close(&self->c);
}

/* The host's block and character devices, through nodes in the export. */
TEST_F(conf, device_nodes_never_opened)
{
	static const struct {
		const char *name;
		__u32 mode, major, minor;
	} nodes[] = {
		{ "mem", S_IFCHR | 0666, 1, 1 },	/* /dev/mem */
		{ "kmsg", S_IFCHR | 0666, 1, 11 },	/* /dev/kmsg */
		{ "sda", S_IFBLK | 0666, 8, 0 },
		{ "loop0", S_IFBLK | 0666, 7, 0 },
	};
	static const __u32 modes[] = {
		P9_RDONLY, P9_WRONLY, P9_RDWR, P9_RDWR | P9_DOTL_TRUNC,
		P9_RDONLY | P9_DOTL_NONBLOCK,
	};
	char path[PATH_MAX], buf[16];
	unsigned int i, j;
	struct stat st;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, VHOST_9P_EXPORT_DEVICES));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	/* The VMM (root here) may make them: the export lets the guest. */
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		EXPECT_EQ(0, mknod9(&self->c, ROOT, P9S(nodes[i].name), nodes[i].mode,
				    nodes[i].major, nodes[i].minor));
		host_path(path, sizeof(path), self->exp, nodes[i].name);
		ASSERT_EQ(0, lstat(path, &st));
		EXPECT_EQ(nodes[i].mode & S_IFMT, st.st_mode & S_IFMT);
		EXPECT_EQ(makedev(nodes[i].major, nodes[i].minor), st.st_rdev);
	}
	/* And one the host made. */
	host_path(path, sizeof(path), self->exp, "host-mem");
	ASSERT_EQ(0, mknod(path, S_IFCHR | 0600, makedev(1, 1)));
	for (i = 0; i <= ARRAY_SIZE(nodes); i++) {
		const char *name = i < ARRAY_SIZE(nodes) ? nodes[i].name : "host-mem";

		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, name, NULL));
		for (j = 0; j < ARRAY_SIZE(modes); j++)
			EXPECT_EQ(-ENXIO, p9c_lopen(&self->c, 2, modes[j]))
				TH_LOG("%s, mode %#x", name, modes[j]);
		EXPECT_EQ(-EBADF, p9c_read(&self->c, 2, 0, buf, sizeof(buf)));
		EXPECT_EQ(-EBADF, p9c_write(&self->c, 2, 0, "x", 1));
		EXPECT_EQ(-EINVAL, setattr9(&self->c, 2, V9P_SETATTR_SIZE, 0, 0, 0, 0, 0));
		EXPECT_EQ(-EEXIST, lcreate9(&self->c, ROOT, P9S(name), P9_RDWR, 0644U, NOGID));
		EXPECT_EQ(0, p9c_clunk(&self->c, 2));
	}
	p9c_close(&self->c);
}

TEST_F(conf, xattr_namespaces_refused)
{
	static const char *const names[] = {
		"trusted.v9p", "trusted.overlay.opaque", "security.capability",
		"security.selinux", "security.ima", "system.nfs4_acl",
		"system.sockprotoname", "user", "posix_acl_access", "USER.x",
	};
	char path[PATH_MAX], buf[4096] = {};
	unsigned int i;
	__u64 size;

	host_path(path, sizeof(path), self->exp, "file");
	if (setxattr(path, "trusted.v9p", "hidden", 6, 0))
		TH_LOG("no trusted.* here (%s): only the refusals are checked",
		       strerror(errno));
	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "file", NULL));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		EXPECT_EQ(-EOPNOTSUPP, xattrwalk9(&self->c, 2, 3, P9S(names[i]), &size))
			TH_LOG("Txattrwalk %s", names[i]);
		EXPECT_EQ(-EOPNOTSUPP, xattrcreate9(&self->c, 2, names[i], 1, 0))
			TH_LOG("Txattrcreate %s", names[i]);
	}
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 3));
	/* The host's trusted.v9p is not listed either. */
	ASSERT_EQ(0, xattrwalk9(&self->c, 2, 3, P9S(""), &size));
	ASSERT_GT(sizeof(buf), size);
	EXPECT_EQ(size, p9c_read(&self->c, 3, 0, buf, sizeof(buf)));
	EXPECT_EQ(NULL, memmem(buf, size, "trusted.", 8));
	/* And nothing was set. */
	EXPECT_EQ(-1, lgetxattr(path, "security.capability", buf, sizeof(buf)));
	EXPECT_EQ(-1, lgetxattr(path, "trusted.overlay.opaque", buf, sizeof(buf)));
	p9c_close(&self->c);
}

/*
 * Set-user-ID and set-group-ID.  The server applies the guest's owner and
 * mode with the VMM's credentials (security_model none and passthrough):
 * the bits land where the VMM itself could set them, and the host kernel
 * strips what it may not.  A root VMM can therefore make set-user-ID-root
 * files for its guest's root, as QEMU's none and passthrough models do: a
 * VMM that must not, runs unprivileged or uses mapped-xattr.
 */
static void host_stat(struct __test_metadata *_metadata, const char *dir, const char *name,
		      struct stat *st)
{
	char path[PATH_MAX];

	host_path(path, sizeof(path), dir, name);
	ASSERT_EQ(0, lstat(path, st)) TH_LOG("%s", path);
}

/*
 * The review's finding M8: by default an export is nodev and nosuid for
 * the guest, whatever the VMM may do itself (root here): no device nodes,
 * no set-user-ID or set-group-ID programs, and a chown drops those bits of
 * a host file.  FIFOs, sockets and set-group-ID directories are fine.
 */
TEST_F(conf, devices_and_setid_refused_by_default)
{
	static const __u32 models[] = {
		VHOST_9P_SECURITY_NONE, VHOST_9P_SECURITY_PASSTHROUGH,
	};
	struct vhost_9p_export exp = {};
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;

	host_path(path, sizeof(path), self->exp, "host-suid");
	ASSERT_EQ(0, write_file(path, "x", 1, 0755));
	ASSERT_EQ(0, chown(path, NOBODY, NOBODY));
	ASSERT_EQ(0, chmod(path, 06755));
	for (i = 0; i < ARRAY_SIZE(models); i++) {
		exp.security_model = models[i];
		snprintf(exp.tag, sizeof(exp.tag), "selftest");
		exp.dirfd = open(self->exp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, exp.dirfd);
		ASSERT_EQ(0, p9c_open(&self->c, &exp));
		close(exp.dirfd);
		ASSERT_EQ(0, p9c_session(&self->c, ROOT));
		EXPECT_EQ(-EPERM, mknod9(&self->c, ROOT, P9S("sda"), S_IFBLK | 0666, 8, 0));
		EXPECT_EQ(-EPERM, mknod9(&self->c, ROOT, P9S("mem"), S_IFCHR | 0666, 1, 1));
		EXPECT_EQ(0, mknod9(&self->c, ROOT, P9S(i ? "fifo1" : "fifo0"), S_IFIFO | 0644,
				    0, 0));
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
		EXPECT_EQ(-EPERM, lcreate9(&self->c, 2, P9S("suid"), P9_RDWR, 04755U, 0U));
		EXPECT_EQ(-EPERM, lcreate9(&self->c, 2, P9S("sgid"), P9_RDWR, 02755U, 0U));
		EXPECT_EQ(0, lcreate9(&self->c, 2, P9S(i ? "plain1" : "plain0"), P9_RDWR, 0755U,
				      0U));
		EXPECT_EQ(-EPERM, setattr9(&self->c, 2, V9P_SETATTR_MODE, 04755U, 0, 0, 0, 0));
		EXPECT_EQ(0, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", (__u32)ROOT,
				     P9S(i ? "sgid-dir1" : "sgid-dir0"), 02775U, P9_NOFID));
		/* Given to root, a host user's set-ID program loses the bits. */
		ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "host-suid", NULL));
		EXPECT_EQ(0, setattr9(&self->c, 3, V9P_SETATTR_UID | V9P_SETATTR_GID, 0, 0, 0,
				      0, 0));
		host_stat(_metadata, self->exp, "host-suid", &st);
		EXPECT_EQ(0, st.st_uid);
		EXPECT_EQ(0755, st.st_mode & 07777);
		p9c_close(&self->c);
		ASSERT_EQ(0, chown(path, NOBODY, NOBODY));
		ASSERT_EQ(0, chmod(path, 06755));
	}
	host_path(path, sizeof(path), self->exp, "sda");
	EXPECT_EQ(-1, lstat(path, &st));
	host_path(path, sizeof(path), self->exp, "suid");
	EXPECT_EQ(-1, lstat(path, &st));
	host_stat(_metadata, self->exp, "plain0", &st);
	EXPECT_EQ(0755, st.st_mode & 07777);
	host_stat(_metadata, self->exp, "sgid-dir1", &st);
	EXPECT_EQ(02775, st.st_mode & 07777);
}

TEST_F(conf, setid_bits_root_vmm)
{
	static const __u32 models[] = {
		VHOST_9P_SECURITY_NONE, VHOST_9P_SECURITY_PASSTHROUGH,
	};
	struct vhost_9p_export exp = { .flags = VHOST_9P_EXPORT_SETID };
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(models); i++) {
		exp.security_model = models[i];
		snprintf(exp.tag, sizeof(exp.tag), "selftest");
		exp.dirfd = open(self->exp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, exp.dirfd);
		ASSERT_EQ(0, p9c_open(&self->c, &exp));
		close(exp.dirfd);
		ASSERT_EQ(0, p9c_session(&self->c, ROOT));
		/* Guest root: set-user-ID root, the VMM's power. */
		ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
		ASSERT_EQ(0, lcreate9(&self->c, 2, P9S(i ? "p-root" : "n-root"), P9_RDWR, 06755U,
				      0U));
		host_stat(_metadata, self->exp, i ? "p-root" : "n-root", &st);
		EXPECT_EQ(06755, st.st_mode & 07777);
		EXPECT_EQ(0, st.st_uid);
		EXPECT_EQ(0, st.st_gid);
		/* Guest user 1000: its own set-user-ID file... */
		ASSERT_EQ(0, p9c_rpc(&self->c, P9_TATTACH, "ddssd", 3U, P9_NOFID, P9S("u"),
				     P9S(""), 1000U));
		ASSERT_EQ(0, lcreate9(&self->c, 3, P9S(i ? "p-user" : "n-user"), P9_RDWR, 06755U,
				      1000U));
		host_stat(_metadata, self->exp, i ? "p-user" : "n-user", &st);
		EXPECT_EQ(06755, st.st_mode & 07777);
		EXPECT_EQ(1000, st.st_uid);
		EXPECT_EQ(1000, st.st_gid);
		/* ...which loses both bits when it writes to it. */
		EXPECT_EQ(1, p9c_write(&self->c, 3, 0, "x", 1));
		host_stat(_metadata, self->exp, i ? "p-user" : "n-user", &st);
		EXPECT_EQ(0755, st.st_mode & 07777);
		p9c_close(&self->c);
	}
}

/*
 * A device and export directory opened as root (as a VMM is handed them),
 * then the export set as @uid: the credentials the server keeps.
 */
static int open_as(struct p9c *c, int dirfd, __u32 model, uid_t uid, gid_t gid)
{
	struct vhost_9p_export exp = {
		.flags = VHOST_9P_EXPORT_SETID,
		.security_model = model, .dirfd = dirfd, .tag = "selftest",
	};
	int ret;

	ret = p9c_open_dev(c);
	if (ret)
		return ret;
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	return p9c_set_export(c, &exp);
}

/*
 * fs.protected_hardlinks for the guest too: an unprivileged VMM's guest may
 * link files the VMM owns, not a root file it can only read (the VFS
 * checks this in linkat(2), not in vfs_link()).
 */
TEST_F(conf, hard_links_protected)
{
	char nob[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int status;
	pid_t pid;

	host_path(nob, sizeof(nob), self->exp, "nobody");
	ASSERT_EQ(0, mkdir(nob, 0755));
	ASSERT_EQ(0, chmod(nob, 0777));
	host_path(path, sizeof(path), nob, "rootfile");
	ASSERT_EQ(0, write_file(path, "root", 4, 0644));
	host_path(path, sizeof(path), nob, "own");
	ASSERT_EQ(0, write_file(path, "own", 3, 0644));
	ASSERT_EQ(0, chown(path, NOBODY, NOBODY));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dirfd = open(nob, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct p9c c;

		if (dirfd < 0 || open_as(&c, dirfd, VHOST_9P_SECURITY_NONE, NOBODY, NOBODY) ||
		    p9c_session(&c, ROOT) || p9c_walk(&c, ROOT, 2, "rootfile", NULL) != 1 ||
		    p9c_walk(&c, ROOT, 3, "own", NULL) != 1)
			_exit(2);
		if (link9(&c, ROOT, 2, P9S("to-root")) != -EPERM)
			_exit(3);
		if (link9(&c, ROOT, 3, P9S("to-own")))
			_exit(4);
		p9c_close(&c);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("2: setup, 3: root file linked, 4: own refused");
	host_path(path, sizeof(path), nob, "to-root");
	EXPECT_EQ(-1, lstat(path, &st));
	host_path(path, sizeof(path), nob, "to-own");
	EXPECT_EQ(0, lstat(path, &st));
}

TEST_F(conf, setid_bits_unprivileged_vmm)
{
	char nob[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int status;
	pid_t pid;

	host_path(nob, sizeof(nob), self->exp, "nobody");
	ASSERT_EQ(0, mkdir(nob, 0755));
	ASSERT_EQ(0, chown(nob, NOBODY, NOBODY));
	/* A set-group-ID directory of a group the VMM is not in. */
	host_path(path, sizeof(path), nob, "sgid");
	ASSERT_EQ(0, mkdir(path, 0777));
	ASSERT_EQ(0, chmod(path, 02777));
	host_path(path, sizeof(path), nob, "rootfile");
	ASSERT_EQ(0, write_file(path, "root", 4, 0644));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* EXPECT only: an ASSERT here would run the teardown as nobody. */
		struct vhost_9p_export pt = { .security_model = VHOST_9P_SECURITY_PASSTHROUGH };
		struct virtq_dev ptdev;
		struct p9c c;

		pt.dirfd = open(nob, O_PATH | O_DIRECTORY | O_CLOEXEC);
		EXPECT_LE(0, pt.dirfd);
		snprintf(pt.tag, sizeof(pt.tag), "selftest");
		EXPECT_EQ(0, virtq_dev_open(&ptdev, 256, 1UL << 20, true));
		EXPECT_EQ(0, open_as(&c, pt.dirfd, VHOST_9P_SECURITY_NONE, NOBODY, NOBODY));
		EXPECT_EQ(0, p9c_session(&c, ROOT));
		/* Guest root asks for set-user-ID and set-group-ID root. */
		EXPECT_EQ(0, p9c_walk(&c, ROOT, 2, "", NULL));
		EXPECT_EQ(0, lcreate9(&c, 2, P9S("suid"), P9_RDWR, 06755U, 0U));
		/* chown to root: refused by the host, which model none ignores. */
		EXPECT_EQ(0, setattr9(&c, 2, V9P_SETATTR_UID | V9P_SETATTR_GID, 0, 0, 0, 0, 0));
		/* In the set-group-ID directory: its group, and no S_ISGID. */
		EXPECT_EQ(1, p9c_walk(&c, ROOT, 3, "sgid", NULL));
		EXPECT_EQ(0, lcreate9(&c, 3, P9S("g"), P9_RDWR, 02755U, NOGID));
		EXPECT_EQ(0, setattr9(&c, 3, V9P_SETATTR_MODE, 02755U, 0, 0, 0, 0));
		/* A root file: not the VMM's to chmod. */
		EXPECT_EQ(1, p9c_walk(&c, ROOT, 4, "rootfile", NULL));
		EXPECT_EQ(-EPERM, setattr9(&c, 4, V9P_SETATTR_MODE, 04755U, 0, 0, 0, 0));
		p9c_close(&c);
		/* passthrough needs CAP_CHOWN. */
		EXPECT_EQ(-1, ioctl(ptdev.fd, VHOST_9P_SET_EXPORT, &pt));
		EXPECT_EQ(EPERM, errno);
		virtq_dev_close(&ptdev);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* Set-user-ID, but the VMM's user, never root. */
	host_stat(_metadata, nob, "suid", &st);
	EXPECT_EQ(NOBODY, st.st_uid);
	EXPECT_EQ(NOBODY, st.st_gid);
	EXPECT_EQ(06755, st.st_mode & 07777);
	host_stat(_metadata, nob, "sgid/g", &st);
	EXPECT_EQ(NOBODY, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(0755, st.st_mode & 07777);
	host_stat(_metadata, nob, "rootfile", &st);
	EXPECT_EQ(0644, st.st_mode & 07777);
}

/*
 * A host process moves a directory out of the export while the guest holds
 * fids in it.  Walks from them already fail (directory_renamed_out_mid_walk);
 * nothing else may use them either: the guest must not create, remove,
 * rename, link, open or change anything there, nor pull a file the host
 * puts there back into the export (ENOENT, as for a walk).  A file the guest
 * opened before the move stays open, as an open file descriptor would, and
 * what it holds it may still Tgetattr and Txattrwalk.
 */
TEST_F(conf, directory_moved_out_is_out_of_reach)
{
	char from[PATH_MAX], to[PATH_MAX], buf[16] = {};
	char *before, *after;
	struct p9c_attr a;
	__u64 size;

	ASSERT_EQ(0, p9c_open_dir(&self->c, self->exp, 0));
	ASSERT_EQ(0, p9c_session(&self->c, ROOT));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "sub", NULL));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 3, "sub/inner", NULL));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 4, "sub/inner", NULL));
	ASSERT_EQ(0, p9c_lopen(&self->c, 4, P9_RDONLY));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 5, "file", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 6, "sub", NULL));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 8, "sub", NULL));
	ASSERT_EQ(2, p9c_walk(&self->c, ROOT, 9, "sub/inner", NULL));
	host_path(from, sizeof(from), self->exp, "sub");
	host_path(to, sizeof(to), self->dir, "elsewhere");
	ASSERT_EQ(0, rename(from, to));
	/* What the host puts there after the move. */
	host_path(from, sizeof(from), to, "hostfile");
	ASSERT_EQ(0, write_file(from, "host", 4, 0644));
	before = snapshot(to);

	EXPECT_EQ(-ENOENT, lcreate9(&self->c, 6, P9S("new"), P9_RDWR, 0644U, NOGID));
	EXPECT_EQ(-ENOENT, mkdir9(&self->c, 2, P9S("new"), 0755U));
	EXPECT_EQ(-ENOENT, symlink9(&self->c, 2, P9S("new"), P9S("x")));
	EXPECT_EQ(-ENOENT, mknod9(&self->c, 2, P9S("new"), S_IFIFO | 0644U, 0, 0));
	EXPECT_EQ(-ENOENT, link9(&self->c, 2, 5, P9S("new")));
	EXPECT_EQ(-ENOENT, link9(&self->c, ROOT, 3, P9S("new")));
	EXPECT_EQ(-ENOENT, renameat9(&self->c, 2, P9S("hostfile"), ROOT, P9S("stolen")));
	EXPECT_EQ(-ENOENT, renameat9(&self->c, ROOT, P9S("file"), 2, P9S("new")));
	EXPECT_EQ(-ENOENT, rename9(&self->c, 3, ROOT, P9S("stolen")));
	EXPECT_EQ(-ENOENT, rename9(&self->c, 5, 2, P9S("new")));
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TUNLINKAT, "dsd", 2U, P9S("hostfile"), 0U));
	EXPECT_EQ(-ENOENT, p9c_lopen(&self->c, 2, P9_RDONLY));
	EXPECT_EQ(-ENOENT, p9c_lopen(&self->c, 3, P9_RDWR | P9_DOTL_TRUNC));
	EXPECT_EQ(-ENOENT, setattr9(&self->c, 3, V9P_SETATTR_MODE, 0777U, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, setattr9(&self->c, 3, V9P_SETATTR_SIZE, 0, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, xattrcreate9(&self->c, 3, "user.x", 1, 0));
	/* Tremove fails, and clunks the fid all the same. */
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TREMOVE, "d", 8U));
	EXPECT_EQ(-ENOENT, p9c_rpc(&self->c, P9_TREMOVE, "d", 9U));
	EXPECT_EQ(-EBADF, p9c_clunk(&self->c, 9));
	/* What the guest holds it may still stat, as it could before. */
	EXPECT_EQ(0, p9c_getattr(&self->c, 3, &a));
	EXPECT_EQ(5, a.size);
	EXPECT_EQ(0, xattrwalk9(&self->c, 3, 7, P9S(""), &size));
	/* Already open: reads on. */
	EXPECT_EQ(5, p9c_read(&self->c, 4, 0, buf, sizeof(buf)));
	EXPECT_STREQ("inner", buf);
	/* Nothing there changed, nothing came in. */
	after = snapshot(to);
	EXPECT_STREQ(before, after);
	free(after);
	free(before);
	EXPECT_FALSE(host_exists(self->exp, "stolen"));
	EXPECT_TRUE(host_exists(self->exp, "file"));
	/* Back inside, the same fids work again. */
	ASSERT_EQ(0, unlink(from));
	host_path(from, sizeof(from), self->exp, "sub");
	ASSERT_EQ(0, rename(to, from));
	EXPECT_EQ(0, mkdir9(&self->c, 2, P9S("new"), 0755U));
	EXPECT_TRUE(host_exists(self->exp, "sub/new"));
	p9c_close(&self->c);
}

V9P_HARNESS_MAIN
