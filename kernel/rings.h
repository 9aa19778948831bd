/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_RINGS_H
#define _TUNX_RINGS_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/tunx.h>

#include "geometry.h"
#include "ring.h"

/*
 * One queue's shared area.  The queue holds a reference while attached and
 * every vma holds one, so the pages outlive detach, close and link delete
 * until the last munmap.  Everything but @ref and the rings' own indices
 * is written once in tunx_area_create(), before the area is published with
 * rcu_assign_pointer(), and never again.
 */
struct tunx_area {
	struct kref ref;		/* queue + one per vma */
	void *base;			/* vmap() of @pages */
	struct page **pages;
	unsigned int nr_pages;
	struct work_struct free;	/* last put: frees it outside RTNL */
	struct tunx_geometry geo;
	struct tunx_ring rx;		/* see ring.h for who writes what */
	struct tunx_ring tx;
};

struct tunx_area *tunx_area_create(const struct tunx_geometry *geo);
void tunx_area_put(struct tunx_area *area);
int tunx_area_mmap(struct tunx_area *area, struct vm_area_struct *vma);
int tunx_rings_init(void);
void tunx_rings_uninit(void);

#endif /* _TUNX_RINGS_H */
