/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_CHARDEV_H
#define _TUNX_CHARDEV_H

int tunx_chardev_init(void);
void tunx_chardev_uninit(void);

#endif /* _TUNX_CHARDEV_H */
