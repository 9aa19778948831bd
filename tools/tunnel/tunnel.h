/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunx-tunnel: the reference UDP tunnel.  One thread per direction:
 *   device -> peer: tunx_read() a batch, sendmmsg() it to the peer;
 *   peer -> device: recvmmsg() a batch, keep what the peer sent, tunx_write().
 * Each IP packet travels as the whole payload of one UDP datagram.
 */
#ifndef TUNNEL_TUNNEL_H
#define TUNNEL_TUNNEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <tunx/tunx.h>

#define TUNNEL_MAX_ADDRS 8

/* Each counter has one writer thread; relaxed atomics let main read them. */
struct tunnel_counters {
	_Atomic uint64_t to_peer_packets, to_peer_bytes, send_errors;
	_Atomic uint64_t from_peer_packets, from_peer_bytes, device_drops;
	_Atomic uint64_t not_peer_drops, malformed_drops;
};

struct tunnel_opts {
	enum tunx_backend backend;
	const char *name;
	const char *local, *peer;	/* "ADDR:PORT" or "[V6]:PORT" */
	const char *addrs[TUNNEL_MAX_ADDRS];	/* CIDRs on the device */
	const char *routes[TUNNEL_MAX_ADDRS];	/* CIDRs routed into it */
	unsigned int n_addrs, n_routes;
	unsigned int underlay_mtu;	/* path MTU between the two ends */
	unsigned int batch;
	bool no_offload, quiet, copy;
};

struct tunnel {
	struct tunx_device *dev;
	int sock;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	unsigned int mtu;	/* device MTU: underlay minus overhead */
	unsigned int batch;
	size_t off;		/* headroom before each packet */
	size_t buf_size;
	bool zero_copy;		/* tunx: send straight from the rx ring */
	atomic_bool stop;
	struct tunnel_counters c;
};

/* udp.c */
int tunnel_parse_endpoint(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len);
int tunnel_udp_open(struct tunnel *t, const char *local);
bool tunnel_is_peer(const struct tunnel *t, const struct sockaddr_storage *from,
		    socklen_t len);

/* device.c */
int tunnel_device_open(struct tunnel *t, const struct tunnel_opts *o);

/* path.c */
void *tunnel_dev_to_peer(void *arg);
void *tunnel_dev_to_peer_zc(void *arg);
void *tunnel_peer_to_dev(void *arg);

#endif /* TUNNEL_TUNNEL_H */
