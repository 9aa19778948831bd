// SPDX-License-Identifier: GPL-2.0
/*
 * tunx-bench: options, the run list, and dispatch.  Figures are measured
 * and printed here; only goals.c judges them, against the project's goals,
 * with the caveat printed next to them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/decimal.h"
#include "../common/options.h"
#include "bench.h"

static const char usage_text[] =
"usage: tunx-bench [options]\n"
"\n"
"Measure the TUN device path on tunx and on stock tun, the same way.\n"
"Packet modes run in a private network namespace; tcp builds two.\n"
"Needs root (namespaces, devices).  Figures are printed; only --compare\n"
"judges them, against the project's goals.\n"
"\n"
"  -m, --mode LIST      tx    user -> kernel: write batches, count taken\n"
"                       rx    kernel -> user: a generator (--gen) loads\n"
"                             the device, count read\n"
"                       echo  one datagram at a time through the device\n"
"                             and back: round trips/s, latency\n"
"                       tcp   iperf3 through tunx-tunnel between two\n"
"                             namespaces\n"
"                       mem   memory per device: the ring mapping, and\n"
"                             the growth of Slab, VmallocUsed and the drop\n"
"                             of MemAvailable over --devices devices open\n"
"                             at once, per device and in all\n"
"                       wireguard  iperf3 through wireguard-go\n"
"                             (tunx-wireguard) on the backend, to the\n"
"                             kernel's WireGuard in a second namespace;\n"
"                             tunx and tun only (default: tx)\n"
"  -b, --backend LIST   tunx (no offload in packet modes; tcp: as the\n"
"                       tunnel opens it, offload on), tunx-busy (busy\n"
"                       polling), tunx-plain (tcp, mem: tunx without\n"
"                       offload), tunx-copy (tcp: the tunnel with --copy,\n"
"                       super-packets split instead of sent from the\n"
"                       ring), tun (IFF_NO_PI), tun-vnet (IFF_VNET_HDR\n"
"                       with TSO/USO), veth (tcp only: the namespaces\n"
"                       joined without a userspace hop, the limit)\n"
"                       tunx-zc (tx, rx: the zero-copy API, reserve/\n"
"                       submit at every batch, peek/release reading\n"
"                       each packet's cache lines once)\n"
"                       tun-uring (tx, rx: tun through io_uring, a\n"
"                       batch of WRITEs, or of READs kept in flight, per\n"
"                       io_uring_enter()), tun-sqpoll (the same with\n"
"                       IORING_SETUP_SQPOLL: a kernel thread submits)\n"
"                       tun-napi (tx, rx, echo: tun with IFF_NAPI, its\n"
"                       writes go through NAPI and GRO; reads as tun)\n"
"                       xdp-veth (tx, rx: AF_XDP in copy mode on a veth\n"
"                       pair, veth's native XDP redirecting to the\n"
"                       socket; rx reads each packet's cache lines once;\n"
"                       tx on the drop or route sink at the peer; sizes\n"
"                       up to 1500; echo and larger sizes print n/a)\n"
"                       (the last four: one queue)\n"
"                       (default: tunx,tun)\n"
"  -s, --size LIST      IP packet sizes in bytes, 28..65535 (default 1400;\n"
"                       above 1500 the device MTU is 65535)\n"
"  -B, --batch LIST     packets per call, 0 = the backend's default,\n"
"                       at most 512 (default 0).  tunx_write() takes at\n"
"                       most 64: tunx tx above that uses tunx_reserve()/\n"
"                       tunx_submit() with rings of twice the batch\n"
"  -q, --queues LIST    queues, one thread each (tx, rx; tcp: the\n"
"                       tunnel's --queues) (default 1)\n"
"  -S, --streams LIST   tcp: parallel iperf3 streams (default 1)\n"
"      --devices LIST   mem: devices open at once, 1..4096 (default 4);\n"
"                       RLIMIT_NOFILE is raised to what they need.\n"
"                       Other modes ignore it\n"
"      --sink LIST      tx: where the packets end (default drop)\n"
"                       drop    tc ingress matchall drop on the device:\n"
"                               the device's own cost\n"
"                       route   forwarded to a dummy device (cached\n"
"                               route), as a router would\n"
"                       socket  a UDP socket bound to the sink address,\n"
"                               read with recvmmsg() by a thread\n"
"                       the row reports what the sink saw\n"
"      --gen LIST       rx: what makes the load (default packet)\n"
"                       packet  AF_PACKET with a TX_RING and qdisc\n"
"                               bypass, bound to the device: frames\n"
"                               built once, straight into its xmit\n"
"                       udp     connected UDP sockets, one per flow,\n"
"                               sendmmsg()\n"
"                       unconnected  one UDP socket, sendmmsg() with an\n"
"                               address per datagram (the old flood)\n"
"                       16 flows; the row says what the generator sent\n"
"                       and how much of it was not read (lost)\n"
"      --rate LIST      rx: hold the generator to PPS packets/s (0: as\n"
"                       fast as it can; default 0).  A paced row is the\n"
"                       equal-load row: CPU us per packet read over all\n"
"                       CPUs, minus the same generator's into a dummy\n"
"                       device (measured first): the device's own cost\n"
"      --rx-usecs LIST  rx on tunx: the device's ethtool rx-usecs, how\n"
"                       long a sleeping reader's wakeup may be held for\n"
"                       the batch it asked for (0: leave the default,\n"
"                       50; default 0)\n"
"  -d, --duration SEC   seconds per run (default 3, --compare 2; tcp at\n"
"                       least 3)\n"
"  -r, --repeat N       run the whole list N times, interleaved, and report\n"
"                       each run's median with its min and max (default 1)\n"
"  -c, --compare        the performance goals: tx and rx at 64 bytes (tx\n"
"                       on the drop sink, and on route and socket for\n"
"                       tunx and tun; rx with the packet generator, and\n"
"                       with udp and at an equal load of 10000/s for\n"
"                       tunx and tun; tunx with --rx-usecs 200 as\n"
"                       context), tcp on every backend, 2 queues\n"
"                       against 1, pps over batch sizes 1..512 and\n"
"                       packet sizes 64..65535, tunx-zc, tun-uring,\n"
"                       tun-sqpoll, tun-napi and xdp-veth beside them,\n"
"                       memory per device, and 1000 tunx devices open\n"
"                       at once (offload on, as libtunx opens them);\n"
"                       prints each goal's ratio and whether it is met\n"
"      --full           --compare plus echo latency (`make bench` runs\n"
"                       it with --duration 1)\n"
"      --csum           libtunx's checksum against the two-byte loop it\n"
"                       replaced, at 1500 bytes and 64 KiB: GB/s and ratio;\n"
"                       a CPU figure, no device or root (other options\n"
"                       are ignored)\n"
"  -j, --json           JSON on stdout (progress goes to stderr)\n"
"  -h, --help           this text\n"
"\n"
"LIST is comma-separated; every combination runs.  Under TCG (qemu\n"
"without KVM) only ratios between backends mean anything.\n";

#define MAX_VALUES 8
#define MAX_RUNS BENCH_MAX_RUNS
#define MAX_REPEAT 9

struct opts {
	unsigned int modes[MAX_VALUES], n_modes;
	unsigned int backends[MAX_VALUES], n_backends;
	unsigned int sizes[MAX_VALUES], n_sizes;
	unsigned int batches[MAX_VALUES], n_batches;
	unsigned int queues[MAX_VALUES], n_queues;
	unsigned int streams[MAX_VALUES], n_streams;
	unsigned int sinks[MAX_VALUES], n_sinks;
	unsigned int gens[MAX_VALUES], n_gens;
	unsigned int rates[MAX_VALUES], n_rates;
	unsigned int devices[MAX_VALUES], n_devices;
	unsigned int rx_usecs[MAX_VALUES], n_rx_usecs;
	double duration;	/* 0: not given, the mode's default */
	unsigned int repeat;
	bool json, compare, full, csum;
};

static int lookup(const char *s, const char *const *names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* "a,b,c" into values; names NULL means numbers in [lo, hi]. */
static int parse_list(char *s, unsigned int *v, unsigned int *n,
		      const char *const *names, unsigned int count,
		      unsigned int lo, unsigned int hi)
{
	char *tok, *save = NULL;
	unsigned int x;
	int k;

	for (*n = 0, tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_VALUES)
			return -1;
		if (names) {
			k = lookup(tok, names, count);
			if (k < 0)
				return -1;
			v[(*n)++] = (unsigned int)k;
			continue;
		}
		if (tools_parse_decimal(tok, hi, &x) || x < lo)
			return -1;
		v[(*n)++] = x;
	}
	return *n ? 0 : -1;
}

static void set_list(unsigned int *v, unsigned int *n, const unsigned int *src,
		     unsigned int count)
{
	memcpy(v, src, count * sizeof(*v));
	*n = count;
}

/* Sink names, without the "-" of modes that have none. */
static int parse_sinks(struct opts *o, char *arg)
{
	unsigned int i;

	if (parse_list(arg, o->sinks, &o->n_sinks, bench_sink_names + 1,
		       SINK_COUNT - 1, 0, 0))
		return -1;
	for (i = 0; i < o->n_sinks; i++)
		o->sinks[i]++;
	return 0;
}

/* Generator names, the same way. */
static int parse_gens(struct opts *o, char *arg)
{
	unsigned int i;

	if (parse_list(arg, o->gens, &o->n_gens, bench_gen_names + 1,
		       GEN_COUNT - 1, 0, 0))
		return -1;
	for (i = 0; i < o->n_gens; i++)
		o->gens[i]++;
	return 0;
}

/*
 * Seconds in (0, 600], a decimal fraction allowed ("0.5"); nothing else:
 * strtod() alone took " 3", "3x", "0x10" and "inf" (refused by the range,
 * but as a value nobody typed).
 */
static int parse_seconds(const char *arg, double *v)
{
	char *end;

	if (*arg < '0' || *arg > '9' || strpbrk(arg, "xXeEpP"))
		return -1;
	errno = 0;
	*v = strtod(arg, &end);
	return *end || errno || !isfinite(*v) || *v <= 0 || *v > 600 ? -1 : 0;
}

static int parse_one(struct opts *o, int c, char *arg)
{
	switch (c) {
	case 'm': return parse_list(arg, o->modes, &o->n_modes,
				    bench_mode_names, MODE_COUNT, 0, 0);
	case 'b': return parse_list(arg, o->backends, &o->n_backends,
				    bench_backend_names, BK_COUNT, 0, 0);
	case 's': return parse_list(arg, o->sizes, &o->n_sizes, NULL, 0, 28, 65535);
	case 'B': return parse_list(arg, o->batches, &o->n_batches, NULL, 0, 0,
				    BENCH_MAX_BATCH);
	case 'S': return parse_list(arg, o->streams, &o->n_streams, NULL, 0, 1, 64);
	case 'q': return parse_list(arg, o->queues, &o->n_queues, NULL, 0, 1,
				    TUNX_MAX_QUEUES);
	case 'K': return parse_sinks(o, arg);
	case 'G': return parse_gens(o, arg);
	case 'R': return parse_list(arg, o->rates, &o->n_rates, NULL, 0, 0,
				    10000000);
	case 'D': return parse_list(arg, o->devices, &o->n_devices, NULL, 0, 1,
				    BENCH_MAX_DEVICES);
	case 'U': return parse_list(arg, o->rx_usecs, &o->n_rx_usecs, NULL, 0,
				    0, TUNX_RX_WAKE_MAX_USECS);
	case 'd': return parse_seconds(arg, &o->duration);
	case 'r': return tools_parse_decimal(arg, MAX_REPEAT, &o->repeat) ||
			 !o->repeat ? -1 : 0;
	case 'j': o->json = true; return 0;
	case 'c': o->compare = true; return 0;
	case 'F': o->full = true; return 0;
	case 'C': o->csum = true; return 0;
	default: return -1;
	}
}

static const struct option longs[] = {
	{ "mode", 1, NULL, 'm' }, { "backend", 1, NULL, 'b' },
	{ "size", 1, NULL, 's' }, { "batch", 1, NULL, 'B' },
	{ "queues", 1, NULL, 'q' }, { "duration", 1, NULL, 'd' },
	{ "repeat", 1, NULL, 'r' }, { "streams", 1, NULL, 'S' },
	{ "sink", 1, NULL, 'K' }, { "gen", 1, NULL, 'G' },
	{ "rate", 1, NULL, 'R' }, { "devices", 1, NULL, 'D' },
	{ "rx-usecs", 1, NULL, 'U' },
	{ "json", 0, NULL, 'j' }, { "compare", 0, NULL, 'c' },
	{ "full", 0, NULL, 'F' }, { "csum", 0, NULL, 'C' },
	{ "help", 0, NULL, 'h' }, { 0 },
};

/* Returns 0, 2 (usage error) or -1 (--help). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const unsigned int dmode[] = { MODE_TX }, dbk[] = { BK_TUNX, BK_TUN };
	static const unsigned int dsize[] = { 1400 }, dzero[] = { 0 }, done[] = { 1 };
	static const unsigned int dsink[] = { SINK_DROP };
	static const unsigned int dgen[] = { GEN_PACKET };
	static const unsigned int ddev[] = { BENCH_MEM_DEVICES };
	int c;

	set_list(o->modes, &o->n_modes, dmode, 1);
	set_list(o->backends, &o->n_backends, dbk, 2);
	set_list(o->sizes, &o->n_sizes, dsize, 1);
	set_list(o->batches, &o->n_batches, dzero, 1);
	set_list(o->queues, &o->n_queues, done, 1);
	set_list(o->streams, &o->n_streams, done, 1);
	set_list(o->sinks, &o->n_sinks, dsink, 1);
	set_list(o->gens, &o->n_gens, dgen, 1);
	set_list(o->rates, &o->n_rates, dzero, 1);
	set_list(o->devices, &o->n_devices, ddev, 1);
	set_list(o->rx_usecs, &o->n_rx_usecs, dzero, 1);
	o->repeat = 1;
	while ((c = getopt_long(argc, argv, "m:b:s:B:q:S:d:r:jch", longs, NULL)) != -1) {
		if (c == 'h')
			return -1;
		if (parse_one(o, c, optarg)) {
			if (optarg)
				fprintf(stderr, "tunx-bench: bad value for --%s: %s\n",
					tools_option_name(longs, c), optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tunx-bench: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	return 0;
}

static unsigned int product(const struct opts *o, struct bench_run *runs)
{
	unsigned int m, b, s, t, q, k, d, g, p, v, u, n = 0;
	struct bench_run r;

	for (m = 0; m < o->n_modes; m++)
	for (u = 0; u < o->n_rx_usecs; u++)
	for (v = 0; v < o->n_devices; v++)
	for (d = 0; d < o->n_sinks; d++)
	for (g = 0; g < o->n_gens; g++)
	for (p = 0; p < o->n_rates; p++)
	for (s = 0; s < o->n_sizes; s++)
	for (t = 0; t < o->n_batches; t++)
	for (q = 0; q < o->n_queues; q++)
	for (k = 0; k < o->n_streams; k++)
	for (b = 0; b < o->n_backends; b++) {
		r = (struct bench_run){ o->modes[m], o->backends[b], o->sizes[s],
					o->batches[t], o->queues[q],
					o->streams[k], o->duration,
					o->sinks[d], o->gens[g], o->rates[p],
					o->devices[v], o->rx_usecs[u] };
		n = bench_add_run(runs, n, &r);
	}
	return n;
}

static void run_one(const struct bench_run *run, struct bench_result *res,
		    unsigned int i, unsigned int n, unsigned int k)
{
	memset(res, 0, sizeof(*res));
	res->run = *run;
	fprintf(stderr, "tunx-bench: %u/%u%s%.0u %s %s size %u batch %u queues %u"
		" streams %u%s%s%s%s%s%.0u%s%.0u%s%.0u for %g s\n", i + 1, n,
		k ? " repeat " : "",
		k + (k ? 1 : 0),
		bench_mode_names[run->mode], bench_backend_names[run->backend],
		run->size, run->batch, run->queues, run->streams,
		run->sink ? " sink " : "", run->sink ? bench_sink_names[run->sink] : "",
		run->gen ? " gen " : "", run->gen ? bench_gen_names[run->gen] : "",
		run->rate ? " rate " : "", run->rate,
		run->devices ? " devices " : "", run->devices,
		run->rx_usecs ? " rx-usecs " : "", run->rx_usecs,
		bench_run_seconds(run));
	if (run->mode == MODE_TCP)
		bench_run_tcp(run, res);
	else if (run->mode == MODE_WIREGUARD)
		bench_run_wireguard(run, res);
	else if (run->mode == MODE_MEM)
		bench_run_mem(run, res);
	else if (run->backend == BK_XDP_VETH)
		bench_run_xdp(run, res);
	else
		bench_run_device(run, res);
	if (res->seconds > 0)
		res->pps = (double)res->packets / res->seconds;
	if (!bench_mode_iperf(run->mode) && res->seconds > 0)
		res->bits_per_sec = (double)res->bytes * 8 / res->seconds;
}

static const struct bench_result *sort_base;

static int by_figure(const void *a, const void *b)
{
	double x = bench_figure(&sort_base[*(const unsigned int *)a * MAX_RUNS]);
	double y = bench_figure(&sort_base[*(const unsigned int *)b * MAX_RUNS]);

	return x < y ? -1 : x > y;
}

/* The median try of run i, with the spread of all tries. */
static void median(struct bench_result *tries, unsigned int i,
		   unsigned int repeat, struct bench_result *out)
{
	unsigned int idx[MAX_REPEAT], k;

	for (k = 0; k < repeat; k++)
		idx[k] = k;
	sort_base = tries + i;
	qsort(idx, repeat, sizeof(idx[0]), by_figure);
	*out = tries[idx[repeat / 2] * MAX_RUNS + i];
	out->repeats = repeat;
	out->fig_min = bench_figure(&tries[idx[0] * MAX_RUNS + i]);
	out->fig_max = bench_figure(&tries[idx[repeat - 1] * MAX_RUNS + i]);
}

/* Repeats go round the whole list rather than back to back, so a burst of
 * load from elsewhere on the machine hits every backend alike. */
static void run_all(struct bench_run *runs, struct bench_result *res,
		    unsigned int n, unsigned int repeat)
{
	static struct bench_result tries[MAX_REPEAT * MAX_RUNS];
	unsigned int i, k;

	for (k = 0; k < repeat; k++)
		for (i = 0; i < n; i++)
			run_one(&runs[i], &tries[k * MAX_RUNS + i], i, n, k);
	for (i = 0; i < n; i++)
		median(tries, i, repeat, &res[i]);
}

int main(int argc, char **argv)
{
	static struct bench_run runs[MAX_RUNS];
	static struct bench_result res[MAX_RUNS];
	struct opts o = { 0 };
	unsigned int n;
	int r = parse_args(argc, argv, &o);

	if (r)
		return r < 0 ? (fputs(usage_text, stdout), 0) :
		       (fputs("try 'tunx-bench --help'\n", stderr), 2);
	if (o.csum)
		return bench_csum();
	if (o.compare || o.full) {
		n = bench_goals_matrix(runs, o.duration ? o.duration :
				       BENCH_GOALS_SECONDS, o.full);
	} else {
		if (!o.duration)
			o.duration = BENCH_SECONDS;
		n = product(&o, runs);
	}
	if (!n) {
		fprintf(stderr, "tunx-bench: nothing to run (veth is for --mode "
			"tcp, tunx-plain for tcp and mem, tunx-copy for tcp, wireguard takes tunx "
			"and tun, xdp-veth is for tx, rx and echo)\n");
		return 2;
	}
	if (bench_env_init()) {
		perror("tunx-bench: /proc/self/ns/net");
		return 1;
	}
	run_all(runs, res, n, o.repeat);
	if (o.json)
		bench_print_json(res, n);
	else if (o.compare || o.full)
		bench_print_goals(res, n);
	else
		bench_print_table(res, n);
	return 0;
}
