/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtunx: one batched TUN API over tunx rings, /dev/net/tun and memory.
 *
 * The shape is wireguard-go's tun.Device: a read fills up to n caller
 * buffers, each packet placed at a caller-chosen offset (headroom for the
 * caller's own headers); a write takes n packets that start at that offset
 * and reports how many were taken.  The batch size is fixed for the life of
 * a device.
 *
 * Conventions
 *  - Every function that can fail returns a negative errno.  Once a device
 *    is shut down, every such call on it (and one racing with the
 *    shutdown) answers -ESHUTDOWN ("device closed"); the infallible
 *    getters (batch size, offsets, ifindex, backend, errmsg) still answer.
 *  - tunx_errmsg() copies a human explanation of the last failure on a
 *    device; tunx_strerror() describes an error code.  There is no global
 *    state: no errno side channel, no static buffers, no global registries.
 *  - Thread-safety is stated on every function as
 *      [any]     safe from any thread, concurrently with everything;
 *      [reader]  one thread at a time per device for the reading side
 *                (read, peek, release), concurrently with the writing side;
 *      [writer]  one thread at a time per device for the writing side
 *                (reserve, submit), concurrently with the reading side;
 *                tunx_write() itself is [any];
 *      [owner]   no other call on the object may run or start (setup and
 *                teardown).
 *  - Packets are raw IPv4/IPv6 datagrams, no extra header.
 */
#ifndef TUNX_TUNX_H
#define TUNX_TUNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is the exported API (the library builds with
 * -fvisibility=hidden). */
#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

struct tunx_device;

enum tunx_backend {
	TUNX_BACKEND_AUTO = 0,	/* tunx when /dev/net/tunx opens, else tun */
	TUNX_BACKEND_TUNX,	/* shared-memory rings of the tunx module */
	TUNX_BACKEND_TUN,	/* stock /dev/net/tun */
	TUNX_BACKEND_PIPE,	/* in-memory: one end of a connected pair */
	TUNX_BACKEND_CHANNEL,	/* in-memory loopback: writes come back on read */
	TUNX_BACKEND_FAKE,	/* reads block until closed, writes vanish */
	TUNX_BACKEND_WRAPPER,	/* a filter or callback wrapper of a device */
};

/* Device events, as wireguard-go's tun.Event (a bit mask). */
#define TUNX_EVENT_UP		(1U << 0)
#define TUNX_EVENT_DOWN		(1U << 1)
#define TUNX_EVENT_MTU_UPDATE	(1U << 2)

typedef void (*tunx_event_fn)(struct tunx_device *dev, unsigned int event,
			      void *arg);

/*
 * struct tunx_config - what to open.  Fill with tunx_config_init(), then
 * change fields; zero means "default" for every numeric field.
 */
struct tunx_config {
	uint32_t size;		/* sizeof(struct tunx_config), set by init */
	enum tunx_backend backend;
	const char *name;	/* "tun0", a pattern "vpn%d", or NULL */
	unsigned int mtu;	/* 0: leave the device's MTU (1500 when new);
				 * it may be raised later to 65535 on every
				 * backend */
	unsigned int queues;	/* >1 makes a multi-queue device */
	unsigned int ring_entries; /* tunx rings / memory queue depth (256;
				 * tunx with offload: 1024) */
	unsigned int batch;	/* max packets per call; 0: backend default */
	bool offload;		/* super-packets (TSO/USO) with the kernel,
				 * split on read and coalesced on write, so
				 * callers still see plain packets.
				 * tun: IFF_VNET_HDR; tunx: TUNX_ATTACH_OFFLOAD
				 * when the module has it, 64 KB super-packets
				 * packed in 512 KiB areas: 1.06 MiB mapped
				 * per queue.  A hint: without support the
				 * device opens plain and
				 * tunx_backend_reason() says why.
				 * Default on; off for fragile kernels. */
	bool busy_poll;		/* tunx: the kernel and the library spin on
				 * the rings instead of sleeping: no syscall
				 * while traffic flows, a CPU each side.  A
				 * hint: ignored (and reported so by
				 * tunx_backend_reason()) by the other
				 * backends and by a module without
				 * TUNX_FEAT_BUSY_POLL */
	unsigned int busy_poll_usecs; /* idle time before they stop
				 * spinning and sleep; 0: 1000; above
				 * 1000000: -EINVAL */
	bool nonblock;		/* read/write give -EAGAIN instead of waiting */
	bool persist;		/* device survives close */
	long owner, group;	/* uid/gid allowed to attach without
				 * CAP_NET_ADMIN; -1 (default): unset */
	/* Event callback; when set a small thread delivers the events. */
	tunx_event_fn event_cb;
	void *event_arg;
	const char *tun_path;	/* override "/dev/net/tun" (containers) */
	const char *tunx_path;	/* override "/dev/net/tunx" */
	/* Fields below came later: a program built against an older tunx.h
	 * passes a smaller size and gets their defaults. */
	unsigned int rx_wake_usecs; /* tunx: how long a sleeping tunx_read()
				 * may wait for the rest of its batch once a
				 * packet is there, 1..1000000 (-EINVAL
				 * above); 0: the device's ethtool rx-usecs
				 * (50 unless an admin changed it) */
};

/*
 * struct tunx_diag - why a backend was or was not chosen.  Filled by
 * tunx_open() on success and on failure.
 */
struct tunx_diag {
	enum tunx_backend backend;	/* chosen (or last tried) backend */
	int tunx_err;		/* why tunx was not used (0 if it was) */
	int tun_err;		/* why tun failed (0 if not tried or fine) */
	char message[256];	/* a sentence for humans */
};

/* [any] Defaults: AUTO, offload on, no busy polling, blocking, no owner
 * or group. */
void tunx_config_init(struct tunx_config *cfg);

/*
 * [any] Open a device.  *devp is set on success.  @diag may be NULL.
 * Errors: -ENOENT (no device node), -EPERM (needs CAP_NET_ADMIN or to own
 * the persistent device), -EINVAL (bad config), -EBUSY, -ENOMEM.
 */
int tunx_open(struct tunx_device **devp, const struct tunx_config *cfg,
	      struct tunx_diag *diag);

/*
 * [any] Adopt an fd already attached to a tun device (wireguard-go's
 * CreateTUNFromFile: systemd, Android's VpnService or a privileged helper
 * passes it): IFF_TUN | IFF_NO_PI, with IFF_VNET_HDR if the opener set it
 * (offload as the opener chose).  @cfg may be NULL; its name, queues,
 * persist, owner and group are ignored, mtu/batch/nonblock/event_cb
 * apply.  On success the device owns @fd (it is closed by tunx_close());
 * on failure the caller keeps it.  -EINVAL when @fd is not an attached
 * tun device (tunx fds cannot be adopted yet), -EBADF.
 */
int tunx_open_fd(struct tunx_device **devp, int fd,
		 const struct tunx_config *cfg, struct tunx_diag *diag);

/*
 * [any] In-memory pair (gonnect Pipe): what a writes, b reads, and back.
 * cfg may be NULL; it gives the name prefix, queue depth (ring_entries),
 * batch and nonblock.  Closing one end closes the pair: the other reads
 * what is queued, then -ESHUTDOWN; its writes get -EPIPE.
 */
int tunx_pipe_open(struct tunx_device **a, struct tunx_device **b,
		   const struct tunx_config *cfg);

/*
 * [any] Another queue of a device opened with queues > 1 (tun and tunx
 * backends; -EOPNOTSUPP elsewhere, -EINVAL on a single-queue device).  The
 * queue is a device of its own: read/write it from its own threads, close
 * it with tunx_close().
 */
int tunx_attach_queue(struct tunx_device *dev, struct tunx_device **qp);

/*
 * [reader] Read up to @n packets.  Packet i is written at bufs[i] + offset
 * and its length stored in sizes[i]; every buffer holds @buf_size bytes.
 * Returns the count (>= 1), or -EAGAIN (non-blocking and nothing to read),
 * -ESHUTDOWN (closed), -EINVAL (offset < tunx_min_read_offset() or no room).
 * Pass tunx_batch_size() buffers: with offload one kernel read may yield
 * many packets (the rest is kept for the next call, never dropped).  With
 * busy polling a blocking call spins on the ring before it sleeps.
 */
int tunx_read(struct tunx_device *dev, uint8_t *const *bufs, size_t buf_size,
	      size_t *sizes, unsigned int n, size_t offset);

/*
 * [any] Write @n packets; packet i is sizes[i] bytes at bufs[i] + offset,
 * and the @offset bytes before it may be overwritten (headroom, at least
 * tunx_min_write_offset()).  Many threads may write at once (one per
 * peer, as wireguard-go does).  Blocking: all @n are taken (it waits for
 * room) and n is returned, or -errno when none was; an error after some
 * were taken returns that count.  Non-blocking: how many were taken
 * (0 < r <= n; retry the rest), or -EAGAIN.  Packets the kernel rejects
 * as malformed are counted as taken and dropped, like a network would;
 * so are empty packets (size 0), on every backend.
 * Do not mix with tunx_reserve()/tunx_submit() from other threads.
 */
int tunx_write(struct tunx_device *dev, uint8_t *const *bufs,
	       const size_t *sizes, unsigned int n, size_t offset);

/*
 * [any] Fixed for the device's life: cfg->batch if set, else 128 with
 * offload (tun or tunx: one kernel packet may split into that many) and
 * 64 elsewhere; on tunx at most min(64, ring size), or 128 with offload.
 * Size reads from the source device's batch and chunk writes to the
 * destination's.
 */
unsigned int tunx_batch_size(const struct tunx_device *dev);
/* [any] Headroom the backend needs before each packet: tun with offload
 * writes its 10-byte virtio header in front of the packet (MWO 10). */
size_t tunx_min_read_offset(const struct tunx_device *dev);
size_t tunx_min_write_offset(const struct tunx_device *dev);
/* [any] Current MTU, or -errno. */
int tunx_mtu(struct tunx_device *dev);
/* [any] Interface name into @buf (IFNAMSIZ is enough); -errno. */
int tunx_name(struct tunx_device *dev, char *buf, size_t len);
/* [any] Interface index, 0 for memory devices. */
int tunx_ifindex(const struct tunx_device *dev);
/* [any] The backend in use (TUNX_BACKEND_WRAPPER for wrappers). */
enum tunx_backend tunx_backend(const struct tunx_device *dev);
/* [any] Static name of a backend ("tunx", "tun", ...). */
const char *tunx_backend_name(enum tunx_backend b);
/*
 * [any] A descriptor that polls readable when tunx_read() would not wait,
 * or -EOPNOTSUPP.  Do not read from it or close it.
 */
int tunx_fd(struct tunx_device *dev);

/*
 * Events.  tunx_events_fd() polls readable while events are pending;
 * tunx_event_next() returns 1 and stores one TUNX_EVENT_* bit, 0 when none
 * is pending, -errno (-ESHUTDOWN from shutdown on: the fd then polls
 * readable, as wireguard-go closes its Events channel).  Up and Down
 * follow IFF_RUNNING (up with a carrier), as in wireguard-go.  Events
 * are never dropped below 4096 unread.  Up is reported once at open when
 * the link is running.
 * Real links (tun, tunx) get them from rtnetlink, whoever made the change;
 * memory devices from tunx_link_set_up()/set_mtu().  Wrappers report their
 * inner device's events.  With cfg->event_cb set, a library thread drains
 * the events into the callback instead (do not close the device from it).
 * [any] for tunx_events_fd(); tunx_event_next() is [any] but events are
 * consumed: one consumer thread makes sense.
 */
int tunx_events_fd(struct tunx_device *dev);
int tunx_event_next(struct tunx_device *dev, unsigned int *event);

/*
 * [any] Wake every blocked call; from now on, and in every call racing
 * with it, every call that can fail answers -ESHUTDOWN.  Idempotent.
 * This is wireguard-go's Close(): stop reader and writer threads with it.
 * Async-signal-safe: atomic stores and eventfd writes, no lock.
 */
void tunx_shutdown(struct tunx_device *dev);
/*
 * [owner, but may overlap calls in progress in other threads] Shut down,
 * wait until calls in progress return (each answers -ESHUTDOWN), free.
 * A call that starts after close began is a use after free, as with
 * free(): call tunx_shutdown() and join the device's threads first, or
 * make sure they are inside a call (the Go binding does this for you).
 */
void tunx_close(struct tunx_device *dev);

/* [any] Copy the last failure's explanation; returns its length. */
size_t tunx_errmsg(struct tunx_device *dev, char *buf, size_t len);
/* [any] Static description of -errno or errno; "device closed" for ESHUTDOWN. */
const char *tunx_strerror(int err);
/* [any] Why this backend was chosen (the diag message at open). */
const char *tunx_backend_reason(const struct tunx_device *dev);

/*
 * Zero copy, tunx backend only (-EOPNOTSUPP elsewhere).
 * peek: up to n received packets in place (-EAGAIN when none), valid until
 *	release; do not mix with tunx_read() on the same device.
 * release: give back the first n peeked packets (kicks the kernel if it
 *	stopped the queue on a full ring).
 * reserve: up to n transmit buffers packed in the ring's area (cap =
 *	bytes each: the MTU, at least 2048, or 64 KB with offload; off
 *	zeroed), in order; fewer when the area or the ring runs short.
 *	The MTU is the one the library last saw: at open, after
 *	tunx_link_set_mtu(), or in an MTU event read from the device.
 * submit: send the first n reserved buffers, in the order reserve gave
 *	them, with len set (1..cap); buffers reserved but not submitted
 *	return to the ring.  Kicks only when the kernel asked for it.
 *	-EINVAL for more than reserved, a bad len, or a non-zero off on a
 *	device without offload.
 */
/*
 * Offload metadata of one packet (tunx devices opened with offload): the
 * fields of struct virtio_net_hdr, values TUNX_CSUM_* and TUNX_GSO_* from
 * <linux/tunx.h>.  All zero: a plain, fully checksummed packet (always so
 * on a device without offload).  peek reports super-packets whole with it
 * (up to 64 KB: split them yourself or pass them on); submit passes it to
 * the kernel (TUNX_DESC_F_OFFLOAD when any field is set), which checks it
 * as virtio_net_hdr_to_skb() would.
 */
struct tunx_offload {
	uint8_t csum_flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

struct tunx_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
	struct tunx_offload off;
	uint16_t flags;		/* peek: TUNX_PKT_*; reserve zeroes, submit ignores */
};
/* The kernel summed each segment's payload: tunx_pkt_seg_sums(). */
#define TUNX_PKT_SEG_SUMS	(1U << 0)
int tunx_peek(struct tunx_device *dev, struct tunx_pkt *pkts, unsigned int n);	/* [reader] */
int tunx_release(struct tunx_device *dev, unsigned int n);			/* [reader] */
int tunx_reserve(struct tunx_device *dev, struct tunx_pkt *pkts, unsigned int n);	/* [writer] */
int tunx_submit(struct tunx_device *dev, const struct tunx_pkt *pkts, unsigned int n); /* [writer] */
/*
 * [any] A peeked super-packet's segment sums (TUNX_PKT_SEG_SUMS), for a
 * reader that builds each segment's checksum itself (UDP_SEGMENT straight
 * from the ring): *sums points at one 16-bit big-endian value per segment,
 * the ones'-complement sum of that segment's payload, folded, not
 * complemented (segment i's payload starts at off.hdr_len + i *
 * off.gso_size).  Returns how many, or 0 (and *sums NULL) when the packet
 * has none.
 */
unsigned int tunx_pkt_seg_sums(const struct tunx_pkt *p, const uint8_t **sums);

/*
 * Link configuration through rtnetlink (libnl-3 route), in the calling
 * thread's network namespace.  [any]  Memory devices accept set_up and
 * set_mtu (and report the events) and answer -EOPNOTSUPP to the rest.
 * Errors are -errno (-EPERM, -EEXIST, -ENODEV, -EINVAL...) with the libnl
 * message in tunx_errmsg().
 */
int tunx_link_set_up(struct tunx_device *dev, bool up);
int tunx_link_set_mtu(struct tunx_device *dev, unsigned int mtu);
/* @addr: struct in_addr or in6_addr per @family (AF_INET, AF_INET6). */
int tunx_link_add_addr(struct tunx_device *dev, int family, const void *addr,
		       unsigned int prefixlen);
int tunx_link_del_addr(struct tunx_device *dev, int family, const void *addr,
		       unsigned int prefixlen);
/* Route @dst/@prefixlen through the device (gateway NULL: on-link). */
int tunx_link_add_route(struct tunx_device *dev, int family, const void *dst,
			unsigned int prefixlen, const void *gateway);
int tunx_link_del_route(struct tunx_device *dev, int family, const void *dst,
			unsigned int prefixlen);

/*
 * IO adapter: one packet at a time over a batched device (gonnect IO).
 * Returns the packet length / bytes taken, or -errno.  The adapter keeps
 * the rest of a batch for the next call.  [reader]/[writer] as the device.
 */
struct tunx_io;
int tunx_io_new(struct tunx_io **iop, struct tunx_device *dev);	/* [owner] */
ssize_t tunx_io_read(struct tunx_io *io, void *buf, size_t len);
ssize_t tunx_io_write(struct tunx_io *io, const void *buf, size_t len);
void tunx_io_free(struct tunx_io *io);	/* [owner] does not close the device */

/*
 * Callback wrapper (gonnect CallbackTUN): calls @on_read for every packet
 * read and @on_write for every packet written, to observe traffic without
 * changing it.  The wrapper owns @inner from now on and closes it on close
 * (on failure the caller keeps it).
 */
typedef void (*tunx_pkt_fn)(void *arg, const uint8_t *pkt, size_t len);
/* [any] Callbacks run on the reading/writing thread; once per packet
 * taken (a retried packet is reported once). */
int tunx_callback_wrap(struct tunx_device **wp, struct tunx_device *inner,
		       tunx_pkt_fn on_read, tunx_pkt_fn on_write, void *arg);

/*
 * Filter wrapper (tstun.Wrapper).  Directions follow tstun: "out" is what
 * tunx_read() returns (from the host, to the network), "in" is what
 * tunx_write() takes (from the network, to the host).  Filters run pre,
 * main (tstun's ACL slot), then post; a filter returns TUNX_ACCEPT or TUNX_DROP and may change
 * bytes, not the length.  Dropped packets vanish from the batch (a write
 * still counts them as taken).  Inbound filters see each packet once: a
 * blocking write waits inside the wrapper until all accepted packets are
 * taken (if the inner device fails partway, it returns how many it took;
 * the rest were filtered once, in place); a non-blocking one filters
 * copies, so a retried packet is filtered again from its original bytes.
 * The wrapper owns @inner.
 */
enum tunx_verdict { TUNX_ACCEPT = 0, TUNX_DROP = 1 };
typedef enum tunx_verdict (*tunx_filter_fn)(void *arg, uint8_t *pkt,
					    size_t len);
enum tunx_filter_slot {
	TUNX_FILTER_PRE_IN, TUNX_FILTER_POST_IN,
	TUNX_FILTER_PRE_OUT, TUNX_FILTER_POST_OUT,
	/* tstun's main filter (its ACL), run between pre and post */
	TUNX_FILTER_MAIN_IN, TUNX_FILTER_MAIN_OUT,
};
/* [any] On failure the caller keeps @inner.  The wrapper's read and write
 * are [reader]/[writer] as on any device; all calls below are [any] and
 * answer -EINVAL on a device that is not a filter wrapper. */
int tunx_filter_wrap(struct tunx_device **wp, struct tunx_device *inner);
/* [any] Set or clear (fn NULL) a filter; filters run on the calling
 * thread of read/write and must not call back into this device. */
int tunx_filter_set(struct tunx_device *w, enum tunx_filter_slot slot,
		    tunx_filter_fn fn, void *arg);
/* [any] Write to the inner device, skipping the inbound filters (tstun
 * InjectInboundCopy: the packet is copied, the call may block). */
int tunx_inject_inbound(struct tunx_device *w, const uint8_t *pkt, size_t len);
/* [any] Queue a copy for tunx_read(), skipping the outbound filters; it
 * wakes a blocked reader.  -EAGAIN when 256 injected packets wait.  One
 * longer than the reader's buffers stays queued: read gives -EMSGSIZE. */
int tunx_inject_outbound(struct tunx_device *w, const uint8_t *pkt, size_t len);
/* [any] Nanoseconds since the last read or write (or since creation),
 * including injected packets. */
int64_t tunx_idle_ns(struct tunx_device *w);
/* [any] Per-connection counters on/off (off keeps the counters). */
int tunx_stats_enable(struct tunx_device *w, bool on);

/* One connection's counters (5-tuple, addresses in network order), both
 * directions in one entry as tstun: src is the host's end (the source of
 * what tunx_read() returns, the destination of what tunx_write() takes). */
struct tunx_conn {
	uint8_t proto;		/* IPPROTO_*, 0 for unparsable packets */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint16_t src_port, dst_port;	/* host order; 0 without ports */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint64_t tx_packets, tx_bytes;	/* out: read from the device */
	uint64_t rx_packets, rx_bytes;	/* in: written to the device */
};
typedef void (*tunx_conn_fn)(void *arg, const struct tunx_conn *c);
/* [any] Report every connection's counters and reset them all; returns
 * how many.  Call it periodically: that is what bounds the memory. */
int tunx_stats_extract(struct tunx_device *w, tunx_conn_fn fn, void *arg);

/* Stand-alone per-connection statistics (what the wrapper uses). */
struct tunx_connstats;
int tunx_connstats_new(struct tunx_connstats **csp);		/* [owner] */
void tunx_connstats_free(struct tunx_connstats *cs);		/* [owner] */
/* [any] Count one packet; @tx true for outbound. */
void tunx_connstats_count(struct tunx_connstats *cs, const uint8_t *pkt,
			  size_t len, bool tx);
int tunx_connstats_extract(struct tunx_connstats *cs, tunx_conn_fn fn,
			   void *arg);				/* [any] */

/*
 * Buffer pool: fixed-size buffers allocated on demand and reused.  get
 * returns NULL when @max buffers are out (max 0: unbounded).  A forwarder
 * draws its buffers from a pool whose buffers hold 64 + 65535 bytes.
 */
struct tunx_pool;
int tunx_pool_new(struct tunx_pool **pp, size_t buf_size, unsigned int max); /* [any] */
uint8_t *tunx_pool_get(struct tunx_pool *p);			/* [any] */
void tunx_pool_put(struct tunx_pool *p, uint8_t *buf);		/* [any] */
size_t tunx_pool_buf_size(const struct tunx_pool *p);		/* [any] */
void tunx_pool_free(struct tunx_pool *p);	/* [owner] all buffers back */

/*
 * Forwarder: one thread reads batches from the read device and writes them
 * to the write device.  Either can be swapped while it runs: the old
 * device is shut down (blocked calls wake), no longer used by the
 * forwarder when the call returns, and handed back through @old (NULL to
 * close it); a device that was both reader and writer leaves both roles.
 * Start with no devices.  @pool may be NULL.
 */
struct tunx_forwarder;
/* [any] Until both devices are set nothing is read (no drops). */
int tunx_forwarder_new(struct tunx_forwarder **fp, struct tunx_pool *pool);
int tunx_forwarder_set_read(struct tunx_forwarder *f, struct tunx_device *dev,
			    struct tunx_device **old);		/* [any] */
int tunx_forwarder_set_write(struct tunx_forwarder *f, struct tunx_device *dev,
			     struct tunx_device **old);		/* [any] */
/* [any] Packets moved, and packets lost when the write device refused. */
void tunx_forwarder_counts(struct tunx_forwarder *f, uint64_t *moved,
			   uint64_t *dropped);
/* [owner] Stop the thread, shut down and close the devices it holds. */
void tunx_forwarder_free(struct tunx_forwarder *f);

/*
 * Point-to-point: two forwarders, A -> B and B -> A.  Devices set here are
 * owned by the p2p: a swap closes the old one, free closes both.
 */
struct tunx_p2p;
int tunx_p2p_new(struct tunx_p2p **pp, struct tunx_pool *pool);	/* [any] */
int tunx_p2p_set_a(struct tunx_p2p *p, struct tunx_device *a);	/* [any] */
int tunx_p2p_set_b(struct tunx_p2p *p, struct tunx_device *b);	/* [any] */
void tunx_p2p_counts(struct tunx_p2p *p, uint64_t *a_to_b,
		     uint64_t *b_to_a);				/* [any] */
void tunx_p2p_free(struct tunx_p2p *p);				/* [owner] */

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif /* TUNX_TUNX_H */
