// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tunx ring protocol, user side.  The barrier letters are the ones the
 * uapi header's diagram prints (and kernel/ring.h, which owns it):
 *   (A) producer (tx): load-acquire the consumer before reusing a slot;
 *   (B) producer (tx): write descriptors/frames, then store-release producer;
 *   (C) consumer (rx): load-acquire producer, then read descriptors/frames;
 *   (D) consumer (rx): store-release consumer after the last read of a slot;
 *   (F) after publishing, a full fence before reading NEED_WAKEUP, so the
 *       kernel either sees our index or we see its flag (its E).
 * Every index and ring field is written here only: callers give slots back
 * with unpeek and cancel, never by writing the struct.  The kernel side is
 * hostile-proofed in the module; here we still refuse a producer that jumps
 * past the ring and descriptors outside the area.
 */
#include <stdlib.h>
#include <string.h>
#include "offload.h"
#include "ring.h"

static bool span_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool layout_ok(const struct tunx_ring_offsets *off, uint64_t area_off,
		      uint32_t entries, uint32_t area_size, uint32_t max_packet,
		      uint64_t map_size)
{
	uint64_t descs = (uint64_t)entries * sizeof(struct tunx_desc);

	return entries && !(entries & (entries - 1)) && area_size &&
	       !(area_size & (area_size - 1)) && max_packet &&
	       max_packet <= area_size / 2 &&
	       span_ok(off->producer, 4, map_size) &&
	       span_ok(off->consumer, 4, map_size) &&
	       span_ok(off->flags, 4, map_size) &&
	       span_ok(off->descs, descs, map_size) &&
	       span_ok(area_off, area_size, map_size) &&
	       !((off->producer | off->consumer | off->flags) & 3) &&
	       !(off->descs & 7);
}

int tunx__ring_init(struct tunx_ring *r, uint8_t *map, uint64_t map_size,
		    const struct tunx_ring_offsets *off, uint64_t area_off,
		    uint32_t entries, uint32_t area_size, uint32_t max_packet,
		    bool tx)
{
	memset(r, 0, sizeof(*r));
	if (!layout_ok(off, area_off, entries, area_size, max_packet, map_size))
		return -EPROTO;
	if (tx) {
		r->starts = calloc(entries, sizeof(*r->starts));
		if (!r->starts)
			return -ENOMEM;
	}
	r->producer = (uint32_t *)(map + off->producer);
	r->consumer = (uint32_t *)(map + off->consumer);
	r->flags = (uint32_t *)(map + off->flags);
	r->descs = (struct tunx_desc *)(map + off->descs);
	r->data = map + area_off;
	r->entries = entries;
	r->mask = entries - 1;
	r->area_size = area_size;
	r->max_packet = max_packet;
	r->chunk = max_packet;
	return 0;
}

void tunx__ring_uninit(struct tunx_ring *r)
{
	free(r->starts);
	r->starts = NULL;
}

static void maybe_kick(struct tunx_ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* F, matches E */
	if (__atomic_load_n(r->flags, __ATOMIC_ACQUIRE) & TUNX_RING_NEED_WAKEUP &&
	    r->kick)
		r->kick(r->kick_arg);
}

/* Packets ready past what we already peeked, or -EIO on a wild producer. */
static int rx_ready(struct tunx_ring *r)
{
	/* C, matches B in the kernel's tunx_ring_prod_submit() */
	uint32_t prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	uint32_t avail = prod - r->cached;

	/* Past the ring, or back below what the reader still holds. */
	if (avail > r->entries || avail < r->pending) {
		r->corrupt++;
		return -EIO;
	}
	return (int)(avail - r->pending);
}

/*
 * The segment sums the kernel put after the packet, if it says so and
 * they lie inside the area: else the reader sums the payload itself.
 */
static uint16_t rx_flags(const struct tunx_ring *r, const struct tunx_desc *d,
			 const struct tunx_offload *o)
{
	unsigned int n;

	if (!r->seg_sums || !(d->flags & TUNX_DESC_F_SEG_SUMS))
		return 0;
	n = tunx__seg_sums_count(o, d->len);
	if (!n || !span_ok(d->addr, (uint64_t)tunx__seg_sums_at(d->len) + 2 * n,
			   r->area_size))
		return 0;
	return TUNX_PKT_SEG_SUMS;
}

/* Copies the descriptor once and checks the copy (no double fetch). */
static bool rx_desc(struct tunx_ring *r, uint32_t idx, struct tunx_pkt *p)
{
	struct tunx_desc d;

	memcpy(&d, (const void *)&r->descs[idx & r->mask], sizeof(d));
	if (!d.len || d.len > r->max_packet ||
	    !span_ok(d.addr, d.len, r->area_size))
		return false;
	p->data = r->data + d.addr;
	p->len = d.len;
	p->cap = d.len;
	p->flags = 0;
	if (r->offload) {
		tunx__off_from_desc(&p->off, &d);
		p->flags = rx_flags(r, &d, &p->off);
	} else {
		memset(&p->off, 0, sizeof(p->off));
	}
	return true;
}

int tunx__ring_peek(struct tunx_ring *r, struct tunx_pkt *pkts, unsigned int n)
{
	int avail = rx_ready(r);
	unsigned int k = 0;

	if (avail < 0)
		return avail;
	while (k < n && avail > 0) {
		uint32_t idx = r->cached + r->pending;

		if (!rx_desc(r, idx, &pkts[k])) {
			/*
			 * Stop: release must map 1:1 to what we gave, and
			 * moving the consumer now would give the kernel the
			 * oldest packet still held.
			 */
			if (k || r->pending)
				break;
			/* nothing handed out: consume and count it */
			r->invalid++;
			r->cached++;
			/* D, matches A in the kernel's tunx_ring_prod_free() */
			__atomic_store_n(r->consumer, r->cached, __ATOMIC_RELEASE);
			avail--;
			continue;
		}
		r->pending++;
		avail--;
		k++;
	}
	return k ? (int)k : -EAGAIN;
}

int tunx__ring_release(struct tunx_ring *r, unsigned int n)
{
	if (n > r->pending)
		return -EINVAL;
	r->pending -= n;
	r->cached += n;
	/* D, matches A in the kernel's tunx_ring_prod_free() */
	__atomic_store_n(r->consumer, r->cached, __ATOMIC_RELEASE);
	maybe_kick(r);	/* a full ring stopped the queue: restart it */
	return 0;
}

int tunx__ring_unpeek(struct tunx_ring *r, unsigned int n)
{
	if (n > r->pending)
		return -EINVAL;
	r->pending -= n;	/* the next peek hands them out again */
	return 0;
}

unsigned int tunx__ring_peeked(const struct tunx_ring *r)
{
	return r->pending;
}

/* ---- tx: packets packed in the area, as the kernel packs rx ---- */

/* Where @len bytes go from position @pos: there, or at the next wrap. */
static uint32_t area_place(const struct tunx_ring *r, uint32_t pos,
			   uint32_t len)
{
	uint32_t off = pos & (r->area_size - 1);

	return len > r->area_size - off ? pos + (r->area_size - off) : pos;
}

/*
 * Would @len more bytes fit, with the oldest packet not yet released
 * being the one at index @oldest?  Our slots from @oldest to
 * cached + pending hold bytes; nothing held means the area is free.
 */
static bool tx_fits(const struct tunx_ring *r, uint32_t oldest, uint32_t len)
{
	if (oldest == r->cached + r->pending)
		return true;
	return area_place(r, r->pos, len) + len - r->starts[oldest & r->mask] <=
	       r->area_size;
}

/* The consumer index, checked; -EIO (counted) when the kernel's is wild. */
static int tx_consumer(struct tunx_ring *r, uint32_t *cons)
{
	/* A, matches D in the kernel's tunx_ring_cons_release() */
	*cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	if (r->cached - *cons > r->entries) {
		r->corrupt++;
		return -EIO;
	}
	return 0;
}

/*
 * No room for @want bytes: name the descriptor whose release makes room,
 * so that poll() sleeps until then (struct tunx_tx_wake) instead of
 * reporting a free slot we cannot use.
 */
static void tx_wait_for(struct tunx_ring *r, uint32_t cons, uint32_t want)
{
	uint32_t idx = cons + 1;

	if (!r->wait_for)
		return;
	while (idx != r->cached + r->pending && !tx_fits(r, idx, want))
		idx++;
	__atomic_store_n(r->wait_for, idx, __ATOMIC_RELAXED);
}

static bool tx_room(const struct tunx_ring *r, uint32_t cons, uint32_t want)
{
	return r->cached + r->pending - cons < r->entries &&
	       tx_fits(r, cons, want);
}

/*
 * Room for @want bytes and a slot, from the consumer index seen last
 * (AF_XDP's cached_cons: it only grows, so what it shows free is free),
 * and from a fresh load (A) only when that shows none.  *@cons: the
 * index used.  -EIO on a wild one.
 */
static int tx_room_for(struct tunx_ring *r, uint32_t want, uint32_t *cons)
{
	int e;

	*cons = r->cons_seen;
	if (tx_room(r, *cons, want))
		return 0;
	e = tx_consumer(r, cons);
	if (e)
		return e;
	r->cons_seen = *cons;
	return tx_room(r, *cons, want) ? 0 : -EAGAIN;
}

static void reserve_at(struct tunx_ring *r, uint32_t want, struct tunx_pkt *p)
{
	uint32_t idx = r->cached + r->pending, start;

	start = area_place(r, r->pos, want);
	r->starts[idx & r->mask] = start;
	r->pos = start + (uint32_t)tunx__align_packet(want);
	p->data = r->data + (start & (r->area_size - 1));
	p->cap = want;
	p->len = 0;
	memset(&p->off, 0, sizeof(p->off));
	p->flags = 0;
	r->pending++;
}

int tunx__ring_reserve(struct tunx_ring *r, struct tunx_pkt *pkts,
		       unsigned int n)
{
	/* [writer] sets it; tunx__ring_can_reserve() may read it too. */
	uint32_t chunk = __atomic_load_n(&r->chunk, __ATOMIC_RELAXED);
	unsigned int k = 0;
	uint32_t cons;
	int e = 0;

	while (k < n && !(e = tx_room_for(r, chunk, &cons)))
		reserve_at(r, chunk, &pkts[k++]);
	if (k)
		return (int)k;
	if (e == -EAGAIN)
		tx_wait_for(r, cons, chunk);
	return e;
}

int tunx__ring_reserve_one(struct tunx_ring *r, uint32_t want,
			   struct tunx_pkt *pkt)
{
	uint32_t cons;
	int e;

	if (!want || want > r->max_packet)
		return -EINVAL;
	e = tx_room_for(r, want, &cons);
	if (!e)
		reserve_at(r, want, pkt);
	else if (e == -EAGAIN && !r->pending)
		tx_wait_for(r, cons, want);
	return e;
}

void tunx__ring_trim_last(struct tunx_ring *r, uint32_t len)
{
	uint32_t last = r->cached + r->pending - 1;

	if (r->pending && len)
		r->pos = r->starts[last & r->mask] +
			 (uint32_t)tunx__align_packet(len);
}

/* Bytes reserved for pending packet @i: up to the next one, or to pos. */
static uint32_t reserved_room(const struct tunx_ring *r, unsigned int i)
{
	uint32_t idx = r->cached + i;
	uint32_t start = r->starts[idx & r->mask];
	uint32_t end = i + 1 < r->pending ? r->starts[(idx + 1) & r->mask] :
		       r->pos;

	return end - start;
}

int tunx__ring_submit(struct tunx_ring *r, const struct tunx_pkt *pkts,
		      unsigned int n)
{
	unsigned int i;

	if (n > r->pending)
		return -EINVAL;
	/* Our own record of each reservation, not the caller's cap. */
	for (i = 0; i < n; i++)
		if (!pkts[i].len || pkts[i].len > r->max_packet ||
		    pkts[i].len > reserved_room(r, i) ||
		    (!r->offload && tunx__off_set(&pkts[i].off)))
			return -EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t slot = (r->cached + i) & r->mask;
		struct tunx_desc d = {
			.addr = r->starts[slot] & (r->area_size - 1),
			.len = pkts[i].len,
		};

		tunx__off_to_desc(&d, &pkts[i].off);
		memcpy(&r->descs[slot], &d, sizeof(d));
	}
	/* Reserved but unsubmitted bytes go back: reserve is per batch. */
	if (n)
		r->pos = r->starts[(r->cached + n - 1) & r->mask] +
			 (uint32_t)tunx__align_packet(pkts[n - 1].len);
	else if (r->pending)
		r->pos = r->starts[r->cached & r->mask];
	r->pending = 0;
	r->cached += n;
	/* B, matches C in the kernel's tunx_ring_cons_avail() */
	__atomic_store_n(r->producer, r->cached, __ATOMIC_RELEASE);
	maybe_kick(r);
	return (int)n;
}

int tunx__ring_cancel(struct tunx_ring *r, unsigned int n)
{
	if (n > r->pending)
		return -EINVAL;
	r->pending -= n;	/* the last n reserved packets are free again */
	if (n)
		r->pos = r->starts[(r->cached + r->pending) & r->mask];
	return 0;
}

bool tunx__ring_can_peek(struct tunx_ring *r)
{
	return rx_ready(r) != 0;	/* a wild producer (-EIO) is news too */
}

bool tunx__ring_can_reserve(struct tunx_ring *r)
{
	/* A, matches D in the kernel's tunx_ring_cons_release() */
	uint32_t cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);

	/* a wild consumer is news too: reserve reports (and counts) it */
	return r->cached - cons > r->entries ||
	       tx_room(r, cons, __atomic_load_n(&r->chunk, __ATOMIC_RELAXED));
}
