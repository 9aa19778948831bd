// SPDX-License-Identifier: GPL-2.0
/*
 * tunx busy-poll mode (TUNX_ATTACH_BUSY_POLL): while the application keeps
 * its rings busy the kernel polls them, so the application makes no
 * syscall; once idle the usual need-wakeup protocol is back.  Every test
 * runs in a network namespace of its own where the device is 10.11.0.1/24.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

/* Long enough that a TCG-emulated writer never looks idle mid-run. */
#define LONG_USECS	1000000
#define PACKETS		2000
#define BURST		50	/* > the 8-slot rx ring, < the qdisc */
#define BURSTS		4

FIXTURE(busy) {
	struct st_queue q;
	int sock;
};

FIXTURE_SETUP(busy)
{
	int ret = st_fixture_enter(&self->q, &self->sock);

	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(busy)
{
	if (self->sock >= 0)
		close(self->sock);
	st_queue_close(&self->q);
}

static int attach_busy(int fd, const char *name, __u32 flags, __u32 usecs)
{
	struct tunx_attach a = {
		.size = sizeof(a), .flags = flags, .busy_poll_usecs = usecs,
	};

	strncpy(a.name, name, sizeof(a.name) - 1);
	return ioctl(fd, TUNX_IOC_ATTACH, &a) ? -errno : 0;
}

/* st_queue_open() with busy_poll_usecs, rx ring of rx entries. */
static int open_busy(struct st_queue *q, __u32 usecs, __u32 rx)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = st_open();
	if (q->fd < 0)
		return q->fd;
	strcpy(q->name, "bp0");
	ret = attach_busy(q->fd, q->name, TUNX_ATTACH_BUSY_POLL, usecs);
	if (!ret)
		ret = st_setup_rings(q->fd, rx, 0, 0, &q->setup);
	if (!ret)
		ret = st_queue_map(q);
	if (!ret)
		ret = st_net_up(q->name);
	return ret;
}

static bool tx_need_wakeup(struct st_queue *q)
{
	return st_need_wakeup(&q->tx);
}

/* Produce one test packet without kicking; false when the ring is full. */
static bool produce(struct st_queue *q, const char *tag)
{
	__u8 pkt[128], *buf;
	struct tunx_desc *d = st_tx_reserve(q, &buf);
	size_t len = st_test_packet(pkt, tag);

	if (!d)
		return false;
	memcpy(buf, pkt, len);
	memset(d, 0, sizeof(*d));
	d->addr = buf - q->tx.area;
	d->len = len;
	st_tx_submit(q);
	return true;
}

TEST_F(busy, feature_reported)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_get_info(fd, &info));
	EXPECT_TRUE(info.features & TUNX_FEAT_BUSY_POLL);
	close(fd);
}

TEST_F(busy, usecs_without_flag_einval)
{
	int fd = st_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, attach_busy(fd, "bp0", 0, 10));
	close(fd);
}

TEST_F(busy, usecs_above_max_einval)
{
	int fd = st_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, attach_busy(fd, "bp0", TUNX_ATTACH_BUSY_POLL,
				       TUNX_BUSY_POLL_MAX_USECS + 1));
	close(fd);
}

TEST_F(busy, attach_mismatch_einval)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = st_open(), fd2 = st_open();

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, attach_busy(fd, "bp0", TUNX_ATTACH_BUSY_POLL |
				 TUNX_ATTACH_MULTI_QUEUE, 0));
	ASSERT_EQ(0, st_get_info(fd, &info));
	EXPECT_TRUE(info.flags & TUNX_ATTACH_BUSY_POLL);
	EXPECT_EQ(-EINVAL, st_attach(fd2, "bp0", TUNX_ATTACH_MULTI_QUEUE,
				     NULL));
	EXPECT_EQ(0, attach_busy(fd2, "bp0", TUNX_ATTACH_BUSY_POLL |
				 TUNX_ATTACH_MULTI_QUEUE, 0));
	close(fd2);
	close(fd);
}

/* One kick starts the kernel polling; then PACKETS go without any. */
TEST_F(busy, tx_stream_needs_one_kick)
{
	int sent = 0, got, wakeup_seen = 0;
	struct tunx_stats st;
	long long deadline;

	ASSERT_EQ(0, open_busy(&self->q, LONG_USECS, 0));
	self->sock = st_udp_listen4(ST_LOCAL4, ST_PORT, 2000);
	ASSERT_LE(0, self->sock);
	ASSERT_TRUE(produce(&self->q, "first"));
	ASSERT_EQ(0, st_kick(self->q.fd));
	/* The kick only wakes the NAPI thread: let it start spinning. */
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
	st_msleep(20);
	deadline = st_now_ms() + 60000;
	while (sent < PACKETS && st_now_ms() < deadline) {
		if (tx_need_wakeup(&self->q))
			wakeup_seen++;
		if (produce(&self->q, "busy"))
			sent++;
		else
			st_udp_drain_nowait(self->sock);
	}
	ASSERT_EQ(PACKETS, sent);
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 10000));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(1, st.kicks);
	EXPECT_EQ(0, wakeup_seen);
	/* Every packet went to the stack (the socket may overflow). */
	EXPECT_EQ(PACKETS + 1, st.tx_packets);
	got = st_udp_drain(self->sock);
	EXPECT_LT(0, got);
	TH_LOG("%d packets without a kick, %d reached the socket", sent, got);
}

/* After busy_poll_usecs of idleness the kernel asks for kicks again. */
TEST_F(busy, idle_sets_need_wakeup)
{
	long long deadline;

	ASSERT_EQ(0, open_busy(&self->q, 1000, 0));
	ASSERT_TRUE(produce(&self->q, "first"));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
	deadline = st_now_ms() + 5000;
	while (!tx_need_wakeup(&self->q) && st_now_ms() < deadline)
		st_msleep(10);
	EXPECT_TRUE(tx_need_wakeup(&self->q));
	/* And the protocol still works: produce, kick, consumed. */
	ASSERT_TRUE(produce(&self->q, "again"));
	ASSERT_LE(0, st_tx_kick_if_needed(&self->q));
	EXPECT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
}

/*
 * Backpressure in busy mode: an 8-slot rx ring stops the queue over and
 * over, the spinning kernel restarts it, the reader never kicks after the
 * first and loses nothing.  The kernel spins for LONG_USECS after the last
 * tx descriptor it consumed: one before each burst gives every burst the
 * whole window, and only a burst that outlasts it (a host too loaded to
 * move 50 packets in a second) may see the reader asked to kick.
 */
TEST_F(busy, rx_backpressure_without_kicks)
{
	char payload[32] = "flood", buf[2048];
	int burst, i, got = 0, len, overran = 0, writer_kicks = 0;
	long long deadline, start;
	struct tunx_stats st;

	ASSERT_EQ(0, open_busy(&self->q, LONG_USECS, 8));
	ASSERT_TRUE(produce(&self->q, "start"));
	ASSERT_EQ(0, st_kick(self->q.fd));
	/* Else the first burst can stop the queue before the thread spins. */
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
	st_msleep(20);
	for (burst = 1; burst <= BURSTS; burst++) {
		if (burst > 1) {
			ASSERT_TRUE(produce(&self->q, "burst"));
			writer_kicks += st_need_wakeup(&self->q.tx);
			ASSERT_LE(0, st_tx_kick_if_needed(&self->q));
			ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
		}
		start = st_now_ms();
		for (i = 0; i < BURST; i++)
			ASSERT_EQ((int)sizeof(payload),
				  st_udp_send4(ST_PEER4, ST_PORT,
					       payload, sizeof(payload)));
		deadline = st_now_ms() + 20000;
		while (got < burst * BURST && st_now_ms() < deadline) {
			len = st_rx_take(&self->q, buf, sizeof(buf), NULL);
			if (len > 0 && len == 28 + (int)sizeof(payload))
				got++;
		}
		overran += st_now_ms() - start >= LONG_USECS / 1000;
	}
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(BURSTS * BURST, got);
	EXPECT_LT(0, st.queue_stops);
	if (!overran)
		EXPECT_EQ(1 + writer_kicks, st.kicks);
	EXPECT_EQ(0, st.rx_dropped);
	TH_LOG("%d bursts outlasted the window, %d writer kicks", overran,
	       writer_kicks);
	TH_LOG("%d read, %llu queue stops, %llu kicks", got,
	       (unsigned long long)st.queue_stops,
	       (unsigned long long)st.kicks);
}

/* Close and link delete while the kernel thread spins on the queue. */
TEST_F(busy, close_while_spinning)
{
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, open_busy(&self->q, LONG_USECS, 0));
		ASSERT_TRUE(produce(&self->q, "spin"));
		ASSERT_EQ(0, st_kick(self->q.fd));
		if (i & 1)
			ASSERT_EQ(0, st_if_delete(self->q.name));
		st_queue_close(&self->q);
	}
}

/*
 * With threaded NAPI turned off (sysfs), the poll runs in softirq context:
 * it must not spin there, so the queue goes idle, NEED_WAKEUP set, right
 * after its work instead of busy_poll_usecs (1 s) later.
 */
TEST_F(busy, threaded_off_does_not_spin_in_softirq)
{
	long long start, deadline;

	ASSERT_EQ(0, open_busy(&self->q, LONG_USECS, 0));
	ASSERT_EQ(0, st_sysfs_net_write(self->q.name, "threaded", "0"));
	start = st_now_ms();
	ASSERT_TRUE(produce(&self->q, "softirq"));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
	deadline = start + 400;
	while (!tx_need_wakeup(&self->q) && st_now_ms() < deadline)
		st_msleep(5);
	EXPECT_TRUE(tx_need_wakeup(&self->q));
	TH_LOG("NEED_WAKEUP after %lld ms", st_now_ms() - start);
	/* Back on: it spins again, NEED_WAKEUP clear while it does. */
	ASSERT_EQ(0, st_sysfs_net_write(self->q.name, "threaded", "1"));
	ASSERT_TRUE(produce(&self->q, "thread"));
	ASSERT_LE(0, st_tx_kick_if_needed(&self->q));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 5000));
	st_msleep(50);
	EXPECT_FALSE(tx_need_wakeup(&self->q));
}

/*
 * Only packets the kernel accepts keep the poll spinning: an invalid
 * descriptor now and then (here every 200 ms, idle time 500 ms) must not
 * keep a kernel thread busy forever, so NEED_WAKEUP comes back between
 * them.  It used to stay clear as long as such descriptors kept coming.
 */
TEST_F(busy, invalid_descriptors_do_not_extend_the_spin)
{
	struct tunx_stats st;
	struct tunx_desc *d;
	int woke = 0, i;

	ASSERT_EQ(0, open_busy(&self->q, 500000, 0));
	for (i = 0; i < 12; i++) {
		if (i && tx_need_wakeup(&self->q))
			woke++;
		d = st_tx_reserve(&self->q, NULL);
		ASSERT_NE(NULL, d);
		memset(d, 0, sizeof(*d));	/* len 0: invalid */
		st_tx_submit(&self->q);
		ASSERT_LE(0, st_tx_kick_if_needed(&self->q));
		st_msleep(200);
	}
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(12, st.invalid_descs);
	EXPECT_LT(0, woke);
}

ST_HARNESS_MAIN
