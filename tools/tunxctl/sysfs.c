// SPDX-License-Identifier: GPL-2.0
/*
 * The module's sysfs attributes (tun's tun_flags/owner/group, plus queue
 * and ring facts).  Older modules lack them: every field then stays
 * CTL_UNKNOWN and is shown as "-", never guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunxctl.h"

static FILE *attr_open(const char *dev, const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
	return fopen(path, "re");
}

/* base 0 reads "0x3" as well as "-1" and "1000". */
static long read_long(const char *dev, const char *attr)
{
	FILE *f = attr_open(dev, attr);
	char buf[32], *end;
	long v;

	if (!f)
		return CTL_UNKNOWN;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return CTL_UNKNOWN;
	}
	fclose(f);
	v = strtol(buf, &end, 0);
	if (end == buf)
		return CTL_UNKNOWN;
	return v < 0 ? CTL_UNSET : v;
}

static void read_rings(struct ctl_dev *d)
{
	FILE *f = attr_open(d->name, "tunx_rings");
	struct ctl_ring r;

	d->n_rings = -1;
	if (!f)
		return;
	d->n_rings = 0;
	while (d->n_rings < TUNX_MAX_QUEUES &&
	       fscanf(f, "%u %u %u %u", &r.queue, &r.rx_entries, &r.tx_entries,
		      &r.area_size) == 4)
		d->rings[d->n_rings++] = r;
	fclose(f);
}

void ctl_read_sysfs(struct ctl_dev *d)
{
	d->flags = read_long(d->name, "tunx_flags");
	d->owner = read_long(d->name, "owner");
	d->group = read_long(d->name, "group");
	d->queues = read_long(d->name, "tunx_queues");
	read_rings(d);
}
