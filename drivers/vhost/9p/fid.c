// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p fid table: the guest's handles, in an xarray per device, and the
 * session they belong to, which Tversion and the device's owner end.
 *
 * A fid is found under RCU and pinned with a reference before the RCU read
 * section ends, so a request that holds it keeps it alive across a racing
 * Tclunk, Tremove or device reset: those only drop the table's reference.
 * The last reference closes the file and frees the fid after a grace period.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "vhost_9p.h"

/**
 * v9p_fid_get() - find a fid and take a reference on it
 * @srv: the server
 * @id: the guest's fid number
 *
 * Return: the fid, to be released with v9p_fid_put(), or NULL.
 */
struct v9p_fid *v9p_fid_get(struct v9p_server *srv, u32 id)
{
	struct v9p_fid *fid;

	rcu_read_lock();
	fid = xa_load(&srv->session.fids, id);
	if (fid && !refcount_inc_not_zero(&fid->ref))
		fid = NULL;
	rcu_read_unlock();
	return fid;
}

static void v9p_fid_free(struct v9p_fid *fid)
{
	if (fid->file) {
		v9p_release_locks(fid);
		v9p_fput(fid->file);
	}
	path_put(&fid->path);
	xa_destroy(&fid->lock_owners);
	kfree(fid->xattr_name);
	kvfree(fid->xattr_value);
	kfree_rcu(fid, rcu);
}

/**
 * v9p_fid_put() - drop a reference taken by v9p_fid_get()/v9p_fid_create()
 * @fid: the fid
 */
void v9p_fid_put(struct v9p_fid *fid)
{
	if (refcount_dec_and_test(&fid->ref))
		v9p_fid_free(fid);
}

static struct v9p_fid *v9p_fid_alloc(struct v9p_server *srv, u32 id,
				     const struct path *path, u32 uid)
{
	struct v9p_fid *fid;

	fid = kzalloc(sizeof(*fid), GFP_KERNEL_ACCOUNT);
	if (!fid)
		return NULL;
	refcount_set(&fid->ref, 2);
	fid->srv = srv;
	fid->id = id;
	fid->kind = V9P_FID_PATH;
	fid->uid = uid;
	fid->path = *path;
	path_get(&fid->path);
	mutex_init(&fid->lock);
	xa_init(&fid->lock_owners);
	return fid;
}

/* Free a fid that never made it into the table, and what it was given. */
static void v9p_fid_discard(struct v9p_fid *fid)
{
	atomic_long_sub(fid->xattr_charged, &fid->srv->session.xattr_bytes);
	kvfree(fid->xattr_value);
	kfree(fid->xattr_name);
	path_put(&fid->path);
	kfree(fid);
}

/**
 * v9p_fid_new() - a fid naming @path, not yet in the table
 * @srv: the server
 * @id: the guest's number for it
 * @path: what it names (the fid takes its own reference)
 * @uid: the user the guest acts for through it
 *
 * For a fid that needs more than a path before the guest may use it (an
 * attribute's value): set it up, then v9p_fid_publish() it.
 *
 * Return: the fid, or ERR_PTR(-ENOMEM).
 */
struct v9p_fid *v9p_fid_new(struct v9p_server *srv, u32 id,
			    const struct path *path, u32 uid)
{
	return v9p_fid_alloc(srv, id, path, uid) ?: ERR_PTR(-ENOMEM);
}

/**
 * v9p_fid_publish() - add a fid from v9p_fid_new() to the table
 * @srv: the server
 * @fid: the fid, whole: requests may use it from now on
 *
 * Return: @fid with a reference for the caller, or ERR_PTR(): -EINVAL for
 * NOFID, -EEXIST if its number is in use, -EMFILE if the guest holds the
 * most fids the export allows, -ENOMEM.  On error @fid, and the attribute
 * value and charge it was given, are gone.
 */
struct v9p_fid *v9p_fid_publish(struct v9p_server *srv, struct v9p_fid *fid)
{
	int ret;

	ret = -EINVAL;
	if (fid->id == P9_NOFID)
		goto err_discard;
	ret = -EMFILE;
	if (atomic_inc_return(&srv->session.nr_fids) > srv->export.max_fids)
		goto err_count;
	ret = xa_insert(&srv->session.fids, fid->id, fid, GFP_KERNEL_ACCOUNT);
	if (ret) {
		if (ret == -EBUSY)
			ret = -EEXIST;
		goto err_count;
	}
	return fid;

err_count:
	atomic_dec(&srv->session.nr_fids);
err_discard:
	v9p_fid_discard(fid);
	return ERR_PTR(ret);
}

/**
 * v9p_fid_create() - add a fid naming @path to the table
 * @srv: the server
 * @id: the guest's number for it, which must be free
 * @path: what it names (the fid takes its own reference)
 * @uid: the user the guest acts for through it
 *
 * Return: the new fid with a reference for the caller, or ERR_PTR() as
 * v9p_fid_publish().
 */
struct v9p_fid *v9p_fid_create(struct v9p_server *srv, u32 id,
			       const struct path *path, u32 uid)
{
	struct v9p_fid *fid = v9p_fid_new(srv, id, path, uid);

	return IS_ERR(fid) ? fid : v9p_fid_publish(srv, fid);
}

/* A fid left the table: its attribute value no longer counts. */
static void v9p_fid_uncharge(struct v9p_server *srv, struct v9p_fid *fid)
{
	atomic_long_sub(fid->xattr_charged, &srv->session.xattr_bytes);
}

/**
 * v9p_fid_replace() - make the number of @old name @path instead
 * @srv: the server
 * @old: a path fid, held by the caller
 * @path: what the number names from now on
 *
 * A Twalk whose newfid is its fid.  The new fid takes @old's place in one
 * step once it exists, so a failure leaves the guest's fid as it was.
 *
 * Return: the new fid with a reference for the caller, or ERR_PTR():
 * -EBADF if @old left the table meanwhile (a racing Tclunk), -ENOMEM.
 */
struct v9p_fid *v9p_fid_replace(struct v9p_server *srv, struct v9p_fid *old,
				const struct path *path)
{
	struct v9p_fid *fid, *prev;

	fid = v9p_fid_alloc(srv, old->id, path, old->uid);
	if (!fid)
		return ERR_PTR(-ENOMEM);
	prev = xa_cmpxchg(&srv->session.fids, old->id, old, fid, GFP_KERNEL_ACCOUNT);
	if (prev != old) {
		v9p_fid_discard(fid);
		return ERR_PTR(xa_is_err(prev) ? xa_err(prev) : -EBADF);
	}
	v9p_fid_uncharge(srv, old);
	v9p_fid_put(old);
	return fid;
}

/**
 * v9p_fid_remove() - take a fid out of the table, as Tclunk and Tremove do
 * @srv: the server
 * @id: the guest's fid number
 *
 * Requests still using the fid keep it until they finish.
 *
 * Return: the fid, with the table's reference, which the caller drops with
 * v9p_fid_put(); NULL if there is no such fid.
 */
struct v9p_fid *v9p_fid_remove(struct v9p_server *srv, u32 id)
{
	struct v9p_fid *fid;

	fid = xa_erase(&srv->session.fids, id);
	if (!fid)
		return NULL;
	atomic_dec(&srv->session.nr_fids);
	v9p_fid_uncharge(srv, fid);
	return fid;
}

/**
 * v9p_fid_clunk_all() - drop every fid, as on Tversion or device reset
 * @srv: the server
 */
void v9p_fid_clunk_all(struct v9p_server *srv)
{
	struct v9p_fid *fid;
	unsigned long id;

	xa_for_each(&srv->session.fids, id, fid) {
		fid = v9p_fid_remove(srv, id);
		if (fid)
			v9p_fid_put(fid);
		/* A guest may hold a million fids, each an open file. */
		cond_resched();
	}
}

/**
 * v9p_session_reset() - end the session: drop every fid, forget the msize
 * @srv: the server
 *
 * Called where requests are served (Tversion), with the export's
 * credentials; from anywhere else, see v9p_session_end().
 */
void v9p_session_reset(struct v9p_server *srv)
{
	v9p_fid_clunk_all(srv);
	srv->session.msize = 0;
}

static void end_session(void *srv)
{
	v9p_session_reset(srv);
}

/**
 * v9p_session_end() - end the session from outside the worker
 * @srv: the server, stopped: no request in flight
 *
 * For the device's owner giving it up (VHOST_RESET_OWNER, close) or
 * replacing the export: the fids go in a kworker (v9p_run_in_kworker()),
 * so that their locks are released whatever signal the VMM got, with the
 * export's credentials.
 */
void v9p_session_end(struct v9p_server *srv)
{
	v9p_run_in_kworker(srv, end_session, srv);
}
