// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Point-to-point (gonnect Point2Point): A -> B and B -> A forwarders.
 * Each device sits in two forwarders (read side of one, write side of the
 * other), so the p2p, not the forwarders, owns and closes it exactly once.
 */
#include <stdlib.h>
#include "internal.h"

struct tunx_p2p {
	struct tunx_forwarder *ab, *ba;
	pthread_mutex_t lock;	/* serialises set_a/set_b/free */
};

int tunx_p2p_new(struct tunx_p2p **pp, struct tunx_pool *pool)
{
	struct tunx_p2p *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	r = tunx_forwarder_new(&p->ab, pool);
	if (!r) {
		r = tunx_forwarder_new(&p->ba, pool);
		if (r)
			tunx_forwarder_free(p->ab);
	}
	if (r) {
		free(p);
		return r;
	}
	*pp = p;
	return 0;
}

/* @reader reads the device, @writer writes it; close the old one once. */
static int set_end(struct tunx_p2p *p, struct tunx_forwarder *reader,
		   struct tunx_forwarder *writer, struct tunx_device *dev)
{
	struct tunx_device *o1, *o2;

	pthread_mutex_lock(&p->lock);
	tunx_forwarder_set_read(reader, dev, &o1);
	tunx_forwarder_set_write(writer, dev, &o2);
	pthread_mutex_unlock(&p->lock);
	tunx_close(o1);
	if (o2 != o1)
		tunx_close(o2);
	return 0;
}

int tunx_p2p_set_a(struct tunx_p2p *p, struct tunx_device *a)
{
	return set_end(p, p->ab, p->ba, a);
}

int tunx_p2p_set_b(struct tunx_p2p *p, struct tunx_device *b)
{
	return set_end(p, p->ba, p->ab, b);
}

void tunx_p2p_counts(struct tunx_p2p *p, uint64_t *a_to_b, uint64_t *b_to_a)
{
	tunx_forwarder_counts(p->ab, a_to_b, NULL);
	tunx_forwarder_counts(p->ba, b_to_a, NULL);
}

void tunx_p2p_free(struct tunx_p2p *p)
{
	if (!p)
		return;
	set_end(p, p->ab, p->ba, NULL);
	set_end(p, p->ba, p->ab, NULL);
	tunx_forwarder_free(p->ab);
	tunx_forwarder_free(p->ba);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
