// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/net/tunx: copy in, validate, call, copy out.  What an
 * ioctl does to a queue or device (who may attach, when a device goes, the
 * doorbell) belongs to queue.c and device.c.  User structs are copied in
 * before any lock is taken and copied out after all are dropped, so no page
 * fault ever happens under RTNL or a queue lock.
 *
 * Lock order: tunx_queue.attach_mutex (queue.c), RTNL, tunx_queue.lock;
 * mmap takes the queue lock under mmap_lock, and nothing here takes RTNL or
 * mmap_lock under the queue lock.
 */
#include <linux/compat.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/uaccess.h>

#include "busy.h"
#include "geometry.h"
#include "ioctl.h"
#include "offload.h"
#include "queue.h"

#define TUNX_FEATURES (TUNX_FEAT_MULTI_QUEUE | TUNX_FEAT_OFFLOAD | \
		       TUNX_FEAT_TAIL_DROP | TUNX_FEAT_NEED_WAKEUP | \
		       TUNX_FEAT_BUSY_POLL | TUNX_FEAT_RX_WAKE | \
		       TUNX_FEAT_TX_WAKE | TUNX_FEAT_SEG_SUMS)

static bool tunx_all_zero(const u32 *words, size_t n)
{
	return !memchr_inv(words, 0, n * sizeof(*words));
}

/* Size-prefixed struct in: -EINVAL if older than ours, -E2BIG if newer. */
static int tunx_copy_in(void *dst, size_t ksize, const void __user *argp)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)argp))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, argp, usize);
}

/* Out-only struct: only the size matters, but a newer tail must be zero. */
static int tunx_out_size(void __user *argp, void *dst, size_t ksize)
{
	return tunx_copy_in(dst, ksize, argp);
}

/* Everything but the leading size word, which stays the caller's. */
static int tunx_copy_out(void __user *argp, const void *src, size_t ksize)
{
	size_t skip = sizeof(u32);

	return copy_to_user(argp + skip, src + skip, ksize - skip) ? -EFAULT : 0;
}

static int tunx_attach_check(struct tunx_attach *a)
{
	if (a->flags & ~TUNX_ATTACH_ALL ||
	    !tunx_all_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	if (tunx_busy_check(a->flags, a->busy_poll_usecs))
		return -EINVAL;
	if (strnlen(a->name, sizeof(a->name)) == sizeof(a->name))
		return -EINVAL;
	if (a->name[0] && !dev_valid_name(a->name))
		return -EINVAL;
	return 0;
}

static long tunx_ioctl_attach(struct tunx_queue *q, void __user *argp)
{
	struct tunx_attach a;
	int err;

	err = tunx_copy_in(&a, sizeof(a), argp);
	if (err)
		return err;
	err = tunx_attach_check(&a);
	if (err)
		return err;
	err = tunx_queue_attach_file(q, &a);
	return err ? err : tunx_copy_out(argp, &a, sizeof(a));
}

static long tunx_ioctl_detach(struct tunx_queue *q)
{
	return tunx_queue_detach_file(q);
}

static u32 tunx_id_out(struct user_namespace *ns, kuid_t uid)
{
	return uid_valid(uid) ? from_kuid_munged(ns, uid) : TUNX_NO_OWNER;
}

static u32 tunx_gid_out(struct user_namespace *ns, kgid_t gid)
{
	return gid_valid(gid) ? from_kgid_munged(ns, gid) : TUNX_NO_OWNER;
}

static void tunx_info_rings(struct tunx_info *info, struct tunx_area *area)
{
	info->rx_entries = area->geo.rx_entries;
	info->tx_entries = area->geo.tx_entries;
	info->area_size = area->geo.area_size;
	info->max_packet = area->geo.max_packet;
	info->mmap_size = area->geo.mmap_size;
}

static void tunx_info_fill(struct tunx_queue *q, struct tunx_info *info)
{
	struct user_namespace *ns = current_user_ns();
	struct tunx_device *td = rtnl_dereference(q->td);
	struct tunx_area *area;

	info->abi_version = TUNX_ABI_VERSION;
	info->features = TUNX_FEATURES;
	info->max_queues = TUNX_MAX_QUEUES;
	if (!td)
		return;
	info->flags = tunx_device_flags(td);
	strscpy(info->name, td->dev->name, sizeof(info->name));
	info->ifindex = td->dev->ifindex;
	info->owner = tunx_id_out(ns, td->owner);
	info->group = tunx_gid_out(ns, td->group);
	info->queue_index = q->index;
	info->num_queues = td->num_queues;
	info->max_queues = td->dev->num_tx_queues;
	info->mtu = td->dev->mtu;
	area = rtnl_dereference(q->area);
	if (area)
		tunx_info_rings(info, area);
}

static long tunx_ioctl_get_info(struct tunx_queue *q, void __user *argp)
{
	struct tunx_info info = {};
	int err;

	err = tunx_out_size(argp, &info, sizeof(info));
	if (err)
		return err;
	memset(&info, 0, sizeof(info));
	rtnl_lock();
	tunx_info_fill(q, &info);
	rtnl_unlock();
	return tunx_copy_out(argp, &info, sizeof(info));
}

static void tunx_setup_result(struct tunx_ring_setup *rs,
			      const struct tunx_geometry *geo)
{
	rs->rx_entries = geo->rx_entries;
	rs->tx_entries = geo->tx_entries;
	rs->area_size = geo->area_size;
	rs->max_packet = geo->max_packet;
	rs->mmap_size = geo->mmap_size;
	rs->rx = geo->rx;
	rs->tx = geo->tx;
	rs->rx_area = geo->rx_area;
	rs->tx_area = geo->tx_area;
	rs->rx_wake = geo->rx_wake;
	rs->tx_wake = geo->tx_wake;
}

/* Before allocating: the queue may take rings; the MTU they must carry. */
static int tunx_setup_prepare(struct tunx_queue *q, u32 *mtu)
{
	struct tunx_device *td;
	int err;

	rtnl_lock();
	td = rtnl_dereference(q->td);
	err = tunx_queue_errno(q, td);
	if (err)
		goto out_unlock;
	if (rtnl_dereference(q->area)) {
		err = -EBUSY;
		goto out_unlock;
	}
	*mtu = td->dev->mtu;
out_unlock:
	rtnl_unlock();
	return err;
}

/* After allocating without RTNL: check again, as anything may have moved. */
static int tunx_setup_locked(struct tunx_queue *q, struct tunx_area *area)
{
	struct tunx_device *td = rtnl_dereference(q->td);
	int err;

	err = tunx_queue_errno(q, td);
	if (err)
		return err;
	if (rtnl_dereference(q->area))
		return -EBUSY;
	if (td->dev->mtu > area->geo.max_packet)
		return -EINVAL;
	/* Only super-packets have segments: the sums are an offload's. */
	if (area->rx.seg_sums && !(td->flags & TUNX_ATTACH_OFFLOAD))
		return -EINVAL;
	mutex_lock(&q->lock);
	rcu_assign_pointer(q->area, area);
	mutex_unlock(&q->lock);
	/*
	 * A poll that found no rings set its rx flag without a barrier, so
	 * the first packet may have missed it: pollers look again now.
	 */
	wake_up_interruptible_poll(&q->wq, EPOLLIN | EPOLLOUT);
	tunx_offload_update_max(td);
	tunx_device_update_carrier(td);
	return 0;
}

/*
 * The area (up to TUNX_MAX_MMAP_SIZE, zeroed) is allocated, and freed on
 * failure, without RTNL: an unprivileged user's setup must not stall
 * every other namespace's link changes.
 */
static int tunx_setup_area(struct tunx_queue *q, struct tunx_ring_setup *rs)
{
	struct tunx_geometry geo;
	struct tunx_area *area;
	u32 mtu;
	int err;

	err = tunx_setup_prepare(q, &mtu);
	if (err)
		return err;
	err = tunx_geometry_compute(&geo, rs->rx_entries, rs->tx_entries,
				    rs->area_size, mtu);
	if (err)
		return err;
	area = tunx_area_create(&geo);
	if (!area)
		return -ENOMEM;
	area->rx.seg_sums = rs->flags & TUNX_SETUP_SEG_SUMS;
	rtnl_lock();
	err = tunx_setup_locked(q, area);
	rtnl_unlock();
	if (err) {
		tunx_area_put(area);
		return err;
	}
	tunx_setup_result(rs, &geo);
	return 0;
}

static long tunx_ioctl_setup_rings(struct tunx_queue *q, void __user *argp)
{
	struct tunx_ring_setup rs;
	int err;

	err = tunx_copy_in(&rs, sizeof(rs), argp);
	if (err)
		return err;
	/* ABI 1 programs pass 0: they would read packets where none are. */
	if (rs.abi_version != TUNX_ABI_VERSION)
		return -EPROTO;
	if (rs.flags & ~TUNX_SETUP_ALL ||
	    !tunx_all_zero(rs.reserved, ARRAY_SIZE(rs.reserved)))
		return -EINVAL;
	err = tunx_setup_area(q, &rs);
	return err ? err : tunx_copy_out(argp, &rs, sizeof(rs));
}

static long tunx_ioctl_kick(struct tunx_queue *q)
{
	struct tunx_device *td;
	struct tunx_area *area;
	int err;

	/* One read of each pointer: check and use the same values. */
	rcu_read_lock();
	td = rcu_dereference(q->td);
	area = rcu_dereference(q->area);
	err = tunx_queue_errno(q, td);
	if (err)
		goto out_unlock;
	if (!area) {
		err = -ENXIO;
		goto out_unlock;
	}
	tunx_count(td, kicks);
	tunx_kick(q, td, area);
out_unlock:
	rcu_read_unlock();
	return err;
}

static long tunx_ioctl_get_stats(struct tunx_queue *q, void __user *argp)
{
	struct tunx_stats st = {};
	struct tunx_device *td;
	int err;

	err = tunx_out_size(argp, &st, sizeof(st));
	if (err)
		return err;
	memset(&st, 0, sizeof(st));
	rcu_read_lock();
	td = rcu_dereference(q->td);
	err = tunx_queue_errno(q, td);
	if (err)
		goto out_unlock;
	tunx_stats_fold(td, &st);
out_unlock:
	rcu_read_unlock();
	return err ? err : tunx_copy_out(argp, &st, sizeof(st));
}

static int tunx_set_owner(struct tunx_device *td, u32 id)
{
	kuid_t uid = make_kuid(current_user_ns(), id);

	if (!tunx_device_may_chown(td))
		return -EPERM;
	if (id != TUNX_NO_OWNER && !uid_valid(uid))
		return -EINVAL;
	tunx_device_set_owner(td, uid);
	return 0;
}

static int tunx_set_group(struct tunx_device *td, u32 id)
{
	kgid_t gid = make_kgid(current_user_ns(), id);

	if (!tunx_device_may_chown(td))
		return -EPERM;
	if (id != TUNX_NO_OWNER && !gid_valid(gid))
		return -EINVAL;
	tunx_device_set_group(td, gid);
	return 0;
}

/* Any holder of a file may keep the device, as with tun. */
static int tunx_set_persist(struct tunx_device *td, u32 on)
{
	if (on > 1)
		return -EINVAL;
	tunx_device_set_persist(td, on);
	return 0;
}

/*
 * TUNX_IOC_SET_{OWNER,GROUP,PERSIST}: the argument is the value, which
 * @set checks and stores on the queue's device under RTNL.
 */
static long tunx_ioctl_set(struct tunx_queue *q, unsigned long arg,
			   int (*set)(struct tunx_device *td, u32 val))
{
	struct tunx_device *td;
	int err;

	if (arg > U32_MAX)
		return -EINVAL;
	rtnl_lock();
	td = rtnl_dereference(q->td);
	err = tunx_queue_errno(q, td);
	if (err)
		goto out_unlock;
	err = set(td, arg);
out_unlock:
	rtnl_unlock();
	return err;
}

long tunx_chr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct tunx_queue *q = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TUNX_IOC_ATTACH:
		return tunx_ioctl_attach(q, argp);
	case TUNX_IOC_DETACH:
		return tunx_ioctl_detach(q);
	case TUNX_IOC_GET_INFO:
		return tunx_ioctl_get_info(q, argp);
	case TUNX_IOC_SETUP_RINGS:
		return tunx_ioctl_setup_rings(q, argp);
	case TUNX_IOC_KICK:
		return tunx_ioctl_kick(q);
	case TUNX_IOC_GET_STATS:
		return tunx_ioctl_get_stats(q, argp);
	case TUNX_IOC_SET_OWNER:
		return tunx_ioctl_set(q, arg, tunx_set_owner);
	case TUNX_IOC_SET_GROUP:
		return tunx_ioctl_set(q, arg, tunx_set_group);
	case TUNX_IOC_SET_PERSIST:
		return tunx_ioctl_set(q, arg, tunx_set_persist);
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/*
 * A 32-bit caller's pointers are widened by compat_ptr(), its values are
 * not: compat_ptr_ioctl() would do both, and on s390 compat_ptr() clears
 * bit 31, making TUNX_NO_OWNER (0xffffffff) the owner uid 0x7fffffff.
 */
long tunx_chr_compat_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case TUNX_IOC_SET_OWNER:
	case TUNX_IOC_SET_GROUP:
	case TUNX_IOC_SET_PERSIST:
		return tunx_chr_ioctl(file, cmd, (compat_ulong_t)arg);
	default:
		return tunx_chr_ioctl(file, cmd,
				      (unsigned long)compat_ptr(arg));
	}
}
#endif
