// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for tunx's pure logic.  The logic's .c files are compiled into
 * this module directly, so the tests need no symbol exported from tunx.ko.
 */
#include <kunit/test.h>

#include "geometry.c"

static void geometry_defaults(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 0, 1500), 0);
	KUNIT_EXPECT_EQ(test, geo.rx_entries, (u32)TUNX_RING_DEF_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.tx_entries, (u32)TUNX_RING_DEF_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.frame_size, (u32)TUNX_FRAME_MIN_SIZE);
}

static void geometry_rounds_up_to_power_of_two(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 100, 3, 3000, 1500), 0);
	KUNIT_EXPECT_EQ(test, geo.rx_entries, 128U);
	KUNIT_EXPECT_EQ(test, geo.tx_entries, (u32)TUNX_RING_MIN_ENTRIES);
	KUNIT_EXPECT_EQ(test, geo.frame_size, 4096U);
}

static void geometry_rejects_out_of_bounds(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo,
			TUNX_RING_MAX_ENTRIES + 1, 0, 0, 1500), -EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, U32_MAX, 0, 1500),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0,
			TUNX_FRAME_MAX_SIZE + 1, 1500), -EINVAL);
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0, U32_MAX, 1500),
			-EINVAL);
}

static void geometry_frame_must_hold_mtu(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 2048, 9000),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 0, 0, 9000, 9000), 0);
	KUNIT_EXPECT_EQ(test, geo.frame_size, 16384U);
}

static void geometry_caps_total_size(struct kunit *test)
{
	struct tunx_geometry geo;

	/* 32768 frames of 64 KiB each way is 4 GiB: over the cap. */
	KUNIT_EXPECT_EQ(test, tunx_geometry_compute(&geo, TUNX_RING_MAX_ENTRIES,
			TUNX_RING_MAX_ENTRIES, TUNX_FRAME_MAX_SIZE, 1500),
			-EINVAL);
}

static void geometry_parts_do_not_overlap(struct kunit *test)
{
	struct tunx_geometry geo;

	KUNIT_ASSERT_EQ(test, tunx_geometry_compute(&geo, 64, 32, 2048, 1500), 0);
	KUNIT_EXPECT_GE(test, geo.rx.consumer - geo.rx.producer,
			(u64)L1_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, geo.rx.descs - geo.rx.flags, (u64)L1_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, geo.tx.producer,
			geo.rx.descs + 64 * sizeof(struct tunx_desc));
	KUNIT_EXPECT_GE(test, geo.rx_frames,
			geo.tx.descs + 32 * sizeof(struct tunx_desc));
	KUNIT_EXPECT_EQ(test, geo.rx_frames % PAGE_SIZE, 0ULL);
	KUNIT_EXPECT_EQ(test, geo.tx_frames, geo.rx_frames + 64 * 2048);
	KUNIT_EXPECT_EQ(test, geo.mmap_size, geo.tx_frames + 32 * 2048);
}

static struct kunit_case tunx_geometry_cases[] = {
	KUNIT_CASE(geometry_defaults),
	KUNIT_CASE(geometry_rounds_up_to_power_of_two),
	KUNIT_CASE(geometry_rejects_out_of_bounds),
	KUNIT_CASE(geometry_frame_must_hold_mtu),
	KUNIT_CASE(geometry_caps_total_size),
	KUNIT_CASE(geometry_parts_do_not_overlap),
	{}
};

static struct kunit_suite tunx_geometry_suite = {
	.name = "tunx_geometry",
	.test_cases = tunx_geometry_cases,
};

kunit_test_suites(&tunx_geometry_suite);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tunx");
