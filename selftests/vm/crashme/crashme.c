// SPDX-License-Identifier: GPL-2.0
/*
 * crashme: a test-only module that breaks the kernel on purpose, so that
 * the VM harness's own self-test can prove it notices: loading it with
 * mode=warn prints a WARN, mode=oops dereferences NULL, mode=hang sleeps
 * uninterruptibly forever, and on a debug kernel mode=kasan reads past an
 * allocation and mode=leak loses one.  Never load it outside a test guest.
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

static int *crashme_null;
static char *crashme_lost;
/* A variable, so that the compiler cannot see the read is out of bounds. */
static unsigned int crashme_past = 8;
static char *mode = "warn";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "how to break the kernel: warn, oops, hang, kasan or leak");

static int crashme_kasan(void)
{
	char *buf = kmalloc(8, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	pr_info("crashme: planted read past an allocation: %d\n",
		READ_ONCE(buf[READ_ONCE(crashme_past)]));
	kfree(buf);
	return 0;
}

static int __init crashme_init(void)
{
	if (!strcmp(mode, "warn")) {
		WARN(1, "crashme: planted warning\n");
	} else if (!strcmp(mode, "oops")) {
		WRITE_ONCE(*crashme_null, 1);
	} else if (!strcmp(mode, "hang")) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	} else if (!strcmp(mode, "kasan")) {
		return crashme_kasan();
	} else if (!strcmp(mode, "leak")) {
		/* The only pointer to it is overwritten: kmemleak must say so. */
		WRITE_ONCE(crashme_lost, kmalloc(128, GFP_KERNEL));
		WRITE_ONCE(crashme_lost, NULL);
	} else {
		return -EINVAL;
	}
	return 0;
}
module_init(crashme_init);

static void __exit crashme_exit(void)
{
}
module_exit(crashme_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only: break the kernel to test the VM harness");
