// SPDX-License-Identifier: GPL-2.0
/*
 * crashme: a test-only module that breaks the kernel on purpose, so that
 * the VM harness's own self-test can prove it notices: loading it with
 * mode=warn prints a WARN, mode=oops dereferences NULL, and mode=hang
 * sleeps uninterruptibly forever.  Never load it outside a test guest.
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

static int *crashme_null;
static char *mode = "warn";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "how to break the kernel: warn, oops or hang");

static int __init crashme_init(void)
{
	if (!strcmp(mode, "warn")) {
		WARN(1, "crashme: planted warning\n");
	} else if (!strcmp(mode, "oops")) {
		WRITE_ONCE(*crashme_null, 1);
	} else if (!strcmp(mode, "hang")) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
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
