// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Buffer pool: a free list of fixed-size buffers.  Buffers are allocated
 * on demand up to @max and never shrink, so a steady state allocates
 * nothing.  A mutex is enough: get/put happen once per batch, not per byte.
 */
#include <stdlib.h>
#include "internal.h"

struct tunx_pool {
	pthread_mutex_t lock;
	size_t buf_size;
	unsigned int max, out, nfree, cap;
	uint8_t **free;
};

int tunx_pool_new(struct tunx_pool **pp, size_t buf_size, unsigned int max)
{
	struct tunx_pool *p;

	if (!buf_size)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->buf_size = buf_size;
	p->max = max;
	*pp = p;
	return 0;
}

uint8_t *tunx_pool_get(struct tunx_pool *p)
{
	uint8_t *b = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nfree) {
		b = p->free[--p->nfree];
	} else if (!p->max || p->out < p->max) {
		b = malloc(p->buf_size);
	}
	if (b)
		p->out++;
	pthread_mutex_unlock(&p->lock);
	return b;
}

/* Keeps the buffer for reuse; frees it only if the list cannot grow. */
void tunx_pool_put(struct tunx_pool *p, uint8_t *buf)
{
	if (!buf)
		return;
	pthread_mutex_lock(&p->lock);
	p->out--;
	if (p->nfree == p->cap) {
		unsigned int cap = p->cap ? p->cap * 2 : 64;
		uint8_t **f = realloc(p->free, cap * sizeof(*f));

		if (!f) {
			pthread_mutex_unlock(&p->lock);
			free(buf);
			return;
		}
		p->free = f;
		p->cap = cap;
	}
	p->free[p->nfree++] = buf;
	pthread_mutex_unlock(&p->lock);
}

size_t tunx_pool_buf_size(const struct tunx_pool *p)
{
	return p->buf_size;
}

void tunx_pool_free(struct tunx_pool *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->nfree; i++)
		free(p->free[i]);
	free(p->free);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
