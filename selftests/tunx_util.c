// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the tunx kselftests; see tunx_util.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "tunx_util.h"

static int neg_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

bool st_present(void)
{
	return access(TUNX_DEVICE_PATH, F_OK) == 0;
}

int st_open(void)
{
	return neg_errno(open(TUNX_DEVICE_PATH, O_RDWR | O_CLOEXEC));
}

int st_attach(int fd, const char *name, __u32 flags, struct tunx_attach *out)
{
	struct tunx_attach a = { .size = sizeof(a), .flags = flags };
	int ret;

	if (name)
		strncpy(a.name, name, sizeof(a.name) - 1);
	ret = neg_errno(ioctl(fd, TUNX_IOC_ATTACH, &a));
	if (!ret && out)
		*out = a;
	return ret;
}

int st_detach(int fd)
{
	return neg_errno(ioctl(fd, TUNX_IOC_DETACH));
}

int st_setup_rings(int fd, __u32 rx, __u32 tx, __u32 area,
		   struct tunx_ring_setup *out)
{
	return st_setup_rings_flags(fd, rx, tx, area, 0, out);
}

int st_setup_rings_flags(int fd, __u32 rx, __u32 tx, __u32 area,
			 __u32 flags, struct tunx_ring_setup *out)
{
	struct tunx_ring_setup s = {
		.size = sizeof(s), .flags = flags, .rx_entries = rx,
		.tx_entries = tx, .area_size = area,
		.abi_version = TUNX_ABI_VERSION,
	};
	int ret;

	ret = neg_errno(ioctl(fd, TUNX_IOC_SETUP_RINGS, &s));
	if (!ret && out)
		*out = s;
	return ret;
}

int st_get_info(int fd, struct tunx_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return neg_errno(ioctl(fd, TUNX_IOC_GET_INFO, info));
}

int st_get_stats(int fd, struct tunx_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return neg_errno(ioctl(fd, TUNX_IOC_GET_STATS, st));
}

int st_kick(int fd)
{
	return neg_errno(ioctl(fd, TUNX_IOC_KICK));
}

int st_ioctl_u32(int fd, unsigned long req, __u32 val)
{
	return neg_errno(ioctl(fd, req, val));
}

static void st_ring_init(struct st_ring *r, __u8 *base,
			 const struct tunx_ring_offsets *off, __u64 area,
			 __u32 entries, __u32 area_size)
{
	r->producer = (__u32 *)(base + off->producer);
	r->consumer = (__u32 *)(base + off->consumer);
	r->flags = (__u32 *)(base + off->flags);
	r->descs = (struct tunx_desc *)(base + off->descs);
	r->area = base + area;
	r->area_size = area_size;
	r->stride = area_size / entries;
	r->entries = entries;
	r->mask = entries - 1;
	r->local = 0;
}

int st_queue_map(struct st_queue *q)
{
	const struct tunx_ring_setup *s = &q->setup;
	void *map;

	map = mmap(NULL, s->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   q->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	q->map = map;
	q->map_len = s->mmap_size;
	q->area_size = s->area_size;
	q->max_packet = s->max_packet;
	st_ring_init(&q->rx, map, &s->rx, s->rx_area, s->rx_entries,
		     s->area_size);
	st_ring_init(&q->tx, map, &s->tx, s->tx_area, s->tx_entries,
		     s->area_size);
	/*
	 * Start from wherever the indices are, normally 0.  No pairing: our
	 * own indices, and nothing of ours is in flight yet.
	 */
	q->rx.local = st_load_relaxed(q->rx.consumer);
	q->tx.local = st_load_relaxed(q->tx.producer);
	return 0;
}

int st_queue_open(struct st_queue *q, const char *name, __u32 flags,
		  __u32 rx, __u32 tx, __u32 area)
{
	struct tunx_attach a;
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = st_open();
	if (q->fd < 0)
		return q->fd;
	ret = st_attach(q->fd, name, flags & ~ST_Q_SETUP_FLAGS, &a);
	if (ret)
		goto err_close;
	memcpy(q->name, a.name, sizeof(q->name));
	q->name[sizeof(q->name) - 1] = '\0';
	q->ifindex = a.ifindex;
	q->queue_index = a.queue_index;
	ret = st_setup_rings_flags(q->fd, rx, tx, area,
				   (flags & ST_Q_SETUP_FLAGS) >> ST_Q_SETUP_SHIFT,
				   &q->setup);
	if (ret)
		goto err_close;
	ret = st_queue_map(q);
	if (ret)
		goto err_close;
	return 0;

err_close:
	close(q->fd);
	q->fd = -1;
	return ret;
}

void st_queue_unmap(struct st_queue *q)
{
	if (q->map)
		munmap(q->map, q->map_len);
	q->map = NULL;
}

void st_queue_close(struct st_queue *q)
{
	st_queue_unmap(q);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

bool st_need_wakeup(const struct st_ring *r)
{
	/* F, matches E: our index store is ordered before the flag load. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return st_load_relaxed(r->flags) & TUNX_RING_NEED_WAKEUP;
}

__u32 st_tx_free(struct st_queue *q)
{
	struct st_ring *r = &q->tx;

	__u32 used;

	/* A, matches D in the kernel's tx consumer. */
	used = r->local - st_load_acquire(r->consumer);
	/* A consumer a test scribbled on may be anywhere: no room then. */
	return used >= r->entries ? 0 : r->entries - used;
}

int st_fixture_enter(struct st_queue *q, int *sock)
{
	if (q)
		q->fd = -1;
	if (sock)
		*sock = -1;
	if (!st_present())
		return -ENOENT;
	return st_netns_enter();
}

/* Say which step of a fixture failed: the ASSERT only sees the errno. */
static int fixture_step(const char *what, const char *name, int ret)
{
	if (ret < 0)
		fprintf(stderr, "# %s %s: %s\n", what, name, strerror(-ret));
	return ret;
}

int st_queue_up(struct st_queue *q, int *sock, const char *name, __u32 flags,
		__u32 rx, __u32 tx, __u32 area, int timeout_ms)
{
	int ret;

	ret = fixture_step("open", name,
			   st_queue_open(q, name, flags, rx, tx, area));
	if (ret)
		return ret;
	ret = fixture_step("net up", name, st_net_up(name));
	if (ret || !sock)
		return ret;
	*sock = st_udp_listen4(ST_LOCAL4, ST_PORT, timeout_ms);
	return fixture_step("listen on", ST_LOCAL4, *sock < 0 ? *sock : 0);
}

struct tunx_desc *st_tx_reserve(struct st_queue *q, __u8 **pkt)
{
	struct st_ring *r = &q->tx;
	__u32 slot;

	if (!st_tx_free(q))
		return NULL;
	slot = r->local & r->mask;
	if (pkt)
		*pkt = r->area + (__u64)slot * r->stride;
	r->local++;
	return &r->descs[slot];
}

void st_tx_submit(struct st_queue *q)
{
	/* B, matches C in the kernel's tx consumer. */
	st_store_release(q->tx.producer, q->tx.local);
}

void st_tx_resync(struct st_queue *q)
{
	/* A, matches D in the kernel's tx consumer. */
	q->tx.local = st_load_acquire(q->tx.consumer);
}

int st_tx_kick_if_needed(struct st_queue *q)
{
	return st_need_wakeup(&q->tx) ? st_kick(q->fd) : 0;
}

int st_tx_produce(struct st_queue *q, const void *pkt, __u32 len)
{
	struct tunx_desc *d;
	__u8 *buf;

	if (len > q->tx.stride)
		return -EMSGSIZE;
	d = st_tx_reserve(q, &buf);
	if (!d)
		return -ENOSPC;
	memcpy(buf, pkt, len);
	memset(d, 0, sizeof(*d));
	d->addr = buf - q->tx.area;
	d->len = len;
	st_tx_submit(q);
	return 0;
}

int st_tx_send(struct st_queue *q, const void *pkt, __u32 len)
{
	int ret = st_tx_produce(q, pkt, len);

	return ret ? ret : st_tx_kick_if_needed(q);
}

int st_tx_wait_consumed(struct st_queue *q, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;

	/* A, matches D in the kernel's tx consumer. */
	while (st_load_acquire(q->tx.consumer) != q->tx.local) {
		if (st_now_ms() > end)
			return -ETIMEDOUT;
		st_msleep(1);
	}
	return 0;
}

__u32 st_rx_ready(struct st_queue *q)
{
	/* C, matches B in the kernel's rx producer. */
	return st_load_acquire(q->rx.producer) - q->rx.local;
}

const struct tunx_desc *st_rx_peek(struct st_queue *q)
{
	struct st_ring *r = &q->rx;

	if (!st_rx_ready(q))
		return NULL;
	return &r->descs[r->local & r->mask];
}

void st_rx_release(struct st_queue *q)
{
	struct st_ring *r = &q->rx;

	/* D, matches A in the kernel's rx producer. */
	st_store_release(r->consumer, ++r->local);
	if (st_need_wakeup(r))
		st_kick(q->fd);
}

void st_rx_resync(struct st_queue *q)
{
	struct st_ring *r = &q->rx;

	/* C, matches B in the kernel's rx producer. */
	r->local = st_load_acquire(r->producer);
	/* D, matches A in the kernel's rx producer. */
	st_store_release(r->consumer, r->local);
}

int st_rx_take(struct st_queue *q, void *buf, size_t cap,
	       struct tunx_desc *desc)
{
	const struct tunx_desc *slot = st_rx_peek(q);
	const struct st_ring *r = &q->rx;
	struct tunx_desc d;
	__u32 len;

	if (!slot)
		return -EAGAIN;
	d = *slot;
	if (desc)
		*desc = d;
	/* Trust nothing, not even the kernel: stay inside our mapping. */
	if (d.addr % TUNX_PACKET_ALIGN || d.addr > r->area_size ||
	    d.len > r->area_size - d.addr || d.len > q->max_packet)
		return -EPROTO;
	len = d.len < cap ? d.len : cap;
	memcpy(buf, r->area + d.addr, len);
	st_rx_release(q);
	return d.len;
}

int st_rx_recv(struct st_queue *q, void *buf, size_t cap, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	int ret;

	for (;;) {
		ret = st_rx_take(q, buf, cap, NULL);
		if (ret != -EAGAIN)
			return ret;
		int left = (int)(end - st_now_ms());

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
}

int st_rx_recv_udp(struct st_queue *q, void *buf, size_t cap,
		   __u16 dport, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;
	const __u8 *p = buf;
	int len;

	for (;;) {
		int left = (int)(end - st_now_ms());
		size_t l4;

		if (left <= 0)
			return -ETIMEDOUT;
		len = st_rx_recv(q, buf, cap, left);
		if (len < 0)
			return len;
		if (len >= 28 && (p[0] >> 4) == 4 && p[9] == IPPROTO_UDP) {
			l4 = (p[0] & 15) * 4;
			if ((size_t)len >= l4 + 8 &&
			    ntohs(*(__u16 *)(p + l4 + 2)) == dport)
				return len;
		}
		if (len >= 48 && (p[0] >> 4) == 6 && p[6] == IPPROTO_UDP &&
		    ntohs(*(__u16 *)(p + 42)) == dport)
			return len;
	}
}

int st_rx_wait_ready(struct st_queue *q, __u32 n, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;

	while (st_rx_ready(q) < n) {
		if (st_now_ms() > end)
			return -ETIMEDOUT;
		st_msleep(2);
	}
	return 0;
}

static void desc_read(const struct tunx_desc *src, __u64 *w)
{
	const __u64 *p = (const __u64 *)src;
	size_t i;

	for (i = 0; i < sizeof(*src) / sizeof(*p); i++)
		w[i] = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
}

bool st_desc_snapshot(const struct tunx_desc *src, struct tunx_desc *dst)
{
	__u64 a[sizeof(*src) / sizeof(__u64)], b[sizeof(a) / sizeof(__u64)];
	int tries;

	desc_read(src, a);
	for (tries = 0; tries < 1000; tries++) {
		desc_read(src, b);
		if (!memcmp(a, b, sizeof(a))) {
			memcpy(dst, a, sizeof(*dst));
			return true;
		}
		memcpy(a, b, sizeof(a));
	}
	return false;
}

__u64 st_stat_wait(int fd, size_t field_off, __u64 want, int timeout_ms)
{
	long long end = st_now_ms() + timeout_ms;
	struct tunx_stats st;
	__u64 v = 0;

	for (;;) {
		if (st_get_stats(fd, &st))
			return v;
		memcpy(&v, (char *)&st + field_off, sizeof(v));
		if (v >= want || st_now_ms() > end)
			return v;
		st_msleep(2);
	}
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

int st_netns_enter(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	/* No IPv6 autoconf chatter in the rx rings unless a test asks. */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	return st_if_flags("lo", true);
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return -errno;
	ret = neg_errno(ioctl(s, req, ifr));
	close(s);
	return ret;
}

int st_if_flags(const char *name, bool up)
{
	struct ifreq ifr = {};
	int ret;

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ret = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
	if (ret)
		return ret;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

int st_if_addr4(const char *name, const char *addr, int prefix)
{
	struct ifreq ifr = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int ret;

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	ret = ifreq_ioctl(SIOCSIFADDR, &ifr);
	if (ret)
		return ret;
	sin->sin_addr.s_addr = htonl(prefix ? ~0U << (32 - prefix) : 0);
	return ifreq_ioctl(SIOCSIFNETMASK, &ifr);
}

int st_if_set_mtu(const char *name, int mtu)
{
	struct ifreq ifr = {};

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_mtu = mtu;
	return ifreq_ioctl(SIOCSIFMTU, &ifr);
}

int st_if_get_mtu(const char *name)
{
	struct ifreq ifr = {};
	int ret;

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ret = ifreq_ioctl(SIOCGIFMTU, &ifr);
	return ret ? ret : ifr.ifr_mtu;
}

/*
 * One rtnetlink request about the link called @name; the first answer goes
 * to @ans.  Returns the bytes received or -errno.
 */
static int link_request(__u16 type, __u16 flags, const char *name,
			struct nlmsghdr *ans, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attr[64];
	} req = {};
	struct rtattr *rta;
	int s, ret;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | flags;
	req.ifi.ifi_family = AF_UNSPEC;
	rta = (struct rtattr *)req.attr;
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(strlen(name) + 1);
	strcpy(RTA_DATA(rta), name);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) +
			   RTA_ALIGN(rta->rta_len);
	ret = send(s, &req, req.nh.nlmsg_len, 0);
	if (ret >= 0)
		ret = recv(s, ans, len, 0);
	if (ret < 0)
		ret = -errno;
	close(s);
	return ret;
}

/* The error an NLMSG_ERROR answer carries (0 for an ack), else -EPROTO. */
static int link_answer_error(const struct nlmsghdr *ans)
{
	if (ans->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((const struct nlmsgerr *)NLMSG_DATA(ans))->error;
}

/* RTM_DELLINK by name, as `ip link del`: 0 or the kernel's -errno. */
int st_if_delete(const char *name)
{
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ans;
	int ret = link_request(RTM_DELLINK, NLM_F_ACK, name, &ans.nh,
			       sizeof(ans));

	return ret < 0 ? ret : link_answer_error(&ans.nh);
}

int st_if_rename(const char *name, const char *newname)
{
	struct ifreq ifr = {};

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	strncpy(ifr.ifr_newname, newname, IFNAMSIZ - 1);
	return ifreq_ioctl(SIOCSIFNAME, &ifr);
}

int st_net_up(const char *name)
{
	int ret = st_if_addr4(name, ST_LOCAL4, 24);

	return ret ? ret : st_if_flags(name, true);
}

int st_net_up6(const char *name)
{
	char path[128];
	int ret;

	/* No link-local address, no router solicitations: no noise. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode",
		 name);
	write_file(path, "1");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	write_file(path, "0");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "0");
	ret = st_if_flags(name, true);
	if (ret)
		return ret;
	return st_sh("ip -6 addr add %s/64 dev %s nodad", ST_LOCAL6, name)
		? -EIO : 0;
}

int st_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	ret = system(cmd);
	if (ret == -1)
		return -errno;
	return WIFEXITED(ret) ? WEXITSTATUS(ret) : 128;
}

void st_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long long st_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long st_now_ms(void)
{
	return st_now_us() / 1000;
}

__u16 st_csum(const void *data, size_t len, __u32 sum)
{
	const __u8 *p = data;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

void st_ip4_fill(struct iphdr *ip, __u8 proto, size_t len,
		 const char *src, const char *dst)
{
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len);
	ip->id = htons(1);
	ip->ttl = 64;
	ip->protocol = proto;
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = st_csum(ip, sizeof(*ip), 0);
}

size_t st_build_udp4(void *buf, const char *src, const char *dst,
		     __u16 sport, __u16 dport, const void *payload,
		       size_t plen)
{
	struct iphdr *ip = buf;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t len = sizeof(*ip) + sizeof(*udp) + plen;

	st_ip4_fill(ip, IPPROTO_UDP, len, src, dst);
	memset(udp, 0, sizeof(*udp));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(sizeof(*udp) + plen);
	udp->check = 0;		/* optional for IPv4 */
	memcpy(udp + 1, payload, plen);
	return len;
}

size_t st_build_udp6(void *buf, const char *src, const char *dst,
		     __u16 sport, __u16 dport, const void *payload,
		       size_t plen)
{
	struct ip6_hdr *ip6 = buf;
	struct udphdr *udp = (struct udphdr *)(ip6 + 1);
	size_t ulen = sizeof(*udp) + plen;
	__u32 sum = 0;
	const __u16 *w;
	int i;

	memset(ip6, 0, sizeof(*ip6) + sizeof(*udp));
	ip6->ip6_flow = htonl(6U << 28);
	ip6->ip6_plen = htons(ulen);
	ip6->ip6_nxt = IPPROTO_UDP;
	ip6->ip6_hlim = 64;
	inet_pton(AF_INET6, src, &ip6->ip6_src);
	inet_pton(AF_INET6, dst, &ip6->ip6_dst);
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(ulen);
	memcpy(udp + 1, payload, plen);
	/* Pseudo-header: addresses, length, next header. */
	w = (const __u16 *)&ip6->ip6_src;
	for (i = 0; i < 16; i++)
		sum += ntohs(w[i]);
	sum += ulen + IPPROTO_UDP;
	udp->check = st_csum(udp, ulen, sum);
	if (!udp->check)
		udp->check = 0xffff;
	return sizeof(*ip6) + ulen;
}

size_t st_test_packet(void *buf, const char *tag)
{
	return st_build_udp4(buf, ST_PEER4, ST_LOCAL4, 9, ST_PORT,
			       tag, strlen(tag));
}

static int udp_socket(int family, const void *sa, socklen_t salen,
		      int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int one = 1, rcvbuf = 4 << 20;
	int s;

	s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sa && bind(s, sa, salen)) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

int st_udp_listen4(const char *addr, __u16 port, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	return udp_socket(AF_INET, &sin, sizeof(sin), timeout_ms);
}

int st_udp_listen6(const char *addr, __u16 port, int timeout_ms)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };

	inet_pton(AF_INET6, addr, &sin6.sin6_addr);
	return udp_socket(AF_INET6, &sin6, sizeof(sin6), timeout_ms);
}

int st_udp_send4(const char *dst, __u16 port, const void *data, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int s = udp_socket(AF_INET, NULL, 0, 0);
	int ret;

	if (s < 0)
		return s;
	inet_pton(AF_INET, dst, &sin.sin_addr);
	ret = neg_errno(sendto(s, data, len, 0, (void *)&sin, sizeof(sin)));
	close(s);
	return ret;
}

int st_udp_send6(const char *dst, __u16 port, const void *data, size_t len)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };
	int s = udp_socket(AF_INET6, NULL, 0, 0);
	int ret;

	if (s < 0)
		return s;
	inet_pton(AF_INET6, dst, &sin6.sin6_addr);
	ret = neg_errno(sendto(s, data, len, 0, (void *)&sin6, sizeof(sin6)));
	close(s);
	return ret;
}

int st_udp_recv(int sock, void *buf, size_t cap)
{
	int ret = recv(sock, buf, cap, 0);

	if (ret < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return ret;
}

int st_udp_drain(int sock)
{
	char buf[2048];
	int n = 0;

	while (st_udp_recv(sock, buf, sizeof(buf)) >= 0)
		n++;
	return n;
}

int st_udp_drain_nowait(int sock)
{
	char buf[2048];
	int n = 0;

	while (recv(sock, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/*
 * RTM_GETLINK by name.  Unlike SIOCGIFINDEX (if_nametoindex), it never
 * makes the kernel run modprobe for "netdev-NAME" and "NAME" when the
 * device is absent: two usermode helpers that cost seconds under TCG.
 */
int st_if_index(const char *name)
{
	union {
		struct nlmsghdr nh;
		char buf[16384];
	} ans;
	int ret = link_request(RTM_GETLINK, 0, name, &ans.nh, sizeof(ans));

	if (ret >= 0 && ans.nh.nlmsg_type == RTM_NEWLINK)
		ret = ((struct ifinfomsg *)NLMSG_DATA(&ans.nh))->ifi_index;
	else if (ret >= 0)
		ret = link_answer_error(&ans.nh);
	return ret == -ENODEV ? 0 : ret;
}

/*
 * Open /sys/class/net/@name/@attr of the caller's network namespace.  A
 * test in a namespace of its own mounts a sysfs of it first, in a mount
 * namespace of its own (the harness runs each test in a child, so this
 * happens once per test).
 */
static int sysfs_net_open(const char *name, const char *attr, int flags)
{
	static bool mounted;
	char path[128];
	int fd;

	if (!mounted &&
	    (unshare(CLONE_NEWNS) ||
	     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	     mount("sysfs", "/sys", "sysfs", 0, NULL)))
		return -errno;
	mounted = true;
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int st_sysfs_net_write(const char *name, const char *attr, const char *val)
{
	int fd = sysfs_net_open(name, attr, O_WRONLY), ret;

	if (fd < 0)
		return fd;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -errno;
	close(fd);
	return ret;
}

/* Read it into @buf as a string, without the trailing newline. */
int st_sysfs_net_read(const char *name, const char *attr, char *buf,
		      size_t cap)
{
	int fd = sysfs_net_open(name, attr, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

/* SndbufErrors from the "Udp:" pair of lines in /proc/net/snmp. */
#define ST_SNMP_SEP	"\t\n "
__u64 st_udp_sndbuf_errors(void)
{
	char names[1024], vals[1024], *n, *v, *sn, *sv;
	unsigned long long x = 0;
	FILE *f = fopen("/proc/net/snmp", "r");

	if (!f)
		return 0;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Udp:", 4) || !fgets(vals, sizeof(vals), f))
			continue;
		n = strtok_r(names, ST_SNMP_SEP, &sn);
		v = strtok_r(vals, ST_SNMP_SEP, &sv);
		while (n && v && strcmp(n, "SndbufErrors")) {
			n = strtok_r(NULL, ST_SNMP_SEP, &sn);
			v = strtok_r(NULL, ST_SNMP_SEP, &sv);
		}
		if (n && v)
			x = strtoull(v, NULL, 10);
		break;
	}
	fclose(f);
	return x;
}

/*
 * Link counters from /proc/net/dev, which shows the reader's netns (sysfs
 * shows the netns it was mounted in).
 */
__u64 st_link_stat(const char *name, enum st_link_field field)
{
	unsigned long long v[12] = {};
	char line[512], *p;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' '; p++)
			;
		if (strncmp(p, name, n) || p[n] != ':')
			continue;
		if (sscanf(p + n + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) != 12)
			memset(v, 0, sizeof(v));
		break;
	}
	fclose(f);
	return v[field];
}

/* Pass @fd over the unix socket @sock (SCM_RIGHTS, one byte). */
int st_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char c = 0;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receive a descriptor st_send_fd() passed; the fd or -errno. */
int st_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int st_ethtool(const char *name, void *cmd)
{
	struct ifreq ifr = { .ifr_data = cmd };
	int s, ret;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(s, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(s);
	return ret;
}

int st_set_rx_usecs(const char *name, __u32 usecs)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	int ret = st_ethtool(name, &ec);

	if (ret)
		return ret;
	ec.cmd = ETHTOOL_SCOALESCE;
	ec.rx_coalesce_usecs = usecs;
	return st_ethtool(name, &ec);
}

/* Pin the threads named @prefix* (threaded NAPI's "napi/DEV-ID") to @cpu. */
int st_pin_threads(const char *prefix, int cpu)
{
	char path[300], comm[32];
	struct dirent *de;
	cpu_set_t set;
	int n = 0;
	FILE *f;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, prefix, strlen(prefix)) &&
		    !sched_setaffinity(atoi(de->d_name), sizeof(set), &set))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

int st_napi_threads_start(struct st_queue *q)
{
	long long end = st_now_ms() + 10000;
	char pkt[128], val[8];
	size_t len = st_test_packet(pkt, "start");
	int i, ret = 0;

	for (i = 0; !ret && i < 16; i++)
		ret = st_tx_produce(q, pkt, len);
	if (!ret)
		ret = st_kick(q->fd);
	if (!ret)
		ret = st_tx_wait_consumed(q, 10000);
	while (!ret && st_now_ms() < end) {
		ret = st_sysfs_net_read(q->name, "threaded", val, sizeof(val));
		if (!ret && val[0] == '1')
			return 0;
		st_msleep(10);
	}
	return ret ? ret : -ETIMEDOUT;
}
