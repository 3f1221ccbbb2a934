// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p POSIX locks, through the host VFS, so that host processes and
 * other guests see them.  Each guest process (Tlock proc_id) is one lock
 * owner, the same through every fid.  A lock that conflicts is refused at
 * once, and the client retries: the worker never sleeps on a lock.
 *
 * A fid remembers the owners that may hold locks through its file, so that
 * its clunk releases them: an owner from its first granted lock there
 * until it holds none on the file.  Unlocks and refused locks remember
 * nothing.  The device remembers at most V9P_MAX_LOCK_OWNERS (fid, owner)
 * pairs; past that, a lock of an owner new to the fid is refused with
 * ENOLCK, as a host out of lock records would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/slab.h>

#include "vhost_9p.h"

struct v9p_lock_owner {
	refcount_t ref;		/* one per fid remembering it, one per Tlock */
	u32 proc_id;
};

/* The owner of guest process @proc_id, made if @create, with a reference. */
static struct v9p_lock_owner *lock_owner_get(struct v9p_server *srv, u32 proc_id,
					     bool create)
{
	struct v9p_lock_owner *owner;
	int ret;

	lockdep_assert_held(&srv->session.lock_mutex);
	owner = xa_load(&srv->session.lock_owners, proc_id);
	if (owner) {
		refcount_inc(&owner->ref);
		return owner;
	}
	if (!create)
		return NULL;
	owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);
	if (!owner)
		return ERR_PTR(-ENOMEM);
	refcount_set(&owner->ref, 1);
	owner->proc_id = proc_id;
	ret = xa_insert(&srv->session.lock_owners, proc_id, owner, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(owner);
		return ERR_PTR(ret);
	}
	return owner;
}

static void lock_owner_put(struct v9p_server *srv, struct v9p_lock_owner *owner)
{
	lockdep_assert_held(&srv->session.lock_mutex);
	if (!refcount_dec_and_test(&owner->ref))
		return;
	xa_erase(&srv->session.lock_owners, owner->proc_id);
	kfree(owner);
}

/*
 * Make @fid remember @owner: 1 if it did not yet, 0 if it did, or -ENOLCK,
 * -ENOMEM.
 */
static int lock_owner_remember(struct v9p_server *srv, struct v9p_fid *fid,
			       struct v9p_lock_owner *owner)
{
	int ret;

	lockdep_assert_held(&srv->session.lock_mutex);
	if (xa_load(&fid->lock_owners, owner->proc_id))
		return 0;
	if (srv->session.nr_lock_owners >= V9P_MAX_LOCK_OWNERS)
		return -ENOLCK;
	ret = xa_insert(&fid->lock_owners, owner->proc_id, owner, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	refcount_inc(&owner->ref);
	WRITE_ONCE(srv->session.nr_lock_owners, srv->session.nr_lock_owners + 1);
	return 1;
}

/*
 * After a Tlock: does @owner still need remembering by the fid?  While it
 * holds a lock on the file.  A file system that keeps POSIX locks itself
 * (->lock: FUSE sends them to its server, and keeps none in the inode)
 * cannot be asked: there it is remembered until the clunk, unless it was
 * new to the fid and its lock was not granted.
 */
static bool lock_owner_needed(struct file *file, struct v9p_lock_owner *owner,
			      bool new, int err)
{
	if (file->f_op->lock)
		return !new || !err;
	return v9p_owner_holds_lock(file_inode(file), owner);
}

static void lock_owner_forget(struct v9p_server *srv, struct v9p_fid *fid,
			      struct v9p_lock_owner *owner)
{
	lockdep_assert_held(&srv->session.lock_mutex);
	if (xa_erase(&fid->lock_owners, owner->proc_id) != owner)
		return;
	WRITE_ONCE(srv->session.nr_lock_owners, srv->session.nr_lock_owners - 1);
	lock_owner_put(srv, owner);
}

static int lock_range(const struct v9p_flock *lk, struct file_lock *fl)
{
	if (lk->start > OFFSET_MAX ||
	    (lk->length && lk->length - 1 > OFFSET_MAX - lk->start))
		return -EINVAL;
	fl->fl_start = lk->start;
	fl->fl_end = lk->length ? lk->start + lk->length - 1 : OFFSET_MAX;
	return 0;
}

/**
 * v9p_lock_set() - take or release a POSIX lock, as fcntl(F_SETLK)
 * @srv: the server
 * @fid: the fid @file is open through, which remembers the lock's owner
 * @file: the file
 * @lk: the lock, of guest process @lk->proc_id
 *
 * Return: 0, -EAGAIN if another owner's lock conflicts, -EBADF if @file is
 * not open for the lock's access, -EINVAL for a range past the largest
 * offset, -ENOLCK past V9P_MAX_LOCK_OWNERS, or the VFS's error.
 */
int v9p_lock_set(struct v9p_server *srv, struct v9p_fid *fid, struct file *file,
		 const struct v9p_flock *lk)
{
	struct v9p_lock_owner *owner;
	struct file_lock fl;
	bool new;
	int ret;

	if ((lk->type == F_RDLCK && !(file->f_mode & FMODE_READ)) ||
	    (lk->type == F_WRLCK && !(file->f_mode & FMODE_WRITE)))
		return -EBADF;
	/* On the host, the VMM holds it: a guest's pid means nothing there. */
	v9p_lock_init(&fl, file, NULL, lk->type, srv->export.owner_tgid);
	ret = lock_range(lk, &fl);
	if (ret)
		return ret;

	/* Remembered before locking, so that the clunk always releases. */
	mutex_lock(&srv->session.lock_mutex);
	owner = lock_owner_get(srv, lk->proc_id, lk->type != F_UNLCK);
	ret = PTR_ERR_OR_ZERO(owner);
	if (!ret && owner && lk->type != F_UNLCK)
		ret = lock_owner_remember(srv, fid, owner);
	new = ret > 0;
	if (ret < 0 && !IS_ERR_OR_NULL(owner))
		lock_owner_put(srv, owner);
	mutex_unlock(&srv->session.lock_mutex);
	/* An unlock by a process that holds nothing here has nothing to do. */
	if (ret < 0 || !owner)
		return min(ret, 0);

	v9p_lock_set_owner(&fl, owner);
	ret = vfs_lock_file(file, F_SETLK, &fl, NULL);
	locks_release_private(&fl);

	mutex_lock(&srv->session.lock_mutex);
	if (!lock_owner_needed(file, owner, new, ret))
		lock_owner_forget(srv, fid, owner);
	lock_owner_put(srv, owner);
	mutex_unlock(&srv->session.lock_mutex);
	return ret;
}

/*
 * Who holds a conflicting lock, for Rgetlock: a process of this guest by
 * its own proc_id, anyone else by their host pid (as QEMU's server and
 * F_GETLK on the host answer; this guest's locks show the VMM's there).
 */
static u32 lock_holder_pid(struct v9p_server *srv, const struct file_lock *fl)
{
	fl_owner_t holder = v9p_lock_owner(fl);
	struct v9p_lock_owner *owner;
	unsigned long proc_id;
	u32 pid = v9p_lock_pid(fl);

	mutex_lock(&srv->session.lock_mutex);
	xa_for_each(&srv->session.lock_owners, proc_id, owner)
		if (owner == holder) {
			pid = proc_id;
			break;
		}
	mutex_unlock(&srv->session.lock_mutex);
	return pid;
}

/**
 * v9p_lock_test() - find a lock that would conflict, as fcntl(F_GETLK)
 * @srv: the server
 * @file: the file
 * @lk: the lock guest process @lk->proc_id would take; on return, the
 *	conflicting lock and its holder, or @lk->type F_UNLCK if none
 *
 * Return: 0, -EINVAL for a range past the largest offset, or the VFS's
 * error.
 */
int v9p_lock_test(struct v9p_server *srv, struct file *file, struct v9p_flock *lk)
{
	struct file_lock fl;
	fl_owner_t owner;
	int ret;

	/*
	 * A process that holds no lock has none to tell apart: test it as an
	 * owner that holds nothing, without making it one.  Only the
	 * pointer's identity is used.
	 */
	mutex_lock(&srv->session.lock_mutex);
	owner = xa_load(&srv->session.lock_owners, lk->proc_id) ?: (fl_owner_t)srv;
	mutex_unlock(&srv->session.lock_mutex);
	v9p_lock_init(&fl, file, owner, lk->type, lk->proc_id);
	ret = lock_range(lk, &fl);
	if (!ret)
		ret = vfs_test_lock(file, &fl);
	if (!ret && v9p_lock_type(&fl) != F_UNLCK) {
		/* Someone else's, maybe a host process's. */
		lk->start = fl.fl_start;
		lk->length = fl.fl_end == OFFSET_MAX ? 0 : fl.fl_end - fl.fl_start + 1;
		lk->proc_id = lock_holder_pid(srv, &fl);
	}
	if (!ret)
		lk->type = v9p_lock_type(&fl);
	locks_release_private(&fl);
	return ret;
}

struct unlock_whole_file {
	struct v9p_server *srv;
	struct file *file;
	struct v9p_lock_owner *owner;
};

static void unlock_whole_file(void *arg)
{
	struct unlock_whole_file *u = arg;
	struct file_lock fl;
	int ret;

	v9p_lock_init(&fl, u->file, u->owner, F_UNLCK, u->srv->export.owner_tgid);
	fl.fl_start = 0;
	fl.fl_end = OFFSET_MAX;
	ret = vfs_lock_file(u->file, F_SETLK, &fl, NULL);
	locks_release_private(&fl);
	if (ret)
		pr_warn_ratelimited("vhost-9p: a guest's locks on a file of %s stay held there: unlock failed (%d)\n",
				    file_inode(u->file)->i_sb->s_id, ret);
}

/*
 * Everything @owner holds on @file.  Locks the inode keeps go as a close
 * drops them (locks_remove_posix(): FL_CLOSE, which NFS and CIFS rely on
 * to forget their copy whatever their server says).  A file system with
 * its own ->lock that keeps none in the inode (FUSE, whose server holds
 * them) gets nothing from that, and the FUSE of 6.1 also ignores a close's
 * unlock, leaving it to the closing process's flush, which is not the
 * guest's: there the whole file is unlocked as an F_UNLCK of fcntl(2),
 * from a kworker, which no signal to the VMM can cut short.
 */
static void unlock_file(struct v9p_server *srv, struct file *file,
			struct v9p_lock_owner *owner)
{
	struct unlock_whole_file u = { .srv = srv, .file = file, .owner = owner };

	if (!file->f_op->lock || v9p_owner_holds_lock(file_inode(file), owner)) {
		locks_remove_posix(file, owner);
		return;
	}
	v9p_run_in_kworker(srv, unlock_whole_file, &u);
}

/**
 * v9p_release_locks() - drop every POSIX lock taken through a fid's file
 * @fid: the fid, whose file is about to be closed
 */
void v9p_release_locks(struct v9p_fid *fid)
{
	struct v9p_server *srv = fid->srv;
	struct v9p_lock_owner *owner;
	unsigned long proc_id;

	xa_for_each(&fid->lock_owners, proc_id, owner) {
		unlock_file(srv, v9p_fid_file(fid), owner);
		mutex_lock(&srv->session.lock_mutex);
		lock_owner_forget(srv, fid, owner);
		mutex_unlock(&srv->session.lock_mutex);
	}
}
