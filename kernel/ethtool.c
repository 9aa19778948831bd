// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: driver info, link state, the tunx counters for `ethtool -S`
 * (the same numbers TUNX_IOC_GET_STATS returns), and rx-usecs for
 * `ethtool -C`: the bound on a deferred rx wakeup, as a NIC's interrupt
 * moderation is set.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/stddef.h>
#include <linux/stringify.h>
#include <linux/string.h>

#include "device.h"
#include "ethtool.h"

#define TUNX_STAT(name) { #name, offsetof(struct tunx_stats, name) }

static const struct {
	char name[ETH_GSTRING_LEN];
	size_t offset;
} tunx_ethtool_stats[] = {
	TUNX_STAT(rx_packets),
	TUNX_STAT(rx_bytes),
	TUNX_STAT(tx_packets),
	TUNX_STAT(tx_bytes),
	TUNX_STAT(invalid_descs),
	TUNX_STAT(tx_bad_packets),
	TUNX_STAT(rx_ring_full),
	TUNX_STAT(rx_dropped),
	TUNX_STAT(queue_stops),
	TUNX_STAT(wakeups),
	TUNX_STAT(kicks),
	TUNX_STAT(ring_errors),
	TUNX_STAT(tx_over_mtu),
	TUNX_STAT(tx_inline_polls),
};

static void tunx_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "tunx", sizeof(info->driver));
	snprintf(info->version, sizeof(info->version), "abi-%d",
		 TUNX_ABI_VERSION);
	strscpy(info->bus_info, "tunx", sizeof(info->bus_info));
}

static int tunx_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? ARRAY_SIZE(tunx_ethtool_stats) :
				      -EOPNOTSUPP;
}

static void tunx_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	size_t i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(tunx_ethtool_stats); i++)
		memcpy(data + i * ETH_GSTRING_LEN, tunx_ethtool_stats[i].name,
		       ETH_GSTRING_LEN);
}

static void tunx_get_ethtool_stats(struct net_device *dev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct tunx_stats st = {};
	size_t i;

	tunx_stats_fold(netdev_priv(dev), &st);
	for (i = 0; i < ARRAY_SIZE(tunx_ethtool_stats); i++)
		data[i] = *(u64 *)((u8 *)&st + tunx_ethtool_stats[i].offset);
}

static int tunx_get_coalesce(struct net_device *dev,
			     struct ethtool_coalesce *ec,
			     struct kernel_ethtool_coalesce *kec,
			     struct netlink_ext_ack *extack)
{
	struct tunx_device *td = netdev_priv(dev);

	ec->rx_coalesce_usecs = READ_ONCE(td->rx_wake_usecs);
	return 0;
}

/*
 * The default bound for readers that leave struct tunx_rx_wake's usecs 0;
 * readers that set their own keep it.  The ethtool core has checked
 * CAP_NET_ADMIN and that only rx-usecs changes.  Context: RTNL held.
 */
static int tunx_set_coalesce(struct net_device *dev,
			     struct ethtool_coalesce *ec,
			     struct kernel_ethtool_coalesce *kec,
			     struct netlink_ext_ack *extack)
{
	struct tunx_device *td = netdev_priv(dev);

	if (ec->rx_coalesce_usecs > TUNX_RX_WAKE_MAX_USECS) {
		NL_SET_ERR_MSG_MOD(extack, "rx-usecs above "
				   __stringify(TUNX_RX_WAKE_MAX_USECS));
		return -EINVAL;
	}
	WRITE_ONCE(td->rx_wake_usecs, ec->rx_coalesce_usecs);
	return 0;
}

const struct ethtool_ops tunx_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS,
	.get_drvinfo = tunx_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = tunx_get_sset_count,
	.get_strings = tunx_get_strings,
	.get_ethtool_stats = tunx_get_ethtool_stats,
	.get_coalesce = tunx_get_coalesce,
	.set_coalesce = tunx_set_coalesce,
};
