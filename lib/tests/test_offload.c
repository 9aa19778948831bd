// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Offload on the tunx backend without a kernel: the test plays the module
 * on a fake mapping (as test_ring.c does) and checks the descriptor <->
 * tunx_offload <-> virtio_net_hdr mapping, the split of super-packets on
 * read and the coalescing on write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "../backend_tunx.h"
#include "../offload.h"

#define ENTRIES 8
#define FRAME 65536		/* rx slot stride the fake kernel uses */
#define AREA (ENTRIES * FRAME)	/* each direction's area: max_packet 64 KB */

static struct tunx_dev *t;
static uint8_t *map;

/* rx at 0, tx at 4096, areas from 16 KB; @offload as the device. */
static void setup(bool offload)
{
	struct tunx_ring_offsets ro = { 0, 64, 128, 256 };
	struct tunx_ring_offsets to = { 4096, 4160, 4224, 4352 };
	uint64_t size = 16384 + 2ULL * AREA;

	map = calloc(1, size);
	t = calloc(1, sizeof(*t));
	CU_ASSERT_EQUAL_FATAL(tunx__dev_init(&t->dev, NULL, TUNX_BACKEND_TUNX,
					     NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&t->rx, map, size, &ro, 16384,
					      ENTRIES, AREA, TUNX_SUPER_MAX,
					      false), 0);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&t->tx, map, size, &to,
					      16384 + AREA, ENTRIES, AREA,
					      TUNX_SUPER_MAX, true), 0);
	t->attach_flags = offload ? TUNX_ATTACH_OFFLOAD : 0;
	t->rx.offload = t->tx.offload = offload;
}

static void teardown(void)
{
	tunx__dev_free(&t->dev);
	tunx__ring_uninit(&t->tx);
	free(t);
	free(map);
}

/* The "kernel" places @len bytes of @pkt with metadata @o in the rx ring. */
static void kernel_rx(const uint8_t *pkt, size_t len,
		      const struct tunx_offload *o)
{
	uint32_t prod = *t->rx.producer, slot = prod & (ENTRIES - 1);
	struct tunx_desc d = { .addr = (uint64_t)slot * FRAME, .len = (uint32_t)len };

	if (o)
		tunx__off_to_desc(&d, o);
	memcpy(t->rx.data + d.addr, pkt, len);
	t->rx.descs[slot] = d;
	__atomic_store_n(t->rx.producer, prod + 1, __ATOMIC_RELEASE);
}

/* A TSO super-packet as the kernel sends it: n segments of @mss coalesced,
 * checksum left to us (NEEDS_CSUM). */
static size_t super_packet(uint8_t *out, unsigned int n, size_t mss,
			   struct tunx_offload *o)
{
	struct virtio_net_hdr h;
	struct tx_batch b;
	size_t len = 0;

	tx_batch_init(&b, n, 2048);
	for (unsigned int i = 0; i < n; i++)
		b.sizes[i] = tx_tcp(b.bufs[i], false, 1 + (uint32_t)(i * mss),
				    0x10, mss, 4000);
	CU_ASSERT_EQUAL(tunx__gso_coalesce(b.bufs, b.sizes, n, 0, 0, false, &h,
					   out, 65536, &len), n);
	tunx__off_from_vnet(o, &h);
	tx_batch_free(&b);
	return len;
}

static void mapping_roundtrip(void)
{
	struct tunx_offload o = { TUNX_CSUM_NEEDS_CSUM, TUNX_GSO_TCPV6, 60,
				  1400, 40, 16 }, back;
	struct tunx_desc d = { 0 };
	struct virtio_net_hdr h;

	tunx__off_to_desc(&d, &o);
	CU_ASSERT_EQUAL(d.flags, TUNX_DESC_F_OFFLOAD);
	CU_ASSERT_EQUAL(d.gso_size, 1400);
	CU_ASSERT_EQUAL(d.csum_start, 40);
	tunx__off_from_desc(&back, &d);
	CU_ASSERT_EQUAL(memcmp(&o, &back, sizeof(o)), 0);
	tunx__off_to_vnet(&h, &o);
	CU_ASSERT_EQUAL(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CU_ASSERT_EQUAL(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	CU_ASSERT_EQUAL(h.hdr_len, 60);
	memset(&back, 0xff, sizeof(back));
	tunx__off_from_vnet(&back, &h);
	CU_ASSERT_EQUAL(memcmp(&o, &back, sizeof(o)), 0);
	/* all zero: a plain descriptor, no flag */
	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	tunx__off_to_desc(&d, &o);
	CU_ASSERT_EQUAL(d.flags, 0);
	/* fields without the flag mean nothing */
	d.gso_type = TUNX_GSO_TCPV4;
	tunx__off_from_desc(&back, &d);
	CU_ASSERT_FALSE(tunx__off_set(&back));
}

static void peek_reports_super_packet_whole(void)
{
	uint8_t *sp = malloc(65536);
	struct tunx_offload o;
	struct tunx_pkt p[2];
	size_t len;

	setup(true);
	len = super_packet(sp, 5, 1000, &o);
	kernel_rx(sp, len, &o);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_peek(&t->rx, p, 2), 1);
	CU_ASSERT_EQUAL(p[0].len, len);
	CU_ASSERT_EQUAL(p[0].off.gso_type, TUNX_GSO_TCPV4);
	CU_ASSERT_EQUAL(p[0].off.gso_size, 1000);
	CU_ASSERT_EQUAL(p[0].off.csum_flags, TUNX_CSUM_NEEDS_CSUM);
	teardown();
	/* a plain ring ignores offload fields it should not carry */
	setup(false);
	kernel_rx(sp, 100, &o);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_peek(&t->rx, p, 2), 1);
	CU_ASSERT_FALSE(tunx__off_set(&p[0].off));
	teardown();
	free(sp);
}

/* 5 segments read 3 + 2, then a NEEDS_CSUM UDP packet completed. */
static void read_splits_and_keeps_the_rest(void)
{
	uint8_t *sp = malloc(65536), udp[128];
	struct tunx_offload o, uo = { TUNX_CSUM_NEEDS_CSUM, 0, 0, 0, 20, 6 };
	struct tx_batch b;
	size_t len, ulen;
	unsigned int ok = 0;
	uint16_t sum;
	int i;

	setup(true);
	len = super_packet(sp, 5, 1000, &o);
	kernel_rx(sp, len, &o);
	ulen = tx_udp4(udp, "10.0.0.1", "10.0.0.2", 5, 6, "partial", 7);
	/* NEEDS_CSUM: the field holds the pseudo-header sum only */
	sum = tunx__csum_fold(tunx__pseudo_sum(udp, 17, (uint32_t)ulen - 20));
	udp[26] = (uint8_t)(sum >> 8);
	udp[27] = (uint8_t)sum;
	kernel_rx(udp, ulen, &uo);
	tx_batch_init(&b, 8, 2048);
	CU_ASSERT_EQUAL_FATAL(tunx__tunx_read(&t->dev, b.bufs, 2048, b.sizes, 3, 0), 3);
	CU_ASSERT_EQUAL(*t->rx.consumer, 0);	/* still splitting: frame held */
	for (i = 0; i < 3; i++)
		ok += b.sizes[i] == 1040 && tx_l4_ok(b.bufs[i], 1040);
	CU_ASSERT_EQUAL_FATAL(tunx__tunx_read(&t->dev, b.bufs, 2048, b.sizes, 8, 0), 3);
	for (i = 0; i < 2; i++)
		ok += b.sizes[i] == 1040 && tx_l4_ok(b.bufs[i], 1040) &&
		      b.bufs[i][40] == (uint8_t)(1 + (3 + i) * 1000);
	ok += b.sizes[2] == ulen && tx_l4_ok(b.bufs[2], ulen);
	CU_ASSERT_EQUAL(ok, 6);
	CU_ASSERT_EQUAL(*t->rx.consumer, 2);
	CU_ASSERT_EQUAL(tunx__tunx_read(&t->dev, b.bufs, 2048, b.sizes, 8, 0), -EAGAIN);
	tx_batch_free(&b);
	teardown();
	free(sp);
}

static void read_small_buffer_keeps_segment(void)
{
	uint8_t *sp = malloc(65536);
	struct tunx_offload o;
	struct tx_batch b;

	setup(true);
	kernel_rx(sp, super_packet(sp, 2, 1000, &o), &o);
	tx_batch_init(&b, 2, 2048);
	CU_ASSERT_EQUAL(tunx__tunx_read(&t->dev, b.bufs, 500, b.sizes, 2, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(tunx__tunx_read(&t->dev, b.bufs, 2048, b.sizes, 2, 0), 2);
	CU_ASSERT_EQUAL(*t->rx.consumer, 1);
	tx_batch_free(&b);
	teardown();
	free(sp);
}

static void read_drops_malformed_super_packet(void)
{
	uint8_t pkt[200];
	struct tunx_offload bad = { TUNX_CSUM_NEEDS_CSUM, TUNX_GSO_TCPV4, 40, 0,
				    20, 16 };	/* gso_size 0 */
	struct tx_batch b;
	size_t len = tx_tcp(pkt, false, 1, 0x10, 100, 1);

	setup(true);
	kernel_rx(pkt, len, &bad);
	kernel_rx(pkt, len, NULL);
	tx_batch_init(&b, 4, 2048);
	CU_ASSERT_EQUAL(tunx__tunx_read(&t->dev, b.bufs, 2048, b.sizes, 4, 0), 1);
	CU_ASSERT_EQUAL(b.sizes[0], len);
	CU_ASSERT_EQUAL(t->rx.invalid, 1);
	CU_ASSERT_EQUAL(*t->rx.consumer, 2);
	tx_batch_free(&b);
	teardown();
}

/* 8 TCP segments and a UDP packet: one super-packet descriptor, one plain. */
static void write_coalesces_into_one_descriptor(void)
{
	struct tx_batch b;
	struct tunx_desc d;
	unsigned int i;

	setup(true);
	tx_batch_init(&b, 9, 2048);
	for (i = 0; i < 8; i++)
		b.sizes[i] = tx_tcp(b.bufs[i] + 16, false, 1 + i * 1000, 0x10,
				    1000, 4000);
	b.sizes[8] = tx_udp4(b.bufs[8] + 16, "10.0.0.1", "10.0.0.3", 1, 2, "u", 1);
	CU_ASSERT_EQUAL(tunx__tunx_write(&t->dev, b.bufs, b.sizes, 9, 16), 9);
	CU_ASSERT_EQUAL(*t->tx.producer, 2);
	d = t->tx.descs[0];
	CU_ASSERT_EQUAL(d.flags, TUNX_DESC_F_OFFLOAD);
	CU_ASSERT_EQUAL(d.gso_type, TUNX_GSO_TCPV4);
	CU_ASSERT_EQUAL(d.gso_size, 1000);
	CU_ASSERT_EQUAL(d.csum_flags, TUNX_CSUM_NEEDS_CSUM);
	CU_ASSERT_EQUAL(d.len, 40 + 8000);
	d = t->tx.descs[1];
	CU_ASSERT_EQUAL(d.flags, 0);
	CU_ASSERT_EQUAL(d.len, b.sizes[8]);
	tx_batch_free(&b);
	teardown();
}

static void write_plain_device_never_coalesces(void)
{
	struct tx_batch b;
	unsigned int i;

	setup(false);
	tx_batch_init(&b, 4, 2048);
	for (i = 0; i < 4; i++)
		b.sizes[i] = tx_tcp(b.bufs[i], false, 1 + i * 1000, 0x10, 1000, 1);
	CU_ASSERT_EQUAL(tunx__tunx_write(&t->dev, b.bufs, b.sizes, 4, 0), 4);
	CU_ASSERT_EQUAL(*t->tx.producer, 4);
	CU_ASSERT_EQUAL(t->tx.descs[3].flags, 0);
	tx_batch_free(&b);
	teardown();
}

static void submit_offload_only_on_offload_device(void)
{
	struct tunx_pkt p[1];

	setup(false);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&t->tx, p, 1), 1);
	CU_ASSERT_FALSE(tunx__off_set(&p[0].off));	/* reserve zeroes it */
	p[0].len = 100;
	p[0].off.gso_type = TUNX_GSO_UDP_L4;
	CU_ASSERT_EQUAL(tunx__ring_submit(&t->tx, p, 1), -EINVAL);
	teardown();
	setup(true);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&t->tx, p, 1), 1);
	p[0].len = 3000;
	p[0].off = (struct tunx_offload){ TUNX_CSUM_NEEDS_CSUM, TUNX_GSO_UDP_L4,
					  28, 1000, 20, 6 };
	CU_ASSERT_EQUAL(tunx__ring_submit(&t->tx, p, 1), 1);
	CU_ASSERT_EQUAL(t->tx.descs[0].flags, TUNX_DESC_F_OFFLOAD);
	CU_ASSERT_EQUAL(t->tx.descs[0].gso_type, TUNX_GSO_UDP_L4);
	CU_ASSERT_EQUAL(t->tx.descs[0].hdr_len, 28);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "mapping_roundtrip", mapping_roundtrip },
	{ "peek_reports_super_packet_whole", peek_reports_super_packet_whole },
	{ "read_splits_and_keeps_the_rest", read_splits_and_keeps_the_rest },
	{ "read_small_buffer_keeps_segment", read_small_buffer_keeps_segment },
	{ "read_drops_malformed_super_packet", read_drops_malformed_super_packet },
	{ "write_coalesces_into_one_descriptor", write_coalesces_into_one_descriptor },
	{ "write_plain_device_never_coalesces", write_plain_device_never_coalesces },
	{ "submit_offload_only_on_offload_device",
	  submit_offload_only_on_offload_device },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("offload", tests, 0);
}
