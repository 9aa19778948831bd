// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunx_open(): pick a backend, fall back from tunx to tun, and say why.
 * The explanations matter more than the code: "EPERM" alone is the top
 * complaint about TUN devices.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/tunx.h>
#include "internal.h"

static bool cfg_valid(const struct tunx_config *cfg, struct tunx_diag *d)
{
	if (cfg->name && strlen(cfg->name) >= IFNAMSIZ) {
		snprintf(d->message, sizeof(d->message),
			 "name \"%s\" longer than %d bytes", cfg->name,
			 IFNAMSIZ - 1);
		return false;
	}
	if (cfg->mtu && (cfg->mtu < 68 || cfg->mtu > TUNX_MAX_PACKET)) {
		snprintf(d->message, sizeof(d->message),
			 "MTU %u outside [68, 65535]", cfg->mtu);
		return false;
	}
	if (cfg->busy_poll && cfg->busy_poll_usecs > TUNX_BUSY_POLL_MAX_USECS) {
		snprintf(d->message, sizeof(d->message),
			 "busy_poll_usecs %u above %u", cfg->busy_poll_usecs,
			 TUNX_BUSY_POLL_MAX_USECS);
		return false;
	}
	if (cfg->rx_wake_usecs > TUNX_RX_WAKE_MAX_USECS) {
		snprintf(d->message, sizeof(d->message),
			 "rx_wake_usecs %u above %u", cfg->rx_wake_usecs,
			 TUNX_RX_WAKE_MAX_USECS);
		return false;
	}
	return true;
}

/*
 * Applies what every real link needs after the backend made it.  On failure
 * the caller closes @dev.
 */
static int link_finish(struct tunx_device *dev, const struct tunx_config *cfg,
		       struct tunx_diag *d)
{
	int r = 0;

	if (cfg->mtu)
		r = tunx_link_set_mtu(dev, cfg->mtu);
	if (!r)
		r = tunx__events_new(dev, cfg);
	if (r)
		snprintf(d->message, sizeof(d->message),
			 "%s device %s made, but setting it up failed: %s",
			 tunx_backend_name(dev->backend), dev->name,
			 tunx_strerror(r));
	return r;
}

static int open_auto(struct tunx_device **devp, const struct tunx_config *cfg,
		     struct tunx_diag *d)
{
	char why[sizeof(d->message)];
	int r;

	r = tunx__tunx_open(devp, cfg, d);
	if (!r) {
		snprintf(why, sizeof(why), "%s", d->message);
		snprintf(d->message, sizeof(d->message),
			 "auto: tunx chosen (%.200s)", why);
		return 0;
	}
	d->tunx_err = r;
	snprintf(why, sizeof(why), "%s", d->message);
	r = tunx__tun_open(devp, cfg, d);
	if (r) {
		char tunwhy[sizeof(d->message)];
		size_t len;

		d->tun_err = r;
		snprintf(tunwhy, sizeof(tunwhy), "%s", d->message);
		/* tun's remedy whole (it is the fallback), then tunx's in
		 * what room is left: the message has 256 bytes (ABI). */
		snprintf(d->message, sizeof(d->message),
			 "auto: no backend: tun: %.220s", tunwhy);
		len = strlen(d->message);
		snprintf(d->message + len, sizeof(d->message) - len,
			 "; tunx: %.240s", why);
		return r;
	}
	snprintf(d->message, sizeof(d->message),
		 "auto: fell back to /dev/net/tun because %.200s", why);
	return 0;
}

static int open_backend(struct tunx_device **devp,
			const struct tunx_config *cfg, struct tunx_diag *d)
{
	int r;

	switch (cfg->backend) {
	case TUNX_BACKEND_AUTO:
		return open_auto(devp, cfg, d);
	case TUNX_BACKEND_TUNX:
		r = tunx__tunx_open(devp, cfg, d);
		d->tunx_err = r;
		return r;
	case TUNX_BACKEND_TUN:
		r = tunx__tun_open(devp, cfg, d);
		d->tun_err = r;
		return r;
	case TUNX_BACKEND_CHANNEL:
		return tunx__channel_open(devp, cfg);
	case TUNX_BACKEND_FAKE:
		return tunx__fake_open(devp, cfg);
	case TUNX_BACKEND_PIPE:
		snprintf(d->message, sizeof(d->message),
			 "pipes come in pairs: use tunx_pipe_open()");
		return -EINVAL;
	default:
		snprintf(d->message, sizeof(d->message), "unknown backend %d",
			 (int)cfg->backend);
		return -EINVAL;
	}
}

/* *adopted: the device took @adopt_fd (closing it is now the device's). */
static int open_common(struct tunx_device **devp,
		       const struct tunx_config *caller,
		       struct tunx_diag *diag, int adopt_fd, bool *adopted)
{
	struct tunx_diag local;
	struct tunx_diag *d = diag ? diag : &local;
	struct tunx_config taken, *cfg = &taken;
	int r;

	memset(d, 0, sizeof(*d));
	*devp = NULL;
	if (!caller) {
		snprintf(d->message, sizeof(d->message),
			 "config not initialised with tunx_config_init()");
		return -EINVAL;
	}
	r = tunx__config_take(cfg, caller, d->message, sizeof(d->message));
	if (r)
		return r;
	if (!cfg_valid(cfg, d))
		return -EINVAL;
	d->backend = cfg->backend;
	if (adopt_fd >= 0) {
		d->backend = TUNX_BACKEND_TUN;
		r = tunx__tun_adopt(devp, adopt_fd, cfg, d);
		d->tun_err = r;
		*adopted = !r;
	} else {
		r = open_backend(devp, cfg, d);
	}
	if (r)
		return r;
	d->backend = (*devp)->backend;
	if (!d->message[0])
		snprintf(d->message, sizeof(d->message), "%s as asked%s",
			 tunx_backend_name(d->backend),
			 cfg->busy_poll ? ", busy poll off (no kernel side)" : "");
	snprintf((*devp)->reason, sizeof((*devp)->reason), "%s", d->message);
	r = (*devp)->ifindex ? link_finish(*devp, cfg, d)
			     : tunx__events_new(*devp, cfg);
	if (r) {
		tunx_close(*devp);
		*devp = NULL;
	}
	return r;
}

int tunx_open(struct tunx_device **devp, const struct tunx_config *cfg,
	      struct tunx_diag *diag)
{
	return open_common(devp, cfg, diag, -1, NULL);
}

/*
 * The device works on a duplicate, so a failure anywhere (MTU, events)
 * leaves the caller's fd as it was; success closes the caller's.
 */
int tunx_open_fd(struct tunx_device **devp, int fd,
		 const struct tunx_config *cfg, struct tunx_diag *diag)
{
	struct tunx_config defaults;
	bool adopted = false;
	int dup, r, fl;

	if (!cfg) {
		tunx_config_init(&defaults);
		cfg = &defaults;
	}
	fl = fcntl(fd, F_GETFL);
	dup = fl < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	r = open_common(devp, cfg, diag, dup, &adopted);
	if (r) {
		if (!adopted)
			close(dup);
		/* The duplicate shared its O_NONBLOCK with the caller's fd. */
		fcntl(fd, F_SETFL, fl);
		return r;
	}
	close(fd);
	return 0;
}
