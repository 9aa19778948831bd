// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The generic device: dispatch to the backend vtable, blocking on top of
 * non-blocking backends, shutdown/close, and per-device error messages.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include "internal.h"
#include "offload.h"

int tunx__dev_init(struct tunx_device *dev, const struct tunx_device_ops *ops,
		   enum tunx_backend backend, const struct tunx_config *cfg)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->backend = backend;
	dev->nonblock = cfg ? cfg->nonblock : false;
	dev->batch = cfg && cfg->batch ? cfg->batch : TUNX_DEFAULT_BATCH;
	dev->mtu = cfg && cfg->mtu ? cfg->mtu : TUNX_MEM_MTU;
	atomic_init(&dev->closed, false);
	atomic_init(&dev->users, 0);
	pthread_mutex_init(&dev->err_lock, NULL);
	dev->wake_fd = tunx__efd_new();
	return dev->wake_fd < 0 ? dev->wake_fd : 0;
}

/* Frees what tunx__dev_init made; the backend frees the struct itself. */
void tunx__dev_free(struct tunx_device *dev)
{
	tunx__events_free(dev);
	if (dev->wake_fd >= 0)
		close(dev->wake_fd);
	pthread_mutex_destroy(&dev->err_lock);
}

int tunx__seterr(struct tunx_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	if (!dev)
		return err;
	atomic_fetch_add_explicit(&dev->err_seq, 1, memory_order_relaxed);
	pthread_mutex_lock(&dev->err_lock);
	va_start(ap, fmt);
	vsnprintf(dev->errmsg, sizeof(dev->errmsg), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&dev->err_lock);
	return err;
}

size_t tunx_errmsg(struct tunx_device *dev, char *buf, size_t len)
{
	size_t n;

	if (!len)
		return 0;
	pthread_mutex_lock(&dev->err_lock);
	n = strlen(dev->errmsg);
	snprintf(buf, len, "%s", dev->errmsg);
	pthread_mutex_unlock(&dev->err_lock);
	return n;
}

const char *tunx_strerror(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	if (err == ESHUTDOWN)
		return "device closed";
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}

const char *tunx_backend_name(enum tunx_backend b)
{
	static const char *const names[] = {
		[TUNX_BACKEND_AUTO] = "auto", [TUNX_BACKEND_TUNX] = "tunx",
		[TUNX_BACKEND_TUN] = "tun", [TUNX_BACKEND_PIPE] = "pipe",
		[TUNX_BACKEND_CHANNEL] = "channel", [TUNX_BACKEND_FAKE] = "fake",
		[TUNX_BACKEND_WRAPPER] = "wrapper",
	};

	if ((unsigned int)b >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[b];
}

/* Was @dev shut down?  For constructors that build on it. */
bool tunx__shut(struct tunx_device *dev)
{
	return atomic_load(&dev->closed);
}

/*
 * Calls in progress are counted so close can wait for them; a shut down
 * device refuses new work with -ESHUTDOWN.
 */
int tunx__enter(struct tunx_device *dev)
{
	/* seq_cst pairs with close: either it sees us, or we see "closed". */
	atomic_fetch_add(&dev->users, 1);
	if (atomic_load(&dev->closed)) {
		tunx__leave(dev);
		return -ESHUTDOWN;
	}
	return 0;
}

void tunx__leave(struct tunx_device *dev)
{
	atomic_fetch_sub_explicit(&dev->users, 1, memory_order_release);
}

/* The backend fd reports an error: most often the link was deleted. */
static int fd_error(struct tunx_device *dev)
{
	struct tunx_device *base = tunx__base(dev);
	char name[IF_NAMESIZE];
	int i;

	/* A deleting kernel may wake us before the name is gone: 100 ms. */
	for (i = 0; base->ifindex && i < 10; i++) {
		if (!if_indextoname((unsigned int)base->ifindex, name))
			return tunx__seterr(dev, -ENODEV,
					    "link %s (ifindex %d) was deleted",
					    base->name, base->ifindex);
		usleep(10000);
	}
	return tunx__seterr(dev, -EIO, "%s: the device reported an error",
			    base->name);
}

/*
 * Wait for the backend fd or for shutdown.  0: try again.  A busy-polling
 * device spins first and sleeps only once idle for dev->busy_ns.
 */
int tunx__wait(struct tunx_device *dev, short events, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = -1, .events = events },
		{ .fd = dev->wake_fd, .events = POLLIN },
	};
	int r;

	if (dev->busy_ns && dev->ops->ready) {
		r = tunx__spin(dev, events);
		if (r)
			return r < 0 ? r : 0;
	}
	if (events == POLLOUT && dev->out_efd)
		p[0].events = POLLIN;
	p[0].fd = dev->ops->poll_fd(dev, events);
	if (p[0].fd < 0)
		return p[0].fd;
	r = poll(p, 2, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (atomic_load(&dev->closed))
		return -ESHUTDOWN;
	if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return fd_error(dev);
	return 0;
}

/* Every failure leaves a message: the backend's if it wrote one, else this. */
static int explain(struct tunx_device *dev, int r, unsigned int seq,
		   const char *what)
{
	if (r >= 0 || r == -EAGAIN || r == -ESHUTDOWN ||
	    atomic_load_explicit(&dev->err_seq, memory_order_relaxed) != seq)
		return r;
	return tunx__seterr(dev, r, "%s on %s (%s): %s", what, dev->name,
			    tunx_backend_name(dev->backend), tunx_strerror(r));
}

/*
 * The device may be freed by a racing tunx_close() as soon as we leave:
 * everything that touches it, the error message included, happens before.
 */
int tunx_read(struct tunx_device *dev, uint8_t *const *bufs, size_t buf_size,
	      size_t *sizes, unsigned int n, size_t offset)
{
	unsigned int seq;
	int r = tunx__enter(dev);

	if (r)
		return r;
	seq = atomic_load_explicit(&dev->err_seq, memory_order_relaxed);
	if (!n)
		goto out;
	if (offset < dev->mro || offset >= buf_size) {
		r = tunx__seterr(dev, -EINVAL, "read offset %zu outside [%zu, %zu)",
				 offset, dev->mro, buf_size);
		goto out;
	}
	for (;;) {
		r = dev->ops->read(dev, bufs, buf_size, sizes, n, offset);
		if (r != -EAGAIN || dev->nonblock)
			break;
		if (dev->ops->read_sleep)
			dev->ops->read_sleep(dev, n);
		r = tunx__wait(dev, POLLIN, -1);
		if (dev->ops->read_sleep)
			dev->ops->read_sleep(dev, 0);
		if (r)
			break;
	}
	/* Whatever failed while a shutdown raced us, it was the shutdown. */
	if (r < 0 && atomic_load(&dev->closed))
		r = -ESHUTDOWN;
	r = explain(dev, r, seq, "read");
out:
	tunx__leave(dev);
	return r;
}

/* The end of the run of non-empty packets that starts at @i. */
static unsigned int run_end(const size_t *sizes, unsigned int i,
			    unsigned int n)
{
	while (i < n && sizes[i])
		i++;
	return i;
}

/*
 * Blocking: all @n packets, waiting for room as long as it takes
 * (wireguard-go ignores the count, so a short write would lose packets);
 * an error after some were taken returns that count.  Non-blocking: what
 * the backend took at once.
 */
static int write_all(struct tunx_device *dev, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset)
{
	unsigned int done = 0, end;
	int r = 0;

	for (;;) {
		/* Empty packets are taken and dropped, on every backend. */
		while (done < n && !sizes[done])
			done++;
		if (done == n)
			break;
		end = run_end(sizes, done, n);
		r = dev->ops->write(dev, bufs + done, sizes + done, end - done,
				    offset);
		if (r > 0) {
			done += (unsigned int)r;
			if (done < end && (dev->nonblock ||
					   dev->ops->write_short_is_final))
				break;
			continue;
		}
		if (r != -EAGAIN || dev->nonblock)
			break;
		/* Not every backend signals POLLOUT: re-check now and then. */
		r = tunx__wait(dev, POLLOUT, dev->pollout ? -1 : 10);
		if (r)
			break;
	}
	return done ? (int)done : r;
}

int tunx_write(struct tunx_device *dev, uint8_t *const *bufs,
	       const size_t *sizes, unsigned int n, size_t offset)
{
	unsigned int seq;
	int r = tunx__enter(dev);

	if (r)
		return r;
	seq = atomic_load_explicit(&dev->err_seq, memory_order_relaxed);
	if (!n)
		goto out;
	if (offset < dev->mwo) {
		r = tunx__seterr(dev, -EINVAL, "write offset %zu below minimum %zu",
				 offset, dev->mwo);
		goto out;
	}
	r = write_all(dev, bufs, sizes, n, offset);
	/* Whatever failed while a shutdown raced us, it was the shutdown. */
	if (r < 0 && atomic_load(&dev->closed))
		r = -ESHUTDOWN;
	r = explain(dev, r, seq, "write");
out:
	tunx__leave(dev);
	return r;
}

unsigned int tunx_batch_size(const struct tunx_device *dev)
{
	return dev->batch;
}

size_t tunx_min_read_offset(const struct tunx_device *dev)
{
	return dev->mro;
}

size_t tunx_min_write_offset(const struct tunx_device *dev)
{
	return dev->mwo;
}

int tunx_ifindex(const struct tunx_device *dev)
{
	return dev->ifindex;
}

enum tunx_backend tunx_backend(const struct tunx_device *dev)
{
	return dev->backend;
}

const char *tunx_backend_reason(const struct tunx_device *dev)
{
	return dev->reason;
}

/*
 * A memory device's MTU is just a number, set and read from any thread;
 * a link's is the last one the library saw it take (at open, through
 * tunx_link_set_mtu(), in an MTU event), which sizes tunx_reserve()'s
 * buffers.  Relaxed atomics: nothing else is published with it.
 */
void tunx__mtu_store(struct tunx_device *dev, unsigned int mtu)
{
	__atomic_store_n(&dev->mtu, mtu, __ATOMIC_RELAXED);
}

unsigned int tunx__mtu_load(const struct tunx_device *dev)
{
	return __atomic_load_n(&dev->mtu, __ATOMIC_RELAXED);
}

int tunx__mem_set_mtu(struct tunx_device *dev, unsigned int mtu,
		      unsigned int *old)
{
	*old = __atomic_exchange_n(&dev->mtu, mtu, __ATOMIC_RELAXED);
	return 0;
}

static int mtu_get(struct tunx_device *dev)
{
	unsigned int mtu;
	int r;

	dev = tunx__base(dev);
	if (!dev->ifindex)
		return (int)tunx__mtu_load(dev);
	r = tunx__nl_link_state(dev->ifindex, &mtu, NULL, NULL);
	if (r)
		return tunx__seterr(dev, r, "reading the MTU of ifindex %d: %s",
				    dev->ifindex, tunx_strerror(r));
	return (int)mtu;
}

int tunx_mtu(struct tunx_device *dev)
{
	int r = tunx__enter(dev);

	if (r)
		return r;
	r = mtu_get(dev);
	tunx__leave(dev);
	return r;
}

static int name_get(struct tunx_device *dev, char *buf, size_t len)
{
	char name[IFNAMSIZ] = "";
	int r = 0;

	dev = tunx__base(dev);
	if (dev->ifindex)
		r = tunx__nl_link_state(dev->ifindex, NULL, NULL, name);
	if (r)
		return tunx__seterr(dev, r, "reading the name of ifindex %d: %s",
				    dev->ifindex, tunx_strerror(r));
	if (!dev->ifindex)
		snprintf(name, sizeof(name), "%s", dev->name);
	if (strlen(name) >= len)
		return -ENOSPC;
	memcpy(buf, name, strlen(name) + 1);
	return 0;
}

int tunx_name(struct tunx_device *dev, char *buf, size_t len)
{
	int r = tunx__enter(dev);

	if (r)
		return r;
	r = name_get(dev, buf, len);
	tunx__leave(dev);
	return r;
}

int tunx__user_fd(struct tunx_device *dev)
{
	if (dev->ops->user_fd)
		return dev->ops->user_fd(dev);
	return dev->ops->poll_fd(dev, POLLIN);
}

int tunx_fd(struct tunx_device *dev)
{
	TUNX_GUARDED(dev, tunx__user_fd(dev));
}

static int zc_call(struct tunx_device *dev, bool present)
{
	int r = tunx__enter(dev);

	if (r || present)
		return r;
	tunx__seterr(dev, -EOPNOTSUPP,
		     "zero copy needs the tunx backend, this is %s",
		     tunx_backend_name(dev->backend));
	tunx__leave(dev);
	return -EOPNOTSUPP;
}

int tunx_peek(struct tunx_device *dev, struct tunx_pkt *pkts, unsigned int n)
{
	int r = zc_call(dev, dev->ops->peek);

	if (r)
		return r;
	r = dev->ops->peek(dev, pkts, n);
	tunx__leave(dev);
	return r;
}

unsigned int tunx_pkt_seg_sums(const struct tunx_pkt *p, const uint8_t **sums)
{
	unsigned int n = 0;

	*sums = NULL;
	if (p->flags & TUNX_PKT_SEG_SUMS)
		n = tunx__seg_sums_count(&p->off, p->len);
	if (n)
		*sums = p->data + tunx__seg_sums_at(p->len);
	return n;
}

int tunx_release(struct tunx_device *dev, unsigned int n)
{
	int r = zc_call(dev, dev->ops->release);

	if (r)
		return r;
	r = dev->ops->release(dev, n);
	tunx__leave(dev);
	return r;
}

int tunx_reserve(struct tunx_device *dev, struct tunx_pkt *pkts, unsigned int n)
{
	int r = zc_call(dev, dev->ops->reserve);

	if (r)
		return r;
	r = dev->ops->reserve(dev, pkts, n);
	tunx__leave(dev);
	return r;
}

int tunx_submit(struct tunx_device *dev, const struct tunx_pkt *pkts,
		unsigned int n)
{
	int r = zc_call(dev, dev->ops->submit);

	if (r)
		return r;
	r = dev->ops->submit(dev, pkts, n);
	tunx__leave(dev);
	return r;
}

static int attach_queue(struct tunx_device *dev, struct tunx_device **qp)
{
	int r;

	if (!dev->ops->attach_queue)
		return tunx__seterr(dev, -EOPNOTSUPP, "%s devices have one queue",
				    tunx_backend_name(dev->backend));
	r = dev->ops->attach_queue(dev, qp);
	if (r)
		return r;
	r = tunx__events_new(*qp, NULL);
	if (r) {
		tunx_close(*qp);
		*qp = NULL;
	}
	return r;
}

int tunx_attach_queue(struct tunx_device *dev, struct tunx_device **qp)
{
	int r = tunx__enter(dev);

	if (r)
		return r;
	r = attach_queue(dev, qp);
	tunx__leave(dev);
	return r;
}

void tunx_shutdown(struct tunx_device *dev)
{
	if (atomic_exchange(&dev->closed, true))
		return;
	tunx__efd_set(dev->wake_fd);
	tunx__events_wake(dev);
	if (dev->ops->shutdown)
		dev->ops->shutdown(dev);
}

void tunx_close(struct tunx_device *dev)
{
	if (!dev)
		return;
	tunx_shutdown(dev);
	/* Blocked callers saw the wake fd; let them leave before freeing. */
	while (atomic_load(&dev->users))
		sched_yield();
	dev->ops->destroy(dev);
}
