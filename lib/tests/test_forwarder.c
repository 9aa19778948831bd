// SPDX-License-Identifier: LGPL-2.1-or-later
/* Forwarder: moves batches between devices, with live swaps. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"


static void pipe_pair(struct tunx_device **x, struct tunx_device **y,
		      unsigned int batch)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.batch = batch;
	CU_ASSERT_FATAL(tunx_pipe_open(x, y, &cfg) == 0);
}

static void send_n(struct tunx_device *dev, unsigned int n, uint8_t tag)
{
	struct tx_batch b;
	unsigned int sent = 0;
	int r;

	tx_batch_init(&b, n, 64);
	for (unsigned int i = 0; i < n; i++) {
		b.bufs[i][0] = tag;
		b.bufs[i][1] = (uint8_t)i;
		b.sizes[i] = 30;
	}
	while (sent < n && (r = tunx_write(dev, b.bufs + sent, b.sizes + sent,
					   n - sent, 0)) > 0)
		sent += (unsigned int)r;
	tx_batch_free(&b);
}

/* Reads until n packets with @tag arrived (blocking device), in order. */
static unsigned int recv_n(struct tunx_device *dev, unsigned int n, uint8_t tag)
{
	struct tx_batch b;
	unsigned int got = 0;
	int r;

	tx_batch_init(&b, 16, 64);
	while (got < n) {
		r = tunx_read(dev, b.bufs, 64, b.sizes, 16, 0);
		if (r <= 0)
			break;
		for (int i = 0; i < r; i++)
			if (b.bufs[i][0] == tag && b.bufs[i][1] == (uint8_t)got)
				got++;
	}
	tx_batch_free(&b);
	return got;
}

static void moves_packets_in_order(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;
	uint64_t moved, dropped;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	send_n(a1, 100, 1);
	CU_ASSERT_EQUAL(recv_n(b2, 100, 1), 100);
	/* the thread counts after its write returns: give it a moment */
	for (int i = 0; i < 100; i++) {
		tunx_forwarder_counts(f, &moved, &dropped);
		if (moved == 100)
			break;
		usleep(10000);
	}
	CU_ASSERT_EQUAL(moved, 100);
	CU_ASSERT_EQUAL(dropped, 0);
	tunx_forwarder_free(f);	/* closes b1 and a2 */
	tunx_close(a1);
	tunx_close(b2);
}

static void chunks_to_destination_batch(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;

	pipe_pair(&a1, &b1, 32);
	pipe_pair(&a2, &b2, 2);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	send_n(a1, 64, 2);
	CU_ASSERT_EQUAL(recv_n(b2, 64, 2), 64);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(b2);
}

static void live_swap_read_device(void)
{
	struct tunx_device *a1, *b1, *a2, *b2, *a3, *b3, *old = NULL;
	struct tunx_forwarder *f;
	struct tx_batch x;
	int64_t t0;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	pipe_pair(&a3, &b3, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	send_n(a1, 10, 3);
	CU_ASSERT_EQUAL(recv_n(b2, 10, 3), 10);
	usleep(20000);	/* the thread is now blocked reading b1 */
	t0 = tx_ms();
	tunx_forwarder_set_read(f, b3, &old);
	CU_ASSERT(tx_ms() - t0 < 1000);
	CU_ASSERT_PTR_EQUAL(old, b1);
	tx_batch_init(&x, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(old, x.bufs, 64, x.sizes, 1, 0), -ESHUTDOWN);
	tx_batch_free(&x);
	tunx_close(old);
	send_n(a3, 10, 4);
	CU_ASSERT_EQUAL(recv_n(b2, 10, 4), 10);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(b2);
	tunx_close(a3);
}

static void live_swap_write_device(void)
{
	struct tunx_device *a1, *b1, *a2, *b2, *a3, *b3;
	struct tunx_forwarder *f;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	pipe_pair(&a3, &b3, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	send_n(a1, 5, 5);
	CU_ASSERT_EQUAL(recv_n(b2, 5, 5), 5);
	tunx_forwarder_set_write(f, a3, NULL);	/* a2 closed by the swap */
	send_n(a1, 5, 6);
	CU_ASSERT_EQUAL(recv_n(b3, 5, 6), 5);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(b2);
	tunx_close(b3);
}

static void no_write_device_holds_packets(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;
	uint64_t moved = 1, dropped = 1;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	/* no write device: nothing is read (or lost) until one is set */
	send_n(a1, 3, 7);
	usleep(50000);
	tunx_forwarder_counts(f, &moved, &dropped);
	CU_ASSERT_EQUAL(moved, 0);
	CU_ASSERT_EQUAL(dropped, 0);
	tunx_forwarder_set_write(f, a2, NULL);
	CU_ASSERT_EQUAL(recv_n(b2, 3, 7), 3);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(b2);
}

static void dead_write_device_counts_drops(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;
	uint64_t moved = 1, dropped = 0;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	tunx_close(b2);		/* the far end goes away: writes get EPIPE */
	send_n(a1, 4, 9);
	for (int i = 0; i < 100 && dropped < 4; i++) {
		usleep(10000);
		tunx_forwarder_counts(f, &moved, &dropped);
	}
	CU_ASSERT_EQUAL(moved, 0);
	CU_ASSERT_EQUAL(dropped, 4);
	tunx_forwarder_free(f);
	tunx_close(a1);
}

static void free_closes_its_devices(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;
	struct tunx_pool *pool;
	struct tx_batch x;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_pool_new(&pool, 70000, 0) == 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, pool) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	send_n(a1, 3, 8);
	CU_ASSERT_EQUAL(recv_n(b2, 3, 8), 3);
	tunx_forwarder_free(f);
	tx_batch_init(&x, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(b2, x.bufs, 64, x.sizes, 1, 0), -ESHUTDOWN);
	tx_batch_free(&x);
	tunx_pool_free(pool);
	tunx_close(a1);
	tunx_close(b2);
}

/*
 * One CPU, and this thread real-time above the forwarder's: once the
 * forwarder lets go of a device, the swapping thread runs at once and
 * frees it, so a forwarder that still touches it afterwards does so on
 * freed memory every time (ASan reports it), not once in a million.
 */
static bool pin_one_cpu(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	return !sched_setaffinity(0, sizeof(one), &one);
}

static bool go_realtime(bool on)
{
	struct sched_param sp = { .sched_priority = on ? 10 : 0 };

	return !pthread_setschedparam(pthread_self(), on ? SCHED_FIFO : SCHED_OTHER,
				      &sp);
}

static void unpin(void)
{
	cpu_set_t all;

	CPU_ZERO(&all);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * The thread, woken by a swap that shuts its read device down, must be
 * done with that device before the swap frees it.  It used to shut it
 * down again after letting go: a use after free that ASan reports.
 */
static void swap_read_many_times_no_use_after_free(void)
{
	struct tunx_device *a, *b, *a2, *b2, *sa[20];
	struct tunx_forwarder *f;
	struct tunx_p2p *p;
	bool rt;
	int i;

	pin_one_cpu();
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	CU_ASSERT_FATAL(tunx_p2p_new(&p, NULL) == 0);
	rt = go_realtime(true);	/* after the threads exist: they inherit it */
	tunx_forwarder_set_write(f, a2, NULL);
	for (i = 0; i < 20; i++) {
		pipe_pair(&sa[i], &b, 0);
		tunx_forwarder_set_read(f, b, NULL);	/* closes the old */
		usleep(2000);	/* let the thread block in its read */
	}
	if (rt)
		go_realtime(false);
	tunx_forwarder_free(f);
	for (i = 0; i < 20; i++)
		tunx_close(sa[i]);
	tunx_close(b2);
	/* the same through a p2p: set_a swaps both forwarders */
	pipe_pair(&a2, &b2, 0);
	rt = go_realtime(true);
	tunx_p2p_set_b(p, b2);
	for (i = 0; i < 20; i++) {
		pipe_pair(&sa[i], &a, 0);
		tunx_p2p_set_a(p, a);
		usleep(2000);
	}
	if (rt)
		go_realtime(false);
	tunx_p2p_free(p);
	for (i = 0; i < 20; i++)
		tunx_close(sa[i]);
	tunx_close(a2);
	unpin();
}

/*
 * One device as reader and writer (a loop), then a new reader: the device
 * leaves both roles and comes back shut down; nothing is read until a
 * writer is set again.  It stayed the writer, closed by its caller, and
 * the thread wrote to it (ASan: heap-use-after-free).
 */
static void swap_out_device_in_both_roles(void)
{
	struct tunx_device *a1, *b1, *a2, *b2, *a3, *b3, *old = NULL;
	struct tunx_forwarder *f;

	pipe_pair(&a1, &b1, 0);
	pipe_pair(&a2, &b2, 0);
	pipe_pair(&a3, &b3, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, b1, NULL);
	tunx_forwarder_set_read(f, b2, &old);
	CU_ASSERT_PTR_EQUAL(old, b1);
	tunx_close(old);
	send_n(a2, 10, 3);
	usleep(50000);	/* the thread would move them now, to b1 */
	tunx_forwarder_set_write(f, a3, &old);
	CU_ASSERT_PTR_NULL(old);
	CU_ASSERT_EQUAL(recv_n(b3, 10, 3), 10);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(a2);
	tunx_close(b3);
}

/* A pool of exactly 64 + 65535-byte buffers is the one buffers come from. */
static void pool_of_exact_size_is_used(void)
{
	struct tunx_forwarder *f;
	struct tunx_pool *pool;
	uint8_t *buf;

	CU_ASSERT_FATAL(tunx_pool_new(&pool, 64 + 65535, 128) == 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, pool) == 0);
	/* It took all 128 the pool may give. */
	CU_ASSERT_PTR_NULL(tunx_pool_get(pool));
	tunx_forwarder_free(f);
	buf = tunx_pool_get(pool);
	CU_ASSERT_PTR_NOT_NULL(buf);
	tunx_pool_put(pool, buf);
	tunx_pool_free(pool);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A non-blocking read device with nothing to read: the thread sleeps until
 * a packet comes (it spun on -EAGAIN, a CPU's worth).
 */
static void nonblocking_reader_sleeps_when_idle(void)
{
	struct tunx_device *a1, *b1, *a2, *b2;
	struct tunx_forwarder *f;
	struct tunx_config cfg;
	double t0, used;

	tunx_config_init(&cfg);
	cfg.nonblock = true;
	CU_ASSERT_FATAL(tunx_pipe_open(&a1, &b1, &cfg) == 0);
	pipe_pair(&a2, &b2, 0);
	CU_ASSERT_FATAL(tunx_forwarder_new(&f, NULL) == 0);
	tunx_forwarder_set_read(f, b1, NULL);
	tunx_forwarder_set_write(f, a2, NULL);
	usleep(50000);
	t0 = cpu_seconds();
	usleep(500000);
	used = cpu_seconds() - t0;
	CU_ASSERT(used < 0.1);
	send_n(a1, 10, 4);
	CU_ASSERT_EQUAL(recv_n(b2, 10, 4), 10);
	tunx_forwarder_free(f);
	tunx_close(a1);
	tunx_close(b2);
}

static CU_TestInfo tests[] = {
	{ "moves_packets_in_order", moves_packets_in_order },
	{ "chunks_to_destination_batch", chunks_to_destination_batch },
	{ "live_swap_read_device", live_swap_read_device },
	{ "live_swap_write_device", live_swap_write_device },
	{ "no_write_device_holds_packets", no_write_device_holds_packets },
	{ "dead_write_device_counts_drops", dead_write_device_counts_drops },
	{ "free_closes_its_devices", free_closes_its_devices },
	{ "swap_read_many_times_no_use_after_free", swap_read_many_times_no_use_after_free },
	{ "swap_out_device_in_both_roles", swap_out_device_in_both_roles },
	{ "pool_of_exact_size_is_used", pool_of_exact_size_is_used },
	{ "nonblocking_reader_sleeps_when_idle", nonblocking_reader_sleeps_when_idle },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("forwarder", tests, 0);
}
