// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Offload helpers shared by the tun backend (IFF_VNET_HDR) and the tunx
 * backend (TUNX_ATTACH_OFFLOAD).  The kernel hands us up to 64 KB
 * "super-packets" and accepts them back; we split on read and coalesce on
 * write, so the caller only ever sees plain MTU-sized IP packets while the
 * kernel handles one packet (one syscall or one descriptor) per 44 of them.
 * Every length comes from a packet, so every one is checked before use.
 */
#include <string.h>
#include <netinet/in.h>
#include "gso.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * The checksum a word at a time, as the kernel's generic do_csum(): the
 * one's-complement sum does not care how the bytes are grouped, only that
 * every carry comes back in at the bottom (2^16, 2^32 and 2^64 are all 1
 * modulo 0xffff).  So 8 bytes are loaded at once in host order and summed
 * as two 32-bit halves into 64-bit accumulators, two of them so the adds
 * need not wait for each other; folded to 16 bits that is the sum of the
 * host-order 16-bit words, which stored in memory reads back as the sum of
 * the big-endian words (RFC 1071, 2.(B)) on either byte order.
 */

/* 8 bytes in host order; memcpy, as @p may have any alignment. */
static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* a + b with the carry out added back in: never overflows. */
static uint64_t add_carry(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/* A word as the sum of its 32-bit halves: < 2^33. */
static uint64_t halves(uint64_t w)
{
	return (w & 0xffffffff) + (w >> 32);
}

/* Bytes summed into a and b before they are folded into acc: 2^16 words
 * each of < 2^33, far from overflowing them. */
#define CSUM_BLOCK	((size_t)1 << 20)

uint64_t tunx__csum_add(const uint8_t *p, size_t len, uint64_t sum)
{
	uint64_t acc = 0, a, b;
	uint8_t tail[8] = { 0 };
	uint16_t host;

	while (len >= 32) {
		size_t n = (len < CSUM_BLOCK ? len : CSUM_BLOCK) & ~(size_t)31;

		len -= n;
		for (a = b = 0; n; n -= 32, p += 32) {
			a += halves(load64(p)) + halves(load64(p + 16));
			b += halves(load64(p + 8)) + halves(load64(p + 24));
		}
		acc = add_carry(acc, add_carry(a, b));
	}
	for (a = 0; len >= 8; len -= 8, p += 8)
		a += halves(load64(p));
	if (len) {	/* zero-padded: an odd last byte is a high byte */
		memcpy(tail, p, len);
		a += halves(load64(tail));
	}
	acc = add_carry(acc, a);
	/* Stored, the host-order sum is the big-endian one: no test of the
	 * byte order, and a rotate by 8 on a little-endian host. */
	host = tunx__csum_fold(acc);
	memcpy(tail, &host, sizeof(host));
	return add_carry(sum, get16(tail));
}

uint16_t tunx__csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t tunx__pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint64_t sum = (uint64_t)proto + l4len;

	if (ip[0] >> 4 == 4)
		return tunx__csum_add(ip + 12, 8, sum);
	return tunx__csum_add(ip + 8, 32, sum);
}

/* Where L4 starts and how long the headers are, checked against @len. */
struct l4info {
	size_t l4off, hdr_len;
	uint8_t proto;
};

static int l4_parse(const uint8_t *pkt, size_t len, size_t l4off, uint8_t proto,
		    struct l4info *li)
{
	size_t thlen = 8;

	if (proto == IPPROTO_TCP) {
		if (l4off + 20 > len)
			return -EINVAL;
		thlen = (size_t)(pkt[l4off + 12] >> 4) * 4;
		if (thlen < 20)
			return -EINVAL;
	}
	if (l4off + thlen > len)
		return -EINVAL;
	li->l4off = l4off;
	li->hdr_len = l4off + thlen;
	li->proto = proto;
	return 0;
}

static int gso_parse(const uint8_t *pkt, size_t len,
		     const struct virtio_net_hdr *h, struct l4info *li)
{
	uint8_t type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	uint8_t proto = type == VIRTIO_NET_HDR_GSO_UDP_L4 ? IPPROTO_UDP
							   : IPPROTO_TCP;
	size_t iphlen;

	if (len < 20)
		return -EINVAL;
	if (pkt[0] >> 4 == 4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
		iphlen = (size_t)(pkt[0] & 0xf) * 4;
	else if (pkt[0] >> 4 == 6 && type != VIRTIO_NET_HDR_GSO_TCPV4 &&
		 len >= 40)
		iphlen = 40;
	else
		return -EINVAL;
	/* csum_start is where the kernel says L4 is (IPv6 ext headers). */
	if (h->csum_start < iphlen || !h->gso_size)
		return -EINVAL;
	return l4_parse(pkt, len, h->csum_start, proto, li);
}

int tunx__gso_count(const uint8_t *pkt, size_t len,
		    const struct virtio_net_hdr *h)
{
	struct l4info li;
	size_t payload;

	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return 1;
	if (gso_parse(pkt, len, h, &li))
		return -EINVAL;
	payload = len - li.hdr_len;
	if (!payload)
		return 1;
	return (int)((payload + h->gso_size - 1) / h->gso_size);
}

/* Lengths, id and header checksum of a rebuilt IP packet. */
static void ip_fix(uint8_t *pkt, size_t len, unsigned int seg)
{
	size_t ihl = (size_t)(pkt[0] & 0xf) * 4;

	if (pkt[0] >> 4 == 6) {
		put16(pkt + 4, (uint16_t)(len - 40));
		return;
	}
	put16(pkt + 2, (uint16_t)len);
	put16(pkt + 4, (uint16_t)(get16(pkt + 4) + seg));
	put16(pkt + 10, 0);
	put16(pkt + 10, (uint16_t)~tunx__csum_fold(tunx__csum_add(pkt, ihl, 0)));
}

/*
 * The checksum of segment headers @hdr (@li's, checksum field zero) ahead
 * of a payload whose tunx__csum_add() sum is @pay_sum, @total bytes in all.
 * The payload starts at an even offset of L4 (TCP headers are whole words,
 * UDP's is 8 bytes), so its sum adds to the header's as is.
 */
static void l4_checksum_parts(uint8_t *hdr, size_t total,
			      const struct l4info *li, uint64_t pay_sum)
{
	size_t field = li->l4off + (li->proto == IPPROTO_TCP ? 16 : 6);
	uint32_t l4len = (uint32_t)(total - li->l4off);
	uint64_t sum = tunx__pseudo_sum(hdr, li->proto, l4len);
	uint16_t c;

	put16(hdr + field, 0);
	sum = tunx__csum_add(hdr + li->l4off, li->hdr_len - li->l4off, sum);
	c = (uint16_t)~tunx__csum_fold((uint64_t)tunx__csum_fold(sum) +
				       tunx__csum_fold(pay_sum));
	if (li->proto == IPPROTO_UDP && !c)
		c = 0xffff;
	put16(hdr + field, c);
}

int tunx__gso_segment_hdr(const uint8_t *pkt, size_t len,
			  const struct virtio_net_hdr *h, unsigned int seg,
			  const uint64_t *pay_sum, uint8_t *hdr, size_t cap,
			  struct tunx_gso_seg *out)
{
	struct l4info li;
	size_t payload, start, seglen, total;
	unsigned int last;

	if (gso_parse(pkt, len, h, &li))
		return -EINVAL;
	payload = len - li.hdr_len;
	last = payload ? (unsigned int)((payload - 1) / h->gso_size) : 0;
	if (seg > last)
		return -ENOENT;
	start = (size_t)seg * h->gso_size;
	seglen = payload - start < h->gso_size ? payload - start : h->gso_size;
	total = li.hdr_len + seglen;
	if (li.hdr_len > cap)
		return -EMSGSIZE;
	memcpy(hdr, pkt, li.hdr_len);
	ip_fix(hdr, total, seg);
	if (li.proto == IPPROTO_TCP) {
		uint8_t *th = hdr + li.l4off;

		put32(th + 4, get32(th + 4) + (uint32_t)start);
		if (seg != last)
			th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (seg)
			th[13] &= (uint8_t)~TCP_CWR;
	} else {
		put16(hdr + li.l4off + 4, (uint16_t)(total - li.l4off));
	}
	out->hdr_len = li.hdr_len;
	out->pay_off = li.hdr_len + start;
	out->pay_len = seglen;
	l4_checksum_parts(hdr, total, &li, pay_sum ? *pay_sum :
			  tunx__csum_add(pkt + out->pay_off, seglen, 0));
	return (int)li.hdr_len;
}

int tunx__gso_segment_sum(const uint8_t *pkt, size_t len,
			  const struct virtio_net_hdr *h, unsigned int seg,
			  const uint64_t *pay_sum, uint8_t *out, size_t cap)
{
	struct tunx_gso_seg s;
	int r = tunx__gso_segment_hdr(pkt, len, h, seg, pay_sum, out, cap, &s);

	if (r < 0)
		return r;
	if (s.hdr_len + s.pay_len > cap)
		return -EMSGSIZE;
	memcpy(out + s.hdr_len, pkt + s.pay_off, s.pay_len);
	return (int)(s.hdr_len + s.pay_len);
}

int tunx__gso_segment(const uint8_t *pkt, size_t len,
		      const struct virtio_net_hdr *h, unsigned int seg,
		      uint8_t *out, size_t cap)
{
	return tunx__gso_segment_sum(pkt, len, h, seg, NULL, out, cap);
}

bool tunx__seg_sums_match(const uint8_t *pkt, size_t len,
			  const struct virtio_net_hdr *h, unsigned int n)
{
	struct l4info li;

	return h->gso_type != VIRTIO_NET_HDR_GSO_NONE &&
	       !gso_parse(pkt, len, h, &li) && li.hdr_len == h->hdr_len &&
	       tunx__gso_count(pkt, len, h) == (int)n;
}

/* ---- coalescing ---------------------------------------------------- */

/*
 * Does the packet's L4 checksum verify?  A merged super-packet goes to the
 * kernel as CHECKSUM_PARTIAL, which the stack takes as good and never
 * checks: a segment that arrived corrupted (or was sent so) must not be
 * merged, or the merge would launder it.  Alone, it stays a plain packet
 * whose checksum the kernel checks (and counts in InCsumErrors).  An IPv4
 * UDP checksum of 0 means none was sent; the kernel computes one anyway.
 * merge_run() asks only about packets it is about to merge, once each: a
 * packet that goes alone is never read for it.  The headers and the
 * payload may lie apart: L4's headers are whole words, so their sums add.
 */
static bool l4_csum_ok(const struct tunx_seg_view *v, const struct l4info *li)
{
	const uint8_t *p = v->hdr;
	uint32_t l4len = (uint32_t)(v->len - li->l4off);
	uint64_t sum;

	if (li->proto == IPPROTO_UDP && p[0] >> 4 == 4 &&
	    !get16(p + li->l4off + 6))
		return true;
	sum = tunx__csum_add(p + li->l4off, li->hdr_len - li->l4off,
			     tunx__pseudo_sum(p, li->proto, l4len));
	return tunx__csum_fold(tunx__csum_add(v->pay, v->len - li->hdr_len,
					      sum)) == 0xffff;
}

/* A plain packet we know how to merge: no IP options or fragments (its
 * checksum is merge_run()'s question). */
static bool mergeable(const uint8_t *p, size_t len, bool udp,
		      struct l4info *li)
{
	uint8_t proto;

	if (len < 20)
		return false;
	if (p[0] == 0x45) {
		if (len != get16(p + 2) || (get16(p + 6) & 0x3fff))
			return false;
		proto = p[9];
		if (l4_parse(p, len, 20, proto, li))
			return false;
	} else if (p[0] >> 4 == 6 && len >= 40) {
		if (len != 40u + get16(p + 4))
			return false;
		proto = p[6];
		if (l4_parse(p, len, 40, proto, li))
			return false;
	} else {
		return false;
	}
	if (proto == IPPROTO_UDP)
		return udp && get16(p + li->l4off + 4) == len - li->l4off;
	/* Plain ACK (PSH allowed): no SYN/FIN/RST/URG/ECE/CWR to preserve. */
	return proto == IPPROTO_TCP &&
	       (p[li->l4off + 13] & ~TCP_PSH) == TCP_ACK;
}

/* Same flow and same invariant header bytes as the first packet? */
static bool same_flow(const uint8_t *a, const uint8_t *b,
		      const struct l4info *la, const struct l4info *lb)
{
	if (la->proto != lb->proto || la->hdr_len != lb->hdr_len)
		return false;
	if (a[0] == 0x45) {
		/* tos, DF, ttl, proto, addresses */
		if (a[1] != b[1] || a[6] != b[6] || a[8] != b[8] ||
		    memcmp(a + 9, b + 9, 1) || memcmp(a + 12, b + 12, 8))
			return false;
	} else if (memcmp(a, b, 4) || memcmp(a + 6, b + 6, 34)) {
		return false;	/* version/class/flow, next hdr, hops, addrs */
	}
	if (la->proto == IPPROTO_UDP)
		return !memcmp(a + la->l4off, b + lb->l4off, 4);
	/* ports; ack and window; options (offset 20..) must match */
	return !memcmp(a + la->l4off, b + lb->l4off, 4) &&
	       !memcmp(a + la->l4off + 8, b + lb->l4off + 8, 4) &&
	       a[la->l4off + 12] == b[lb->l4off + 12] &&
	       !memcmp(a + la->l4off + 14, b + lb->l4off + 14, 2) &&
	       !memcmp(a + la->l4off + 20, b + lb->l4off + 20,
		       la->hdr_len - la->l4off - 20);
}

/* Counts how many packets from i can join packet i. */
static unsigned int merge_run(const struct tunx_seg_view *v, unsigned int n,
			      unsigned int i, bool udp, size_t cap,
			      const struct l4info *li0)
{
	const uint8_t *p0 = v[i].hdr;
	size_t gso = v[i].len - li0->hdr_len, total = v[i].len;
	uint32_t next_seq;
	unsigned int k;

	if (!gso || (li0->proto == IPPROTO_TCP && (p0[li0->l4off + 13] & TCP_PSH)))
		return 1;
	next_seq = get32(p0 + li0->l4off + 4) + (uint32_t)gso;
	for (k = i + 1; k < n; k++) {
		const uint8_t *p = v[k].hdr;
		struct l4info li;
		size_t plen;

		if (!mergeable(p, v[k].len, udp, &li) ||
		    !same_flow(p0, p, li0, &li))
			break;
		plen = v[k].len - li.hdr_len;
		if (!plen || plen > gso || total + plen > TUNX_MAX_PACKET ||
		    total + plen > cap)
			break;
		if (li.proto == IPPROTO_TCP && get32(p + li.l4off + 4) != next_seq)
			break;
		/* Last, as it reads the packet: the head once it has company. */
		if ((k == i + 1 && !l4_csum_ok(&v[i], li0)) ||
		    !l4_csum_ok(&v[k], &li))
			break;
		next_seq += (uint32_t)plen;
		total += plen;
		/* A short or PSH segment ends the run: it must be last. */
		if (plen < gso || (li.proto == IPPROTO_TCP &&
				   (p[li.l4off + 13] & TCP_PSH))) {
			k++;
			break;
		}
	}
	return k - i;
}

/*
 * The merged packet's headers, at @pkt (@len bytes with every payload in
 * place behind them): lengths, the last segment's PSH, and NEEDS_CSUM's
 * pseudo-header sum in the checksum field; its description in @h.
 */
static void merge_finish(uint8_t *pkt, size_t len, const struct l4info *li,
			 const uint8_t *last, struct virtio_net_hdr *h)
{
	size_t gso = h->gso_size;
	bool v4 = pkt[0] >> 4 == 4;

	if (li->proto == IPPROTO_TCP)	/* the last segment's PSH survives */
		pkt[li->l4off + 13] |= last[li->l4off + 13] & TCP_PSH;
	else
		put16(pkt + li->l4off + 4, (uint16_t)(len - li->l4off));
	ip_fix(pkt, len, 0);
	/* NEEDS_CSUM: the field holds the folded pseudo-header sum only. */
	put16(pkt + li->l4off + (li->proto == IPPROTO_TCP ? 16 : 6),
	      tunx__csum_fold(tunx__pseudo_sum(pkt, li->proto,
					       (uint32_t)(len - li->l4off))));
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = li->proto == IPPROTO_UDP ? VIRTIO_NET_HDR_GSO_UDP_L4
		      : v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	h->gso_size = (uint16_t)gso;
	h->hdr_len = (uint16_t)li->hdr_len;
	h->csum_start = (uint16_t)li->l4off;
	h->csum_offset = li->proto == IPPROTO_TCP ? 16 : 6;
}

static void merge_build(const struct tunx_seg_view *v, unsigned int i,
			unsigned int cnt, const struct l4info *li,
			struct virtio_net_hdr *h, uint8_t *pkt, size_t *out_len)
{
	size_t len = v[i].len;
	unsigned int k;

	memcpy(pkt, v[i].hdr, v[i].len);
	for (k = i + 1; k < i + cnt; k++) {
		memcpy(pkt + len, v[k].pay, v[k].len - li->hdr_len);
		len += v[k].len - li->hdr_len;
	}
	h->gso_size = (uint16_t)(v[i].len - li->hdr_len);
	merge_finish(pkt, len, li, v[i + cnt - 1].hdr, h);
	*out_len = len;
}

/* Views of a batch's packets, headers and payload together. */
#define VIEW_BATCH 64

unsigned int tunx__gso_coalesce(uint8_t *const *bufs, const size_t *sizes,
				unsigned int n, size_t offset, unsigned int i,
				bool udp, struct virtio_net_hdr *h,
				uint8_t *out, size_t cap, size_t *out_len)
{
	struct tunx_seg_view v[VIEW_BATCH];
	struct l4info li;
	unsigned int cnt, k;

	if (i + 1 >= n || sizes[i] > cap ||
	    !mergeable(bufs[i] + offset, sizes[i], udp, &li))
		return 1;
	/* A run is at most 64 packets: UDP_MAX_SEGMENTS, GRO's bound. */
	if (n - i > VIEW_BATCH)
		n = i + VIEW_BATCH;
	for (k = i; k < n; k++) {
		v[k - i].hdr = bufs[k] + offset;
		v[k - i].pay = bufs[k] + offset + li.hdr_len;
		v[k - i].len = sizes[k];
	}
	cnt = merge_run(v, n - i, 0, udp, cap, &li);
	if (cnt > 1)
		merge_build(v, 0, cnt, &li, h, out, out_len);
	return cnt;
}

unsigned int tunx__gso_merge_in_place(const struct tunx_seg_view *v,
				      unsigned int n, bool udp, uint8_t *pkt,
				      size_t cap, struct virtio_net_hdr *h,
				      size_t *out_len)
{
	size_t len = v[0].len;
	struct l4info li;
	unsigned int k;

	if (n < 2 || v[0].hdr != pkt || v[0].len > cap ||
	    !mergeable(pkt, v[0].len, udp, &li))
		return 0;
	/* Each payload right behind the one before, as the caller laid them. */
	for (k = 1; k < n; k++) {
		if (v[k].len < li.hdr_len || v[k].pay != pkt + len)
			return 0;
		len += v[k].len - li.hdr_len;
	}
	if (merge_run(v, n, 0, udp, cap, &li) != n)
		return 0;
	h->gso_size = (uint16_t)(v[0].len - li.hdr_len);
	merge_finish(pkt, len, &li, v[n - 1].hdr, h);
	*out_len = len;
	return n;
}
