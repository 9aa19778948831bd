/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_RX_H
#define _TUNX_RX_H

#include <linux/netdevice.h>

struct tunx_device;
struct tunx_queue;
struct tunx_area;

netdev_tx_t tunx_xmit(struct sk_buff *skb, struct net_device *dev);
bool tunx_rx_restart(struct tunx_queue *q, struct net_device *dev,
		     struct tunx_area *area);
bool tunx_rx_ready(struct tunx_area *area);
void tunx_rx_settle(struct tunx_device *td, bool wake);
void tunx_rx_timers_init(struct tunx_queue *q);

#endif /* _TUNX_RX_H */
