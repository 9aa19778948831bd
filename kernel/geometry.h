/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_GEOMETRY_H
#define _TUNX_GEOMETRY_H

#include <linux/types.h>
#include <linux/tunx.h>

/* Where each part of a queue's shared area lives; kernel-private. */
struct tunx_geometry {
	u32 rx_entries;
	u32 tx_entries;
	u32 area_size;		/* bytes of each direction's packet area */
	u32 max_packet;		/* longest packet, either direction */
	struct tunx_ring_offsets rx;
	struct tunx_ring_offsets tx;
	u64 rx_area;
	u64 tx_area;
	u64 mmap_size;
	u64 rx_wake;		/* struct tunx_rx_wake */
	u64 tx_wake;		/* struct tunx_tx_wake */
};

int tunx_geometry_compute(struct tunx_geometry *geo, u32 rx_entries,
			  u32 tx_entries, u32 area_size, u32 mtu);

#endif /* _TUNX_GEOMETRY_H */
