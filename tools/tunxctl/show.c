// SPDX-License-Identifier: GPL-2.0
/*
 * `tunxctl show [NAME] [--json]`: every tunx device of this network
 * namespace (a device whose ethtool driver is "tunx"), with its flags,
 * owner, queues, ring geometry and counters.  Text for people, JSON for
 * programs; absent facts are "-" in text and null in JSON.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "tunxctl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ TUNX_ATTACH_PERSIST, "persist" },
	{ TUNX_ATTACH_MULTI_QUEUE, "multi_queue" },
	{ TUNX_ATTACH_OFFLOAD, "offload" },
	{ TUNX_ATTACH_TAIL_DROP, "tail_drop" },
	{ TUNX_ATTACH_BUSY_POLL, "busy_poll" },
};

#define N_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static void print_flags(const struct ctl_dev *d, bool json)
{
	const char *sep = "";
	size_t i;

	if (d->flags == CTL_UNKNOWN) {
		printf(json ? "null" : "-");
		return;
	}
	printf(json ? "[" : "");
	for (i = 0; i < N_FLAGS; i++) {
		if (!(d->flags & flag_names[i].bit))
			continue;
		printf(json ? "%s\"%s\"" : "%s%s", sep, flag_names[i].name);
		sep = json ? ", " : ",";
	}
	if (!json && !*sep)
		printf("none");
	printf(json ? "]" : "");
}

/* Text: "-" unknown, "none" unset; JSON: null unknown, -1 unset (as sysfs). */
static void print_id(long v, bool json)
{
	if (v == CTL_UNKNOWN)
		printf(json ? "null" : "-");
	else if (v == CTL_UNSET)
		printf(json ? "-1" : "none");
	else
		printf("%ld", v);
}

static void print_text(const struct ctl_dev *d)
{
	unsigned int i;

	printf("%s: tunx flags ", d->name);
	print_flags(d, false);
	printf(" owner ");
	print_id(d->owner, false);
	printf(" group ");
	print_id(d->group, false);
	printf("\n    ifindex %d mtu %u state %s queues ", d->ifindex, d->mtu,
	       d->lower_up ? "UP" : d->up ? "UP,NO-CARRIER" : "DOWN");
	print_id(d->queues, false);
	printf("\n");
	if (d->n_rings < 0)
		printf("    rings -\n");
	for (i = 0; d->n_rings > 0 && i < (unsigned int)d->n_rings; i++)
		printf("    queue %u rings rx %u tx %u area %u\n", d->rings[i].queue,
		       d->rings[i].rx_entries, d->rings[i].tx_entries,
		       d->rings[i].area_size);
	for (i = 0; i < d->n_stats; i++)
		printf("%s%s %llu%s", i % 4 ? "  " : "    ", d->stat_names[i],
		       (unsigned long long)d->stats[i],
		       i % 4 == 3 || i + 1 == d->n_stats ? "\n" : "");
}

/* Interface names may hold quotes and backslashes: escape them. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json_rings(const struct ctl_dev *d)
{
	int i;

	if (d->n_rings < 0) {
		printf("null");
		return;
	}
	printf("[");
	for (i = 0; i < d->n_rings; i++)
		printf("%s{\"queue\": %u, \"rx_entries\": %u, \"tx_entries\": %u, "
		       "\"area_size\": %u}", i ? ", " : "", d->rings[i].queue,
		       d->rings[i].rx_entries, d->rings[i].tx_entries,
		       d->rings[i].area_size);
	printf("]");
}

static void print_json(const struct ctl_dev *d, bool first)
{
	unsigned int i;

	printf("%s  {\"name\": ", first ? "" : ",\n");
	json_str(d->name);
	printf(", \"ifindex\": %d, \"mtu\": %u, \"up\": %s, \"carrier\": %s,\n"
	       "   \"flags\": ", d->ifindex, d->mtu, d->up ? "true" : "false",
	       d->lower_up ? "true" : "false");
	print_flags(d, true);
	printf(", \"owner\": ");
	print_id(d->owner, true);
	printf(", \"group\": ");
	print_id(d->group, true);
	printf(", \"queues\": ");
	print_id(d->queues, true);
	printf(",\n   \"rings\": ");
	print_json_rings(d);
	printf(",\n   \"stats\": {");
	for (i = 0; i < d->n_stats; i++) {
		printf("%s", i ? ", " : "");
		json_str(d->stat_names[i]);
		printf(": %llu", (unsigned long long)d->stats[i]);
	}
	printf("}}");
}

struct show_ctx {
	const char *only;
	bool json;
	int shown;
};

static int show_one(const char *name, int ifindex, unsigned int mtu,
		    unsigned int ifflags, void *arg)
{
	struct show_ctx *s = arg;
	struct ctl_dev d;

	if ((s->only && strcmp(name, s->only)) || !ctl_is_tunx(name))
		return 0;
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.ifindex = ifindex;
	d.mtu = mtu;
	d.up = ifflags & IFF_UP;
	d.lower_up = ifflags & IFF_LOWER_UP;
	ctl_read_sysfs(&d);
	ctl_read_stats(&d);
	if (s->json)
		print_json(&d, !s->shown);
	else
		print_text(&d);
	s->shown++;
	return 0;
}

int ctl_show(const char *name, bool json)
{
	struct show_ctx s = { .only = name, .json = json };
	int r;

	if (json)
		printf("[\n");
	r = ctl_link_each(show_one, &s);
	if (json)
		printf("%s]\n", s.shown ? "\n" : "");
	if (r)
		return r;
	return name && !s.shown ? -ENODEV : 0;
}
