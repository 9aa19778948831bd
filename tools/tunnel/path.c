// SPDX-License-Identifier: GPL-2.0
/*
 * Device -> peer, and the batch buffers both directions use.  Whole
 * batches move: one tunx_read() (or tunx_peek()) feeds one sendmmsg(), in
 * which runs of equal-sized packets travel as one UDP_SEGMENT message, so
 * the syscall count per packet falls as the load rises.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunnel.h"

#define add(ctr, n) atomic_fetch_add_explicit(&(ctr), (n), memory_order_relaxed)

void tunnel_batch_free(struct tunnel_batch *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; b->bufs && i < n; i++)
		free(b->bufs[i]);
	free(b->bufs);
	free(b->sizes);
	free(b->msgs);
	free(b->iov);
	free(b->names);
	free(b->ctl);
}

int tunnel_batch_alloc(struct tunnel_batch *b, const struct tunnel *t)
{
	unsigned int i, n = t->batch;

	memset(b, 0, sizeof(*b));
	b->bufs = calloc(n, sizeof(*b->bufs));
	b->sizes = calloc(n, sizeof(*b->sizes));
	b->msgs = calloc(n, sizeof(*b->msgs));
	b->iov = calloc(n, sizeof(*b->iov));
	b->names = calloc(n, sizeof(*b->names));
	b->ctl = calloc(n, sizeof(*b->ctl));
	if (!b->bufs || !b->sizes || !b->msgs || !b->iov || !b->names || !b->ctl)
		goto fail;
	for (i = 0; i < n; i++)
		if (!(b->bufs[i] = malloc(t->buf_size)))
			goto fail;
	return 0;
fail:
	tunnel_batch_free(b, n);
	return -ENOMEM;
}

/* sendmmsg() may stop early; an error drops one message (UDP is lossy,
 * and a peer that is down must not stall the device) and goes on. */
static void send_all(struct tunnel_queue *q, struct mmsghdr *msgs,
		     unsigned int n)
{
	unsigned int done = 0;
	int r;

	while (done < n && !atomic_load(&q->t->stop)) {
		r = sendmmsg(q->sock, msgs + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			add(q->c.send_errors, 1);
			tunnel_gso_refused(q, msgs[done].msg_hdr.msg_iovlen > 1);
			done++;
			continue;
		}
		done += (unsigned int)r;
	}
}

void *tunnel_dev_to_peer(void *arg)
{
	struct tunnel_queue *q = arg;
	struct tunnel *t = q->t;
	struct tunnel_batch b;
	unsigned int m;
	uint64_t bytes;
	int n, i;

	if (tunnel_batch_alloc(&b, t))
		return NULL;
	while (!atomic_load(&t->stop)) {
		n = tunx_read(q->dev, b.bufs, t->buf_size, b.sizes, t->batch, t->off);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			break;
		bytes = 0;
		for (i = 0; i < n; i++) {
			b.iov[i].iov_base = b.bufs[i] + t->off;
			b.iov[i].iov_len = b.sizes[i];
			bytes += b.sizes[i];
		}
		add(q->c.to_peer_packets, (uint64_t)n);
		add(q->c.to_peer_bytes, bytes);
		m = tunnel_gso_pack(q, b.iov, (unsigned int)n, b.msgs, b.ctl);
		send_all(q, b.msgs, m);
	}
	tunnel_batch_free(&b, t->batch);
	return NULL;
}

static void wait_readable(struct tunnel_queue *q)
{
	struct pollfd p = { .fd = tunx_fd(q->dev), .events = POLLIN };

	/* The timeout bounds how long a stop request waits. */
	if (p.fd >= 0)
		poll(&p, 1, 250);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Busy mode: an empty ring is peeked again until it has stayed empty for
 * busy_secs, and only then does the thread sleep in poll().  While packets
 * keep coming the thread makes no syscall for the device at all.
 */
static int peek_or_wait(struct tunnel_queue *q, struct tunx_pkt *pkts,
			double *last)
{
	int n = tunx_peek(q->dev, pkts, q->t->batch);

	if (n > 0) {
		*last = 0;
		return n;
	}
	if (n != -EAGAIN && n != -EINTR)
		return n;
	if (q->t->busy) {
		if (!*last)
			*last = now();
		if (now() - *last < q->t->busy_secs)
			return 0;
	}
	wait_readable(q);
	*last = 0;
	return 0;
}

/* Plain packets gathered in @iov: runs of one size as one message each. */
static void send_plain(struct tunnel_queue *q, struct iovec *iov,
		       unsigned int n, struct mmsghdr *msgs,
		       union tunnel_ctl *ctl)
{
	uint64_t bytes = 0;
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		bytes += iov[i].iov_len;
	add(q->c.to_peer_packets, (uint64_t)n);
	add(q->c.to_peer_bytes, bytes);
	send_all(q, msgs, tunnel_gso_pack(q, iov, n, msgs, ctl));
}

/* One peeked batch, in order: plain packets gathered, each super-packet
 * (or checksum left to us) sent from the ring by ringsend.c. */
static void send_peeked(struct tunnel_queue *q, struct tunx_pkt *pkts,
			unsigned int n, struct tunnel_zc *z)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (!tunnel_ring_needs_work(&pkts[i])) {
			z->iov[k++] = (struct iovec){ pkts[i].data, pkts[i].len };
			continue;
		}
		send_plain(q, z->iov, k, z->msgs, z->ctl);
		k = 0;
		tunnel_ring_send(q, &pkts[i], &z->seg);
	}
	send_plain(q, z->iov, k, z->msgs, z->ctl);
}

/*
 * Zero copy on tunx: peek hands out packets where the kernel put them, in
 * the rx ring's frames; sendmmsg() copies them into socket buffers (the
 * one copy left), then release gives the frames back.  Nothing is copied
 * in userspace and no syscall is made for the device while it is busy.
 * With offload, super-packets leave whole too (ringsend.c).
 */
void *tunnel_dev_to_peer_zc(void *arg)
{
	struct tunnel_queue *q = arg;
	struct tunnel *t = q->t;
	struct tunx_pkt *pkts = calloc(t->batch, sizeof(*pkts));
	struct tunnel_zc *z = calloc(1, sizeof(*z));
	double last = 0;
	int n;

	if (z) {
		z->msgs = calloc(t->batch, sizeof(*z->msgs));
		z->iov = calloc(t->batch, sizeof(*z->iov));
		z->ctl = calloc(t->batch, sizeof(*z->ctl));
	}
	while (pkts && z && z->msgs && z->iov && z->ctl &&
	       !atomic_load(&t->stop)) {
		n = peek_or_wait(q, pkts, &last);
		if (n < 0)
			break;
		if (!n)
			continue;
		send_peeked(q, pkts, (unsigned int)n, z);
		tunx_release(q->dev, (unsigned int)n);
	}
	if (z) {
		free(z->msgs);
		free(z->iov);
		free(z->ctl);
	}
	free(z);
	free(pkts);
	return NULL;
}
