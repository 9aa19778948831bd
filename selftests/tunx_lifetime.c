// SPDX-License-Identifier: GPL-2.0
/*
 * tunx object lifetimes: close/detach/delete in every order, link and netns
 * deletion while mapped and during traffic, rmmod with persistent devices,
 * munmap and fork during traffic, two processes on one queue, close during a
 * blocking poll, netns moves and renames.  Expected: clean errors, memory
 * that stays valid while mapped, no splat (the VM runner checks dmesg).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

FIXTURE(lifetime) {
	struct st_queue q;
	int sock;
};

FIXTURE_SETUP(lifetime)
{
	int ret = st_fixture_enter(&self->q, &self->sock);

	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->sock >= 0)
		close(self->sock);
	st_queue_close(&self->q);
}

static int open_up(struct st_queue *q, int *sock, const char *name,
		   __u32 flags)
{
	return st_queue_up(q, sock, name, flags, 16, 16, 0, 1000);
}

static bool link_exists(const char *name)
{
	return st_if_index(name) > 0;
}

/* Wait for a link to appear (want) or go away (!want). */
static bool wait_link(const char *name, bool want, int ms)
{
	long long end = st_now_ms() + ms;

	while (link_exists(name) != want) {
		if (st_now_ms() > end)
			return false;
		st_msleep(10);
	}
	return true;
}

/* ---- background traffic ---- */

struct traffic {
	struct st_queue *q;
	atomic_bool stop;
	bool rx;		/* send UDP into the rx ring, else tx ring */
	unsigned long sent;
};

static void *traffic_fn(void *arg)
{
	struct traffic *t = arg;
	char pkt[256];
	size_t len = st_test_packet(pkt, "flood");

	while (!atomic_load(&t->stop)) {
		if (t->rx) {
			st_udp_send4(ST_PEER4, ST_PORT, "f", 1);
		} else {
			/* Only the ring memory and fd: both stay valid. */
			if (st_tx_send(t->q, pkt, len) == -ENOSPC)
				st_tx_resync(t->q);
			st_kick(t->q->fd);
		}
		t->sent++;
	}
	return NULL;
}

/* ---- close, detach, delete orderings ---- */

TEST_F(lifetime, detach_delete_close)
{
	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", 0, NULL));
	ASSERT_TRUE(link_exists("tx0"));
	ASSERT_EQ(0, st_detach(self->q.fd));
	ASSERT_FALSE(link_exists("tx0"));
	ASSERT_EQ(0, close(self->q.fd));
	self->q.fd = -1;
}

TEST_F(lifetime, close_deletes_nonpersistent_link)
{
	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", 0, NULL));
	close(self->q.fd);
	self->q.fd = -1;
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

TEST_F(lifetime, exit_without_close_deletes_link_and_rings)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct st_queue q;

		if (st_queue_open(&q, "tx0", 0, 8, 8, 0))
			_exit(1);
		_exit(0);	/* fd and mapping left for the kernel */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

TEST_F(lifetime, persist_close_reattach_then_link_del_enodev)
{
	struct tunx_stats st;
	int fd;

	ASSERT_LE(0, fd = st_open());
	ASSERT_EQ(0, st_attach(fd, "tx0", TUNX_ATTACH_PERSIST, NULL));
	close(fd);
	ASSERT_TRUE(link_exists("tx0"));
	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", TUNX_ATTACH_NO_CREATE,
				   8, 8, 0));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
	ASSERT_FALSE(link_exists("tx0"));
	EXPECT_EQ(-ENODEV, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(-ENODEV, st_kick(self->q.fd));
	EXPECT_EQ(-ENODEV, st_ioctl_u32(self->q.fd, TUNX_IOC_SET_PERSIST, 0));
}

TEST_F(lifetime, link_del_attached_ioctls_enodev)
{
	struct tunx_stats st;

	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
	ASSERT_FALSE(link_exists("tx0"));
	EXPECT_EQ(-ENODEV, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(-ENODEV, st_kick(self->q.fd));
	EXPECT_EQ(-ENODEV, st_setup_rings(self->q.fd, 8, 8, 0, NULL));
	EXPECT_EQ(-ENODEV, st_ioctl_u32(self->q.fd, TUNX_IOC_SET_OWNER, 0));
}

TEST_F(lifetime, link_del_while_mapped_memory_stays_valid)
{
	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	memset(self->q.tx.area, 0xa5, self->q.tx.area_size);
	ASSERT_EQ(0, st_sh("ip link del tx0"));
	/* Still our memory: no SIGBUS, contents intact, writable. */
	EXPECT_EQ(0xa5, self->q.tx.area[self->q.tx.area_size - 1]);
	memset(self->q.rx.area, 0x11, self->q.rx.area_size);
	/* A raw store on purpose: only "still writable" is tested. */
	*self->q.tx.producer = 12345;
	EXPECT_EQ(0x11, self->q.rx.area[0]);
	st_queue_unmap(&self->q);
}

TEST_F(lifetime, close_while_mapped_memory_stays_valid)
{
	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	close(self->q.fd);
	self->q.fd = -1;
	memset(self->q.tx.area, 0x3c, self->q.tx.area_size);
	EXPECT_EQ(0x3c, self->q.tx.area[7]);
	EXPECT_EQ(0, *self->q.rx.producer);
	/* The mapping held the file; its last unmap releases the device. */
	st_queue_unmap(&self->q);
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

/*
 * The queue outlives its closed file while mapped: the link stays and
 * packets still land in the rx ring, until the last unmap.
 */
TEST_F(lifetime, close_while_mapped_queue_keeps_receiving)
{
	long long end;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	close(self->q.fd);
	self->q.fd = -1;
	ASSERT_TRUE(link_exists("tx0"));
	ASSERT_EQ(1, st_udp_send4(ST_PEER4, ST_PORT, "m", 1));
	end = st_now_ms() + 5000;
	while (!__atomic_load_n(self->q.rx.producer, __ATOMIC_ACQUIRE) &&
	       st_now_ms() < end)
		st_msleep(10);
	EXPECT_EQ(1, __atomic_load_n(self->q.rx.producer, __ATOMIC_ACQUIRE));
	st_queue_unmap(&self->q);
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

TEST_F(lifetime, detach_while_mapped_then_new_rings)
{
	struct st_queue q2;
	char pkt[256], buf[64];

	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	ASSERT_EQ(0, st_detach(self->q.fd));
	memset(self->q.tx.area, 0x42, self->q.tx.area_size);
	/* The same file attaches elsewhere and gets rings again. */
	ASSERT_EQ(0, st_attach(self->q.fd, "tx1", 0, NULL));
	q2 = self->q;
	ASSERT_EQ(0, st_setup_rings(q2.fd, 16, 16, 0, &q2.setup));
	ASSERT_EQ(0, st_queue_map(&q2));
	ASSERT_EQ(0, st_net_up("tx1"));
	self->sock = st_udp_listen4(ST_LOCAL4, ST_PORT, 2000);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, st_tx_send(&q2, pkt, st_test_packet(pkt, "new")));
	ASSERT_EQ(0, st_kick(q2.fd));
	ASSERT_EQ(3, st_udp_recv(self->sock, buf, sizeof(buf)));
	/* The old mapping is still ours. */
	EXPECT_EQ(0x42, self->q.tx.area[0]);
	munmap(q2.map, q2.map_len);
}

TEST_F(lifetime, mq_close_one_queue_link_stays)
{
	struct tunx_info info;
	int fd2;

	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_LE(0, fd2 = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", TUNX_ATTACH_MULTI_QUEUE,
			       NULL));
	ASSERT_EQ(0, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	close(fd2);
	ASSERT_TRUE(link_exists("tx0"));
	ASSERT_EQ(0, st_get_info(self->q.fd, &info));
	EXPECT_EQ(1, info.num_queues);
	close(self->q.fd);
	self->q.fd = -1;
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

/* Queue indices stay dense: when one leaves, the last takes its index. */
TEST_F(lifetime, mq_detach_last_queue_takes_the_index)
{
	struct tunx_info info;
	int fd[3], i;

	for (i = 0; i < 3; i++) {
		ASSERT_LE(0, fd[i] = st_open());
		ASSERT_EQ(0, st_attach(fd[i], "tx0", TUNX_ATTACH_MULTI_QUEUE,
				       NULL));
	}
	ASSERT_EQ(0, st_get_info(fd[2], &info));
	EXPECT_EQ(2, info.queue_index);
	ASSERT_EQ(0, st_detach(fd[0]));
	ASSERT_EQ(0, st_get_info(fd[2], &info));
	EXPECT_EQ(0, info.queue_index);
	EXPECT_EQ(2, info.num_queues);
	ASSERT_EQ(0, st_get_info(fd[1], &info));
	EXPECT_EQ(1, info.queue_index);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

/* ---- deletion during traffic ---- */

TEST_F_TIMEOUT(lifetime, link_del_during_tx_traffic, 120)
{
	struct traffic t = { .q = &self->q };
	struct tunx_stats st;
	pthread_t th;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, traffic_fn, &t));
	st_msleep(300);
	EXPECT_EQ(0, st_sh("ip link del tx0"));
	st_msleep(100);
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	TH_LOG("%lu tx sends", t.sent);
	EXPECT_EQ(-ENODEV, st_get_stats(self->q.fd, &st));
}

TEST_F_TIMEOUT(lifetime, link_del_during_rx_traffic, 120)
{
	struct traffic t = { .q = &self->q, .rx = true };
	struct tunx_stats st;
	__u8 buf[2048];
	pthread_t th;
	long long end;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, traffic_fn, &t));
	end = st_now_ms() + 300;
	while (st_now_ms() < end)
		st_rx_take(&self->q, buf, sizeof(buf), NULL);
	EXPECT_EQ(0, st_sh("ip link del tx0"));
	st_msleep(100);
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	EXPECT_EQ(-ENODEV, st_get_stats(self->q.fd, &st));
}

TEST_F_TIMEOUT(lifetime, mq_link_del_during_traffic_on_all_queues, 120)
{
	struct st_queue q[4];
	struct traffic t[5];
	pthread_t th[5];
	struct tunx_stats st;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, st_queue_open(&q[i], "tx0",
					   TUNX_ATTACH_MULTI_QUEUE, 8, 8, 0));
	ASSERT_EQ(0, st_net_up("tx0"));
	for (i = 0; i < 5; i++) {
		t[i] = (struct traffic){ .q = &q[i % 4], .rx = i == 4 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, traffic_fn, &t[i]));
	}
	st_msleep(300);
	EXPECT_EQ(0, st_sh("ip link del tx0"));
	st_msleep(100);
	for (i = 0; i < 5; i++) {
		atomic_store(&t[i].stop, true);
		pthread_join(th[i], NULL);
	}
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(-ENODEV, st_get_stats(q[i].fd, &st));
		st_queue_close(&q[i]);
	}
}

TEST_F_TIMEOUT(lifetime, netns_exit_during_traffic, 120)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		static struct traffic tx, rx;
		static struct st_queue q;
		pthread_t a, b;

		if (st_netns_enter() || st_queue_open(&q, "tx0", 0, 8, 8, 0) ||
		    st_net_up("tx0"))
			_exit(1);
		tx.q = &q;
		rx.q = &q;
		rx.rx = true;
		if (pthread_create(&a, NULL, traffic_fn, &tx) ||
		    pthread_create(&b, NULL, traffic_fn, &rx))
			_exit(2);
		st_msleep(300);
		_exit(0);	/* threads, file, mapping and netns all go now */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	st_msleep(1000);	/* netns cleanup runs from a workqueue */
}

TEST_F_TIMEOUT(lifetime, mtu_change_during_traffic, 120)
{
	struct traffic tx = { .q = &self->q }, rx = { .q = &self->q, .rx = true };
	static const int mtus[] = { 1280, 1500, 576, 2000, 1400 };
	pthread_t a, b;
	char pkt[256], buf[64];
	int i;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	ASSERT_EQ(0, pthread_create(&a, NULL, traffic_fn, &tx));
	ASSERT_EQ(0, pthread_create(&b, NULL, traffic_fn, &rx));
	for (i = 0; i < 20; i++) {
		st_if_set_mtu("tx0", mtus[i % 5]);
		st_msleep(20);
	}
	atomic_store(&tx.stop, true);
	atomic_store(&rx.stop, true);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ASSERT_EQ(0, st_if_set_mtu("tx0", 1500));
	/* Still a working device. */
	st_udp_drain(self->sock);
	st_tx_resync(&self->q);
	st_tx_submit(&self->q);
	ASSERT_EQ(0, st_tx_send(&self->q, pkt, st_test_packet(pkt, "ok")));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(2, st_udp_recv(self->sock, buf, sizeof(buf)));
}

/*
 * An MTU above max_packet is refused while the queue has rings; up to it,
 * the longest datagram the stack sends lands whole, and a larger one is
 * fragmented to the MTU: no rx packet is ever longer than max_packet, or
 * lies past the area's end.
 */
TEST_F_TIMEOUT(lifetime, mtu_above_max_packet_never_overflows_area, 120)
{
	static char payload[40000];
	static __u8 buf[TUNX_AREA_MIN_SIZE];
	struct tunx_desc d;
	int n = 0, len;

	ASSERT_EQ(0, st_queue_up(&self->q, &self->sock, "tx0", 0, 16, 16,
				 TUNX_AREA_MIN_SIZE, 1000));
	ASSERT_EQ(TUNX_AREA_MIN_SIZE / 2, self->q.max_packet);
	ASSERT_EQ(-EINVAL, st_if_set_mtu("tx0", self->q.max_packet + 1));
	ASSERT_EQ(0, st_if_set_mtu("tx0", self->q.max_packet));
	/* Longer than max_packet: the stack fragments it to the MTU. */
	memset(payload, 0x6c, sizeof(payload));
	ASSERT_EQ((int)sizeof(payload), st_udp_send4(ST_PEER4, ST_PORT, payload,
						     sizeof(payload)));
	ASSERT_EQ(0, st_rx_wait_ready(&self->q, 2, 2000));
	while ((len = st_rx_take(&self->q, buf, sizeof(buf), &d)) >= 0) {
		ASSERT_GE(self->q.max_packet, d.len);
		ASSERT_GE(self->q.area_size, d.addr + d.len);
		n++;
	}
	/* Not -EPROTO: every descriptor kept to the ABI. */
	EXPECT_EQ(-EAGAIN, len);
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, ST_STAT(self->q.fd, rx_dropped, 0, 0));
}

/* ---- network namespaces ---- */

TEST_F(lifetime, netns_delete_with_attached_file)
{
	struct tunx_stats st;
	int sv[2], status, fd, ret;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct st_queue q;

		if (st_netns_enter() ||
		    st_queue_open(&q, "tx0", 0, 8, 8, 0) ||
		    st_net_up("tx0"))
			_exit(1);
		_exit(st_send_fd(sv[1], q.fd) ? 2 : 0);
	}
	fd = st_recv_fd(sv[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_LE(0, fd);
	/* The child, its netns' last process, is gone. */
	st_msleep(500);
	ret = st_get_stats(fd, &st);
	TH_LOG("GET_STATS after netns exit: %d", ret);
	EXPECT_TRUE(ret == 0 || ret == -ENODEV);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	st_msleep(500);
}

TEST_F(lifetime, netns_delete_with_persistent_device)
{
	int status, host;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (st_netns_enter())
			_exit(1);
		fd = st_open();
		if (fd < 0 || st_attach(fd, "txnsp0", TUNX_ATTACH_PERSIST,
					NULL))
			_exit(2);
		close(fd);
		_exit(st_net_up("txnsp0") ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	st_msleep(1000);
	/* Deleted with the netns, or handed back to init_net: clean up. */
	host = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	if (host >= 0 && !setns(host, CLONE_NEWNET)) {
		if (link_exists("txnsp0")) {
			TH_LOG("device moved to init_net on netns exit");
			st_sh("ip link del txnsp0");
		}
	}
	if (host >= 0)
		close(host);
}

static int child_wait_for_link(int rd, int wr)
{
	char c;
	int found;

	if (st_netns_enter())
		return 1;
	if (write(wr, "r", 1) != 1 || read(rd, &c, 1) != 1)
		return 2;
	found = link_exists("tx0");
	return write(wr, found ? "y" : "n", 1) == 1 && read(rd, &c, 1) >= 0
		? 0 : 3;
}

TEST_F(lifetime, move_to_other_netns_file_stays_attached)
{
	int to_child[2], to_parent[2], status, ret;
	struct tunx_info info;
	struct tunx_stats st;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_wait_for_link(to_child[0], to_parent[1]));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	ret = st_sh("ip link set dev tx0 netns %d", pid);
	if (ret) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		SKIP(return, "device cannot move between netns (NETNS_LOCAL)");
	}
	ASSERT_FALSE(link_exists("tx0"));
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ('y', c);
	ASSERT_EQ(0, st_get_info(self->q.fd, &info));
	EXPECT_STREQ("tx0", info.name);
	EXPECT_EQ(0, st_get_stats(self->q.fd, &st));
	/* Let the child and its netns go. */
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	st_msleep(500);
	ret = st_get_stats(self->q.fd, &st);
	EXPECT_TRUE(ret == 0 || ret == -ENODEV);
}

TEST_F(lifetime, rename_while_attached_info_follows)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	ASSERT_EQ(0, st_if_rename("tx0", "tx-renamed"));
	ASSERT_FALSE(link_exists("tx0"));
	ASSERT_EQ(0, st_get_info(self->q.fd, &info));
	EXPECT_STREQ("tx-renamed", info.name);
	EXPECT_EQ(self->q.ifindex, info.ifindex);
	st_queue_close(&self->q);
	ASSERT_TRUE(wait_link("tx-renamed", false, 2000));
}

/* ---- rmmod ---- */

static bool wait_dev_node(bool want, int ms)
{
	long long end = st_now_ms() + ms;

	while (st_present() != want) {
		if (st_now_ms() > end)
			return false;
		st_msleep(20);
	}
	return true;
}

/* Put the module back whatever happened. */
static int reload_module(void)
{
	const char *ko = getenv("TUNX_KO");

	if (st_present())
		return 0;
	if (!ko || st_sh("insmod '%s'", ko))
		return -1;
	return wait_dev_node(true, 3000) ? 0 : -1;
}

TEST_F_TIMEOUT(lifetime, rmmod_with_persistent_devices_then_reload, 120)
{
	struct st_queue q;
	int fd;

	if (!getenv("TUNX_KO"))
		SKIP(return, "TUNX_KO not set");
	ASSERT_LE(0, fd = st_open());
	ASSERT_EQ(0, st_attach(fd, "txp0", TUNX_ATTACH_PERSIST, NULL));
	close(fd);
	ASSERT_EQ(0, st_queue_open(&q, "txp1", TUNX_ATTACH_PERSIST, 8, 8, 0));
	ASSERT_EQ(0, st_net_up("txp1"));
	st_queue_close(&q);
	ASSERT_TRUE(link_exists("txp0"));
	ASSERT_TRUE(link_exists("txp1"));
	EXPECT_EQ(0, st_sh("rmmod tunx"));
	EXPECT_FALSE(link_exists("txp0"));
	EXPECT_FALSE(link_exists("txp1"));
	EXPECT_TRUE(wait_dev_node(false, 3000));
	ASSERT_EQ(0, reload_module());
	/* The reloaded module works. */
	ASSERT_LE(0, fd = st_open());
	EXPECT_EQ(0, st_attach(fd, "txp0", 0, NULL));
	close(fd);
}

TEST_F_TIMEOUT(lifetime, rmmod_with_open_file_refused, 120)
{
	int ret;

	if (!getenv("TUNX_KO"))
		SKIP(return, "TUNX_KO not set");
	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", 0, NULL));
	ret = st_sh("rmmod tunx 2>/dev/null");
	if (!ret) {
		reload_module();
		ASSERT_NE(0, ret);
	}
	ASSERT_TRUE(st_present());
}

TEST_F_TIMEOUT(lifetime, rmmod_while_mapped_refused, 120)
{
	int ret;

	if (!getenv("TUNX_KO"))
		SKIP(return, "TUNX_KO not set");
	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	close(self->q.fd);
	self->q.fd = -1;
	/* The mapping alone keeps the module in. */
	ret = st_sh("rmmod tunx 2>/dev/null");
	if (!ret) {
		reload_module();
		ASSERT_NE(0, ret);
	}
	memset(self->q.rx.area, 1, self->q.rx.area_size);
	st_queue_unmap(&self->q);
}

/* ---- munmap, fork, two processes ---- */

TEST_F_TIMEOUT(lifetime, munmap_during_rx_traffic, 120)
{
	struct traffic t = { .q = &self->q, .rx = true };
	__u64 before;
	pthread_t th;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", TUNX_ATTACH_TAIL_DROP));
	ASSERT_EQ(0, pthread_create(&th, NULL, traffic_fn, &t));
	st_msleep(100);
	st_queue_unmap(&self->q);
	before = ST_STAT(self->q.fd, rx_packets, 0, 0) +
		 ST_STAT(self->q.fd, rx_dropped, 0, 0);
	st_msleep(200);
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	/* The kernel kept placing (or dropping) with nobody mapped. */
	EXPECT_LT(before, ST_STAT(self->q.fd, rx_packets, 0, 0) +
			  ST_STAT(self->q.fd, rx_dropped, 0, 0));
}

TEST_F_TIMEOUT(lifetime, fork_during_traffic_parent_keeps_queue, 120)
{
	struct traffic t = { .q = &self->q, .rx = true };
	char pkt[256], buf[64];
	int status;
	pthread_t th;
	pid_t pid;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", TUNX_ATTACH_TAIL_DROP));
	ASSERT_EQ(0, pthread_create(&th, NULL, traffic_fn, &t));
	st_msleep(50);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child's copy of the mapping and fd go with it. */
		self->q.rx.area[0] = 1;
		close(self->q.fd);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	ASSERT_TRUE(link_exists("tx0"));
	ASSERT_EQ(0, st_tx_send(&self->q, pkt, st_test_packet(pkt, "pa")));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(2, st_udp_recv(self->sock, buf, sizeof(buf)));
}

TEST_F(lifetime, fork_child_consumes_rx_of_shared_mapping)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u8 buf[2048];

		_exit(st_rx_recv_udp(&self->q, buf, sizeof(buf), ST_PORT,
				     3000) == 29 ? 0 : 1);
	}
	st_msleep(100);
	ASSERT_EQ(1, st_udp_send4(ST_PEER4, ST_PORT, "c", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/*
	 * The child's release is visible here: same memory, and waitpid()
	 * orders it before these loads.
	 */
	EXPECT_EQ(st_load_acquire(self->q.rx.producer),
		  st_load_acquire(self->q.rx.consumer));
}

TEST_F_TIMEOUT(lifetime, two_processes_produce_on_one_queue, 120)
{
	char pkt[256], buf[64];
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	pid = fork();
	ASSERT_LE(0, pid);
	/* Both sides run the same racing producer on one ring. */
	for (i = 0; i < 300; i++) {
		if (st_tx_send(&self->q, pkt, st_test_packet(pkt, "2p")) ==
		    -ENOSPC)
			st_tx_resync(&self->q);
		st_kick(self->q.fd);
	}
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	st_msleep(200);
	st_udp_drain(self->sock);
	/* Resynchronise with the kernel: the queue still works. */
	st_tx_resync(&self->q);
	st_tx_submit(&self->q);
	ASSERT_EQ(0, st_kick(self->q.fd));
	st_tx_resync(&self->q);
	ASSERT_EQ(0, st_tx_send(&self->q, pkt, st_test_packet(pkt, "ok")));
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(2, st_udp_recv(self->sock, buf, sizeof(buf)));
}

/* ---- blocking poll ---- */

struct poller {
	int fd;
	int timeout;
	int ret;
	short revents;
	long long elapsed;
};

static void *poll_fn(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	long long start = st_now_ms();

	p->ret = poll(&pfd, 1, p->timeout);
	p->revents = pfd.revents;
	p->elapsed = st_now_ms() - start;
	return NULL;
}

TEST_F(lifetime, close_during_blocking_poll_other_thread)
{
	struct poller p = { .timeout = 2000 };
	pthread_t th;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	st_queue_unmap(&self->q);	/* only the poll holds the file */
	p.fd = self->q.fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_fn, &p));
	st_msleep(200);
	close(self->q.fd);
	self->q.fd = -1;
	pthread_join(th, NULL);
	TH_LOG("poll returned %d revents %#x after %lld ms", p.ret, p.revents,
	       p.elapsed);
	EXPECT_LE(0, p.ret);
	EXPECT_GT(5000, p.elapsed);
	/* The last reference went with poll: the link goes too. */
	ASSERT_TRUE(wait_link("tx0", false, 3000));
}

/*
 * Woken by the deletion, not by the timeout: poll() returns 1 with HUP or
 * ERR only when woken.  No bound on the time: `ip link del` on the debug
 * kernel beside other VMs took 6.2 s once, and the timeout is what fails
 * the test if nobody wakes the poller.
 */
TEST_F_TIMEOUT(lifetime, link_del_wakes_blocking_poll, 120)
{
	struct poller p = { .timeout = 60000 };
	pthread_t th;

	ASSERT_EQ(0, open_up(&self->q, &self->sock, "tx0", 0));
	p.fd = self->q.fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_fn, &p));
	st_msleep(200);
	ASSERT_EQ(0, st_sh("ip link del tx0"));
	pthread_join(th, NULL);
	TH_LOG("poll returned %d revents %#x after %lld ms", p.ret, p.revents,
	       p.elapsed);
	/* A VPN blocked in poll must learn its device is gone. */
	EXPECT_EQ(1, p.ret);
	EXPECT_TRUE(p.revents & (POLLERR | POLLHUP));
}

TEST_F(lifetime, close_with_backpressured_qdisc)
{
	int i;

	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	ASSERT_EQ(0, st_net_up("tx0"));
	for (i = 0; i < 40; i++)
		st_udp_send4(ST_PEER4, ST_PORT, "q", 1);
	ASSERT_EQ(0, st_rx_wait_ready(&self->q, 8, 2000));
	/* Packets sit in the ring and in the stopped qdisc: drop them all. */
	st_queue_close(&self->q);
	ASSERT_TRUE(wait_link("tx0", false, 2000));
}

/* ---- reconfiguration racing with use ---- */

struct racer {
	int fd;
	int which;		/* what the thread does */
	const char *name;
	atomic_bool *go;
	atomic_bool stop;
	int ret;
	unsigned long maps;
	size_t len;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(r->go))
		;
	switch (r->which) {
	case 0:
		r->ret = st_attach(r->fd, r->name, 0, NULL);
		break;
	case 1:
		r->ret = st_setup_rings(r->fd, 8, 8, 0, NULL);
		break;
	case 2:
		r->ret = st_attach(r->fd, r->name, TUNX_ATTACH_MULTI_QUEUE |
				     TUNX_ATTACH_EXCL, NULL);
		break;
	case 3:
		/* Map and unmap as fast as possible until told to stop. */
		while (!atomic_load(&r->stop)) {
			void *p = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
				       MAP_SHARED, r->fd, 0);

			if (p != MAP_FAILED) {
				st_poke_u8((__u8 *)p + r->len - 1, 1);
				munmap(p, r->len);
				r->maps++;
			}
		}
		break;
	}
	return NULL;
}

TEST_F(lifetime, attach_race_same_file_one_wins)
{
	atomic_bool go = false;
	struct racer r[2] = {
		{ .which = 0, .name = "txa", .go = &go },
		{ .which = 0, .name = "txb", .go = &go },
	};
	pthread_t th[2];
	int i;

	ASSERT_LE(0, self->q.fd = st_open());
	for (i = 0; i < 2; i++) {
		r[i].fd = self->q.fd;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_fn, &r[i]));
	}
	atomic_store(&go, true);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* One attach, one -EBUSY, one link. */
	EXPECT_EQ(-EBUSY, r[0].ret + r[1].ret);
	EXPECT_EQ(1, link_exists("txa") + link_exists("txb"));
}

TEST_F(lifetime, setup_race_same_file_one_wins)
{
	atomic_bool go = false;
	struct racer r[2] = {
		{ .which = 1, .go = &go }, { .which = 1, .go = &go },
	};
	pthread_t th[2];
	int i;

	ASSERT_LE(0, self->q.fd = st_open());
	ASSERT_EQ(0, st_attach(self->q.fd, "tx0", 0, NULL));
	for (i = 0; i < 2; i++) {
		r[i].fd = self->q.fd;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_fn, &r[i]));
	}
	atomic_store(&go, true);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(-EBUSY, r[0].ret + r[1].ret);
}

TEST_F(lifetime, excl_create_race_one_creates)
{
	atomic_bool go = false;
	struct racer r[4];
	pthread_t th[4];
	int i, won = 0;

	for (i = 0; i < 4; i++) {
		r[i] = (struct racer){ .which = 2, .name = "txx", .go = &go };
		ASSERT_LE(0, r[i].fd = st_open());
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_fn, &r[i]));
	}
	atomic_store(&go, true);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (!r[i].ret)
			won++;
		else
			EXPECT_EQ(-EBUSY, r[i].ret);
	}
	EXPECT_EQ(1, won);
	for (i = 0; i < 4; i++)
		close(r[i].fd);
}

TEST_F_TIMEOUT(lifetime, mmap_racing_detach_and_link_del, 120)
{
	atomic_bool go = true;
	struct racer r = { .which = 3, .go = &go };
	pthread_t th;

	ASSERT_EQ(0, st_queue_open(&self->q, "tx0", 0, 8, 8, 0));
	r.fd = self->q.fd;
	r.len = self->q.map_len;
	ASSERT_EQ(0, pthread_create(&th, NULL, racer_fn, &r));
	st_msleep(100);
	EXPECT_EQ(0, st_detach(self->q.fd));
	st_msleep(100);
	/* Attached again elsewhere, then the link deleted under the maps. */
	EXPECT_EQ(0, st_attach(self->q.fd, "tx1", 0, NULL));
	EXPECT_EQ(0, st_setup_rings(self->q.fd, 8, 8, 0, NULL));
	st_msleep(100);
	EXPECT_EQ(0, st_sh("ip link del tx1"));
	st_msleep(100);
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	TH_LOG("%lu mappings made", r.maps);
	EXPECT_LT(0, r.maps);
}

ST_HARNESS_MAIN
