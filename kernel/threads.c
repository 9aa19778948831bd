// SPDX-License-Identifier: GPL-2.0
/*
 * NAPI kernel threads, started when a device first has work for them.
 *
 * A device the host's admin makes takes its tx batches off the writer's
 * CPU in a NAPI thread per queue (tx.c).  A thread is a task and a kernel
 * stack, about 28 KiB: a thousand devices that never send a batch worth
 * handing off would pin 28 MiB for nothing.  So the thread starts the
 * first time a kick finds such a batch, from a work item, since starting
 * it needs RTNL and a kick runs with BH off.
 *
 * 6.17 replaced the dev_set_threaded() drivers called with
 * netif_threaded_enable(), for devices not registered yet: there the
 * threads start with the device.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "device.h"
#include "threads.h"

#ifdef TUNX_HAVE_THREADED_ENABLE
#define TUNX_THREADS_LAZY	false
#else
#define TUNX_THREADS_LAZY	true
#endif

static struct workqueue_struct *tunx_threads_wq;

static void tunx_threads_start(struct work_struct *work)
{
	struct tunx_device *td = container_of(work, struct tunx_device,
					      threads_work);
	struct net_device *dev = td->dev;

	rtnl_lock();
	/*
	 * Deleted meanwhile: its NAPIs are gone or going.  If the threads
	 * cannot start (no memory), NAPI stays in softirq, which works.
	 */
	if (dev->reg_state == NETREG_REGISTERED)
		tunx_compat_start_threads(dev);
	rtnl_unlock();
	dev_put(dev);	/* taken by tunx_threads_want() */
}

/**
 * tunx_threads_setup - decide a new device's NAPI threads
 * @td: device, not registered yet
 * @host_admin: its creator has CAP_NET_ADMIN in the initial user namespace
 * @busy: TUNX_ATTACH_BUSY_POLL, whose spinning poll needs its thread now
 *
 * Threads run on behalf of the creator but belong to no cgroup of its, so
 * only the host's admin gets them without asking; a namespace's admin
 * writes 1 to sysfs 'threaded', as for any device of its.
 *
 * Context: RTNL held.
 */
void tunx_threads_setup(struct tunx_device *td, bool host_admin, bool busy)
{
	INIT_WORK(&td->threads_work, tunx_threads_start);
	if (busy || (host_admin && !TUNX_THREADS_LAZY))
		netif_threaded_enable(td->dev);	/* before registering */
	else if (host_admin)
		set_bit(TUNX_DEV_THREADS_AUTO, &td->thread_state);
}

/**
 * tunx_threads_want - a kick found a batch worth a thread: start them
 * @td: device
 *
 * Once per device: an admin who writes 0 to 'threaded' afterwards keeps
 * softirq.  The work holds a reference, so the device outlives it; the
 * module's workqueue is destroyed only after every device is gone.
 *
 * Context: any; BH may be off.
 */
void tunx_threads_want(struct tunx_device *td)
{
	if (!test_bit(TUNX_DEV_THREADS_AUTO, &td->thread_state) ||
	    test_and_set_bit(TUNX_DEV_THREADS_ASKED, &td->thread_state))
		return;
	dev_hold(td->dev);
	if (!queue_work(tunx_threads_wq, &td->threads_work))
		dev_put(td->dev);
}

int tunx_threads_init(void)
{
	tunx_threads_wq = alloc_workqueue("tunx_threads", WQ_UNBOUND, 0);
	return tunx_threads_wq ? 0 : -ENOMEM;
}

/* After every device is gone: waits for a start still running. */
void tunx_threads_uninit(void)
{
	destroy_workqueue(tunx_threads_wq);
}
