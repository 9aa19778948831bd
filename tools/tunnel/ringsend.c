// SPDX-License-Identifier: GPL-2.0
/*
 * Zero copy with offload: a super-packet peeked from the rx ring leaves in
 * UDP_SEGMENT messages whose iovecs alternate each segment's rebuilt
 * headers (a small scratch area) and its payload slice where the kernel
 * put it.  The socket's copy into its buffers is the only copy of the
 * payload; splitting it into packets first (tunx_read()) cost a copy more.
 * Each segment's inner checksum comes from the sum the kernel took of its
 * slice while copying it into the ring (TUNX_PKT_SEG_SUMS); a module
 * without segment sums leaves that to a pass over the slice here.
 *
 * A packet without GSO whose checksum the kernel left to us (NEEDS_CSUM)
 * is completed in place: the frame is ours until the release.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

#include "tunnel.h"
#include "../../lib/gso.h"

#define add(ctr, n) atomic_fetch_add_explicit(&(ctr), (n), memory_order_relaxed)

/* Kernel limits on one UDP_SEGMENT message (as gso.c). */
#define SEG_MAX_MSG	64
#define SEG_MAX_BYTES	65000

static struct virtio_net_hdr vnet_of(const struct tunx_offload *o)
{
	return (struct virtio_net_hdr){
		.flags = o->csum_flags, .gso_type = o->gso_type,
		.hdr_len = o->hdr_len, .gso_size = o->gso_size,
		.csum_start = o->csum_start, .csum_offset = o->csum_offset,
	};
}

bool tunnel_ring_needs_work(const struct tunx_pkt *p)
{
	return p->off.gso_type != TUNX_GSO_NONE ||
	       (p->off.csum_flags & TUNX_CSUM_NEEDS_CSUM);
}

/* One message of @niov iovecs: segments of @seg_size bytes (the last may
 * be shorter) when there are more than one.  Returns 0 or -1 (counted). */
static int send_msg(struct tunnel_queue *q, struct iovec *iov,
		    unsigned int niov, unsigned int seg_size)
{
	struct msghdr h = {
		.msg_name = (void *)&q->peer, .msg_namelen = q->peer_len,
		.msg_iov = iov, .msg_iovlen = niov,
	};
	union tunnel_ctl ctl;

	if (niov > 2)
		tunnel_set_segment(&h, &ctl, (uint16_t)seg_size);
	while (sendmsg(q->sock, &h, 0) < 0) {
		if (errno == EINTR)
			continue;
		add(q->c.send_errors, 1);
		tunnel_gso_refused(q, niov > 2);
		return -1;
	}
	return 0;
}

/* Segments per message: the kernel's limits, one without UDP_SEGMENT. */
static unsigned int per_message(const struct tunnel_queue *q,
				unsigned int seg_size)
{
	unsigned int k = SEG_MAX_BYTES / seg_size;

	if (!q->gso || !k)
		return 1;
	return k < SEG_MAX_MSG ? k : SEG_MAX_MSG;
}

/* The kernel's segment sums, when they are those of the slices cut here. */
static const uint8_t *kernel_sums(const struct tunx_pkt *p,
				  const struct virtio_net_hdr *h)
{
	const uint8_t *sums;
	unsigned int n = tunx_pkt_seg_sums(p, &sums);

	return n && tunx__seg_sums_match(p->data, p->len, h, n) ? sums : NULL;
}

static int send_super(struct tunnel_queue *q, const struct tunx_pkt *p,
		      struct tunnel_seg_scratch *sc)
{
	struct virtio_net_hdr h = vnet_of(&p->off);
	int segs = tunx__gso_count(p->data, p->len, &h);
	const uint8_t *sums = kernel_sums(p, &h);
	unsigned int seg = 0, k, per, seg_size = 0;
	struct tunx_gso_seg s;
	uint64_t bytes, sum;
	int r;

	if (segs < 1)
		return -EINVAL;
	while (seg < (unsigned int)segs) {
		/* Asked again each message: a refusal turns UDP_SEGMENT off
		 * for the rest of this super-packet too. */
		per = seg_size ? per_message(q, seg_size) : 1;
		for (k = 0, bytes = 0; k < per && seg < (unsigned int)segs;
		     k++, seg++) {
			if (sums)
				sum = tunx__seg_sum(sums, seg);
			r = tunx__gso_segment_hdr(p->data, p->len, &h, seg,
						  sums ? &sum : NULL, sc->hdr[k],
						  sizeof(sc->hdr[k]), &s);
			if (r < 0)
				return r;
			if (!seg_size) {	/* the first is a whole one */
				seg_size = (unsigned int)(s.hdr_len + s.pay_len);
				per = per_message(q, seg_size);
			}
			sc->iov[2 * k] = (struct iovec){ sc->hdr[k], s.hdr_len };
			sc->iov[2 * k + 1] = (struct iovec){
				p->data + s.pay_off, s.pay_len };
			bytes += s.hdr_len + s.pay_len;
		}
		if (!send_msg(q, sc->iov, 2 * k, seg_size)) {
			add(q->c.to_peer_packets, k);
			add(q->c.to_peer_bytes, bytes);
		}
	}
	return 0;
}

static int send_completed(struct tunnel_queue *q, struct tunx_pkt *p)
{
	struct virtio_net_hdr h = vnet_of(&p->off);
	struct iovec iov = { p->data, p->len };

	if (tunx__csum_complete(p->data, p->len, &h))
		return -EINVAL;
	if (!send_msg(q, &iov, 1, 0)) {
		add(q->c.to_peer_packets, 1);
		add(q->c.to_peer_bytes, p->len);
	}
	return 0;
}

void tunnel_ring_send(struct tunnel_queue *q, struct tunx_pkt *p,
		      struct tunnel_seg_scratch *sc)
{
	int r = p->off.gso_type != TUNX_GSO_NONE ? send_super(q, p, sc) :
		send_completed(q, p);

	if (r)
		add(q->c.malformed_drops, 1);
}
