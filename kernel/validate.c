// SPDX-License-Identifier: GPL-2.0
/*
 * Checks on what userspace wrote into shared memory.  Every function works on
 * a private copy and on limits the kernel computed itself, never on sizes read
 * back from the shared area.  Pure, so KUnit covers every branch.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include "validate.h"

static bool tunx_desc_offload_set(const struct tunx_desc *desc)
{
	return desc->csum_flags || desc->gso_type || desc->hdr_len ||
	       desc->gso_size || desc->csum_start || desc->csum_offset;
}

static int tunx_desc_check_meta(const struct tunx_desc *desc,
				const struct tunx_desc_limits *lim)
{
	u16 known = lim->offload ? TUNX_DESC_F_OFFLOAD : 0;

	if (desc->flags & ~known)
		return -EINVAL;
	if (desc->reserved0 || desc->reserved1 || desc->reserved2)
		return -EINVAL;
	/* Offload fields mean nothing unless the flag says they are set. */
	if (!(desc->flags & TUNX_DESC_F_OFFLOAD) && tunx_desc_offload_set(desc))
		return -EINVAL;
	return 0;
}

/**
 * tunx_desc_check - validate a copied tx descriptor
 * @desc: the kernel's private copy
 * @lim: limits of the queue the descriptor came from
 *
 * The packet must lie inside the frame area and inside one frame: a frame is
 * the unit userspace recycles, so a packet crossing into the next one could
 * be rewritten while the kernel copies it.
 *
 * Return: 0 or -EINVAL.
 */
int tunx_desc_check(const struct tunx_desc *desc,
		    const struct tunx_desc_limits *lim)
{
	u64 in_frame;

	if (tunx_desc_check_meta(desc, lim))
		return -EINVAL;
	if (desc->len < TUNX_MIN_PACKET || desc->len > lim->max_len)
		return -EINVAL;
	/* Written so that addr + len cannot overflow. */
	if (desc->addr >= lim->area_bytes ||
	    desc->len > lim->area_bytes - desc->addr)
		return -EINVAL;
	in_frame = desc->addr & (lim->frame_size - 1);
	if (in_frame + desc->len > lim->frame_size)
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

/**
 * tunx_ring_used - entries between a producer and a consumer index
 * @producer: free-running producer index
 * @consumer: free-running consumer index
 * @entries: ring size, a power of two, from the kernel's private copy
 * @used: out: producer - consumer when the pair is possible
 *
 * Indices are free-running, so the difference is correct across wrap.  A
 * difference above @entries means one side jumped ahead or went backwards.
 *
 * Return: false when the pair of indices is impossible.
 */
bool tunx_ring_used(u32 producer, u32 consumer, u32 entries, u32 *used)
{
	u32 n = producer - consumer;

	if (n > entries)
		return false;
	*used = n;
	return true;
}
