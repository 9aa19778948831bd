/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_QUEUE_H
#define _TUNX_QUEUE_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/wait.h>

#include "device.h"
#include "rings.h"

/* Bits of tunx_queue.state. */
enum {
	TUNX_Q_RX_ARMED,	/* a poller found the rx ring empty */
	TUNX_Q_TX_ARMED,	/* a poller found the tx ring full */
	TUNX_Q_RX_STALLED,	/* rx ring full too long: drop, do not stop */
	TUNX_Q_BUSY,		/* busy-poll NAPI is spinning (busy.c) */
	TUNX_Q_RX_WAKE_TIMER,	/* @rx_wake is started (rx.c) */
	TUNX_Q_TX_CROWDED,	/* NAPI thread's CPU had other work (tx.c) */
};

/**
 * struct tunx_queue - per-file state; it is also the queue once attached
 * @net: namespace the file was opened in; set at open, fixed.
 * @td: the device, NULL while detached.  Written under @attach_mutex and
 *	RTNL by attach and detach with rcu_assign_pointer(); read under RCU
 *	by poll, kicks, GET_STATS and the stall timer, else under RTNL.
 *	Detach clears it and waits for a grace period before the queue is
 *	reused.
 * @area: the rings, NULL before SETUP_RINGS.  Written under RTNL and @lock
 *	(setup publishes it, detach clears it); read under RCU by the data
 *	path, poll and kicks, under @lock by mmap, else under RTNL.
 * @lock: @area against mmap, which runs under mmap_lock without RTNL.
 * @attach_mutex: taken before RTNL by attach and detach: detach waits for
 *	@td's readers after dropping RTNL, and must not find the queue
 *	attached again, its NAPI instance re-added, before they are gone.
 * @napi: added and enabled by attach, disabled and deleted by detach, both
 *	under RTNL; its poll runs in NAPI context only.
 * @stall: see tunx_rx_stall(); armed by xmit, deleted by detach after the
 *	grace period, so nothing re-arms it.
 * @rx_wake: the bound on a deferred rx wakeup (tunx_rx_wake_timer());
 *	started by xmit, or moved earlier when the reader's bound shrank,
 *	cancelled by detach after the grace period, like @stall, and by
 *	release.
 * @detached: tunx_queue_detach_all() only, under RTNL.
 * @retiring: tunx_queue_detach_all() only, under RTNL.
 * @wq: pollers of the file; its own lock.
 * @state: TUNX_Q_* bits, changed with atomic bitops from poll, xmit, NAPI
 *	and the stall timer.  Reset with a plain store by attach under RTNL,
 *	before @td is published: no other path reaches the queue then.
 * @busy_last: last busy-poll work (local_clock() ns); NAPI poll only, plain.
 * @rx_burst_ns: when the last rx burst ended (local_clock() ns), for
 *	tunx_rx_notify() under the txq lock.  A queue that moves is briefly
 *	reached under two txq locks, hence READ_ONCE()/WRITE_ONCE(); a stale
 *	value only decides whether one wakeup is held.
 * @rx_wake_due: when @rx_wake fires (local_clock() ns), if started;
 *	under the txq lock like @rx_burst_ns.
 * @rx_stopped_at: jiffies of the latest backpressure stop, written by
 *	tunx_rx_stop() and read by the stall timer, both under the txq lock;
 *	READ_ONCE()/WRITE_ONCE() for the same reason as @rx_burst_ns.
 * @tx_crowded_kicks: kicks consumed in place while TUNX_Q_TX_CROWDED was
 *	set (tunx_tx_hand_off()).  Two kickers may race on it; a lost
 *	increment only moves the next look at the thread's CPU by one kick.
 * @index: the queue's slot in @td->queues.  Written under RTNL with
 *	WRITE_ONCE() by attach and, under the old txq's lock too, when
 *	another queue detaches and this one moves (tunx_queue_unlink()).
 *	Read under RTNL plainly, or with READ_ONCE() by kicks, the stall
 *	timer and busy-poll NAPI (rx.c, busy.c).
 * @dead: the device was deleted under us.  Written under RTNL with
 *	WRITE_ONCE() by attach and detach; read with READ_ONCE() without
 *	locks (tunx_queue_errno(), poll) right after seeing @td NULL.
 *
 * It lives as long as the file, so the device only ever holds pointers to
 * live queues.
 */
struct tunx_queue {
	struct net *net;
	struct tunx_device __rcu *td;
	struct tunx_area __rcu *area;
	struct mutex lock;		/* @area against mmap */
	struct mutex attach_mutex;	/* attach against detach's wait */
	struct napi_struct napi;
	struct timer_list stall;
	struct hrtimer rx_wake;
	struct list_head detached;
	struct tunx_area *retiring;
	wait_queue_head_t wq;
	unsigned long state;
	u64 busy_last;
	u64 rx_burst_ns;
	u64 rx_wake_due;
	unsigned long rx_stopped_at;
	u32 tx_crowded_kicks;
	u32 index;
	bool dead;
};

void tunx_queue_detach_all(struct tunx_device *td);
int tunx_queue_attach_file(struct tunx_queue *q, struct tunx_attach *a);
int tunx_queue_detach_file(struct tunx_queue *q);
int tunx_queue_errno(struct tunx_queue *q, struct tunx_device *td);
bool tunx_kick(struct tunx_queue *q, struct tunx_device *td,
	       struct tunx_area *area);

#endif /* _TUNX_QUEUE_H */
