// SPDX-License-Identifier: GPL-2.0
/* Test packets: IPv4 + UDP, valid enough for the stack to route them. */
#include <arpa/inet.h>
#include <string.h>

#include "bench.h"

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* UDP checksum 0 means "none" on IPv4: the stack accepts it and we skip a
 * per-packet cost that is not the device's. */
void bench_udp_packet(uint8_t *p, unsigned int size, const char *src,
		      const char *dst, uint16_t sport, uint16_t dport)
{
	memset(p, 0, size);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)size);
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	put16(p + 10, ip_csum(p, 20));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put16(p + 24, (uint16_t)(size - 20));
	memset(p + 28, 0xa5, size - 28);
}

/* Swap addresses and ports: both checksums stay valid (sums commute). */
void bench_reflect(uint8_t *p, size_t len)
{
	uint8_t t[4];
	size_t ihl;

	if (len < 20 || p[0] >> 4 != 4)
		return;
	ihl = (size_t)(p[0] & 0xf) * 4;
	memcpy(t, p + 12, 4);
	memcpy(p + 12, p + 16, 4);
	memcpy(p + 16, t, 4);
	if (p[9] != 17 || len < ihl + 8)
		return;
	memcpy(t, p + ihl, 2);
	memcpy(p + ihl, p + ihl + 2, 2);
	memcpy(p + ihl + 2, t, 2);
}
