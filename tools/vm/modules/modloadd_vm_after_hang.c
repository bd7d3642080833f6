// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: depends on modloadd_vm_hang (uses its symbol), so depmod makes it a
 * dependent of the module whose init blocks. A loader must not attempt it while that insert
 * is stuck.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

int modloadd_vm_hang_marker(void);

static int __init modloadd_vm_after_hang_init(void)
{
	pr_info("loaded\n");
	return modloadd_vm_hang_marker();
}

static void __exit modloadd_vm_after_hang_exit(void)
{
}

module_init(modloadd_vm_after_hang_init);
module_exit(modloadd_vm_after_hang_exit);
MODULE_DESCRIPTION("modloadd test module: a dependent of modloadd_vm_hang");
MODULE_LICENSE("GPL");
