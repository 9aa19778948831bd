// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bounded packet queue.  Slots keep their buffers once grown, so a steady
 * flow allocates nothing.  The two eventfds mirror "non-empty" and "not
 * full" so the generic layer can poll() on memory devices like on fds.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "queue.h"

int tunx__queue_init(struct tunx_queue *q, unsigned int cap, size_t max_len)
{
	int r = -ENOMEM;

	memset(q, 0, sizeof(*q));
	q->rd_efd = q->wr_efd = -1;
	q->cap = cap ? cap : TUNX_DEFAULT_DEPTH;
	q->max_len = max_len;
	q->slots = calloc(q->cap, sizeof(*q->slots));
	q->lens = calloc(q->cap, sizeof(*q->lens));
	q->slot_cap = calloc(q->cap, sizeof(*q->slot_cap));
	if (!q->slots || !q->lens || !q->slot_cap)
		goto err_free;
	q->rd_efd = tunx__efd_new();
	q->wr_efd = tunx__efd_new();
	if (q->rd_efd < 0 || q->wr_efd < 0) {
		r = q->rd_efd < 0 ? q->rd_efd : q->wr_efd;	/* -EMFILE... */
		goto err_free;
	}
	pthread_mutex_init(&q->lock, NULL);
	tunx__efd_set(q->wr_efd);
	return 0;
err_free:
	tunx__queue_fini(q);
	return r;
}

void tunx__queue_fini(struct tunx_queue *q)
{
	unsigned int i;

	for (i = 0; q->slots && i < q->cap; i++)
		free(q->slots[i]);
	free(q->slots);
	free(q->lens);
	free(q->slot_cap);
	if (q->rd_efd >= 0)
		close(q->rd_efd);
	if (q->wr_efd >= 0)
		close(q->wr_efd);
	/* Again is harmless: a failed init already did this. */
	q->slots = NULL;
	q->lens = NULL;
	q->slot_cap = NULL;
	q->rd_efd = q->wr_efd = -1;
}

/*
 * Called with the lock held after every change of count.  Close sets both
 * fds without the lock; checking "closed" after clearing one means either
 * we see it and set the fd again, or close's set comes after our clear.
 */
static void queue_signal(struct tunx_queue *q, bool was_empty, bool was_full)
{
	bool empty = q->count == 0, full = q->count == q->cap;

	if (was_empty && !empty)
		tunx__efd_set(q->rd_efd);
	else if (!was_empty && empty)
		tunx__efd_clear(q->rd_efd);
	if (was_full && !full)
		tunx__efd_set(q->wr_efd);
	else if (!was_full && full)
		tunx__efd_clear(q->wr_efd);
	if (atomic_load(&q->closed)) {
		tunx__efd_set(q->rd_efd);
		tunx__efd_set(q->wr_efd);
	}
}

static int slot_fill(struct tunx_queue *q, unsigned int i, const uint8_t *p,
		     size_t len)
{
	if (q->slot_cap[i] < len) {
		uint8_t *b = realloc(q->slots[i], len);

		if (!b)
			return -ENOMEM;
		q->slots[i] = b;
		q->slot_cap[i] = len;
	}
	memcpy(q->slots[i], p, len);
	q->lens[i] = len;
	return 0;
}

int tunx__queue_push(struct tunx_queue *q, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset)
{
	bool was_empty, was_full;
	unsigned int k = 0;
	int r = -EAGAIN;

	pthread_mutex_lock(&q->lock);
	was_empty = q->count == 0;
	was_full = q->count == q->cap;
	if (atomic_load(&q->closed))
		r = -ESHUTDOWN;
	while (r != -ESHUTDOWN && k < n && q->count < q->cap) {
		unsigned int i = (q->head + q->count) % q->cap;

		if (sizes[k] > q->max_len) {
			r = -EMSGSIZE;
			break;
		}
		r = slot_fill(q, i, bufs[k] + offset, sizes[k]);
		if (r)
			break;
		q->count++;
		k++;
	}
	queue_signal(q, was_empty, was_full);
	pthread_mutex_unlock(&q->lock);
	return k ? (int)k : r;
}

int tunx__queue_pop(struct tunx_queue *q, uint8_t *const *bufs,
		    size_t buf_size, size_t *sizes, unsigned int n,
		    size_t offset)
{
	bool was_empty, was_full;
	unsigned int k = 0;
	int r;

	pthread_mutex_lock(&q->lock);
	was_empty = q->count == 0;
	was_full = q->count == q->cap;
	r = atomic_load(&q->closed) ? -ESHUTDOWN : -EAGAIN;
	while (k < n && q->count) {
		unsigned int i = q->head;

		if (!tunx__room(buf_size, offset, q->lens[i])) {
			r = -EMSGSIZE;	/* leave it queued: caller's buffers too small */
			break;
		}
		memcpy(bufs[k] + offset, q->slots[i], q->lens[i]);
		sizes[k++] = q->lens[i];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	queue_signal(q, was_empty, was_full);
	pthread_mutex_unlock(&q->lock);
	return k ? (int)k : r;
}

void tunx__queue_close(struct tunx_queue *q)
{
	atomic_store(&q->closed, true);
	tunx__efd_set(q->rd_efd);
	tunx__efd_set(q->wr_efd);
}

void tunx__queue_set_max(struct tunx_queue *q, size_t max_len)
{
	pthread_mutex_lock(&q->lock);
	q->max_len = max_len;
	pthread_mutex_unlock(&q->lock);
}
