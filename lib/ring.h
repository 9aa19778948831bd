/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One tunx ring seen from user space: rx is consumed (peek/release, unpeek),
 * tx is produced (reserve/submit, cancel); the same operations and barrier
 * letters as the kernel's kernel/ring.h.  Callers never write its fields.  Pointers come from the published offsets;
 * sizes and masks are private copies, never re-read from shared memory.
 */
#ifndef TUNX_RING_H
#define TUNX_RING_H

#include <linux/tunx.h>
#include "internal.h"

struct tunx_ring {
	uint32_t *producer, *consumer, *flags;
	struct tunx_desc *descs;
	uint8_t *data;		/* the packet area */
	uint32_t entries, mask;
	uint32_t area_size;	/* a power of two */
	uint32_t max_packet;	/* longest packet a descriptor carries */
	bool offload;		/* descriptors carry offload metadata */
	bool seg_sums;		/* rx: set up with TUNX_SETUP_SEG_SUMS */
	uint32_t cached;	/* our own index: consumer (rx) or producer (tx) */
	uint32_t pending;	/* peeked (rx) or reserved (tx), not yet done */
	uint64_t invalid;	/* descriptors we refused */
	uint64_t corrupt;	/* impossible indices seen */
	void (*kick)(void *arg);
	void *kick_arg;
	/*
	 * tx: we pack packets in the area as the kernel packs rx (see the
	 * uapi "Model"): starts[slot] is where each reserved or unreleased
	 * packet begins, as a free-running byte position, and pos is where
	 * the next one goes.  chunk is what tunx_reserve() gives a packet.
	 */
	uint32_t *starts;
	uint32_t pos;
	uint32_t cons_seen;	/* tx: consumer index last loaded, checked */
	uint32_t chunk;
	uint32_t *wait_for;	/* tx: struct tunx_tx_wake.consumer, or NULL */
};

/* A packet's bytes rounded up as both sides pack them. */
static inline uint64_t tunx__align_packet(uint64_t len)
{
	return (len + TUNX_PACKET_ALIGN - 1) & ~(uint64_t)(TUNX_PACKET_ALIGN - 1);
}

/* @tx: we produce (and pack the area); -ENOMEM, or -EPROTO on a layout
 * that does not fit the mapping.  tunx__ring_uninit() frees. */
TUNX_HIDDEN int tunx__ring_init(struct tunx_ring *r, uint8_t *map,
				uint64_t map_size,
				const struct tunx_ring_offsets *off,
				uint64_t area_off, uint32_t entries,
				uint32_t area_size, uint32_t max_packet, bool tx);
TUNX_HIDDEN void tunx__ring_uninit(struct tunx_ring *r);
TUNX_HIDDEN int tunx__ring_peek(struct tunx_ring *r, struct tunx_pkt *pkts,
				unsigned int n);
TUNX_HIDDEN int tunx__ring_release(struct tunx_ring *r, unsigned int n);
/* Give back the last @n peeked, unreleased packets: peek returns them
 * again.  How many are peeked and not released. */
TUNX_HIDDEN int tunx__ring_unpeek(struct tunx_ring *r, unsigned int n);
TUNX_HIDDEN unsigned int tunx__ring_peeked(const struct tunx_ring *r);
/* Up to @n packets of chunk bytes each. */
TUNX_HIDDEN int tunx__ring_reserve(struct tunx_ring *r, struct tunx_pkt *pkts,
				   unsigned int n);
/* One packet of @want bytes (at most max_packet); -EAGAIN without room. */
TUNX_HIDDEN int tunx__ring_reserve_one(struct tunx_ring *r, uint32_t want,
				       struct tunx_pkt *pkt);
/* The last packet reserved needs only @len bytes: the next one follows. */
TUNX_HIDDEN void tunx__ring_trim_last(struct tunx_ring *r, uint32_t len);
TUNX_HIDDEN int tunx__ring_submit(struct tunx_ring *r,
				  const struct tunx_pkt *pkts, unsigned int n);
/* Give back the last @n reserved, unsubmitted frames. */
TUNX_HIDDEN int tunx__ring_cancel(struct tunx_ring *r, unsigned int n);

/* Busy polling: is there something to peek (rx) or room for a chunk (tx)?
 * Shared memory loads only, never a syscall. */
TUNX_HIDDEN bool tunx__ring_can_peek(struct tunx_ring *r);
TUNX_HIDDEN bool tunx__ring_can_reserve(struct tunx_ring *r);

#endif
