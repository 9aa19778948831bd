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

static int tunx_round_area(u32 requested, u32 mtu, u32 *area_size,
			   u32 *max_packet)
{
	if (!requested)
		requested = TUNX_AREA_DEF_SIZE;
	if (requested > TUNX_AREA_MAX_SIZE)
		return -EINVAL;
	requested = max_t(u32, roundup_pow_of_two(requested),
			  TUNX_AREA_MIN_SIZE);
	/*
	 * Half the area: an rx packet that does not fit before the area's end
	 * starts again at 0, so an area twice the longest packet always takes
	 * the next one once the reader has released everything.
	 */
	*max_packet = min_t(u32, requested / 2, TUNX_SUPER_MAX);
	if (*max_packet < mtu)
		return -EINVAL;
	*area_size = requested;
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
 * @area_size: requested bytes of each packet area, 0 for the default
 * @mtu: current device MTU; max_packet must hold a whole packet
 *
 * Return: 0, or -EINVAL when a request is out of bounds after rounding or
 * the whole area would exceed TUNX_MAX_MMAP_SIZE.
 */
int tunx_geometry_compute(struct tunx_geometry *geo, u32 rx_entries,
			  u32 tx_entries, u32 area_size, u32 mtu)
{
	u64 end;
	int err;

	err = tunx_round_entries(rx_entries, &geo->rx_entries);
	if (!err)
		err = tunx_round_entries(tx_entries, &geo->tx_entries);
	if (!err)
		err = tunx_round_area(area_size, mtu, &geo->area_size,
				      &geo->max_packet);
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
	/* The same for the writer: its request beside its producer index. */
	geo->tx_wake = geo->tx.producer + sizeof(struct tunx_tx_wake);
	geo->rx_area = PAGE_ALIGN(end);

	/* Bounded inputs cannot overflow u64 today; the checks keep it so. */
	if (check_add_overflow(geo->rx_area, (u64)geo->area_size,
			       &geo->tx_area) ||
	    check_add_overflow(geo->tx_area, (u64)geo->area_size,
			       &geo->mmap_size))
		return -EINVAL;
	if (geo->mmap_size > TUNX_MAX_MMAP_SIZE)
		return -EINVAL;
	return 0;
}
