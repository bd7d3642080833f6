// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a module whose init says why in the kernel log and fails with -EIO,
 * as a driver that finds its device broken does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init modloadd_vm_eio_init(void)
{
	pr_err("test device does not answer, giving up (EIO)\n");
	return -EIO;
}

static void __exit modloadd_vm_eio_exit(void)
{
}

module_init(modloadd_vm_eio_init);
module_exit(modloadd_vm_eio_exit);
MODULE_DESCRIPTION("modloadd test module: init fails with -EIO");
MODULE_LICENSE("GPL");
