// SPDX-License-Identifier: GPL-2.0
/*
 * modloadd VM test bed: a driver whose init looks for its hardware for a while and finds none
 * (-ENODEV), a refusal the kernel repeats for the rest of the boot. The actions scenario kills
 * the daemon while this init runs: the refusal must still be remembered, and the restarted
 * daemon must not try the module again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>

static unsigned int probe_ms = 700;
module_param(probe_ms, uint, 0444);
MODULE_PARM_DESC(probe_ms, "how long init looks for the hardware (milliseconds)");

static int __init modloadd_vm_nodev_init(void)
{
	pr_info("looking for the hardware for %u ms\n", probe_ms);
	msleep(probe_ms);
	pr_info("no hardware found\n");
	return -ENODEV;
}

module_init(modloadd_vm_nodev_init);
MODULE_DESCRIPTION("modloadd test module: init finds no device after a while");
MODULE_LICENSE("GPL");
