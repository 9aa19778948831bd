// SPDX-License-Identifier: GPL-2.0
/*
 * tunx module entry: registers /dev/net/tunx.  Only init and exit live here.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/tunx.h>

static int tunx_open(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations tunx_fops = {
	.owner = THIS_MODULE,
	.open = tunx_open,
	.llseek = noop_llseek,
};

static struct miscdevice tunx_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tunx",
	.nodename = "net/tunx",
	.mode = 0666,
	.fops = &tunx_fops,
};

static int __init tunx_init(void)
{
	int err;

	err = misc_register(&tunx_miscdev);
	if (err) {
		pr_err("tunx: cannot register /dev/net/tunx: %d\n", err);
		return err;
	}
	pr_info("tunx: ABI %d ready\n", TUNX_ABI_VERSION);
	return 0;
}

static void __exit tunx_exit(void)
{
	misc_deregister(&tunx_miscdev);
}

module_init(tunx_init);
module_exit(tunx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TUN-like L3 devices with mmap'd packet rings");
MODULE_ALIAS("devname:net/tunx");
