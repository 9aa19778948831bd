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
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

#define MEM_DEVICES 4

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

/* The mapping the library made for this queue (0 on tun). */
static uint64_t mmap_size(struct tunx_device *dev, unsigned int *entries)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = tunx_fd(dev);

	if (tunx_backend(dev) != TUNX_BACKEND_TUNX || fd < 0 ||
	    ioctl(fd, TUNX_IOC_GET_INFO, &info))
		return 0;
	*entries = info.rx_entries;
	return info.mmap_size;
}

static int open_one(struct tunx_device **dev, const struct bench_run *r,
		    char *err, size_t len)
{
	struct tunx_config cfg;
	struct tunx_diag diag;
	int e;

	bench_backend_config(&cfg, r);
	cfg.name = "benchm%d";
	e = tunx_open(dev, &cfg, &diag);
	if (e) {
		snprintf(err, len, "%.190s", diag.message);
		return e;
	}
	/* Up, so the qdisc and queues exist as they would in use. */
	e = tunx_link_set_up(*dev, true);
	if (e)
		snprintf(err, len, "link up: %s", tunx_strerror(e));
	return e;
}

void bench_run_mem(const struct bench_run *r, struct bench_result *res)
{
	struct tunx_device *dev[MEM_DEVICES] = { 0 };
	struct meminfo before, after;
	double t0 = bench_now();
	unsigned int i, k = 0;

	if (bench_env_fresh_netns(res->error, sizeof(res->error)))
		goto out;
	/* The previous runs' namespaces are torn down in the background. */
	usleep(1000000);
	read_meminfo(&before);
	for (k = 0; k < MEM_DEVICES; k++)
		if (open_one(&dev[k], r, res->error, sizeof(res->error)))
			break;
	usleep(200000);
	read_meminfo(&after);
	if (k < MEM_DEVICES) {
		k += dev[k] != NULL;
		goto out;
	}
	res->mem_mmap = mmap_size(dev[0], &res->ring_entries);
	res->mem_avail = (before.avail - after.avail) / MEM_DEVICES;
	res->mem_slab = (after.slab - before.slab) / MEM_DEVICES;
	res->mem_vmalloc = (after.vmalloc - before.vmalloc) / MEM_DEVICES;
	res->packets = MEM_DEVICES;
	res->seconds = bench_now() - t0;
out:
	for (i = k; i-- > 0;)
		tunx_close(dev[i]);
	bench_env_home_netns();
}
