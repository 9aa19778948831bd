// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Link configuration through libnl-3 route: up/down, MTU, addresses and
 * routes of the device's interface, in the caller's network namespace.
 * Each call uses its own socket: configuration is not the hot path and a
 * private socket makes every function safe from any thread.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include "internal.h"

/* libnl speaks NLE_*; the library speaks -errno. */
static int nl2errno(int nle)
{
	switch (-nle) {
	case NLE_PERM: return -EPERM;
	case NLE_EXIST: return -EEXIST;
	case NLE_NODEV: return -ENODEV;
	case NLE_INVAL: return -EINVAL;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_BUSY: return -EBUSY;
	case NLE_RANGE: return -ERANGE;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_MSGSIZE: return -EMSGSIZE;
	default: return -EIO;
	}
}

static int sock_open(struct nl_sock **skp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r) {
		nl_socket_free(sk);
		return nl2errno(r);
	}
	*skp = sk;
	return 0;
}

int tunx__nl_link_state(int ifindex, unsigned int *mtu, bool *up, char *name)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int r = sock_open(&sk);

	if (r)
		return r;
	r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	nl_socket_free(sk);
	if (r)
		return nl2errno(r);
	if (mtu)
		*mtu = rtnl_link_get_mtu(link);
	/* wireguard-go's Up: IFF_RUNNING (up and carrier), not admin up */
	if (up)
		*up = (rtnl_link_get_flags(link) & (IFF_UP | IFF_RUNNING)) ==
		      (IFF_UP | IFF_RUNNING);
	if (name)
		snprintf(name, IFNAMSIZ, "%s", rtnl_link_get_name(link));
	rtnl_link_put(link);
	return 0;
}

/*
 * Only messages about link @ifindex: the link group carries every link of
 * the namespace, and a program with a thousand devices (one socket each)
 * would queue every device's news in every socket, a thousand times over,
 * and wake each event loop for the others' changes.  The filter reads
 * ifi_index where every link message has it; BPF_ABS loads are big-endian.
 */
static int filter_link(int fd, int ifindex)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 NLMSG_HDRLEN + offsetof(struct ifinfomsg, ifi_index)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)ifindex),
			 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog)) ? -errno : 0;
}

/* A raw socket on the link group, for link @ifindex only: events.c reads
 * it without libnl so the descriptor can live in the caller's poll set. */
int tunx__nl_monitor_open(int ifindex)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_ROUTE);
	int r;

	if (fd < 0)
		return -errno;
	r = filter_link(fd, ifindex);
	if (!r && bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/*
 * The link is already as asked: changing it anyway needs CAP_NET_ADMIN,
 * which the unprivileged owner of a prepared device does not have.
 */
static bool link_already(struct rtnl_link *link, int flags_set,
			 int flags_clear, unsigned int mtu)
{
	unsigned int flags = rtnl_link_get_flags(link);

	return (flags & flags_set) == (unsigned int)flags_set &&
	       !(flags & flags_clear) &&
	       (!mtu || rtnl_link_get_mtu(link) == mtu);
}

static int link_change(struct tunx_device *dev, int flags_set,
		       int flags_clear, unsigned int mtu)
{
	struct rtnl_link *orig, *change;
	struct nl_sock *sk;
	int r = sock_open(&sk);

	if (r)
		return r;
	r = rtnl_link_get_kernel(sk, dev->ifindex, NULL, &orig);
	if (r)
		goto out_sock;
	if (link_already(orig, flags_set, flags_clear, mtu))
		goto out_orig;
	change = rtnl_link_alloc();
	if (!change) {
		r = -NLE_NOMEM;
		goto out_orig;
	}
	if (flags_set)
		rtnl_link_set_flags(change, flags_set);
	if (flags_clear)
		rtnl_link_unset_flags(change, flags_clear);
	if (mtu)
		rtnl_link_set_mtu(change, mtu);
	r = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(change);
out_orig:
	rtnl_link_put(orig);
out_sock:
	nl_socket_free(sk);
	if (r)
		return tunx__seterr(dev, nl2errno(r), "link change on %s: %s",
				    dev->name, nl_geterror(r));
	return 0;
}

static int set_up(struct tunx_device *dev, bool up)
{
	dev = tunx__base(dev);
	if (!dev->ifindex) {
		tunx__events_post(dev, up ? TUNX_EVENT_UP : TUNX_EVENT_DOWN);
		return 0;
	}
	return link_change(dev, up ? IFF_UP : 0, up ? 0 : IFF_UP, 0);
}

static int set_mtu(struct tunx_device *dev, unsigned int mtu)
{
	unsigned int old;
	int r;

	dev = tunx__base(dev);
	if (mtu < 68 || mtu > TUNX_MAX_PACKET)
		return tunx__seterr(dev, -EINVAL, "MTU %u outside [68, 65535]",
				    mtu);
	if (dev->ifindex) {
		r = link_change(dev, 0, 0, mtu);
		if (!r)
			tunx__mtu_store(dev, mtu);
		return r;
	}
	if (!dev->ops->set_mtu)
		return -EOPNOTSUPP;
	r = dev->ops->set_mtu(dev, mtu, &old);
	if (!r && mtu != old)	/* as a real link: news only when it changes */
		tunx__events_post(dev, TUNX_EVENT_MTU_UPDATE);
	return r;
}

int tunx_link_set_up(struct tunx_device *dev, bool up)
{
	TUNX_GUARDED(dev, set_up(dev, up));
}

int tunx_link_set_mtu(struct tunx_device *dev, unsigned int mtu)
{
	TUNX_GUARDED(dev, set_mtu(dev, mtu));
}

static int build_addr(struct nl_addr **ap, int family, const void *addr,
		      unsigned int prefixlen)
{
	size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	if (!len || prefixlen > len * 8)
		return -EINVAL;
	*ap = nl_addr_build(family, addr, len);
	if (!*ap)
		return -ENOMEM;
	nl_addr_set_prefixlen(*ap, (int)prefixlen);
	return 0;
}

static int addr_op(struct tunx_device *dev, int family, const void *addr,
		   unsigned int prefixlen, bool add)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;
	struct nl_sock *sk;
	int r;

	dev = tunx__base(dev);
	if (!dev->ifindex)
		return tunx__seterr(dev, -EOPNOTSUPP, "memory devices have no addresses");
	r = build_addr(&local, family, addr, prefixlen);
	if (r)
		return tunx__seterr(dev, r, "bad address family or prefix");
	ra = rtnl_addr_alloc();
	if (!ra) {
		nl_addr_put(local);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(ra, dev->ifindex);
	rtnl_addr_set_family(ra, family);
	rtnl_addr_set_local(ra, local);
	nl_addr_put(local);
	r = sock_open(&sk);
	if (!r) {
		r = add ? rtnl_addr_add(sk, ra, 0) : rtnl_addr_delete(sk, ra, 0);
		nl_socket_free(sk);
		if (r)
			r = tunx__seterr(dev, nl2errno(r), "%s address on %s: %s",
					 add ? "adding" : "deleting", dev->name,
					 nl_geterror(r));
	}
	rtnl_addr_put(ra);
	return r;
}

int tunx_link_add_addr(struct tunx_device *dev, int family, const void *addr,
		       unsigned int prefixlen)
{
	TUNX_GUARDED(dev, addr_op(dev, family, addr, prefixlen, true));
}

int tunx_link_del_addr(struct tunx_device *dev, int family, const void *addr,
		       unsigned int prefixlen)
{
	TUNX_GUARDED(dev, addr_op(dev, family, addr, prefixlen, false));
}

/* Builds a main-table route through the device; link scope when on-link. */
static int build_route(struct rtnl_route **rp, int ifindex, int family,
		       const void *dst, unsigned int prefixlen,
		       const void *gateway)
{
	struct rtnl_nexthop *nh;
	struct rtnl_route *rt;
	struct nl_addr *a;
	int r = build_addr(&a, family, dst, prefixlen);

	if (r)
		return r;
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!rt || !nh) {
		nl_addr_put(a);
		if (rt)
			rtnl_route_put(rt);
		if (nh)
			rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_dst(rt, a);
	nl_addr_put(a);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gateway && !build_addr(&a, family, gateway, family == AF_INET ? 32 : 128)) {
		rtnl_route_nh_set_gateway(nh, a);
		nl_addr_put(a);
	}
	rtnl_route_add_nexthop(rt, nh);
	*rp = rt;
	return 0;
}

static int route_op(struct tunx_device *dev, int family, const void *dst,
		    unsigned int prefixlen, const void *gateway, bool add)
{
	struct rtnl_route *rt;
	struct nl_sock *sk;
	int r;

	dev = tunx__base(dev);
	if (!dev->ifindex)
		return tunx__seterr(dev, -EOPNOTSUPP, "memory devices have no routes");
	r = build_route(&rt, dev->ifindex, family, dst, prefixlen, gateway);
	if (r)
		return tunx__seterr(dev, r, "bad route family or prefix");
	r = sock_open(&sk);
	if (!r) {
		r = add ? rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL)
			: rtnl_route_delete(sk, rt, 0);
		nl_socket_free(sk);
		if (r)
			r = tunx__seterr(dev, nl2errno(r), "%s route on %s: %s",
					 add ? "adding" : "deleting", dev->name,
					 nl_geterror(r));
	}
	rtnl_route_put(rt);
	return r;
}

int tunx_link_add_route(struct tunx_device *dev, int family, const void *dst,
			unsigned int prefixlen, const void *gateway)
{
	TUNX_GUARDED(dev, route_op(dev, family, dst, prefixlen, gateway, true));
}

int tunx_link_del_route(struct tunx_device *dev, int family, const void *dst,
			unsigned int prefixlen)
{
	TUNX_GUARDED(dev, route_op(dev, family, dst, prefixlen, NULL, false));
}
