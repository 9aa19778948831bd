// SPDX-License-Identifier: LGPL-2.1-or-later
/* Point-to-point: A <-> B. */
#include <errno.h>
#include <unistd.h>
#include "harness.h"

static void pair(struct tunx_device **x, struct tunx_device **y)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	CU_ASSERT_FATAL(tunx_pipe_open(x, y, &cfg) == 0);
}

static void one(struct tunx_device *dev, uint8_t tag)
{
	struct tx_batch b;

	tx_batch_init(&b, 1, 64);
	b.bufs[0][0] = tag;
	b.sizes[0] = 20;
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 1, 0), 1);
	tx_batch_free(&b);
}

static int get(struct tunx_device *dev)
{
	struct tx_batch b;
	int r;

	tx_batch_init(&b, 1, 64);
	r = tunx_read(dev, b.bufs, 64, b.sizes, 1, 0);
	if (r == 1)
		r = b.bufs[0][0];
	tx_batch_free(&b);
	return r;
}

static void both_directions(void)
{
	struct tunx_device *ua, *a, *ub, *b;
	struct tunx_p2p *p;
	uint64_t ab, ba;

	pair(&ua, &a);
	pair(&ub, &b);
	CU_ASSERT_FATAL(tunx_p2p_new(&p, NULL) == 0);
	tunx_p2p_set_a(p, a);
	tunx_p2p_set_b(p, b);
	one(ua, 0x11);
	CU_ASSERT_EQUAL(get(ub), 0x11);
	one(ub, 0x22);
	CU_ASSERT_EQUAL(get(ua), 0x22);
	/* the threads count after their write returns: give them a moment */
	for (int i = 0; i < 100; i++) {
		tunx_p2p_counts(p, &ab, &ba);
		if (ab == 1 && ba == 1)
			break;
		usleep(10000);
	}
	CU_ASSERT_EQUAL(ab, 1);
	CU_ASSERT_EQUAL(ba, 1);
	tunx_p2p_free(p);
	tunx_close(ua);
	tunx_close(ub);
}

static void swap_a_closes_old(void)
{
	struct tunx_device *ua, *a, *ub, *b, *ua2, *a2;
	struct tunx_p2p *p;

	pair(&ua, &a);
	pair(&ub, &b);
	pair(&ua2, &a2);
	CU_ASSERT_FATAL(tunx_p2p_new(&p, NULL) == 0);
	tunx_p2p_set_a(p, a);
	tunx_p2p_set_b(p, b);
	tunx_p2p_set_a(p, a2);
	CU_ASSERT_EQUAL(get(ua), -ESHUTDOWN);	/* old A is gone */
	one(ua2, 0x33);
	CU_ASSERT_EQUAL(get(ub), 0x33);
	one(ub, 0x44);
	CU_ASSERT_EQUAL(get(ua2), 0x44);
	tunx_p2p_free(p);
	tunx_close(ua);
	tunx_close(ub);
	tunx_close(ua2);
}

static void free_closes_both_once(void)
{
	struct tunx_device *ua, *a, *ub, *b;
	struct tunx_p2p *p;

	pair(&ua, &a);
	pair(&ub, &b);
	CU_ASSERT_FATAL(tunx_p2p_new(&p, NULL) == 0);
	tunx_p2p_set_a(p, a);
	tunx_p2p_set_b(p, b);
	tunx_p2p_free(p);
	CU_ASSERT_EQUAL(get(ua), -ESHUTDOWN);
	CU_ASSERT_EQUAL(get(ub), -ESHUTDOWN);
	tunx_close(ua);
	tunx_close(ub);
}

static CU_TestInfo tests[] = {
	{ "both_directions", both_directions },
	{ "swap_a_closes_old", swap_a_closes_old },
	{ "free_closes_both_once", free_closes_both_once },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("p2p", tests, 0);
}
