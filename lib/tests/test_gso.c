// SPDX-License-Identifier: LGPL-2.1-or-later
/* Offload helpers: split super-packets, coalesce segments, checksums. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
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

static CU_TestInfo tests[] = {
	{ "split_tcp4_super_packet", split_tcp4_super_packet },
	{ "split_uneven_tail", split_uneven_tail },
	{ "split_tcp6_super_packet", split_tcp6_super_packet },
	{ "split_udp_super_packet", split_udp_super_packet },
	{ "split_rejects_malformed", split_rejects_malformed },
	{ "coalesce_tcp4_roundtrip", coalesce_tcp4_roundtrip },
	{ "coalesce_tcp6_roundtrip", coalesce_tcp6_roundtrip },
	{ "coalesce_stops_at_seq_gap", coalesce_stops_at_seq_gap },
	{ "coalesce_stops_at_other_flow", coalesce_stops_at_other_flow },
	{ "coalesce_psh_ends_run", coalesce_psh_ends_run },
	{ "coalesce_short_segment_is_last", coalesce_short_segment_is_last },
	{ "coalesce_never_merges_syn_or_single", coalesce_never_merges_syn_or_single },
	{ "coalesce_udp_only_with_uso", coalesce_udp_only_with_uso },
	{ "checksum_helpers_agree", checksum_helpers_agree },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("gso", tests, 0);
}
