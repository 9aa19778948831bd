// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for tunx's pure logic.  The logic's .c files are compiled into
 * this module directly, so the tests need no symbol exported from tunx.ko.
 */
#include <kunit/test.h>

#include "geometry.c"
#include "ring.h"
#include "validate.c"

static void geometry_defaults(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 0, 1500), 0);
	KUNIT_EXPECT_EQ(test, geo.rx_entries, (u32)TUNX_RING_DEF_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.tx_entries, (u32)TUNX_RING_DEF_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.area_size, (u32)TUNX_AREA_DEF_SIZE);
	KUNIT_EXPECT_EQ(test, geo.max_packet, (u32)TUNX_SUPER_MAX);
}

static void geometry_rounds_up_to_power_of_two(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 100, 5, 300000,
						    1500), 0);
	KUNIT_EXPECT_EQ(test, geo.rx_entries, 128U);
	KUNIT_EXPECT_EQ(test, geo.tx_entries, (u32)TUNX_RING_MIN_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.area_size, 512U << 10);
}

static void geometry_rejects_out_of_bounds(struct kunit *test)
{
	u32 big = TUNX_RING_MAX_ENTRIES + 1;
	struct tunx_geometry geo;

	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, big, 0, 0, 1500),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, U32_MAX, 0, 1500),
			-EINVAL);
	big = TUNX_AREA_MAX_SIZE + 1;
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0, big, 1500),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0, U32_MAX, 1500),
			-EINVAL);
}

static void geometry_rejects_below_min_after_rounding(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 3, 0, 0, 1500),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 1, 0, 1500),
			-EINVAL);
	/* Small areas are rounded up to the minimum, not refused. */
	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 8, 8, 100, 68), 0);
	KUNIT_EXPECT_EQ(test, geo.area_size, (u32)TUNX_AREA_MIN_SIZE);
	KUNIT_EXPECT_EQ(test, geo.max_packet, TUNX_AREA_MIN_SIZE / 2);
}

/* The longest packet is half the area, so the MTU bounds the area. */
static void geometry_max_packet_must_hold_mtu(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 65536, 40000),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 65536, 32768),
			0);
	KUNIT_EXPECT_EQ(test, geo.max_packet, 32768U);
	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 131072, 65535),
			0);
	KUNIT_EXPECT_EQ(test, geo.max_packet, (u32)TUNX_SUPER_MAX);
	/* Bigger areas hold more packets, not longer ones. */
	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 1U << 22, 1500),
			0);
	KUNIT_EXPECT_EQ(test, geo.max_packet, (u32)TUNX_SUPER_MAX);
}

static void geometry_caps_total_size(struct kunit *test)
{
	/* 32768 descriptors and 64 MiB each way fit: areas bound the total. */
	u32 n = TUNX_RING_MAX_ENTRIES;
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, n, n,
						    TUNX_AREA_MAX_SIZE, 1500),
			0);
	KUNIT_EXPECT_LE(test, geo.mmap_size, (u64)TUNX_MAX_MMAP_SIZE);
}

/* The budget: an offload queue with 1024 slots maps <= 1.1 MiB. */
static void geometry_default_offload_queue_is_small(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 1024, 1024, 0, 1500),
			0);
	KUNIT_EXPECT_EQ(test, geo.max_packet, (u32)TUNX_SUPER_MAX);
	KUNIT_EXPECT_LE(test, geo.mmap_size, (u64)(11U << 20) / 10);
}

static void geometry_parts_do_not_overlap(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 64, 32, 65536, 1500),
			0);
	KUNIT_EXPECT_GE(test, geo.rx.consumer - geo.rx.producer,
			(u64)L1_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, geo.rx.descs - geo.rx.flags, (u64)L1_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, geo.tx.producer,
			geo.rx.descs + 64 * sizeof(struct tunx_desc));
	KUNIT_EXPECT_GE(test, geo.rx_area,
			geo.tx.descs + 32 * sizeof(struct tunx_desc));
	KUNIT_EXPECT_EQ(test, geo.rx_area % PAGE_SIZE, 0ULL);
	KUNIT_EXPECT_EQ(test, geo.tx_area, geo.rx_area + 65536);
	KUNIT_EXPECT_EQ(test, geo.mmap_size, geo.tx_area + 65536);
}

static struct kunit_case tunx_geometry_cases[] = {
	KUNIT_CASE(geometry_defaults),
	KUNIT_CASE(geometry_rounds_up_to_power_of_two),
	KUNIT_CASE(geometry_rejects_out_of_bounds),
	KUNIT_CASE(geometry_rejects_below_min_after_rounding),
	KUNIT_CASE(geometry_max_packet_must_hold_mtu),
	KUNIT_CASE(geometry_caps_total_size),
	KUNIT_CASE(geometry_default_offload_queue_is_small),
	KUNIT_CASE(geometry_parts_do_not_overlap),
	{}
};

static struct kunit_suite tunx_geometry_suite = {
	.name = "tunx_geometry",
	.test_cases = tunx_geometry_cases,
};

/* An 8 KiB area whose packets may be 2 KiB long, MTU 1500, no offload. */
static const struct tunx_desc_limits desc_lim = {
	.area_bytes = 4 * 2048,
	.max_packet = 2048,
	.mtu = 1500,
};

static struct tunx_desc desc_make(u64 addr, u32 len)
{
	struct tunx_desc d = { .addr = addr, .len = len };

	return d;
}

static void desc_accepts_plain_packet(struct kunit *test)
{
	struct tunx_desc d = desc_make(2048, 100);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
}

static void desc_accepts_packet_ending_at_area_end(struct kunit *test)
{
	struct tunx_desc d = desc_make(4 * 2048 - 1000, 1000);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
}

static void desc_rejects_straddling_area_end(struct kunit *test)
{
	struct tunx_desc d = desc_make(4 * 2048 - 100, 200);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(4 * 2048, 100);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

static void desc_rejects_overflowing_addr(struct kunit *test)
{
	/* addr + len wraps to a small number: must not look in bounds. */
	struct tunx_desc d = desc_make(U64_MAX - 50, 100);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make((u64)-2048, 100);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

/* ABI 2 has no frames: any byte offset of the area will do. */
static void desc_accepts_any_offset_in_area(struct kunit *test)
{
	struct tunx_desc d = desc_make(2048 - 10, 100);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
	d = desc_make(1, 2048);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
	d = desc_make(4 * 2048 - 2048, 2048);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
}

static void desc_rejects_bad_lengths(struct kunit *test)
{
	struct tunx_desc d = desc_make(0, 0);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, TUNX_MIN_PACKET - 1);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 2049);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 4096);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

/* A peer with a larger MTU: accepted up to max_packet, and flagged. */
static void desc_accepts_longer_than_mtu(struct kunit *test)
{
	struct tunx_desc d = desc_make(2048, 1500);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
	KUNIT_EXPECT_FALSE(test, tunx_desc_over_mtu(&d, &desc_lim));
	d = desc_make(2048, 1501);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
	KUNIT_EXPECT_TRUE(test, tunx_desc_over_mtu(&d, &desc_lim));
	d = desc_make(2048, 2048);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), 0);
	KUNIT_EXPECT_EQ(test, tunx_desc_max_len(&d, &desc_lim), 2048U);
}

/* max_packet 64 KiB is one byte more than any plain IP packet. */
static void desc_plain_packet_at_most_packet_max(struct kunit *test)
{
	static const struct tunx_desc_limits big = {
		.area_bytes = 2 * 65536,
		.max_packet = 65536,
		.mtu = 1500,
	};
	struct tunx_desc d = desc_make(65536, TUNX_PACKET_MAX);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &big), 0);
	KUNIT_EXPECT_EQ(test, tunx_desc_max_len(&d, &big), 65535U);
	d = desc_make(65536, 65536);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &big), -EINVAL);
}

static void desc_rejects_reserved_bits(struct kunit *test)
{
	struct tunx_desc d = desc_make(0, 100);

	d.flags = 0x8000;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 100);
	d.reserved0 = 1;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 100);
	d.reserved1 = 1;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 100);
	d.reserved2 = 1;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

static void desc_rejects_offload_without_offload_device(struct kunit *test)
{
	struct tunx_desc d = desc_make(0, 100);

	d.flags = TUNX_DESC_F_OFFLOAD;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
	d = desc_make(0, 100);
	d.gso_size = 1400;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

/* The same area on an offload device: super-packets up to max_packet. */
static const struct tunx_desc_limits off_lim = {
	.area_bytes = 4 * 2048,
	.max_packet = 2048,
	.mtu = 1500,
	.offload = true,
};

/* A UDP super-packet: IPv4 header, UDP header at 20, 1400-byte segments. */
static struct tunx_desc desc_uso(u32 len)
{
	struct tunx_desc d = desc_make(0, len);

	d.flags = TUNX_DESC_F_OFFLOAD;
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.gso_type = TUNX_GSO_UDP_L4;
	d.gso_size = 1000;
	d.hdr_len = 28;
	d.csum_start = 20;
	d.csum_offset = 6;
	return d;
}

static void desc_offload_accepts_plain_and_csum(struct kunit *test)
{
	struct tunx_desc d = desc_make(0, 100);

	/* Flag with every field zero: a plain, fully checksummed packet. */
	d.flags = TUNX_DESC_F_OFFLOAD;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.csum_start = 20;
	d.csum_offset = 6;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.csum_flags = TUNX_CSUM_DATA_VALID;
	d.csum_start = 0;
	d.csum_offset = 0;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	/* The flag stays optional on an offload device. */
	d = desc_make(0, 100);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
}

static void desc_offload_accepts_super_packets(struct kunit *test)
{
	struct tunx_desc d = desc_uso(2048);

	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.gso_type = TUNX_GSO_TCPV4 | TUNX_GSO_ECN;
	d.csum_offset = 16;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.gso_type = TUNX_GSO_TCPV6;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	KUNIT_EXPECT_EQ(test, tunx_desc_max_len(&d, &off_lim), 2048U);
}

static void desc_offload_rejects_unknown_gso_type(struct kunit *test)
{
	static const u8 bad[] = { 2, 3, 6, 0x7f, TUNX_GSO_ECN,
				  TUNX_GSO_UDP_L4 | TUNX_GSO_ECN, 0xff };
	struct tunx_desc d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		d = desc_uso(1000);
		d.gso_type = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, tunx_desc_check(&d, &off_lim), -EINVAL,
				    "gso_type %#x", bad[i]);
	}
}

static void desc_offload_rejects_unknown_csum_flags(struct kunit *test)
{
	struct tunx_desc d = desc_uso(1000);

	d.csum_flags |= 0x04;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM | 0x80;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
}

static void desc_offload_gso_size_iff_gso(struct kunit *test)
{
	struct tunx_desc d = desc_uso(1000);

	d.gso_size = 0;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d = desc_uso(1000);
	d.gso_type = TUNX_GSO_NONE;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* Longer than any IP packet's payload, and GSO_BY_FRAGS. */
	d = desc_uso(1000);
	d.gso_size = 65508;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.gso_size = 0xffff;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.gso_size = 65507;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
}

/*
 * Segments longer than the MTU (a peer's larger MTU) are accepted and
 * counted, as plain packets are: a library that merges such a peer's run
 * of segments must not turn them into an invalid descriptor.
 */
static void desc_offload_segments_over_mtu_counted(struct kunit *test)
{
	struct tunx_desc d = desc_uso(2048);

	d.gso_size = 1501 - 28;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	KUNIT_EXPECT_TRUE(test, tunx_desc_over_mtu(&d, &off_lim));
	d.gso_size = 1500 - 28;
	KUNIT_EXPECT_FALSE(test, tunx_desc_over_mtu(&d, &off_lim));
	/* One segment holds it all: the packet's own length counts. */
	d = desc_uso(1400);
	d.gso_size = 1600;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	KUNIT_EXPECT_FALSE(test, tunx_desc_over_mtu(&d, &off_lim));
}

static void desc_offload_gso_needs_csum(struct kunit *test)
{
	struct tunx_desc d = desc_uso(1000);

	d.csum_flags = 0;
	d.csum_start = 0;
	d.csum_offset = 0;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.csum_flags = TUNX_CSUM_DATA_VALID;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
}

static void desc_offload_rejects_csum_outside_packet(struct kunit *test)
{
	struct tunx_desc d = desc_uso(100);

	/* The checksum's last byte is the packet's last byte: fine. */
	d.csum_start = 92;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.csum_start = 93;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.csum_start = 100;
	d.csum_offset = 0;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* Inside the packet but deep in the payload: not a header. */
	d = desc_make(0, 1000);
	d.flags = TUNX_DESC_F_OFFLOAD;
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.csum_start = TUNX_CSUM_END_MAX - 8;
	d.csum_offset = 6;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.csum_start++;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.csum_start = 900;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* Both at their maximum: the sum must not wrap into range. */
	d.csum_start = 0xffff;
	d.csum_offset = 0xffff;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* Without NEEDS_CSUM the position fields must be zero. */
	d = desc_make(0, 100);
	d.flags = TUNX_DESC_F_OFFLOAD;
	d.csum_start = 20;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.csum_start = 0;
	d.csum_offset = 6;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
}

static void desc_offload_rejects_hdr_len_beyond_len(struct kunit *test)
{
	struct tunx_desc d = desc_uso(100);

	d.hdr_len = 100;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.hdr_len = 101;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d.hdr_len = 0xffff;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
}

static void desc_offload_len_bounded_by_max_packet(struct kunit *test)
{
	struct tunx_desc d = desc_make(0, 1501);

	/* No flag, or the flag without GSO: over the MTU, counted. */
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	KUNIT_EXPECT_TRUE(test, tunx_desc_over_mtu(&d, &off_lim));
	d.flags = TUNX_DESC_F_OFFLOAD;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.csum_start = 20;
	d.csum_offset = 6;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	KUNIT_EXPECT_TRUE(test, tunx_desc_over_mtu(&d, &off_lim));
	KUNIT_EXPECT_EQ(test, tunx_desc_max_len(&d, &off_lim), 2048U);
	d.len = 2049;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* A super-packet may be max_packet long, anywhere in the area. */
	d = desc_uso(2048);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	/* Meant to be longer than the MTU: not counted. */
	KUNIT_EXPECT_FALSE(test, tunx_desc_over_mtu(&d, &off_lim));
	d = desc_uso(2049);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d = desc_uso(2048);
	d.addr = 1;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), 0);
	d.addr = 4 * 2048 - 2047;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
}

static void desc_offload_still_checks_reserved(struct kunit *test)
{
	struct tunx_desc d = desc_uso(1000);

	d.flags |= 0x2;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	d = desc_uso(1000);
	d.reserved1 = 1;
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &off_lim), -EINVAL);
	/* A super-packet is refused outright on a device without offload. */
	d = desc_uso(1000);
	KUNIT_EXPECT_EQ(test, tunx_desc_check(&d, &desc_lim), -EINVAL);
}

static const u8 pkt_v4[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1 };
static const u8 pkt_v6[40] = { 0x60 };

static void ip_accepts_v4_and_v6(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v4, 20, 1500), htons(ETH_P_IP));
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v6, 40, 1500),
			htons(ETH_P_IPV6));
}

static void ip_rejects_too_short(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v4, 19, 1500), 0);
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v6, 39, 1500), 0);
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v4, 0, 1500), 0);
}

static void ip_rejects_bad_ihl(struct kunit *test)
{
	u8 hdr[24] = { 0x44 };

	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500), 0);
	hdr[0] = 0x47;	/* 28-byte header in a 24-byte packet */
	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500), 0);
	hdr[0] = 0x46;
	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500),
			htons(ETH_P_IP));
}

static void ip_rejects_wrong_version(struct kunit *test)
{
	u8 hdr[40] = { 0x55 };

	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500), 0);
	hdr[0] = 0x00;
	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500), 0);
	hdr[0] = 0xf5;
	KUNIT_EXPECT_EQ(test, tunx_ip_check(hdr, sizeof(hdr), 1500), 0);
}

static void ip_rejects_above_max_len(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v4, 20, 19), 0);
	KUNIT_EXPECT_EQ(test, tunx_ip_check(pkt_v6, 40, 39), 0);
}

static struct kunit_case tunx_validate_cases[] = {
	KUNIT_CASE(desc_accepts_plain_packet),
	KUNIT_CASE(desc_accepts_packet_ending_at_area_end),
	KUNIT_CASE(desc_rejects_straddling_area_end),
	KUNIT_CASE(desc_rejects_overflowing_addr),
	KUNIT_CASE(desc_accepts_any_offset_in_area),
	KUNIT_CASE(desc_rejects_bad_lengths),
	KUNIT_CASE(desc_accepts_longer_than_mtu),
	KUNIT_CASE(desc_plain_packet_at_most_packet_max),
	KUNIT_CASE(desc_rejects_reserved_bits),
	KUNIT_CASE(desc_rejects_offload_without_offload_device),
	KUNIT_CASE(desc_offload_accepts_plain_and_csum),
	KUNIT_CASE(desc_offload_accepts_super_packets),
	KUNIT_CASE(desc_offload_rejects_unknown_gso_type),
	KUNIT_CASE(desc_offload_rejects_unknown_csum_flags),
	KUNIT_CASE(desc_offload_gso_size_iff_gso),
	KUNIT_CASE(desc_offload_segments_over_mtu_counted),
	KUNIT_CASE(desc_offload_gso_needs_csum),
	KUNIT_CASE(desc_offload_rejects_csum_outside_packet),
	KUNIT_CASE(desc_offload_rejects_hdr_len_beyond_len),
	KUNIT_CASE(desc_offload_len_bounded_by_max_packet),
	KUNIT_CASE(desc_offload_still_checks_reserved),
	KUNIT_CASE(ip_accepts_v4_and_v6),
	KUNIT_CASE(ip_rejects_too_short),
	KUNIT_CASE(ip_rejects_bad_ihl),
	KUNIT_CASE(ip_rejects_wrong_version),
	KUNIT_CASE(ip_rejects_above_max_len),
	{}
};

static struct kunit_suite tunx_validate_suite = {
	.name = "tunx_validate",
	.test_cases = tunx_validate_cases,
};

static void ring_used_counts_across_wrap(struct kunit *test)
{
	u32 used = 99;

	KUNIT_EXPECT_TRUE(test, tunx_ring_used(5, 5, 8, &used));
	KUNIT_EXPECT_EQ(test, used, 0U);
	KUNIT_EXPECT_TRUE(test, tunx_ring_used(3, U32_MAX - 2, 8, &used));
	KUNIT_EXPECT_EQ(test, used, 6U);
	KUNIT_EXPECT_TRUE(test, tunx_ring_used(8, 0, 8, &used));
	KUNIT_EXPECT_EQ(test, used, 8U);
}

static void ring_used_rejects_producer_jump(struct kunit *test)
{
	u32 used = 99;

	KUNIT_EXPECT_FALSE(test, tunx_ring_used(9, 0, 8, &used));
	KUNIT_EXPECT_FALSE(test, tunx_ring_used(U32_MAX / 2, 0, 8, &used));
	KUNIT_EXPECT_EQ(test, used, 99U);
}

static void ring_used_rejects_producer_going_back(struct kunit *test)
{
	u32 used = 99;

	KUNIT_EXPECT_FALSE(test, tunx_ring_used(10, 11, 8, &used));
	KUNIT_EXPECT_FALSE(test, tunx_ring_used(0, 1, 32768, &used));
	KUNIT_EXPECT_EQ(test, used, 99U);
}

/* A ring over plain kernel memory, shaped as tunx_area_create() makes it. */
struct fake_ring {
	u32 producer, consumer, flags;
	struct tunx_rx_wake wake;
	struct tunx_tx_wake tx_wake;
	struct tunx_desc descs[8];
	u32 starts[8];
	struct tunx_ring ring;
};

static struct tunx_ring *fake_ring(struct kunit *test)
{
	struct fake_ring *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->ring.producer = &f->producer;
	f->ring.consumer = &f->consumer;
	f->ring.flags = &f->flags;
	f->ring.wake = &f->wake;
	f->ring.tx_wake = &f->tx_wake;
	f->ring.descs = f->descs;
	f->ring.entries = ARRAY_SIZE(f->descs);
	f->ring.mask = ARRAY_SIZE(f->descs) - 1;
	f->ring.starts = f->starts;
	/* Room for every slot's bytes: these tests count slots. */
	f->ring.area_size = 65536;
	f->ring.max_packet = 2048;
	return &f->ring;
}

/* The same ring over a 4 KiB area whose packets may be 2 KiB long. */
static struct tunx_ring *fake_small_area(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);

	r->area_size = 4096;
	r->max_packet = 2048;
	return r;
}

/* One packet of @len placed as xmit places it: its offset in the area. */
static u32 fake_produce(struct tunx_ring *r, u32 len)
{
	u32 off = tunx_ring_prod_claim(r, len);

	tunx_ring_prod_submit(r);
	return off;
}

/*
 * Packets follow each other at TUNX_PACKET_ALIGN; the ring is full once
 * the next packet of max_packet bytes would not fit, slots or not, and
 * one that would cross the area's end starts again at offset 0.
 */
static void ring_prod_packs_and_wraps(struct kunit *test)
{
	struct tunx_ring *r = fake_small_area(test);
	u32 free = 99;

	KUNIT_EXPECT_EQ(test, fake_produce(r, 1000), 0U);
	KUNIT_EXPECT_EQ(test, fake_produce(r, 1000), 1024U);
	KUNIT_EXPECT_EQ(test, fake_produce(r, 1500), 2048U);
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 0U);	/* 5 slots, too few bytes */
	*r->consumer = 1;			/* frees 0..1023: not enough */
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 0U);
	*r->consumer = 2;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 7U);
	/* 512 bytes left at the end: a 2000-byte packet starts at 0. */
	KUNIT_EXPECT_EQ(test, fake_produce(r, 2000), 0U);
	KUNIT_EXPECT_EQ(test, r->pos, 4096U + 2048U);
	/* Everything read: any packet fits wherever pos is. */
	*r->consumer = 4;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 8U);
}

/* The cache runs dry on bytes as it does on slots, and then loads (A). */
static void ring_prod_room_loads_when_bytes_run_out(struct kunit *test)
{
	struct tunx_ring *r = fake_small_area(test);
	u32 free = 99;

	fake_produce(r, 2000);
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 7U);
	fake_produce(r, 100);
	*r->consumer = 1;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 7U);
	KUNIT_EXPECT_EQ(test, r->cached_cons, 1U);
}

/*
 * Whatever the reader does with its index, every packet lands inside the
 * area, aligned: a lie about what it released spoils only its own packets.
 */
static void ring_prod_hostile_consumer_stays_in_area(struct kunit *test)
{
	struct tunx_ring *r = fake_small_area(test);
	u32 seed = 1, free, used, len, off, i;

	for (i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		len = 1 + (seed >> 8) % r->max_packet;
		*r->consumer = r->head - (seed >> 4) % (r->entries + 1);
		if (!tunx_ring_used(r->head, *r->consumer, r->entries, &used) ||
		    !tunx_ring_prod_free(r, &free)) {
			KUNIT_FAIL(test, "possible index refused");
			return;
		}
		off = fake_produce(r, len);
		if (off % TUNX_PACKET_ALIGN || off + len > r->area_size) {
			KUNIT_FAIL(test, "packet of %u at %u", len, off);
			return;
		}
	}
}

static void ring_prod_fills_then_reports_no_room(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99, i;

	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
		KUNIT_EXPECT_EQ(test, free, 8 - i);
		KUNIT_EXPECT_EQ(test, tunx_ring_prod_slot(r), i);
		tunx_ring_prod_submit(r);
		tunx_ring_prod_publish(r);
		KUNIT_EXPECT_EQ(test, *r->producer, i + 1);
	}
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 0U);
	KUNIT_EXPECT_TRUE(test, tunx_ring_prod_unread(r));
	*r->consumer = 8;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 8U);
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_unread(r));
	KUNIT_EXPECT_EQ(test, tunx_ring_prod_slot(r), 0U);
}

static void ring_prod_rejects_hostile_consumer(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99;

	r->head = 4;
	*r->consumer = 5;		/* ahead of what was produced */
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_free(r, &free));
	*r->consumer = 4 - 9;		/* further back than the ring */
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 99U);
	*r->consumer = 4 - 8;		/* full, which is possible */
	KUNIT_EXPECT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 0U);
}

/*
 * While the cached consumer index shows room the reader's index is not
 * loaded: a value planted there goes unseen until the cache runs dry.
 */
static void ring_prod_room_loads_only_when_full(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99, i;

	*r->consumer = 12345;		/* impossible, but not looked at */
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
		KUNIT_EXPECT_EQ(test, free, 8 - i);
		tunx_ring_prod_submit(r);
	}
	KUNIT_EXPECT_EQ(test, r->cached_cons, 0U);
	/* Dry: now it loads, and the reader has released five. */
	*r->consumer = 5;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 5U);
	KUNIT_EXPECT_EQ(test, r->cached_cons, 5U);
	/* Released later, unseen while the cache shows room. */
	*r->consumer = 8;
	tunx_ring_prod_submit(r);
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 4U);
	/* A fresh look (the producer before it stops) sees all of it. */
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_refresh(r, &free));
	KUNIT_EXPECT_EQ(test, free, 7U);
	KUNIT_EXPECT_EQ(test, r->cached_cons, 8U);
}

/*
 * A hostile index on a fresh load is reported and never cached: the cache
 * keeps showing the ring full, so the next call loads again, and nothing
 * is ever offered that the reader did not release.
 */
static void ring_prod_room_hostile_refresh_stays_full(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99;

	r->head = 8;			/* full as far as the cache knows */
	*r->consumer = 9;		/* ahead of what was produced */
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 99U);
	KUNIT_EXPECT_EQ(test, r->cached_cons, 0U);
	*r->consumer = U32_MAX;		/* further back than the ring */
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_refresh(r, &free));
	KUNIT_EXPECT_EQ(test, r->cached_cons, 0U);
	KUNIT_EXPECT_EQ(test, free, 99U);
	/* Honest again: the next call loads and finds the room. */
	*r->consumer = 3;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 3U);
	KUNIT_EXPECT_EQ(test, r->cached_cons, 3U);
}

/* The cached arithmetic holds across u32 wrap. */
static void ring_prod_room_wraps_u32(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99;

	r->head = U32_MAX - 1;
	r->cached_cons = U32_MAX - 1 - 8;
	*r->consumer = U32_MAX - 1;
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 8U);
	tunx_ring_prod_submit(r);
	tunx_ring_prod_submit(r);
	tunx_ring_prod_submit(r);
	tunx_ring_prod_publish(r);
	KUNIT_EXPECT_EQ(test, *r->producer, 1U);
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_room(r, &free));
	KUNIT_EXPECT_EQ(test, free, 5U);
}

/* The wakeup test with the device's default bound, ethtool's 50 us. */
static bool wake_due(struct tunx_ring *r, u64 *delay)
{
	return tunx_ring_prod_wake_due(r, TUNX_RX_WAKE_DEF_USECS, delay);
}

/*
 * Slots submitted in a burst count as used at once, but the reader sees
 * them (producer index, poll's unread, the wakeup's count) only when the
 * burst is published, and an empty publish stores nothing.
 */
static void ring_prod_burst_published_once(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 free = 99;
	u64 delay = 0;

	r->wake->packets = 3;
	tunx_ring_prod_submit(r);
	tunx_ring_prod_submit(r);
	tunx_ring_prod_submit(r);
	KUNIT_EXPECT_EQ(test, *r->producer, 0U);
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_unread(r));
	KUNIT_EXPECT_FALSE(test, wake_due(r, &delay));
	KUNIT_ASSERT_TRUE(test, tunx_ring_prod_free(r, &free));
	KUNIT_EXPECT_EQ(test, free, 5U);
	tunx_ring_prod_publish(r);
	KUNIT_EXPECT_EQ(test, *r->producer, 3U);
	KUNIT_EXPECT_TRUE(test, tunx_ring_prod_unread(r));
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
	*r->producer = 77;		/* scribbled by the reader */
	tunx_ring_prod_publish(r);	/* nothing new: no store */
	KUNIT_EXPECT_EQ(test, *r->producer, 77U);
	tunx_ring_prod_submit(r);
	tunx_ring_prod_publish(r);
	KUNIT_EXPECT_EQ(test, *r->producer, 4U);
}

static void ring_cons_releases_only_on_release(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 avail = 99;

	*r->producer = 8;
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_full(r));
	KUNIT_ASSERT_TRUE(test, tunx_ring_cons_avail(r, &avail));
	KUNIT_EXPECT_EQ(test, avail, 8U);
	KUNIT_EXPECT_PTR_EQ(test, tunx_ring_cons_desc(r), &r->descs[0]);
	tunx_ring_cons_skip(r, 3);
	KUNIT_EXPECT_PTR_EQ(test, tunx_ring_cons_desc(r), &r->descs[3]);
	KUNIT_ASSERT_TRUE(test, tunx_ring_cons_avail(r, &avail));
	KUNIT_EXPECT_EQ(test, avail, 5U);
	/* Consumed is not yet room: the writer waits for the release. */
	KUNIT_EXPECT_EQ(test, *r->consumer, 0U);
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_full(r));
	tunx_ring_cons_release(r);
	KUNIT_EXPECT_EQ(test, *r->consumer, 3U);
	KUNIT_EXPECT_EQ(test, r->released, 3U);
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_pending(r));
	tunx_ring_cons_skip(r, 5);
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_pending(r));
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_dirty(r));
}

/*
 * A writer short of bytes, not slots, names the descriptor whose release
 * makes room; EPOLLOUT waits for it, and for nothing it cannot reach.
 */
static void ring_cons_full_waits_for_the_writers_index(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);

	*r->producer = 5;
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));	/* zeroed word */
	r->tx_wake->consumer = 3;
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_full(r));
	tunx_ring_cons_skip(r, 2);
	tunx_ring_cons_release(r);
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_full(r));
	tunx_ring_cons_skip(r, 1);
	tunx_ring_cons_release(r);
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
	r->tx_wake->consumer = 5;
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_full(r));
	/* Past what was produced, or long gone: reached. */
	r->tx_wake->consumer = 6;
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
	r->tx_wake->consumer = 3 - 0x80000000U;
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
	r->tx_wake->consumer = U32_MAX;
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
}

static void ring_cons_wraps_u32(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 avail = 99;

	r->head = U32_MAX - 1;
	r->released = r->head;
	*r->producer = 2;
	KUNIT_ASSERT_TRUE(test, tunx_ring_cons_avail(r, &avail));
	KUNIT_EXPECT_EQ(test, avail, 4U);
	KUNIT_EXPECT_PTR_EQ(test, tunx_ring_cons_desc(r), &r->descs[6]);
	tunx_ring_cons_skip(r, 4);
	tunx_ring_cons_release(r);
	KUNIT_EXPECT_EQ(test, *r->consumer, 2U);
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_pending(r));
}

static void ring_cons_hostile_producer_is_not_pending(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u32 avail = 99;

	*r->producer = 9;		/* past the ring */
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_avail(r, &avail));
	KUNIT_EXPECT_EQ(test, avail, 99U);
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_pending(r));
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_full(r));
	/* Still dirty, so a kick lets NAPI see it and count it. */
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_dirty(r));
	*r->producer = U32_MAX;		/* behind the consumer */
	KUNIT_EXPECT_FALSE(test, tunx_ring_cons_pending(r));
	KUNIT_EXPECT_TRUE(test, tunx_ring_cons_dirty(r));
}

static void ring_wakeup_flag_set_and_cleared(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);

	tunx_ring_need_wakeup(r);
	KUNIT_EXPECT_EQ(test, *r->flags, (u32)TUNX_RING_NEED_WAKEUP);
	tunx_ring_need_wakeup(r);
	KUNIT_EXPECT_EQ(test, *r->flags, (u32)TUNX_RING_NEED_WAKEUP);
	tunx_ring_clear_wakeup(r);
	KUNIT_EXPECT_EQ(test, *r->flags, 0U);
	/* Whatever the user scribbled there, the kernel's word wins. */
	*r->flags = ~0U;
	tunx_ring_clear_wakeup(r);
	KUNIT_EXPECT_EQ(test, *r->flags, 0U);
}

/* Zeroed words, old programs' case: every packet wakes at once. */
static void ring_wake_default_is_the_first_packet(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u64 delay = 7;

	r->head = 1;
	r->published = 1;
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
	r->wake->packets = 1;
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
	KUNIT_EXPECT_EQ(test, delay, 7ULL);
}

static void ring_wake_waits_for_the_count_within_the_bound(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u64 delay = 0;

	r->wake->packets = 4;
	r->head = 3;
	r->published = 3;
	KUNIT_EXPECT_FALSE(test, wake_due(r, &delay));
	KUNIT_EXPECT_EQ(test, delay, TUNX_RX_WAKE_DEF_USECS * NSEC_PER_USEC);
	r->wake->usecs = 7;
	KUNIT_EXPECT_FALSE(test, wake_due(r, &delay));
	KUNIT_EXPECT_EQ(test, delay, 7 * NSEC_PER_USEC);
	r->head = 4;
	r->published = 4;
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
	/* What the reader consumed does not count as unread. */
	*r->consumer = 1;
	KUNIT_EXPECT_FALSE(test, wake_due(r, &delay));
}

/* Whatever the reader writes, the wait stays bounded. */
static void ring_wake_hostile_request_is_bounded(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u64 delay = 0;

	r->wake->packets = U32_MAX;	/* more than the ring holds */
	r->wake->usecs = U32_MAX;
	r->head = 7;
	r->published = 7;
	KUNIT_EXPECT_FALSE(test, wake_due(r, &delay));
	KUNIT_EXPECT_EQ(test, delay,
			(u64)TUNX_RX_WAKE_MAX_USECS * NSEC_PER_USEC);
	r->head = 8;			/* a full ring is always due */
	r->published = 8;
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
	*r->consumer = 9;		/* impossible: wake, let it see */
	KUNIT_EXPECT_TRUE(test, wake_due(r, &delay));
}

/*
 * A reader's usecs of 0 takes the device's bound (ethtool rx-usecs),
 * and a device bound of 0 holds nothing: due the moment it is looked at.
 */
static void ring_wake_zero_usecs_takes_the_device_bound(struct kunit *test)
{
	struct tunx_ring *r = fake_ring(test);
	u64 delay = 0;

	r->wake->packets = 4;
	r->head = 3;
	r->published = 3;
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_wake_due(r, 200, &delay));
	KUNIT_EXPECT_EQ(test, delay, 200 * NSEC_PER_USEC);
	KUNIT_EXPECT_TRUE(test, tunx_ring_prod_wake_due(r, 0, &delay));
	/* The reader's own bound wins over the device's. */
	r->wake->usecs = 7;
	KUNIT_EXPECT_FALSE(test, tunx_ring_prod_wake_due(r, 200, &delay));
	KUNIT_EXPECT_EQ(test, delay, 7 * NSEC_PER_USEC);
}

static struct kunit_case tunx_ring_cases[] = {
	KUNIT_CASE(ring_used_counts_across_wrap),
	KUNIT_CASE(ring_used_rejects_producer_jump),
	KUNIT_CASE(ring_used_rejects_producer_going_back),
	KUNIT_CASE(ring_prod_fills_then_reports_no_room),
	KUNIT_CASE(ring_prod_rejects_hostile_consumer),
	KUNIT_CASE(ring_prod_room_loads_only_when_full),
	KUNIT_CASE(ring_prod_room_hostile_refresh_stays_full),
	KUNIT_CASE(ring_prod_room_wraps_u32),
	KUNIT_CASE(ring_prod_packs_and_wraps),
	KUNIT_CASE(ring_prod_room_loads_when_bytes_run_out),
	KUNIT_CASE(ring_prod_hostile_consumer_stays_in_area),
	KUNIT_CASE(ring_prod_burst_published_once),
	KUNIT_CASE(ring_cons_releases_only_on_release),
	KUNIT_CASE(ring_cons_full_waits_for_the_writers_index),
	KUNIT_CASE(ring_cons_wraps_u32),
	KUNIT_CASE(ring_cons_hostile_producer_is_not_pending),
	KUNIT_CASE(ring_wakeup_flag_set_and_cleared),
	KUNIT_CASE(ring_wake_default_is_the_first_packet),
	KUNIT_CASE(ring_wake_waits_for_the_count_within_the_bound),
	KUNIT_CASE(ring_wake_hostile_request_is_bounded),
	KUNIT_CASE(ring_wake_zero_usecs_takes_the_device_bound),
	{}
};

static struct kunit_suite tunx_ring_suite = {
	.name = "tunx_ring",
	.test_cases = tunx_ring_cases,
};

kunit_test_suites(&tunx_geometry_suite, &tunx_validate_suite,
		  &tunx_ring_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tunx");
