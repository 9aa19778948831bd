// SPDX-License-Identifier: GPL-2.0
/*
 * Running without CAP_NET_ADMIN, on a device an admin made for this user
 * (`tunxctl add vpn0 --owner USER`): every link change needs the
 * capability, even one to the value already set, so the tunnel sets only
 * what differs, and says what to run as root for what it may not change.
 * Messages follow tunx-tunnel(8), DIAGNOSTICS: the cause, then the
 * command that fixes it.
 */
#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/capability.h>

#include "tunnel.h"

bool tunnel_net_admin(void)
{
	char line[128];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << CAP_NET_ADMIN);
}

/* SIOCGIFMTU or SIOCGIFFLAGS on @name; needs no privilege. */
static int ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(fd, req, ifr))
		r = -errno;
	close(fd);
	return r;
}

/* The MTU of the existing device @name, 0 for a pattern or a new name. */
unsigned int tunnel_existing_mtu(const char *name)
{
	struct ifreq ifr;

	if (!name || strchr(name, '%') || ifreq_get(name, SIOCGIFMTU, &ifr))
		return 0;
	return (unsigned int)ifr.ifr_mtu;
}

bool tunnel_link_is_up(const char *name)
{
	struct ifreq ifr;

	return !ifreq_get(name, SIOCGIFFLAGS, &ifr) && ifr.ifr_flags & IFF_UP;
}

/* Whether @name already has the address @a of @family. */
bool tunnel_has_addr(const char *name, int family, const uint8_t *a)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || sa->sa_family != family || strcmp(i->ifa_name, name))
			continue;
		found = family == AF_INET ?
			!memcmp(&((const struct sockaddr_in *)sa)->sin_addr, a, 4) :
			!memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a, 16);
	}
	freeifaddrs(ifa);
	return found;
}

static long sysfs_long(const char *name, const char *attr)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return -2;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return *buf ? strtol(buf, NULL, 0) : -2;
}

static bool in_group(long gid)
{
	gid_t g[256];
	int i, n;

	if (gid < 0)
		return false;
	if ((gid_t)gid == getegid())
		return true;
	n = getgroups(256, g);
	for (i = 0; i < n; i++)
		if (g[i] == (gid_t)gid)
			return true;
	return false;
}

/*
 * Before opening @name: when it is a tunx device this user may not attach
 * to, say so.  Left to the attach, it reads "Invalid argument": the
 * kernel answers EINVAL before EPERM when the attach flags differ, and
 * the library passes that on.  Returns true when it explained.
 */
bool tunnel_explain_stranger(const char *name)
{
	long owner, group, flags;
	struct passwd *pw;
	char me[64], o[32], g[32];

	if (!name || strchr(name, '%') || tunnel_net_admin())
		return false;
	flags = sysfs_long(name, "tunx_flags");
	owner = sysfs_long(name, "owner");
	group = sysfs_long(name, "group");
	if (flags == -2 || owner == -2 || group == -2)
		return false;
	if ((owner >= 0 && (uid_t)owner == geteuid()) || in_group(group))
		return false;
	pw = getpwuid(geteuid());
	if (pw)
		snprintf(me, sizeof(me), "%s", pw->pw_name);
	else
		snprintf(me, sizeof(me), "%u", (unsigned int)geteuid());
	snprintf(o, sizeof(o), owner < 0 ? "no owner" : "owner uid %ld", owner);
	snprintf(g, sizeof(g), group < 0 ? "no group" : "group gid %ld", group);
	fprintf(stderr, "tunx-tunnel: cannot attach to %s: permission denied: "
		"it has %s and %s,\n  and this program runs as %s (uid %u) "
		"without CAP_NET_ADMIN\n  as root, give it to this user: "
		"`tunxctl set %s --owner %s` (or --group),\n  or run tunx-tunnel "
		"as root\n", name, o, g, me, (unsigned int)geteuid(), name, me);
	return true;
}
