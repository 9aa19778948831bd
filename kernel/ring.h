/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring protocol, kernel side.  Every access to a ring's shared indices
 * and flags word goes through this header; rx.c, tx.c and busy.c keep the
 * skb, NAPI and txq logic.  The kernel produces into the rx ring (xmit,
 * under the txq lock) and consumes the tx ring (NAPI, one poll at a time).
 *
 * Indices are free-running u32 counters, slot = index & mask.  The user's
 * index is hostile: every load of it is checked by tunx_ring_used() before
 * it is trusted, and sizes and masks are the kernel's private copies.
 *
 * The only barrier diagram.  include/uapi/linux/tunx.h prints the user's
 * half with the same letters; lib/ring.c and selftests/tunx_util.c tag
 * their sites with them too.
 *
 *   producer                           consumer
 *
 *   LOAD.acq ->consumer        (A)     LOAD.acq ->producer         (C)
 *   if there is room:                  if there are entries:
 *      STORE descriptor, packet           LOAD descriptor, packet
 *      STORE.rel ->producer    (B)        STORE.rel ->consumer     (D)
 *
 *   (A) pairs with (D): a slot is rewritten only after its reader is done.
 *   The rx producer skips (A) while its cached consumer index still shows
 *   room (tunx_ring_prod_room()): slots seen free through an earlier (A)
 *   stay free, as a reader only releases more (one that takes a release
 *   back loses only its own packets).
 *   (B) pairs with (C): a descriptor is read only after it was written.
 *   The rx producer does (B) once per burst of xmits, for every slot
 *   written since (tunx_ring_prod_publish()), and always before it stops
 *   its queue or wakes the reader: nobody waits on a slot it cannot see.
 *
 * NEED_WAKEUP, either ring: the kernel is about to wait for the user.
 *
 *   kernel                             user, after publishing
 *   STORE flags = NEED_WAKEUP          STORE.rel its index (B or D)
 *   smp_mb()                   (E)     full barrier                (F)
 *   LOAD the user's index              LOAD flags, kick if set
 *
 *   (E) pairs with (F): the kernel sees the new index, or the user sees the
 *   flag and kicks.  Clearing the flag needs no barrier: the kernel is
 *   awake then, and sets it again through (E) before it waits.
 *
 * Poll arming, kernel only (chardev.c against rx.c and tx.c):
 *
 *   poll()                             xmit (rx ring) or NAPI (tx ring)
 *   set_bit(ARMED)                     publish its index (B or D)
 *   smp_mb__after_atomic()     (G)     smp_mb()                    (H)
 *   look at the ring again             test_and_clear_bit(ARMED), wake
 *
 *   (G) pairs with (H): the poller sees the news, or the publisher sees the
 *   armed bit and wakes it.
 *
 * Busy-poll handoff, kernel only (busy.c against rx.c):
 *
 *   busy NAPI, leaving                 xmit, rx ring full
 *   clear_bit(TUNX_Q_BUSY)             netif_tx_stop_queue()
 *   smp_mb__after_atomic()     (I)     smp_mb()                    (J)
 *   txq stopped? NEED_WAKEUP           not busy? NEED_WAKEUP
 *
 *   (I) pairs with (J): whichever runs second sets NEED_WAKEUP, so a
 *   stopped queue never waits for a kick that nobody asked for.
 */
#ifndef _TUNX_RING_H
#define _TUNX_RING_H

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <linux/tunx.h>

/*
 * Kernel view of one ring.  The pointers aim into shared memory and are set
 * once before the area is published; everything else is private and never
 * re-read from there.
 */
struct tunx_ring {
	u32 *producer;			/* shared, user-writable on tx */
	u32 *consumer;			/* shared, user-writable on rx */
	u32 *flags;			/* shared, TUNX_RING_NEED_WAKEUP */
	struct tunx_desc *descs;	/* shared, user-writable on tx */
	u8 *area;			/* shared: the packets */
	struct tunx_rx_wake *wake;	/* shared, user-writable; rx only */
	struct tunx_tx_wake *tx_wake;	/* shared, user-writable; tx only */
	u32 entries;			/* fixed at setup */
	u32 mask;			/* fixed at setup */
	u32 area_size;			/* fixed at setup, a power of two */
	u32 max_packet;			/* fixed at setup, area_size / 2 at most */
	bool seg_sums;			/* rx, fixed at setup: TUNX_SETUP_SEG_SUMS */
	/*
	 * rx: where each unread packet starts, as a free-running byte
	 * position (offset = position & (area_size - 1)), by slot; and where
	 * the next one goes.  Private, written by xmit under the txq lock: the
	 * bytes in use run from starts[consumer & mask] to pos, whatever the
	 * reader writes in shared memory.
	 */
	u32 *starts;
	u32 pos;
	/*
	 * The kernel's own index: producer (rx) or consumer (tx).  Written by
	 * its one owner (xmit under the txq lock, or NAPI) with WRITE_ONCE,
	 * read by kicks and poll with READ_ONCE.
	 */
	u32 head;
	/* tx: the consumer index last published; NAPI writes, poll reads. */
	u32 released;
	/*
	 * rx: the producer index last published (B).  head runs ahead of it
	 * within one burst of xmits (netdev_xmit_more()); xmit writes, poll
	 * and the wakeup read, as they must count only what the reader sees.
	 */
	u32 published;
	/*
	 * rx: the last consumer index loaded through (A) that passed
	 * tunx_ring_used(), AF_XDP's cached_cons.  Only the producer reads or
	 * writes it (xmit, under the txq lock); head - cached_cons never
	 * exceeds entries, so the slots it shows free are free.
	 */
	u32 cached_cons;
};

/**
 * tunx_ring_used - entries between a producer and a consumer index
 * @producer: free-running producer index
 * @consumer: free-running consumer index
 * @entries: ring size, a power of two, from the kernel's private copy
 * @used: out: producer - consumer when the pair is possible
 *
 * Indices are free-running, so the difference is correct across wrap.  A
 * difference above @entries means one side jumped ahead or went backwards.
 *
 * Return: false when the pair of indices is impossible.
 */
static inline bool tunx_ring_used(u32 producer, u32 consumer, u32 entries,
				  u32 *used)
{
	u32 n = producer - consumer;

	if (n > entries)
		return false;
	*used = n;
	return true;
}

/* ---- producer: the rx ring ---- */

/*
 * Where a packet of @len bytes goes from free-running byte position @pos:
 * there, or at the area's next wrap when it would cross the area's end.
 * Packets are never split, so a reader sees each one contiguous.
 */
static inline u32 tunx_area_place(u32 pos, u32 len, u32 area_size)
{
	u32 off = pos & (area_size - 1);

	if (len > area_size - off)
		pos += area_size - off;
	return pos;
}

/*
 * Would a packet of @len bytes fit with the reader's index at @cons, one
 * tunx_ring_used() accepted?  The bytes in use run from the start of the
 * oldest unread packet to pos.  A reader that moved its index to a slot
 * never written makes the answer wrong, and loses only its own packets:
 * placement stays inside the area whatever the answer.
 */
static inline bool tunx_ring_prod_fits(const struct tunx_ring *ring, u32 head,
				       u32 cons, u32 len)
{
	u32 pos = READ_ONCE(ring->pos), oldest;

	if (cons == head)
		return true;	/* nothing unread: the whole area is free */
	oldest = READ_ONCE(ring->starts[cons & ring->mask]);
	return tunx_area_place(pos, len, ring->area_size) + len - oldest <=
	       ring->area_size;
}

/*
 * Slots the producer may fill with @used of them unread: none once the
 * area cannot take a packet of max_packet bytes, so that a stopped queue
 * restarts only when any packet fits, and xmit never finds its ring full
 * while the queue runs (see rx.c).
 */
static inline u32 tunx_ring_prod_space(const struct tunx_ring *ring, u32 head,
				       u32 cons, u32 used)
{
	if (used == ring->entries ||
	    !tunx_ring_prod_fits(ring, head, cons, ring->max_packet))
		return 0;
	return ring->entries - used;
}

/*
 * Free slots, from a fresh load of the reader's index; false when that
 * index is impossible.  Any context: writes nothing (restarts call it
 * under the txq lock, while the queue is stopped and xmit does not produce).
 */
static inline bool tunx_ring_prod_free(struct tunx_ring *ring, u32 *free)
{
	u32 cons = smp_load_acquire(ring->consumer);	/* A, matches D */
	u32 head = READ_ONCE(ring->head);
	u32 used;

	if (!tunx_ring_used(head, cons, ring->entries, &used))
		return false;
	*free = tunx_ring_prod_space(ring, head, cons, used);
	return true;
}

/*
 * The producer's fresh look: as tunx_ring_prod_free(), and a possible
 * index becomes the cached one.  An impossible one is never cached, so
 * the cache keeps its last safe value.  Producer only (txq lock held).
 */
static inline bool tunx_ring_prod_refresh(struct tunx_ring *ring, u32 *free)
{
	u32 cons = smp_load_acquire(ring->consumer);	/* A, matches D */
	u32 used;

	if (!tunx_ring_used(ring->head, cons, ring->entries, &used))
		return false;
	ring->cached_cons = cons;
	*free = tunx_ring_prod_space(ring, ring->head, cons, used);
	return true;
}

/*
 * Free slots for the producer, the fast way: what the cached consumer
 * index shows, and a fresh load (A) only when that shows none.  Slots the
 * reader released since are found once the cache runs dry; until then a
 * burst costs no load of the reader's cache line.  *@free may be fewer
 * than are free, never more.  Producer only (txq lock held).
 */
static inline bool tunx_ring_prod_room(struct tunx_ring *ring, u32 *free)
{
	u32 used = ring->head - ring->cached_cons;	/* <= entries */
	u32 space = tunx_ring_prod_space(ring, ring->head, ring->cached_cons,
					 used);

	if (!space)
		return tunx_ring_prod_refresh(ring, free);
	*free = space;
	return true;
}

/* The slot the next packet goes to; the caller checked there is room. */
static inline u32 tunx_ring_prod_slot(const struct tunx_ring *ring)
{
	return ring->head & ring->mask;
}

/*
 * Claim the bytes of the next packet, @len long: returns its offset in the
 * area.  The caller checked there is room (a slot, and bytes for
 * max_packet >= @len).
 */
static inline u32 tunx_ring_prod_claim(struct tunx_ring *ring, u32 len)
{
	u32 start = tunx_area_place(ring->pos, len, ring->area_size);

	WRITE_ONCE(ring->starts[ring->head & ring->mask], start);
	WRITE_ONCE(ring->pos, start + ALIGN(len, TUNX_PACKET_ALIGN));
	return start & (ring->area_size - 1);
}

/*
 * One slot written, its packet and descriptor: it counts as used from now
 * on, and the reader sees it at the next tunx_ring_prod_publish().
 */
static inline void tunx_ring_prod_submit(struct tunx_ring *ring)
{
	WRITE_ONCE(ring->head, ring->head + 1);
}

/*
 * Show the reader every slot submitted so far: once per burst, and before
 * anything that waits for the reader (a stop, a wakeup).
 */
static inline void tunx_ring_prod_publish(struct tunx_ring *ring)
{
	if (ring->published == ring->head)
		return;
	smp_store_release(ring->producer, ring->head);	/* B, matches C */
	WRITE_ONCE(ring->published, ring->head);
}

/* Does the reader have packets it has not released (poll's EPOLLIN)? */
static inline bool tunx_ring_prod_unread(struct tunx_ring *ring)
{
	/* A, matches D: a slot released is no longer unread. */
	return smp_load_acquire(ring->consumer) != READ_ONCE(ring->published);
}

/*
 * Is a poller sleeping on the empty rx ring due its wakeup (struct
 * tunx_rx_wake)?  Each word is loaded once and bounded here, whatever the
 * reader wrote; a reader's usecs of 0 takes @def_usecs, the device's
 * (ethtool rx-usecs).  When not due yet, *@delay_ns says how long the
 * first unread packet may wait.  No barrier: a stale request moves the
 * wakeup within that bound and no further, and nothing is read through it.
 */
static inline bool tunx_ring_prod_wake_due(struct tunx_ring *ring,
					   u32 def_usecs, u64 *delay_ns)
{
	u32 want = READ_ONCE(ring->wake->packets);
	u32 usecs = READ_ONCE(ring->wake->usecs);
	u32 unread;

	if (want <= 1)
		return true;
	/* Impossible indices: wake now, the reader has to sort them out. */
	if (!tunx_ring_used(READ_ONCE(ring->published),
			    READ_ONCE(*ring->consumer), ring->entries, &unread) ||
	    unread >= min(want, ring->entries))
		return true;
	if (!usecs)
		usecs = def_usecs;
	if (!usecs)		/* ethtool rx-usecs 0: hold nothing */
		return true;
	*delay_ns = (u64)min_t(u32, usecs, TUNX_RX_WAKE_MAX_USECS) *
		    NSEC_PER_USEC;
	return false;
}

/* ---- consumer: the tx ring ---- */

/* Descriptors ready; false when the writer's producer index is impossible. */
static inline bool tunx_ring_cons_avail(struct tunx_ring *ring, u32 *avail)
{
	u32 prod = smp_load_acquire(ring->producer);	/* C, matches B */

	return tunx_ring_used(prod, READ_ONCE(ring->head), ring->entries,
			      avail);
}

/*
 * About how many descriptors are ready, for a kick choosing where to consume
 * them; false when the producer index is impossible.  No barrier: a stale
 * count only picks the context, and the consumer loads again with (C).
 * @head is NAPI's, read here from outside it.
 */
static inline bool tunx_ring_cons_ready_hint(const struct tunx_ring *ring,
					     u32 *ready)
{
	return tunx_ring_used(READ_ONCE(*ring->producer),
			      READ_ONCE(ring->head), ring->entries, ready);
}

/* The next descriptor; the caller checked one is available. */
static inline struct tunx_desc *tunx_ring_cons_desc(const struct tunx_ring *ring)
{
	return &ring->descs[ring->head & ring->mask];
}

/* Step past @n consumed descriptors; their bytes stay ours until release. */
static inline void tunx_ring_cons_skip(struct tunx_ring *ring, u32 n)
{
	WRITE_ONCE(ring->head, ring->head + n);
}

/* Hand every packet consumed so far back to the writer. */
static inline void tunx_ring_cons_release(struct tunx_ring *ring)
{
	smp_store_release(ring->consumer, ring->head);	/* D, matches A */
	WRITE_ONCE(ring->released, ring->head);
}

/*
 * Has the writer produced what NAPI has not consumed?  Impossible indices
 * count as nothing, so a hostile producer cannot keep NAPI rescheduling.
 */
static inline bool tunx_ring_cons_pending(struct tunx_ring *ring)
{
	u32 used;

	return tunx_ring_cons_avail(ring, &used) && used;
}

/*
 * Has the writer moved its index at all?  Impossible indices included, so
 * that a kick lets NAPI count them.  No barrier: this only decides whether
 * to schedule NAPI, which loads the producer again with (C).
 */
static inline bool tunx_ring_cons_dirty(const struct tunx_ring *ring)
{
	return READ_ONCE(*ring->producer) != READ_ONCE(ring->head);
}

/*
 * Is the ring full as the writer sees it (poll's EPOLLOUT)?  Counted from
 * the consumer index published, not from head: a slot NAPI is still
 * consuming is no room yet.  Full too while the consumer has not reached
 * the index the writer waits for (struct tunx_tx_wake), loaded once: one
 * outside (released, producer] counts as reached, so no value the writer
 * stores can keep it asleep past the release of its own descriptors.
 */
static inline bool tunx_ring_cons_full(struct tunx_ring *ring)
{
	u32 prod = smp_load_acquire(ring->producer);	/* C, matches B */
	u32 released = READ_ONCE(ring->released);
	u32 want = READ_ONCE(ring->tx_wake->consumer);
	u32 used;

	if (!tunx_ring_used(prod, released, ring->entries, &used))
		return false;
	return used == ring->entries || want - released - 1 < used;
}

/* ---- NEED_WAKEUP ---- */

static inline void tunx_ring_write_flags(struct tunx_ring *ring, u32 flags)
{
	/* Only write when changing, to keep the line clean in the fast path. */
	if (READ_ONCE(*ring->flags) != flags)
		WRITE_ONCE(*ring->flags, flags);
}

/* The kernel will wait for a kick: load the user's index after this. */
static inline void tunx_ring_need_wakeup(struct tunx_ring *ring)
{
	tunx_ring_write_flags(ring, TUNX_RING_NEED_WAKEUP);
	smp_mb();	/* E, matches F */
}

/* The kernel is awake: a busy user may skip its kicks. */
static inline void tunx_ring_clear_wakeup(struct tunx_ring *ring)
{
	tunx_ring_write_flags(ring, 0);
}

#endif /* _TUNX_RING_H */
