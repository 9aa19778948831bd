// SPDX-License-Identifier: LGPL-2.1-or-later
/* Channel: a loopback memory device. */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static struct tunx_device *open_chan(unsigned int depth, bool nonblock)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_CHANNEL;
	cfg.ring_entries = depth;
	cfg.nonblock = nonblock;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, NULL), 0);
	return dev;
}

static void written_comes_back_in_order(void)
{
	struct tunx_device *c = open_chan(0, true);
	struct tx_batch b;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	tx_batch_init(&b, 5, 64);
	for (i = 0; i < 5; i++) {
		b.bufs[i][4] = (uint8_t)i;
		b.sizes[i] = 20 + i;
	}
	CU_ASSERT_EQUAL(tunx_write(c, b.bufs, b.sizes, 5, 4), 5);
	memset(b.sizes, 0, 5 * sizeof(size_t));
	CU_ASSERT_EQUAL(tunx_read(c, b.bufs, 64, b.sizes, 5, 0), 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(b.bufs[i][0], i);
		CU_ASSERT_EQUAL(b.sizes[i], 20 + i);
	}
	tx_batch_free(&b);
	tunx_close(c);
}

static void read_fewer_than_queued(void)
{
	struct tunx_device *c = open_chan(0, true);
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	tx_batch_init(&b, 4, 64);
	for (int i = 0; i < 4; i++)
		b.sizes[i] = 10;
	CU_ASSERT_EQUAL(tunx_write(c, b.bufs, b.sizes, 4, 0), 4);
	CU_ASSERT_EQUAL(tunx_read(c, b.bufs, 64, b.sizes, 3, 0), 3);
	CU_ASSERT_EQUAL(tunx_read(c, b.bufs, 64, b.sizes, 3, 0), 1);
	CU_ASSERT_EQUAL(tunx_read(c, b.bufs, 64, b.sizes, 3, 0), -EAGAIN);
	tx_batch_free(&b);
	tunx_close(c);
}

static void depth_bounds_writes(void)
{
	struct tunx_device *c = open_chan(2, true);
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	tx_batch_init(&b, 3, 64);
	for (int i = 0; i < 3; i++)
		b.sizes[i] = 10;
	CU_ASSERT_EQUAL(tunx_write(c, b.bufs, b.sizes, 3, 0), 2);
	CU_ASSERT_EQUAL(tunx_write(c, b.bufs, b.sizes, 1, 0), -EAGAIN);
	tx_batch_free(&b);
	tunx_close(c);
}

static void oversize_packet_emsgsize(void)
{
	struct tunx_device *c = open_chan(0, true);
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	tx_batch_init(&b, 1, 70000);
	b.sizes[0] = 65536;
	CU_ASSERT_EQUAL(tunx_write(c, b.bufs, b.sizes, 1, 0), -EMSGSIZE);
	tx_batch_free(&b);
	tunx_close(c);
}

static struct tunx_device *shared;

static void *blocked_reader(void *arg)
{
	struct tx_batch b;
	intptr_t r;

	(void)arg;
	tx_batch_init(&b, 1, 64);
	r = tunx_read(shared, b.bufs, 64, b.sizes, 1, 0);
	tx_batch_free(&b);
	return (void *)r;
}

static void blocking_read_wakes_on_write(void)
{
	struct tx_batch b;
	pthread_t t;
	void *ret;

	shared = open_chan(0, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(shared);
	pthread_create(&t, NULL, blocked_reader, NULL);
	usleep(30000);
	tx_batch_init(&b, 1, 64);
	b.sizes[0] = 33;
	CU_ASSERT_EQUAL(tunx_write(shared, b.bufs, b.sizes, 1, 0), 1);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1);
	tx_batch_free(&b);
	tunx_close(shared);
}

static int64_t thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *blocked_writer(void *arg)
{
	struct tx_batch b;
	int64_t cpu = thread_cpu_ms();
	intptr_t r;

	(void)arg;
	tx_batch_init(&b, 1, 64);
	b.sizes[0] = 20;
	r = tunx_write(shared, b.bufs, b.sizes, 1, 0);
	tx_batch_free(&b);
	*(int64_t *)arg = thread_cpu_ms() - cpu;
	return (void *)r;
}

/* A writer waiting on a full queue sleeps: it used to poll an always
 * writable eventfd, 50-60 % of a CPU. */
static void blocked_write_sleeps_until_room(void)
{
	struct tx_batch b;
	int64_t cpu = -1;
	pthread_t t;
	void *ret;

	shared = open_chan(1, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(shared);
	tx_batch_init(&b, 1, 64);
	b.sizes[0] = 20;
	CU_ASSERT_EQUAL(tunx_write(shared, b.bufs, b.sizes, 1, 0), 1);
	pthread_create(&t, NULL, blocked_writer, &cpu);
	usleep(300000);
	CU_ASSERT_EQUAL(tunx_read(shared, b.bufs, 64, b.sizes, 1, 0), 1);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1);
	printf("# blocked writer used %lld ms of CPU in 300 ms\n", (long long)cpu);
	CU_ASSERT(cpu >= 0 && cpu < 30);
	tx_batch_free(&b);
	tunx_close(shared);
}

static struct tunx_device *sig_dev;

static void on_sig(int sig)
{
	(void)sig;
	tunx_shutdown(sig_dev);	/* documented async-signal-safe */
}

static void *busy_loop(void *arg)
{
	struct tx_batch b;
	int r;

	(void)arg;
	tx_batch_init(&b, 8, 1500);
	for (int i = 0; i < 8; i++)
		b.sizes[i] = 1400;
	do {
		r = tunx_write(sig_dev, b.bufs, b.sizes, 8, 0);
		if (r != -ESHUTDOWN)
			r = tunx_read(sig_dev, b.bufs, 1500, b.sizes, 8, 0);
	} while (r != -ESHUTDOWN);
	tx_batch_free(&b);
	return NULL;
}

/*
 * The signal lands on the thread that is inside a write or read, most
 * likely holding the queue's lock: shutdown must not take it (it did,
 * and deadlocked).
 */
static void shutdown_from_signal_handler(void)
{
	struct sigaction sa = { .sa_handler = on_sig }, old;
	struct timespec ts;
	int stuck = 0;
	pthread_t t;

	sigaction(SIGUSR1, &sa, &old);
	for (int i = 0; i < 50 && !stuck; i++) {
		sig_dev = open_chan(16, true);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sig_dev);
		pthread_create(&t, NULL, busy_loop, NULL);
		usleep(1000 + (i % 5) * 300);
		pthread_kill(t, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		if (pthread_timedjoin_np(t, NULL, &ts)) {
			stuck = 1;	/* deadlocked: leave it, fail */
			pthread_detach(t);
			break;
		}
		tunx_close(sig_dev);
	}
	sigaction(SIGUSR1, &old, NULL);
	CU_ASSERT_EQUAL(stuck, 0);
}

static void close_wakes_blocked_reader(void)
{
	pthread_t t;
	void *ret;

	shared = open_chan(0, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(shared);
	pthread_create(&t, NULL, blocked_reader, NULL);
	usleep(30000);
	tunx_shutdown(shared);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
	tunx_close(shared);
}

static void pipe_backend_needs_pipe_open(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_PIPE;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tunx_pipe_open"));
	CU_ASSERT_PTR_NULL(dev);
}

static CU_TestInfo tests[] = {
	{ "written_comes_back_in_order", written_comes_back_in_order },
	{ "read_fewer_than_queued", read_fewer_than_queued },
	{ "depth_bounds_writes", depth_bounds_writes },
	{ "oversize_packet_emsgsize", oversize_packet_emsgsize },
	{ "blocking_read_wakes_on_write", blocking_read_wakes_on_write },
	{ "close_wakes_blocked_reader", close_wakes_blocked_reader },
	{ "blocked_write_sleeps_until_room", blocked_write_sleeps_until_room },
	{ "shutdown_from_signal_handler", shutdown_from_signal_handler },
	{ "pipe_backend_needs_pipe_open", pipe_backend_needs_pipe_open },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("channel", tests, 0);
}
