// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/net/tunx: open, poll, mmap and release; ioctls live in ioctl.c.
 * Each open file is one (possibly unattached) queue.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "chardev.h"
#include "ioctl.h"
#include "queue.h"
#include "rx.h"
#include "tx.h"

/* Level-triggered readiness; arm for a wakeup only when not ready. */
static __poll_t tunx_poll_rings(struct tunx_queue *q, struct tunx_device *td,
				struct tunx_area *area)
{
	__poll_t mask = 0;

	if (tunx_kick(q, td, area))
		tunx_count(td, kicks);
	if (!tunx_rx_ready(area)) {
		set_bit(TUNX_Q_RX_ARMED, &q->state);
		smp_mb__after_atomic();	/* G, matches H in rx.c */
	}
	if (tunx_rx_ready(area))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (tunx_tx_full(area)) {
		set_bit(TUNX_Q_TX_ARMED, &q->state);
		smp_mb__after_atomic();	/* G, matches H in tx.c */
	}
	if (!tunx_tx_full(area))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static __poll_t tunx_chr_poll(struct file *file, poll_table *wait)
{
	struct tunx_queue *q = file->private_data;
	struct tunx_device *td;
	struct tunx_area *area;
	__poll_t mask = 0;

	poll_wait(file, &q->wq, wait);
	rcu_read_lock();
	td = rcu_dereference(q->td);
	area = rcu_dereference(q->area);
	if (!td)
		mask = READ_ONCE(q->dead) ? EPOLLERR | EPOLLHUP : EPOLLERR;
	else if (area)
		mask = tunx_poll_rings(q, td, area);
	else	/* no rings yet: the first packet after setup wakes us */
		set_bit(TUNX_Q_RX_ARMED, &q->state);
	rcu_read_unlock();
	return mask;
}

static int tunx_chr_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tunx_queue *q = file->private_data;
	struct tunx_area *area;
	int err;

	mutex_lock(&q->lock);
	area = rcu_dereference_protected(q->area, lockdep_is_held(&q->lock));
	err = area ? tunx_area_mmap(area, vma) : -ENXIO;
	mutex_unlock(&q->lock);
	return err;
}

static int tunx_chr_open(struct inode *inode, struct file *file)
{
	struct tunx_queue *q;

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	mutex_init(&q->lock);
	mutex_init(&q->attach_mutex);
	init_waitqueue_head(&q->wq);
	tunx_rx_timers_init(q);
	q->net = get_net(current->nsproxy->net_ns);
	file->private_data = q;
	return stream_open(inode, file);
}

/* A mapping holds the file, so this runs after the last munmap too. */
static int tunx_chr_release(struct inode *inode, struct file *file)
{
	struct tunx_queue *q = file->private_data;

	/* Not attached (-EBADFD) or device gone (-ENODEV): nothing to undo. */
	tunx_queue_detach_file(q);
	/* Detach cancelled it unless the device went first; either way. */
	hrtimer_cancel(&q->rx_wake);
	put_net(q->net);
	mutex_destroy(&q->attach_mutex);
	mutex_destroy(&q->lock);
	kfree(q);
	return 0;
}

static const struct file_operations tunx_chr_fops = {
	.owner = THIS_MODULE,
	.open = tunx_chr_open,
	.release = tunx_chr_release,
	.unlocked_ioctl = tunx_chr_ioctl,
	.compat_ioctl = tunx_chr_compat_ioctl,
	.poll = tunx_chr_poll,
	.mmap = tunx_chr_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice tunx_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tunx",
	.nodename = "net/tunx",
	.mode = 0666,
	.fops = &tunx_chr_fops,
};

int tunx_chardev_init(void)
{
	return misc_register(&tunx_miscdev);
}

void tunx_chardev_uninit(void)
{
	misc_deregister(&tunx_miscdev);
}
