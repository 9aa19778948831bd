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
"sendmmsg on the socket).  Datagrams that do not come from the peer are\n"
"dropped and counted.  SIGINT or SIGTERM stops it and prints the counters.\n"
"\n"
"  -l, --local ADDR:PORT   address of this host to bind (required; not a\n"
"                          wildcard: the tunnel answers on one address)\n"
"  -p, --peer ADDR:PORT    the other end (IPv6 as [ADDR]:PORT)\n"
"  -b, --backend B         auto (default), tunx or tun\n"
"  -n, --name NAME         device name or pattern (default: the backend's)\n"
"  -a, --address CIDR      address for the device, e.g. 10.200.0.1/24\n"
"                          (repeatable)\n"
"  -r, --route CIDR        route this prefix into the tunnel (repeatable)\n"
"  -m, --mtu N             underlay MTU (default 1500); the device gets N\n"
"                          minus the IP and UDP headers (28, or 48 for IPv6)\n"
"  -B, --batch N           packets per batch (default: the backend's)\n"
"      --no-offload        tun backend: no IFF_VNET_HDR super-packets\n"
"      --copy              tunx backend: read with copies instead of sending\n"
"                          straight from the ring (zero copy, the default)\n"
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

static int parse_uint(const char *s, unsigned int max, unsigned int *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (*s == '-' || *end || end == s || x > max)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

static int push(const char **list, unsigned int *n, const char *s)
{
	if (*n == TUNNEL_MAX_ADDRS)
		return -1;
	list[(*n)++] = s;
	return 0;
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
		{ "copy", 0, NULL, 'C' },
		{ "help", 0, NULL, 'h' }, { 0 },
	};
	int c, bad = 0;

	o->underlay_mtu = 1500;
	while ((c = getopt_long(argc, argv, "l:p:b:n:a:r:m:B:qh", longs, NULL)) != -1) {
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
		case 'm': bad |= parse_uint(optarg, 65535, &o->underlay_mtu); break;
		case 'B': bad |= parse_uint(optarg, 4096, &o->batch); break;
		default: return 2;
		}
		if (bad) {
			fprintf(stderr, "tunx-tunnel: bad value for -%c: %s\n", c, optarg);
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

#define get(x) atomic_load_explicit(&(x), memory_order_relaxed)

static void print_counters(struct tunnel *t, const char *why)
{
	struct tunnel_counters *c = &t->c;

	printf("tunx-tunnel: stopped by %s\n", why);
	printf("  to peer:   %llu packets %llu bytes, %llu send errors\n",
	       (unsigned long long)get(c->to_peer_packets),
	       (unsigned long long)get(c->to_peer_bytes),
	       (unsigned long long)get(c->send_errors));
	printf("  from peer: %llu packets %llu bytes, %llu device drops\n",
	       (unsigned long long)get(c->from_peer_packets),
	       (unsigned long long)get(c->from_peer_bytes),
	       (unsigned long long)get(c->device_drops));
	printf("  dropped:   %llu not from peer, %llu malformed\n",
	       (unsigned long long)get(c->not_peer_drops),
	       (unsigned long long)get(c->malformed_drops));
}

static void print_start(struct tunnel *t, const struct tunnel_opts *o)
{
	char name[32] = "?";

	tunx_name(t->dev, name, sizeof(name));
	printf("tunx-tunnel: %s backend %s%s mtu %u batch %u, %s <-> %s\n", name,
	       tunx_backend_name(tunx_backend(t->dev)),
	       t->zero_copy ? " (zero copy)" : "", t->mtu, t->batch,
	       o->local, o->peer);
	printf("tunx-tunnel: %s\n", tunx_backend_reason(t->dev));
	fflush(stdout);
}

/* Signals go to main only (blocked in the workers, taken with sigwait), so
 * stopping is ordinary code: flag, wake both threads, join. */
static int run(struct tunnel *t, sigset_t *set)
{
	pthread_t a, b;
	int sig = 0;

	if (pthread_create(&a, NULL, t->zero_copy ? tunnel_dev_to_peer_zc :
			   tunnel_dev_to_peer, t))
		return -EAGAIN;
	if (pthread_create(&b, NULL, tunnel_peer_to_dev, t)) {
		atomic_store(&t->stop, true);
		tunx_shutdown(t->dev);
		pthread_join(a, NULL);
		return -EAGAIN;
	}
	sigwait(set, &sig);
	atomic_store(&t->stop, true);
	tunx_shutdown(t->dev);
	shutdown(t->sock, SHUT_RDWR);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	print_counters(t, sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}

int main(int argc, char **argv)
{
	struct tunnel_opts o = { 0 };
	struct tunnel t = { .sock = -1 };
	sigset_t set;
	int r;

	r = parse_args(argc, argv, &o);
	if (r)
		return r < 0 ? usage(stdout, 0) : usage(stderr, 2);
	if (tunnel_parse_endpoint(o.peer, &t.peer, &t.peer_len)) {
		fprintf(stderr, "tunx-tunnel: --peer %s: want ADDR:PORT\n", o.peer);
		return 2;
	}
	r = tunnel_udp_open(&t, o.local);
	if (r) {
		fprintf(stderr, "tunx-tunnel: --local %s: %s\n", o.local,
			r == -EINVAL ? "want ADDR:PORT" : r == -EAFNOSUPPORT ?
			"not the peer's address family" : r == -EDESTADDRREQ ?
			"bind an address of this host, not a wildcard" :
			strerror(-r));
		return r == -EINVAL || r == -EDESTADDRREQ ? 2 : 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (tunnel_device_open(&t, &o)) {
		close(t.sock);
		return 1;
	}
	if (!o.quiet)
		print_start(&t, &o);
	r = run(&t, &set);
	tunx_close(t.dev);
	close(t.sock);
	fflush(stdout);
	return r ? 1 : 0;
}
