// SPDX-License-Identifier: GPL-2.0
/*
 * TUNX_ATTACH_OFFLOAD: the device offers TSO/USO and checksum offload, rx
 * descriptors describe super-packets and partial checksums, tx descriptors
 * may carry super-packets the stack splits, and offload fields that do not
 * match their packet are counted as invalid descriptors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

#define ENTRIES		64
/*
 * Few tx slots of the default area (512 KiB): our own tx layout gives each
 * 64 KiB, room for any super-packet; max_packet is 64 KiB either way.
 */
#define TX_ENTRIES	8
#define AREA		0
#define PKT_MAX		TUNX_SUPER_MAX	/* longest packet, either way */
#define SEG		1000	/* gso_size of the super-packets we build */
#define NSEG		8
#define SINK_PORT	9999	/* nothing listens: packets only leave */
#define TCP_PORT	7001
#define IP_UDP_HDRS	(sizeof(struct iphdr) + sizeof(struct udphdr))
#define IP_TCP_HDRS	(sizeof(struct iphdr) + sizeof(struct tcphdr))
#define IP6_UDP_HDRS	(sizeof(struct ip6_hdr) + sizeof(struct udphdr))

/* ---- packet helpers ---- */

static __u32 pseudo4(const struct iphdr *ip, __u8 proto, __u32 l4len)
{
	__u32 s = ntohl(ip->saddr), d = ntohl(ip->daddr);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto +
	       l4len;
}

/* The partial checksum a NEEDS_CSUM packet carries: the folded pseudo sum. */
static __u16 pseudo4_partial(const struct iphdr *ip, __u8 proto, __u32 l4len)
{
	__u32 sum = pseudo4(ip, proto, l4len);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)sum);
}

static void ip4_fill(struct iphdr *ip, __u8 proto, size_t len)
{
	st_ip4_fill(ip, proto, len, ST_PEER4, ST_LOCAL4);
}

static __u8 pattern(size_t i)
{
	return (__u8)(i * 7 + i / 251);
}

/*
 * A UDP super-packet PEER4:9 -> LOCAL4:ST_PORT of NSEG * SEG payload
 * bytes with a partial checksum, and the descriptor that offers it.
 */
static size_t build_uso(void *buf, struct tunx_desc *d)
{
	size_t plen = NSEG * SEG, len = IP_UDP_HDRS + plen;
	struct iphdr *ip = buf;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u8 *payload = (__u8 *)(udp + 1);
	size_t i;

	ip4_fill(ip, IPPROTO_UDP, len);
	udp->source = htons(9);
	udp->dest = htons(ST_PORT);
	udp->len = htons(sizeof(*udp) + plen);
	udp->check = pseudo4_partial(ip, IPPROTO_UDP, sizeof(*udp) + plen);
	for (i = 0; i < plen; i++)
		payload[i] = pattern(i);
	d->len = len;
	d->flags = TUNX_DESC_F_OFFLOAD;
	d->csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d->gso_type = TUNX_GSO_UDP_L4;
	d->gso_size = SEG;
	d->hdr_len = IP_UDP_HDRS;
	d->csum_start = sizeof(*ip);
	d->csum_offset = offsetof(struct udphdr, check);
	return len;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)sum);
}

static __u32 pseudo6(const struct ip6_hdr *ip6, __u8 proto, __u32 l4len)
{
	const __u16 *w = (const __u16 *)&ip6->ip6_src;
	__u32 sum = proto + l4len;
	int i;

	/* ip6_src and ip6_dst are adjacent: 16 words. */
	for (i = 0; i < 16; i++)
		sum += ntohs(w[i]);
	return sum;
}

/*
 * build_uso() over IPv6 PEER6 -> LOCAL6, with @ext bytes of hop-by-hop
 * options header (0 or 8) between the IPv6 and UDP headers.
 */
static size_t build_uso6_ext(void *buf, struct tunx_desc *d, size_t ext)
{
	size_t plen = NSEG * SEG, l4 = sizeof(struct udphdr) + plen;
	struct ip6_hdr *ip6 = buf;
	__u8 *hbh = (__u8 *)(ip6 + 1);
	struct udphdr *udp = (struct udphdr *)(hbh + ext);
	__u8 *payload = (__u8 *)(udp + 1);
	size_t i;

	memset(ip6, 0, sizeof(*ip6) + ext);
	ip6->ip6_flow = htonl(6U << 28);
	ip6->ip6_plen = htons(ext + l4);
	ip6->ip6_nxt = ext ? 0 : IPPROTO_UDP;
	ip6->ip6_hlim = 64;
	inet_pton(AF_INET6, ST_PEER6, &ip6->ip6_src);
	inet_pton(AF_INET6, ST_LOCAL6, &ip6->ip6_dst);
	if (ext) {
		hbh[0] = IPPROTO_UDP;	/* next header; length 0: 8 bytes */
		hbh[2] = 1;		/* PadN over the remaining 4 bytes */
		hbh[3] = 4;
	}
	udp->source = htons(9);
	udp->dest = htons(ST_PORT);
	udp->len = htons(l4);
	udp->check = fold(pseudo6(ip6, IPPROTO_UDP, l4));
	for (i = 0; i < plen; i++)
		payload[i] = pattern(i);
	d->len = sizeof(*ip6) + ext + l4;
	d->flags = TUNX_DESC_F_OFFLOAD;
	d->csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d->gso_type = TUNX_GSO_UDP_L4;
	d->gso_size = SEG;
	d->hdr_len = sizeof(*ip6) + ext + sizeof(*udp);
	d->csum_start = sizeof(*ip6) + ext;
	d->csum_offset = offsetof(struct udphdr, check);
	return d->len;
}

static size_t build_uso6(void *buf, struct tunx_desc *d)
{
	return build_uso6_ext(buf, d, 0);
}

static size_t build_uso6_hbh(void *buf, struct tunx_desc *d)
{
	return build_uso6_ext(buf, d, 8);
}

/* Write @d's packet (built by @build) into the next tx slot; publish. */
static int publish(struct st_queue *q, struct tunx_desc *d,
		   size_t (*build)(void *, struct tunx_desc *))
{
	struct tunx_desc *slot;
	__u8 *pkt;

	slot = st_tx_reserve(q, &pkt);
	if (!slot)
		return -ENOSPC;
	if (build)
		build(pkt, d);
	d->addr = pkt - q->tx.area;
	*slot = *d;
	st_tx_submit(q);
	return st_kick(q->fd);
}

/* Bytes of segment sums after @d's packet when it has them, else 0. */
static size_t sums_size(const struct tunx_desc *d)
{
	size_t segs, end;

	if (!(d->flags & TUNX_DESC_F_SEG_SUMS) || !d->gso_size ||
	    d->hdr_len >= d->len)
		return 0;
	segs = (d->len - d->hdr_len + d->gso_size - 1) / d->gso_size;
	end = (d->len + TUNX_SEG_SUMS_ALIGN - 1) & ~(TUNX_SEG_SUMS_ALIGN - 1);
	return end - d->len + 2 * segs;
}

/* st_rx_take(), with the segment sums that follow the packet, if any. */
static int rx_take_summed(struct st_queue *q, __u8 *buf, size_t cap,
			  struct tunx_desc *d)
{
	const struct tunx_desc *slot = st_rx_peek(q);
	size_t span;

	if (!slot)
		return -EAGAIN;
	*d = *slot;
	span = d->len + sums_size(d);
	if (d->addr > q->rx.area_size || span > q->rx.area_size - d->addr ||
	    span > cap)
		return -EPROTO;
	memcpy(buf, q->rx.area + d->addr, span);
	st_rx_release(q);
	return d->len;
}

/* Next rx packet that is UDP/TCP to @dport, with its descriptor. */
static int rx_take_port(struct st_queue *q, void *buf, size_t cap,
			__u16 dport, __u8 proto, struct tunx_desc *d)
{
	long long end = st_now_ms() + 3000;
	const struct iphdr *ip = buf;
	int len;

	while (st_now_ms() < end) {
		len = rx_take_summed(q, buf, cap, d);
		if (len == -EAGAIN) {
			st_msleep(5);
			continue;
		}
		if (len < 0)
			return len;
		if (len >= (int)IP_UDP_HDRS && ip->version == 4 &&
		    ip->protocol == proto &&
		    ntohs(*(__u16 *)((__u8 *)buf + ip->ihl * 4 + 2)) == dport)
			return len;
		if (len >= (int)IP6_UDP_HDRS && ip->version == 6 &&
		    ((__u8 *)buf)[6] == proto &&
		    ntohs(*(__u16 *)((__u8 *)buf + 42)) == dport)
			return len;
	}
	return -ETIMEDOUT;
}

/* A plain datagram of @n bytes to the peer, taken from @q's rx ring. */
static int send_take_plain(struct st_queue *q, __u8 *buf, const void *msg,
			   size_t n, struct tunx_desc *d)
{
	int ret = st_udp_send4(ST_PEER4, SINK_PORT, msg, n);

	if (ret < 0)
		return ret;
	return rx_take_port(q, buf, PKT_MAX, SINK_PORT, IPPROTO_UDP, d);
}

static int ethtool_get(const char *name, __u32 cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	int ret = st_ethtool(name, &ev);

	return ret ? ret : (int)ev.data;
}

static int ethtool_set(const char *name, __u32 cmd, __u32 val)
{
	struct ethtool_value ev = { .cmd = cmd, .data = val };

	return st_ethtool(name, &ev);
}

/* One sendmsg of @len bytes with UDP_SEGMENT @seg: one GSO skb. */
static int send_uso_sized(int family, const char *dst, __u16 port, int seg,
			  size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };
	socklen_t salen = family == AF_INET ? sizeof(sin) : sizeof(sin6);
	void *sa = family == AF_INET ? (void *)&sin : (void *)&sin6;
	static __u8 data[TUNX_PACKET_MAX];
	int s, ret;
	size_t i;

	if (len > sizeof(data))
		return -EMSGSIZE;
	for (i = 0; i < len; i++)
		data[i] = pattern(i);
	s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	inet_pton(AF_INET, dst, &sin.sin_addr);
	inet_pton(AF_INET6, dst, &sin6.sin6_addr);
	ret = setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	if (!ret)
		ret = sendto(s, data, len, 0, sa, salen) == (ssize_t)len ? 0 : -1;
	ret = ret ? -errno : 0;
	close(s);
	return ret;
}

/* NSEG segments of SEG bytes. */
static int send_uso(int family, const char *dst, __u16 port)
{
	return send_uso_sized(family, dst, port, SEG, NSEG * SEG);
}

/* 0 when the packet's UDP checksum verifies. */
static __u16 udp_csum_check(const __u8 *pkt, size_t len)
{
	const struct iphdr *ip = (const void *)pkt;
	size_t l4 = len - ip->ihl * 4;

	return st_csum(pkt + ip->ihl * 4, l4, pseudo4(ip, IPPROTO_UDP, l4));
}

/*
 * Finish a partial checksum as a device would: the field holds the pseudo
 * sum, so summing from csum_start gives the final value.  Then verify it.
 */
static __u16 udp_csum_finish_check(__u8 *pkt, size_t len,
				   const struct tunx_desc *d)
{
	__u16 sum = st_csum(pkt + d->csum_start, len - d->csum_start, 0);

	memcpy(pkt + d->csum_start + d->csum_offset, &sum, sizeof(sum));
	return udp_csum_check(pkt, len);
}

/* ---- device-level tests ---- */

TEST(feature_offload_reported)
{
	struct tunx_info info;
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_get_info(fd, &info));
	EXPECT_TRUE(info.features & TUNX_FEAT_OFFLOAD);
	close(fd);
}

TEST(create_offload_turns_on_tso_csum_and_caps_gso_at_max_packet)
{
	struct st_queue q, plain, small;
	struct tunx_info info;

	ASSERT_EQ(0, st_netns_enter());
	ASSERT_EQ(0, st_queue_open(&q, "tx0", TUNX_ATTACH_OFFLOAD, ENTRIES,
				   TX_ENTRIES, AREA));
	ASSERT_EQ(PKT_MAX, q.max_packet);
	ASSERT_EQ(0, st_get_info(q.fd, &info));
	EXPECT_TRUE(info.flags & TUNX_ATTACH_OFFLOAD);
	EXPECT_EQ(1, ethtool_get("tx0", ETHTOOL_GTSO));
	EXPECT_EQ(1, ethtool_get("tx0", ETHTOOL_GTXCSUM));
	EXPECT_EQ(1, ethtool_get("tx0", ETHTOOL_GSG));
	EXPECT_EQ(0, st_sh("ip -d link show tx0 | grep -q 'gso_max_size 65536 '"));
	/* A device without offload offers none of it. */
	ASSERT_EQ(0, st_queue_open(&plain, "tx1", 0, ENTRIES, ENTRIES, 0));
	EXPECT_EQ(0, ethtool_get("tx1", ETHTOOL_GTSO));
	EXPECT_EQ(0, ethtool_get("tx1", ETHTOOL_GTXCSUM));
	/*
	 * Super-packets are capped at the smallest max_packet of any queue:
	 * half the smallest area.
	 */
	ASSERT_EQ(0, st_queue_open(&small, "tx2", TUNX_ATTACH_OFFLOAD,
				   ENTRIES, ENTRIES, 8192));
	ASSERT_EQ(TUNX_AREA_MIN_SIZE / 2, small.max_packet);
	EXPECT_EQ(0, st_sh("ip -d link show tx2 | grep -q 'gso_max_size 32768 '"));
	st_queue_close(&small);
	st_queue_close(&plain);
	st_queue_close(&q);
}

/* ---- traffic on an offload device ---- */

FIXTURE(offload) {
	struct st_queue q;
	int sock;
	__u8 buf[PKT_MAX];
};

FIXTURE_SETUP(offload)
{
	int ret = st_fixture_enter(&self->q, &self->sock);

	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, st_queue_up(&self->q, &self->sock, "tx0",
				 TUNX_ATTACH_OFFLOAD, ENTRIES, TX_ENTRIES, AREA,
				 2000));
	ASSERT_LE(0, self->sock);
}

FIXTURE_TEARDOWN(offload)
{
	if (self->sock >= 0)
		close(self->sock);
	st_queue_close(&self->q);
}

TEST_F(offload, rx_uso_send_is_one_super_packet_descriptor)
{
	const __u8 *payload = self->buf + IP_UDP_HDRS;
	struct tunx_desc d;
	int len, i;

	ASSERT_EQ(0, send_uso(AF_INET, ST_PEER4, SINK_PORT));
	len = rx_take_port(&self->q, self->buf, sizeof(self->buf), SINK_PORT,
			   IPPROTO_UDP, &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + NSEG * SEG), len);
	EXPECT_GT(len, st_if_get_mtu("tx0"));
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_UDP_L4, d.gso_type);
	EXPECT_EQ(SEG, d.gso_size);
	EXPECT_EQ(IP_UDP_HDRS, d.hdr_len);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(sizeof(struct iphdr), d.csum_start);
	EXPECT_EQ(offsetof(struct udphdr, check), d.csum_offset);
	EXPECT_EQ(0, d.reserved0 | d.reserved1 | d.reserved2);
	for (i = 0; i < NSEG * SEG; i++)
		if (payload[i] != pattern(i))
			break;
	EXPECT_EQ(NSEG * SEG, i);
	/* The partial checksum completes to the super-packet's checksum. */
	EXPECT_EQ(0, udp_csum_finish_check(self->buf, len, &d));
	/* Nothing else of it: one descriptor for the whole send. */
	EXPECT_EQ(-ETIMEDOUT, rx_take_port(&self->q, self->buf,
					   sizeof(self->buf), SINK_PORT,
					   IPPROTO_UDP, &d));
}

TEST_F(offload, rx_plain_udp_has_partial_checksum)
{
	static const char msg[] = "partial checksum";
	struct tunx_desc d;
	int len;

	len = send_take_plain(&self->q, self->buf, msg, sizeof(msg), &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + sizeof(msg)), len);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_NONE, d.gso_type);
	EXPECT_EQ(0, d.gso_size | d.hdr_len);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(sizeof(struct iphdr), d.csum_start);
	EXPECT_EQ(offsetof(struct udphdr, check), d.csum_offset);
	EXPECT_EQ(0, udp_csum_finish_check(self->buf, len, &d));
	EXPECT_EQ(0, memcmp(self->buf + IP_UDP_HDRS, msg, sizeof(msg)));
}

TEST_F(offload, rx_checksum_offload_off_gives_full_checksums)
{
	static const char msg[] = "full checksum";
	struct tunx_desc d;
	int len;

	/* ethtool -K tx0 tx off: the switch for kernels that misbehave. */
	ASSERT_EQ(0, ethtool_set("tx0", ETHTOOL_STXCSUM, 0));
	ASSERT_EQ(0, ethtool_get("tx0", ETHTOOL_GTXCSUM));
	ASSERT_EQ(0, ethtool_get("tx0", ETHTOOL_GTSO));
	len = send_take_plain(&self->q, self->buf, msg, sizeof(msg), &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + sizeof(msg)), len);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(0, d.csum_flags & TUNX_CSUM_NEEDS_CSUM);
	EXPECT_EQ(0, d.gso_type | d.gso_size | d.csum_start | d.csum_offset);
	EXPECT_EQ(0, udp_csum_check(self->buf, len));
}

TEST_F(offload, tx_uso_super_packet_delivers_each_datagram)
{
	struct tunx_desc d = {};
	struct tunx_stats st;
	__u8 got[2048];
	int i, j;

	ASSERT_EQ(0, publish(&self->q, &d, build_uso));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 2000));
	for (i = 0; i < NSEG; i++) {
		ASSERT_EQ(SEG, st_udp_recv(self->sock, got, sizeof(got)));
		for (j = 0; j < SEG; j++)
			if (got[j] != pattern(i * SEG + j))
				break;
		EXPECT_EQ(SEG, j);
	}
	EXPECT_EQ(0, st_udp_drain_nowait(self->sock));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(1, st.tx_packets);
	EXPECT_EQ(IP_UDP_HDRS + NSEG * SEG, st.tx_bytes);
	EXPECT_EQ(0, st.invalid_descs);
}

TEST_F(offload, rx_uso6_send_is_one_super_packet_descriptor)
{
	struct tunx_desc d;
	int len;

	ASSERT_EQ(0, st_net_up6("tx0"));
	ASSERT_EQ(0, send_uso(AF_INET6, ST_PEER6, SINK_PORT));
	len = rx_take_port(&self->q, self->buf, sizeof(self->buf), SINK_PORT,
			   IPPROTO_UDP, &d);
	ASSERT_EQ((int)(IP6_UDP_HDRS + NSEG * SEG), len);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_UDP_L4, d.gso_type);
	EXPECT_EQ(SEG, d.gso_size);
	EXPECT_EQ(IP6_UDP_HDRS, d.hdr_len);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(sizeof(struct ip6_hdr), d.csum_start);
	EXPECT_EQ(offsetof(struct udphdr, check), d.csum_offset);
	EXPECT_EQ(0, memcmp(self->buf + IP6_UDP_HDRS, "\x00\x07\x0e", 3));
}

TEST_F(offload, tx_uso6_super_packet_delivers_each_datagram)
{
	struct tunx_desc d = {};
	__u8 got[2048];
	int sock6, i, j;

	ASSERT_EQ(0, st_net_up6("tx0"));
	sock6 = st_udp_listen6(ST_LOCAL6, ST_PORT, 2000);
	ASSERT_LE(0, sock6);
	ASSERT_EQ(0, publish(&self->q, &d, build_uso6));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 2000));
	for (i = 0; i < NSEG; i++) {
		ASSERT_EQ(SEG, st_udp_recv(sock6, got, sizeof(got)));
		for (j = 0; j < SEG; j++)
			if (got[j] != pattern(i * SEG + j))
				break;
		EXPECT_EQ(SEG, j);
	}
	EXPECT_EQ(0, st_udp_drain_nowait(sock6));
	EXPECT_EQ(1, ST_STAT(self->q.fd, tx_packets, 1, 500));
	EXPECT_EQ(0, ST_STAT(self->q.fd, invalid_descs, 0, 0));
	close(sock6);
}

/* ---- a TCP connection driven through the rings ---- */

static size_t build_tcp(void *buf, __u32 seq, __u32 ack, __u8 flags,
			const void *data, size_t dlen)
{
	struct iphdr *ip = buf;
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	size_t l4 = sizeof(*th) + dlen;

	ip4_fill(ip, IPPROTO_TCP, sizeof(*ip) + l4);
	memset(th, 0, sizeof(*th));
	th->source = htons(40000);
	th->dest = htons(TCP_PORT);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = sizeof(*th) / 4;
	((__u8 *)th)[13] = flags;
	th->window = htons(65535);
	memcpy(th + 1, data, dlen);
	th->check = st_csum(th, l4, pseudo4(ip, IPPROTO_TCP, l4));
	return sizeof(*ip) + l4;
}

#define TH_SYN	0x02
#define TH_PSH	0x08
#define TH_ACK	0x10

/* Handshake from PEER4:40000; returns the server's ISN + 1. */
static int tcp_connect(struct __test_metadata *_metadata,
		       struct st_queue *q, __u8 *buf, __u32 isn, __u32 *ack)
{
	const struct tcphdr *th;
	__u8 pkt[128];
	struct tunx_desc d;
	int len;

	len = build_tcp(pkt, isn, 0, TH_SYN, NULL, 0);
	EXPECT_EQ(0, st_tx_send(q, pkt, len));
	len = rx_take_port(q, buf, PKT_MAX, 40000, IPPROTO_TCP, &d);
	if (len < (int)IP_TCP_HDRS)
		return -1;
	th = (const struct tcphdr *)(buf + sizeof(struct iphdr));
	if (ntohl(th->ack_seq) != isn + 1)
		return -1;
	*ack = ntohl(th->seq) + 1;
	len = build_tcp(pkt, isn + 1, *ack, TH_ACK, NULL, 0);
	return st_tx_send(q, pkt, len);
}

/*
 * SYN-ACK from PEER4:TCP_PORT to LOCAL4:@dport with MSS 1460 and
 * timestamps, so the client's segments carry 12 bytes of options.
 */
static size_t build_synack(void *buf, __u16 dport, __u32 seq, __u32 ack)
{
	static const __u8 opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10,
				     0, 0, 0, 1, 0, 0, 0, 0 };
	struct iphdr *ip = buf;
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	size_t l4 = sizeof(*th) + sizeof(opts);

	ip4_fill(ip, IPPROTO_TCP, sizeof(*ip) + l4);
	memset(th, 0, sizeof(*th));
	th->source = htons(TCP_PORT);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = l4 / 4;
	((__u8 *)th)[13] = TH_SYN | TH_ACK;
	th->window = htons(65535);
	memcpy(th + 1, opts, sizeof(opts));
	th->check = st_csum(th, l4, pseudo4(ip, IPPROTO_TCP, l4));
	return sizeof(*ip) + l4;
}

/*
 * A connection from LOCAL4 to PEER4:TCP_PORT, answered by hand, whose
 * first send, @len bytes of pattern(), fills the window at once: its first
 * data packet from the rx ring in @buf, its length in *@out_len and its
 * descriptor in @d.  The socket is left in *@cs for the caller to close.
 */
static void tcp_first_data(struct __test_metadata *_metadata,
			   struct st_queue *q, __u8 *buf, size_t len,
			   struct tunx_desc *d, int *out_len, int *cs)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(TCP_PORT) };
	static __u8 data[NSEG * SEG];
	const struct tcphdr *th;
	__u8 pkt[128];
	__u16 sport;
	__u32 isn;
	size_t i;
	int n;

	ASSERT_GE(sizeof(data), len);
	for (i = 0; i < len; i++)
		data[i] = pattern(i);
	*cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, *cs);
	inet_pton(AF_INET, ST_PEER4, &sin.sin_addr);
	ASSERT_NE(0, connect(*cs, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(EINPROGRESS, errno);
	n = rx_take_port(q, buf, PKT_MAX, TCP_PORT, IPPROTO_TCP, d);
	ASSERT_LE((int)IP_TCP_HDRS, n);
	th = (const struct tcphdr *)(buf + sizeof(struct iphdr));
	sport = ntohs(th->source);
	isn = ntohl(th->seq);
	n = build_synack(pkt, sport, 5000, isn + 1);
	ASSERT_EQ(0, st_tx_send(q, pkt, n));
	/* Established once the SYN-ACK is in: the send fills the window. */
	ASSERT_EQ(0, st_tx_wait_consumed(q, 2000));
	/* The SYN-ACK may still be in GRO, or on a descheduled vCPU. */
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = *cs, .events = POLLOUT }, 1,
			  5000));
	ASSERT_EQ((ssize_t)len, send(*cs, data, len, 0));
	do {	/* skip the handshake's ACK */
		n = rx_take_port(q, buf, PKT_MAX, TCP_PORT, IPPROTO_TCP, d);
		ASSERT_LT(0, n);
	} while (n == (int)(IP_TCP_HDRS + 12));
	*out_len = n;
}

TEST_F(offload, rx_tcp_send_is_tso_super_packet_descriptor)
{
	struct tunx_desc d;
	int cs, len;

	tcp_first_data(_metadata, &self->q, self->buf, NSEG * SEG, &d, &len,
		       &cs);
	/* The first data skb: several MSS at once, described not split. */
	EXPECT_GT(len, st_if_get_mtu("tx0"));
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_TCPV4, d.gso_type);
	EXPECT_EQ(1448, d.gso_size);
	EXPECT_EQ(IP_TCP_HDRS + 12, d.hdr_len);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(sizeof(struct iphdr), d.csum_start);
	EXPECT_EQ(offsetof(struct tcphdr, check), d.csum_offset);
	EXPECT_GT(len - d.hdr_len, d.gso_size);
	close(cs);
}

TEST_F(offload, tx_tso_super_packet_reaches_tcp_socket)
{
	static __u8 data[NSEG * SEG], got[NSEG * SEG];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(TCP_PORT) };
	struct timeval tv = { 3, 0 };
	struct tunx_desc d = {}, *slot;
	struct tunx_stats st;
	int ls, cs, one = 1;
	size_t i, n = 0;
	__u32 ack;
	__u8 *pkt;
	ssize_t r;

	inet_pton(AF_INET, ST_LOCAL4, &sin.sin_addr);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, ls);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(ls, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(ls, 1));
	ASSERT_EQ(0, tcp_connect(_metadata, &self->q, self->buf, 1000, &ack));
	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	slot = st_tx_reserve(&self->q, &pkt);
	ASSERT_NE(NULL, slot);
	d.len = build_tcp(pkt, 1001, ack, TH_ACK | TH_PSH, data, sizeof(data));
	/* Offload the checksum: leave the pseudo sum in the field. */
	((struct tcphdr *)(pkt + sizeof(struct iphdr)))->check =
		pseudo4_partial((struct iphdr *)pkt, IPPROTO_TCP,
				sizeof(struct tcphdr) + sizeof(data));
	d.addr = pkt - self->q.tx.area;
	d.flags = TUNX_DESC_F_OFFLOAD;
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.gso_type = TUNX_GSO_TCPV4;
	d.gso_size = SEG;
	d.hdr_len = IP_TCP_HDRS;
	d.csum_start = sizeof(struct iphdr);
	d.csum_offset = offsetof(struct tcphdr, check);
	*slot = d;
	st_tx_submit(&self->q);
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 2000));
	cs = accept(ls, NULL, NULL);
	ASSERT_LE(0, cs);
	setsockopt(cs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < sizeof(got)) {
		r = recv(cs, got + n, sizeof(got) - n, 0);
		if (r <= 0)
			break;
		n += r;
	}
	EXPECT_EQ(sizeof(got), n);
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(0, st.invalid_descs);
	close(cs);
	close(ls);
}

/*
 * A plain packet with a partial checksum, longer than the MTU (a peer with
 * a larger MTU): accepted as tun accepts it, its checksum completed by the
 * stack's checks, and counted in tx_over_mtu; it used to be invalid.
 */
TEST_F(offload, tx_plain_partial_csum_above_mtu_delivered)
{
	struct tunx_desc d = {}, *slot;
	struct tunx_stats st;
	__u8 *pkt;
	int n;
	size_t i;

	slot = st_tx_reserve(&self->q, &pkt);
	ASSERT_NE(NULL, slot);
	build_uso(pkt, &d);
	d.addr = pkt - self->q.tx.area;
	d.gso_type = TUNX_GSO_NONE;
	d.gso_size = 0;
	ASSERT_LT(st_if_get_mtu("tx0"), d.len);
	*slot = d;
	st_tx_submit(&self->q);
	ASSERT_EQ(0, st_kick(self->q.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 2000));
	n = st_udp_recv(self->sock, self->buf, sizeof(self->buf));
	ASSERT_EQ(NSEG * SEG, n);
	for (i = 0; i < NSEG * SEG; i++)
		ASSERT_EQ(pattern(i), self->buf[i]);
	EXPECT_EQ(1, ST_STAT(self->q.fd, tx_over_mtu, 1, 1000));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(1, st.tx_packets);
	EXPECT_EQ(0, st.invalid_descs);
	EXPECT_EQ(0, st.tx_bad_packets);
}

/*
 * A super-packet whose segments are longer than the MTU (a peer with a
 * larger MTU, merged by a writer such as libtunx): delivered segment by
 * segment and counted once in tx_over_mtu, as each packet alone would be.
 * It used to be invalid, and the whole run was dropped.
 */
TEST_F(offload, tx_gso_segments_above_mtu_delivered)
{
	struct tunx_desc d = {};
	struct tunx_stats st;
	__u8 got[2048];
	int i;

	ASSERT_EQ(0, st_if_set_mtu("tx0", 576));
	ASSERT_EQ(0, publish(&self->q, &d, build_uso));
	ASSERT_LT(576U, IP_UDP_HDRS + d.gso_size);
	ASSERT_EQ(0, st_tx_wait_consumed(&self->q, 2000));
	for (i = 0; i < NSEG; i++) {
		ASSERT_EQ(SEG, st_udp_recv(self->sock, got, sizeof(got)));
		ASSERT_EQ(pattern(i * SEG), got[0]);
	}
	EXPECT_EQ(1, ST_STAT(self->q.fd, tx_over_mtu, 1, 1000));
	ASSERT_EQ(0, st_get_stats(self->q.fd, &st));
	EXPECT_EQ(1, st.tx_packets);
	EXPECT_EQ(0, st.invalid_descs);
}

/* ---- hostile offload descriptors ---- */

/*
 * The bad descriptor was consumed and counted once, nothing reached the
 * stack, and a plain packet sent afterwards still arrives.
 */
static void expect_invalid_then_valid(struct __test_metadata *_metadata,
				      struct st_queue *q, int sock)
{
	struct tunx_stats st;
	char buf[64];
	__u8 pkt[64];

	ASSERT_EQ(0, st_tx_wait_consumed(q, 2000));
	ASSERT_EQ(1, ST_STAT(q->fd, invalid_descs, 1, 500));
	ASSERT_EQ(0, st_get_stats(q->fd, &st));
	EXPECT_EQ(0, st.tx_packets);
	EXPECT_EQ(0, st.tx_bad_packets);
	EXPECT_EQ(0, st_udp_drain_nowait(sock));
	ASSERT_EQ(0, st_tx_send(q, pkt, st_test_packet(pkt, "good")));
	ASSERT_EQ(0, st_tx_wait_consumed(q, 2000));
	ASSERT_EQ(4, st_udp_recv(sock, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "good", 4));
	ASSERT_EQ(0, st_get_stats(q->fd, &st));
	EXPECT_EQ(1, st.tx_packets);
	EXPECT_EQ(1, st.invalid_descs);
}

/* A valid IPv4 header that claims @len bytes. */
static void set_tot_len(__u8 *pkt, size_t len)
{
	struct iphdr *ip = (struct iphdr *)pkt;

	ip->tot_len = htons(len);
	ip->check = 0;
	ip->check = st_csum(ip, sizeof(*ip), 0);
}

/* A USO super-packet whose descriptor (or packet) @mutate spoils. */
#define BAD_OFFLOAD_TEST(test, mutate)					\
	TEST_F(offload, test)						\
	{								\
		struct tunx_desc d = {};				\
		struct tunx_desc *slot;					\
		__u8 *pkt;						\
									\
		slot = st_tx_reserve(&self->q, &pkt);			\
		ASSERT_NE(NULL, slot);					\
		build_uso(pkt, &d);					\
		d.addr = pkt - self->q.tx.area;			\
		mutate;							\
		*slot = d;						\
		st_tx_submit(&self->q);				\
		ASSERT_EQ(0, st_kick(self->q.fd));			\
		expect_invalid_then_valid(_metadata, &self->q,		\
					  self->sock);			\
	}

/* Caught by the descriptor check. */
BAD_OFFLOAD_TEST(tx_bad_gso_type_counted, d.gso_type = 2)
BAD_OFFLOAD_TEST(tx_ecn_on_udp_counted, d.gso_type |= TUNX_GSO_ECN)
BAD_OFFLOAD_TEST(tx_gso_size_zero_counted, d.gso_size = 0)
BAD_OFFLOAD_TEST(tx_gso_size_without_gso_counted,
		 (d.gso_type = TUNX_GSO_NONE, d.len = 1000))
BAD_OFFLOAD_TEST(tx_gso_size_by_frags_counted, d.gso_size = 0xffff)
BAD_OFFLOAD_TEST(tx_hdr_len_beyond_len_counted, d.hdr_len = d.len + 1)
BAD_OFFLOAD_TEST(tx_csum_start_beyond_len_counted, d.csum_start = d.len)
BAD_OFFLOAD_TEST(tx_csum_field_past_end_counted,
		 (d.csum_start = d.len - 2, d.csum_offset = 1))
BAD_OFFLOAD_TEST(tx_gso_without_needs_csum_counted,
		 (d.csum_flags = 0, d.csum_start = 0, d.csum_offset = 0))
BAD_OFFLOAD_TEST(tx_unknown_csum_flag_counted, d.csum_flags |= 0x10)
/* Plain packets (no GSO) may exceed the MTU, not TUNX_PACKET_MAX. */
BAD_OFFLOAD_TEST(tx_len_above_packet_max_without_flag_counted,
		 (d.flags = 0, d.csum_flags = 0, d.gso_type = 0,
		  d.gso_size = 0, d.hdr_len = 0, d.csum_start = 0,
		  d.csum_offset = 0, d.len = TUNX_PACKET_MAX + 1))
BAD_OFFLOAD_TEST(tx_len_above_packet_max_flag_without_gso_counted,
		 (d.gso_type = TUNX_GSO_NONE, d.gso_size = 0,
		  d.len = TUNX_PACKET_MAX + 1))
/* Caught against the packet itself. */
BAD_OFFLOAD_TEST(tx_tcp_gso_on_udp_packet_counted,
		 (d.gso_type = TUNX_GSO_TCPV4, d.csum_offset = 16))
BAD_OFFLOAD_TEST(tx_tcpv6_gso_on_ipv4_packet_counted,
		 (d.gso_type = TUNX_GSO_TCPV6, d.csum_offset = 16))
BAD_OFFLOAD_TEST(tx_udp_gso_wrong_csum_offset_counted, d.csum_offset = 4)
BAD_OFFLOAD_TEST(tx_gso_csum_start_inside_ip_header_counted,
		 d.csum_start = 12)
BAD_OFFLOAD_TEST(tx_gso_csum_start_past_l4_header_counted,
		 d.csum_start = 28)
BAD_OFFLOAD_TEST(tx_gso_ip_length_short_of_packet_counted,
		 set_tot_len(pkt, d.len - 1))
/*
 * More segments than the kernel's UDP GSO takes (UDP_MAX_SEGMENTS: 128,
 * or 64 on older builds): 8000 bytes of payload in segments of 62.
 */
BAD_OFFLOAD_TEST(tx_uso_more_segments_than_udp_gso_takes_counted,
		 d.gso_size = NSEG * SEG / 129)
/* Refused before anything is pulled into the head for it. */
BAD_OFFLOAD_TEST(tx_gso_csum_start_far_in_payload_counted,
		 d.csum_start = d.len - 8)

/*
 * Not a super-packet, checksum field inside the packet but far past any
 * header: refused by the descriptor check (TUNX_CSUM_END_MAX), where it
 * used to pull the packet into the head (and near 64 KB log "bad partial
 * csum" every time).
 */
BAD_OFFLOAD_TEST(tx_plain_csum_start_far_in_payload_counted,
		 (d.gso_type = TUNX_GSO_NONE, d.gso_size = 0, d.hdr_len = 0,
		  d.len = 1000, set_tot_len(pkt, 1000), d.csum_start = 900))

/* The UDP header of an IPv6 super-packet must follow the IPv6 header. */
TEST_F(offload, tx_uso6_behind_extension_header_counted)
{
	struct tunx_desc d = {};

	ASSERT_EQ(0, st_net_up6("tx0"));
	ASSERT_EQ(0, publish(&self->q, &d, build_uso6_hbh));
	expect_invalid_then_valid(_metadata, &self->q, self->sock);
}

/* ---- segment sums (TUNX_SETUP_SEG_SUMS) ---- */

TEST(seg_sums_need_an_offload_device_and_known_setup_flags)
{
	struct tunx_info info;
	int plain, off;

	ASSERT_EQ(0, st_netns_enter());
	plain = st_open();
	off = st_open();
	ASSERT_LE(0, plain);
	ASSERT_LE(0, off);
	ASSERT_EQ(0, st_get_info(plain, &info));
	EXPECT_TRUE(info.features & TUNX_FEAT_SEG_SUMS);
	ASSERT_EQ(0, st_attach(plain, "tx0", 0, NULL));
	EXPECT_EQ(-EINVAL, st_setup_rings_flags(plain, ENTRIES, ENTRIES, 0,
						TUNX_SETUP_SEG_SUMS, NULL));
	/* The refusal left no rings behind: a plain setup still works. */
	EXPECT_EQ(0, st_setup_rings(plain, ENTRIES, ENTRIES, 0, NULL));
	ASSERT_EQ(0, st_attach(off, "tx1", TUNX_ATTACH_OFFLOAD, NULL));
	EXPECT_EQ(-EINVAL, st_setup_rings_flags(off, ENTRIES, ENTRIES, 0,
						TUNX_SETUP_ALL + 1, NULL));
	EXPECT_EQ(0, st_setup_rings_flags(off, ENTRIES, ENTRIES, 0,
					  TUNX_SETUP_SEG_SUMS, NULL));
	close(off);
	close(plain);
}

/*
 * Each sum after the packet is its segment's payload sum, folded and not
 * complemented, big-endian: what st_csum() complements.
 */
static void expect_seg_sums(struct __test_metadata *_metadata,
			    const __u8 *pkt, int len,
			    const struct tunx_desc *d, size_t segs)
{
	const __u8 *sums = pkt + ((len + TUNX_SEG_SUMS_ALIGN - 1) &
				  ~(TUNX_SEG_SUMS_ALIGN - 1));
	size_t i, off, n;
	__u16 got;

	ASSERT_EQ(TUNX_DESC_F_OFFLOAD | TUNX_DESC_F_SEG_SUMS, d->flags);
	ASSERT_EQ(segs, (len - d->hdr_len + d->gso_size - 1) / d->gso_size);
	for (i = 0; i < segs; i++) {
		off = d->hdr_len + i * d->gso_size;
		n = len - off < d->gso_size ? len - off : d->gso_size;
		memcpy(&got, sums + 2 * i, sizeof(got));
		EXPECT_EQ((__u16)~st_csum(pkt + off, n, 0), got)
			TH_LOG("segment %zu of %zu (%zu bytes)", i, segs, n);
	}
}

FIXTURE(sums) {
	struct st_queue q;
	int sock;
	__u8 buf[PKT_MAX];
};

FIXTURE_VARIANT(sums) {
	__u32 area;
};

/* The default area: max_packet 64 KiB, room for any super-packet's sums. */
FIXTURE_VARIANT_ADD(sums, default_area) {
	.area = AREA,
};

/* The smallest: max_packet 32 KiB, the longest super-packets' sums do not fit. */
FIXTURE_VARIANT_ADD(sums, small_area) {
	.area = TUNX_AREA_MIN_SIZE,
};

FIXTURE_SETUP(sums)
{
	int ret = st_fixture_enter(&self->q, &self->sock);

	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, st_queue_up(&self->q, &self->sock, "tx0",
				 TUNX_ATTACH_OFFLOAD | ST_Q_SEG_SUMS, ENTRIES,
				 TX_ENTRIES, variant->area, 2000));
}

FIXTURE_TEARDOWN(sums)
{
	if (self->sock >= 0)
		close(self->sock);
	st_queue_close(&self->q);
}

/* An odd last segment: its sum covers its bytes only, from its own start. */
TEST_F(sums, rx_uso_super_packet_carries_each_segment_sum)
{
	struct tunx_desc d;
	int len;

	ASSERT_EQ(0, send_uso_sized(AF_INET, ST_PEER4, SINK_PORT, SEG,
				    NSEG * SEG - 7));
	len = rx_take_port(&self->q, self->buf, sizeof(self->buf), SINK_PORT,
			   IPPROTO_UDP, &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + NSEG * SEG - 7), len);
	EXPECT_EQ(TUNX_GSO_UDP_L4, d.gso_type);
	expect_seg_sums(_metadata, self->buf, len, &d, NSEG);
}

TEST_F(sums, rx_tcp_super_packet_carries_each_segment_sum)
{
	struct tunx_desc d;
	int cs, len;

	tcp_first_data(_metadata, &self->q, self->buf, NSEG * SEG - 7, &d,
		       &len, &cs);
	EXPECT_EQ(TUNX_GSO_TCPV4, d.gso_type);
	ASSERT_LT(d.gso_size, len - d.hdr_len);
	expect_seg_sums(_metadata, self->buf, len, &d,
			(len - d.hdr_len + d.gso_size - 1) / d.gso_size);
	close(cs);
}

TEST_F(sums, rx_plain_packet_has_no_sums)
{
	static const char msg[] = "one segment";
	struct tunx_desc d;
	int len;

	len = send_take_plain(&self->q, self->buf, msg, sizeof(msg), &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + sizeof(msg)), len);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
}

/*
 * 63 or 64 datagrams of 510 bytes, each one super-packet: with 32 KiB of
 * max_packet, 32158 bytes and 126 of sums fit; 32668 and 128 do not, and
 * that one comes whole without its sums.
 */
TEST_F(sums, rx_sums_only_when_they_fit_max_packet)
{
	const int seg = 510;
	struct tunx_desc d;
	int n, len;

	for (n = 63; n <= 64; n++) {
		ASSERT_EQ(0, send_uso_sized(AF_INET, ST_PEER4, SINK_PORT, seg,
					    (size_t)n * seg));
		len = rx_take_port(&self->q, self->buf, sizeof(self->buf),
				   SINK_PORT, IPPROTO_UDP, &d);
		ASSERT_EQ((int)IP_UDP_HDRS + n * seg, len);
		EXPECT_EQ(TUNX_GSO_UDP_L4, d.gso_type);
		if (n == 63 || variant->area == AREA)
			expect_seg_sums(_metadata, self->buf, len, &d, n);
		else
			EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	}
}

/* ---- forwarded super-packets (tx0 -> ip_forward -> fw0) ---- */

#define FWD_ADDR	"10.99.0.1"
#define FWD_DST		"10.99.0.2"	/* routed through fw0 */
/* fw0's area, the smallest: its max_packet and gso_max_size are half. */
#define FWD_AREA	TUNX_AREA_MIN_SIZE
#define FWD_MAX		(FWD_AREA / 2)

/* A USO super-packet PEER4 -> FWD_DST:SINK_PORT of @nseg SEG-byte datagrams. */
static size_t build_fwd_uso(void *buf, struct tunx_desc *d, size_t nseg)
{
	size_t plen = nseg * SEG, len = IP_UDP_HDRS + plen;
	struct iphdr *ip = buf;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u8 *payload = (__u8 *)(udp + 1);
	size_t i;

	ip4_fill(ip, IPPROTO_UDP, len);
	inet_pton(AF_INET, FWD_DST, &ip->daddr);
	ip->check = 0;
	ip->check = st_csum(ip, sizeof(*ip), 0);
	udp->source = htons(9);
	udp->dest = htons(SINK_PORT);
	udp->len = htons(sizeof(*udp) + plen);
	udp->check = pseudo4_partial(ip, IPPROTO_UDP, sizeof(*udp) + plen);
	for (i = 0; i < plen; i++)
		payload[i] = pattern(i);
	*d = (struct tunx_desc){
		.len = len,
		.flags = TUNX_DESC_F_OFFLOAD,
		.csum_flags = TUNX_CSUM_NEEDS_CSUM,
		.gso_type = TUNX_GSO_UDP_L4,
		.gso_size = SEG,
		.hdr_len = IP_UDP_HDRS,
		.csum_start = sizeof(*ip),
		.csum_offset = offsetof(struct udphdr, check),
	};
	return len;
}

/*
 * A router between two offload devices: what the tx0 reader writes as one
 * super-packet leaves through fw0, whose max_packet (FWD_MAX) is smaller.
 */
FIXTURE(fwd) {
	struct st_queue in, out;
	__u8 buf[PKT_MAX];
};

FIXTURE_VARIANT(fwd) {
	__u32 flags;	/* of fw0 */
	__u32 entries;	/* fw0's rx ring */
};

FIXTURE_VARIANT_ADD(fwd, backpressure) {
	.flags = TUNX_ATTACH_OFFLOAD,
	.entries = 8,
};

FIXTURE_VARIANT_ADD(fwd, tail_drop) {
	.flags = TUNX_ATTACH_OFFLOAD | TUNX_ATTACH_TAIL_DROP,
	.entries = 8,
};

FIXTURE_SETUP(fwd)
{
	int ret;

	self->out.fd = -1;
	ret = st_fixture_enter(&self->in, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, st_queue_up(&self->in, NULL, "tx0", TUNX_ATTACH_OFFLOAD,
				 ENTRIES, TX_ENTRIES, AREA, 0));
	ASSERT_EQ(0, st_queue_open(&self->out, "fw0", variant->flags,
				   variant->entries, ENTRIES, FWD_AREA));
	ASSERT_EQ(FWD_MAX, self->out.max_packet);
	ASSERT_EQ(0, st_if_addr4("fw0", FWD_ADDR, 24));
	ASSERT_EQ(0, st_if_flags("fw0", true));
	/* No AQM drops while backpressure holds segments in the qdisc. */
	ASSERT_EQ(0, st_sh("tc qdisc replace dev fw0 root pfifo limit 1000"));
	ASSERT_EQ(0, st_sh("sysctl -qw net.ipv4.ip_forward=1"));
}

FIXTURE_TEARDOWN(fwd)
{
	st_queue_close(&self->out);
	st_queue_close(&self->in);
}

/* Send one super-packet of @nseg datagrams into tx0 and wait for NAPI. */
static void fwd_send(struct __test_metadata *_metadata,
		     struct st_queue *in, size_t nseg)
{
	struct tunx_desc d, *slot;
	__u8 *pkt;

	slot = st_tx_reserve(in, &pkt);
	ASSERT_NE(NULL, slot);
	ASSERT_GE(in->tx.stride, IP_UDP_HDRS + nseg * SEG);
	build_fwd_uso(pkt, &d, nseg);
	d.addr = pkt - in->tx.area;
	*slot = d;
	st_tx_submit(in);
	ASSERT_EQ(0, st_kick(in->fd));
	ASSERT_EQ(0, st_tx_wait_consumed(in, 2000));
}

/*
 * Take the next forwarded datagram from fw0: one segment of the
 * super-packet, at most max_packet and the MTU, with a partial checksum that
 * completes, carrying datagram @i's bytes.
 */
static void fwd_expect_segment(struct __test_metadata *_metadata,
			       struct st_queue *out, __u8 *buf, size_t i)
{
	const __u8 *payload = buf + IP_UDP_HDRS;
	const struct iphdr *ip = (const void *)buf;
	struct tunx_desc d;
	size_t k;
	int len;

	len = rx_take_port(out, buf, PKT_MAX, SINK_PORT, IPPROTO_UDP, &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + SEG), len);
	EXPECT_GE(FWD_MAX, len);
	EXPECT_EQ(63, ip->ttl);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_NONE, d.gso_type);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(0, udp_csum_finish_check(buf, len, &d));
	for (k = 0; k < SEG; k++)
		if (payload[k] != pattern(i * SEG + k))
			break;
	EXPECT_EQ(SEG, k);
}

/* Nothing more is on its way to fw0's ring. */
static void fwd_expect_no_more(struct __test_metadata *_metadata,
			       struct st_queue *out, __u8 *buf)
{
	struct tunx_desc d;

	st_msleep(100);
	EXPECT_EQ(-EAGAIN, st_rx_take(out, buf, PKT_MAX, &d));
}

/*
 * A super-packet from tx0 is DODGY (its reader built it), which the stack
 * checks and passes on; fw0 must describe it whole, not split it.
 */
TEST_F(fwd, fits_max_packet_leaves_whole)
{
	const size_t nseg = 3;
	const __u8 *payload = self->buf + IP_UDP_HDRS;
	struct tunx_stats st;
	struct tunx_desc d;
	size_t k;
	int len;

	ASSERT_GT(FWD_MAX, IP_UDP_HDRS + nseg * SEG);
	fwd_send(_metadata, &self->in, nseg);
	len = rx_take_port(&self->out, self->buf, sizeof(self->buf),
			   SINK_PORT, IPPROTO_UDP, &d);
	ASSERT_EQ((int)(IP_UDP_HDRS + nseg * SEG), len);
	EXPECT_EQ(TUNX_DESC_F_OFFLOAD, d.flags);
	EXPECT_EQ(TUNX_GSO_UDP_L4, d.gso_type);
	EXPECT_EQ(SEG, d.gso_size);
	EXPECT_EQ(IP_UDP_HDRS, d.hdr_len);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
	EXPECT_EQ(sizeof(struct iphdr), d.csum_start);
	EXPECT_EQ(offsetof(struct udphdr, check), d.csum_offset);
	EXPECT_EQ(0, udp_csum_finish_check(self->buf, len, &d));
	for (k = 0; k < nseg * SEG; k++)
		if (payload[k] != pattern(k))
			break;
	EXPECT_EQ(nseg * SEG, k);
	fwd_expect_no_more(_metadata, &self->out, self->buf);
	ASSERT_EQ(0, st_get_stats(self->out.fd, &st));
	EXPECT_EQ(1, st.rx_packets);
	EXPECT_EQ(0, st.rx_dropped);
}

/*
 * A TCP super-packet whose payload, not counting its 12 bytes of options,
 * fits one gso_size segment: an ordinary packet, which the router passes
 * on (the GSO layer drops a GSO packet with nothing to split).
 */
TEST_F(fwd, tcp_with_options_one_segment_is_plain)
{
	const size_t optlen = 12, dlen = SEG;
	struct tunx_desc d = {}, *slot;
	struct iphdr *ip;
	struct tcphdr *th;
	size_t l4 = sizeof(*th) + optlen + dlen, k;
	__u8 *pkt;
	int len;

	slot = st_tx_reserve(&self->in, &pkt);
	ASSERT_NE(NULL, slot);
	ip = (struct iphdr *)pkt;
	th = (struct tcphdr *)(ip + 1);
	ip4_fill(ip, IPPROTO_TCP, sizeof(*ip) + l4);
	inet_pton(AF_INET, FWD_DST, &ip->daddr);
	ip->check = 0;
	ip->check = st_csum(ip, sizeof(*ip), 0);
	memset(th, 0, sizeof(*th));
	th->source = htons(40000);
	th->dest = htons(SINK_PORT);
	th->doff = (sizeof(*th) + optlen) / 4;
	((__u8 *)th)[13] = TH_ACK | TH_PSH;
	th->window = htons(65535);
	memset(th + 1, 1, optlen);	/* NOPs */
	for (k = 0; k < dlen; k++)
		((__u8 *)(th + 1))[optlen + k] = pattern(k);
	th->check = pseudo4_partial(ip, IPPROTO_TCP, l4);
	d.len = sizeof(*ip) + l4;
	d.addr = pkt - self->in.tx.area;
	d.flags = TUNX_DESC_F_OFFLOAD;
	d.csum_flags = TUNX_CSUM_NEEDS_CSUM;
	d.gso_type = TUNX_GSO_TCPV4;
	d.gso_size = dlen;
	d.hdr_len = sizeof(*ip) + sizeof(*th) + optlen;
	d.csum_start = sizeof(*ip);
	d.csum_offset = offsetof(struct tcphdr, check);
	*slot = d;
	st_tx_submit(&self->in);
	ASSERT_EQ(0, st_kick(self->in.fd));
	ASSERT_EQ(0, st_tx_wait_consumed(&self->in, 2000));
	len = rx_take_port(&self->out, self->buf, sizeof(self->buf),
			   SINK_PORT, IPPROTO_TCP, &d);
	ASSERT_EQ((int)(sizeof(*ip) + l4), len);
	EXPECT_EQ(TUNX_GSO_NONE, d.gso_type);
	EXPECT_EQ(TUNX_CSUM_NEEDS_CSUM, d.csum_flags);
}

/*
 * Every one of @n packets sent to @fd's queue is in its ring or dropped:
 * the xmit loop over a segmented packet may still run on another CPU (a
 * loaded host can hold that vCPU for long) after the ring looks full.
 */
static int fwd_wait_judged(int fd, __u64 n, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;
	struct tunx_stats st;

	do {
		if (st_get_stats(fd, &st))
			return -1;
		if (st.rx_packets + st.rx_dropped >= n)
			return 0;
		st_msleep(5);
	} while (st_now_ms() < end);
	return -1;
}

/*
 * Larger than fw0's max_packet (its gso_max_size): segmented before fw0
 * sees it.  The ring (8) has room for only some of the 33 segments: with
 * backpressure the rest wait in the qdisc until the reader kicks; with
 * tail drop they are dropped and counted.
 */
TEST_F(fwd, larger_than_max_packet_arrives_in_segments)
{
	const size_t nseg = 33;
	struct tunx_stats st;
	size_t i, room = variant->entries;
	bool tail = variant->flags & TUNX_ATTACH_TAIL_DROP;

	ASSERT_LT(FWD_MAX, IP_UDP_HDRS + nseg * SEG);
	fwd_send(_metadata, &self->in, nseg);
	ASSERT_EQ(0, st_rx_wait_ready(&self->out, room, 2000));
	/* Reading makes room: with tail drop the rest must be judged first. */
	if (tail)
		ASSERT_EQ(0, fwd_wait_judged(self->out.fd, nseg, 5000));
	/* The ring holds exactly what fits, in order. */
	for (i = 0; i < room; i++)
		fwd_expect_segment(_metadata, &self->out, self->buf, i);
	if (!tail)
		ASSERT_EQ(0, st_kick(self->out.fd));
	for (; !tail && i < nseg; i++)
		fwd_expect_segment(_metadata, &self->out, self->buf, i);
	fwd_expect_no_more(_metadata, &self->out, self->buf);
	ASSERT_EQ(0, st_get_stats(self->out.fd, &st));
	EXPECT_EQ(tail ? room : nseg, st.rx_packets);
	EXPECT_EQ(tail ? nseg - room : 0, st.rx_dropped);
	if (tail)
		EXPECT_EQ(nseg - room, st.rx_ring_full);
	EXPECT_EQ(0, st.ring_errors);
}

ST_HARNESS_MAIN
