/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_TX_H
#define _TUNX_TX_H

#include <linux/netdevice.h>

struct tunx_device;
struct tunx_queue;
struct tunx_area;

int tunx_tx_poll(struct napi_struct *napi, int budget);
bool tunx_tx_pending(struct tunx_area *area);
bool tunx_tx_dirty(struct tunx_area *area);
bool tunx_tx_full(struct tunx_area *area);
void tunx_tx_kick(struct tunx_queue *q, struct tunx_device *td,
		  struct tunx_area *area);

#endif /* _TUNX_TX_H */
