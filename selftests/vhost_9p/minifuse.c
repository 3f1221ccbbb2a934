// SPDX-License-Identifier: GPL-2.0
/*
 * minifuse: the smallest FUSE server that grants POSIX locks (see
 * minifuse.h).  The root directory holds one regular file of 4096 zero
 * bytes; every FUSE_SETLK is logged and answered as minifuse_refuse() says,
 * and minifuse_hold() stops it reading requests until minifuse_resume().
 * It speaks the protocol of <linux/fuse.h> directly, so that the VM's
 * initramfs needs no libfuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "minifuse.h"

#define ROOT_ID		FUSE_ROOT_ID
#define FILE_ID		2
#define FILE_SIZE	4096
#define MAX_WRITE	(128 * 1024)

static void fill_attr(__u64 nodeid, struct fuse_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->ino = nodeid;
	attr->blksize = 4096;
	if (nodeid == ROOT_ID) {
		attr->mode = S_IFDIR | 0755;
		attr->nlink = 2;
	} else {
		attr->mode = S_IFREG | 0666;
		attr->nlink = 1;
		attr->size = FILE_SIZE;
		attr->blocks = FILE_SIZE / 512;
	}
}

static void reply(struct minifuse *fs, __u64 unique, int error, const void *arg, size_t len)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (error ? 0 : len), .error = -error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ &out, sizeof(out) }, { (void *)arg, error ? 0 : len },
	};

	/* The kernel may have given up on it (interrupted): nothing to do. */
	if (writev(fs->fd, iov, 2) < 0 && errno != ENOENT)
		fprintf(stderr, "minifuse: answering the kernel: %s\n", strerror(errno));
}

static void do_setlk(struct minifuse *fs, __u64 unique, const struct fuse_lk_in *in)
{
	struct minifuse_lock *l;
	int err = 0;

	pthread_mutex_lock(&fs->mutex);
	if (in->lk.type != F_UNLCK)
		err = fs->refuse;
	if (fs->nr_locks < MINIFUSE_MAX_LOCKS) {
		l = &fs->locks[fs->nr_locks++];
		l->owner = in->owner;
		l->start = in->lk.start;
		l->end = in->lk.end;
		l->type = in->lk.type;
		l->error = err;
	}
	pthread_mutex_unlock(&fs->mutex);
	reply(fs, unique, err, NULL, 0);
}

/* One request: @h, followed by its argument. */
static void serve(struct minifuse *fs, const struct fuse_in_header *h, const void *arg)
{
	static const char zeros[MAX_WRITE];

	switch (h->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *in = arg;
		struct fuse_init_out out = {
			.major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
			.max_readahead = in->max_readahead, .flags = FUSE_POSIX_LOCKS,
			.max_write = MAX_WRITE, .time_gran = 1,
		};

		reply(fs, h->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out out = { .nodeid = FILE_ID, .attr_valid = 1 };

		if (h->nodeid != ROOT_ID || strcmp(arg, "file")) {
			reply(fs, h->unique, ENOENT, NULL, 0);
			break;
		}
		fill_attr(FILE_ID, &out.attr);
		reply(fs, h->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out out = { .attr_valid = 1 };

		fill_attr(h->nodeid, &out.attr);
		reply(fs, h->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_out out = { .fh = h->nodeid };

		reply(fs, h->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_READ: {
		const struct fuse_read_in *in = arg;
		size_t n = 0;

		if (h->nodeid == FILE_ID && in->offset < FILE_SIZE)
			n = FILE_SIZE - in->offset;
		if (n > in->size)
			n = in->size;
		reply(fs, h->unique, 0, zeros, n);
		break;
	}
	case FUSE_READDIR:
		/* An empty listing: the tests walk to "file" by name. */
		reply(fs, h->unique, 0, NULL, 0);
		break;
	case FUSE_STATFS: {
		struct fuse_statfs_out out = { .st = { .bsize = 4096, .namelen = 255 } };

		reply(fs, h->unique, 0, &out, sizeof(out));
		/* minifuse_hold()'s: what comes next stays queued in the kernel. */
		pthread_mutex_lock(&fs->mutex);
		while (fs->hold)
			pthread_cond_wait(&fs->resume, &fs->mutex);
		pthread_mutex_unlock(&fs->mutex);
		break;
	}
	case FUSE_GETLK: {
		struct fuse_lk_out out = { .lk = { .type = F_UNLCK } };

		reply(fs, h->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_SETLK:
	case FUSE_SETLKW:
		do_setlk(fs, h->unique, arg);
		break;
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_ACCESS:
	case FUSE_FSYNC:
		reply(fs, h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		/* No reply. */
		break;
	default:
		reply(fs, h->unique, EOPNOTSUPP, NULL, 0);
		break;
	}
}

static void *server_thread(void *arg)
{
	static __u8 buf[MAX_WRITE + 4096];
	struct minifuse *fs = arg;
	ssize_t n;

	for (;;) {
		n = read(fs->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		/* ENODEV: unmounted. */
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			break;
		serve(fs, (struct fuse_in_header *)buf, buf + sizeof(struct fuse_in_header));
	}
	return NULL;
}

/**
 * minifuse_mount() - mount the server on @dir and start serving
 * @fs: the server
 * @dir: an empty directory
 *
 * Return: 0, -ENODEV for a kernel without FUSE, or another -errno.
 */
int minifuse_mount(struct minifuse *fs, const char *dir)
{
	char opts[128];
	int err;

	memset(fs, 0, sizeof(*fs));
	pthread_mutex_init(&fs->mutex, NULL);
	pthread_cond_init(&fs->resume, NULL);
	snprintf(fs->dir, sizeof(fs->dir), "%s", dir);
	fs->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fs->fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other",
		 fs->fd);
	if (mount("minifuse", dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		err = -errno;
		close(fs->fd);
		return err;
	}
	err = -pthread_create(&fs->thread, NULL, server_thread, fs);
	if (err) {
		umount2(dir, MNT_DETACH);
		close(fs->fd);
	}
	return err;
}

/**
 * minifuse_unmount() - unmount and stop the server
 * @fs: a server minifuse_mount() started
 */
void minifuse_unmount(struct minifuse *fs)
{
	minifuse_resume(fs);
	umount2(fs->dir, MNT_DETACH);
	/* Aborts the connection, which ends the thread's read with ENODEV. */
	close(fs->fd);
	pthread_join(fs->thread, NULL);
}

/**
 * minifuse_refuse() - answer lock requests with @err from now on
 * @fs: the server
 * @err: a positive errno, or 0 to grant them; unlocks always succeed
 */
void minifuse_refuse(struct minifuse *fs, int err)
{
	pthread_mutex_lock(&fs->mutex);
	fs->refuse = err;
	pthread_mutex_unlock(&fs->mutex);
}

/**
 * minifuse_locks() - the FUSE_SETLK requests answered so far
 * @fs: the server
 * @copy: filled with the first @max of them
 * @max: room in @copy
 *
 * Return: how many were answered.
 */
unsigned int minifuse_locks(struct minifuse *fs, struct minifuse_lock *copy, unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&fs->mutex);
	n = fs->nr_locks;
	memcpy(copy, fs->locks, (n < max ? n : max) * sizeof(*copy));
	pthread_mutex_unlock(&fs->mutex);
	return n;
}

/**
 * minifuse_hold() - stop reading requests: the kernel keeps them queued
 * @fs: the server
 *
 * A request the server has not read is one FUSE still may give up (a
 * caller with a fatal signal pending).  Returns once the server answered
 * a STATFS asked here and parked after it.
 *
 * Return: 0, or -errno of that statfs.
 */
int minifuse_hold(struct minifuse *fs)
{
	struct statfs st;

	pthread_mutex_lock(&fs->mutex);
	fs->hold = true;
	pthread_mutex_unlock(&fs->mutex);
	if (statfs(fs->dir, &st)) {
		minifuse_resume(fs);
		return -errno;
	}
	return 0;
}

/**
 * minifuse_resume() - read and answer requests again
 * @fs: the server
 */
void minifuse_resume(struct minifuse *fs)
{
	pthread_mutex_lock(&fs->mutex);
	fs->hold = false;
	pthread_cond_broadcast(&fs->resume);
	pthread_mutex_unlock(&fs->mutex);
}
