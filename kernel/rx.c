// SPDX-License-Identifier: GPL-2.0
/*
 * The rx ring (kernel -> user): the device's transmit path produces into it.
 * One producer per ring because each queue owns one txq and the core holds
 * that txq's lock around ndo_start_xmit; a queue that moves to another txq
 * moves under its old txq's lock (tunx_queue_unlink()).  Ring accesses and
 * the barrier letters are ring.h's.
 *
 * Backpressure stops the txq as soon as the ring fills, and only a reader
 * that made room wakes it, so xmit does not find its ring full while the
 * queue runs and never returns NETDEV_TX_BUSY
 * (Documentation/networking/driver.rst).  If it finds it full all the
 * same (tail-drop mode, a stalled reader, a reader that moved its consumer
 * index back), the packet is dropped and counted.
 */
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/sched/clock.h>
#include <linux/skbuff.h>
#include <net/checksum.h>

#include "busy.h"
#include "compat.h"
#include "offload.h"
#include "queue.h"
#include "rx.h"
#include "ring.h"
#include "validate.h"

/*
 * How long backpressure may hold packets in the qdisc.  Queued skbs pin
 * their sockets and so their namespaces; a reader that stops reading must
 * not keep them forever, so after this the queue drops until it reads.
 */
#define TUNX_STALL_TIMEOUT	(2 * HZ)

/*
 * Backpressure: stop the txq and ask for a kick.  Returns true when the
 * reader freed a slot meanwhile and the queue runs again.
 */
static bool tunx_rx_stop(struct tunx_device *td, struct tunx_queue *q,
			 struct tunx_ring *ring, struct netdev_queue *txq)
{
	unsigned long now;
	u32 free;

	/* The reader's kick is what restarts us: let it see every packet. */
	tunx_ring_prod_publish(ring);	/* B, matches C */
	tunx_count(td, queue_stops);
	netif_tx_stop_queue(txq);
	/* Measured from the latest stop: a reader that keeps up never stalls. */
	now = jiffies;
	WRITE_ONCE(q->rx_stopped_at, now);
	mod_timer(&q->stall, now + TUNX_STALL_TIMEOUT);
	smp_mb();	/* J, matches I in busy.c */
	/*
	 * A spinning busy-poll NAPI restarts the queue, and reads the consumer
	 * on every poll: no kick, and no need to look again here.
	 */
	if (tunx_busy_polling(td, q))
		return false;
	tunx_ring_need_wakeup(ring);	/* E, matches F */
	if (!tunx_ring_prod_refresh(ring, &free) || !free)	/* A, after E */
		return false;
	tunx_ring_clear_wakeup(ring);
	netif_tx_start_queue(txq);
	return true;
}

/* Wake the poller that found the ring empty, if it still sleeps. */
static void tunx_rx_wake_poller(struct tunx_device *td, struct tunx_queue *q)
{
	if (test_and_clear_bit(TUNX_Q_RX_ARMED, &q->state)) {
		tunx_count(td, wakeups);
		wake_up_interruptible_poll(&q->wq, EPOLLIN | EPOLLRDNORM);
	}
}

/*
 * Wake the poller @delay_ns from @now at the latest.  A wait already held
 * that ends by then stays as it is; one that ends later (the reader, or
 * ethtool rx-usecs, shortened the bound since) is brought forward.
 */
static void tunx_rx_hold(struct tunx_queue *q, u64 now, u64 delay_ns)
{
	u64 due = now + delay_ns;

	if (test_and_set_bit(TUNX_Q_RX_WAKE_TIMER, &q->state) &&
	    READ_ONCE(q->rx_wake_due) <= due)
		return;
	WRITE_ONCE(q->rx_wake_due, due);
	hrtimer_start(&q->rx_wake, ns_to_ktime(delay_ns), HRTIMER_MODE_REL_SOFT);
}

/*
 * A poller found the ring empty: wake it now, or once as many packets as
 * it asked for are unread, with the delay bounded by @q->rx_wake (struct
 * tunx_rx_wake).  One burst, one wakeup.  A wakeup is held only while
 * packets stream in: a burst that follows a gap longer than the bound
 * wakes at once, or request and response traffic (a ping, a handshake)
 * would wait out the bound at every turn for company that is not coming.
 */
static void tunx_rx_notify(struct tunx_device *td, struct tunx_queue *q,
			   struct tunx_ring *ring)
{
	/*
	 * local_clock(), not ktime_get_ns(): this runs for every packet, and
	 * a clocksource read can cost microseconds (HPET, a VM without a
	 * stable TSC).  Where it drifts between CPUs (up to a tick when the
	 * TSC is unstable) a burst may be misjudged: it then wakes at once,
	 * or is held for the bound give or take that drift.
	 */
	u64 now = local_clock(), gap, delay_ns;

	gap = now - READ_ONCE(q->rx_burst_ns);
	WRITE_ONCE(q->rx_burst_ns, now);
	smp_mb();	/* H, matches G in chardev.c */
	if (!test_bit(TUNX_Q_RX_ARMED, &q->state))
		return;
	if (tunx_ring_prod_wake_due(ring, READ_ONCE(td->rx_wake_usecs),
				    &delay_ns) || gap > delay_ns)
		tunx_rx_wake_poller(td, q);
	else
		tunx_rx_hold(q, now, delay_ns);
}

/*
 * The first unread packet has waited as long as the reader allows.  The
 * queue outlives the timer (cancelled by detach and release); the device
 * may be leaving, so it is looked up as the stall timer does.
 */
static enum hrtimer_restart tunx_rx_wake_timer(struct hrtimer *timer)
{
	struct tunx_queue *q = container_of(timer, struct tunx_queue, rx_wake);
	struct tunx_device *td;

	clear_bit(TUNX_Q_RX_WAKE_TIMER, &q->state);
	rcu_read_lock();
	td = rcu_dereference(q->td);
	if (td)
		tunx_rx_wake_poller(td, q);
	rcu_read_unlock();
	return HRTIMER_NORESTART;
}

/*
 * Bytes of segment sums after @desc's packet (TUNX_SETUP_SEG_SUMS), or 0:
 * none asked for, not a super-packet, or more than max_packet with it.
 */
static u32 tunx_rx_sums_size(const struct tunx_ring *ring,
			     const struct tunx_desc *desc)
{
	u32 segs, end;

	if (!ring->seg_sums || desc->gso_type == TUNX_GSO_NONE ||
	    !desc->gso_size || desc->hdr_len >= desc->len)
		return 0;
	segs = DIV_ROUND_UP(desc->len - desc->hdr_len, desc->gso_size);
	/* u32: len <= max_packet <= 64 KiB and at most 64 Ki segments. */
	end = ALIGN(desc->len, TUNX_SEG_SUMS_ALIGN) + segs * sizeof(__be16);
	return end <= ring->max_packet ? end - desc->len : 0;
}

/*
 * The copy that sums each segment's payload as it goes, for a reader that
 * rebuilds every segment's checksum: the pass over the payload it would
 * make is made here, where the bytes are being read anyway.
 */
static void tunx_rx_copy_summed(const struct sk_buff *skb, u8 *dst,
				const struct tunx_desc *desc)
{
	u8 *sums = dst + ALIGN(desc->len, TUNX_SEG_SUMS_ALIGN);
	u32 off = desc->hdr_len, len;
	__be16 sum;

	skb_copy_bits(skb, 0, dst, off);
	for (; off < desc->len; off += len, sums += sizeof(sum)) {
		len = min_t(u32, desc->gso_size, desc->len - off);
		/* Folded, not complemented; in memory order, so big-endian. */
		sum = (__force __be16)(u16)~(__force u16)
			csum_fold(skb_copy_and_csum_bits(skb, off, dst + off,
							 len));
		memcpy(sums, &sum, sizeof(sum));
	}
}

/* One copy of the packet into the area, right after the one before. */
static void tunx_rx_produce(struct tunx_device *td, struct tunx_ring *ring,
			    struct sk_buff *skb)
{
	u32 slot = tunx_ring_prod_slot(ring);
	struct tunx_desc desc = { .len = skb->len };
	struct tunx_pcpu_stats *st = this_cpu_ptr(td->pcpu);
	u32 sums = 0;

	if (td->flags & TUNX_ATTACH_OFFLOAD) {
		tunx_offload_to_desc(skb, &desc);
		sums = tunx_rx_sums_size(ring, &desc);
	}
	/* Cannot fail: len + sums was checked against max_packet. */
	desc.addr = tunx_ring_prod_claim(ring, desc.len + sums);
	if (sums) {
		desc.flags |= TUNX_DESC_F_SEG_SUMS;
		tunx_rx_copy_summed(skb, ring->area + desc.addr, &desc);
	} else {
		skb_copy_bits(skb, 0, ring->area + desc.addr, desc.len);
	}
	memcpy(&ring->descs[slot], &desc, sizeof(desc));
	/* Seen by the reader once tunx_rx_flush() or tunx_rx_stop() publish. */
	tunx_ring_prod_submit(ring);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->rx_packets);
	u64_stats_add(&st->rx_bytes, desc.len);
	u64_stats_update_end(&st->syncp);
}

/*
 * Make @skb fit for the ring: at most max_packet, and a complete checksum
 * unless the device hands checksums to the reader.
 */
static int tunx_rx_prepare(struct tunx_device *td, struct sk_buff *skb,
			   struct tunx_ring *ring)
{
	if (skb->len > ring->max_packet)
		return -EMSGSIZE;
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    !(td->flags & TUNX_ATTACH_OFFLOAD))
		return skb_checksum_help(skb);
	return 0;
}

static netdev_tx_t tunx_rx_drop(struct tunx_device *td, struct sk_buff *skb)
{
	tunx_count(td, rx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* Does a full ring stop the queue (backpressure) or drop? */
static bool tunx_rx_holds_back(struct tunx_device *td, struct tunx_queue *q)
{
	return !(td->flags & TUNX_ATTACH_TAIL_DROP) &&
	       !test_bit(TUNX_Q_RX_STALLED, &q->state);
}

/* Room for one packet?  *@space is what the ring has free then. */
static bool tunx_rx_room(struct tunx_device *td, struct tunx_queue *q,
			 struct tunx_ring *ring, struct netdev_queue *txq,
			 u32 *space)
{
	if (!tunx_ring_prod_room(ring, space)) {
		tunx_count(td, ring_errors);
		return false;
	}
	if (*space && test_bit(TUNX_Q_RX_STALLED, &q->state))
		clear_bit(TUNX_Q_RX_STALLED, &q->state);
	if (*space)
		return true;
	tunx_count(td, rx_ring_full);
	/* Running with a full ring: see the top of this file. */
	if (!tunx_rx_holds_back(td, q))
		return false;
	if (tunx_rx_stop(td, q, ring, txq))	/* the reader made room */
		return tunx_ring_prod_refresh(ring, space) && *space;
	return false;	/* stopped: tunx_rx_flush() wakes the reader */
}

/*
 * After producing: is there room for the next packet, in slots and in
 * bytes (one of max_packet)?  The area can run short before the slots do.
 */
static void tunx_rx_done(struct tunx_device *td, struct tunx_queue *q,
			 struct tunx_ring *ring, struct netdev_queue *txq)
{
	u32 space;

	/*
	 * When the cached view runs dry, tunx_ring_prod_room() looks at the
	 * reader's index before we stop, or every ring's worth of packets
	 * would stop the queue.  An impossible index does not stop it; the
	 * next xmit counts it.
	 */
	if (!tunx_ring_prod_room(ring, &space))
		space = 1;
	if (space)
		return;
	/*
	 * Full: the burst cannot grow, and a tail-drop reader must see what
	 * it has to read to make room.  Stop as soon as the ring fills, so
	 * that xmit does not find it full.
	 */
	tunx_ring_prod_publish(ring);	/* B, matches C */
	if (tunx_rx_holds_back(td, q)) {
		tunx_count(td, rx_ring_full);
		tunx_rx_stop(td, q, ring, txq);
	}
}

/*
 * End of a burst: publish what it produced and wake the reader once.  A
 * burst ends when the stack says no packet follows, or when the queue
 * stopped (the core hands the rest of its list back, and no xmit comes
 * until the reader kicks).  Called whether the last packet was produced
 * or dropped: a dropped one must not hide those before it.
 */
static void tunx_rx_flush(struct tunx_device *td, struct tunx_queue *q,
			  struct tunx_ring *ring, struct netdev_queue *txq)
{
	if (netdev_xmit_more() && !netif_xmit_stopped(txq))
		return;
	tunx_ring_prod_publish(ring);	/* B, matches C */
	tunx_rx_notify(td, q, ring);
}

static netdev_tx_t tunx_rx_queue(struct tunx_device *td, struct tunx_queue *q,
				 struct tunx_ring *ring, struct sk_buff *skb,
				 struct netdev_queue *txq)
{
	u32 space;

	if (tunx_rx_prepare(td, skb, ring) ||
	    !tunx_rx_room(td, q, ring, txq, &space))
		return tunx_rx_drop(td, skb);
	tunx_rx_produce(td, ring, skb);
	skb_tx_timestamp(skb);
	consume_skb(skb);
	tunx_rx_done(td, q, ring, txq);
	return NETDEV_TX_OK;
}

/*
 * Can a single descriptor carry @skb?  tunx_offload_features_check() has
 * the stack segment every GSO packet that fails this, so only one
 * validated before the limits changed (a requeued packet, a new queue with
 * a smaller area, ethtool) can: it is dropped and counted in rx_dropped.
 */
static bool tunx_rx_whole(struct tunx_device *td, struct sk_buff *skb,
			  struct tunx_ring *ring)
{
	if (!skb_is_gso(skb))
		return true;
	return td->flags & TUNX_ATTACH_OFFLOAD &&
	       skb->len <= ring->max_packet && tunx_offload_gso_ok(skb);
}

/**
 * tunx_xmit - ndo_start_xmit: place a packet in its queue's rx ring
 * @skb: packet
 * @dev: tunx device
 *
 * Context: BH disabled, the txq lock of skb's queue held.
 * Return: NETDEV_TX_OK: the packet is in the ring or dropped and counted.
 */
netdev_tx_t tunx_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct tunx_device *td = netdev_priv(dev);
	u16 index = skb_get_queue_mapping(skb);
	struct netdev_queue *txq;
	struct tunx_queue *q = NULL;
	struct tunx_area *area = NULL;
	netdev_tx_t ret;

	rcu_read_lock();
	if (index < TUNX_MAX_QUEUES)
		q = rcu_dereference(td->queues[index]);
	if (q)
		area = rcu_dereference(q->area);
	txq = netdev_get_tx_queue(dev, index);
	if (!area || !tunx_rx_whole(td, skb, &area->rx))
		ret = tunx_rx_drop(td, skb);
	else
		ret = tunx_rx_queue(td, q, &area->rx, skb, txq);
	if (area)
		tunx_rx_flush(td, q, &area->rx, txq);
	rcu_read_unlock();
	return ret;
}

/**
 * tunx_rx_restart - restart a txq that backpressure stopped
 * @q: queue
 * @dev: its device
 * @area: its area
 *
 * Called from kicks and the busy-poll NAPI; the reader has consumed, so
 * there may be room again.  The look and the wake are under the txq lock,
 * as xmit's stop is: two restarters at once (two kicking threads, or a
 * kick and the NAPI) could otherwise both see room, and the later one
 * wake a queue that xmit had filled and stopped in between, which then
 * drops the next packet.
 *
 * Return: true when the queue was restarted.
 */
bool tunx_rx_restart(struct tunx_queue *q, struct net_device *dev,
		     struct tunx_area *area)
{
	struct netdev_queue *txq;
	bool woke = false;
	u32 free;

	txq = netdev_get_tx_queue(dev, READ_ONCE(q->index));
	if (!netif_tx_queue_stopped(txq) || !netif_running(dev))
		return false;	/* the common case, without the lock */
	__netif_tx_lock_bh(txq);
	if (netif_tx_queue_stopped(txq) &&
	    tunx_ring_prod_free(&area->rx, &free) && free) {	/* A */
		tunx_ring_clear_wakeup(&area->rx);
		netif_tx_wake_queue(txq);
		woke = true;
	}
	__netif_tx_unlock_bh(txq);
	return woke;
}

/*
 * Under the txq lock, as xmit: stop @txq when its ring is full, else run
 * it; @wake also schedules the qdisc, for packets it held meanwhile.
 */
static void tunx_rx_settle_txq(struct tunx_device *td, struct tunx_queue *q,
			       struct netdev_queue *txq, bool wake)
{
	struct tunx_area *area = q ? rtnl_dereference(q->area) : NULL;
	u32 free;

	__netif_tx_lock_bh(txq);
	if (area && tunx_rx_holds_back(td, q) &&
	    tunx_ring_prod_refresh(&area->rx, &free) && !free &&
	    !tunx_rx_stop(td, q, &area->rx, txq))
		tunx_rx_notify(td, q, &area->rx);
	else if (wake)
		netif_tx_wake_queue(txq);
	else
		netif_tx_start_queue(txq);
	__netif_tx_unlock_bh(txq);
}

/**
 * tunx_rx_settle - run every txq whose rx ring has room, stop the others
 * @td: running device
 * @wake: schedule the qdiscs too (after queues moved), or only start the
 *	txqs (ndo_open, before the qdiscs are attached)
 *
 * A txq left running over a full ring would make xmit drop, so such a one
 * is stopped as xmit stops it instead.
 *
 * Context: RTNL held.
 */
void tunx_rx_settle(struct tunx_device *td, bool wake)
{
	struct tunx_queue *q;
	unsigned int i;

	for (i = 0; i < td->dev->real_num_tx_queues; i++) {
		q = i < TUNX_MAX_QUEUES ? rtnl_dereference(td->queues[i]) :
					  NULL;
		tunx_rx_settle_txq(td, q, netdev_get_tx_queue(td->dev, i),
				   wake);
	}
}

/**
 * tunx_rx_ready - does the rx ring hold packets for the reader?
 * @area: queue's area
 */
bool tunx_rx_ready(struct tunx_area *area)
{
	return tunx_ring_prod_unread(&area->rx);	/* A */
}

/*
 * Under the txq lock, which xmit holds while it stops the queue: a stop
 * cannot come between the test and the restart.  The timer may have been
 * armed by an older stop and already be running when xmit stopped the
 * queue again and re-armed it; that stop is fresh, not a stall, and
 * restarting over it would drop packets that a reader keeping up is about
 * to make room for.
 */
static void tunx_rx_stall_txq(struct tunx_queue *q, u32 index,
			      struct netdev_queue *txq)
{
	__netif_tx_lock_bh(txq);
	if (READ_ONCE(q->index) == index && netif_tx_queue_stopped(txq) &&
	    time_after_eq(jiffies, READ_ONCE(q->rx_stopped_at) +
				   TUNX_STALL_TIMEOUT)) {
		set_bit(TUNX_Q_RX_STALLED, &q->state);
		netif_tx_wake_queue(txq);
	}
	__netif_tx_unlock_bh(txq);
}

/*
 * The queue may have been stopped for TUNX_STALL_TIMEOUT: if so, restart
 * it in drop mode so the qdisc drains.  Detach deletes the timer after the
 * queue left the device, so @q->td is either the device or NULL here.  A
 * queue that moved to another txq meanwhile is left to tunx_rx_settle(),
 * which stops it again (re-arming this timer) if its ring is full.
 */
static void tunx_rx_stall(struct timer_list *timer)
{
	struct tunx_queue *q = timer_container_of(q, timer, stall);
	struct tunx_device *td;
	u32 index;

	rcu_read_lock();
	td = rcu_dereference(q->td);
	if (td && netif_running(td->dev)) {
		index = READ_ONCE(q->index);
		tunx_rx_stall_txq(q, index,
				  netdev_get_tx_queue(td->dev, index));
	}
	rcu_read_unlock();
}

/* Soft: the callback takes the wait queue's lock, a sleeping lock on RT. */
void tunx_rx_timers_init(struct tunx_queue *q)
{
	timer_setup(&q->stall, tunx_rx_stall, 0);
	hrtimer_setup(&q->rx_wake, tunx_rx_wake_timer, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_SOFT);
}
