// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunx backend: attach to a device of the tunx module (tunx_attach.c), set
 * up its rings and map them.  The hot path is ring.c and tunx_rw.c: reads
 * and writes are memcpy plus index updates, and a syscall only when the
 * kernel asked for a kick.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "backend_tunx.h"

/*
 * ABI 2 packs packets in each direction's area, so slots cost 32 bytes and
 * an offload queue can have many: 64 KB super-packets and 40-byte ACKs
 * share the default 512 KiB area, 1.06 MiB mapped per queue in all (ABI 1
 * mapped 16 MiB for 128 frames of 64 KB).
 */
#define OFFLOAD_DEF_ENTRIES	1024

static void kick(void *arg)
{
	struct tunx_dev *t = arg;

	/* A failed kick shows up as a stalled ring, and poll() kicks too. */
	if (ioctl(t->fd, TUNX_IOC_KICK) < 0)
		tunx__seterr(&t->dev, -errno, "TUNX_IOC_KICK: %s",
			     tunx_strerror(errno));
}

static int tunx_poll_fd(struct tunx_device *dev, short events)
{
	(void)events;
	return tunx__to_tx(dev)->fd;
}

static bool tunx_ready(struct tunx_device *dev, short events)
{
	struct tunx_dev *t = tunx__to_tx(dev);

	bool r;

	if (events & POLLIN)
		return tunx__split_more(&t->split) || tunx__ring_can_peek(&t->rx);
	/* Writers of other threads own the tx ring's private indices. */
	if (pthread_mutex_trylock(&t->txlock))
		return false;
	r = tunx__ring_can_reserve(&t->tx);
	pthread_mutex_unlock(&t->txlock);
	return r;
}

/*
 * A blocking read of @n packets is about to sleep (@n > 0) or is awake
 * again (0): ask the kernel to wake it once @n packets wait, or once the
 * first has waited cfg's rx_wake_usecs (0: the device's rx-usecs),
 * instead of at each packet.  Reset after, so a caller's own poll() on
 * tunx_fd() wakes at the first packet.  No fence: the kernel bounds a
 * stale request.
 */
static void tunx_read_sleep(struct tunx_device *dev, unsigned int n)
{
	struct tunx_dev *t = tunx__to_tx(dev);

	if (t->rx_wake)
		__atomic_store_n(&t->rx_wake->packets, n, __ATOMIC_RELAXED);
}

static int tunx_peek_op(struct tunx_device *dev, struct tunx_pkt *p,
			unsigned int n)
{
	return tunx__ring_peek(&tunx__to_tx(dev)->rx, p, n);
}

static int tunx_release_op(struct tunx_device *dev, unsigned int n)
{
	return tunx__ring_release(&tunx__to_tx(dev)->rx, n);
}

/* What tunx_reserve() gives a packet: a plain one, or a super-packet. */
static uint32_t chunk_for(const struct tunx_dev *t, uint32_t max_packet)
{
	uint32_t c = (uint32_t)tunx__align_packet(tunx__mtu_load(&t->dev));

	if (tunx__tx_offload(t) || c > max_packet)
		return max_packet;
	return c < 2048 ? 2048 : c;
}

static int tunx_reserve_op(struct tunx_device *dev, struct tunx_pkt *p,
			   unsigned int n)
{
	struct tunx_dev *t = tunx__to_tx(dev);

	/* The MTU may have been raised since open: give what it is now. */
	__atomic_store_n(&t->tx.chunk, chunk_for(t, t->tx.max_packet),
			 __ATOMIC_RELAXED);
	return tunx__ring_reserve(&t->tx, p, n);
}

static int tunx_submit_op(struct tunx_device *dev, const struct tunx_pkt *p,
			  unsigned int n)
{
	int r = tunx__ring_submit(&tunx__to_tx(dev)->tx, p, n);

	if (r == -EINVAL)
		return tunx__seterr(dev, r, "submit: more than reserved, a len "
				    "of 0 or above what reserve gave, or offload "
				    "metadata on a device without offload");
	return r;
}

static void tunx_destroy(struct tunx_device *dev)
{
	struct tunx_dev *t = tunx__to_tx(dev);

	tunx__dev_free(dev);
	pthread_mutex_destroy(&t->txlock);
	tunx__ring_uninit(&t->tx);
	if (t->map)
		munmap(t->map, t->map_size);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t);
}

static int tunx_queue_attach_op(struct tunx_device *dev, struct tunx_device **qp);

static const struct tunx_device_ops tunx_ops = {
	.read = tunx__tunx_read,
	.write = tunx__tunx_write,
	.poll_fd = tunx_poll_fd,
	.ready = tunx_ready,
	.read_sleep = tunx_read_sleep,
	.peek = tunx_peek_op,
	.release = tunx_release_op,
	.reserve = tunx_reserve_op,
	.submit = tunx_submit_op,
	.attach_queue = tunx_queue_attach_op,
	.destroy = tunx_destroy,
};

/*
 * Area bytes: ring_entries packets of the MTU on a plain device (512 KiB,
 * the kernel's default, for 256 of 1500), the default for offload, where
 * one 64 KB super-packet stands for 45 such packets.
 */
static uint32_t area_for(const struct tunx_dev *t, uint32_t entries)
{
	uint64_t want = (uint64_t)entries *
			tunx__align_packet(t->dev.mtu ? t->dev.mtu : 1500);
	uint32_t a = TUNX_AREA_DEF_SIZE;

	if (tunx__tx_offload(t))
		return a;
	while (a < want && a < TUNX_AREA_MAX_SIZE)
		a <<= 1;
	return a;
}

static void geometry(const struct tunx_dev *t, const struct tunx_config *cfg,
		     struct tunx_ring_setup *rs)
{
	uint32_t entries = cfg->ring_entries;

	if (!entries)
		entries = tunx__tx_offload(t) ? OFFLOAD_DEF_ENTRIES :
						TUNX_RING_DEF_ENTRIES;
	rs->abi_version = TUNX_ABI_VERSION;
	/* Splitting a super-packet then costs no pass of our own over it. */
	if (tunx__tx_offload(t) && t->features & TUNX_FEAT_SEG_SUMS)
		rs->flags |= TUNX_SETUP_SEG_SUMS;
	rs->rx_entries = rs->tx_entries = entries;
	rs->area_size = area_for(t, entries);
}

static int wake_words(struct tunx_dev *t, const struct tunx_ring_setup *rs)
{
	/* A module without them leaves the words unused: wake at each packet. */
	if (t->features & TUNX_FEAT_RX_WAKE) {
		if (rs->rx_wake > rs->mmap_size - sizeof(*t->rx_wake) ||
		    rs->rx_wake % sizeof(uint32_t))
			return -EPROTO;
		t->rx_wake = (struct tunx_rx_wake *)(t->map + rs->rx_wake);
		/* The kernel reads it at each held wakeup; set once. */
		__atomic_store_n(&t->rx_wake->usecs, t->rx_wake_usecs,
				 __ATOMIC_RELAXED);
	}
	if (t->features & TUNX_FEAT_TX_WAKE) {
		if (rs->tx_wake > rs->mmap_size - sizeof(struct tunx_tx_wake) ||
		    rs->tx_wake % sizeof(uint32_t))
			return -EPROTO;
		t->tx.wait_for = &((struct tunx_tx_wake *)
				   (t->map + rs->tx_wake))->consumer;
	}
	return 0;
}

static int rings_init(struct tunx_dev *t, const struct tunx_ring_setup *rs)
{
	int r = tunx__ring_init(&t->rx, t->map, rs->mmap_size, &rs->rx,
				rs->rx_area, rs->rx_entries, rs->area_size,
				rs->max_packet, false);

	if (!r)
		r = tunx__ring_init(&t->tx, t->map, rs->mmap_size, &rs->tx,
				    rs->tx_area, rs->tx_entries, rs->area_size,
				    rs->max_packet, true);
	if (!r)
		r = wake_words(t, rs);
	t->tx.chunk = chunk_for(t, rs->max_packet);
	t->rx.offload = t->tx.offload = tunx__tx_offload(t);
	t->rx.seg_sums = rs->flags & TUNX_SETUP_SEG_SUMS;
	t->rx.kick = t->tx.kick = kick;
	t->rx.kick_arg = t->tx.kick_arg = t;
	return r;
}

static int tunx_map(struct tunx_dev *t, const struct tunx_config *cfg,
		    struct tunx_diag *d)
{
	struct tunx_ring_setup rs = { .size = sizeof(rs) };
	int r;

	geometry(t, cfg, &rs);
	if (ioctl(t->fd, TUNX_IOC_SETUP_RINGS, &rs) < 0) {
		r = -errno;
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_SETUP_RINGS (%u entries, %u byte areas): %s",
			 rs.rx_entries, rs.area_size, tunx_strerror(r));
		return r;
	}
	t->map = mmap(NULL, rs.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->fd, 0);
	if (t->map == MAP_FAILED) {
		r = -errno;
		t->map = NULL;
		snprintf(d->message, sizeof(d->message), "mmap of %llu bytes: %s",
			 (unsigned long long)rs.mmap_size, tunx_strerror(r));
		return r;
	}
	t->map_size = rs.mmap_size;
	r = rings_init(t, &rs);
	if (r)
		snprintf(d->message, sizeof(d->message), "%s",
			 r == -ENOMEM ? "out of memory" :
			 "ring offsets from the module lie outside the mapping");
	return r;
}

/* Why offload and busy polling are on or off, for tunx_backend_reason(). */
static void explain_hints(struct tunx_dev *t, const struct tunx_config *cfg)
{
	bool off = tunx__tx_offload(t);
	bool busy = t->attach_flags & TUNX_ATTACH_BUSY_POLL;
	const char *o = off ? "TSO+USO" : !cfg->offload ? "off (disabled in config)"
			: !(t->features & TUNX_FEAT_OFFLOAD) ?
			"off (the module lacks TUNX_FEAT_OFFLOAD)"
			: "off (the device exists without it)";
	const char *b = busy && cfg->busy_poll ? "on" : !cfg->busy_poll ? "off"
			: !(t->features & TUNX_FEAT_BUSY_POLL) ?
			"off (the module lacks TUNX_FEAT_BUSY_POLL)"
			: "off (the device exists without it)";

	snprintf(t->why, sizeof(t->why), "offload %s, busy poll %s", o, b);
	if (busy && cfg->busy_poll)
		t->dev.busy_ns = (int64_t)(cfg->busy_poll_usecs ?
			cfg->busy_poll_usecs : TUNX_BUSY_POLL_DEF_USECS) * 1000;
}

static int tunx_setup(struct tunx_dev *t, const struct tunx_config *cfg,
		      struct tunx_diag *d)
{
	int r = tunx__tunx_attach(t, cfg, d);

	if (r)
		return r;
	/* Frames must hold the MTU, so the MTU is set before the rings. */
	if (cfg->mtu) {
		r = tunx_link_set_mtu(&t->dev, cfg->mtu);
		if (r) {
			snprintf(d->message, sizeof(d->message),
				 "setting MTU %u on %s: %s", cfg->mtu,
				 t->dev.name, tunx_strerror(r));
			return r;
		}
	}
	r = tunx__nl_link_state(t->dev.ifindex, &t->dev.mtu, NULL, NULL);
	if (!r)
		r = tunx_map(t, cfg, d);
	if (r)
		return r;
	explain_hints(t, cfg);
	snprintf(d->message, sizeof(d->message),
		 "tunx: %s, %u/%u ring entries, %u KB areas (%zu KB mapped), %s",
		 t->dev.name, t->rx.entries, t->tx.entries, t->rx.area_size >> 10,
		 t->map_size >> 10, t->why);
	return 0;
}

/* Offload reads may split one descriptor into 44 packets: batch as tun. */
static void batch_limit(struct tunx_dev *t, const struct tunx_config *cfg)
{
	unsigned int max = t->rx.entries < 64 ? t->rx.entries : 64;

	if (tunx__tx_offload(t)) {
		max = TUNX_OFFLOAD_BATCH;
		if (!cfg->batch)
			t->dev.batch = TUNX_OFFLOAD_BATCH;
	}
	if (t->dev.batch > max)
		t->dev.batch = max;
}

int tunx__tunx_open(struct tunx_device **devp, const struct tunx_config *cfg,
		    struct tunx_diag *d)
{
	struct tunx_dev *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->rx_wake_usecs = cfg->rx_wake_usecs;
	pthread_mutex_init(&t->txlock, NULL);
	r = tunx__dev_init(&t->dev, &tunx_ops, TUNX_BACKEND_TUNX, cfg);
	if (!r && cfg->tunx_path && !(t->path = strdup(cfg->tunx_path)))
		r = -ENOMEM;
	if (!r)
		r = tunx_setup(t, cfg, d);
	if (r) {
		tunx_destroy(&t->dev);
		return r;
	}
	t->dev.pollout = true;	/* the module wakes EPOLLOUT when tx frees */
	batch_limit(t, cfg);
	*devp = &t->dev;
	return 0;
}

static int tunx_queue_attach_op(struct tunx_device *dev, struct tunx_device **qp)
{
	struct tunx_dev *t = tunx__to_tx(dev);
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (!(t->attach_flags & TUNX_ATTACH_MULTI_QUEUE))
		return tunx__seterr(dev, -EINVAL,
				    "%s was not opened with queues > 1", dev->name);
	tunx_config_init(&cfg);
	cfg.name = dev->name;
	cfg.tunx_path = t->path;
	cfg.queues = 2;
	cfg.ring_entries = t->rx.entries;
	cfg.nonblock = dev->nonblock;
	cfg.offload = tunx__tx_offload(t);
	cfg.busy_poll = dev->busy_ns > 0;
	cfg.busy_poll_usecs = (unsigned int)(dev->busy_ns / 1000);
	cfg.batch = dev->batch;
	cfg.rx_wake_usecs = t->rx_wake_usecs;
	r = tunx__tunx_open(qp, &cfg, &d);
	if (r)
		return tunx__seterr(dev, r, "%s", d.message);
	return 0;
}
