// SPDX-License-Identifier: GPL-2.0
/*
 * Ring geometry: turns what userspace asked for into sizes and offsets the
 * kernel trusts.  Pure arithmetic, so KUnit covers every bound.
 */
#include <linux/cache.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include "geometry.h"

/* 0 means default; anything else is rounded up to a power of two. */
static int tunx_round_entries(u32 requested, u32 *entries)
{
	if (!requested)
		requested = TUNX_RING_DEF_ENTRIES;
	if (requested > TUNX_RING_MAX_ENTRIES)
		return -EINVAL;
	/* The uapi contract: below the minimum after rounding is an error. */
	requested = roundup_pow_of_two(requested);
	if (requested < TUNX_RING_MIN_ENTRIES)
		return -EINVAL;
	*entries = requested;
	return 0;
}

static int tunx_round_frame(u32 requested, u32 mtu, u32 *frame_size)
{
	if (!requested)
		requested = TUNX_FRAME_MIN_SIZE;
	if (requested > TUNX_FRAME_MAX_SIZE)
		return -EINVAL;
	requested = max_t(u32, roundup_pow_of_two(requested),
			  TUNX_FRAME_MIN_SIZE);
	if (requested < mtu)
		return -EINVAL;
	*frame_size = requested;
	return 0;
}

/*
 * Producer, consumer and flags each get a cache line of their own so the two
 * sides never write the same line; descriptors follow.  Returns the offset
 * just past the ring.
 */
static u64 tunx_place_ring(struct tunx_ring_offsets *off, u64 base,
			   u32 entries)
{
	off->producer = base;
	off->consumer = base + L1_CACHE_BYTES;
	off->flags = base + 2 * L1_CACHE_BYTES;
	off->descs = base + 3 * L1_CACHE_BYTES;
	return off->descs + (u64)entries * sizeof(struct tunx_desc);
}

/**
 * tunx_geometry_compute - validate and round a ring setup request
 * @geo: filled on success
 * @rx_entries: requested rx ring entries, 0 for the default
 * @tx_entries: requested tx ring entries, 0 for the default
 * @frame_size: requested frame size, 0 for the default
 * @mtu: current device MTU; a frame must hold a whole packet
 *
 * Return: 0, or -EINVAL when a request is out of bounds after rounding or
 * the whole area would exceed TUNX_MAX_MMAP_SIZE.
 */
int tunx_geometry_compute(struct tunx_geometry *geo, u32 rx_entries,
			  u32 tx_entries, u32 frame_size, u32 mtu)
{
	u64 end, rx_bytes, tx_bytes;
	int err;

	err = tunx_round_entries(rx_entries, &geo->rx_entries);
	if (!err)
		err = tunx_round_entries(tx_entries, &geo->tx_entries);
	if (!err)
		err = tunx_round_frame(frame_size, mtu, &geo->frame_size);
	if (err)
		return err;

	end = tunx_place_ring(&geo->rx, 0, geo->rx_entries);
	/*
	 * The reader's wakeup request shares the line the reader already
	 * writes (its consumer index), which xmit reads anyway.
	 */
	BUILD_BUG_ON(L1_CACHE_BYTES < 2 * sizeof(struct tunx_rx_wake));
	geo->rx_wake = geo->rx.consumer + sizeof(struct tunx_rx_wake);
	end = tunx_place_ring(&geo->tx, PAGE_ALIGN(end), geo->tx_entries);
	geo->rx_frames = PAGE_ALIGN(end);

	/* Bounded inputs cannot overflow u64 today; the checks keep it so. */
	if (check_mul_overflow((u64)geo->rx_entries, (u64)geo->frame_size,
			       &rx_bytes) ||
	    check_mul_overflow((u64)geo->tx_entries, (u64)geo->frame_size,
			       &tx_bytes) ||
	    check_add_overflow(geo->rx_frames, rx_bytes, &geo->tx_frames) ||
	    check_add_overflow(geo->tx_frames, tx_bytes, &geo->mmap_size))
		return -EINVAL;
	if (geo->mmap_size > TUNX_MAX_MMAP_SIZE)
		return -EINVAL;
	return 0;
}
