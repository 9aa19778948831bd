// SPDX-License-Identifier: GPL-2.0
/*
 * The device side: open it through libtunx and configure it (addresses,
 * routes, MTU, up) through the library too, so the tunnel needs no `ip`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "tunnel.h"

/* IP + UDP headers the underlay adds to every packet. */
static unsigned int overhead(int family)
{
	return family == AF_INET6 ? 40 + 8 : 20 + 8;
}

static int parse_cidr(const char *s, int *family, uint8_t addr[16],
		      unsigned int *prefix)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	char *end;

	if (len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = 0;
	*family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(*family, ip, addr) != 1)
		return -EINVAL;
	*prefix = *family == AF_INET6 ? 128 : 32;
	if (slash) {
		unsigned long p = strtoul(slash + 1, &end, 10);

		if (*end || end == slash + 1 || p > *prefix)
			return -EINVAL;
		*prefix = (unsigned int)p;
	}
	return 0;
}

static int configure(struct tunnel *t, const struct tunnel_opts *o)
{
	unsigned int i, prefix;
	uint8_t a[16];
	int fam, r;

	for (i = 0; i < o->n_addrs; i++) {
		if (parse_cidr(o->addrs[i], &fam, a, &prefix))
			return -EINVAL;
		r = tunx_link_add_addr(t->q[0].dev, fam, a, prefix);
		if (r && r != -EEXIST)
			return r;
	}
	r = tunx_link_set_up(t->q[0].dev, true);
	for (i = 0; !r && i < o->n_routes; i++) {
		if (parse_cidr(o->routes[i], &fam, a, &prefix))
			return -EINVAL;
		r = tunx_link_add_route(t->q[0].dev, fam, a, prefix, NULL);
		if (r == -EEXIST)
			r = 0;
	}
	return r;
}

static void print_error(struct tunx_device *dev, const char *what, int r)
{
	char msg[256] = "";

	tunx_errmsg(dev, msg, sizeof(msg));
	fprintf(stderr, "tunx-tunnel: %s: %s%s%s\n", what, tunx_strerror(r),
		*msg ? ": " : "", msg);
}

static void config_from(struct tunx_config *cfg, const struct tunnel_opts *o,
			unsigned int mtu)
{
	tunx_config_init(cfg);
	cfg->backend = o->backend;
	cfg->name = o->name;
	cfg->batch = o->batch;
	cfg->offload = !o->no_offload;
	cfg->queues = o->queues;
	cfg->busy_poll = o->busy_poll;
	cfg->busy_poll_usecs = o->busy_usecs;
	cfg->mtu = mtu;
}

/* The other queues before the link goes up: the kernel then sees every
 * queue from the first packet on (tun and tunx pick the qdisc at up). */
static int attach_queues(struct tunnel *t)
{
	unsigned int i;
	int r;

	for (i = 1; i < t->nq; i++) {
		r = tunx_attach_queue(t->q[0].dev, &t->q[i].dev);
		if (r) {
			print_error(t->q[0].dev, "attaching a queue", r);
			return r;
		}
	}
	return 0;
}

void tunnel_device_close(struct tunnel *t)
{
	unsigned int i;

	/* Extra queues first: the first one owns the device. */
	for (i = t->nq; i-- > 0;) {
		if (t->q[i].dev)
			tunx_close(t->q[i].dev);
		t->q[i].dev = NULL;
	}
}

/*
 * Whether the module gave this tunx device offload.  Then the rx ring
 * holds super-packets of up to 64 KB whose checksum may still be owed:
 * sent whole they would not fit the peer's MTU, so the tunnel reads with
 * tunx_read(), which splits them into MTU-sized packets (and tunx_write()
 * at the other end coalesces them again).  The library does not say, the
 * module does (TUNX_IOC_GET_INFO on the queue's descriptor).
 */
static bool offloaded(struct tunx_device *dev)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = tunx_fd(dev);

	if (tunx_backend(dev) != TUNX_BACKEND_TUNX || fd < 0 ||
	    ioctl(fd, TUNX_IOC_GET_INFO, &info))
		return false;
	return info.flags & TUNX_ATTACH_OFFLOAD;
}

static void geometry(struct tunnel *t, const struct tunnel_opts *o)
{
	struct tunx_device *dev = t->q[0].dev;
	size_t rd = tunx_min_read_offset(dev), wr = tunx_min_write_offset(dev);

	t->batch = tunx_batch_size(dev);
	t->offload = offloaded(dev);
	t->zero_copy = !o->copy && !t->offload &&
		       tunx_backend(dev) == TUNX_BACKEND_TUNX;
	t->off = rd > wr ? rd : wr;
	/* A read may return a whole super-packet's worth of segments, each
	 * at most the MTU; received datagrams are at most 64 KiB. */
	t->buf_size = t->off + 65536;
	t->busy = o->busy_poll;
	t->busy_secs = (o->busy_usecs ? o->busy_usecs :
			TUNX_BUSY_POLL_DEF_USECS) / 1e6;
}

int tunnel_device_open(struct tunnel *t, const struct tunnel_opts *o)
{
	sa_family_t fam = t->q[0].peer.ss_family;
	struct tunx_config cfg;
	struct tunx_diag diag;
	int r;

	if (o->underlay_mtu <= overhead(fam) + 68) {
		fprintf(stderr, "tunx-tunnel: --mtu %u leaves no room for packets\n",
			o->underlay_mtu);
		return -EINVAL;
	}
	t->mtu = o->underlay_mtu - overhead(fam);
	config_from(&cfg, o, t->mtu);
	r = tunx_open(&t->q[0].dev, &cfg, &diag);
	if (r) {
		fprintf(stderr, "tunx-tunnel: cannot open the device: %s\n",
			diag.message);
		return r;
	}
	r = attach_queues(t);
	if (!r) {
		r = configure(t, o);
		if (r)
			print_error(t->q[0].dev, r == -EINVAL ?
				    "bad --address or --route" :
				    "configuring the device", r);
	}
	if (r) {
		tunnel_device_close(t);
		return r;
	}
	geometry(t, o);
	return 0;
}
