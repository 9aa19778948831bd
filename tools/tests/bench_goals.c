// SPDX-License-Identifier: GPL-2.0
/*
 * tunx-bench's goal judge (tools/bench/goals.c) on made-up runs, TAP: a
 * ratio met and missed, a failed run shown as not measured rather than
 * dropped, the per-packet kick and wakeup bounds, the queue-scaling
 * goals said n/a on a machine with one CPU per queue too few, and the
 * memory bounds (n/a without offload).
 */
#include <stdio.h>
#include <string.h>

#include "../bench/bench.h"

static unsigned int tests, failed;

static void ok(int cond, const char *what)
{
	printf("%sok %u %s\n", cond ? "" : "not ", ++tests, what);
	failed += !cond;
}

static struct bench_result *add(struct bench_result *res, unsigned int *n,
				enum bench_mode mode, enum bench_backend bk,
				unsigned int batch, unsigned int queues)
{
	struct bench_result *r = &res[(*n)++];

	memset(r, 0, sizeof(*r));
	r->run.mode = mode;
	r->run.backend = bk;
	r->run.size = 64;
	r->run.batch = batch;
	r->run.queues = queues;
	r->run.sink = SINK_DROP;
	r->run.gen = mode == MODE_RX ? GEN_PACKET : GEN_NONE;
	if (mode == MODE_RX)
		r->run.sink = SINK_NONE;
	return r;
}

static const struct bench_goal_result *goal(const struct bench_goal_result *g,
					    unsigned int k, const char *name)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		if (!strcmp(g[i].name, name))
			return &g[i];
	return NULL;
}

/* tx at 64 B on the drop sink, and tunx at the batch sizes with kicks */
static unsigned int tx_runs(struct bench_result *res)
{
	unsigned int n = 0;

	add(res, &n, MODE_TX, BK_TUNX, 0, 1)->pps = 500;
	add(res, &n, MODE_TX, BK_TUN, 0, 1)->pps = 100;
	add(res, &n, MODE_TX, BK_TUNX_BUSY, 0, 1)->pps = 300;
	add(res, &n, MODE_TX, BK_TUNX, 16, 1)->kicks = 1000;
	res[n - 1].packets = 16000;	/* one kick per batch: 0.0625 */
	add(res, &n, MODE_TX, BK_TUNX, 64, 1)->kicks = 250;
	res[n - 1].packets = 16000;	/* 0.0156 */
	add(res, &n, MODE_TX, BK_TUNX, 0, 2)->pps = 1000;
	return n;
}

/* A mem run of @devices tunx devices: @mmap bytes a queue, @kernel in all. */
static struct bench_result *mem_run(struct bench_result *res, unsigned int *n,
				    unsigned int devices, uint64_t mmap,
				    int64_t avail_total, bool offload)
{
	struct bench_result *r = add(res, n, MODE_MEM, BK_TUNX, 0, 1);

	r->run.size = 0;
	r->run.sink = SINK_NONE;
	r->run.devices = devices;
	r->mem_mmap = mmap;
	r->mem_mmap_total = mmap * devices;
	r->mem_slab_total = 140LL * 1024 * devices;
	r->mem_avail_total = avail_total;
	r->mem_offload = offload;
	return r;
}

static void mem_goals(struct bench_result *res, unsigned int *n,
		      struct bench_goal_result *g)
{
	const char *q = "memory per offload queue <= 1.1 MiB";
	const char *all = "1000 devices open at once <= 1.2 GiB";
	const struct bench_goal_result *x;
	unsigned int k, base = *n;

	mem_run(res, n, BENCH_MEM_DEVICES, 1122304, 0, true);
	mem_run(res, n, BENCH_GOAL_DEVICES, 1122304, 1000LL << 20, true);
	k = bench_goals(res, *n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, q);
	ok(x && x->bound && x->met, "1.07 MiB a queue meets 'at most 1.1 MiB'");
	x = goal(g, k, all);
	ok(x && x->bound && x->met,
	   "1000 x (1.07 MiB + 140 KiB) meets 'at most 1.2 GiB'");
	/* MemAvailable saw more than the kernel's own counters: it counts. */
	res[base + 1].mem_avail_total = 1300LL << 20;
	k = bench_goals(res, *n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, all);
	ok(x && !x->met, "the larger of the two measures is judged");
	/* ABI 1's 16 MiB queue misses; a plain queue is n/a, not met. */
	res[base].mem_mmap = 16ULL << 20;
	k = bench_goals(res, *n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, q);
	ok(x && !x->met && !x->na, "a 16 MiB queue misses it");
	res[base].mem_offload = false;
	k = bench_goals(res, *n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, q);
	ok(x && x->na && !x->met, "a queue without offload is n/a");
}

/*
 * The passes table (passes.c): every tcp backend of --compare has a path,
 * and the counts keep the relations the code has: veth's two socket
 * copies, --copy two more than zero copy, zero copy less than tun-vnet.
 */
static void passes(void)
{
	static struct bench_run runs[BENCH_MAX_RUNS];
	unsigned int n = bench_goals_matrix(runs, 1, false), i, missing = 0;
	const char *const *steps;

	for (i = 0; i < n; i++)
		missing += runs[i].mode == MODE_TCP &&
			   !bench_passes(runs[i].backend, &steps);
	ok(n && !missing, "every tcp backend of --compare has its passes");
	ok(bench_passes(BK_VETH, &steps) == 2, "veth touches each byte twice");
	ok(bench_passes(BK_TUNX_COPY, &steps) ==
	   bench_passes(BK_TUNX, &steps) + 2,
	   "tunx --copy touches each byte twice more than zero copy "
	   "(the split, and the far side's user buffer)");
	ok(bench_passes(BK_TUNX, &steps) < bench_passes(BK_TUN_VNET, &steps),
	   "tunx touches each byte fewer times than tun-vnet");
	ok(!bench_passes(BK_TUN_URING, &steps) && !steps,
	   "a backend without a tcp path has none");
}

/*
 * --compare runs one rx row with the wakeup held longer, as context; the
 * run list keeps rx-usecs only where it means something (rx on tunx).
 */
static void held_row(void)
{
	static struct bench_run runs[BENCH_MAX_RUNS];
	unsigned int n = bench_goals_matrix(runs, 1, false), i, held = 0;
	struct bench_run r = { MODE_TX, BK_TUNX, 64, 0, 1, 0, 1, SINK_DROP,
			       GEN_NONE, 0, 0, 200 };

	for (i = 0; i < n; i++)
		held += runs[i].rx_usecs == BENCH_RX_USECS &&
			runs[i].mode == MODE_RX && runs[i].backend == BK_TUNX;
	ok(held == 1, "--compare has one tunx rx row with rx-usecs set");
	n = bench_add_run(runs, 0, &r);
	r.mode = MODE_RX;
	r.backend = BK_TUN;
	n = bench_add_run(runs, n, &r);
	ok(n == 2 && !runs[0].rx_usecs && !runs[1].rx_usecs,
	   "rx-usecs is dropped from tx runs and from tun");
	ok(n == 2 && runs[1].gen == GEN_PACKET && runs[0].gen == GEN_NONE,
	   "an rx run gets the packet generator, tun's too; tx none");
}

int main(void)
{
	struct bench_result res[24];
	struct bench_goal_result g[BENCH_MAX_GOALS];
	const struct bench_goal_result *x;
	unsigned int n = tx_runs(res), k;

	k = bench_goals(res, n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, "tx 64 B, drop sink: tunx / tun write()");
	ok(x && x->ratio == 5 && x->met && !x->na, "a 5x ratio meets a 4x goal");
	x = goal(g, k, "tx 64 B, drop sink: tunx-busy / tun write()");
	ok(x && x->ratio == 3 && !x->met, "a 3x ratio misses a 4x goal");
	x = goal(g, k, "tx 64 B, batch 16: tunx kicks per packet");
	ok(x && x->at_most && x->a == 1000 && x->b == 16000 && !x->met,
	   "a kick per 16-packet batch misses 'at most 0.05 per packet'");
	x = goal(g, k, "tx 64 B, batch 64: tunx kicks per packet");
	ok(x && x->at_most && x->met, "a kick per 64 packets meets it");
	ok(!goal(g, k, "tx 64 B, batch 256: tunx kicks per packet") &&
	   !goal(g, k, "rx 64 B, packet gen: tunx wakeups per packet"),
	   "goals whose runs are not in the list are left out");
	x = goal(g, k, "2 queues / 1: tx 64 B, tunx");
	ok(x && x->ratio == 2 && x->met && !x->na,
	   "queue scaling is judged with a CPU per worker besides the generator's");

	k = bench_goals(res, n, 2, g, BENCH_MAX_GOALS);
	x = goal(g, k, "2 queues / 1: tx 64 B, tunx");
	ok(x && x->na && !x->met, "on 2 CPUs queue scaling is n/a, not missed");

	strcpy(res[1].error, "tun: cannot open /dev/net/tun");
	k = bench_goals(res, n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, "tx 64 B, drop sink: tunx / tun write()");
	ok(x && x->ratio < 0 && !x->met,
	   "a failed run leaves its goal not measured, still listed");

	/* First in the list, so a judge that ignored rx-usecs would take it. */
	add(res, &n, MODE_RX, BK_TUNX, 0, 1)->wakeups = 1;
	res[n - 1].run.rx_usecs = BENCH_RX_USECS;
	res[n - 1].packets = 100000;
	res[n - 1].pps = 900000;
	add(res, &n, MODE_RX, BK_TUNX, 0, 1)->wakeups = 500;
	res[n - 1].packets = 100000;
	res[n - 1].pps = 100000;
	k = bench_goals(res, n, 3, g, BENCH_MAX_GOALS);
	x = goal(g, k, "rx 64 B, packet gen: tunx wakeups per packet");
	ok(x && x->at_most && x->ratio == 0.005 && x->met,
	   "0.005 wakeups per packet meets 'at most 0.05', judged on the "
	   "device's default rx-usecs, not on the row that held wakeups longer");
	held_row();

	mem_goals(res, &n, g);
	passes();

	printf("1..%u\n", tests);
	return failed ? 1 : 0;
}
