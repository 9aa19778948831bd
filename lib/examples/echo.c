// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunx-echo: read a batch, swap the addresses, write it back.  Answers
 * ping (ICMP echo) and echoes UDP for every address in the device's subnet
 * except its own.  Usage:
 *   tunx-echo [-b auto|tunx|tun] [-n NAME] [-a 10.99.0.1/24] [-c SECONDS]
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tunx/tunx.h>

static struct tunx_device *dev;

static void on_signal(int sig)
{
	(void)sig;
	tunx_shutdown(dev);	/* async-signal-safe: an eventfd write */
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Swapping addresses keeps every checksum valid; ICMP type needs a fix. */
static void reflect(uint8_t *p, size_t len)
{
	uint8_t tmp[16];
	size_t ihl;
	uint16_t c;

	if (len >= 20 && p[0] >> 4 == 4) {
		ihl = (size_t)(p[0] & 0xf) * 4;
		memcpy(tmp, p + 12, 4);
		memcpy(p + 12, p + 16, 4);
		memcpy(p + 16, tmp, 4);
		if (p[9] == 1 && len >= ihl + 8 && p[ihl] == 8) {
			p[ihl] = 0;
			p[ihl + 2] = p[ihl + 3] = 0;
			c = csum(p + ihl, len - ihl);
			p[ihl + 2] = (uint8_t)(c >> 8);
			p[ihl + 3] = (uint8_t)c;
		}
	} else if (len >= 40 && p[0] >> 4 == 6) {
		memcpy(tmp, p + 8, 16);
		memcpy(p + 8, p + 24, 16);
		memcpy(p + 24, tmp, 16);
		if (p[6] == 58 && len >= 48 && p[40] == 128) {
			uint32_t s;

			/* type 128 -> 129 adds 0x0100 to the summed data, so
			 * the checksum (its complement) loses 0x0100: add
			 * ~0x0100 in one's complement. */
			p[40] = 129;
			s = (uint32_t)(p[42] << 8 | p[43]) + 0xfeff;
			c = (uint16_t)((s & 0xffff) + (s >> 16));
			p[42] = (uint8_t)(c >> 8);
			p[43] = (uint8_t)c;
		}
	}
}

static int configure(const char *cidr)
{
	char ip[64];
	uint8_t a[16];
	unsigned int prefix = 24;
	char *slash;
	int fam;

	snprintf(ip, sizeof(ip), "%s", cidr);
	slash = strchr(ip, '/');
	if (slash) {
		*slash = 0;
		prefix = (unsigned int)atoi(slash + 1);
	}
	fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, ip, a) != 1)
		return -1;
	return tunx_link_add_addr(dev, fam, a, prefix);
}

int main(int argc, char **argv)
{
	struct tunx_config cfg;
	struct tunx_diag d;
	const char *addr = NULL;
	unsigned long long echoed = 0;
	uint8_t **bufs;
	size_t *sizes, off, bsz;
	unsigned int i, batch;
	int opt, n, r;

	tunx_config_init(&cfg);
	while ((opt = getopt(argc, argv, "b:n:a:c:")) != -1) {
		switch (opt) {
		case 'b':
			cfg.backend = !strcmp(optarg, "tunx") ? TUNX_BACKEND_TUNX :
				      !strcmp(optarg, "tun") ? TUNX_BACKEND_TUN :
				      TUNX_BACKEND_AUTO;
			break;
		case 'n':
			cfg.name = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'c':
			alarm((unsigned int)atoi(optarg));
			break;
		default:
			fprintf(stderr, "usage: %s [-b auto|tunx|tun] [-n name] "
				"[-a addr/prefix] [-c seconds]\n", argv[0]);
			return 2;
		}
	}
	r = tunx_open(&dev, &cfg, &d);
	if (r) {
		fprintf(stderr, "tunx-echo: %s: %s\n", tunx_strerror(r), d.message);
		return 1;
	}
	printf("tunx-echo: backend %s: %s\n", tunx_backend_name(tunx_backend(dev)),
	       d.message);
	if ((addr && configure(addr)) || tunx_link_set_up(dev, true)) {
		char msg[256];

		tunx_errmsg(dev, msg, sizeof(msg));
		fprintf(stderr, "tunx-echo: configuring: %s\n", msg);
		tunx_close(dev);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	batch = tunx_batch_size(dev);
	off = tunx_min_write_offset(dev) > tunx_min_read_offset(dev) ?
	      tunx_min_write_offset(dev) : tunx_min_read_offset(dev);
	bsz = off + 65536;
	bufs = calloc(batch, sizeof(*bufs));
	sizes = calloc(batch, sizeof(*sizes));
	for (i = 0; i < batch; i++)
		bufs[i] = malloc(bsz);
	while ((n = tunx_read(dev, bufs, bsz, sizes, batch, off)) > 0) {
		for (i = 0; i < (unsigned int)n; i++)
			reflect(bufs[i] + off, sizes[i]);
		for (i = 0; i < (unsigned int)n; i += (unsigned int)r) {
			r = tunx_write(dev, bufs + i, sizes + i, (unsigned int)n - i, off);
			if (r <= 0)
				break;
		}
		echoed += (unsigned long long)n;
	}
	printf("tunx-echo: %llu packets echoed, stopped: %s\n", echoed,
	       tunx_strerror(n));
	for (i = 0; i < batch; i++)
		free(bufs[i]);
	free(bufs);
	free(sizes);
	tunx_close(dev);
	return 0;
}
