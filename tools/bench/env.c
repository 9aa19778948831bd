// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of a run.  A packet-mode run unshares a fresh network
 * namespace (traffic cannot leave it, and the previous run's devices and
 * routes are gone), opens the device through libtunx and gives it an
 * address; a tx run then gets its sink (bench.h), where the packets end.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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
	/* Forwarding on, for the route sink; rp_filter off, as the packets
	 * come from an address that is only "behind" the device. */
	write_file("/proc/sys/net/ipv4/ip_forward", "1");
	write_file("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	write_file("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	/* IPv6 off on the devices to come: the packet modes are IPv4, and a
	 * device's own router solicitations and MLD reports would be read
	 * as rx load the generator never sent (gen.c counts sent/read). */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	return bench_sh("ip link set lo up");
}

/*
 * The modules a sink needs.  The kernel would load them on demand, but
 * the VM has no kmod helper (its modprobe works, with the host's
 * /lib/modules): ask once, quietly; a module built in or missing shows up
 * as the setup failing below, with the message that says what to check.
 */
static void sink_modules(enum bench_sink s)
{
	static bool tried[SINK_COUNT];

	if (tried[s])
		return;
	tried[s] = true;
	if (s == SINK_DROP)
		bench_sh("modprobe -qa sch_ingress cls_matchall act_gact "
			 "2>/dev/null");
	else if (s == SINK_ROUTE)
		bench_sh("modprobe -qa dummy 2>/dev/null");
}

/* After the device is up: where its tx packets end (bench.h).  The socket
 * sink's socket is devpath.c's; here it gets its address. */
int bench_env_sink(const struct bench_run *r, char *err, size_t len)
{
	return bench_env_sink_dev(r, "bench0", err, len);
}

/* The same on @dev, where the packets arrive: the device itself for a
 * TUN device, the veth peer for xdp-veth (xdprun.c). */
int bench_env_sink_dev(const struct bench_run *r, const char *dev, char *err,
		       size_t len)
{
	int e = 0;

	if (r->mode != MODE_TX)
		return 0;
	sink_modules(r->sink);
	switch (r->sink) {
	case SINK_DROP:
		e = bench_sh("tc qdisc add dev %s ingress && "
			     "tc filter add dev %s parent ffff: matchall "
			     "action drop", dev, dev);
		if (e)
			snprintf(err, len, "drop sink: tc ingress matchall drop "
				 "failed (needs iproute2's tc and the modules "
				 "sch_ingress, cls_matchall, act_gact)");
		break;
	case SINK_ROUTE:
		/* IPv6 off on the dummy: its own router solicitations and
		 * MLD reports would add to the count. */
		e = bench_sh("ip link add sink0 type dummy && "
			     "{ echo 1 >/proc/sys/net/ipv6/conf/sink0/"
			     "disable_ipv6 || true; } 2>/dev/null && "
			     "ip link set sink0 up && "
			     "ip route add " BENCH_SINK_NET " dev sink0");
		if (e)
			snprintf(err, len, "route sink: a dummy device and a "
				 "route to it failed (needs the module dummy)");
		break;
	case SINK_SOCKET:
		e = bench_sh("ip addr add " BENCH_SINK_ADDR "/32 dev lo");
		if (e)
			snprintf(err, len, "socket sink: cannot add "
				 BENCH_SINK_ADDR " to lo");
		break;
	default:
		snprintf(err, len, "tx without a sink");
		e = -1;
	}
	return e;
}

/* The first number after @key in @line, or 0. */
static uint64_t number_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* Packets the matchall filter's drop action took. */
static uint64_t tc_drops(const char *dev)
{
	char cmd[128], line[512];
	uint64_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tc -s filter show dev %s parent ffff: "
		 "2>/dev/null", dev);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "Sent ") && strstr(line, " pkt"))
			n += number_after(line, "bytes ");
	pclose(p);
	return n;
}

/* tx_packets of a device in this namespace (/proc/net/dev: after the
 * name, 8 receive fields, then transmit bytes and packets). */
static uint64_t dev_tx_packets(const char *name)
{
	FILE *f = fopen("/proc/thread-self/net/dev", "re");
	char line[512], *p;
	uint64_t v[10] = { 0 };
	size_t len = strlen(name);
	int i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' '; p++)
			;
		if (strncmp(p, name, len) || p[len] != ':')
			continue;
		p += len + 1;
		for (i = 0; i < 10; i++)
			v[i] = strtoull(p, &p, 10);
		break;
	}
	fclose(f);
	return v[9];
}

/* Udp RcvbufErrors of this namespace (/proc/net/snmp: a line of names,
 * then one of values). */
uint64_t bench_env_udp_rcvbuf_errors(void)
{
	FILE *f = fopen("/proc/thread-self/net/snmp", "re");
	char names[1024], vals[1024], *a, *b, *sa = NULL, *sb = NULL;
	uint64_t n = 0;

	if (!f)
		return 0;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Udp: ", 5) || !fgets(vals, sizeof(vals), f))
			continue;
		for (a = strtok_r(names, " \n", &sa), b = strtok_r(vals, " \n", &sb);
		     a && b; a = strtok_r(NULL, " \n", &sa),
		     b = strtok_r(NULL, " \n", &sb))
			if (!strcmp(a, "RcvbufErrors"))
				n = strtoull(b, NULL, 10);
		break;
	}
	fclose(f);
	return n;
}

/* What the drop and route sinks saw; the socket sink counts itself. */
void bench_env_sink_count(const struct bench_run *r, struct bench_result *res)
{
	bench_env_sink_count_dev(r, "bench0", res);
}

void bench_env_sink_count_dev(const struct bench_run *r, const char *dev,
			      struct bench_result *res)
{
	if (r->sink == SINK_DROP)
		res->sink_packets = tc_drops(dev);
	else if (r->sink == SINK_ROUTE)
		res->sink_packets = dev_tx_packets("sink0");
}

bool bench_backend_is_tunx(enum bench_backend b)
{
	return b == BK_TUNX || b == BK_TUNX_BUSY || b == BK_TUNX_PLAIN ||
	       b == BK_TUNX_ZC || b == BK_TUNX_COPY;
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
	cfg->backend = bench_backend_is_tunx(r->backend) ? TUNX_BACKEND_TUNX :
							    TUNX_BACKEND_TUN;
	if (r->mode == MODE_MEM)
		cfg->offload = r->backend == BK_TUNX;
	else
		cfg->offload = r->backend == BK_TUN_VNET;
	cfg->busy_poll = r->backend == BK_TUNX_BUSY;
	if (r->batch > 64)
		cfg->ring_entries = 2 * r->batch;
}

/* `ethtool -C NAME rx-usecs USECS`: ethtool need not be installed. */
static int set_rx_usecs(const char *name, unsigned int usecs)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	struct ifreq ifr;
	int s, e = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ec;
	if (ioctl(s, SIOCETHTOOL, &ifr) == 0) {
		ec.cmd = ETHTOOL_SCOALESCE;
		ec.rx_coalesce_usecs = usecs;
		if (ioctl(s, SIOCETHTOOL, &ifr))
			e = -errno;
	} else {
		e = -errno;
	}
	close(s);
	return e;
}

static int rx_usecs_set(struct tunx_device *dev, unsigned int usecs,
			char *err, size_t len)
{
	char name[IFNAMSIZ];
	int e = tunx_name(dev, name, sizeof(name));

	if (!e)
		e = set_rx_usecs(name, usecs);
	if (e)
		snprintf(err, len, "ethtool -C rx-usecs %u: %s", usecs,
			 tunx_strerror(e));
	return e;
}

int bench_env_open(struct tunx_device **dev, const struct bench_run *r,
		   char *err, size_t len)
{
	struct tunx_config cfg;
	struct tunx_diag diag;
	struct in_addr a;
	int e;

	bench_backend_config(&cfg, r);
	if (bench_tun_own(r->backend)) {
		e = bench_tun_open(dev, &cfg, r->backend, err, len);
		if (e)
			return e;
	} else {
		e = tunx_open(dev, &cfg, &diag);
		if (e) {
			snprintf(err, len, "%s", diag.message);
			return e;
		}
	}
	inet_pton(AF_INET, BENCH_DEV_ADDR, &a);
	e = tunx_link_add_addr(*dev, AF_INET, &a, 24);
	if (!e)
		e = tunx_link_set_up(*dev, true);
	if (e)
		snprintf(err, len, "configuring the device: %s", tunx_strerror(e));
	else if (r->rx_usecs)
		e = rx_usecs_set(*dev, r->rx_usecs, err, len);
	if (e) {
		tunx_close(*dev);
		*dev = NULL;	/* the caller closes what it is left */
	}
	return e;
}
