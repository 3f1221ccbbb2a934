// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p export: the server's life (made from VHOST_9P_SET_EXPORT,
 * reset, destroyed), what a device serves and with whose credentials
 * (v9p_run_in_kworker() runs with them), the walk that keeps the guest
 * inside it, and qids.
 *
 * The guest names files only by walking from fids one component at a time:
 * names with '/' or NUL, "." and the empty name are refused (names longer
 * than NAME_MAX too, with the host's ENAMETOOLONG), symlinks are
 * never followed (lookup does not follow them, and a symlink is not a
 * directory to walk through), ".." at the export root stays there, other
 * file systems mounted below the root are entered only if the export says
 * so (and never the kernel's own interfaces, such as procfs and sysfs;
 * a mount not crossed is refused, not seen through), and
 * every fid must lie beneath the root as RESOLVE_BENEATH means it: a host
 * process or the guest itself renaming a directory out of the export, or
 * out of the source of a bind mount inside it, takes it out of reach.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/workqueue.h>

#include "vhost_9p.h"

/* qid.path: 16 bits of host file system index, 48 bits of inode number. */
#define V9P_QID_INO_BITS	48
#define V9P_QID_INO_MASK	((1ULL << V9P_QID_INO_BITS) - 1)
#define V9P_QID_MAX_DEVICES	(1U << (64 - V9P_QID_INO_BITS))

/*
 * File systems that are the kernel's own interfaces are never served:
 * procfs's magic links oops a reader outside a path walk (their ->get_link
 * jumps the walk, and the server has none), and their files configure the
 * host (sysfs, debugfs, cgroups, binfmt_misc, configfs, ...).
 */
static const char *const kernel_interface_fs[] = {
	"proc", "sysfs", "debugfs", "tracefs", "securityfs", "cgroup", "cgroup2",
	"bpf", "binfmt_misc", "configfs", "selinuxfs", "smackfs", "apparmorfs",
	"pstore", "efivarfs", "nsfs", "devpts", "fusectl", "mqueue", "rpc_pipefs",
	"nfsd", "resctrl", "cpuset", "xenfs", "functionfs", "gadgetfs",
};

static bool kernel_interface(const struct super_block *sb)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kernel_interface_fs); i++)
		if (!strcmp(sb->s_type->name, kernel_interface_fs[i]))
			return true;
	return false;
}

static int check_export(const struct vhost_9p_export *exp)
{
	unsigned int i;

	if (exp->flags & ~VHOST_9P_EXPORT_FLAGS)
		return -EINVAL;
	if (exp->security_model > VHOST_9P_SECURITY_MAPPED_XATTR)
		return -EINVAL;
	if (exp->max_msize &&
	    (exp->max_msize < VHOST_9P_MIN_MSIZE || exp->max_msize > VHOST_9P_MAX_MSIZE))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(exp->reserved); i++)
		if (exp->reserved[i])
			return -EINVAL;
	if (!memchr(exp->tag, '\0', sizeof(exp->tag)))
		return -EINVAL;
	return 0;
}

/**
 * v9p_server_create() - start serving an export, for VHOST_9P_SET_EXPORT
 * @exp: what to serve, as the VMM gave it
 *
 * Captures the caller's credentials: every file operation of the server
 * runs with them.
 *
 * Return: the server, or ERR_PTR(): -EINVAL for bad flags, limits or tag,
 * -EBADF or -ENOTDIR for a bad @exp->dirfd, -EPERM for the passthrough
 * model without CAP_CHOWN, -EOPNOTSUPP for the mapped-xattr model on a
 * file system without user.* xattrs, -ENOMEM.
 */
struct v9p_server *v9p_server_create(const struct vhost_9p_export *exp)
{
	struct v9p_server *srv;
	struct file *dir;
	int ret;

	ret = check_export(exp);
	if (ret)
		return ERR_PTR(ret);
	if (exp->security_model == VHOST_9P_SECURITY_PASSTHROUGH &&
	    !capable(CAP_CHOWN)) {
		pr_warn_ratelimited("%s: security_model=passthrough needs CAP_CHOWN: run the VMM as root, or use security_model=mapped-xattr\n",
				    exp->tag);
		return ERR_PTR(-EPERM);
	}

	/* O_PATH is enough: the export is named, not read. */
	dir = fget_raw(exp->dirfd);
	if (!dir)
		return ERR_PTR(-EBADF);
	if (!d_can_lookup(dir->f_path.dentry)) {
		ret = -ENOTDIR;
		goto err_fd;
	}
	if (kernel_interface(dir->f_path.dentry->d_sb)) {
		pr_warn_ratelimited("%s: %s is a kernel interface, never exported: export a directory of a disk, tmpfs or network file system\n",
				    exp->tag, dir->f_path.dentry->d_sb->s_type->name);
		ret = -EOPNOTSUPP;
		goto err_fd;
	}
	if (exp->security_model == VHOST_9P_SECURITY_MAPPED_XATTR &&
	    !v9p_mapped_supported(&dir->f_path)) {
		pr_warn_ratelimited("%s: security_model=mapped-xattr needs user.* xattrs, which the export's file system lacks: use ext4, xfs or btrfs, or security_model=none\n",
				    exp->tag);
		ret = -EOPNOTSUPP;
		goto err_fd;
	}

	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv) {
		ret = -ENOMEM;
		goto err_fd;
	}
	srv->export.flags = exp->flags;
	srv->export.security_model = exp->security_model;
	srv->export.max_fids = exp->max_fids ?: VHOST_9P_DEFAULT_MAX_FIDS;
	srv->export.max_msize = exp->max_msize ?: VHOST_9P_DEFAULT_MAX_MSIZE;
	srv->export.fsize_limit = rlimit(RLIMIT_FSIZE);
	strscpy(srv->export.tag, exp->tag, sizeof(srv->export.tag));
	xa_init(&srv->session.fids);
	xa_init(&srv->devices);
	mutex_init(&srv->session.lock_mutex);
	xa_init(&srv->session.lock_owners);
	xa_init(&srv->xprt.pending);

	/* The request, then room for its strings: see struct v9p_buf. */
	srv->xprt.req_buf = kvmalloc(2 * V9P_REQ_MAX, GFP_KERNEL_ACCOUNT);
	srv->xprt.reply_buf = kvmalloc(srv->export.max_msize, GFP_KERNEL_ACCOUNT);
	srv->xprt.wq = alloc_workqueue("vhost-9p", WQ_UNBOUND, 0);
	if (!srv->xprt.req_buf || !srv->xprt.reply_buf || !srv->xprt.wq) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* The root's file system is number 0: its qid.path is its inode. */
	ret = xa_insert(&srv->devices, dir->f_path.dentry->d_sb->s_dev,
			xa_mk_value(0), GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;

	srv->export.root = dir->f_path;
	path_get(&srv->export.root);
	srv->export.cred = get_current_cred();
	srv->export.memcg = get_mem_cgroup_from_mm(current->mm);
	srv->export.owner_tgid = task_tgid_nr(current);
	fput(dir);
	return srv;

err_free:
	if (srv->xprt.wq)
		destroy_workqueue(srv->xprt.wq);
	xa_destroy(&srv->devices);
	kvfree(srv->xprt.reply_buf);
	kvfree(srv->xprt.req_buf);
	kfree(srv);
err_fd:
	fput(dir);
	return ERR_PTR(ret);
}

struct v9p_kworker_call {
	struct work_struct work;
	struct v9p_server *srv;
	void (*fn)(void *arg);
	void *arg;
};

static void v9p_kworker_call_fn(struct work_struct *work)
{
	struct v9p_kworker_call *call = container_of(work, struct v9p_kworker_call, work);
	struct mem_cgroup *old_memcg;
	const struct cred *old;

	old = override_creds(call->srv->export.cred);
	old_memcg = set_active_memcg(call->srv->export.memcg);
	call->fn(call->arg);
	set_active_memcg(old_memcg);
	revert_creds(old);
}

/**
 * v9p_run_in_kworker() - run @fn(@arg) in a kworker and wait for it
 * @srv: the server, whose workqueue runs it, with the export's
 *	credentials and memory cgroup
 * @fn: what to run
 * @arg: its argument
 *
 * For what must reach a file system whatever happens to the calling task:
 * FUSE gives up a request its server has not read yet when the caller has
 * a fatal signal pending, and the callers here may be the VMM's (its
 * close or VHOST_RESET_OWNER, or the worker that is one of its threads on
 * 6.4 and later) as it is killed.  A kworker takes no signals.  The wait
 * is uninterruptible, as close(2)'s for a FUSE file's flush.
 */
void v9p_run_in_kworker(struct v9p_server *srv, void (*fn)(void *arg), void *arg)
{
	struct v9p_kworker_call call = { .srv = srv, .fn = fn, .arg = arg };

	if (current->flags & PF_WQ_WORKER) {
		v9p_kworker_call_fn(&call.work);
		return;
	}
	INIT_WORK_ONSTACK(&call.work, v9p_kworker_call_fn);
	queue_work(srv->xprt.wq, &call.work);
	flush_work(&call.work);
	destroy_work_on_stack(&call.work);
}

/**
 * v9p_server_destroy() - stop serving: release the export
 * @srv: the server, no longer reachable by the worker, its session ended
 *	(v9p_session_end())
 */
void v9p_server_destroy(struct v9p_server *srv)
{
	destroy_workqueue(srv->xprt.wq);
	/* The last fid took the last lock owner with it. */
	WARN_ON(!xa_empty(&srv->session.lock_owners));
	xa_destroy(&srv->session.lock_owners);
	xa_destroy(&srv->session.fids);
	xa_destroy(&srv->devices);
	xa_destroy(&srv->xprt.pending);
	path_put(&srv->export.root);
	put_cred(srv->export.cred);
	mem_cgroup_put(srv->export.memcg);
	kvfree(srv->xprt.reply_buf);
	kvfree(srv->xprt.req_buf);
	kfree(srv);
}

/**
 * v9p_readonly() - does the export refuse modifications
 * @srv: the server
 *
 * Return: true for a read-only export.
 */
bool v9p_readonly(const struct v9p_server *srv)
{
	return srv->export.flags & VHOST_9P_EXPORT_READONLY;
}

/**
 * v9p_name_check() - is @name one path component the guest may use
 * @name: the name, as the guest sent it
 *
 * Return: 0, -ENAMETOOLONG for a name longer than NAME_MAX (what a host
 * file system answers), or -EINVAL for the empty name, ".", ".." and names
 * holding '/' or NUL.
 */
int v9p_name_check(const struct v9p_str *name)
{
	if (name->len > NAME_MAX)
		return -ENAMETOOLONG;
	return v9p_name_ok(name) ? 0 : -EINVAL;
}

static int walk_up(struct dentry *dentry, struct dentry *top, int budget)
{
	struct dentry *d = dentry, *parent;
	int depth = 0;

	while (d != top) {
		parent = READ_ONCE(d->d_parent);
		if (parent == d)
			return -ENOENT;
		if (++depth > budget)
			return -ENAMETOOLONG;
		d = parent;
	}
	return depth;
}

/*
 * How many levels @dentry lies below @top: at most @budget, or -ENOENT
 * when it is not below it, or -ENAMETOOLONG when it is deeper.  is_subdir()
 * with a bound: lockless first, then again with rename_lock, held for at
 * most @budget steps, should a rename race the walk up.
 */
static int depth_below(struct dentry *dentry, struct dentry *top, int budget)
{
	unsigned int seq;
	int depth;

	rcu_read_lock();
	seq = read_seqbegin(&rename_lock);
	depth = walk_up(dentry, top, budget);
	if (read_seqretry(&rename_lock, seq)) {
		read_seqlock_excl(&rename_lock);
		depth = walk_up(dentry, top, budget);
		read_sequnlock_excl(&rename_lock);
	}
	rcu_read_unlock();
	return depth;
}

/**
 * v9p_check_beneath() - is @path inside the export
 * @srv: the server
 * @path: a path a fid holds or a walk reached
 *
 * RESOLVE_BENEATH's rule, in the one place every fid is checked: the
 * dentry lies below the root of its mount, and so does each mount point
 * on the way up to the export root's mount, where it lies below the export
 * root.  path_is_under() alone is not enough: it swaps a dentry for its
 * mount's mount point without asking whether the dentry is still below that
 * mount's root, which a bind mount's directory renamed out of its source is
 * not (CVE-2015-2925's class).  The walk up takes no lock a host shares
 * unless a rename races it, and stops at V9P_MAX_DEPTH levels.
 *
 * Return: 0 when @path is inside the export, -ENOENT when it is not, or
 * -ENAMETOOLONG when it is more than V9P_MAX_DEPTH levels below the root
 * (or outside it, with that many parents before a root).
 */
int v9p_check_beneath(const struct v9p_server *srv, const struct path *path)
{
	int budget = V9P_MAX_DEPTH, depth;
	struct path up;

	if (path->mnt == srv->export.root.mnt) {
		depth = depth_below(path->dentry, srv->export.root.dentry, budget);
		return depth < 0 ? depth : 0;
	}
	up = *path;
	path_get(&up);
	for (;;) {
		if (up.mnt == srv->export.root.mnt) {
			depth = depth_below(up.dentry, srv->export.root.dentry, budget);
			break;
		}
		depth = depth_below(up.dentry, up.mnt->mnt_root, budget);
		if (depth < 0)
			break;
		if (!follow_up(&up)) {
			depth = -ENOENT;
			break;
		}
		budget -= depth;
	}
	path_put(&up);
	return depth < 0 ? depth : 0;
}

static int walk_dotdot(struct v9p_server *srv, struct path *path)
{
	struct dentry *parent;

	for (;;) {
		if (path_equal(path, &srv->export.root))
			return 0;
		if (path->dentry != path->mnt->mnt_root)
			break;
		/* The root of a file system mounted below the export root. */
		if (!follow_up(path))
			return -ENOENT;
	}
	parent = dget_parent(path->dentry);
	dput(path->dentry);
	path->dentry = parent;
	return 0;
}

/*
 * What is mounted on @path: crossed onto if the export allows it, and
 * refused otherwise (-EXDEV, RESOLVE_NO_XDEV's answer): never the
 * directory a mount hides, which the kernel itself may refuse to reveal
 * (locked mounts of a user namespace).  Kernel interfaces are never
 * crossed onto.
 */
static int walk_mounts(struct v9p_server *srv, struct path *path)
{
	struct path down;
	int ret;

	if (!d_mountpoint(path->dentry))
		return 0;
	down = *path;
	path_get(&down);
	ret = v9p_follow_down(&down);
	/* Mounted on in another mount of the file system only? */
	if (!ret && path_equal(&down, path))
		goto out;
	if (!ret && !(srv->export.flags & VHOST_9P_EXPORT_CROSS_MOUNTS))
		ret = -EXDEV;
	if (!ret && kernel_interface(down.mnt->mnt_sb))
		ret = -EXDEV;
	if (!ret) {
		swap(*path, down);
		/* follow_down() took its own references for where it led. */
		path_put(&down);
		return 0;
	}
out:
	path_put(&down);
	return ret;
}

/**
 * v9p_walk_one() - walk one path component, inside the export
 * @srv: the server
 * @path: where to walk from; replaced by where the walk led
 * @name: the component, as the guest sent it
 *
 * Return: 0, or -EINVAL for a name that is not one component,
 * -ENAMETOOLONG for one longer than NAME_MAX, -ENOTDIR when @path is not a
 * directory, -ENOENT when nothing has that name or the walk would leave the
 * export (v9p_check_beneath()), -ENAMETOOLONG deeper than V9P_MAX_DEPTH
 * below the export root, -EXDEV onto a mount the export does not
 * cross (walk_mounts()), or the lookup's error.  On error @path is unchanged or still a
 * valid reference the caller must put.
 */
int v9p_walk_one(struct v9p_server *srv, struct path *path,
		 const struct v9p_str *name)
{
	struct dentry *child;
	int ret;

	if (!d_can_lookup(path->dentry))
		return -ENOTDIR;
	if (name->len == 2 && !memcmp(name->str, "..", 2)) {
		ret = walk_dotdot(srv, path);
	} else {
		ret = v9p_name_check(name);
		if (ret)
			return ret;
		child = lookup_one_len_unlocked(name->str, path->dentry, name->len);
		if (IS_ERR(child))
			return PTR_ERR(child);
		if (d_really_is_negative(child)) {
			dput(child);
			return -ENOENT;
		}
		dput(path->dentry);
		path->dentry = child;
		ret = 0;
	}
	/* The root is served as attached, whatever is mounted on it since. */
	if (!ret && !path_equal(path, &srv->export.root))
		ret = walk_mounts(srv, path);
	if (!ret)
		ret = v9p_check_beneath(srv, path);
	return ret;
}

/**
 * v9p_dev_index() - the number of a host file system, for qid.path
 * @srv: the server
 * @dev: the file system's device number
 *
 * Return: 0 for the export root's, a small number for one mounted below.
 */
u32 v9p_dev_index(struct v9p_server *srv, dev_t dev)
{
	void *entry = xa_load(&srv->devices, dev);
	u32 index;

	if (entry)
		return xa_to_value(entry);
	/*
	 * A file system not seen before: a mount below the root.  If the
	 * numbers run out, share number 0; qids may then collide, which the
	 * client survives.
	 */
	index = atomic_inc_return(&srv->nr_devices);
	if (index >= V9P_QID_MAX_DEVICES)
		return 0;
	entry = xa_cmpxchg(&srv->devices, dev, NULL, xa_mk_value(index),
			   GFP_KERNEL_ACCOUNT);
	if (xa_is_err(entry))
		return 0;
	return entry ? xa_to_value(entry) : index;
}

/**
 * v9p_qid_path() - qid.path of an inode
 * @dev_index: its file system's number, from v9p_dev_index()
 * @ino: its inode number
 *
 * Inode numbers past 48 bits are folded into 48, the same way for every
 * reply that names the file (Rgetattr, Rwalk, Rreaddir).
 *
 * Return: the qid.path.
 */
u64 v9p_qid_path(u32 dev_index, u64 ino)
{
	if (ino > V9P_QID_INO_MASK)
		ino = (ino ^ (ino >> V9P_QID_INO_BITS)) & V9P_QID_INO_MASK;
	return ((u64)dev_index << V9P_QID_INO_BITS) | ino;
}

/**
 * v9p_make_qid() - the qid of a file, from its attributes
 * @srv: the server
 * @path: the file (only its type and identity matter)
 * @stat: its attributes, from vfs_getattr()
 * @qid: filled in
 *
 * qid.path combines the inode number with a number for its host file
 * system, so that two files with the same inode number on two file systems
 * of the export differ.
 */
void v9p_make_qid(struct v9p_server *srv, const struct path *path,
		  const struct kstat *stat, struct p9_qid *qid)
{
	if (S_ISDIR(stat->mode))
		qid->type = P9_QTDIR;
	else if (S_ISLNK(stat->mode))
		qid->type = P9_QTSYMLINK;
	else
		qid->type = P9_QTFILE;
	/*
	 * Any change of the time or size changes the version, as QEMU's.
	 * Never 0: the Linux client (6.6 and later) takes it for a
	 * synthetic file and caches nothing for it.
	 */
	qid->version = (u32)(stat->mtime.tv_sec ^ stat->mtime.tv_nsec ^ (stat->size << 8)) ?: 1;
	qid->path = v9p_qid_path(v9p_dev_index(srv, stat->dev), stat->ino);
}

/**
 * v9p_path_qid() - the qid of a file
 * @srv: the server
 * @path: the file
 * @qid: filled in
 *
 * Return: 0, or the error of vfs_getattr().
 */
int v9p_path_qid(struct v9p_server *srv, const struct path *path,
		 struct p9_qid *qid)
{
	struct kstat stat;
	int ret;

	ret = vfs_getattr(path, &stat, STATX_TYPE | STATX_INO | STATX_MTIME | STATX_SIZE,
			  AT_STATX_SYNC_AS_STAT);
	if (ret)
		return ret;
	/* A symlink of the mapped model is a regular file on the host. */
	if (v9p_mapped(srv) && S_ISREG(stat.mode))
		stat.mode = v9p_mapped_mode(path);
	v9p_make_qid(srv, path, &stat, qid);
	return 0;
}
