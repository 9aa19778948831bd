/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offload metadata in its three shapes: a tunx descriptor (the kernel ABI),
 * struct tunx_offload (the public API) and struct virtio_net_hdr (what the
 * split/coalesce code speaks).  The uapi defines the tunx values as the
 * virtio ones and lays the descriptor's offload fields out as the virtio
 * header, which tunx_offload copies: the mapping is a copy, and the
 * asserts below keep it one.
 */
#ifndef TUNX_OFFLOAD_H
#define TUNX_OFFLOAD_H

#include <stddef.h>
#include <string.h>
#include <linux/tunx.h>
#include "gso.h"

_Static_assert(TUNX_CSUM_NEEDS_CSUM == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	       TUNX_CSUM_DATA_VALID == VIRTIO_NET_HDR_F_DATA_VALID,
	       "tunx csum flags are virtio's");
_Static_assert(TUNX_GSO_NONE == VIRTIO_NET_HDR_GSO_NONE &&
	       TUNX_GSO_TCPV4 == VIRTIO_NET_HDR_GSO_TCPV4 &&
	       TUNX_GSO_TCPV6 == VIRTIO_NET_HDR_GSO_TCPV6 &&
	       TUNX_GSO_UDP_L4 == VIRTIO_NET_HDR_GSO_UDP_L4 &&
	       TUNX_GSO_ECN == VIRTIO_NET_HDR_GSO_ECN,
	       "tunx gso types are virtio's");

/* Offset of field @f from the first offload field of @type. */
#define TUNX_OFF_AT(type, first, f) (offsetof(type, f) - offsetof(type, first))
#define TUNX_OFF_SAME(f) \
	(TUNX_OFF_AT(struct tunx_desc, csum_flags, f) == \
	 TUNX_OFF_AT(struct tunx_offload, csum_flags, f) && \
	 TUNX_OFF_AT(struct virtio_net_hdr, flags, f) == \
	 TUNX_OFF_AT(struct tunx_offload, csum_flags, f))
_Static_assert(TUNX_OFF_SAME(gso_type) && TUNX_OFF_SAME(hdr_len) &&
	       TUNX_OFF_SAME(gso_size) && TUNX_OFF_SAME(csum_start) &&
	       TUNX_OFF_SAME(csum_offset) &&
	       sizeof(struct tunx_offload) == sizeof(struct virtio_net_hdr) &&
	       TUNX_OFF_AT(struct tunx_desc, csum_flags, reserved1) ==
	       sizeof(struct tunx_offload),
	       "descriptor, tunx_offload and virtio_net_hdr share one layout");

static inline bool tunx__off_set(const struct tunx_offload *o)
{
	static const struct tunx_offload zero;

	return memcmp(o, &zero, sizeof(zero)) != 0;
}

/* Descriptor -> API.  A descriptor without TUNX_DESC_F_OFFLOAD is plain. */
static inline void tunx__off_from_desc(struct tunx_offload *o,
				       const struct tunx_desc *d)
{
	memset(o, 0, sizeof(*o));
	if (d->flags & TUNX_DESC_F_OFFLOAD)
		memcpy(o, &d->csum_flags, sizeof(*o));
}

/* API -> descriptor: the flag goes with any non-zero field. */
static inline void tunx__off_to_desc(struct tunx_desc *d,
				     const struct tunx_offload *o)
{
	if (!tunx__off_set(o))
		return;
	d->flags |= TUNX_DESC_F_OFFLOAD;
	memcpy(&d->csum_flags, o, sizeof(*o));
}

/*
 * How many segment sums follow a packet of @len described by @o when its
 * descriptor has TUNX_DESC_F_SEG_SUMS (0: not a super-packet), and where
 * they start (the uapi's "Segment sums").
 */
static inline unsigned int tunx__seg_sums_count(const struct tunx_offload *o,
						uint32_t len)
{
	if (o->gso_type == TUNX_GSO_NONE || !o->gso_size || o->hdr_len >= len)
		return 0;
	return (len - o->hdr_len + o->gso_size - 1U) / o->gso_size;
}

static inline uint32_t tunx__seg_sums_at(uint32_t len)
{
	return (len + TUNX_SEG_SUMS_ALIGN - 1U) &
	       ~(uint32_t)(TUNX_SEG_SUMS_ALIGN - 1);
}

static inline void tunx__off_to_vnet(struct virtio_net_hdr *h,
				     const struct tunx_offload *o)
{
	memcpy(h, o, sizeof(*h));
}

static inline void tunx__off_from_vnet(struct tunx_offload *o,
				       const struct virtio_net_hdr *h)
{
	memcpy(o, h, sizeof(*o));
}

#endif
