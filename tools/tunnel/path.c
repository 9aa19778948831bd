// SPDX-License-Identifier: GPL-2.0
/*
 * The two data paths.  Both move whole batches: one tunx_read() feeds one
 * sendmmsg(), one recvmmsg() feeds one tunx_write(), so the syscall count
 * per packet falls as the load rises.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel.h"

#define add(ctr, n) atomic_fetch_add_explicit(&(ctr), (n), memory_order_relaxed)

struct batch {
	uint8_t **bufs;
	size_t *sizes;
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *names;
};

static void batch_free(struct batch *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; b->bufs && i < n; i++)
		free(b->bufs[i]);
	free(b->bufs);
	free(b->sizes);
	free(b->msgs);
	free(b->iov);
	free(b->names);
}

static int batch_alloc(struct batch *b, const struct tunnel *t)
{
	unsigned int i, n = t->batch;

	memset(b, 0, sizeof(*b));
	b->bufs = calloc(n, sizeof(*b->bufs));
	b->sizes = calloc(n, sizeof(*b->sizes));
	b->msgs = calloc(n, sizeof(*b->msgs));
	b->iov = calloc(n, sizeof(*b->iov));
	b->names = calloc(n, sizeof(*b->names));
	if (!b->bufs || !b->sizes || !b->msgs || !b->iov || !b->names)
		goto fail;
	for (i = 0; i < n; i++)
		if (!(b->bufs[i] = malloc(t->buf_size)))
			goto fail;
	return 0;
fail:
	batch_free(b, n);
	return -ENOMEM;
}

/* sendmmsg() may stop early; an error drops one datagram (UDP is lossy,
 * and a peer that is down must not stall the device) and goes on. */
static void send_all(struct tunnel *t, struct mmsghdr *msgs, unsigned int n)
{
	unsigned int done = 0;
	int r;

	while (done < n && !atomic_load(&t->stop)) {
		r = sendmmsg(t->sock, msgs + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			add(t->c.send_errors, 1);
			done++;
			continue;
		}
		done += (unsigned int)r;
	}
}

void *tunnel_dev_to_peer(void *arg)
{
	struct tunnel *t = arg;
	struct batch b;
	uint64_t bytes;
	int n, i;

	if (batch_alloc(&b, t))
		return NULL;
	while (!atomic_load(&t->stop)) {
		n = tunx_read(t->dev, b.bufs, t->buf_size, b.sizes, t->batch, t->off);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			break;
		bytes = 0;
		for (i = 0; i < n; i++) {
			b.iov[i].iov_base = b.bufs[i] + t->off;
			b.iov[i].iov_len = b.sizes[i];
			b.msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &t->peer, .msg_namelen = t->peer_len,
				.msg_iov = &b.iov[i], .msg_iovlen = 1,
			};
			bytes += b.sizes[i];
		}
		add(t->c.to_peer_packets, (uint64_t)n);
		add(t->c.to_peer_bytes, bytes);
		send_all(t, b.msgs, (unsigned int)n);
	}
	batch_free(&b, t->batch);
	return NULL;
}

static void wait_readable(struct tunnel *t)
{
	struct pollfd p = { .fd = tunx_fd(t->dev), .events = POLLIN };

	/* The timeout bounds how long a stop request waits. */
	if (p.fd >= 0)
		poll(&p, 1, 250);
}

/*
 * Zero copy on tunx: peek hands out packets where the kernel put them, in
 * the rx ring's frames; sendmmsg() copies them into socket buffers (the
 * one copy left), then release gives the frames back.  Nothing is copied
 * in userspace and no syscall is made for the device while it is busy.
 */
void *tunnel_dev_to_peer_zc(void *arg)
{
	struct tunnel *t = arg;
	struct tunx_pkt *pkts = calloc(t->batch, sizeof(*pkts));
	struct mmsghdr *msgs = calloc(t->batch, sizeof(*msgs));
	struct iovec *iov = calloc(t->batch, sizeof(*iov));
	uint64_t bytes;
	int n, i;

	while (pkts && msgs && iov && !atomic_load(&t->stop)) {
		n = tunx_peek(t->dev, pkts, t->batch);
		if (n == -EAGAIN || n == -EINTR) {
			wait_readable(t);
			continue;
		}
		if (n < 0)
			break;
		bytes = 0;
		for (i = 0; i < n; i++) {
			iov[i] = (struct iovec){ pkts[i].data, pkts[i].len };
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &t->peer, .msg_namelen = t->peer_len,
				.msg_iov = &iov[i], .msg_iovlen = 1,
			};
			bytes += pkts[i].len;
		}
		add(t->c.to_peer_packets, (uint64_t)n);
		add(t->c.to_peer_bytes, bytes);
		send_all(t, msgs, (unsigned int)n);
		tunx_release(t->dev, (unsigned int)n);
	}
	free(pkts);
	free(msgs);
	free(iov);
	return NULL;
}

/* Only IP packets that fit the device go in: the tunnel is a hostile
 * input's first stop, the kernel's checks are its second. */
static bool plausible(const struct tunnel *t, const uint8_t *p, size_t len,
		      int msg_flags)
{
	if (msg_flags & MSG_TRUNC || len > t->mtu)
		return false;
	if (len >= 20 && p[0] >> 4 == 4)
		return true;
	return len >= 40 && p[0] >> 4 == 6;
}

/* Keep the datagrams worth writing, count the rest, return how many. */
static unsigned int sift(struct tunnel *t, struct batch *b, unsigned int n,
			 uint8_t **out, size_t *sizes)
{
	unsigned int i, k = 0;
	uint64_t bytes = 0;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &b->msgs[i].msg_hdr;

		if (!tunnel_is_peer(t, &b->names[i], h->msg_namelen)) {
			add(t->c.not_peer_drops, 1);
			continue;
		}
		if (!plausible(t, b->bufs[i] + t->off, b->msgs[i].msg_len,
			       h->msg_flags)) {
			add(t->c.malformed_drops, 1);
			continue;
		}
		out[k] = b->bufs[i];
		sizes[k++] = b->msgs[i].msg_len;
		bytes += b->msgs[i].msg_len;
	}
	add(t->c.from_peer_packets, k);
	add(t->c.from_peer_bytes, bytes);
	return k;
}

static void write_all(struct tunnel *t, uint8_t **bufs, size_t *sizes,
		      unsigned int n)
{
	unsigned int done = 0;
	int r;

	while (done < n) {
		r = tunx_write(t->dev, bufs + done, sizes + done, n - done, t->off);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			/* Shut down or refused: what is left is lost. */
			add(t->c.device_drops, n - done);
			return;
		}
		done += (unsigned int)r;
	}
}

static void arm(struct tunnel *t, struct batch *b)
{
	unsigned int i;

	for (i = 0; i < t->batch; i++) {
		b->iov[i].iov_base = b->bufs[i] + t->off;
		b->iov[i].iov_len = t->buf_size - t->off;
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->names[i], .msg_namelen = sizeof(b->names[i]),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
		};
	}
}

void *tunnel_peer_to_dev(void *arg)
{
	struct tunnel *t = arg;
	uint8_t **out;
	size_t *sizes;
	struct batch b;
	unsigned int k;
	int n;

	out = calloc(t->batch, sizeof(*out));
	sizes = calloc(t->batch, sizeof(*sizes));
	if (!out || !sizes || batch_alloc(&b, t)) {
		free(out);
		free(sizes);
		return NULL;
	}
	while (!atomic_load(&t->stop)) {
		arm(t, &b);
		n = recvmmsg(t->sock, b.msgs, t->batch, MSG_WAITFORONE, NULL);
		if (n < 0 && (errno == EBADF || errno == ENOTSOCK))
			break;
		if (n <= 0 || atomic_load(&t->stop))
			continue;	/* timeout, EINTR, or shut down: check stop */
		k = sift(t, &b, (unsigned int)n, out, sizes);
		if (k)
			write_all(t, out, sizes, k);
	}
	batch_free(&b, t->batch);
	free(out);
	free(sizes);
	return NULL;
}
