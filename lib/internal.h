/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal glue: the device object every backend embeds and the vtable the
 * public calls dispatch through.  Nothing here is exported.
 */
#ifndef TUNX_INTERNAL_H
#define TUNX_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <net/if.h>
#include <tunx/tunx.h>

#define TUNX_HIDDEN __attribute__((visibility("hidden")))
#define TUNX_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define TUNX_DEFAULT_BATCH	64
#define TUNX_OFFLOAD_BATCH	128	/* wireguard-go's IdealBatchSize */
#define TUNX_DEFAULT_DEPTH	256
#define TUNX_MAX_PACKET		65535
#define TUNX_MEM_MTU		1500

struct tunx_events;

/*
 * Backend vtable.  read and write never block: they return -EAGAIN and the
 * generic layer waits on poll_fd() together with the device's wake eventfd,
 * which is how close/shutdown reach every backend the same way.
 */
struct tunx_device_ops {
	int (*read)(struct tunx_device *dev, uint8_t *const *bufs,
		    size_t buf_size, size_t *sizes, unsigned int n,
		    size_t offset);
	int (*write)(struct tunx_device *dev, uint8_t *const *bufs,
		     const size_t *sizes, unsigned int n, size_t offset);
	/*
	 * A blocking write that took fewer than n stopped on an error: the
	 * generic layer must not offer it the rest (the filter wrapper has
	 * already filtered them in place).
	 */
	bool write_short_is_final;
	/* fd to poll for POLLIN (reading) or POLLOUT (writing). */
	int (*poll_fd)(struct tunx_device *dev, short events);
	/* Optional. */
	int (*peek)(struct tunx_device *dev, struct tunx_pkt *pkts,
		    unsigned int n);
	int (*release)(struct tunx_device *dev, unsigned int n);
	int (*reserve)(struct tunx_device *dev, struct tunx_pkt *pkts,
		       unsigned int n);
	int (*submit)(struct tunx_device *dev, const struct tunx_pkt *pkts,
		      unsigned int n);
	int (*attach_queue)(struct tunx_device *dev, struct tunx_device **qp);
	/* Busy polling: would read (POLLIN) or write (POLLOUT) find work?
	 * Must not make a syscall. */
	bool (*ready)(struct tunx_device *dev, short events);
	/* Optional: a blocking read of n packets is about to sleep (n > 0)
	 * or has woken (0).  Must not make a syscall. */
	void (*read_sleep)(struct tunx_device *dev, unsigned int n);
	/* What tunx_fd() hands out when it differs from poll_fd(POLLIN):
	 * readable also while the library holds packets the fd does not
	 * show (the rest of a super-packet). */
	int (*user_fd)(struct tunx_device *dev);
	/* Memory devices keep their own MTU and up state.  *old: the MTU
	 * this call replaced, so that of two calls at once each sees the
	 * other's value and every change is reported once. */
	int (*set_mtu)(struct tunx_device *dev, unsigned int mtu,
		       unsigned int *old);
	void (*shutdown)(struct tunx_device *dev);	/* wake internals */
	void (*destroy)(struct tunx_device *dev);	/* free priv */
};

struct tunx_device {
	const struct tunx_device_ops *ops;
	enum tunx_backend backend;
	unsigned int batch;
	size_t mro, mwo;
	unsigned int mtu;		/* memory devices; cache for links */
	int ifindex;			/* 0: no kernel link */
	char name[IFNAMSIZ];
	bool nonblock;
	bool pollout;			/* poll_fd reliably signals POLLOUT */
	bool out_efd;			/* poll_fd(POLLOUT) is an eventfd that
					 * is readable (POLLIN) while there is
					 * room: an eventfd is always POLLOUT */
	int64_t busy_ns;		/* spin this long before poll(); 0: never */
	int wake_fd;			/* eventfd: readable once shut down */
	atomic_bool closed;
	atomic_int users;		/* calls in progress */
	struct tunx_events *events;
	struct tunx_device *inner;	/* wrappers: the wrapped device */
	pthread_mutex_t err_lock;
	atomic_uint err_seq;		/* bumped by every tunx__seterr */
	char errmsg[256];
	char reason[256];		/* why this backend (diag message) */
	void *priv;
};

/* config.c: @cfg (NULL: defaults) as this library's struct in @out;
 * -EINVAL with @why when its size says it was never initialised or it
 * sets fields this library does not know. */
TUNX_HIDDEN int tunx__config_take(struct tunx_config *out,
				  const struct tunx_config *cfg,
				  char *why, size_t len);

/* device.c */
TUNX_HIDDEN int tunx__dev_init(struct tunx_device *dev,
			       const struct tunx_device_ops *ops,
			       enum tunx_backend backend,
			       const struct tunx_config *cfg);
TUNX_HIDDEN void tunx__dev_free(struct tunx_device *dev);
/* set_mtu of the memory devices (pipe, channel, fake): [any] thread. */
TUNX_HIDDEN int tunx__mem_set_mtu(struct tunx_device *dev, unsigned int mtu,
				  unsigned int *old);
/* dev->mtu, written and read by any thread: a memory device's MTU, or the
 * last one the library saw a link take. */
TUNX_HIDDEN void tunx__mtu_store(struct tunx_device *dev, unsigned int mtu);
TUNX_HIDDEN unsigned int tunx__mtu_load(const struct tunx_device *dev);
TUNX_HIDDEN int tunx__seterr(struct tunx_device *dev, int err,
			     const char *fmt, ...) TUNX_PRINTF(3, 4);
TUNX_HIDDEN int tunx__wait(struct tunx_device *dev, short events,
			   int timeout_ms);
TUNX_HIDDEN bool tunx__shut(struct tunx_device *dev);
TUNX_HIDDEN int tunx__enter(struct tunx_device *dev);
/* The descriptor tunx_fd() answers: user_fd, else poll_fd(POLLIN). */
TUNX_HIDDEN int tunx__user_fd(struct tunx_device *dev);

/*
 * The body of a public call that is not I/O: -ESHUTDOWN once the device is
 * shut down, and a racing tunx_close() waits until @call has returned.
 */
#define TUNX_GUARDED(dev, call) do {			\
	int r_ = tunx__enter(dev);			\
							\
	if (r_)						\
		return r_;				\
	r_ = (call);					\
	tunx__leave(dev);				\
	return r_;					\
} while (0)

/* busy.c: spins on ops->ready for dev->busy_ns.  1: ready, 0: idle for
 * that long (go to sleep), -ESHUTDOWN. */
TUNX_HIDDEN int tunx__spin(struct tunx_device *dev, short events);
TUNX_HIDDEN void tunx__leave(struct tunx_device *dev);

/* backends */
TUNX_HIDDEN int tunx__tun_open(struct tunx_device **devp,
			       const struct tunx_config *cfg,
			       struct tunx_diag *diag);
TUNX_HIDDEN int tunx__tun_adopt(struct tunx_device **devp, int fd,
				const struct tunx_config *cfg,
				struct tunx_diag *diag);
TUNX_HIDDEN int tunx__tunx_open(struct tunx_device **devp,
				const struct tunx_config *cfg,
				struct tunx_diag *diag);
TUNX_HIDDEN int tunx__channel_open(struct tunx_device **devp,
				   const struct tunx_config *cfg);
TUNX_HIDDEN int tunx__fake_open(struct tunx_device **devp,
				const struct tunx_config *cfg);

/* events.c */
TUNX_HIDDEN int tunx__events_new(struct tunx_device *dev,
				 const struct tunx_config *cfg);
TUNX_HIDDEN void tunx__events_free(struct tunx_device *dev);
TUNX_HIDDEN void tunx__events_post(struct tunx_device *dev, unsigned int ev);
TUNX_HIDDEN void tunx__events_wake(struct tunx_device *dev);

/* netlink.c */
TUNX_HIDDEN int tunx__nl_link_state(int ifindex, unsigned int *mtu,
				    bool *up, char *name);
TUNX_HIDDEN int tunx__nl_monitor_open(int ifindex);

/* The device that owns the link and events: wrappers delegate. */
static inline struct tunx_device *tunx__base(struct tunx_device *dev)
{
	while (dev->inner)
		dev = dev->inner;
	return dev;
}

/* util */
TUNX_HIDDEN int tunx__efd_new(void);
TUNX_HIDDEN void tunx__efd_set(int fd);
TUNX_HIDDEN void tunx__efd_clear(int fd);
TUNX_HIDDEN int64_t tunx__now_ns(void);

/* Checks on a read request common to every backend. */
static inline bool tunx__room(size_t buf_size, size_t offset, size_t len)
{
	return offset <= buf_size && len <= buf_size - offset;
}

#endif
