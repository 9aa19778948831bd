// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Channel: a loopback memory device (gonnect Channel).  Writes queue up and
 * come back out of reads, in order; handy as a sink/source in tests and as
 * the in-process half of a forwarder.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include "queue.h"

struct channel {
	struct tunx_device dev;
	struct tunx_queue q;
};

static struct channel *to_chan(struct tunx_device *dev)
{
	return (struct channel *)dev;
}

static int chan_read(struct tunx_device *dev, uint8_t *const *bufs,
		     size_t buf_size, size_t *sizes, unsigned int n,
		     size_t offset)
{
	return tunx__queue_pop(&to_chan(dev)->q, bufs, buf_size, sizes, n,
			       offset);
}

static int chan_write(struct tunx_device *dev, uint8_t *const *bufs,
		      const size_t *sizes, unsigned int n, size_t offset)
{
	return tunx__queue_push(&to_chan(dev)->q, bufs, sizes, n, offset);
}

static int chan_poll_fd(struct tunx_device *dev, short events)
{
	struct channel *c = to_chan(dev);

	return events & POLLIN ? c->q.rd_efd : c->q.wr_efd;
}

static void chan_shutdown(struct tunx_device *dev)
{
	tunx__queue_close(&to_chan(dev)->q);
}

static void chan_destroy(struct tunx_device *dev)
{
	struct channel *c = to_chan(dev);

	tunx__queue_fini(&c->q);
	tunx__dev_free(dev);
	free(c);
}

static const struct tunx_device_ops chan_ops = {
	.read = chan_read,
	.write = chan_write,
	.poll_fd = chan_poll_fd,
	.set_mtu = tunx__mem_set_mtu,
	.shutdown = chan_shutdown,
	.destroy = chan_destroy,
};

int tunx__channel_open(struct tunx_device **devp, const struct tunx_config *cfg)
{
	struct channel *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = tunx__dev_init(&c->dev, &chan_ops, TUNX_BACKEND_CHANNEL, cfg);
	if (r)
		goto err_free;
	r = tunx__queue_init(&c->q, cfg->ring_entries, TUNX_MAX_PACKET);
	if (r)
		goto err_dev;
	c->dev.pollout = c->dev.out_efd = true;	/* the queue's wr_efd */
	snprintf(c->dev.name, sizeof(c->dev.name), "%s",
		 cfg->name ? cfg->name : "channel");
	*devp = &c->dev;
	return 0;
err_dev:
	tunx__dev_free(&c->dev);
err_free:
	free(c);
	return r;
}
