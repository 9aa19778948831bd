// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fake device: reads wait for close, writes vanish. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

static struct tunx_device *open_fake(bool nonblock)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_FAKE;
	cfg.nonblock = nonblock;
	cfg.name = "fk0";
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, NULL), 0);
	return dev;
}

static void writes_all_taken(void)
{
	struct tunx_device *f = open_fake(true);
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	tx_batch_init(&b, 9, 64);
	CU_ASSERT_EQUAL(tunx_write(f, b.bufs, b.sizes, 9, 0), 9);
	tx_batch_free(&b);
	tunx_close(f);
}

static void reads_never_ready(void)
{
	struct tunx_device *f = open_fake(true);
	struct tx_batch b;
	struct pollfd p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	tx_batch_init(&b, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(f, b.bufs, 64, b.sizes, 1, 0), -EAGAIN);
	p.fd = tunx_fd(f);
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 10), 0);
	tx_batch_free(&b);
	tunx_close(f);
}

static void *reader(void *arg)
{
	struct tx_batch b;
	intptr_t r;

	tx_batch_init(&b, 1, 64);
	r = tunx_read(arg, b.bufs, 64, b.sizes, 1, 0);
	tx_batch_free(&b);
	return (void *)r;
}

static void blocked_read_ends_with_closed(void)
{
	struct tunx_device *f = open_fake(false);
	pthread_t t;
	void *ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	pthread_create(&t, NULL, reader, f);
	tx_wait_entered(f);
	tunx_close(f);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
}

static void name_mtu_and_up_event(void)
{
	struct tunx_device *f = open_fake(true);
	unsigned int ev;
	char name[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(tunx_name(f, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "fk0");
	CU_ASSERT_EQUAL(tunx_name(f, name, 2), -ENOSPC);
	CU_ASSERT_EQUAL(tunx_mtu(f), 1500);
	CU_ASSERT_EQUAL(tunx_event_next(f, &ev), 1);
	CU_ASSERT_EQUAL(ev, TUNX_EVENT_UP);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(f, 20), -EINVAL);
	CU_ASSERT_STRING_EQUAL(tunx_backend_name(tunx_backend(f)), "fake");
	tunx_close(f);
}

struct mtu_flipper {
	struct tunx_device *dev;
	pthread_barrier_t *start;
	unsigned int mtu;
	int done;
};

static void *set_mtu_loop(void *arg)
{
	struct mtu_flipper *f = arg;
	int i;

	pthread_barrier_wait(f->start);
	for (i = 0; i < 20000; i++)
		if (tunx_link_set_mtu(f->dev, f->mtu))
			break;
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static unsigned int count_mtu_events(struct tunx_device *dev)
{
	unsigned int ev, n = 0;

	while (tunx_event_next(dev, &ev) == 1)
		n += ev == TUNX_EVENT_MTU_UPDATE;
	return n;
}

/*
 * Two threads set the MTU to two values at once: each change posts one
 * event, as a link's does, so a reader that rereads the MTU on every
 * event never keeps a stale one.  With only two values every change
 * flips it: the events' count has the parity of the final MTU.  The
 * events are counted as they come (the queue holds 4096).
 */
static void concurrent_mtu_changes_post_one_event_each(void)
{
	struct tunx_device *dev = open_fake(true);
	struct mtu_flipper a = { .mtu = 1400 }, b = { .mtu = 1500 };
	pthread_barrier_t start;
	unsigned int changes;
	pthread_t ta, tb;
	bool odd_ok = true;
	int round;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pthread_barrier_init(&start, NULL, 2);
	a.dev = b.dev = dev;
	a.start = b.start = &start;
	for (round = 0; round < 50 && odd_ok; round++) {
		CU_ASSERT_EQUAL_FATAL(tunx_link_set_mtu(dev, 1500), 0);
		count_mtu_events(dev);
		a.done = b.done = 0;
		pthread_create(&ta, NULL, set_mtu_loop, &a);
		pthread_create(&tb, NULL, set_mtu_loop, &b);
		changes = 0;
		while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE) ||
		       !__atomic_load_n(&b.done, __ATOMIC_ACQUIRE))
			changes += count_mtu_events(dev);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		changes += count_mtu_events(dev);
		CU_ASSERT(changes <= 40000);
		odd_ok = changes % 2 == (tunx_mtu(dev) == 1400);
		CU_ASSERT(odd_ok);
	}
	pthread_barrier_destroy(&start);
	tunx_close(dev);
}

static CU_TestInfo tests[] = {
	{ "writes_all_taken", writes_all_taken },
	{ "reads_never_ready", reads_never_ready },
	{ "blocked_read_ends_with_closed", blocked_read_ends_with_closed },
	{ "name_mtu_and_up_event", name_mtu_and_up_event },
	{ "concurrent_mtu_changes_post_one_event_each",
	  concurrent_mtu_changes_post_one_event_each },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("fake", tests, 0);
}
