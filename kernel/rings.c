// SPDX-License-Identifier: GPL-2.0
/*
 * Shared areas: allocation, the kernel's private ring views, and mmap with a
 * reference per vma so pages are freed only after the last unmap.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "rings.h"

static void tunx_ring_init(struct tunx_ring *ring, u8 *base,
			   const struct tunx_ring_offsets *off, u64 frames,
			   u32 entries, u32 frame_size)
{
	ring->producer = (u32 *)(base + off->producer);
	ring->consumer = (u32 *)(base + off->consumer);
	ring->flags = (u32 *)(base + off->flags);
	ring->descs = (struct tunx_desc *)(base + off->descs);
	ring->frames = base + frames;
	ring->entries = entries;
	ring->mask = entries - 1;
	ring->frame_size = frame_size;
	ring->head = 0;
}

/**
 * tunx_area_create - allocate a zeroed shared area laid out by @geo
 * @geo: geometry from tunx_geometry_compute()
 *
 * Return: the area with one reference, or NULL.
 */
struct tunx_area *tunx_area_create(const struct tunx_geometry *geo)
{
	struct tunx_area *area;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return NULL;
	area->base = vmalloc_user(geo->mmap_size);
	if (!area->base)
		goto free_area;
	kref_init(&area->ref);
	area->geo = *geo;
	tunx_ring_init(&area->rx, area->base, &geo->rx, geo->rx_frames,
		       geo->rx_entries, geo->frame_size);
	tunx_ring_init(&area->tx, area->base, &geo->tx, geo->tx_frames,
		       geo->tx_entries, geo->frame_size);
	/* Nobody consumes the tx ring yet: the first packet needs a kick. */
	WRITE_ONCE(*area->tx.flags, TUNX_RING_NEED_WAKEUP);
	return area;

free_area:
	kfree(area);
	return NULL;
}

static void tunx_area_release(struct kref *ref)
{
	struct tunx_area *area = container_of(ref, struct tunx_area, ref);

	vfree(area->base);
	kfree(area);
}

void tunx_area_put(struct tunx_area *area)
{
	if (area)
		kref_put(&area->ref, tunx_area_release);
}

/* fork and vma splits copy the vma: each copy holds its own reference. */
static void tunx_vm_open(struct vm_area_struct *vma)
{
	struct tunx_area *area = vma->vm_private_data;

	kref_get(&area->ref);
}

static void tunx_vm_close(struct vm_area_struct *vma)
{
	tunx_area_put(vma->vm_private_data);
}

static const struct vm_operations_struct tunx_vm_ops = {
	.open = tunx_vm_open,
	.close = tunx_vm_close,
};

/**
 * tunx_area_mmap - map @area into @vma
 * @area: the queue's area; the caller holds a reference for the duration
 * @vma: must be shared, at offset 0, no longer than the area
 *
 * Return: 0 with a new reference held by @vma, or -EINVAL.
 */
int tunx_area_mmap(struct tunx_area *area, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	int err;

	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff ||
	    len > PAGE_ALIGN(area->geo.mmap_size))
		return -EINVAL;
	err = remap_vmalloc_range(vma, area->base, 0);
	if (err)
		return err;
	kref_get(&area->ref);
	vma->vm_private_data = area;
	vma->vm_ops = &tunx_vm_ops;
	return 0;
}
