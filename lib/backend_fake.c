// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fake device (tstun.NewFake): reads wait until the device is closed,
 * writes are accepted and forgotten.  For programs that need a device to
 * exist but no traffic, and for tests of the plumbing around one.
 */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

static int fake_read(struct tunx_device *dev, uint8_t *const *bufs,
		     size_t buf_size, size_t *sizes, unsigned int n,
		     size_t offset)
{
	(void)dev, (void)bufs, (void)buf_size, (void)sizes, (void)n,
	(void)offset;
	return -EAGAIN;
}

static int fake_write(struct tunx_device *dev, uint8_t *const *bufs,
		      const size_t *sizes, unsigned int n, size_t offset)
{
	(void)dev, (void)bufs, (void)sizes, (void)offset;
	return (int)n;
}

/* Only shutdown makes a fake readable: the wake fd is exactly that. */
static int fake_poll_fd(struct tunx_device *dev, short events)
{
	(void)events;
	return dev->wake_fd;
}

static void fake_destroy(struct tunx_device *dev)
{
	tunx__dev_free(dev);
	free(dev);
}

static const struct tunx_device_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.poll_fd = fake_poll_fd,
	.set_mtu = tunx__mem_set_mtu,
	.destroy = fake_destroy,
};

int tunx__fake_open(struct tunx_device **devp, const struct tunx_config *cfg)
{
	struct tunx_device *dev = calloc(1, sizeof(*dev));
	int r;

	if (!dev)
		return -ENOMEM;
	r = tunx__dev_init(dev, &fake_ops, TUNX_BACKEND_FAKE, cfg);
	if (r) {
		free(dev);
		return r;
	}
	snprintf(dev->name, sizeof(dev->name), "%s",
		 cfg->name ? cfg->name : "fake");
	*devp = dev;
	return 0;
}
