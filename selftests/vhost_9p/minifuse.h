/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minifuse: a FUSE server of one file, spoken over /dev/fuse by a thread of
 * the test, for what only a file system with its own ->lock shows: FUSE
 * keeps no POSIX locks in the inode and sends each one to its server.
 */
#ifndef _SELFTESTS_VHOST_9P_MINIFUSE_H
#define _SELFTESTS_VHOST_9P_MINIFUSE_H

#include <linux/types.h>
#include <pthread.h>
#include <stdbool.h>

#define MINIFUSE_MAX_LOCKS	64

/* One FUSE_SETLK the server answered. */
struct minifuse_lock {
	__u64 owner;		/* FUSE's lock owner id */
	__u64 start, end;
	__u32 type;		/* F_RDLCK, F_WRLCK or F_UNLCK */
	int error;		/* what the server answered */
};

struct minifuse {
	int fd;			/* /dev/fuse */
	char dir[512];		/* where it is mounted, holding "file" */
	pthread_t thread;
	pthread_mutex_t mutex;	/* guards what follows */
	struct minifuse_lock locks[MINIFUSE_MAX_LOCKS];
	unsigned int nr_locks;
	int refuse;		/* errno for lock requests, 0 to grant them */
	bool hold;		/* read nothing more after answering a STATFS */
	pthread_cond_t resume;	/* signalled when hold is cleared */
};

int minifuse_mount(struct minifuse *fs, const char *dir);
void minifuse_unmount(struct minifuse *fs);
void minifuse_refuse(struct minifuse *fs, int err);
unsigned int minifuse_locks(struct minifuse *fs, struct minifuse_lock *copy, unsigned int max);
int minifuse_hold(struct minifuse *fs);
void minifuse_resume(struct minifuse *fs);

#endif /* _SELFTESTS_VHOST_9P_MINIFUSE_H */
