// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IO adapter (gonnect IO): one packet per call over a batched device.  A
 * read fetches a whole batch and hands it out one packet at a time, so the
 * batching still pays off under a one-packet API.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct tunx_io {
	struct tunx_device *dev;
	unsigned int batch, next, count;
	size_t buf_size, off;
	uint8_t **bufs;
	size_t *sizes;
	uint8_t *wbuf;		/* one packet with write headroom */
};

static void io_release(struct tunx_io *io)
{
	unsigned int i;

	for (i = 0; io->bufs && i < io->batch; i++)
		free(io->bufs[i]);
	free(io->bufs);
	free(io->sizes);
	free(io->wbuf);
	free(io);
}

int tunx_io_new(struct tunx_io **iop, struct tunx_device *dev)
{
	struct tunx_io *io;
	unsigned int i;

	if (tunx__shut(dev))
		return -ESHUTDOWN;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->dev = dev;
	io->batch = tunx_batch_size(dev);
	io->off = tunx_min_read_offset(dev);
	io->buf_size = io->off + TUNX_MAX_PACKET;
	io->bufs = calloc(io->batch, sizeof(*io->bufs));
	io->sizes = calloc(io->batch, sizeof(*io->sizes));
	io->wbuf = malloc(tunx_min_write_offset(dev) + TUNX_MAX_PACKET);
	if (!io->bufs || !io->sizes || !io->wbuf)
		goto err;
	for (i = 0; i < io->batch; i++) {
		io->bufs[i] = malloc(io->buf_size);
		if (!io->bufs[i])
			goto err;
	}
	*iop = io;
	return 0;
err:
	io_release(io);
	return -ENOMEM;
}

ssize_t tunx_io_read(struct tunx_io *io, void *buf, size_t len)
{
	size_t n;
	int r;

	/* Like every call after shutdown, even with packets kept. */
	if (atomic_load(&io->dev->closed))
		return -ESHUTDOWN;
	if (io->next == io->count) {
		r = tunx_read(io->dev, io->bufs, io->buf_size, io->sizes,
			      io->batch, io->off);
		if (r < 0)
			return r;
		io->next = 0;
		io->count = (unsigned int)r;
	}
	n = io->sizes[io->next];
	if (n > len)
		return -EMSGSIZE;	/* kept: retry with a bigger buffer */
	memcpy(buf, io->bufs[io->next++] + io->off, n);
	return (ssize_t)n;
}

ssize_t tunx_io_write(struct tunx_io *io, const void *buf, size_t len)
{
	size_t off = tunx_min_write_offset(io->dev);
	int r;

	if (len > TUNX_MAX_PACKET)
		return -EMSGSIZE;
	memcpy(io->wbuf + off, buf, len);
	r = tunx_write(io->dev, &io->wbuf, &len, 1, off);
	return r < 0 ? r : (ssize_t)len;
}

void tunx_io_free(struct tunx_io *io)
{
	if (io)
		io_release(io);
}
