// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink through libnl: list links, delete one (RTM_DELLINK, what
 * `ip link del` sends; the module has rtnl_link_ops), change the MTU.
 */
#include <errno.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>

#include "tunxctl.h"

static int nl_to_errno(int e)
{
	switch (e < 0 ? -e : e) {
	case 0: return 0;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: case NLE_OBJ_NOTFOUND: return -ENODEV;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_RANGE: return -ERANGE;
	default: return -EINVAL;
	}
}

static struct nl_sock *connect_route(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

int ctl_link_each(ctl_link_fn fn, void *arg)
{
	struct nl_sock *sk = connect_route();
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_to_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache));
	for (o = r ? NULL : nl_cache_get_first(cache); o && !r;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		r = fn(rtnl_link_get_name(l), rtnl_link_get_ifindex(l),
		       rtnl_link_get_mtu(l), rtnl_link_get_flags(l), arg);
	}
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	return r;
}

/* Run one change on the link called @name. */
static int with_link(const char *name, int (*op)(struct nl_sock *,
		     struct rtnl_link *, void *), void *arg)
{
	struct nl_sock *sk = connect_route();
	struct rtnl_link *l = NULL;
	int r;

	if (!sk)
		return -ENOMEM;
	r = rtnl_link_get_kernel(sk, 0, name, &l);
	if (!r)
		r = op(sk, l, arg);
	if (l)
		rtnl_link_put(l);
	nl_socket_free(sk);
	return nl_to_errno(r);
}

static int do_delete(struct nl_sock *sk, struct rtnl_link *l, void *arg)
{
	(void)arg;
	return rtnl_link_delete(sk, l);
}

static int do_mtu(struct nl_sock *sk, struct rtnl_link *l, void *arg)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_mtu(change, *(unsigned int *)arg);
	r = rtnl_link_change(sk, l, change, 0);
	rtnl_link_put(change);
	return r;
}

int ctl_link_delete(const char *name)
{
	return with_link(name, do_delete, NULL);
}

int ctl_link_set_mtu(const char *name, unsigned int mtu)
{
	return with_link(name, do_mtu, &mtu);
}
