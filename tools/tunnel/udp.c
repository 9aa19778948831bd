// SPDX-License-Identifier: GPL-2.0
/*
 * The UDP side: endpoint parsing, the socket, and the peer check.  The
 * socket stays unconnected on purpose: a connected socket would make the
 * kernel discard strangers' datagrams silently, and we want to count them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "tunnel.h"

/* "1.2.3.4:5" or "[::1]:5", numeric only: a tunnel must not depend on DNS. */
int tunnel_parse_endpoint(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	unsigned int port;
	size_t hl;

	if (!colon || colon == s)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (tools_parse_decimal(colon + 1, 65535, &port))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/*
 * A socket buffer of @sz bytes: past net.core.[rw]mem_max when we have
 * CAP_NET_ADMIN in the initial user namespace (the FORCE option, as
 * wireguard-go does), else as much as the sysctl allows.  With UDP GRO a
 * received bundle is up to 64 KB, so the default maximum (208 KiB) holds
 * three: a receive thread that ran late dropped bundles (Udp
 * RcvbufErrors), each a burst of lost inner segments that TCP through the
 * tunnel had to retransmit.
 */
static void udp_buffer(int fd, int force, int plain, int sz)
{
	if (setsockopt(fd, SOL_SOCKET, force, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, plain, &sz, sizeof(sz));
}

static void udp_tune(int fd)
{
	/* Big buffers absorb a batch in flight; the timeout bounds how long
	 * an idle receiver takes to notice a stop request. */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 250000 };

	udp_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, TUNNEL_UDP_BUF);
	udp_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, TUNNEL_UDP_BUF);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

bool tunnel_udp_buffer_capped(const struct tunnel_queue *q, int *got)
{
	socklen_t len = sizeof(*got);

	/* The kernel reports twice what was set (its bookkeeping share). */
	if (getsockopt(q->sock, SOL_SOCKET, SO_RCVBUF, got, &len))
		return false;
	return *got < 2 * TUNNEL_UDP_BUF;
}

/* A wildcard bind would answer on every address of the host, including
 * ones the tunnel's routes may come to cover: an explicit address only. */
static bool is_wildcard(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

/* Queue i talks from PORT+i to the peer's PORT+i: one 4-tuple per queue. */
static int port_plus(struct sockaddr_storage *ss, unsigned int i)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	in_port_t *port = ss->ss_family == AF_INET ? &s4->sin_port : &s6->sin6_port;
	unsigned int p = ntohs(*port) + i;

	if (p > 65535 || (i && p == i))	/* port 0 + i is no plan */
		return -ERANGE;
	*port = htons((uint16_t)p);
	return 0;
}

int tunnel_udp_open(struct tunnel_queue *q, const char *local,
		    const char *peer)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err;

	if (tunnel_parse_endpoint(local, &ss, &len) ||
	    tunnel_parse_endpoint(peer, &q->peer, &q->peer_len))
		return -EINVAL;
	if (is_wildcard(&ss))
		return -EDESTADDRREQ;
	if (ss.ss_family != q->peer.ss_family)
		return -EAFNOSUPPORT;
	if (port_plus(&ss, q->index) || port_plus(&q->peer, q->index))
		return -ERANGE;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	udp_tune(fd);
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	q->sock = fd;
	return 0;
}

bool tunnel_is_peer(const struct tunnel_queue *q,
		    const struct sockaddr_storage *from, socklen_t len)
{
	const struct sockaddr_in6 *a6 = (const void *)from;
	const struct sockaddr_in6 *p6 = (const void *)&q->peer;
	const struct sockaddr_in *a4 = (const void *)from;
	const struct sockaddr_in *p4 = (const void *)&q->peer;

	if (len != q->peer_len || from->ss_family != q->peer.ss_family)
		return false;
	if (from->ss_family == AF_INET)
		return a4->sin_port == p4->sin_port &&
		       a4->sin_addr.s_addr == p4->sin_addr.s_addr;
	return a6->sin6_port == p6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &p6->sin6_addr, sizeof(a6->sin6_addr));
}
