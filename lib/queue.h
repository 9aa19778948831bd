/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bounded packet queue with pollable readable/writable eventfds; the
 * core of the pipe, channel and inject paths. */
#ifndef TUNX_QUEUE_H
#define TUNX_QUEUE_H

#include "internal.h"

struct tunx_queue {
	pthread_mutex_t lock;
	unsigned int cap, head, count;
	uint8_t **slots;
	size_t *lens, *slot_cap;
	size_t max_len;
	int rd_efd, wr_efd;	/* readable while non-empty, writable while not full */
	atomic_bool closed;	/* set without the lock: async-signal-safe */
};

TUNX_HIDDEN int tunx__queue_init(struct tunx_queue *q, unsigned int cap,
				 size_t max_len);
TUNX_HIDDEN void tunx__queue_fini(struct tunx_queue *q);
TUNX_HIDDEN int tunx__queue_push(struct tunx_queue *q, uint8_t *const *bufs,
				 const size_t *sizes, unsigned int n,
				 size_t offset);
TUNX_HIDDEN int tunx__queue_pop(struct tunx_queue *q, uint8_t *const *bufs,
				size_t buf_size, size_t *sizes, unsigned int n,
				size_t offset);
/* Async-signal-safe: no lock, only an atomic store and eventfd writes. */
TUNX_HIDDEN void tunx__queue_close(struct tunx_queue *q);
TUNX_HIDDEN void tunx__queue_set_max(struct tunx_queue *q, size_t max_len);

#endif
