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
#define FRAME 2048		/* rx slot stride the fake kernel uses */
#define AREA (ENTRIES * FRAME)	/* bytes of each direction's area */
#define MAXP (AREA / 2)		/* max_packet, as the module sets it */

static uint8_t *map;
static uint64_t map_size;
static struct tunx_ring rx, tx;
static int kicks;

static void kick(void *arg)
{
	(void)arg;
	kicks++;
}

/* rx at 0, tx at 4096, descs after the index lines, areas at 16 KB.
 * reserve gives FRAME bytes a packet, as on a plain device. */
static void setup(void)
{
	struct tunx_ring_offsets ro = { 0, 64, 128, 256 };
	struct tunx_ring_offsets to = { 4096, 4160, 4224, 4352 };

	map_size = 16384 + 2 * AREA;
	map = calloc(1, map_size);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&rx, map, map_size, &ro, 16384,
					      ENTRIES, AREA, MAXP, false), 0);
	CU_ASSERT_EQUAL_FATAL(tunx__ring_init(&tx, map, map_size, &to,
					      16384 + AREA, ENTRIES, AREA,
					      MAXP, true), 0);
	tx.chunk = FRAME;
	rx.kick = tx.kick = kick;
	kicks = 0;
}

static void teardown(void)
{
	tunx__ring_uninit(&tx);
	free(map);
}

/* The "kernel" produces one rx packet of @len bytes filled with @v. */
static void kernel_rx(uint32_t *prod, uint32_t len, uint8_t v)
{
	uint32_t slot = *prod & (ENTRIES - 1);
	struct tunx_desc d = { .addr = (uint64_t)slot * FRAME, .len = len };

	memset(rx.data + d.addr, v, len);
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
	teardown();
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
	teardown();
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
	teardown();
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
	rx.descs[3].len = MAXP + 1;		/* longer than max_packet */
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), 1);	/* stops at bad #2 */
	CU_ASSERT_EQUAL(p[0].data[0], 2);
	tunx__ring_release(&rx, 1);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), -EAGAIN);
	CU_ASSERT_EQUAL(rx.invalid, 3);
	CU_ASSERT_EQUAL(*rx.consumer, 4);
	teardown();
}

/*
 * A bad descriptor behind packets still peeked: it waits until they are
 * released, then is skipped.  Skipping it then released the oldest packet
 * the reader still held, for the kernel to overwrite.
 */
static void rx_bad_descriptor_behind_held_packet_waits(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	kernel_rx(&prod, 60, 1);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 1), 1);
	kernel_rx(&prod, 60, 2);
	rx.descs[1].len = 0;			/* bad */
	kernel_rx(&prod, 50, 3);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), -EAGAIN);
	CU_ASSERT_EQUAL(*rx.consumer, 0);	/* the held packet is not given back */
	CU_ASSERT_EQUAL(tunx__ring_release(&rx, 1), 0);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 8), 1);
	CU_ASSERT_EQUAL(p[0].data[0], 3);
	CU_ASSERT_EQUAL(rx.invalid, 1);
	CU_ASSERT_EQUAL(*rx.consumer, 2);
	teardown();
}

/* A producer moved back below what the reader holds is corrupt. */
static void rx_producer_behind_held_packets_is_eio(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t prod = 0;

	setup();
	kernel_rx(&prod, 60, 1);
	kernel_rx(&prod, 60, 2);
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 2), 2);
	*rx.producer = 1;
	CU_ASSERT_EQUAL(tunx__ring_peek(&rx, p, 2), -EIO);
	CU_ASSERT_EQUAL(rx.corrupt, 1);
	teardown();
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
	teardown();
}

static void tx_reserve_submit(void)
{
	struct tunx_pkt p[ENTRIES];

	setup();
	p[0].flags = TUNX_PKT_SEG_SUMS;
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 3), 3);
	CU_ASSERT_PTR_EQUAL(p[1].data, tx.data + FRAME);
	CU_ASSERT_EQUAL(p[0].cap, FRAME);
	CU_ASSERT_EQUAL(p[0].flags, 0);		/* reserve zeroes flags */
	p[0].len = 100;
	p[1].len = 200;
	p[1].flags = TUNX_PKT_SEG_SUMS;		/* submit ignores them */
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
	teardown();
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
	CU_ASSERT_PTR_EQUAL(p[0].data, tx.data);	/* wrapped to the start */
	*tx.consumer = 100;	/* a consumer past the producer */
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 1), -EIO);
	teardown();
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
	teardown();
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
	teardown();
}

/* Cancel frees reserved bytes without publishing anything. */
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
	teardown();
}

static void init_rejects_bad_layout(void)
{
	struct tunx_ring_offsets o = { 0, 64, 128, 256 };
	struct tunx_ring r;
	uint8_t m[8192];

	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 6, 4096,
					2048, false), -EPROTO);	/* entries */
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 8, 3072,
					1024, false), -EPROTO);	/* area */
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 8, 4096,
					2049, false), -EPROTO);	/* > area / 2 */
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 6144, 8, 4096,
					2048, false), -EPROTO);	/* past the end */
	o.descs = 8190;
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 8, 4096,
					2048, false), -EPROTO);
	o.descs = 256;
	o.producer = 2;	/* misaligned */
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 8, 4096,
					2048, false), -EPROTO);
	o.producer = 0;
	CU_ASSERT_EQUAL(tunx__ring_init(&r, m, sizeof(m), &o, 4096, 8, 4096,
					2048, true), 0);
	tunx__ring_uninit(&r);
}

/* One packet of @len as tunx_write() places it: reserve, fill, trim. */
static int tx_put(uint32_t want, uint32_t len, struct tunx_pkt *p)
{
	int r = tunx__ring_reserve_one(&tx, want, p);

	if (!r) {
		p->len = len;
		tunx__ring_trim_last(&tx, len);
	}
	return r;
}

/*
 * Packets follow each other at TUNX_PACKET_ALIGN, whatever was reserved
 * for them; one that would cross the area's end starts at 0; and a full
 * area says -EAGAIN while slots are free.
 */
static void tx_packs_packets_and_wraps(void)
{
	struct tunx_pkt p[ENTRIES];

	setup();
	CU_ASSERT_EQUAL(tx_put(MAXP, 100, &p[0]), 0);
	CU_ASSERT_EQUAL(tx_put(MAXP, 7000, &p[1]), 0);
	CU_ASSERT_EQUAL(tx_put(MAXP, 5000, &p[2]), 0);
	CU_ASSERT_PTR_EQUAL(p[0].data, tx.data);
	CU_ASSERT_PTR_EQUAL(p[1].data, tx.data + 128);
	CU_ASSERT_PTR_EQUAL(p[2].data, tx.data + 128 + 7040);
	/* 12224 used: neither a whole max_packet nor 5000 more fit. */
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, MAXP, &p[3]), -EAGAIN);
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 5000, &p[3]), -EAGAIN);
	CU_ASSERT_EQUAL(tx_put(4000, 4000, &p[3]), 0);
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 4), 4);
	CU_ASSERT_EQUAL(tx.descs[2].addr, 128 + 7040);
	CU_ASSERT_EQUAL(tx.descs[3].addr, 128 + 7040 + 5056);
	CU_ASSERT_EQUAL(tx.descs[3].len, 4000);
	/* The kernel took the first two: the next big one wraps to 0. */
	__atomic_store_n(tx.consumer, 2, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(tx_put(6000, 6000, &p[0]), 0);
	CU_ASSERT_PTR_EQUAL(p[0].data, tx.data);
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 1), 1);
	CU_ASSERT_EQUAL(tx.descs[4].addr, 0);
	teardown();
}

/*
 * Short of bytes, not slots: the ring names in struct tunx_tx_wake the
 * descriptor whose release makes room, so poll() sleeps until then.
 */
static void tx_names_the_release_that_makes_room(void)
{
	struct tunx_pkt p[ENTRIES];
	uint32_t word = 0;
	int i;

	setup();
	tx.wait_for = &word;
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(tx_put(3000, 3000, &p[i]), 0);
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 4), 4);
	/* 4 x 3008 used of 16384: 6000 more fit only once two are gone. */
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 6000, &p[0]), -EAGAIN);
	CU_ASSERT_EQUAL(word, 2);
	__atomic_store_n(tx.consumer, 1, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 6000, &p[0]), -EAGAIN);
	CU_ASSERT_EQUAL(word, 2);
	__atomic_store_n(tx.consumer, 2, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 6000, &p[0]), 0);
	/* Full of slots: the next release is the one. */
	tunx__ring_cancel(&tx, 1);
	__atomic_store_n(tx.consumer, 4, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, ENTRIES), ENTRIES);
	for (i = 0; i < ENTRIES; i++)
		p[i].len = 20;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, ENTRIES), ENTRIES);
	CU_ASSERT_EQUAL(tunx__ring_reserve(&tx, p, 1), -EAGAIN);
	CU_ASSERT_EQUAL(word, 5);
	teardown();
}

/* Submit trusts its own record of each reservation, not the caller's cap. */
static void tx_submit_refuses_len_beyond_reservation(void)
{
	struct tunx_pkt p[2];

	setup();
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 100, &p[0]), 0);
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, 100, &p[1]), 0);
	p[0].cap = p[1].cap = MAXP;
	p[0].len = 129;	/* over the 128 bytes its slot spans */
	p[1].len = 100;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 2), -EINVAL);
	p[0].len = 128;
	p[1].len = 129;	/* the last one: over what was reserved (aligned) */
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 2), -EINVAL);
	p[1].len = 100;
	CU_ASSERT_EQUAL(tunx__ring_submit(&tx, p, 2), 2);
	CU_ASSERT_EQUAL(tunx__ring_reserve_one(&tx, MAXP + 1, &p[0]), -EINVAL);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "rx_peek_release_roundtrip", rx_peek_release_roundtrip },
	{ "rx_wraps_index_space", rx_wraps_index_space },
	{ "rx_wild_producer_is_eio", rx_wild_producer_is_eio },
	{ "rx_bad_descriptors_skipped", rx_bad_descriptors_skipped },
	{ "rx_bad_descriptor_behind_held_packet_waits",
	  rx_bad_descriptor_behind_held_packet_waits },
	{ "rx_producer_behind_held_packets_is_eio",
	  rx_producer_behind_held_packets_is_eio },
	{ "rx_need_wakeup_kicks_on_release", rx_need_wakeup_kicks_on_release },
	{ "tx_reserve_submit", tx_reserve_submit },
	{ "tx_full_ring_until_kernel_consumes", tx_full_ring_until_kernel_consumes },
	{ "tx_submit_checks_lengths", tx_submit_checks_lengths },
	{ "rx_unpeek_hands_packets_out_again", rx_unpeek_hands_packets_out_again },
	{ "tx_cancel_frees_reserved_frames", tx_cancel_frees_reserved_frames },
	{ "init_rejects_bad_layout", init_rejects_bad_layout },
	{ "tx_packs_packets_and_wraps", tx_packs_packets_and_wraps },
	{ "tx_names_the_release_that_makes_room",
	  tx_names_the_release_that_makes_room },
	{ "tx_submit_refuses_len_beyond_reservation",
	  tx_submit_refuses_len_beyond_reservation },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("ring", tests, 0);
}
