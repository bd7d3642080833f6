// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a module that calls a function no kernel exports, as a module built
 * for another kernel does. depmod lists the symbol as unresolved; the kernel refuses the
 * module with "Unknown symbol modloadd_vm_no_such_symbol" (ENOENT). Built with
 * KBUILD_MODPOST_WARN=1, which lets modpost pass it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

int modloadd_vm_no_such_symbol(void);

static int __init modloadd_vm_nosym_init(void)
{
	return modloadd_vm_no_such_symbol();
}

static void __exit modloadd_vm_nosym_exit(void)
{
}

module_init(modloadd_vm_nosym_init);
module_exit(modloadd_vm_nosym_exit);
MODULE_DESCRIPTION("modloadd test module: an unknown symbol");
MODULE_LICENSE("GPL");
