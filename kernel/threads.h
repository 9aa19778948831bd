/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_THREADS_H
#define _TUNX_THREADS_H

#include <linux/types.h>

struct tunx_device;

int tunx_threads_init(void);
void tunx_threads_uninit(void);
void tunx_threads_setup(struct tunx_device *td, bool host_admin, bool busy);
void tunx_threads_want(struct tunx_device *td);

#endif /* _TUNX_THREADS_H */
