/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_IOCTL_H
#define _TUNX_IOCTL_H

#include <linux/fs.h>
#include <linux/types.h>

struct tunx_queue;
struct tunx_device;
struct tunx_area;

long tunx_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
struct tunx_area *tunx_file_detach_begin(struct tunx_queue *q);

#endif /* _TUNX_IOCTL_H */
