// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p fault injection and held requests, for the tests only
 * (CONFIG_VHOST_9P_FAULT_INJECTION; without it none of this is built).
 *
 * The VFS calls and allocations on the paths of the operations are
 * preceded by fault points, v9p_fault(), numbered 1, 2, ... within each
 * request (not yet those of POSIX locks, Tremove, Treadlink and the
 * attribute set at a clunk: Documentation/design.rst).
 * A rule "Tmkdir 3 EIO" written to /sys/kernel/debug/vhost-9p/fail makes
 * the third fault point of every Tmkdir fail with EIO, so that a test can
 * walk N = 1, 2, ... through every error path of an operation until the
 * request succeeds.  "Tread" written to hold makes the next Tread wait where
 * it is served until "Tread" (or "all") is written to release, or its
 * device is stopped, so that a test knows a request is in flight.
 *
 * The rules are the module's, for every device: the tests that use them run
 * alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "vhost_9p.h"

/* A request is never held longer than this: no test waits so long. */
#define V9P_HOLD_MAX	(60 * HZ)

/**
 * struct fault_rule - what to do with the fault points of one message type
 * @nth: the fault point that fails, counted from 1 in each request; 0: none
 * @err: the errno it fails with
 * @fired: how many times it failed
 * @points: the fault points the last request of the type passed
 */
struct fault_rule {
	unsigned int nth;
	int err;
	unsigned int fired;
	unsigned int points;
};

/**
 * struct held_req - a request waiting in v9p_hold()
 * @node: on held_list
 * @v9p: its device
 * @type: its message type
 * @tag: its tag
 * @released: it may go on
 */
struct held_req {
	struct list_head node;
	struct vhost_9p *v9p;
	u8 type;
	u16 tag;
	bool released;
};

static DEFINE_SPINLOCK(fault_lock);	/* everything below */
static struct fault_rule rules[V9P_MSG_TYPE_MAX];
static unsigned int holds_armed[V9P_MSG_TYPE_MAX];
static LIST_HEAD(held_list);
static DECLARE_WAIT_QUEUE_HEAD(held_wq);
static struct dentry *fault_dir;

/**
 * v9p_fault() - a fault point: the next step of @req may be made to fail
 * @req: the request being served
 *
 * Return: 0, or the negative errno a rule injects here.
 */
int v9p_fault(struct v9p_request *req)
{
	struct fault_rule *rule = &rules[req->type];
	int ret = 0;

	spin_lock(&fault_lock);
	if (++req->fault_points == rule->nth) {
		rule->fired++;
		ret = -rule->err;
	}
	spin_unlock(&fault_lock);
	return ret;
}

/**
 * v9p_fault_end() - a request was served: remember how many fault points
 * it passed, for the fail file
 * @req: the request
 */
void v9p_fault_end(const struct v9p_request *req)
{
	spin_lock(&fault_lock);
	rules[req->type].points = req->fault_points;
	spin_unlock(&fault_lock);
}

static bool hold_over(const struct held_req *h)
{
	return READ_ONCE(h->released) || READ_ONCE(h->v9p->no_holds);
}

/**
 * v9p_hold() - hold @req here if a hold is armed for its type
 * @v9p: its device
 * @req: the request, about to be served
 *
 * Waits, killably and for at most a minute, until the request is released
 * through the release file or its device is stopped (v9p_unhold()).
 */
void v9p_hold(struct vhost_9p *v9p, const struct v9p_request *req)
{
	struct held_req h = { .v9p = v9p, .type = req->type, .tag = req->tag };
	long left;

	spin_lock(&fault_lock);
	if (v9p->no_holds || !holds_armed[req->type]) {
		spin_unlock(&fault_lock);
		return;
	}
	holds_armed[req->type]--;
	list_add_tail(&h.node, &held_list);
	spin_unlock(&fault_lock);

	left = wait_event_killable_timeout(held_wq, hold_over(&h), V9P_HOLD_MAX);
	if (!left)
		pr_warn("%s tag %u held for %d s: let go\n", v9p_msg_name(h.type),
			h.tag, V9P_HOLD_MAX / HZ);

	spin_lock(&fault_lock);
	list_del(&h.node);
	spin_unlock(&fault_lock);
}

/**
 * v9p_hold_armed() - would a request of this type be held
 * @req: the request
 *
 * A Tread tried at once on the ring worker would be held there, blocking
 * the device, where the tests want it held on the workqueue.
 *
 * Return: true while a hold of its type is armed.
 */
bool v9p_hold_armed(const struct v9p_request *req)
{
	return READ_ONCE(holds_armed[req->type]);
}

/**
 * v9p_unhold() - a device stops: let its held requests go, hold no more
 * @v9p: the device
 *
 * Stopping waits for the requests in flight, so none of them may stay
 * held; v9p_hold_allow() lets the device's requests be held again.
 */
void v9p_unhold(struct vhost_9p *v9p)
{
	spin_lock(&fault_lock);
	WRITE_ONCE(v9p->no_holds, true);
	spin_unlock(&fault_lock);
	wake_up_all(&held_wq);
}

/**
 * v9p_hold_allow() - a device starts: its requests may be held
 * @v9p: the device
 */
void v9p_hold_allow(struct vhost_9p *v9p)
{
	spin_lock(&fault_lock);
	WRITE_ONCE(v9p->no_holds, false);
	spin_unlock(&fault_lock);
}

/* The errnos the tests inject, by name; any other by number. */
static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "EBADF", EBADF },
	{ "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM }, { "EACCES", EACCES },
	{ "EFAULT", EFAULT }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
	{ "EXDEV", EXDEV }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
	{ "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE },
	{ "EFBIG", EFBIG }, { "ENOSPC", ENOSPC }, { "EROFS", EROFS },
	{ "EMLINK", EMLINK }, { "ERANGE", ERANGE }, { "ENAMETOOLONG", ENAMETOOLONG },
	{ "ENOTEMPTY", ENOTEMPTY }, { "ENODATA", ENODATA }, { "EOVERFLOW", EOVERFLOW },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ESTALE", ESTALE }, { "EDQUOT", EDQUOT },
};

static int parse_errno(const char *s)
{
	unsigned int i;
	int err;

	if (!kstrtoint(s, 0, &err))
		return err > 0 && err < MAX_ERRNO ? err : -EINVAL;
	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(s, errnos[i].name))
			return errnos[i].err;
	return -EINVAL;
}

/* A message type by number or by its name in v9p_msg_name(). */
static int parse_type(const char *s)
{
	unsigned int type;

	if (!kstrtouint(s, 0, &type))
		return type < V9P_MSG_TYPE_MAX ? type : -EINVAL;
	for (type = 0; type < V9P_MSG_TYPE_MAX; type++)
		if (!strcasecmp(s, v9p_msg_name(type)))
			return type;
	return -EINVAL;
}

/* Copy one command from userspace and split it into at most @max words. */
static int read_words(const char __user *ubuf, size_t len, char *buf, size_t size,
		      char **words, int max)
{
	char *p;
	int n = 0;

	if (!len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	p = strim(buf);
	while (p && *p) {
		if (n == max)
			return -EINVAL;
		words[n++] = strsep(&p, " \t");
		p = p ? skip_spaces(p) : NULL;
	}
	return n;
}

/* fail: "TYPE N ERRNO", "TYPE off" or "clear". */
static ssize_t fail_write(struct file *file, const char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	char buf[64], *w[3];
	unsigned int nth = 0;
	int n, type, err = 0;

	n = read_words(ubuf, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
	if (n < 0)
		return n;
	if (n == 1 && !strcmp(w[0], "clear")) {
		spin_lock(&fault_lock);
		memset(rules, 0, sizeof(rules));
		spin_unlock(&fault_lock);
		return len;
	}
	if (n < 2)
		return -EINVAL;
	type = parse_type(w[0]);
	if (type < 0)
		return type;
	if (n == 3) {
		err = parse_errno(w[2]);
		if (err < 0 || kstrtouint(w[1], 0, &nth))
			return -EINVAL;
	} else if (strcmp(w[1], "off")) {
		return -EINVAL;
	}
	spin_lock(&fault_lock);
	rules[type].nth = nth;
	rules[type].err = err;
	rules[type].fired = 0;
	spin_unlock(&fault_lock);
	return len;
}

/* One line for each type with a rule or a request served since "clear". */
static int fail_show(struct seq_file *m, void *v)
{
	struct fault_rule rule;
	unsigned int type;

	for (type = 0; type < V9P_MSG_TYPE_MAX; type++) {
		spin_lock(&fault_lock);
		rule = rules[type];
		spin_unlock(&fault_lock);
		if (rule.nth || rule.fired || rule.points)
			seq_printf(m, "%s nth=%u errno=%d fired=%u points=%u\n",
				   v9p_msg_name(type), rule.nth, rule.err, rule.fired,
				   rule.points);
	}
	return 0;
}

static int fail_open(struct inode *inode, struct file *file)
{
	return single_open(file, fail_show, NULL);
}

static const struct file_operations fail_fops = {
	.owner		= THIS_MODULE,
	.open		= fail_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= fail_write,
};

/* hold: "TYPE [COUNT]" arms COUNT holds (1 by default), "clear" none. */
static ssize_t hold_write(struct file *file, const char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	unsigned int count = 1;
	char buf[64], *w[2];
	int n, type;

	n = read_words(ubuf, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
	if (n < 1)
		return n ?: -EINVAL;
	if (n == 1 && !strcmp(w[0], "clear")) {
		spin_lock(&fault_lock);
		memset(holds_armed, 0, sizeof(holds_armed));
		spin_unlock(&fault_lock);
		return len;
	}
	type = parse_type(w[0]);
	if (type < 0)
		return type;
	if (n == 2 && kstrtouint(w[1], 0, &count))
		return -EINVAL;
	spin_lock(&fault_lock);
	holds_armed[type] += count;
	spin_unlock(&fault_lock);
	return len;
}

/* "armed TYPE COUNT" for holds to come, "held TYPE TAG" for those waiting. */
static int hold_show(struct seq_file *m, void *v)
{
	struct held_req *h;
	unsigned int type;

	spin_lock(&fault_lock);
	for (type = 0; type < V9P_MSG_TYPE_MAX; type++)
		if (holds_armed[type])
			seq_printf(m, "armed %s %u\n", v9p_msg_name(type),
				   holds_armed[type]);
	list_for_each_entry(h, &held_list, node)
		if (!h->released)
			seq_printf(m, "held %s %u\n", v9p_msg_name(h->type), h->tag);
	spin_unlock(&fault_lock);
	return 0;
}

static int hold_open(struct inode *inode, struct file *file)
{
	return single_open(file, hold_show, NULL);
}

static const struct file_operations hold_fops = {
	.owner		= THIS_MODULE,
	.open		= hold_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= hold_write,
};

/* release: "all", or "TYPE": let held requests go. */
static ssize_t release_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	int n, type = -1;
	struct held_req *h;
	char buf[64], *w[1];

	n = read_words(ubuf, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
	if (n < 0)
		return n;
	if (n == 1 && strcmp(w[0], "all")) {
		type = parse_type(w[0]);
		if (type < 0)
			return type;
	}
	spin_lock(&fault_lock);
	list_for_each_entry(h, &held_list, node)
		if (type < 0 || h->type == type)
			WRITE_ONCE(h->released, true);
	spin_unlock(&fault_lock);
	wake_up_all(&held_wq);
	return len;
}

static const struct file_operations release_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= release_write,
	.llseek		= noop_llseek,
};

/**
 * v9p_fault_init() - make /sys/kernel/debug/vhost-9p
 *
 * Like all of debugfs, it is there for debugging: failing to make it is
 * not an error.
 */
void v9p_fault_init(void)
{
	fault_dir = debugfs_create_dir("vhost-9p", NULL);
	debugfs_create_file("fail", 0600, fault_dir, NULL, &fail_fops);
	debugfs_create_file("hold", 0600, fault_dir, NULL, &hold_fops);
	debugfs_create_file("release", 0200, fault_dir, NULL, &release_fops);
	v9p_record_init(fault_dir);
	pr_info("fault injection built in: for testing only\n");
}

/**
 * v9p_fault_exit() - remove /sys/kernel/debug/vhost-9p
 */
void v9p_fault_exit(void)
{
	debugfs_remove_recursive(fault_dir);
	v9p_record_exit();
}
