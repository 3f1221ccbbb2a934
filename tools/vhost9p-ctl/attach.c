// SPDX-License-Identifier: GPL-2.0
/*
 * vhost9p-ctl attach: serve a directory to a running KVM VM through
 * /dev/vhost-9p, for a VMM that has no vhost-9p support of its own.
 *
 * The VMM registers two eventfds with KVM, the queue's notify address as an
 * ioeventfd and the device's interrupt as an irqfd (only the VM's own
 * process may: KVM refuses VM ioctls from any other mm), and hands them
 * over with the memory file descriptors behind guest memory (inherited, or
 * taken with pidfd_getfd()).  The tool maps that memory and gives the
 * device both eventfds, so that the data path enters neither process; then
 * it waits on a control channel for what only the VMM sees: the features
 * the guest acknowledged, where it put the ring, and when it starts, stops
 * or resets the device.  vhost reaches guest memory through the owner's
 * address space, this process's mappings: it must live as long as the
 * device.  The protocol is in Documentation/admin-guide.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/vhost_9p.h>

#include "vhost9p-ctl.h"

#define PFX		"vhost9p-ctl attach: "
/* vhost's default max_mem_regions. */
#define MAX_REGIONS	64
#define LINE_LEN	1024
#define MSG_LEN		512
#define VRING_NUM_MAX	32768
#define VRING_USAGE	"vring 0 num=N desc=GPA avail=GPA used=GPA [base=N]"
#define STATS_FORMAT	"ok requests=%llu errors=%llu bad_requests=%llu fids=%u msize=%u read_bytes=%llu write_bytes=%llu"

/* What to do about it, for the messages too long to fit beside them. */
#define FIX_INHERIT	"the VMM must leave it open across exec (no O_CLOEXEC), or pass --pid"
#define FIX_PTRACE	"run as its user with ptrace access to it (kernel.yama.ptrace_scope), or as root"
#define FIX_MEMFD	"pass the memfd or shm file behind this guest memory"
#define FIX_SIZE	"give the size of the region the VMM mapped"
#define FIX_PASSTHROUGH	"--security-model passthrough needs CAP_CHOWN: run as root, or use mapped-xattr"
#define FIX_MAPPED	"--security-model mapped-xattr needs user.* xattrs, which the file system of --path lacks: use ext4, xfs or btrfs, or --security-model none"
#define FIX_GPA		"give the guest physical address the driver wrote"
#define FIX_FEATURES	"vhost-9p does not offer them: offer the guest only bits of 'features'"
#define FIX_RUNNING_FEATURES	"the device is running: features come before DRIVER_OK; send 'reset'"
#define FIX_NO_FEATURES	"no features yet: send 'features 0xHEX', the bits the guest acknowledged"
#define FIX_RINGS	": the device cannot reach the rings; check the vring addresses"
#define COMMANDS	"the commands are features, vring, start, stop, reset, stats and quit"

/**
 * struct region - one --mem-fd: a file behind a range of guest memory
 * @arg: the option's argument, for messages
 * @fd: the descriptor number given (the VMM's with --pid)
 * @file: our descriptor of the file
 * @gpa: guest physical address of its first byte
 * @size: bytes of guest memory
 * @offset: where in the file they start
 * @hva: our mapping of them
 */
struct region {
	const char *arg;
	int fd;
	int file;
	__u64 gpa;
	__u64 size;
	__u64 offset;
	void *hva;
};

/**
 * struct attach - one attach: the command line, then what it set up
 * @kick_fd: the --kick-fd number (the VMM's with --pid)
 * @call_fd: the --call-fd number, -1 without (no interrupts: the guest polls)
 * @pid: --pid, 0 without
 * @mem: the memory regions
 * @nmem: how many
 * @socket: --socket: be a vhost-user backend there (vhost-user.c)
 * @path: --path
 * @exp: the export, but for its dirfd
 * @ctl_in: where commands come from
 * @ctl_out: where answers go
 * @dev: /dev/vhost-9p
 * @pidfd: the VMM's pidfd with --pid, else -1
 * @kick: our descriptor of the eventfd KVM signals on a notify write
 * @call: ours of the eventfd KVM turns into the interrupt, -1 without
 * @table: the memory table: @mem, as mapped here
 * @offered: the features the device offers
 * @have_features: the VMM sent "features HEX" since the last reset
 * @have_vring: the VMM sent "vring" since the last reset
 * @running: the device serves the queue
 * @quit: the VMM asked to detach
 */
struct attach {
	int kick_fd;
	int call_fd;
	pid_t pid;
	struct region mem[MAX_REGIONS];
	unsigned int nmem;
	const char *socket;
	const char *path;
	struct vhost_9p_export exp;
	int ctl_in;
	int ctl_out;

	int dev;
	int pidfd;
	int kick;
	int call;
	struct vhost_memory *table;
	__u64 offered;
	bool have_features;
	bool have_vring;
	bool running;
	bool quit;
};

void attach_help(FILE *out)
{
	fprintf(out,
		"usage: vhost9p-ctl attach --socket PATH --path DIR --tag TAG [EXPORT OPTIONS]\n"
		"       vhost9p-ctl attach [--pid PID] --mem-fd FD:GPA:SIZE[:OFFSET]...\n"
		"           --kick-fd N [--call-fd N] --path DIR --tag TAG\n"
		"           [EXPORT OPTIONS] [--control-fd N]\n"
		"export options: [--readonly] [--cross-mounts] [--devices] [--setid]\n"
		"           [--security-model none|passthrough|mapped-xattr]\n"
		"           [--max-fids N] [--msize BYTES]\n"
		"\n"
		"Serves DIR as the virtio-9p device of a running KVM VM, through " DEV_PATH ".\n"
		"The device reaches guest memory through this process's mappings: it\n"
		"lives as long as the device.\n"
		"\n"
		"  --socket PATH     be the vhost-user backend of the device on the UNIX\n"
		"                    socket PATH (made, or replaced if nobody listens on\n"
		"                    it), for a VMM's vhost-user frontend of a virtio-9p\n"
		"                    device: virtio id 9, one queue, a config space of\n"
		"                    2 + the length of TAG bytes, guest memory shared\n"
		"                    (a memfd).  One frontend at a time; when it goes,\n"
		"                    the device is reset and the next one served.  Runs\n"
		"                    until SIGTERM, SIGINT or SIGHUP.\n"
		"Without --socket, the VMM hands over memory and eventfds itself and\n"
		"drives the device over a control channel until 'quit' or its end:\n"
		"  --pid PID         take the --mem-fd, --kick-fd and --call-fd descriptors\n"
		"                    from process PID (pidfd_getfd: needs ptrace access\n"
		"                    to it) instead of inheriting them\n"
		"  --mem-fd FD:GPA:SIZE[:OFFSET]\n"
		"                    guest memory GPA..GPA+SIZE is file FD (a memfd or shm\n"
		"                    file) from OFFSET on; once per region, page-aligned;\n"
		"                    SIZE and OFFSET take K, M, G suffixes\n"
		"  --kick-fd N       an eventfd the VMM registered with KVM_IOEVENTFD at the\n"
		"                    queue's notify address: a guest write there kicks\n"
		"                    the device without leaving the kernel\n"
		"  --call-fd N       an eventfd the VMM registered with KVM_IRQFD on the\n"
		"                    device's GSI (an MSI route, or an irqchip pin);\n"
		"                    without it the device raises no interrupt and the\n"
		"                    guest must poll\n"
		"  --path DIR        the directory to export\n"
		"  --tag TAG         the mount tag (the VMM's config space shows it)\n"
		"  --readonly        refuse every modification with EROFS\n"
		"  --cross-mounts    let the guest enter file systems mounted below DIR\n"
		"  --devices         let the guest make device nodes in DIR (as without\n"
		"                    nodev; off: EPERM)\n"
		"  --setid           let the guest set set-user-ID and set-group-ID bits\n"
		"                    (as without nosuid; off: EPERM)\n"
		"  --security-model  none (default), passthrough (needs CAP_CHOWN) or\n"
		"                    mapped-xattr\n"
		"  --max-fids N      most files the guest may hold open (default %u)\n"
		"  --msize BYTES     largest 9P message (%u..%u, default %u)\n"
		"  --control-fd N    a stream socket for the control protocol (default:\n"
		"                    commands on stdin, answers on stdout)\n"
		"\n"
		"Control protocol: one line per command, one answer line each, 'ok ...'\n"
		"or 'error MESSAGE'.  First the tool says 'ready features=0xHEX' (or\n"
		"'error MESSAGE' and exits); then:\n"
		"    features             ok features=0xHEX: what the device offers\n"
		"    features 0xHEX       the bits the guest acknowledged (FEATURES_OK)\n"
		"    vring 0 num=N desc=GPA avail=GPA used=GPA [base=N]\n"
		"                         where the guest put the queue (queue enable)\n"
		"    start                serve the queue (DRIVER_OK)\n"
		"    stop                 stop serving; ok base=N (the next avail index)\n"
		"    reset                the guest reset the device: forget features,\n"
		"                         vring and the 9P session\n"
		"    stats                ok requests=N errors=N ... (VHOST_9P_GET_STATS)\n"
		"    quit                 detach and exit (as does end of file)\n"
		"\n"
		"Exit status: 0 after quit or end of file, 1 on failure, 2 on a usage error.\n",
		VHOST_9P_DEFAULT_MAX_FIDS, VHOST_9P_MIN_MSIZE, VHOST_9P_MAX_MSIZE,
		VHOST_9P_DEFAULT_MAX_MSIZE);
}

/* Write all of @len bytes of @buf to @fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * A message, formatted into one buffer for the functions below (and
 * checked by the compiler as snprintf()'s arguments are).
 */
static char msg_buf[MSG_LEN];
#define msgf(...) (snprintf(msg_buf, sizeof(msg_buf), __VA_ARGS__), msg_buf)

/* One answer line on the control channel. */
static int answer(struct attach *a, const char *text)
{
	char line[LINE_LEN];
	int n;

	n = snprintf(line, sizeof(line), "%s\n", text);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	return write_all(a->ctl_out, line, n);
}

/*
 * A failure before the device is ready: on stderr, and on the control
 * channel, where the VMM waits for "ready".
 */
static void fail(struct attach *a, const char *text)
{
	char line[LINE_LEN];

	fprintf(stderr, PFX "%s\n", text);
	if (a->ctl_out < 0)
		return;
	snprintf(line, sizeof(line), "error %s", text);
	answer(a, line);
}

static int usage(const char *text)
{
	fprintf(stderr, PFX "%s\n(vhost9p-ctl help: the options)\n", text);
	return EXIT_USAGE;
}

/* A number, in decimal or 0x hex (never octal), that is all of @s. */
static int parse_u64(const char *s, __u64 *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long n;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	n = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end)
		return -1;
	*v = n;
	return 0;
}

/* A size: a number, optionally followed by K, M or G (binary). */
static int parse_size(const char *s, __u64 *v)
{
	char num[32];
	size_t len = strlen(s);
	unsigned int shift = 0;

	if (len && len < sizeof(num)) {
		switch (s[len - 1]) {
		case 'K': case 'k':
			shift = 10;
			break;
		case 'M': case 'm':
			shift = 20;
			break;
		case 'G': case 'g':
			shift = 30;
			break;
		}
	}
	if (!shift)
		return parse_u64(s, v);
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (parse_u64(num, v) || *v > (UINT64_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

static int parse_int(const char *s, long long max, long long *v)
{
	__u64 n;

	if (parse_u64(s, &n) || n > (__u64)max)
		return -1;
	*v = n;
	return 0;
}

/* Split @s at ':' into at most @max fields; returns how many. */
static int split(char *s, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = s;
		s = strchr(s, ':');
		if (!s)
			return n;
		*s++ = '\0';
	}
	return -1;
}

static int parse_mem(struct attach *a, char *arg)
{
	struct region *r = &a->mem[a->nmem];
	char *copy, *f[4];
	long long fd;
	__u64 page = sysconf(_SC_PAGESIZE);
	int n;

	if (a->nmem == MAX_REGIONS)
		return usage(msgf("more than %d --mem-fd regions", MAX_REGIONS));
	r->arg = arg;
	copy = strdupa(arg);
	n = split(copy, f, 4);
	if (n < 3)
		return usage(msgf("--mem-fd %s: expected FD:GPA:SIZE[:OFFSET]", arg));
	if (parse_int(f[0], INT_MAX, &fd))
		return usage(msgf("--mem-fd %s: '%s' is not a descriptor number", arg, f[0]));
	if (parse_u64(f[1], &r->gpa) || parse_size(f[2], &r->size) ||
	    (n == 4 && parse_size(f[3], &r->offset)))
		return usage(msgf("--mem-fd %s: GPA, SIZE and OFFSET are numbers", arg));
	if (!r->size)
		return usage(msgf("--mem-fd %s: SIZE is 0", arg));
	if ((r->gpa | r->size | r->offset) & (page - 1))
		return usage(msgf("--mem-fd %s: GPA, SIZE and OFFSET must be page-aligned (%llu)",
				  arg, (unsigned long long)page));
	if (r->gpa + r->size < r->gpa || r->offset + r->size < r->offset ||
	    r->offset + r->size > (__u64)INT64_MAX)
		return usage(msgf("--mem-fd %s: the range wraps around", arg));
	r->fd = fd;
	r->file = -1;
	a->nmem++;
	return 0;
}

static const char * const models[] = {
	[VHOST_9P_SECURITY_NONE] = "none",
	[VHOST_9P_SECURITY_PASSTHROUGH] = "passthrough",
	[VHOST_9P_SECURITY_MAPPED_XATTR] = "mapped-xattr",
};

static const char * const vm_fd_refused[] = {
	"--vm-fd: KVM answers VM ioctls only from the process that created the VM, so this tool cannot register the ioeventfd and irqfd: have the VMM do it (KVM_IOEVENTFD, KVM_IRQFD) and pass --kick-fd and --call-fd",
};

enum {
	OPT_KICK_FD = 256, OPT_CALL_FD, OPT_PID, OPT_MEM_FD, OPT_PATH,
	OPT_TAG, OPT_READONLY, OPT_CROSS_MOUNTS, OPT_DEVICES, OPT_SETID, OPT_MODEL,
	OPT_MAX_FIDS, OPT_MSIZE, OPT_CONTROL_FD, OPT_HELP, OPT_VM_FD, OPT_SOCKET,
};

static const struct option options[] = {
	{ "kick-fd", required_argument, NULL, OPT_KICK_FD },
	{ "call-fd", required_argument, NULL, OPT_CALL_FD },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "mem-fd", required_argument, NULL, OPT_MEM_FD },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "readonly", no_argument, NULL, OPT_READONLY },
	{ "cross-mounts", no_argument, NULL, OPT_CROSS_MOUNTS },
	{ "devices", no_argument, NULL, OPT_DEVICES },
	{ "setid", no_argument, NULL, OPT_SETID },
	{ "security-model", required_argument, NULL, OPT_MODEL },
	{ "max-fids", required_argument, NULL, OPT_MAX_FIDS },
	{ "msize", required_argument, NULL, OPT_MSIZE },
	{ "control-fd", required_argument, NULL, OPT_CONTROL_FD },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "help", no_argument, NULL, OPT_HELP },
	/* What one would expect, and cannot work: refused with the way that does. */
	{ "vm-fd", required_argument, NULL, OPT_VM_FD },
	{}
};

/* Returns 0, EXIT_USAGE, or -1 after --help. */
static int parse_args(struct attach *a, int argc, char **argv)
{
	const char *tag = NULL;
	long long v, ctl = -1;
	__u64 size;
	unsigned int i;
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		ret = 0;
		switch (opt) {
		case OPT_KICK_FD:
			if (parse_int(optarg, INT_MAX, &v))
				return usage(msgf("--kick-fd %s: not a descriptor number", optarg));
			a->kick_fd = v;
			break;
		case OPT_CALL_FD:
			if (parse_int(optarg, INT_MAX, &v))
				return usage(msgf("--call-fd %s: not a descriptor number", optarg));
			a->call_fd = v;
			break;
		case OPT_PID:
			if (parse_int(optarg, INT_MAX, &v) || !v)
				return usage(msgf("--pid %s: not a process id", optarg));
			a->pid = v;
			break;
		case OPT_MEM_FD:
			ret = parse_mem(a, optarg);
			break;
		case OPT_PATH:
			a->path = optarg;
			break;
		case OPT_TAG:
			tag = optarg;
			break;
		case OPT_READONLY:
			a->exp.flags |= VHOST_9P_EXPORT_READONLY;
			break;
		case OPT_CROSS_MOUNTS:
			a->exp.flags |= VHOST_9P_EXPORT_CROSS_MOUNTS;
			break;
		case OPT_DEVICES:
			a->exp.flags |= VHOST_9P_EXPORT_DEVICES;
			break;
		case OPT_SETID:
			a->exp.flags |= VHOST_9P_EXPORT_SETID;
			break;
		case OPT_MODEL:
			for (i = 0; i < ARRAY_SIZE(models); i++)
				if (!strcmp(optarg, models[i]))
					break;
			/* QEMU's other name for it. */
			if (!strcmp(optarg, "mapped"))
				i = VHOST_9P_SECURITY_MAPPED_XATTR;
			if (i == ARRAY_SIZE(models))
				return usage(msgf("--security-model %s: is not one of %s",
						  optarg, "none, passthrough or mapped-xattr"));
			a->exp.security_model = i;
			break;
		case OPT_MAX_FIDS:
			if (parse_int(optarg, UINT32_MAX, &v) || !v)
				return usage(msgf("--max-fids %s: not a positive number", optarg));
			a->exp.max_fids = v;
			break;
		case OPT_MSIZE:
			if (parse_size(optarg, &size) || size < VHOST_9P_MIN_MSIZE ||
			    size > VHOST_9P_MAX_MSIZE)
				return usage(msgf("--msize %s: must be %u to %u bytes",
						  optarg, VHOST_9P_MIN_MSIZE, VHOST_9P_MAX_MSIZE));
			a->exp.max_msize = size;
			break;
		case OPT_CONTROL_FD:
			if (parse_int(optarg, INT_MAX, &ctl))
				return usage(msgf("--control-fd %s: not a descriptor number",
						  optarg));
			break;
		case OPT_SOCKET:
			a->socket = optarg;
			break;
		case OPT_HELP:
			attach_help(stdout);
			return -1;
		case OPT_VM_FD:
			return usage(msgf("%s", vm_fd_refused[0]));
		case ':':
			return usage(msgf("%s needs an argument", argv[optind - 1]));
		default:
			return usage(msgf("unknown option '%s'", argv[optind - 1]));
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage(msgf("unexpected argument '%s'", argv[optind]));
	if (a->socket && (a->nmem || a->kick_fd >= 0 || a->call_fd >= 0 || a->pid || ctl >= 0))
		return usage(msgf("--socket: %s: drop %s",
				  "the vhost-user frontend hands over memory and eventfds",
				  a->nmem ? "--mem-fd" : a->kick_fd >= 0 ? "--kick-fd" :
				  a->call_fd >= 0 ? "--call-fd" :
				  a->pid ? "--pid" : "--control-fd"));
	if (a->socket && !*a->socket)
		return usage("--socket is empty: give the path of the UNIX socket to listen on");
	if (!a->nmem && !a->socket)
		return usage("--mem-fd is required: the files behind guest memory");
	if (a->kick_fd < 0 && !a->socket)
		return usage("--kick-fd is required: the eventfd of the queue's KVM ioeventfd");
	if (!a->path)
		return usage("--path is required: the directory to export");
	if (!tag || !*tag)
		return usage("--tag is required: the mount tag the guest sees");
	if (strlen(tag) >= sizeof(a->exp.tag))
		return usage(msgf("--tag is longer than %zu bytes", sizeof(a->exp.tag) - 1));
	/* A vhost-user config space is 256 bytes: the length, then the tag. */
	if (a->socket && strlen(tag) > 254)
		return usage("--tag is longer than the 254 bytes a vhost-user config space holds");
	memcpy(a->exp.tag, tag, strlen(tag) + 1);
	for (i = 0; i < a->nmem; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (a->mem[i].gpa < a->mem[j].gpa + a->mem[j].size &&
			    a->mem[j].gpa < a->mem[i].gpa + a->mem[i].size)
				return usage(msgf("--mem-fd %s overlaps --mem-fd %s",
						  a->mem[i].arg, a->mem[j].arg));
	}
	if (ctl >= 0) {
		a->ctl_in = ctl;
		a->ctl_out = ctl;
	}
	return 0;
}

/*
 * Our descriptor for the VMM's descriptor @fd: the same number when
 * inherited, a new one taken from --pid otherwise.
 */
static int take_fd(struct attach *a, int fd, const char *what)
{
	int ours;

	if (!a->pid) {
		if (fcntl(fd, F_GETFD) < 0) {
			fail(a, msgf("%s: descriptor %d is not open: %s", what, fd, FIX_INHERIT));
			return -1;
		}
		return fd;
	}
	ours = syscall(SYS_pidfd_getfd, a->pidfd, fd, 0);
	if (ours >= 0)
		return ours;
	if (errno == EBADF)
		fail(a, msgf("%s: process %d has no descriptor %d", what, a->pid, fd));
	else if (errno == EPERM)
		fail(a, msgf("%s: may not take descriptors of process %d: %s", what, a->pid,
			     FIX_PTRACE));
	else
		fail(a, msgf("%s: pidfd_getfd of descriptor %d of process %d: %s",
			     what, fd, a->pid, strerror(errno)));
	return -1;
}

/* An eventfd of the VMM's, as --kick-fd or --call-fd @opt; -1 if not. */
static int take_eventfd(struct attach *a, int fd, const char *opt, const char *what)
{
	char target[256], name[32];
	int ours;

	snprintf(name, sizeof(name), "%s %d", opt, fd);
	ours = take_fd(a, fd, name);
	if (ours < 0)
		return -1;
	if (!fd_not_eventfd(ours, target, sizeof(target)))
		return ours;
	fail(a, msgf("%s is not an eventfd (it is %s): pass the eventfd the VMM registered with %s",
		     name, target, what));
	if (a->pid)
		close(ours);
	return -1;
}

static void unmap_memory(struct attach *a)
{
	unsigned int i;

	for (i = 0; i < a->nmem; i++) {
		struct region *r = &a->mem[i];

		if (r->hva)
			munmap(r->hva, r->size);
		if (r->file >= 0 && a->pid)
			close(r->file);
		r->hva = NULL;
		r->file = -1;
	}
	free(a->table);
	a->table = NULL;
}

/* Map every region shared, as the VMM does, into a memory table. */
static int map_memory(struct attach *a)
{
	char name[64];
	struct vhost_memory *table;
	unsigned int i;
	struct stat st;

	table = calloc(1, sizeof(*table) + a->nmem * sizeof(table->regions[0]));
	if (!table) {
		fail(a, "out of memory");
		return -1;
	}
	a->table = table;
	for (i = 0; i < a->nmem; i++) {
		struct region *r = &a->mem[i];

		snprintf(name, sizeof(name), "--mem-fd %s", r->arg);
		r->file = take_fd(a, r->fd, name);
		if (r->file < 0)
			return -1;
		if (fstat(r->file, &st)) {
			fail(a, msgf("--mem-fd %s: %s", r->arg, strerror(errno)));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			fail(a, msgf("--mem-fd %s: descriptor %d is not a memory file: %s", r->arg,
				     r->fd, FIX_MEMFD));
			return -1;
		}
		if ((__u64)st.st_size < r->offset + r->size) {
			fail(a, msgf("--mem-fd %s: the file is %lld bytes < OFFSET+SIZE %llu: %s",
				     r->arg, (long long)st.st_size,
				     (unsigned long long)(r->offset + r->size), FIX_SIZE));
			return -1;
		}
		r->hva = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      r->file, r->offset);
		if (r->hva == MAP_FAILED) {
			r->hva = NULL;
			fail(a, msgf("--mem-fd %s: cannot map it shared: %s%s",
				     r->arg, strerror(errno),
				     errno == EACCES ? " (the VMM must open it read-write)" : ""));
			return -1;
		}
		table->regions[i].guest_phys_addr = r->gpa;
		table->regions[i].memory_size = r->size;
		table->regions[i].userspace_addr = (uintptr_t)r->hva;
	}
	table->nregions = a->nmem;
	return 0;
}

/* Give the device the memory table; on failure, say why in @msg. */
static int set_mem_table(struct attach *a, char *msg, size_t len)
{
	if (!ioctl(a->dev, VHOST_SET_MEM_TABLE, a->table))
		return 0;
	snprintf(msg, len, "VHOST_SET_MEM_TABLE: %s%s", strerror(errno), errno == E2BIG ?
		 ": more regions than vhost's max_mem_regions module parameter allows" : "");
	return -1;
}

/* The reason VHOST_9P_SET_EXPORT failed with @err, and what to do. */
static const char *export_fix(const struct attach *a, int err)
{
	switch (err) {
	case EPERM:
		if (a->exp.security_model == VHOST_9P_SECURITY_PASSTHROUGH)
			return FIX_PASSTHROUGH;
		break;
	case EOPNOTSUPP:
		return FIX_MAPPED;
	case EINVAL:
		return "the module refuses these export options: check --msize and --max-fids";
	}
	return "";
}

static int set_export(struct attach *a)
{
	int ret = -1;

	a->exp.dirfd = open(a->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->exp.dirfd < 0) {
		if (errno == ENOTDIR)
			fail(a, msgf("--path %s is not a directory: export a directory", a->path));
		else if (errno == ENOENT)
			fail(a, msgf("--path %s does not exist: export an existing directory",
				     a->path));
		else
			fail(a, msgf("--path %s: %s", a->path, strerror(errno)));
		return -1;
	}
	if (ioctl(a->dev, VHOST_9P_SET_EXPORT, &a->exp)) {
		int err = errno;

		fail(a, msgf("cannot export %s: %s%s%s",
			     a->path, strerror(err), *export_fix(a, err) ? ": " : "",
			     export_fix(a, err)));
		goto out;
	}
	ret = 0;
out:
	/* The device holds its own reference. */
	close(a->exp.dirfd);
	return ret;
}

static int stop(struct attach *a)
{
	int zero = 0;

	if (ioctl(a->dev, VHOST_9P_SET_RUNNING, &zero))
		return -1;
	a->running = false;
	return 0;
}

/*
 * Our address of guest memory @gpa..@gpa+@len, which must lie in one
 * region and be @align-aligned; NULL with @why set otherwise.
 */
static void *translate(struct attach *a, __u64 gpa, __u64 len, __u64 align,
		       const char **why)
{
	unsigned int i;

	if (gpa & (align - 1)) {
		*why = "is not aligned as the virtio spec requires";
		return NULL;
	}
	for (i = 0; i < a->nmem; i++) {
		struct region *r = &a->mem[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa))
			return (char *)r->hva + (gpa - r->gpa);
	}
	*why = "is not inside one --mem-fd region";
	return NULL;
}

/* "key=value" out of @words, for vring. */
static int vring_field(char **words, int n, const char *key, __u64 *v,
		       bool *found)
{
	size_t klen = strlen(key);
	int i;

	*found = false;
	for (i = 0; i < n; i++) {
		if (strncmp(words[i], key, klen) || words[i][klen] != '=')
			continue;
		*found = true;
		return parse_u64(words[i] + klen + 1, v);
	}
	return 0;
}

static void cmd_vring(struct attach *a, char **w, int n)
{
	static const char * const keys[] = { "num", "desc", "avail", "used", "base" };
	/* The split ring's layout, with room for the event index fields. */
	__u64 v[ARRAY_SIZE(keys)], size[3], align[3] = { 16, 2, 4 };
	struct vhost_vring_state state = { .index = VHOST_9P_VQ_REQUEST };
	struct vhost_vring_addr addr = { .index = VHOST_9P_VQ_REQUEST };
	void *hva[3];
	const char *why = NULL;
	unsigned int i;
	bool found;
	__u64 idx;

	if (n < 2 || parse_u64(w[1], &idx) || idx != VHOST_9P_VQ_REQUEST) {
		answer(a, msgf("error vring %s: virtio-9p has one queue, index 0",
			       n < 2 ? "" : w[1]));
		return;
	}
	if (a->running) {
		answer(a, "error the device is running: send 'stop' or 'reset' first");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v[i] = 0;
		if (vring_field(w + 2, n - 2, keys[i], &v[i], &found)) {
			answer(a, msgf("error vring: %s= is not a number", keys[i]));
			return;
		}
		if (!found && i < 4) {
			answer(a, msgf("error vring: %s= is missing: send '%s'", keys[i],
				       VRING_USAGE));
			return;
		}
	}
	if (!v[0] || v[0] > VRING_NUM_MAX || (v[0] & (v[0] - 1))) {
		answer(a, msgf("error vring: num=%llu: the queue size is a power of two up to %d",
			       (unsigned long long)v[0], VRING_NUM_MAX));
		return;
	}
	if (v[4] > 0xffff) {
		answer(a, msgf("error vring: base=%llu: an index is 16 bits",
			       (unsigned long long)v[4]));
		return;
	}
	size[0] = 16 * v[0];
	size[1] = 6 + 2 * v[0];
	size[2] = 6 + 8 * v[0];
	for (i = 0; i < 3; i++) {
		hva[i] = translate(a, v[i + 1], size[i], align[i], &why);
		if (!hva[i]) {
			answer(a, msgf("error vring: %s=0x%llx (%llu bytes) %s: %s",
				       keys[i + 1], (unsigned long long)v[i + 1],
				       (unsigned long long)size[i], why, FIX_GPA));
			return;
		}
	}
	/* Half a ring set is none: start refuses until one is set whole. */
	a->have_vring = false;
	addr.desc_user_addr = (uintptr_t)hva[0];
	addr.avail_user_addr = (uintptr_t)hva[1];
	addr.used_user_addr = (uintptr_t)hva[2];
	state.num = v[0];
	if (ioctl(a->dev, VHOST_SET_VRING_NUM, &state) ||
	    ioctl(a->dev, VHOST_SET_VRING_ADDR, &addr)) {
		answer(a, msgf("error vring: %s", strerror(errno)));
		return;
	}
	state.num = v[4];
	if (ioctl(a->dev, VHOST_SET_VRING_BASE, &state)) {
		answer(a, msgf("error vring: base: %s", strerror(errno)));
		return;
	}
	a->have_vring = true;
	answer(a, "ok");
}

static void cmd_features(struct attach *a, char **w, int n)
{
	__u64 bits;

	if (n == 1) {
		answer(a, msgf("ok features=0x%llx", (unsigned long long)a->offered));
		return;
	}
	if (n != 2 || parse_u64(w[1], &bits)) {
		answer(a, "error features: send 'features' or 'features 0xHEX'");
		return;
	}
	if (bits & ~a->offered) {
		answer(a, msgf("error features 0x%llx: bits 0x%llx: %s (0x%llx)",
			       (unsigned long long)bits, (unsigned long long)(bits & ~a->offered),
			       FIX_FEATURES, (unsigned long long)a->offered));
		return;
	}
	if (a->running) {
		answer(a, "error " FIX_RUNNING_FEATURES);
		return;
	}
	if (ioctl(a->dev, VHOST_SET_FEATURES, &bits)) {
		answer(a, msgf("error VHOST_SET_FEATURES: %s", strerror(errno)));
		return;
	}
	a->have_features = true;
	answer(a, "ok");
}

static void cmd_start(struct attach *a)
{
	struct vhost_vring_file kick = { VHOST_9P_VQ_REQUEST, a->kick };
	struct vhost_vring_file call = { VHOST_9P_VQ_REQUEST, a->call };
	int one = 1;

	if (!a->have_features) {
		answer(a, "error " FIX_NO_FEATURES);
		return;
	}
	if (!a->have_vring) {
		answer(a, "error no vring yet: send 'vring 0 num=N desc=GPA avail=GPA used=GPA'");
		return;
	}
	if (ioctl(a->dev, VHOST_SET_VRING_KICK, &kick) ||
	    ioctl(a->dev, VHOST_SET_VRING_CALL, &call)) {
		answer(a, msgf("error VHOST_SET_VRING_KICK/CALL: %s", strerror(errno)));
		return;
	}
	if (ioctl(a->dev, VHOST_9P_SET_RUNNING, &one)) {
		answer(a, msgf("error cannot start: %s%s",
			       strerror(errno),
			       errno == EFAULT ? FIX_RINGS : ""));
		return;
	}
	a->running = true;
	answer(a, "ok");
}

static void cmd_stop(struct attach *a)
{
	struct vhost_vring_state state = { .index = VHOST_9P_VQ_REQUEST };

	if (stop(a) || ioctl(a->dev, VHOST_GET_VRING_BASE, &state)) {
		answer(a, msgf("error stop: %s", strerror(errno)));
		return;
	}
	answer(a, msgf("ok base=%u", state.num));
}

/* The guest reset the device: back to the state after attaching. */
static void cmd_reset(struct attach *a)
{
	char msg[MSG_LEN / 2];

	if (stop(a) || ioctl(a->dev, VHOST_RESET_OWNER)) {
		answer(a, msgf("error reset: %s", strerror(errno)));
		return;
	}
	a->have_features = false;
	a->have_vring = false;
	/* Owner reset drops the memory table; the export stays. */
	if (ioctl(a->dev, VHOST_SET_OWNER)) {
		answer(a, msgf("error reset: VHOST_SET_OWNER: %s", strerror(errno)));
		return;
	}
	if (set_mem_table(a, msg, sizeof(msg))) {
		answer(a, msgf("error reset: %s", msg));
		return;
	}
	answer(a, "ok");
}

static void cmd_stats(struct attach *a)
{
	struct vhost_9p_stats st = { .size = sizeof(st) };

	if (ioctl(a->dev, VHOST_9P_GET_STATS, &st)) {
		answer(a, msgf("error VHOST_9P_GET_STATS: %s", strerror(errno)));
		return;
	}
	answer(a, msgf(STATS_FORMAT,
		       (unsigned long long)st.requests, (unsigned long long)st.errors,
		       (unsigned long long)st.bad_requests, st.fids, st.msize,
		       (unsigned long long)st.read_bytes, (unsigned long long)st.write_bytes));
}

/* One command line, NUL-terminated, without its newline. */
static void dispatch(struct attach *a, char *line)
{
	char *w[8], *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == ARRAY_SIZE(w)) {
			answer(a, msgf("error too many words: commands have at most %zu",
				       ARRAY_SIZE(w)));
			return;
		}
		w[n++] = tok;
	}
	if (!n)
		return;
	if (!strcmp(w[0], "features"))
		cmd_features(a, w, n);
	else if (!strcmp(w[0], "vring"))
		cmd_vring(a, w, n);
	else if (n > 1 && (!strcmp(w[0], "start") || !strcmp(w[0], "stop") ||
			   !strcmp(w[0], "reset") || !strcmp(w[0], "stats") ||
			   !strcmp(w[0], "quit")))
		answer(a, msgf("error %s takes no arguments", w[0]));
	else if (!strcmp(w[0], "start"))
		cmd_start(a);
	else if (!strcmp(w[0], "stop"))
		cmd_stop(a);
	else if (!strcmp(w[0], "reset"))
		cmd_reset(a);
	else if (!strcmp(w[0], "stats"))
		cmd_stats(a);
	else if (!strcmp(w[0], "quit"))
		a->quit = true;
	else
		answer(a, msgf("error unknown command '%.64s': %s", w[0], COMMANDS));
}

/*
 * Nothing to do: the signals are blocked but in ppoll(), which a handler
 * that ran makes fail with EINTR.
 */
static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Serve the control channel until quit, end of file or a signal that
 * asks to stop.  Returns 0, or -1 if the channel failed.
 */
static int serve(struct attach *a)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd = { .fd = a->ctl_in, .events = POLLIN };
	char buf[LINE_LEN], *nl;
	sigset_t block, waiting;
	bool skipping = false;
	size_t len = 0, i;
	ssize_t n;

	/* The signals interrupt ppoll() only, never a command half done. */
	sigemptyset(&block);
	sigprocmask(SIG_BLOCK, NULL, &waiting);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaddset(&block, sigs[i]);
		sigdelset(&waiting, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, NULL);
	while (!a->quit) {
		if (ppoll(&pfd, 1, NULL, &waiting) < 0)
			return errno == EINTR ? 0 : -1;
		n = read(a->ctl_in, buf + len, sizeof(buf) - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		len += n;
		while (!a->quit && (nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (!skipping)
				dispatch(a, buf);
			skipping = false;
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf)) {
			if (!skipping)
				answer(a, msgf("error line longer than %d bytes", LINE_LEN - 1));
			skipping = true;
			len = 0;
		}
	}
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	struct attach a = {
		.kick_fd = -1, .call_fd = -1, .ctl_in = STDIN_FILENO,
		.ctl_out = STDOUT_FILENO, .dev = -1, .pidfd = -1, .kick = -1,
		.call = -1,
	};
	char msg[MSG_LEN];
	int ret;

	ret = parse_args(&a, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	/* Errors go to stderr only: a vhost-user frontend reads no lines. */
	if (a.socket)
		a.ctl_out = -1;
	/* An answer to a VMM that went away is no reason to die. */
	signal(SIGPIPE, SIG_IGN);
	ret = EXIT_FAIL;
	a.dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (a.dev < 0) {
		int err = errno;

		fail(&a, msgf("%s: %s%s%s",
			      DEV_PATH, strerror(err), device_fix(err) ? "; " : "",
			      device_fix(err) ?: ""));
		goto out;
	}
	if (ioctl(a.dev, VHOST_SET_OWNER) || ioctl(a.dev, VHOST_GET_FEATURES, &a.offered)) {
		fail(&a, msgf("%s: %s", DEV_PATH, strerror(errno)));
		goto out_dev;
	}
	if (a.socket) {
		if (!set_export(&a))
			ret = vhost_user_serve(a.socket, a.dev, &a.exp, a.path);
		goto out_dev;
	}
	if (a.pid) {
		a.pidfd = syscall(SYS_pidfd_open, a.pid, 0);
		if (a.pidfd < 0) {
			fail(&a, msgf("--pid %d: %s",
				      a.pid, errno == ESRCH ? "no such process" : strerror(errno)));
			goto out_dev;
		}
	}
	a.kick = take_eventfd(&a, a.kick_fd, "--kick-fd", "KVM_IOEVENTFD");
	if (a.kick < 0)
		goto out_fds;
	if (a.call_fd >= 0) {
		a.call = take_eventfd(&a, a.call_fd, "--call-fd", "KVM_IRQFD");
		if (a.call < 0)
			goto out_fds;
	}
	if (map_memory(&a))
		goto out_mem;
	if (set_mem_table(&a, msg, sizeof(msg))) {
		fail(&a, msgf("%s", msg));
		goto out_mem;
	}
	if (set_export(&a))
		goto out_mem;
	if (answer(&a, msgf("ready features=0x%llx", (unsigned long long)a.offered))) {
		fprintf(stderr, PFX "the control channel is closed: %s\n", strerror(errno));
		goto out_mem;
	}
	if (serve(&a))
		fprintf(stderr, PFX "the control channel failed: %s\n", strerror(errno));
	else
		ret = 0;
	/* Nothing may touch guest memory once it is unmapped. */
	stop(&a);
out_mem:
	unmap_memory(&a);
out_fds:
	if (a.pid && a.kick >= 0)
		close(a.kick);
	if (a.pid && a.call >= 0)
		close(a.call);
	if (a.pidfd >= 0)
		close(a.pidfd);
out_dev:
	close(a.dev);
out:
	if (a.quit)
		answer(&a, "ok");
	return ret;
}
