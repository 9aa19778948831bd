// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * In-memory pipe: two devices joined by two queues (gonnect Pipe).  What
 * one end writes the other reads.  Closing either end closes both queues,
 * so the peer's blocked reader wakes and sees "closed" after draining.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include "queue.h"

struct pipe_shared {
	struct tunx_queue q[2];
	atomic_int refs;
};

struct pipe_end {
	struct tunx_device dev;
	struct pipe_shared *sh;
	int rx, tx;		/* indices into sh->q */
};

static struct pipe_end *to_end(struct tunx_device *dev)
{
	return (struct pipe_end *)dev;
}

static int pipe_read(struct tunx_device *dev, uint8_t *const *bufs,
		     size_t buf_size, size_t *sizes, unsigned int n,
		     size_t offset)
{
	struct pipe_end *e = to_end(dev);

	return tunx__queue_pop(&e->sh->q[e->rx], bufs, buf_size, sizes, n,
			       offset);
}

static int pipe_write(struct tunx_device *dev, uint8_t *const *bufs,
		      const size_t *sizes, unsigned int n, size_t offset)
{
	struct pipe_end *e = to_end(dev);
	int r = tunx__queue_push(&e->sh->q[e->tx], bufs, sizes, n, offset);

	/* Our own end is open (the generic layer checked): the peer left. */
	if (r == -ESHUTDOWN)
		return tunx__seterr(dev, -EPIPE, "pipe peer closed");
	return r;
}

static int pipe_poll_fd(struct tunx_device *dev, short events)
{
	struct pipe_end *e = to_end(dev);

	return events & POLLIN ? e->sh->q[e->rx].rd_efd : e->sh->q[e->tx].wr_efd;
}

static void pipe_shutdown(struct tunx_device *dev)
{
	struct pipe_end *e = to_end(dev);

	tunx__queue_close(&e->sh->q[0]);
	tunx__queue_close(&e->sh->q[1]);
}

static void pipe_destroy(struct tunx_device *dev)
{
	struct pipe_end *e = to_end(dev);
	struct pipe_shared *sh = e->sh;

	tunx__dev_free(dev);
	free(e);
	if (atomic_fetch_sub(&sh->refs, 1) != 1)
		return;
	tunx__queue_fini(&sh->q[0]);
	tunx__queue_fini(&sh->q[1]);
	free(sh);
}

static const struct tunx_device_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll_fd = pipe_poll_fd,
	.set_mtu = tunx__mem_set_mtu,
	.shutdown = pipe_shutdown,
	.destroy = pipe_destroy,
};

static int end_new(struct pipe_end **ep, struct pipe_shared *sh, int rx,
		   const struct tunx_config *cfg, const char *suffix)
{
	struct pipe_end *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	r = tunx__dev_init(&e->dev, &pipe_ops, TUNX_BACKEND_PIPE, cfg);
	if (r) {
		free(e);
		return r;
	}
	e->dev.pollout = e->dev.out_efd = true;	/* the queue's wr_efd */
	e->sh = sh;
	e->rx = rx;
	e->tx = !rx;
	snprintf(e->dev.name, sizeof(e->dev.name), "%.10s%s",
		 cfg && cfg->name ? cfg->name : "pipe", suffix);
	snprintf(e->dev.reason, sizeof(e->dev.reason), "in-memory pipe%s",
		 cfg && cfg->busy_poll ? ", busy poll off (no kernel side)" : "");
	*ep = e;
	return 0;
}

static int shared_new(struct pipe_shared **shp, const struct tunx_config *cfg)
{
	struct pipe_shared *sh = calloc(1, sizeof(*sh));
	unsigned int depth = cfg ? cfg->ring_entries : 0;
	int r;

	if (!sh)
		return -ENOMEM;
	r = tunx__queue_init(&sh->q[0], depth, TUNX_MAX_PACKET);
	if (r)
		goto err_free;
	r = tunx__queue_init(&sh->q[1], depth, TUNX_MAX_PACKET);
	if (r)
		goto err_q0;
	atomic_init(&sh->refs, 2);
	*shp = sh;
	return 0;
err_q0:
	tunx__queue_fini(&sh->q[0]);
err_free:
	free(sh);
	return r;
}

int tunx_pipe_open(struct tunx_device **a, struct tunx_device **b,
		   const struct tunx_config *cfg)
{
	struct tunx_config taken;
	struct pipe_shared *sh;
	struct pipe_end *ea, *eb;
	char why[160];
	int r;

	r = tunx__config_take(&taken, cfg, why, sizeof(why));
	if (r)
		return r;
	cfg = &taken;
	r = shared_new(&sh, cfg);
	if (r)
		return r;
	r = end_new(&ea, sh, 0, cfg, "a");
	if (r)
		goto err_shared;
	r = end_new(&eb, sh, 1, cfg, "b");
	if (r)
		goto err_a;
	r = tunx__events_new(&ea->dev, cfg);
	if (!r)
		r = tunx__events_new(&eb->dev, cfg);
	if (r) {
		tunx_close(&ea->dev);
		tunx_close(&eb->dev);
		return r;
	}
	*a = &ea->dev;
	*b = &eb->dev;
	return 0;
err_a:
	tunx__dev_free(&ea->dev);
	free(ea);
err_shared:
	tunx__queue_fini(&sh->q[0]);
	tunx__queue_fini(&sh->q[1]);
	free(sh);
	return r;
}
