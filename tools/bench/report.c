// SPDX-License-Identifier: GPL-2.0
/*
 * Output: a table per run, a side-by-side comparison, or JSON.  Every
 * format carries the caveat, because a number without its conditions
 * misleads.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench.h"

static const char caveat[] =
	"figures from this machine at this time; under TCG (qemu without KVM) "
	"the CPU is emulated, so only ratios between backends mean anything, "
	"and even they move from run to run (--repeat gives the spread)";

static bool file_has(const char *path, const char *word)
{
	char buf[256] = "";
	FILE *f = fopen(path, "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, word);
}

/* qemu with kvm-clock is KVM; qemu without it is TCG, where only ratios
 * mean anything.  Elsewhere ask systemd-detect-virt. */
static void virt(char *buf, size_t len)
{
	FILE *p;

	if (file_has("/sys/class/dmi/id/sys_vendor", "QEMU")) {
		snprintf(buf, len, file_has("/sys/devices/system/clocksource/"
			 "clocksource0/available_clocksource", "kvm-clock") ?
			 "qemu-kvm" : "qemu-tcg");
		return;
	}
	snprintf(buf, len, "none");
	p = popen("systemd-detect-virt 2>/dev/null", "r");
	if (p && fgets(buf, (int)len, p))
		buf[strcspn(buf, "\n")] = 0;
	if (p)
		pclose(p);
}

static void header(char *kernel, size_t klen, char *date, size_t dlen,
		   char *v, size_t vlen)
{
	struct utsname u;
	time_t t = time(NULL);

	uname(&u);
	snprintf(kernel, klen, "%s", u.release);
	strftime(date, dlen, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	virt(v, vlen);
}

#define MIB(x) ((double)(x) / (1 << 20))

/* Per device, then what all the run's devices held together. */
static void print_mem(const struct bench_result *r)
{
	printf("%12s %10s  mapped %.2f MiB (%u entries%s); per device: "
	       "kernel %.2f MiB (rings, Slab %+.0f KiB, VmallocUsed %+.2f MiB), "
	       "MemAvailable %+.2f MiB", "-", "-",
	       MIB(r->mem_mmap), r->ring_entries,
	       r->mem_offload ? ", offload" : "",
	       MIB(r->mem_mmap + r->mem_slab + r->mem_vmalloc),
	       (double)r->mem_slab / 1024, MIB(r->mem_vmalloc),
	       -MIB(r->mem_avail));
	printf("; %u devices: kernel %.1f MiB (mapped %.1f MiB), "
	       "MemAvailable %+.1f MiB, %.1f fds each, open+up %.1f s, "
	       "close %.1f s\n", r->run.devices,
	       MIB(r->mem_mmap_total + r->mem_slab_total +
		   r->mem_vmalloc_total), MIB(r->mem_mmap_total),
	       -MIB(r->mem_avail_total), r->mem_fds, r->mem_open_seconds,
	       r->mem_close_seconds);
}

static void print_row(const struct bench_result *r)
{
	printf("%-9s %-10s %5u %5u%s %2u %2u %-6s ", bench_mode_names[r->run.mode],
	       bench_backend_names[r->run.backend], r->run.size, r->batch_used,
	       r->zero_copy ? "z" : " ", r->run.queues, r->run.streams,
	       bench_sink_names[r->run.sink]);
	if (r->error[0]) {
		printf("not run: %s\n", r->error);
		return;
	}
	if (r->run.mode == MODE_MEM) {
		print_mem(r);
		return;
	}
	printf("%12.0f %10.1f", r->pps, r->bits_per_sec / 1e6);
	if (r->run.mode == MODE_ECHO)
		printf(" rtt %.1f/%.1f us", r->rtt_p50_us, r->rtt_p99_us);
	if (r->cpu_user + r->cpu_sys + r->cpu_softirq > 0)
		printf(" cpu us/sy/si/id %.0f/%.0f/%.0f/%.0f", r->cpu_user,
		       r->cpu_sys, r->cpu_softirq, r->cpu_idle);
	if (r->kicks || r->wakeups || r->queue_stops)
		printf(" kicks %llu wakeups %llu stops %llu",
		       (unsigned long long)r->kicks,
		       (unsigned long long)r->wakeups,
		       (unsigned long long)r->queue_stops);
	if (r->polls || r->kick_ioctls)
		printf(" polls %llu kick-ioctls %llu",
		       (unsigned long long)r->polls,
		       (unsigned long long)r->kick_ioctls);
	if (r->run.sink)
		printf(" sink got %llu", (unsigned long long)r->sink_packets);
	if (r->run.sink == SINK_SOCKET)
		printf(" lost %llu", (unsigned long long)r->sink_lost);
	bench_gen_row(r);
	if (r->repeats > 1)
		printf("  (median of %u: %.0f..%.0f)", r->repeats, r->fig_min,
		       r->fig_max);
	printf("\n");
}

void bench_print_table(const struct bench_result *res, unsigned int n)
{
	char k[65], d[32], v[32];
	unsigned int i;

	header(k, sizeof(k), d, sizeof(d), v, sizeof(v));
	printf("tunx-bench %s kernel %s virt %s\n", d, k, v);
	printf("%-9s %-10s %5s %6s %2s %2s %-6s %12s %10s\n", "mode", "backend",
	       "size", "batch", "q", "st", "sink", "packets/s", "Mbit/s");
	for (i = 0; i < n; i++)
		print_row(&res[i]);
	bench_print_passes(res, n);
	printf("note: batch is what each call really took: tunx_write() "
	       "stops at 64, so larger tunx tx batches use tunx_reserve()/"
	       "tunx_submit() (marked z) on rings of twice the batch; "
	       "tunx-zc rows (z) use the zero-copy API at every batch: "
	       "reserve/submit (tx), peek/release (rx); "
	       "q: queues; st: tcp streams; sink: where tx packets end "
	       "(drop: tc ingress matchall drop, route: forwarded to a dummy "
	       "device, socket: a UDP socket reading), with what it got (and "
	       "the socket's receive-buffer drops); kicks/wakeups/stops: the tunx "
	       "device's counters over the run (both tunnel ends in tcp, "
	       "wireguard-go's end in wireguard; kicks count TUNX_IOC_KICK "
	       "and the times poll() found tx work, a sleeping poll() looking "
	       "again when woken); polls/kick-ioctls: "
	       "poll() and TUNX_IOC_KICK calls the worker threads made "
	       "(libtunx's and the benchmark's own, packet modes); cpu: "
	       "share of all CPUs in user, system, softirq and idle, and "
	       "cpuN the same for one CPU; rx: the generator (--gen), what "
	       "it sent and what of that was not read (lost), refused: "
	       "the packet generator's send()s that found the device full "
	       "(the frame goes again), pinned: the "
	       "generator on cpu0 and the workers on the others (+napi: the "
	       "device's NAPI threads on cpu0 too); rx at a --rate: "
	       "busy CPU us per packet read, the generator's own into a "
	       "dummy device, and the difference, the device's\n");
	printf("note: %s\n", caveat);
}

/* packets/s for packet modes, Mbit/s for tcp, us per packet for rx at a
 * rate; -1 when it did not run. */
double bench_figure(const struct bench_result *r)
{
	if (r->error[0])
		return -1;
	if (r->run.mode == MODE_MEM)
		return (double)(r->mem_mmap + r->mem_slab + r->mem_vmalloc);
	/* equal load (gen.c): the device's CPU us per packet, if it was */
	if (r->run.mode == MODE_RX && r->run.rate)
		return bench_gen_rate_reached(r) ? r->dev_us_per_packet : -1;
	return bench_mode_iperf(r->run.mode) ? r->bits_per_sec / 1e6 : r->pps;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* mem's run of many devices: its size and totals (0 in other modes) */
static void json_mem(const struct bench_result *r)
{
	printf("\n     \"devices\": %u, \"mem_offload\": %s, "
	       "\"mem_mmap_total\": %llu, \"mem_avail_total\": %lld, "
	       "\"mem_slab_total\": %lld, \"mem_vmalloc_total\": %lld,"
	       "\n     \"mem_fds\": %.2f, \"mem_open_seconds\": %.3f, "
	       "\"mem_close_seconds\": %.3f,", r->run.devices,
	       r->mem_offload ? "true" : "false",
	       (unsigned long long)r->mem_mmap_total,
	       (long long)r->mem_avail_total, (long long)r->mem_slab_total,
	       (long long)r->mem_vmalloc_total, r->mem_fds,
	       r->mem_open_seconds, r->mem_close_seconds);
}

/* tcp rows: the bytes touched per payload byte (passes.c) */
static void json_passes(const struct bench_result *r)
{
	const char *const *steps;
	unsigned int n = r->run.mode == MODE_TCP ?
			 bench_passes(r->run.backend, &steps) : 0;

	printf(" \"passes\": %u,", n);
}

static void json_result(const struct bench_result *r)
{
	printf("    {\"mode\": \"%s\", \"backend\": \"%s\", \"size\": %u, "
	       "\"batch\": %u, \"batch_used\": %u, \"queues\": %u, "
	       "\"streams\": %u, \"sink\": %s%s%s, \"zero_copy\": %s, "
	       "\"ring_entries\": %u,\n"
	       "     \"seconds\": %.3f, \"packets\": %llu, \"bytes\": %llu, "
	       "\"pps\": %.1f, \"bits_per_second\": %.0f,\n"
	       "     \"rtt_p50_us\": %.1f, \"rtt_p99_us\": %.1f, \"repeats\": %u, "
	       "\"figure_min\": %.1f, \"figure_max\": %.1f,",
	       bench_mode_names[r->run.mode], bench_backend_names[r->run.backend],
	       r->run.size, r->run.batch, r->batch_used, r->run.queues,
	       r->run.streams, r->run.sink ? "\"" : "",
	       r->run.sink ? bench_sink_names[r->run.sink] : "null",
	       r->run.sink ? "\"" : "",
	       r->zero_copy ? "true" : "false", r->ring_entries,
	       r->seconds,
	       (unsigned long long)r->packets, (unsigned long long)r->bytes,
	       r->pps, r->bits_per_sec, r->rtt_p50_us, r->rtt_p99_us, r->repeats,
	       r->fig_min, r->fig_max);
	json_mem(r);
	json_passes(r);
	printf("\n     \"mem_mmap\": %llu, \"mem_avail\": %lld, \"mem_slab\": %lld, "
	       "\"mem_vmalloc\": %lld, \"kicks\": %llu, \"wakeups\": %llu, "
	       "\"queue_stops\": %llu, \"polls\": %llu, \"kick_ioctls\": %llu,"
	       "\n     \"sink_packets\": %llu, \"sink_lost\": %llu,"
	       "\n     \"cpu_user\": %.1f, \"cpu_sys\": %.1f, "
	       "\"cpu_softirq\": %.1f, \"cpu_idle\": %.1f",
	       (unsigned long long)r->mem_mmap, (long long)r->mem_avail,
	       (long long)r->mem_slab, (long long)r->mem_vmalloc,
	       (unsigned long long)r->kicks, (unsigned long long)r->wakeups,
	       (unsigned long long)r->queue_stops,
	       (unsigned long long)r->polls,
	       (unsigned long long)r->kick_ioctls,
	       (unsigned long long)r->sink_packets,
	       (unsigned long long)r->sink_lost, r->cpu_user, r->cpu_sys,
	       r->cpu_softirq, r->cpu_idle);
	bench_gen_json(r);
	printf(", \"error\": ");
	if (r->error[0])
		json_string(r->error);
	else
		printf("null");
	printf("}");
}

static void json_goals(const struct bench_result *res, unsigned int n)
{
	struct bench_goal_result g[BENCH_MAX_GOALS];
	unsigned int i, k = bench_goals(res, n, bench_online_cpus(), g,
					BENCH_MAX_GOALS);

	for (i = 0; i < k; i++) {
		printf("    {\"name\": ");
		json_string(g[i].name);
		printf(", \"target\": %.2f, \"measured\": %.4f, \"against\": %.4f, "
		       "\"ratio\": %.4f, \"met\": %s, \"unit\": \"%s\", "
		       "\"at_most\": %s, \"bound\": %s, \"na\": ",
		       g[i].target, g[i].a, g[i].b, g[i].ratio,
		       g[i].met ? "true" : "false", g[i].unit,
		       g[i].at_most ? "true" : "false",
		       g[i].bound ? "true" : "false");
		if (g[i].na)
			json_string(g[i].na);
		else
			printf("null");
		printf("}%s\n", i + 1 < k ? "," : "");
	}
}

void bench_print_json(const struct bench_result *res, unsigned int n)
{
	char k[65], d[32], v[32];
	unsigned int i;

	header(k, sizeof(k), d, sizeof(d), v, sizeof(v));
	printf("{\"tool\": \"tunx-bench\", \"date\": \"%s\", \"kernel\": ", d);
	json_string(k);
	printf(", \"virt\": ");
	json_string(v);
	printf(",\n \"caveat\": ");
	json_string(caveat);
	printf(",\n \"results\": [\n");
	for (i = 0; i < n; i++) {
		json_result(&res[i]);
		printf(i + 1 < n ? ",\n" : "\n");
	}
	printf(" ],\n \"goals\": [\n");
	json_goals(res, n);
	printf(" ]}\n");
}
