/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_VALIDATE_H
#define _TUNX_VALIDATE_H

#include <linux/types.h>
#include <linux/tunx.h>

/* Smallest packet a tx descriptor may carry: a bare IPv4 header. */
#define TUNX_MIN_PACKET	20

/* What a tx descriptor is checked against; kernel-private copies only. */
struct tunx_desc_limits {
	u64 area_bytes;		/* bytes of the tx area */
	u32 max_packet;		/* longest packet, TUNX_SUPER_MAX at most */
	u32 mtu;		/* longer packets and segments are counted */
	bool offload;		/* the device carries offload metadata */
};

int tunx_desc_check(const struct tunx_desc *desc,
		    const struct tunx_desc_limits *lim);
u32 tunx_desc_max_len(const struct tunx_desc *desc,
		      const struct tunx_desc_limits *lim);
bool tunx_desc_over_mtu(const struct tunx_desc *desc,
			const struct tunx_desc_limits *lim);
__be16 tunx_ip_check(const u8 *data, u32 len, u32 max_len);

#endif /* _TUNX_VALIDATE_H */
