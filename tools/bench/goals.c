// SPDX-License-Identifier: GPL-2.0
/*
 * The performance goals of the project (issues 8 and 16), as ratios between two
 * runs of one --compare.  A ratio from one run on one machine is all this
 * judges: the table says so next to every verdict.  tunx-busy rows are the
 * same goal reached in busy mode, shown beside the default mode's.  tx
 * goals name their sink (bench.h): drop is the device's own cost, route
 * what forwarding adds (issue 16: tunx >= 4x tun on drop, >= 2x on route).
 * rx goals name their generator (gen.c); the equal-load goal compares
 * the device's CPU per packet at one rate, lower is better, so its ratio
 * is tun's over tunx's.
 */
#include <stdio.h>

#include "bench.h"

struct sel {
	enum bench_mode mode;
	enum bench_backend backend;
	unsigned int size, queues, streams;
	enum bench_sink sink;	/* tx: drop or route */
	enum bench_gen gen;	/* rx: the generator */
	unsigned int rate;	/* rx: equal load (figure: us per packet) */
};

/* rx at N bytes: tunx-zc >= 1.2x tun read(), tunx (copying) >= 1.0x. */
#define RX_SIZE(N)							\
	{ "rx " #N " B: tunx-zc / tun read()",				\
	  { MODE_RX, BK_TUNX_ZC, N, 1, 0, SINK_NONE, GEN_PACKET, 0 },	\
	  { MODE_RX, BK_TUN, N, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 1.2 },	\
	{ "rx " #N " B: tunx / tun read()",				\
	  { MODE_RX, BK_TUNX, N, 1, 0, SINK_NONE, GEN_PACKET, 0 },	\
	  { MODE_RX, BK_TUN, N, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 1.0 }

static const struct goal_def {
	const char *name;
	struct sel a, b;
	double target;
} defs[] = {
	{ "tx 64 B, drop sink: tunx / tun write()",
	  { MODE_TX, BK_TUNX, 64, 1, 0, SINK_DROP, GEN_NONE, 0 },
	  { MODE_TX, BK_TUN, 64, 1, 0, SINK_DROP, GEN_NONE, 0 }, 4 },
	{ "tx 64 B, drop sink: tunx-busy / tun write()",
	  { MODE_TX, BK_TUNX_BUSY, 64, 1, 0, SINK_DROP, GEN_NONE, 0 },
	  { MODE_TX, BK_TUN, 64, 1, 0, SINK_DROP, GEN_NONE, 0 }, 4 },
	{ "tx 64 B, route sink: tunx / tun write()",
	  { MODE_TX, BK_TUNX, 64, 1, 0, SINK_ROUTE, GEN_NONE, 0 },
	  { MODE_TX, BK_TUN, 64, 1, 0, SINK_ROUTE, GEN_NONE, 0 }, 2 },
	{ "rx 64 B, packet gen: tunx / tun read()",
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 },
	  { MODE_RX, BK_TUN, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 2 },
	{ "rx 64 B, packet gen: tunx-busy / tun read()",
	  { MODE_RX, BK_TUNX_BUSY, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 },
	  { MODE_RX, BK_TUN, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 2 },
	{ "rx 64 B, udp gen: tunx / tun read()",
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_UDP, 0 },
	  { MODE_RX, BK_TUN, 64, 1, 0, SINK_NONE, GEN_UDP, 0 }, 1.2 },
	{ "rx 64 B, equal load: device CPU/packet, tun / tunx",
	  { MODE_RX, BK_TUN, 64, 1, 0, SINK_NONE, GEN_PACKET, BENCH_EQUAL_RATE },
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_PACKET, BENCH_EQUAL_RATE },
	  2 },
	/* against tun through io_uring: one goal each for the plain ring
	 * and SQPOLL (a user would pick the faster; both are shown) */
	{ "tx 64 B, drop sink: tunx / tun-uring",
	  { MODE_TX, BK_TUNX, 64, 1, 0, SINK_DROP, GEN_NONE, 0 },
	  { MODE_TX, BK_TUN_URING, 64, 1, 0, SINK_DROP, GEN_NONE, 0 }, 1.5 },
	{ "tx 64 B, drop sink: tunx / tun-sqpoll",
	  { MODE_TX, BK_TUNX, 64, 1, 0, SINK_DROP, GEN_NONE, 0 },
	  { MODE_TX, BK_TUN_SQPOLL, 64, 1, 0, SINK_DROP, GEN_NONE, 0 }, 1.5 },
	{ "rx 64 B: tunx / tun-uring",
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 },
	  { MODE_RX, BK_TUN_URING, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 1.5 },
	{ "rx 64 B: tunx / tun-sqpoll",
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 },
	  { MODE_RX, BK_TUN_SQPOLL, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 1.5 },
	/* rx at larger sizes: the zero-copy API, and the copying one */
	RX_SIZE(512), RX_SIZE(1400), RX_SIZE(9000), RX_SIZE(65535),
	{ "TCP via tunx-tunnel: tunx / tun-vnet",
	  { MODE_TCP, BK_TUNX, 0, 1, 1, SINK_NONE, GEN_NONE, 0 },
	  { MODE_TCP, BK_TUN_VNET, 0, 1, 1, SINK_NONE, GEN_NONE, 0 }, 1.5 },
	{ "TCP via tunx-tunnel: tunx-busy / tun-vnet",
	  { MODE_TCP, BK_TUNX_BUSY, 0, 1, 1, SINK_NONE, GEN_NONE, 0 },
	  { MODE_TCP, BK_TUN_VNET, 0, 1, 1, SINK_NONE, GEN_NONE, 0 }, 1.5 },
	{ "TCP via tunx-tunnel: tunx / plain tun",
	  { MODE_TCP, BK_TUNX, 0, 1, 1, SINK_NONE, GEN_NONE, 0 },
	  { MODE_TCP, BK_TUN, 0, 1, 1, SINK_NONE, GEN_NONE, 0 }, 3 },
	{ "TCP: tunx tunnel / veth (no tunnel)",
	  { MODE_TCP, BK_TUNX, 0, 1, 1, SINK_NONE, GEN_NONE, 0 },
	  { MODE_TCP, BK_VETH, 0, 1, 1, SINK_NONE, GEN_NONE, 0 }, 0.6 },
	{ "2 queues / 1: TCP, 8 streams, tunx",
	  { MODE_TCP, BK_TUNX, 0, 2, 8, SINK_NONE, GEN_NONE, 0 },
	  { MODE_TCP, BK_TUNX, 0, 1, 8, SINK_NONE, GEN_NONE, 0 }, 1.7 },
	{ "2 queues / 1: tx 64 B, tunx",
	  { MODE_TX, BK_TUNX, 64, 2, 0, SINK_DROP, GEN_NONE, 0 },
	  { MODE_TX, BK_TUNX, 64, 1, 0, SINK_DROP, GEN_NONE, 0 }, 1.7 },
	{ "2 queues / 1: rx 64 B, packet gen, tunx",
	  { MODE_RX, BK_TUNX, 64, 2, 0, SINK_NONE, GEN_PACKET, 0 },
	  { MODE_RX, BK_TUNX, 64, 1, 0, SINK_NONE, GEN_PACKET, 0 }, 1.7 },
};

/* The default-batch run that matches; -1 when it is missing or failed. */
static double pick(const struct bench_result *res, unsigned int n,
		   const struct sel *s)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct bench_run *r = &res[i].run;

		if (r->mode == s->mode && r->backend == s->backend &&
		    r->size == s->size && r->queues == s->queues &&
		    r->streams == s->streams && r->sink == s->sink &&
		    r->gen == s->gen && r->rate == s->rate && r->batch == 0)
			return bench_figure(&res[i]);
	}
	return -1;
}

unsigned int bench_goals(const struct bench_result *res, unsigned int n,
			 struct bench_goal_result *out, unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]) && k < max; i++) {
		struct bench_goal_result *g = &out[k];

		g->name = defs[i].name;
		g->target = defs[i].target;
		g->a = pick(res, n, &defs[i].a);
		g->b = pick(res, n, &defs[i].b);
		if (g->a < 0 && g->b < 0)
			continue;	/* not part of this run list */
		g->ratio = g->a > 0 && g->b > 0 ? g->a / g->b : -1;
		g->met = g->ratio >= g->target;
		g->unit = defs[i].a.mode == MODE_TCP ? "Mbit/s" :
			  defs[i].a.rate ? "us/packet" : "packets/s";
		k++;
	}
	return k;
}

void bench_print_goals(const struct bench_result *res, unsigned int n)
{
	struct bench_goal_result g[32];
	unsigned int i, k = bench_goals(res, n, g, 32);

	bench_print_table(res, n);
	printf("\n%-42s %6s %12s %12s %7s  %s\n", "goal", "target", "measured",
	       "against", "ratio", "verdict");
	for (i = 0; i < k; i++) {
		int prec = g[i].unit[0] == 'u' ? 2 : 0;	/* us/packet */

		printf("%-42s %5.1fx %12.*f %12.*f ", g[i].name, g[i].target,
		       prec, g[i].a, prec, g[i].b);
		if (g[i].ratio < 0)
			printf("%7s  not measured (a run failed, its "
			       "figure is not above 0, or it missed its "
			       "rate)\n", "-");
		else
			printf("%6.2fx  %s\n", g[i].ratio,
			       g[i].met ? "met" : "NOT met");
	}
	printf("(ratios from this one run on this machine; %s)\n",
	       "figures in packets/s, tcp in Mbit/s, equal load in device "
	       "CPU us per packet");
}
