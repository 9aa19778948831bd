// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stock /dev/net/tun backend: IFF_TUN | IFF_NO_PI, plus IFF_VNET_HDR with
 * TSO/USO when the kernel takes it, so one syscall moves a whole 64 KB
 * super-packet (split on read, coalesced on write, see gso.c).  Without
 * offload a batch is still gathered with non-blocking reads until EAGAIN.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/if_tun.h>
#include "gso.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define TUN_BUF (TUNX_VNET_HDR_LEN + TUNX_MAX_PACKET)

struct tun_dev {
	struct tunx_device dev;
	int fd;
	short tun_flags;
	bool vnet, uso;
	uint8_t *rbuf;		/* the packet read last, split from here */
	struct tunx_split split;
	uint8_t *wbuf;		/* a coalesced super-packet, under wlock */
	pthread_mutex_t wlock;	/* writers of many threads share wbuf */
	int pend_efd;		/* readable while split has packets left */
	int user_ep;		/* tunx_fd(): fd and pend_efd */
	bool pend_set;
	char *path;		/* cfg->tun_path, for tunx_attach_queue() */
};

static struct tun_dev *to_tun(struct tunx_device *dev)
{
	return (struct tun_dev *)dev;
}

/* One kernel read with a virtio header into rbuf, then split it. */
static int read_vnet(struct tun_dev *t)
{
	ssize_t r = read(t->fd, t->rbuf, TUN_BUF);

	if (r < 0)
		return -errno;
	if ((size_t)r <= TUNX_VNET_HDR_LEN)
		return 0;
	/* A malformed packet leaves nothing to hand out: dropped. */
	tunx__split_start(&t->split, t->rbuf + TUNX_VNET_HDR_LEN,
			  (size_t)r - TUNX_VNET_HDR_LEN,
			  (const struct virtio_net_hdr *)t->rbuf);
	return 0;
}

/*
 * Without a virtio header: straight into the caller's buffer, with the
 * overflow into rbuf.  A packet longer than the buffer is not truncated:
 * it is kept whole in rbuf and handed out (or refused with -EMSGSIZE) as
 * the head of a split.
 */
static int read_plain(struct tun_dev *t, uint8_t *buf, size_t cap)
{
	static const struct virtio_net_hdr none;
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = cap },
		{ .iov_base = t->rbuf, .iov_len = TUN_BUF },
	};
	ssize_t r = readv(t->fd, iov, 2);

	if (r < 0)
		return -errno;
	if ((size_t)r <= cap)
		return (int)r;
	memmove(t->rbuf + cap, t->rbuf, (size_t)r - cap);
	memcpy(t->rbuf, buf, cap);
	tunx__split_start(&t->split, t->rbuf, (size_t)r, &none);
	return 0;
}

/* Mirrors "the library holds packets" into the fd tunx_fd() hands out. */
static void pending_mark(struct tun_dev *t)
{
	bool more = tunx__split_more(&t->split);

	if (more == t->pend_set)
		return;
	if (more)
		tunx__efd_set(t->pend_efd);
	else
		tunx__efd_clear(t->pend_efd);
	t->pend_set = more;
}

static int tun_read_batch(struct tunx_device *dev, uint8_t *const *bufs,
			  size_t buf_size, size_t *sizes, unsigned int n,
			  size_t offset)
{
	struct tun_dev *t = to_tun(dev);
	size_t cap = buf_size - offset;
	unsigned int k = 0;
	int r = 0;

	while (k < n) {
		if (tunx__split_more(&t->split)) {
			r = tunx__split_next(&t->split, bufs[k] + offset, cap);
			if (r == -EMSGSIZE)
				break;
			if (r > 0)
				sizes[k++] = (size_t)r;
			continue;
		}
		if (t->vnet) {
			r = read_vnet(t);
			if (r)
				break;
			continue;
		}
		r = read_plain(t, bufs[k] + offset, cap);
		if (r < 0)
			break;
		if (r > 0)
			sizes[k++] = (size_t)r;
	}
	if (k)
		return (int)k;
	if (r == -EMSGSIZE)
		return tunx__seterr(dev, r, "read buffers of %zu bytes are too small",
				    cap);
	return r ? r : -EAGAIN;
}

static int tun_read(struct tunx_device *dev, uint8_t *const *bufs,
		    size_t buf_size, size_t *sizes, unsigned int n,
		    size_t offset)
{
	int r = tun_read_batch(dev, bufs, buf_size, sizes, n, offset);

	pending_mark(to_tun(dev));
	return r;
}

/* Errors after which the packet is gone but the device is fine. */
static bool packet_error(int err)
{
	return err == EINVAL || err == EMSGSIZE || err == EFAULT ||
	       err == EPROTO;
}

static int write_one(struct tun_dev *t, const uint8_t *p, size_t len)
{
	ssize_t r = write(t->fd, p, len);

	if (r >= 0)
		return 0;
	if (packet_error(errno)) {
		tunx__seterr(&t->dev, -errno, "kernel dropped a packet: %s",
			     tunx_strerror(errno));
		return 0;
	}
	return -errno;
}

static int tun_write(struct tunx_device *dev, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset)
{
	struct tun_dev *t = to_tun(dev);
	unsigned int i = 0, cnt;
	size_t len;
	int r = 0;

	while (i < n) {
		cnt = 1;
		if (!t->vnet) {
			r = write_one(t, bufs[i] + offset, sizes[i]);
		} else {
			pthread_mutex_lock(&t->wlock);
			cnt = tunx__gso_coalesce(bufs, sizes, n, offset, i,
						 t->uso,
						 (struct virtio_net_hdr *)t->wbuf,
						 t->wbuf + TUNX_VNET_HDR_LEN,
						 TUNX_MAX_PACKET, &len);
			if (cnt > 1)
				r = write_one(t, t->wbuf,
					      TUNX_VNET_HDR_LEN + len);
			pthread_mutex_unlock(&t->wlock);
			if (cnt == 1) {
				/* headroom >= mwo: the header goes in front */
				uint8_t *p = bufs[i] + offset - TUNX_VNET_HDR_LEN;

				memset(p, 0, TUNX_VNET_HDR_LEN);
				r = write_one(t, p, sizes[i] + TUNX_VNET_HDR_LEN);
			}
		}
		if (r)
			break;
		i += cnt;
	}
	return i ? (int)i : r;
}

static int tun_poll_fd(struct tunx_device *dev, short events)
{
	(void)events;
	return to_tun(dev)->fd;
}

static int tun_user_fd(struct tunx_device *dev)
{
	return to_tun(dev)->user_ep;
}

static void tun_destroy(struct tunx_device *dev)
{
	struct tun_dev *t = to_tun(dev);

	tunx__dev_free(dev);
	if (t->fd >= 0)
		close(t->fd);
	if (t->user_ep >= 0)
		close(t->user_ep);
	if (t->pend_efd >= 0)
		close(t->pend_efd);
	free(t->rbuf);
	free(t->wbuf);
	free(t->path);
	pthread_mutex_destroy(&t->wlock);
	free(t);
}

static int tun_attach_queue(struct tunx_device *dev, struct tunx_device **qp);

static const struct tunx_device_ops tun_ops = {
	.read = tun_read,
	.write = tun_write,
	.poll_fd = tun_poll_fd,
	.user_fd = tun_user_fd,
	.attach_queue = tun_attach_queue,
	.destroy = tun_destroy,
};

static void explain_open(struct tunx_diag *d, const char *path, int err)
{
	if (err == ENOENT)
		snprintf(d->message, sizeof(d->message),
			 "no %s: the tun module is missing, or this is a container "
			 "without the device node (pass --device /dev/net/tun, or "
			 "mknod %s c 10 200)", path, path);
	else if (err == EACCES || err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "cannot open %s: %s (the node should be mode 0666; "
			 "a container may deny it in its device cgroup)", path,
			 tunx_strerror(err));
	else
		snprintf(d->message, sizeof(d->message), "opening %s: %s", path,
			 tunx_strerror(err));
}

static void explain_setiff(struct tunx_diag *d, const char *name, int err)
{
	if (err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "TUNSETIFF %s: EPERM: needs CAP_NET_ADMIN, or to be the "
			 "owner or group of the persistent device", name);
	else if (err == EBUSY)
		snprintf(d->message, sizeof(d->message),
			 "TUNSETIFF %s: EBUSY: another process holds the device "
			 "(or it exists with other flags)", name);
	else if (err == EINVAL)
		snprintf(d->message, sizeof(d->message),
			 "TUNSETIFF %s: EINVAL: bad name, or the device exists as "
			 "a TAP or with different multi-queue/vnet flags", name);
	else
		snprintf(d->message, sizeof(d->message), "TUNSETIFF %s: %s", name,
			 tunx_strerror(err));
}

static int tun_fd_open(const struct tunx_config *cfg, bool vnet,
		       struct ifreq *ifr, struct tunx_diag *d)
{
	const char *path = cfg->tun_path ? cfg->tun_path : "/dev/net/tun";
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0) {
		err = errno;
		explain_open(d, path, err);
		return -err;
	}
	memset(ifr, 0, sizeof(*ifr));
	ifr->ifr_flags = IFF_TUN | IFF_NO_PI;
	if (vnet)
		ifr->ifr_flags |= IFF_VNET_HDR;
	if (cfg->queues > 1)
		ifr->ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s",
		 cfg->name && cfg->name[0] ? cfg->name : "tun%d");
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		err = errno;
		explain_setiff(d, ifr->ifr_name, err);
		close(fd);
		return -err;
	}
	return fd;
}

/* TSO with USO when the kernel knows it (6.2+), TSO alone else. */
static int offload_probe(int fd, bool *uso)
{
	unsigned int base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	*uso = !ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6);
	if (*uso)
		return 0;
	return ioctl(fd, TUNSETOFFLOAD, base) ? -errno : 0;
}

/* Owner and group first: persistence must not outlive a failed setup. */
static int tun_ownership(int fd, const struct tunx_config *cfg,
			 struct tunx_diag *d)
{
	if (cfg->owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)cfg->owner) < 0)
		goto err;
	if (cfg->group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)cfg->group) < 0)
		goto err;
	if (cfg->persist && ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		goto err;
	return 0;
err:
	snprintf(d->message, sizeof(d->message),
		 "setting owner/group/persist: %s", tunx_strerror(errno));
	return -errno;
}

static int tun_finish(struct tun_dev *t, const struct ifreq *ifr,
		      const struct tunx_config *cfg, struct tunx_diag *d,
		      const char *off);

static int tun_setup(struct tun_dev *t, const struct tunx_config *cfg,
		     struct tunx_diag *d)
{
	struct ifreq ifr;
	const char *off = "off (disabled in config)";
	int r;

	t->fd = tun_fd_open(cfg, cfg->offload, &ifr, d);
	t->vnet = cfg->offload;
	if (t->fd >= 0 && t->vnet && offload_probe(t->fd, &t->uso)) {
		/* IFF_VNET_HDR cannot be cleared: start again without it. */
		close(t->fd);
		t->vnet = false;
		off = "off (TUNSETOFFLOAD refused by this kernel)";
		t->fd = tun_fd_open(cfg, false, &ifr, d);
	}
	if (t->fd < 0)
		return t->fd;
	r = tun_ownership(t->fd, cfg, d);
	if (r)
		return r;
	return tun_finish(t, &ifr, cfg, d, off);
}

/* What open and adopt share once the fd is attached. */
static int tun_finish(struct tun_dev *t, const struct ifreq *ifr,
		      const struct tunx_config *cfg, struct tunx_diag *d,
		      const char *off)
{
	int r;

	t->tun_flags = ifr->ifr_flags;
	snprintf(t->dev.name, sizeof(t->dev.name), "%s", ifr->ifr_name);
	t->dev.ifindex = (int)if_nametoindex(ifr->ifr_name);
	if (!t->dev.ifindex)
		return -errno;
	r = tunx__nl_link_state(t->dev.ifindex, &t->dev.mtu, NULL, NULL);
	if (t->vnet)
		off = t->uso ? "TSO+USO" : "TSO";
	/* Busy polling needs shared rings: a hint tun ignores. */
	snprintf(d->message, sizeof(d->message), "tun: %s, offload %s%s",
		 t->dev.name, off,
		 cfg->busy_poll ? ", busy poll off (tun has no rings)" : "");
	return r;
}

/*
 * tunx_fd(): the tun fd, "packets held here" and the shutdown wake fd in
 * one epoll set: after tunx_shutdown() tunx_read() would not wait, so a
 * caller's own poll loop must wake too.
 */
static int user_fd_init(struct tun_dev *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fds[3], i;

	t->pend_efd = tunx__efd_new();
	if (t->pend_efd < 0)
		return t->pend_efd;
	t->user_ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->user_ep < 0)
		return -errno;
	fds[0] = t->fd;
	fds[1] = t->pend_efd;
	fds[2] = t->dev.wake_fd;
	for (i = 0; i < 3; i++) {
		ev.data.fd = fds[i];
		if (epoll_ctl(t->user_ep, EPOLL_CTL_ADD, fds[i], &ev))
			return -errno;
	}
	return 0;
}

/*
 * wireguard-go's CreateTUNFromFile: an fd a supervisor (systemd, Android's
 * VpnService, a privileged helper) attached for us.  Ours from now on.
 */
static int tun_adopt(struct tun_dev *t, int fd, const struct tunx_config *cfg,
		     struct tunx_diag *d)
{
	struct ifreq ifr;
	int fl, err;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		err = errno;
		snprintf(d->message, sizeof(d->message), "fd %d is not an "
			 "attached tun device (TUNGETIFF: %s); tunx fds cannot be "
			 "adopted", fd, tunx_strerror(err));
		return err == EBADF ? -EBADF : -EINVAL;
	}
	if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TUN ||
	    !(ifr.ifr_flags & IFF_NO_PI)) {
		snprintf(d->message, sizeof(d->message), "fd %d: %s is not "
			 "IFF_TUN | IFF_NO_PI", fd, ifr.ifr_name);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	t->fd = fd;
	t->vnet = ifr.ifr_flags & IFF_VNET_HDR;
	/* IFF_VNET_HDR is the opener's choice: its header is always there. */
	if (t->vnet && offload_probe(fd, &t->uso))
		t->uso = false;
	return tun_finish(t, &ifr, cfg, d, t->vnet ? "TSO (adopted fd)" :
			  "off (adopted fd without IFF_VNET_HDR)");
}

static int tun_new(struct tunx_device **devp, const struct tunx_config *cfg,
		   struct tunx_diag *d, int adopt_fd)
{
	struct tun_dev *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	r = tunx__dev_init(&t->dev, &tun_ops, TUNX_BACKEND_TUN, cfg);
	t->fd = t->user_ep = t->pend_efd = -1;
	pthread_mutex_init(&t->wlock, NULL);
	t->rbuf = malloc(TUN_BUF);
	t->wbuf = malloc(TUN_BUF);
	t->path = cfg->tun_path ? strdup(cfg->tun_path) : NULL;
	if (!r && (!t->rbuf || !t->wbuf || (cfg->tun_path && !t->path)))
		r = -ENOMEM;
	if (!r)
		r = adopt_fd >= 0 ? tun_adopt(t, adopt_fd, cfg, d)
				  : tun_setup(t, cfg, d);
	if (!r)
		r = user_fd_init(t);
	if (r) {
		if (t->fd == adopt_fd)
			t->fd = -1;	/* on failure the caller keeps it */
		tun_destroy(&t->dev);
		return r;
	}
	if (t->vnet) {
		/* One read may yield 44+ packets: default to a big batch (the
		 * rest of a super-packet waits for the next call anyway). */
		if (!cfg->batch)
			t->dev.batch = TUNX_OFFLOAD_BATCH;
		t->dev.mwo = TUNX_VNET_HDR_LEN;
	}
	*devp = &t->dev;
	return 0;
}

int tunx__tun_open(struct tunx_device **devp, const struct tunx_config *cfg,
		   struct tunx_diag *d)
{
	return tun_new(devp, cfg, d, -1);
}

int tunx__tun_adopt(struct tunx_device **devp, int fd,
		    const struct tunx_config *cfg, struct tunx_diag *d)
{
	return tun_new(devp, cfg, d, fd);
}

static int tun_attach_queue(struct tunx_device *dev, struct tunx_device **qp)
{
	struct tun_dev *t = to_tun(dev);
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (!(t->tun_flags & IFF_MULTI_QUEUE))
		return tunx__seterr(dev, -EINVAL,
				    "%s was not opened with queues > 1", dev->name);
	tunx_config_init(&cfg);
	cfg.name = dev->name;
	cfg.tun_path = t->path;
	cfg.queues = 2;
	cfg.offload = t->vnet;
	cfg.nonblock = dev->nonblock;
	cfg.batch = dev->batch;
	r = tunx__tun_open(qp, &cfg, &d);
	if (r)
		return tunx__seterr(dev, r, "%s", d.message);
	return 0;
}
