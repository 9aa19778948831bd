// SPDX-License-Identifier: LGPL-2.1-or-later
/* Filter wrapper: filters, injection, statistics, idle time. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

static struct tunx_device *w, *peer;
static char order[16];
static int order_n;

static void setup(bool nonblock)
{
	struct tunx_device *a;
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.nonblock = nonblock;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &peer, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_filter_wrap(&w, a) == 0);
	order_n = 0;
}

static void setup_depth(bool nonblock, unsigned int depth)
{
	struct tunx_device *a;
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.nonblock = nonblock;
	cfg.ring_entries = depth;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &peer, &cfg) == 0);
	CU_ASSERT_FATAL(tunx_filter_wrap(&w, a) == 0);
	order_n = 0;
}

static void teardown(void)
{
	tunx_close(w);	/* closes the inner end too */
	tunx_close(peer);
}

static enum tunx_verdict drop_ee(void *arg, uint8_t *p, size_t len)
{
	(void)len;
	if (order_n < 15)
		order[order_n++] = *(char *)arg;
	return p[0] == 0xee ? TUNX_DROP : TUNX_ACCEPT;
}

static enum tunx_verdict drop_all(void *arg, uint8_t *p, size_t len)
{
	(void)arg, (void)p, (void)len;
	return TUNX_DROP;
}

static void send3(struct tunx_device *dev, uint8_t mid)
{
	struct tx_batch b;

	tx_batch_init(&b, 3, 64);
	for (int i = 0; i < 3; i++) {
		b.bufs[i][0] = (uint8_t)(i == 1 ? mid : i);
		b.sizes[i] = 20;
	}
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 3, 0), 3);
	tx_batch_free(&b);
}

static int recv_all(struct tunx_device *dev, uint8_t *first)
{
	struct tx_batch b;
	int n;

	tx_batch_init(&b, 8, 64);
	n = tunx_read(dev, b.bufs, 64, b.sizes, 8, 0);
	for (int i = 0; first && i < n; i++)
		first[i] = b.bufs[i][0];
	tx_batch_free(&b);
	return n;
}

static void pre_out_filter_drops_on_read(void)
{
	uint8_t got[8];

	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_OUT, drop_ee, "p");
	send3(peer, 0xee);
	CU_ASSERT_EQUAL(recv_all(w, got), 2);
	CU_ASSERT_EQUAL(got[0], 0);
	CU_ASSERT_EQUAL(got[1], 2);
	teardown();
}

/* tstun's order: pre, the main filter (its ACL), post. */
static void main_filter_runs_between_pre_and_post(void)
{
	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, drop_ee, "a");
	tunx_filter_set(w, TUNX_FILTER_MAIN_IN, drop_ee, "m");
	tunx_filter_set(w, TUNX_FILTER_POST_IN, drop_ee, "b");
	send3(w, 1);
	CU_ASSERT_EQUAL(recv_all(peer, NULL), 3);
	CU_ASSERT_EQUAL(order_n, 9);
	CU_ASSERT_EQUAL(memcmp(order, "amb", 3), 0);
	order_n = 0;
	tunx_filter_set(w, TUNX_FILTER_MAIN_OUT, drop_ee, "o");
	send3(peer, 0xee);
	CU_ASSERT_EQUAL(recv_all(w, NULL), 2);	/* the ACL dropped one */
	CU_ASSERT_EQUAL(order_n, 3);
	teardown();
}

static void pre_runs_before_post(void)
{
	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_OUT, drop_ee, "a");
	tunx_filter_set(w, TUNX_FILTER_POST_OUT, drop_ee, "b");
	send3(peer, 1);
	CU_ASSERT_EQUAL(recv_all(w, NULL), 3);
	CU_ASSERT_EQUAL(order_n, 6);
	CU_ASSERT_EQUAL(memcmp(order, "ababab", 6), 0);
	teardown();
}

static void in_filter_drop_still_taken(void)
{
	uint8_t got[8];

	setup(true);
	tunx_filter_set(w, TUNX_FILTER_POST_IN, drop_ee, "i");
	send3(w, 0xee);
	CU_ASSERT_EQUAL(recv_all(peer, got), 2);
	CU_ASSERT_EQUAL(got[1], 2);
	teardown();
}

static void filter_cleared_with_null(void)
{
	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, drop_all, NULL);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, NULL, NULL);
	send3(w, 0xee);
	CU_ASSERT_EQUAL(recv_all(peer, NULL), 3);
	CU_ASSERT_EQUAL(tunx_filter_set(w, (enum tunx_filter_slot)9, NULL, NULL),
			-EINVAL);
	teardown();
}

static void inject_outbound_skips_filters(void)
{
	uint8_t pkt[20] = { 0x77 }, got[8];

	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_OUT, drop_all, NULL);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL(recv_all(w, got), 1);
	CU_ASSERT_EQUAL(got[0], 0x77);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, 0), 0);	/* no-op */
	CU_ASSERT_EQUAL(recv_all(w, NULL), -EAGAIN);
	teardown();
}

/* At most 256 injected packets wait; a read makes room again. */
static void inject_outbound_full_eagain(void)
{
	uint8_t pkt[20] = { 0x55 };
	int i;

	setup(true);
	for (i = 0; i < 256; i++)
		CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), -EAGAIN);
	CU_ASSERT_EQUAL(recv_all(w, NULL), 8);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	teardown();
}

static void inject_inbound_skips_filters(void)
{
	uint8_t pkt[20] = { 0x66 }, got[8];

	setup(true);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, drop_all, NULL);
	CU_ASSERT_EQUAL(tunx_inject_inbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL(recv_all(peer, got), 1);
	CU_ASSERT_EQUAL(got[0], 0x66);
	teardown();
}

static void *blocked_read(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)recv_all(w, NULL);
}

static void inject_outbound_wakes_blocked_reader(void)
{
	uint8_t pkt[20] = { 1 };
	pthread_t t;
	void *ret;

	setup(false);
	pthread_create(&t, NULL, blocked_read, NULL);
	usleep(30000);
	tunx_inject_outbound(w, pkt, sizeof(pkt));
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1);
	teardown();
}

static void close_wakes_blocked_reader(void)
{
	pthread_t t;
	void *ret;

	setup(false);
	pthread_create(&t, NULL, blocked_read, NULL);
	usleep(30000);
	tunx_shutdown(w);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
	/* the inner device went down with it: the peer sees it closed */
	CU_ASSERT_EQUAL(recv_all(peer, NULL), -ESHUTDOWN);
	teardown();
}

static atomic_int nat_calls;

/* An in-place rewrite, as NAT does: must happen once per packet. */
static enum tunx_verdict nat(void *arg, uint8_t *p, size_t len)
{
	(void)arg, (void)len;
	p[1]++;
	atomic_fetch_add(&nat_calls, 1);
	return TUNX_ACCEPT;
}

static void fill4(struct tx_batch *b)
{
	tx_batch_init(b, 4, 64);
	for (int i = 0; i < 4; i++) {
		b->bufs[i][0] = (uint8_t)i;
		b->bufs[i][1] = (uint8_t)(10 + i);
		b->sizes[i] = 20;
	}
}

static void nat_applied_once_on_retried_nonblocking_write(void)
{
	uint8_t got[8];
	struct tx_batch b;
	int r, n = 0;

	setup_depth(true, 2);
	atomic_store(&nat_calls, 0);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, nat, NULL);
	fill4(&b);
	r = tunx_write(w, b.bufs, b.sizes, 4, 0);
	CU_ASSERT_EQUAL(r, 2);
	n = 0;
	{
		struct tx_batch x;

		tx_batch_init(&x, 8, 64);
		CU_ASSERT_EQUAL(tunx_read(peer, x.bufs, 64, x.sizes, 8, 0), 2);
		for (int i = 0; i < 2; i++)
			got[n++] = x.bufs[i][1];
		CU_ASSERT_EQUAL(tunx_write(w, b.bufs + 2, b.sizes + 2, 2, 0), 2);
		CU_ASSERT_EQUAL(tunx_read(peer, x.bufs, 64, x.sizes, 8, 0), 2);
		for (int i = 0; i < 2; i++)
			got[n++] = x.bufs[i][1];
		tx_batch_free(&x);
	}
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(got[i], 11 + i);
	tx_batch_free(&b);
	teardown();
}

static void *slow_drain(void *arg)
{
	struct tx_batch x;
	uint8_t *got = arg;
	int n = 0, r;

	usleep(50000);
	tx_batch_init(&x, 8, 64);
	while (n < 4 && (r = tunx_read(peer, x.bufs, 64, x.sizes, 8, 0)) > 0)
		for (int i = 0; i < r; i++)
			got[n++] = x.bufs[i][1];
	tx_batch_free(&x);
	return NULL;
}

static void nat_applied_once_on_blocking_write(void)
{
	uint8_t got[8] = { 0 };
	struct tx_batch b;
	unsigned int sent = 0;
	pthread_t t;
	int r;

	setup_depth(false, 2);
	atomic_store(&nat_calls, 0);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, nat, NULL);
	fill4(&b);
	pthread_create(&t, NULL, slow_drain, got);
	while (sent < 4 && (r = tunx_write(w, b.bufs + sent, b.sizes + sent,
					   4 - sent, 0)) > 0)
		sent += (unsigned int)r;
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(sent, 4);
	CU_ASSERT_EQUAL(atomic_load(&nat_calls), 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(got[i], 11 + i);
	tx_batch_free(&b);
	teardown();
}

static void *close_peer_later(void *arg)
{
	(void)arg;
	usleep(50000);
	tunx_close(peer);
	return NULL;
}

/*
 * A blocking write whose inner device fails after taking part of the
 * batch (the pipe's peer closes): the packets left were filtered in place
 * once, and must not be filtered again.  The generic layer retried the
 * rest, running the NAT a second time on packets 2 and 3.
 */
static void nat_applied_once_when_inner_fails_midway(void)
{
	struct tx_batch b;
	pthread_t t;

	setup_depth(false, 2);
	atomic_store(&nat_calls, 0);
	tunx_filter_set(w, TUNX_FILTER_PRE_IN, nat, NULL);
	fill4(&b);
	pthread_create(&t, NULL, close_peer_later, NULL);
	CU_ASSERT_EQUAL(tunx_write(w, b.bufs, b.sizes, 4, 0), 2);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(atomic_load(&nat_calls), 4);
	CU_ASSERT_EQUAL(b.bufs[2][1], 13);
	CU_ASSERT_EQUAL(b.bufs[3][1], 14);
	tx_batch_free(&b);
	tunx_close(w);
}

static void *small_read(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)recv_all(w, NULL);	/* 64-byte buffers */
}

/* An injected packet larger than the reader's buffers: -EMSGSIZE, kept. */
static void big_injected_packet_emsgsize(void)
{
	uint8_t pkt[100] = { 0x45 };
	struct timespec ts;
	pthread_t t;
	void *ret = NULL;

	setup(true);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL(recv_all(w, NULL), -EMSGSIZE);
	teardown();
	setup(false);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	pthread_create(&t, NULL, small_read, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	if (pthread_timedjoin_np(t, &ret, &ts)) {
		tunx_shutdown(w);	/* it spun: stop it to fail cleanly */
		pthread_join(t, &ret);
		CU_FAIL("blocking read spun on a packet it cannot take");
	}
	CU_ASSERT_EQUAL((intptr_t)ret, -EMSGSIZE);
	teardown();
}

static int conns;
static uint64_t txp, rxp;

static void sum(void *arg, const struct tunx_conn *c)
{
	(void)arg;
	conns++;
	txp += c->tx_packets;
	rxp += c->rx_packets;
}

static void stats_only_when_enabled(void)
{
	struct tx_batch b;

	setup(true);
	tx_batch_init(&b, 3, 128);
	/* in: 10.0.0.2:2 -> host 10.0.0.1:1; out: the host answers */
	b.sizes[0] = tx_udp4(b.bufs[0], "10.0.0.2", "10.0.0.1", 2, 1, "a", 1);
	b.sizes[1] = tx_udp4(b.bufs[1], "10.0.0.2", "10.0.0.1", 2, 1, "b", 1);
	b.sizes[2] = tx_udp4(b.bufs[2], "10.0.0.1", "10.0.0.2", 1, 2, "c", 1);
	tunx_write(w, b.bufs, b.sizes, 2, 0);
	conns = 0;
	CU_ASSERT_EQUAL(tunx_stats_extract(w, sum, NULL), 0);
	CU_ASSERT_EQUAL(tunx_stats_enable(w, true), 0);
	tunx_write(w, b.bufs, b.sizes, 2, 0);	/* inbound */
	tunx_write(peer, b.bufs + 2, b.sizes + 2, 1, 0);
	recv_all(w, NULL);			/* outbound */
	/* injected inbound packets count too, as in tstun */
	CU_ASSERT_EQUAL(tunx_inject_inbound(w, b.bufs[0], b.sizes[0]), 0);
	txp = rxp = 0;
	/* both directions of the flow are one connection, as in tstun */
	CU_ASSERT_EQUAL(tunx_stats_extract(w, sum, NULL), 1);
	CU_ASSERT_EQUAL(rxp, 3);
	CU_ASSERT_EQUAL(txp, 1);
	CU_ASSERT_EQUAL(tunx_stats_extract(w, sum, NULL), 0);
	tx_batch_free(&b);
	teardown();
}

/* Turning counting off keeps what was counted and counts nothing more. */
static void stats_kept_while_disabled(void)
{
	struct tx_batch b;

	setup(true);
	tx_batch_init(&b, 2, 128);
	b.sizes[0] = tx_udp4(b.bufs[0], "10.0.0.2", "10.0.0.1", 2, 1, "a", 1);
	b.sizes[1] = tx_udp4(b.bufs[1], "10.0.0.2", "10.0.0.1", 2, 1, "b", 1);
	CU_ASSERT_EQUAL(tunx_stats_enable(w, true), 0);
	CU_ASSERT_EQUAL(tunx_write(w, b.bufs, b.sizes, 2, 0), 2);
	CU_ASSERT_EQUAL(tunx_stats_enable(w, false), 0);
	CU_ASSERT_EQUAL(tunx_write(w, b.bufs, b.sizes, 2, 0), 2);
	conns = 0;
	txp = rxp = 0;
	CU_ASSERT_EQUAL(tunx_stats_extract(w, sum, NULL), 1);
	CU_ASSERT_EQUAL(rxp, 2);
	CU_ASSERT_EQUAL(txp, 0);
	tx_batch_free(&b);
	teardown();
}

/*
 * Idle time restarts at a read, at an injected inbound packet and at the
 * read of an injected outbound one; writes to the peer are not this
 * wrapper's traffic.  Compared with the idle time just before, so a slow
 * machine cannot fail it.
 */
static void idle_resets_on_read_and_injection(void)
{
	uint8_t pkt[20] = { 0x45 };
	int64_t before;

	setup(true);
	send3(peer, 0);
	usleep(100000);
	before = tunx_idle_ns(w);
	CU_ASSERT(before >= 100000000);
	CU_ASSERT_EQUAL(recv_all(w, NULL), 3);
	CU_ASSERT(tunx_idle_ns(w) < before);
	usleep(100000);
	before = tunx_idle_ns(w);
	CU_ASSERT_EQUAL(tunx_inject_inbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT(tunx_idle_ns(w) < before);
	CU_ASSERT_EQUAL(recv_all(peer, NULL), 1);
	usleep(100000);
	before = tunx_idle_ns(w);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, sizeof(pkt)), 0);
	CU_ASSERT(tunx_idle_ns(w) >= before);
	CU_ASSERT_EQUAL(recv_all(w, NULL), 1);
	CU_ASSERT(tunx_idle_ns(w) < before);
	teardown();
}

static void idle_duration_resets_on_traffic(void)
{
	int64_t before;

	setup(true);
	usleep(60000);
	before = tunx_idle_ns(w);
	CU_ASSERT(before >= 60000000);
	send3(w, 0);
	CU_ASSERT(tunx_idle_ns(w) < before);
	CU_ASSERT_EQUAL(tunx_idle_ns(peer), -EINVAL);
	teardown();
}

static void non_wrapper_rejected(void)
{
	uint8_t pkt[20] = { 0 };

	setup(true);
	CU_ASSERT_EQUAL(tunx_filter_set(peer, TUNX_FILTER_PRE_IN, drop_all, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(tunx_inject_inbound(peer, pkt, 20), -EINVAL);
	CU_ASSERT_EQUAL(tunx_stats_enable(peer, true), -EINVAL);
	teardown();
}

static void calls_after_shutdown_closed(void)
{
	uint8_t pkt[20] = { 0x45 };
	unsigned int ev;

	setup(true);
	tunx_shutdown(w);
	CU_ASSERT_EQUAL(tunx_filter_set(w, TUNX_FILTER_PRE_IN, drop_all, NULL),
			-ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_inject_inbound(w, pkt, 20), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_inject_outbound(w, pkt, 20), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_idle_ns(w), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_stats_enable(w, true), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_stats_extract(w, sum, NULL), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_event_next(w, &ev), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_mtu(w), -ESHUTDOWN);
	CU_ASSERT_EQUAL(recv_all(w, NULL), -ESHUTDOWN);
	teardown();
}

static void wrapper_shows_inner_shape(void)
{
	unsigned int ev;
	char name[16];

	setup(true);
	CU_ASSERT_EQUAL(tunx_backend(w), TUNX_BACKEND_WRAPPER);
	CU_ASSERT_EQUAL(tunx_name(w, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "pipea");
	CU_ASSERT_EQUAL(tunx_event_next(w, &ev), 1);	/* the inner's Up */
	CU_ASSERT_EQUAL(ev, TUNX_EVENT_UP);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(w, 1400), 0);
	CU_ASSERT_EQUAL(tunx_mtu(w), 1400);
	teardown();
}

static int wrap_a(void *arg)
{
	return tunx_filter_wrap(&w, arg);
}

/*
 * Out of descriptors at each step: a failed wrap leaves the descriptors as
 * they were, and the inner device to the caller.  It crashed (double free)
 * and, past that, leaked the wrapper's eventfd.
 */
static void filter_wrap_out_of_fds_leaks_none(void)
{
	struct tunx_device *a;

	CU_ASSERT_FATAL(tunx_pipe_open(&a, &peer, NULL) == 0);
	CU_ASSERT(tx_out_of_fds(wrap_a, a) >= 2);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "filter_wrap_out_of_fds_leaks_none", filter_wrap_out_of_fds_leaks_none },
	{ "pre_out_filter_drops_on_read", pre_out_filter_drops_on_read },
	{ "pre_runs_before_post", pre_runs_before_post },
	{ "main_filter_runs_between_pre_and_post", main_filter_runs_between_pre_and_post },
	{ "in_filter_drop_still_taken", in_filter_drop_still_taken },
	{ "filter_cleared_with_null", filter_cleared_with_null },
	{ "inject_outbound_skips_filters", inject_outbound_skips_filters },
	{ "inject_outbound_full_eagain", inject_outbound_full_eagain },
	{ "inject_inbound_skips_filters", inject_inbound_skips_filters },
	{ "inject_outbound_wakes_blocked_reader", inject_outbound_wakes_blocked_reader },
	{ "close_wakes_blocked_reader", close_wakes_blocked_reader },
	{ "stats_only_when_enabled", stats_only_when_enabled },
	{ "stats_kept_while_disabled", stats_kept_while_disabled },
	{ "idle_duration_resets_on_traffic", idle_duration_resets_on_traffic },
	{ "idle_resets_on_read_and_injection", idle_resets_on_read_and_injection },
	{ "non_wrapper_rejected", non_wrapper_rejected },
	{ "wrapper_shows_inner_shape", wrapper_shows_inner_shape },
	{ "calls_after_shutdown_closed", calls_after_shutdown_closed },
	{ "nat_applied_once_on_retried_nonblocking_write", nat_applied_once_on_retried_nonblocking_write },
	{ "nat_applied_once_on_blocking_write", nat_applied_once_on_blocking_write },
	{ "nat_applied_once_when_inner_fails_midway", nat_applied_once_when_inner_fails_midway },
	{ "big_injected_packet_emsgsize", big_injected_packet_emsgsize },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("wrapper", tests, 0);
}
