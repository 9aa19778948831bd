/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the tunx kselftests: open/attach/setup/mmap a queue,
 * produce and consume on its rings with the project's barrier alphabet
 * (below), build test packets, and drive the network stack around the
 * device.  Written only against include/uapi/linux/tunx.h.
 *
 * Helpers return 0 or a length on success and -errno on failure so a test
 * can ASSERT_EQ() the exact error.
 */
#ifndef _ST_UTIL_H
#define _ST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/tunx.h>

/*
 * The harness kills a test after 30 s, a bound made for real hardware.
 * Under TCG on a loaded 2-core host the debug kernel took longer than
 * that to create three devices and read their features (load 10): give
 * every test 2 minutes, still a bound for one that hangs.  Tests that
 * need more say so with TEST_F_TIMEOUT().
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120
#endif

/* The kernel's __printf(), as tools/testing/selftests code spells it. */
#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#define ST_LOCAL4	"10.11.0.1"	/* the device's own address */
#define ST_PEER4	"10.11.0.2"	/* routed through the device */
#define ST_LOCAL6	"fd00:11::1"
#define ST_PEER6	"fd00:11::2"
#define ST_PORT		7000		/* UDP port the tests listen on */

struct st_ring {
	__u32 *producer;
	__u32 *consumer;
	__u32 *flags;
	struct tunx_desc *descs;
	__u8 *area;		/* this direction's packet area */
	__u32 area_size;	/* its bytes */
	/*
	 * tx only: the tests' own layout of the tx area, one stride per slot
	 * (area_size / entries: 2 KiB with the default geometry), so a slot's
	 * bytes are free again once the kernel consumed its descriptor.  The
	 * kernel does not care where a packet is: a test may put one anywhere
	 * in the area.
	 */
	__u32 stride;
	__u32 entries;
	__u32 mask;
	__u32 local;		/* our private producer (tx) / consumer (rx) */
};

struct st_queue {
	int fd;
	char name[TUNX_NAME_SIZE];
	__u32 ifindex;
	__u32 queue_index;
	__u32 area_size;	/* setup.area_size */
	__u32 max_packet;	/* setup.max_packet */
	struct tunx_ring_setup setup;
	void *map;
	size_t map_len;
	struct st_ring rx;
	struct st_ring tx;
};

/* The rx ring's wakeup request (struct tunx_rx_wake) in the mapping. */
static inline struct tunx_rx_wake *st_rx_wake(struct st_queue *q)
{
	return (struct tunx_rx_wake *)((char *)q->map + q->setup.rx_wake);
}

/* ---- device and ioctls ---- */
bool st_present(void);
int st_open(void);
int st_attach(int fd, const char *name, __u32 flags, struct tunx_attach *out);
int st_detach(int fd);
/* abi_version TUNX_ABI_VERSION; area 0 for TUNX_AREA_DEF_SIZE. */
int st_setup_rings(int fd, __u32 rx, __u32 tx, __u32 area,
		   struct tunx_ring_setup *out);
/* The same with TUNX_SETUP_* @flags. */
int st_setup_rings_flags(int fd, __u32 rx, __u32 tx, __u32 area,
			 __u32 flags, struct tunx_ring_setup *out);
int st_get_info(int fd, struct tunx_info *info);
int st_get_stats(int fd, struct tunx_stats *st);
int st_kick(int fd);
int st_ioctl_u32(int fd, unsigned long req, __u32 val);

/* ---- queue: open + attach + setup + mmap ---- */
/*
 * st_queue_open()'s flags are TUNX_ATTACH_* and, above them, the
 * TUNX_SETUP_* flags of its setup: ST_Q_SEG_SUMS for TUNX_SETUP_SEG_SUMS.
 */
#define ST_Q_SETUP_SHIFT	16
#define ST_Q_SETUP_FLAGS	(TUNX_SETUP_ALL << ST_Q_SETUP_SHIFT)
#define ST_Q_SEG_SUMS		(TUNX_SETUP_SEG_SUMS << ST_Q_SETUP_SHIFT)
int st_queue_map(struct st_queue *q);
int st_queue_open(struct st_queue *q, const char *name, __u32 flags,
		  __u32 rx, __u32 tx, __u32 area);
void st_queue_unmap(struct st_queue *q);
void st_queue_close(struct st_queue *q);

/* ---- fixtures ---- */
/*
 * Every FIXTURE_SETUP's first step: q's fd and *sock (either may be NULL)
 * set to -1 so the teardown may run, then -ENOENT when the module is not
 * loaded (the caller SKIP()s), else 0 in a network namespace of the
 * test's own.
 */
int st_fixture_enter(struct st_queue *q, int *sock);
/*
 * The usual test queue: NAME opened with flags and ring geometry (entries
 * each way and the area size, as st_setup_rings() takes them), on the
 * test network (st_net_up), and when sock is not NULL a UDP socket on
 * ST_LOCAL4:ST_PORT whose receive timeout is timeout_ms.
 */
int st_queue_up(struct st_queue *q, int *sock, const char *name, __u32 flags,
		__u32 rx, __u32 tx, __u32 area, int timeout_ms);

/*
 * ---- the ring protocol, user half ----
 *
 * One barrier alphabet for the kernel (kernel/ring.h), the uapi header,
 * libtunx (lib/ring.c) and these helpers:
 *
 *   producer                           consumer
 *   LOAD.acq ->consumer         (A)    LOAD.acq ->producer          (C)
 *   if there is room:                  if there are entries:
 *      STORE descriptor, packet           LOAD descriptor, packet
 *      STORE.rel ->producer     (B)       STORE.rel ->consumer      (D)
 *   (A) pairs with (D): a slot is rewritten only after its reader is done
 *   with it.
 *   (B) pairs with (C): a descriptor is read only after it was written.
 *
 *   NEED_WAKEUP flag, either ring:
 *   kernel (may sleep)                 user (must kick when asked)
 *   STORE flags = NEED_WAKEUP          STORE.rel its index (B or D)
 *   full barrier                (E)    full barrier                 (F)
 *   LOAD the user's index              LOAD flags; kick if set
 *   (E) pairs with (F): the kernel sees the new index or the user sees
 *   the flag.
 *
 * On the tx ring the process produces (A, B) and the kernel consumes
 * (C, D); on the rx ring the kernel produces (A, B) and the process
 * consumes (C, D).  The operations are named as in libtunx: tx
 * st_tx_reserve / st_tx_submit, rx st_rx_peek / st_rx_release.
 */
static inline __u32 st_load_acquire(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void st_store_release(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline __u32 st_load_relaxed(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Single accesses the compiler must emit as written, no ordering: a test
 * scribbling on (or touching) memory it shares with the kernel.
 */
static inline void st_store_relaxed(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline __u8 st_peek_u8(const __u8 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void st_poke_u8(__u8 *p, __u8 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* F, matches E: true when the kernel asked for a kick on ring r. */
bool st_need_wakeup(const struct st_ring *r);

/* ---- tx ring (user produces: A, B) ---- */
/* Free slots from our producer to the kernel's consumer (A). */
__u32 st_tx_free(struct st_queue *q);
/*
 * Descriptor of the next slot and, in *pkt, the start of its stride of the
 * tx area (st_ring.stride bytes); NULL when the ring is full.
 */
struct tunx_desc *st_tx_reserve(struct st_queue *q, __u8 **pkt);
/* Publish every reserved slot up to q->tx.local (B). */
void st_tx_submit(struct st_queue *q);
/*
 * Forget what we reserved and restart from the kernel's consumer (A): after
 * a test scribbled on the indices, or lost a race with another producer.
 */
void st_tx_resync(struct st_queue *q);
/* Kick when the kernel asks for it (F, then read the flag). */
int st_tx_kick_if_needed(struct st_queue *q);
/* reserve + copy + submit, no kick; errors as st_tx_send(). */
int st_tx_produce(struct st_queue *q, const void *pkt, __u32 len);
/*
 * reserve + copy + submit + kick; -ENOSPC when full, -EMSGSIZE when len
 * exceeds a slot's stride (open the queue with fewer tx entries or a
 * bigger area).
 */
int st_tx_send(struct st_queue *q, const void *pkt, __u32 len);
/* Wait until the kernel consumed everything produced; -ETIMEDOUT else. */
int st_tx_wait_consumed(struct st_queue *q, int timeout_ms);

/* ---- rx ring (user consumes: C, D) ---- */
/* Entries the kernel produced that we have not released (C). */
__u32 st_rx_ready(struct st_queue *q);
/* The next entry's descriptor, still in the ring; NULL when empty (C). */
const struct tunx_desc *st_rx_peek(struct st_queue *q);
/* Hand the peeked entry back to the kernel (D), kick if asked (F). */
void st_rx_release(struct st_queue *q);
/* Release everything the kernel produced so far (C, D), without a kick. */
void st_rx_resync(struct st_queue *q);
/*
 * peek + copy out + release; -EAGAIN when empty.  A descriptor that breaks
 * the ABI (addr not a multiple of TUNX_PACKET_ALIGN, addr + len outside
 * the rx area, len above max_packet) gives -EPROTO and stays in the ring.
 */
int st_rx_take(struct st_queue *q, void *buf, size_t cap,
	       struct tunx_desc *desc);
/* As st_rx_take but waits with poll() up to timeout_ms. */
int st_rx_recv(struct st_queue *q, void *buf, size_t cap, int timeout_ms);
/* Receive until an IPv4/IPv6 UDP packet to dport arrives; others skipped. */
int st_rx_recv_udp(struct st_queue *q, void *buf, size_t cap,
		   __u16 dport, int timeout_ms);
/* Wait until at least n packets sit in the rx ring. */
int st_rx_wait_ready(struct st_queue *q, __u32 n, int timeout_ms);
/*
 * Copy a descriptor the kernel may be writing right now (an rx slot a
 * hostile reader released, or one about to be produced): read it until
 * two reads agree, so a copy torn by a concurrent write is not mistaken
 * for one the kernel wrote.  False when it never settled.
 */
bool st_desc_snapshot(const struct tunx_desc *src, struct tunx_desc *dst);

/* ---- counters ---- */
/* Poll GET_STATS until *field >= want; returns the last value read. */
__u64 st_stat_wait(int fd, size_t field_off, __u64 want, int timeout_ms);
#define ST_STAT(fd, field, want, ms) \
	st_stat_wait(fd, offsetof(struct tunx_stats, field), want, ms)

/* ---- network namespace, links, addresses ---- */
int st_netns_enter(void);
int st_if_flags(const char *name, bool up);
int st_if_addr4(const char *name, const char *addr, int prefix);
int st_if_set_mtu(const char *name, int mtu);
int st_if_get_mtu(const char *name);
int st_if_rename(const char *name, const char *newname);
int st_if_delete(const char *name);
/* 10.11.0.1/24 and up: the usual test network. */
int st_net_up(const char *name);
/* fd00:11::1/64 nodad and up, with IPv6 enabled on this device only. */
int st_net_up6(const char *name);
__printf(1, 2) int st_sh(const char *fmt, ...);
void st_msleep(int ms);
long long st_now_ms(void);
long long st_now_us(void);
int st_sysfs_net_write(const char *name, const char *attr, const char *val);
int st_sysfs_net_read(const char *name, const char *attr, char *buf,
		      size_t cap);
/* Pin the threads named @prefix* to @cpu; how many, or -errno. */
int st_pin_threads(const char *prefix, int cpu);
/*
 * A device the host's admin makes starts its NAPI threads the first time
 * a kick finds more than 8 packets (kernel/threads.c): send 16 test
 * packets (st_test_packet) and wait until sysfs 'threaded' reads 1.
 * 0, or -ETIMEDOUT when it never did.
 */
int st_napi_threads_start(struct st_queue *q);

/* ---- packets ---- */
__u16 st_csum(const void *data, size_t len, __u32 sum);
/* A 20-byte IPv4 header with its checksum, id 1, TTL 64. */
struct iphdr;
void st_ip4_fill(struct iphdr *ip, __u8 proto, size_t len,
		 const char *src, const char *dst);
size_t st_build_udp4(void *buf, const char *src, const char *dst,
		     __u16 sport, __u16 dport, const void *payload,
		       size_t plen);
size_t st_build_udp6(void *buf, const char *src, const char *dst,
		     __u16 sport, __u16 dport, const void *payload,
		       size_t plen);
/* The standard test packet: PEER4:9 -> LOCAL4:ST_PORT carrying tag. */
size_t st_test_packet(void *buf, const char *tag);

/* ---- UDP sockets ---- */
int st_udp_listen4(const char *addr, __u16 port, int timeout_ms);
int st_udp_listen6(const char *addr, __u16 port, int timeout_ms);
int st_udp_send4(const char *dst, __u16 port, const void *data, size_t len);
int st_udp_send6(const char *dst, __u16 port, const void *data, size_t len);
/* recv with the socket's timeout; -EAGAIN when nothing came. */
int st_udp_recv(int sock, void *buf, size_t cap);
/* Count datagrams until one receive timeout passes. */
int st_udp_drain(int sock);
/* Discard what is queued now without waiting; returns how many. */
int st_udp_drain_nowait(int sock);

/*
 * ifindex of NAME in the current netns, 0 when absent, -errno on error.
 * Use it instead of if_nametoindex(): on an absent name SIOCGIFINDEX runs
 * modprobe twice (dev_load), seconds per call in a TCG VM.
 */
int st_if_index(const char *name);

/* One SIOCETHTOOL on @name with @cmd (a struct ethtool_*): 0 or -errno. */
int st_ethtool(const char *name, void *cmd);
/* `ethtool -C NAME rx-usecs USECS` (reads the coalesce settings first). */
int st_set_rx_usecs(const char *name, __u32 usecs);

/* Pass a descriptor over a unix socket, and receive it. */
int st_send_fd(int sock, int fd);
int st_recv_fd(int sock);

/*
 * Udp SndbufErrors (/proc/net/snmp): a qdisc drop UDP does not report to
 * the sender, where a lost datagram may have gone; 0 when unreadable.
 */
__u64 st_udp_sndbuf_errors(void);

/*
 * Columns of /proc/net/dev (this netns): rx bytes packets errs drop fifo
 * frame compressed multicast, then tx bytes packets errs drop.  0 when the
 * link or the file is missing.
 */
enum st_link_field {
	ST_LINK_RX_PACKETS = 1,
	ST_LINK_TX_PACKETS = 9,
	ST_LINK_TX_DROPPED = 11,
};

__u64 st_link_stat(const char *name, enum st_link_field field);

/*
 * main() for a test file: skip the whole program (KSFT_SKIP) when the
 * module is not loaded, else run the harness.  Expand after
 * kselftest_harness.h.
 */
#define ST_HARNESS_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		if (!st_present()) {					\
			ksft_print_header();				\
			ksft_exit_skip(TUNX_DEVICE_PATH " not present\n"); \
		}							\
		return test_harness_run(argc, argv);			\
	}

#endif /* _ST_UTIL_H */
