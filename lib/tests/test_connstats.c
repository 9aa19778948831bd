// SPDX-License-Identifier: LGPL-2.1-or-later
/* Per-connection statistics. */
#include <arpa/inet.h>
#include <string.h>
#include "harness.h"

struct seen {
	int n;
	struct tunx_conn c[8];
};

static void collect(void *arg, const struct tunx_conn *c)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->c[s->n] = *c;
	s->n++;
}

static void counts_per_five_tuple(void)
{
	struct tunx_connstats *cs;
	uint8_t p[128];
	size_t len;
	struct seen s = { 0 };

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	len = tx_udp4(p, "10.0.0.1", "10.0.0.2", 1000, 53, "abcd", 4);
	tunx_connstats_count(cs, p, len, true);
	tunx_connstats_count(cs, p, len, true);
	/* the answer comes back the other way: same connection (tstun) */
	len = tx_udp4(p, "10.0.0.2", "10.0.0.1", 53, 1000, "abcd", 4);
	tunx_connstats_count(cs, p, len, false);
	len = tx_udp4(p, "10.0.0.1", "10.0.0.2", 1001, 53, "abcd", 4);
	tunx_connstats_count(cs, p, len, true);
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 2);
	CU_ASSERT_EQUAL(s.n, 2);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(s.c[i].proto, 17);
		CU_ASSERT_EQUAL(s.c[i].family, AF_INET);
		CU_ASSERT_EQUAL(s.c[i].dst_port, 53);
		if (s.c[i].src_port == 1000) {
			CU_ASSERT_EQUAL(s.c[i].tx_packets, 2);
			CU_ASSERT_EQUAL(s.c[i].tx_bytes, 64);
			CU_ASSERT_EQUAL(s.c[i].rx_packets, 1);
		} else {
			CU_ASSERT_EQUAL(s.c[i].src_port, 1001);
			CU_ASSERT_EQUAL(s.c[i].tx_packets, 1);
		}
	}
	tunx_connstats_free(cs);
}

/*
 * The source is the host's end whichever way the first packet went: a
 * flow the network opened (inbound first) is reported as the host's
 * port talking to the peer, as tstun keys it.
 */
static void inbound_first_flow_keyed_by_host_end(void)
{
	struct tunx_connstats *cs;
	uint8_t p[128], host[4], net[4];
	size_t len;
	struct seen s = { 0 };

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	len = tx_udp4(p, "10.0.0.2", "10.0.0.1", 53, 1000, "abcd", 4);
	tunx_connstats_count(cs, p, len, false);
	len = tx_udp4(p, "10.0.0.1", "10.0.0.2", 1000, 53, "ab", 2);
	tunx_connstats_count(cs, p, len, true);
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 1);
	inet_pton(AF_INET, "10.0.0.1", host);
	inet_pton(AF_INET, "10.0.0.2", net);
	CU_ASSERT_EQUAL(memcmp(s.c[0].src, host, 4), 0);
	CU_ASSERT_EQUAL(memcmp(s.c[0].dst, net, 4), 0);
	CU_ASSERT_EQUAL(s.c[0].src_port, 1000);
	CU_ASSERT_EQUAL(s.c[0].dst_port, 53);
	CU_ASSERT_EQUAL(s.c[0].rx_packets, 1);
	CU_ASSERT_EQUAL(s.c[0].rx_bytes, 32);
	CU_ASSERT_EQUAL(s.c[0].tx_packets, 1);
	CU_ASSERT_EQUAL(s.c[0].tx_bytes, 30);
	tunx_connstats_free(cs);
}

static void extract_resets(void)
{
	struct tunx_connstats *cs;
	uint8_t p[128];
	size_t len = tx_udp4(p, "1.1.1.1", "2.2.2.2", 1, 2, "x", 1);
	struct seen s = { 0 };

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	tunx_connstats_count(cs, p, len, true);
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 1);
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 0);
	tunx_connstats_count(cs, p, len, false);
	s.n = 0;
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 1);
	CU_ASSERT_EQUAL(s.c[0].tx_packets, 0);
	CU_ASSERT_EQUAL(s.c[0].rx_packets, 1);
	tunx_connstats_free(cs);
}

static void ipv6_addresses_kept(void)
{
	struct tunx_connstats *cs;
	uint8_t p[128], a[16];
	size_t len = tx_udp6(p, "fd00::1", "fd00::2", 7, 8, "y", 1);
	struct seen s = { 0 };

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	tunx_connstats_count(cs, p, len, true);
	tunx_connstats_extract(cs, collect, &s);
	CU_ASSERT_EQUAL(s.c[0].family, AF_INET6);
	inet_pton(AF_INET6, "fd00::2", a);
	CU_ASSERT_EQUAL(memcmp(s.c[0].dst, a, 16), 0);
	CU_ASSERT_EQUAL(s.c[0].src_port, 7);
	tunx_connstats_free(cs);
}

static void garbage_counted_under_zero_key(void)
{
	struct tunx_connstats *cs;
	uint8_t junk[10] = { 0xff };
	struct seen s = { 0 };

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	tunx_connstats_count(cs, junk, sizeof(junk), true);
	tunx_connstats_count(cs, junk, 3, true);
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, collect, &s), 1);
	CU_ASSERT_EQUAL(s.c[0].proto, 0);
	CU_ASSERT_EQUAL(s.c[0].tx_packets, 2);
	tunx_connstats_free(cs);
}

static void many_connections(void)
{
	struct tunx_connstats *cs;
	uint8_t p[128];
	int i;

	CU_ASSERT_EQUAL_FATAL(tunx_connstats_new(&cs), 0);
	for (i = 0; i < 5000; i++) {
		size_t len = tx_udp4(p, "10.0.0.1", "10.0.0.2", (uint16_t)i,
				     80, "z", 1);

		tunx_connstats_count(cs, p, len, i & 1);
	}
	CU_ASSERT_EQUAL(tunx_connstats_extract(cs, NULL, NULL), 5000);
	tunx_connstats_free(cs);
}

static CU_TestInfo tests[] = {
	{ "counts_per_five_tuple", counts_per_five_tuple },
	{ "inbound_first_flow_keyed_by_host_end", inbound_first_flow_keyed_by_host_end },
	{ "extract_resets", extract_resets },
	{ "ipv6_addresses_kept", ipv6_addresses_kept },
	{ "garbage_counted_under_zero_key", garbage_counted_under_zero_key },
	{ "many_connections", many_connections },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("connstats", tests, 0);
}
