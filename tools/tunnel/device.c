// SPDX-License-Identifier: GPL-2.0
/*
 * The device side: open it through libtunx and configure it (addresses,
 * routes, MTU, up) through the library too, so the tunnel needs no `ip`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "tunnel.h"

/* IP + UDP headers the underlay adds to every packet. */
unsigned int tunnel_overhead(int family)
{
	return family == AF_INET6 ? 40 + 8 : 20 + 8;
}

/*
 * The cause, then the command that fixes it (tunx-tunnel(8)), as one
 * message: one "tunx-tunnel:" line, the rest indented under it.  @why,
 * when there is one, is the cause and @what what the fix would change.
 */
static void needs_admin(const char *why, const char *what, const char *cmd,
			const char *then)
{
	if (why)
		fprintf(stderr, "tunx-tunnel: %s;\n  %s", why, what);
	else
		fprintf(stderr, "tunx-tunnel: %s", what);
	fprintf(stderr, " needs CAP_NET_ADMIN, which this program lacks:\n"
		"  run `sudo %s`%s\n", cmd, then);
}

/*
 * A route to the prefix already in the main table: 1 when it goes into
 * this device (nothing to add), -EEXIST, said, when it goes elsewhere (the
 * tunnel would carry nothing for it), 0 when there is none.
 */
static int route_taken(struct tunnel *t, const char *name, const char *cidr,
		       int fam, const uint8_t *a, unsigned int prefix)
{
	int own = tunx_ifindex(t->q[0].dev);
	int via = tunnel_route_ifindex(fam, a, prefix);
	char other[IF_NAMESIZE] = "another device";

	if (via <= 0)
		return 0;
	if (via == own)
		return 1;
	if_indextoname((unsigned int)via, other);
	fprintf(stderr, "tunx-tunnel: %s is routed through %s, not into %s:\n"
		"  run `%sip route replace %s dev %s`, then start the tunnel "
		"again\n", cidr, other, name, tunnel_net_admin() ? "" : "sudo ",
		cidr, name);
	return -EEXIST;
}

/* The kernel had a route to the prefix after all: whose, and not a unicast
 * one through a device (a blackhole, say) is said too. */
static int route_exists(struct tunnel *t, const char *name, const char *cidr,
			int fam, const uint8_t *a, unsigned int prefix)
{
	int r = route_taken(t, name, cidr, fam, a, prefix);

	if (r)
		return r > 0 ? 0 : r;
	fprintf(stderr, "tunx-tunnel: a route to %s exists that does not lead "
		"into %s (`ip route show %s`):\n  run `%sip route replace %s "
		"dev %s`, then start the tunnel again\n", cidr, name, cidr,
		tunnel_net_admin() ? "" : "sudo ", cidr, name);
	return -EEXIST;
}

/* An address (or a route) on the device, unless it has it already. */
static int add_prefix(struct tunnel *t, const char *name, const char *cidr,
		      bool route)
{
	const char *kind = route ? "route" : "addr";
	char what[128], cmd[128];
	unsigned int prefix;
	uint8_t a[16];
	int fam, r;

	if (tunnel_parse_cidr(cidr, &fam, a, &prefix))
		return -EINVAL;
	if (!route && tunnel_has_addr(name, fam, a))	/* set already */
		return 0;
	if (route) {
		r = route_taken(t, name, cidr, fam, a, prefix);
		if (r)
			return r > 0 ? 0 : r;
	}
	r = route ? tunx_link_add_route(t->q[0].dev, fam, a, prefix, NULL) :
		    tunx_link_add_addr(t->q[0].dev, fam, a, prefix);
	if (r == -EPERM) {
		snprintf(what, sizeof(what), route ? "routing %s into %s" :
			 "adding %s to %s", cidr, name);
		snprintf(cmd, sizeof(cmd), "ip %s add %s dev %s", kind, cidr,
			 name);
		needs_admin(NULL, what, cmd, ", then start the tunnel again");
		return -EPERM;
	}
	if (r == -EEXIST && route)
		return route_exists(t, name, cidr, fam, a, prefix);
	return r == -EEXIST ? 0 : r;	/* an address: another device's */
}

/* Up unless it is: a down device of an unprivileged owner is the admin's
 * to bring up, and the tunnel carries packets from then on. */
static int set_up(struct tunnel *t, const char *name)
{
	char what[64], cmd[64];
	int r;

	if (tunnel_link_is_up(name))
		return 0;
	r = tunx_link_set_up(t->q[0].dev, true);
	if (r != -EPERM)
		return r;
	snprintf(what, sizeof(what), "bringing %s up", name);
	snprintf(cmd, sizeof(cmd), "ip link set %s up", name);
	needs_admin(NULL, what, cmd, "; packets flow once it is up");
	return 0;
}

static int configure(struct tunnel *t, const struct tunnel_opts *o)
{
	char name[IFNAMSIZ] = "";
	unsigned int i;
	int r = 0;

	tunx_name(t->q[0].dev, name, sizeof(name));
	for (i = 0; !r && i < o->n_addrs; i++)
		r = add_prefix(t, name, o->addrs[i], false);
	if (!r)
		r = set_up(t, name);
	for (i = 0; !r && i < o->n_routes; i++)
		r = add_prefix(t, name, o->routes[i], true);
	return r;
}

/*
 * The MTU to ask tunx_open() for: none when the device has it already
 * (changing a link needs CAP_NET_ADMIN even to the same value); without
 * the capability, a smaller MTU is kept and a larger one refused, each
 * with the command that fixes it.  Returns 0 or -EPERM.
 */
static int plan_mtu(struct tunnel *t, const struct tunnel_opts *o,
		    unsigned int *cfg_mtu)
{
	unsigned int cur = tunnel_existing_mtu(o->name);
	char why[160], what[96], cmd[96];

	*cfg_mtu = cur == t->mtu ? 0 : t->mtu;
	if (!cur || cur == t->mtu || tunnel_net_admin())
		return 0;
	snprintf(what, sizeof(what), "changing the MTU of %s from %u to %u",
		 o->name, cur, t->mtu);
	snprintf(cmd, sizeof(cmd), "tunxctl set %s --mtu %u", o->name, t->mtu);
	if (cur < t->mtu) {
		snprintf(why, sizeof(why), "%s keeps its MTU %u, below the %u "
			 "the underlay leaves room for", o->name, cur, t->mtu);
		needs_admin(why, what, cmd, " to raise it");
		*cfg_mtu = 0;
		t->mtu = cur;
		return 0;
	}
	snprintf(why, sizeof(why), "%s has MTU %u: its packets would not fit "
		 "the underlay (--mtu %u leaves %u)", o->name, cur,
		 o->underlay_mtu, t->mtu);
	needs_admin(why, what, cmd, ",\n  or pass a larger --mtu if the path "
		    "between the ends carries it");
	return -EPERM;
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
	t->zero_copy = !o->copy && tunx_backend(dev) == TUNX_BACKEND_TUNX;
	t->off = rd > wr ? rd : wr;
	/* A read may return a whole super-packet's worth of segments, each
	 * at most the MTU; received datagrams are at most 64 KiB. */
	t->buf_size = t->off + 65536;
	/* tun has no rings: nothing spins there, here or in the library. */
	t->busy = o->busy_poll && tunx_backend(dev) == TUNX_BACKEND_TUNX;
	t->busy_secs = o->busy_usecs / 1e6;
}

int tunnel_device_open(struct tunnel *t, const struct tunnel_opts *o)
{
	sa_family_t fam = t->q[0].peer.ss_family;
	struct tunx_config cfg;
	struct tunx_diag diag;
	unsigned int mtu;
	int r;

	/* First: nothing else matters on a device this user may not use. */
	if (tunnel_explain_stranger(o->name))
		return -EPERM;
	t->mtu = o->underlay_mtu - tunnel_overhead(fam);
	r = plan_mtu(t, o, &mtu);
	if (r)
		return r;
	config_from(&cfg, o, mtu);
	r = tunx_open(&t->q[0].dev, &cfg, &diag);
	if (r) {
		fprintf(stderr, "tunx-tunnel: cannot open the device: %s\n",
			diag.message);
		return r;
	}
	r = attach_queues(t);
	if (!r) {
		r = configure(t, o);
		/* EPERM, EEXIST: configure() said what to run */
		if (r && r != -EPERM && r != -EEXIST)
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
