/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's current names for what changed since 6.1, the oldest series
 * tunx supports.  The code uses the new names; this header maps them back on
 * older kernels, so a rename upstream costs one line here and nothing in the
 * code.  Each entry says when the new name appeared and when the old one went.
 */
#ifndef _TUNX_COMPAT_H
#define _TUNX_COMPAT_H

#include <linux/timer.h>
#include <linux/version.h>

/* timer_delete_sync() since 6.2; del_timer_sync() removed in 6.15. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync(timer) del_timer_sync(timer)
#endif

/* timer_container_of() since 6.16, which removed from_timer(). */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

#endif /* _TUNX_COMPAT_H */
