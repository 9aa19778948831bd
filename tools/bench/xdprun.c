// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-veth: AF_XDP on a veth pair, the baseline a user who can give up a
 * TUN device's L3 interface would pick.  In a fresh namespace, bench0 and
 * its peer xdpp0; the AF_XDP socket (xdp.c) is on queue 0 of bench0.
 *   rx  the run's generator (gen.c) sends into xdpp0; veth hands each
 *       packet to bench0, whose XDP program redirects it to the socket;
 *       the worker reads the rx ring, reads every cache line of the packet
 *       (as tunx-zc does) and gives the frame back on the fill ring.
 *   tx  the worker puts frames built once in the UMEM on the tx ring and
 *       kicks it with sendto(); they leave bench0 and arrive at xdpp0,
 *       where the run's sink (drop or route) takes them.  Packets count
 *       when their frame comes back on the completion ring.
 * Ethernet frames, so 14 bytes more a packet than the L3 devices carry.
 * Not here: echo, tcp and mem (no TUN device to measure), sizes above
 * the veth's 1500-byte MTU (an AF_XDP frame is one UMEM chunk: multi-
 * buffer AF_XDP, XDP_USE_SG, came in 6.6 and Debian's 6.1 lacks it), and
 * the socket sink; those rows say n/a.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "gen.h"
#include "xdp.h"

#define XDP_DEV		"bench0"	/* the socket's end */
#define XDP_PEER	"xdpp0"		/* the generator's or the sink's end */
#define XDP_BATCH	64		/* descriptors per pass, as libtunx */

struct xio {
	struct xsk *x;
	const struct bench_run *r;
	atomic_bool *stop;
	uint64_t packets, bytes, touched;
	uint64_t dropped;	/* tx: frames the device refused (EBUSY) */
	char error[160];
};

/* Why a run of this backend cannot be made, or NULL. */
static const char *not_applicable(const struct bench_run *r)
{
	if (r->mode != MODE_TX && r->mode != MODE_RX)
		return "n/a: xdp-veth has no TUN device for this mode";
	if (r->size > 1500)
		return "n/a: AF_XDP frame is one UMEM chunk and veth's MTU "
		       "1500 (multi-buffer AF_XDP needs 6.6+)";
	if (r->mode == MODE_TX && r->sink == SINK_SOCKET)
		return "n/a: xdp-veth tx takes the drop and route sinks";
	return NULL;
}

/* The peer without ARP: the packet generator's AF_PACKET SOCK_DGRAM
 * frames then get an all-zero destination instead of failing (eth_header
 * wants an address otherwise); bench0's XDP takes them all the same. */
static int veth_pair(char *err, size_t len)
{
	bench_sh("modprobe -q veth 2>/dev/null");
	if (!bench_sh("ip link add " XDP_DEV " type veth peer name " XDP_PEER
		      " && ip link set " XDP_PEER " arp off && "
		      "ip link set " XDP_DEV " up && ip link set " XDP_PEER " up"))
		return 0;
	snprintf(err, len, "n/a: no veth pair (CONFIG_VETH, iproute2?)");
	return -1;
}

/* By ioctl: /sys/class/net shows the namespace sysfs was mounted in,
 * not this fresh one. */
static int mac_of(const char *dev, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		e = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return e;
}

/* ---- rx: rx ring in, fill ring back ---- */

static void rx_fill_all(struct xsk *x)
{
	uint32_t i, idx, n = bench_xsk_reserve(&x->fill, XSK_FRAMES, &idx);

	for (i = 0; i < n; i++)
		((uint64_t *)x->fill.desc)[(idx + i) & x->fill.mask] =
			(uint64_t)i * XSK_FRAME;
	bench_xsk_submit(&x->fill, n);
}

/* One descriptor, copied once; a frame outside the UMEM is an error. */
static int rx_one(struct xio *io, uint32_t at, uint64_t *frame)
{
	struct xdp_desc d = ((struct xdp_desc *)io->x->rx.desc)[at];

	if (d.addr > (uint64_t)XSK_FRAMES * XSK_FRAME - d.len ||
	    d.len < ETH_HLEN) {
		snprintf(io->error, sizeof(io->error), "rx desc %#llx+%u "
			 "outside the UMEM", (unsigned long long)d.addr, d.len);
		return -1;
	}
	io->touched += bench_touch(io->x->umem + d.addr, d.len);
	io->bytes += d.len - ETH_HLEN;
	/* copy mode hands out the chunk plus its headroom: back goes the
	 * chunk's start */
	*frame = d.addr & ~(uint64_t)(XSK_FRAME - 1);
	return 0;
}

static int rx_batch(struct xio *io, uint32_t n, uint32_t idx)
{
	struct xsk *x = io->x;
	uint32_t i, fidx;

	/* Every frame is on the fill ring, the rx ring or here, and the
	 * fill ring holds twice them all: room (xdp.h). */
	if (bench_xsk_reserve(&x->fill, n, &fidx) != n) {
		snprintf(io->error, sizeof(io->error), "fill ring full");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (rx_one(io, (idx + i) & x->rx.mask, &((uint64_t *)
			   x->fill.desc)[(fidx + i) & x->fill.mask]))
			return -1;
	bench_xsk_release(&x->rx, n);
	bench_xsk_submit(&x->fill, n);
	io->packets += n;
	return 0;
}

static void xdp_rx(struct xio *io)
{
	struct pollfd pfd = { .fd = io->x->fd, .events = POLLIN };
	uint32_t n, idx;

	rx_fill_all(io->x);
	while (!atomic_load_explicit(io->stop, memory_order_relaxed)) {
		n = bench_xsk_peek(&io->x->rx, XDP_BATCH, &idx);
		if (!n) {
			poll(&pfd, 1, 100);	/* 100 ms at most: see stop */
			continue;
		}
		if (rx_batch(io, n, idx))
			break;
	}
}

/* ---- tx: frames built once, tx ring out, completion ring back ---- */

/* The peer's own address as destination: the route sink forwards only
 * what is addressed to the peer (the drop sink takes anything). */
static int tx_build(struct xio *io, uint64_t *free_frames)
{
	uint8_t eth[ETH_HLEN] = { 0 };
	uint32_t i;
	int e;

	if ((e = mac_of(XDP_PEER, eth)) || (e = mac_of(XDP_DEV, eth + ETH_ALEN))) {
		snprintf(io->error, sizeof(io->error), "SIOCGIFHWADDR: %s",
			 strerror(-e));
		return e;
	}
	eth[12] = ETH_P_IP >> 8;
	eth[13] = ETH_P_IP & 0xff;
	/* Every frame its own flow (source port), as devpath.c's tx. */
	for (i = 0; i < XSK_FRAMES; i++) {
		uint8_t *f = io->x->umem + (size_t)i * XSK_FRAME;

		memcpy(f, eth, ETH_HLEN);
		bench_udp_packet(f + ETH_HLEN, io->r->size, BENCH_PEER_ADDR,
				 BENCH_SINK_ADDR, (uint16_t)(1024 + i % 4096),
				 BENCH_SINK_PORT);
		free_frames[i] = (uint64_t)i * XSK_FRAME;
	}
	return 0;
}

static uint32_t tx_reap(struct xio *io, uint64_t *free_frames, uint32_t nfree)
{
	struct xsk_ring *c = &io->x->comp;
	uint32_t i, idx, n = bench_xsk_peek(c, XSK_FRAMES, &idx);

	for (i = 0; i < n; i++)
		free_frames[nfree + i] = ((uint64_t *)c->desc)[(idx + i) &
			c->mask] & ~(uint64_t)(XSK_FRAME - 1);
	bench_xsk_release(c, n);
	io->packets += n;
	io->bytes += (uint64_t)n * io->r->size;
	return nfree + n;
}

static uint32_t tx_queue(struct xio *io, uint64_t *free_frames, uint32_t nfree)
{
	struct xsk_ring *t = &io->x->tx;
	uint32_t i, idx, want = io->r->batch ? io->r->batch : XDP_BATCH;
	uint32_t n = bench_xsk_reserve(t, want < nfree ? want : nfree, &idx);

	for (i = 0; i < n; i++)
		((struct xdp_desc *)t->desc)[(idx + i) & t->mask] =
			(struct xdp_desc){ .addr = free_frames[--nfree],
					   .len = io->r->size + ETH_HLEN };
	bench_xsk_submit(t, n);
	return nfree;
}

/*
 * Copy mode sends from sendto() alone (at most 32 frames a call on 6.1
 * and 6.12), so the kick is every pass.  EBUSY: the device dropped the
 * frame (NET_XMIT_DROP) and the call stopped there; the frame completes
 * all the same, so it is taken off the count: a row counts what the
 * device took, as tun's do.  EAGAIN/ENOBUFS: try again.
 */
static int tx_kick(struct xio *io)
{
	if (!bench_xsk_needs_wakeup(&io->x->tx) ||
	    sendto(io->x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	if (errno == EBUSY) {
		io->dropped++;
		return 0;
	}
	if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
		return 0;
	snprintf(io->error, sizeof(io->error), "sendto (tx kick): %s",
		 strerror(errno));
	return -1;
}

static void xdp_tx(struct xio *io)
{
	static uint64_t free_frames[XSK_FRAMES];
	uint32_t nfree = XSK_FRAMES;

	if (tx_build(io, free_frames))
		return;
	while (!atomic_load_explicit(io->stop, memory_order_relaxed)) {
		nfree = tx_reap(io, free_frames, nfree);
		nfree = tx_queue(io, free_frames, nfree);
		if (tx_kick(io))
			break;
	}
	/* Copy mode completes a frame within the sendto() that sent it:
	 * what was sent is on the completion ring now. */
	tx_reap(io, free_frames, nfree);
	io->packets -= io->dropped < io->packets ? io->dropped : io->packets;
	io->bytes = io->packets * io->r->size;
}

static void *worker(void *arg)
{
	struct xio *io = arg;

	if (io->r->mode == MODE_RX)
		xdp_rx(io);
	else
		xdp_tx(io);
	return NULL;
}

/* The measured part: the worker pinned as devpath.c's, CPU around it. */
static void measure(struct xio *io, struct bench_generator *g,
		    struct bench_result *res)
{
	struct bench_cpu c0, c1;
	struct bench_vcpus v0, v1;
	double t0 = bench_now();
	pthread_t th;

	bench_cpu_read(&c0);
	bench_vcpus_read(&v0);
	if (pthread_create(&th, NULL, worker, io)) {
		snprintf(res->error, sizeof(res->error), "pthread_create");
		return;
	}
	res->pinned = bench_pin_thread(th, bench_worker_cpu(0));
	if (g)
		bench_gen_start(g, res);
	usleep((useconds_t)(io->r->duration * 1e6));
	atomic_store(io->stop, true);
	res->seconds = bench_now() - t0;
	bench_cpu_read(&c1);
	bench_vcpus_read(&v1);
	bench_cpu_share(&c0, &c1, res);
	bench_vcpus_share(&v0, &v1, res);
	pthread_join(th, NULL);
	if (g)
		bench_gen_close(g, res);
}

static void run_in_netns(const struct bench_run *r, struct xsk *x,
			 struct bench_result *res)
{
	struct bench_generator g = { 0 };
	atomic_bool stop = false;
	struct xio io = { .x = x, .r = r, .stop = &stop };
	bool rx = r->mode == MODE_RX;

	if (bench_env_fresh_netns(res->error, sizeof(res->error)) ||
	    veth_pair(res->error, sizeof(res->error)) ||
	    bench_xsk_open(x, XDP_DEV, rx, res->error, sizeof(res->error)) ||
	    bench_env_sink_dev(r, XDP_PEER, res->error, sizeof(res->error)))
		return;
	fprintf(stderr, "tunx-bench: xdp-veth: AF_XDP copy mode, %s\n",
		x->mode ? (strcmp(x->mode, "native") ? "generic XDP" :
			   "native XDP") : "tx (no XDP program)");
	if (rx && bench_gen_open(&g, r, &stop, XDP_PEER, res->error,
				 sizeof(res->error))) {
		bench_gen_close(&g, res);
		return;
	}
	measure(&io, rx ? &g : NULL, res);
	res->packets = io.packets;
	res->bytes = io.bytes;
	if (io.error[0] && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s", io.error);
	if (!rx)
		bench_env_sink_count_dev(r, XDP_PEER, res);
}

void bench_run_xdp(const struct bench_run *r, struct bench_result *res)
{
	const char *na = not_applicable(r);
	struct xsk x;

	if (na) {
		snprintf(res->error, sizeof(res->error), "%s", na);
		return;
	}
	if (r->mode == MODE_RX && r->rate)
		bench_gen_baseline(r, res);	/* the equal-load row's */
	memset(&x, 0, sizeof(x));
	x.fd = x.prog_fd = x.map_fd = x.link_fd = -1;
	res->batch_used = r->mode == MODE_TX && r->batch ? r->batch : XDP_BATCH;
	if (!res->error[0])
		run_in_netns(r, &x, res);
	bench_xsk_close(&x);
	bench_gen_equal_load(res);
	bench_env_home_netns();
}
