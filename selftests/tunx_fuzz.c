// SPDX-License-Identifier: GPL-2.0
/*
 * tunx_fuzz: a seeded randomised fuzzer of the shared rings.  While UDP
 * traffic flows through a multi-queue device in both directions, it writes
 * random and adversarial indices, descriptors (addresses anywhere in and
 * around the tx area, odd offsets and the area's last bytes included),
 * flags words and packet bytes into the shared rings, and mixes in random
 * ioctls (with random size words and arguments), mmaps, munmaps, forks
 * (children that scribble on the inherited mapping), closes, reopens,
 * detaches, link deletes, link up/down and MTU changes.  Every syscall
 * must return success or one of the errnos the ABI documents for it; at
 * the end every queue is closed and the device must be gone, and a fresh
 * queue must still move a packet both ways.
 * Throughout, every rx descriptor the honest reader consumes must keep to
 * the ABI: addr a multiple of TUNX_PACKET_ALIGN, addr + len inside the rx
 * area, len at most max_packet, whatever the fuzzer did to the indices.
 * The VM runner fails the run on any kernel report (KASAN, lockdep, WARN,
 * kmemleak), so a clean exit on the debug kernel means the kernel survived.
 *
 * Environment:
 *   TUNX_FUZZ_SEED  seed (default 1234: make check is deterministic)
 *   TUNX_FUZZ_OPS   operations (default by TUNX_VM_KERNEL: debug 2000,
 *                   about 50/s under TCG, most of it deleting multi-queue
 *                   devices under lockdep; else 10000, about 750/s); a
 *                   long run: TUNX_FUZZ_OPS=1000000
 *   TUNX_FUZZ_PROFILE  print operations and time spent per kind
 * A failure prints the seed and the operation number to reproduce it.
 * Prints "# fuzz: seed S, N operations (breakdown)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "tunx_util.h"

#define DEV		"fz0"
#define NQ		4
#define MAX_MAPS	3

enum op {
	OP_SEND, OP_TX_VALID, OP_INDEX, OP_DESC, OP_BYTES, OP_RX_CONSUME,
	OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_FORK, OP_CLOSE, OP_OPEN, OP_DETACH,
	OP_LINK_DEL, OP_MTU, OP_UPDOWN, OP_POLL, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"send", "tx_valid", "index", "desc", "bytes", "rx_consume", "ioctl",
	"mmap", "munmap", "fork", "close", "open", "detach", "link_del", "mtu",
	"updown", "poll",
};

/* Relative weights: mostly shared-memory abuse and traffic. */
static const unsigned int op_weight[OP_COUNT] = {
	12, 12, 14, 14, 5, 10, 12, 3, 2, 1, 2, 4, 1, 1, 3, 1, 3,
};

struct fq {
	int fd;			/* -1: free slot */
	bool rings;		/* setup done on fd */
	struct tunx_ring_setup setup;
	void *map[MAX_MAPS];	/* full mappings of this queue's rings */
	size_t map_len;
};

static struct fq qs[NQ];
/* What the main thread is doing, for the watchdog thread: a label only. */
static atomic_int cur_op;
static pid_t main_tid;
static unsigned long long counts[OP_COUNT], op_us[OP_COUNT];
static unsigned long long seed, total_ops;
/* The operation running now: the watchdog thread reads it. */
static atomic_ullong op_no;
static unsigned long long rng_state;
static int sock_rx = -1;	/* listens on LOCAL4:PORT: tx ring traffic */
static int sock_tx = -1;	/* sends to PEER4: rx ring traffic */

static unsigned long long rnd(void)
{
	/* xorshift64*: small, fast, reproducible. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static __printf(1, 2) void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("fuzz: FAILED at operation %llu of %llu, seed %llu: %s\n",
		       op_no, total_ops, seed, msg);
	ksft_print_msg("reproduce: TUNX_FUZZ_SEED=%llu TUNX_FUZZ_OPS=%llu ./tunx_fuzz\n",
		       seed, total_ops);
	ksft_test_result_fail("fuzz\n");
	ksft_exit_fail();
}

/* ret is 0 or -errno; anything outside allowed (a 0-terminated list) fails. */
static void check(const char *what, int ret, ...)
{
	va_list ap;
	int e;

	if (ret >= 0)
		return;
	va_start(ap, ret);
	while ((e = va_arg(ap, int)) != 0) {
		if (-ret == e) {
			va_end(ap);
			return;
		}
	}
	va_end(ap);
	fail("%s returned %d (%s)", what, ret, strerror(-ret));
}

/* An adversarial u32: edges, near-edges, the live value moved a little. */
static __u32 evil_u32(__u32 cur, __u32 entries)
{
	switch (rn(10)) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return 0x80000000u;
	case 3: return cur + entries;
	case 4: return cur + entries + 1;
	case 5: return cur - 1;
	case 6: return cur + 1 + rn(entries);
	case 7: return cur - rn(entries * 2);
	case 8: return cur;
	default: return (__u32)rnd();
	}
}

/*
 * An adversarial tx addr for an area of @area bytes and packets of up to
 * @max: edges, the last bytes, odd offsets, past the end, overflows.
 */
static __u64 evil_addr(__u64 area, __u32 max)
{
	switch (rn(10)) {
	case 0: return 0;
	case 1: return area;
	case 2: return area - 1 - rn(64);
	case 3: return ~0ULL - rn(64);
	case 4: return area - rn(max);		/* ends near the end */
	case 5: return 1ULL << 63;
	case 6: return rn(area) | 1;		/* odd, anywhere */
	case 7: return area + rn(max);
	case 8: return rn(area);
	default: return rnd();
	}
}

/* An adversarial tx len for packets of up to @max bytes. */
static __u32 evil_len(__u32 max)
{
	switch (rn(12)) {
	case 0: return 0;
	case 1: return 19;
	case 2: return 20;
	case 3: return max;
	case 4: return max + 1;
	case 5: return TUNX_PACKET_MAX;
	case 6: return TUNX_PACKET_MAX + 1;
	case 7: return TUNX_SUPER_MAX;
	case 8: return 0xffffffffu;
	case 9: return 0x80000000u;
	case 10: return 20 + rn(max);
	default: return (__u32)rnd();
	}
}

static struct fq *pick_queue(void)
{
	return &qs[rn(NQ)];
}

/* The first live mapping of a queue, else NULL. */
static __u8 *qmap(struct fq *q)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (q->map[i])
			return q->map[i];
	return NULL;
}

static void unmap_all(struct fq *q)
{
	for (int i = 0; i < MAX_MAPS; i++) {
		if (q->map[i])
			munmap(q->map[i], q->map_len);
		q->map[i] = NULL;
	}
}

static void q_close(struct fq *q)
{
	unmap_all(q);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->rings = false;
}

static int q_map(struct fq *q)
{
	void *m;

	for (int i = 0; i < MAX_MAPS; i++) {
		if (q->map[i])
			continue;
		m = mmap(NULL, q->setup.mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, q->fd, 0);
		if (m == MAP_FAILED)
			return -errno;
		q->map[i] = m;
		q->map_len = q->setup.mmap_size;
		return 0;
	}
	return 0;
}

/*
 * Is the device there?  The interface ioctls on an absent name make the
 * kernel run modprobe twice (dev_load()), seconds under TCG; skip them.
 */
static bool dev_here(void)
{
	return st_if_index(DEV) > 0;
}

static void net_up(void)
{
	/* The device may be a fresh one: address it again (errors ignored). */
	if (dev_here())
		st_net_up(DEV);
}

static void op_open(struct fq *q)
{
	bool fresh;
	int ret;
	__u32 e = 8u << rn(4);

	q_close(q);	/* also the mappings a close left behind */
	fresh = !dev_here();
	q->fd = st_open();
	if (q->fd < 0)
		fail("open: %d", q->fd);
	ret = st_attach(q->fd, DEV, TUNX_ATTACH_MULTI_QUEUE, NULL);
	check("attach", ret, EBUSY, EINVAL, 0);
	if (ret)
		return;
	/* The default area, or the smallest (max_packet 32 KiB). */
	ret = st_setup_rings(q->fd, e, 8u << rn(4),
			     rn(2) ? 0 : TUNX_AREA_MIN_SIZE, &q->setup);
	check("setup_rings", ret, EINVAL, ENODEV, 0);
	if (ret)
		return;
	q->rings = true;
	check("mmap", q_map(q), ENXIO, 0);
	/* A fresh device needs its address; else only now and then. */
	if (fresh || !rn(4))
		net_up();
}

/*
 * ---- shared-memory operations on a mapped queue ----
 *
 * Hand-rolled on purpose instead of st_tx_reserve() & co.: a fuzz step may
 * act on any of the mappings alive at the moment, and the steps scribble
 * on the indices, so even the honest producer and consumer below re-read
 * their own index from shared memory each time instead of keeping one.
 * Barriers use the alphabet of tunx_util.h.
 */

struct view {
	__u8 *base;
	__u32 *prod, *cons, *flags;
	struct tunx_desc *descs;
	__u8 *area;		/* this direction's packet area */
	__u32 entries;
	__u32 size;		/* area_size */
	__u32 max;		/* max_packet */
	__u32 stride;		/* tx: the honest producer's bytes per slot */
};

static void view_of(__u8 *b, const struct tunx_ring_setup *s, bool tx,
		    struct view *v)
{
	const struct tunx_ring_offsets *o = tx ? &s->tx : &s->rx;

	v->base = b;
	v->prod = (__u32 *)(b + o->producer);
	v->cons = (__u32 *)(b + o->consumer);
	v->flags = (__u32 *)(b + o->flags);
	v->descs = (struct tunx_desc *)(b + o->descs);
	v->area = b + (tx ? s->tx_area : s->rx_area);
	v->entries = tx ? s->tx_entries : s->rx_entries;
	v->size = s->area_size;
	v->max = s->max_packet;
	v->stride = s->area_size / v->entries;
}

static void do_index(__u8 *b, const struct tunx_ring_setup *s)
{
	struct view v;
	__u32 *p;

	view_of(b, s, rn(2), &v);
	switch (rn(6)) {
	case 0:
		p = v.prod;
		break;
	case 1:
		p = v.cons;
		break;
	case 2:
		p = v.flags;
		break;
	case 3:		/* the rx wakeup request: a count and a delay */
		p = (__u32 *)(b + s->rx_wake) + rn(2);
		break;
	default:
		p = (__u32 *)(b + (rn(s->mmap_size / 4) * 4));
		/*
		 * Not the rx descriptors: only the kernel writes them (it never
		 * reads them), and do_rx_consume() checks what it wrote.
		 */
		if ((__u8 *)p >= b + s->rx.descs &&
		    (__u8 *)p < b + s->rx.descs +
				 s->rx_entries * sizeof(struct tunx_desc))
			p = v.flags;
		break;
	}
	/* Hostile on purpose: no pairing to speak of. */
	st_store_release(p, evil_u32(st_load_relaxed(p), v.entries));
}

static void do_desc(__u8 *b, const struct tunx_ring_setup *s)
{
	struct view v;
	__u32 prod, n = 1 + rn(8);

	view_of(b, s, true, &v);
	prod = st_load_relaxed(v.prod);
	for (__u32 i = 0; i < n; i++) {
		struct tunx_desc *d = &v.descs[(prod + i) & (v.entries - 1)];
		__u64 slot = (__u64)((prod + i) & (v.entries - 1));

		memset(d, 0, sizeof(*d));
		/* Anywhere: the tidy layout, any byte, or an evil one. */
		switch (rn(3)) {
		case 0:
			d->addr = slot * v.stride;
			break;
		case 1:
			d->addr = rn(v.size);
			break;
		default:
			d->addr = evil_addr(v.size, v.max);
			break;
		}
		if (rn(3) == 0)
			d->len = evil_len(v.max);
		else if (d->addr < v.size && v.size - d->addr >= 64)
			/* A valid packet where it points (30 bytes). */
			d->len = st_test_packet(v.area + d->addr, "fz");
		else
			d->len = 30;	/* past the end: invalid */
		if (rn(6) == 0)
			d->flags = rnd();
		if (rn(8) == 0)
			d->reserved0 = rnd();
		if (rn(8) == 0)
			d->reserved1 = rnd();
		if (rn(8) == 0)
			d->reserved2 = rnd();
		if (rn(8) == 0) {
			d->csum_flags = rnd();
			d->gso_type = rnd();
			d->gso_size = rnd();
			d->hdr_len = rnd();
		}
	}
	/* B, matches C in the kernel's tx consumer (when not hostile). */
	st_store_release(v.prod, rn(8) ? prod + n : evil_u32(prod, v.entries));
}

/* Random packet bytes anywhere in either area. */
static void do_bytes(__u8 *b, const struct tunx_ring_setup *s)
{
	struct view v;
	__u64 off;
	__u32 n = 1 + rn(64);

	view_of(b, s, rn(2), &v);
	off = rnd() % v.size;
	if (off + n > v.size)
		n = v.size - off;
	for (__u32 i = 0; i < n; i++)
		v.area[off + i] = rnd();
	/* Sometimes a plausible IPv4 header with a bad IHL or version. */
	if (rn(4) == 0 && off + 20 <= v.size)
		v.area[off] = (rn(16) << 4) | rn(16);
}

/*
 * Honest producer: valid packets to LOCAL4:PORT, within the free space,
 * each somewhere in its slot's stride of the area (odd offsets too).
 */
static void do_tx_valid(struct fq *q, __u8 *b)
{
	const struct tunx_ring_setup *s = &q->setup;
	struct view v;
	__u32 prod, cons, n = 1 + rn(16);

	view_of(b, s, true, &v);
	prod = st_load_relaxed(v.prod);
	/* A, matches D in the kernel's tx consumer. */
	cons = st_load_acquire(v.cons);
	if (prod - cons > v.entries)	/* we scribbled: start over from cons */
		prod = cons;
	for (__u32 i = 0; i < n && prod - cons < v.entries; i++, prod++) {
		__u32 slot = prod & (v.entries - 1);
		struct tunx_desc *d = &v.descs[slot];

		memset(d, 0, sizeof(*d));
		d->addr = (__u64)slot * v.stride;
		if (v.stride > 64)
			d->addr += rn(v.stride - 64);
		d->len = st_test_packet(v.area + d->addr, "fz");
	}
	/* B, matches C in the kernel's tx consumer. */
	st_store_release(v.prod, prod);
	/* F, matches E. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (st_load_relaxed(v.flags) & TUNX_RING_NEED_WAKEUP || rn(2))
		check("kick", st_kick(q->fd), ENODEV, EBADFD, ENXIO, EBADF, 0);
}

/*
 * The invariant of every rx descriptor, whatever the indices said: the
 * kernel placed its packet at an aligned offset, wholly inside the area,
 * and no longer than max_packet.  Descriptors it never wrote are zero.
 * Indices a fuzz step moved may let the kernel rewrite a slot while we
 * read it: a copy torn by that is not the kernel's.
 */
static void check_rx_desc(const struct view *v, __u32 slot)
{
	struct tunx_desc d;

	if (!st_desc_snapshot(&v->descs[slot & (v->entries - 1)], &d))
		return;
	if (d.addr % TUNX_PACKET_ALIGN || d.addr >= v->size ||
	    d.len > v->size - d.addr || d.len > v->max ||
	    (d.len && d.len < 20))
		fail("rx slot %u: addr %llu len %u, area %u max_packet %u",
		     slot & (v->entries - 1), (unsigned long long)d.addr,
		     d.len, v->size, v->max);
}

/* Honest consumer: release what the kernel says is there, then kick. */
static void do_rx_consume(struct fq *q, __u8 *b)
{
	struct view v;
	__u32 prod, cons;

	view_of(b, &q->setup, false, &v);
	/* C, matches B in the kernel's rx producer. */
	prod = st_load_acquire(v.prod);
	cons = st_load_relaxed(v.cons);
	/* What is there to read, before we release any of it. */
	for (__u32 i = cons; prod - cons <= v.entries && i != prod; i++)
		check_rx_desc(&v, i);
	if (prod - cons > v.entries)
		cons = prod;	/* we scribbled: resynchronise */
	else if (rn(2))
		cons += rn(prod - cons + 1);
	else
		cons = prod;
	/* D, matches A in the kernel's rx producer; always kicks, no F. */
	st_store_release(v.cons, cons);
	check("kick", st_kick(q->fd), ENODEV, EBADFD, ENXIO, EBADF, 0);
}

static void do_send(void)
{
	char payload[64];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(ST_PORT) };
	unsigned int n = 1 + rn(16);

	inet_pton(AF_INET, ST_PEER4, &sin.sin_addr);
	memset(payload, 'x', sizeof(payload));
	for (unsigned int i = 0; i < n; i++) {
		int ret = sendto(sock_tx, payload, 1 + rn(sizeof(payload)),
				 MSG_DONTWAIT, (void *)&sin, sizeof(sin));

		/* No route while the link is down or deleted: fine. */
		check("sendto", ret < 0 ? -errno : 0, EAGAIN, ENETUNREACH,
		      ENOBUFS, ENETDOWN, EHOSTUNREACH, EINVAL, EMSGSIZE,
		      ENXIO, ENODEV, EPERM, 0);
	}
	st_udp_drain_nowait(sock_rx);
}

static void do_ioctl(struct fq *q)
{
	union {
		struct tunx_attach a;
		struct tunx_info i;
		struct tunx_ring_setup s;
		struct tunx_stats st;
		__u8 raw[8192];
	} u;
	int fd = q->fd >= 0 ? q->fd : qs[0].fd;
	unsigned long req;
	int ret;
	__u32 sz;

	if (fd < 0)
		return;
	memset(&u, 0, sizeof(u));
	switch (rn(4)) {
	case 0:
		sz = 0;
		break;
	case 1:
		sz = rnd();
		break;
	case 2:
		sz = 4096 + rn(16);
		break;
	default:
		sz = 0xffff;
		break;
	}
	switch (rn(10)) {
	case 0:
		u.s.size = rn(2) ? sizeof(u.s) : sz;
		u.s.rx_entries = evil_u32(256, 256);
		u.s.tx_entries = rn(2) ? 16 : (__u32)rnd();
		/* Sizes that fit a TCG VM's memory, or too big for the ABI. */
		switch (rn(4)) {
		case 0:
			u.s.area_size = 0;
			break;
		case 1:
			u.s.area_size = rn(2 << 20);
			break;
		case 2:
			u.s.area_size = TUNX_AREA_MAX_SIZE + 1 +
					rn(~0u - TUNX_AREA_MAX_SIZE);
			break;
		default:
			u.s.area_size = TUNX_AREA_MIN_SIZE;
			break;
		}
		/* Mostly this ABI; else an ABI 1 program's 0, or another. */
		u.s.abi_version = rn(4) ? TUNX_ABI_VERSION :
				  rn(2) ? 0 : (__u32)rnd();
		if (rn(4) == 0)
			u.s.flags = rnd();
		ret = ioctl(fd, TUNX_IOC_SETUP_RINGS, &u);
		check("SETUP_RINGS", ret ? -errno : 0, EINVAL, EBUSY, EBADFD,
		      ENODEV, E2BIG, ENOMEM, EPROTO, 0);
		if (ret == 0 && fd == q->fd && !q->rings) {
			q->setup = u.s;
			q->rings = true;
		}
		return;
	case 1:
		u.i.size = rn(3) ? sizeof(u.i) : sz;
		req = TUNX_IOC_GET_INFO;
		break;
	case 2:
		u.st.size = rn(3) ? sizeof(u.st) : sz;
		req = TUNX_IOC_GET_STATS;
		break;
	case 3:
		req = TUNX_IOC_KICK;
		break;
	case 4:
		req = TUNX_IOC_SET_PERSIST;
		ret = ioctl(fd, req, (unsigned long)rn(3));
		check("SET_PERSIST", ret ? -errno : 0, EINVAL, EBADFD, ENODEV,
		      0);
		return;
	case 5:
		req = rn(2) ? TUNX_IOC_SET_OWNER : TUNX_IOC_SET_GROUP;
		ret = ioctl(fd, req, rn(2) ? 0 : TUNX_NO_OWNER);
		check("SET_OWNER", ret ? -errno : 0, EINVAL, EBADFD, ENODEV,
		      0);
		return;
	case 6:
		u.a.size = rn(3) ? sizeof(u.a) : sz;
		u.a.flags = rn(2) ? TUNX_ATTACH_MULTI_QUEUE : (__u32)rnd();
		strcpy(u.a.name, rn(2) ? DEV : "fz%d");
		if (rn(4) == 0)
			memset(u.a.name, 'A' + rn(26), sizeof(u.a.name));
		ret = ioctl(fd, TUNX_IOC_ATTACH, &u);
		check("ATTACH", ret ? -errno : 0, EINVAL, EBUSY, E2BIG,
		      EOPNOTSUPP, ENODEV, EEXIST, ENFILE, 0);
		if (ret == 0) {
			/* Attached to something (maybe a new fzN): drop it. */
			q_close(q);
		}
		return;
	case 7:
		/* An unknown command of our magic, and of another. */
		req = rn(2) ? _IO(TUNX_IOC_MAGIC, 10 + rn(200)) :
			      _IOWR('T', rn(256), int);
		ret = ioctl(fd, req, &u);
		check("unknown ioctl", ret ? -errno : 0, ENOTTY, EINVAL, 0);
		return;
	default:
		req = TUNX_IOC_KICK;
		break;
	}
	ret = ioctl(fd, req, &u);
	check("ioctl", ret ? -errno : 0, EINVAL, E2BIG, EBADFD, ENODEV, ENXIO,
	      0);
}

static void do_mmap(struct fq *q)
{
	const size_t pg = 4096;
	size_t len;
	off_t off = 0;
	int flags = MAP_SHARED;
	void *m;

	if (q->fd < 0)
		return;
	if (rn(2) && q->rings) {
		check("mmap", q_map(q), ENXIO, ENODEV, 0);
		return;
	}
	len = q->rings ? q->setup.mmap_size : pg;
	switch (rn(5)) {
	case 0:
		off = pg * (1 + rn(4));
		break;
	case 1:
		len += pg * (1 + rn(4));
		break;
	case 2:
		flags = MAP_PRIVATE;
		break;
	case 3:
		len = pg * (1 + rn(4));	/* shorter: allowed */
		break;
	default:
		len = (size_t)rnd() & ~(pg - 1);
		break;
	}
	if (!len)
		len = pg;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, q->fd, off);
	if (m == MAP_FAILED) {
		check("mmap(bad)", -errno, EINVAL, ENXIO, ENOMEM, ENODEV,
		      EOVERFLOW, 0);
		return;
	}
	/* Touch what we were given, then unmap (mremap must not grow it). */
	st_poke_u8(m, 1);
	if (mremap(m, len, len * 2, 0) != MAP_FAILED)
		fail("mremap grew a tunx mapping");
	munmap(m, len);
}

static void do_munmap(struct fq *q)
{
	int i = rn(MAX_MAPS);

	if (q->map[i]) {
		munmap(q->map[i], q->map_len);
		q->map[i] = NULL;
	}
}

/* A child inherits the mappings and fds, scribbles, exits mid-traffic. */
static void do_fork(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		for (int i = 0; i < 32; i++) {
			struct fq *q = pick_queue();
			__u8 *b = qmap(q);

			if (!b)
				continue;
			if (rn(2))
				do_index(b, &q->setup);
			else
				do_desc(b, &q->setup);
			st_kick(q->fd);
		}
		if (rn(2) && qs[0].fd >= 0)
			close(qs[0].fd);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		fail("fork child status %#x", st);
}

static void do_poll(struct fq *q)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN | POLLOUT };

	if (q->fd >= 0 && poll(&p, 1, 0) < 0)
		fail("poll: %s", strerror(errno));
}

static void one_op(enum op op)
{
	struct fq *q = pick_queue();
	__u8 *b = qmap(q);
	int ret;

	counts[op]++;
	atomic_store_explicit(&cur_op, op, memory_order_relaxed);
	switch (op) {
	case OP_SEND:
		do_send();
		break;
	case OP_TX_VALID:
		if (b)
			do_tx_valid(q, b);
		break;
	case OP_INDEX:
		if (b)
			do_index(b, &q->setup);
		if (b && rn(2))
			st_kick(q->fd);
		break;
	case OP_DESC:
		if (b) {
			do_desc(b, &q->setup);
			if (rn(2))
				check("kick", st_kick(q->fd), ENODEV, EBADFD,
				      ENXIO, EBADF, 0);
		}
		break;
	case OP_BYTES:
		if (b)
			do_bytes(b, &q->setup);
		break;
	case OP_RX_CONSUME:
		if (b)
			do_rx_consume(q, b);
		break;
	case OP_IOCTL:
		do_ioctl(q);
		break;
	case OP_MMAP:
		do_mmap(q);
		break;
	case OP_MUNMAP:
		do_munmap(q);
		break;
	case OP_FORK:
		do_fork();
		break;
	case OP_CLOSE:
		/* Close the fd but sometimes keep the mapping (it pins it). */
		if (q->fd >= 0) {
			if (rn(2))
				unmap_all(q);
			close(q->fd);
			q->fd = -1;
			q->rings = false;
		}
		break;
	case OP_OPEN:
		op_open(q);
		break;
	case OP_DETACH:
		if (q->fd >= 0) {
			check("DETACH", st_detach(q->fd), EBADFD, ENODEV, 0);
			q->rings = false;
			if (rn(2)) {
				/* The memory stays valid: scribble on it. */
				if (b)
					do_index(b, &q->setup);
				unmap_all(q);
			}
		}
		break;
	case OP_LINK_DEL:
		ret = st_if_delete(DEV);
		check("link del", ret, ENODEV, 0);
		break;
	case OP_MTU:
		if (!dev_here())
			break;
		ret = st_if_set_mtu(DEV, rn(3) ? 576 + (int)rn(1500) :
				      (int)evil_u32(1500, 65536));
		check("mtu", ret, EINVAL, ENODEV, EBUSY, 0);
		break;
	case OP_UPDOWN:
		/* Down waits for RCU grace periods: slow, so rarer. */
		if (rn(8))
			net_up();
		else if (dev_here())
			st_if_flags(DEV, false);
		break;
	case OP_POLL:
		do_poll(q);
		break;
	default:
		break;
	}
}

static enum op pick_op(void)
{
	unsigned int sum = 0, r;

	for (int i = 0; i < OP_COUNT; i++)
		sum += op_weight[i];
	r = rn(sum);
	for (int i = 0; i < OP_COUNT; i++) {
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_SEND;
}

/*
 * A device left with no queue must be persistent (every queue closed after
 * an ioctl set it): attach, check the flag, clear it, close.
 */
#define ST_ADOPT_FLAGS (TUNX_ATTACH_MULTI_QUEUE | TUNX_ATTACH_OFFLOAD | \
			  TUNX_ATTACH_TAIL_DROP | TUNX_ATTACH_BUSY_POLL)

static void adopt_persistent(void)
{
	struct tunx_info info = { .size = sizeof(info) };
	int fd;

	if (!dev_here())
		return;
	__u32 f;

	fd = st_open();
	if (fd < 0)
		fail("open: %d", fd);
	/* A random ATTACH ioctl may have made it: try each device kind. */
	for (f = 0; f <= TUNX_ATTACH_ALL; f++)
		if (!(f & ~ST_ADOPT_FLAGS) &&
		    !st_attach(fd, DEV, f | TUNX_ATTACH_NO_CREATE, NULL))
			break;
	if (f > TUNX_ATTACH_ALL || st_get_info(fd, &info))
		fail("cannot attach to the remaining %s", DEV);
	if (!(info.flags & TUNX_ATTACH_PERSIST))
		fail("device %s outlived its queues, not persistent", DEV);
	if (st_ioctl_u32(fd, TUNX_IOC_SET_PERSIST, 0))
		fail("clear persist on %s", DEV);
	close(fd);
}

/* After the storm: a fresh queue moves a packet both ways. */
static void final_check(void)
{
	struct st_queue q;
	char buf[2048];
	int s, ret;

	/* An ioctl may have made the device persistent: undo it. */
	for (int i = 0; i < NQ; i++)
		if (qs[i].fd >= 0)
			st_ioctl_u32(qs[i].fd, TUNX_IOC_SET_PERSIST, 0);
	for (int i = 0; i < NQ; i++)
		q_close(&qs[i]);
	adopt_persistent();
	/* Our kernel did not leak the device: the last close deleted it. */
	for (int i = 0; i < 200 && dev_here(); i++)
		st_msleep(10);
	if (dev_here())
		fail("device %s survived its last close", DEV);
	ret = st_queue_open(&q, DEV, 0, 16, 16, TUNX_AREA_MIN_SIZE);
	if (ret)
		fail("final open: %d", ret);
	st_net_up(DEV);
	s = st_udp_listen4(ST_LOCAL4, ST_PORT + 1, 2000);
	if (s < 0)
		fail("listen: %d", s);
	ret = st_build_udp4(buf, ST_PEER4, ST_LOCAL4, 9, ST_PORT + 1,
			    "final", 5);
	if (st_tx_send(&q, buf, ret) || st_tx_wait_consumed(&q, 2000))
		fail("final tx");
	if (st_udp_recv(s, buf, sizeof(buf)) != 5 || memcmp(buf, "final", 5))
		fail("final tx packet did not arrive");
	if (st_udp_send4(ST_PEER4, ST_PORT + 2, "back", 4) != 4)
		fail("final send");
	if (st_rx_recv_udp(&q, buf, sizeof(buf), ST_PORT + 2, 3000) <= 0)
		fail("final rx packet did not arrive");
	close(s);
	st_queue_close(&q);
}

/* A stuck operation: say which, show the kernel stack, fail. */
static void *watchdog(void *arg)
{
	unsigned long long last = ~0ULL;
	char path[64], buf[4096];
	int stalled = 0, fd, n;

	(void)arg;
	for (;;) {
		sleep(5);
		if (op_no != last) {
			last = op_no;
			stalled = 0;
			continue;
		}
		if (++stalled < 12)
			continue;
		ksft_print_msg("fuzz: operation %llu (%s) stuck for 60 s; kernel stack:\n",
			       op_no,
			       op_names[atomic_load_explicit(&cur_op,
							     memory_order_relaxed)]);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack",
			 main_tid);
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
		buf[n > 0 ? n : 0] = '\0';
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			ksft_print_msg("%s\n", l);
		fail("stuck");
	}
	return NULL;
}

static unsigned long long env_ull(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

int main(void)
{
	const char *k = getenv("TUNX_VM_KERNEL");
	long long t0;
	pthread_t wd;
	char line[1024];
	int len = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (!st_present())
		ksft_exit_skip(TUNX_DEVICE_PATH " not present\n");
	ksft_set_plan(1);
	seed = env_ull("TUNX_FUZZ_SEED", 1234);
	total_ops = env_ull("TUNX_FUZZ_OPS",
			    k && !strcmp(k, "debug") ? 2000 : 10000);
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	signal(SIGPIPE, SIG_IGN);
	ksft_print_msg("fuzz: seed %llu, %llu operations\n", seed, total_ops);
	if (st_netns_enter())
		fail("netns");
	for (int i = 0; i < NQ; i++)
		qs[i].fd = -1;
	for (int i = 0; i < NQ; i++)
		op_open(&qs[i]);
	sock_rx = st_udp_listen4("0.0.0.0", ST_PORT, 0);
	sock_tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock_rx < 0 || sock_tx < 0)
		fail("sockets");
	t0 = st_now_ms();
	main_tid = gettid();
	pthread_create(&wd, NULL, watchdog, NULL);
	for (op_no = 0; op_no < total_ops; op_no++) {
		enum op op = pick_op();
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		one_op(op);
		clock_gettime(CLOCK_MONOTONIC, &b);
		op_us[op] += (b.tv_sec - a.tv_sec) * 1000000 +
			     (b.tv_nsec - a.tv_nsec) / 1000;
	}
	if (getenv("TUNX_FUZZ_PROFILE"))
		for (int i = 0; i < OP_COUNT; i++)
			ksft_print_msg("fuzz: %s %llu ops %llu us\n",
				       op_names[i], counts[i], op_us[i]);
	final_check();
	for (int i = 0; i < OP_COUNT; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s %llu",
				i ? ", " : "", op_names[i], counts[i]);
	ksft_print_msg("fuzz: seed %llu, %llu operations (%s) in %lld ms\n",
		       seed, total_ops, line, st_now_ms() - t0);
	ksft_test_result_pass("fuzz\n");
	ksft_finished();
}
