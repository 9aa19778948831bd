// SPDX-License-Identifier: GPL-2.0
/*
 * The network device: netdev and rtnl_link ops, creation, statistics.
 * Devices are created through /dev/net/tunx only; rtnl_link_ops exist so
 * that `ip link del`, namespace teardown and module unload delete them.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "device.h"
#include "ethtool.h"
#include "offload.h"
#include "queue.h"
#include "rx.h"
#include "sysfs.h"
#include "threads.h"

#define TUNX_TX_QUEUE_LEN	500	/* as tun: the qdisc absorbs bursts */
/* What every device offers the stack; offload.h adds checksums and GSO. */
#define TUNX_BASE_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST)

static int tunx_dev_init(struct net_device *dev)
{
	struct tunx_device *td = netdev_priv(dev);

	td->pcpu = netdev_alloc_pcpu_stats(struct tunx_pcpu_stats);
	return td->pcpu ? 0 : -ENOMEM;
}

/* Also runs when register_netdevice() fails after ndo_init. */
static void tunx_dev_uninit(struct net_device *dev)
{
	struct tunx_device *td = netdev_priv(dev);

	free_percpu(td->pcpu);
	/* tunx_stats_fold() reads it without RTNL. */
	WRITE_ONCE(td->pcpu, NULL);
}

static int tunx_dev_open(struct net_device *dev)
{
	/* Not start_all: a ring left full while down keeps its txq stopped. */
	tunx_rx_settle(netdev_priv(dev), false);
	return 0;
}

static int tunx_dev_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

/* A ring must take a whole packet: refuse an MTU any queue cannot carry. */
static int tunx_dev_change_mtu(struct net_device *dev, int new_mtu)
{
	struct tunx_device *td = netdev_priv(dev);
	u32 i;

	for (i = 0; i < td->num_queues; i++) {
		struct tunx_queue *q = rtnl_dereference(td->queues[i]);
		struct tunx_area *area = rtnl_dereference(q->area);

		if (area && new_mtu > area->geo.max_packet)
			return -EINVAL;
	}
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void tunx_pcpu_fold(struct tunx_pcpu_stats __percpu *pcpu,
			   struct tunx_stats *st)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct tunx_pcpu_stats *p = per_cpu_ptr(pcpu, cpu);
		u64 rxp, rxb, txp, txb, over;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			rxp = u64_stats_read(&p->rx_packets);
			rxb = u64_stats_read(&p->rx_bytes);
			txp = u64_stats_read(&p->tx_packets);
			txb = u64_stats_read(&p->tx_bytes);
			over = u64_stats_read(&p->tx_over_mtu);
		} while (u64_stats_fetch_retry(&p->syncp, start));
		st->rx_packets += rxp;
		st->rx_bytes += rxb;
		st->tx_packets += txp;
		st->tx_bytes += txb;
		st->tx_over_mtu += over;
	}
}

/**
 * tunx_stats_fold - add up the device's counters
 * @td: device
 * @st: zeroed by the caller; counters are added to it
 */
void tunx_stats_fold(struct tunx_device *td, struct tunx_stats *st)
{
	/* ndo_uninit clears it: test and use one read. */
	struct tunx_pcpu_stats __percpu *pcpu = READ_ONCE(td->pcpu);

	if (pcpu)
		tunx_pcpu_fold(pcpu, st);
	st->invalid_descs += atomic64_read(&td->c.invalid_descs);
	st->tx_bad_packets += atomic64_read(&td->c.tx_bad_packets);
	st->rx_ring_full += atomic64_read(&td->c.rx_ring_full);
	st->rx_dropped += atomic64_read(&td->c.rx_dropped);
	st->queue_stops += atomic64_read(&td->c.queue_stops);
	st->wakeups += atomic64_read(&td->c.wakeups);
	st->kicks += atomic64_read(&td->c.kicks);
	st->ring_errors += atomic64_read(&td->c.ring_errors);
	st->tx_inline_polls += atomic64_read(&td->c.tx_inline_polls);
}

/* The netdev's rx is tunx's tx (user -> kernel) and vice versa. */
static void tunx_dev_get_stats64(struct net_device *dev,
				 struct rtnl_link_stats64 *s)
{
	struct tunx_device *td = netdev_priv(dev);
	struct tunx_stats st = {};

	tunx_stats_fold(td, &st);
	s->rx_packets = st.tx_packets;
	s->rx_bytes = st.tx_bytes;
	s->rx_errors = st.invalid_descs + st.tx_bad_packets;
	s->rx_dropped = atomic64_read(&td->c.tx_dropped);
	s->tx_packets = st.rx_packets;
	s->tx_bytes = st.rx_bytes;
	s->tx_dropped = st.rx_dropped;
}

static const struct net_device_ops tunx_netdev_ops = {
	.ndo_init = tunx_dev_init,
	.ndo_uninit = tunx_dev_uninit,
	.ndo_open = tunx_dev_open,
	.ndo_stop = tunx_dev_stop,
	.ndo_start_xmit = tunx_xmit,
	.ndo_features_check = tunx_offload_features_check,
	.ndo_change_mtu = tunx_dev_change_mtu,
	.ndo_get_stats64 = tunx_dev_get_stats64,
};

static void tunx_dev_setup(struct net_device *dev)
{
	struct tunx_device *td = netdev_priv(dev);

	td->dev = dev;
	td->owner = INVALID_UID;
	td->group = INVALID_GID;
	dev->netdev_ops = &tunx_netdev_ops;
	dev->ethtool_ops = &tunx_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = 68;
	dev->max_mtu = 65535;
	dev->tx_queue_len = TUNX_TX_QUEUE_LEN;
	/*
	 * Scatter-gather on every device, offload or not: xmit copies with
	 * skb_copy_bits(), which walks frags and frag lists, so a sender's
	 * large datagram stays in page fragments instead of being built (or
	 * linearised by validate_xmit_skb()) as one contiguous allocation.
	 */
	dev->features |= NETIF_F_HIGHDMA | TUNX_BASE_FEATURES;
	dev->hw_features |= NETIF_F_HIGHDMA | TUNX_BASE_FEATURES;
}

/* Creation goes through /dev/net/tunx, which sets up the queues. */
static int tunx_link_validate(struct nlattr *tb[], struct nlattr *data[],
			      struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "tunx devices are created via /dev/net/tunx");
	return -EOPNOTSUPP;
}

/* ip link del, netns teardown and module unload all come here. */
static void tunx_link_dellink(struct net_device *dev, struct list_head *head)
{
	tunx_queue_detach_all(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

struct rtnl_link_ops tunx_link_ops __read_mostly = {
	.kind = "tunx",
	.priv_size = sizeof(struct tunx_device),
	.setup = tunx_dev_setup,
	.validate = tunx_link_validate,
	.dellink = tunx_link_dellink,
};

/**
 * tunx_device_find - look up a tunx device by name
 * @net: namespace
 * @name: exact device name
 *
 * Context: RTNL held.
 * Return: the device, ERR_PTR(-ENODEV) when absent, ERR_PTR(-EINVAL) when
 * a device of another kind has the name.
 */
struct tunx_device *tunx_device_find(struct net *net, const char *name)
{
	struct net_device *dev = __dev_get_by_name(net, name);

	if (!dev)
		return ERR_PTR(-ENODEV);
	if (dev->rtnl_link_ops != &tunx_link_ops)
		return ERR_PTR(-EINVAL);
	return netdev_priv(dev);
}

static struct net_device *tunx_device_alloc(const char *name, u32 flags)
{
	unsigned int nq = flags & TUNX_ATTACH_MULTI_QUEUE ? TUNX_MAX_QUEUES : 1;
	unsigned char assign = strchr(name, '%') ? NET_NAME_ENUM : NET_NAME_USER;
	struct net_device *dev;

	dev = alloc_netdev_mqs(sizeof(struct tunx_device), name, assign,
			       tunx_dev_setup, nq, nq);
	if (!dev)
		return NULL;
	/* Queues become real as files attach. */
	if (netif_set_real_num_queues(dev, 1, 1)) {
		free_netdev(dev);
		return NULL;
	}
	return dev;
}

/**
 * tunx_device_create - create and register a device with no queue
 * @net: namespace to create it in
 * @name: name or pattern with one "%d", already checked by dev_valid_name()
 * @flags: TUNX_ATTACH_* properties
 * @host_admin: its creator has CAP_NET_ADMIN in the initial user namespace
 *
 * Context: RTNL held.
 * Return: the device or an ERR_PTR.
 */
struct tunx_device *tunx_device_create(struct net *net, const char *name,
				       u32 flags, bool host_admin)
{
	struct net_device *dev;
	struct tunx_device *td;
	int err;

	dev = tunx_device_alloc(name, flags);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	td = netdev_priv(dev);
	td->flags = flags & TUNX_DEVICE_FLAGS;
	td->persist = flags & TUNX_ATTACH_PERSIST;
	td->rx_wake_usecs = TUNX_RX_WAKE_DEF_USECS;
	tunx_offload_init(dev, flags);
	dev_net_set(dev, net);
	dev->rtnl_link_ops = &tunx_link_ops;
	dev->sysfs_groups[0] = &tunx_attr_group;
	netif_carrier_off(dev);
	tunx_threads_setup(td, host_admin, flags & TUNX_ATTACH_BUSY_POLL);
	err = register_netdevice(dev);
	if (err) {
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return td;
}

/**
 * tunx_device_update_carrier - carrier is on while some queue has rings
 * @td: device
 *
 * Context: RTNL held.
 */
void tunx_device_update_carrier(struct tunx_device *td)
{
	u32 i;

	for (i = 0; i < td->num_queues; i++) {
		struct tunx_queue *q = rtnl_dereference(td->queues[i]);

		if (rtnl_dereference(q->area)) {
			netif_carrier_on(td->dev);
			return;
		}
	}
	netif_carrier_off(td->dev);
}

/**
 * tunx_device_may_attach - may the current task attach a queue to @td?
 * @td: device
 *
 * Owner, group member, or CAP_NET_ADMIN.  Unlike tun_not_capable(), a device
 * with neither owner nor group is not open to everyone.
 *
 * Context: RTNL held (it orders this against tunx_device_set_owner()).
 */
bool tunx_device_may_attach(struct tunx_device *td)
{
	const struct cred *cred = current_cred();
	struct net *net = dev_net(td->dev);

	if (uid_valid(td->owner) && uid_eq(cred->euid, td->owner))
		return true;
	if (gid_valid(td->group) && in_egroup_p(td->group))
		return true;
	return ns_capable(net->user_ns, CAP_NET_ADMIN);
}

/**
 * tunx_device_may_chown - may the current task change @td's owner or group?
 * @td: device
 *
 * Who a device belongs to is the admin's decision, not the decision of
 * whoever holds one of its files (tun lets the holder decide).  The check
 * is the one for creating a device in the device's namespace.
 */
bool tunx_device_may_chown(struct tunx_device *td)
{
	return ns_capable(dev_net(td->dev)->user_ns, CAP_NET_ADMIN);
}

/*
 * The setters of what the admin may change after creation.  RTNL orders
 * them against the attach checks; sysfs reads without RTNL, hence
 * WRITE_ONCE.
 */
void tunx_device_set_owner(struct tunx_device *td, kuid_t uid)
{
	ASSERT_RTNL();
	WRITE_ONCE(td->owner, uid);
}

void tunx_device_set_group(struct tunx_device *td, kgid_t gid)
{
	ASSERT_RTNL();
	WRITE_ONCE(td->group, gid);
}

void tunx_device_set_persist(struct tunx_device *td, bool on)
{
	ASSERT_RTNL();
	WRITE_ONCE(td->persist, on);
}

int tunx_device_init(void)
{
	return rtnl_link_register(&tunx_link_ops);
}

/* Deletes every remaining (persistent) device through dellink. */
void tunx_device_uninit(void)
{
	rtnl_link_unregister(&tunx_link_ops);
}
