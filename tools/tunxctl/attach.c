// SPDX-License-Identifier: GPL-2.0
/*
 * Everything that needs a queue: create (attach with PERSIST), and change
 * owner, group or persistence (attach with NO_CREATE, then the ioctls).
 * The file is closed right after, so only persistence keeps the device.
 * What the errors mean is explain.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "tunxctl.h"

int ctl_open_node(void)
{
	int fd = open(TUNX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ctl_attach(int fd, const char *name, uint32_t flags, char *out_name)
{
	struct tunx_attach a = { .size = sizeof(a), .flags = flags };

	if (name)
		strncpy(a.name, name, sizeof(a.name) - 1);
	if (ioctl(fd, TUNX_IOC_ATTACH, &a))
		return -errno;
	if (out_name)
		memcpy(out_name, a.name, sizeof(a.name));
	return 0;
}

/* add: a persistent device with the creation-time properties asked for. */
int ctl_create(int fd, const char *name, const struct ctl_change *c,
	       char *out_name)
{
	struct tunx_attach a = { .size = sizeof(a), .flags = TUNX_ATTACH_PERSIST };

	if (c->queues > 1)
		a.flags |= TUNX_ATTACH_MULTI_QUEUE;
	if (c->offload)
		a.flags |= TUNX_ATTACH_OFFLOAD;
	if (c->busy_poll) {
		a.flags |= TUNX_ATTACH_BUSY_POLL;
		a.busy_poll_usecs = c->busy_poll_usecs;
	}
	strncpy(a.name, name, sizeof(a.name) - 1);
	if (ioctl(fd, TUNX_IOC_ATTACH, &a))
		return -errno;
	memcpy(out_name, a.name, sizeof(a.name));
	return 0;
}

/*
 * Attaching @fd to an existing device must repeat its creation-time flags.
 * sysfs says which; without it, try the combinations (EINVAL means "not
 * these").
 */
int ctl_attach_existing(int fd, const char *name, long known_flags)
{
	const uint32_t props = TUNX_ATTACH_MULTI_QUEUE | TUNX_ATTACH_OFFLOAD |
			       TUNX_ATTACH_TAIL_DROP | TUNX_ATTACH_BUSY_POLL;
	uint32_t f;
	int r = -EINVAL;

	for (f = 0; f <= props && r == -EINVAL; f++) {
		uint32_t want = known_flags >= 0 ? (uint32_t)known_flags & props : f;

		if (want & ~props)
			continue;
		r = ctl_attach(fd, name, TUNX_ATTACH_NO_CREATE | want, NULL);
		if (known_flags >= 0)
			break;
	}
	return r;
}

int ctl_apply(int fd, const struct ctl_change *c)
{
	if (c->has_owner && ioctl(fd, TUNX_IOC_SET_OWNER, c->owner))
		return -errno;
	if (c->has_group && ioctl(fd, TUNX_IOC_SET_GROUP, c->group))
		return -errno;
	if (c->has_persist && ioctl(fd, TUNX_IOC_SET_PERSIST, (uint32_t)c->persist))
		return -errno;
	return 0;
}
