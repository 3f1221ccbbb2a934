/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost9p-ctl: what the commands share.
 */
#ifndef _VHOST9P_CTL_H
#define _VHOST9P_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DEV_PATH "/dev/vhost-9p"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses: a failure, and a command line that makes no sense. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

int open_device(void);
bool fd_not_eventfd(int fd, char *what, size_t len);
const char *device_fix(int err);
void attach_help(FILE *out);
int cmd_attach(int argc, char **argv);
struct vhost_9p_export;
int vhost_user_serve(const char *socket, int dev, const struct vhost_9p_export *exp,
		     const char *path);
int cmd_status(int argc, char **argv);
int cmd_counters(int argc, char **argv);

#endif /* _VHOST9P_CTL_H */
