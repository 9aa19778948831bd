// SPDX-License-Identifier: GPL-2.0
/*
 * Queues: attaching a file to a device and detaching it again, whether the
 * file asks, closes, or the device goes away under it.
 */
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>

#include "compat.h"
#include "queue.h"
#include "rx.h"
#include "tx.h"

static int tunx_queue_set_real(struct tunx_device *td)
{
	/* The stack wants at least one real queue even with none attached. */
	unsigned int n = max_t(u32, td->num_queues, 1);

	return netif_set_real_num_queues(td->dev, n, n);
}

/**
 * tunx_queue_attach - make @q the next queue of @td
 * @q: unattached queue
 * @td: device
 *
 * Context: RTNL held.
 * Return: 0, or -EBUSY when the device has no free queue.
 */
int tunx_queue_attach(struct tunx_queue *q, struct tunx_device *td)
{
	u32 index = td->num_queues;
	int err;

	if (index >= td->dev->num_tx_queues)
		return -EBUSY;
	netif_napi_add(td->dev, &q->napi, tunx_tx_poll);
	napi_enable(&q->napi);
	q->index = index;
	q->dead = false;
	q->state = 0;
	rcu_assign_pointer(q->td, td);
	rcu_assign_pointer(td->queues[index], q);
	td->num_queues++;
	err = tunx_queue_set_real(td);
	if (err)
		goto unlink;
	return 0;

unlink:
	tunx_queue_detach(q, false);
	return err;
}

/*
 * Fill the hole at @index with the last queue, as tun does.  The rx ring
 * has one producer, the xmit that holds its txq's lock: an xmit on txq
 * @last that loaded the moved queue before the move must be done before
 * xmits on txq @index can find it there.  Holding txq @last's lock while
 * the pointers move waits for the first and keeps later ones out (they
 * find NULL once it is dropped).
 */
static void tunx_queue_unlink(struct tunx_device *td, u32 index)
{
	u32 last = td->num_queues - 1;
	struct tunx_queue *moved = rtnl_dereference(td->queues[last]);
	struct netdev_queue *txq = netdev_get_tx_queue(td->dev, last);

	__netif_tx_lock_bh(txq);
	rcu_assign_pointer(td->queues[index], moved);
	WRITE_ONCE(moved->index, index);
	RCU_INIT_POINTER(td->queues[last], NULL);
	__netif_tx_unlock_bh(txq);
	td->num_queues = last;
}

static void tunx_queue_drop_area(struct tunx_queue *q)
{
	struct tunx_area *area;

	mutex_lock(&q->lock);
	area = rcu_dereference_protected(q->area, lockdep_is_held(&q->lock));
	RCU_INIT_POINTER(q->area, NULL);
	mutex_unlock(&q->lock);
	tunx_area_put(area);
}

/*
 * First half of a detach: from here xmit cannot find @q in the device and
 * kicks and the stall timer find @q->td NULL, but those that looked before
 * may still run until a grace period has passed.
 */
static void tunx_queue_unpublish(struct tunx_device *td, struct tunx_queue *q,
				 bool dead)
{
	tunx_queue_unlink(td, q->index);
	RCU_INIT_POINTER(q->td, NULL);
	WRITE_ONCE(q->dead, dead);
	napi_disable(&q->napi);
}

/* Second half, after that grace period: nothing re-arms the timer now. */
static void tunx_queue_retire(struct tunx_queue *q)
{
	timer_delete_sync(&q->stall);
	netif_napi_del(&q->napi);
	tunx_queue_drop_area(q);
	wake_up_interruptible_poll(&q->wq, EPOLLHUP | EPOLLERR);
}

/* The device after queues left it: real queues, carrier, stopped txqs. */
static void tunx_queue_settle(struct tunx_device *td)
{
	/* Only sysfs allocations can fail here; more real queues is harmless. */
	if (tunx_queue_set_real(td))
		net_warn_ratelimited("tunx: %s: cannot shrink queues\n",
				     td->dev->name);
	tunx_device_update_carrier(td);
	/* A moved queue may inherit a stopped txq; xmit stops it again. */
	if (netif_running(td->dev))
		netif_tx_wake_all_queues(td->dev);
}

/**
 * tunx_queue_detach - detach @q from its device
 * @q: attached queue
 * @dead: the device is being deleted; later ioctls give -ENODEV
 *
 * After this returns no xmit, NAPI poll or kick touches @q or its area, and
 * the queue's reference on the area is gone (mappings keep theirs).
 *
 * Context: RTNL held.
 */
void tunx_queue_detach(struct tunx_queue *q, bool dead)
{
	struct tunx_device *td = rtnl_dereference(q->td);

	tunx_queue_unpublish(td, q, dead);
	/* Wait for xmit and kicks that found the queue before the unlink. */
	synchronize_net();
	tunx_queue_retire(q);
	tunx_queue_settle(td);
}

/**
 * tunx_queue_detach_all - detach every queue of a device being deleted
 * @td: device
 *
 * One grace period for all the queues, not one each: under RTNL each
 * synchronize_net() is an expedited grace period (an IPI to every CPU) taken
 * with RTNL held, and a device may have TUNX_MAX_QUEUES queues.
 *
 * Context: RTNL held.
 */
void tunx_queue_detach_all(struct tunx_device *td)
{
	struct tunx_queue *q, *next;
	LIST_HEAD(gone);

	if (!td->num_queues)
		return;	/* a persistent device nobody has open */
	while (td->num_queues) {
		q = rtnl_dereference(td->queues[td->num_queues - 1]);
		tunx_queue_unpublish(td, q, true);
		list_add_tail(&q->detached, &gone);
	}
	synchronize_net();
	list_for_each_entry_safe(q, next, &gone, detached) {
		list_del(&q->detached);
		tunx_queue_retire(q);
	}
	tunx_queue_settle(td);
}

/**
 * tunx_queue_errno - errno for ioctls that need an attached queue
 * @q: queue
 * @td: the one value of @q->td the caller read, and the only one it uses
 *
 * Taking the caller's @td rather than reading @q->td again is the point: a
 * detach between a check on one read and a use of another leaves the user
 * with NULL.
 *
 * Return: 0 when attached, -ENODEV after device deletion, -EBADFD else.
 */
int tunx_queue_errno(struct tunx_queue *q, struct tunx_device *td)
{
	if (td)
		return 0;
	return READ_ONCE(q->dead) ? -ENODEV : -EBADFD;
}
