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
#include <string.h>
#include "offload.h"
#include "ring.h"

static bool span_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int tunx__ring_init(struct tunx_ring *r, uint8_t *map, uint64_t map_size,
		    const struct tunx_ring_offsets *off, uint64_t frames_off,
		    uint32_t entries, uint32_t frame_size)
{
	uint64_t descs = (uint64_t)entries * sizeof(struct tunx_desc);

	memset(r, 0, sizeof(*r));
	if (!entries || (entries & (entries - 1)) || !frame_size)
		return -EINVAL;
	r->area = (uint64_t)entries * frame_size;
	if (!span_ok(off->producer, 4, map_size) ||
	    !span_ok(off->consumer, 4, map_size) ||
	    !span_ok(off->flags, 4, map_size) ||
	    !span_ok(off->descs, descs, map_size) ||
	    !span_ok(frames_off, r->area, map_size) ||
	    (off->producer | off->consumer | off->flags) & 3 ||
	    off->descs & 7)
		return -EPROTO;
	r->producer = (uint32_t *)(map + off->producer);
	r->consumer = (uint32_t *)(map + off->consumer);
	r->flags = (uint32_t *)(map + off->flags);
	r->descs = (struct tunx_desc *)(map + off->descs);
	r->frames = map + frames_off;
	r->entries = entries;
	r->mask = entries - 1;
	r->frame_size = frame_size;
	return 0;
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

	if (avail > r->entries) {
		r->corrupt++;
		return -EIO;
	}
	return (int)(avail - r->pending);
}

/* Copies the descriptor once and checks the copy (no double fetch). */
static bool rx_desc(struct tunx_ring *r, uint32_t idx, struct tunx_pkt *p)
{
	struct tunx_desc d;

	memcpy(&d, (const void *)&r->descs[idx & r->mask], sizeof(d));
	if (!d.len || d.len > r->frame_size || !span_ok(d.addr, d.len, r->area))
		return false;
	p->data = r->frames + d.addr;
	p->len = d.len;
	p->cap = d.len;
	if (r->offload)
		tunx__off_from_desc(&p->off, &d);
	else
		memset(&p->off, 0, sizeof(p->off));
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
			if (k)	/* stop: release must map 1:1 to what we gave */
				break;
			/* nothing handed out yet: consume and count it */
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

int tunx__ring_reserve(struct tunx_ring *r, struct tunx_pkt *pkts,
		       unsigned int n)
{
	/* A, matches D in the kernel's tunx_ring_cons_release() */
	uint32_t cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	uint32_t used = r->cached - cons;
	unsigned int k;

	if (used > r->entries) {
		r->corrupt++;
		return -EIO;
	}
	for (k = 0; k < n && used + r->pending < r->entries; k++) {
		uint32_t slot = (r->cached + r->pending) & r->mask;

		pkts[k].data = r->frames + (uint64_t)slot * r->frame_size;
		pkts[k].cap = r->frame_size;
		pkts[k].len = 0;
		memset(&pkts[k].off, 0, sizeof(pkts[k].off));
		r->pending++;
	}
	return k ? (int)k : -EAGAIN;
}

int tunx__ring_submit(struct tunx_ring *r, const struct tunx_pkt *pkts,
		      unsigned int n)
{
	unsigned int i;

	if (n > r->pending)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!pkts[i].len || pkts[i].len > r->frame_size ||
		    (!r->offload && tunx__off_set(&pkts[i].off)))
			return -EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t slot = (r->cached + i) & r->mask;
		struct tunx_desc d = {
			.addr = (uint64_t)slot * r->frame_size,
			.len = pkts[i].len,
		};

		tunx__off_to_desc(&d, &pkts[i].off);
		memcpy(&r->descs[slot], &d, sizeof(d));
	}
	/* Reserved but unsubmitted frames go back: reserve is per batch. */
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
	r->pending -= n;	/* the last n reserved frames are free again */
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
	uint32_t used = r->cached - cons;

	/* a wild consumer is news too: reserve reports it */
	return used > r->entries || used + r->pending < r->entries;
}
