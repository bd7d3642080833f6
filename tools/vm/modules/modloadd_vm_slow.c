// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a module whose init takes longer than the per-insert timeout, then
 * succeeds, as a driver that waits for slow hardware and gets its answer. The loader reports
 * the insert as timed out, then once more when the kernel answers (a late answer).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>

static unsigned int block_seconds = 35;
module_param(block_seconds, uint, 0444);
MODULE_PARM_DESC(block_seconds, "how long init takes (seconds)");

static int __init modloadd_vm_slow_init(void)
{
	pr_info("init takes %u s\n", block_seconds);
	ssleep(block_seconds);
	pr_info("init returns after %u s\n", block_seconds);
	return 0;
}

static void __exit modloadd_vm_slow_exit(void)
{
}

module_init(modloadd_vm_slow_init);
module_exit(modloadd_vm_slow_exit);
MODULE_DESCRIPTION("modloadd test module: init is slow, then succeeds");
MODULE_LICENSE("GPL");
