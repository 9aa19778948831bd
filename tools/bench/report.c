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

void bench_print_table(const struct bench_result *res, unsigned int n)
{
	char k[65], d[32], v[32];
	unsigned int i;

	header(k, sizeof(k), d, sizeof(d), v, sizeof(v));
	printf("tunx-bench %s kernel %s virt %s\n", d, k, v);
	printf("%-5s %-9s %5s %5s %6s %12s %10s %9s %9s\n", "mode", "backend",
	       "size", "batch", "queues", "packets/s", "Mbit/s", "rtt50 us",
	       "rtt99 us");
	for (i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		printf("%-5s %-9s %5u %5u %6u ", bench_mode_names[r->run.mode],
		       bench_backend_names[r->run.backend], r->run.size,
		       r->batch_used, r->run.queues);
		if (r->error[0]) {
			printf("not run: %s\n", r->error);
			continue;
		}
		printf("%12.0f %10.1f", r->pps, r->bits_per_sec / 1e6);
		if (r->run.mode == MODE_ECHO)
			printf(" %9.1f %9.1f", r->rtt_p50_us, r->rtt_p99_us);
		if (r->repeats > 1)
			printf("  (median of %u: %.0f..%.0f)", r->repeats,
			       r->fig_min, r->fig_max);
		printf("\n");
	}
	printf("note: %s\n", caveat);
}

/* packets/s for packet modes, Mbit/s for tcp; -1 when it did not run. */
double bench_figure(const struct bench_result *r)
{
	if (r->error[0])
		return -1;
	return r->run.mode == MODE_TCP ? r->bits_per_sec / 1e6 : r->pps;
}

static const struct bench_result *find(const struct bench_result *res,
				       unsigned int n, const struct bench_result *row,
				       enum bench_backend b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (res[i].run.mode == row->run.mode && res[i].run.backend == b &&
		    res[i].run.size == row->run.size &&
		    res[i].run.batch == row->run.batch &&
		    res[i].run.queues == row->run.queues)
			return &res[i];
	return NULL;
}

static bool first_of_row(const struct bench_result *res, unsigned int i)
{
	unsigned int b;

	for (b = 0; b < res[i].run.backend; b++)
		if (find(res, i, &res[i], (enum bench_backend)b))
			return false;
	return true;
}

static void print_row(const struct bench_result *res, unsigned int n,
		      const struct bench_result *row)
{
	const struct bench_result *x, *tun;
	unsigned int b;

	printf("%-5s %5u %3u %2u ", bench_mode_names[row->run.mode],
	       row->run.size, row->run.batch, row->run.queues);
	for (b = 0; b < BK_COUNT; b++) {
		x = find(res, n, row, (enum bench_backend)b);
		if (x && bench_figure(x) >= 0)
			printf(" %10.0f", bench_figure(x));
		else
			printf(" %10s", x ? "failed" : "-");
	}
	x = find(res, n, row, BK_TUNX);
	tun = find(res, n, row, BK_TUN);
	if (x && tun && bench_figure(x) > 0 && bench_figure(tun) > 0)
		printf(" %8.2fx", bench_figure(x) / bench_figure(tun));
	printf("  %s\n", row->run.mode == MODE_TCP ? "Mbit/s" :
	       row->run.mode == MODE_ECHO ? "round trips/s" : "packets/s");
}

void bench_print_compare(const struct bench_result *res, unsigned int n)
{
	char k[65], d[32], v[32];
	unsigned int i;

	header(k, sizeof(k), d, sizeof(d), v, sizeof(v));
	printf("tunx-bench %s kernel %s virt %s\n", d, k, v);
	printf("%-5s %5s %3s %2s  %10s %10s %10s %10s %9s\n", "mode", "size",
	       "bat", "q", "tunx", "tun", "tun-vnet", "veth", "tunx/tun");
	for (i = 0; i < n; i++)
		if (first_of_row(res, i))
			print_row(res, n, &res[i]);
	for (i = 0; i < n; i++)
		if (res[i].error[0])
			printf("# %s %s: %s\n", bench_mode_names[res[i].run.mode],
			       bench_backend_names[res[i].run.backend], res[i].error);
	printf("(bat 0: the backend's default batch; tcp: iperf3 through "
	       "tunx-tunnel, veth: no tunnel; medians of %u runs)\nnote: %s\n",
	       n ? res[0].repeats : 0, caveat);
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

static void json_result(const struct bench_result *r)
{
	printf("    {\"mode\": \"%s\", \"backend\": \"%s\", \"size\": %u, "
	       "\"batch\": %u, \"batch_used\": %u, \"queues\": %u,\n"
	       "     \"seconds\": %.3f, \"packets\": %llu, \"bytes\": %llu, "
	       "\"pps\": %.1f, \"bits_per_second\": %.0f,\n"
	       "     \"rtt_p50_us\": %.1f, \"rtt_p99_us\": %.1f, \"repeats\": %u, "
	       "\"figure_min\": %.1f, \"figure_max\": %.1f, \"error\": ",
	       bench_mode_names[r->run.mode], bench_backend_names[r->run.backend],
	       r->run.size, r->run.batch, r->batch_used, r->run.queues, r->seconds,
	       (unsigned long long)r->packets, (unsigned long long)r->bytes,
	       r->pps, r->bits_per_sec, r->rtt_p50_us, r->rtt_p99_us, r->repeats,
	       r->fig_min, r->fig_max);
	if (r->error[0])
		json_string(r->error);
	else
		printf("null");
	printf("}");
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
	printf(" ]}\n");
}
