// SPDX-License-Identifier: GPL-2.0
/*
 * tunx-zc: tunx through its zero-copy API, beside the copying rows.
 *   rx  tunx_peek() hands out packets in their ring frames, tunx_release()
 *       gives them back: no copy into the reader's buffers;
 *   tx  devpath.c's tx_zero_copy(): tunx_reserve()/tunx_submit() at every
 *       batch size, the packet written straight into its frame.
 * Here too: the dispatch to the workers that bypass tunx_read() and
 * tunx_write() (bench_own_io()).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

unsigned int bench_io_batch(const struct bench_io *io)
{
	return io->r->batch ? io->r->batch : tunx_batch_size(io->dev);
}

/*
 * Reads every cache line of the packet once (one 8-byte word of each).
 * A reader that never looked at the bytes would make zero copy look free,
 * and no real reader is that: a VPN encrypts the payload, a router at
 * least pulls it through on its way out.  The copying rows touch every
 * line too, in their memcpy (tunx_read()) or copy_to_user (tun read()),
 * so the comparison is one pass over the data against one pass plus the
 * copy's writes.
 */
uint64_t bench_touch(const uint8_t *p, uint32_t len)
{
	uint64_t sum = 0, w;
	uint32_t i;

	for (i = 0; i + sizeof(w) <= len; i += 64) {
		memcpy(&w, p + i, sizeof(w));
		sum += w;
	}
	return sum;
}

/* Waits for packets as tunx_read() would: poll() on the device's fd
 * (which re-arms the kernel's wakeup); 100 ms at most, to see stop. */
static void zc_wait(struct bench_io *io)
{
	struct pollfd pfd = { .fd = tunx_fd(io->dev), .events = POLLIN };

	poll(&pfd, 1, 100);
}

static void zc_rx(struct bench_io *io)
{
	unsigned int i, n = bench_io_batch(io);
	struct tunx_pkt *p = calloc(n, sizeof(*p));
	int k;

	if (!p) {
		snprintf(io->error, sizeof(io->error), "zc rx: out of memory");
		return;
	}
	bench_io_start(io);
	while (!atomic_load_explicit(io->stop, memory_order_relaxed)) {
		k = tunx_peek(io->dev, p, n);
		if (k == -EAGAIN) {
			zc_wait(io);
			continue;
		}
		if (k < 0) {
			if (k != -ESHUTDOWN)
				snprintf(io->error, sizeof(io->error),
					 "tunx_peek: %s", tunx_strerror(k));
			break;
		}
		for (i = 0; i < (unsigned int)k; i++) {
			io->touched += bench_touch(p[i].data, p[i].len);
			io->bytes += p[i].len;
		}
		io->packets += (uint64_t)k;
		k = tunx_release(io->dev, (unsigned int)k);
		/* The run's stop shuts the device down, maybe between the
		 * peek and this release: the end, as it is for the peek. */
		if (k < 0) {
			if (k != -ESHUTDOWN)
				snprintf(io->error, sizeof(io->error),
					 "tunx_release: %s", tunx_strerror(k));
			break;
		}
	}
	free(p);
}

bench_io_fn *bench_own_io(const struct bench_run *r)
{
	if (r->backend == BK_TUNX_ZC && r->mode == MODE_RX)
		return zc_rx;
	return bench_uring_io(r);
}
