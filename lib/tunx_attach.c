// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Attaching to (creating) a tunx device: probe what the module can do,
 * ask for offload and busy polling when the config wants them and the
 * module has them, and explain every refusal.  Offload and busy polling
 * are hints: without them the device works, only slower.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "backend_tunx.h"

static void explain_open(struct tunx_diag *d, const char *path, int err)
{
	bool loaded = !access("/sys/module/tunx", F_OK);

	if ((err == ENOENT && !loaded) || err == ENXIO || err == ENODEV)
		snprintf(d->message, sizeof(d->message),
			 "the tunx module is not loaded (no %s; modprobe tunx)",
			 path);
	else if (err == ENOENT)
		snprintf(d->message, sizeof(d->message),
			 "the tunx module is loaded but %s is missing (a "
			 "container without the device node?)", path);
	else if (err == EACCES || err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "cannot open %s: %s", path, tunx_strerror(err));
	else
		snprintf(d->message, sizeof(d->message), "opening %s: %s", path,
			 tunx_strerror(err));
}

static void explain_attach(struct tunx_diag *d, const char *name, int err)
{
	if (err == EPERM)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH %s: EPERM: needs CAP_NET_ADMIN, or to be "
			 "the owner or group of the device", name);
	else if (err == ENOTTY)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH: the module does not speak ABI %d",
			 TUNX_ABI_VERSION);
	else if (err == EBUSY)
		snprintf(d->message, sizeof(d->message),
			 "TUNX_IOC_ATTACH %s: EBUSY: device full or in use", name);
	else
		snprintf(d->message, sizeof(d->message), "TUNX_IOC_ATTACH %s: %s",
			 name, tunx_strerror(err));
}

static int tunx_ownership(int fd, const struct tunx_config *cfg,
			  struct tunx_diag *d)
{
	/* By value, as TUNSETOWNER (the uapi says so). */
	if ((cfg->owner >= 0 &&
	     ioctl(fd, TUNX_IOC_SET_OWNER, (unsigned long)cfg->owner) < 0) ||
	    (cfg->group >= 0 &&
	     ioctl(fd, TUNX_IOC_SET_GROUP, (unsigned long)cfg->group) < 0)) {
		snprintf(d->message, sizeof(d->message),
			 "setting owner/group: %s", tunx_strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Features and ABI of the module: GET_INFO works on a file not yet
 * attached.  A module of another ABI lays its rings out otherwise (ABI 1
 * had a frame per slot): refuse it before attaching, so that nothing is
 * created, and say which side to update.
 */
static int module_info(struct tunx_dev *t, struct tunx_diag *d)
{
	struct tunx_info info = { .size = sizeof(info) };

	if (ioctl(t->fd, TUNX_IOC_GET_INFO, &info))
		return 0;	/* attach explains a module this old */
	if (info.abi_version != TUNX_ABI_VERSION) {
		snprintf(d->message, sizeof(d->message),
			 "the tunx module speaks ABI %u, this libtunx ABI %d: "
			 "install the module of this release ('make "
			 "dkms-install') or a libtunx built against ABI %u",
			 info.abi_version, TUNX_ABI_VERSION, info.abi_version);
		return -EPROTO;
	}
	t->features = info.features;
	return 0;
}

/* The hint flags the module can give. */
static uint32_t module_hints(uint64_t feat)
{
	return (feat & TUNX_FEAT_OFFLOAD ? TUNX_ATTACH_OFFLOAD : 0) |
	       (feat & TUNX_FEAT_BUSY_POLL ? TUNX_ATTACH_BUSY_POLL : 0);
}

/* ... of which the config asks for these. */
static uint32_t hint_flags(const struct tunx_config *cfg, uint64_t feat)
{
	return module_hints(feat) &
	       ((cfg->offload ? TUNX_ATTACH_OFFLOAD : 0) |
		(cfg->busy_poll ? TUNX_ATTACH_BUSY_POLL : 0));
}

static int attach_try(int fd, struct tunx_attach *at, uint32_t flags,
		      uint32_t usecs)
{
	at->flags = flags;
	at->busy_poll_usecs = flags & TUNX_ATTACH_BUSY_POLL ? usecs : 0;
	return ioctl(fd, TUNX_IOC_ATTACH, at) ? -errno : 0;
}

/*
 * An existing device keeps the offload (and maybe busy-poll) choice it
 * was created with, and attach flags must match it (-EINVAL): on an
 * explicit name try the other combinations of the hints the module has.
 */
static int attach_flags(struct tunx_dev *t, struct tunx_attach *at,
			uint32_t want, uint32_t usecs)
{
	static const uint32_t toggles[] = {
		TUNX_ATTACH_OFFLOAD, TUNX_ATTACH_BUSY_POLL,
		TUNX_ATTACH_OFFLOAD | TUNX_ATTACH_BUSY_POLL,
	};
	uint32_t hints = module_hints(t->features);
	int r = attach_try(t->fd, at, want, usecs);
	size_t i;

	if (r != -EINVAL || !at->name[0] || strchr(at->name, '%'))
		return r;
	for (i = 0; i < sizeof(toggles) / sizeof(toggles[0]); i++)
		if (!(toggles[i] & ~hints) &&
		    !attach_try(t->fd, at, want ^ toggles[i], usecs))
			return 0;
	return r;
}

/* What the device really is: GET_INFO once attached (else what we asked). */
static void learn_flags(struct tunx_dev *t, const struct tunx_attach *at)
{
	struct tunx_info info = { .size = sizeof(info) };

	t->attach_flags = at->flags;
	if (!ioctl(t->fd, TUNX_IOC_GET_INFO, &info))
		t->attach_flags = info.flags;
}

int tunx__tunx_attach(struct tunx_dev *t, const struct tunx_config *cfg,
		      struct tunx_diag *d)
{
	const char *path = cfg->tunx_path ? cfg->tunx_path : TUNX_DEVICE_PATH;
	struct tunx_attach at = { .size = sizeof(at) };
	uint32_t want;
	int r;

	t->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		explain_open(d, path, errno);
		return -errno;
	}
	r = module_info(t, d);
	if (r)
		return r;
	want = hint_flags(cfg, t->features);
	if (cfg->persist)
		want |= TUNX_ATTACH_PERSIST;
	if (cfg->queues > 1)
		want |= TUNX_ATTACH_MULTI_QUEUE;
	snprintf(at.name, sizeof(at.name), "%s", cfg->name ? cfg->name : "");
	r = attach_flags(t, &at, want, cfg->busy_poll_usecs);
	if (r) {
		explain_attach(d, at.name[0] ? at.name : TUNX_DEFAULT_PATTERN, -r);
		return r;
	}
	r = tunx_ownership(t->fd, cfg, d);
	if (r)
		return r;
	learn_flags(t, &at);
	memcpy(t->dev.name, at.name, sizeof(at.name));
	t->dev.name[IFNAMSIZ - 1] = 0;
	t->dev.ifindex = (int)at.ifindex;
	return 0;
}
