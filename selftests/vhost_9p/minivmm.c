// SPDX-License-Identifier: GPL-2.0
/*
 * minivmm: a minimal KVM VMM of our own, to prove that vhost9p-ctl attach
 * wires /dev/vhost-9p into a running VM.
 *
 * The VMM creates a VM whose memory is a memfd, an in-kernel irqchip, the
 * notify port's ioeventfd and GSI 5's irqfd, and one vCPU in real mode,
 * stages six 9P requests and their descriptor chains in guest memory, and
 * starts "vhost9p-ctl attach" with the memfd and the two eventfds
 * (inherited, or taken with pidfd_getfd()) and a control socket.  Over the
 * socket it says what a guest driver would have set: features and ring
 * addresses, then DRIVER_OK ("start").
 *
 * Then the guest runs.  For each request it publishes the chain in the
 * available ring itself, kicks with an OUT to the notify port, which KVM
 * turns into the ioeventfd (no exit to the VMM: only the final OUT to the
 * "done" port may exit), and halts until an interrupt, which the device
 * raises through the irqfd and KVM's 8259 PIC delivers to the guest's
 * handler, which counts it; it goes on once the used index has advanced.
 * Then the VMM decodes every reply.  Nothing of the data path runs in
 * either process: the guest, KVM, vhost and the host VFS do it all.
 *
 * Runs as root in the first-level test guest, with nested KVM (kvm_amd)
 * and vhost_9p loaded; skips without /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "kselftest_harness.h"
#include "hostutil.h"
#include "../../drivers/vhost/9p/protocol.h"

/* Guest physical memory: 2 MiB of memfd at address 0. */
#define MEM_SIZE	(2UL << 20)
#define IVT_GPA		0x0000
#define STACK_TOP	0x1000
#define CODE_GPA	0x1000
#define ISR_GPA		0x1800
#define IRQ_COUNT_GPA	0x2000
#define DESC_GPA	0x3000
#define AVAIL_GPA	0x3400
#define USED_GPA	0x3800
/* Request i at REQ_GPA + i * SLOT, its reply at RESP_GPA + i * SLOT. */
#define REQ_GPA		0x10000
#define RESP_GPA	0x20000
#define SLOT		0x2000

#define RING_NUM	16
#define NREQ		6
#define MSIZE		8192
#define NOTIFY_PORT	0x500
#define DONE_PORT	0x501
/* IRQ 5 of the master 8259, whose vectors the guest puts at 8..15. */
#define IRQ_GSI		5
#define IRQ_VECTOR	(8 + IRQ_GSI)

#define LO(x)		((x) & 0xff)
#define HI(x)		(((x) >> 8) & 0xff)

#define CONTENT		"vhost-9p, served to a KVM guest by vhost9p-ctl attach\n"
#define TIMEOUT_S	60

/*
 * The guest, 16-bit real mode, loaded at CODE_GPA with CS = DS = SS = 0.
 * Descriptors 2i and 2i+1 hold request i (staged by the VMM); the guest
 * makes them available one request at a time, as a driver does.
 */
static const unsigned char guest_code[] = {
	0xfa,					/* cli */
	0x31, 0xc0,				/* xor ax, ax */
	0x8e, 0xd8,				/* mov ds, ax */
	0x8e, 0xd0,				/* mov ss, ax */
	0xbc, LO(STACK_TOP), HI(STACK_TOP),	/* mov sp, STACK_TOP */
	/* The 8259: vectors 8..15, then unmask IRQ 5 only. */
	0xb0, 0x11,				/* mov al, 0x11: ICW1, ICW4 follows */
	0xe6, 0x20,				/* out 0x20, al */
	0xb0, 0x08,				/* mov al, 8: ICW2, vector base */
	0xe6, 0x21,				/* out 0x21, al */
	0xb0, 0x04,				/* mov al, 4: ICW3, slave on IRQ 2 */
	0xe6, 0x21,				/* out 0x21, al */
	0xb0, 0x01,				/* mov al, 1: ICW4, 8086 mode */
	0xe6, 0x21,				/* out 0x21, al */
	0xb0, (unsigned char)~(1 << IRQ_GSI),	/* mov al, ~(1 << 5) */
	0xe6, 0x21,				/* out 0x21, al: OCW1, the mask */
	0x31, 0xf6,				/* xor si, si: requests published */
/* next: */
	0x89, 0xf0,				/* mov ax, si */
	0x01, 0xc0,				/* add ax, ax: head = 2 * si */
	0x89, 0xf3,				/* mov bx, si */
	0x83, 0xe3, RING_NUM - 1,		/* and bx, RING_NUM - 1 */
	0x01, 0xdb,				/* add bx, bx */
	0x89, 0x87, LO(AVAIL_GPA + 4), HI(AVAIL_GPA + 4),
						/* mov [bx + avail.ring], ax */
	0x46,					/* inc si */
	0x89, 0x36, LO(AVAIL_GPA + 2), HI(AVAIL_GPA + 2),
						/* mov [avail.idx], si */
	0xba, LO(NOTIFY_PORT), HI(NOTIFY_PORT),	/* mov dx, NOTIFY_PORT */
	0x31, 0xc0,				/* xor ax, ax: queue 0 */
	0xef,					/* out dx, ax: the kick */
/* wait: */
	0xfb,					/* sti */
	0xf4,					/* hlt: until an interrupt */
	0xfa,					/* cli */
	0x39, 0x36, LO(USED_GPA + 2), HI(USED_GPA + 2),
						/* cmp [used.idx], si */
	0x75, 0xf7,				/* jne wait (-9) */
	0x83, 0xfe, NREQ,			/* cmp si, NREQ */
	0x75, 0xd8,				/* jne next (-40) */
	0xba, LO(DONE_PORT), HI(DONE_PORT),	/* mov dx, DONE_PORT */
	0xee,					/* out dx, al: done, to the VMM */
	0xf4,					/* hlt */
	0xeb, 0xfd,				/* jmp to the hlt (-3) */
};

/* The interrupt handler, at ISR_GPA: count, end of interrupt, return. */
static const unsigned char guest_isr[] = {
	0xff, 0x06, LO(IRQ_COUNT_GPA), HI(IRQ_COUNT_GPA),
						/* inc word [IRQ_COUNT_GPA] */
	0x50,					/* push ax */
	0xb0, 0x20,				/* mov al, 0x20: non-specific EOI */
	0xe6, 0x20,				/* out 0x20, al */
	0x58,					/* pop ax */
	0xcf,					/* iret */
};

/**
 * struct vmm - one VM and, once started, its vhost9p-ctl attach
 * @kvm: /dev/kvm
 * @vm: the VM
 * @vcpu: its vCPU
 * @mem_fd: the memfd behind guest memory
 * @kick: the eventfd of the notify port's ioeventfd
 * @call: the eventfd of the irqfd of IRQ_GSI
 * @mem: our mapping of it
 * @run: the vCPU's kvm_run
 * @run_size: its size
 * @dir: the export directory
 * @file_ino: the inode number of the file in it
 * @child: the attach process, 0 when none
 * @ctl: our end of its control socket
 * @err: the read end of its stderr
 * @buf: what came from @ctl and is not a line yet
 * @buf_len: bytes in @buf
 */
struct vmm {
	int kvm;
	int vm;
	int vcpu;
	int mem_fd;
	int kick;
	int call;
	unsigned char *mem;
	struct kvm_run *run;
	size_t run_size;
	char dir[PATH_MAX];
	ino_t file_ino;
	pid_t child;
	int ctl;
	int err;
	char buf[1024];
	size_t buf_len;
};

static void on_alarm(int sig)
{
}

static const char *ctl_path(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t n;

	if (getenv("VHOST9P_CTL"))
		return getenv("VHOST9P_CTL");
	/* build/selftests/minivmm -> build/tools/vhost9p-ctl */
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return "vhost9p-ctl";
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return "vhost9p-ctl";
	*slash = '\0';
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, 32, "tools/vhost9p-ctl");
	return path;
}

/*
 * A VM with memory, an irqchip, the device's ioeventfd and irqfd, and one
 * vCPU at the guest's first byte.
 */
static int vm_create(struct vmm *v)
{
	struct kvm_ioeventfd io = {
		.addr = NOTIFY_PORT, .len = 2, .datamatch = 0,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct kvm_irqfd irq = { .gsi = IRQ_GSI };
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_segment *segs[6];
	int i;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return -1;
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return -1;
	v->mem_fd = memfd_create("minivmm-guest", MFD_CLOEXEC);
	if (v->mem_fd < 0 || ftruncate(v->mem_fd, MEM_SIZE))
		return -1;
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->mem_fd, 0);
	if (v->mem == MAP_FAILED)
		return -1;
	region.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -1;
	/* Intel's real mode needs it, below 4 GiB and outside memory. */
	if (ioctl(v->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL))
		return -1;
	/* Before the vCPU, so that it gets a local APIC wired to the PIC. */
	if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0))
		return -1;
	/*
	 * Only the VM's own process may register them (KVM refuses VM ioctls
	 * from any other mm): writes of queue index 0 to the notify port, and
	 * IRQ 5.
	 */
	v->kick = eventfd(0, EFD_CLOEXEC);
	v->call = eventfd(0, EFD_CLOEXEC);
	if (v->kick < 0 || v->call < 0)
		return -1;
	io.fd = v->kick;
	irq.fd = v->call;
	if (ioctl(v->vm, KVM_IOEVENTFD, &io) || ioctl(v->vm, KVM_IRQFD, &irq))
		return -1;
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return -1;
	v->run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return -1;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	segs[0] = &sregs.cs;
	segs[1] = &sregs.ds;
	segs[2] = &sregs.es;
	segs[3] = &sregs.fs;
	segs[4] = &sregs.gs;
	segs[5] = &sregs.ss;
	for (i = 0; i < 6; i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs) || ioctl(v->vcpu, KVM_SET_REGS, &regs))
		return -1;
	return 0;
}

static void put_file(const char *dir, const char *name, const char *data, ino_t *ino)
{
	char path[PATH_MAX + 64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data) ||
	    fstat(fd, &st))
		abort();
	close(fd);
	if (ino)
		*ino = st.st_ino;
}

static void vmm_init(struct vmm *v)
{
	memset(v, 0, sizeof(*v));
	v->kvm = -1;
	v->vm = -1;
	v->vcpu = -1;
	v->mem_fd = -1;
	v->kick = -1;
	v->call = -1;
	v->ctl = -1;
	v->err = -1;
	v->mem = MAP_FAILED;
	v->run = MAP_FAILED;
	snprintf(v->dir, sizeof(v->dir), "%s/minivmm.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(v->dir))
		abort();
	put_file(v->dir, "hello.txt", CONTENT, &v->file_ino);
	put_file(v->dir, "not-a-dir", "", NULL);
}

/* Wait for the attach process; its exit status, or -1. */
static int attach_wait(struct vmm *v)
{
	int status;

	if (!v->child)
		return -1;
	if (v->ctl >= 0)
		close(v->ctl);
	v->ctl = -1;
	if (waitpid(v->child, &status, 0) != v->child)
		return -1;
	v->child = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void vmm_destroy(struct vmm *v)
{
	char path[PATH_MAX + 64];

	if (v->child) {
		kill(v->child, SIGTERM);
		attach_wait(v);
	}
	if (v->err >= 0)
		close(v->err);
	if (v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->mem != MAP_FAILED)
		munmap(v->mem, MEM_SIZE);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->mem_fd >= 0)
		close(v->mem_fd);
	if (v->kick >= 0)
		close(v->kick);
	if (v->call >= 0)
		close(v->call);
	if (v->vm >= 0)
		close(v->vm);
	if (v->kvm >= 0)
		close(v->kvm);
	snprintf(path, sizeof(path), "%s/hello.txt", v->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/not-a-dir", v->dir);
	unlink(path);
	rmdir(v->dir);
}

/*
 * Start vhost9p-ctl attach with the arguments @fmt makes (split at
 * spaces), a control socket as --control-fd, and our descriptors
 * inherited unless @by_pid, when the tool must take them from us.
 */
static __printf(3, 4) int attach_start(struct vmm *v, bool by_pid, const char *fmt, ...)
{
	char line[2048], *argv[40], *save = NULL, *tok;
	const char *tool = ctl_path();
	int sv[2], errp[2], argc = 0, fd;
	char ctl_arg[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    pipe2(errp, O_CLOEXEC))
		return -1;
	snprintf(ctl_arg, sizeof(ctl_arg), "%d", sv[1]);
	argv[argc++] = (char *)tool;
	argv[argc++] = "attach";
	for (tok = strtok_r(line, " ", &save); tok && argc < 36;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc++] = "--control-fd";
	argv[argc++] = ctl_arg;
	argv[argc] = NULL;
	fflush(NULL);
	v->child = fork();
	if (v->child < 0)
		return -1;
	if (!v->child) {
		const int inherit[] = { v->kvm, v->vm, v->mem_fd, v->kick, v->call };
		unsigned int i;

		dup2(errp[1], STDERR_FILENO);
		fd = open("/dev/null", O_RDWR);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		fcntl(sv[1], F_SETFD, 0);
		for (i = 0; !by_pid && i < ARRAY_SIZE(inherit); i++)
			if (inherit[i] >= 0)
				fcntl(inherit[i], F_SETFD, 0);
		execv(tool, argv);
		fprintf(stderr, "exec %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	close(errp[1]);
	if (v->err >= 0)
		close(v->err);
	v->ctl = sv[0];
	v->err = errp[0];
	v->buf_len = 0;
	return 0;
}

/* The next line from the control socket into @line; -1 at EOF or timeout. */
static int ctl_read(struct vmm *v, char *line, size_t size)
{
	struct pollfd pfd = { .fd = v->ctl, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(v->buf, '\n', v->buf_len);
		if (nl) {
			size_t len = nl - v->buf;

			snprintf(line, size, "%.*s", (int)len, v->buf);
			v->buf_len -= len + 1;
			memmove(v->buf, nl + 1, v->buf_len);
			return 0;
		}
		if (v->buf_len == sizeof(v->buf) ||
		    poll(&pfd, 1, TIMEOUT_S * 1000) != 1)
			return -1;
		n = read(v->ctl, v->buf + v->buf_len, sizeof(v->buf) - v->buf_len);
		if (n <= 0)
			return -1;
		v->buf_len += n;
	}
}

/* Send one command and read its answer into @answer. */
static __printf(4, 5) int ctl_cmd(struct vmm *v, char *answer, size_t size, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	/* No SIGPIPE if attach is gone: the test says what it expected. */
	if (send(v->ctl, line, n, MSG_NOSIGNAL) != n)
		return -1;
	return ctl_read(v, answer, size);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* What the attach process wrote on stderr (after it exited). */
static const char *attach_stderr(struct vmm *v, char *buf, size_t size)
{
	ssize_t n = read(v->err, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A T-message at @dst; returns its size. */
static __u32 build(void *dst, __u8 type, __u16 tag, const char *fmt, ...)
{
	struct v9p_buf b;
	va_list ap;

	v9p_buf_init(&b, dst, SLOT, NULL, 0);
	v9p_begin_reply(&b, type, tag);
	va_start(ap, fmt);
	if (v9p_vwritef(&b, fmt, ap))
		abort();
	va_end(ap);
	return v9p_end_reply(&b);
}

/* The requests of the session, and their descriptor chains. */
static void stage(struct vmm *v)
{
	struct vring_desc *desc = (struct vring_desc *)(v->mem + DESC_GPA);
	static const char version[] = "9P2000.L";
	__u32 len[NREQ];
	unsigned int i;

	len[0] = build(v->mem + REQ_GPA, P9_TVERSION, P9_NOTAG, "ds", MSIZE,
		       &(struct v9p_str){ sizeof(version) - 1, version });
	len[1] = build(v->mem + REQ_GPA + SLOT, P9_TATTACH, 1, "ddssd", 0,
		       P9_NOFID, &(struct v9p_str){ 4, "root" },
		       &(struct v9p_str){ 0, "" }, 0);
	len[2] = build(v->mem + REQ_GPA + 2 * SLOT, P9_TWALK, 2, "ddws", 0, 1, 1,
		       &(struct v9p_str){ 9, "hello.txt" });
	len[3] = build(v->mem + REQ_GPA + 3 * SLOT, P9_TLOPEN, 3, "dd", 1, 0);
	len[4] = build(v->mem + REQ_GPA + 4 * SLOT, P9_TREAD, 4, "dqd", 1, 0ULL, 4096);
	len[5] = build(v->mem + REQ_GPA + 5 * SLOT, P9_TCLUNK, 5, "d", 1);
	for (i = 0; i < NREQ; i++) {
		desc[2 * i].addr = REQ_GPA + i * SLOT;
		desc[2 * i].len = len[i];
		desc[2 * i].flags = VRING_DESC_F_NEXT;
		desc[2 * i].next = 2 * i + 1;
		desc[2 * i + 1].addr = RESP_GPA + i * SLOT;
		desc[2 * i + 1].len = MSIZE;
		desc[2 * i + 1].flags = VRING_DESC_F_WRITE;
	}
	memcpy(v->mem + CODE_GPA, guest_code, sizeof(guest_code));
	memcpy(v->mem + ISR_GPA, guest_isr, sizeof(guest_isr));
	/* The real-mode interrupt vector: offset, then segment 0. */
	v->mem[IVT_GPA + 4 * IRQ_VECTOR] = LO(ISR_GPA);
	v->mem[IVT_GPA + 4 * IRQ_VECTOR + 1] = HI(ISR_GPA);
}

/* The command line, but for --call-fd: memory, kick, path. */
#define ATTACH_ARGS "--mem-fd %d:0:2M --kick-fd %d --path %s --tag minivmm"

static int start_attach(struct vmm *v, bool by_pid, const char *more)
{
	return attach_start(v, by_pid, ATTACH_ARGS " --call-fd %d %s", v->mem_fd,
			    v->kick, v->dir, v->call, more);
}

FIXTURE(guest) {
	struct vmm v;
};

FIXTURE_VARIANT(guest) {
	bool by_pid;
};

/* The VMM's descriptors inherited across exec. */
FIXTURE_VARIANT_ADD(guest, inherited) {
	.by_pid = false,
};

/* The tool takes them with pidfd_getfd() (--pid), as from a running VMM. */
FIXTURE_VARIANT_ADD(guest, by_pid) {
	.by_pid = true,
};

FIXTURE_SETUP(guest)
{
	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm: load kvm_amd or kvm_intel (nested KVM)");
	vmm_init(&self->v);
	ASSERT_EQ(0, vm_create(&self->v)) TH_LOG("KVM: %s", strerror(errno));
	stage(&self->v);
}

FIXTURE_TEARDOWN(guest)
{
	vmm_destroy(&self->v);
}

/* Decode the reply to request @i: checks its header, returns a cursor. */
static int reply(struct vmm *v, unsigned int i, __u8 type, __u16 tag,
		 struct v9p_buf *b, char *scratch)
{
	struct vring_used_elem *used =
		(struct vring_used_elem *)(v->mem + USED_GPA + 4) + i;
	__u32 size;
	__u16 rtag;
	__u8 rtype;

	if (used->id != 2 * i || used->len < V9P_HDR_SIZE || used->len > MSIZE)
		return -1;
	v9p_buf_init(b, v->mem + RESP_GPA + i * SLOT, used->len, scratch, MSIZE);
	if (v9p_readf(b, "dbw", &size, &rtype, &rtag) || size != used->len)
		return -1;
	return rtype == type + 1 && rtag == tag ? 0 : -1;
}

TEST_F_TIMEOUT(guest, serves_a_session, 240)
{
	struct vmm *v = &self->v;
	struct sigaction sa = { .sa_handler = on_alarm };
	char line[1024], scratch[MSIZE], who[32];
	unsigned int io_exits = 0, notify_exits = 0;
	__u16 *avail_idx = (__u16 *)(v->mem + AVAIL_GPA + 2);
	__u16 *used_idx = (__u16 *)(v->mem + USED_GPA + 2);
	__u16 *irqs = (__u16 *)(v->mem + IRQ_COUNT_GPA);
	struct vring_desc *desc = (struct vring_desc *)(v->mem + DESC_GPA);
	__u16 *ring = (__u16 *)(v->mem + AVAIL_GPA + 4);
	struct vring_used_elem *used;
	struct p9_qid qid, walked;
	struct v9p_str version;
	unsigned long long features;
	struct v9p_buf b;
	bool done = false;
	__u32 msize, count, iounit;
	__u16 nwqid, tag;
	unsigned int i;
	__u8 type;

	snprintf(who, sizeof(who), "--pid %d", getpid());
	ASSERT_EQ(0, start_attach(v, variant->by_pid, variant->by_pid ? who : ""));
	ASSERT_EQ(0, ctl_read(v, line, sizeof(line))) {
		TH_LOG("no line from attach: %s", attach_stderr(v, scratch, sizeof(scratch)));
	}
	ASSERT_EQ(1, sscanf(line, "ready features=%llx", &features)) TH_LOG("%s", line);
	ASSERT_TRUE(features & (1ULL << VIRTIO_F_VERSION_1));

	/* What a driver sets, as the VMM sees it: FEATURES_OK, the queue, DRIVER_OK. */
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "features"));
	snprintf(scratch, sizeof(scratch), "ok features=0x%llx", features);
	EXPECT_STREQ(scratch, line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "features %#llx",
			     1ULL << VIRTIO_F_VERSION_1));
	ASSERT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line),
			     "vring 0 num=%d desc=%#x avail=%#x used=%#x",
			     RING_NUM, DESC_GPA, AVAIL_GPA, USED_GPA));
	ASSERT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "start"));
	ASSERT_STREQ("ok", line);

	/* Run the guest until it says it is done, or the time is up. */
	sigaction(SIGALRM, &sa, NULL);
	alarm(TIMEOUT_S);
	while (!done) {
		if (ioctl(v->vcpu, KVM_RUN, 0)) {
			ASSERT_EQ(EINTR, errno);
			break;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			io_exits++;
			if (v->run->io.port == NOTIFY_PORT)
				notify_exits++;
			done = v->run->io.port == DONE_PORT &&
			       v->run->io.direction == KVM_EXIT_IO_OUT;
			break;
		default:
			ASSERT_TRUE(0) TH_LOG("unexpected exit reason %u", v->run->exit_reason);
		}
	}
	alarm(0);
	ASSERT_TRUE(done) {
		TH_LOG("the guest did not finish in %d s: avail idx %u, used idx %u, %u interrupts",
		       TIMEOUT_S, *avail_idx, *used_idx, *irqs);
		if (!ctl_cmd(v, line, sizeof(line), "stats"))
			TH_LOG("attach: %s", line);
	}
	/* The kicks never left the kernel: the VMM saw only "done". */
	EXPECT_EQ(0, notify_exits);
	EXPECT_EQ(1, io_exits);
	EXPECT_EQ(NREQ, *used_idx);
	/* One interrupt per request: the guest halts for each. */
	EXPECT_EQ(NREQ, *irqs);

	ASSERT_EQ(0, reply(v, 0, P9_TVERSION, P9_NOTAG, &b, scratch));
	ASSERT_EQ(0, v9p_readf(&b, "ds", &msize, &version));
	EXPECT_EQ(MSIZE, msize);
	EXPECT_STREQ("9P2000.L", version.str);
	ASSERT_EQ(0, reply(v, 1, P9_TATTACH, 1, &b, scratch));
	ASSERT_EQ(0, v9p_readf(&b, "Q", &qid));
	EXPECT_EQ(P9_QTDIR, qid.type);
	ASSERT_EQ(0, reply(v, 2, P9_TWALK, 2, &b, scratch));
	ASSERT_EQ(0, v9p_readf(&b, "wQ", &nwqid, &walked));
	EXPECT_EQ(1, nwqid);
	EXPECT_EQ(P9_QTFILE, walked.type);
	/* The file the VMM created, by its inode number. */
	EXPECT_EQ(v->file_ino, walked.path & ((1ULL << 48) - 1));
	ASSERT_EQ(0, reply(v, 3, P9_TLOPEN, 3, &b, scratch));
	ASSERT_EQ(0, v9p_readf(&b, "Qd", &qid, &iounit));
	EXPECT_EQ(walked.path, qid.path);
	ASSERT_EQ(0, reply(v, 4, P9_TREAD, 4, &b, scratch));
	ASSERT_EQ(0, v9p_readf(&b, "d", &count));
	ASSERT_EQ(strlen(CONTENT), count);
	EXPECT_EQ(0, memcmp(v->mem + RESP_GPA + 4 * SLOT + V9P_IOHDR_SIZE, CONTENT, count));
	ASSERT_EQ(0, reply(v, 5, P9_TCLUNK, 5, &b, scratch));
	EXPECT_EQ(V9P_HDR_SIZE, b.size);

	/* The device's own count: it served them all, without error. */
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "stats"));
	snprintf(scratch, sizeof(scratch),
		 "ok requests=%d errors=0 bad_requests=0 fids=1 msize=%d read_bytes=%zu write_bytes=0",
		 NREQ, MSIZE, strlen(CONTENT));
	EXPECT_STREQ(scratch, line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "stop"));
	EXPECT_STREQ("ok base=6", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "quit"));
	EXPECT_STREQ("ok", line);
	EXPECT_EQ(0, attach_wait(v));

	/*
	 * The VMM's wiring outlives the attach: another takes over from the
	 * index the first stopped at, and serves a request the VMM queues
	 * and kicks itself (a new device: a new session).
	 */
	ASSERT_EQ(0, start_attach(v, variant->by_pid, variant->by_pid ? who : ""));
	ASSERT_EQ(0, ctl_read(v, line, sizeof(line)));
	ASSERT_TRUE(starts(line, "ready features=")) TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "features %#llx",
			     1ULL << VIRTIO_F_VERSION_1));
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line),
			     "vring 0 num=%d desc=%#x avail=%#x used=%#x base=%d",
			     RING_NUM, DESC_GPA, AVAIL_GPA, USED_GPA, NREQ));
	ASSERT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "start"));
	ASSERT_STREQ("ok", line);
	desc[0].len = build(v->mem + REQ_GPA, P9_TVERSION, P9_NOTAG, "ds", MSIZE / 2,
			    &(struct v9p_str){ 8, "9P2000.L" });
	ring[NREQ] = 0;
	__atomic_store_n(avail_idx, NREQ + 1, __ATOMIC_RELEASE);
	ASSERT_EQ(8, write(v->kick, &(__u64){ 1 }, 8));
	for (i = 0; i < 1000 && __atomic_load_n(used_idx, __ATOMIC_ACQUIRE) != NREQ + 1; i++)
		usleep(10000);
	ASSERT_EQ(NREQ + 1, *used_idx);
	used = (struct vring_used_elem *)(v->mem + USED_GPA + 4) + NREQ;
	EXPECT_EQ(0, used->id);
	v9p_buf_init(&b, v->mem + RESP_GPA, used->len, scratch, MSIZE);
	ASSERT_EQ(0, v9p_readf(&b, "dbwds", &count, &type, &tag, &msize, &version));
	EXPECT_EQ(P9_RVERSION, type);
	EXPECT_EQ(MSIZE / 2, msize);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "stats"));
	EXPECT_TRUE(starts(line, "ok requests=1 errors=0")) TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, sizeof(line), "quit"));
	EXPECT_STREQ("ok", line);
	EXPECT_EQ(0, attach_wait(v));
}

FIXTURE(vm) {
	struct vmm v;
	char err[4096];
	char line[1024];
};

FIXTURE_SETUP(vm)
{
	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm: load kvm_amd or kvm_intel (nested KVM)");
	vmm_init(&self->v);
	ASSERT_EQ(0, vm_create(&self->v)) TH_LOG("KVM: %s", strerror(errno));
}

FIXTURE_TEARDOWN(vm)
{
	vmm_destroy(&self->v);
}

/*
 * Run attach to its exit with the arguments @fmt makes; its status, what
 * it said on stderr in self->err, its first control line in self->line.
 */
#define attach_fails(fmt, ...) ({						\
	int __rc = -1;								\
	self->line[0] = '\0';							\
	if (!attach_start(&self->v, false, fmt, ##__VA_ARGS__)) {		\
		ctl_read(&self->v, self->line, sizeof(self->line));		\
		__rc = attach_wait(&self->v);					\
		attach_stderr(&self->v, self->err, sizeof(self->err));		\
		close(self->v.err);						\
		self->v.err = -1;						\
	}									\
	__rc; })

TEST_F(vm, not_an_eventfd)
{
	struct vmm *v = &self->v;
	char want[128];

	/* The memfd as the kick, then the VM as the call. */
	EXPECT_EQ(1, attach_fails(ATTACH_ARGS, v->mem_fd, v->mem_fd, v->dir));
	snprintf(want, sizeof(want), "--kick-fd %d is not an eventfd (it is /memfd:minivmm-guest",
		 v->mem_fd);
	EXPECT_NE(NULL, strstr(self->err, want)) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->err, "the eventfd the VMM registered with KVM_IOEVENTFD"));
	/* The VMM waiting for "ready" learns why too. */
	EXPECT_TRUE(starts(self->line, "error --kick-fd")) TH_LOG("%s", self->line);
	EXPECT_EQ(1, attach_fails(ATTACH_ARGS " --call-fd %d", v->mem_fd, v->kick, v->dir, v->vm));
	EXPECT_NE(NULL, strstr(self->err, "is not an eventfd (it is anon_inode:kvm-vm)"))
		TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->err, "pass the eventfd the VMM registered with KVM_IRQFD"));
	/* A descriptor the VMM did not pass on. */
	EXPECT_EQ(1, attach_fails(ATTACH_ARGS, v->mem_fd, 999, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "--kick-fd 999: descriptor 999 is not open"))
		TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->err, "the VMM must leave it open across exec (no O_CLOEXEC)"));
}

TEST_F(vm, bad_path)
{
	struct vmm *v = &self->v;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/nonexistent", v->dir);
	EXPECT_EQ(1, attach_fails(ATTACH_ARGS, v->mem_fd, v->kick, path));
	EXPECT_NE(NULL, strstr(self->err, "does not exist: export an existing directory"))
		TH_LOG("%s", self->err);
	snprintf(path, sizeof(path), "%s/not-a-dir", v->dir);
	EXPECT_EQ(1, attach_fails(ATTACH_ARGS, v->mem_fd, v->kick, path));
	EXPECT_NE(NULL, strstr(self->err, "is not a directory: export a directory"))
		TH_LOG("%s", self->err);
}

TEST_F(vm, bad_memory)
{
	struct vmm *v = &self->v;

	/* Larger than the memfd. */
	EXPECT_EQ(1, attach_fails("--mem-fd %d:0:4M --kick-fd %d --path %s --tag t",
				  v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "the file is 2097152 bytes < OFFSET+SIZE 4194304"))
		TH_LOG("%s", self->err);
	/* Not a memory file. */
	EXPECT_EQ(1, attach_fails("--mem-fd %d:0:2M --kick-fd %d --path %s --tag t",
				  v->vm, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "is not a memory file: pass the memfd or shm file"))
		TH_LOG("%s", self->err);
	/* Usage errors: exit status 2. */
	EXPECT_EQ(2, attach_fails("--mem-fd %d:0x100:2M --kick-fd %d --path %s --tag t",
				  v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "must be page-aligned")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails("--mem-fd %d:0:1M --mem-fd %d:0x80000:1M --kick-fd %d %s",
				  v->mem_fd, v->mem_fd, v->kick, "--path / --tag t"));
	EXPECT_NE(NULL, strstr(self->err, "overlaps")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails("--mem-fd %d:0 --kick-fd %d --path %s --tag t",
				  v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "expected FD:GPA:SIZE[:OFFSET]")) TH_LOG("%s", self->err);
}

TEST_F(vm, usage_errors)
{
	struct vmm *v = &self->v;

	EXPECT_EQ(2, attach_fails("--mem-fd %d:0:2M --path / --tag t", v->mem_fd));
	EXPECT_NE(NULL, strstr(self->err, "--kick-fd is required")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails("--kick-fd %d --path / --tag t", v->kick));
	EXPECT_NE(NULL, strstr(self->err, "--mem-fd is required")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails("--mem-fd %d:0:2M --kick-fd %d --path /", v->mem_fd, v->kick));
	EXPECT_NE(NULL, strstr(self->err, "--tag is required")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails(ATTACH_ARGS " --bogus", v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "unknown option '--bogus'")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails(ATTACH_ARGS " --msize 100", v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "--msize 100: must be 4096 to")) TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails(ATTACH_ARGS " --security-model bogus", v->mem_fd, v->kick,
				  v->dir));
	EXPECT_NE(NULL, strstr(self->err, "is not one of none, passthrough or mapped-xattr"))
		TH_LOG("%s", self->err);
	EXPECT_EQ(2, attach_fails(ATTACH_ARGS " extra", v->mem_fd, v->kick, v->dir));
	EXPECT_NE(NULL, strstr(self->err, "unexpected argument 'extra'")) TH_LOG("%s", self->err);
}

TEST_F(vm, pid_without_that_fd)
{
	struct vmm *v = &self->v;

	EXPECT_EQ(1, attach_fails(ATTACH_ARGS " --pid %d", v->mem_fd, 999, v->dir, getpid()));
	EXPECT_NE(NULL, strstr(self->err, "--kick-fd 999: process"))
		TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->err, "has no descriptor 999")) TH_LOG("%s", self->err);
}

/* The control protocol refuses what makes no sense, and says what does. */
TEST_F(vm, control_errors)
{
	struct vmm *v = &self->v;
	char *line = self->line;
	size_t size = sizeof(self->line);

	ASSERT_EQ(0, start_attach(v, false, ""));
	ASSERT_EQ(0, ctl_read(v, line, size));
	ASSERT_TRUE(starts(line, "ready features=0x")) TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "start"));
	EXPECT_TRUE(starts(line, "error no features yet: send 'features 0xHEX', the bits"))
		TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "features 0x8000000000000000"));
	EXPECT_TRUE(starts(line, "error features 0x8000000000000000: bits 0x8000000000000000:"))
		TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "vhost-9p does not offer them: offer the guest only bits of"))
		TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "features %#llx", 1ULL << VIRTIO_F_VERSION_1));
	EXPECT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "start"));
	EXPECT_STREQ("error no vring yet: send 'vring 0 num=N desc=GPA avail=GPA used=GPA'", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 1 num=16 desc=0 avail=0 used=0"));
	EXPECT_STREQ("error vring 1: virtio-9p has one queue, index 0", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=12 desc=0x3000 avail=0x3400 used=0x3800"));
	EXPECT_TRUE(starts(line, "error vring: num=12: the queue size is a power of two"))
		TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=16 desc=0x3000 avail=0x3400"));
	EXPECT_TRUE(starts(line, "error vring: used= is missing")) TH_LOG("%s", line);
	/* The table would end past guest memory. */
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=16 desc=%#x avail=0x3400 used=0x3800",
			     0x1fff80));
	EXPECT_TRUE(starts(line, "error vring: desc=0x1fff80 (256 bytes) is not inside one"))
		TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "region: give the guest physical address the driver wrote"));
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=16 desc=0x3000 avail=0x3401 used=0x3800"));
	EXPECT_NE(NULL, strstr(line, "is not aligned")) TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=16 desc=0x3000 avail=0x3400 used=0x3800"));
	EXPECT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "start"));
	EXPECT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "vring 0 num=16 desc=0x3000 avail=0x3400 used=0x3800"));
	EXPECT_STREQ("error the device is running: send 'stop' or 'reset' first", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "start now"));
	EXPECT_STREQ("error start takes no arguments", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "frobnicate"));
	EXPECT_TRUE(starts(line, "error unknown command 'frobnicate'")) TH_LOG("%s", line);
	/* After a reset, the driver starts from scratch. */
	ASSERT_EQ(0, ctl_cmd(v, line, size, "reset"));
	EXPECT_STREQ("ok", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "start"));
	EXPECT_TRUE(starts(line, "error no features yet")) TH_LOG("%s", line);
	ASSERT_EQ(0, ctl_cmd(v, line, size, "stats"));
	EXPECT_TRUE(starts(line, "ok requests=0 errors=0")) TH_LOG("%s", line);
	/* End of file detaches, as quit does. */
	close(v->ctl);
	v->ctl = -1;
	EXPECT_EQ(0, attach_wait(v));
}

V9P_HARNESS_MAIN
