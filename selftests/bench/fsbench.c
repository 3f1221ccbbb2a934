// SPDX-License-Identifier: GPL-2.0
/*
 * fsbench: the workloads of `make bench` that no standard tool does the
 * same way over every file system: small-file churn, random reads at a
 * given number of parallel readers, and stat latency with many files open.
 * Each prints "name value unit" lines that bench.sh collects.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

/* create DIR N SIZE: create N files of SIZE bytes, then delete them. */
static int create_delete(const char *dir, long n, long size)
{
	char path[4096], *buf = calloc(1, size ? size : 1);
	double t0, t1, t2;
	long i;

	if (!buf)
		die("calloc", NULL);
	memset(buf, 'x', size);
	t0 = now();
	for (i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/churn-%06ld", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create", path);
		if (size && write(fd, buf, size) != size)
			die("write", path);
		if (close(fd))
			die("close", path);
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/churn-%06ld", dir, i);
		if (unlink(path))
			die("unlink", path);
	}
	t2 = now();
	printf("create_write %.4f s\n", t1 - t0);
	printf("delete %.4f s\n", t2 - t1);
	printf("create_write_delete %.4f s\n", t2 - t0);
	free(buf);
	return 0;
}

struct reader {
	const char *path;
	long bs, count;
	off_t blocks;
	unsigned int seed;
	double seconds;
};

static void *read_random(void *arg)
{
	struct reader *r = arg;
	char *buf = malloc(r->bs);
	double t0;
	long i;
	int fd;

	fd = open(r->path, O_RDONLY);
	if (fd < 0 || !buf)
		die("open", r->path);
	t0 = now();
	for (i = 0; i < r->count; i++) {
		off_t block = rand_r(&r->seed) % r->blocks;

		if (pread(fd, buf, r->bs, block * r->bs) != r->bs)
			die("pread", r->path);
	}
	r->seconds = now() - t0;
	close(fd);
	free(buf);
	return NULL;
}

/*
 * randread FILE BS COUNT READERS: READERS threads, each with its own open
 * file, each reading COUNT blocks of BS bytes at random aligned offsets,
 * one at a time (queue depth 1 each).
 */
static int randread(const char *path, long bs, long count, int readers)
{
	struct reader r[64];
	pthread_t t[64];
	struct stat st;
	double t0, wall;
	int i;

	if (readers < 1 || readers > 64 || bs < 1)
		return fprintf(stderr, "fsbench: 1 to 64 readers, BS > 0\n"), 2;
	if (stat(path, &st))
		die("stat", path);
	if (st.st_size < bs)
		return fprintf(stderr, "fsbench: %s is smaller than one block\n", path), 1;
	t0 = now();
	for (i = 0; i < readers; i++) {
		r[i] = (struct reader){ path, bs, count, st.st_size / bs, 1234 + i, 0 };
		if (pthread_create(&t[i], NULL, read_random, &r[i]))
			die("pthread_create", NULL);
	}
	for (i = 0; i < readers; i++)
		pthread_join(t[i], NULL);
	wall = now() - t0;
	printf("iops %.1f /s\n", readers * count / wall);
	printf("latency_mean %.2f us\n", r[0].seconds / count * 1e6);
	return 0;
}

/*
 * fids DIR OPEN STATS: open the files DIR/f000000 .. (OPEN of them; made
 * if missing), keep them open, then time STATS fstat()s spread over the
 * first 100 of them.  Over 9P with cache=none each fstat is a Tgetattr on
 * a fid looked up among OPEN others; the same 100 files whatever OPEN is,
 * so that only the number of fids changes, not the working set.
 */
#define FIDS_TOUCHED 100
static int fids(const char *dir, long nopen, long nstat)
{
	struct rlimit rl = { nopen + 64, nopen + 64 };
	char path[4096];
	struct stat st;
	double t0, best = 1e9;
	long touched = nopen < FIDS_TOUCHED ? nopen : FIDS_TOUCHED;
	int *fds, round;
	long i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit", NULL);
	fds = calloc(nopen, sizeof(*fds));
	if (!fds)
		die("calloc", NULL);
	for (i = 0; i < nopen; i++) {
		snprintf(path, sizeof(path), "%s/f%06ld", dir, i);
		fds[i] = open(path, O_RDONLY | O_CREAT, 0644);
		if (fds[i] < 0)
			die("open", path);
	}
	/* The best of three rounds: a round is long enough to be stable. */
	for (round = 0; round < 3; round++) {
		t0 = now();
		for (i = 0; i < nstat; i++)
			if (fstat(fds[(i * 7919) % touched], &st))
				die("fstat", dir);
		if (now() - t0 < best)
			best = now() - t0;
	}
	printf("open_files %ld\n", nopen);
	printf("fstat_latency %.2f us\n", best / nstat * 1e6);
	for (i = 0; i < nopen; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "create"))
		return create_delete(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "randread"))
		return randread(argv[2], atol(argv[3]), atol(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "fids"))
		return fids(argv[2], atol(argv[3]), atol(argv[4]));
	fprintf(stderr,
		"usage: fsbench create DIR FILES SIZE\n"
		"       fsbench randread FILE BLOCKSIZE COUNT READERS\n"
		"       fsbench fids DIR OPEN-FILES FSTATS\n");
	return 2;
}
