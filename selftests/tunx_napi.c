// SPDX-License-Identifier: GPL-2.0
/*
 * Where a tunx device's tx work runs.  A device the host's admin makes has
 * threaded NAPI from its first batch of more than 8 packets on: a kick
 * hands such a batch to the queue's kernel thread while that thread found
 * its CPU free of other work, so the stack's work leaves the writer's
 * CPU; when it found other tasks waiting there, the kick consumes the
 * batch itself (tx_inline_polls), as softirq would.  A kick that finds NAPI running
 * leaves its packets to that poll: the race below checks none is lost.
 * sysfs 'threaded' 0 puts NAPI back in the kicker's softirq.  Every test
 * runs in a network namespace of its own where the device is 10.11.0.1/24.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

#define ROUNDS		64
#define BATCH		16	/* more than the kernel's inline maximum, 8 */
#define MAX_HOGS	64
#define RACE_MS		4000	/* default length of the kicker race */
#define RACE_BATCH	48	/* most packets a race round produces */
#define RACE_WAIT_MS	10000	/* a round's ring must drain in this */

FIXTURE(napi) {
	struct st_queue q;
	pthread_t hogs[MAX_HOGS];
	int nhogs;
	atomic_bool stop;
};

FIXTURE_SETUP(napi)
{
	int ret = st_fixture_enter(&self->q, NULL);

	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, st_queue_up(&self->q, NULL, "nt0", 0, 0, 0, 0, 0));
}

FIXTURE_TEARDOWN(napi)
{
	int i;

	atomic_store(&self->stop, true);
	for (i = 0; i < self->nhogs; i++)
		pthread_join(self->hogs[i], NULL);
	st_queue_close(&self->q);
}

/* Produce BATCH test packets, kick once, wait until NAPI took them all. */
static int send_batch(struct st_queue *q)
{
	__u8 pkt[128];
	size_t len = st_test_packet(pkt, "napi");
	int i, ret = 0;

	for (i = 0; !ret && i < BATCH; i++)
		ret = st_tx_produce(q, pkt, len);
	if (!ret)
		ret = st_kick(q->fd);
	return ret ? ret : st_tx_wait_consumed(q, 10000);
}

/* tx_inline_polls gained over ROUNDS batches. */
static int inline_polls_over_rounds(struct st_queue *q, __u64 *gained)
{
	struct tunx_stats a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	int i, ret;

	ret = st_get_stats(q->fd, &a);
	for (i = 0; !ret && i < ROUNDS; i++)
		ret = send_batch(q);
	if (!ret)
		ret = st_get_stats(q->fd, &b);
	*gained = b.tx_inline_polls - a.tx_inline_polls;
	return ret;
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

struct hog {
	atomic_bool *stop;
	int cpu;
};

static void *hog_run(void *arg)
{
	struct hog h = *(struct hog *)arg;

	free(arg);
	if (pin_self(h.cpu))
		return NULL;
	while (!atomic_load_explicit(h.stop, memory_order_relaxed))
		;
	return NULL;
}

/* One spinning thread pinned to each CPU we may run on. */
static int hog_every_cpu(pthread_t *hogs, int *nhogs, atomic_bool *stop)
{
	cpu_set_t set;
	struct hog *h;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE && *nhogs < MAX_HOGS; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		h = malloc(sizeof(*h));
		if (!h)
			return -ENOMEM;
		h->stop = stop;
		h->cpu = cpu;
		if (pthread_create(&hogs[*nhogs], NULL, hog_run, h)) {
			free(h);
			return -EAGAIN;
		}
		(*nhogs)++;
	}
	return 0;
}

/* Two CPUs we may run on, or -1. */
static int two_cpus(int *a, int *b)
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			*(n++ ? b : a) = cpu;
	return n == 2 ? 0 : -1;
}

static char threaded_reads(struct __test_metadata *_metadata,
			   struct st_queue *q)
{
	char val[16] = "";

	EXPECT_EQ(0, st_sysfs_net_read(q->name, "threaded", val, sizeof(val)));
	return val[0];
}

/*
 * No thread until a kick has a batch for one (kernel/threads.c): a
 * thousand idle devices pin no kernel stacks.  Short batches never start
 * them; the first batch of more than 8 does.
 */
TEST_F(napi, threads_start_with_the_first_batch_for_them)
{
	__u8 pkt[128];
	size_t len = st_test_packet(pkt, "short");
	int i;

	if (threaded_reads(_metadata, &self->q) == '1')
		SKIP(return, "this kernel starts them with the device (6.17+)");
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, st_tx_produce(&self->q, pkt, len));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 10000));
	st_msleep(200);
	EXPECT_EQ('0', threaded_reads(_metadata, &self->q));
	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	EXPECT_EQ('1', threaded_reads(_metadata, &self->q));
}

/*
 * 'threaded' 0 written before the first batch is what it already read:
 * the threads still start with that batch (tunx(4)).
 */
TEST_F(napi, threaded_0_before_the_first_batch_changes_nothing)
{
	if (threaded_reads(_metadata, &self->q) == '1')
		SKIP(return, "this kernel starts them with the device (6.17+)");
	ASSERT_EQ(0, st_sysfs_net_write(self->q.name, "threaded", "0"));
	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	EXPECT_EQ('1', threaded_reads(_metadata, &self->q));
}

/*
 * The start runs later, from a work item that holds the device: a device
 * closed (and so deleted) right after the kick that asked for threads must
 * still go away, each time, and leave nothing behind.
 */
TEST_F(napi, device_deleted_while_its_threads_start)
{
	__u8 pkt[128];
	size_t len = st_test_packet(pkt, "gone");
	struct st_queue q;
	long long t0;
	int i, n;

	for (n = 0; n < 50; n++) {
		ASSERT_EQ(0, st_queue_open(&q, "nd0", 0, 0, 0, 0));
		for (i = 0; i < 16; i++)
			ASSERT_EQ(0, st_tx_produce(&q, pkt, len));
		ASSERT_EQ(0, st_kick(q.fd));
		st_queue_close(&q);
		t0 = st_now_ms();
		while (st_if_index("nd0") > 0 && st_now_ms() - t0 < 10000)
			st_msleep(1);
		ASSERT_EQ(0, st_if_index("nd0"));
	}
	/* The module still makes devices that start their threads. */
	EXPECT_EQ(0, st_napi_threads_start(&self->q));
}

/*
 * With a spinning task on every CPU the NAPI thread finds company wherever
 * it wakes, so kicks consume their batches in place; one kick in 16 still
 * goes to the thread to look again (the first kick, and those of the 63
 * after it that are the 16th, 32nd and 48th: at most 60 in place).
 */
TEST_F(napi, busy_cpus_kicks_consume_in_place)
{
	__u64 gained;

	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	ASSERT_EQ(0, hog_every_cpu(self->hogs, &self->nhogs, &self->stop));
	ASSERT_EQ(0, inline_polls_over_rounds(&self->q, &gained));
	TH_LOG("%llu of %d kicks consumed their batch in place",
	       (unsigned long long)gained, ROUNDS);
	EXPECT_GE(gained, ROUNDS / 2);
	EXPECT_LE(gained, ROUNDS - 4);
}

/*
 * A CPU of its own for the thread: batches go to it, off the writer's.
 * Now and then the thread finds a guest task beside it there, and the next
 * 15 kicks stay in place: allow three such times.
 */
TEST_F(napi, idle_cpu_takes_batches_off_the_writer)
{
	__u64 gained;
	int mine, spare;

	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	if (two_cpus(&mine, &spare))
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, pin_self(mine));
	ASSERT_EQ(1, st_pin_threads("napi/nt0-", spare));
	ASSERT_EQ(0, inline_polls_over_rounds(&self->q, &gained));
	TH_LOG("%llu of %d kicks consumed their batch in place",
	       (unsigned long long)gained, ROUNDS);
	EXPECT_LE(gained, ROUNDS * 3 / 4);
}

/* Threads off: NAPI runs in the kicker's softirq, never "in place". */
TEST_F(napi, threads_off_run_in_softirq)
{
	__u64 gained;

	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	ASSERT_EQ(0, st_sysfs_net_write(self->q.name, "threaded", "0"));
	ASSERT_EQ(0, hog_every_cpu(self->hogs, &self->nhogs, &self->stop));
	ASSERT_EQ(0, inline_polls_over_rounds(&self->q, &gained));
	EXPECT_EQ(0, gained);
}

/*
 * Two threads kick the queue while the writer produces, one through
 * TUNX_IOC_KICK and one through poll(), as a VPN's reader and writer both
 * do.  A kick that finds NAPI running leaves its packets to the running
 * poll's re-check (tunx_tx_inline()); if that hand-over ever lost a
 * packet, the ring would keep descriptors with no kick coming.
 */
struct kicker {
	int fd;
	bool use_poll;
	atomic_bool *quiet;	/* the writer is checking: stop kicking */
	atomic_bool parked;	/* acknowledged quiet */
	atomic_bool *stop;
	unsigned long kicks;
};

static void kicker_once(struct kicker *k)
{
	struct pollfd pfd = { .fd = k->fd, .events = POLLIN | POLLOUT };

	if (k->use_poll)
		poll(&pfd, 1, 0);
	else
		st_kick(k->fd);
	k->kicks++;
}

static void *kicker_run(void *arg)
{
	struct kicker *k = arg;

	while (!atomic_load(k->stop)) {
		if (atomic_load(k->quiet)) {
			atomic_store(&k->parked, true);
			/* Asleep, so the NAPI thread has the CPUs. */
			while (atomic_load(k->quiet) && !atomic_load(k->stop))
				usleep(100);
			atomic_store(&k->parked, false);
			continue;
		}
		kicker_once(k);
	}
	return NULL;
}

/* Quiet the kickers and wait until neither is inside a kick. */
static void kickers_park(struct kicker *k, int n, atomic_bool *quiet)
{
	int i;

	atomic_store(quiet, true);
	for (i = 0; i < n; i++)
		while (!atomic_load(&k[i].parked))
			sched_yield();
}

struct race {
	struct st_queue *q;
	struct kicker k[2];
	atomic_bool quiet;
	unsigned int seed;
	unsigned long rounds;
	unsigned long unasked;	/* rounds whose writer saw no NEED_WAKEUP */
	__u64 produced;
	__u32 stuck;		/* descriptors left when a round timed out */
};

/*
 * One round: a batch produced packet by packet while the kickers run, the
 * writer's own kick only if the kernel asks (F), then, kickers parked, the
 * ring must drain with no further kick.
 */
static int race_round(struct race *r)
{
	struct st_queue *q = r->q;
	__u8 pkt[128];
	size_t len = st_test_packet(pkt, "race");
	int i, n = 1 + rand_r(&r->seed) % RACE_BATCH, ret = 0;

	atomic_store(&r->quiet, false);
	for (i = 0; !ret && i < n && st_tx_free(q); i++)
		ret = st_tx_produce(q, pkt, len);
	r->produced += i - (ret != 0);
	if (!ret && st_need_wakeup(&q->tx))
		ret = st_kick(q->fd);
	else if (!ret)
		r->unasked++;
	kickers_park(r->k, 2, &r->quiet);
	if (!ret)
		ret = st_tx_wait_consumed(q, RACE_WAIT_MS);
	r->stuck = q->tx.local - st_load_acquire(q->tx.consumer);
	r->rounds++;
	return ret;
}

TEST_F_TIMEOUT(napi, two_kickers_and_a_writer_lose_no_packet, 300)
{
	struct tunx_stats a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	const char *env = getenv("TUNX_NAPI_RACE_MS");
	long long end = st_now_ms() + (env ? atoi(env) : RACE_MS);
	struct race r = { .q = &self->q, .seed = (unsigned int)st_now_us() };
	pthread_t t[2];
	int i, ret = 0;

	atomic_store(&r.quiet, true);
	ASSERT_EQ(0, st_napi_threads_start(&self->q));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &a));
	for (i = 0; i < 2; i++) {
		r.k[i].fd = self->q.fd;
		r.k[i].use_poll = i;
		r.k[i].quiet = &r.quiet;
		r.k[i].stop = &self->stop;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, kicker_run, &r.k[i]));
	}
	while (!ret && st_now_ms() < end)
		ret = race_round(&r);
	atomic_store(&self->stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(0, st_get_stats(self->q.fd, &b));
	TH_LOG("seed %u: %lu rounds (%lu unasked), kicks %lu + %lu, %llu inline",
	       r.seed, r.rounds, r.unasked, r.k[0].kicks, r.k[1].kicks,
	       (unsigned long long)(b.tx_inline_polls - a.tx_inline_polls));
	EXPECT_EQ(0, r.stuck);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(r.produced, b.tx_packets - a.tx_packets);
}

ST_HARNESS_MAIN
