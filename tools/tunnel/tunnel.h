/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunx-tunnel: the reference UDP tunnel.  Per device queue, one thread per
 * direction:
 *   device -> peer: tunx_read() a batch, sendmmsg() it to the peer;
 *   peer -> device: recvmmsg() a batch, keep what the peer sent, tunx_write()
 *   (tunx with offload: received straight into the tx ring, ringrecv.c).
 * Each IP packet travels as the whole payload of one UDP datagram.  Queue i
 * has a socket of its own on local port PORT+i talking to peer port PORT+i,
 * so the flows the sending kernel spread over its queues arrive on the
 * matching queue's thread at the other end, with no shared socket.
 */
#ifndef TUNNEL_TUNNEL_H
#define TUNNEL_TUNNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/tunx.h>
#include <tunx/tunx.h>

#include "../common/decimal.h"

/*
 * --busy-poll's idle window.  SO_BUSY_POLL's usual 50 us, not the kernel's
 * 1 ms default: on two vCPUs a tunnel thread spinning 1 ms on each empty
 * ring took CPU from iperf3 and the stack (TCP 601 and 485 Mbit/s against
 * 1046 and 995 without busy mode, 853 and 799 with 50 us).
 */
#define TUNNEL_BUSY_USECS 50

#define TUNNEL_MAX_ADDRS 8
/* "ADDR/LEN" as text: INET6_ADDRSTRLEN (46, with the NUL), '/', 3 digits */
#define TUNNEL_CIDR_LEN 52
#define TUNNEL_MAX_QUEUES 16

/* Each counter has one writer thread; relaxed atomics let main read them. */
struct tunnel_counters {
	_Atomic uint64_t to_peer_packets, to_peer_bytes, send_errors;
	_Atomic uint64_t from_peer_packets, from_peer_bytes, device_drops;
	_Atomic uint64_t not_peer_drops, malformed_drops;
	/*
	 * UDP_GRO bundles merged where they landed in the tx ring, and those
	 * copied: the layout's guess missed, the datagrams were not one run,
	 * or they came behind one that did not merge (order is kept).
	 */
	_Atomic uint64_t ring_merged, ring_guess_missed, ring_not_one_run;
	_Atomic uint64_t ring_behind;
};

struct tunnel_opts {
	enum tunx_backend backend;
	const char *name;
	const char *local, *peer;	/* "ADDR:PORT" or "[V6]:PORT" */
	const char *addrs[TUNNEL_MAX_ADDRS];	/* CIDRs on the device */
	const char *routes[TUNNEL_MAX_ADDRS];	/* CIDRs routed into it */
	/* The routes as prefixes, host bits cleared; routes[] points here
	 * once they are checked. */
	char route_text[TUNNEL_MAX_ADDRS][TUNNEL_CIDR_LEN];
	unsigned int n_addrs, n_routes;
	unsigned int underlay_mtu;	/* path MTU between the two ends */
	unsigned int batch;
	unsigned int queues;
	unsigned int busy_usecs;	/* with busy_poll */
	bool no_offload, quiet, copy, busy_poll;	/* no_offload: UDP too */
};

struct tunnel;

/* Room for one UDP_SEGMENT or UDP_GRO control message, aligned. */
union tunnel_ctl {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* One device queue, its socket and its two threads. */
struct tunnel_queue {
	struct tunnel *t;
	unsigned int index;
	struct tunx_device *dev;
	int sock;
	struct sockaddr_storage peer;	/* the peer's socket for this queue */
	socklen_t peer_len;
	pthread_t th[2];
	bool running[2];
	bool gso;		/* UDP_SEGMENT on send (off after a refusal) */
	bool gro;		/* UDP_GRO on receive */
	struct tunnel_counters c;
};

struct tunnel {
	struct tunnel_queue q[TUNNEL_MAX_QUEUES];
	unsigned int nq;
	unsigned int mtu;	/* device MTU: underlay minus overhead */
	unsigned int batch;
	size_t off;		/* headroom before each packet */
	size_t buf_size;
	bool zero_copy;		/* tunx: send straight from the rx ring */
	bool offload;		/* tunx: the device has offload */
	bool busy;		/* spin on the rx ring before sleeping */
	double busy_secs;	/* how long to spin after the last packet */
	atomic_bool stop;
};

/* udp.c */
int tunnel_parse_endpoint(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len);
int tunnel_udp_open(struct tunnel_queue *q, const char *local,
		    const char *peer);
/* Socket buffers asked for, each way, bytes */
#define TUNNEL_UDP_BUF	(4 << 20)
/* Whether net.core.rmem_max held the receive buffer under what was asked
 * (no CAP_NET_ADMIN); the kernel's figure in @got. */
bool tunnel_udp_buffer_capped(const struct tunnel_queue *q, int *got);
bool tunnel_is_peer(const struct tunnel_queue *q,
		    const struct sockaddr_storage *from, socklen_t len);

/* gso.c */
bool tunnel_udp_gro_enable(int fd);
unsigned int tunnel_gso_pack(const struct tunnel_queue *q, struct iovec *iov,
			     unsigned int n, struct mmsghdr *msgs,
			     union tunnel_ctl *ctl);
unsigned int tunnel_gro_size(const struct msghdr *h);
/* After a failed send (errno), of a UDP_SEGMENT message if @segmented: a
 * kernel or device that refuses UDP_SEGMENT says so once, and the queue
 * sends single datagrams from then on. */
void tunnel_gso_refused(struct tunnel_queue *q, bool segmented);
/* A UDP_SEGMENT control message of @g bytes per segment into @ctl, on @h. */
void tunnel_set_segment(struct msghdr *h, union tunnel_ctl *ctl, uint16_t g);

/* ringsend.c: zero copy with offload, one peeked packet that is not plain
 * (a super-packet, or a checksum left to us); the rebuilt headers of one
 * UDP_SEGMENT message's segments go to the scratch. */
struct tunnel_seg_scratch {
	/* Headers up to the bound the device puts on tx checksums
	 * (TUNX_CSUM_END_MAX) plus a full TCP header: IPv6 extension
	 * headers fit; a packet with more is counted malformed. */
	uint8_t hdr[64][TUNX_CSUM_END_MAX + 64];
	struct iovec iov[2 * 64];
};
bool tunnel_ring_needs_work(const struct tunx_pkt *p);
void tunnel_ring_send(struct tunnel_queue *q, struct tunx_pkt *p,
		      struct tunnel_seg_scratch *sc);

/* parse.c: 0 or -EINVAL (numbers: tools_parse_decimal(), shared) */
/* "ADDR[/PREFIX]" as --address and --route take it. */
int tunnel_parse_cidr(const char *s, int *family, uint8_t addr[16],
		      unsigned int *prefix);
/* A --route as "PREFIX/LEN", its host bits cleared, into @text. */
int tunnel_parse_route(const char *s, char text[TUNNEL_CIDR_LEN]);

/* device.c */
/* The outer IP and UDP headers' bytes over an underlay of @family. */
unsigned int tunnel_overhead(int family);
int tunnel_device_open(struct tunnel *t, const struct tunnel_opts *o);
void tunnel_device_close(struct tunnel *t);

/* privilege.c: what an unprivileged owner of the device may not change */
bool tunnel_net_admin(void);
unsigned int tunnel_existing_mtu(const char *name);
bool tunnel_link_is_up(const char *name);
bool tunnel_has_addr(const char *name, int family, const uint8_t *a);
bool tunnel_explain_stranger(const char *name);

/* route.c */
int tunnel_route_ifindex(int family, const uint8_t *a, unsigned int prefix);

/* path.c: buffers for one batch, and device -> peer */
struct tunnel_batch {
	uint8_t **bufs;
	size_t *sizes;
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *names;
	union tunnel_ctl *ctl;
};
int tunnel_batch_alloc(struct tunnel_batch *b, const struct tunnel *t);
void tunnel_batch_free(struct tunnel_batch *b, unsigned int n);
void *tunnel_dev_to_peer(void *arg);
/* The zero-copy sender's buffers: a batch's plain packets, and the
 * scratch of the super-packet being sent. */
struct tunnel_zc {
	struct mmsghdr *msgs;
	struct iovec *iov;
	union tunnel_ctl *ctl;
	struct tunnel_seg_scratch seg;
};
void *tunnel_dev_to_peer_zc(void *arg);

/* inbound.c: peer -> device */
void *tunnel_peer_to_dev(void *arg);
/* The copying path: a received datagram (@gro-sized packets glued by GRO,
 * or one), queued for tunx_write(); flush writes what is queued. */
struct tunnel_outq;
/* Only IP packets that fit the device go to it, by either path. */
bool tunnel_plausible(const struct tunnel *t, const uint8_t *p, size_t len);
void tunnel_outq_take(struct tunnel_outq *o, uint8_t *p, size_t len,
		      unsigned int gro);
void tunnel_outq_flush(struct tunnel_outq *o);

/* ringrecv.c: peer -> device straight into the tx ring */
bool tunnel_ring_recv_ok(const struct tunnel_queue *q);
/* Until the tunnel stops: 0, or -ENOMEM before it started. */
int tunnel_ring_recv(struct tunnel_queue *q, struct tunnel_outq *o);

#endif /* TUNNEL_TUNNEL_H */
