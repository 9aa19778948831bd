/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp.c: an AF_XDP socket on one queue of a device, with the XDP program
 * that redirects that queue's packets to it; raw bpf(2), no libbpf.
 * The rings follow net/xdp/xsk_queue.h: the producer reserves and
 * submits, the consumer peeks and releases.  Barriers, as tagged there:
 *   (A) producer loads ->consumer with acquire before writing entries;
 *   (B) producer stores ->producer with release after writing them;
 *   (C) consumer loads ->producer with acquire before reading entries;
 *   (D) consumer stores ->consumer with release after reading them.
 */
#ifndef BENCH_XDP_H
#define BENCH_XDP_H

#include <stddef.h>
#include <stdint.h>

/* UMEM: XSK_FRAMES chunks of XSK_FRAME bytes; one packet a chunk. */
#define XSK_FRAMES	4096
#define XSK_FRAME	2048
#define XSK_RING	2048	/* rx and tx rings */
/* The kernel publishes how far it consumed the fill ring lazily (when its
 * cached entries run out), so a fill ring just big enough for every frame
 * looks full while some of them are already on the rx ring: twice. */
#define XSK_FILL	(2 * XSK_FRAMES)
#define XSK_COMP	XSK_FRAMES

struct xsk_ring {
	uint32_t *producer, *consumer, *flags;
	void *desc;		/* struct xdp_desc[] or __u64[] */
	uint32_t mask, size;
	uint32_t cached_prod, cached_cons;	/* our copies of the indices */
	void *map;
	size_t map_len;
};

struct xsk {
	int fd, prog_fd, map_fd, link_fd;
	uint8_t *umem;
	struct xsk_ring rx, tx, fill, comp;
	const char *mode;	/* "native" or "generic" XDP, NULL: none */
};

/* Opens @ifname's queue 0 in copy mode; rx also loads and attaches the
 * program.  Returns 0, or -errno with a message in @err ("n/a: ..." when
 * the kernel lacks AF_XDP or bpf()). */
int bench_xsk_open(struct xsk *x, const char *ifname, int rx, char *err,
		   size_t len);
void bench_xsk_close(struct xsk *x);

/* Producer (fill, tx): room for up to @n entries from *idx; submit them. */
uint32_t bench_xsk_reserve(struct xsk_ring *r, uint32_t n, uint32_t *idx);
void bench_xsk_submit(struct xsk_ring *r, uint32_t n);
/* Consumer (rx, completion): up to @n entries from *idx; release them. */
uint32_t bench_xsk_peek(struct xsk_ring *r, uint32_t n, uint32_t *idx);
void bench_xsk_release(struct xsk_ring *r, uint32_t n);
int bench_xsk_needs_wakeup(const struct xsk_ring *r);

#endif /* BENCH_XDP_H */
