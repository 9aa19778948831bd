// SPDX-License-Identifier: GPL-2.0
/*
 * Queues: attaching a file to a device and detaching it again, whether the
 * file asks, closes, or the device goes away under it; who may attach, and
 * when a device goes with its last queue; the doorbell that kicks a queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>

#include "busy.h"
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
	WRITE_ONCE(td->num_queues, last);
}

/*
 * First half of a detach: from here xmit cannot find @q in the device and
 * kicks and the stall timer find @q->td NULL, but those that looked before
 * may still run, and use the returned area, until a grace period has
 * passed.  The NAPI instance leaves the device now, while the device is
 * certainly alive; its memory is not reused before that grace period.
 */
static struct tunx_area *tunx_queue_unpublish(struct tunx_device *td,
					      struct tunx_queue *q, bool dead)
{
	struct tunx_area *area;

	tunx_queue_unlink(td, q->index);
	RCU_INIT_POINTER(q->td, NULL);
	WRITE_ONCE(q->dead, dead);
	napi_disable(&q->napi);
	__netif_napi_del(&q->napi);
	mutex_lock(&q->lock);
	area = rcu_dereference_protected(q->area, lockdep_is_held(&q->lock));
	RCU_INIT_POINTER(q->area, NULL);
	mutex_unlock(&q->lock);
	return area;
}

/* Second half, after that grace period: nothing re-arms the timer now. */
static void tunx_queue_retire(struct tunx_queue *q, struct tunx_area *area)
{
	timer_delete_sync(&q->stall);
	hrtimer_cancel(&q->rx_wake);
	tunx_area_put(area);
	wake_up_interruptible_poll(&q->wq, EPOLLHUP | EPOLLERR);
}

/* The device after queues left it: real queues, carrier, stopped txqs. */
static void tunx_queue_settle(struct tunx_device *td)
{
	/* Only sysfs allocations can fail here; more real queues is harmless. */
	if (tunx_queue_set_real(td))
		net_warn_ratelimited("%s: cannot shrink queues\n",
				     td->dev->name);
	tunx_device_update_carrier(td);
	/* A moved queue may inherit a stopped txq, or a running one. */
	if (netif_running(td->dev))
		tunx_rx_settle(td, true);
}

/**
 * tunx_queue_detach_begin - take @q out of its device
 * @q: attached queue
 * @dead: the device is being deleted; later ioctls give -ENODEV
 *
 * The caller must then drop RTNL and call tunx_queue_detach_finish() with
 * the result, holding @q->attach_mutex across both so that no attach
 * reuses the queue in between.
 *
 * Context: RTNL and @q->attach_mutex held.
 * Return: the queue's area (or NULL), for tunx_queue_detach_finish().
 */
static struct tunx_area *tunx_queue_detach_begin(struct tunx_queue *q,
						 bool dead)
{
	struct tunx_device *td = rtnl_dereference(q->td);
	struct tunx_area *area;

	lockdep_assert_held(&q->attach_mutex);
	area = tunx_queue_unpublish(td, q, dead);
	tunx_queue_settle(td);
	return area;
}

/**
 * tunx_queue_detach_finish - wait out the users of a detached queue
 * @q: queue after tunx_queue_detach_begin()
 * @area: what tunx_queue_detach_begin() returned
 *
 * After this returns no xmit, NAPI poll, kick or timer touches @q or
 * @area, and the queue's reference on the area is gone (mappings keep
 * theirs).  The grace period is waited for here, without RTNL: a user
 * detaching in a loop must not hold up link changes in every namespace.
 * It is expedited, as tun's (under RTNL) is, so close() stays quick.
 *
 * Context: process, RTNL not held, @q->attach_mutex held.
 */
static void tunx_queue_detach_finish(struct tunx_queue *q,
				     struct tunx_area *area)
{
	lockdep_assert_held(&q->attach_mutex);
	synchronize_rcu_expedited();
	tunx_queue_retire(q, area);
}

/**
 * tunx_queue_detach - detach @q from its device, all under RTNL
 * @q: attached queue
 * @dead: the device is being deleted
 *
 * For the paths that cannot drop RTNL (a failed attach); see
 * tunx_queue_detach_begin() for the usual split.
 *
 * Context: RTNL and @q->attach_mutex held.
 */
static void tunx_queue_detach(struct tunx_queue *q, bool dead)
{
	struct tunx_area *area = tunx_queue_detach_begin(q, dead);

	synchronize_net();
	tunx_queue_retire(q, area);
}

/**
 * tunx_queue_detach_all - detach every queue of a device being deleted
 * @td: device
 *
 * One grace period for all the queues, not one each: the device is being
 * unregistered under RTNL, which waits for grace periods of its own, and
 * a device may have TUNX_MAX_QUEUES queues.  The queues' files may be
 * between attach and detach of their own: attach and detach hold RTNL
 * while they change the device, so neither is halfway through here.
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
		q->retiring = tunx_queue_unpublish(td, q, true);
		list_add_tail(&q->detached, &gone);
	}
	synchronize_net();
	list_for_each_entry_safe(q, next, &gone, detached) {
		list_del(&q->detached);
		tunx_queue_retire(q, q->retiring);
		q->retiring = NULL;
	}
	tunx_queue_settle(td);
}

/**
 * tunx_kick - ring the queue's doorbell
 * @q: attached queue
 * @td: its device
 * @area: its area
 *
 * Runs NAPI for a dirty tx ring and restarts a stopped rx queue: what the
 * KICK ioctl asks for, and what poll() does before it sleeps, so a reader
 * that only polls never waits on work the kernel could have started.
 *
 * Context: RCU read lock held.
 * Return: true when there was something to do.
 */
bool tunx_kick(struct tunx_queue *q, struct tunx_device *td,
	       struct tunx_area *area)
{
	bool kicked = false;

	/* BH off so the NAPI softirq runs when we turn it back on. */
	local_bh_disable();
	if (tunx_tx_dirty(area)) {
		tunx_tx_kick(q, td, area);
		kicked = true;
	}
	if (tunx_rx_restart(q, td->dev, area)) {
		/* Busy-poll: let NAPI restart the queue from now on. */
		if (td->busy_poll_ns)
			napi_schedule(&q->napi);
		kicked = true;
	}
	local_bh_enable();
	return kicked;
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

/**
 * tunx_queue_attach - make @q the next queue of @td
 * @q: unattached queue
 * @td: device
 *
 * Context: RTNL held.
 * Return: 0, or -EBUSY when the device has no free queue.
 */
static int tunx_queue_attach(struct tunx_queue *q, struct tunx_device *td)
{
	u32 index = td->num_queues;
	int err;

	if (index >= td->dev->num_tx_queues)
		return -EBUSY;
	netif_napi_add(td->dev, &q->napi, tunx_tx_poll);
	napi_enable(&q->napi);
	/*
	 * Both are read without RTNL: @index by kicks, NAPI and the stall
	 * timer once @q is published, @dead by an ioctl or poll on this file
	 * that still finds @q->td NULL.
	 */
	WRITE_ONCE(q->index, index);
	WRITE_ONCE(q->dead, false);
	q->state = 0;
	rcu_assign_pointer(q->td, td);
	rcu_assign_pointer(td->queues[index], q);
	WRITE_ONCE(td->num_queues, index + 1);	/* sysfs reads it locklessly */
	err = tunx_queue_set_real(td);
	if (err)
		goto unlink;
	return 0;

unlink:
	tunx_queue_detach(q, false);
	return err;
}

/* What the ATTACH ioctl reports back. */
static void tunx_queue_attach_result(struct tunx_queue *q,
				     struct tunx_device *td,
				     struct tunx_attach *a)
{
	strscpy(a->name, td->dev->name, sizeof(a->name));
	a->ifindex = td->dev->ifindex;
	a->queue_index = q->index;
}

/* Who may join a device, and on which terms. */
static int tunx_queue_attach_existing(struct tunx_queue *q,
				      struct tunx_device *td,
				      struct tunx_attach *a)
{
	int err;

	if (a->flags & TUNX_ATTACH_EXCL)
		return -EBUSY;
	/* Permission first: a stranger must hear EPERM, not a flag detail. */
	if (!tunx_device_may_attach(td))
		return -EPERM;
	if ((a->flags ^ td->flags) & TUNX_DEVICE_FLAGS)
		return -EINVAL;
	err = tunx_queue_attach(q, td);
	if (err)
		return err;
	if (a->flags & TUNX_ATTACH_PERSIST)
		tunx_device_set_persist(td, true);
	return 0;
}

/*
 * Who may create a device: CAP_NET_ADMIN in the file's namespace, and in
 * the host's for busy poll.  Whether it gets NAPI threads: threads.c.
 */
static int tunx_queue_attach_new(struct tunx_queue *q, const char *name,
				 struct tunx_attach *a)
{
	struct tunx_device *td;
	bool host_admin;
	int err;

	if (a->flags & TUNX_ATTACH_NO_CREATE)
		return -ENODEV;
	if (!ns_capable(q->net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	/*
	 * Busy-poll kernel threads spin on behalf of the creator but belong
	 * to no cgroup of its: only the host's admin may start them.
	 */
	if (a->flags & TUNX_ATTACH_BUSY_POLL && !capable(CAP_NET_ADMIN))
		return -EPERM;
	/* A question, not a request: no audit record when the answer is no. */
	host_admin = ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
	td = tunx_device_create(q->net, name, a->flags, host_admin);
	if (IS_ERR(td))
		return PTR_ERR(td);
	if (a->flags & TUNX_ATTACH_BUSY_POLL) {
		err = tunx_busy_device_init(td, a->busy_poll_usecs);
		if (err)
			goto unregister;
	}
	err = tunx_queue_attach(q, td);
	if (err)
		goto unregister;
	tunx_queue_attach_result(q, td, a);
	return 0;

unregister:
	unregister_netdevice(td->dev);
	return err;
}

static int tunx_queue_attach_locked(struct tunx_queue *q,
				    struct tunx_attach *a)
{
	const char *name = a->name[0] ? a->name : TUNX_DEFAULT_PATTERN;
	struct tunx_device *td;
	int err;

	if (rtnl_dereference(q->td))
		return -EBUSY;
	/* A pattern always makes a new device. */
	if (strchr(name, '%'))
		return tunx_queue_attach_new(q, name, a);
	td = tunx_device_find(q->net, name);
	if (PTR_ERR(td) == -ENODEV)
		return tunx_queue_attach_new(q, name, a);
	if (IS_ERR(td))
		return PTR_ERR(td);
	err = tunx_queue_attach_existing(q, td, a);
	if (err)
		return err;
	tunx_queue_attach_result(q, td, a);
	return 0;
}

/**
 * tunx_queue_attach_file - attach @q as the ATTACH ioctl asks
 * @q: the file's queue
 * @a: the request, checked for reserved bits and a valid name; on success
 *	the device's name and ifindex and the queue's index are written back
 *
 * Joins the named device, or creates it (always, for a "%d" pattern).
 *
 * Context: process; takes @q->attach_mutex and RTNL.
 * Return: 0 or -errno.
 */
int tunx_queue_attach_file(struct tunx_queue *q, struct tunx_attach *a)
{
	int err;

	mutex_lock(&q->attach_mutex);
	rtnl_lock();
	err = tunx_queue_attach_locked(q, a);
	rtnl_unlock();
	mutex_unlock(&q->attach_mutex);
	return err;
}

/**
 * tunx_queue_detach_file - detach @q as the DETACH ioctl or close asks
 * @q: the file's queue
 *
 * Deletes a device that is neither persistent nor in use any more, as tun
 * does when its last file goes.
 *
 * Context: process; takes @q->attach_mutex and RTNL.
 * Return: 0, or tunx_queue_errno() when @q is not attached.
 */
int tunx_queue_detach_file(struct tunx_queue *q)
{
	struct tunx_device *td;
	struct tunx_area *area;
	int err;

	mutex_lock(&q->attach_mutex);
	rtnl_lock();
	td = rtnl_dereference(q->td);
	err = tunx_queue_errno(q, td);
	if (err)
		goto out_unlock;
	area = tunx_queue_detach_begin(q, false);
	if (!td->num_queues && !td->persist)
		unregister_netdevice(td->dev);
	rtnl_unlock();
	tunx_queue_detach_finish(q, area);
	mutex_unlock(&q->attach_mutex);
	return 0;

out_unlock:
	rtnl_unlock();
	mutex_unlock(&q->attach_mutex);
	return err;
}
