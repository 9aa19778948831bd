/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tunx backend's device, shared by its three files: backend_tunx.c
 * (open, rings, ops), tunx_attach.c (feature probe and attach) and
 * tunx_rw.c (read with split, write with coalesce).
 */
#ifndef TUNX_BACKEND_TUNX_H
#define TUNX_BACKEND_TUNX_H

#include "gso.h"
#include "ring.h"

struct tunx_dev {
	struct tunx_device dev;
	int fd;
	uint32_t attach_flags;	/* TUNX_ATTACH_* properties of the device */
	uint64_t features;	/* TUNX_FEAT_* of the module */
	uint8_t *map;
	size_t map_size;
	struct tunx_ring rx, tx;
	/* The rx ring's wakeup request (uapi struct tunx_rx_wake); NULL on
	 * a module without TUNX_FEAT_RX_WAKE.  The reader writes it. */
	struct tunx_rx_wake *rx_wake;
	unsigned int rx_wake_usecs;	/* cfg's, written to rx_wake->usecs */
	/* tunx_write() from many threads: the tx ring has one producer.
	 * Held for the copy into the frames only, per queue. */
	pthread_mutex_t txlock;
	/* rx: the descriptor being split; while it has packets left it stays
	 * peeked (its frame is ours) and it is the ring's only pending one. */
	struct tunx_split split;
	char why[128];		/* offload and busy poll choices, for humans */
	char *path;		/* cfg->tunx_path, for tunx_attach_queue() */
};

static inline struct tunx_dev *tunx__to_tx(struct tunx_device *dev)
{
	return (struct tunx_dev *)dev;
}

static inline bool tunx__tx_offload(const struct tunx_dev *t)
{
	return t->attach_flags & TUNX_ATTACH_OFFLOAD;
}

/* tunx_attach.c: open the control file, attach (create) the device. */
TUNX_HIDDEN int tunx__tunx_attach(struct tunx_dev *t,
				  const struct tunx_config *cfg,
				  struct tunx_diag *d);

/* tunx_rw.c: the backend's read and write ops. */
TUNX_HIDDEN int tunx__tunx_read(struct tunx_device *dev, uint8_t *const *bufs,
				size_t buf_size, size_t *sizes, unsigned int n,
				size_t offset);
TUNX_HIDDEN int tunx__tunx_write(struct tunx_device *dev,
				 uint8_t *const *bufs, const size_t *sizes,
				 unsigned int n, size_t offset);

#endif
