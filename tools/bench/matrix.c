// SPDX-License-Identifier: GPL-2.0
/*
 * Run lists.  bench_add_run() normalises a run (fields a mode does not use
 * are zeroed, so the same measurement is never made twice) and drops the
 * ones that make no sense; bench_goals_matrix() is what --compare runs:
 * exactly the figures the performance goals and the README table need.
 */
#include <stdbool.h>
#include <string.h>

#include "bench.h"

static bool same(const struct bench_run *a, const struct bench_run *b)
{
	return a->mode == b->mode && a->backend == b->backend &&
	       a->size == b->size && a->batch == b->batch &&
	       a->queues == b->queues && a->streams == b->streams &&
	       a->sink == b->sink && a->gen == b->gen && a->rate == b->rate &&
	       a->devices == b->devices && a->rx_usecs == b->rx_usecs;
}

static bool makes_sense(const struct bench_run *r)
{
	/* tunx-wireguard opens tunx or tun (with offload, as libtunx does). */
	if (r->mode == MODE_WIREGUARD)
		return r->backend == BK_TUNX || r->backend == BK_TUN;
	if (r->backend == BK_VETH)
		return r->mode == MODE_TCP;
	/* AF_XDP on a veth has no TUN device: tx and rx; echo stays in
	 * the list to say n/a (xdprun.c), as do sizes it cannot take.
	 * One socket, one queue. */
	if (r->backend == BK_XDP_VETH)
		return r->queues == 1 && (r->mode == MODE_TX ||
			r->mode == MODE_RX || r->mode == MODE_ECHO);
	/* The zero-copy API moves packets; echo and the rest go through
	 * the copying one. */
	if (r->backend == BK_TUNX_ZC)
		return r->mode == MODE_TX || r->mode == MODE_RX;
	/* tun.c attaches one queue for these */
	if (bench_tun_own(r->backend) && r->queues > 1)
		return false;
	if (r->backend == BK_TUN_URING || r->backend == BK_TUN_SQPOLL)
		return r->mode == MODE_TX || r->mode == MODE_RX;
	if (r->backend == BK_TUN_NAPI)
		return r->mode == MODE_TX || r->mode == MODE_RX ||
		       r->mode == MODE_ECHO;
	if (r->backend == BK_TUNX_COPY)
		return r->mode == MODE_TCP;
	if (r->mode == MODE_MEM)
		return r->backend == BK_TUNX || r->backend == BK_TUNX_PLAIN ||
		       r->backend == BK_TUN;
	/* Offload does not matter to single packets: tunx already runs
	 * them without it. */
	return r->backend != BK_TUNX_PLAIN || r->mode == MODE_TCP;
}

unsigned int bench_add_run(struct bench_run *runs, unsigned int n,
			   const struct bench_run *in)
{
	struct bench_run r = *in;
	unsigned int i;

	if (!makes_sense(&r) || n == BENCH_MAX_RUNS)
		return n;
	/* Echo keeps one datagram in flight: batch and queues change nothing. */
	if (bench_mode_iperf(r.mode) || r.mode == MODE_ECHO || r.mode == MODE_MEM)
		r.batch = 0;
	if (bench_mode_iperf(r.mode) || r.mode == MODE_MEM)
		r.size = 0;
	/* tunx-wireguard opens one queue. */
	if (r.mode == MODE_ECHO || r.mode == MODE_MEM || r.mode == MODE_WIREGUARD)
		r.queues = 1;
	/* Only tx has a sink; drop unless told. */
	if (r.mode != MODE_TX)
		r.sink = SINK_NONE;
	else if (!r.sink)
		r.sink = SINK_DROP;
	/* Only rx has a generator; packet unless told, at full speed unless
	 * held to a rate. */
	if (r.mode != MODE_RX)
		r.gen = GEN_NONE, r.rate = 0;
	else if (!r.gen)
		r.gen = GEN_PACKET;
	/* Only tunx has the rx wakeup that rx-usecs bounds. */
	if (r.mode != MODE_RX || !bench_backend_is_tunx(r.backend))
		r.rx_usecs = 0;
	if (!bench_mode_iperf(r.mode))
		r.streams = 0;
	else if (!r.streams)
		r.streams = 1;
	/* Only mem opens devices by the number. */
	if (r.mode != MODE_MEM)
		r.devices = 0;
	else if (!r.devices)
		r.devices = BENCH_MEM_DEVICES;
	for (i = 0; i < n; i++)
		if (same(&runs[i], &r))
			return n;
	runs[n] = r;
	return n + 1;
}

static unsigned int add(struct bench_run *runs, unsigned int n,
			enum bench_mode m, enum bench_backend b, unsigned int size,
			unsigned int batch, unsigned int queues,
			unsigned int streams, double dur)
{
	struct bench_run r = { m, b, size, batch, queues, streams, dur,
			       SINK_NONE, GEN_NONE, 0, 0, 0 };	/* tx: drop;
								 * rx: packet;
								 * mem: 4 devices */

	return bench_add_run(runs, n, &r);
}

/* Each backend of a list, one run each. */
static unsigned int each(struct bench_run *runs, unsigned int n,
			 enum bench_mode m, const enum bench_backend *b,
			 unsigned int nb, unsigned int size, unsigned int batch,
			 unsigned int queues, unsigned int streams, double dur)
{
	unsigned int i;

	for (i = 0; i < nb; i++)
		n = add(runs, n, m, b[i], size, batch, queues, streams, dur);
	return n;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Context for the rx goals, judged by none: tunx at 64 B with a sleeping
 * reader's wakeup held up to BENCH_RX_USECS (ethtool rx-usecs) instead
 * of the default 50 us.  Under TCG a wakeup costs the generator's CPU
 * tens of microseconds, so how often it wakes the reader bounds rx.
 */
static unsigned int rx_held_longer(struct bench_run *runs, unsigned int n,
				   double dur)
{
	struct bench_run r = { MODE_RX, BK_TUNX, 64, 0, 1, 0, dur, SINK_NONE,
			       GEN_PACKET, 0, 0, BENCH_RX_USECS };

	return bench_add_run(runs, n, &r);
}

/*
 * The goal of many devices open at once: tunx as libtunx opens it by
 * default (offload on, 1024 entries), BENCH_GOAL_DEVICES of them.  Last
 * of the memory runs: closing them leaves the kernel freeing rings in
 * the background, which would move the 4-device rows' MemAvailable.
 */
static unsigned int many_devices(struct bench_run *runs, unsigned int n,
				 double dur)
{
	struct bench_run r = { MODE_MEM, BK_TUNX, 0, 0, 1, 0, dur, SINK_NONE,
			       GEN_NONE, 0, BENCH_GOAL_DEVICES, 0 };

	return bench_add_run(runs, n, &r);
}

/*
 * The goals, in the order of the issue: 64 B tx (drop sink, then route
 * and socket for tunx and tun) and rx against tun (packet generator,
 * then udp and equal load for tunx and tun), TCP
 * through the tunnel against tun-vnet, plain tun and veth, two queues
 * against one, then the batch and size curves (tx on the drop sink) and
 * memory (4 devices per backend, then 1000 tunx ones).  --full adds
 * echo (latency).
 */
unsigned int bench_goals_matrix(struct bench_run *runs, double dur, bool full)
{
	static const enum bench_backend pkt[] = { BK_TUNX, BK_TUNX_BUSY, BK_TUN,
						  BK_TUN_VNET };
	static const enum bench_backend tcp[] = { BK_TUNX, BK_TUNX_COPY,
		BK_TUNX_BUSY, BK_TUNX_PLAIN, BK_TUN_VNET, BK_TUN, BK_VETH };
	static const enum bench_backend two[] = { BK_TUNX, BK_TUN };
	static const enum bench_backend base[] = { BK_TUN_URING,
		BK_TUN_SQPOLL, BK_TUN_NAPI, BK_XDP_VETH };
	static const enum bench_backend mem[] = { BK_TUNX, BK_TUNX_PLAIN, BK_TUN };
	static const unsigned int batches[] = { 1, 4, 16, 64, 256, 512 };
	static const unsigned int sizes[] = { 64, 512, 1400, 9000, 65535 };
	unsigned int n = 0, i, q;

	n = each(runs, n, MODE_TX, pkt, N(pkt), 64, 0, 1, 0, dur);
	/* Beside the drop sink's rows: what a router or a local socket
	 * adds (the route goal, and context). */
	for (i = 0; i < N(two); i++) {
		struct bench_run r = { MODE_TX, two[i], 64, 0, 1, 0, dur,
				       SINK_ROUTE, GEN_NONE, 0, 0, 0 };

		n = bench_add_run(runs, n, &r);
		r.sink = SINK_SOCKET;
		n = bench_add_run(runs, n, &r);
	}
	n = each(runs, n, MODE_RX, pkt, N(pkt), 64, 0, 1, 0, dur);
	/* rx context and the equal-load goal: connected UDP sockets as a
	 * user would load it, and the packet generator held to BENCH_EQUAL_RATE,
	 * where the figure is the device's CPU per packet. */
	for (i = 0; i < N(two); i++) {
		struct bench_run r = { MODE_RX, two[i], 64, 0, 1, 0, dur,
				       SINK_NONE, GEN_UDP, 0, 0, 0 };

		n = bench_add_run(runs, n, &r);
		r.gen = GEN_PACKET;
		r.rate = BENCH_EQUAL_RATE;
		n = bench_add_run(runs, n, &r);
	}
	n = rx_held_longer(runs, n, dur);
	/* What a user would pick instead of tunx: tun through io_uring,
	 * AF_XDP on a veth; and tun with IFF_NAPI, as context (no goal). */
	n = each(runs, n, MODE_TX, base, N(base), 64, 0, 1, 0, dur);
	n = each(runs, n, MODE_RX, base, N(base), 64, 0, 1, 0, dur);
	n = each(runs, n, MODE_TCP, tcp, N(tcp), 0, 0, 1, 1, dur);
	for (q = 1; q <= 2; q++) {
		n = add(runs, n, MODE_TX, BK_TUNX, 64, 0, q, 0, dur);
		n = add(runs, n, MODE_RX, BK_TUNX, 64, 0, q, 0, dur);
		/* One flow sits on one queue: eight streams spread (all on one
		 * queue has odds of 1 in 128). */
		n = add(runs, n, MODE_TCP, BK_TUNX, 0, 0, q, 8, dur);
	}
	for (i = 0; i < N(batches); i++)
		n = each(runs, n, MODE_TX, two, N(two), 64, batches[i], 1, 0, dur);
	for (i = 0; i < N(sizes); i++) {
		n = each(runs, n, MODE_TX, two, N(two), sizes[i], 0, 1, 0, dur);
		n = each(runs, n, MODE_RX, two, N(two), sizes[i], 0, 1, 0, dur);
		/* The zero-copy API beside the copying one: 64 B both ways,
		 * rx at every size (the size goals). */
		n = add(runs, n, MODE_RX, BK_TUNX_ZC, sizes[i], 0, 1, 0, dur);
		/* and AF_XDP, whose rows above 1500 B say n/a */
		n = add(runs, n, MODE_RX, BK_XDP_VETH, sizes[i], 0, 1, 0, dur);
		if (sizes[i] == 64)
			n = add(runs, n, MODE_TX, BK_TUNX_ZC, 64, 0, 1, 0, dur);
	}
	n = each(runs, n, MODE_MEM, mem, N(mem), 0, 0, 1, 0, dur);
	n = many_devices(runs, n, dur);
	if (full)
		for (i = 0; i < 2; i++)
			n = each(runs, n, MODE_ECHO, pkt, N(pkt), i ? 1400 : 64,
				 0, 1, 0, dur);
	return n;
}
