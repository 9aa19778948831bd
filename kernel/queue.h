/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_QUEUE_H
#define _TUNX_QUEUE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/wait.h>

#include "device.h"
#include "rings.h"

/* Bits of tunx_queue.state. */
enum {
	TUNX_Q_RX_ARMED,	/* a poller found the rx ring empty */
	TUNX_Q_TX_ARMED,	/* a poller found the tx ring full */
	TUNX_Q_RX_STALLED,	/* rx ring full too long: drop, do not stop */
	TUNX_Q_BUSY,		/* busy-poll NAPI is spinning (busy.c) */
};

/*
 * Per-file state; it is also the queue once attached.  It lives as long as
 * the file, so the device only ever holds pointers to live queues.
 *
 * @td and @area are written under RTNL (and @lock for @area) and read by
 * the data path under RCU; detach clears them and waits for readers.
 * @attach_mutex is taken before RTNL by attach and detach: detach waits for
 * those readers after dropping RTNL, and must not find the queue attached
 * again, its NAPI instance re-added, before they are gone.
 */
struct tunx_queue {
	struct net *net;		/* namespace the file was opened in */
	struct tunx_device __rcu *td;
	struct tunx_area __rcu *area;
	struct mutex lock;		/* @area against mmap */
	struct mutex attach_mutex;	/* attach against detach's wait */
	struct napi_struct napi;
	struct timer_list stall;	/* see tunx_rx_stall() */
	struct list_head detached;	/* tunx_queue_detach_all() only */
	struct tunx_area *retiring;	/* tunx_queue_detach_all() only */
	wait_queue_head_t wq;
	unsigned long state;
	u64 busy_last;			/* NAPI only: last busy-poll work */
	u32 index;			/* changes when another queue detaches */
	bool dead;			/* the device was deleted under us */
};

int tunx_queue_attach(struct tunx_queue *q, struct tunx_device *td);
struct tunx_area *tunx_queue_detach_begin(struct tunx_queue *q, bool dead);
void tunx_queue_detach_finish(struct tunx_queue *q, struct tunx_area *area);
void tunx_queue_detach(struct tunx_queue *q, bool dead);
void tunx_queue_detach_all(struct tunx_device *td);
int tunx_queue_attach_file(struct tunx_queue *q, struct tunx_attach *a);
int tunx_queue_detach_file(struct tunx_queue *q);
int tunx_queue_errno(struct tunx_queue *q, struct tunx_device *td);
bool tunx_queue_kick(struct tunx_queue *q, struct tunx_device *td,
		     struct tunx_area *area);

#endif /* _TUNX_QUEUE_H */
