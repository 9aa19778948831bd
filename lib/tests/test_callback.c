// SPDX-License-Identifier: LGPL-2.1-or-later
/* Callback wrapper. */
#include <errno.h>
#include <string.h>
#include "harness.h"

struct seen {
	int reads, writes;
	size_t bytes;
	int written[8];	/* times each packet (by first byte) was reported */
};

static void on_read(void *arg, const uint8_t *p, size_t len)
{
	struct seen *s = arg;

	(void)p;
	s->reads++;
	s->bytes += len;
}

static void on_write(void *arg, const uint8_t *p, size_t len)
{
	struct seen *s = arg;

	s->writes++;
	s->bytes += len;
	if (len && p[0] < 8)
		s->written[p[0]]++;
}

static void callbacks_see_every_packet(void)
{
	struct tunx_device *a, *b, *w;
	struct tunx_config cfg;
	struct seen s = { 0 };
	struct tx_batch x;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_callback_wrap(&w, a, on_read, on_write, &s) == 0);
	tx_batch_init(&x, 4, 64);
	for (int i = 0; i < 4; i++)
		x.sizes[i] = 10;
	CU_ASSERT_EQUAL(tunx_write(w, x.bufs, x.sizes, 4, 0), 4);
	CU_ASSERT_EQUAL(tunx_write(b, x.bufs, x.sizes, 3, 0), 3);
	CU_ASSERT_EQUAL(tunx_read(w, x.bufs, 64, x.sizes, 4, 0), 3);
	CU_ASSERT_EQUAL(s.writes, 4);
	CU_ASSERT_EQUAL(s.reads, 3);
	CU_ASSERT_EQUAL(s.bytes, 70);
	tx_batch_free(&x);
	tunx_close(w);
	tunx_close(b);
}

/*
 * A non-blocking write into a full inner device takes part of the batch;
 * the caller retries the rest.  Each packet is reported once, when taken.
 */
static void partial_write_retry_reported_once(void)
{
	struct tunx_device *a, *b, *w;
	struct tunx_config cfg;
	struct seen s = { 0 };
	struct tx_batch x;
	int i;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	cfg.ring_entries = 4;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_callback_wrap(&w, a, NULL, on_write, &s) == 0);
	tx_batch_init(&x, 6, 64);
	for (i = 0; i < 6; i++) {
		x.bufs[i][0] = (uint8_t)i;
		x.sizes[i] = 10;
	}
	CU_ASSERT_EQUAL(tunx_write(w, x.bufs, x.sizes, 6, 0), 4);
	CU_ASSERT_EQUAL(tunx_write(w, x.bufs + 4, x.sizes + 4, 2, 0), -EAGAIN);
	CU_ASSERT_EQUAL(s.writes, 4);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 4, 0), 4);
	x.bufs[4][0] = 4;
	x.bufs[5][0] = 5;
	x.sizes[4] = x.sizes[5] = 10;
	CU_ASSERT_EQUAL(tunx_write(w, x.bufs + 4, x.sizes + 4, 2, 0), 2);
	CU_ASSERT_EQUAL(s.writes, 6);
	for (i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(s.written[i], 1);
	tx_batch_free(&x);
	tunx_close(w);
	tunx_close(b);
}

static void null_callbacks_pass_through(void)
{
	struct tunx_device *a, *b, *w;
	struct tunx_config cfg;
	struct tx_batch x;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_callback_wrap(&w, a, NULL, NULL, NULL) == 0);
	tx_batch_init(&x, 1, 64);
	x.sizes[0] = 10;
	CU_ASSERT_EQUAL(tunx_write(w, x.bufs, x.sizes, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx_read(w, x.bufs, 64, x.sizes, 1, 0), -EAGAIN);
	tx_batch_free(&x);
	tunx_close(w);
	tunx_close(b);
}

static void wrappers_stack(void)
{
	struct tunx_device *a, *b, *f, *w;
	struct tunx_config cfg;
	struct seen s = { 0 };
	uint8_t pkt[16] = { 9 };
	struct tx_batch x;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_filter_wrap(&f, a) == 0);
	CU_ASSERT_FATAL(tunx_callback_wrap(&w, f, on_read, NULL, &s) == 0);
	tunx_inject_outbound(f, pkt, sizeof(pkt));
	tx_batch_init(&x, 2, 64);
	CU_ASSERT_EQUAL(tunx_read(w, x.bufs, 64, x.sizes, 2, 0), 1);
	CU_ASSERT_EQUAL(x.bufs[0][0], 9);
	CU_ASSERT_EQUAL(s.reads, 1);
	tx_batch_free(&x);
	tunx_close(w);	/* closes f, which closes a */
	tunx_close(b);
}

static void null_inner_refused(void)
{
	struct tunx_device *w;

	CU_ASSERT_EQUAL(tunx_callback_wrap(&w, NULL, NULL, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tunx_filter_wrap(&w, NULL), -EINVAL);
}

static CU_TestInfo tests[] = {
	{ "callbacks_see_every_packet", callbacks_see_every_packet },
	{ "partial_write_retry_reported_once", partial_write_retry_reported_once },
	{ "null_callbacks_pass_through", null_callbacks_pass_through },
	{ "wrappers_stack", wrappers_stack },
	{ "null_inner_refused", null_inner_refused },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("callback", tests, 0);
}
