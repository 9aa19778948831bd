// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hands out one packet from the kernel as plain, checksummed IP packets,
 * one call at a time, so a caller whose batch is full can stop in the
 * middle of a super-packet and continue on its next read: nothing is
 * dropped.  Shared by the tun and tunx backends.
 */
#include <string.h>
#include "gso.h"

int tunx__split_start(struct tunx_split *s, const uint8_t *pkt, size_t len,
		      const struct virtio_net_hdr *h)
{
	int cnt = 1;

	s->pkt = pkt;
	s->len = len;
	s->h = *h;
	s->seg = s->segs = 0;
	s->sums = NULL;
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		cnt = tunx__gso_count(pkt, len, h);
	if (cnt < 0)
		return cnt;
	s->segs = (unsigned int)cnt;
	return 0;
}

void tunx__split_use_sums(struct tunx_split *s, const uint8_t *sums,
			  unsigned int n)
{
	if (s->segs > 1 && tunx__seg_sums_match(s->pkt, s->len, &s->h, n))
		s->sums = sums;
}

int tunx__csum_complete(uint8_t *pkt, size_t len,
			const struct virtio_net_hdr *h)
{
	size_t start = h->csum_start, field = start + h->csum_offset;
	uint16_t c;

	if (field < start || field + 2 > len)
		return -EINVAL;
	c = (uint16_t)~tunx__csum_fold(tunx__csum_add(pkt + start, len - start, 0));
	pkt[field] = (uint8_t)(c >> 8);
	pkt[field + 1] = (uint8_t)c;
	return 0;
}

/* A packet without GSO: copied whole, its checksum completed if needed. */
static int copy_plain(struct tunx_split *s, uint8_t *out, size_t cap)
{
	if (s->len > cap)
		return -EMSGSIZE;
	memcpy(out, s->pkt, s->len);
	if ((s->h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    tunx__csum_complete(out, s->len, &s->h))
		return -EINVAL;
	return (int)s->len;
}

/* The next segment, its checksum from the kernel's sum when there is one. */
static int segment(const struct tunx_split *s, uint8_t *out, size_t cap)
{
	uint64_t sum;

	if (!s->sums)
		return tunx__gso_segment(s->pkt, s->len, &s->h, s->seg, out,
					 cap);
	sum = tunx__seg_sum(s->sums, s->seg);
	return tunx__gso_segment_sum(s->pkt, s->len, &s->h, s->seg, &sum, out,
				     cap);
}

int tunx__split_next(struct tunx_split *s, uint8_t *out, size_t cap)
{
	int r;

	if (!tunx__split_more(s))
		return -ENOENT;
	if (s->h.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		r = copy_plain(s, out, cap);
	else
		r = segment(s, out, cap);
	if (r == -EMSGSIZE)
		return r;	/* keep it: the caller's buffer is too small */
	if (r < 0) {
		s->seg = s->segs;	/* malformed: drop the rest */
		return -EINVAL;
	}
	s->seg++;
	return r;
}
