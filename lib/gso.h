/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Split TSO/USO super-packets read from tun or tunx, coalesce TCP/UDP
 * packets written to them (wireguard-go's offload scheme), and checksums. */
#ifndef TUNX_GSO_H
#define TUNX_GSO_H

#include <linux/virtio_net.h>
#include "internal.h"

#define TUNX_VNET_HDR_LEN	sizeof(struct virtio_net_hdr)
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/*
 * Internet checksum (RFC 1071).  tunx__csum_add() adds the @len bytes at @p,
 * as big-endian 16-bit words, to @sum; tunx__csum_fold() folds a result to
 * the 16-bit one's-complement sum (0 only when every word and @sum were 0),
 * whose complement is what goes into a header.  Only the folded value is
 * defined: the 64-bit result is not the plain sum of the words.
 *
 * @p must be at an even offset of the region being checksummed: p[0] is
 * the high byte of a word, and an odd last byte is the high byte of one
 * padded with zero.  Its address may have any alignment.  @sum may be any
 * value: 0, a few 16-bit words (the pseudo header: tunx__pseudo_sum()
 * returns a result of tunx__csum_add(), its own @sum < 2^33), or an earlier
 * result, so a region can be summed in pieces of even length.  It is added
 * with the carry brought back in, so even one near 2^64 cannot overflow.
 */
TUNX_HIDDEN uint64_t tunx__csum_add(const uint8_t *p, size_t len,
				    uint64_t sum);
TUNX_HIDDEN uint16_t tunx__csum_fold(uint64_t sum);
TUNX_HIDDEN uint64_t tunx__pseudo_sum(const uint8_t *ip, uint8_t proto,
				      uint32_t l4len);

/* Number of packets @h describes (1 without GSO), or -EINVAL. */
TUNX_HIDDEN int tunx__gso_count(const uint8_t *pkt, size_t len,
				const struct virtio_net_hdr *h);
/* Writes packet @seg of the super-packet to @out; returns its length. */
TUNX_HIDDEN int tunx__gso_segment(const uint8_t *pkt, size_t len,
				  const struct virtio_net_hdr *h,
				  unsigned int seg, uint8_t *out, size_t cap);
/*
 * Segment @seg of a super-packet without its payload, for a sender that
 * points an iovec at the payload where it lies (UDP_SEGMENT from the
 * ring): its rebuilt headers go to @hdr (at most @cap bytes), and @out
 * says where the payload slice is in @pkt.  The L4 checksum covers the
 * slice: from @pay_sum, the slice's tunx__csum_add(..., 0), when the
 * caller has it, else summed here (reading the slice, not copying it).
 * Returns the header length, -ENOENT past the last segment, -EINVAL for
 * a malformed packet, -EMSGSIZE when the headers do not fit @cap.
 * tunx__gso_segment() is this plus the copy of the slice after @hdr.
 */
struct tunx_gso_seg {
	size_t hdr_len, pay_off, pay_len;
};
TUNX_HIDDEN int tunx__gso_segment_hdr(const uint8_t *pkt, size_t len,
				      const struct virtio_net_hdr *h,
				      unsigned int seg, const uint64_t *pay_sum,
				      uint8_t *hdr, size_t cap,
				      struct tunx_gso_seg *out);
/* tunx__gso_segment() with the slice's sum given, as above (or NULL). */
TUNX_HIDDEN int tunx__gso_segment_sum(const uint8_t *pkt, size_t len,
				      const struct virtio_net_hdr *h,
				      unsigned int seg, const uint64_t *pay_sum,
				      uint8_t *out, size_t cap);
/*
 * Are @n segment sums from the kernel (TUNX_DESC_F_SEG_SUMS, each after
 * h->hdr_len) the sums of the slices cut here: do the headers this file
 * parses end at h->hdr_len, and is @n the segment count?  A descriptor's
 * fields are the kernel's word; this makes them agree with the packet's.
 */
TUNX_HIDDEN bool tunx__seg_sums_match(const uint8_t *pkt, size_t len,
				      const struct virtio_net_hdr *h,
				      unsigned int n);
/* Segment @i's sum, as tunx__gso_segment_hdr() takes it. */
static inline uint64_t tunx__seg_sum(const uint8_t *sums, unsigned int i)
{
	return (uint64_t)sums[2 * i] << 8 | sums[2 * i + 1];
}
/*
 * One packet of a run to merge: its headers at @hdr and its payload at
 * @pay (right behind them, or apart: a receive that put every header but
 * the first aside), @len bytes of both.
 */
struct tunx_seg_view {
	const uint8_t *hdr, *pay;
	size_t len;
};
/*
 * Merges packets i.. of a batch into the super-packet @out (at most @cap
 * bytes, its length in *out_len) described by *h; returns how many were
 * merged (>= 2), or 1 when packet i goes alone (@h and @out untouched).
 * @udp allows UDP (USO) merging.
 */
TUNX_HIDDEN unsigned int tunx__gso_coalesce(uint8_t *const *bufs,
					    const size_t *sizes,
					    unsigned int n, size_t offset,
					    unsigned int i, bool udp,
					    struct virtio_net_hdr *h,
					    uint8_t *out, size_t cap,
					    size_t *out_len);
/*
 * The same merge where the packets already lie: @v[0] whole at @pkt, and
 * each later payload right behind the one before (headers anywhere), so
 * only the first headers change.  All or nothing: returns @n when every
 * packet merged (@pkt then holds *out_len bytes described by *h), else 0
 * and nothing was written, so the caller can still read them as they
 * came.
 */
TUNX_HIDDEN unsigned int tunx__gso_merge_in_place(const struct tunx_seg_view *v,
						  unsigned int n, bool udp,
						  uint8_t *pkt, size_t cap,
						  struct virtio_net_hdr *h,
						  size_t *out_len);

/* Completes a NEEDS_CSUM checksum the kernel left to us (it wrote the
 * pseudo-header sum into the field); -EINVAL when the field is outside. */
TUNX_HIDDEN int tunx__csum_complete(uint8_t *pkt, size_t len,
				    const struct virtio_net_hdr *h);

/*
 * One packet from the kernel, handed out one plain packet at a time: the
 * segments of a super-packet, or the packet itself with a NEEDS_CSUM
 * checksum completed.  @pkt must stay valid until the split is done.
 */
struct tunx_split {
	const uint8_t *pkt;
	size_t len;
	struct virtio_net_hdr h;
	unsigned int seg, segs;		/* next segment, total; seg == segs: done */
	const uint8_t *sums;		/* the kernel's segment sums, or NULL */
};

/* Starts splitting; 0, or -EINVAL for a malformed packet (nothing to hand out). */
TUNX_HIDDEN int tunx__split_start(struct tunx_split *s, const uint8_t *pkt,
				  size_t len, const struct virtio_net_hdr *h);
/*
 * The split's checksums come from the kernel's @n segment sums at @sums
 * (TUNX_DESC_F_SEG_SUMS) rather than from a pass over each payload, when
 * they are the sums of the segments it cuts (tunx__seg_sums_match()).
 */
TUNX_HIDDEN void tunx__split_use_sums(struct tunx_split *s,
				      const uint8_t *sums, unsigned int n);
static inline bool tunx__split_more(const struct tunx_split *s)
{
	return s->seg < s->segs;
}
/*
 * Writes the next packet to @out; returns its length, -EMSGSIZE when it
 * does not fit @cap (kept for the next call), or -EINVAL when the rest is
 * malformed (dropped: the split is done).
 */
TUNX_HIDDEN int tunx__split_next(struct tunx_split *s, uint8_t *out,
				 size_t cap);

#endif
