// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Callback wrapper (gonnect CallbackTUN): observe every packet read from
 * and written to a device without changing the traffic.
 */
#include <stdlib.h>
#include "wrap.h"

struct cb_dev {
	struct tunx_device dev;
	tunx_pkt_fn on_read, on_write;
	void *arg;
};

static struct cb_dev *to_cb(struct tunx_device *dev)
{
	return (struct cb_dev *)dev;
}

static int cb_read(struct tunx_device *dev, uint8_t *const *bufs,
		   size_t buf_size, size_t *sizes, unsigned int n, size_t offset)
{
	struct cb_dev *c = to_cb(dev);
	int r = dev->inner->ops->read(dev->inner, bufs, buf_size, sizes, n,
				      offset);
	int i;

	for (i = 0; c->on_read && i < r; i++)
		c->on_read(c->arg, bufs[i] + offset, sizes[i]);
	return r;
}

static int cb_write(struct tunx_device *dev, uint8_t *const *bufs,
		    const size_t *sizes, unsigned int n, size_t offset)
{
	struct cb_dev *c = to_cb(dev);
	int r = dev->inner->ops->write(dev->inner, bufs, sizes, n, offset);
	int i;

	/* Report what was taken, once: a retried packet is not seen twice. */
	for (i = 0; c->on_write && i < r; i++)
		c->on_write(c->arg, bufs[i] + offset, sizes[i]);
	return r;
}

static int cb_poll_fd(struct tunx_device *dev, short events)
{
	return dev->inner->ops->poll_fd(dev->inner, events);
}

static int cb_user_fd(struct tunx_device *dev)
{
	return tunx__user_fd(dev->inner);
}

static bool cb_ready(struct tunx_device *dev, short events)
{
	struct tunx_device *in = dev->inner;

	return in->ops->ready && in->ops->ready(in, events);
}

static void cb_destroy(struct tunx_device *dev)
{
	tunx__wrap_fini(dev);
	free(to_cb(dev));
}

static const struct tunx_device_ops cb_ops = {
	.read = cb_read,
	.write = cb_write,
	.poll_fd = cb_poll_fd,
	.user_fd = cb_user_fd,
	.ready = cb_ready,
	.shutdown = tunx__wrap_shutdown,
	.destroy = cb_destroy,
};

int tunx_callback_wrap(struct tunx_device **wp, struct tunx_device *inner,
		       tunx_pkt_fn on_read, tunx_pkt_fn on_write, void *arg)
{
	struct cb_dev *c;
	int r;

	if (!inner)
		return -EINVAL;
	if (tunx__shut(inner))
		return -ESHUTDOWN;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = tunx__wrap_init(&c->dev, &cb_ops, inner);
	if (r) {
		free(c);
		return r;
	}
	c->on_read = on_read;
	c->on_write = on_write;
	c->arg = arg;
	*wp = &c->dev;
	return 0;
}
