/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_OFFLOAD_H
#define _TUNX_OFFLOAD_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tunx.h>

struct tunx_device;

/* What a device created with TUNX_ATTACH_OFFLOAD offers the stack. */
#define TUNX_OFFLOAD_FEATURES (NETIF_F_HW_CSUM | NETIF_F_SG | \
			       NETIF_F_FRAGLIST | NETIF_F_TSO | \
			       NETIF_F_TSO6 | NETIF_F_TSO_ECN | \
			       NETIF_F_GSO_UDP_L4)

void tunx_offload_init(struct net_device *dev, u32 flags);
void tunx_offload_update_max(struct tunx_device *td);
bool tunx_offload_gso_ok(const struct sk_buff *skb);
netdev_features_t tunx_offload_features_check(struct sk_buff *skb,
					      struct net_device *dev,
					      netdev_features_t features);
void tunx_offload_to_desc(const struct sk_buff *skb, struct tunx_desc *desc);
int tunx_offload_to_skb(struct sk_buff *skb, const struct tunx_desc *desc);

#endif /* _TUNX_OFFLOAD_H */
