// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_client DIR MODE N: what the end-to-end guest does on a 9p mount that
 * busybox cannot: extended attributes, POSIX and BSD locks, shared mmap
 * writes, a sparse file past 4 GiB, O_DIRECT, copy_file_range, SEEK_DATA
 * and SEEK_HOLE, fallocate, a directory of 10,000 entries, a file used
 * after unlink, timestamps, ownership.  Runs in the second-level
 * guest, on the real Linux 9p client mounted with cache=MODE; prints KTAP
 * lines ("ok N what") numbered after N, and leaves files the host checks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/*
 * The cases main() reports, announced by "e2e_client --plan" before a run,
 * so that a run that dies is missing cases its caller counts as failed.
 */
#define E2E_CASES	35
#define GIB		(1024LL * 1024 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MANY		10000

static int n;
static const char *dir;

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" # errno %d (%s)", errno, strerror(errno));
	printf("\n");
	fflush(stdout);
}

/* DIR/NAME; two buffers, so that rename(at(a), at(b)) works. */
static const char *at(const char *name)
{
	static char paths[2][4096];
	static int next;
	char *path = paths[next++ % 2];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	return path;
}

/* The xattr cases, each skipped for REASON. */
static const char *const xattr_cases[] = {
	"setxattr user.*", "getxattr reads it back", "listxattr lists it",
	"setxattr a second one", "removexattr removes it", "trusted.* is refused",
};

/*
 * E2E_NO_USER_XATTRS=REASON: the export's file system has no user.*
 * xattrs (the caller knows which: tmpfs before 6.6).  The first case
 * checks that setxattr says so (EOPNOTSUPP); the rest are skipped for
 * REASON, which the harness must list as allowed.
 */
static void xattrs(void)
{
	const char *no_xattrs = getenv("E2E_NO_USER_XATTRS");
	char value[64] = {}, list[256] = {};
	ssize_t len;
	size_t i;

	close(open(at("xattr"), O_CREAT | O_WRONLY, 0644));
	if (no_xattrs) {
		report(setxattr(at("xattr"), "user.vhost9p", "value-1", 7, 0) < 0 &&
		       errno == EOPNOTSUPP, "setxattr user.* is EOPNOTSUPP (%s)", no_xattrs);
		for (i = 1; i < ARRAY_SIZE(xattr_cases); i++)
			printf("ok %d %s # SKIP %s\n", ++n, xattr_cases[i], no_xattrs);
		return;
	}
	report(!setxattr(at("xattr"), "user.vhost9p", "value-1", 7, 0), "%s", xattr_cases[0]);
	len = getxattr(at("xattr"), "user.vhost9p", value, sizeof(value));
	report(len == 7 && !memcmp(value, "value-1", 7), "%s", xattr_cases[1]);
	len = listxattr(at("xattr"), list, sizeof(list));
	report(len > 0 && memmem(list, len, "user.vhost9p", 12), "%s", xattr_cases[2]);
	report(!setxattr(at("xattr"), "user.kept", "kept", 4, 0), "%s", xattr_cases[3]);
	report(!removexattr(at("xattr"), "user.vhost9p") &&
	       getxattr(at("xattr"), "user.vhost9p", value, sizeof(value)) < 0 &&
	       errno == ENODATA, "%s", xattr_cases[4]);
	report(setxattr(at("xattr"), "trusted.vhost9p", "x", 1, 0) < 0, "%s", xattr_cases[5]);
}

static void locks(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 100 };
	int fd = open(at("locked"), O_CREAT | O_RDWR, 0644);
	int status = -1;
	pid_t pid;

	report(fd >= 0 && !fcntl(fd, F_SETLK, &fl), "fcntl F_SETLK write lock");
	pid = fork();
	if (pid == 0) {
		int fd2 = open(at("locked"), O_RDWR);
		struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };

		if (fd2 < 0 || fcntl(fd2, F_GETLK, &probe))
			_exit(2);
		/* Another process sees the lock, and cannot take it. */
		_exit(probe.l_type == F_WRLCK && probe.l_pid == getppid() &&
		      fcntl(fd2, F_SETLK, &probe) < 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	report(WIFEXITED(status) && !WEXITSTATUS(status),
	       "another process sees the fcntl lock and cannot take it");
	pid = fork();
	if (pid == 0) {
		struct flock wait = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 100 };
		int fd2 = open(at("locked"), O_RDWR);
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (fd2 < 0 || fcntl(fd2, F_SETLKW, &wait))
			_exit(2);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* It waited for the unlock, a second after the fork. */
		_exit((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 500 ?
		      0 : 1);
	}
	sleep(1);
	fl.l_type = F_UNLCK;
	report(!fcntl(fd, F_SETLK, &fl), "fcntl unlock");
	status = -1;
	waitpid(pid, &status, 0);
	report(WIFEXITED(status) && !WEXITSTATUS(status),
	       "F_SETLKW of another process waits for the lock, and gets it once unlocked");
	report(!flock(fd, LOCK_EX | LOCK_NB) && !flock(fd, LOCK_UN), "flock");
	close(fd);
}

static void mmap_write(const char *mode)
{
	int fd = open(at("mapped"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	char buf[8192];
	char *p;

	if (fd < 0 || ftruncate(fd, 8192)) {
		report(0, "mmap: create");
		return;
	}
	if (!strcmp(mode, "none")) {
		/* Without a page cache the client maps read-only, as with QEMU. */
		p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		report(p == MAP_FAILED && errno == EINVAL,
		       "cache=none refuses a shared writable mapping");
		p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
		report(p != MAP_FAILED && !munmap(p, 8192), "a private mapping works");
		close(fd);
		return;
	}
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report(0, "mmap MAP_SHARED");
		close(fd);
		return;
	}
	memset(p, 'm', 8192);
	memcpy(p + 4096, "written through mmap", 20);
	report(!msync(p, 8192, MS_SYNC) && !munmap(p, 8192), "mmap write and msync");
	report(pread(fd, buf, sizeof(buf), 0) == 8192 &&
	       !memcmp(buf + 4096, "written through mmap", 20), "read sees the mmap write");
	close(fd);
}

static void sparse_past_4g(void)
{
	int fd = open(at("sparse"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	char buf[16] = {};
	struct stat st;

	report(fd >= 0 && pwrite(fd, "past 4 GiB", 10, 5 * GIB) == 10,
	       "write at 5 GiB into a sparse file");
	report(!fstat(fd, &st) && st.st_size == 5 * GIB + 10, "its size is 5 GiB + 10");
	report(pread(fd, buf, 10, 5 * GIB) == 10 && !memcmp(buf, "past 4 GiB", 10),
	       "read back at 5 GiB");
	report(pread(fd, buf, 4, 4 * GIB) == 4 && !memcmp(buf, "\0\0\0\0", 4),
	       "the hole reads as zeros");
	close(fd);
}

/*
 * I/O the client has no 9P message of its own for.  O_DIRECT goes to
 * Tread and Twrite straight from the caller's pages, copy_file_range is
 * spliced through them by the VFS.  The client answers SEEK_DATA and
 * SEEK_HOLE from the file's size alone (all data, one hole at the end),
 * and has no fallocate (9P2000.L has no message for it): EOPNOTSUPP, and
 * posix_fallocate() writes the zeros instead.
 */
static void file_io(void)
{
	const size_t len = 256 * 1024 + 4096;
	off_t from = 4096, to = 0, size = 5 * GIB + 10;
	ssize_t copied = 0, done;
	char *out = NULL, *in = NULL;
	int fd, src, dst, ok;
	size_t i;

	if (posix_memalign((void **)&out, 4096, len) || posix_memalign((void **)&in, 4096, len)) {
		report(0, "O_DIRECT: aligned buffers");
		return;
	}
	for (i = 0; i < len; i++)
		out[i] = i * 7 + (i >> 12);
	fd = open(at("direct"), O_CREAT | O_RDWR | O_TRUNC | O_DIRECT, 0644);
	report(fd >= 0 && pwrite(fd, out, len, 0) == (ssize_t)len,
	       "O_DIRECT write of %zu bytes", len);
	report(fd >= 0 && pread(fd, in, len, 0) == (ssize_t)len && !memcmp(in, out, len),
	       "O_DIRECT read gets them back");
	close(fd);

	src = open(at("direct"), O_RDONLY);
	dst = open(at("copied"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	while (src >= 0 && dst >= 0 && copied < (ssize_t)(len - 4096)) {
		done = copy_file_range(src, &from, dst, &to, len - 4096 - copied, 0);
		if (done <= 0)
			break;
		copied += done;
	}
	memset(in, 0, len);
	report(copied == (ssize_t)(len - 4096) &&
	       pread(dst, in, len - 4096, 0) == (ssize_t)(len - 4096) &&
	       !memcmp(in, out + 4096, len - 4096),
	       "copy_file_range copies %zu bytes from offset 4096 intact", len - 4096);
	close(src);
	close(dst);

	fd = open(at("sparse"), O_RDONLY);
	report(fd >= 0 && lseek(fd, 0, SEEK_DATA) == 0 && lseek(fd, 0, SEEK_HOLE) == size &&
	       lseek(fd, 4 * GIB, SEEK_DATA) == 4 * GIB,
	       "SEEK_DATA and SEEK_HOLE: data up to the size, the hole at the end");
	report(fd >= 0 && lseek(fd, size, SEEK_DATA) < 0 && errno == ENXIO,
	       "SEEK_DATA at the end is ENXIO");
	close(fd);

	fd = open(at("allocated"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	report(fd >= 0 && fallocate(fd, 0, 0, len) < 0 && errno == EOPNOTSUPP,
	       "fallocate is EOPNOTSUPP (9P2000.L has no message for it)");
	memset(in, 1, len);
	ok = fd >= 0 && !posix_fallocate(fd, 0, len) && pread(fd, in, len, 0) == (ssize_t)len;
	for (i = 0; ok && i < len; i++)
		ok = !in[i];
	report(ok, "posix_fallocate extends the file with zeros");
	close(fd);
	free(out);
	free(in);
}

/* The host made MANY files in the share's many/ (DIR is share/MODE/c). */
static void many_entries(void)
{
	struct dirent *de;
	int seen = 0;
	DIR *d;

	d = opendir(at("../../many"));
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "entry-", 6))
			seen++;
	if (d)
		closedir(d);
	report(seen == MANY, "readdir lists all %d entries of a directory (saw %d)", MANY,
	       seen);
}

static void unlinked_while_open(void)
{
	int fd = open(at("doomed"), O_CREAT | O_RDWR, 0644);
	char buf[8] = {};
	struct stat st;

	report(fd >= 0 && write(fd, "before", 6) == 6 && !unlink(at("doomed")),
	       "unlink a file while it is open");
	report(access(at("doomed"), F_OK) < 0 && errno == ENOENT, "its name is gone");
	report(pwrite(fd, "after!", 6, 0) == 6 && pread(fd, buf, 6, 0) == 6 &&
	       !memcmp(buf, "after!", 6), "the open file still reads and writes");
	report(!fstat(fd, &st) && st.st_nlink == 0, "fstat says nlink 0");
	close(fd);
}

static void attributes(void)
{
	struct timespec times[2] = {
		{ .tv_sec = 1000000000, .tv_nsec = 123456789 },
		{ .tv_sec = 1200000000, .tv_nsec = 987654321 },
	};
	struct statfs sfs;
	struct stat st;
	int fd, ok;

	close(open(at("attrs"), O_CREAT | O_WRONLY, 0644));
	memset(&st, 0, sizeof(st));
	ok = !utimensat(AT_FDCWD, at("attrs"), times, 0) && !stat(at("attrs"), &st);
	/*
	 * Seconds only: the Linux 9p client leaves its superblock's time
	 * granularity at one second, so the guest's VFS truncates before
	 * sending (the server keeps nanoseconds: ops_test checks).
	 */
	report(ok && st.st_mtim.tv_sec == 1200000000 && st.st_atim.tv_sec == 1000000000,
	       "utimensat sets both times (mtime %ld.%09ld atime %ld.%09ld)",
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec);
	report(!chown(at("attrs"), 1234, 2345) && !stat(at("attrs"), &st) &&
	       st.st_uid == 1234 && st.st_gid == 2345, "chown");
	report(!chmod(at("attrs"), 04751) && !stat(at("attrs"), &st) &&
	       (st.st_mode & 07777) == 04751, "chmod with set-user-ID");
	fd = open(at("attrs"), O_CREAT | O_EXCL | O_WRONLY, 0644);
	report(fd < 0 && errno == EEXIST, "O_EXCL on an existing file is EEXIST");
	report(!statfs(dir, &sfs) && sfs.f_bsize > 0 && sfs.f_blocks > 0,
	       "statfs reports the file system");
	report(!mkdir(at("from"), 0755) && !mkdir(at("to"), 0755) &&
	       !mkdir(at("from/moved"), 0755) &&
	       !rename(at("from/moved"), at("to/moved")) && !stat(at("to/moved"), &st) &&
	       S_ISDIR(st.st_mode), "rename a directory across directories");
}

/*
 * --lock FILE UNTIL: hold a write lock on all of FILE, tell so by making
 * FILE.held, and keep it until UNTIL exists (300 s at most): what another
 * guest, with its own device on the same export, must see (--locked).
 */
static int hold_lock(const char *file, const char *until)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char held[4096];
	int fd, i;

	fd = open(file, O_CREAT | O_RDWR, 0644);
	if (fd < 0 || fcntl(fd, F_SETLK, &fl)) {
		perror(file);
		return 1;
	}
	snprintf(held, sizeof(held), "%s.held", file);
	close(open(held, O_CREAT | O_WRONLY, 0644));
	for (i = 0; i < 300 && access(until, F_OK); i++)
		sleep(1);
	return i == 300;
}

/* --locked FILE: another holds a write lock on FILE, and keeps it from us. */
static int see_lock(const char *file)
{
	struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(file, O_RDWR);

	if (fd < 0 || fcntl(fd, F_GETLK, &probe)) {
		perror(file);
		return 1;
	}
	if (probe.l_type != F_WRLCK) {
		fprintf(stderr, "%s: F_GETLK sees no lock\n", file);
		return 1;
	}
	probe.l_type = F_WRLCK;
	probe.l_start = 0;
	probe.l_len = 0;
	if (!fcntl(fd, F_SETLK, &probe) || (errno != EAGAIN && errno != EACCES)) {
		fprintf(stderr, "%s: F_SETLK was not refused\n", file);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int first;

	if (argc == 2 && !strcmp(argv[1], "--plan")) {
		printf("%d\n", E2E_CASES);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--lock"))
		return hold_lock(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "--locked"))
		return see_lock(argv[2]);
	if (argc != 4) {
		fprintf(stderr,
			"usage: e2e_client --plan | --lock FILE UNTIL | --locked FILE | DIR CACHE-MODE FIRST-NUMBER\n");
		return 2;
	}
	dir = argv[1];
	n = atoi(argv[3]);
	first = n;
	xattrs();
	locks();
	mmap_write(argv[2]);
	sparse_past_4g();
	file_io();
	many_entries();
	unlinked_while_open();
	attributes();
	if (n - first != E2E_CASES) {
		fprintf(stderr, "e2e_client: reported %d cases, planned %d\n", n - first,
			E2E_CASES);
		return 1;
	}
	return 0;
}
