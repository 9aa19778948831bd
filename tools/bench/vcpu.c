// SPDX-License-Identifier: GPL-2.0
/*
 * Where the CPU went, per CPU, from /proc/stat: with the generator pinned
 * to one vCPU and the reader to the other (pin.c), each line says what one
 * side of the device cost, which the all-CPU share of cpu.c blurs.  The
 * busy time of all CPUs (everything but idle, iowait and steal) is the
 * numerator of the equal-load row's CPU per packet (gen.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* One "cpu..." line: 0 and the fields, or -1. */
static int parse_line(const char *line, struct bench_vcpu *c)
{
	unsigned long long v[8] = { 0 };

	if (sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	c->user = v[0] + v[1];
	c->sys = v[2] + v[5];	/* system and hardirq */
	c->idle = v[3] + v[4];	/* idle and iowait */
	c->softirq = v[6];
	c->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	c->busy = c->total - c->idle - v[7];	/* steal is not ours */
	return 0;
}

/* All zero (n 0) when /proc/stat cannot be read. */
void bench_vcpus_read(struct bench_vcpus *v)
{
	char line[512];
	unsigned int k;
	FILE *f = fopen("/proc/stat", "re");

	memset(v, 0, sizeof(*v));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && !strncmp(line, "cpu", 3)) {
		if (line[3] == ' ') {
			parse_line(line, &v->all);
			continue;
		}
		if (sscanf(line + 3, "%u", &k) != 1 || k >= BENCH_MAX_CPUS ||
		    parse_line(line, &v->c[k]))
			continue;
		if (k + 1 > v->n)
			v->n = k + 1;
	}
	fclose(f);
}

static void share(const struct bench_vcpu *a, const struct bench_vcpu *b,
		  struct bench_cpu_share *s)
{
	double t = (double)(b->total - a->total);

	if (t <= 0)
		return;
	s->user = 100.0 * (double)(b->user - a->user) / t;
	s->sys = 100.0 * (double)(b->sys - a->sys) / t;
	s->softirq = 100.0 * (double)(b->softirq - a->softirq) / t;
	s->idle = 100.0 * (double)(b->idle - a->idle) / t;
}

/* Per-CPU shares and the busy time of all CPUs between two samples. */
void bench_vcpus_share(const struct bench_vcpus *a,
		       const struct bench_vcpus *b, struct bench_result *res)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned int i;

	res->ncpus = a->n < b->n ? a->n : b->n;
	for (i = 0; i < res->ncpus; i++)
		share(&a->c[i], &b->c[i], &res->vcpu[i]);
	if (hz > 0 && b->all.busy >= a->all.busy)
		res->cpu_busy_us = (double)(b->all.busy - a->all.busy) * 1e6 /
				   (double)hz;
}
