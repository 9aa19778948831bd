// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-connection counters keyed by the 5-tuple (tstun's statistics).
 * Extraction hands every entry out and empties the table, which is what
 * keeps memory bounded: callers extract periodically.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "internal.h"

#define BUCKETS 1024

struct conn_node {
	struct tunx_conn c;
	struct conn_node *next;
};

struct tunx_connstats {
	pthread_mutex_t lock;
	struct conn_node *b[BUCKETS];
};

int tunx_connstats_new(struct tunx_connstats **csp)
{
	struct tunx_connstats *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return -ENOMEM;
	pthread_mutex_init(&cs->lock, NULL);
	*csp = cs;
	return 0;
}

/* Fills the key part of @c; unparsable packets share the zero key. */
static void parse(const uint8_t *p, size_t len, struct tunx_conn *c)
{
	size_t l4 = 0;

	memset(c, 0, sizeof(*c));
	if (len >= 20 && p[0] >> 4 == 4) {
		c->family = AF_INET;
		c->proto = p[9];
		memcpy(c->src, p + 12, 4);
		memcpy(c->dst, p + 16, 4);
		if (!((p[6] << 8 | p[7]) & 0x1fff))	/* first fragment */
			l4 = (size_t)(p[0] & 0xf) * 4;
	} else if (len >= 40 && p[0] >> 4 == 6) {
		c->family = AF_INET6;
		c->proto = p[6];
		memcpy(c->src, p + 8, 16);
		memcpy(c->dst, p + 24, 16);
		l4 = 40;
	} else {
		return;
	}
	if (l4 && l4 + 4 <= len && (c->proto == IPPROTO_TCP ||
	    c->proto == IPPROTO_UDP || c->proto == IPPROTO_SCTP)) {
		c->src_port = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
		c->dst_port = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	}
}

/*
 * Keys are from the host's side: src is the host's end.  An inbound
 * packet (rx, to the host) has them the other way round.
 */
static void swap_ends(struct tunx_conn *c)
{
	uint8_t a[16];
	uint16_t port = c->src_port;

	memcpy(a, c->src, 16);
	memcpy(c->src, c->dst, 16);
	memcpy(c->dst, a, 16);
	c->src_port = c->dst_port;
	c->dst_port = port;
}

static bool same_key(const struct tunx_conn *a, const struct tunx_conn *b)
{
	return a->proto == b->proto && a->family == b->family &&
	       a->src_port == b->src_port && a->dst_port == b->dst_port &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

static unsigned int hash(const struct tunx_conn *c)
{
	const uint8_t *k = (const uint8_t *)c;
	uint32_t h = 2166136261u;	/* FNV-1a over the key bytes */
	size_t i, n = offsetof(struct tunx_conn, tx_packets);

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h % BUCKETS;
}

void tunx_connstats_count(struct tunx_connstats *cs, const uint8_t *pkt,
			  size_t len, bool tx)
{
	struct tunx_conn key;
	struct conn_node *e;
	unsigned int h;

	parse(pkt, len, &key);
	if (!tx)
		swap_ends(&key);	/* one flow, one entry (as tstun) */
	h = hash(&key);
	pthread_mutex_lock(&cs->lock);
	for (e = cs->b[h]; e && !same_key(&e->c, &key); e = e->next)
		;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			goto out;	/* lose a count, never the packet */
		e->c = key;
		e->next = cs->b[h];
		cs->b[h] = e;
	}
	if (tx) {
		e->c.tx_packets++;
		e->c.tx_bytes += len;
	} else {
		e->c.rx_packets++;
		e->c.rx_bytes += len;
	}
out:
	pthread_mutex_unlock(&cs->lock);
}

int tunx_connstats_extract(struct tunx_connstats *cs, tunx_conn_fn fn,
			   void *arg)
{
	struct conn_node *list[BUCKETS];
	struct conn_node *e, *next;
	int n = 0, i;

	/* Swap the table out under the lock; report without holding it. */
	pthread_mutex_lock(&cs->lock);
	memcpy(list, cs->b, sizeof(list));
	memset(cs->b, 0, sizeof(cs->b));
	pthread_mutex_unlock(&cs->lock);
	for (i = 0; i < BUCKETS; i++) {
		for (e = list[i]; e; e = next) {
			next = e->next;
			if (fn)
				fn(arg, &e->c);
			free(e);
			n++;
		}
	}
	return n;
}

void tunx_connstats_free(struct tunx_connstats *cs)
{
	if (!cs)
		return;
	tunx_connstats_extract(cs, NULL, NULL);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}
