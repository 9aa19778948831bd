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
 * is tun's over tunx's.  The per-packet goals bound a device counter
 * (kicks, wakeups) per packet of one tunx run: at most the target.
 * Queue scaling needs a CPU per queue beside the generator's (pin.c): on
 * 2 vCPUs both workers share one, so those goals say n/a there.
 * The memory goals bound a figure of one mem run of tunx as libtunx opens
 * it by default (offload on): its ring mapping per queue, and what 1000
 * such devices hold while all open and up.  They are n/a when the queues
 * opened without offload: the goal is about offload queues.
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
	unsigned int batch;	/* 0: the backend's default */
	unsigned int devices;	/* mem: devices open at once */
};

enum goal_kind {
	GOAL_RATIO,		/* a's figure over b's, at least the target */
	GOAL_KICKS,		/* a's kicks per packet, at most the target */
	GOAL_WAKEUPS,		/* a's wakeups per packet, at most it */
	GOAL_MMAP,		/* a's ring mapping per queue, MiB, at most */
	GOAL_MEM_OPEN,		/* a's devices' memory in all, GiB, at most */
};

/* The runs a goal compares (struct sel, in its order). */
#define TX(BK, SIZE, Q, SINK) \
	{ MODE_TX, BK, SIZE, Q, 0, SINK, GEN_NONE, 0, 0, 0 }
#define TX_BATCH(BATCH) \
	{ MODE_TX, BK_TUNX, 64, 1, 0, SINK_DROP, GEN_NONE, 0, BATCH, 0 }
#define RX(BK, SIZE, Q, GEN, RATE) \
	{ MODE_RX, BK, SIZE, Q, 0, SINK_NONE, GEN, RATE, 0, 0 }
#define TCP(BK, Q, STREAMS) \
	{ MODE_TCP, BK, 0, Q, STREAMS, SINK_NONE, GEN_NONE, 0, 0, 0 }
/* tunx in mem: offload on, libtunx's default ring (bench_backend_config) */
#define MEM(DEVICES) \
	{ MODE_MEM, BK_TUNX, 0, 1, 0, SINK_NONE, GEN_NONE, 0, 0, DEVICES }
#define NO_RUN	{ MODE_TX, BK_TUNX, 0, 0, 0, SINK_NONE, GEN_NONE, 0, 0, 0 }

#define RATIO(NAME, A, B, TARGET)	{ NAME, A, B, TARGET, GOAL_RATIO, 0 }
/* two queues against one: a CPU for each worker besides the generator's */
#define SCALING(NAME, A, B)		{ NAME, A, B, 1.7, GOAL_RATIO, 3 }
#define PER_PACKET(NAME, A, KIND)	{ NAME, A, NO_RUN, 0.05, KIND, 0 }
#define BOUND(NAME, A, TARGET, KIND)	{ NAME, A, NO_RUN, TARGET, KIND, 0 }

/* rx at N bytes: tunx-zc >= 1.2x tun read(), tunx (copying) >= 1.0x. */
#define RX_SIZE(N)							\
	RATIO("rx " #N " B: tunx-zc / tun read()",			\
	      RX(BK_TUNX_ZC, N, 1, GEN_PACKET, 0),			\
	      RX(BK_TUN, N, 1, GEN_PACKET, 0), 1.2),			\
	RATIO("rx " #N " B: tunx / tun read()",				\
	      RX(BK_TUNX, N, 1, GEN_PACKET, 0),				\
	      RX(BK_TUN, N, 1, GEN_PACKET, 0), 1.0)

/* tx, tunx on the drop sink at 64 B: kicks per packet at batch N */
#define KICKS_AT(N)							\
	PER_PACKET("tx 64 B, batch " #N ": tunx kicks per packet",	\
		   TX_BATCH(N), GOAL_KICKS)

static const struct goal_def {
	const char *name;
	struct sel a, b;
	double target;
	enum goal_kind kind;
	unsigned int min_cpus;	/* fewer online: n/a */
} defs[] = {
	RATIO("tx 64 B, drop sink: tunx / tun write()",
	      TX(BK_TUNX, 64, 1, SINK_DROP), TX(BK_TUN, 64, 1, SINK_DROP), 4),
	RATIO("tx 64 B, drop sink: tunx-busy / tun write()",
	      TX(BK_TUNX_BUSY, 64, 1, SINK_DROP), TX(BK_TUN, 64, 1, SINK_DROP),
	      4),
	RATIO("tx 64 B, route sink: tunx / tun write()",
	      TX(BK_TUNX, 64, 1, SINK_ROUTE), TX(BK_TUN, 64, 1, SINK_ROUTE), 2),
	RATIO("rx 64 B, packet gen: tunx / tun read()",
	      RX(BK_TUNX, 64, 1, GEN_PACKET, 0), RX(BK_TUN, 64, 1, GEN_PACKET, 0),
	      2),
	RATIO("rx 64 B, packet gen: tunx-busy / tun read()",
	      RX(BK_TUNX_BUSY, 64, 1, GEN_PACKET, 0),
	      RX(BK_TUN, 64, 1, GEN_PACKET, 0), 2),
	RATIO("rx 64 B, udp gen: tunx / tun read()",
	      RX(BK_TUNX, 64, 1, GEN_UDP, 0), RX(BK_TUN, 64, 1, GEN_UDP, 0), 1.2),
	RATIO("rx 64 B, equal load: device CPU/packet, tun / tunx",
	      RX(BK_TUN, 64, 1, GEN_PACKET, BENCH_EQUAL_RATE),
	      RX(BK_TUNX, 64, 1, GEN_PACKET, BENCH_EQUAL_RATE), 2),
	/* against tun through io_uring: one goal each for the plain ring
	 * and SQPOLL (a user would pick the faster; both are shown) */
	RATIO("tx 64 B, drop sink: tunx / tun-uring",
	      TX(BK_TUNX, 64, 1, SINK_DROP), TX(BK_TUN_URING, 64, 1, SINK_DROP),
	      1.5),
	RATIO("tx 64 B, drop sink: tunx / tun-sqpoll",
	      TX(BK_TUNX, 64, 1, SINK_DROP), TX(BK_TUN_SQPOLL, 64, 1, SINK_DROP),
	      1.5),
	RATIO("rx 64 B: tunx / tun-uring", RX(BK_TUNX, 64, 1, GEN_PACKET, 0),
	      RX(BK_TUN_URING, 64, 1, GEN_PACKET, 0), 1.5),
	RATIO("rx 64 B: tunx / tun-sqpoll", RX(BK_TUNX, 64, 1, GEN_PACKET, 0),
	      RX(BK_TUN_SQPOLL, 64, 1, GEN_PACKET, 0), 1.5),
	/* rx at larger sizes: the zero-copy API, and the copying one */
	RX_SIZE(512), RX_SIZE(1400), RX_SIZE(9000), RX_SIZE(65535),
	RATIO("TCP via tunx-tunnel: tunx / tun-vnet", TCP(BK_TUNX, 1, 1),
	      TCP(BK_TUN_VNET, 1, 1), 1.5),
	RATIO("TCP via tunx-tunnel: tunx-busy / tun-vnet",
	      TCP(BK_TUNX_BUSY, 1, 1), TCP(BK_TUN_VNET, 1, 1), 1.5),
	RATIO("TCP via tunx-tunnel: tunx / plain tun", TCP(BK_TUNX, 1, 1),
	      TCP(BK_TUN, 1, 1), 3),
	RATIO("TCP: tunx tunnel / veth (no tunnel)", TCP(BK_TUNX, 1, 1),
	      TCP(BK_VETH, 1, 1), 0.6),
	/* The zero-copy tunnel's goals (send from the rx ring, receive into
	 * the tx ring): a userspace hop costs at least 5 passes per byte
	 * against veth's 2, about 0.40x on 2 vCPUs at best. */
	RATIO("TCP via tunx-tunnel, zero-copy goal: tunx / tun-vnet",
	      TCP(BK_TUNX, 1, 1), TCP(BK_TUN_VNET, 1, 1), 1.8),
	RATIO("TCP, zero-copy goal: tunx tunnel / veth (no tunnel)",
	      TCP(BK_TUNX, 1, 1), TCP(BK_VETH, 1, 1), 0.35),
	SCALING("2 queues / 1: TCP, 8 streams, tunx", TCP(BK_TUNX, 2, 8),
		TCP(BK_TUNX, 1, 8)),
	SCALING("2 queues / 1: tx 64 B, tunx", TX(BK_TUNX, 64, 2, SINK_DROP),
		TX(BK_TUNX, 64, 1, SINK_DROP)),
	SCALING("2 queues / 1: rx 64 B, packet gen, tunx",
		RX(BK_TUNX, 64, 2, GEN_PACKET, 0),
		RX(BK_TUNX, 64, 1, GEN_PACKET, 0)),
	/* syscalls and wakeups per packet: what the rings are for */
	PER_PACKET("rx 64 B, packet gen: tunx wakeups per packet",
		   RX(BK_TUNX, 64, 1, GEN_PACKET, 0), GOAL_WAKEUPS),
	KICKS_AT(16), KICKS_AT(64), KICKS_AT(256), KICKS_AT(512),
	/* memory: the mapping of one queue (the 4-device row), and 1000
	 * devices open at once */
	BOUND("memory per offload queue <= 1.1 MiB", MEM(BENCH_MEM_DEVICES),
	      1.1, GOAL_MMAP),
	BOUND("1000 devices open at once <= 1.2 GiB", MEM(BENCH_GOAL_DEVICES),
	      1.2, GOAL_MEM_OPEN),
};

static bool matches(const struct bench_run *r, const struct sel *s)
{
	return r->mode == s->mode && r->backend == s->backend &&
	       r->size == s->size && r->queues == s->queues &&
	       r->streams == s->streams && r->sink == s->sink &&
	       r->gen == s->gen && r->rate == s->rate && r->batch == s->batch &&
	       r->devices == s->devices && !r->rx_usecs;
}

/* The run that @s selects; NULL when it is not in the list. */
static const struct bench_result *find(const struct bench_result *res,
				       unsigned int n, const struct sel *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (matches(&res[i].run, s))
			return &res[i];
	return NULL;
}

/* The same, only when it ran: a failed run is no figure. */
static const struct bench_result *pick(const struct bench_result *res,
				       unsigned int n, const struct sel *s)
{
	const struct bench_result *r = find(res, n, s);

	return r && bench_figure(r) >= 0 ? r : NULL;
}

/* a over b, at least the target */
static void judge_ratio(const struct goal_def *d, struct bench_goal_result *g,
			const struct bench_result *a,
			const struct bench_result *b)
{
	g->a = a ? bench_figure(a) : -1;
	g->b = b ? bench_figure(b) : -1;
	g->ratio = g->a > 0 && g->b > 0 ? g->a / g->b : -1;
	g->met = g->ratio >= d->target;
	g->unit = d->a.mode == MODE_TCP ? "Mbit/s" :
		  d->a.rate ? "us/packet" : "packets/s";
}

/* a's counter per packet that a moved, at most the target */
static void judge_per_packet(const struct goal_def *d,
			     struct bench_goal_result *g,
			     const struct bench_result *a)
{
	g->at_most = true;
	g->a = a ? (double)(d->kind == GOAL_KICKS ? a->kicks : a->wakeups) : -1;
	g->b = a ? (double)a->packets : -1;
	g->ratio = g->a >= 0 && g->b > 0 ? g->a / g->b : -1;
	g->met = g->ratio >= 0 && g->ratio <= d->target;
	g->unit = d->kind == GOAL_KICKS ? "kicks / packets" :
					  "wakeups / packets";
}

/*
 * A mem run's figure for a memory goal.  Many devices: the larger of the
 * two measures (mem.c), MemAvailable's drop and the kernel's growth plus
 * the mappings; each misses something the other sees (percpu memory,
 * page tables; or the page cache's moves), so the goal holds only when
 * both are within it.
 */
static double mem_figure(enum goal_kind kind, const struct bench_result *r)
{
	double kernel = (double)r->mem_mmap_total + (double)r->mem_slab_total +
			(double)r->mem_vmalloc_total;
	double avail = (double)r->mem_avail_total;

	if (kind == GOAL_MMAP)
		return (double)r->mem_mmap / r->run.queues / (1 << 20);
	return (kernel > avail ? kernel : avail) / (1 << 30);
}

/* a's memory, at most the target, on offload queues only */
static void judge_bound(const struct goal_def *d, struct bench_goal_result *g,
			const struct bench_result *a)
{
	g->bound = true;
	g->a = a ? mem_figure(d->kind, a) : -1;
	g->b = -1;
	g->ratio = g->a > 0 ? g->a / d->target : -1;
	g->met = g->ratio > 0 && g->ratio <= 1;
	g->unit = d->kind == GOAL_MMAP ? "MiB" : "GiB";
	if (a && !a->mem_offload) {
		g->na = "the queues opened without offload";
		g->met = false;
	}
}

unsigned int bench_goals(const struct bench_result *res, unsigned int n,
			 unsigned int cpus, struct bench_goal_result *out,
			 unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]) && k < max; i++) {
		const struct goal_def *d = &defs[i];
		struct bench_goal_result *g = &out[k];

		if (!find(res, n, &d->a) &&
		    (d->kind != GOAL_RATIO || !find(res, n, &d->b)))
			continue;	/* not part of this run list */
		*g = (struct bench_goal_result){ .name = d->name,
						 .target = d->target };
		if (d->kind == GOAL_RATIO)
			judge_ratio(d, g, pick(res, n, &d->a),
				    pick(res, n, &d->b));
		else if (d->kind == GOAL_MMAP || d->kind == GOAL_MEM_OPEN)
			judge_bound(d, g, pick(res, n, &d->a));
		else
			judge_per_packet(d, g, pick(res, n, &d->a));
		if (d->min_cpus && cpus < d->min_cpus) {
			g->na = "needs a CPU per queue beside the generator's";
			g->met = false;
		}
		k++;
	}
	return k;
}

static void print_verdict(const struct bench_goal_result *g)
{
	int prec = g->unit[0] == 'u' ? 2 : 0;	/* us/packet */

	if (g->bound)
		printf("%-42s <=%4.2f %12.3f %12s ", g->name, g->target,
		       g->a, "-");
	else if (g->at_most)
		printf("%-42s <=%4.2f %12.0f %12.0f ", g->name, g->target,
		       g->a, g->b);
	else
		printf("%-42s %5.1fx %12.*f %12.*f ", g->name, g->target,
		       prec, g->a, prec, g->b);
	if (g->na)
		printf("%7s  n/a: %s\n", "-", g->na);
	else if (g->ratio < 0)
		printf("%7s  not measured (a run failed, its figure is not "
		       "above 0, or it missed its rate)\n", "-");
	else if (g->at_most || g->bound)
		printf("%7.3f  %s\n", g->ratio, g->met ? "met" : "NOT met");
	else
		printf("%6.2fx  %s\n", g->ratio, g->met ? "met" : "NOT met");
}

void bench_print_goals(const struct bench_result *res, unsigned int n)
{
	struct bench_goal_result g[BENCH_MAX_GOALS];
	unsigned int i, k = bench_goals(res, n, bench_online_cpus(), g,
					BENCH_MAX_GOALS);

	bench_print_table(res, n);
	printf("\n%-42s %6s %12s %12s %7s  %s\n", "goal", "target", "measured",
	       "against", "ratio", "verdict");
	for (i = 0; i < k; i++)
		print_verdict(&g[i]);
	printf("(ratios from this one run on this machine; %s)\n",
	       "figures in packets/s, tcp in Mbit/s, equal load in device "
	       "CPU us per packet; per-packet goals: the counter, the "
	       "packets, and their quotient; memory goals: the figure in MiB "
	       "or GiB and its share of the bound, 1000 devices the larger of "
	       "MemAvailable's drop and Slab+VmallocUsed growth plus the "
	       "mappings");
}
