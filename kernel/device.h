/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_DEVICE_H
#define _TUNX_DEVICE_H

#include <linux/atomic.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <linux/tunx.h>

struct tunx_queue;

/* The TUNX_ATTACH_* bits that are properties of a device, fixed at create. */
#define TUNX_DEVICE_FLAGS (TUNX_ATTACH_MULTI_QUEUE | TUNX_ATTACH_OFFLOAD | \
			   TUNX_ATTACH_TAIL_DROP | TUNX_ATTACH_BUSY_POLL)

/*
 * Packet counters, per CPU.  Written on the local CPU in BH context only:
 * rx_* by xmit (tunx_rx_produce()), tx_* and tx_over_mtu by NAPI (tx.c),
 * each inside u64_stats_update_begin/end() on @syncp.  Read from any CPU
 * by tunx_stats_fold() with u64_stats_fetch_begin/retry(), no lock.
 */
struct tunx_pcpu_stats {
	u64_stats_t rx_packets;		/* kernel -> user */
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;		/* user -> kernel */
	u64_stats_t tx_bytes;
	u64_stats_t tx_over_mtu;	/* accepted, longer than the MTU */
	struct u64_stats_sync syncp;
};

/*
 * Rare events.  Every field is an atomic64_t bumped with tunx_count() from
 * any context (xmit, NAPI, ioctl, timer) and read with atomic64_read() by
 * tunx_stats_fold() and ndo_get_stats64, no lock.
 */
struct tunx_counters {
	atomic64_t invalid_descs;
	atomic64_t tx_bad_packets;
	atomic64_t tx_dropped;		/* allocation failure, device down */
	atomic64_t rx_ring_full;
	atomic64_t rx_dropped;
	atomic64_t queue_stops;
	atomic64_t wakeups;
	atomic64_t kicks;
	atomic64_t ring_errors;
	atomic64_t tx_inline_polls;
};

/**
 * struct tunx_device - netdev_priv() of a tunx device
 * @dev: the net_device; set by ->setup, fixed.
 * @queues: attached queues, slots [0, @num_queues) used.  Written under
 *	RTNL by tunx_queue_attach() and tunx_queue_unlink() (the latter also
 *	under the moved queue's txq lock) with rcu_assign_pointer(); read by
 *	xmit with rcu_dereference(), elsewhere under RTNL.
 * @num_queues: written under RTNL with WRITE_ONCE() by queue.c; read under
 *	RTNL plainly, or with READ_ONCE() by sysfs, which does not take RTNL.
 * @flags: TUNX_DEVICE_FLAGS bits; set before the device is registered and
 *	never written again, so the data path reads it plainly.
 * @persist: TUNX_ATTACH_PERSIST; kept out of @flags because it changes.
 *	Set at create before registering, later written under RTNL with
 *	WRITE_ONCE() by tunx_device_set_persist(); read under RTNL plainly,
 *	or with READ_ONCE() by tunx_device_flags() (sysfs has no RTNL).
 * @busy_poll_ns: busy-poll idle time, 0: off.  Written once, under RTNL,
 *	by tunx_busy_device_init() before the first queue attaches; the data
 *	path reaches @td only through a queue published after that with
 *	rcu_assign_pointer(), so it reads the fixed value plainly.
 * @rx_wake_usecs: ethtool rx-usecs, the bound on a deferred rx wakeup for
 *	readers that leave struct tunx_rx_wake's usecs 0; 0 wakes at once.
 *	Written under RTNL with WRITE_ONCE() by ethtool, read with
 *	READ_ONCE() by xmit and ethtool.
 * @owner: uid that may attach; as @persist, written by
 *	tunx_device_set_owner(), read under RTNL or with READ_ONCE() (sysfs).
 * @group: gid that may attach; as @owner, by tunx_device_set_group().
 * @pcpu: packet counters; allocated by ndo_init, freed by ndo_uninit
 *	(both under RTNL; the NULL store with WRITE_ONCE()).  The data path
 *	uses it plainly, as it only runs between the two;
 *	tunx_stats_fold() tests and uses one READ_ONCE().
 * @c: rare-event counters, atomic (see struct tunx_counters).
 * @thread_state: TUNX_DEV_THREADS_* bits (threads.c), atomic bitops.
 * @threads_work: starts the NAPI threads (threads.c).
 */
struct tunx_device {
	struct net_device *dev;
	struct tunx_queue __rcu *queues[TUNX_MAX_QUEUES];
	u32 num_queues;
	u32 flags;
	bool persist;
	u64 busy_poll_ns;
	u32 rx_wake_usecs;
	kuid_t owner;
	kgid_t group;
	struct tunx_pcpu_stats __percpu *pcpu;
	struct tunx_counters c;
	unsigned long thread_state;
	struct work_struct threads_work;
};

enum {
	TUNX_DEV_THREADS_AUTO,	/* start NAPI threads on the first batch */
	TUNX_DEV_THREADS_ASKED,	/* that start is queued or done */
};

#define tunx_count(td, name) atomic64_inc(&(td)->c.name)

extern struct rtnl_link_ops tunx_link_ops;

int tunx_device_init(void);
void tunx_device_uninit(void);
struct tunx_device *tunx_device_create(struct net *net, const char *name,
				       u32 flags, bool host_admin);
struct tunx_device *tunx_device_find(struct net *net, const char *name);
void tunx_device_update_carrier(struct tunx_device *td);
bool tunx_device_may_attach(struct tunx_device *td);
bool tunx_device_may_chown(struct tunx_device *td);
void tunx_device_set_owner(struct tunx_device *td, kuid_t uid);
void tunx_device_set_group(struct tunx_device *td, kgid_t gid);
void tunx_device_set_persist(struct tunx_device *td, bool on);
void tunx_stats_fold(struct tunx_device *td, struct tunx_stats *st);

/* The TUNX_ATTACH_* properties as userspace sees them, PERSIST included. */
static inline u32 tunx_device_flags(const struct tunx_device *td)
{
	return td->flags | (READ_ONCE(td->persist) ? TUNX_ATTACH_PERSIST : 0);
}

#endif /* _TUNX_DEVICE_H */
