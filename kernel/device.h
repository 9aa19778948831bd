/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_DEVICE_H
#define _TUNX_DEVICE_H

#include <linux/atomic.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/tunx.h>

struct tunx_queue;

/* The TUNX_ATTACH_* bits that are properties of a device, fixed at create. */
#define TUNX_DEVICE_FLAGS (TUNX_ATTACH_MULTI_QUEUE | TUNX_ATTACH_OFFLOAD | \
			   TUNX_ATTACH_TAIL_DROP | TUNX_ATTACH_BUSY_POLL)

/* Packet counters, bumped in BH context only (xmit and NAPI). */
struct tunx_pcpu_stats {
	u64_stats_t rx_packets;		/* kernel -> user */
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;		/* user -> kernel */
	u64_stats_t tx_bytes;
	u64_stats_t tx_over_mtu;	/* accepted, longer than the MTU */
	struct u64_stats_sync syncp;
};

/* Rare events, bumped from any context. */
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
};

/*
 * netdev_priv() of a tunx device.  @queues and @num_queues change under RTNL
 * only; the data path reads @queues under RCU.
 *
 * @flags is set before the device is registered and never written again,
 * so the data path reads it plainly.  What the admin may change later
 * (@persist, @owner, @group) is kept apart from it: written under RTNL with
 * WRITE_ONCE, read under RTNL, or with READ_ONCE by sysfs, which does not
 * take RTNL.
 */
struct tunx_device {
	struct net_device *dev;
	struct tunx_queue __rcu *queues[TUNX_MAX_QUEUES];
	u32 num_queues;
	u32 flags;			/* TUNX_ATTACH_* but PERSIST; fixed */
	bool persist;			/* TUNX_ATTACH_PERSIST */
	u64 busy_poll_ns;		/* busy-poll idle time, 0: off */
	kuid_t owner;
	kgid_t group;
	struct tunx_pcpu_stats __percpu *pcpu;
	struct tunx_counters c;
};

#define tunx_count(td, name) atomic64_inc(&(td)->c.name)

extern struct rtnl_link_ops tunx_link_ops;

int tunx_device_init(void);
void tunx_device_uninit(void);
struct tunx_device *tunx_device_create(struct net *net, const char *name,
				       u32 flags);
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
