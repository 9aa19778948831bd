// SPDX-License-Identifier: GPL-2.0
/*
 * UDP segmentation offload on the underlay socket, as wireguard-go does:
 * a run of packets of one size (the last may be shorter) leaves in one
 * sendmsg() with UDP_SEGMENT, and the kernel cuts it into datagrams after
 * the stack has been walked once; on receive, UDP_GRO hands over up to 64
 * datagrams of a flow glued together with their segment size.  The device
 * side already moves super-packets; without this the UDP stack would still
 * be walked once per MTU-sized packet, which is most of the tunnel's cost.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

#include "tunnel.h"

/* Kernel limits: UDP_MAX_SEGMENTS (64 before 6.9) and the IPv4 payload. */
#define GSO_MAX_SEGS	64
#define GSO_MAX_BYTES	65000

bool tunnel_udp_gro_enable(int fd)
{
	int on = 1;

	return !setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
}

void tunnel_set_segment(struct msghdr *h, union tunnel_ctl *ctl, uint16_t g)
{
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(*ctl));
	h->msg_control = ctl->buf;
	h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(c), &g, sizeof(g));
}

void tunnel_gso_refused(struct tunnel_queue *q, bool segmented)
{
	if (segmented && (errno == EIO || errno == EINVAL ||
			  errno == ENOPROTOOPT || errno == EOPNOTSUPP))
		q->gso = false;
}

/* How many packets from @i on can go as one UDP_SEGMENT message. */
static unsigned int run_length(const struct iovec *iov, unsigned int i,
			       unsigned int n)
{
	size_t g = iov[i].iov_len, total = g;
	unsigned int j = i + 1;

	while (j < n && j - i < GSO_MAX_SEGS && iov[j].iov_len <= g &&
	       total + iov[j].iov_len <= GSO_MAX_BYTES) {
		total += iov[j].iov_len;
		if (iov[j++].iov_len < g)
			break;	/* only the last segment may be short */
	}
	return j - i;
}

unsigned int tunnel_gso_pack(const struct tunnel_queue *q, struct iovec *iov,
			     unsigned int n, struct mmsghdr *msgs,
			     union tunnel_ctl *ctl)
{
	unsigned int i = 0, m = 0, k;

	while (i < n) {
		k = q->gso ? run_length(iov, i, n) : 1;
		msgs[m].msg_hdr = (struct msghdr){
			.msg_name = (void *)&q->peer, .msg_namelen = q->peer_len,
			.msg_iov = &iov[i], .msg_iovlen = k,
		};
		if (k > 1)
			tunnel_set_segment(&msgs[m].msg_hdr, &ctl[m],
				    (uint16_t)iov[i].iov_len);
		m++;
		i += k;
	}
	return m;
}

unsigned int tunnel_gro_size(const struct msghdr *h)
{
	struct cmsghdr *c;
	int g;

	for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&g, CMSG_DATA(c), sizeof(g));
			return g > 0 ? (unsigned int)g : 0;
		}
	}
	return 0;
}
