// SPDX-License-Identifier: GPL-2.0
/*
 * Where the CPU went during a run, from /proc/stat: the share of all CPUs
 * spent in user space, in the kernel (system), in softirq (the stack's
 * packet processing, NAPI) and idle.  perf is rarely in a test VM; this
 * is always there, and with the device's kick and wakeup counters it says
 * whether a backend is bound by syscalls, by the stack or by nothing.
 */
#include <stdio.h>

#include "bench.h"

void bench_cpu_read(struct bench_cpu *c)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			 &v[7]) != 8)
		v[0] = v[1] = v[2] = v[3] = v[4] = v[5] = v[6] = v[7] = 0;
	if (f)
		fclose(f);
	c->user = v[0] + v[1];
	c->sys = v[2] + v[5];	/* system and hardirq */
	c->idle = v[3] + v[4];
	c->softirq = v[6];
	c->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}

/* Shares in percent between two samples; all zero if /proc/stat failed. */
void bench_cpu_share(const struct bench_cpu *a, const struct bench_cpu *b,
		     struct bench_result *res)
{
	double t = (double)(b->total - a->total);

	if (t <= 0)
		return;
	res->cpu_user = 100.0 * (double)(b->user - a->user) / t;
	res->cpu_sys = 100.0 * (double)(b->sys - a->sys) / t;
	res->cpu_softirq = 100.0 * (double)(b->softirq - a->softirq) / t;
	res->cpu_idle = 100.0 * (double)(b->idle - a->idle) / t;
}
