/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_SYSFS_H
#define _TUNX_SYSFS_H

#include <linux/sysfs.h>

extern const struct attribute_group tunx_attr_group;

#endif /* _TUNX_SYSFS_H */
