// SPDX-License-Identifier: GPL-2.0
/*
 * Offload (TUNX_ATTACH_OFFLOAD): TSO/USO super-packets and checksum offload
 * in both directions, described per packet by the descriptor's
 * virtio_net_hdr-style fields.
 *
 * The conversions are our own rather than virtio_net_hdr_{from,to}_skb():
 * 6.1's versions know nothing of GSO_UDP_L4, and ours can be stricter
 * because a tunx packet is always a bare IPv4/IPv6 packet whose protocol
 * the kernel already checked.  The checks follow 6.12's
 * virtio_net_hdr_to_skb(), plus: a super-packet's L4 header must follow
 * the IP header directly (no IPv4 fragment, no IPv6 extension header).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "offload.h"
#include "queue.h"

/* The skb GSO types a descriptor can describe; others are segmented. */
#define TUNX_SKB_GSO_KNOWN (SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | SKB_GSO_TCP_ECN | \
			    SKB_GSO_UDP_L4)

/**
 * tunx_offload_init - offer offloads to the stack on an offload device
 * @dev: device not registered yet
 * @flags: its TUNX_ATTACH_* properties
 *
 * The features are in hw_features too, so `ethtool -K` can turn them off
 * on a kernel whose offloads misbehave.
 */
void tunx_offload_init(struct net_device *dev, u32 flags)
{
	if (!(flags & TUNX_ATTACH_OFFLOAD))
		return;
	dev->hw_features |= TUNX_OFFLOAD_FEATURES;
	dev->features |= TUNX_OFFLOAD_FEATURES;
}

/**
 * tunx_offload_update_max - cap super-packets at the smallest max_packet
 * @td: device
 *
 * Every rx ring must take a whole super-packet, so the stack is told the
 * smallest max_packet among the queues that have rings.  Lowering the
 * limit also lowers gso_max_size; raising it (a later queue with a bigger
 * area) leaves gso_max_size to the admin.  The stack segments a GSO
 * packet of gso_max_size or more (tunx_offload_features_check()), so a
 * super-packet tunx_xmit() sees fits every ring; one validated before a
 * smaller queue's rings appeared is dropped and counted there.
 *
 * Context: RTNL held.
 */
void tunx_offload_update_max(struct tunx_device *td)
{
	u32 max = TUNX_SUPER_MAX;
	u32 i;

	ASSERT_RTNL();
	if (!(td->flags & TUNX_ATTACH_OFFLOAD))
		return;
	for (i = 0; i < td->num_queues; i++) {
		struct tunx_queue *q = rtnl_dereference(td->queues[i]);
		struct tunx_area *area = rtnl_dereference(q->area);

		if (area)
			max = min(max, area->geo.max_packet);
	}
	netif_set_tso_max_size(td->dev, max);
}

/**
 * tunx_offload_gso_ok - can a descriptor describe this GSO skb?
 * @skb: GSO packet about to enter an rx ring
 *
 * The device's features keep other GSO types out, but a user can change
 * them with ethtool while packets are queued.  DODGY (a super-packet from
 * an untrusted source: tun, virtio, another tunx, forwarded here) is fine:
 * the stack's GSO layer checked its headers and recounted gso_segs on the
 * way in (the NETIF_F_GSO_ROBUST path of tcp/udp_gso_segment()).
 */
bool tunx_offload_gso_ok(const struct sk_buff *skb)
{
	unsigned int type = skb_shinfo(skb)->gso_type & ~SKB_GSO_DODGY;

	if (skb->ip_summed != CHECKSUM_PARTIAL || type & ~TUNX_SKB_GSO_KNOWN)
		return false;
	switch (type & ~SKB_GSO_TCP_ECN) {
	case SKB_GSO_TCPV4:
	case SKB_GSO_TCPV6:
		return true;
	case SKB_GSO_UDP_L4:
		return !(type & SKB_GSO_TCP_ECN);
	default:
		return false;
	}
}

/**
 * tunx_offload_features_check - ndo_features_check: what the ring can take
 * @skb: packet about to be transmitted
 * @dev: tunx device
 * @features: what the stack would offload
 *
 * A GSO packet that no rx ring can take whole, or that no descriptor can
 * describe, is segmented by the stack before tunx_xmit() sees it.  6.13
 * (and the 6.1.y and 6.12.y stable series since early 2025) make the same
 * gso_max_size check in gso_features_check(); older kernels forward GRO
 * super-packets of any size.  gso_max_size is never above the smallest
 * max_packet: see tunx_offload_update_max().
 *
 * Return: @features, without the GSO ones for such a packet.
 */
netdev_features_t tunx_offload_features_check(struct sk_buff *skb,
					      struct net_device *dev,
					      netdev_features_t features)
{
	if (skb_is_gso(skb) &&
	    (skb->len >= READ_ONCE(dev->gso_max_size) ||
	     !tunx_offload_gso_ok(skb)))
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

/* IP, TCP or UDP headers: what a reader replicates in every segment. */
static u16 tunx_offload_hdr_len(const struct sk_buff *skb)
{
	u16 start = skb_checksum_start_offset(skb);
	struct tcphdr _th;
	const struct tcphdr *th;

	if (skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4)
		return start + sizeof(struct udphdr);
	th = skb_header_pointer(skb, start, sizeof(_th), &_th);
	return start + (th ? th->doff * 4 : sizeof(_th));
}

static void tunx_offload_gso_desc(const struct sk_buff *skb,
				  struct tunx_desc *desc)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);

	if (sh->gso_type & SKB_GSO_TCPV4)
		desc->gso_type = TUNX_GSO_TCPV4;
	else if (sh->gso_type & SKB_GSO_TCPV6)
		desc->gso_type = TUNX_GSO_TCPV6;
	else
		desc->gso_type = TUNX_GSO_UDP_L4;
	if (sh->gso_type & SKB_GSO_TCP_ECN)
		desc->gso_type |= TUNX_GSO_ECN;
	desc->gso_size = sh->gso_size;
	desc->hdr_len = tunx_offload_hdr_len(skb);
}

/**
 * tunx_offload_to_desc - describe an skb's offload state in its rx descriptor
 * @skb: packet at most max_packet long; if GSO, tunx_offload_gso_ok() holds
 * @desc: descriptor being built, offload fields zero
 *
 * As virtio_net_hdr_from_skb() with data_valid reporting; hdr_len is the
 * exact header length rather than the linear length, which says nothing
 * useful to userspace.
 */
void tunx_offload_to_desc(const struct sk_buff *skb, struct tunx_desc *desc)
{
	desc->flags = TUNX_DESC_F_OFFLOAD;
	if (skb_is_gso(skb))
		tunx_offload_gso_desc(skb, desc);
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		desc->csum_flags = TUNX_CSUM_NEEDS_CSUM;
		desc->csum_start = skb_checksum_start_offset(skb);
		desc->csum_offset = skb->csum_offset;
	} else if (skb->ip_summed == CHECKSUM_UNNECESSARY) {
		desc->csum_flags = TUNX_CSUM_DATA_VALID;
	}
}

/* What a descriptor's gso_type means for the skb. */
struct tunx_gso {
	unsigned int skb_type;	/* SKB_GSO_* */
	u8 l4proto;
	u8 l4len;		/* minimal L4 header */
	u16 csum_offset;	/* where that header keeps its checksum */
};

static void tunx_gso_lookup(u8 gso_type, struct tunx_gso *g)
{
	if ((gso_type & ~TUNX_GSO_ECN) == TUNX_GSO_UDP_L4) {
		g->skb_type = SKB_GSO_UDP_L4;
		g->l4proto = IPPROTO_UDP;
		g->l4len = sizeof(struct udphdr);
		g->csum_offset = offsetof(struct udphdr, check);
		return;
	}
	/* TCPV4 or TCPV6, +ECN: the descriptor check allows nothing else. */
	g->skb_type = (gso_type & ~TUNX_GSO_ECN) == TUNX_GSO_TCPV4 ?
		      SKB_GSO_TCPV4 : SKB_GSO_TCPV6;
	if (gso_type & TUNX_GSO_ECN)
		g->skb_type |= SKB_GSO_TCP_ECN;
	g->l4proto = IPPROTO_TCP;
	g->l4len = sizeof(struct tcphdr);
	g->csum_offset = offsetof(struct tcphdr, check);
}

/*
 * The L4 protocol and offset right after the IP header.  IPv6 extension
 * headers are not walked: a super-packet must not have any, and for a
 * plain packet the IPv6 header length is only the lower bound.
 */
static int tunx_l4_after_ip(struct sk_buff *skb, unsigned int *off)
{
	const struct iphdr *iph;

	if (skb->protocol == htons(ETH_P_IPV6)) {
		*off = sizeof(struct ipv6hdr);
		if (!pskb_may_pull(skb, *off))
			return -1;
		return ipv6_hdr(skb)->nexthdr;
	}
	/* tunx_ip_check() saw the whole header; pull it if it is paged. */
	if (!pskb_may_pull(skb, sizeof(*iph)))
		return -1;
	*off = ip_hdr(skb)->ihl * 4;
	if (!pskb_may_pull(skb, *off))
		return -1;
	iph = ip_hdr(skb);
	return ip_is_fragment(iph) ? -1 : iph->protocol;
}

/* NEEDS_CSUM: the checksum and, for GSO, the whole L4 header in the head. */
static int tunx_offload_csum(struct sk_buff *skb, const struct tunx_desc *desc,
			     unsigned int l4len)
{
	u32 start = desc->csum_start;
	u32 off = desc->csum_offset;

	if (!pskb_may_pull(skb, start + max_t(u32, l4len, off + sizeof(__sum16))))
		return -EINVAL;
	/* Cannot warn: the pull above covers what it checks. */
	if (!skb_partial_csum_set(skb, start, off))
		return -EINVAL;
	return 0;
}

/*
 * The IP length field covers the whole super-packet: the stack would trim
 * a longer skb to it, leaving a GSO packet too short for its own gso_size.
 */
static bool tunx_ip_len_ok(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IPV6))
		return ntohs(ipv6_hdr(skb)->payload_len) +
		       sizeof(struct ipv6hdr) == skb->len;
	return ntohs(ip_hdr(skb)->tot_len) == skb->len;
}

static int tunx_offload_gso(struct sk_buff *skb, const struct tunx_desc *desc)
{
	unsigned int l4off, l4len, payload, gso_size = desc->gso_size;
	struct skb_shared_info *sh = skb_shinfo(skb);
	struct tunx_gso g;

	tunx_gso_lookup(desc->gso_type, &g);
	if ((g.skb_type & SKB_GSO_TCPV4 && skb->protocol != htons(ETH_P_IP)) ||
	    (g.skb_type & SKB_GSO_TCPV6 && skb->protocol != htons(ETH_P_IPV6)))
		return -EINVAL;
	if (tunx_l4_after_ip(skb, &l4off) != g.l4proto || !tunx_ip_len_ok(skb) ||
	    skb_transport_offset(skb) != l4off ||
	    skb->csum_offset != g.csum_offset)
		return -EINVAL;
	/*
	 * With TCP options, so that a packet whose real payload fits one
	 * segment is not made GSO: tcp_gso_segment() drops such a packet.
	 */
	l4len = g.l4len;
	if (g.l4proto == IPPROTO_TCP) {
		l4len = tcp_hdr(skb)->doff * 4;
		if (l4len < sizeof(struct tcphdr) ||
		    !pskb_may_pull(skb, l4off + l4len))
			return -EINVAL;
	}
	payload = skb->len - l4off - l4len;
	if (g.skb_type & SKB_GSO_UDP_L4 && payload > gso_size * UDP_MAX_SEGMENTS)
		return -EINVAL;
	/* As virtio: the TCP stack assumes a sane minimum segment size. */
	if (g.l4proto == IPPROTO_TCP)
		gso_size = max_t(unsigned int, gso_size, TCP_MIN_GSO_SIZE);
	/* Too small to split: an ordinary packet with a partial checksum. */
	if (payload <= gso_size)
		return 0;
	sh->gso_size = gso_size;
	/* DODGY: the GSO layer checks the headers and counts the segments. */
	sh->gso_type = g.skb_type | SKB_GSO_DODGY;
	sh->gso_segs = 0;
	return 0;
}

/**
 * tunx_offload_to_skb - apply a tx descriptor's offload fields to its skb
 * @skb: the packet, copied out of shared memory, protocol and network
 *	header set
 * @desc: the kernel's copy of the descriptor, accepted by tunx_desc_check()
 *	(which guarantees GSO implies NEEDS_CSUM and the fields lie in len)
 *
 * TUNX_CSUM_DATA_VALID is ignored, as tun ignores VIRTIO_NET_HDR_F_DATA_VALID:
 * the stack verifies the checksums of packets it did not build.
 *
 * Return: 0, or -EINVAL when the fields do not match the packet.
 */
int tunx_offload_to_skb(struct sk_buff *skb, const struct tunx_desc *desc)
{
	struct tunx_gso g = {};
	unsigned int l4off;
	int err;

	if (!(desc->csum_flags & TUNX_CSUM_NEEDS_CSUM))
		return 0;
	if (desc->gso_type != TUNX_GSO_NONE) {
		tunx_gso_lookup(desc->gso_type, &g);
		/*
		 * Before the pull: a super-packet's checksum is in the L4
		 * header right after the IP header, so a hostile csum_start
		 * cannot pull 64 KB into the head (nor make
		 * skb_partial_csum_set() log a headroom + start overflow).
		 */
		if (tunx_l4_after_ip(skb, &l4off) != g.l4proto ||
		    desc->csum_start != l4off ||
		    desc->csum_offset != g.csum_offset)
			return -EINVAL;
	}
	err = tunx_offload_csum(skb, desc, g.l4len);
	if (err)
		return err;
	/* The L4 header cannot start inside the IP header. */
	if (tunx_l4_after_ip(skb, &l4off) < 0 ||
	    skb_transport_offset(skb) < l4off)
		return -EINVAL;
	if (desc->gso_type == TUNX_GSO_NONE)
		return 0;
	return tunx_offload_gso(skb, desc);
}
