// SPDX-License-Identifier: GPL-2.0
/*
 * tun driven through io_uring, the baseline a user who wants batching on
 * stock tun would pick instead of tunx:
 *   tun-uring   a batch of IORING_OP_WRITE (tx) or IORING_OP_READ (rx)
 *               SQEs on the tun fd, one io_uring_enter() per batch;
 *   tun-sqpoll  the same with IORING_SETUP_SQPOLL: a kernel thread
 *               submits, the worker only waits for completions.
 * The device is plain tun, attached by tun.c and adopted by libtunx; the
 * worker is the only one reading or writing its fd (one queue).
 * The fd is non-blocking, which io_uring handles by arming a poll when a
 * read finds nothing (no io-wq thread blocks in read()).  The fd is
 * registered (IOSQE_FIXED_FILE), as a user after speed would do.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct uring {
	struct io_uring ring;
	int fd;			/* the tun fd, ours (bench_tun_take_fd) */
	unsigned int n;		/* SQEs per batch, reads in flight */
	size_t cap;		/* bytes per buffer */
	uint8_t *bufs;		/* n buffers of cap bytes */
	bool up, sqpoll;
};

/*
 * Without SQPOLL: COOP_TASKRUN and SINGLE_ISSUER (5.19, 6.0) spare the
 * completions an IPI and a lock, the flags a tuned user sets; a kernel
 * without them gets a plain ring.  SQPOLL: its thread sleeps after
 * 50 ms without work.
 */
static int uring_init(struct uring *u, struct bench_io *io, bool sqpoll)
{
	struct io_uring_params p;
	int e;

	memset(&p, 0, sizeof(p));
	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 50;
	} else {
		p.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
	}
	e = io_uring_queue_init_params(u->n, &u->ring, &p);
	if (e == -EINVAL && !sqpoll) {
		memset(&p, 0, sizeof(p));
		e = io_uring_queue_init_params(u->n, &u->ring, &p);
	}
	if (e) {
		snprintf(io->error, sizeof(io->error), "io_uring setup%s: %s",
			 sqpoll ? " (SQPOLL)" : "", strerror(-e));
		return e;
	}
	u->up = true;
	e = u->fd < 0 ? u->fd : io_uring_register_files(&u->ring, &u->fd, 1);
	if (e)
		snprintf(io->error, sizeof(io->error), "io_uring: registering "
			 "the tun fd: %s", strerror(-e));
	return e;
}

static int uring_open(struct uring *u, struct bench_io *io)
{
	int mtu = tunx_mtu(io->dev);

	u->fd = bench_tun_take_fd(io->dev);
	u->n = bench_io_batch(io);
	u->cap = mtu > 0 ? (size_t)mtu : 65535;
	u->bufs = malloc(u->n * u->cap);
	if (!u->bufs) {
		snprintf(io->error, sizeof(io->error), "io_uring: out of memory");
		return -ENOMEM;
	}
	u->sqpoll = io->r->backend == BK_TUN_SQPOLL;
	return uring_init(u, io, u->sqpoll);
}

static void uring_close(struct uring *u)
{
	if (u->up)
		io_uring_queue_exit(&u->ring);	/* cancels reads in flight */
	if (u->fd >= 0)
		close(u->fd);
	free(u->bufs);
}

static uint8_t *buf(struct uring *u, unsigned int i)
{
	return u->bufs + (size_t)i * u->cap;
}

/*
 * At most n SQEs are queued between two enters, but SQPOLL's thread
 * posts a batch's completions before it moves the SQ head past it: right
 * after the batch completed the SQ can still look full.  Wait for room
 * then (IORING_ENTER_SQ_WAIT); without SQPOLL, submit what is queued.
 */
static struct io_uring_sqe *sqe_get(struct uring *u)
{
	struct io_uring_sqe *sqe;
	int e;

	while (!(sqe = io_uring_get_sqe(&u->ring))) {
		e = u->sqpoll ? io_uring_sqring_wait(&u->ring) :
				io_uring_submit(&u->ring);
		if (e < 0)
			return NULL;
	}
	return sqe;
}

static int prep(struct uring *u, unsigned int i, bool rx, unsigned int len)
{
	struct io_uring_sqe *sqe = sqe_get(u);

	if (!sqe)
		return -EBUSY;
	if (rx)
		io_uring_prep_read(sqe, 0, buf(u, i), (unsigned int)u->cap, 0);
	else
		io_uring_prep_write(sqe, 0, buf(u, i), len, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, i);
	return 0;
}

/*
 * Counts the completions there are; rx re-arms each finished read on its
 * buffer (submitted with the next enter).  -errno on a failed one.
 */
static int reap(struct uring *u, struct bench_io *io, bool rx)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int err = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		seen++;
		if (cqe->res > 0) {
			io->packets++;
			io->bytes += (uint64_t)cqe->res;
		} else if (cqe->res != -EAGAIN && cqe->res != -EINTR &&
			   cqe->res != -ECANCELED && !err) {
			err = cqe->res ? cqe->res : -EIO;
		}
		if (rx && !err)
			err = prep(u, (unsigned int)cqe->user_data, true, 0);
	}
	io_uring_cq_advance(&u->ring, seen);
	return err;
}

static void fail(struct bench_io *io, const char *what, int e)
{
	if (!io->error[0])
		snprintf(io->error, sizeof(io->error), "tun %s through io_uring: "
			 "%s", what, strerror(-e));
}

/* What the tx rows write (devpath.c's packets): a flow per packet. */
static void tx_packets(struct uring *u, struct bench_io *io)
{
	unsigned int i;

	for (i = 0; i < u->n; i++)
		bench_udp_packet(buf(u, i), io->r->size, BENCH_PEER_ADDR,
				 BENCH_SINK_ADDR,
				 (uint16_t)(1024 + io->queue * 4096 + i % 4096),
				 BENCH_SINK_PORT);
}

/* tx: n WRITEs, submitted and waited for in one io_uring_enter(). */
static void uring_tx(struct bench_io *io)
{
	struct uring u = { .fd = -1 };
	unsigned int i;
	int e = 0;

	if (uring_open(&u, io))
		goto out;
	tx_packets(&u, io);
	bench_io_start(io);
	while (!e && !atomic_load_explicit(io->stop, memory_order_relaxed)) {
		for (i = 0; i < u.n && !e; i++)
			e = prep(&u, i, false, io->r->size);
		if (e)
			break;
		e = io_uring_submit_and_wait(&u.ring, u.n);
		if (e == -EINTR) {
			e = 0;
			continue;
		}
		e = e < 0 ? e : reap(&u, io, false);
	}
	if (e)
		fail(io, "write", e);
out:
	uring_close(&u);
}

/* rx: n READs always in flight; each enter submits the re-armed ones
 * and waits for one completion at least (100 ms at most, to see stop). */
static void uring_rx(struct bench_io *io)
{
	struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	struct io_uring_cqe *cqe;
	struct uring u = { .fd = -1 };
	unsigned int i;
	int e = 0;

	if (uring_open(&u, io))
		goto out;
	for (i = 0; i < u.n && !e; i++)
		e = prep(&u, i, true, 0);
	bench_io_start(io);
	while (!e && !atomic_load_explicit(io->stop, memory_order_relaxed)) {
		e = io_uring_submit_and_wait_timeout(&u.ring, &cqe, 1, &ts, NULL);
		if (e == -ETIME || e == -EINTR || e == -EAGAIN) {
			e = 0;
			continue;
		}
		e = e < 0 ? e : reap(&u, io, true);
	}
	if (e)
		fail(io, "read", e);
out:
	uring_close(&u);
}

bench_io_fn *bench_uring_io(const struct bench_run *r)
{
	if (r->backend != BK_TUN_URING && r->backend != BK_TUN_SQPOLL)
		return NULL;
	return r->mode == MODE_TX ? uring_tx : r->mode == MODE_RX ? uring_rx :
	       NULL;
}
