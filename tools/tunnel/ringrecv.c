// SPDX-License-Identifier: GPL-2.0
/*
 * Peer -> device straight into the tx ring (tunx with offload, UDP GRO on
 * the socket).  Each message of a recvmmsg() lands in a tx reservation
 * laid out for a TSO merge where it lies: a UDP_GRO bundle is datagrams of
 * one size (the last may be shorter), so the layout takes the size and the
 * inner header length of the bundle before, puts the first datagram whole
 * at the start, and for every later one its headers in a scratch area and
 * its payload right behind the payload before.  When the guess holds and
 * the datagrams are one TCP or UDP run (tunx__gso_merge_in_place(): same
 * flow, in sequence, every checksum checked), the reservation goes to the
 * kernel as one super-packet: the receive was the payload's only copy.
 * A lone datagram goes as the plain packet it is, where it landed.
 *
 * Otherwise the bundle's bytes are gathered from the pieces and take the
 * copying path (inbound.c), counted.  tunx_submit() takes reservations in
 * order, so from the first message that does not merge on, the rest of
 * the batch goes that way too: packets keep their order.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel.h"
#include "../../lib/gso.h"

#define add(ctr, n) atomic_fetch_add_explicit(&(ctr), (n), memory_order_relaxed)

#define RR_MSGS	4	/* reservations a receive: half of a 512 KiB area */
#define RR_SEGS	64	/* datagrams in a UDP_GRO bundle, at most */
#define RR_HDR	128	/* inner headers merged here: IPv6 + TCP options fit */
#define RR_MAX	65535	/* a bundle is one skb: at most an IP packet long */

struct ring_rx {
	struct tunx_pkt res[RR_MSGS];
	uint8_t hdrs[RR_MSGS][RR_SEGS][RR_HDR];
	struct iovec iov[RR_MSGS][2 * RR_SEGS];
	unsigned int niov[RR_MSGS];	/* pieces, then the bounce's */
	unsigned int pieces[RR_MSGS];	/* of them in the ring or scratch */
	struct mmsghdr msgs[RR_MSGS];
	struct sockaddr_storage names[RR_MSGS];
	union tunnel_ctl ctl[RR_MSGS];
	uint8_t *bounce[RR_MSGS];	/* a bundle gathered for the copy path */
	unsigned int gro, hdr_len;	/* the guess: the bundle before's */
};

bool tunnel_ring_recv_ok(const struct tunnel_queue *q)
{
	return q->t->zero_copy && q->t->offload && q->gro && !q->t->off;
}

/* The inner headers' length of the IPv4/IPv6 TCP or UDP packet at @p. */
static unsigned int inner_hdr_len(const uint8_t *p, size_t len)
{
	unsigned int l3, proto;

	if (len >= 20 && p[0] == 0x45) {
		l3 = 20;
		proto = p[9];
	} else if (len >= 40 && p[0] >> 4 == 6) {
		l3 = 40;
		proto = p[6];
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP)
		return l3 + 8;
	if (proto != IPPROTO_TCP || len < l3 + 20)
		return 0;
	return l3 + (p[l3 + 12] >> 4) * 4;
}

/*
 * Message @i's pieces for the guess.  Without one, the message lands
 * whole in the ring: a lone datagram goes as it is, a bundle is gathered.
 * Whatever the pieces cannot hold goes to the bounce buffer.
 */
static void lay_out(struct ring_rx *r, unsigned int i)
{
	struct tunx_pkt *p = &r->res[i];
	struct iovec *iov = r->iov[i];
	size_t g = r->gro, h = r->hdr_len, at, room;
	unsigned int k = 0, j;

	if (g > h && h && h <= RR_HDR && g <= p->cap) {
		iov[k++] = (struct iovec){ p->data, g };
		room = g;
		for (j = 1, at = g; j < RR_SEGS && room < RR_MAX &&
		     at + g - h <= p->cap; j++, at += g - h, room += g) {
			iov[k++] = (struct iovec){ r->hdrs[i][j], h };
			iov[k++] = (struct iovec){ p->data + at, g - h };
		}
	} else {
		room = p->cap < RR_MAX ? p->cap : RR_MAX;
		iov[k++] = (struct iovec){ p->data, room };
	}
	r->pieces[i] = k;
	if (room < RR_MAX)
		iov[k++] = (struct iovec){ r->bounce[i] + room, RR_MAX - room };
	r->niov[i] = k;
	r->msgs[i].msg_hdr = (struct msghdr){
		.msg_name = &r->names[i], .msg_namelen = sizeof(r->names[i]),
		.msg_iov = iov, .msg_iovlen = k,
		.msg_control = r->ctl[i].buf, .msg_controllen = sizeof(r->ctl[i]),
	};
}

/* Message @i's bytes in order into its bounce buffer: @len of them. */
static uint8_t *gather(struct ring_rx *r, unsigned int i, size_t len)
{
	uint8_t *out = r->bounce[i];
	size_t at = 0, n;
	unsigned int k;

	for (k = 0; k < r->niov[i] && at < len; k++) {
		n = r->iov[i][k].iov_len < len - at ? r->iov[i][k].iov_len :
						       len - at;
		if ((uint8_t *)r->iov[i][k].iov_base != out + at)
			memmove(out + at, r->iov[i][k].iov_base, n);
		at += n;
	}
	return out;
}

/* What became of a message. */
enum merged {
	MERGED,		/* a bundle, one super-packet where it landed */
	PLAIN,		/* one datagram, whole in the ring: a plain packet */
	GUESS_MISSED,	/* a bundle whose layout was guessed wrong */
	NOT_ONE_RUN,	/* a bundle whose datagrams do not merge */
	ELSEWHERE,	/* one datagram not whole in the ring */
};

/*
 * One datagram of @len bytes that landed whole in @i's reservation.  One
 * the copying path would drop goes there, to be dropped and counted.
 */
static enum merged plain(const struct tunnel *t, struct ring_rx *r,
			 unsigned int i, size_t len)
{
	struct tunx_pkt *p = &r->res[i];

	if (!r->pieces[i] || len > r->iov[i][0].iov_len ||
	    !tunnel_plausible(t, p->data, len))
		return ELSEWHERE;
	p->len = (uint32_t)len;
	memset(&p->off, 0, sizeof(p->off));
	return PLAIN;
}

/*
 * Message @i as one super-packet where it landed: when the guess held (its
 * gro size, its first header's length) and every datagram merged.
 */
static enum merged merge(const struct tunnel *t, struct ring_rx *r,
			 unsigned int i, size_t len, unsigned int gro)
{
	struct tunx_pkt *p = &r->res[i];
	struct tunx_seg_view v[RR_SEGS];
	size_t g = r->gro, h = r->hdr_len, out_len;
	struct virtio_net_hdr vh;
	unsigned int n, k;

	if (!gro || len <= gro)
		return plain(t, r, i, len);
	if (gro > t->mtu)
		return NOT_ONE_RUN;
	if (gro != g || r->pieces[i] < 3 || inner_hdr_len(p->data, g) != h)
		return GUESS_MISSED;
	n = (unsigned int)((len + g - 1) / g);
	if (2 * n - 1 > r->pieces[i])	/* past the pieces: in the bounce */
		return GUESS_MISSED;
	v[0] = (struct tunx_seg_view){ p->data, p->data + h, g };
	for (k = 1; k < n; k++)
		v[k] = (struct tunx_seg_view){
			r->hdrs[i][k], (uint8_t *)r->iov[i][2 * k].iov_base,
			len - k * g < g ? len - k * g : g };
	if (tunx__gso_merge_in_place(v, n, true, p->data, p->cap, &vh,
				     &out_len) != n)
		return NOT_ONE_RUN;
	p->len = (uint32_t)out_len;
	memcpy(&p->off, &vh, sizeof(p->off));
	return MERGED;
}

/*
 * The next guess: what the bundle at @first was.  A lone datagram (an ACK
 * between bundles) says nothing about the next bundle: the guess stays.
 */
static void learn(struct ring_rx *r, const uint8_t *first, size_t len,
		  unsigned int gro)
{
	if (!gro || len <= gro)
		return;
	r->gro = gro;
	r->hdr_len = inner_hdr_len(first, gro);
}

/*
 * After a receive of @n messages: the merged prefix goes to the kernel,
 * then the rest, gathered first (their bytes were in reservations the
 * submit gives back), takes the copying path.
 */
static void settle(struct tunnel_queue *q, struct ring_rx *r, unsigned int n,
		   struct tunnel_outq *o)
{
	unsigned int i, k = 0, gro[RR_MSGS], rest = 0;
	size_t len[RR_MSGS];
	bool merging = true;
	uint8_t *copy[RR_MSGS];
	enum merged how;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &r->msgs[i].msg_hdr;
		size_t l = r->msgs[i].msg_len;
		unsigned int g = tunnel_gro_size(h);

		if (!tunnel_is_peer(q, &r->names[i], h->msg_namelen)) {
			add(q->c.not_peer_drops, 1);
			merging = false;
			continue;
		}
		if (h->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			add(q->c.malformed_drops, 1);
			merging = false;
			continue;
		}
		how = merging ? merge(q->t, r, i, l, g) : ELSEWHERE;
		if (how == MERGED || how == PLAIN) {
			k++;
			add(q->c.ring_merged, how == MERGED);
			add(q->c.from_peer_packets,
			    how == MERGED ? (l + g - 1) / g : 1);
			add(q->c.from_peer_bytes, l);
			learn(r, r->res[i].data, l, g);
			continue;
		}
		merging = false;
		if (how == GUESS_MISSED)
			add(q->c.ring_guess_missed, 1);
		else if (how == NOT_ONE_RUN)
			add(q->c.ring_not_one_run, 1);
		else if (g && l > g)	/* behind one that did not merge */
			add(q->c.ring_behind, 1);
		copy[rest] = gather(r, i, l);
		learn(r, copy[rest], l, g);
		len[rest] = l;
		gro[rest++] = g;
	}
	/* The rest of the reservations go back before tunx_write() runs. */
	if (tunx_submit(q->dev, r->res, k) < 0)
		add(q->c.device_drops, k);
	for (i = 0; i < rest; i++)
		tunnel_outq_take(o, copy[i], len[i], gro[i]);
	tunnel_outq_flush(o);
}

static void ring_rx_free(struct ring_rx *r)
{
	unsigned int i;

	for (i = 0; r && i < RR_MSGS; i++)
		free(r->bounce[i]);
	free(r);
}

static struct ring_rx *ring_rx_alloc(void)
{
	struct ring_rx *r = calloc(1, sizeof(*r));
	unsigned int i;

	for (i = 0; r && i < RR_MSGS; i++)
		if (!(r->bounce[i] = malloc(RR_MAX))) {
			ring_rx_free(r);
			return NULL;
		}
	return r;
}

/* Room in the ring for the next receive, waiting for it if need be. */
static int reserve(struct tunnel_queue *q, struct ring_rx *r)
{
	struct pollfd pf = { .fd = tunx_fd(q->dev), .events = POLLOUT };
	int n;

	while (!atomic_load(&q->t->stop)) {
		n = tunx_reserve(q->dev, r->res, RR_MSGS);
		if (n != -EAGAIN)
			return n;
		poll(&pf, 1, 100);
	}
	return -ESHUTDOWN;
}

int tunnel_ring_recv(struct tunnel_queue *q, struct tunnel_outq *o)
{
	struct ring_rx *r = ring_rx_alloc();
	unsigned int i;
	int n, got;

	if (!r)
		return -ENOMEM;
	while (!atomic_load(&q->t->stop)) {
		n = reserve(q, r);
		if (n <= 0)
			break;
		for (i = 0; i < (unsigned int)n; i++)
			lay_out(r, i);
		got = recvmmsg(q->sock, r->msgs, (unsigned int)n,
			       MSG_WAITFORONE, NULL);
		if (got < 0 && (errno == EBADF || errno == ENOTSOCK))
			break;
		/* Timeout, EINTR, or shut down (an empty message): give them
		 * back, and check stop. */
		if (got <= 0 || atomic_load(&q->t->stop)) {
			tunx_submit(q->dev, r->res, 0);
			continue;
		}
		settle(q, r, (unsigned int)got, o);
	}
	tunx_submit(q->dev, r->res, 0);
	ring_rx_free(r);
	return 0;
}
