// SPDX-License-Identifier: GPL-2.0
/*
 * The rx generators (bench.h, enum bench_gen).  rx measures the reader,
 * so the load must cost the machine less than the device does: the old
 * unconnected UDP flood cost about 11 vCPU-us a datagram under TCG (a
 * route lookup and socket accounting each) and saturated one vCPU before
 * the device did.  The packet generator hands pre-built frames straight
 * to the device's ndo_start_xmit: an AF_PACKET socket bound to the
 * device, with a TX_RING (TPACKET_V2) filled once and qdisc bypass, one
 * send() per batch.  Connected UDP sockets are the context a user would
 * see; the unconnected flood stays for comparison with older runs.
 *
 * Counting: "sent" is what the kernel took.  With qdisc bypass nothing
 * queues in front of the device: when its ring is full (tunx stops the
 * txq, tun drops), packet_direct_xmit fails, AF_PACKET puts the frame
 * back as a send request and send() says ENOBUFS; the frame goes again
 * on the next send(), so it is not sent until the device took it.  The
 * UDP generators count what sendmmsg() accepted, which a full qdisc may
 * still drop.  sent - read is reported as lost: dropped on the way, or
 * still queued when the run stopped.
 *
 * --rate holds any generator to a packet rate, for the equal-load row:
 * there the figure is CPU per packet, and the same generator's cost into
 * a dummy device (which frees every skb in its xmit) is taken off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define GEN_BATCH	64	/* packets per send()/sendmmsg() */
#define GEN_RING	256	/* TX_RING frames: 4 batches in flight */
#define GEN_PORT	9000	/* destination ports 9000..9015 */
#define GEN_DATA_OFF	TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

/*
 * A token bucket in bursts.  A burst is a millisecond's worth (at least 1,
 * at most GEN_BATCH), so a paced generator sends small bursts often, as
 * traffic does, rather than 64 packets every few milliseconds.  The bucket
 * holds 50 ms: in a loaded TCG VM a sleeping vCPU wakes milliseconds late
 * (with 4 bursts of depth, 10000/s came out as 6300/s at 86% idle), and
 * what it owes then goes in batches of up to GEN_BATCH.
 */
struct pacer {
	unsigned int rate, burst;
	double credit, depth, last;
};

static void pacer_init(struct pacer *p, unsigned int rate)
{
	p->rate = rate;
	p->burst = GEN_BATCH;
	if (rate)
		p->burst = rate / 1000 < 1 ? 1 :
			   rate / 1000 > GEN_BATCH ? GEN_BATCH : rate / 1000;
	p->credit = p->burst;
	p->depth = rate / 20.0 > 4.0 * p->burst ? rate / 20.0 : 4.0 * p->burst;
	p->last = bench_now();
}

static void nap(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Packets that may go now: a burst, once there is credit for it; 0 when
 * the run stopped meanwhile. */
static unsigned int pacer_wait(struct pacer *p, atomic_bool *stop)
{
	double now;

	if (!p->rate)
		return p->burst;
	for (;;) {
		now = bench_now();
		p->credit += (now - p->last) * p->rate;
		p->last = now;
		if (p->credit > p->depth)
			p->credit = p->depth;
		if (p->credit >= p->burst)
			return p->credit >= GEN_BATCH ? GEN_BATCH :
			       (unsigned int)p->credit;
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		nap((p->burst - p->credit) / p->rate);
	}
}

static void pacer_spent(struct pacer *p, unsigned int n)
{
	if (p->rate)
		p->credit -= n;
}

static bool stopped(const struct bench_generator *g)
{
	return atomic_load_explicit(g->stop, memory_order_relaxed);
}

/* A failure of the thread's sends; after the stop it is the teardown's. */
static void gen_fail(struct bench_generator *g, const char *what)
{
	if (!stopped(g))
		snprintf(g->error, sizeof(g->error), "%s generator: %s: %s",
			 bench_gen_names[g->r->gen], what, strerror(errno));
}

static bool transient(int e)
{
	return e == ENOBUFS || e == EAGAIN || e == EINTR || e == ECONNREFUSED;
}

/* ---- packet: AF_PACKET TX_RING with qdisc bypass ---- */

/* Frame @n of the ring's endless sequence (64-bit: the frame count need
 * not divide 2^32). */
static struct tpacket2_hdr *frame(const struct bench_generator *g, uint64_t n)
{
	unsigned int i = (unsigned int)(n % g->frames);

	return (struct tpacket2_hdr *)(g->ring +
		(size_t)(i / g->per_block) * g->block_size +
		(size_t)(i % g->per_block) * g->frame_size);
}

/* Frames as large as the packet, blocks of whole pages holding whole
 * frames, at least GEN_RING frames. */
static void ring_geometry(struct bench_generator *g, struct tpacket_req *req)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int f = TPACKET_ALIGN(GEN_DATA_OFF + g->r->size);
	unsigned int b = (f + (unsigned int)page - 1) / (unsigned int)page *
			 (unsigned int)page;
	unsigned int nb;

	g->frame_size = f;
	g->block_size = b;
	g->per_block = b / f;
	nb = (GEN_RING + g->per_block - 1) / g->per_block;
	g->frames = nb * g->per_block;
	*req = (struct tpacket_req){ .tp_block_size = b, .tp_block_nr = nb,
				     .tp_frame_size = f,
				     .tp_frame_nr = g->frames };
	g->ring_len = (size_t)b * nb;
}

/* Every frame holds its packet from the start: from the device's address
 * (where the UDP generators' come from) to the peer, one of 16 flows by
 * source port. */
static void ring_fill(struct bench_generator *g)
{
	unsigned int i;

	for (i = 0; i < g->frames; i++) {
		struct tpacket2_hdr *h = frame(g, i);

		bench_udp_packet((uint8_t *)h + GEN_DATA_OFF, g->r->size,
				 BENCH_DEV_ADDR, BENCH_PEER_ADDR,
				 (uint16_t)(GEN_PORT + i % BENCH_GEN_FLOWS),
				 GEN_PORT);
		h->tp_len = g->r->size;
		h->tp_status = TP_STATUS_AVAILABLE;
	}
}

static int packet_open(struct bench_generator *g, const char *ifname, char *err,
		       size_t len)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_IP) };
	int v2 = TPACKET_V2, one = 1, fd;
	struct tpacket_req req;
	const char *what;

	a.sll_ifindex = (int)if_nametoindex(ifname);
	fd = g->fd[0] = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g->nfd = fd >= 0;
	ring_geometry(g, &req);
	what = "socket(AF_PACKET)";
	if (fd < 0)
		goto fail;
	what = "PACKET_VERSION";
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)))
		goto fail;
	what = "PACKET_QDISC_BYPASS";
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		goto fail;
	what = "PACKET_TX_RING";
	if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)))
		goto fail;
	what = "mmap";
	g->ring = mmap(NULL, g->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (g->ring == MAP_FAILED) {
		g->ring = NULL;
		goto fail;
	}
	what = "bind";
	if (!a.sll_ifindex || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	ring_fill(g);
	return 0;
fail:
	snprintf(err, len, "packet generator: %s: %s", what, strerror(errno));
	return -1;
}

/* Frames from *tail the kernel is done with: count them sent. */
static void packet_reap(struct bench_generator *g, uint64_t *tail,
			uint64_t head)
{
	while (*tail != head && !(__atomic_load_n(&frame(g, *tail)->tp_status,
			__ATOMIC_ACQUIRE) & (TP_STATUS_SEND_REQUEST |
					     TP_STATUS_SENDING))) {
		(*tail)++;
		g->sent++;
	}
}

/* Hand the kernel up to @want more frames (as many as are free). */
static unsigned int packet_queue(struct bench_generator *g, uint64_t *head,
				 uint64_t tail, unsigned int want)
{
	unsigned int n;

	for (n = 0; n < want && *head - tail < g->frames; n++, (*head)++)
		__atomic_store_n(&frame(g, *head)->tp_status,
				 TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	return n;
}

static void *packet_thread(void *arg)
{
	struct bench_generator *g = arg;
	uint64_t head = 0, tail = 0;
	unsigned int want;
	struct pacer p;

	pacer_init(&p, g->r->rate);
	while (!stopped(g)) {
		want = pacer_wait(&p, g->stop);
		pacer_spent(&p, packet_queue(g, &head, tail, want));
		/*
		 * ENOBUFS: the device is full; the frame stays queued and
		 * goes again on the next send().  Nothing tells a packet
		 * socket of room, so nap rather than spin: on a VM a
		 * spinning vCPU takes host CPU from the reader's vCPU, and
		 * the device's ring holds milliseconds of packets, so a
		 * 50 us nap never leaves the reader waiting.
		 */
		if (send(g->fd[0], NULL, 0, MSG_DONTWAIT) < 0) {
			if (!transient(errno)) {
				gen_fail(g, "send");
				break;
			}
			g->refused += errno == ENOBUFS;
			if (errno == ENOBUFS)
				nap(50e-6);
		}
		packet_reap(g, &tail, head);
	}
	return NULL;
}

/* ---- udp and unconnected: sendmmsg() ---- */

static int udp_open(struct bench_generator *g, bool connected, char *err,
		    size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned int i, n = connected ? BENCH_GEN_FLOWS : 1;

	inet_pton(AF_INET, BENCH_PEER_ADDR, &to.sin_addr);
	for (i = 0; i < n; i++) {
		to.sin_port = htons((uint16_t)(GEN_PORT + i));
		g->fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (g->fd[i] < 0)
			break;
		g->nfd++;
		if (connected && connect(g->fd[i], (struct sockaddr *)&to,
					 sizeof(to)))
			break;
	}
	if (i == n)
		return 0;
	snprintf(err, len, "%s generator: %s: %s", bench_gen_names[g->r->gen],
		 g->fd[i] < 0 ? "socket" : "connect", strerror(errno));
	return -1;
}

/*
 * GEN_BATCH datagrams a call.  Connected: each call on the next flow's
 * socket.  Unconnected (the old flood): one socket, datagram i to flow
 * i % 16, an address and so a route lookup each.
 */
static void *udp_thread(void *arg)
{
	static uint8_t payload[65536];
	struct sockaddr_in to[BENCH_GEN_FLOWS];
	struct bench_generator *g = arg;
	bool connected = g->r->gen == GEN_UDP;
	struct iovec iov = { payload, g->r->size - 28 };
	struct mmsghdr m[GEN_BATCH];
	unsigned int i, k = 0, want;
	struct pacer p;
	int n;

	for (i = 0; i < BENCH_GEN_FLOWS; i++) {
		to[i] = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_port = htons((uint16_t)(GEN_PORT + i)) };
		inet_pton(AF_INET, BENCH_PEER_ADDR, &to[i].sin_addr);
	}
	memset(m, 0, sizeof(m));
	for (i = 0; i < GEN_BATCH; i++) {
		if (!connected) {
			m[i].msg_hdr.msg_name = &to[i % BENCH_GEN_FLOWS];
			m[i].msg_hdr.msg_namelen = sizeof(to[0]);
		}
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	pacer_init(&p, g->r->rate);
	while (!stopped(g) && (want = pacer_wait(&p, g->stop))) {
		n = sendmmsg(g->fd[k++ % g->nfd], m, want, 0);
		if (n < 0 && !transient(errno)) {
			gen_fail(g, "sendmmsg");
			break;
		}
		if (n > 0) {
			g->sent += (uint64_t)n;
			pacer_spent(&p, (unsigned int)n);
		}
	}
	return NULL;
}

/* ---- the generator's life ---- */

int bench_gen_open(struct bench_generator *g, const struct bench_run *r,
		   atomic_bool *stop, const char *ifname, char *err,
		   size_t len)
{
	*g = (struct bench_generator){ .r = r, .stop = stop };
	if (r->gen == GEN_PACKET)
		return packet_open(g, ifname, err, len);
	if (r->gen == GEN_UDP || r->gen == GEN_UNCONNECTED)
		return udp_open(g, r->gen == GEN_UDP, err, len);
	snprintf(err, len, "rx without a generator");
	return -1;
}

/* The thread on the generator's CPU, with the device's NAPI threads
 * (pin.c says why); res->pinned stays true only if all of it was. */
void bench_gen_start(struct bench_generator *g, struct bench_result *res)
{
	int cpu = bench_gen_cpu();

	g->running = !pthread_create(&g->th, NULL, g->r->gen == GEN_PACKET ?
				     packet_thread : udp_thread, g);
	if (!g->running) {
		snprintf(g->error, sizeof(g->error), "generator thread: %s",
			 strerror(errno));
		return;
	}
	res->pinned = bench_pin_thread(g->th, cpu) && res->pinned;
	res->napi_pinned = bench_pin_napi("bench0", cpu);
}

/* After the stop: join, count, and close; a generator that failed makes
 * the run's error. */
void bench_gen_close(struct bench_generator *g, struct bench_result *res)
{
	unsigned int i;

	if (g->running)
		pthread_join(g->th, NULL);
	g->running = false;
	res->gen_sent = g->sent;
	res->gen_refused = g->refused;
	if (g->error[0] && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s", g->error);
	if (g->ring)
		munmap(g->ring, g->ring_len);
	g->ring = NULL;
	for (i = 0; i < g->nfd; i++)
		close(g->fd[i]);
	g->nfd = 0;
}

/* ---- the equal-load row ---- */

/* A dummy device named and addressed as the device under test, so every
 * generator takes the same path into it. */
static int dummy_device(char *err, size_t len)
{
	static bool tried;

	if (!tried)
		bench_sh("modprobe -qa dummy 2>/dev/null");
	tried = true;
	if (!bench_sh("ip link add bench0 type dummy && "
		      "ip addr add " BENCH_DEV_ADDR "/24 dev bench0 && "
		      "ip link set bench0 up"))
		return 0;
	snprintf(err, len, "generator baseline: a dummy device failed "
		 "(needs the module dummy)");
	return -1;
}

/* The generator alone at the run's rate, measured as the run is. */
static void baseline_measure(const struct bench_run *r, struct bench_result *b)
{
	atomic_bool stop = false;
	struct bench_vcpus v0, v1;
	struct bench_generator g;

	if (bench_gen_open(&g, r, &stop, "bench0", b->error,
			   sizeof(b->error))) {
		bench_gen_close(&g, b);
		return;
	}
	b->pinned = true;
	bench_vcpus_read(&v0);
	bench_gen_start(&g, b);
	nap(r->duration);
	atomic_store(&stop, true);
	bench_vcpus_read(&v1);
	bench_gen_close(&g, b);
	bench_vcpus_share(&v0, &v1, b);
}

/*
 * rx at a --rate: before the device's run, in a namespace of its own, the
 * same generator at the same rate into a dummy device: its CPU per packet
 * is what the device's row takes off (bench_gen_equal_load()).
 */
void bench_gen_baseline(const struct bench_run *r, struct bench_result *res)
{
	struct bench_result b = { 0 };

	if (bench_env_fresh_netns(res->error, sizeof(res->error)))
		return;
	if (!dummy_device(res->error, sizeof(res->error))) {
		baseline_measure(r, &b);
		if (b.error[0])
			snprintf(res->error, sizeof(res->error),
				 "generator baseline: %.170s", b.error);
		else if (!b.gen_sent || b.cpu_busy_us <= 0)
			snprintf(res->error, sizeof(res->error),
				 "generator baseline: nothing measured (%llu "
				 "sent, %.0f us busy)",
				 (unsigned long long)b.gen_sent, b.cpu_busy_us);
		else
			res->gen_us_per_packet = b.cpu_busy_us /
						 (double)b.gen_sent;
		res->gen_base_sent = b.gen_sent;
	}
	bench_env_home_netns();
}

/* After the device's run: CPU per packet read, and the device's share. */
void bench_gen_equal_load(struct bench_result *res)
{
	if (res->error[0] || !res->run.rate)
		return;
	if (!res->packets || res->cpu_busy_us <= 0) {
		snprintf(res->error, sizeof(res->error), "equal load: nothing "
			 "measured (%llu read, %.0f us busy)",
			 (unsigned long long)res->packets, res->cpu_busy_us);
		return;
	}
	res->cpu_us_per_packet = res->cpu_busy_us / (double)res->packets;
	res->dev_us_per_packet = res->cpu_us_per_packet - res->gen_us_per_packet;
}

/*
 * Did the reader get at least 90% of the rate?  A row that fell short (the
 * generator or the device could not keep up; in a loaded TCG VM a sleeping
 * vCPU wakes late) measured CPU per packet at another load: it is shown,
 * marked, and is not an equal-load figure (bench_figure()).
 */
bool bench_gen_rate_reached(const struct bench_result *r)
{
	return r->seconds > 0 &&
	       (double)r->packets >= 0.9 * r->run.rate * r->seconds;
}

/* ---- output ---- */

static uint64_t lost(const struct bench_result *r)
{
	return r->gen_sent > r->packets ? r->gen_sent - r->packets : 0;
}

/* The table's tail for rx rows; and per-CPU shares for any row. */
void bench_gen_row(const struct bench_result *r)
{
	unsigned int i;

	if (r->run.mode == MODE_RX)
		printf(" gen %s sent %llu lost %llu%s",
		       bench_gen_names[r->run.gen],
		       (unsigned long long)r->gen_sent,
		       (unsigned long long)lost(r),
		       r->pinned ? " pinned" : "");
	if (r->run.rx_usecs)
		printf(" rx-usecs %u", r->run.rx_usecs);
	if (r->gen_refused)
		printf(" refused %llu", (unsigned long long)r->gen_refused);
	if (r->napi_pinned)
		printf(" +napi %u", r->napi_pinned);
	if (r->run.rate)
		printf(" rate %u/s%s cpu %.2f us/pkt gen %.2f dev %.2f",
		       r->run.rate, bench_gen_rate_reached(r) ? "" :
		       " NOT REACHED", r->cpu_us_per_packet,
		       r->gen_us_per_packet, r->dev_us_per_packet);
	for (i = 0; i < r->ncpus; i++)
		printf(" cpu%u %.0f/%.0f/%.0f/%.0f", i, r->vcpu[i].user,
		       r->vcpu[i].sys, r->vcpu[i].softirq, r->vcpu[i].idle);
}

/* The JSON fields of the above (each line starts ", "). */
void bench_gen_json(const struct bench_result *r)
{
	unsigned int i;

	printf(",\n     \"gen\": %s%s%s, \"rate\": %u, \"gen_sent\": %llu, "
	       "\"gen_lost\": %llu, \"gen_refused\": %llu, \"pinned\": %s, "
	       "\"napi_pinned\": %u, \"rx_usecs\": %u,",
	       r->run.gen ? "\"" : "",
	       r->run.gen ? bench_gen_names[r->run.gen] : "null",
	       r->run.gen ? "\"" : "", r->run.rate,
	       (unsigned long long)r->gen_sent, (unsigned long long)lost(r),
	       (unsigned long long)r->gen_refused, r->pinned ? "true" : "false",
	       r->napi_pinned, r->run.rx_usecs);
	printf("\n     \"cpu_busy_us\": %.0f, \"cpu_us_per_packet\": %.3f, "
	       "\"gen_us_per_packet\": %.3f, \"dev_us_per_packet\": %.3f, "
	       "\"gen_base_sent\": %llu, \"rate_reached\": %s,\n     "
	       "\"vcpus\": [",
	       r->cpu_busy_us, r->cpu_us_per_packet, r->gen_us_per_packet,
	       r->dev_us_per_packet, (unsigned long long)r->gen_base_sent,
	       !r->run.rate || bench_gen_rate_reached(r) ? "true" : "false");
	for (i = 0; i < r->ncpus; i++)
		printf("%s{\"cpu\": %u, \"user\": %.1f, \"sys\": %.1f, "
		       "\"softirq\": %.1f, \"idle\": %.1f}", i ? ", " : "", i,
		       r->vcpu[i].user, r->vcpu[i].sys, r->vcpu[i].softirq,
		       r->vcpu[i].idle);
	printf("]");
}
