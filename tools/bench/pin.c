// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning: the rx generator on the first CPU, the workers (readers and
 * writers, one per queue) spread over the others.  Unpinned, the scheduler
 * put the generator and the reader on one vCPU as often as not, and a run
 * then measured whichever of them it favoured; pinned, each side of the
 * device has a CPU of its own, as a VPN's thread and the traffic it
 * serves would, and the per-CPU shares (vcpu.c) say what each side cost.
 * With one CPU nothing is pinned.
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static long ncpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

unsigned int bench_online_cpus(void)
{
	long n = ncpus();

	return n > 0 ? (unsigned int)n : 1;
}

/* The generator's CPU; -1 when there are not two. */
int bench_gen_cpu(void)
{
	return ncpus() >= 2 ? 0 : -1;
}

/* Queue @queue's worker: the CPUs after the generator's, in turn. */
int bench_worker_cpu(unsigned int queue)
{
	long n = ncpus();

	return n >= 2 ? 1 + (int)(queue % (unsigned long)(n - 1)) : -1;
}

static void cpu_set_of(int cpu, cpu_set_t *set)
{
	CPU_ZERO(set);
	CPU_SET(cpu, set);
}

/* False when not pinned (no CPU to pin to, or the cpuset refused). */
bool bench_pin_thread(pthread_t th, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return false;
	cpu_set_of(cpu, &set);
	return !pthread_setaffinity_np(th, sizeof(set), &set);
}

/* Is /proc/@pid/comm "napi/@ifname-..."? */
static bool is_napi_of(const char *pid, const char *ifname)
{
	char path[300], comm[32], want[32];
	FILE *f;
	bool yes = false;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	snprintf(want, sizeof(want), "napi/%s-", ifname);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(comm, sizeof(comm), f))
		yes = !strncmp(comm, want, strlen(want));
	fclose(f);
	return yes;
}

/*
 * The device's threaded-NAPI kthreads (one per queue of a device the
 * host's admin made, as the benchmark does: the kernel's side of the
 * device, which takes tx batches off the writer's CPU and, busy, restarts
 * the rx queue) go on the generator's CPU (in tx, the CPU no writer uses):
 * they are the kernel's end of the traffic, and the workers' CPU stays the
 * application's.
 * Returns how many were pinned.
 */
unsigned int bench_pin_napi(const char *ifname, int cpu)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned int n = 0;
	cpu_set_t set;

	if (!d || cpu < 0) {
		if (d)
			closedir(d);
		return 0;
	}
	cpu_set_of(cpu, &set);
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    is_napi_of(e->d_name, ifname) &&
		    !sched_setaffinity(atoi(e->d_name), sizeof(set), &set))
			n++;
	closedir(d);
	return n;
}
