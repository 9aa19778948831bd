// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of a run.  A packet-mode run unshares a fresh network
 * namespace (traffic cannot leave it, and the previous run's devices and
 * routes are gone), opens the device through libtunx and gives it an
 * address and a blackhole route for the tx packets to die in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int home_fd = -1;	/* the namespace we started in */

int bench_env_init(void)
{
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return home_fd < 0 ? -errno : 0;
}

int bench_env_home_netns(void)
{
	return setns(home_fd, CLONE_NEWNET) ? -errno : 0;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

int bench_env_fresh_netns(char *err, size_t len)
{
	if (bench_env_home_netns() || unshare(CLONE_NEWNET)) {
		snprintf(err, len, "cannot make a network namespace: %s (needs "
			 "CAP_SYS_ADMIN: run as root)", strerror(errno));
		return -1;
	}
	/* Forwarding on, so packets to the blackhole are routed and dropped
	 * silently instead of answered with ICMP unreachable. */
	write_file("/proc/sys/net/ipv4/ip_forward", "1");
	write_file("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	write_file("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	return bench_sh("ip link set lo up && ip route add blackhole 10.202.0.0/16");
}

static bool is_tunx(enum bench_backend b)
{
	return b == BK_TUNX || b == BK_TUNX_BUSY || b == BK_TUNX_PLAIN;
}

/*
 * Packet modes measure the device path alone, so only tun-vnet gets
 * offload; mem measures a device as the library opens it by default
 * (offload on), except tunx-plain and tun.  Batches above the library's
 * 64 get rings of twice the batch, so one call can fill it.
 */
void bench_backend_config(struct tunx_config *cfg, const struct bench_run *r)
{
	tunx_config_init(cfg);
	cfg->name = "bench0";
	cfg->mtu = r->size > 1500 ? 65535 : 1500;
	cfg->batch = r->batch;
	cfg->queues = r->queues;
	cfg->nonblock = false;
	cfg->backend = is_tunx(r->backend) ? TUNX_BACKEND_TUNX : TUNX_BACKEND_TUN;
	if (r->mode == MODE_MEM)
		cfg->offload = r->backend == BK_TUNX;
	else
		cfg->offload = r->backend == BK_TUN_VNET;
	cfg->busy_poll = r->backend == BK_TUNX_BUSY;
	if (r->batch > 64)
		cfg->ring_entries = 2 * r->batch;
}

int bench_env_open(struct tunx_device **dev, const struct bench_run *r,
		   char *err, size_t len)
{
	struct tunx_config cfg;
	struct tunx_diag diag;
	struct in_addr a;
	int e;

	bench_backend_config(&cfg, r);
	e = tunx_open(dev, &cfg, &diag);
	if (e) {
		snprintf(err, len, "%s", diag.message);
		return e;
	}
	inet_pton(AF_INET, BENCH_DEV_ADDR, &a);
	e = tunx_link_add_addr(*dev, AF_INET, &a, 24);
	if (!e)
		e = tunx_link_set_up(*dev, true);
	if (e) {
		snprintf(err, len, "configuring the device: %s", tunx_strerror(e));
		tunx_close(*dev);
	}
	return e;
}
