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
		r = tunx_link_add_addr(t->dev, fam, a, prefix);
		if (r && r != -EEXIST)
			return r;
	}
	r = tunx_link_set_up(t->dev, true);
	for (i = 0; !r && i < o->n_routes; i++) {
		if (parse_cidr(o->routes[i], &fam, a, &prefix))
			return -EINVAL;
		r = tunx_link_add_route(t->dev, fam, a, prefix, NULL);
		if (r == -EEXIST)
			r = 0;
	}
	return r;
}

static void print_error(struct tunnel *t, const char *what, int r)
{
	char msg[256] = "";

	tunx_errmsg(t->dev, msg, sizeof(msg));
	fprintf(stderr, "tunx-tunnel: %s: %s%s%s\n", what, tunx_strerror(r),
		*msg ? ": " : "", msg);
}

int tunnel_device_open(struct tunnel *t, const struct tunnel_opts *o)
{
	struct tunx_config cfg;
	struct tunx_diag diag;
	size_t rd, wr;
	int r;

	tunx_config_init(&cfg);
	cfg.backend = o->backend;
	cfg.name = o->name;
	cfg.batch = o->batch;
	cfg.offload = !o->no_offload;
	if (o->underlay_mtu <= overhead(t->peer.ss_family) + 68) {
		fprintf(stderr, "tunx-tunnel: --mtu %u leaves no room for packets\n",
			o->underlay_mtu);
		return -EINVAL;
	}
	t->mtu = o->underlay_mtu - overhead(t->peer.ss_family);
	cfg.mtu = t->mtu;
	r = tunx_open(&t->dev, &cfg, &diag);
	if (r) {
		fprintf(stderr, "tunx-tunnel: cannot open the device: %s\n",
			diag.message);
		return r;
	}
	r = configure(t, o);
	if (r) {
		print_error(t, r == -EINVAL ? "bad --address or --route" :
			    "configuring the device", r);
		tunx_close(t->dev);
		return r;
	}
	t->batch = tunx_batch_size(t->dev);
	t->zero_copy = !o->copy && tunx_backend(t->dev) == TUNX_BACKEND_TUNX;
	rd = tunx_min_read_offset(t->dev);
	wr = tunx_min_write_offset(t->dev);
	t->off = rd > wr ? rd : wr;
	/* A read may return a whole super-packet's worth of segments, each
	 * at most the MTU; received datagrams are at most 64 KiB. */
	t->buf_size = t->off + 65536;
	return 0;
}
