// SPDX-License-Identifier: GPL-2.0
/*
 * tunx_responder NAME: create tunx device NAME, then answer every ICMP and
 * ICMPv6 echo request that arrives in its rx ring by swapping the addresses
 * and writing the reply to the tx ring.  Prints "ready NAME" once the rings
 * are mapped; exits on SIGINT/SIGTERM, printing how many it answered.
 * The peer for the shell tests: ping through the device reaches it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "tunx_util.h"

/* Set from the signal handler: a lock-free atomic is async-signal-safe. */
static atomic_bool stop;
static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "stop must be lock-free");

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static bool answer_icmp4(__u8 *p, int len)
{
	int ihl = (p[0] & 15) * 4;
	__u8 tmp[4];

	if (len < ihl + 8 || ihl < 20 || p[9] != IPPROTO_ICMP || p[ihl] != 8)
		return false;
	memcpy(tmp, p + 12, 4);
	memcpy(p + 12, p + 16, 4);
	memcpy(p + 16, tmp, 4);
	p[ihl] = 0;			/* echo reply */
	p[ihl + 2] = 0;
	p[ihl + 3] = 0;
	*(__u16 *)(p + ihl + 2) = st_csum(p + ihl, len - ihl, 0);
	p[10] = 0;
	p[11] = 0;
	*(__u16 *)(p + 10) = st_csum(p, ihl, 0);
	return true;
}

static bool answer_icmp6(__u8 *p, int len)
{
	__u8 tmp[16];
	__u32 sum = 0;
	int i, plen = len - 40;

	if (len < 48 || p[6] != IPPROTO_ICMPV6 || p[40] != 128)
		return false;
	memcpy(tmp, p + 8, 16);
	memcpy(p + 8, p + 24, 16);
	memcpy(p + 24, tmp, 16);
	p[40] = 129;			/* echo reply */
	p[42] = 0;
	p[43] = 0;
	for (i = 8; i < 40; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	sum += plen + IPPROTO_ICMPV6;
	*(__u16 *)(p + 42) = st_csum(p + 40, plen, sum);
	return true;
}

static int reply(struct st_queue *q, const __u8 *pkt, int len)
{
	int tries = 1000;

	while (st_tx_send(q, pkt, len) == -ENOSPC) {
		if (!--tries)
			return -ENOSPC;
		st_kick(q->fd);
		st_msleep(1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pollfd pfd = { .events = POLLIN };
	struct st_queue q;
	unsigned long answered = 0, seen = 0;
	static __u8 buf[65536];
	int len, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	if (!st_present())
		return KSFT_SKIP;
	ret = st_queue_open(&q, argv[1], 0, 0, 0, 0);
	if (ret) {
		fprintf(stderr, "tunx_responder: %s: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready %s\n", q.name);
	fflush(stdout);
	pfd.fd = q.fd;
	while (!atomic_load(&stop)) {
		len = st_rx_take(&q, buf, sizeof(buf), NULL);
		if (len == -EAGAIN) {
			poll(&pfd, 1, 200);
			continue;
		}
		if (len < 0)
			break;
		seen++;
		if (((buf[0] >> 4) == 4 && answer_icmp4(buf, len)) ||
		    ((buf[0] >> 4) == 6 && answer_icmp6(buf, len))) {
			if (!reply(&q, buf, len))
				answered++;
		}
	}
	fprintf(stderr, "tunx_responder: %lu packets seen, %lu answered\n",
		seen, answered);
	st_queue_close(&q);
	return 0;
}
