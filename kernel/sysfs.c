// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of a tunx device, read by tunxctl: what a device is and
 * who may attach, without attaching a queue to find out.  tun's tun_flags,
 * owner and group have the same shape.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sysfs.h>

#include "device.h"
#include "queue.h"
#include "sysfs.h"

static struct tunx_device *tunx_sysfs_dev(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

static ssize_t tunx_flags_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "0x%x\n", tunx_device_flags(tunx_sysfs_dev(d)));
}

/* -1 for "unset", as tun prints it; ids as the reader's namespace sees them. */
static ssize_t owner_show(struct device *d, struct device_attribute *attr,
			  char *buf)
{
	kuid_t uid = READ_ONCE(tunx_sysfs_dev(d)->owner);

	if (!uid_valid(uid))
		return sysfs_emit(buf, "-1\n");
	return sysfs_emit(buf, "%u\n", from_kuid_munged(current_user_ns(), uid));
}

static ssize_t group_show(struct device *d, struct device_attribute *attr,
			  char *buf)
{
	kgid_t gid = READ_ONCE(tunx_sysfs_dev(d)->group);

	if (!gid_valid(gid))
		return sysfs_emit(buf, "-1\n");
	return sysfs_emit(buf, "%u\n", from_kgid_munged(current_user_ns(), gid));
}

static ssize_t tunx_queues_show(struct device *d,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(tunx_sysfs_dev(d)->num_queues));
}

/*
 * One line per queue with rings: "QUEUE RX_ENTRIES TX_ENTRIES FRAME_SIZE".
 * Queues and areas change under RTNL; trylock as net-sysfs does, because
 * unregistering a device removes these files while holding RTNL.
 */
static ssize_t tunx_rings_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	struct tunx_device *td = tunx_sysfs_dev(d);
	ssize_t len = 0;
	u32 i;

	if (!rtnl_trylock())
		return restart_syscall();
	for (i = 0; i < td->num_queues; i++) {
		struct tunx_queue *q = rtnl_dereference(td->queues[i]);
		struct tunx_area *area = rtnl_dereference(q->area);

		if (!area)
			continue;
		len += sysfs_emit_at(buf, len, "%u %u %u %u\n", i,
				     area->geo.rx_entries, area->geo.tx_entries,
				     area->geo.area_size);
	}
	rtnl_unlock();
	return len;
}

static DEVICE_ATTR_RO(tunx_flags);
static DEVICE_ATTR_RO(owner);
static DEVICE_ATTR_RO(group);
static DEVICE_ATTR_RO(tunx_queues);
static DEVICE_ATTR_RO(tunx_rings);

static struct attribute *tunx_attrs[] = {
	&dev_attr_tunx_flags.attr,
	&dev_attr_owner.attr,
	&dev_attr_group.attr,
	&dev_attr_tunx_queues.attr,
	&dev_attr_tunx_rings.attr,
	NULL
};

const struct attribute_group tunx_attr_group = {
	.attrs = tunx_attrs,
};
