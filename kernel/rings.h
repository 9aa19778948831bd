/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_RINGS_H
#define _TUNX_RINGS_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/tunx.h>

#include "geometry.h"

/*
 * Kernel view of one ring.  The pointers aim into shared memory; everything
 * else is private and never re-read from there.
 */
struct tunx_ring {
	u32 *producer;
	u32 *consumer;
	u32 *flags;
	struct tunx_desc *descs;
	u8 *frames;
	u32 entries;
	u32 mask;
	u32 frame_size;
	u32 head;	/* the kernel's own index: producer (rx), consumer (tx) */
	u32 released;	/* tx: the consumer index last published */
};

/*
 * One queue's shared area.  The queue holds a reference while attached and
 * every vma holds one, so the pages outlive detach, close and link delete
 * until the last munmap.
 */
struct tunx_area {
	struct kref ref;
	void *base;			/* vmap() of @pages */
	struct page **pages;
	unsigned int nr_pages;
	struct work_struct free;	/* frees it outside RTNL */
	struct tunx_geometry geo;
	struct tunx_ring rx;
	struct tunx_ring tx;
};

struct tunx_area *tunx_area_create(const struct tunx_geometry *geo);
void tunx_area_put(struct tunx_area *area);
int tunx_area_mmap(struct tunx_area *area, struct vm_area_struct *vma);
int tunx_rings_init(void);
void tunx_rings_uninit(void);

static inline void tunx_ring_set_flags(struct tunx_ring *ring, u32 flags)
{
	/* Only write when changing, to keep the line clean in the fast path. */
	if (READ_ONCE(*ring->flags) != flags)
		WRITE_ONCE(*ring->flags, flags);
}

#endif /* _TUNX_RINGS_H */
