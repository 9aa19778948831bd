// SPDX-License-Identifier: GPL-2.0
/*
 * Messages.  The rule (tunxctl(8), DIAGNOSTICS): a first line with what
 * failed and why, then the command that fixes it.  An errno alone is not
 * a message: the same EINVAL means "flags differ" or "bad name", the same
 * EBUSY "stop that program", so the cause is looked up where it can be
 * (sysfs, /proc) before anything is printed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tunxctl.h"

bool ctl_module_loaded(void)
{
	return !access("/sys/module/tunx", F_OK) ||
	       !access("/sys/class/misc/tunx", F_OK);
}

static void explain_load(void)
{
	struct utsname u;

	uname(&u);
	fprintf(stderr, "  load it with `modprobe tunx` (after `make dkms-install`),"
		"\n  or `insmod build/module/%s/tunx.ko` from a build tree.\n"
		"  Programs using libtunx fall back to /dev/net/tun without it.\n",
		u.release);
}

static void explain_missing_node(void)
{
	if (ctl_module_loaded()) {
		fprintf(stderr, "  the tunx module is loaded but %s is missing "
			"(a container?): bind-mount it or create it with\n"
			"  mknod %s c 10 $(cut -d: -f2 /sys/class/misc/tunx/dev)\n",
			TUNX_DEVICE_PATH, TUNX_DEVICE_PATH);
		return;
	}
	fprintf(stderr, "  the tunx module is not loaded:\n");
	explain_load();
}

int ctl_need_module(const char *what, const char *name)
{
	if (ctl_module_loaded())
		return 0;
	fprintf(stderr, "tunxctl: %s%s%s: the tunx module is not loaded, so "
		"there is no tunx device\n", what, name ? " " : "",
		name ? name : "");
	explain_load();
	return 1;
}

/* ENODEV: no such device at all, or one of another kind. */
static void explain_nodev(const char *what, const char *name)
{
	char drv[32];

	if (name && if_nametoindex(name)) {
		if (ctl_driver_name(name, drv, sizeof(drv)))
			snprintf(drv, sizeof(drv), "unknown");
		fprintf(stderr, "tunxctl: %s %s: %s is not a tunx device (its "
			"driver is %s)\n  `tunxctl show` lists the tunx devices\n",
			what, name, name, drv);
		return;
	}
	fprintf(stderr, "tunxctl: %s%s%s: no such tunx device\n"
		"  `tunxctl show` lists them; `tunxctl add NAME` makes one\n",
		what, name ? " " : "", name ? name : "");
}

/* The tunxctl command that failed, from what ctl_explain() was told. */
static const char *subcommand(const char *what)
{
	if (!strcmp(what, "create") || !strcmp(what, "configure"))
		return "add";
	if (!strcmp(what, "attach to"))
		return "set";
	return what;
}

/*
 * EPERM: root runs this; what a user usually wants instead is a device of
 * their own, which root gives once and the user's VPN then attaches to
 * without the capability.
 */
static void explain_perm(const char *what, const char *name)
{
	const char *n = name && *name ? name : "NAME", *sub = subcommand(what);

	fprintf(stderr, "  needs CAP_NET_ADMIN: run it as root, `sudo tunxctl %s"
		" %s ...`;\n  to let a user's VPN use %s without root, give it to"
		" them once:\n  `sudo tunxctl %s %s --owner USER`\n", sub, n, n,
		strcmp(sub, "add") ? "set" : "add", n);
}

/* One line saying what failed, then what would fix it. */
void ctl_explain(const char *what, const char *name, int err)
{
	if (err == -ENODEV)
		return explain_nodev(what, name);
	fprintf(stderr, "tunxctl: %s%s%s: %s\n", what, name ? " " : "",
		name ? name : "", strerror(-err));
	switch (-err) {
	case ENOENT: case ENXIO:
		if (!strcmp(what, "open " TUNX_DEVICE_PATH))
			explain_missing_node();
		else
			fprintf(stderr, "  no such tunx device (`tunxctl show` "
				"lists them)\n");
		break;
	case EPERM: case EACCES:
		explain_perm(what, name);
		break;
	case EBUSY:
		fprintf(stderr, "  a program holds the device's queues; `fuser -v"
			" %s` lists the programs\n  holding tunx queues: stop"
			" it, then run this again\n", TUNX_DEVICE_PATH);
		break;
	case EINVAL:
		if (!strcmp(what, "configure")) {
			fprintf(stderr, "  a value is out of range: an --owner or "
				"--group this user namespace does not map,\n  or "
				"an --mtu the device refuses (`id USER` and `ip link"
				" show %s` tell)\n", name ? name : "NAME");
			break;
		}
		fprintf(stderr, "  the name is taken by a device of another kind, or"
			" a value is out of range:\n  `ip link show %s` shows"
			" what holds the name\n", name ? name : "NAME");
		break;
	}
}

static void describe(char *buf, size_t len, long flags)
{
	snprintf(buf, len, "%s%s%s%s",
		 flags & TUNX_ATTACH_MULTI_QUEUE ? "multi-queue" : "single-queue",
		 flags & TUNX_ATTACH_OFFLOAD ? ", offload" : "",
		 flags & TUNX_ATTACH_BUSY_POLL ? ", busy poll" : "",
		 flags & TUNX_ATTACH_TAIL_DROP ? ", tail drop" : "");
}

/* add over an existing device whose creation-time properties differ. */
void ctl_explain_kind(const char *name, long have, long want)
{
	char h[64], w[64];

	describe(h, sizeof(h), have);
	describe(w, sizeof(w), want);
	fprintf(stderr, "tunxctl: add %s: %s exists as a %s device, not %s;\n"
		"  queues, offload and busy poll are fixed when a device is made:"
		"\n  `tunxctl del %s`, then run this add again (or pick another"
		" name)\n", name, name, h, w, name);
}

/* add or set on a device whose queues are all held. */
void ctl_explain_busy(const char *what, const char *name, long flags)
{
	char who[256];
	int n = ctl_find_holders(name, who, sizeof(who));
	bool multi = flags >= 0 && flags & TUNX_ATTACH_MULTI_QUEUE;

	fprintf(stderr, "tunxctl: %s %s: %s of %s %s held by %s;\n"
		"  owner, group and persistence change through a queue of"
		" their own:\n", what, name, multi ? "all the queues" : "the only queue",
		name, multi ? "are" : "is", n > 0 ? who : "a program");
	if (n > 0)
		fprintf(stderr, "  stop it, run this again, then start it again");
	else
		fprintf(stderr, "  `fuser -v %s` lists the programs holding tunx"
			" queues: stop the one using\n  %s, run this again, then"
			" start it again", TUNX_DEVICE_PATH, name);
	fprintf(stderr, "%s\n", multi ? "" : " (a device made with\n"
		"  `tunxctl add --queues 2` keeps a queue free for tunxctl)");
}
