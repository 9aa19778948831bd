// SPDX-License-Identifier: GPL-2.0
/*
 * Shared areas: allocation (charged to the caller's memory cgroup), the
 * kernel's private ring views, and mmap with a reference per vma so pages
 * are freed only after the last unmap, from a workqueue.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "rings.h"

static void tunx_ring_init(struct tunx_ring *ring, u8 *base,
			   const struct tunx_ring_offsets *off, u64 area,
			   u32 entries, const struct tunx_geometry *geo)
{
	ring->producer = (u32 *)(base + off->producer);
	ring->consumer = (u32 *)(base + off->consumer);
	ring->flags = (u32 *)(base + off->flags);
	ring->descs = (struct tunx_desc *)(base + off->descs);
	ring->area = base + area;
	ring->entries = entries;
	ring->mask = entries - 1;
	ring->area_size = geo->area_size;
	ring->max_packet = geo->max_packet;
	ring->pos = 0;
	ring->head = 0;
	ring->released = 0;
	ring->cached_cons = 0;
	ring->published = 0;
	ring->wake = NULL;
	ring->starts = NULL;
	ring->tx_wake = NULL;
}

/*
 * Ring memory is charged to the memory cgroup of the task that sets the
 * rings up, as io_uring charges its rings: a user in a container pays for
 * what it makes the kernel hold.  Past the cgroup's limit, or when the
 * machine has no memory, setup fails with -ENOMEM: no OOM killer
 * (__GFP_RETRY_MAYFAIL), no warning with a stack dump (__GFP_NOWARN).
 */
#define TUNX_AREA_GFP	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | \
			 __GFP_RETRY_MAYFAIL)

/*
 * The same for the area's bookkeeping: its struct, the list of its pages
 * and the rx ring's starts.  kvmalloc() gives a large list's vmalloc
 * fallback these flags and it charges page by page, where plain
 * GFP_KERNEL_ACCOUNT could OOM-kill in a cgroup at its limit.
 * __GFP_NORETRY rather than __GFP_RETRY_MAYFAIL: kvmalloc()'s first,
 * contiguous try of a list must not compact memory for it.
 */
#define TUNX_LIST_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_NORETRY)

static struct workqueue_struct *tunx_area_wq;

static void tunx_area_free_pages(struct page **pages, unsigned int n)
{
	while (n--)
		__free_page(pages[n]);
	kvfree(pages);
}

/*
 * Page by page rather than vmalloc_user(), which takes no gfp flags: the
 * same VM_USERMAP mapping, with the pages at hand for tunx_vm_fault().
 */
static int tunx_area_alloc(struct tunx_area *area, size_t size)
{
	unsigned int n = PAGE_ALIGN(size) >> PAGE_SHIFT, i;
	struct page **pages;

	pages = kvcalloc(n, sizeof(*pages), TUNX_LIST_GFP);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* A killed caller stops taking memory it will never use. */
		if (fatal_signal_pending(current))
			break;
		pages[i] = alloc_page(TUNX_AREA_GFP);
		if (!pages[i])
			break;
		cond_resched();
	}
	if (i == n)
		area->base = vmap(pages, n, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!area->base) {
		tunx_area_free_pages(pages, i);
		return -ENOMEM;
	}
	area->pages = pages;
	area->nr_pages = n;
	return 0;
}

/**
 * tunx_area_create - allocate a zeroed shared area laid out by @geo
 * @geo: geometry from tunx_geometry_compute()
 *
 * Context: process context, no RTNL: this may zero 256 MiB.
 * Return: the area with one reference, or NULL.
 */
struct tunx_area *tunx_area_create(const struct tunx_geometry *geo)
{
	struct tunx_area *area;
	u32 *starts;

	area = kzalloc(sizeof(*area), TUNX_LIST_GFP);
	if (!area)
		return NULL;
	/* Private, but made for the caller: charged like the shared pages. */
	starts = kvcalloc(geo->rx_entries, sizeof(*starts), TUNX_LIST_GFP);
	if (!starts)
		goto free_area;
	if (tunx_area_alloc(area, geo->mmap_size))
		goto free_starts;
	kref_init(&area->ref);
	area->geo = *geo;
	tunx_ring_init(&area->rx, area->base, &geo->rx, geo->rx_area,
		       geo->rx_entries, geo);
	tunx_ring_init(&area->tx, area->base, &geo->tx, geo->tx_area,
		       geo->tx_entries, geo);
	area->rx.starts = starts;
	area->rx.wake = (struct tunx_rx_wake *)(area->base + geo->rx_wake);
	area->tx.tx_wake = (struct tunx_tx_wake *)(area->base + geo->tx_wake);
	/* Nobody consumes the tx ring yet: the first packet needs a kick. */
	WRITE_ONCE(*area->tx.flags, TUNX_RING_NEED_WAKEUP);
	return area;

free_starts:
	kvfree(starts);
free_area:
	kfree(area);
	return NULL;
}

static void tunx_area_free(struct work_struct *work)
{
	struct tunx_area *area = container_of(work, struct tunx_area, free);

	vunmap(area->base);
	tunx_area_free_pages(area->pages, area->nr_pages);
	kvfree(area->rx.starts);
	kfree(area);
}

/*
 * The last reference goes under RTNL (detach, link delete), mmap_lock
 * (munmap) or neither; freeing up to 256 MiB waits for none of them.
 */
static void tunx_area_release(struct kref *ref)
{
	struct tunx_area *area = container_of(ref, struct tunx_area, ref);

	INIT_WORK(&area->free, tunx_area_free);
	queue_work(tunx_area_wq, &area->free);
}

void tunx_area_put(struct tunx_area *area)
{
	if (area)
		kref_put(&area->ref, tunx_area_release);
}

int tunx_rings_init(void)
{
	tunx_area_wq = alloc_workqueue("tunx_area", WQ_UNBOUND, 0);
	return tunx_area_wq ? 0 : -ENOMEM;
}

/* After the last area was put: frees what is still queued. */
void tunx_rings_uninit(void)
{
	destroy_workqueue(tunx_area_wq);
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

/*
 * mmap maps every page at once; this brings a page back after
 * MADV_DONTNEED (or anything else that zapped it) instead of SIGBUS.
 */
static vm_fault_t tunx_vm_fault(struct vm_fault *vmf)
{
	struct tunx_area *area = vmf->vma->vm_private_data;

	if (vmf->pgoff >= area->nr_pages)
		return VM_FAULT_SIGBUS;
	vmf->page = area->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct tunx_vm_ops = {
	.open = tunx_vm_open,
	.close = tunx_vm_close,
	.fault = tunx_vm_fault,
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
