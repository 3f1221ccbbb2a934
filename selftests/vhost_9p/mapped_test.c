// SPDX-License-Identifier: GPL-2.0
/*
 * mapped_test: the mapped-xattr security model.  The guest's owner, group,
 * mode and device numbers live in user.virtfs.* attributes, in QEMU's
 * format; on the host every new file is a private regular file (or
 * directory) of the VMM's user.  Needs a file system with user.* xattrs:
 * the VM suite gives one in $V9P_EXT4.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "p9client.h"

#define ROOT		1
#define GUEST_UID	1000
#define GUEST_GID	1234

static struct vhost_9p_export mapped_export(int dirfd)
{
	struct vhost_9p_export exp = {
		.dirfd = dirfd,
		.security_model = VHOST_9P_SECURITY_MAPPED_XATTR,
	};

	snprintf(exp.tag, sizeof(exp.tag), "mapped");
	return exp;
}

static __u32 host_xattr32(const char *path, const char *name)
{
	__u32 v = 0xdeadbeef;

	if (lgetxattr(path, name, &v, sizeof(v)) != sizeof(v))
		return 0xdeadbeef;
	return v;	/* little-endian on the hosts this runs on */
}

/* An attribute of the export's file "file", as the host sees it. */
static __u32 file_xattr(const char *dir, char *buf, const char *name)
{
	snprintf(buf, 600, "%s/file", dir);
	return host_xattr32(buf, name);
}

FIXTURE(mapped) {
	char dir[512];
	char path[600];
	struct p9c c;
};

FIXTURE_SETUP(mapped)
{
	const char *base = getenv("V9P_EXT4");
	struct vhost_9p_export exp;

	if (!base)
		SKIP(return, "no file system with user.* xattrs ($V9P_EXT4 unset)");
	snprintf(self->dir, sizeof(self->dir), "%s/mapped.XXXXXX", base);
	ASSERT_NE(NULL, mkdtemp(self->dir));
	exp = mapped_export(open(self->dir, O_PATH | O_DIRECTORY));
	ASSERT_LE(0, exp.dirfd);
	ASSERT_EQ(0, p9c_open(&self->c, &exp));
	close(exp.dirfd);
	/* As a guest user: new files are that user's. */
	ASSERT_EQ(0, p9c_session_as(&self->c, ROOT, GUEST_UID));
}

FIXTURE_TEARDOWN(mapped)
{
	if (!getenv("V9P_EXT4"))
		return;
	p9c_close(&self->c);
	rm_tree(self->dir);
}

/* A file of the export, as the host sees it (one at a time). */
static const char *host_path(const char *dir, char *buf, const char *name)
{
	snprintf(buf, 600, "%s/%s", dir, name);
	return buf;
}

TEST_F(mapped, created_file_keeps_guest_owner_and_mode)
{
	struct p9_qid qid;
	struct p9c_attr a;
	struct stat st;
	__u32 iounit;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 2U, P9S("file"), 2U, 04750U,
			     (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFREG | 04750, a.mode);
	EXPECT_EQ(GUEST_UID, a.uid);
	EXPECT_EQ(GUEST_GID, a.gid);
	EXPECT_EQ(S_IFREG | 04750, file_xattr(self->dir, self->path, "user.virtfs.mode"));
	/* A write by a guest user (not root) drops set-user-ID, as on Linux. */
	ASSERT_EQ(5, p9c_write(&self->c, 2, 0, "hello", 5));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFREG | 0750, a.mode);
	EXPECT_EQ(5, a.size);
	/* On the host: a private file of the VMM's user, attributes aside. */
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "file"), &st));
	EXPECT_EQ(S_IFREG | 0600, st.st_mode);
	EXPECT_EQ(getuid(), st.st_uid);
	EXPECT_EQ(GUEST_UID, file_xattr(self->dir, self->path, "user.virtfs.uid"));
	EXPECT_EQ(GUEST_GID, file_xattr(self->dir, self->path, "user.virtfs.gid"));
	EXPECT_EQ(S_IFREG | 0750, file_xattr(self->dir, self->path, "user.virtfs.mode"));
}

TEST_F(mapped, directory_is_private_on_the_host)
{
	struct p9_qid qid;
	struct p9c_attr a;
	struct stat st;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TMKDIR, "dsdd", (__u32)ROOT, P9S("dir"), 0755U,
			     (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Q", &qid));
	EXPECT_EQ(P9_QTDIR, qid.type);
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "dir", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFDIR | 0755, a.mode);
	EXPECT_EQ(GUEST_UID, a.uid);
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "dir"), &st));
	EXPECT_EQ(S_IFDIR | 0700, st.st_mode);
}

TEST_F(mapped, device_node_is_a_plain_file_on_the_host)
{
	struct p9_qid qid;
	struct p9c_attr a;
	struct stat st;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TMKNOD, "dsdddd", (__u32)ROOT, P9S("null"),
			     (__u32)(S_IFCHR | 0666), 1U, 3U, (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Q", &qid));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "null", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFCHR | 0666, a.mode);
	EXPECT_EQ(makedev(1, 3), a.rdev);
	/* Never the host's /dev/null: a regular file, and never opened. */
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "null"), &st));
	EXPECT_EQ(S_IFREG | 0600, st.st_mode);
	EXPECT_EQ(-ENXIO, p9c_lopen(&self->c, 2, 2));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TMKNOD, "dsdddd", (__u32)ROOT, P9S("fifo"),
			     (__u32)(S_IFIFO | 0640), 0U, 0U, (__u32)GUEST_GID));
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "fifo"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(mapped, symlink_is_a_file_holding_its_target)
{
	struct v9p_str target;
	struct p9_qid qid;
	struct stat st;

	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TSYMLINK, "dssd", (__u32)ROOT, P9S("link"),
			     P9S("/etc/passwd"), (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Q", &qid));
	EXPECT_EQ(P9_QTSYMLINK, qid.type);
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "link", &qid));
	EXPECT_EQ(P9_QTSYMLINK, qid.type);
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TREADLINK, "d", 2U));
	ASSERT_EQ(0, p9c_get(&self->c, "s", &target));
	EXPECT_STREQ("/etc/passwd", target.str);
	EXPECT_EQ(-ELOOP, p9c_lopen(&self->c, 2, 0));
	/* Nothing on the host follows it. */
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "link"), &st));
	EXPECT_EQ(S_IFREG | 0600, st.st_mode);
	EXPECT_EQ(1, p9c_walk(&self->c, ROOT, 3, "link/x", NULL));
}

TEST_F(mapped, chmod_and_chown_change_only_the_attributes)
{
	__u32 iounit, valid = V9P_SETATTR_MODE | V9P_SETATTR_UID | V9P_SETATTR_GID;
	struct p9_qid qid;
	struct p9c_attr a;
	struct stat st;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 2U, P9S("f"), 0U, 0644U,
			     (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TSETATTR, "dddddqqqqq", 2U, valid, 0711U,
			     4321U, 8765U, (__u64)0, (__u64)0, (__u64)0, (__u64)0, (__u64)0));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFREG | 0711, a.mode);
	EXPECT_EQ(4321, a.uid);
	EXPECT_EQ(8765, a.gid);
	ASSERT_EQ(0, lstat(host_path(self->dir, self->path, "f"), &st));
	EXPECT_EQ(S_IFREG | 0600, st.st_mode);
	EXPECT_EQ(getuid(), st.st_uid);
}

/*
 * The review's finding M2: the model's attributes are writes like any
 * other.  Served through a read-only bind mount, a chmod is refused and
 * writes nothing (before, it set user.virtfs.mode there).
 */
TEST_F(mapped, read_only_mount_refuses_attribute_changes)
{
	char src[600], ro[600], file[700];
	struct vhost_9p_export exp;
	struct p9c c;

	snprintf(src, sizeof(src), "%s/src", self->dir);
	snprintf(ro, sizeof(ro), "%s/ro", self->dir);
	ASSERT_EQ(0, mkdir(src, 0755));
	ASSERT_EQ(0, mkdir(ro, 0755));
	snprintf(file, sizeof(file), "%s/f", src);
	ASSERT_EQ(0, close(open(file, O_CREAT | O_WRONLY, 0644)));
	ASSERT_EQ(0, mount(src, ro, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	exp = mapped_export(open(ro, O_PATH | O_DIRECTORY));
	ASSERT_LE(0, exp.dirfd);
	ASSERT_EQ(0, p9c_open(&c, &exp));
	close(exp.dirfd);
	ASSERT_EQ(0, p9c_session_as(&c, ROOT, GUEST_UID));
	ASSERT_EQ(1, p9c_walk(&c, ROOT, 2, "f", NULL));
	EXPECT_EQ(-EROFS, p9c_rpc(&c, P9_TSETATTR, "dddddqqqqq", 2U,
				  V9P_SETATTR_MODE | V9P_SETATTR_UID, 0700U, 4321U, 0U,
				  (__u64)0, (__u64)0, (__u64)0, (__u64)0, (__u64)0));
	EXPECT_EQ(0xdeadbeef, host_xattr32(file, "user.virtfs.mode"));
	EXPECT_EQ(0xdeadbeef, host_xattr32(file, "user.virtfs.uid"));
	p9c_close(&c);
	EXPECT_EQ(0, umount2(ro, 0));
}

/* An access ACL granting guest uid 4321 rwx, in its xattr form. */
static size_t guest_acl(void *buf)
{
	static const struct { __u16 tag, perm; __u32 id; } ents[] = {
		{ 0x01, 7, ~0U },	/* ACL_USER_OBJ */
		{ 0x02, 7, 4321 },	/* ACL_USER */
		{ 0x04, 4, ~0U },	/* ACL_GROUP_OBJ */
		{ 0x10, 7, ~0U },	/* ACL_MASK */
		{ 0x20, 4, ~0U },	/* ACL_OTHER */
	};
	__u32 version = 2;
	__u8 *p = buf;
	unsigned int i;

	memcpy(p, &version, 4);
	for (i = 0; i < 5; i++) {
		memcpy(p + 4 + 8 * i, &ents[i].tag, 2);
		memcpy(p + 6 + 8 * i, &ents[i].perm, 2);
		memcpy(p + 8 + 8 * i, &ents[i].id, 4);
	}
	return 4 + 8 * 5;
}

/*
 * The review's finding M3: the guest's POSIX ACLs are the model's, kept in
 * user.virtfs.system.posix_acl_access as QEMU keeps them: the host file's
 * own ACL and mode stay as they were (before, the guest's ACL became the
 * host's, granting host uid 4321 access to the VMM's private file).
 */
TEST_F(mapped, acls_are_the_models)
{
	char acl[64], back[64], list[256], host[700];
	struct stat st;
	__u64 size;
	size_t len = guest_acl(acl);
	ssize_t n;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 2U, P9S("f"), 0U, 0644U,
			     (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_clunk(&self->c, 2));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 3, "f", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TXATTRCREATE, "dsqd", 3U,
			     P9S("system.posix_acl_access"), (__u64)len, 0U));
	ASSERT_EQ((ssize_t)len, p9c_write(&self->c, 3, 0, acl, len));
	ASSERT_EQ(0, p9c_clunk(&self->c, 3));

	host_path(self->dir, host, "f");
	EXPECT_EQ(-1, lgetxattr(host, "system.posix_acl_access", back, sizeof(back)));
	EXPECT_EQ(ENODATA, errno);
	ASSERT_EQ(0, lstat(host, &st));
	EXPECT_EQ(S_IFREG | 0600, st.st_mode);
	n = lgetxattr(host, "user.virtfs.system.posix_acl_access", back, sizeof(back));
	EXPECT_EQ((ssize_t)len, n);
	EXPECT_EQ(0, memcmp(acl, back, len));

	/* The guest reads it back, and lists it, by its own name. */
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 4, "f", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TXATTRWALK, "dds", 4U, 5U,
			     P9S("system.posix_acl_access")));
	ASSERT_EQ(0, p9c_get(&self->c, "q", &size));
	EXPECT_EQ(len, size);
	EXPECT_EQ((ssize_t)len, p9c_read(&self->c, 5, 0, back, sizeof(back)));
	EXPECT_EQ(0, memcmp(acl, back, len));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TXATTRWALK, "dds", 4U, 6U, P9S("")));
	ASSERT_EQ(0, p9c_get(&self->c, "q", &size));
	memset(list, 0, sizeof(list));
	n = p9c_read(&self->c, 6, 0, list, sizeof(list) - 1);
	EXPECT_EQ((ssize_t)size, n);
	EXPECT_EQ(0, memcmp(list, "system.posix_acl_access", 24));
	EXPECT_EQ((ssize_t)sizeof("system.posix_acl_access"), n) TH_LOG("list: %s", list);
}

TEST_F(mapped, model_attributes_are_hidden_from_the_guest)
{
	__u64 size;
	__u32 iounit;
	struct p9_qid qid;

	ASSERT_EQ(0, p9c_walk(&self->c, ROOT, 2, "", NULL));
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TLCREATE, "dsddd", 2U, P9S("f"), 0U, 0644U,
			     (__u32)GUEST_GID));
	ASSERT_EQ(0, p9c_get(&self->c, "Qd", &qid, &iounit));
	EXPECT_EQ(-EOPNOTSUPP, p9c_rpc(&self->c, P9_TXATTRWALK, "dds", 2U, 3U,
				       P9S("user.virtfs.uid")));
	EXPECT_EQ(-EOPNOTSUPP, p9c_rpc(&self->c, P9_TXATTRCREATE, "dsqd", 2U,
				       P9S("user.virtfs.mode"), (__u64)4, 0U));
	/* The list of the file's attributes is empty to the guest. */
	ASSERT_EQ(0, p9c_rpc(&self->c, P9_TXATTRWALK, "dds", 2U, 3U, P9S("")));
	ASSERT_EQ(0, p9c_get(&self->c, "q", &size));
	EXPECT_EQ(0, size);
}

TEST_F(mapped, files_the_guest_did_not_make_show_host_attributes)
{
	struct p9c_attr a;
	int fd;

	fd = open(host_path(self->dir, self->path, "hostfile"), O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chmod(host_path(self->dir, self->path, "hostfile"), 0644));
	ASSERT_EQ(1, p9c_walk(&self->c, ROOT, 2, "hostfile", NULL));
	ASSERT_EQ(0, p9c_getattr(&self->c, 2, &a));
	EXPECT_EQ(S_IFREG | 0644, a.mode);
	EXPECT_EQ(getuid(), a.uid);
}

/* Without user.* xattrs (tmpfs before 6.6), the model is refused. */
TEST(mapped_needs_user_xattrs)
{
	const char *tmp = getenv("TMPDIR") ?: "/tmp";
	struct vhost_9p_export exp;
	struct p9c c;
	int ret;

	if (!lsetxattr(tmp, "user.v9p-probe", "x", 1, 0) || errno != EOPNOTSUPP) {
		lremovexattr(tmp, "user.v9p-probe");
		SKIP(return, "%s has user.* xattrs", tmp);
	}
	exp = mapped_export(open(tmp, O_PATH | O_DIRECTORY));
	ASSERT_LE(0, exp.dirfd);
	ret = p9c_open(&c, &exp);
	close(exp.dirfd);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	if (!ret)
		p9c_close(&c);
}

V9P_HARNESS_MAIN
