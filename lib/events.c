// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device events (Up, Down, MTUUpdate).  A small queue behind an eventfd,
 * fed by the library (memory devices, the initial Up) and by an rtnetlink
 * socket watching the device's link.  One epoll fd joins both so the caller
 * polls a single descriptor.  With a callback configured, a thread drains
 * the queue into it instead.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "internal.h"

#define EV_RING 32		/* first size; doubles up to EV_MAX */
#define EV_MAX 4096

struct tunx_events {
	pthread_mutex_t lock;
	unsigned int *ring;
	unsigned int size, head, count;
	uint64_t lost;		/* dropped past EV_MAX, reported in errmsg */
	int efd;		/* readable while ring is non-empty */
	int nl_fd;		/* rtnetlink link group, -1 for memory devices */
	int ep_fd;
	bool up;
	unsigned int mtu;
	tunx_event_fn cb;
	void *cb_arg;
	pthread_t thread;
	bool has_thread;
};

/* Lock held.  Doubles the ring, keeping the order. */
static bool ring_grow(struct tunx_events *e)
{
	unsigned int *r, i;

	if (e->size >= EV_MAX)
		return false;
	r = malloc(2 * e->size * sizeof(*r));
	if (!r)
		return false;
	for (i = 0; i < e->count; i++)
		r[i] = e->ring[(e->head + i) % e->size];
	free(e->ring);
	e->ring = r;
	e->head = 0;
	e->size *= 2;
	return true;
}

/*
 * Lock held.  A full ring grows; only past EV_MAX unread events is the
 * oldest dropped (the newest state matters), and counted.
 */
static void ring_push(struct tunx_events *e, unsigned int ev)
{
	if (e->count == e->size && !ring_grow(e)) {
		e->head = (e->head + 1) % e->size;
		e->count--;
		e->lost++;
	}
	e->ring[(e->head + e->count++) % e->size] = ev;
	tunx__efd_set(e->efd);
}

/* Async-signal-safe: shutdown makes the events fd readable, and
 * tunx_event_next() then answers -ESHUTDOWN (wireguard-go closes its
 * Events channel). */
void tunx__events_wake(struct tunx_device *dev)
{
	struct tunx_events *e = dev->events;

	if (e && e->efd >= 0)
		tunx__efd_set(e->efd);
}

void tunx__events_post(struct tunx_device *dev, unsigned int ev)
{
	struct tunx_events *e = dev->events;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	/* Up or Down is news only when the state changes, as on real links. */
	if (ev & (TUNX_EVENT_UP | TUNX_EVENT_DOWN)) {
		bool up = ev & TUNX_EVENT_UP;

		if (up == e->up)
			ev = 0;
		e->up = up;
	}
	if (ev)
		ring_push(e, ev);
	pthread_mutex_unlock(&e->lock);
}

/* Lock held.  Turns one RTM_NEWLINK/DELLINK into state-change events. */
static void link_msg(struct tunx_device *dev, struct tunx_events *e,
		     struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *rta;
	bool up;

	if (len < 0 || ifi->ifi_index != dev->ifindex)
		return;
	/* wireguard-go's Up is IFF_RUNNING: up and with a carrier */
	up = nh->nlmsg_type == RTM_NEWLINK &&
	     (ifi->ifi_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		unsigned int mtu;

		if (rta->rta_type != IFLA_MTU || RTA_PAYLOAD(rta) < 4)
			continue;
		memcpy(&mtu, RTA_DATA(rta), sizeof(mtu));
		if (mtu != e->mtu) {
			e->mtu = mtu;
			tunx__mtu_store(dev, mtu);
			ring_push(e, TUNX_EVENT_MTU_UPDATE);
		}
	}
	if (up != e->up) {
		e->up = up;
		ring_push(e, up ? TUNX_EVENT_UP : TUNX_EVENT_DOWN);
	}
}

/* Lock held.  After a socket overrun, ask the kernel for the state. */
static void resync(struct tunx_device *dev, struct tunx_events *e)
{
	unsigned int mtu;
	bool up;

	if (tunx__nl_link_state(dev->ifindex, &mtu, &up, NULL))
		up = false;	/* gone */
	else if (mtu != e->mtu) {
		e->mtu = mtu;
		tunx__mtu_store(dev, mtu);
		ring_push(e, TUNX_EVENT_MTU_UPDATE);
	}
	if (up != e->up) {
		e->up = up;
		ring_push(e, up ? TUNX_EVENT_UP : TUNX_EVENT_DOWN);
	}
}

/*
 * Lock held.  After an overrun the kernel reports ENOBUFS before the
 * messages still queued, which are older than any state read now: they
 * go first, unread, or applied after resync() they would leave a stale
 * Up/Down or MTU behind.  Bounded: a netns flipping links as fast as we
 * discard gets a resync after this many.
 */
#define OVERRUN_DISCARD_MAX 4096

static void overrun(struct tunx_device *dev, struct tunx_events *e,
		    char *buf, size_t len)
{
	int i;

	for (i = 0; i < OVERRUN_DISCARD_MAX; i++)
		if (recv(e->nl_fd, buf, len, MSG_DONTWAIT) < 0 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
	resync(dev, e);
	tunx__seterr(dev, 0, "rtnetlink overran: link changes between the "
		     "events read and the state now were not reported");
}

static void drain_netlink(struct tunx_device *dev, struct tunx_events *e)
{
	char buf[32768] __attribute__((aligned(4)));
	ssize_t n;

	while ((n = recv(e->nl_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		int len = (int)n;

		for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == RTM_NEWLINK ||
			    nh->nlmsg_type == RTM_DELLINK)
				link_msg(dev, e, nh);
	}
	if (n < 0 && errno == ENOBUFS)
		overrun(dev, e, buf, sizeof(buf));
}

static int event_next(struct tunx_device *dev, unsigned int *event)
{
	struct tunx_events *e;
	int r = 0;

	dev = tunx__base(dev);
	e = dev->events;
	if (!e)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&e->lock);
	if (e->nl_fd >= 0)
		drain_netlink(dev, e);
	if (e->count) {
		*event = e->ring[e->head];
		e->head = (e->head + 1) % e->size;
		e->count--;
		r = 1;
	}
	if (e->lost) {
		tunx__seterr(dev, 0, "%llu events were dropped: more than %d "
			     "waited unread", (unsigned long long)e->lost, EV_MAX);
		e->lost = 0;
	}
	if (!e->count)
		tunx__efd_clear(e->efd);
	if (atomic_load(&dev->closed))
		tunx__efd_set(e->efd);	/* a racing shutdown's wakeup stays */
	pthread_mutex_unlock(&e->lock);
	return r;
}

int tunx_event_next(struct tunx_device *dev, unsigned int *event)
{
	int r = tunx__enter(dev);

	if (r)
		return r;
	r = event_next(dev, event);
	tunx__leave(dev);
	return r;
}

int tunx_events_fd(struct tunx_device *dev)
{
	int r = tunx__enter(dev);

	if (r)
		return r;
	r = tunx__base(dev)->events ? tunx__base(dev)->events->ep_fd : -EOPNOTSUPP;
	tunx__leave(dev);
	return r;
}

static void *event_thread(void *arg)
{
	struct tunx_device *dev = arg;
	struct pollfd p[2] = {
		{ .fd = dev->events->ep_fd, .events = POLLIN },
		{ .fd = dev->wake_fd, .events = POLLIN },
	};
	unsigned int ev;

	while (!atomic_load(&dev->closed)) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		while (!atomic_load(&dev->closed) && event_next(dev, &ev) == 1)
			dev->events->cb(dev, ev, dev->events->cb_arg);
	}
	return NULL;
}

static int ep_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int events_fds(struct tunx_device *dev, struct tunx_events *e)
{
	int r;

	e->efd = tunx__efd_new();
	if (e->efd < 0)
		return e->efd;
	e->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->ep_fd < 0)
		return -errno;
	r = ep_add(e->ep_fd, e->efd);
	if (r || !dev->ifindex)
		return r;
	e->nl_fd = tunx__nl_monitor_open(dev->ifindex);
	if (e->nl_fd < 0)
		return e->nl_fd;
	return ep_add(e->ep_fd, e->nl_fd);
}

int tunx__events_new(struct tunx_device *dev, const struct tunx_config *cfg)
{
	struct tunx_events *e = calloc(1, sizeof(*e));
	bool up = true;
	int r;

	if (!e)
		return -ENOMEM;
	e->efd = e->nl_fd = e->ep_fd = -1;
	pthread_mutex_init(&e->lock, NULL);
	dev->events = e;
	e->size = EV_RING;
	e->ring = calloc(e->size, sizeof(*e->ring));
	if (!e->ring) {
		r = -ENOMEM;
		goto err;
	}
	r = events_fds(dev, e);
	if (r)
		goto err;
	e->mtu = tunx__mtu_load(dev);
	/* Subscribe first, then read the state: no change can slip between. */
	if (dev->ifindex)
		r = tunx__nl_link_state(dev->ifindex, &e->mtu, &up, NULL);
	if (r)
		goto err;
	if (up)
		tunx__events_post(dev, TUNX_EVENT_UP);
	if (cfg && cfg->event_cb) {
		e->cb = cfg->event_cb;
		e->cb_arg = cfg->event_arg;
		r = -pthread_create(&e->thread, NULL, event_thread, dev);
		e->has_thread = !r;
	}
	if (!r)
		return 0;
err:
	tunx__events_free(dev);
	return r;
}

/* Runs after shutdown: the wake fd already stopped the thread's poll. */
void tunx__events_free(struct tunx_device *dev)
{
	struct tunx_events *e = dev->events;

	if (!e)
		return;
	if (e->has_thread)
		pthread_join(e->thread, NULL);
	if (e->ep_fd >= 0)
		close(e->ep_fd);
	if (e->nl_fd >= 0)
		close(e->nl_fd);
	if (e->efd >= 0)
		close(e->efd);
	pthread_mutex_destroy(&e->lock);
	free(e->ring);
	free(e);
	dev->events = NULL;
}
