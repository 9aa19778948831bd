// SPDX-License-Identifier: GPL-2.0
/*
 * tun devices the benchmark attaches itself, for the baselines libtunx
 * does not make: io_uring needs the tun fd (tunx_fd() answers an epoll
 * set that also holds the library's own "packets held here" eventfd),
 * and IFF_NAPI is no libtunx option.  The fd is attached here and adopted
 * with tunx_open_fd(), so the device is configured, counted, shut down
 * and closed like every other.  The library takes a duplicate of the fd
 * and closes ours; the io_uring worker gets a duplicate of its own
 * (bench_tun_take_fd(): the same open file, so the same queue).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

/* The one device opened here at a time (runs are one after another, on
 * one queue), so the io_uring worker can find its fd. */
static struct {
	const struct tunx_device *dev;
	int fd;
} own = { NULL, -1 };

/* A duplicate nobody took (the run failed before its worker started)
 * would keep the device, and its namespace, alive. */
static void forget(void)
{
	if (own.fd >= 0)
		close(own.fd);
	own.dev = NULL;
	own.fd = -1;
}

bool bench_tun_own(enum bench_backend b)
{
	return b == BK_TUN_URING || b == BK_TUN_SQPOLL || b == BK_TUN_NAPI;
}

int bench_tun_take_fd(const struct tunx_device *dev)
{
	int fd = -EBADF;

	if (dev && dev == own.dev && own.fd >= 0) {
		fd = own.fd;
		own.fd = -1;
	}
	return fd;
}

/* TUNSETIFF with @flags on a new fd; the flags the kernel kept in *got. */
static int attach(const char *name, short flags, short *got, char *err,
		  size_t len)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK), e;

	if (fd < 0) {
		e = -errno;
		snprintf(err, len, "/dev/net/tun: %s", strerror(errno));
		return e;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = flags;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNGETIFF, &ifr)) {
		e = -errno;
		snprintf(err, len, "TUNSETIFF %s (flags %#x): %s", name,
			 (unsigned int)(unsigned short)flags, strerror(errno));
		close(fd);
		return e;
	}
	*got = ifr.ifr_flags;
	return fd;
}

int bench_tun_open(struct tunx_device **dev, const struct tunx_config *cfg,
		   enum bench_backend b, char *err, size_t len)
{
	/* IFF_NAPI: tun's writes queue the skb and schedule the queue's
	 * NAPI instance, which hands them to GRO; reads are tun's. */
	short want = IFF_TUN | IFF_NO_PI | (b == BK_TUN_NAPI ? IFF_NAPI : 0);
	short got = 0;
	struct tunx_diag diag;
	int fd, e;

	forget();
	fd = attach(cfg->name, want, &got, err, len);
	if (fd < 0)
		return fd;
	/* An old kernel ignores flags it does not know: a row that says
	 * IFF_NAPI must have had it. */
	if ((got & want) != want) {
		snprintf(err, len, "TUNSETIFF kept flags %#x of %#x (no IFF_NAPI "
			 "in this kernel?)", (unsigned int)(unsigned short)got,
			 (unsigned int)(unsigned short)want);
		close(fd);
		return -EOPNOTSUPP;
	}
	own.fd = b == BK_TUN_URING || b == BK_TUN_SQPOLL ?
		 fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	e = tunx_open_fd(dev, fd, cfg, &diag);
	if (e) {
		snprintf(err, len, "%s", diag.message);
		close(fd);
		forget();
		return e;
	}
	own.dev = *dev;
	return 0;
}
