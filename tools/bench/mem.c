// SPDX-License-Identifier: GPL-2.0
/*
 * Memory per device.  Two numbers, because neither alone is the truth:
 *  - the ring mapping, from the module (tunx_info.mmap_size per queue):
 *    exact, but it leaves out the netdev, the queue and the skbs;
 *  - the growth of Slab and VmallocUsed over making a few devices, read
 *    from /proc/meminfo: the netdev, its queues and everything else the
 *    module and the stack allocated.  The rings are not in it: the module
 *    allocates them page by page (charged to the caller's memory cgroup)
 *    and vmap()s them, which VmallocUsed does not count, so the kernel
 *    figure adds the mapping to Slab and VmallocUsed.
 *    MemAvailable's drop is reported too, but it also moves with the page
 *    cache and with the previous runs' namespaces being freed in the
 *    background, so it is the noisier of the two.
 * A process's VmRSS would miss kernel memory entirely, so it is not used.
 * The devices are all open at once (--devices, 4 by default): the per-device
 * figures are the growth divided among them, and the totals are what that
 * many devices hold together (--compare: 1000, the goal).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

/*
 * File descriptors to allow per device: libtunx held 5 for a tunx device
 * and 7 for a tun one (the queue's file, eventfds and an epoll, a netlink
 * link monitor); mem_fds reports what each really took.  A margin on
 * top, so the open loop never stops on RLIMIT_NOFILE halfway through.
 */
#define MEM_FDS_PER_DEVICE 12
#define MEM_FDS_SPARE 64

struct meminfo {
	int64_t avail, slab, vmalloc;	/* bytes */
};

static void read_meminfo(struct meminfo *m)
{
	char line[128];
	long long kb;
	FILE *f = fopen("/proc/meminfo", "re");

	memset(m, 0, sizeof(*m));
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			m->avail = kb * 1024;
		else if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			m->slab = kb * 1024;
		else if (sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			m->vmalloc = kb * 1024;
	}
	if (f)
		fclose(f);
}

int bench_dev_stats(struct tunx_device *dev, struct tunx_stats *st)
{
	int fd = tunx_fd(dev);

	if (tunx_backend(dev) != TUNX_BACKEND_TUNX || fd < 0)
		return -EOPNOTSUPP;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, TUNX_IOC_GET_STATS, st) ? -errno : 0;
}

/* The mapping the library made for this queue (0 on tun), and whether
 * the module gave it offload. */
static uint64_t mmap_size(struct tunx_device *dev, unsigned int *entries,
			  bool *offload)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = tunx_fd(dev);

	if (tunx_backend(dev) != TUNX_BACKEND_TUNX || fd < 0 ||
	    ioctl(fd, TUNX_IOC_GET_INFO, &info))
		return 0;
	*entries = info.rx_entries;
	*offload = info.flags & TUNX_ATTACH_OFFLOAD;
	return info.mmap_size;
}

/* Opens and ups device @i (counted from 1 in messages: of 1000, which
 * one failed tells a limit from a broken device). */
static int open_one(struct tunx_device **dev, unsigned int i,
		    const struct bench_run *r, char *err, size_t len)
{
	struct tunx_config cfg;
	struct tunx_diag diag;
	int e;

	bench_backend_config(&cfg, r);
	cfg.name = "benchm%d";
	e = tunx_open(dev, &cfg, &diag);
	if (e) {
		snprintf(err, len, "device %u: %.170s", i + 1, diag.message);
		return e;
	}
	/* Up, so the qdisc and queues exist as they would in use. */
	e = tunx_link_set_up(*dev, true);
	if (e)
		snprintf(err, len, "device %u: link up: %s", i + 1,
			 tunx_strerror(e));
	return e;
}

/* Open file descriptors of this process. */
static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/*
 * Room for @n devices' fds: the usual soft limit of 1024 holds about 200
 * tunx devices.  The hard limit is raised too when it is lower (root); *old
 * gets the limits to put back.
 */
static int raise_nofile(unsigned int n, struct rlimit *old, char *err,
			size_t len)
{
	rlim_t want = (rlim_t)n * MEM_FDS_PER_DEVICE + MEM_FDS_SPARE;
	struct rlimit rl;
	int e;

	if (getrlimit(RLIMIT_NOFILE, old)) {
		e = errno;
		snprintf(err, len, "getrlimit(RLIMIT_NOFILE): %s", strerror(e));
		return -e;
	}
	rl = *old;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = want;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		e = errno;
		snprintf(err, len, "raising RLIMIT_NOFILE to %llu for %u "
			 "devices: %s (the hard limit: ulimit -Hn)",
			 (unsigned long long)want, n, strerror(e));
		return -e;
	}
	return 0;
}

/* Every device's mapping, measured one by one (0 on tun). */
static void sum_mappings(struct tunx_device **dev, unsigned int n,
			 struct bench_result *res)
{
	unsigned int i, entries;
	bool offload;

	res->mem_mmap = mmap_size(dev[0], &res->ring_entries, &res->mem_offload);
	for (i = 0; i < n; i++)
		res->mem_mmap_total += mmap_size(dev[i], &entries, &offload);
}

static void set_figures(const struct meminfo *before,
			const struct meminfo *after, unsigned int n,
			struct bench_result *res)
{
	res->mem_avail_total = before->avail - after->avail;
	res->mem_slab_total = after->slab - before->slab;
	res->mem_vmalloc_total = after->vmalloc - before->vmalloc;
	res->mem_avail = res->mem_avail_total / n;
	res->mem_slab = res->mem_slab_total / n;
	res->mem_vmalloc = res->mem_vmalloc_total / n;
	res->packets = n;
}

/* Opens @n devices, all up; returns how many opened (@n when all did). */
static unsigned int open_all(struct tunx_device **dev, unsigned int n,
			     const struct bench_run *r, struct bench_result *res)
{
	unsigned int k;
	double t0 = bench_now();

	for (k = 0; k < n; k++)
		if (open_one(&dev[k], k, r, res->error, sizeof(res->error)))
			break;
	res->mem_open_seconds = bench_now() - t0;
	if (k < n)
		k += dev[k] != NULL;	/* opened, but not up */
	return k;
}

static void close_all(struct tunx_device **dev, unsigned int k,
		      struct bench_result *res)
{
	double t0 = bench_now();

	while (k-- > 0)
		tunx_close(dev[k]);
	res->mem_close_seconds = bench_now() - t0;
}

void bench_run_mem(const struct bench_run *r, struct bench_result *res)
{
	unsigned int n = r->devices ? r->devices : BENCH_MEM_DEVICES, k = 0;
	struct tunx_device **dev = calloc(n, sizeof(*dev));
	struct meminfo before, after;
	double t0 = bench_now();
	unsigned int fds;
	struct rlimit old;

	if (!dev) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	if (raise_nofile(n, &old, res->error, sizeof(res->error))) {
		free(dev);
		return;
	}
	if (bench_env_fresh_netns(res->error, sizeof(res->error)))
		goto out;
	/* The previous runs' namespaces are torn down in the background. */
	usleep(1000000);
	fds = count_fds();
	read_meminfo(&before);
	k = open_all(dev, n, r, res);
	/* Each CPU keeps its share of the free-page count to itself until
	 * vmstat folds it in, once per vm.stat_interval (1 s): wait for that,
	 * or MemAvailable misses up to a few MiB of what was just allocated. */
	usleep(1500000);
	read_meminfo(&after);
	if (k == n) {
		res->mem_fds = (double)(count_fds() - fds) / n;
		sum_mappings(dev, n, res);
		set_figures(&before, &after, n, res);
	}
out:
	close_all(dev, k, res);
	if (k == n)
		res->seconds = bench_now() - t0;	/* the whole run */
	free(dev);
	setrlimit(RLIMIT_NOFILE, &old);
	bench_env_home_netns();
}
