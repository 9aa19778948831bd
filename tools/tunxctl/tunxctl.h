/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunxctl: create, delete, inspect and change persistent tunx devices, the
 * way `ip tuntap` does for tun.  Facts come from places that need no queue
 * (sysfs, ethtool, rtnetlink), so `show` never disturbs a running program.
 */
#ifndef TUNXCTL_H
#define TUNXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/tunx.h>

#include "../common/decimal.h"

#define CTL_UNKNOWN	(-2L)	/* sysfs attribute absent: print "-" */
#define CTL_UNSET	(-1L)	/* owner/group not set */
#define CTL_MAX_STATS	64

struct ctl_ring {
	unsigned int queue, rx_entries, tx_entries, area_size;
};

struct ctl_dev {
	char name[TUNX_NAME_SIZE];
	int ifindex;
	unsigned int mtu;
	bool up, lower_up;
	long flags, owner, group, queues;	/* CTL_UNKNOWN when absent */
	int n_rings;				/* -1 when unknown */
	struct ctl_ring rings[TUNX_MAX_QUEUES];
	unsigned int n_stats;			/* ethtool -S counters */
	char stat_names[CTL_MAX_STATS][32];
	uint64_t stats[CTL_MAX_STATS];
};

/* What `set` and `add` change; has_* says which were given. */
struct ctl_change {
	bool has_owner, has_group, has_persist, has_mtu;
	uint32_t owner, group;
	bool persist;
	unsigned int mtu;
	unsigned int queues;
	bool offload, busy_poll;
	unsigned int busy_poll_usecs;
};

/* ethtool.c */
int ctl_driver_name(const char *ifname, char *drv, size_t len);
bool ctl_is_tunx(const char *ifname);
int ctl_read_stats(struct ctl_dev *d);

/* sysfs.c */
void ctl_read_sysfs(struct ctl_dev *d);

/* link.c (rtnetlink through libnl) */
typedef int (*ctl_link_fn)(const char *name, int ifindex, unsigned int mtu,
			   unsigned int ifflags, void *arg);
int ctl_link_each(ctl_link_fn fn, void *arg);
int ctl_link_delete(const char *name);
int ctl_link_set_mtu(const char *name, unsigned int mtu);

/* attach.c */
int ctl_open_node(void);
int ctl_attach(int fd, const char *name, uint32_t flags, char *out_name);
int ctl_create(int fd, const char *name, const struct ctl_change *c,
	       char *out_name);
int ctl_attach_existing(int fd, const char *name, long known_flags);
int ctl_apply(int fd, const struct ctl_change *c);

/* explain.c: messages say the cause, then the command that fixes it */
bool ctl_module_loaded(void);
int ctl_need_module(const char *what, const char *name);
void ctl_explain(const char *what, const char *name, int err);
void ctl_explain_kind(const char *name, long have, long want);
void ctl_explain_busy(const char *what, const char *name, long flags);

/* holders.c */
int ctl_find_holders(const char *name, char *out, size_t len);

/* show.c */
int ctl_show(const char *name, bool json);

/* ids.c */
int ctl_parse_user(const char *s, uint32_t *uid);
int ctl_parse_group(const char *s, uint32_t *gid);

#endif /* TUNXCTL_H */
