// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filter wrapper (tstun.Wrapper): pre/post filters on both directions,
 * inject inbound (to the host) and outbound (to the reader), per-connection
 * counters and idle time.  Injected outbound packets wait in a queue whose
 * eventfd joins the inner device's fd in one epoll set, so a blocked
 * reader wakes for either.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "queue.h"
#include "wrap.h"

#define CHUNK 128

struct filter {
	tunx_filter_fn fn;
	void *arg;
};

struct filt_dev {
	struct tunx_device dev;
	pthread_mutex_t flock;		/* filters */
	struct filter f[6];		/* enum tunx_filter_slot */
	pthread_mutex_t wlock;		/* scratch (non-blocking writes) */
	struct tunx_queue outq;
	int ep_fd;
	_Atomic int64_t last_ns;
	atomic_bool stats_on;
	struct tunx_connstats *cs;
	uint8_t *scratch;		/* non-blocking writes filter copies */
	size_t scratch_cap;
};

static const struct tunx_device_ops filt_ops;

static struct filt_dev *to_filt(struct tunx_device *dev)
{
	return dev && dev->ops == &filt_ops ? (struct filt_dev *)dev : NULL;
}

static void touch(struct filt_dev *w)
{
	atomic_store_explicit(&w->last_ns, tunx__now_ns(), memory_order_relaxed);
}

/* Runs the pre, main (tstun's ACL) then post filter of one direction. */
static bool filt_accept(struct filt_dev *w, enum tunx_filter_slot pre,
		   uint8_t *p, size_t len)
{
	enum tunx_filter_slot main = pre == TUNX_FILTER_PRE_IN ?
				     TUNX_FILTER_MAIN_IN : TUNX_FILTER_MAIN_OUT;
	struct filter f[3];
	int i;

	pthread_mutex_lock(&w->flock);
	f[0] = w->f[pre];
	f[1] = w->f[main];
	f[2] = w->f[pre + 1];
	pthread_mutex_unlock(&w->flock);
	for (i = 0; i < 3; i++)
		if (f[i].fn && f[i].fn(f[i].arg, p, len) == TUNX_DROP)
			return false;
	return true;
}

static void count(struct filt_dev *w, const uint8_t *p, size_t len, bool tx)
{
	if (atomic_load_explicit(&w->stats_on, memory_order_relaxed))
		tunx_connstats_count(w->cs, p, len, tx);
}

/* Filters packets [from, r) in place, compacting survivors. */
static int filter_out(struct filt_dev *w, uint8_t *const *bufs, size_t *sizes,
		      unsigned int from, unsigned int r, size_t off)
{
	unsigned int i, k = from;

	for (i = from; i < r; i++) {
		if (!filt_accept(w, TUNX_FILTER_PRE_OUT, bufs[i] + off, sizes[i]))
			continue;
		if (k != i) {
			memcpy(bufs[k] + off, bufs[i] + off, sizes[i]);
			sizes[k] = sizes[i];
		}
		k++;
	}
	return (int)k;
}

/* The injected packet at the head of the queue must fit: it stays queued
 * and read answers -EMSGSIZE, as pipes do. */
static int filt_read(struct tunx_device *dev, uint8_t *const *bufs,
		     size_t buf_size, size_t *sizes, unsigned int n,
		     size_t offset)
{
	struct filt_dev *w = to_filt(dev);
	struct tunx_device *in = dev->inner;
	int k = tunx__queue_pop(&w->outq, bufs, buf_size, sizes, n, offset);
	int r, i;

	if (k == -EMSGSIZE)
		return tunx__seterr(dev, k, "an injected packet does not fit "
				    "read buffers of %zu bytes", buf_size - offset);
	if (k < 0)
		k = 0;
	/*
	 * When the filters drop all that one read gave, read again: the inner
	 * device may hold more (the rest of a super-packet) without its fd
	 * being readable, and waiting would stall.
	 */
	while ((unsigned int)k < n) {
		r = in->ops->read(in, bufs + k, buf_size, sizes + k, n - k, offset);
		if (r <= 0) {
			if (!k)
				return r ? r : -EAGAIN;
			break;
		}
		k = filter_out(w, bufs, sizes, (unsigned int)k,
			       (unsigned int)(k + r), offset);
		if (k)
			break;
	}
	for (i = 0; i < k; i++)
		count(w, bufs[i] + offset, sizes[i], true);
	touch(w);
	return k;
}

/* Maps "m accepted packets taken" back to an index in the caller's batch. */
static unsigned int taken_upto(const unsigned int *orig, unsigned int m,
			       unsigned int n_in)
{
	return m ? orig[m - 1] + 1 : n_in;
}

/* The accepted packets of one call, in order, and where each came from. */
struct accepted {
	uint8_t *pb[CHUNK];
	size_t ps[CHUNK];
	unsigned int orig[CHUNK];
	unsigned int m, first;
};

/* Filters packets in place (or copies of them into w->scratch). */
static int accept_in(struct filt_dev *w, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t off,
		     struct accepted *a, bool copy)
{
	size_t need = 0, pos = 0;
	unsigned int i;
	uint8_t *p;

	a->m = 0;
	a->first = n;
	if (copy) {
		for (i = 0; i < n; i++)
			need += off + sizes[i];
		if (need > w->scratch_cap) {
			p = realloc(w->scratch, need);
			if (!p)
				return -ENOMEM;
			w->scratch = p;
			w->scratch_cap = need;
		}
	}
	for (i = 0; i < n; i++) {
		p = bufs[i];
		if (copy) {
			p = w->scratch + pos;
			memcpy(p + off, bufs[i] + off, sizes[i]);
			pos += off + sizes[i];
		}
		if (!filt_accept(w, TUNX_FILTER_PRE_IN, p + off, sizes[i]))
			continue;
		if (a->first == n)
			a->first = i;
		a->pb[a->m] = p;
		a->ps[a->m] = sizes[i];
		a->orig[a->m++] = i;
	}
	return 0;
}

/*
 * Hands the accepted packets to the inner device.  Blocking: until all are
 * taken (waiting here, not in the generic layer, which would run the
 * filters again), so a filter sees each packet once.
 */
static int inner_write(struct filt_dev *w, struct accepted *a, size_t off)
{
	struct tunx_device *dev = &w->dev, *in = dev->inner;
	unsigned int done = 0;
	int r = 0;

	while (done < a->m) {
		r = in->ops->write(in, a->pb + done, a->ps + done, a->m - done,
				   off);
		if (r > 0) {
			for (int i = 0; i < r; i++)
				count(w, a->pb[done + i] + off, a->ps[done + i],
				      false);
			done += (unsigned int)r;
			continue;
		}
		if (r != -EAGAIN || dev->nonblock)
			break;
		r = tunx__wait(dev, POLLOUT, dev->pollout ? -1 : 10);
		if (r)
			break;
	}
	return done ? (int)done : r;
}

static int filt_write_chunk(struct filt_dev *w, uint8_t *const *bufs,
			    const size_t *sizes, unsigned int n, size_t off)
{
	struct accepted a;
	bool copy = w->dev.nonblock;
	int r;

	/*
	 * Non-blocking: a write may take part of the batch and the caller
	 * retries the rest, so the filters work on copies and a retried
	 * packet is filtered again from its original bytes, never twice
	 * over (an in-place NAT would be applied twice).
	 */
	if (copy)
		pthread_mutex_lock(&w->wlock);
	r = accept_in(w, bufs, sizes, n, off, &a, copy);
	if (!r)
		r = a.m ? inner_write(w, &a, off) : 0;
	if (copy)
		pthread_mutex_unlock(&w->wlock);
	if (r < 0)	/* leading drops were still taken */
		return a.first && a.first < n ? (int)a.first : r;
	/* Drops after the last accepted packet count only if all went. */
	return (int)((unsigned int)r == a.m ? n : taken_upto(a.orig, (unsigned int)r, n));
}

/*
 * Non-blocking: one chunk, and the caller sends the rest.  Blocking: every
 * chunk, stopping at the first the inner device did not take whole: that
 * one's rest was filtered in place, so it is not offered again
 * (write_short_is_final).
 */
static int filt_write(struct tunx_device *dev, uint8_t *const *bufs,
		      const size_t *sizes, unsigned int n, size_t offset)
{
	struct filt_dev *w = to_filt(dev);
	unsigned int done = 0, k;
	int r;

	do {
		k = n - done < CHUNK ? n - done : CHUNK;
		r = filt_write_chunk(w, bufs + done, sizes + done, k, offset);
		if (r > 0)
			done += (unsigned int)r;
	} while (!dev->nonblock && r == (int)k && done < n);
	if (done)
		touch(w);
	return done ? (int)done : r;
}

static int filt_poll_fd(struct tunx_device *dev, short events)
{
	struct filt_dev *w = to_filt(dev);

	if (events & POLLIN)
		return w->ep_fd;
	return dev->inner->ops->poll_fd(dev->inner, events);
}

static void filt_shutdown(struct tunx_device *dev)
{
	tunx__queue_close(&to_filt(dev)->outq);
	tunx__wrap_shutdown(dev);
}

static void filt_destroy(struct tunx_device *dev)
{
	struct filt_dev *w = to_filt(dev);

	tunx__wrap_fini(dev);
	tunx__queue_fini(&w->outq);
	if (w->ep_fd >= 0)
		close(w->ep_fd);
	tunx_connstats_free(w->cs);
	free(w->scratch);
	pthread_mutex_destroy(&w->flock);
	pthread_mutex_destroy(&w->wlock);
	free(w);
}

static const struct tunx_device_ops filt_ops = {
	.read = filt_read,
	.write = filt_write,
	.write_short_is_final = true,
	.poll_fd = filt_poll_fd,
	.shutdown = filt_shutdown,
	.destroy = filt_destroy,
};

static int ep_join(struct filt_dev *w)
{
	struct tunx_device *in = w->dev.inner;
	struct epoll_event ev = { .events = EPOLLIN };
	int fds[2] = { w->outq.rd_efd, tunx__user_fd(in) };
	int i;

	w->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep_fd < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		ev.data.fd = fds[i];
		if (fds[i] < 0 || epoll_ctl(w->ep_fd, EPOLL_CTL_ADD, fds[i], &ev))
			return fds[i] < 0 ? fds[i] : -errno;
	}
	return 0;
}

int tunx_filter_wrap(struct tunx_device **wp, struct tunx_device *inner)
{
	bool dev_made = false;
	struct filt_dev *w;
	int r;

	if (!inner)
		return -EINVAL;
	if (tunx__shut(inner))
		return -ESHUTDOWN;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ep_fd = -1;
	pthread_mutex_init(&w->flock, NULL);
	pthread_mutex_init(&w->wlock, NULL);
	r = tunx_connstats_new(&w->cs);
	if (!r)
		r = tunx__queue_init(&w->outq, TUNX_DEFAULT_DEPTH, TUNX_MAX_PACKET);
	if (!r) {
		r = tunx__wrap_init(&w->dev, &filt_ops, inner);
		dev_made = !r;
	}
	if (!r)
		r = ep_join(w);
	if (r) {
		/* the caller keeps @inner on failure */
		w->dev.inner = NULL;
		if (dev_made)
			tunx__dev_free(&w->dev);
		tunx__queue_fini(&w->outq);
		if (w->ep_fd >= 0)
			close(w->ep_fd);
		tunx_connstats_free(w->cs);
		free(w);
		return r;
	}
	touch(w);
	*wp = &w->dev;
	return 0;
}

static int filter_set(struct tunx_device *dev, enum tunx_filter_slot slot,
		      tunx_filter_fn fn, void *arg)
{
	struct filt_dev *w = to_filt(dev);

	if (!w || (unsigned int)slot > TUNX_FILTER_MAIN_OUT)
		return -EINVAL;
	pthread_mutex_lock(&w->flock);
	w->f[slot].fn = fn;
	w->f[slot].arg = arg;
	pthread_mutex_unlock(&w->flock);
	return 0;
}

static int inject_inbound(struct tunx_device *dev, const uint8_t *pkt, size_t len)
{
	struct filt_dev *w = to_filt(dev);
	uint8_t *buf;
	int r;

	if (!w)
		return -EINVAL;
	if (!len)
		return 0;	/* as tstun: an empty packet is a no-op */
	buf = malloc(dev->mwo + len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + dev->mwo, pkt, len);
	r = tunx_write(dev->inner, &buf, &len, 1, dev->mwo);
	if (r == 1) {
		count(w, buf + dev->mwo, len, false);	/* tstun counts them */
		touch(w);
	}
	free(buf);
	return r == 1 ? 0 : r;
}

static int inject_outbound(struct tunx_device *dev, const uint8_t *pkt, size_t len)
{
	struct filt_dev *w = to_filt(dev);
	uint8_t *p = (uint8_t *)pkt;
	int r;

	if (!w)
		return -EINVAL;
	if (!len)
		return 0;
	r = tunx__queue_push(&w->outq, &p, &len, 1, 0);
	return r == 1 ? 0 : r;
}

int64_t tunx_idle_ns(struct tunx_device *dev)
{
	struct filt_dev *w = to_filt(dev);
	int64_t r;

	if (!w)
		return -EINVAL;
	if (tunx__enter(dev))
		return -ESHUTDOWN;
	r = tunx__now_ns() - atomic_load(&w->last_ns);
	tunx__leave(dev);
	return r;
}

static int stats_enable(struct tunx_device *dev, bool on)
{
	struct filt_dev *w = to_filt(dev);

	if (!w)
		return -EINVAL;
	atomic_store(&w->stats_on, on);
	return 0;
}

static int stats_extract(struct tunx_device *dev, tunx_conn_fn fn, void *arg)
{
	struct filt_dev *w = to_filt(dev);

	if (!w)
		return -EINVAL;
	return tunx_connstats_extract(w->cs, fn, arg);
}

int tunx_filter_set(struct tunx_device *dev, enum tunx_filter_slot slot,
		    tunx_filter_fn fn, void *arg)
{
	if (!to_filt(dev))
		return -EINVAL;
	TUNX_GUARDED(dev, filter_set(dev, slot, fn, arg));
}

int tunx_inject_inbound(struct tunx_device *dev, const uint8_t *pkt, size_t len)
{
	if (!to_filt(dev))
		return -EINVAL;
	TUNX_GUARDED(dev, inject_inbound(dev, pkt, len));
}

int tunx_inject_outbound(struct tunx_device *dev, const uint8_t *pkt, size_t len)
{
	if (!to_filt(dev))
		return -EINVAL;
	TUNX_GUARDED(dev, inject_outbound(dev, pkt, len));
}

int tunx_stats_enable(struct tunx_device *dev, bool on)
{
	if (!to_filt(dev))
		return -EINVAL;
	TUNX_GUARDED(dev, stats_enable(dev, on));
}

int tunx_stats_extract(struct tunx_device *dev, tunx_conn_fn fn, void *arg)
{
	if (!to_filt(dev))
		return -EINVAL;
	TUNX_GUARDED(dev, stats_extract(dev, fn, arg));
}
