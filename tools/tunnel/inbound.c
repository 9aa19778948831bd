// SPDX-License-Identifier: GPL-2.0
/*
 * Peer -> device: one recvmmsg() feeds tunx_write().  A datagram that UDP
 * GRO glued together is cut back into its packets here.  When the device
 * needs no headroom (tunx) the packets are written from where they lie in
 * the receive buffer; otherwise (tun with a virtio header in front of
 * each) they are copied into spare buffers first, because the headroom of
 * one would be the tail of the one before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel.h"

#define add(ctr, n) atomic_fetch_add_explicit(&(ctr), (n), memory_order_relaxed)

#define SPARES 128	/* copied packets between two writes */

/* What goes to the device next; flushed when full. */
struct tunnel_outq {
	struct tunnel_queue *q;
	uint8_t **out;
	size_t *sizes;
	unsigned int k, cap;
	uint8_t *spare[SPARES];
	unsigned int spares_used;
	uint64_t packets, bytes;
};

static void write_all(struct tunnel_queue *q, uint8_t **bufs, size_t *sizes,
		      unsigned int n)
{
	struct tunnel *t = q->t;
	unsigned int done = 0;
	int r;

	while (done < n) {
		r = tunx_write(q->dev, bufs + done, sizes + done, n - done, t->off);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			/* Shut down or refused: what is left is lost. */
			add(q->c.device_drops, n - done);
			return;
		}
		done += (unsigned int)r;
	}
}

void tunnel_outq_flush(struct tunnel_outq *o)
{
	if (o->k)
		write_all(o->q, o->out, o->sizes, o->k);
	add(o->q->c.from_peer_packets, o->packets);
	add(o->q->c.from_peer_bytes, o->bytes);
	o->k = o->spares_used = 0;
	o->packets = o->bytes = 0;
}

/* Only IP packets that fit the device go in: the tunnel is a hostile
 * input's first stop, the kernel's checks are its second. */
bool tunnel_plausible(const struct tunnel *t, const uint8_t *p, size_t len)
{
	if (len > t->mtu)
		return false;
	if (len >= 20 && p[0] >> 4 == 4)
		return true;
	return len >= 40 && p[0] >> 4 == 6;
}

/* Queue the packet at @p (its buffer starts t->off before it, unless it
 * must be copied). */
static void push(struct tunnel_outq *o, uint8_t *p, size_t len, bool copy)
{
	struct tunnel *t = o->q->t;
	uint8_t *buf = p - t->off;

	if (!tunnel_plausible(t, p, len)) {
		add(o->q->c.malformed_drops, 1);
		return;
	}
	if (o->k == o->cap || (copy && o->spares_used == SPARES))
		tunnel_outq_flush(o);
	if (copy) {
		buf = o->spare[o->spares_used++];
		memcpy(buf + t->off, p, len);
	}
	o->out[o->k] = buf;
	o->sizes[o->k++] = len;
	o->packets++;
	o->bytes += len;
}

/* One received datagram: a packet, or @gro-sized packets glued by GRO. */
void tunnel_outq_take(struct tunnel_outq *o, uint8_t *p, size_t len,
		      unsigned int gro)
{
	bool copy = o->q->t->off > 0;
	size_t at;

	if (!gro || len <= gro) {
		push(o, p, len, false);
		return;
	}
	for (at = 0; at < len; at += gro)
		push(o, p + at, len - at < gro ? len - at : gro, copy);
}

static void sift(struct tunnel_outq *o, struct tunnel_batch *b, unsigned int n)
{
	struct tunnel_queue *q = o->q;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &b->msgs[i].msg_hdr;

		if (!tunnel_is_peer(q, &b->names[i], h->msg_namelen)) {
			add(q->c.not_peer_drops, 1);
			continue;
		}
		if (h->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			add(q->c.malformed_drops, 1);
			continue;
		}
		tunnel_outq_take(o, b->bufs[i] + q->t->off, b->msgs[i].msg_len,
		     q->gro ? tunnel_gro_size(h) : 0);
	}
	tunnel_outq_flush(o);
}

static void arm(struct tunnel_queue *q, struct tunnel_batch *b)
{
	struct tunnel *t = q->t;
	unsigned int i;

	for (i = 0; i < t->batch; i++) {
		b->iov[i].iov_base = b->bufs[i] + t->off;
		b->iov[i].iov_len = t->buf_size - t->off;
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->names[i], .msg_namelen = sizeof(b->names[i]),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
		};
		if (q->gro) {
			b->msgs[i].msg_hdr.msg_control = b->ctl[i].buf;
			b->msgs[i].msg_hdr.msg_controllen = sizeof(b->ctl[i].buf);
		}
	}
}

static void outq_free(struct tunnel_outq *o)
{
	unsigned int i;

	for (i = 0; i < SPARES; i++)
		free(o->spare[i]);
	free(o->out);
	free(o->sizes);
}

static int outq_alloc(struct tunnel_outq *o, struct tunnel_queue *q)
{
	struct tunnel *t = q->t;
	unsigned int i;

	memset(o, 0, sizeof(*o));
	o->q = q;
	o->cap = t->batch + SPARES;
	o->out = calloc(o->cap, sizeof(*o->out));
	o->sizes = calloc(o->cap, sizeof(*o->sizes));
	if (!o->out || !o->sizes)
		return -ENOMEM;
	/* Spares only where packets are copied: when headroom is needed. */
	for (i = 0; t->off && i < SPARES; i++)
		if (!(o->spare[i] = malloc(t->off + t->mtu)))
			return -ENOMEM;
	return 0;
}

void *tunnel_peer_to_dev(void *arg)
{
	struct tunnel_queue *q = arg;
	struct tunnel *t = q->t;
	struct tunnel_batch b;
	struct tunnel_outq o;
	int n;

	if (outq_alloc(&o, q) || tunnel_batch_alloc(&b, t)) {
		outq_free(&o);
		return NULL;
	}
	/* Straight into the ring when it can; else, or without memory, here. */
	if (tunnel_ring_recv_ok(q) && !tunnel_ring_recv(q, &o)) {
		tunnel_batch_free(&b, t->batch);
		outq_free(&o);
		return NULL;
	}
	while (!atomic_load(&t->stop)) {
		arm(q, &b);
		n = recvmmsg(q->sock, b.msgs, t->batch, MSG_WAITFORONE, NULL);
		if (n < 0 && (errno == EBADF || errno == ENOTSOCK))
			break;
		if (n <= 0 || atomic_load(&t->stop))
			continue;	/* timeout, EINTR, or shut down: check stop */
		sift(&o, &b, (unsigned int)n);
	}
	tunnel_batch_free(&b, t->batch);
	outq_free(&o);
	return NULL;
}
