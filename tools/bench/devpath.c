// SPDX-License-Identifier: GPL-2.0
/*
 * The packet modes, one worker thread per queue:
 *   tx    user -> kernel: write batches of UDP packets to the sink address,
 *         where the run's sink (bench.h) takes them; counts what the
 *         device took, and what the sink saw.
 *   rx    kernel -> user: a generator (gen.c: AF_PACKET straight into the
 *         device's xmit, or UDP sockets) loads the device; counts what the
 *         workers read.
 *   echo  a socket sends one datagram at a time through the device and a
 *         worker reflects it back: round trips per second and latency.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"
#include "gen.h"

struct worker {
	struct tunx_device *dev;
	const struct bench_run *r;
	atomic_bool *stop;
	unsigned int queue;
	uint64_t packets, bytes;
	struct bench_calls calls;	/* this thread's polls and kicks */
	char error[160];		/* set: this queue's worker could not run */
	pthread_t th;
	struct bench_gate *start;	/* the start line: worker_start() */
	bool running, started;
};

/* Test hook (tools/tests/tools.sh): a worker whose setup takes this long,
 * as one did in a loaded VM, to check that the run does not count it. */
static void test_setup_delay(void)
{
	const char *ms = getenv("TUNX_BENCH_TEST_SETUP_DELAY_MS");

	if (ms)
		usleep((useconds_t)strtoul(ms, NULL, 10) * 1000);
}

static void start_line(struct bench_gate *g, bool *started)
{
	if (*started)
		return;
	*started = true;
	test_setup_delay();
	pthread_mutex_lock(&g->lock);
	g->arrived++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

void bench_io_start(struct bench_io *io)
{
	start_line(io->start, &io->started);
}

static void worker_start(struct worker *w)
{
	start_line(w->start, &w->started);
}

/* Opens the gate once the @n workers that run have all arrived. */
static void start_when_all(struct bench_gate *g, unsigned int n)
{
	pthread_mutex_lock(&g->lock);
	while (g->arrived < n)
		pthread_cond_wait(&g->cond, &g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

struct bufs {
	uint8_t **b;
	size_t *sizes, off, cap;
	unsigned int n;
};

static int bufs_alloc(struct bufs *b, struct tunx_device *dev)
{
	size_t rd = tunx_min_read_offset(dev), wr = tunx_min_write_offset(dev);
	unsigned int i;

	b->n = tunx_batch_size(dev);
	b->off = rd > wr ? rd : wr;
	b->cap = b->off + 65536;
	b->b = calloc(b->n, sizeof(*b->b));
	b->sizes = calloc(b->n, sizeof(*b->sizes));
	if (!b->b || !b->sizes)
		return -ENOMEM;
	for (i = 0; i < b->n; i++)
		if (!(b->b[i] = malloc(b->cap)))
			return -ENOMEM;
	return 0;
}

static void bufs_free(struct bufs *b)
{
	unsigned int i;

	for (i = 0; b->b && i < b->n; i++)
		free(b->b[i]);
	free(b->b);
	free(b->sizes);
}

static void put_port(uint8_t *pkt, uint16_t port)
{
	pkt[20] = (uint8_t)(port >> 8);
	pkt[21] = (uint8_t)port;
}

/* Every packet of a batch is its own flow (source port); see tx_worker. */
static uint16_t tx_port(const struct worker *w, unsigned int i)
{
	return (uint16_t)(1024 + w->queue * 4096 + i % 4096);
}

/*
 * Batches above what tunx_write() takes (64) go through reserve/submit,
 * the library's only call that can hand the kernel more at once: each
 * packet is written straight into its tx frame.  A full ring waits in
 * poll(), which also kicks the kernel.
 */
static void tx_zero_copy(struct worker *w)
{
	unsigned int i, size = w->r->size;
	unsigned int n = w->r->batch ? w->r->batch : tunx_batch_size(w->dev);
	struct tunx_pkt *p = calloc(n, sizeof(*p));
	uint8_t *tmpl = malloc(size);
	struct pollfd pfd = { .fd = tunx_fd(w->dev), .events = POLLOUT };
	int k;

	if (!p || !tmpl)
		goto out;
	bench_udp_packet(tmpl, size, BENCH_PEER_ADDR, BENCH_SINK_ADDR, 1024,
			  BENCH_SINK_PORT);
	worker_start(w);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		k = tunx_reserve(w->dev, p, n);
		if (k == -EAGAIN) {
			poll(&pfd, 1, 100);
			continue;
		}
		if (k < 0)
			break;
		for (i = 0; i < (unsigned int)k; i++) {
			memcpy(p[i].data, tmpl, size);
			put_port(p[i].data, tx_port(w, i));
			p[i].len = size;
		}
		k = tunx_submit(w->dev, p, (unsigned int)k);
		if (k < 0)
			break;
		w->packets += (uint64_t)k;
		w->bytes += (uint64_t)k * size;
	}
out:
	free(p);
	free(tmpl);
}

static bool wants_zero_copy(const struct worker *w)
{
	return tunx_backend(w->dev) == TUNX_BACKEND_TUNX &&
	       (w->r->batch > tunx_batch_size(w->dev) ||
		w->r->backend == BK_TUNX_ZC);
}

/* Backends with workers of their own (zc.c): run it on this queue. */
static bool own_io(struct worker *w)
{
	bench_io_fn *fn = bench_own_io(w->r);
	struct bench_io io = { .dev = w->dev, .r = w->r, .stop = w->stop,
			       .queue = w->queue, .start = w->start };

	if (!fn)
		return false;
	fn(&io);
	w->started = io.started;
	w->packets += io.packets;
	w->bytes += io.bytes;
	memcpy(w->error, io.error, sizeof(w->error));
	return true;
}

/*
 * A worker's call failed and it stops: the row says so, or a row that
 * read or wrote nothing would look like a slow device.
 */
static void worker_failed(struct worker *w, const char *call, int err)
{
	/* After the stop, tunx_shutdown() ends a blocked call: no failure. */
	if (atomic_load(w->stop))
		return;
	snprintf(w->error, sizeof(w->error), "%s: %s", call,
		 tunx_strerror(err));
}

/*
 * Every packet of a batch is its own flow (source port): with tun-vnet the
 * library would otherwise coalesce a batch of one flow into a single
 * super-packet that the sink takes whole, which measures nothing.
 * Bulk TCP, where coalescing is real, is the tcp mode's job.
 */
static void *tx_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i, size = w->r->size;
	uint8_t (*hdr)[28] = NULL;
	struct bufs b = { 0 };
	int n;

	bench_calls = &w->calls;

	if (own_io(w))
		return NULL;
	if (wants_zero_copy(w)) {
		tx_zero_copy(w);
		return NULL;
	}
	if (bufs_alloc(&b, w->dev) || !(hdr = calloc(b.n, sizeof(*hdr))))
		goto out;
	for (i = 0; i < b.n; i++) {
		bench_udp_packet(b.b[i] + b.off, size, BENCH_PEER_ADDR,
				 BENCH_SINK_ADDR, tx_port(w, i),
				 BENCH_SINK_PORT);
		b.sizes[i] = size;
		memcpy(hdr[i], b.b[i] + b.off, sizeof(hdr[i]));
	}
	worker_start(w);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		/* A backend may rewrite headers in place: restore them. */
		for (i = 0; i < b.n; i++)
			memcpy(b.b[i] + b.off, hdr[i], sizeof(hdr[i]));
		n = tunx_write(w->dev, b.b, b.sizes, b.n, b.off);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			worker_failed(w, "tunx_write", n);
			break;
		}
		w->packets += (uint64_t)n;
		w->bytes += (uint64_t)n * size;
	}
out:
	free(hdr);
	bufs_free(&b);
	return NULL;
}

static void *rx_worker(void *arg)
{
	struct worker *w = arg;
	struct bufs b = { 0 };
	int i, n;

	bench_calls = &w->calls;
	if (own_io(w))
		return NULL;
	if (bufs_alloc(&b, w->dev))
		goto out;
	worker_start(w);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		n = tunx_read(w->dev, b.b, b.cap, b.sizes, b.n, b.off);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			worker_failed(w, "tunx_read", n);
			break;
		}
		w->packets += (uint64_t)n;
		for (i = 0; i < n; i++)
			w->bytes += b.sizes[i];
	}
out:
	bufs_free(&b);
	return NULL;
}

static void *echo_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int done;
	struct bufs b = { 0 };
	int i, n, k;

	bench_calls = &w->calls;
	if (bufs_alloc(&b, w->dev))
		goto out;
	worker_start(w);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		n = tunx_read(w->dev, b.b, b.cap, b.sizes, b.n, b.off);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++)
			bench_reflect(b.b[i] + b.off, b.sizes[i]);
		for (done = 0; done < (unsigned int)n; done += (unsigned int)k) {
			k = tunx_write(w->dev, b.b + done, b.sizes + done,
				       (unsigned int)n - done, b.off);
			if (k <= 0)
				break;
		}
		w->packets += (uint64_t)n;
	}
out:
	bufs_free(&b);
	return NULL;
}

/* UDP socket in the bench namespace aimed at the far side of the device. */
static int udp_socket(uint16_t port, struct sockaddr_in *to)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(port);
	inet_pton(AF_INET, BENCH_PEER_ADDR, &to->sin_addr);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The socket sink: a UDP socket on the sink address, read 64 datagrams a
 * call (truncated to 2 KiB: only the count matters) until the run stops
 * and the last packets have come through. */
struct sink {
	atomic_bool *stop;
	int fd;
	uint64_t packets, lost0;
	pthread_t th;
};

static int sink_open(struct sink *s, char *err, size_t len)
{
	struct timeval tv = { .tv_usec = 100000 };
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(BENCH_SINK_PORT) };
	int buf = 4 << 20;

	inet_pton(AF_INET, BENCH_SINK_ADDR, &a.sin_addr);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(err, len, "socket sink: %s", strerror(errno));
		return -1;
	}
	/* As root, past rmem_max: the reader, not the buffer, should limit. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->lost0 = bench_env_udp_rcvbuf_errors();
	return 0;
}

static void *sink_thread(void *arg)
{
	static uint8_t buf[64][2048];
	struct sink *s = arg;
	struct mmsghdr m[64];
	struct iovec iov[64];
	int i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		n = recvmmsg(s->fd, m, 64, MSG_WAITFORONE, NULL);
		if (n > 0) {
			s->packets += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* timed out (100 ms without a packet) or failed */
		if (atomic_load(s->stop) || (n < 0 && errno != EAGAIN))
			break;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* echo load: ping-pong, one datagram in flight; returns round trips. */
static uint64_t ping_pong(const struct bench_run *r, struct bench_result *res)
{
	static uint8_t buf[65536];
	size_t cap = 1 << 20, n = 0;
	double *rtt = malloc(cap * sizeof(*rtt)), end, t0;
	struct sockaddr_in to;
	int fd = udp_socket(7, &to);

	if (fd < 0 || !rtt || connect(fd, (struct sockaddr *)&to, sizeof(to)))
		goto out;
	end = bench_now() + r->duration;
	while ((t0 = bench_now()) < end && n < cap) {
		if (send(fd, buf, r->size - 28, 0) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) < 0)
			continue;	/* lost or timed out: not a sample */
		rtt[n++] = (bench_now() - t0) * 1e6;
	}
	if (n) {
		qsort(rtt, n, sizeof(*rtt), cmp_double);
		res->rtt_p50_us = rtt[n / 2];
		res->rtt_p99_us = rtt[n * 99 / 100];
	}
out:
	if (fd >= 0)
		close(fd);
	free(rtt);
	return n;
}

static void *(*const worker_fn[])(void *) = {
	[MODE_TX] = tx_worker, [MODE_RX] = rx_worker, [MODE_ECHO] = echo_worker,
};

/* A worker that gave up before its start line passes it on the way out. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;

	worker_fn[w->r->mode](w);
	worker_start(w);
	return NULL;
}

static int open_queues(struct worker *w, const struct bench_run *r,
		       struct bench_result *res)
{
	unsigned int q;
	int e;

	if (bench_env_fresh_netns(res->error, sizeof(res->error)))
		return -1;
	if (bench_env_open(&w[0].dev, r, res->error, sizeof(res->error)))
		return -1;
	if (bench_env_sink(r, res->error, sizeof(res->error)))
		return -1;
	for (q = 1; q < r->queues; q++) {
		e = tunx_attach_queue(w[0].dev, &w[q].dev);
		if (e) {
			snprintf(res->error, sizeof(res->error),
				 "attaching queue %u: %s", q, tunx_strerror(e));
			return -1;
		}
	}
	/*
	 * tx: a tunx device starts its NAPI threads with its first batch of
	 * more than 8 packets, a few milliseconds into a run; start them now,
	 * as the sysfs knob does, so the timed window is the steady state
	 * and the threads are there to be pinned (pin.c).
	 */
	if (r->mode == MODE_TX && bench_backend_is_tunx(r->backend))
		bench_sh("echo 1 >/sys/class/net/bench0/threaded 2>/dev/null");
	res->batch_used = tunx_batch_size(w[0].dev);
	res->zero_copy = r->mode == MODE_TX && wants_zero_copy(&w[0]);
	if (res->zero_copy && r->batch)
		res->batch_used = r->batch;
	if (r->backend == BK_TUNX_ZC)
		res->zero_copy = true;	/* rx: peek/release (zc.c) */
	return 0;
}

/* Kicks, wakeups and queue stops over the run: where the syscalls went.
 * The device's counters add its queues up, so the first queue asks. */
static void count_events(struct worker *w, struct tunx_stats *st, bool after,
			 struct bench_result *res)
{
	struct tunx_stats now;

	if (bench_dev_stats(w[0].dev, after ? &now : st))
		return;
	if (!after)
		return;
	res->kicks = now.kicks - st->kicks;
	res->wakeups = now.wakeups - st->wakeups;
	res->queue_stops = now.queue_stops - st->queue_stops;
}

static void measure(struct worker *w, unsigned int nq, struct tunx_stats *st,
		    struct bench_result *res)
{
	const struct bench_run *r = w[0].r;
	struct bench_generator g = { 0 };
	struct sink sk = { .stop = w[0].stop, .fd = -1 };
	bool sock = r->mode == MODE_TX && r->sink == SINK_SOCKET;
	struct bench_cpu c0, c1;
	struct bench_vcpus v0, v1;
	struct bench_gate start = { .lock = PTHREAD_MUTEX_INITIALIZER,
				    .cond = PTHREAD_COND_INITIALIZER };
	unsigned int q, running = 0;
	double t0;

	if (sock && (sink_open(&sk, res->error, sizeof(res->error)) ||
		     pthread_create(&sk.th, NULL, sink_thread, &sk))) {
		if (sk.fd >= 0)
			close(sk.fd);
		return;
	}
	if (r->mode == MODE_RX && bench_gen_open(&g, r, w[0].stop, "bench0",
						 res->error, sizeof(res->error))) {
		bench_gen_close(&g, res);
		return;
	}
	res->pinned = r->mode != MODE_ECHO;
	for (q = 0; q < nq; q++) {
		w[q].start = &start;
		w[q].running = !pthread_create(&w[q].th, NULL, worker_main,
					       &w[q]);
		if (!w[q].running) {
			snprintf(w[q].error, sizeof(w[q].error),
				 "worker thread: %s", strerror(errno));
			continue;
		}
		running++;
		/* tx and rx: the workers on their own CPUs (pin.c) */
		if (r->mode != MODE_ECHO)
			res->pinned = bench_pin_thread(w[q].th,
					bench_worker_cpu(q)) && res->pinned;
	}
	start_when_all(&start, running);
	t0 = bench_now();
	bench_cpu_read(&c0);
	bench_vcpus_read(&v0);
	if (r->mode == MODE_RX)
		bench_gen_start(&g, res);
	/* tx: a threaded device's NAPI threads take the stack's work off the
	 * writers' CPUs; pinned to the CPU no writer uses, the row's per-CPU
	 * split shows who did what (pin.c). */
	if (r->mode == MODE_TX && bench_gen_cpu() >= 0)
		res->napi_pinned = bench_pin_napi("bench0", bench_gen_cpu());
	if (r->mode == MODE_ECHO)
		res->packets = ping_pong(r, res);
	else
		usleep((useconds_t)(r->duration * 1e6));
	atomic_store(w[0].stop, true);
	res->seconds = bench_now() - t0;
	bench_cpu_read(&c1);
	bench_vcpus_read(&v1);
	bench_cpu_share(&c0, &c1, res);
	bench_vcpus_share(&v0, &v1, res);
	count_events(w, st, true, res);	/* before shutdown closes them */
	for (q = 0; q < nq; q++)
		tunx_shutdown(w[q].dev);
	if (r->mode == MODE_RX)
		bench_gen_close(&g, res);
	for (q = 0; q < nq; q++)
		if (w[q].running)
			pthread_join(w[q].th, NULL);
	if (sock) {
		pthread_join(sk.th, NULL);
		close(sk.fd);
		res->sink_packets = sk.packets;
		res->sink_lost = bench_env_udp_rcvbuf_errors() - sk.lost0;
	} else if (r->mode == MODE_TX) {
		bench_env_sink_count(r, res);
	}
}

void bench_run_device(const struct bench_run *r, struct bench_result *res)
{
	struct worker w[TUNX_MAX_QUEUES] = { 0 };
	atomic_bool stop = false;
	unsigned int q, nq = r->mode == MODE_ECHO ? 1 : r->queues;

	for (q = 0; q < TUNX_MAX_QUEUES; q++)
		w[q] = (struct worker){ .r = r, .stop = &stop, .queue = q };
	if (r->mode == MODE_RX && r->rate)
		bench_gen_baseline(r, res);	/* the equal-load row's */
	if (!res->error[0] && !open_queues(w, r, res)) {
		struct tunx_stats st = { 0 };

		count_events(w, &st, false, res);
		measure(w, nq, &st, res);
		for (q = 0; q < nq; q++) {
			res->polls += w[q].calls.polls;
			res->kick_ioctls += w[q].calls.kick_ioctls;
			/* A worker that could not run makes the figure no
			 * measurement: say why instead. */
			if (w[q].error[0] && !res->error[0])
				snprintf(res->error, sizeof(res->error),
					 "queue %u: %s", q, w[q].error);
		}
		for (q = 0; r->mode != MODE_ECHO && q < nq; q++) {
			res->packets += w[q].packets;
			res->bytes += w[q].bytes;
		}
		if (r->mode == MODE_ECHO)
			res->bytes = res->packets * 2 * r->size;
		bench_gen_equal_load(res);
	}
	for (q = r->queues; q-- > 0;)
		if (w[q].dev)
			tunx_close(w[q].dev);
	bench_env_home_netns();
}
