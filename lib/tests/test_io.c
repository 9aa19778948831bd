// SPDX-License-Identifier: LGPL-2.1-or-later
/* IO adapter: one packet at a time. */
#include <errno.h>
#include <string.h>
#include "harness.h"

static struct tunx_device *a, *b;

static void setup(void)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	cfg.batch = 4;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
}

static void one_packet_per_call_from_batch(void)
{
	struct tunx_io *wa, *rb;
	char buf[64];
	int i;

	setup();
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&wa, a), 0);
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&rb, b), 0);
	for (i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "pkt%d", i);
		CU_ASSERT_EQUAL(tunx_io_write(wa, buf, strlen(buf) + 1),
				(ssize_t)strlen(buf) + 1);
	}
	for (i = 0; i < 6; i++) {
		char want[16];

		snprintf(want, sizeof(want), "pkt%d", i);
		CU_ASSERT_EQUAL(tunx_io_read(rb, buf, sizeof(buf)),
				(ssize_t)strlen(want) + 1);
		CU_ASSERT_STRING_EQUAL(buf, want);
	}
	CU_ASSERT_EQUAL(tunx_io_read(rb, buf, sizeof(buf)), -EAGAIN);
	tunx_io_free(wa);
	tunx_io_free(rb);
	tunx_close(a);
	tunx_close(b);
}

/* A packet longer than an IP packet can be is refused, not cut. */
static void write_above_65535_emsgsize(void)
{
	static char big[65536];
	struct tunx_io *wa;

	setup();
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&wa, a), 0);
	CU_ASSERT_EQUAL(tunx_io_write(wa, big, sizeof(big)), -EMSGSIZE);
	CU_ASSERT_EQUAL(tunx_io_write(wa, big, 65535), 65535);
	tunx_io_free(wa);
	tunx_close(a);
	tunx_close(b);
}

static void short_buffer_keeps_packet(void)
{
	struct tunx_io *wa, *rb;
	char buf[64] = "0123456789";

	setup();
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&wa, a), 0);
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&rb, b), 0);
	tunx_io_write(wa, buf, 10);
	CU_ASSERT_EQUAL(tunx_io_read(rb, buf, 4), -EMSGSIZE);
	CU_ASSERT_EQUAL(tunx_io_read(rb, buf, sizeof(buf)), 10);
	tunx_io_free(wa);
	tunx_io_free(rb);
	tunx_close(a);
	tunx_close(b);
}

static void closed_device_reports_closed(void)
{
	struct tunx_io *rb;
	char buf[16];

	setup();
	CU_ASSERT_EQUAL_FATAL(tunx_io_new(&rb, b), 0);
	tunx_shutdown(b);
	CU_ASSERT_EQUAL(tunx_io_read(rb, buf, sizeof(buf)), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_io_write(rb, buf, 4), -ESHUTDOWN);
	tunx_io_free(rb);
	tunx_close(a);
	tunx_close(b);
}

static CU_TestInfo tests[] = {
	{ "one_packet_per_call_from_batch", one_packet_per_call_from_batch },
	{ "short_buffer_keeps_packet", short_buffer_keeps_packet },
	{ "write_above_65535_emsgsize", write_above_65535_emsgsize },
	{ "closed_device_reports_closed", closed_device_reports_closed },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("io", tests, 0);
}
