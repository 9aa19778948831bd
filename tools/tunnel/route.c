// SPDX-License-Identifier: GPL-2.0
/*
 * Which device the main routing table sends a prefix to.  --route asks for
 * a prefix to go into the tunnel: a route that is there already is all an
 * unprivileged owner can have (adding one needs CAP_NET_ADMIN even when it
 * exists), and one through another device means the tunnel would carry
 * nothing for it, which must not pass for success.
 */
#include <errno.h>
#include <string.h>
#include <netlink/route/route.h>

#include "tunnel.h"

static bool same_prefix(struct rtnl_route *rt, int family, const uint8_t *a,
			unsigned int prefix)
{
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	size_t len = family == AF_INET ? 4 : 16;

	if (rtnl_route_get_family(rt) != family ||
	    rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(rt) != RTN_UNICAST || !dst ||
	    nl_addr_get_prefixlen(dst) != prefix)
		return false;
	/* The default route's dst may come with no address bytes at all. */
	if (!prefix)
		return true;
	return nl_addr_get_len(dst) == len &&
	       !memcmp(nl_addr_get_binary_addr(dst), a, len);
}

/**
 * tunnel_route_ifindex - the device of the main table's route to a prefix
 * @family: AF_INET or AF_INET6
 * @a: the prefix's address, as --route gave it
 * @prefix: its length
 *
 * Return: the ifindex of the route's first next hop, 0 when there is no
 * such route, or -errno.
 */
int tunnel_route_ifindex(int family, const uint8_t *a, unsigned int prefix)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int ifindex = 0;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) ||
	    rtnl_route_alloc_cache(sk, family, 0, &cache)) {
		nl_socket_free(sk);
		return -EIO;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct rtnl_nexthop *nh;

		if (!same_prefix(rt, family, a, prefix))
			continue;
		nh = rtnl_route_nexthop_n(rt, 0);
		ifindex = nh ? rtnl_route_nh_get_ifindex(nh) : 0;
		break;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return ifindex;
}
