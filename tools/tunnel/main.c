// SPDX-License-Identifier: GPL-2.0
/*
 * tunx-tunnel: the reference VPN data path (simpletun done right): UDP
 * encapsulation, batches on both sides, the device configured through
 * libtunx, strangers' datagrams dropped and counted, a clean stop on
 * SIGINT/SIGTERM that prints the counters.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tunnel.h"

static const char usage_text[] =
"usage: tunx-tunnel --local ADDR:PORT --peer ADDR:PORT [options]\n"
"\n"
"Carry the IP packets of a TUN-like device to a peer over UDP, one packet\n"
"per datagram, in batches (library batches on the device, recvmmsg and\n"
"sendmmsg with UDP GSO/GRO on the socket).  Datagrams that do not come\n"
"from the peer are dropped and counted.  SIGINT or SIGTERM stops it and\n"
"prints the counters.\n"
"\n"
"  -l, --local ADDR:PORT   address of this host to bind (required; not a\n"
"                          wildcard: the tunnel answers on one address)\n"
"  -p, --peer ADDR:PORT    the other end (IPv6 as [ADDR]:PORT)\n"
"  -b, --backend B         auto (default), tunx or tun\n"
"  -n, --name NAME         device name or pattern (default: the backend's)\n"
"  -a, --address CIDR      address for the device, e.g. 10.200.0.1/24\n"
"                          (repeatable)\n"
"  -r, --route CIDR        route this prefix into the tunnel (repeatable);\n"
"                          host bits are cleared: 10.9.0.1/24 is 10.9.0.0/24\n"
"  -m, --mtu N             underlay MTU (default 1500); the device gets N\n"
"                          minus the IP and UDP headers (28, or 48 for IPv6)\n"
"  -B, --batch N           packets per batch (default: the backend's)\n"
"  -Q, --queues N          open N queues of the device (1..16, default 1),\n"
"                          two threads each; queue i uses local port PORT+i\n"
"                          and peer port PORT+i, so both ends need the same N\n"
"      --busy-poll[=USECS] tunx backend: the kernel and this program spin on\n"
"                          the rings instead of sleeping, for USECS after\n"
"                          the last packet (default 50): no syscall for the\n"
"                          device while traffic flows, a CPU each side\n"
"      --no-offload        no super-packets (TSO/USO) with the kernel: tun\n"
"                          without IFF_VNET_HDR, tunx without offload, and\n"
"                          no UDP GSO/GRO on the socket (one datagram per\n"
"                          send and receive)\n"
"      --copy              tunx backend: read with copies instead of sending\n"
"                          straight from the ring (zero copy, the default;\n"
"                          with offload a super-packet leaves as UDP_SEGMENT\n"
"                          messages of rebuilt headers and payload slices\n"
"                          where the kernel put them)\n"
"  -q, --quiet             print only errors and the final counters\n"
"  -h, --help              this text\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

static int parse_backend(const char *s, enum tunx_backend *b)
{
	if (!strcmp(s, "auto"))
		*b = TUNX_BACKEND_AUTO;
	else if (!strcmp(s, "tunx"))
		*b = TUNX_BACKEND_TUNX;
	else if (!strcmp(s, "tun"))
		*b = TUNX_BACKEND_TUN;
	else
		return -1;
	return 0;
}

static int push(const char **list, unsigned int *n, const char *s)
{
	if (*n == TUNNEL_MAX_ADDRS)
		return -1;
	list[(*n)++] = s;
	return 0;
}

static const char *long_name(const struct option *o, int c)
{
	for (; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* The cause (a value that @opt cannot take), then where the fix is. */
static void bad_value(const char *opt, const char *value)
{
	fprintf(stderr, "tunx-tunnel: bad value for --%s: %s\n"
		"  `tunx-tunnel --help` says what it takes\n", opt, value);
}

/* Returns 0, or the exit status (2: usage error, or -1 for --help). */
static int parse_args(int argc, char **argv, struct tunnel_opts *o)
{
	static const struct option longs[] = {
		{ "local", 1, NULL, 'l' }, { "peer", 1, NULL, 'p' },
		{ "backend", 1, NULL, 'b' }, { "name", 1, NULL, 'n' },
		{ "address", 1, NULL, 'a' }, { "route", 1, NULL, 'r' },
		{ "mtu", 1, NULL, 'm' }, { "batch", 1, NULL, 'B' },
		{ "no-offload", 0, NULL, 'O' }, { "quiet", 0, NULL, 'q' },
		{ "copy", 0, NULL, 'C' }, { "queues", 1, NULL, 'Q' },
		{ "busy-poll", 2, NULL, 'P' },
		{ "help", 0, NULL, 'h' }, { 0 },
	};
	int c, bad = 0;

	o->underlay_mtu = 1500;
	o->queues = 1;
	while ((c = getopt_long(argc, argv, "l:p:b:n:a:r:m:B:Q:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'l': o->local = optarg; break;
		case 'p': o->peer = optarg; break;
		case 'n': o->name = optarg; break;
		case 'O': o->no_offload = true; break;
		case 'C': o->copy = true; break;
		case 'q': o->quiet = true; break;
		case 'h': return -1;
		case 'b': bad |= parse_backend(optarg, &o->backend); break;
		case 'a': bad |= push(o->addrs, &o->n_addrs, optarg); break;
		case 'r': bad |= push(o->routes, &o->n_routes, optarg); break;
		case 'm':
			bad |= tools_parse_decimal(optarg, 65535, &o->underlay_mtu) < 0;
			break;
		case 'B':
			bad |= tools_parse_decimal(optarg, 4096, &o->batch) < 0;
			break;
		case 'Q':
			bad |= tools_parse_decimal(optarg, TUNNEL_MAX_QUEUES,
						   &o->queues) || !o->queues;
			break;
		case 'P': o->busy_poll = true;
			o->busy_usecs = TUNNEL_BUSY_USECS;
			bad |= optarg && (tools_parse_decimal(optarg,
					TUNX_BUSY_POLL_MAX_USECS, &o->busy_usecs) ||
					  !o->busy_usecs);
			break;
		default: return 2;
		}
		if (bad) {
			bad_value(long_name(longs, c), optarg ? optarg : "");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tunx-tunnel: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!o->local || !o->peer) {
		fprintf(stderr, "tunx-tunnel: --local and --peer are required\n");
		return 2;
	}
	return 0;
}

static int check_addrs(const struct tunnel_opts *o)
{
	unsigned int i, prefix;
	uint8_t a[16];
	int fam;

	for (i = 0; i < o->n_addrs; i++) {
		if (tunnel_parse_cidr(o->addrs[i], &fam, a, &prefix)) {
			bad_value("address", o->addrs[i]);
			return -1;
		}
	}
	return 0;
}

/* From here on each route is its prefix, host bits cleared (parse.c). */
static int check_routes(struct tunnel_opts *o)
{
	unsigned int i;

	for (i = 0; i < o->n_routes; i++) {
		if (tunnel_parse_route(o->routes[i], o->route_text[i])) {
			bad_value("route", o->routes[i]);
			return -1;
		}
		o->routes[i] = o->route_text[i];
	}
	return 0;
}

static const char *family_name(int fam)
{
	return fam == AF_INET6 ? "IPv6" : "IPv4";
}

/* An end as --local or --peer gives it; said when it is no ADDR:PORT. */
static int parse_end(const char *opt, const char *s,
		     struct sockaddr_storage *ss)
{
	socklen_t len;

	if (!tunnel_parse_endpoint(s, ss, &len))
		return 0;
	bad_value(opt, s);
	return -1;
}

/*
 * The ends' family (the underlay's), or -1, said, when an end does not
 * parse or they differ: one socket cannot talk from one family to the
 * other.
 */
static int ends_family(const struct tunnel_opts *o)
{
	struct sockaddr_storage l, p;

	if (parse_end("local", o->local, &l) || parse_end("peer", o->peer, &p))
		return -1;
	if (l.ss_family == p.ss_family)
		return l.ss_family;
	fprintf(stderr, "tunx-tunnel: --local %s is %s but --peer %s is %s: "
		"the ends of a tunnel share one family;\n  give --local and "
		"--peer both as IPv4 (ADDR:PORT) or both as IPv6 "
		"([ADDR]:PORT)\n", o->local, family_name(l.ss_family), o->peer,
		family_name(p.ss_family));
	return -1;
}

/* The device gets the underlay MTU minus the outer headers: at most 68
 * (IPv4's least MTU) leaves no room for packets. */
static int check_mtu(const struct tunnel_opts *o, int fam)
{
	unsigned int least = tunnel_overhead(fam) + 69;

	if (o->underlay_mtu >= least)
		return 0;
	fprintf(stderr, "tunx-tunnel: --mtu %u leaves no room for packets "
		"after the %u bytes of %s and UDP headers;\n  give --mtu %u or "
		"more (the path MTU between the ends)\n", o->underlay_mtu,
		tunnel_overhead(fam), family_name(fam), least);
	return -1;
}

/*
 * Values that need no socket or device to judge are judged before either
 * is opened: a bad --address used to be found on a device already created
 * and up, and ended the tunnel with status 1 as if the host were at fault.
 * Returns 0 or 2 (a usage error, said).
 */
static int check_values(struct tunnel_opts *o)
{
	int fam = ends_family(o);

	if (fam < 0 || check_addrs(o) || check_routes(o) || check_mtu(o, fam))
		return 2;
	return 0;
}

#define get(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define ull(x) ((unsigned long long)get(x))

static void sum(struct tunnel *t, struct tunnel_counters *c)
{
	unsigned int i;

	for (i = 0; i < t->nq; i++) {
		struct tunnel_counters *q = &t->q[i].c;

		c->to_peer_packets += get(q->to_peer_packets);
		c->to_peer_bytes += get(q->to_peer_bytes);
		c->send_errors += get(q->send_errors);
		c->from_peer_packets += get(q->from_peer_packets);
		c->from_peer_bytes += get(q->from_peer_bytes);
		c->device_drops += get(q->device_drops);
		c->not_peer_drops += get(q->not_peer_drops);
		c->malformed_drops += get(q->malformed_drops);
		c->ring_merged += get(q->ring_merged);
		c->ring_guess_missed += get(q->ring_guess_missed);
		c->ring_not_one_run += get(q->ring_not_one_run);
		c->ring_behind += get(q->ring_behind);
	}
}

static void print_counters(struct tunnel *t, const char *why)
{
	struct tunnel_counters c = { 0 };
	unsigned int i;

	sum(t, &c);
	printf("tunx-tunnel: stopped by %s\n", why);
	printf("  to peer:   %llu packets %llu bytes, %llu send errors\n",
	       ull(c.to_peer_packets), ull(c.to_peer_bytes), ull(c.send_errors));
	printf("  from peer: %llu packets %llu bytes, %llu device drops\n",
	       ull(c.from_peer_packets), ull(c.from_peer_bytes),
	       ull(c.device_drops));
	printf("  dropped:   %llu not from peer, %llu malformed\n",
	       ull(c.not_peer_drops), ull(c.malformed_drops));
	if (c.ring_merged || c.ring_guess_missed || c.ring_not_one_run)
		printf("  bundles:   %llu merged in the ring; copied: %llu "
		       "guessed wrong, %llu not one run, %llu behind those\n",
		       ull(c.ring_merged), ull(c.ring_guess_missed),
		       ull(c.ring_not_one_run), ull(c.ring_behind));
	/* Per queue only when there are several: shows how flows spread. */
	for (i = 0; t->nq > 1 && i < t->nq; i++)
		printf("  queue %u:   %llu packets to peer, %llu from peer\n", i,
		       ull(t->q[i].c.to_peer_packets),
		       ull(t->q[i].c.from_peer_packets));
}

/* Without CAP_NET_ADMIN in the initial user namespace (so also as root
 * in a container) the sysctl caps the socket buffers: say what that
 * costs and what lifts it. */
static void print_buffer_cap(const struct tunnel *t)
{
	int got;

	if (!tunnel_udp_buffer_capped(&t->q[0], &got))
		return;
	printf("tunx-tunnel: UDP receive buffer %d KiB, capped by "
	       "net.core.rmem_max (no CAP_NET_ADMIN on the host): bursts "
	       "past it are dropped;\n  to lift the cap, as root: sysctl -w "
	       "net.core.rmem_max=%d net.core.wmem_max=%d\n", got / 1024,
	       TUNNEL_UDP_BUF, TUNNEL_UDP_BUF);
}

static void print_start(struct tunnel *t, const struct tunnel_opts *o)
{
	struct tunx_device *dev = t->q[0].dev;
	char name[32] = "?", busy[40];

	tunx_name(dev, name, sizeof(name));
	snprintf(busy, sizeof(busy), " (busy poll %u us)", o->busy_usecs);
	printf("tunx-tunnel: %s backend %s%s%s%s mtu %u batch %u queues %u%s, "
	       "%s <-> %s\n", name, tunx_backend_name(tunx_backend(dev)),
	       t->zero_copy ? " (zero copy)" : "", t->offload ? " (offload)" : "",
	       t->busy ? busy : "",
	       t->mtu, t->batch, t->nq, t->q[0].gro ? " udp gso/gro" : "",
	       o->local, o->peer);
	printf("tunx-tunnel: %s\n", tunx_backend_reason(dev));
	print_buffer_cap(t);
	fflush(stdout);
}

/* Wake every thread: blocked device calls answer -ESHUTDOWN, blocked
 * socket calls return, and every loop checks stop. */
static void stop_all(struct tunnel *t)
{
	unsigned int i;

	atomic_store(&t->stop, true);
	for (i = 0; i < t->nq; i++) {
		if (t->q[i].dev)
			tunx_shutdown(t->q[i].dev);
		if (t->q[i].sock >= 0)
			shutdown(t->q[i].sock, SHUT_RDWR);
	}
}

static void join_all(struct tunnel *t)
{
	unsigned int i, k;

	for (i = 0; i < t->nq; i++)
		for (k = 0; k < 2; k++)
			if (t->q[i].running[k])
				pthread_join(t->q[i].th[k], NULL);
}

static int start_queue(struct tunnel_queue *q)
{
	void *(*out)(void *) = q->t->zero_copy ? tunnel_dev_to_peer_zc :
			       tunnel_dev_to_peer;

	q->running[0] = !pthread_create(&q->th[0], NULL, out, q);
	q->running[1] = q->running[0] &&
			!pthread_create(&q->th[1], NULL, tunnel_peer_to_dev, q);
	return q->running[1] ? 0 : -EAGAIN;
}

/* Signals go to main only (blocked in the workers, taken with sigwait), so
 * stopping is ordinary code: flag, wake every thread, join. */
static int run(struct tunnel *t, sigset_t *set)
{
	unsigned int i;
	int sig = 0;

	for (i = 0; i < t->nq; i++) {
		if (start_queue(&t->q[i])) {
			stop_all(t);
			join_all(t);
			return -EAGAIN;
		}
	}
	sigwait(set, &sig);
	stop_all(t);
	join_all(t);
	print_counters(t, sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}

static void close_socks(struct tunnel *t)
{
	unsigned int i;

	for (i = 0; i < t->nq; i++)
		if (t->q[i].sock >= 0)
			close(t->q[i].sock);
}

static int open_socks(struct tunnel *t, const struct tunnel_opts *o)
{
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < t->nq; i++) {
		r = tunnel_udp_open(&t->q[i], o->local, o->peer);
		/* The offload switch covers the underlay too. */
		t->q[i].gso = !r && !o->no_offload;
		t->q[i].gro = t->q[i].gso && tunnel_udp_gro_enable(t->q[i].sock);
	}
	if (!r)
		return 0;
	fprintf(stderr, "tunx-tunnel: --local %s --peer %s: %s\n", o->local,
		o->peer, r == -EDESTADDRREQ ?
		"bind an address of this host, not a wildcard" : r == -ERANGE ?
		"a port plus the queue count passes 65535 (or is 0)" :
		strerror(-r));
	close_socks(t);
	return r == -EDESTADDRREQ || r == -ERANGE ? 2 : 1;
}

int main(int argc, char **argv)
{
	static struct tunnel t;
	struct tunnel_opts o = { 0 };
	sigset_t set;
	unsigned int i;
	int r;

	r = parse_args(argc, argv, &o);
	if (r)
		return r < 0 ? usage(stdout, 0) : usage(stderr, 2);
	r = check_values(&o);
	if (r)
		return r;
	t.nq = o.queues;
	for (i = 0; i < TUNNEL_MAX_QUEUES; i++)
		t.q[i] = (struct tunnel_queue){ .t = &t, .index = i, .sock = -1 };
	r = open_socks(&t, &o);
	if (r)
		return r;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (tunnel_device_open(&t, &o)) {
		close_socks(&t);
		return 1;
	}
	if (!o.quiet)
		print_start(&t, &o);
	r = run(&t, &set);
	tunnel_device_close(&t);
	close_socks(&t);
	fflush(stdout);
	return r ? 1 : 0;
}
