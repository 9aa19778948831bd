// SPDX-License-Identifier: LGPL-2.1-or-later
/* The internal packet queue under the memory devices. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "harness.h"
#include "../queue.h"

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void eventfds_mirror_state(void)
{
	struct tunx_queue q;
	uint8_t buf[32] = { 0 }, *bp = buf;
	size_t len = 10, out;

	CU_ASSERT_EQUAL_FATAL(tunx__queue_init(&q, 2, 100), 0);
	CU_ASSERT(!readable(q.rd_efd));
	CU_ASSERT(readable(q.wr_efd));
	CU_ASSERT_EQUAL(tunx__queue_push(&q, &bp, &len, 1, 0), 1);
	CU_ASSERT(readable(q.rd_efd));
	CU_ASSERT_EQUAL(tunx__queue_push(&q, &bp, &len, 1, 0), 1);
	CU_ASSERT(!readable(q.wr_efd));	/* full */
	CU_ASSERT_EQUAL(tunx__queue_pop(&q, &bp, 32, &out, 1, 0), 1);
	CU_ASSERT(readable(q.wr_efd));
	CU_ASSERT_EQUAL(tunx__queue_pop(&q, &bp, 32, &out, 1, 0), 1);
	CU_ASSERT(!readable(q.rd_efd));
	tunx__queue_fini(&q);
}

static void wraps_around_many_times(void)
{
	struct tunx_queue q;
	uint8_t buf[64], *bp = buf;
	size_t len, out;
	unsigned int i, bad = 0;

	CU_ASSERT_EQUAL_FATAL(tunx__queue_init(&q, 3, 64), 0);
	for (i = 0; i < 1000; i++) {
		buf[0] = (uint8_t)i;
		len = 1 + i % 60;
		tunx__queue_push(&q, &bp, &len, 1, 0);
		buf[0] = 0xff;
		if (tunx__queue_pop(&q, &bp, 64, &out, 1, 0) != 1 ||
		    buf[0] != (uint8_t)i || out != 1 + i % 60)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	tunx__queue_fini(&q);
}

static void max_len_enforced(void)
{
	struct tunx_queue q;
	uint8_t buf[64], *bp = buf;
	size_t len = 50;

	CU_ASSERT_EQUAL_FATAL(tunx__queue_init(&q, 4, 40), 0);
	CU_ASSERT_EQUAL(tunx__queue_push(&q, &bp, &len, 1, 0), -EMSGSIZE);
	tunx__queue_set_max(&q, 64);
	CU_ASSERT_EQUAL(tunx__queue_push(&q, &bp, &len, 1, 0), 1);
	tunx__queue_fini(&q);
}

static void closed_drains_then_reports(void)
{
	struct tunx_queue q;
	uint8_t buf[64], *bp = buf;
	size_t len = 5, out;

	CU_ASSERT_EQUAL_FATAL(tunx__queue_init(&q, 4, 64), 0);
	tunx__queue_push(&q, &bp, &len, 1, 0);
	tunx__queue_close(&q);
	CU_ASSERT(readable(q.rd_efd) && readable(q.wr_efd));
	CU_ASSERT_EQUAL(tunx__queue_push(&q, &bp, &len, 1, 0), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx__queue_pop(&q, &bp, 64, &out, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx__queue_pop(&q, &bp, 64, &out, 1, 0), -ESHUTDOWN);
	tunx__queue_fini(&q);
}

static CU_TestInfo tests[] = {
	{ "eventfds_mirror_state", eventfds_mirror_state },
	{ "wraps_around_many_times", wraps_around_many_times },
	{ "max_len_enforced", max_len_enforced },
	{ "closed_drains_then_reports", closed_drains_then_reports },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("queue", tests, 0);
}
