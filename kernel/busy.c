// SPDX-License-Identifier: GPL-2.0
/*
 * Busy-poll mode (TUNX_ATTACH_BUSY_POLL), io_uring SQPOLL's idea on NAPI:
 * the device's NAPI instances run in kernel threads, and a queue's poll
 * stays scheduled for busy_poll_ns after the last work it did.  While it
 * spins, the tx ring's NEED_WAKEUP stays clear and a stopped rx queue is
 * restarted from the poll loop, so an application that keeps its rings busy
 * needs no kick and no poll(): no syscall at all.
 *
 * Barrier I (ring.h): full barrier between clearing TUNX_Q_BUSY and testing
 * the txq; pairs with J in tunx_rx_stop(), which stops the txq, then tests
 * TUNX_Q_BUSY.  One of the two sides sees the other and sets the rx
 * NEED_WAKEUP flag.
 */
#include <linux/netdevice.h>
#include <linux/sched/clock.h>
#include <net/gro.h>	/* napi_gro_flush(), out of netdevice.h since 6.15 */

#include "busy.h"
#include "rx.h"

/**
 * tunx_busy_check - validate the busy-poll part of an attach request
 * @flags: TUNX_ATTACH_* flags
 * @usecs: tunx_attach.busy_poll_usecs
 *
 * Return: 0 or -EINVAL.
 */
int tunx_busy_check(u32 flags, u32 usecs)
{
	if (!(flags & TUNX_ATTACH_BUSY_POLL))
		return usecs ? -EINVAL : 0;
	return usecs > TUNX_BUSY_POLL_MAX_USECS ? -EINVAL : 0;
}

/**
 * tunx_busy_device_init - how long a new device's NAPI threads keep spinning
 * @td: device created with TUNX_ATTACH_BUSY_POLL, no queue attached yet
 * @usecs: idle time, 0 for the default
 *
 * tunx_device_create() made the device's NAPI threaded before registering
 * it; the instances added as queues attach inherit that.  Spinning in a
 * thread rather than in softirq lets the scheduler share the CPU fairly.
 *
 * Context: RTNL held.
 * Return: 0 or -errno.
 */
int tunx_busy_device_init(struct tunx_device *td, u32 usecs)
{
	if (!usecs)
		usecs = TUNX_BUSY_POLL_DEF_USECS;
	td->busy_poll_ns = (u64)usecs * NSEC_PER_USEC;
	return 0;
}

/* Leaving the loop: a stopped rx queue now needs the reader's kick. */
static void tunx_busy_stop(struct tunx_queue *q, struct tunx_device *td,
			   struct tunx_area *area)
{
	struct netdev_queue *txq;

	clear_bit(TUNX_Q_BUSY, &q->state);
	smp_mb__after_atomic();	/* I, matches J in rx.c */
	txq = netdev_get_tx_queue(td->dev, READ_ONCE(q->index));
	if (!netif_tx_queue_stopped(txq))
		return;
	tunx_ring_need_wakeup(&area->rx);	/* E, matches F */
	tunx_rx_restart(q, td->dev, area);	/* A */
}

/**
 * tunx_busy_spin - should this NAPI poll stay scheduled?
 * @q: queue
 * @td: its device, in busy-poll mode
 * @area: its area
 * @done: packets this poll handed to the stack (invalid descriptors do not
 *	count: they must not keep the thread spinning)
 * @budget: the poll's budget
 *
 * Return: true to return @budget from the poll (NAPI polls again), false
 * once the queue has been idle for busy_poll_ns.
 */
bool tunx_busy_spin(struct tunx_queue *q, struct tunx_device *td,
		    struct tunx_area *area, int done, int budget)
{
	u64 now = local_clock();	/* cheap: every poll; see tunx_rx_notify() */
	bool active = done > 0;

	/*
	 * Spin only in the NAPI thread.  With threaded NAPI off (sysfs
	 * "threaded", or no kthread for a later queue) the poll runs in
	 * softirq: returning budget there would keep ksoftirqd spinning.
	 */
	if (!test_bit(NAPI_STATE_THREADED, &q->napi.state)) {
		tunx_busy_stop(q, td, area);
		return false;
	}
	if (tunx_rx_restart(q, td->dev, area))
		active = true;
	/* Set the bit on every poll: an active first poll must set it too. */
	if (!test_and_set_bit(TUNX_Q_BUSY, &q->state) || active)
		q->busy_last = now;
	if (now - q->busy_last < td->busy_poll_ns) {
		/* NAPI never completes while spinning: flush GRO ourselves. */
		if (done < budget)
			napi_gro_flush(&q->napi, false);
		return true;
	}
	tunx_busy_stop(q, td, area);
	return false;
}
