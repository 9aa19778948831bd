// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunx backend: attach to a device of the tunx module, set up its rings
 * and map them.  The hot path is ring.c: reads and writes are memcpy plus
 * index updates, and a syscall only when the kernel asked for a kick.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "ring.h"

struct tunx_dev {
	struct tunx_device dev;
	int fd;
	uint32_t attach_flags;
	uint8_t *map;
	size_t map_size;
	struct tunx_ring rx, tx;
};

static struct tunx_dev *to_tx(struct tunx_device *dev)
{
	return (struct tunx_dev *)dev;
}

static void kick(void *arg)
{
	struct tunx_dev *t = arg;

	/* A failed kick shows up as a stalled ring, and poll() kicks too. */
	if (ioctl(t->fd, TUNX_IOC_KICK) < 0)
		tunx__seterr(&t->dev, -errno, "TUNX_IOC_KICK: %s",
			     tunx_strerror(errno));
}

static int tunx_read_op(struct tunx_device *dev, uint8_t *const *bufs,
			size_t buf_size, size_t *sizes, unsigned int n,
			size_t offset)
{
	struct tunx_dev *t = to_tx(dev);
	struct tunx_pkt pkts[64];
	unsigned int k;
	int r;

	if (n > 64)
		n = 64;
	r = tunx__ring_peek(&t->rx, pkts, n);
	if (r < 0)
		return r;
	for (k = 0; k < (unsigned int)r; k++) {
		if (!tunx__room(buf_size, offset, pkts[k].len))
			break;
		memcpy(bufs[k] + offset, pkts[k].data, pkts[k].len);
		sizes[k] = pkts[k].len;
	}
	/* Un-peek what did not fit: it is read again by the next call. */
	t->rx.pending = k;
	if (!k)
		return tunx__seterr(dev, -EMSGSIZE, "read buffers too small");
	tunx__ring_release(&t->rx, k);
	return (int)k;
}

static int tunx_write_op(struct tunx_device *dev, uint8_t *const *bufs,
			 const size_t *sizes, unsigned int n, size_t offset)
{
	struct tunx_dev *t = to_tx(dev);
	struct tunx_pkt pkts[64];
	unsigned int k;
	int r;

	if (n > 64)
		n = 64;
	r = tunx__ring_reserve(&t->tx, pkts, n);
	if (r < 0)
		return r;
	for (k = 0; k < (unsigned int)r; k++) {
		if (!sizes[k] || sizes[k] > pkts[k].cap)
			break;
		memcpy(pkts[k].data, bufs[k] + offset, sizes[k]);
		pkts[k].len = (uint32_t)sizes[k];
	}
	if (!k) {
		t->tx.pending = 0;
		return tunx__seterr(dev, -EMSGSIZE, "packet of %zu bytes does not "
				    "fit a %u byte frame", sizes[0], t->tx.frame_size);
	}
	return tunx__ring_submit(&t->tx, pkts, k);
}

static int tunx_poll_fd(struct tunx_device *dev, short events)
{
	(void)events;
	return to_tx(dev)->fd;
}

static int tunx_peek_op(struct tunx_device *dev, struct tunx_pkt *p,
			unsigned int n)
{
	return tunx__ring_peek(&to_tx(dev)->rx, p, n);
}

static int tunx_release_op(struct tunx_device *dev, unsigned int n)
{
	return tunx__ring_release(&to_tx(dev)->rx, n);
}

static int tunx_reserve_op(struct tunx_device *dev, struct tunx_pkt *p,
			   unsigned int n)
{
	return tunx__ring_reserve(&to_tx(dev)->tx, p, n);
}

static int tunx_submit_op(struct tunx_device *dev, const struct tunx_pkt *p,
			  unsigned int n)
{
	return tunx__ring_submit(&to_tx(dev)->tx, p, n);
}

static void tunx_destroy(struct tunx_device *dev)
{
	struct tunx_dev *t = to_tx(dev);

	tunx__dev_free(dev);
	if (t->map)
		munmap(t->map, t->map_size);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static int tunx_queue_attach_op(struct tunx_device *dev, struct tunx_device **qp);

static const struct tunx_device_ops tunx_ops = {
	.read = tunx_read_op,
	.write = tunx_write_op,
	.poll_fd = tunx_poll_fd,
	.peek = tunx_peek_op,
	.release = tunx_release_op,
	.reserve = tunx_reserve_op,
	.submit = tunx_submit_op,
	.attach_queue = tunx_queue_attach_op,
	.destroy = tunx_destroy,
};

static void explain_open(struct tunx_diag *d, const char *path, int err)
{
	bool loaded = !access("/sys/module/tunx", F_OK);

	if ((err == ENOENT && !loaded) || err == ENXIO || err == ENODEV)
		snprintf(d->message, sizeof(d->message),
			 "the tunx module is not loaded (no %s; modprobe tunx)",
			 path);
	else if (err == ENOENT)
		snprintf(d->message, sizeof(d->message),
			 "the tunx module is loaded but %s is missing (a "
			 "container without the device node?)", path);
	else if (err == EACCES || err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "cannot open %s: %s", path, tunx_strerror(err));
	else
		snprintf(d->message, sizeof(d->message), "opening %s: %s", path,
			 tunx_strerror(err));
}

static void explain_attach(struct tunx_diag *d, const char *name, int err)
{
	if (err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH %s: EPERM: needs CAP_NET_ADMIN, or to be "
			 "the owner or group of the device", name);
	else if (err == ENOTTY)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH: the module does not speak ABI %d",
			 TUNX_ABI_VERSION);
	else if (err == EBUSY)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH %s: EBUSY: device full or in use", name);
	else
		snprintf(d->message, sizeof(d->message), "TUNX_IOC_ATTACH %s: %s",
			 name, tunx_strerror(err));
}

static int tunx_ownership(int fd, const struct tunx_config *cfg,
			  struct tunx_diag *d)
{
	/* By value, as TUNSETOWNER (the uapi says so). */
	if ((cfg->owner >= 0 &&
	     ioctl(fd, TUNX_IOC_SET_OWNER, (unsigned long)cfg->owner) < 0) ||
	    (cfg->group >= 0 &&
	     ioctl(fd, TUNX_IOC_SET_GROUP, (unsigned long)cfg->group) < 0)) {
		snprintf(d->message, sizeof(d->message),
			 "setting owner/group: %s", tunx_strerror(errno));
		return -errno;
	}
	return 0;
}

static int tunx_attach(struct tunx_dev *t, const struct tunx_config *cfg,
		       struct tunx_diag *d)
{
	const char *path = cfg->tunx_path ? cfg->tunx_path : TUNX_DEVICE_PATH;
	struct tunx_attach at = { .size = sizeof(at) };

	t->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		explain_open(d, path, errno);
		return -errno;
	}
	if (cfg->persist)
		at.flags |= TUNX_ATTACH_PERSIST;
	if (cfg->queues > 1)
		at.flags |= TUNX_ATTACH_MULTI_QUEUE;
	snprintf(at.name, sizeof(at.name), "%s", cfg->name ? cfg->name : "");
	if (ioctl(t->fd, TUNX_IOC_ATTACH, &at) < 0) {
		explain_attach(d, at.name[0] ? at.name : TUNX_DEFAULT_PATTERN,
			       errno);
		return -errno;
	}
	if (tunx_ownership(t->fd, cfg, d))
		return -errno;
	t->attach_flags = at.flags;
	memcpy(t->dev.name, at.name, sizeof(at.name));
	t->dev.name[IFNAMSIZ - 1] = 0;
	t->dev.ifindex = (int)at.ifindex;
	return 0;
}

static uint32_t frame_for(unsigned int mtu)
{
	uint32_t f = TUNX_FRAME_MIN_SIZE;

	while (f < mtu && f < TUNX_FRAME_MAX_SIZE)
		f <<= 1;
	return f;
}

static int tunx_map(struct tunx_dev *t, const struct tunx_config *cfg,
		    struct tunx_diag *d)
{
	struct tunx_ring_setup rs = { .size = sizeof(rs) };
	int r;

	rs.rx_entries = rs.tx_entries = cfg->ring_entries;
	rs.frame_size = frame_for(t->dev.mtu);
	if (ioctl(t->fd, TUNX_IOC_SETUP_RINGS, &rs) < 0) {
		r = -errno;
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_SETUP_RINGS (%u entries, %u byte frames): %s",
			 rs.rx_entries, rs.frame_size, tunx_strerror(r));
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
	r = tunx__ring_init(&t->rx, t->map, rs.mmap_size, &rs.rx, rs.rx_frames,
			    rs.rx_entries, rs.frame_size);
	if (!r)
		r = tunx__ring_init(&t->tx, t->map, rs.mmap_size, &rs.tx,
				    rs.tx_frames, rs.tx_entries, rs.frame_size);
	if (r)
		snprintf(d->message, sizeof(d->message),
			 "ring offsets from the module lie outside the mapping");
	t->rx.kick = t->tx.kick = kick;
	t->rx.kick_arg = t->tx.kick_arg = t;
	return r;
}

static int tunx_setup(struct tunx_dev *t, const struct tunx_config *cfg,
		      struct tunx_diag *d)
{
	int r = tunx_attach(t, cfg, d);

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
	snprintf(d->message, sizeof(d->message),
		 "tunx: %s, %u/%u ring entries, %u byte frames", t->dev.name,
		 t->rx.entries, t->tx.entries, t->rx.frame_size);
	return 0;
}

int tunx__tunx_open(struct tunx_device **devp, const struct tunx_config *cfg,
		    struct tunx_diag *d)
{
	struct tunx_dev *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	r = tunx__dev_init(&t->dev, &tunx_ops, TUNX_BACKEND_TUNX, cfg);
	if (!r)
		r = tunx_setup(t, cfg, d);
	if (r) {
		tunx_destroy(&t->dev);
		return r;
	}
	if (t->dev.batch > t->rx.entries)
		t->dev.batch = t->rx.entries;
	if (t->dev.batch > 64)
		t->dev.batch = 64;	/* one stack array per call */
	*devp = &t->dev;
	return 0;
}

static int tunx_queue_attach_op(struct tunx_device *dev, struct tunx_device **qp)
{
	struct tunx_dev *t = to_tx(dev);
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (!(t->attach_flags & TUNX_ATTACH_MULTI_QUEUE))
		return tunx__seterr(dev, -EINVAL,
				    "%s was not opened with queues > 1", dev->name);
	tunx_config_init(&cfg);
	cfg.name = dev->name;
	cfg.queues = 2;
	cfg.ring_entries = t->rx.entries;
	cfg.nonblock = dev->nonblock;
	r = tunx__tunx_open(qp, &cfg, &d);
	if (r)
		return tunx__seterr(dev, r, "%s", d.message);
	return 0;
}
