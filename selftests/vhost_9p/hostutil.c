// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side helpers shared by the kselftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostutil.h"

/* By descriptor, so that a tree deeper than PATH_MAX goes too. */
static void rm_at(int dfd, const char *name)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(dfd, name, 0);
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rm_at(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/**
 * rm_tree() - remove @dir and everything below it, as far as it can
 * @dir: the directory
 */
void rm_tree(const char *dir)
{
	rm_at(AT_FDCWD, dir);
}

/**
 * read_text() - read a file's contents into @buf, NUL-terminated
 * @path: the file
 * @buf: where to
 * @size: its size, the NUL included
 *
 * Return: the number of bytes read, or -errno.
 */
ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/**
 * module_refs() - how many references hold vhost_9p: one per open device
 *
 * Return: the module's reference count, or -1 if it is not loaded.
 */
int module_refs(void)
{
	char buf[32];

	if (read_text("/sys/module/vhost_9p/refcnt", buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

/**
 * now() - the monotonic clock, in seconds
 *
 * Return: the time.
 */
/**
 * slow_factor() - how many times its usual time a test may take
 *
 * Return: $V9P_SLOW (set by the VM harness on a debug kernel), else 1.
 */
int slow_factor(void)
{
	const char *s = getenv("V9P_SLOW");
	int n = s ? atoi(s) : 1;

	return n > 1 && n <= 100 ? n : 1;
}

/**
 * debug_kernel_factor() - how much more memory each allocation takes here
 *
 * Return: 2 on a kernel with kmemleak (the debug kernel of make
 * check-debug, where KASAN's redzones and kmemleak's record ride on every
 * allocation), else 1.
 */
int debug_kernel_factor(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) ? 1 : 2;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * host_hold_lock() - fork a process that takes a write lock and holds it
 * @path: the file to lock
 * @start: the start of the range
 * @len: its length (0: to the end of the file, however far it grows)
 * @h: filled in with the process, for host_release_lock()
 *
 * Return: 0 once the lock is held, or -errno (-EIO: the process could not
 * take it).
 */
int host_hold_lock(const char *path, off_t start, off_t len, struct holder *h)
{
	int ready[2], release[2];
	char ok = 0;
	pid_t pid;

	if (pipe(ready))
		return -errno;
	if (pipe(release))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct flock fl = {
			.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len,
		};
		int fd = open(path, O_RDWR);

		close(release[1]);
		ok = fd >= 0 && !fcntl(fd, F_SETLK, &fl);
		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		/* Hold it until the parent closes its end. */
		if (read(release[0], &ok, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	h->pid = pid;
	h->release_fd = release[1];
	if (read(ready[0], &ok, 1) != 1 || !ok) {
		close(ready[0]);
		return -EIO;
	}
	close(ready[0]);
	return 0;
}

/**
 * host_release_lock() - let the lock of host_hold_lock() go, and reap its process
 * @h: the holder
 */
void host_release_lock(struct holder *h)
{
	close(h->release_fd);
	waitpid(h->pid, NULL, 0);
}

/*
 * The fuzzers' random numbers: xorshift64*, fast, and the same sequence
 * for the same seed, so that a printed seed replays a run.
 */
static unsigned long long rng_state = 1;

/**
 * rng_seed() - start the sequence rng_next() returns
 * @seed: any number but 0
 */
void rng_seed(unsigned long long seed)
{
	rng_state = seed ?: 1;
}

/**
 * rng_next() - the next number of the sequence
 *
 * Return: 32 random bits.
 */
unsigned int rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 2685821657736338717ULL) >> 32;
}

/**
 * rng_below() - a random number below @n
 * @n: the bound
 *
 * Return: 0..@n-1, or 0 for @n 0.
 */
unsigned int rng_below(unsigned int n)
{
	return n ? rng_next() % n : 0;
}

/**
 * fuzz_args() - a fuzzer's command line: [--seconds N] [--seed N]
 * @argc: main()'s
 * @argv: main()'s
 * @seconds_env: the variable that sets the default time
 * @seconds: the default time; set to the time to run
 *
 * Seeds rng_next() with --seed, or with a fresh seed, which it returns so
 * that the run can print it: the same seed replays the same run.
 *
 * Return: the seed.
 */
unsigned long long fuzz_args(int argc, char **argv, const char *seconds_env,
			     unsigned long *seconds)
{
	unsigned long long seed = 0;
	const char *env = getenv(seconds_env);
	int i;

	if (env)
		*seconds = strtoul(env, NULL, 0);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			*seconds = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
	}
	if (!seed)
		seed = (unsigned long long)time(NULL) << 16 ^ getpid();
	rng_seed(seed);
	return seed;
}
