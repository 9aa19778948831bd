// SPDX-License-Identifier: GPL-2.0
/*
 * tunx module entry: the rtnl_link kind and /dev/net/tunx.  Only init and
 * exit live here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/rtnetlink.h>

#include <linux/tunx.h>

#include "device.h"
#include "chardev.h"
#include "rings.h"
#include "threads.h"

static int __init tunx_init(void)
{
	int err;

	err = tunx_rings_init();
	if (err)
		return err;
	err = tunx_threads_init();
	if (err)
		goto uninit_rings;
	err = tunx_device_init();
	if (err)
		goto uninit_threads;
	err = tunx_chardev_init();
	if (err)
		goto uninit_device;
	pr_info("ABI %d ready\n", TUNX_ABI_VERSION);
	return 0;

uninit_device:
	tunx_device_uninit();
	pr_err("cannot register /dev/net/tunx: %d\n", err);
uninit_threads:
	tunx_threads_uninit();
uninit_rings:
	tunx_rings_uninit();
	return err;
}

/*
 * No file is open (each pins the module); persistent devices remain, and
 * deleting them puts their areas, which the rings' workqueue then frees.
 */
static void __exit tunx_exit(void)
{
	tunx_chardev_uninit();
	tunx_device_uninit();
	tunx_threads_uninit();
	tunx_rings_uninit();
}

module_init(tunx_init);
module_exit(tunx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TUN-like L3 devices with mmap'd packet rings");
MODULE_ALIAS("devname:net/tunx");
MODULE_ALIAS_RTNL_LINK("tunx");
