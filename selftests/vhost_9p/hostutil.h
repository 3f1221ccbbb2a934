/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kselftests do on the host side of the export: remove a tree,
 * read a file, time a request, hold a lock from another process, and the
 * fuzzers' random numbers.
 */
#ifndef _SELFTESTS_VHOST_9P_HOSTUTIL_H
#define _SELFTESTS_VHOST_9P_HOSTUTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>

void rm_tree(const char *dir);
ssize_t read_text(const char *path, char *buf, size_t size);
double now(void);
int module_refs(void);
int slow_factor(void);
int debug_kernel_factor(void);
void rng_seed(unsigned long long seed);
unsigned int rng_next(void);
unsigned int rng_below(unsigned int n);
unsigned long long fuzz_args(int argc, char **argv, const char *seconds_env,
			     unsigned long *seconds);

/*
 * V9P_HARNESS_MAIN: TEST_HARNESS_MAIN, with every test's time limit
 * multiplied by slow_factor(): the debug kernel of make check-debug runs
 * everything several times slower, and a limit it outgrows is no finding.
 * It walks the harness's own lists, as test_harness_run() does, and
 * exits rather than returns so that the macro holds no flow control.
 */
#define V9P_HARNESS_MAIN \
	int main(int argc, char **argv) \
	{ \
		struct __fixture_metadata *f; \
		struct __test_metadata *t; \
		int slow = slow_factor(); \
		\
		for (f = __fixture_list; f; f = f->next) \
			for (t = f->tests; t; t = t->next) \
				t->timeout *= slow; \
		exit(test_harness_run(argc, argv)); \
	}

/**
 * struct holder - a forked host process holding an fcntl() write lock
 * @pid: the process
 * @release_fd: closing it makes the process let go and exit
 */
struct holder {
	pid_t pid;
	int release_fd;
};

int host_hold_lock(const char *path, off_t start, off_t len, struct holder *h);
void host_release_lock(struct holder *h);

#endif /* _SELFTESTS_VHOST_9P_HOSTUTIL_H */
