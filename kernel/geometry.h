/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_GEOMETRY_H
#define _TUNX_GEOMETRY_H

#include <linux/types.h>
#include <linux/tunx.h>

/* Where each part of a queue's shared area lives; kernel-private. */
struct tunx_geometry {
	u32 rx_entries;
	u32 tx_entries;
	u32 frame_size;
	struct tunx_ring_offsets rx;
	struct tunx_ring_offsets tx;
	u64 rx_frames;
	u64 tx_frames;
	u64 mmap_size;
	u64 rx_wake;		/* struct tunx_rx_wake */
};

int tunx_geometry_compute(struct tunx_geometry *geo, u32 rx_entries,
			  u32 tx_entries, u32 frame_size, u32 mtu);

#endif /* _TUNX_GEOMETRY_H */
