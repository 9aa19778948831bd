// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Forwarder (gonnect Forwarder): a thread moving batches from a read
 * device to a write device, either of which can be swapped live.  A swap
 * shuts the old device down, which wakes the thread if it is blocked on
 * it, and waits until the thread has let go of it before handing it back.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define FWD_MAX_BATCH	128
#define FWD_HEADROOM	64	/* >= any backend's min read/write offset */
#define FWD_BUF		(FWD_HEADROOM + TUNX_MAX_PACKET)

struct tunx_forwarder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tunx_device *rd, *wr;
	struct tunx_device *rd_busy, *wr_busy;	/* in use by the thread */
	bool stop;
	pthread_t thread;
	struct tunx_pool *pool;
	bool pooled;		/* bufs come from pool: its buffers are big enough */
	uint8_t *bufs[FWD_MAX_BATCH];
	size_t sizes[FWD_MAX_BATCH];
	size_t buf_size;
	_Atomic uint64_t moved, dropped;
};

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/*
 * Lock held.  Waits for a live read device and a write device (reading
 * with nowhere to write would turn backpressure into drops); NULL when
 * stopping.
 */
static struct tunx_device *grab_reader(struct tunx_forwarder *f)
{
	while (!f->stop && (!f->rd || !f->wr || atomic_load(&f->rd->closed)))
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->stop)
		return NULL;
	f->rd_busy = f->rd;
	return f->rd;
}

static void let_go(struct tunx_forwarder *f, struct tunx_device **busy)
{
	pthread_mutex_lock(&f->lock);
	*busy = NULL;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Writes n packets in chunks of the write device's batch size. */
static void push_out(struct tunx_forwarder *f, unsigned int n)
{
	struct tunx_device *w;
	unsigned int sent = 0;
	int r;

	pthread_mutex_lock(&f->lock);
	w = f->wr_busy = f->wr;
	pthread_mutex_unlock(&f->lock);
	while (w && sent < n) {
		r = tunx_write(w, f->bufs + sent, f->sizes + sent,
			       min_u(n - sent, tunx_batch_size(w)), FWD_HEADROOM);
		if (r <= 0)
			break;
		sent += (unsigned int)r;
	}
	if (w)
		let_go(f, &f->wr_busy);
	atomic_fetch_add(&f->moved, sent);
	atomic_fetch_add(&f->dropped, n - sent);
}

static void *fwd_thread(void *arg)
{
	struct tunx_forwarder *f = arg;
	struct tunx_device *r;
	int n;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		r = grab_reader(f);
		pthread_mutex_unlock(&f->lock);
		if (!r)
			break;
		n = tunx_read(r, f->bufs, f->buf_size, f->sizes,
			      min_u(tunx_batch_size(r), FWD_MAX_BATCH), FWD_HEADROOM);
		/* Non-blocking and empty: sleep until a packet or a swap's
		 * shutdown, rather than spin. */
		if (n == -EAGAIN)
			tunx__wait(r, POLLIN, -1);
		/* Dead (deleted link...): park until a swap instead of
		 * spinning.  Before letting go: a swap frees it after. */
		if (n < 0 && n != -EAGAIN && n != -EINTR)
			tunx_shutdown(r);
		let_go(f, &f->rd_busy);
		if (n > 0)
			push_out(f, (unsigned int)n);
	}
	return NULL;
}

static int bufs_alloc(struct tunx_forwarder *f)
{
	unsigned int i;

	f->pooled = f->pool && tunx_pool_buf_size(f->pool) >= FWD_BUF;
	f->buf_size = f->pooled ? tunx_pool_buf_size(f->pool) : FWD_BUF;
	for (i = 0; i < FWD_MAX_BATCH; i++) {
		f->bufs[i] = f->pooled ? tunx_pool_get(f->pool) :
					 malloc(f->buf_size);
		if (!f->bufs[i])
			return -ENOMEM;
	}
	return 0;
}

static void bufs_free(struct tunx_forwarder *f)
{
	unsigned int i;

	for (i = 0; i < FWD_MAX_BATCH; i++) {
		if (f->pooled)
			tunx_pool_put(f->pool, f->bufs[i]);
		else
			free(f->bufs[i]);
	}
}

int tunx_forwarder_new(struct tunx_forwarder **fp, struct tunx_pool *pool)
{
	struct tunx_forwarder *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->pool = pool;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	r = bufs_alloc(f);
	if (!r)
		r = -pthread_create(&f->thread, NULL, fwd_thread, f);
	if (r) {
		bufs_free(f);
		free(f);
		return r;
	}
	*fp = f;
	return 0;
}

/*
 * Installs @dev in *slot; the old one is shut down and waited for.  If it
 * is also the other role's device (one device as reader and writer), it
 * leaves that role too: shut down, it is no use there, and its caller is
 * about to close it.
 */
static int swap(struct tunx_forwarder *f, struct tunx_device **slot,
		struct tunx_device **other, struct tunx_device *dev,
		struct tunx_device **old)
{
	struct tunx_device *o;

	pthread_mutex_lock(&f->lock);
	o = *slot;
	*slot = dev;
	if (o && o != dev && *other == o)
		*other = NULL;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (o && o != dev) {
		tunx_shutdown(o);
		pthread_mutex_lock(&f->lock);
		while (f->rd_busy == o || f->wr_busy == o)
			pthread_cond_wait(&f->cond, &f->lock);
		pthread_mutex_unlock(&f->lock);
	}
	if (old)
		*old = o != dev ? o : NULL;
	else if (o != dev)
		tunx_close(o);
	return 0;
}

int tunx_forwarder_set_read(struct tunx_forwarder *f, struct tunx_device *dev,
			    struct tunx_device **old)
{
	return swap(f, &f->rd, &f->wr, dev, old);
}

int tunx_forwarder_set_write(struct tunx_forwarder *f, struct tunx_device *dev,
			     struct tunx_device **old)
{
	return swap(f, &f->wr, &f->rd, dev, old);
}

void tunx_forwarder_counts(struct tunx_forwarder *f, uint64_t *moved,
			   uint64_t *dropped)
{
	if (moved)
		*moved = atomic_load(&f->moved);
	if (dropped)
		*dropped = atomic_load(&f->dropped);
}

void tunx_forwarder_free(struct tunx_forwarder *f)
{
	struct tunx_device *rd, *wr;

	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	rd = f->rd;
	wr = f->wr;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (rd)
		tunx_shutdown(rd);
	if (wr)
		tunx_shutdown(wr);
	pthread_join(f->thread, NULL);
	tunx_close(rd);
	if (wr != rd)
		tunx_close(wr);
	bufs_free(f);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
