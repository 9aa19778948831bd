/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Common plumbing of devices that wrap another device. */
#ifndef TUNX_WRAP_H
#define TUNX_WRAP_H

#include "internal.h"

/* Copies the inner device's shape; the wrapper owns @inner from now on. */
TUNX_HIDDEN int tunx__wrap_init(struct tunx_device *w,
				const struct tunx_device_ops *ops,
				struct tunx_device *inner);
TUNX_HIDDEN void tunx__wrap_shutdown(struct tunx_device *w);
/* Closes the inner device and frees what wrap_init made (not @w). */
TUNX_HIDDEN void tunx__wrap_fini(struct tunx_device *w);

#endif
