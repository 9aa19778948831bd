// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunx_read()/tunx_write() on the tunx backend: copies between the
 * caller's buffers and the ring frames.  On an offload device a read
 * splits super-packets and completes checksums (the caller sees plain
 * packets), and a write coalesces TCP/UDP runs into one descriptor, as the
 * tun backend does with its virtio header.
 */
#include <string.h>
#include "backend_tunx.h"
#include "offload.h"

#define TUNX_RW_MAX 64		/* descriptors per call: one stack array */

/* Starts splitting a peeked descriptor; false if it is malformed. */
static bool split_desc(struct tunx_dev *t, const struct tunx_pkt *p)
{
	struct virtio_net_hdr h;
	const uint8_t *sums;
	unsigned int n;

	tunx__off_to_vnet(&h, &p->off);
	if (!tunx__split_start(&t->split, p->data, p->len, &h)) {
		n = tunx_pkt_seg_sums(p, &sums);
		if (n)
			tunx__split_use_sums(&t->split, sums, n);
		return true;
	}
	t->rx.invalid++;	/* the kernel never sends these: count, drop */
	return false;
}

/*
 * Hands out packets from the split and from @got newly peeked descriptors;
 * returns how many were stored, *done the descriptors finished.
 */
static unsigned int rx_fill(struct tunx_dev *t, const struct tunx_pkt *pkts,
			    unsigned int got, uint8_t *const *bufs, size_t cap,
			    size_t *sizes, unsigned int n, size_t offset,
			    unsigned int *done)
{
	unsigned int k = 0, j = 0;
	int r;

	while (k < n) {
		if (!tunx__split_more(&t->split)) {
			if (j == got)
				break;
			if (!split_desc(t, &pkts[j++]))
				++*done;
			continue;
		}
		r = tunx__split_next(&t->split, bufs[k] + offset, cap);
		if (r == -EMSGSIZE)
			break;
		if (r > 0)
			sizes[k++] = (size_t)r;
		if (!tunx__split_more(&t->split))
			++*done;
	}
	return k;
}

int tunx__tunx_read(struct tunx_device *dev, uint8_t *const *bufs,
		    size_t buf_size, size_t *sizes, unsigned int n,
		    size_t offset)
{
	struct tunx_dev *t = tunx__to_tx(dev);
	struct tunx_pkt pkts[TUNX_RW_MAX];
	unsigned int k, keep, done = 0;
	int got;

	got = tunx__ring_peek(&t->rx, pkts, n < TUNX_RW_MAX ? n : TUNX_RW_MAX);
	if (got < 0 && !tunx__split_more(&t->split))
		return got;
	k = rx_fill(t, pkts, got < 0 ? 0 : (unsigned int)got, bufs,
		    buf_size - offset, sizes, n, offset, &done);
	tunx__ring_release(&t->rx, done);
	/* Un-peek the rest (read again next time) but a half-split one. */
	keep = tunx__split_more(&t->split) ? 1 : 0;
	tunx__ring_unpeek(&t->rx, tunx__ring_peeked(&t->rx) - keep);
	if (k)
		return (int)k;
	if (!keep)
		return -EAGAIN;		/* all we peeked was malformed */
	return tunx__seterr(dev, -EMSGSIZE, "read buffers of %zu bytes are "
			    "too small", buf_size - offset);
}

/* Fills one reserved packet from packet i (and the run it heads, with
 * offload); returns the packets it took. */
static unsigned int tx_fill(struct tunx_dev *t, struct tunx_pkt *f,
			    uint8_t *const *bufs, const size_t *sizes,
			    unsigned int n, size_t offset, unsigned int i)
{
	struct virtio_net_hdr h;
	unsigned int cnt = 1;
	size_t len;

	if (tunx__tx_offload(t) && f->cap > sizes[i])
		cnt = tunx__gso_coalesce(bufs, sizes, n, offset, i, true, &h,
					 f->data, f->cap, &len);
	if (cnt > 1) {
		f->len = (uint32_t)len;
		tunx__off_from_vnet(&f->off, &h);
		return cnt;
	}
	memcpy(f->data, bufs[i] + offset, sizes[i]);
	f->len = (uint32_t)sizes[i];
	return 1;
}

/*
 * Reserve the bytes packet i needs: room for a whole super-packet when
 * packets follow that may coalesce behind it, or just its own when the
 * area is too full for that (it then goes alone).
 */
static int tx_reserve(struct tunx_dev *t, const size_t *sizes, unsigned int n,
		      unsigned int i, struct tunx_pkt *f)
{
	uint32_t len = (uint32_t)sizes[i];
	int r = -EAGAIN;

	if (tunx__tx_offload(t) && i + 1 < n)
		r = tunx__ring_reserve_one(&t->tx, t->tx.max_packet, f);
	if (r == -EAGAIN)
		r = tunx__ring_reserve_one(&t->tx, len, f);
	return r;
}

static int tx_locked(struct tunx_device *dev, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset)
{
	struct tunx_dev *t = tunx__to_tx(dev);
	struct tunx_pkt f[TUNX_RW_MAX];
	unsigned int i = 0, k = 0;
	int r = 0;

	while (i < n && k < TUNX_RW_MAX && sizes[i] &&
	       sizes[i] <= t->tx.max_packet) {
		r = tx_reserve(t, sizes, n, i, &f[k]);
		if (r)
			break;
		i += tx_fill(t, &f[k], bufs, sizes, n, offset, i);
		/* The next packet starts right after what this one used. */
		tunx__ring_trim_last(&t->tx, f[k].len);
		k++;
	}
	if (!k && r)
		return r;
	if (!k)
		return tunx__seterr(dev, -EMSGSIZE, "packet of %zu bytes is "
				    "longer than the %u bytes a tunx packet may "
				    "be", sizes[i], t->tx.max_packet);
	r = tunx__ring_submit(&t->tx, f, k);
	return r < 0 ? r : (int)i;
}

int tunx__tunx_write(struct tunx_device *dev, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset)
{
	struct tunx_dev *t = tunx__to_tx(dev);
	int r;

	pthread_mutex_lock(&t->txlock);
	r = tx_locked(dev, bufs, sizes, n, offset);
	pthread_mutex_unlock(&t->txlock);
	return r;
}
