// SPDX-License-Identifier: GPL-2.0
/*
 * The tx ring (user -> kernel): NAPI consumes it, at most budget descriptors
 * per poll.  Kicks only schedule NAPI, so two processes kicking one queue
 * never consume concurrently.  Ring accesses and the barrier letters are
 * ring.h's.
 *
 * Room for the writer is what the published consumer index leaves: ring->head
 * runs ahead of it while a batch is being consumed, and packets behind head
 * but not yet released still belong to the kernel.  EPOLLOUT follows
 * ring->released, the kernel's copy of what it published, never ring->head,
 * so a writer waiting for room sleeps until the kernel releases slots.
 */
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/sched/stat.h>	/* single_task_running() */
#include <linux/skbuff.h>

#include "busy.h"
#include "offload.h"
#include "queue.h"
#include "ring.h"
#include "threads.h"
#include "tx.h"
#include "validate.h"

/* The one read of a descriptor: word by word, so the compiler cannot refetch. */
static void tunx_desc_fetch(struct tunx_desc *dst, const struct tunx_desc *src)
{
	const u64 *from = (const u64 *)src;
	u64 *to = (u64 *)dst;
	size_t i;

	BUILD_BUG_ON(sizeof(*src) % sizeof(u64));
	for (i = 0; i < sizeof(*src) / sizeof(u64); i++)
		to[i] = READ_ONCE(from[i]);
}

static void tunx_tx_limits(struct tunx_desc_limits *lim, struct tunx_ring *ring,
			   struct tunx_device *td)
{
	lim->area_bytes = ring->area_size;
	lim->max_packet = ring->max_packet;
	lim->mtu = READ_ONCE(td->dev->mtu);
	lim->offload = td->flags & TUNX_ATTACH_OFFLOAD;
}

/*
 * Per CPU, as the packet counters: a peer whose MTU is larger than ours may
 * send every packet over the MTU, so this is no rare event.
 */
static void tunx_tx_count(struct tunx_device *td, unsigned int len,
			  bool over_mtu)
{
	struct tunx_pcpu_stats *st = this_cpu_ptr(td->pcpu);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->tx_packets);
	u64_stats_add(&st->tx_bytes, len);
	if (over_mtu)
		u64_stats_inc(&st->tx_over_mtu);
	u64_stats_update_end(&st->syncp);
}

/*
 * Packets up to TUNX_TX_LINEAR_MAX get one linear buffer; larger ones
 * (super-packets, jumbo MTUs) get a head of TUNX_TX_HEAD bytes, room for
 * any IP and TCP/UDP header, and page frags, so a 64 KB packet never
 * needs an order-4 allocation.
 */
#define TUNX_TX_LINEAR_MAX	2048
#define TUNX_TX_HEAD		256

/* An skb of @len bytes, not yet written. */
static struct sk_buff *tunx_tx_alloc(struct tunx_queue *q, u32 len)
{
	struct sk_buff *skb;
	int err;

	if (len <= TUNX_TX_LINEAR_MAX) {
		skb = napi_alloc_skb(&q->napi, len);
		if (skb)
			skb_put(skb, len);
		return skb;
	}
	skb = alloc_skb_with_frags(NET_SKB_PAD + NET_IP_ALIGN + TUNX_TX_HEAD,
				   len - TUNX_TX_HEAD, PAGE_ALLOC_COSTLY_ORDER,
				   &err, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN);
	skb_put(skb, TUNX_TX_HEAD);
	skb->data_len = len - TUNX_TX_HEAD;
	skb->len = len;
	return skb;
}

/*
 * Copy the packet out of shared memory, then check the copy only.
 * Returns the skb ready for the stack, or NULL when it was counted and
 * dropped.
 */
static struct sk_buff *tunx_tx_build(struct tunx_queue *q,
				     struct tunx_device *td,
				     struct tunx_ring *ring,
				     const struct tunx_desc *desc,
				     const struct tunx_desc_limits *lim)
{
	struct sk_buff *skb = tunx_tx_alloc(q, desc->len);
	__be16 proto;

	if (!skb) {
		tunx_count(td, tx_dropped);
		return NULL;
	}
	/* Cannot fail: the skb is exactly desc->len long. */
	skb_store_bits(skb, 0, ring->area + desc->addr, desc->len);
	proto = tunx_ip_check(skb->data, skb->len, tunx_desc_max_len(desc, lim));
	if (!proto) {
		tunx_count(td, tx_bad_packets);
		goto drop;
	}
	skb->protocol = proto;
	skb->dev = td->dev;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	/* Offload fields that do not match the packet make it invalid. */
	if (desc->flags & TUNX_DESC_F_OFFLOAD &&
	    tunx_offload_to_skb(skb, desc)) {
		tunx_count(td, invalid_descs);
		goto drop;
	}
	return skb;

drop:
	kfree_skb(skb);
	return NULL;
}

/* Returns true when a packet went to the stack, false when it was dropped. */
static bool tunx_tx_one(struct tunx_queue *q, struct tunx_device *td,
			struct tunx_ring *ring,
			const struct tunx_desc_limits *lim)
{
	struct tunx_desc desc;
	struct sk_buff *skb;

	tunx_desc_fetch(&desc, tunx_ring_cons_desc(ring));
	if (tunx_desc_check(&desc, lim)) {
		tunx_count(td, invalid_descs);
		return false;
	}
	skb = tunx_tx_build(q, td, ring, &desc, lim);
	if (!skb)
		return false;
	tunx_tx_count(td, desc.len, tunx_desc_over_mtu(&desc, lim));
	napi_gro_receive(&q->napi, skb);
	return true;
}

/* Descriptors ready, or 0 when the producer index is impossible. */
static u32 tunx_tx_avail(struct tunx_device *td, struct tunx_ring *ring)
{
	u32 avail;

	if (!tunx_ring_cons_avail(ring, &avail)) {	/* C */
		tunx_count(td, ring_errors);
		return 0;
	}
	return avail;
}

/* Consumes up to @budget descriptors; *@valid counts the packets sent on. */
static int tunx_tx_consume(struct tunx_queue *q, struct tunx_device *td,
			   struct tunx_ring *ring, int budget, int *valid)
{
	struct tunx_desc_limits lim;
	u32 avail = tunx_tx_avail(td, ring);
	int done;

	*valid = 0;
	if (!netif_running(td->dev)) {
		atomic64_add(avail, &td->c.tx_dropped);
		tunx_ring_cons_skip(ring, avail);
		tunx_ring_cons_release(ring);	/* D */
		return 0;
	}
	tunx_tx_limits(&lim, ring, td);
	for (done = 0; done < budget && done < avail; done++) {
		if (tunx_tx_one(q, td, ring, &lim))
			(*valid)++;
		tunx_ring_cons_skip(ring, 1);
	}
	/* After the last copy out of the area: the writer may reuse it. */
	if (done)
		tunx_ring_cons_release(ring);	/* D */
	return done;
}

/* Someone polled for room in a full tx ring: there is room now. */
static void tunx_tx_notify(struct tunx_device *td, struct tunx_queue *q)
{
	smp_mb();	/* H, matches G in chardev.c */
	if (test_bit(TUNX_Q_TX_ARMED, &q->state) &&
	    test_and_clear_bit(TUNX_Q_TX_ARMED, &q->state)) {
		tunx_count(td, wakeups);
		wake_up_interruptible_poll(&q->wq, EPOLLOUT | EPOLLWRNORM);
	}
}

/*
 * In the NAPI thread only: is anything else waiting for this CPU?  What
 * tunx_tx_hand_off() decides by.
 */
static void tunx_tx_note_room(struct tunx_queue *q, struct napi_struct *napi)
{
	bool crowded;

	if (current != READ_ONCE(napi->thread))
		return;	/* inline in a kick, or softirq */
	crowded = !single_task_running();
	if (crowded != test_bit(TUNX_Q_TX_CROWDED, &q->state))
		assign_bit(TUNX_Q_TX_CROWDED, &q->state, crowded);
}

/*
 * One NAPI poll.  *@again says the ring had descriptors once NAPI was
 * given back: the caller owns them again (tunx_tx_poll() reschedules,
 * tunx_tx_inline() loops in place).
 */
static int tunx_tx_run(struct napi_struct *napi, int budget, bool *again)
{
	struct tunx_queue *q = container_of(napi, struct tunx_queue, napi);
	struct tunx_device *td = netdev_priv(napi->dev);
	struct tunx_area *area;
	int done = 0, valid;

	*again = false;
	rcu_read_lock();
	/* Stable while NAPI is enabled: detach disables NAPI first. */
	area = rcu_dereference(q->area);
	if (area) {
		if (!td->busy_poll_ns)
			tunx_tx_note_room(q, napi);
		tunx_ring_clear_wakeup(&area->tx);
		done = tunx_tx_consume(q, td, &area->tx, budget, &valid);
		tunx_tx_notify(td, q);
		/*
		 * Only packets the stack took keep the poll spinning: an
		 * invalid descriptor now and then must not keep a kernel
		 * thread busy forever.
		 */
		if (td->busy_poll_ns &&
		    tunx_busy_spin(q, td, area, valid, budget)) {
			rcu_read_unlock();
			return budget;
		}
	}
	if (done < budget && napi_complete_done(napi, done) && area) {
		tunx_ring_need_wakeup(&area->tx);	/* E, matches F and K */
		*again = tunx_tx_pending(area);	/* C */
	}
	rcu_read_unlock();
	return done;
}

/**
 * tunx_tx_poll - NAPI poll: hand tx ring packets to the stack
 * @napi: the queue's NAPI context
 * @budget: most descriptors to consume
 *
 * NEED_WAKEUP is clear while this runs and set once NAPI goes idle, so a
 * busy writer makes no syscall.  In busy-poll mode the poll stays scheduled
 * while tunx_busy_spin() says so.
 *
 * Return: descriptors consumed.
 */
int tunx_tx_poll(struct napi_struct *napi, int budget)
{
	bool again;
	int done;

	/*
	 * netpoll's call for transmit completions only, made without owning
	 * the NAPI (Documentation/networking/napi.rst): this device has none,
	 * and clearing NEED_WAKEUP here would leave it clear for good.
	 */
	if (unlikely(!budget))
		return 0;
	done = tunx_tx_run(napi, budget, &again);
	if (again)
		napi_schedule(napi);
	return done;
}

/*
 * At most this many ready descriptors are consumed by the kick itself on a
 * threaded device: waking the NAPI thread (a context switch, often an IPI to
 * another CPU) costs more than handing a few packets to the stack here, and
 * a lone packet's latency stays what it is without threads.
 */
#define TUNX_TX_INLINE_MAX	8

/*
 * Rounds a kick polls in place when its own poll finds more descriptors
 * after giving NAPI back: the writer kept producing meanwhile.  Bounds the
 * kick's work at TUNX_TX_INLINE_ROUNDS * NAPI_POLL_WEIGHT descriptors.
 */
#define TUNX_TX_INLINE_ROUNDS	4

/*
 * Consume a short batch in the caller's context.  NAPI_STATE_SCHED makes us
 * the ring's only consumer, as it does for the thread and for busy polling.
 *
 * A kick that finds NAPI scheduled leaves without marking it missed: every
 * owner ends with tunx_tx_run()'s give-back (napi_complete_done(), then
 * NEED_WAKEUP, barrier E, then C reads the producer index) or with
 * napi_disable() on detach.  This kick read the producer index
 * (tunx_tx_dirty()), then K, then reads SCHED: if SCHED still reads set,
 * the owner's clear comes later, so its C after E sees the index we saw
 * and it polls again.  Marking NAPI missed instead would have the owner
 * reschedule through its thread, a wakeup and often a CPU hop per kick
 * (TCP through a tunnel lost a sixth that way).  napi_schedule_prep()
 * below can still lose a race to a new owner; it marks NAPI missed then,
 * as NAPI always does.
 */
static void tunx_tx_inline(struct tunx_queue *q, struct tunx_device *td)
{
	struct napi_struct *napi = &q->napi;
	bool again;
	int round;

	smp_mb();	/* K, matches E */
	if (test_bit(NAPI_STATE_SCHED, &napi->state))
		return;
	for (round = 0; round < TUNX_TX_INLINE_ROUNDS; round++) {
		if (!napi_schedule_prep(napi))
			return;	/* being polled, or disabled by detach */
		if (!round)
			tunx_count(td, tx_inline_polls);
		if (tunx_tx_run(napi, NAPI_POLL_WEIGHT, &again) ==
		    NAPI_POLL_WEIGHT) {
			/* A full poll: the thread does the rest. */
			__napi_schedule(napi);
			return;
		}
		if (!again)
			return;
	}
	napi_schedule(napi);
}

/*
 * The NAPI thread takes a batch only while it found its CPU otherwise idle
 * on its last poll: the stack's work then moves off the writer's CPU onto
 * spare capacity.  Where other tasks were waiting for that CPU (TCP through
 * a tunnel on two CPUs: iperf3, two tunnel processes and their stacks),
 * waking the thread adds a context switch and a wait in the run queue to
 * every batch, so the kick consumes the batch itself, as in softirq, and
 * hands one kick in TUNX_TX_PROBE_EVERY to the thread to look again.
 */
#define TUNX_TX_PROBE_EVERY	16

static bool tunx_tx_hand_off(struct tunx_queue *q, u32 avail)
{
	u32 n;

	if (avail <= TUNX_TX_INLINE_MAX)
		return false;
	if (!test_bit(TUNX_Q_TX_CROWDED, &q->state))
		return true;
	n = READ_ONCE(q->tx_crowded_kicks) + 1;
	WRITE_ONCE(q->tx_crowded_kicks, n);
	return !(n % TUNX_TX_PROBE_EVERY);
}

/**
 * tunx_tx_kick - have the tx ring consumed
 * @q: attached queue
 * @td: its device
 * @area: its area, whose tx ring the writer moved
 *
 * Schedules NAPI: on a threaded device in its kernel thread, off the
 * writer's CPU, unless the batch is short or the thread's CPU is busy with
 * other work, when the kick consumes it here; without threads in softirq
 * on this CPU, as tun does, and the host admin's device starts its
 * threads on the first batch worth one (threads.c).  Busy-poll devices
 * always hand over to their spinning thread.
 *
 * Context: RCU read lock held, BH disabled.
 */
void tunx_tx_kick(struct tunx_queue *q, struct tunx_device *td,
		  struct tunx_area *area)
{
	u32 avail;

	if (td->busy_poll_ns ||
	    !tunx_ring_cons_ready_hint(&area->tx, &avail)) {
		napi_schedule(&q->napi);
		return;
	}
	if (!test_bit(NAPI_STATE_THREADED, &q->napi.state)) {
		/* This batch in softirq; the next ones may have a thread. */
		if (avail > TUNX_TX_INLINE_MAX)
			tunx_threads_want(td);
		napi_schedule(&q->napi);
		return;
	}
	if (tunx_tx_hand_off(q, avail))
		napi_schedule(&q->napi);
	else
		tunx_tx_inline(q, td);
}

/**
 * tunx_tx_pending - has the writer produced descriptors NAPI has not seen?
 * @area: queue's area
 *
 * Impossible producer indices count as nothing pending, so a hostile
 * producer cannot keep NAPI rescheduling itself.
 */
bool tunx_tx_pending(struct tunx_area *area)
{
	return tunx_ring_cons_pending(&area->tx);	/* C */
}

/**
 * tunx_tx_dirty - has the writer moved the producer at all?
 * @area: queue's area
 *
 * Unlike tunx_tx_pending() this includes impossible indices, so a kick lets
 * NAPI see them and count a ring error.
 */
bool tunx_tx_dirty(struct tunx_area *area)
{
	return tunx_ring_cons_dirty(&area->tx);
}

/**
 * tunx_tx_full - is the tx ring full as the writer sees it?
 * @area: queue's area
 *
 * Counts from the consumer index the kernel published, not from its own
 * head: a slot NAPI is still consuming is no room yet.  A poller that finds
 * the ring full arms, issues barrier G, and asks again.
 */
bool tunx_tx_full(struct tunx_area *area)
{
	return tunx_ring_cons_full(&area->tx);	/* C */
}
