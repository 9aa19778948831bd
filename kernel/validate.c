// SPDX-License-Identifier: GPL-2.0
/*
 * Checks on what userspace wrote into shared memory.  Every function works on
 * a private copy and on limits the kernel computed itself, never on sizes read
 * back from the shared area.  Pure, so KUnit covers every branch.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/minmax.h>
#include <linux/udp.h>

#include "validate.h"

#define TUNX_CSUM_KNOWN	(TUNX_CSUM_NEEDS_CSUM | TUNX_CSUM_DATA_VALID)
/* The largest IPv4 UDP payload: no segment of any kind is longer. */
#define TUNX_GSO_SIZE_MAX \
	(TUNX_PACKET_MAX - sizeof(struct iphdr) - sizeof(struct udphdr))

static bool tunx_desc_offload_set(const struct tunx_desc *desc)
{
	return desc->csum_flags || desc->gso_type || desc->hdr_len ||
	       desc->gso_size || desc->csum_start || desc->csum_offset;
}

static bool tunx_gso_type_ok(u8 gso_type)
{
	switch (gso_type) {
	case TUNX_GSO_NONE:
	case TUNX_GSO_TCPV4:
	case TUNX_GSO_TCPV6:
	case TUNX_GSO_UDP_L4:
	/* ECN only means something to TCP segmentation (CWR handling). */
	case TUNX_GSO_TCPV4 | TUNX_GSO_ECN:
	case TUNX_GSO_TCPV6 | TUNX_GSO_ECN:
		return true;
	default:
		return false;
	}
}

/*
 * The offload fields must describe something inside the packet before
 * anything reads them; the skb-level checks (protocols, header positions)
 * come later, in tunx_offload_to_skb().
 */
static int tunx_desc_check_offload(const struct tunx_desc *desc)
{
	bool gso = desc->gso_type != TUNX_GSO_NONE;
	bool csum = desc->csum_flags & TUNX_CSUM_NEEDS_CSUM;
	u32 end;

	if (desc->csum_flags & ~TUNX_CSUM_KNOWN ||
	    !tunx_gso_type_ok(desc->gso_type))
		return -EINVAL;
	/*
	 * A segment may be longer than the MTU (a peer's MTU may be larger,
	 * as for a plain packet: tun does not check either), not longer than
	 * an IP packet; that also keeps out GSO_BY_FRAGS (0xffff), which the
	 * stack treats specially.
	 */
	if (gso != !!desc->gso_size || desc->gso_size > TUNX_GSO_SIZE_MAX)
		return -EINVAL;
	/* Segmentation fills in each segment's checksum: it needs csum_start. */
	if (gso && !csum)
		return -EINVAL;
	if (!csum && (desc->csum_start || desc->csum_offset))
		return -EINVAL;
	if (desc->hdr_len > desc->len)
		return -EINVAL;
	/*
	 * u32 arithmetic: two u16 and a small constant cannot wrap.  The
	 * field must lie in the headers: the kernel pulls everything up to
	 * it into the skb's head, and a start near 64 KB would pull the
	 * whole packet and make skb_partial_csum_set() log each time.
	 */
	end = (u32)desc->csum_start + desc->csum_offset + sizeof(__sum16);
	if (csum && (end > desc->len || end > TUNX_CSUM_END_MAX))
		return -EINVAL;
	return 0;
}

static int tunx_desc_check_meta(const struct tunx_desc *desc,
				const struct tunx_desc_limits *lim)
{
	u16 known = lim->offload ? TUNX_DESC_F_OFFLOAD : 0;

	if (desc->flags & ~known)
		return -EINVAL;
	if (desc->reserved0 || desc->reserved1 || desc->reserved2)
		return -EINVAL;
	if (desc->flags & TUNX_DESC_F_OFFLOAD)
		return tunx_desc_check_offload(desc);
	/* Offload fields mean nothing unless the flag says they are set. */
	if (tunx_desc_offload_set(desc))
		return -EINVAL;
	return 0;
}

static bool tunx_desc_gso(const struct tunx_desc *desc)
{
	return desc->flags & TUNX_DESC_F_OFFLOAD &&
	       desc->gso_type != TUNX_GSO_NONE;
}

/**
 * tunx_desc_max_len - largest len a descriptor may have
 * @desc: the kernel's private copy
 * @lim: limits of its queue
 *
 * A super-packet (offload with a GSO type) may be max_packet long: the
 * stack splits it into gso_size segments.  Any other packet
 * may be as long as an IP packet can be, TUNX_PACKET_MAX, within
 * max_packet: the MTU is what the device sends, not what a peer with a
 * larger MTU may send it, and tun and Ethernet NICs accept those too.
 */
u32 tunx_desc_max_len(const struct tunx_desc *desc,
		      const struct tunx_desc_limits *lim)
{
	if (tunx_desc_gso(desc))
		return lim->max_packet;
	return min_t(u32, lim->max_packet, TUNX_PACKET_MAX);
}

/**
 * tunx_desc_over_mtu - does this packet, or each segment of it, exceed the MTU?
 * @desc: the kernel's private copy, already checked
 * @lim: limits of its queue
 *
 * Such packets are accepted and counted once each (tx_over_mtu).  A
 * super-packet is meant to be longer than the MTU; its segments are not:
 * the headers (hdr_len, as the writer gave it: this is only a counter)
 * plus gso_size, or the whole packet when it is shorter than that.
 */
bool tunx_desc_over_mtu(const struct tunx_desc *desc,
			const struct tunx_desc_limits *lim)
{
	u32 seg = desc->len;

	if (tunx_desc_gso(desc))
		seg = min_t(u32, seg, (u32)desc->hdr_len + desc->gso_size);
	return seg > lim->mtu;
}

/**
 * tunx_desc_check - validate a copied tx descriptor
 * @desc: the kernel's private copy
 * @lim: limits of the queue the descriptor came from
 *
 * The packet must lie inside the tx area.  Where in it is the writer's
 * business: bytes it rewrites while the kernel copies them spoil only its
 * own packet, and the IP header is checked in the skb, after the copy.
 *
 * Return: 0 or -EINVAL.
 */
int tunx_desc_check(const struct tunx_desc *desc,
		    const struct tunx_desc_limits *lim)
{
	if (tunx_desc_check_meta(desc, lim))
		return -EINVAL;
	if (desc->len < TUNX_MIN_PACKET ||
	    desc->len > tunx_desc_max_len(desc, lim))
		return -EINVAL;
	/* Written so that addr + len cannot overflow. */
	if (desc->addr >= lim->area_bytes ||
	    desc->len > lim->area_bytes - desc->addr)
		return -EINVAL;
	return 0;
}

static bool tunx_ipv4_ok(const u8 *data, u32 len)
{
	u32 ihl = (data[0] & 0x0f) * 4;

	return len >= sizeof(struct iphdr) && ihl >= sizeof(struct iphdr) &&
	       ihl <= len;
}

/**
 * tunx_ip_check - check the IP header of a packet already copied to an skb
 * @data: first byte of the packet
 * @len: bytes at @data
 * @max_len: largest packet accepted
 *
 * Return: the skb protocol (ETH_P_IP or ETH_P_IPV6, network order), or 0
 * when the packet is not a plausible IPv4 or IPv6 packet.
 */
__be16 tunx_ip_check(const u8 *data, u32 len, u32 max_len)
{
	if (!len || len > max_len)
		return 0;
	switch (data[0] >> 4) {
	case 4:
		return tunx_ipv4_ok(data, len) ? htons(ETH_P_IP) : 0;
	case 6:
		return len >= sizeof(struct ipv6hdr) ? htons(ETH_P_IPV6) : 0;
	default:
		return 0;
	}
}
