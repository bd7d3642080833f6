// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a module that loads and does nothing, whose file is replaced by another
 * build while it is live (tools/vm/guest/actions.d/faults.sh), as an update of a package does.
 * MODULE_VERSION() makes modpost record its srcversion (the cloud kernel does not set
 * CONFIG_MODULE_SRCVERSION_ALL), which /sys/module/NAME/srcversion shows; make-test-modules.sh
 * builds the second build from this file with build 2 in place of build 1: another source,
 * another srcversion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#define MODLOADD_VM_BUILD "1"

static int __init modloadd_vm_rebuilt_init(void)
{
	pr_info("build " MODLOADD_VM_BUILD " loaded\n");
	return 0;
}

static void __exit modloadd_vm_rebuilt_exit(void)
{
}

module_init(modloadd_vm_rebuilt_init);
module_exit(modloadd_vm_rebuilt_exit);
MODULE_VERSION(MODLOADD_VM_BUILD);
MODULE_DESCRIPTION("modloadd test module: loads; its file is replaced by another build");
MODULE_LICENSE("GPL");
