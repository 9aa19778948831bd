// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tunx ring protocol, user side, against a simulated kernel: the test
 * plays the module by writing descriptors and indices into a fake mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "../ring.h"

#define ENTRIES 8
#define FRAME 2048

static uint8_t *map;
static uint64_t map_size;
static struct tunx_ring rx, tx;
static int kicks;

static void kick(void *arg)
{
	(void)arg;
	kicks++;
}

/* rx at 0, tx at 4096, descs after the index lines, frames at 16 KB. */
static void setup(void)
{
	struct tunx_ring_offsets ro = { 0, 64, 128, 256 };
	struct tunx_ring_offsets to = { 4096, 4160, 4224, 4352 };

	map_size = 16384 + 2 * ENTRIES * FRAME;
	map = calloc(1, map_size);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&rx, map, map_size, &ro, 16384,
					      ENTRIES, FRAME), 0);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&tx, map, map_size, &to,
					      16384 + ENTRIES * FRAME, ENTRIES,
					      FRAME), 0);
	rx.kick = tx.kick = kick;
	kicks = 0;
}

/* The "kernel" produces one rx packet of @len bytes filled with @v. */
static void kernel_rx(uint32_t *prod, uint32_t len, uint8_t v)
{
	uint32_t slot = *prod & (ENTRIES - 1);
	struct tunx_desc d = { .addr = (uint64_t)slot * FRAME, .len = len };

	memset(rx.frames + d.addr, v, len);
	rx.descs[slot] = d;
	__atomic_store_n(rx.producer, ++*prod, __ATOMIC_RELEASE);
}

static void rx_peek_release_roundtrip(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), -EAGAIN);
	kernel_rx(&prod, 60, 1);
	kernel_rx(&prod, 70, 2);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), 2);
	CU_ASSERT_EQUAL(p[0].len, 60);
	CU_ASSERT_EQUAL(p[1].data[69], 2);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), -EAGAIN);	/* all peeked */
	CU_ASSERT_EQUAL(tunx__ring_release(&rx, 3), -EINVAL);
	CU_ASSERT_EQUAL(tunx__ring_release(&rx, 2), 0);
	CU_ASSERT_EQUAL(*rx.consumer, 2);
	CU_ASSERT_EQUAL(kicks, 0);
	free(map);
}

static void rx_wraps_index_space(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0xfffffffeu;
	unsigned int got = 0;

	setup();
	rx.cached = prod;
	*rx.producer = prod;
	for (int round = 0; round < 5; round++) {
		kernel_rx(&prod, 40, (uint8_t)round);
		kernel_rx(&prod, 40, (uint8_t)round);
		if (tunx__ring_peek(&rx, p, 8) == 2 && p[1].data[0] == round)
			got += 2;
		tunx__ring_release(&rx, 2);
	}
	CU_ASSERT_EQUAL(got, 10);
	CU_ASSERT_EQUAL(*rx.consumer, 8);
	free(map);
}

static void rx_wild_producer_is_eio(void)
{
	struct tunx_pkt p[ENTRIES];

	setup();
	*rx.producer = ENTRIES + 1;	/* past the ring */
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), -EIO);
	*rx.producer = (uint32_t)-1;	/* backwards */
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), -EIO);
	CU_ASSERT_EQUAL(rx.corrupt, 2);
	free(map);
}

static void rx_bad_descriptors_skipped(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	kernel_rx(&prod, 60, 1);
	rx.descs[0].addr = ENTRIES * FRAME;	/* outside the area */
	kernel_rx(&prod, 60, 2);
	kernel_rx(&prod, 0, 3);			/* empty */
	kernel_rx(&prod, 50, 4);
	rx.descs[3].len = FRAME + 1;		/* longer than a frame */
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), 1);	/* stops at bad #2 */
	CU_ASSERT_EQUAL(p[0].data[0], 2);
	tunx__ring_release(&rx, 1);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), -EAGAIN);
	CU_ASSERT_EQUAL(rx.invalid, 3);
	CU_ASSERT_EQUAL(*rx.consumer, 4);
	free(map);
}

static void rx_need_wakeup_kicks_on_release(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	kernel_rx(&prod, 60, 1);
	*rx.flags = TUNX_RING_NEED_WAKEUP;
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), 1);
	tunx__ring_release(&rx, 1);
	CU_ASSERT_EQUAL(kicks, 1);
	free(map);
}

static void tx_reserve_submit(void)
{
	struct tunx_pkt p[ENTRIES];

	setup();
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 3), 3);
	CU_ASSERT_PTR_EQUAL(p[1].data, tx.frames + FRAME);
	CU_ASSERT_EQUAL(p[0].cap, FRAME);
	p[0].len = 100;
	p[1].len = 200;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 2), 2);
	CU_ASSERT_EQUAL(*tx.producer, 2);
	CU_ASSERT_EQUAL(tx.descs[1].addr, FRAME);
	CU_ASSERT_EQUAL(tx.descs[1].len, 200);
	CU_ASSERT_EQUAL(tx.descs[1].flags, 0);
	CU_ASSERT_EQUAL(kicks, 0);	/* kernel busy: no syscall */
	*tx.flags = TUNX_RING_NEED_WAKEUP;
	tunx__ring_reserve(&tx, p, 1);
	p[0].len = 20;
	tunx__ring_submit(&tx, p, 1);
	CU_ASSERT_EQUAL(kicks, 1);
	free(map);
}

static void tx_full_ring_until_kernel_consumes(void)
{
	struct tunx_pkt p[ENTRIES];
	int i;

	setup();
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, ENTRIES + 4), ENTRIES);
	for (i = 0; i < ENTRIES; i++)
		p[i].len = 40;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, ENTRIES), ENTRIES);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 1), -EAGAIN);
	__atomic_store_n(tx.consumer, 3, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 8), 3);
	CU_ASSERT_PTR_EQUAL(p[0].data, tx.frames);	/* slot 8 & 7 == 0 */
	*tx.consumer = 100;	/* a consumer past the producer */
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 1), -EIO);
	free(map);
}

static void tx_submit_checks_lengths(void)
{
	struct tunx_pkt p[2];

	setup();
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 1), -EINVAL);	/* none reserved */
	tunx__ring_reserve(&tx, p, 2);
	p[0].len = 0;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 1), -EINVAL);
	p[0].len = FRAME + 1;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 1), -EINVAL);
	CU_ASSERT_EQUAL(*tx.producer, 0);
	free(map);
}

/* Unpeek gives the last peeked packets back: the next peek hands them out
 * again, and release still counts from the first one. */
static void rx_unpeek_hands_packets_out_again(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	kernel_rx(&prod, 60, 1);
	kernel_rx(&prod, 70, 2);
	kernel_rx(&prod, 80, 3);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), 3);
	CU_ASSERT_EQUAL(tunx__ring_unpeek(&rx, 4), -EINVAL);
	CU_ASSERT_EQUAL(tunx__ring_peeked(&rx), 3);
	CU_ASSERT_EQUAL(tunx__ring_unpeek(&rx, 2), 0);
	CU_ASSERT_EQUAL(tunx__ring_peeked(&rx), 1);
	CU_ASSERT_EQUAL(*rx.consumer, 0);		/* nothing released */
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 4), 2);
	CU_ASSERT_EQUAL(p[0].len, 70);
	CU_ASSERT_EQUAL(p[1].len, 80);
	CU_ASSERT_EQUAL(tunx__ring_release(&rx, 3), 0);
	CU_ASSERT_EQUAL(*rx.consumer, 3);
	CU_ASSERT_EQUAL(tunx__ring_peeked(&rx), 0);
	free(map);
}

/* Cancel frees reserved frames without publishing anything. */
static void tx_cancel_frees_reserved_frames(void)
{
	struct tunx_pkt p[ENTRIES];

	setup();
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, ENTRIES), ENTRIES);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 1), -EAGAIN);
	CU_ASSERT_EQUAL(tunx__ring_cancel(&tx, ENTRIES + 1), -EINVAL);
	CU_ASSERT_EQUAL(tunx__ring_cancel(&tx, ENTRIES), 0);
	CU_ASSERT_EQUAL(*tx.producer, 0);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 3), 3);
	CU_ASSERT_EQUAL(tunx__ring_cancel(&tx, 1), 0);
	p[0].len = p[1].len = 40;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 3), -EINVAL);	/* 2 left */
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 2), 2);
	CU_ASSERT_EQUAL(*tx.producer, 2);
	CU_ASSERT_EQUAL(tx.descs[1].addr, (uint64_t)FRAME);
	free(map);
}

static void init_rejects_bad_layout(void)
{
	struct tunx_ring_offsets o = { 0, 64, 128, 256 };
	struct tunx_ring r;
	uint8_t m[4096];

	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 0, 6, 64), -EINVAL);
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 1024, 8, 2048),
			-EPROTO);	/* frames past the end */
	o.descs = 4090;
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 1024, 8, 64),
			-EPROTO);
	o.descs = 256;
	o.producer = 2;	/* misaligned */
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 1024, 8, 64),
			-EPROTO);
}

static CU_TestInfo tests[] = {
	{ "rx_peek_release_roundtrip", rx_peek_release_roundtrip },
	{ "rx_wraps_index_space", rx_wraps_index_space },
	{ "rx_wild_producer_is_eio", rx_wild_producer_is_eio },
	{ "rx_bad_descriptors_skipped", rx_bad_descriptors_skipped },
	{ "rx_need_wakeup_kicks_on_release", rx_need_wakeup_kicks_on_release },
	{ "tx_reserve_submit", tx_reserve_submit },
	{ "tx_full_ring_until_kernel_consumes", tx_full_ring_until_kernel_consumes },
	{ "tx_submit_checks_lengths", tx_submit_checks_lengths },
	{ "rx_unpeek_hands_packets_out_again", rx_unpeek_hands_packets_out_again },
	{ "tx_cancel_frees_reserved_frames", tx_cancel_frees_reserved_frames },
	{ "init_rejects_bad_layout", init_rejects_bad_layout },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("ring", tests, 0);
}
