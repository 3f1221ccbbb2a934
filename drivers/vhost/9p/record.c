// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p request recorder, for the tests only (built with
 * CONFIG_VHOST_9P_FAULT_INJECTION, beside fault.c).
 *
 * The decoder's fuzzer (selftests/fuzz) starts from a corpus; the best one
 * is what a real 9p client sends.  Writing N to
 * /sys/kernel/debug/vhost-9p/record keeps the next N requests of every
 * device, each as the server copied it in (a Twrite without its data,
 * which stays in guest memory), up to V9P_RECORD_BYTES in all; reading
 * gives them back, each preceded by its length as a little-endian u32;
 * writing 0 forgets them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vhost_9p.h"

/* Enough for thousands of requests, little enough to read in one go. */
#define V9P_RECORD_BYTES	(4 * 1024 * 1024)

static DEFINE_MUTEX(record_lock);	/* everything below */
static u8 *record_buf;
static size_t record_len;
static unsigned int record_left;

/**
 * v9p_record() - keep a copy of a request, if recording
 * @msg: the request, as the server copied it in
 * @len: its length
 *
 * Called on the vhost worker, which may sleep.
 */
void v9p_record(const u8 *msg, size_t len)
{
	__le32 hdr = cpu_to_le32(len);

	if (!READ_ONCE(record_left))
		return;
	mutex_lock(&record_lock);
	if (record_left && record_buf &&
	    record_len + sizeof(hdr) + len <= V9P_RECORD_BYTES) {
		memcpy(record_buf + record_len, &hdr, sizeof(hdr));
		memcpy(record_buf + record_len + sizeof(hdr), msg, len);
		record_len += sizeof(hdr) + len;
		record_left--;
	}
	mutex_unlock(&record_lock);
}

static void record_reset(void)
{
	vfree(record_buf);
	record_buf = NULL;
	record_len = 0;
	WRITE_ONCE(record_left, 0);
}

/* "N": record the next N requests, forgetting earlier ones; "0": stop. */
static ssize_t record_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	unsigned int count;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &count);
	if (ret)
		return ret;
	mutex_lock(&record_lock);
	record_reset();
	if (count) {
		record_buf = vmalloc(V9P_RECORD_BYTES);
		if (!record_buf) {
			mutex_unlock(&record_lock);
			return -ENOMEM;
		}
		WRITE_ONCE(record_left, count);
	}
	mutex_unlock(&record_lock);
	return len;
}

static ssize_t record_read(struct file *file, char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&record_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, record_buf, record_len);
	mutex_unlock(&record_lock);
	return ret;
}

static const struct file_operations record_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.read		= record_read,
	.write		= record_write,
	.llseek		= default_llseek,
};

/**
 * v9p_record_init() - make the record file
 * @dir: the module's debugfs directory
 */
void v9p_record_init(struct dentry *dir)
{
	debugfs_create_file("record", 0600, dir, NULL, &record_fops);
}

/**
 * v9p_record_exit() - forget the records; the file is gone with @dir
 */
void v9p_record_exit(void)
{
	mutex_lock(&record_lock);
	record_reset();
	mutex_unlock(&record_lock);
}
