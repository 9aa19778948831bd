// SPDX-License-Identifier: LGPL-2.1-or-later
/* Pipe: two connected memory devices. */
#include <errno.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static struct tunx_device *a, *b;

static void open_pair(unsigned int depth, bool nonblock)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.ring_entries = depth;
	cfg.nonblock = nonblock;
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
}

static void close_pair(void)
{
	tunx_close(a);
	tunx_close(b);
}

static void write_a_read_b_batch(void)
{
	struct tx_batch w, r;
	unsigned int i;

	open_pair(0, true);
	tx_batch_init(&w, 8, 128);
	tx_batch_init(&r, 8, 128);
	for (i = 0; i < 8; i++) {
		memset(w.bufs[i] + 16, (int)i, 40 + i);
		w.sizes[i] = 40 + i;
	}
	CU_ASSERT_EQUAL(tunx_write(a, w.bufs, w.sizes, 8, 16), 8);
	CU_ASSERT_EQUAL(tunx_read(b, r.bufs, 128, r.sizes, 8, 32), 8);
	for (i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(r.sizes[i], 40 + i);
		CU_ASSERT_EQUAL(r.bufs[i][32], i);
		CU_ASSERT_EQUAL(r.bufs[i][32 + 39 + i], i);
	}
	tx_batch_free(&w);
	tx_batch_free(&r);
	close_pair();
}

static void both_directions_independent(void)
{
	struct tx_batch x;

	open_pair(0, true);
	tx_batch_init(&x, 2, 64);
	x.sizes[0] = 10;
	x.bufs[0][0] = 'a';
	x.sizes[1] = 11;
	x.bufs[1][0] = 'b';
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx_write(b, x.bufs + 1, x.sizes + 1, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx_read(a, x.bufs, 64, x.sizes, 2, 0), 1);
	CU_ASSERT_EQUAL(x.bufs[0][0], 'b');
	CU_ASSERT_EQUAL(x.sizes[0], 11);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 2, 0), 1);
	CU_ASSERT_EQUAL(x.bufs[0][0], 'a');
	tx_batch_free(&x);
	close_pair();
}

static void read_empty_nonblock_eagain(void)
{
	struct tx_batch x;

	open_pair(0, true);
	tx_batch_init(&x, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 1, 0), -EAGAIN);
	tx_batch_free(&x);
	close_pair();
}

static void full_queue_partial_write(void)
{
	struct tx_batch x;

	open_pair(4, true);
	tx_batch_init(&x, 6, 64);
	for (unsigned int i = 0; i < 6; i++)
		x.sizes[i] = 20;
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 6, 0), 4);
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 2, 0), -EAGAIN);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 6, 0), 4);
	tx_batch_free(&x);
	close_pair();
}

static void *reader(void *arg)
{
	struct tx_batch x;
	intptr_t r;

	(void)arg;
	tx_batch_init(&x, 1, 64);
	r = tunx_read(b, x.bufs, 64, x.sizes, 1, 0);
	tx_batch_free(&x);
	return (void *)r;
}

static void shutdown_wakes_blocked_reader(void)
{
	pthread_t t;
	void *ret;

	open_pair(0, false);
	pthread_create(&t, NULL, reader, NULL);
	usleep(50000);
	tunx_shutdown(b);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
	CU_ASSERT_STRING_EQUAL(tunx_strerror(-ESHUTDOWN), "device closed");
	close_pair();
}

static void close_wakes_blocked_reader(void)
{
	pthread_t t;
	void *ret;

	open_pair(0, false);
	pthread_create(&t, NULL, reader, NULL);
	tx_wait_entered(b);
	tunx_close(b);	/* waits for the reader to leave, then frees */
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
	tunx_close(a);
}

static void peer_close_drains_then_closed(void)
{
	struct tx_batch x;

	open_pair(0, true);
	tx_batch_init(&x, 2, 64);
	x.sizes[0] = 20;
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 1, 0), 1);
	tunx_close(a);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 2, 0), 1);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 2, 0), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_write(b, x.bufs, x.sizes, 1, 0), -EPIPE);
	tx_batch_free(&x);
	tunx_close(b);
}

static void *writer(void *arg)
{
	struct tx_batch x;
	unsigned int i;

	(void)arg;
	tx_batch_init(&x, 1, 64);
	x.sizes[0] = 30;
	for (i = 0; i < 1000; i++) {
		x.bufs[0][0] = (uint8_t)i;
		if (tunx_write(a, x.bufs, x.sizes, 1, 0) != 1)
			break;
	}
	tx_batch_free(&x);
	return (void *)(intptr_t)i;
}

static void blocking_flow_keeps_order(void)
{
	struct tx_batch x;
	unsigned int got = 0, bad = 0;
	pthread_t t;
	void *ret;
	int i, r;

	open_pair(8, false);
	tx_batch_init(&x, 16, 64);
	pthread_create(&t, NULL, writer, NULL);
	while (got < 1000) {
		r = tunx_read(b, x.bufs, 64, x.sizes, 16, 0);
		if (r <= 0)
			break;
		for (i = 0; i < r; i++, got++)
			bad += x.bufs[i][0] != (uint8_t)got;
	}
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1000);
	CU_ASSERT_EQUAL(got, 1000);
	CU_ASSERT_EQUAL(bad, 0);
	tx_batch_free(&x);
	close_pair();
}

static void fd_polls_readable_when_queued(void)
{
	struct tx_batch x;
	struct pollfd p;

	open_pair(0, true);
	tx_batch_init(&x, 1, 64);
	p.fd = tunx_fd(b);
	p.events = POLLIN;
	CU_ASSERT(p.fd >= 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	x.sizes[0] = 20;
	tunx_write(a, x.bufs, x.sizes, 1, 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 1);
	tunx_read(b, x.bufs, 64, x.sizes, 1, 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	tx_batch_free(&x);
	close_pair();
}

static void small_read_buffer_emsgsize_keeps_packet(void)
{
	struct tx_batch x;

	open_pair(0, true);
	tx_batch_init(&x, 1, 200);
	x.sizes[0] = 100;
	tunx_write(a, x.bufs, x.sizes, 1, 0);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 90, x.sizes, 1, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 200, x.sizes, 1, 0), 1);
	CU_ASSERT_EQUAL(x.sizes[0], 100);
	tx_batch_free(&x);
	close_pair();
}

static void offset_beyond_buffer_einval(void)
{
	struct tx_batch x;
	char msg[128];

	open_pair(0, true);
	tx_batch_init(&x, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 1, 64), -EINVAL);
	CU_ASSERT(tunx_errmsg(b, msg, sizeof(msg)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "offset"));
	tx_batch_free(&x);
	close_pair();
}

static void events_up_at_open_and_mtu_update(void)
{
	unsigned int ev = 0;
	struct pollfd p;

	open_pair(0, true);
	p.fd = tunx_events_fd(a);
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 1);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), 1);
	CU_ASSERT_EQUAL(ev, TUNX_EVENT_UP);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(a, 1280), 0);
	CU_ASSERT_EQUAL(tunx_mtu(a), 1280);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), 1);
	CU_ASSERT_EQUAL(ev, TUNX_EVENT_MTU_UPDATE);
	CU_ASSERT_EQUAL(tunx_link_set_up(a, false), 0);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), 1);
	CU_ASSERT_EQUAL(ev, TUNX_EVENT_DOWN);
	close_pair();
}

static void shape_batch_name_backend(void)
{
	struct tunx_config cfg;
	char name[16];

	tunx_config_init(&cfg);
	cfg.batch = 7;
	cfg.name = "x";
	CU_ASSERT_FATAL(tunx_pipe_open(&a, &b, &cfg) == 0);
	CU_ASSERT_EQUAL(tunx_batch_size(a), 7);
	CU_ASSERT_EQUAL(tunx_backend(a), TUNX_BACKEND_PIPE);
	CU_ASSERT_STRING_EQUAL(tunx_backend_name(tunx_backend(b)), "pipe");
	CU_ASSERT_EQUAL(tunx_name(a, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "xa");
	CU_ASSERT_EQUAL(tunx_ifindex(a), 0);
	CU_ASSERT_EQUAL(tunx_min_read_offset(a), 0);
	CU_ASSERT_EQUAL(tunx_min_write_offset(a), 0);
	CU_ASSERT_EQUAL(tunx_link_add_addr(a, 2, "\x0a\0\0\1", 24), -EOPNOTSUPP);
	close_pair();
}

static void zero_copy_needs_tunx(void)
{
	struct tunx_pkt p;
	char msg[128];

	open_pair(0, true);
	CU_ASSERT_EQUAL(tunx_peek(a, &p, 1), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(tunx_reserve(a, &p, 1), -EOPNOTSUPP);
	tunx_errmsg(a, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tunx backend"));
	close_pair();
}

/* The header's promise: after shutdown every call that can fail says so. */
static void calls_after_shutdown_closed(void)
{
	struct tx_batch x;
	struct tunx_device *q;
	struct tunx_pkt p;
	struct tunx_io *io, *io2;
	unsigned int ev;
	uint8_t addr[4] = { 10, 0, 0, 1 }, pkt[20] = { 0x45 };
	char name[IFNAMSIZ];

	open_pair(0, true);
	tx_batch_init(&x, 1, 64);
	CU_ASSERT_FATAL(tunx_io_new(&io, a) == 0);
	tunx_shutdown(a);
	tunx_shutdown(a);	/* idempotent */
	x.sizes[0] = 20;
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 1, 0), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_read(a, x.bufs, 64, x.sizes, 1, 0), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 0, 0), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_read(a, x.bufs, 64, x.sizes, 1, 99), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_mtu(a), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_name(a, name, sizeof(name)), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_fd(a), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_events_fd(a), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_attach_queue(a, &q), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_peek(a, &p, 1), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_release(a, 1), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_reserve(a, &p, 1), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_submit(a, &p, 1), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_set_up(a, true), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(a, 1400), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_add_addr(a, AF_INET, addr, 24), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_del_addr(a, AF_INET, addr, 24), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_add_route(a, AF_INET, addr, 24, NULL), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_link_del_route(a, AF_INET, addr, 24), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_io_read(io, pkt, sizeof(pkt)), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_io_write(io, pkt, sizeof(pkt)), -ESHUTDOWN);
	/* Nothing new is built on it either (that used to succeed). */
	CU_ASSERT_EQUAL(tunx_io_new(&io2, a), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_filter_wrap(&q, a), -ESHUTDOWN);
	CU_ASSERT_EQUAL(tunx_callback_wrap(&q, a, NULL, NULL, NULL), -ESHUTDOWN);
	tunx_io_free(io);
	tx_batch_free(&x);
	close_pair();
}

static void *read_loop(void *arg)
{
	struct tunx_device *dev = arg;
	struct tx_batch x;
	int r;

	tx_batch_init(&x, 4, 64);
	while ((r = tunx_read(dev, x.bufs, 64, x.sizes, 4, 0)) > 0)
		;
	tx_batch_free(&x);
	return (void *)(intptr_t)r;
}

static void *write_loop(void *arg)
{
	struct tunx_device *dev = arg;
	struct tx_batch x;
	int r;

	tx_batch_init(&x, 4, 64);
	for (int i = 0; i < 4; i++)
		x.sizes[i] = 40;
	while ((r = tunx_write(dev, x.bufs, x.sizes, 4, 0)) > 0)
		;
	tx_batch_free(&x);
	return (void *)(intptr_t)r;
}

/*
 * wireguard-go's Close runs while its read loop is inside Read and calls
 * it again: close while a reader and a writer are inside, many times, and
 * every call ends in -ESHUTDOWN (ASan watches for freed memory).
 */
static void close_races_readers_and_writers(void)
{
	pthread_t r, w;
	void *rv, *wv;

	struct tx_batch x;

	tx_batch_init(&x, 4, 64);
	for (int i = 0; i < 4; i++)
		x.sizes[i] = 40;
	for (int i = 0; i < 200; i++) {
		open_pair(4, false);
		/* b's queue to a is full: the writer's first call blocks, so
		 * neither thread is ever between calls when close begins (a
		 * call that starts after close is a use after free in C) */
		CU_ASSERT_EQUAL(tunx_write(b, x.bufs, x.sizes, 4, 0), 4);
		pthread_create(&r, NULL, read_loop, b);
		pthread_create(&w, NULL, write_loop, b);
		tx_wait_users(b, 2);
		if (i & 1)
			usleep(100);
		tunx_close(b);
		pthread_join(r, &rv);
		pthread_join(w, &wv);
		CU_ASSERT_EQUAL((intptr_t)rv, -ESHUTDOWN);
		CU_ASSERT_EQUAL((intptr_t)wv, -ESHUTDOWN);
		tunx_close(a);
	}
	tx_batch_free(&x);
}

static int64_t wcpu;

static void *full_writer(void *arg)
{
	struct timespec t0, t1;
	struct tx_batch x;
	intptr_t r;

	(void)arg;
	tx_batch_init(&x, 1, 64);
	x.sizes[0] = 20;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	r = tunx_write(a, x.bufs, x.sizes, 1, 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	wcpu = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	tx_batch_free(&x);
	return (void *)r;
}

/* A blocked writer sleeps until the peer reads: no busy spin. */
static void blocked_write_sleeps_until_read(void)
{
	struct tx_batch x;
	pthread_t t;
	void *ret;

	open_pair(1, false);
	tx_batch_init(&x, 1, 64);
	x.sizes[0] = 20;
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 1, 0), 1);
	pthread_create(&t, NULL, full_writer, NULL);
	usleep(300000);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 1, 0), 1);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1);
	CU_ASSERT(wcpu < 30);
	tx_batch_free(&x);
	close_pair();
}

static void *drain_slowly(void *arg)
{
	struct tx_batch x;
	intptr_t got = 0;
	int r;

	(void)arg;
	tx_batch_init(&x, 2, 64);
	while (got < (intptr_t)arg) {
		usleep(5000);
		r = tunx_read(b, x.bufs, 64, x.sizes, 2, 0);
		if (r <= 0)
			break;
		got += r;
	}
	tx_batch_free(&x);
	return (void *)got;
}

/* wireguard-go ignores Write's count: a blocking write takes them all. */
static void blocking_write_takes_all(void)
{
	struct tx_batch x;
	pthread_t t;
	void *got;

	open_pair(2, false);
	tx_batch_init(&x, 6, 64);
	for (int i = 0; i < 6; i++)
		x.sizes[i] = 20;
	pthread_create(&t, NULL, drain_slowly, (void *)(intptr_t)6);
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 6, 0), 6);
	pthread_join(t, &got);
	CU_ASSERT_EQUAL((intptr_t)got, 6);
	tx_batch_free(&x);
	close_pair();
}

#define MW_THREADS 4
#define MW_BATCHES 200

static void *many_writer(void *arg)
{
	struct tx_batch x;
	intptr_t id = (intptr_t)arg;

	tx_batch_init(&x, 8, 64);
	for (int k = 0; k < MW_BATCHES; k++) {
		for (int i = 0; i < 8; i++) {
			x.bufs[i][0] = (uint8_t)id;
			x.sizes[i] = 20;
		}
		if (tunx_write(a, x.bufs, x.sizes, 8, 0) != 8)
			break;
	}
	tx_batch_free(&x);
	return NULL;
}

/* Writes from many threads at once (one per peer, as wireguard-go). */
static void many_writers_nothing_lost(void)
{
	pthread_t t[MW_THREADS];
	struct tx_batch x;
	int per[MW_THREADS] = { 0 }, got = 0, r;

	open_pair(16, false);
	for (intptr_t i = 0; i < MW_THREADS; i++)
		pthread_create(&t[i], NULL, many_writer, (void *)i);
	tx_batch_init(&x, 16, 64);
	while (got < MW_THREADS * MW_BATCHES * 8 &&
	       (r = tunx_read(b, x.bufs, 64, x.sizes, 16, 0)) > 0) {
		for (int i = 0; i < r; i++)
			if (x.bufs[i][0] < MW_THREADS)
				per[x.bufs[i][0]]++;
		got += r;
	}
	for (int i = 0; i < MW_THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(per[i], MW_BATCHES * 8);
	}
	tx_batch_free(&x);
	close_pair();
}

/* wireguard-go closes Events on Close: the fd wakes, next says closed. */
static void events_fd_wakes_at_shutdown(void)
{
	struct pollfd p;
	unsigned int ev;

	open_pair(0, true);
	while (tunx_event_next(a, &ev) == 1)
		;
	p.fd = tunx_events_fd(a);
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	tunx_shutdown(a);
	CU_ASSERT_EQUAL(poll(&p, 1, 100), 1);
	CU_ASSERT_EQUAL(tunx_event_next(a, &ev), -ESHUTDOWN);
	close_pair();
}

/* A burst of events is delivered whole (the oldest past 32 were lost). */
static void event_burst_past_32_kept(void)
{
	unsigned int ev, n = 0;

	open_pair(0, true);
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(tunx_link_set_mtu(a, 1300 + (unsigned int)i), 0);
	while (tunx_event_next(a, &ev) == 1)
		n++;
	CU_ASSERT_EQUAL(n, 101);	/* Up at open, 100 MTU updates */
	close_pair();
}

/*
 * Events say the state changed, as on real links: setting the state a
 * memory device already has reports nothing.  It used to report an Up, a
 * Down or an MTU update each time.
 */
static void events_only_when_the_state_changes(void)
{
	unsigned int ev, seen[3] = { 0 };

	open_pair(0, true);
	while (tunx_event_next(a, &ev) == 1)
		;	/* Up at open */
	CU_ASSERT_EQUAL(tunx_link_set_up(a, true), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(a, (unsigned int)tunx_mtu(a)), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(a, false), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(a, false), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(a, 1300), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(a, 1300), 0);
	while (tunx_event_next(a, &ev) == 1)
		seen[ev == TUNX_EVENT_UP ? 0 : ev == TUNX_EVENT_DOWN ? 1 : 2]++;
	CU_ASSERT_EQUAL(seen[0], 0);
	CU_ASSERT_EQUAL(seen[1], 1);
	CU_ASSERT_EQUAL(seen[2], 1);
	close_pair();
}

static void *set_mtus(void *arg)
{
	for (unsigned int i = 0; i < 1000; i++)
		tunx_link_set_mtu(arg, 1300 + i % 100);
	return NULL;
}

/* MTU set and read from two threads: [any] both (TSan saw a data race). */
static void mtu_set_and_read_from_two_threads(void)
{
	pthread_t th;
	int mtu;

	open_pair(0, true);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, set_mtus, a) == 0);
	for (int i = 0; i < 1000; i++) {
		mtu = tunx_mtu(a);
		CU_ASSERT(mtu == 1500 || (mtu >= 1300 && mtu < 1400));
	}
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(tunx_mtu(a), 1399);
	close_pair();
}

static struct tunx_device *made[2];

static int make_pipe(void *arg)
{
	(void)arg;
	return tunx_pipe_open(&made[0], &made[1], NULL);
}

static int make_memory(void *arg)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.backend = *(enum tunx_backend *)arg;
	return tunx_open(&made[0], &cfg, NULL);
}

static void seen(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg, (void)pkt, (void)len;
}

static int make_callback(void *arg)
{
	return tunx_callback_wrap(&made[1], arg, seen, NULL, NULL);
}

/*
 * Out of descriptors at each step of making a memory device or a callback
 * wrapper: -EMFILE, and nothing left open.
 */
static void memory_devices_out_of_fds_leak_none(void)
{
	enum tunx_backend b;

	CU_ASSERT(tx_out_of_fds(make_pipe, NULL) >= 2);
	tunx_close(made[0]);
	tunx_close(made[1]);
	b = TUNX_BACKEND_CHANNEL;
	CU_ASSERT(tx_out_of_fds(make_memory, &b) >= 2);
	tunx_close(made[0]);
	b = TUNX_BACKEND_FAKE;
	CU_ASSERT(tx_out_of_fds(make_memory, &b) >= 1);
	CU_ASSERT(tx_out_of_fds(make_callback, made[0]) >= 0);
	tunx_close(made[1]);	/* and the fake inside it */
}

/* An empty packet in a batch is taken and dropped, on every backend. */
static void zero_length_taken_and_dropped(void)
{
	struct tunx_device *c, *f;
	struct tunx_config cfg;
	struct tx_batch x;

	tx_batch_init(&x, 3, 64);
	x.sizes[0] = 20;
	x.sizes[1] = 0;
	x.sizes[2] = 21;
	open_pair(0, true);
	CU_ASSERT_EQUAL(tunx_write(a, x.bufs, x.sizes, 3, 0), 3);
	CU_ASSERT_EQUAL(tunx_read(b, x.bufs, 64, x.sizes, 3, 0), 2);
	CU_ASSERT_EQUAL(x.sizes[1], 21);
	close_pair();
	tunx_config_init(&cfg);
	cfg.nonblock = true;
	cfg.backend = TUNX_BACKEND_CHANNEL;
	CU_ASSERT_FATAL(tunx_open(&c, &cfg, NULL) == 0);
	x.sizes[0] = 0;
	x.sizes[1] = 0;
	CU_ASSERT_EQUAL(tunx_write(c, x.bufs, x.sizes, 2, 0), 2);
	CU_ASSERT_EQUAL(tunx_read(c, x.bufs, 64, x.sizes, 3, 0), -EAGAIN);
	tunx_close(c);
	cfg.backend = TUNX_BACKEND_FAKE;
	CU_ASSERT_FATAL(tunx_open(&f, &cfg, NULL) == 0);
	CU_ASSERT_EQUAL(tunx_write(f, x.bufs, x.sizes, 2, 0), 2);
	tunx_close(f);
	tx_batch_free(&x);
}

static CU_TestInfo tests[] = {
	{ "write_a_read_b_batch", write_a_read_b_batch },
	{ "both_directions_independent", both_directions_independent },
	{ "read_empty_nonblock_eagain", read_empty_nonblock_eagain },
	{ "full_queue_partial_write", full_queue_partial_write },
	{ "shutdown_wakes_blocked_reader", shutdown_wakes_blocked_reader },
	{ "close_wakes_blocked_reader", close_wakes_blocked_reader },
	{ "peer_close_drains_then_closed", peer_close_drains_then_closed },
	{ "blocking_flow_keeps_order", blocking_flow_keeps_order },
	{ "fd_polls_readable_when_queued", fd_polls_readable_when_queued },
	{ "small_read_buffer_emsgsize_keeps_packet", small_read_buffer_emsgsize_keeps_packet },
	{ "offset_beyond_buffer_einval", offset_beyond_buffer_einval },
	{ "events_up_at_open_and_mtu_update", events_up_at_open_and_mtu_update },
	{ "mtu_set_and_read_from_two_threads", mtu_set_and_read_from_two_threads },
	{ "memory_devices_out_of_fds_leak_none", memory_devices_out_of_fds_leak_none },
	{ "shape_batch_name_backend", shape_batch_name_backend },
	{ "zero_copy_needs_tunx", zero_copy_needs_tunx },
	{ "calls_after_shutdown_closed", calls_after_shutdown_closed },
	{ "close_races_readers_and_writers", close_races_readers_and_writers },
	{ "blocked_write_sleeps_until_read", blocked_write_sleeps_until_read },
	{ "blocking_write_takes_all", blocking_write_takes_all },
	{ "zero_length_taken_and_dropped", zero_length_taken_and_dropped },
	{ "events_fd_wakes_at_shutdown", events_fd_wakes_at_shutdown },
	{ "event_burst_past_32_kept", event_burst_past_32_kept },
	{ "events_only_when_the_state_changes", events_only_when_the_state_changes },
	{ "many_writers_nothing_lost", many_writers_nothing_lost },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("pipe", tests, 0);
}
