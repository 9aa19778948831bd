// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device tests with real kernel traffic, run on the backend named by
 * TUNX_TEST_BACKEND (tun on the host, tunx in the VM), inside a private
 * network namespace so nothing leaves the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_tun.h>
#include <linux/tunx.h>
#include "harness.h"
#include "../internal.h"
#include "../backend_tunx.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static unsigned int want_batch;	/* 0: the backend's default */

static struct tunx_device *open_dev(const char *name, bool nonblock,
				    unsigned int mtu)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = name;
	cfg.nonblock = nonblock;
	cfg.mtu = mtu;
	cfg.batch = want_batch;
	r = tunx_open(&dev, &cfg, &d);
	if (r)
		fprintf(stderr, "open %s: %s (%s)\n", name, tunx_strerror(r),
			d.message);
	return dev;
}

/* Opens, addresses and brings up a device on 10.N.0.1/24. */
static struct tunx_device *open_up(const char *name, int net, bool nonblock)
{
	struct tunx_device *dev = open_dev(name, nonblock, 0);
	uint8_t addr[4] = { 10, (uint8_t)net, 0, 1 };

	if (!dev)
		return NULL;
	if (tunx_link_add_addr(dev, AF_INET, addr, 24) ||
	    tunx_link_set_up(dev, true)) {
		tunx_close(dev);
		return NULL;
	}
	return dev;
}

static void open_reports_backend_and_name(void)
{
	struct tunx_device *dev = open_dev("txdev%d", false, 0);
	char name[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(tunx_backend(dev), tx_backend());
	CU_ASSERT_EQUAL(tunx_name(dev, name, sizeof(name)), 0);
	CU_ASSERT_EQUAL(strncmp(name, "txdev", 5), 0);
	CU_ASSERT(tunx_ifindex(dev) > 0);
	CU_ASSERT(strlen(tunx_backend_reason(dev)) > 0);
	CU_ASSERT(tunx_batch_size(dev) >= 1);
	CU_ASSERT(tunx_fd(dev) >= 0);
	tunx_close(dev);
}

static void open_with_mtu_sets_link(void)
{
	struct tunx_device *dev = open_dev("txmtu", false, 1400);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(tunx_mtu(dev), 1400);
	tunx_close(dev);
}

/*
 * The MTU may be raised after open to any the device accepts: tunx's
 * rings carry 64 KB packets whatever the MTU at open (ABI 1 sized frames
 * from it and refused a larger MTU later).
 */
static void mtu_raised_after_open_up_to_65535(void)
{
	struct tunx_device *dev = open_dev("txmtuup", false, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 9000), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 65535), 0);
	CU_ASSERT_EQUAL(tunx_mtu(dev), 65535);
	tunx_close(dev);
}

/* Waits up to 2 s for @want on the events fd. */
static bool wait_event(struct tunx_device *dev, unsigned int want)
{
	struct pollfd p = { .fd = tunx_events_fd(dev), .events = POLLIN };
	int64_t end = tx_ms() + 2000;
	unsigned int ev;

	while (tx_ms() < end) {
		while (tunx_event_next(dev, &ev) == 1)
			if (ev == want)
				return true;
		poll(&p, 1, 100);
	}
	return false;
}

static void events_up_mtu_down_from_rtnetlink(void)
{
	struct tunx_device *dev = open_dev("txev", false, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT(tunx_events_fd(dev) >= 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_UP));
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1300), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_MTU_UPDATE));
	CU_ASSERT_EQUAL(tunx_mtu(dev), 1300);
	/* an outside change is seen too */
	CU_ASSERT_EQUAL(tx_sh("ip link set txev mtu 1280"), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_MTU_UPDATE));
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, false), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_DOWN));
	tunx_close(dev);
}

/*
 * Waits up to 10 s for the kernel to report @name running, or not, as the
 * library reads it (IFF_UP and IFF_RUNNING).  The operstate behind
 * IFF_RUNNING is set by linkwatch, which runs at most once a second and
 * later on a loaded machine: "ip link set up", or the close that drops
 * the carrier, returns before it.
 */
static bool wait_running_is(const char *name, bool want)
{
	int64_t end = tx_ms() + 10000;
	int ifindex = (int)if_nametoindex(name);
	unsigned int mtu;
	bool up, running;

	for (;;) {
		running = ifindex > 0 &&
			  !tunx__nl_link_state(ifindex, &mtu, &up, NULL) && up;
		if (running == want || tx_ms() >= end)
			return running == want;
		usleep(10000);
	}
}

static bool wait_running(const char *name)
{
	return wait_running_is(name, true);
}

/*
 * More link changes than the event socket holds, unread: the kernel drops
 * the newest and reports the overrun before the messages still queued.
 * Here the queued ones all say "down" and the dropped "up" is the state.
 * The events read after must end in that state; the stale messages used
 * to be applied after the resync, so the last event said Down.  The
 * events are read once the kernel says the link runs, so the resync sees
 * the state the test expects.
 */
static void events_after_overrun_end_in_current_state(void)
{
	struct tunx_device *dev = open_dev("txevo", false, 0);
	unsigned int ev, last = 0;
	char msg[256];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	while (tunx_event_next(dev, &ev) == 1)
		;
	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, i % 2 ? 1500 : 1400), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	CU_ASSERT(wait_running("txevo"));
	while (tunx_event_next(dev, &ev) == 1)
		if (ev == TUNX_EVENT_UP || ev == TUNX_EVENT_DOWN)
			last = ev;
	CU_ASSERT_EQUAL(last, TUNX_EVENT_UP);
	tunx_errmsg(dev, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "overran"));
	tunx_close(dev);
}

/*
 * Up is reported once at open when the link already runs: the second
 * queue of a running device gets no rtnetlink message to learn it from.
 */
static void up_at_open_when_running(void)
{
	struct tunx_device *a, *b = NULL;
	struct tunx_config cfg;
	unsigned int ev = 0;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txupo";
	cfg.queues = 2;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&a, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(a, true), 0);
	CU_ASSERT(wait_running("txupo"));
	CU_ASSERT_EQUAL(tunx_open(&b, &cfg, NULL), 0);
	if (b) {
		CU_ASSERT_EQUAL(tunx_event_next(b, &ev), 1);
		CU_ASSERT_EQUAL(ev, TUNX_EVENT_UP);
		CU_ASSERT_EQUAL(tunx_event_next(b, &ev), 0);
		tunx_close(b);
	}
	tunx_close(a);
}

/*
 * Another link's changes wake nothing and queue nothing in this device's
 * event socket: with a thousand devices in one namespace each socket
 * held every device's news (issue 17's 1000-device measurement).
 */
static void events_quiet_for_other_links(void)
{
	struct tunx_device *dev = open_dev("txevq", false, 0);
	struct pollfd p = { .events = POLLIN };
	unsigned int ev;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	p.fd = tunx_events_fd(dev);
	while (tunx_event_next(dev, &ev) == 1)
		;
	CU_ASSERT_EQUAL(tx_sh("ip tuntap add dev txevq-other mode tun"), 0);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(tx_sh("ip link set txevq-other up && "
				      "ip link set txevq-other down"), 0);
	CU_ASSERT_EQUAL(tx_sh("ip link del txevq-other"), 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 200), 0);
	/* Its own changes still come. */
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1300), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_MTU_UPDATE));
	tunx_close(dev);
}

/*
 * Up and Down follow IFF_RUNNING, as in wireguard-go: a persistent link
 * that is up with nobody attached has no carrier and is not Up (tun's
 * carrier comes with a queue, tunx's with a queue's rings); opening it
 * brings the carrier and an Up event.
 */
static void up_down_follow_running(void)
{
	struct tunx_device *dev;
	struct tunx_config cfg;
	unsigned int mtu;
	bool up = true;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txrun";
	cfg.persist = true;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	tunx_close(dev);	/* persistent: up, but no carrier */
	CU_ASSERT(wait_running_is("txrun", false));
	CU_ASSERT_EQUAL(tunx__nl_link_state((int)if_nametoindex("txrun"), &mtu,
					    &up, NULL), 0);
	CU_ASSERT_FALSE(up);
	cfg.persist = false;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_UP));
	tx_sh("ip link del txrun");
	tunx_close(dev);
}

static void event_callback_thread_delivers(void);

/* ---- echo: read a batch, swap addresses, write it back ---------------- */

static void swap_icmp_echo(uint8_t *p, size_t len)
{
	uint8_t tmp[4];
	size_t ihl = (size_t)(p[0] & 0xf) * 4;
	uint16_t c;

	if (len < ihl + 8 || p[0] >> 4 != 4 || p[9] != 1 || p[ihl] != 8)
		return;
	memcpy(tmp, p + 12, 4);
	memcpy(p + 12, p + 16, 4);
	memcpy(p + 16, tmp, 4);
	p[ihl] = 0;	/* echo reply */
	p[ihl + 2] = p[ihl + 3] = 0;
	c = tx_csum(p + ihl, len - ihl, 0);
	p[ihl + 2] = (uint8_t)(c >> 8);
	p[ihl + 3] = (uint8_t)c;
}

static void *echo_thread(void *arg)
{
	struct tunx_device *dev = arg;
	size_t off = tunx_min_write_offset(dev) + 16;
	struct tx_batch b;
	int n, i;

	tx_batch_init(&b, tunx_batch_size(dev), off + 65536);
	while ((n = tunx_read(dev, b.bufs, b.buf_size, b.sizes, b.n, off)) > 0) {
		for (i = 0; i < n; i++)
			swap_icmp_echo(b.bufs[i] + off, b.sizes[i]);
		if (tunx_write(dev, b.bufs, b.sizes, (unsigned int)n, off) < 0)
			break;
	}
	tx_batch_free(&b);
	return NULL;
}

static void ping_answered_by_echo(void)
{
	struct tunx_device *dev = open_up("txecho", 9, false);
	pthread_t t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pthread_create(&t, NULL, echo_thread, dev);
	CU_ASSERT_EQUAL(tx_sh("ping -q -c 5 -i 0.2 -W 2 10.9.0.2 >/dev/null"), 0);
	/* a flood of 200 checks batching under load */
	CU_ASSERT_EQUAL(tx_sh("ping -q -f -c 200 -W 2 10.9.0.3 >/dev/null"), 0);
	tunx_shutdown(dev);
	pthread_join(t, NULL);
	tunx_close(dev);
}

/* ---- UDP both ways ---------------------------------------------------- */

static int udp_sock(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_udp(int fd, const char *ip, uint16_t port, const void *p,
		     size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	sendto(fd, p, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

/* Reads until @want packets arrived or 2 s passed. */
static unsigned int read_n(struct tunx_device *dev, struct tx_batch *b,
			   unsigned int want, size_t off, uint8_t **out,
			   size_t *out_len)
{
	struct pollfd p = { .fd = tunx_fd(dev), .events = POLLIN };
	int64_t end = tx_ms() + 2000;
	unsigned int got = 0;
	int n, i;

	while (got < want && tx_ms() < end) {
		/*
		 * Ask for no more than is missing: a packet read past want
		 * would be dropped here, and a test that reads a split in
		 * two steps would lose the segments it expects next.
		 */
		n = tunx_read(dev, b->bufs, b->buf_size, b->sizes,
			      want - got < b->n ? want - got : b->n, off);
		if (n == -EAGAIN) {
			poll(&p, 1, 50);
			continue;
		}
		if (n < 0)
			break;
		for (i = 0; i < n && got < want; i++) {
			const uint8_t *q = b->bufs[i] + off;

			/* IPv6 router solicitations and MLD come too: skip */
			if (b->sizes[i] < 28 || q[0] != 0x45 || q[9] != 17)
				continue;
			memcpy(out[got], q, b->sizes[i]);
			out_len[got++] = b->sizes[i];
		}
	}
	return got;
}

static void socket_to_device_udp_batch(void)
{
	struct tunx_device *dev = open_up("txudp", 8, true);
	uint8_t *pk[32];
	size_t len[32];
	struct tx_batch b;
	unsigned int i, got, ok = 0;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	fd = udp_sock("10.8.0.1", 4000);
	tx_batch_init(&b, tunx_batch_size(dev), 2048 + 64);
	for (i = 0; i < 32; i++)
		pk[i] = malloc(2048);
	for (i = 0; i < 32; i++) {
		char msg[64];

		snprintf(msg, sizeof(msg), "datagram %02u", i);
		send_udp(fd, "10.8.0.2", 9999, msg, strlen(msg));
	}
	got = read_n(dev, &b, 32, 64, pk, len);
	CU_ASSERT_EQUAL(got, 32);
	for (i = 0; i < got; i++) {
		char msg[64];

		snprintf(msg, sizeof(msg), "datagram %02u", i);
		ok += len[i] == 28 + strlen(msg) && pk[i][0] == 0x45 &&
		      !memcmp(pk[i] + 28, msg, strlen(msg)) &&
		      tx_l4_ok(pk[i], len[i]);
	}
	CU_ASSERT_EQUAL(ok, 32);
	for (i = 0; i < 32; i++)
		free(pk[i]);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

static void device_write_batch_reaches_socket(void)
{
	struct tunx_device *dev = open_up("txin", 7, true);
	size_t off = 0;
	struct tx_batch b;
	unsigned int i, got = 0;
	char buf[128];
	int fd, r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	off = tunx_min_write_offset(dev) + 8;
	fd = udp_sock("10.7.0.1", 7777);
	CU_ASSERT_FATAL(fd >= 0);
	tx_batch_init(&b, 16, 256);
	for (i = 0; i < 16; i++) {
		snprintf(buf, sizeof(buf), "to socket %u", i);
		b.sizes[i] = tx_udp4(b.bufs[i] + off, "10.7.0.2", "10.7.0.1",
				     5555, 7777, buf, strlen(buf));
	}
	r = tunx_write(dev, b.bufs, b.sizes, 16, off);
	CU_ASSERT_EQUAL(r, 16);
	for (i = 0; i < 16; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 2000) != 1)
			break;
		r = (int)recv(fd, buf, sizeof(buf) - 1, 0);
		buf[r > 0 ? r : 0] = 0;
		got += !strncmp(buf, "to socket", 9);
	}
	CU_ASSERT_EQUAL(got, 16);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

/*
 * A peer whose MTU is larger than ours: one flow's datagrams each longer
 * than the device MTU, written in one batch.  With offload the library
 * merges them into one super-packet whose segments exceed the MTU; the
 * tunx module refused that descriptor and the whole run was lost, where
 * each datagram alone (and tun) was accepted.  All must arrive whole.
 */
static void peer_mtu_larger_run_arrives(void)
{
	struct tunx_device *dev = open_up("txpm", 23, false);
	uint8_t payload[1400];
	unsigned int i, got = 0;
	struct tx_batch b;
	char buf[2048];
	size_t off;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1280), 0);
	off = tunx_min_write_offset(dev);
	fd = udp_sock("10.23.0.1", 7023);
	CU_ASSERT_FATAL(fd >= 0);
	tx_batch_init(&b, 8, 2048);
	for (i = 0; i < 8; i++) {
		memset(payload, (int)i, sizeof(payload));
		b.sizes[i] = tx_udp4(b.bufs[i] + off, "10.23.0.2", "10.23.0.1",
				     5023, 7023, payload, sizeof(payload));
	}
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 8, off), 8);
	for (i = 0; i < 8; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 2000) != 1)
			break;
		got += recv(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(payload) &&
		       (uint8_t)buf[0] == i && (uint8_t)buf[1399] == i;
	}
	CU_ASSERT_EQUAL(got, 8);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

static void ipv6_device_to_socket(void)
{
	struct tunx_device *dev = open_up("txv6", 6, true);
	uint8_t a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 6, [15] = 1 };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(6666) };
	size_t off;
	struct tx_batch b;
	struct pollfd p;
	char buf[64];
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	off = tunx_min_write_offset(dev);
	tx_sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.txv6.accept_dad=0");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET6, a6, 64), 0);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(&sa.sin6_addr, a6, 16);
	/* the address may be tentative for a moment */
	for (int i = 0; i < 50 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)); i++)
		usleep(20000);
	tx_batch_init(&b, 1, 256);
	b.sizes[0] = tx_udp6(b.bufs[0] + off, "fd00:0:0:6::2", "fd00:0:0:6::1",
			     1234, 6666, "six", 3);
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 1, off), 1);
	p.fd = fd;
	p.events = POLLIN;
	CU_ASSERT_EQUAL_FATAL(poll(&p, 1, 2000), 1);
	CU_ASSERT_EQUAL(recv(fd, buf, sizeof(buf), 0), 3);
	CU_ASSERT_EQUAL(memcmp(buf, "six", 3), 0);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

/* One sendmsg of @len bytes with UDP_SEGMENT @seg: a USO super-packet. */
static ssize_t send_uso(int fd, const char *ip, uint16_t port,
			const void *payload, size_t len, uint16_t seg)
{
	char cbuf[CMSG_SPACE(sizeof(uint16_t))] = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct iovec iov = { (void *)payload, len };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sendmsg(fd, &mh, 0);
}

/* A UDP_SEGMENT send: with USO the kernel hands over one super-packet,
 * which read splits into checksummed segments. */
static void udp_gso_send_arrives_as_segments(void)
{
	struct tunx_device *dev = open_up(want_batch ? "txgsob" : "txgso", 5, true);
	char payload[10 * 1000];
	uint8_t *pk[10];
	size_t len[10];
	struct tx_batch b;
	unsigned int i, ok = 0;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (char)(i / 1000 + 'a');
	fd = udp_sock("10.5.0.1", 4001);
	if (send_uso(fd, "10.5.0.2", 9, payload, sizeof(payload), 1000) < 0) {
		/*
		 * The stack refuses UDP_SEGMENT with EIO on a device without
		 * checksum offload: tunx devices opened without
		 * TUNX_ATTACH_OFFLOAD.  The tun backend must take the GSO path.
		 */
		CU_ASSERT_EQUAL_FATAL(errno, EIO);
		CU_ASSERT_NOT_EQUAL_FATAL(tx_backend(), TUNX_BACKEND_TUN);
		CU_ASSERT_PTR_NULL(strstr(tunx_backend_reason(dev), "TSO"));
		for (i = 0; i < 10; i++)
			send_udp(fd, "10.5.0.2", 9, payload + i * 1000, 1000);
	}
	tx_batch_init(&b, tunx_batch_size(dev), 2048);
	for (i = 0; i < 10; i++)
		pk[i] = malloc(2048);
	CU_ASSERT_EQUAL(read_n(dev, &b, 10, 0, pk, len), 10);
	for (i = 0; i < 10; i++) {
		ok += len[i] == 1028 && pk[i][28] == (char)('a' + i) &&
		      tx_l4_ok(pk[i], len[i]);
		if (getenv("TX_DEBUG"))
			fprintf(stderr, "seg %u len %zu first %c csum %d\n", i,
				len[i], pk[i][28], tx_l4_ok(pk[i], len[i]));
	}
	CU_ASSERT_EQUAL(ok, 10);
	for (i = 0; i < 10; i++)
		free(pk[i]);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

/* Batch 3: a 10-segment super-packet comes out over 4 reads, none lost. */
static void gso_rest_kept_for_next_read(void)
{
	want_batch = 3;
	udp_gso_send_arrives_as_segments();
	want_batch = 0;
}

static enum tunx_verdict drop_abc(void *arg, uint8_t *p, size_t len)
{
	(void)arg;
	return len > 28 && p[28] >= 'a' && p[28] <= 'c' ? TUNX_DROP : TUNX_ACCEPT;
}

static void *read7(void *arg)
{
	struct tunx_device *w = arg;
	struct tx_batch b;
	intptr_t got = 0;
	int r;

	tx_batch_init(&b, 2, 2048);
	while (got < 7 && (r = tunx_read(w, b.bufs, 2048, b.sizes, 2, 0)) > 0)
		got += r;
	tx_batch_free(&b);
	return (void *)got;
}

/*
 * A filter wrapper whose filter drops all that one read gave (the first
 * segments of a super-packet) must read on: the rest sits in the library,
 * not in the fd, and waiting for the fd stalled.
 */
static void filter_drops_whole_read_no_stall(void)
{
	struct tunx_device *dev, *w;
	char payload[10 * 1000];
	struct timespec ts;
	void *got = NULL;
	pthread_t t;
	int fd;

	want_batch = 2;
	dev = open_up("txfdrop", 12, false);
	want_batch = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_FATAL(tunx_filter_wrap(&w, dev) == 0);
	tunx_filter_set(w, TUNX_FILTER_PRE_OUT, drop_abc, NULL);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)(i / 1000 + 'a');
	fd = udp_sock("10.12.0.1", 4001);
	if (send_uso(fd, "10.12.0.2", 9, payload, sizeof(payload), 1000) < 0)
		for (int i = 0; i < 10; i++)	/* tunx without offload */
			send_udp(fd, "10.12.0.2", 9, payload + i * 1000, 1000);
	pthread_create(&t, NULL, read7, w);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	if (pthread_timedjoin_np(t, &got, &ts)) {
		tunx_shutdown(w);
		pthread_join(t, &got);
		CU_FAIL("the reader stalled after its filter dropped a whole read");
	}
	CU_ASSERT_EQUAL((intptr_t)got, 7);
	close(fd);
	tunx_close(w);
}

static void *blocked_read(void *arg)
{
	struct tunx_device *dev = arg;
	struct tx_batch b;
	intptr_t r;

	tx_batch_init(&b, tunx_batch_size(dev), 2048);
	r = tunx_read(dev, b.bufs, b.buf_size, b.sizes, b.n, 0);
	tx_batch_free(&b);
	return (void *)r;
}

static void close_wakes_blocked_reader(void)
{
	struct tunx_device *dev = open_dev("txclose", false, 0);
	pthread_t t;
	void *ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pthread_create(&t, NULL, blocked_read, dev);
	tx_wait_entered(dev);
	tunx_close(dev);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, -ESHUTDOWN);
}

static void link_delete_wakes_reader(void)
{
	struct tunx_device *dev = open_dev("txdel", false, 0);
	struct timespec ts;
	pthread_t t;
	void *ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pthread_create(&t, NULL, blocked_read, dev);
	tx_wait_entered(dev);
	usleep(20000);
	CU_ASSERT_EQUAL(tx_sh("ip link del txdel"), 0);
	/*
	 * The link is gone, so the reader was woken by now.  Counted from
	 * here, not from before ip(8), which on a loaded debug kernel can
	 * itself take over 10 s.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	if (pthread_timedjoin_np(t, &ret, &ts)) {
		tunx_shutdown(dev);
		pthread_join(t, &ret);
		CU_FAIL("the reader slept on after its link was deleted");
	}
	CU_ASSERT_EQUAL((intptr_t)ret, -ENODEV);
	tunx_close(dev);
}

static void nonblock_read_eagain(void)
{
	struct tunx_device *dev = open_dev("txnb", true, 0);
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	tx_batch_init(&b, 1, 2048);
	CU_ASSERT_EQUAL(tunx_read(dev, b.bufs, 2048, b.sizes, 1, 0), -EAGAIN);
	tx_batch_free(&b);
	tunx_close(dev);
}

static void non_ip_write_taken_and_dropped(void)
{
	struct tunx_device *dev = open_up("txbad", 4, true);
	size_t off;
	struct tx_batch b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	off = tunx_min_write_offset(dev);
	tx_batch_init(&b, 2, 256);
	memset(b.bufs[0] + off, 0x11, 40);	/* version nibble 1 */
	b.sizes[0] = 40;
	b.sizes[1] = tx_udp4(b.bufs[1] + off, "10.4.0.2", "10.4.0.1", 1, 2, "x", 1);
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 2, off), 2);
	tx_batch_free(&b);
	tunx_close(dev);
}

static void multi_queue_attach(void)
{
	struct tunx_device *dev = NULL, *q = NULL;
	struct tunx_config cfg;
	char n1[16], n2[16];

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txmq";
	cfg.queues = 2;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_attach_queue(dev, &q), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	tunx_name(dev, n1, sizeof(n1));
	tunx_name(q, n2, sizeof(n2));
	CU_ASSERT_STRING_EQUAL(n1, n2);
	CU_ASSERT_EQUAL(tunx_ifindex(dev), tunx_ifindex(q));
	tunx_close(q);
	tunx_close(dev);
}

/* An attached queue keeps the device's batch (it used to take the default). */
static void attached_queue_keeps_batch(void)
{
	struct tunx_device *dev = NULL, *q = NULL;
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txmqb";
	cfg.queues = 2;
	cfg.batch = 7;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 7);
	CU_ASSERT_EQUAL_FATAL(tunx_attach_queue(dev, &q), 0);
	CU_ASSERT_EQUAL(tunx_batch_size(q), 7);
	tunx_close(q);
	tunx_close(dev);
}

/* ... and its offload and blocking mode (tunx_open(3)). */
static void attached_queue_keeps_offload_and_mode(void)
{
	struct tunx_device *dev = NULL, *q = NULL;
	struct tunx_config cfg;
	struct tx_batch b;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txmqo";
	cfg.queues = 2;
	cfg.nonblock = true;
	for (int off = 0; off < 2; off++) {
		cfg.offload = off;
		CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(tunx_attach_queue(dev, &q), 0);
		CU_ASSERT_EQUAL(tunx_min_write_offset(q),
				tunx_min_write_offset(dev));
		CU_ASSERT_EQUAL(tunx_min_read_offset(q),
				tunx_min_read_offset(dev));
		/* A blocking queue would hang the read below, not fail it. */
		CU_ASSERT_FATAL(q->nonblock);
		tx_batch_init(&b, tunx_batch_size(q), 2048);
		CU_ASSERT_EQUAL(tunx_read(q, b.bufs, b.buf_size, b.sizes, b.n,
					  tunx_min_read_offset(q)), -EAGAIN);
		tx_batch_free(&b);
		tunx_close(q);
		tunx_close(dev);
	}
}

/* A packet longer than the read buffers: -EMSGSIZE, and it is kept for a
 * read with room (it used to be truncated and lost). */
static void oversize_packet_emsgsize_then_kept(void)
{
	struct tunx_device *dev;
	struct tunx_config cfg;
	struct tx_batch b;
	char payload[1400];
	int fd, r = 0;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txbig";
	cfg.nonblock = true;
	cfg.offload = false;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	uint8_t addr[4] = { 10, 13, 0, 1 };
	tx_sh("sysctl -qw net.ipv6.conf.txbig.disable_ipv6=1");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, addr, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	memset(payload, 'x', sizeof(payload));
	fd = udp_sock("10.13.0.1", 4001);
	send_udp(fd, "10.13.0.2", 9, payload, sizeof(payload));
	tx_batch_init(&b, 2, 2048);
	for (int i = 0; i < 100; i++) {
		r = tunx_read(dev, b.bufs, 600, b.sizes, 2, 0);
		if (r != -EAGAIN)
			break;
		usleep(10000);
	}
	CU_ASSERT_EQUAL(r, -EMSGSIZE);
	CU_ASSERT_EQUAL(tunx_read(dev, b.bufs, 2048, b.sizes, 2, 0), 1);
	CU_ASSERT_EQUAL(b.sizes[0], 1428);
	CU_ASSERT(tx_l4_ok(b.bufs[0], b.sizes[0]));
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

/* While the library holds the rest of a super-packet, tunx_fd() polls
 * readable: an epoll loop must not stall on it. */
static void fd_readable_while_split_pending(void)
{
	struct tunx_device *dev;
	char payload[10 * 1000];
	struct pollfd p;
	struct tx_batch b;
	int fd, r = 0;

	want_batch = 3;
	dev = open_up("txfdp", 14, true);
	want_batch = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	tx_batch_init(&b, 3, 2048);
	/* no IPv6 chatter (router solicitations) to make the fd readable */
	tx_sh("sysctl -qw net.ipv6.conf.txfdp.disable_ipv6=1");
	usleep(20000);
	while (tunx_read(dev, b.bufs, 2048, b.sizes, 3, 0) > 0)
		;
	memset(payload, 'y', sizeof(payload));
	fd = udp_sock("10.14.0.1", 4001);
	if (send_uso(fd, "10.14.0.2", 9, payload, sizeof(payload), 1000) < 0)
		for (int i = 0; i < 10; i++)
			send_udp(fd, "10.14.0.2", 9, payload, 1000);
	usleep(50000);
	r = tunx_read(dev, b.bufs, 2048, b.sizes, 3, 0);
	CU_ASSERT_EQUAL(r, 3);
	p.fd = tunx_fd(dev);
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 100), 1);
	for (int got = 3; got < 10; got += r) {
		r = tunx_read(dev, b.bufs, 2048, b.sizes, 3, 0);
		if (r <= 0)
			break;
	}
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);	/* all read: not readable */
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

#define MWT 4
#define MWT_BATCHES 100
#define MWT_LEN 1400

static struct tunx_device *mw_dev;

/* Thread @id sends UDP 10.16.0.2:(5000+id) -> 10.16.0.1:7000 in batches of
 * one flow, so the tun backend coalesces them (USO) before writing. */
static void *mw_writer(void *arg)
{
	intptr_t id = (intptr_t)arg;
	uint8_t payload[MWT_LEN];
	struct tx_batch x;

	tx_batch_init(&x, 8, 2048);
	for (int k = 0; k < MWT_BATCHES; k++) {
		for (int i = 0; i < 8; i++) {
			int seq = k * 8 + i;

			memset(payload, (int)((id * 31 + seq) & 0xff), sizeof(payload));
			payload[0] = (uint8_t)id;
			payload[1] = (uint8_t)(seq >> 8);
			payload[2] = (uint8_t)seq;
			x.sizes[i] = tx_udp4(x.bufs[i] + 64, "10.16.0.2", "10.16.0.1",
					     (uint16_t)(5000 + id), 7000, payload,
					     sizeof(payload));
		}
		if (tunx_write(mw_dev, x.bufs, x.sizes, 8, 64) != 8)
			break;
		if (!(k % 8))
			usleep(1000);	/* let the socket keep up */
	}
	tx_batch_free(&x);
	return NULL;
}

/*
 * wireguard-go writes from one goroutine per peer.  On tun with offload
 * the coalesced super-packet was built in one shared buffer: concurrent
 * writers mixed each other's packets.  Every datagram must arrive intact.
 */
static void many_writers_packets_intact(void)
{
	static uint8_t seen[MWT][MWT_BATCHES * 8];
	int fd, rcv = 8 << 20, bad = 0, got = 0;
	uint8_t buf[2048];
	pthread_t t[MWT];
	ssize_t n;

	mw_dev = open_up("txmw", 16, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mw_dev);
	fd = udp_sock("10.16.0.1", 7000);
	CU_ASSERT_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	for (intptr_t i = 0; i < MWT; i++)
		pthread_create(&t[i], NULL, mw_writer, (void *)i);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 1000) != 1)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n != MWT_LEN) {
			bad++;
			continue;
		}
		got++;
		/* another writer's copy of wbuf sends its packets twice */
		if (buf[0] >= MWT || seen[buf[0]][buf[1] << 8 | buf[2]]++)
			bad++;
		for (int i = 3; i < MWT_LEN && buf[0] < MWT; i++)
			if (buf[i] != (uint8_t)((buf[0] * 31 + (buf[1] << 8 | buf[2])) & 0xff)) {
				bad++;
				break;
			}
	}
	for (int i = 0; i < MWT; i++)
		pthread_join(t[i], NULL);
	printf("# %d of %d datagrams, %d bad\n", got, MWT * MWT_BATCHES * 8, bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(got >= MWT * MWT_BATCHES * 8 * 9 / 10);
	close(fd);
	tunx_close(mw_dev);
}

/* An empty packet in a batch is taken and dropped (tunx refused the
 * whole write with -EMSGSIZE, tun counted it, pipes delivered it). */
static void zero_length_write_taken(void)
{
	struct tunx_device *dev = open_up("txzero", 17, true);
	struct tx_batch b;
	size_t off;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	off = tunx_min_write_offset(dev);
	tx_batch_init(&b, 2, 256);
	b.sizes[0] = 0;
	b.sizes[1] = tx_udp4(b.bufs[1] + off, "10.17.0.2", "10.17.0.1", 1, 2,
			     "x", 1);
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 2, off), 2);
	CU_ASSERT_EQUAL(tunx_write(dev, b.bufs, b.sizes, 1, off), 1);
	tx_batch_free(&b);
	tunx_close(dev);
}

/* wireguard-go's CreateTUNFromFile: a helper attached the fd for us. */
static void adopt_attached_tun_fd(void)
{
	struct tunx_device *dev = NULL;
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	uint8_t addr[4] = { 10, 18, 0, 1 };
	struct tunx_diag d;
	struct tx_batch b;
	char name[IFNAMSIZ], payload[100] = "adopted";
	int fd, pfd[2], sock, r = 0;

	if (tx_backend() != TUNX_BACKEND_TUN)
		return;		/* tunx fds cannot be adopted yet */
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	CU_ASSERT_EQUAL(tunx_open_fd(&dev, pfd[0], NULL, &d), -EINVAL);
	CU_ASSERT(fcntl(pfd[0], F_GETFD) >= 0);	/* the caller keeps it */
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "not an attached tun"));
	close(pfd[0]);
	close(pfd[1]);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "txadopt");
	CU_ASSERT_FATAL(ioctl(fd, TUNSETIFF, &ifr) == 0);
	CU_ASSERT_EQUAL_FATAL(tunx_open_fd(&dev, fd, NULL, &d), 0);
	CU_ASSERT(fcntl(fd, F_GETFD) < 0);	/* the device owns it now */
	CU_ASSERT_EQUAL(tunx_backend(dev), TUNX_BACKEND_TUN);
	CU_ASSERT_EQUAL(tunx_name(dev, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "txadopt");
	tx_sh("sysctl -qw net.ipv6.conf.txadopt.disable_ipv6=1");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, addr, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	sock = udp_sock("10.18.0.1", 4001);
	send_udp(sock, "10.18.0.2", 9, payload, sizeof(payload));
	tx_batch_init(&b, tunx_batch_size(dev), 2048);
	r = tunx_read(dev, b.bufs, 2048, b.sizes, b.n, 0);	/* blocking */
	CU_ASSERT_EQUAL(r, 1);
	CU_ASSERT_EQUAL(b.sizes[0], 128);
	tx_batch_free(&b);
	close(sock);
	tunx_close(dev);
}

/*
 * An adopted descriptor whose opener set IFF_VNET_HDR is used for offload
 * (tunx_open(3)): the device has tun's offload shape, and a datagram read
 * through it comes without the virtio header.  One opened without it
 * gets no write headroom requirement.
 */
static void adopt_vnet_hdr_tun_fd_uses_offload(void)
{
	struct tunx_device *dev = NULL;
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR };
	uint8_t addr[4] = { 10, 19, 0, 1 };
	char payload[100] = "adopted with a vnet header";
	struct tx_batch b;
	int fd, sock;

	if (tx_backend() != TUNX_BACKEND_TUN)
		return;		/* tunx fds cannot be adopted yet */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "txadoptv");
	CU_ASSERT_FATAL(ioctl(fd, TUNSETIFF, &ifr) == 0);
	CU_ASSERT_EQUAL_FATAL(tunx_open_fd(&dev, fd, NULL, NULL), 0);
	CU_ASSERT_EQUAL(tunx_min_write_offset(dev), 10);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 128);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "TSO"));
	tx_sh("sysctl -qw net.ipv6.conf.txadoptv.disable_ipv6=1");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, addr, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	sock = udp_sock("10.19.0.1", 4001);
	send_udp(sock, "10.19.0.2", 9, payload, sizeof(payload));
	tx_batch_init(&b, tunx_batch_size(dev), 2048);
	CU_ASSERT_EQUAL(tunx_read(dev, b.bufs, 2048, b.sizes, b.n, 0), 1);
	CU_ASSERT_EQUAL(b.sizes[0], 128);
	CU_ASSERT_EQUAL(b.bufs[0][0], 0x45);
	CU_ASSERT_EQUAL(memcmp(b.bufs[0] + 28, payload, sizeof(payload)), 0);
	tx_batch_free(&b);
	close(sock);
	tunx_close(dev);

	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ioctl(fd, TUNSETIFF, &ifr) == 0);
	CU_ASSERT_EQUAL_FATAL(tunx_open_fd(&dev, fd, NULL, NULL), 0);
	CU_ASSERT_EQUAL(tunx_min_write_offset(dev), 0);
	tunx_close(dev);
}

static void single_queue_attach_refused(void)
{
	struct tunx_device *dev = open_dev("txsq", false, 0), *q = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(tunx_attach_queue(dev, &q), -EINVAL);
	tunx_close(dev);
}

static void link_name_in_use_busy(void)
{
	struct tunx_device *a = open_dev("txdup", false, 0);
	struct tunx_device *b = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txdup";
	CU_ASSERT(tunx_open(&b, &cfg, &d) < 0);
	CU_ASSERT(strlen(d.message) > 0);
	tunx_close(a);
}

/* ---- TCP between two namespaces through two devices and a p2p -------- */

struct tcp_srv {
	int ns_fd;
	int listening;	/* atomic: 1 listening, -1 failed, 0 not yet */
	size_t got;
	unsigned int bad;
	long rx_packets;
};

/* Packets the kernel received on @dev, from this thread's namespace. */
static long rx_packets(const char *dev)
{
	char cmd[128];
	long v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -s link show %s | awk 'NR==4{print $2}'",
		 dev);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		pclose(f);
	}
	return v;
}

static void *tcp_server(void *arg)
{
	struct tcp_srv *s = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5001) };
	static char buf[65536];
	int one = 1, l, c;
	ssize_t n;

	setns(s->ns_fd, CLONE_NEWNET);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "10.3.0.2", &sa.sin_addr);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1)) {
		__atomic_store_n(&s->listening, -1, __ATOMIC_RELEASE);
		close(l);
		return NULL;
	}
	__atomic_store_n(&s->listening, 1, __ATOMIC_RELEASE);
	c = accept(l, NULL, NULL);
	while (c >= 0 && (n = recv(c, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			s->bad += (uint8_t)buf[i] != (uint8_t)((s->got + i) * 7);
		s->got += (size_t)n;
	}
	s->rx_packets = rx_packets("txp2pb");	/* in ns2, this thread's */
	close(c);
	close(l);
	return NULL;
}

/* Every TCP/IPv4 packet a device hands out must carry a valid checksum:
 * split segments and completed NEEDS_CSUM packets alike. */
struct csum_count {
	unsigned int checked, bad;
};

static void check_csum(void *arg, const uint8_t *pkt, size_t len)
{
	struct csum_count *c = arg;

	if (len < 40 || pkt[0] != 0x45 || pkt[9] != IPPROTO_TCP)
		return;
	__atomic_add_fetch(&c->checked, 1, __ATOMIC_RELAXED);
	if (!tx_l4_ok(pkt, len))
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

static struct tunx_device *csum_checked(struct tunx_device *dev,
					struct csum_count *c)
{
	struct tunx_device *w = NULL;

	CU_ASSERT_EQUAL(tunx_callback_wrap(&w, dev, check_csum, NULL, c), 0);
	return w;
}

static void tcp_bulk_between_namespaces_via_p2p(void)
{
	int ns1 = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ns2;
	struct tunx_device *a, *b;
	struct csum_count csum = { 0 };
	struct tcp_srv srv = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5001) };
	static uint8_t data[1 << 20];
	struct tunx_p2p *p2p;
	pthread_t t;
	size_t sent = 0, total = 16u << 20;
	int fd, i;

	CU_ASSERT_FATAL(unshare(CLONE_NEWNET) == 0);
	ns2 = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	tx_ifup("lo");
	b = open_dev("txp2pb", false, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	tunx_link_add_addr(b, AF_INET, "\x0a\x03\x00\x02", 24);
	tunx_link_set_up(b, true);
	setns(ns1, CLONE_NEWNET);
	a = open_dev("txp2pa", false, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	tunx_link_add_addr(a, AF_INET, "\x0a\x03\x00\x01", 24);
	tunx_link_set_up(a, true);
	CU_ASSERT_FATAL(tunx_p2p_new(&p2p, NULL) == 0);
	tunx_p2p_set_a(p2p, csum_checked(a, &csum));
	tunx_p2p_set_b(p2p, csum_checked(b, &csum));
	srv.ns_fd = ns2;
	pthread_create(&t, NULL, tcp_server, &srv);
	/* Connect once it listens: a loaded machine takes its time. */
	for (i = 0; i < 1000 && !__atomic_load_n(&srv.listening,
						 __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	CU_ASSERT_EQUAL_FATAL(__atomic_load_n(&srv.listening, __ATOMIC_ACQUIRE),
			      1);
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "10.3.0.2", &sa.sin_addr);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	while (sent < total) {
		ssize_t n = send(fd, data + sent % sizeof(data),
				 sizeof(data) - sent % sizeof(data), 0);

		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	close(fd);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(sent, total);
	CU_ASSERT_EQUAL(srv.got, total);
	CU_ASSERT_EQUAL(srv.bad, 0);
	CU_ASSERT(__atomic_load_n(&csum.checked, __ATOMIC_RELAXED) > 1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&csum.bad, __ATOMIC_RELAXED), 0);
	/*
	 * With TSO, writes coalesce: fewer packets than 1448-byte segments.
	 * How many fewer depends on batch sizes, so on the machine's speed
	 * (4x fewer on 6.1 under TCG, less on the debug kernel).
	 */
	if (strstr(tunx_backend_reason(b), "TSO")) {
		printf("# p2p: %ld packets into the server's device for %zu "
		       "segments\n", srv.rx_packets, total / 1448);
		CU_ASSERT(srv.rx_packets > 0 &&
			  srv.rx_packets < (long)(total / 1448));
	}
	tunx_p2p_free(p2p);
	close(ns2);
	close(ns1);
}

static void offload_shape(void)
{
	uint8_t pkt[64] = { 0x45 }, *bufs[1] = { pkt };
	size_t sizes[1] = { 20 };
	struct tunx_device *dev;
	struct tunx_config cfg;

	if (tx_backend() != TUNX_BACKEND_TUN) {
		dev = open_dev("txshape", false, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
		CU_ASSERT(tunx_batch_size(dev) >= 1);
		tunx_close(dev);
		return;
	}
	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.name = "txoff";
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 128);
	CU_ASSERT_EQUAL(tunx_min_write_offset(dev), 10);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "TSO"));
	/* Below the minimum tun's header would land before the buffer. */
	CU_ASSERT_EQUAL(tunx_write(dev, bufs, sizes, 1, 9), -EINVAL);
	tunx_close(dev);
	cfg.offload = false;
	cfg.batch = 16;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 16);
	CU_ASSERT_EQUAL(tunx_min_write_offset(dev), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "offload off"));
	tunx_close(dev);
}

/* Zero copy: tunx builds packets in its tx area and reads rx in place. */
static void zero_copy_in_place(void)
{
	struct tunx_device *dev = open_up("txzc", 2, true);
	struct tunx_pkt p[4];
	struct pollfd pf;
	char buf[64];
	int fd, n, i, got = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	if (tx_backend() != TUNX_BACKEND_TUNX) {
		CU_ASSERT_EQUAL(tunx_peek(dev, p, 4), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(tunx_reserve(dev, p, 4), -EOPNOTSUPP);
		tunx_close(dev);
		return;
	}
	fd = udp_sock("10.2.0.1", 2222);
	CU_ASSERT_FATAL(fd >= 0);
	/* write side: reserve, build in place, submit */
	CU_ASSERT_EQUAL_FATAL(tunx_reserve(dev, p, 2), 2);
	CU_ASSERT(p[0].cap >= 1500);
	for (i = 0; i < 2; i++)
		p[i].len = (uint32_t)tx_udp4(p[i].data, "10.2.0.2", "10.2.0.1",
					     3333, 2222, "zc", 2);
	CU_ASSERT_EQUAL(tunx_submit(dev, p, 2), 2);
	pf.fd = fd;
	pf.events = POLLIN;
	for (i = 0; i < 2 && poll(&pf, 1, 2000) == 1; i++)
		got += recv(fd, buf, sizeof(buf), 0) == 2;
	CU_ASSERT_EQUAL(got, 2);
	/* read side: peek in place, release */
	send_udp(fd, "10.2.0.2", 4444, "peekaboo", 8);
	got = 0;
	for (i = 0; i < 40 && !got; i++) {
		n = tunx_peek(dev, p, 4);
		if (n == -EAGAIN) {
			pf.fd = tunx_fd(dev);
			poll(&pf, 1, 50);
			continue;
		}
		CU_ASSERT_FATAL(n > 0);
		for (int k = 0; k < n; k++)
			got += p[k].len == 36 && p[k].data[9] == 17 &&
			       !memcmp(p[k].data + 28, "peekaboo", 8);
		CU_ASSERT_EQUAL(tunx_release(dev, (unsigned int)n), 0);
	}
	CU_ASSERT_EQUAL(got, 1);
	close(fd);
	tunx_close(dev);
}

/*
 * Reserves one buffer, waiting up to 10 s for the kernel to free room: a
 * writer can fill the ring faster than a loaded debug kernel drains it.
 */
static bool reserve_one(struct tunx_device *dev, struct tunx_pkt *p)
{
	struct pollfd pf = { .fd = tunx_fd(dev), .events = POLLOUT };
	int64_t end = tx_ms() + 10000;
	int r;

	while ((r = tunx_reserve(dev, p, 1)) == -EAGAIN && tx_ms() < end)
		poll(&pf, 1, 100);
	return r == 1;
}

/* Reserves one buffer, returns its cap, and gives it back unsent. */
static uint32_t reserve_cap(struct tunx_device *dev)
{
	struct tunx_pkt p;

	if (!reserve_one(dev, &p))
		return 0;
	CU_ASSERT_EQUAL(tunx_submit(dev, &p, 0), 0);
	return p.cap;
}

/*
 * tunx_reserve() gives buffers of the MTU (at least 2048) on a device
 * without offload.  It used to keep the MTU it was opened with: after
 * tunx_link_set_mtu(9000), or `ip link set mtu` seen as an event, a
 * packet of the new MTU could not be built in place.
 */
static void reserve_follows_the_mtu(void)
{
	struct tunx_device *dev = NULL;
	uint8_t payload[8000];
	struct tunx_config cfg;
	struct tunx_pkt p;
	char buf[9000];
	unsigned int ev;
	int fd;

	if (tx_backend() != TUNX_BACKEND_TUNX)
		return;		/* zero copy is the tunx backend's */
	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.name = "txrm";
	cfg.offload = false;
	cfg.mtu = 1500;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(reserve_cap(dev), 2048);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 9000), 0);
	CU_ASSERT(reserve_cap(dev) >= 9000);
	/* A packet of the new MTU, built in place, arrives whole. */
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET,
					   (uint8_t[4]){ 10, 24, 0, 1 }, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	fd = udp_sock("10.24.0.1", 7024);
	CU_ASSERT_FATAL(fd >= 0);
	memset(payload, 0x5a, sizeof(payload));
	CU_ASSERT_EQUAL_FATAL(tunx_reserve(dev, &p, 1), 1);
	p.len = (uint32_t)tx_udp4(p.data, "10.24.0.2", "10.24.0.1", 5024, 7024,
				  payload, sizeof(payload));
	CU_ASSERT_EQUAL(tunx_submit(dev, &p, 1), 1);
	CU_ASSERT(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 2000) == 1);
	CU_ASSERT_EQUAL(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 8000);
	/* Someone else's change, once its event is read. */
	while (tunx_event_next(dev, &ev) == 1)
		;	/* ours, up to now */
	CU_ASSERT_EQUAL(tx_sh("ip link set dev txrm mtu 12000"), 0);
	CU_ASSERT(wait_event(dev, TUNX_EVENT_MTU_UPDATE));
	CU_ASSERT(reserve_cap(dev) >= 12000);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1280), 0);
	CU_ASSERT_EQUAL(reserve_cap(dev), 2048);
	close(fd);
	tunx_close(dev);
}

/* Counts MTU events (the event thread calls it). */
static void cb_count(struct tunx_device *dev, unsigned int ev, void *arg)
{
	(void)dev;
	if (ev == TUNX_EVENT_MTU_UPDATE)
		__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

/*
 * Three threads meet on a link's MTU: a writer building packets in place
 * with tunx_reserve(), a thread changing the MTU with tunx_link_set_mtu(),
 * and the library's event thread storing the MTU the kernel announces.
 * Under TSan this is a data race unless the MTU is shared atomically.
 * Every packet must arrive, and once the changes and their events are
 * over the buffers have the last MTU.
 */
#define MTU_FLIPS 200	/* even: the last change is to 9000 */
#define MTU_RACE_PACKETS 2000

struct mtu_flipper {
	struct tunx_device *dev;
	int done;	/* atomic: the flipper has made its last change */
	int errors;	/* the flipper's until it is joined */
};

static void *flip_mtu(void *arg)
{
	struct mtu_flipper *f = arg;

	for (int i = 1; i <= MTU_FLIPS; i++)
		f->errors += tunx_link_set_mtu(f->dev, i % 2 ? 1500 : 9000) != 0;
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One 200-byte datagram built in the ring; false if it could not be. */
static bool send_in_place(struct tunx_device *dev, uint16_t seq)
{
	uint8_t payload[200];
	struct tunx_pkt p;

	memset(payload, (uint8_t)seq, sizeof(payload));
	if (!reserve_one(dev, &p))
		return false;
	CU_ASSERT(p.cap >= 2048);
	p.len = (uint32_t)tx_udp4(p.data, "10.25.0.2", "10.25.0.1", 5025, 7025,
				  payload, sizeof(payload));
	return tunx_submit(dev, &p, 1) == 1;
}

static void reserve_races_mtu_changes(void)
{
	struct mtu_flipper f = { 0 };
	int fd, rcv = 8 << 20, hits = 0, sent = 0, got = 0, failed = 0;
	struct tunx_config cfg;
	int64_t end;
	char buf[512];
	pthread_t t;

	if (tx_backend() != TUNX_BACKEND_TUNX)
		return;		/* zero copy is the tunx backend's */
	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.name = "txmr";
	cfg.offload = false;
	cfg.mtu = 1500;
	cfg.event_cb = cb_count;
	cfg.event_arg = &hits;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&f.dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_link_add_addr(f.dev, AF_INET,
					   (uint8_t[4]){ 10, 25, 0, 1 }, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(f.dev, true), 0);
	fd = udp_sock("10.25.0.1", 7025);
	CU_ASSERT_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	pthread_create(&t, NULL, flip_mtu, &f);
	/* Packets for the socket, then reserves alone until the flips end. */
	while (!__atomic_load_n(&f.done, __ATOMIC_ACQUIRE)) {
		if (sent + failed < MTU_RACE_PACKETS) {
			if (send_in_place(f.dev, (uint16_t)sent))
				sent++;
			else
				failed++;
		} else if (reserve_cap(f.dev) < 2048) {
			failed++;
		}
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(f.errors, 0);
	CU_ASSERT_EQUAL(failed, 0);
	end = tx_ms() + 10000;	/* a loaded debug kernel drains slowly */
	while (got < sent && tx_ms() < end)
		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 100) == 1)
			got += recv(fd, buf, sizeof(buf), 0) == 200;
	CU_ASSERT_EQUAL(got, sent);
	CU_ASSERT(__atomic_load_n(&hits, __ATOMIC_SEQ_CST) >= 1);
	/* The event thread may store an older event's MTU after ours; the
	 * last event brings the last MTU back. */
	end = tx_ms() + 10000;
	while (reserve_cap(f.dev) < 9000 && tx_ms() < end)
		usleep(10000);
	CU_ASSERT(reserve_cap(f.dev) >= 9000);
	close(fd);
	tunx_close(f.dev);
}

/*
 * A caller's own poll loop notices tunx_shutdown() from another thread:
 * tunx_fd() turns readable, except on tunx, where it is the module's own
 * descriptor; tunx_events_fd() turns readable on every backend.  On tun
 * tunx_fd() used to stay quiet: the loop slept on.
 */
static void *shutdown_soon(void *arg)
{
	usleep(100000);
	tunx_shutdown(arg);
	return NULL;
}

static bool shutdown_wakes(const char *name, bool events_fd)
{
	struct tunx_device *dev = open_dev(name, false, 0);
	uint8_t buf[2048], *bufs[1] = { buf };
	size_t sizes[1];
	struct pollfd p;
	unsigned int ev;
	pthread_t t;
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	while (tunx_event_next(dev, &ev) == 1)
		;	/* the events of the open */
	p = (struct pollfd){ .events = POLLIN,
		.fd = events_fd ? tunx_events_fd(dev) : tunx_fd(dev) };
	pthread_create(&t, NULL, shutdown_soon, dev);
	n = poll(&p, 1, 5000);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(tunx_read(dev, bufs, sizeof(buf), sizes, 1, 0),
			-ESHUTDOWN);
	tunx_close(dev);
	return n == 1;
}

static void own_poll_loop_wakes_at_shutdown(void)
{
	if (tx_backend() != TUNX_BACKEND_TUNX)
		CU_ASSERT(shutdown_wakes("txsd0", false));
	CU_ASSERT(shutdown_wakes("txsd1", true));
}

/* The owner of a persistent device attaches without CAP_NET_ADMIN. */
static int child_attach_as_owner(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (setgid(65534) || setuid(65534))
		return 2;
	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txown";
	r = tunx_open(&dev, &cfg, &d);
	if (r) {
		fprintf(stderr, "owner attach: %s: %s\n", tunx_strerror(r), d.message);
		return 3;
	}
	tunx_close(dev);
	cfg.name = "txnotmine";	/* creating still needs the capability */
	r = tunx_open(&dev, &cfg, &d);
	return r == -EPERM && strstr(d.message, "CAP_NET_ADMIN") ? 0 : 4;
}

static void owner_attaches_without_cap_net_admin(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	pid_t pid;
	int st = -1;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txown";
	cfg.persist = true;
	cfg.owner = 65534;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	tunx_close(dev);
	pid = fork();
	if (pid == 0)
		_exit(child_attach_as_owner());
	waitpid(pid, &st, 0);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tx_sh("ip link del txown 2>/dev/null");
}

static void event_callback_thread_delivers(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	int hits = 0;

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txcb";
	cfg.event_cb = cb_count;
	cfg.event_arg = &hits;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1350), 0);
	for (int i = 0; i < 100 && !__atomic_load_n(&hits, __ATOMIC_SEQ_CST); i++)
		usleep(20000);
	CU_ASSERT(__atomic_load_n(&hits, __ATOMIC_SEQ_CST) >= 1);
	tunx_close(dev);
}


/* ---- tunx offload and busy polling ----------------------------------- */

/* Features of the loaded tunx module (GET_INFO works unattached). */
static uint64_t module_features(void)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd = open(TUNX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint64_t f = 0;

	if (fd >= 0 && !ioctl(fd, TUNX_IOC_GET_INFO, &info))
		f = info.features;
	if (fd >= 0)
		close(fd);
	return f;
}

static bool dev_info(struct tunx_device *dev, struct tunx_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return !ioctl(tunx_fd(dev), TUNX_IOC_GET_INFO, info);
}

static bool dev_stats(struct tunx_device *dev, struct tunx_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return !ioctl(tunx_fd(dev), TUNX_IOC_GET_STATS, st);
}

static void offload_device_when_module_has_it(void)
{
	struct tunx_device *dev = open_dev("txofl", false, 0);
	struct tunx_config cfg;
	struct tunx_info info;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "offload TSO+USO"));
	CU_ASSERT_FATAL(dev_info(dev, &info));
	CU_ASSERT(info.flags & TUNX_ATTACH_OFFLOAD);
	/* Whole 64 KB super-packets in a queue that maps <= 1.1 MiB. */
	CU_ASSERT_EQUAL(info.max_packet, 65536);
	CU_ASSERT_EQUAL(info.area_size, TUNX_AREA_DEF_SIZE);
	CU_ASSERT_EQUAL(info.rx_entries, 1024);
	CU_ASSERT(info.mmap_size <= 11ULL * 1024 * 1024 / 10);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 128);
	tunx_close(dev);
	/* A device made without offload still opens when offload is asked. */
	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.name = "txplain";
	cfg.offload = false;
	cfg.persist = true;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "disabled in config"));
	tunx_close(dev);
	cfg.offload = true;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "exists without it"));
	CU_ASSERT(dev_info(dev, &info) && !(info.flags & TUNX_ATTACH_OFFLOAD));
	tunx_close(dev);
	tx_sh("ip link del txplain 2>/dev/null");
}

/* The sums after a peeked super-packet are its segments' payload sums. */
static unsigned int good_seg_sums(const struct tunx_pkt *p)
{
	const uint8_t *sums;
	unsigned int n = tunx_pkt_seg_sums(p, &sums), good = 0, i;
	uint32_t off, k, sum;

	for (i = 0; i < n; i++) {
		off = p->off.hdr_len + i * p->off.gso_size;
		k = p->len - off < p->off.gso_size ? p->len - off : p->off.gso_size;
		sum = 0;
		for (uint32_t j = 0; j < k; j++)
			sum += j % 2 ? p->data[off + j] : p->data[off + j] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		good += (sums[2 * i] << 8 | sums[2 * i + 1]) == (int)sum;
	}
	return good;
}

/*
 * peek shows what the kernel sent: one USO super-packet, metadata set,
 * and (a module with TUNX_FEAT_SEG_SUMS) each segment's payload sum.
 */
static void peek_sees_uso_super_packet(void)
{
	struct tunx_device *dev = open_up("txuso", 12, true);
	struct pollfd pf = { .events = POLLIN };
	static char payload[10 * 1000 - 7];
	struct tunx_pkt p[8];
	struct tunx_offload off = { 0 };
	unsigned int sums = 0, flags = 0;
	uint32_t len = 0;
	int fd, n, i, tries;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (char)(i * 7 + i / 1000);
	fd = udp_sock("10.12.0.1", 4002);
	CU_ASSERT_FATAL(send_uso(fd, "10.12.0.2", 9, payload, sizeof(payload),
				 1000) == (ssize_t)sizeof(payload));
	for (tries = 0; tries < 40 && !len; tries++) {
		n = tunx_peek(dev, p, 8);
		if (n == -EAGAIN) {
			pf.fd = tunx_fd(dev);
			poll(&pf, 1, 50);
			continue;
		}
		CU_ASSERT_FATAL(n > 0);
		for (i = 0; i < n; i++)
			if (p[i].data[0] == 0x45 && p[i].data[9] == IPPROTO_UDP) {
				len = p[i].len;
				off = p[i].off;
				flags = p[i].flags;
				sums = good_seg_sums(&p[i]);
			}
		tunx_release(dev, (unsigned int)n);
	}
	CU_ASSERT_EQUAL(len, 28 + sizeof(payload));
	CU_ASSERT_EQUAL(off.gso_type, TUNX_GSO_UDP_L4);
	CU_ASSERT_EQUAL(off.gso_size, 1000);
	CU_ASSERT_EQUAL(off.hdr_len, 28);
	CU_ASSERT(off.csum_flags & TUNX_CSUM_NEEDS_CSUM);
	if (module_features() & TUNX_FEAT_SEG_SUMS) {
		CU_ASSERT_EQUAL(flags, TUNX_PKT_SEG_SUMS);
		CU_ASSERT_EQUAL(sums, 10);
	} else {
		CU_ASSERT_EQUAL(flags, 0);
	}
	close(fd);
	tunx_close(dev);
}

/*
 * tunx_read() splits with the kernel's segment sums: the split it keeps
 * between reads (batch 3, 10 segments) holds them, and every segment it
 * hands out verifies.
 */
static void read_splits_with_the_kernels_sums(void)
{
	static char payload[10 * 1000 - 7];
	unsigned int i, got, good = 0;
	struct tunx_device *dev;
	struct tx_batch b;
	uint8_t *pk[10];
	size_t len[10];
	int fd;

	want_batch = 3;
	dev = open_up("txsums", 21, true);
	want_batch = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (char)(i * 7 + i / 1000);
	fd = udp_sock("10.21.0.1", 4003);
	CU_ASSERT_FATAL(send_uso(fd, "10.21.0.2", 9, payload, sizeof(payload),
				 1000) == (ssize_t)sizeof(payload));
	tx_batch_init(&b, tunx_batch_size(dev), 2048);
	for (i = 0; i < 10; i++)
		pk[i] = malloc(2048);
	got = read_n(dev, &b, 3, 0, pk, len);
	CU_ASSERT_EQUAL(got, 3);
	CU_ASSERT(tunx__split_more(&tunx__to_tx(dev)->split));
	CU_ASSERT_PTR_NOT_NULL(tunx__to_tx(dev)->split.sums);
	got += read_n(dev, &b, 7, 0, pk + 3, len + 3);
	CU_ASSERT_EQUAL(got, 10);
	for (i = 0; i < got; i++)
		good += tx_l4_ok(pk[i], len[i]) &&
			pk[i][28] == (uint8_t)(i * 1000 * 7 + i);
	CU_ASSERT_EQUAL(good, 10);
	for (i = 0; i < 10; i++)
		free(pk[i]);
	tx_batch_free(&b);
	close(fd);
	tunx_close(dev);
}

static void *ping_flood(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)tx_sh("ping -q -f -c 1500 -W 2 10.13.0.2 >/dev/null");
}

/* Waits (60 s at most) until the device moved @n more packets than @from. */
static bool stats_after(struct tunx_device *dev, const struct tunx_stats *from,
			uint64_t n, struct tunx_stats *st)
{
	int64_t end = tx_ms() + 60000;

	while (dev_stats(dev, st) && tx_ms() < end) {
		if (st->rx_packets >= from->rx_packets + n)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Busy polling: while a ping flood flows the echo thread spins and the
 * kernel polls the tx ring, so neither side kicks nor wakes the other.
 * Counted from once the flood runs (starting ping over 9p under TCG can
 * take longer than any idle time) until 300 packets later.
 */
static void busy_poll_no_kicks_no_wakeups(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_stats base, s0, s1;
	struct tunx_config cfg;
	uint8_t addr[4] = { 10, 13, 0, 1 };
	pthread_t t, p;
	void *ret;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.name = "txbusy";
	cfg.busy_poll = true;
	cfg.busy_poll_usecs = 1000000;	/* TCG: slow and shared CPUs */
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "busy poll on"));
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, addr, 24), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	pthread_create(&t, NULL, echo_thread, dev);
	CU_ASSERT_FATAL(dev_stats(dev, &base));
	pthread_create(&p, NULL, ping_flood, NULL);
	CU_ASSERT(stats_after(dev, &base, 100, &s0));
	CU_ASSERT(stats_after(dev, &s0, 300, &s1));
	printf("# busy: kicks %llu wakeups %llu over %llu packets\n",
	       (unsigned long long)(s1.kicks - s0.kicks),
	       (unsigned long long)(s1.wakeups - s0.wakeups),
	       (unsigned long long)(s1.rx_packets - s0.rx_packets));
	CU_ASSERT(s1.tx_packets - s0.tx_packets >= 250);
	CU_ASSERT_EQUAL(s1.kicks - s0.kicks, 0);
	CU_ASSERT_EQUAL(s1.wakeups - s0.wakeups, 0);
	pthread_join(p, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 0);
	tunx_shutdown(dev);
	pthread_join(t, NULL);
	tunx_close(dev);
}

/* The word the kernel reads before it wakes a sleeping reader. */
static uint32_t rx_wake_packets(struct tunx_device *dev)
{
	return __atomic_load_n(&tunx__to_tx(dev)->rx_wake->packets,
			       __ATOMIC_RELAXED);
}

/* Waits up to 2 s for the rx_wake request to read @want. */
static bool rx_wake_becomes(struct tunx_device *dev, uint32_t want)
{
	int64_t end = tx_ms() + 2000;

	while (rx_wake_packets(dev) != want && tx_ms() < end)
		usleep(1000);
	return rx_wake_packets(dev) == want;
}

/*
 * A blocking tunx_read() of n packets on a module with TUNX_FEAT_RX_WAKE
 * asks, in the shared struct tunx_rx_wake, to be woken once n packets
 * wait (one wakeup per batch, not per packet) and takes the request back
 * once awake, so a caller's own poll() on tunx_fd() wakes at the first
 * packet.  One packet still wakes it: the kernel bounds the wait
 * (TUNX_RX_WAKE_DEF_USECS).
 */
static void blocking_read_asks_for_its_batch(void)
{
	struct tunx_device *dev;
	void *ret;
	pthread_t t;
	int fd;

	if (tx_backend() != TUNX_BACKEND_TUNX)
		return;		/* tun has no shared rings */
	CU_ASSERT_FATAL(module_features() & TUNX_FEAT_RX_WAKE);
	want_batch = 4;
	dev = open_dev("txrxwake", false, 0);
	want_batch = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	/* No IPv6 chatter (MLD, RS) to wake the reader before we look. */
	CU_ASSERT_EQUAL(tx_sh("sysctl -qw net.ipv6.conf.txrxwake.disable_ipv6=1"), 0);
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET,
					   (uint8_t[]){ 10, 18, 0, 1 }, 24), 0);
	CU_ASSERT_EQUAL_FATAL(tunx_link_set_up(dev, true), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tunx__to_tx(dev)->rx_wake);
	CU_ASSERT_EQUAL(tunx_batch_size(dev), 4);
	CU_ASSERT_EQUAL(rx_wake_packets(dev), 0);
	fd = udp_sock("10.18.0.1", 4018);
	CU_ASSERT_FATAL(fd >= 0);

	pthread_create(&t, NULL, blocked_read, dev);
	tx_wait_entered(dev);
	CU_ASSERT(rx_wake_becomes(dev, 4));	/* written before it sleeps */
	send_udp(fd, "10.18.0.2", 9, "x", 1);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((intptr_t)ret, 1);	/* one packet, bounded wait */
	CU_ASSERT_EQUAL(rx_wake_packets(dev), 0);	/* and 0 after */
	close(fd);
	tunx_close(dev);
}

/*
 * cfg.rx_wake_usecs is the bound the kernel reads in the shared struct
 * tunx_rx_wake (TUNX_FEAT_RX_WAKE), for every queue of the device; 0
 * leaves the device's ethtool rx-usecs.  A bound above the kernel's
 * maximum is refused before anything opens.
 */
static void rx_wake_usecs_reaches_the_kernel_on_every_queue(void)
{
	struct tunx_device *dev = NULL, *q2 = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	if (tx_backend() != TUNX_BACKEND_TUNX)
		return;		/* tun has no shared rings */
	CU_ASSERT_FATAL(module_features() & TUNX_FEAT_RX_WAKE);
	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.name = "txrxus";
	cfg.rx_wake_usecs = TUNX_RX_WAKE_MAX_USECS + 1;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "rx_wake_usecs"));
	CU_ASSERT_EQUAL(tx_sh("ip link show txrxus >/dev/null 2>&1"), 1);
	cfg.rx_wake_usecs = 300;
	cfg.queues = 2;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL_FATAL(tunx_attach_queue(dev, &q2), 0);
	CU_ASSERT_EQUAL(tunx__to_tx(dev)->rx_wake->usecs, 300);
	CU_ASSERT_EQUAL(tunx__to_tx(q2)->rx_wake->usecs, 300);
	tunx_close(q2);
	tunx_close(dev);
	cfg.rx_wake_usecs = 0;
	cfg.queues = 1;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL(tunx__to_tx(dev)->rx_wake->usecs, 0);
	tunx_close(dev);
}

/* busy_poll is a hint: on where it can be, said so either way. */
static void busy_poll_hint_reported(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	const char *want = "busy poll off";

	tunx_config_init(&cfg);
	cfg.backend = tx_backend();
	cfg.name = "txhint";
	cfg.busy_poll = true;
	if (tx_backend() == TUNX_BACKEND_TUNX &&
	    (module_features() & TUNX_FEAT_BUSY_POLL))
		want = "busy poll on";
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), want));
	/* Spinning reads and writes give up after busy_poll_usecs, 0: 1000. */
	if (strstr(want, " on"))
		CU_ASSERT_EQUAL(dev->busy_ns, 1000 * 1000);
	tunx_close(dev);
	cfg.busy_poll_usecs = 250;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	if (strstr(want, " on"))
		CU_ASSERT_EQUAL(dev->busy_ns, 250 * 1000);
	tunx_close(dev);
}

static CU_TestInfo tests[] = {
	{ "open_reports_backend_and_name", open_reports_backend_and_name },
	{ "open_with_mtu_sets_link", open_with_mtu_sets_link },
	{ "events_up_mtu_down_from_rtnetlink", events_up_mtu_down_from_rtnetlink },
	{ "events_after_overrun_end_in_current_state", events_after_overrun_end_in_current_state },
	{ "events_quiet_for_other_links", events_quiet_for_other_links },
	{ "mtu_raised_after_open_up_to_65535",
	  mtu_raised_after_open_up_to_65535 },
	{ "event_callback_thread_delivers", event_callback_thread_delivers },
	{ "up_down_follow_running", up_down_follow_running },
	{ "up_at_open_when_running", up_at_open_when_running },
	{ "ping_answered_by_echo", ping_answered_by_echo },
	{ "socket_to_device_udp_batch", socket_to_device_udp_batch },
	{ "device_write_batch_reaches_socket", device_write_batch_reaches_socket },
	{ "ipv6_device_to_socket", ipv6_device_to_socket },
	{ "udp_gso_send_arrives_as_segments", udp_gso_send_arrives_as_segments },
	{ "gso_rest_kept_for_next_read", gso_rest_kept_for_next_read },
	{ "filter_drops_whole_read_no_stall", filter_drops_whole_read_no_stall },
	{ "close_wakes_blocked_reader", close_wakes_blocked_reader },
	{ "link_delete_wakes_reader", link_delete_wakes_reader },
	{ "nonblock_read_eagain", nonblock_read_eagain },
	{ "non_ip_write_taken_and_dropped", non_ip_write_taken_and_dropped },
	{ "multi_queue_attach", multi_queue_attach },
	{ "single_queue_attach_refused", single_queue_attach_refused },
	{ "attached_queue_keeps_batch", attached_queue_keeps_batch },
	{ "attached_queue_keeps_offload_and_mode", attached_queue_keeps_offload_and_mode },
	{ "adopt_attached_tun_fd", adopt_attached_tun_fd },
	{ "adopt_vnet_hdr_tun_fd_uses_offload", adopt_vnet_hdr_tun_fd_uses_offload },
	{ "zero_length_write_taken", zero_length_write_taken },
	{ "many_writers_packets_intact", many_writers_packets_intact },
	{ "peer_mtu_larger_run_arrives", peer_mtu_larger_run_arrives },
	{ "oversize_packet_emsgsize_then_kept", oversize_packet_emsgsize_then_kept },
	{ "fd_readable_while_split_pending", fd_readable_while_split_pending },
	{ "link_name_in_use_busy", link_name_in_use_busy },
	{ "offload_shape", offload_shape },
	{ "zero_copy_in_place", zero_copy_in_place },
	{ "reserve_follows_the_mtu", reserve_follows_the_mtu },
	{ "reserve_races_mtu_changes", reserve_races_mtu_changes },
	{ "own_poll_loop_wakes_at_shutdown", own_poll_loop_wakes_at_shutdown },
	{ "owner_attaches_without_cap_net_admin", owner_attaches_without_cap_net_admin },
	{ "tcp_bulk_between_namespaces_via_p2p", tcp_bulk_between_namespaces_via_p2p },
	{ "blocking_read_asks_for_its_batch", blocking_read_asks_for_its_batch },
	{ "rx_wake_usecs_reaches_the_kernel_on_every_queue",
	  rx_wake_usecs_reaches_the_kernel_on_every_queue },
	{ "busy_poll_hint_reported", busy_poll_hint_reported },
	{ "offload_device_when_module_has_it", offload_device_when_module_has_it },
	{ "peek_sees_uso_super_packet", peek_sees_uso_super_packet },
	{ "read_splits_with_the_kernels_sums", read_splits_with_the_kernels_sums },
	{ "busy_poll_no_kicks_no_wakeups", busy_poll_no_kicks_no_wakeups },
	CU_TEST_INFO_NULL,
};

/* Tests of module features the module may not have yet: skipped, never
 * failed, and run as soon as it reports the feature. */
static void skip_missing_features(void)
{
	uint64_t f = module_features();
	const char *why = "tunx backend only";

	if (tx_backend() == TUNX_BACKEND_TUNX)
		why = "the module lacks TUNX_FEAT_OFFLOAD";
	if (tx_backend() != TUNX_BACKEND_TUNX || !(f & TUNX_FEAT_OFFLOAD)) {
		tx_skip(tests, "offload_device_when_module_has_it", why);
		tx_skip(tests, "peek_sees_uso_super_packet", why);
	}
	if (tx_backend() == TUNX_BACKEND_TUNX)
		why = "the module lacks TUNX_FEAT_SEG_SUMS";
	if (tx_backend() != TUNX_BACKEND_TUNX || !(f & TUNX_FEAT_SEG_SUMS))
		tx_skip(tests, "read_splits_with_the_kernels_sums", why);
	if (tx_backend() == TUNX_BACKEND_TUNX)
		why = "the module lacks TUNX_FEAT_BUSY_POLL";
	if (tx_backend() != TUNX_BACKEND_TUNX || !(f & TUNX_FEAT_BUSY_POLL))
		tx_skip(tests, "busy_poll_no_kicks_no_wakeups", why);
}

int main(void)
{
	skip_missing_features();
	return tx_run(tx_backend() == TUNX_BACKEND_TUNX ? "device-tunx"
							 : "device-tun",
		      tests, TX_NETNS);
}
