// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Busy polling in the generic wait: spin on ops->ready without a syscall,
 * give up after busy_ns of idleness and sleep in poll(), stop on shutdown.
 * A scripted backend counts what the wait did.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "../internal.h"

struct spin_dev {
	struct tunx_device dev;
	atomic_int ready_after;	/* ready() calls before it says yes; <0 never */
	atomic_int ready_calls, poll_calls;
	int idle_fd;		/* never readable */
};

static struct spin_dev *to_spin(struct tunx_device *dev)
{
	return (struct spin_dev *)dev;
}

static bool spin_ready(struct tunx_device *dev, short events)
{
	struct spin_dev *s = to_spin(dev);
	int after = atomic_load(&s->ready_after);

	(void)events;
	return atomic_fetch_add(&s->ready_calls, 1) >= after && after >= 0;
}

static int spin_poll_fd(struct tunx_device *dev, short events)
{
	(void)events;
	atomic_fetch_add(&to_spin(dev)->poll_calls, 1);
	return to_spin(dev)->idle_fd;
}

/* Reads succeed once ready() would say so. */
static int spin_read(struct tunx_device *dev, uint8_t *const *bufs,
		     size_t buf_size, size_t *sizes, unsigned int n,
		     size_t offset)
{
	struct spin_dev *s = to_spin(dev);

	(void)bufs; (void)buf_size; (void)n; (void)offset;
	if (atomic_load(&s->ready_after) < 0 ||
	    atomic_load(&s->ready_calls) <= atomic_load(&s->ready_after))
		return -EAGAIN;
	sizes[0] = 1;
	return 1;
}

static void spin_destroy(struct tunx_device *dev)
{
	close(to_spin(dev)->idle_fd);
	tunx__dev_free(dev);
	free(dev);
}

static const struct tunx_device_ops spin_ops = {
	.read = spin_read,
	.poll_fd = spin_poll_fd,
	.ready = spin_ready,
	.destroy = spin_destroy,
};

static struct spin_dev *spin_new(int64_t busy_ns, int ready_after)
{
	struct spin_dev *s = calloc(1, sizeof(*s));

	CU_ASSERT_EQUAL_FATAL(tunx__dev_init(&s->dev, &spin_ops,
					     TUNX_BACKEND_FAKE, NULL), 0);
	s->dev.busy_ns = busy_ns;
	atomic_init(&s->ready_after, ready_after);
	s->idle_fd = tunx__efd_new();
	return s;
}

static void spin_finds_work_without_poll(void)
{
	struct spin_dev *s = spin_new(1000000000, 1000);

	CU_ASSERT_EQUAL(tunx__wait(&s->dev, POLLIN, 0), 0);
	CU_ASSERT_EQUAL(atomic_load(&s->ready_calls), 1001);
	CU_ASSERT_EQUAL(atomic_load(&s->poll_calls), 0);
	tunx_close(&s->dev);
}

static void idle_spin_gives_up_then_polls(void)
{
	struct spin_dev *s = spin_new(3000000, -1);
	int64_t t0 = tx_ms();

	CU_ASSERT_EQUAL(tunx__wait(&s->dev, POLLIN, 1), 0);
	CU_ASSERT(tx_ms() - t0 >= 3);
	CU_ASSERT(atomic_load(&s->ready_calls) > 1);
	CU_ASSERT_EQUAL(atomic_load(&s->poll_calls), 1);
	tunx_close(&s->dev);
}

static void no_busy_poll_never_spins(void)
{
	struct spin_dev *s = spin_new(0, 0);

	CU_ASSERT_EQUAL(tunx__wait(&s->dev, POLLIN, 1), 0);
	CU_ASSERT_EQUAL(atomic_load(&s->ready_calls), 0);
	CU_ASSERT_EQUAL(atomic_load(&s->poll_calls), 1);
	tunx_close(&s->dev);
}

static void *shutdown_later(void *arg)
{
	usleep(20000);
	tunx_shutdown(arg);
	return NULL;
}

static void shutdown_ends_spin(void)
{
	struct spin_dev *s = spin_new(10000000000LL, -1);
	int64_t t0 = tx_ms();
	pthread_t t;

	pthread_create(&t, NULL, shutdown_later, &s->dev);
	CU_ASSERT_EQUAL(tunx__wait(&s->dev, POLLIN, -1), -ESHUTDOWN);
	CU_ASSERT(tx_ms() - t0 < 5000);
	CU_ASSERT_EQUAL(atomic_load(&s->poll_calls), 0);
	pthread_join(t, NULL);
	tunx_close(&s->dev);
}

/* The whole path: a blocking read spins, then gets its packet, no poll. */
static void blocking_read_spins_to_packet(void)
{
	struct spin_dev *s = spin_new(1000000000, 500);
	struct tx_batch b;

	tx_batch_init(&b, 1, 64);
	CU_ASSERT_EQUAL(tunx_read(&s->dev, b.bufs, 64, b.sizes, 1, 0), 1);
	CU_ASSERT_EQUAL(atomic_load(&s->poll_calls), 0);
	tx_batch_free(&b);
	tunx_close(&s->dev);
}

/* busy_poll is a hint: memory devices ignore it; a bad idle time is not. */
/* ... and says so in the reason; it used to say only "channel as asked". */
static void busy_poll_hint_ignored_by_memory_devices(void)
{
	struct tunx_device *dev = NULL, *peer = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_CHANNEL;
	cfg.busy_poll = true;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "busy poll off"));
	tunx_close(dev);
	cfg.backend = TUNX_BACKEND_FAKE;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "busy poll off"));
	tunx_close(dev);
	CU_ASSERT_EQUAL_FATAL(tunx_pipe_open(&dev, &peer, &cfg), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "busy poll off"));
	tunx_close(dev);
	tunx_close(peer);
	cfg.backend = TUNX_BACKEND_CHANNEL;
	cfg.busy_poll_usecs = 1000001;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "busy_poll_usecs"));
}

static CU_TestInfo tests[] = {
	{ "spin_finds_work_without_poll", spin_finds_work_without_poll },
	{ "idle_spin_gives_up_then_polls", idle_spin_gives_up_then_polls },
	{ "no_busy_poll_never_spins", no_busy_poll_never_spins },
	{ "shutdown_ends_spin", shutdown_ends_spin },
	{ "blocking_read_spins_to_packet", blocking_read_spins_to_packet },
	{ "busy_poll_hint_ignored_by_memory_devices",
	  busy_poll_hint_ignored_by_memory_devices },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("busy", tests, 0);
}
