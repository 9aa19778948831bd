/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's current names for what changed since 6.1, the oldest series
 * tunx supports.  The code uses the new names; this header maps them back on
 * older kernels, so a rename upstream costs one entry here and nothing in the
 * code.  Each entry says when the new name appeared and when the old one went.
 * Functions are detected by Kbuild (TUNX_HAVE_*, from the target's headers),
 * macros by #ifndef: neither misses a distribution's backport.
 */
#ifndef _TUNX_COMPAT_H
#define _TUNX_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/timer.h>

/*
 * timer_delete_sync() since 6.2 (and 6.1.84); del_timer_sync() removed in
 * 6.15.  Every 6.1.y still has the old name, so the macro is safe there.
 */
#ifndef TUNX_HAVE_TIMER_DELETE_SYNC
#define timer_delete_sync(timer) del_timer_sync(timer)
#endif

/* timer_container_of() since 6.16, which removed from_timer(). */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/*
 * netif_threaded_enable() since 6.17: threaded NAPI for a device that is not
 * registered yet.  Before it, dev_set_threaded() did the same; it cannot fail
 * while the device has no NAPI instance, which is when tunx calls it.  The
 * inline has its own name so a distribution that backports the new call
 * does not see two definitions.
 */
#ifndef TUNX_HAVE_THREADED_ENABLE
static inline void tunx_compat_threaded_enable(struct net_device *dev)
{
	dev_set_threaded(dev, true);
}

#define netif_threaded_enable(dev) tunx_compat_threaded_enable(dev)

/* Threads for a registered device, up to 6.16 (threads.c). */
static inline void tunx_compat_start_threads(struct net_device *dev)
{
	dev_set_threaded(dev, true);
}
#else
/* 6.17 and later: threads.c starts them at creation instead. */
static inline void tunx_compat_start_threads(struct net_device *dev)
{
}
#endif

/*
 * hrtimer_setup() since 6.13: init and callback in one call; hrtimer_init()
 * was removed from later kernels.
 */
#ifndef TUNX_HAVE_HRTIMER_SETUP
static inline void
tunx_compat_hrtimer_setup(struct hrtimer *timer,
			  enum hrtimer_restart (*fn)(struct hrtimer *),
			  clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}

#define hrtimer_setup(t, fn, clock, mode) \
	tunx_compat_hrtimer_setup(t, fn, clock, mode)
#endif

#endif /* _TUNX_COMPAT_H */
