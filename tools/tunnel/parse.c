// SPDX-License-Identifier: GPL-2.0
/*
 * The prefixes the command line gives, judged with no socket or device
 * open, so a bad one is a usage error (status 2) and not a failure found
 * once the device is up.  Their lengths, like every other number, go
 * through tools_parse_decimal() (tools/common/), which tunxctl shares.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tunnel.h"

int tunnel_parse_cidr(const char *s, int *family, uint8_t addr[16],
		      unsigned int *prefix)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = 0;
	*family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(*family, ip, addr) != 1)
		return -EINVAL;
	*prefix = *family == AF_INET6 ? 128 : 32;
	if (slash)
		return tools_parse_decimal(slash + 1, *prefix, prefix);
	return 0;
}

static void clear_host_bits(uint8_t *a, unsigned int len, unsigned int prefix)
{
	unsigned int i;

	for (i = prefix / 8; i < len; i++)
		a[i] &= i == prefix / 8 ? (uint8_t)(0xff00 >> (prefix % 8)) : 0;
}

/*
 * A route is to a prefix: host bits are cleared, IPv4 as IPv6.  The kernel
 * clears them in an IPv6 route but refuses an IPv4 one that has them, which
 * the tunnel found only with the device up; and the text is rewritten so
 * the route lookup and every message (`ip route replace ...`) name the
 * prefix the kernel holds.
 */
int tunnel_parse_route(const char *s, char text[TUNNEL_CIDR_LEN])
{
	char ip[INET6_ADDRSTRLEN];
	unsigned int prefix;
	uint8_t a[16];
	int fam;

	if (tunnel_parse_cidr(s, &fam, a, &prefix))
		return -EINVAL;
	clear_host_bits(a, fam == AF_INET6 ? 16 : 4, prefix);
	if (!inet_ntop(fam, a, ip, sizeof(ip)))
		return -EINVAL;
	snprintf(text, TUNNEL_CIDR_LEN, "%s/%u", ip, prefix);
	return 0;
}
