/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_IOCTL_H
#define _TUNX_IOCTL_H

#include <linux/fs.h>
#include <linux/types.h>

long tunx_chr_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
#ifdef CONFIG_COMPAT
long tunx_chr_compat_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg);
#else
#define tunx_chr_compat_ioctl NULL
#endif

#endif /* _TUNX_IOCTL_H */
