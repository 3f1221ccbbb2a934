// SPDX-License-Identifier: GPL-2.0
/*
 * vhost9p-ctl status: every open /dev/vhost-9p on the host, from /proc:
 * the process holding it, and what the device's fdinfo says it serves.
 *
 * vhost9p-ctl stats PID[:FD]: the counters of one device, read with
 * VHOST_9P_GET_STATS on a copy of the holder's descriptor (pidfd_getfd,
 * which needs ptrace access to it): requests, errors, bytes, and per
 * T-message the count and mean server time, and the server-time
 * histogram.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/vhost_9p.h>

#include "vhost9p-ctl.h"
#include "protocol.h"

struct holder {
	int pid;
	int fd;
};

/* Called for each holder; a non-zero return ends the walk. */
typedef int (*holder_fn)(const struct holder *h, void *arg);

/* Call @fn for every descriptor of every process that is /dev/vhost-9p. */
static int walk_holders(holder_fn fn, void *arg)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *p, *f;
	DIR *proc, *fds;
	int found = 0;
	ssize_t n;

	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((p = readdir(proc))) {
		struct holder h = { .pid = atoi(p->d_name) };

		if (h.pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", h.pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", h.pid, f->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, DEV_PATH))
				continue;
			h.fd = atoi(f->d_name);
			found++;
			if (fn(&h, arg)) {
				closedir(fds);
				closedir(proc);
				return found;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* One "vhost-9p-KEY:\tvalue" line of a device's fdinfo, or "-". */
static void fdinfo_value(const char *fdinfo, const char *key, char *val, size_t size)
{
	const char *line = fdinfo;
	size_t klen = strlen(key);

	snprintf(val, size, "-");
	while (line && *line) {
		if (!strncmp(line, "vhost-9p-", 9) && !strncmp(line + 9, key, klen) &&
		    line[9 + klen] == ':') {
			const char *v = line + 9 + klen + 1;
			size_t len;

			v += strspn(v, "\t ");
			len = strcspn(v, "\n");
			snprintf(val, size, "%.*s", (int)(len < size ? len : size - 1), v);
			return;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static int print_holder(const struct holder *h, void *arg)
{
	char path[64], comm[64] = "?", fdinfo[8192], tag[64], dir[PATH_MAX], model[32];
	char running[8], fids[16], maxfids[16], inflight[16], requests[32], nfids[40];
	FILE *f;
	size_t n;

	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/comm", h->pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", h->pid, h->fd);
	f = fopen(path, "r");
	n = f ? fread(fdinfo, 1, sizeof(fdinfo) - 1, f) : 0;
	if (f)
		fclose(f);
	fdinfo[n] = '\0';
	fdinfo_value(fdinfo, "tag", tag, sizeof(tag));
	fdinfo_value(fdinfo, "path", dir, sizeof(dir));
	fdinfo_value(fdinfo, "model", model, sizeof(model));
	fdinfo_value(fdinfo, "running", running, sizeof(running));
	fdinfo_value(fdinfo, "fids", fids, sizeof(fids));
	fdinfo_value(fdinfo, "max-fids", maxfids, sizeof(maxfids));
	fdinfo_value(fdinfo, "inflight", inflight, sizeof(inflight));
	fdinfo_value(fdinfo, "requests", requests, sizeof(requests));
	snprintf(nfids, sizeof(nfids), "%s/%s", fids, maxfids);
	printf("%-8d %-4d %-15s %-12s %-12s %-3s %14s %8s %10s  %s\n", h->pid, h->fd, comm,
	       tag, model, !strcmp(running, "1") ? "yes" : !strcmp(running, "0") ? "no" : "-",
	       strcmp(fids, "-") ? nfids : "-", inflight, requests, dir);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	int found;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: vhost9p-ctl status\n");
		return EXIT_USAGE;
	}
	printf("%-8s %-4s %-15s %-12s %-12s %-3s %14s %8s %10s  %s\n", "PID", "FD", "COMMAND",
	       "TAG", "MODEL", "RUN", "FIDS", "INFLIGHT", "REQUESTS", "PATH");
	found = walk_holders(print_holder, NULL);
	if (found < 0) {
		fprintf(stderr, "vhost9p-ctl: /proc: %s\n", strerror(-found));
		return EXIT_FAIL;
	}
	if (!found && geteuid())
		fprintf(stderr, "vhost9p-ctl: no device found; %s\n",
			"other users' processes show only to root");
	return 0;
}

static int first_holder(const struct holder *h, void *arg)
{
	struct holder *want = arg;

	if (want->pid && h->pid != want->pid)
		return 0;
	*want = *h;
	return 1;
}

int cmd_counters(int argc, char **argv)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };
	struct holder h = { 0, -1 };
	int pidfd, fd, found, i, width = 0;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: vhost9p-ctl stats PID[:FD]   %s\n",
			"(vhost9p-ctl status lists them)");
		return EXIT_USAGE;
	}
	h.pid = strtol(argv[1], &end, 10);
	if (*end == ':')
		h.fd = strtol(end + 1, &end, 10);
	if (*end || h.pid <= 0) {
		fprintf(stderr, "vhost9p-ctl: stats: '%s' is not PID or PID:FD\n", argv[1]);
		return EXIT_USAGE;
	}
	/* The walk counts every process's devices: only h.fd says it found @pid's. */
	if (h.fd < 0) {
		found = walk_holders(first_holder, &h);
		if (found < 0) {
			fprintf(stderr, "vhost9p-ctl: /proc: %s\n", strerror(-found));
			return EXIT_FAIL;
		}
	}
	if (h.fd < 0) {
		fprintf(stderr, "vhost9p-ctl: process %d holds no %s %s\n", h.pid, DEV_PATH,
			"(vhost9p-ctl status lists those that do)");
		return EXIT_FAIL;
	}
	pidfd = syscall(SYS_pidfd_open, h.pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "vhost9p-ctl: process %d: %s\n", h.pid, strerror(errno));
		return EXIT_FAIL;
	}
	fd = syscall(SYS_pidfd_getfd, pidfd, h.fd, 0);
	close(pidfd);
	if (fd < 0) {
		fprintf(stderr, "vhost9p-ctl: descriptor %d of process %d: %s%s\n", h.fd, h.pid,
			strerror(errno), errno == EPERM ?
			"; reading another process's device needs ptrace access: run as root" : "");
		return EXIT_FAIL;
	}
	if (ioctl(fd, VHOST_9P_GET_STATS, &st)) {
		fprintf(stderr, "vhost9p-ctl: descriptor %d of process %d: %s%s\n", h.fd, h.pid,
			strerror(errno), errno == ENOTTY ? " (not a vhost-9p device)" : "");
		close(fd);
		return EXIT_FAIL;
	}
	close(fd);

	printf("process %d, descriptor %d\n", h.pid, h.fd);
	printf("msize %u, fids %u of %u\n", st.msize, st.fids, st.max_fids);
	printf("requests %llu, errors %llu, unparseable %llu\n",
	       (unsigned long long)st.requests, (unsigned long long)st.errors,
	       (unsigned long long)st.bad_requests);
	printf("read %llu bytes, written %llu bytes\n",
	       (unsigned long long)st.read_bytes, (unsigned long long)st.write_bytes);
	if (st.size < offsetof(struct vhost_9p_stats, latency_hist) +
		      sizeof(st.latency_hist)) {
		printf("(this kernel's module keeps no server times)\n");
		return 0;
	}
	printf("\n%-14s %12s %16s\n", "message", "count", "mean server us");
	for (i = 0; i < VHOST_9P_MSG_TYPES; i++) {
		const char *name = v9p_msg_name(i);
		char other[16];

		if (!st.msg_count[i])
			continue;
		if (!strcmp(name, "unknown")) {
			snprintf(other, sizeof(other), "type %d", i);
			name = other;
		}
		printf("%-14s %12llu %16.1f\n", name,
		       (unsigned long long)st.msg_count[i],
		       st.msg_time_ns[i] / 1000.0 / st.msg_count[i]);
	}
	printf("\n%-22s %12s\n", "server time", "requests");
	for (i = 0; i < VHOST_9P_LATENCY_BUCKETS; i++)
		if (st.latency_hist[i])
			width = i + 1;
	for (i = 0; i < width; i++) {
		char range[32];

		if (i == 0)
			snprintf(range, sizeof(range), "< 1 us");
		else if (i == VHOST_9P_LATENCY_BUCKETS - 1)
			snprintf(range, sizeof(range), ">= %llu us", 1ULL << (i - 1));
		else
			snprintf(range, sizeof(range), "%llu .. %llu us", 1ULL << (i - 1),
				 (1ULL << i) - 1);
		printf("%-22s %12llu\n", range, (unsigned long long)st.latency_hist[i]);
	}
	if (st.size >= offsetof(struct vhost_9p_stats, poll_window_ns) +
		       sizeof(st.poll_window_ns) &&
	    st.poll_hits + st.poll_misses)
		printf("\npolling: %llu caught a request, %llu in vain, %.1f ms, window %.1f us\n",
		       (unsigned long long)st.poll_hits, (unsigned long long)st.poll_misses,
		       st.poll_ns / 1e6, st.poll_window_ns / 1e3);
	return 0;
}
