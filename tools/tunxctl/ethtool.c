// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool over SIOCETHTOOL: the driver name tells a tunx device from any
 * other, and `ethtool -S` counters come without attaching a queue.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tunxctl.h"

static int ethtool(const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = cmd;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		r = -errno;
	close(fd);
	return r;
}

int ctl_driver_name(const char *ifname, char *drv, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	int r = ethtool(ifname, &info);

	if (r)
		return r;
	snprintf(drv, len, "%.*s", (int)sizeof(info.driver), info.driver);
	return 0;
}

bool ctl_is_tunx(const char *ifname)
{
	char drv[64];

	return !ctl_driver_name(ifname, drv, sizeof(drv)) && !strcmp(drv, "tunx");
}

static int stats_count(const char *ifname)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} s = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			 .sset_mask = 1ULL << ETH_SS_STATS } };
	int r = ethtool(ifname, &s);

	if (r)
		return r;
	return s.hdr.sset_mask ? (int)s.len : 0;
}

int ctl_read_stats(struct ctl_dev *d)
{
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	int i, n, r;

	d->n_stats = 0;
	n = stats_count(d->name);
	if (n <= 0)
		return n;
	if (n > CTL_MAX_STATS)
		n = CTL_MAX_STATS;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)n * sizeof(__u64));
	r = -ENOMEM;
	if (!names || !vals)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = (__u32)n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = (__u32)n;
	r = ethtool(d->name, names);
	if (!r)
		r = ethtool(d->name, vals);
	for (i = 0; !r && i < n; i++) {
		size_t sz = sizeof(d->stat_names[0]);

		memcpy(d->stat_names[i], names->data + i * ETH_GSTRING_LEN,
		       sz - 1 < ETH_GSTRING_LEN ? sz - 1 : ETH_GSTRING_LEN);
		d->stat_names[i][sz - 1] = 0;
		d->stats[i] = vals->data[i];
		d->n_stats = (unsigned int)i + 1;
	}
out:
	free(names);
	free(vals);
	return r;
}
