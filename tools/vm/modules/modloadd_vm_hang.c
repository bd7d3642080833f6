// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a module whose init blocks for minutes (the per-insert timeout).
 * Its init sleeps uninterruptibly, as a driver stuck waiting for hardware does: the
 * inserting thread stays in init_module/finit_module until it returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>

static unsigned int block_seconds = 240;
module_param(block_seconds, uint, 0444);
MODULE_PARM_DESC(block_seconds, "how long init blocks (seconds)");

/* For modloadd_vm_after_hang: a module that depends on this one. */
int modloadd_vm_hang_marker(void)
{
	return 0;
}
EXPORT_SYMBOL_GPL(modloadd_vm_hang_marker);

static int __init modloadd_vm_hang_init(void)
{
	pr_info("init blocks for %u s\n", block_seconds);
	ssleep(block_seconds);
	pr_info("init returns after %u s\n", block_seconds);
	return 0;
}

static void __exit modloadd_vm_hang_exit(void)
{
}

module_init(modloadd_vm_hang_init);
module_exit(modloadd_vm_hang_exit);
MODULE_DESCRIPTION("modloadd test module: init blocks");
MODULE_LICENSE("GPL");
