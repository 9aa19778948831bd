// SPDX-License-Identifier: LGPL-2.1-or-later
/* Offload helpers: split super-packets, coalesce segments, checksums. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include <linux/tunx.h>
#include <tunx/tunx.h>
#include "../gso.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

static struct virtio_net_hdr gso_hdr(uint8_t type, size_t l4, uint16_t size,
				     uint16_t off)
{
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = type,
		.gso_size = size, .csum_start = (uint16_t)l4, .csum_offset = off,
	};
	return h;
}

static void split_tcp4_super_packet(void)
{
	uint8_t *sp = malloc(65536), out[2048];
	size_t len = tx_tcp(sp, false, 1000, 0x18 | 0x01, 3000, 5000);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 1000, 16);
	unsigned int ok = 0;

	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), 3);
	for (unsigned int s = 0; s < 3; s++) {
		int r = tunx__gso_segment(sp, len, &h, s, out, sizeof(out));

		ok += r == 1040 && tx_l4_ok(out, 1040) &&
		      get32(out + 24) == 1000 + s * 1000 &&
		      out[5] == 100 + s &&	/* ip id */
		      out[40] == (uint8_t)(1000 + s * 1000) &&
		      ((out[33] & 0x09) != 0) == (s == 2);	/* PSH/FIN last */
	}
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(tunx__gso_segment(sp, len, &h, 3, out, sizeof(out)), -ENOENT);
	free(sp);
}

static void split_uneven_tail(void)
{
	uint8_t *sp = malloc(65536), out[2048];
	size_t len = tx_tcp(sp, false, 1, 0x10, 2500, 5000);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 1000, 16);

	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), 3);
	CU_ASSERT_EQUAL(tunx__gso_segment(sp, len, &h, 2, out, sizeof(out)), 540);
	CU_ASSERT(tx_l4_ok(out, 540));
	free(sp);
}

static void split_tcp6_super_packet(void)
{
	uint8_t *sp = malloc(65536), out[2048];
	size_t len = tx_tcp(sp, true, 7, 0x10, 2800, 6000);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV6, 40, 1400, 16);
	int r0 = tunx__gso_segment(sp, len, &h, 0, out, sizeof(out));

	CU_ASSERT_EQUAL(r0, 1460);
	CU_ASSERT(tx_l4_ok(out, 1460));
	CU_ASSERT_EQUAL(out[4] << 8 | out[5], 1420);	/* payload length */
	CU_ASSERT_EQUAL(tunx__gso_segment(sp, len, &h, 1, out, sizeof(out)), 1460);
	CU_ASSERT_EQUAL(get32(out + 44), 7 + 1400);
	free(sp);
}

static void split_udp_super_packet(void)
{
	uint8_t *sp = malloc(65536), out[2048], pay[3000];
	size_t len;
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_UDP_L4, 20, 1200, 6);
	unsigned int ok = 0;

	for (int i = 0; i < 3000; i++)
		pay[i] = (uint8_t)(i / 1200);
	len = tx_udp4(sp, "10.0.0.1", "10.0.0.2", 1, 2, pay, 3000);
	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), 3);
	for (unsigned int s = 0; s < 3; s++) {
		int r = tunx__gso_segment(sp, len, &h, s, out, sizeof(out));
		size_t want = s < 2 ? 1228 : 28 + 600;

		ok += r == (int)want && tx_l4_ok(out, want) && out[28] == s &&
		      (size_t)(out[24] << 8 | out[25]) == want - 20;
	}
	CU_ASSERT_EQUAL(ok, 3);
	free(sp);
}

/* Each segment's payload sum, as the kernel stores it (big-endian). */
static void kernel_sums(const uint8_t *sp, size_t len, size_t hdr, size_t seg,
			uint8_t *sums, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		size_t off = hdr + i * seg, k = len - off < seg ? len - off : seg;

		put16(sums + 2 * i, tunx__csum_fold(tunx__csum_add(sp + off, k, 0)));
	}
}

/* How many of the split's packets have a good L4 checksum. */
static unsigned int split_good(const uint8_t *sp, size_t len,
			       const struct virtio_net_hdr *h,
			       const uint8_t *sums, unsigned int n)
{
	struct tunx_split s;
	unsigned int good = 0;
	uint8_t out[2048];
	int r;

	CU_ASSERT_EQUAL_FATAL(tunx__split_start(&s, sp, len, h), 0);
	tunx__split_use_sums(&s, sums, n);
	while ((r = tunx__split_next(&s, out, sizeof(out))) > 0)
		good += tx_l4_ok(out, (size_t)r);
	return good;
}

/*
 * The kernel's segment sums stand in for a pass over each payload: right
 * ones give good packets, and wrong ones show they were used.  Sums of
 * another cut (their count, the header length they start after) are
 * ignored, and the split sums the payload itself.
 */
static void split_uses_kernel_sums_when_they_match(void)
{
	uint8_t *sp = malloc(65536), sums[6], bad[6];
	size_t len = tx_tcp(sp, false, 1, 0x10, 2501, 5000);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 1000, 16);

	h.hdr_len = 40;
	kernel_sums(sp, len, 40, 1000, sums, 3);
	for (unsigned int i = 0; i < sizeof(bad); i++)
		bad[i] = sums[i] ^ 0x11;
	CU_ASSERT_EQUAL(split_good(sp, len, &h, sums, 3), 3);
	CU_ASSERT_EQUAL(split_good(sp, len, &h, bad, 3), 0);
	CU_ASSERT_EQUAL(split_good(sp, len, &h, bad, 2), 3);
	h.hdr_len = 44;
	CU_ASSERT_EQUAL(split_good(sp, len, &h, bad, 3), 3);
	free(sp);
}

/*
 * A receive laid out for an in-place merge: TCP segment 0 whole at @pkt,
 * the headers of the others in @hdrs, each payload right behind the one
 * before.
 */
static void lay_out(uint8_t *pkt, uint8_t hdrs[][64], struct tunx_seg_view *v,
		    unsigned int n, size_t pay)
{
	uint8_t seg[2048];
	size_t at = 0, len;

	for (unsigned int k = 0; k < n; k++) {
		len = tx_tcp(seg, false, 1000 + (uint32_t)(k * pay), 0x10, pay, 5000);
		if (!k) {
			memcpy(pkt, seg, len);
			v[0] = (struct tunx_seg_view){ pkt, pkt + 40, len };
			at = len;
			continue;
		}
		memcpy(hdrs[k], seg, 40);
		memcpy(pkt + at, seg + 40, pay);
		v[k] = (struct tunx_seg_view){ hdrs[k], pkt + at, len };
		at += pay;
	}
}

/*
 * Merging where the packets lie gives one TSO packet whose split is the
 * segments received (IP ids aside).  All or nothing: a corrupted
 * segment, a payload that is not where the layout says or a segment of
 * another kind leaves every byte as it came.
 */
static void merge_in_place_gives_the_split_back(void)
{
	uint8_t *pkt = malloc(65536), hdrs[4][64], out[2048], seg[2048];
	struct tunx_seg_view v[4];
	struct virtio_net_hdr h;
	unsigned int ok = 0;
	size_t len = 0, want;
	int r;

	lay_out(pkt, hdrs, v, 4, 1000);
	CU_ASSERT_EQUAL_FATAL(tunx__gso_merge_in_place(v, 4, false, pkt, 65536,
						       &h, &len), 4);
	CU_ASSERT_EQUAL(len, 40 + 4000);
	CU_ASSERT_EQUAL(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CU_ASSERT_EQUAL(h.gso_size, 1000);
	CU_ASSERT_EQUAL(h.hdr_len, 40);
	for (unsigned int s = 0; s < 4; s++) {
		want = tx_tcp(seg, false, 1000 + s * 1000, 0x10, 1000, 5000);
		r = tunx__gso_segment(pkt, len, &h, s, out, sizeof(out));
		ok += r == (int)want && tx_l4_ok(out, want) &&
		      !memcmp(out + 20, seg + 20, want - 20);
	}
	CU_ASSERT_EQUAL(ok, 4);

	lay_out(pkt, hdrs, v, 4, 1000);
	pkt[40 + 2 * 1000 + 5] ^= 1;	/* segment 2's payload */
	memcpy(seg, pkt, 40);
	CU_ASSERT_EQUAL(tunx__gso_merge_in_place(v, 4, false, pkt, 65536,
						 &h, &len), 0);
	CU_ASSERT_EQUAL(memcmp(seg, pkt, 40), 0);
	lay_out(pkt, hdrs, v, 4, 1000);
	v[2].pay++;
	CU_ASSERT_EQUAL(tunx__gso_merge_in_place(v, 4, false, pkt, 65536,
						 &h, &len), 0);
	lay_out(pkt, hdrs, v, 4, 1000);
	hdrs[1][13 + 20] = 0x12;	/* segment 1 a SYN-ACK */
	CU_ASSERT_EQUAL(tunx__gso_merge_in_place(v, 4, false, pkt, 65536,
						 &h, &len), 0);
	free(pkt);
}

/* tunx_pkt_seg_sums(): the sums after the packet, when the flag says so. */
static void pkt_seg_sums_after_the_packet(void)
{
	uint8_t buf[4096] = { 0 };
	struct tunx_pkt p = {
		.data = buf, .len = 2541, .cap = 2541,
		.off = { .gso_type = TUNX_GSO_TCPV4, .hdr_len = 40,
			 .gso_size = 1000 },
	};
	const uint8_t *sums = buf;

	CU_ASSERT_EQUAL(tunx_pkt_seg_sums(&p, &sums), 0);
	CU_ASSERT_PTR_NULL(sums);
	p.flags = TUNX_PKT_SEG_SUMS;
	CU_ASSERT_EQUAL(tunx_pkt_seg_sums(&p, &sums), 3);
	CU_ASSERT_PTR_EQUAL(sums, buf + 2544);	/* len rounded up to 4 */
	p.off.gso_type = TUNX_GSO_NONE;
	CU_ASSERT_EQUAL(tunx_pkt_seg_sums(&p, &sums), 0);
	CU_ASSERT_PTR_NULL(sums);
}

static void split_rejects_malformed(void)
{
	uint8_t sp[200], out[2048];
	size_t len = tx_tcp(sp, false, 1, 0x10, 100, 1);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 190, 50, 16);

	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 0, 16);	/* gso_size 0 */
	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV6, 20, 50, 16);	/* v4 as v6 */
	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 50, 16);
	CU_ASSERT_EQUAL(tunx__gso_segment(sp, len, &h, 0, out, 60), -EMSGSIZE);
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	CU_ASSERT_EQUAL(tunx__gso_count(sp, len, &h), 1);
}

/* Builds n contiguous segments of one flow into a batch. */
static void segments(struct tx_batch *b, bool v6, unsigned int n, size_t mss,
		     size_t off)
{
	tx_batch_init(b, n, off + 2048);
	for (unsigned int i = 0; i < n; i++)
		b->sizes[i] = tx_tcp(b->bufs[i] + off, v6, 500 + (uint32_t)(i * mss),
				  0x10, mss, 4000);
}

/* Coalesces into @out laid out as tun wants it: virtio header, packet. */
static unsigned int coalesce(struct tx_batch *b, unsigned int n, size_t off,
			     unsigned int i, bool udp, uint8_t *out,
			     size_t *olen)
{
	return tunx__gso_coalesce(b->bufs, b->sizes, n, off, i, udp,
				  (struct virtio_net_hdr *)out,
				  out + TUNX_VNET_HDR_LEN, 70000, olen);
}

static void coalesce_roundtrip(bool v6)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000), seg[2048];
	size_t olen = 0, l4 = v6 ? 40 : 20;
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)out;
	unsigned int same = 0;

	segments(&b, v6, 8, 1000, 10);
	CU_ASSERT_EQUAL(coalesce(&b, 8, 10, 0, false, out, &olen), 8);
	CU_ASSERT_EQUAL(olen, l4 + 20 + 8000);
	CU_ASSERT_EQUAL(h->gso_size, 1000);
	CU_ASSERT_EQUAL(h->gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6
					: VIRTIO_NET_HDR_GSO_TCPV4);
	CU_ASSERT_EQUAL(h->csum_start, l4);
	CU_ASSERT_EQUAL(h->hdr_len, l4 + 20);
	/* splitting it again gives back the original packets byte for byte */
	for (unsigned int s = 0; s < 8; s++) {
		int r = tunx__gso_segment(out + TUNX_VNET_HDR_LEN,
					  olen, h, s, seg,
					  sizeof(seg));

		if (!v6) {	/* ip id: originals all carry 100 */
			seg[4] = 0;
			seg[5] = 100;
			put16(seg + 10, 0);
			put16(seg + 10, tx_csum(seg, 20, 0));
		}
		same += r == (int)b.sizes[s] && !memcmp(seg, b.bufs[s] + 10, b.sizes[s]);
	}
	CU_ASSERT_EQUAL(same, 8);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_tcp4_roundtrip(void)
{
	coalesce_roundtrip(false);
}

static void coalesce_tcp6_roundtrip(void)
{
	coalesce_roundtrip(true);
}

static void coalesce_stops_at_seq_gap(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	size_t olen;

	segments(&b, false, 4, 1000, 0);
	b.sizes[2] = tx_tcp(b.bufs[2], false, 99999, 0x10, 1000, 4000);
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 0, false, out, &olen), 2);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_stops_at_other_flow(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	size_t olen;

	segments(&b, false, 4, 1000, 0);
	b.sizes[1] = tx_tcp(b.bufs[1], false, 1500, 0x10, 1000, 4001);
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 0, false, out, &olen), 1);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_psh_ends_run(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)out;
	size_t olen;

	segments(&b, false, 5, 1000, 0);
	b.sizes[2] = tx_tcp(b.bufs[2], false, 2500, 0x18, 1000, 4000);
	CU_ASSERT_EQUAL(coalesce(&b, 5, 0, 0, false, out, &olen), 3);
	CU_ASSERT_EQUAL(out[TUNX_VNET_HDR_LEN + 33] & 0x08, 0x08);
	CU_ASSERT_EQUAL(h->gso_size, 1000);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_short_segment_is_last(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	size_t olen;

	segments(&b, false, 4, 1000, 0);
	b.sizes[1] = tx_tcp(b.bufs[1], false, 1500, 0x10, 400, 4000);
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 0, false, out, &olen), 2);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_never_merges_syn_or_single(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	size_t olen;

	segments(&b, false, 3, 1000, 0);
	b.sizes[0] = tx_tcp(b.bufs[0], false, 500, 0x12, 1000, 4000);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, false, out, &olen), 1);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 2, false, out, &olen), 1);
	tx_batch_free(&b);
	free(out);
}

/* A segment whose checksum does not verify is never merged: the run
 * stops before it, and it goes alone (the kernel then checks it). */
static void coalesce_never_merges_bad_checksum(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000);
	size_t olen;

	segments(&b, false, 4, 1000, 0);
	b.bufs[2][40 + 500] ^= 0x01;	/* a payload bit, checksum as sent */
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 0, false, out, &olen), 2);
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 2, false, out, &olen), 1);
	CU_ASSERT_EQUAL(coalesce(&b, 4, 0, 3, false, out, &olen), 1);
	tx_batch_free(&b);
	segments(&b, true, 3, 1000, 0);
	b.bufs[0][60 + 7] ^= 0x80;	/* the head itself */
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, false, out, &olen), 1);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 1, false, out, &olen), 2);
	tx_batch_free(&b);
	free(out);
}

/* IPv4 UDP without a checksum (0: none sent) still merges; one with a
 * wrong checksum does not. */
static void coalesce_udp_checksum_rules(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000), pay[800] = { 1 };
	size_t olen;

	tx_batch_init(&b, 3, 2048);
	for (int i = 0; i < 3; i++) {
		b.sizes[i] = tx_udp4(b.bufs[i], "10.0.0.1", "10.0.0.2", 9, 10,
				     pay, 800);
		put16(b.bufs[i] + 26, 0);
	}
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, true, out, &olen), 3);
	put16(b.bufs[1] + 26, 0x1234);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, true, out, &olen), 1);
	tx_batch_free(&b);
	free(out);
}

static void coalesce_udp_only_with_uso(void)
{
	struct tx_batch b;
	uint8_t *out = malloc(70000), pay[800] = { 0 }, seg[2048];
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)out;
	size_t olen;

	tx_batch_init(&b, 3, 2048);
	for (int i = 0; i < 3; i++)
		b.sizes[i] = tx_udp4(b.bufs[i], "10.0.0.1", "10.0.0.2", 9, 10,
				     pay, i == 2 ? 300 : 800);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, false, out, &olen), 1);
	CU_ASSERT_EQUAL(coalesce(&b, 3, 0, 0, true, out, &olen), 3);
	CU_ASSERT_EQUAL(h->gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	CU_ASSERT_EQUAL(tunx__gso_segment(out + TUNX_VNET_HDR_LEN,
					  olen, h, 2, seg,
					  sizeof(seg)), 328);
	CU_ASSERT(tx_l4_ok(seg, 328));
	tx_batch_free(&b);
	free(out);
}

static void checksum_helpers_agree(void)
{
	uint8_t p[128];
	size_t len = tx_udp4(p, "192.168.1.1", "192.168.1.2", 53, 5353, "hello", 5);

	CU_ASSERT_EQUAL(tunx__csum_fold(tunx__csum_add(p, 20, 0)), 0xffff);
	CU_ASSERT_EQUAL(tunx__csum_fold(tunx__csum_add(p + 20, len - 20,
			tunx__pseudo_sum(p, 17, (uint32_t)(len - 20)))), 0xffff);
}

/*
 * tunx__csum_add() against the definition, a byte at a time: even bytes
 * high, odd bytes low, @sum brought to 16 bits first so nothing overflows.
 */
static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t ref_csum(const uint8_t *p, size_t len, uint64_t sum)
{
	uint64_t s = ref_fold(sum);

	for (size_t i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint64_t)p[i] << 8;
	return ref_fold(s);
}

/* xorshift64: the same data on every run, from a seed that is printed. */
#define CSUM_SEED 0x7475e78c5eedULL

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The incoming sums to try: none, the kind callers pass (a few 16-bit
 * words), 0xffff and one past it, any 64-bit value, and ones near 2^64. */
static uint64_t csum_sum(uint64_t *x, unsigned int k)
{
	uint64_t r = xorshift(x);

	switch (k) {
	case 0: return 0;
	case 1: return r & 0x1ffffffff;
	case 2: return 0xffff + (r & 1);
	case 3: return r;
	default: return UINT64_MAX - (r & 0xffff);
	}
}
#define CSUM_SUMS 5

/* Every kind of sum on @len bytes at @p; counts the mismatches in *bad
 * and reports the first few. */
static void csum_check(const uint8_t *p, size_t len, size_t align,
		       uint64_t *x, unsigned int *bad)
{
	for (unsigned int k = 0; k < CSUM_SUMS; k++) {
		uint64_t sum = csum_sum(x, k);
		uint16_t got = tunx__csum_fold(tunx__csum_add(p, len, sum));
		uint16_t want = ref_csum(p, len, sum);

		if (got != want && (*bad)++ < 3)
			fprintf(stderr, "csum len %zu align %zu sum %#llx: "
				"0x%04x, want 0x%04x\n", len, align,
				(unsigned long long)sum, got, want);
	}
}

static void csum_matches_reference(void)
{
	static const size_t big[] = { 1500, 9000, 65535, 65536 };
	size_t cap = 65536 + 8;
	uint8_t *buf = malloc(cap);
	uint64_t x = CSUM_SEED;
	unsigned int bad = 0;

	printf("# xorshift64 seed %#llx\n", (unsigned long long)CSUM_SEED);
	for (size_t i = 0; i < cap; i++)
		buf[i] = (uint8_t)xorshift(&x);
	for (size_t len = 0; len <= 300; len++)
		for (size_t a = 0; a < 8; a++)
			csum_check(buf + a, len, a, &x, &bad);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		for (size_t a = 0; a < 8; a++)
			csum_check(buf + a, big[i], a, &x, &bad);
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
}

/* All ones carries on every add; all zeros must stay 0, not 0xffff, which
 * the callers tell apart (UDP sends a zero checksum as 0xffff). */
static void csum_extremes(void)
{
	size_t len = 5 * 512 * 1024 + 37;	/* past gso.c's 1 MiB blocks */
	uint8_t *buf = malloc(len + 8);
	uint64_t x = CSUM_SEED;
	unsigned int bad = 0;

	memset(buf, 0xff, len + 8);
	for (size_t a = 0; a < 8; a++) {
		csum_check(buf + a, 65535, a, &x, &bad);
		csum_check(buf + a, len, a, &x, &bad);
	}
	memset(buf, 0, len + 8);
	for (size_t a = 0; a < 8; a++)
		csum_check(buf + a, len - a, a, &x, &bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(tunx__csum_fold(tunx__csum_add(buf, 1500, 0)), 0);
	CU_ASSERT_EQUAL(tunx__csum_fold(tunx__csum_add(buf, 1500, 0xffff)),
			0xffff);
	CU_ASSERT_EQUAL(tunx__csum_fold(tunx__csum_add(buf, 0, 0)), 0);
	free(buf);
}

/* A result goes back in as @sum: a region summed in pieces of even length
 * (how the pseudo header is added) folds to the same as summed whole. */
static void csum_in_pieces(void)
{
	uint8_t buf[2000];
	uint64_t x = CSUM_SEED, sum, in;
	unsigned int bad = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)xorshift(&x);
	for (size_t cut = 0; cut <= 300; cut += 2) {
		for (size_t a = 0; a < 8; a++) {
			size_t len = 1500 - a;

			in = csum_sum(&x, (unsigned int)(cut / 2 % CSUM_SUMS));
			sum = tunx__csum_add(buf + a, cut, in);
			sum = tunx__csum_add(buf + a + cut, len - cut, sum);
			bad += tunx__csum_fold(sum) !=
			       ref_csum(buf + a, len, in);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* An IPv4 DNS query over UDP (57 bytes: an odd length), both checksums
 * computed elsewhere (Python), at every alignment. */
/*
 * Sending from the ring: each segment's rebuilt headers followed by its
 * payload slice, where the slice lies in the super-packet, are the bytes
 * the copying split writes; with the slice's sum passed in (as a device
 * that summed it while copying would) and without.  Random payloads and
 * sizes, odd ones included; TCP and UDP, IPv4 and IPv6.
 */
static unsigned int hdr_and_slice_match(const uint8_t *sp, size_t len,
					const struct virtio_net_hdr *h)
{
	uint8_t want[65536], got[65536], hdr[128];
	unsigned int seg, bad = 0;
	int segs = tunx__gso_count(sp, len, h);

	for (seg = 0; seg < (unsigned int)segs; seg++) {
		int n = tunx__gso_segment(sp, len, h, seg, want, sizeof(want));
		struct tunx_gso_seg s;
		uint64_t sum;

		for (int with_sum = 0; with_sum < 2; with_sum++) {
			int r = tunx__gso_segment_hdr(sp, len, h, seg, NULL, hdr,
						      sizeof(hdr), &s);

			if (r > 0 && with_sum) {
				/* a sum of another shape: the same folded value */
				sum = tunx__csum_add(sp + s.pay_off, s.pay_len,
						     0) + 0xffff;
				r = tunx__gso_segment_hdr(sp, len, h, seg, &sum,
							  hdr, sizeof(hdr), &s);
			}
			if (r <= 0 || (size_t)r != s.hdr_len ||
			    s.hdr_len + s.pay_len != (size_t)n) {
				bad++;
				continue;
			}
			memcpy(got, hdr, s.hdr_len);
			memcpy(got + s.hdr_len, sp + s.pay_off, s.pay_len);
			bad += memcmp(got, want, (size_t)n) != 0 ||
			       !tx_l4_ok(got, (size_t)n);
		}
	}
	return bad + (segs < 1);
}

static void segment_headers_and_slices_are_the_split(void)
{
	uint8_t *sp = malloc(65536), pay[65000];
	uint64_t x = CSUM_SEED;
	unsigned int bad = 0, tried = 0;

	for (int i = 0; i < 200; i++) {
		bool v6 = i & 1, udp = i & 2;
		size_t plen = 1 + xorshift(&x) % 30000;
		uint16_t gso = (uint16_t)(1 + xorshift(&x) % 1500);
		size_t l4 = v6 ? 40 : 20, len;
		struct virtio_net_hdr h;

		for (size_t k = 0; k < plen; k++)
			pay[k] = (uint8_t)xorshift(&x);
		if (udp) {
			len = v6 ? tx_udp6(sp, "fd00::1", "fd00::2", 1, 2, pay, plen)
				 : tx_udp4(sp, "10.0.0.1", "10.0.0.2", 1, 2, pay, plen);
			h = gso_hdr(VIRTIO_NET_HDR_GSO_UDP_L4, l4, gso, 6);
		} else {
			len = tx_tcp(sp, v6, (uint32_t)xorshift(&x), 0x18 | 0x01,
				     plen, (uint16_t)xorshift(&x));
			memcpy(sp + l4 + 20, pay, plen);
			h = gso_hdr(v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				    VIRTIO_NET_HDR_GSO_TCPV4, l4, gso, 16);
		}
		bad += hdr_and_slice_match(sp, len, &h);
		tried++;
	}
	if (bad)
		printf("\n%u of %u super-packets (seed %#llx) differ\n", bad,
		       tried, (unsigned long long)CSUM_SEED);
	CU_ASSERT_EQUAL(bad, 0);
	free(sp);
}

static void segment_headers_refuse_small_buffer(void)
{
	uint8_t *sp = malloc(65536), hdr[64];
	size_t len = tx_tcp(sp, true, 1, 0x10, 3000, 9);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV6, 40, 1000, 16);
	struct tunx_gso_seg s;

	CU_ASSERT_EQUAL(tunx__gso_segment_hdr(sp, len, &h, 0, NULL, hdr, 59, &s),
			-EMSGSIZE);
	CU_ASSERT_EQUAL(tunx__gso_segment_hdr(sp, len, &h, 2, NULL, hdr, 60, &s), 60);
	CU_ASSERT_EQUAL(s.pay_off, 60 + 2000);
	CU_ASSERT_EQUAL(s.pay_len, 1000);
	CU_ASSERT_EQUAL(tunx__gso_segment_hdr(sp, len, &h, 3, NULL, hdr, 60, &s),
			-ENOENT);
	free(sp);
}

static const uint8_t dns_query[] = {
	0x45, 0x00, 0x00, 0x39, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x32, 0x32,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x00, 0x35,
	0x00, 0x25, 0x8d, 0x59, 0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

static void csum_real_udp4_packet(void)
{
	const size_t len = sizeof(dns_query);
	struct virtio_net_hdr h = gso_hdr(VIRTIO_NET_HDR_GSO_NONE, 20, 0, 6);
	uint8_t buf[sizeof(dns_query) + 8], out[128];
	unsigned int ok = 0;

	for (size_t a = 0; a < 8; a++) {
		uint8_t *p = buf + a;
		struct tunx_split s;
		uint64_t ph;

		memcpy(p, dns_query, len);
		ph = tunx__pseudo_sum(p, 17, (uint32_t)(len - 20));
		ok += tunx__csum_fold(tunx__csum_add(p, 20, 0)) == 0xffff &&
		      tunx__csum_fold(tunx__csum_add(p + 20, len - 20, ph)) ==
		      0xffff;
		/* as the kernel leaves it for NEEDS_CSUM: the pseudo header
		 * sum in the field; completing it gives the packet back */
		put16(p + 26, tunx__csum_fold(ph));
		ok += !tunx__split_start(&s, p, len, &h) &&
		      tunx__split_next(&s, out, sizeof(out)) == (int)len &&
		      !memcmp(out, dns_query, len) && tx_l4_ok(out, len);
	}
	CU_ASSERT_EQUAL(ok, 16);
}

static CU_TestInfo tests[] = {
	{ "split_tcp4_super_packet", split_tcp4_super_packet },
	{ "split_uneven_tail", split_uneven_tail },
	{ "split_tcp6_super_packet", split_tcp6_super_packet },
	{ "split_udp_super_packet", split_udp_super_packet },
	{ "split_rejects_malformed", split_rejects_malformed },
	{ "split_uses_kernel_sums_when_they_match", split_uses_kernel_sums_when_they_match },
	{ "pkt_seg_sums_after_the_packet", pkt_seg_sums_after_the_packet },
	{ "merge_in_place_gives_the_split_back", merge_in_place_gives_the_split_back },
	{ "segment_headers_and_slices_are_the_split", segment_headers_and_slices_are_the_split },
	{ "segment_headers_refuse_small_buffer", segment_headers_refuse_small_buffer },
	{ "coalesce_tcp4_roundtrip", coalesce_tcp4_roundtrip },
	{ "coalesce_tcp6_roundtrip", coalesce_tcp6_roundtrip },
	{ "coalesce_stops_at_seq_gap", coalesce_stops_at_seq_gap },
	{ "coalesce_stops_at_other_flow", coalesce_stops_at_other_flow },
	{ "coalesce_psh_ends_run", coalesce_psh_ends_run },
	{ "coalesce_short_segment_is_last", coalesce_short_segment_is_last },
	{ "coalesce_never_merges_syn_or_single", coalesce_never_merges_syn_or_single },
	{ "coalesce_udp_only_with_uso", coalesce_udp_only_with_uso },
	{ "coalesce_never_merges_bad_checksum", coalesce_never_merges_bad_checksum },
	{ "coalesce_udp_checksum_rules", coalesce_udp_checksum_rules },
	{ "checksum_helpers_agree", checksum_helpers_agree },
	{ "csum_matches_reference", csum_matches_reference },
	{ "csum_extremes", csum_extremes },
	{ "csum_in_pieces", csum_in_pieces },
	{ "csum_real_udp4_packet", csum_real_udp4_packet },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("gso", tests, 0);
}
