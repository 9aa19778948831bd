// SPDX-License-Identifier: GPL-2.0
/*
 * tunx_stress: every teardown, repeated under traffic, then end-to-end
 * packet counting in backpressure mode.
 *
 * Teardowns (each cycle builds a queue with rings, mapping and traffic in
 * both directions, then tears it down one way):
 *   close      close the fd and munmap, in both orders; a persistent
 *              device must stay, the last close of another (every other
 *              pair of cycles) must delete it
 *   link_del   RTM_DELLINK while mapped; kick gives -ENODEV; then close;
 *              every fourth device has four queues
 *   netns_del  the queue's namespace loses its last process and socket
 *              while the fd is open and mapped, then the fd closes
 *   rmmod      close everything, delete_module, finit_module($TUNX_KO)
 *   mtu        MTU changes (valid, and above max_packet: -EINVAL)
 *   detach     TUNX_IOC_DETACH a mapped queue of a multi-queue device,
 *              scribble on the old mapping, attach and set up again
 * A background thread keeps sending UDP through the device throughout.
 * The VM runner scans kmemleak and fails on any report (including a hung
 * task) after the run.
 *
 * Then backpressure (the default mode, 16-entry rings): N datagrams sent by
 * a UDP socket into the device must all be consumed from the rx ring, and N
 * packets produced on the tx ring must all be received by a UDP socket;
 * counted one by one, 0 lost, rx_dropped 0 (unless the reader itself was
 * starved of CPU for the 2 s stall timeout, which a loaded host can do to a
 * TCG guest: then the kernel drops by design, and the datagrams it counted
 * in rx_dropped are all that may be missing).  For the first fifth of the rx
 * run the reader is slow on purpose: it lets the ring fill before each
 * drain, so the txq stops and restarts (queue_stops must be > 0).  The rx
 * run is repeated with datagrams sent 40 at a time as one UDP_SEGMENT
 * super-packet the stack segments into one list for xmit, so that the
 * kernel's once-per-burst publish of its producer index is counted too.
 *
 * Environment:
 *   TUNX_STRESS_CYCLES   cycles per teardown (default 100)
 *   TUNX_STRESS_LINK_DEL_CYCLES  link deletes (default: as many)
 *   TUNX_STRESS_PACKETS  packets per direction (default debug 5000, 20000)
 * Prints "# stress: TEARDOWN N cycles" and "# stress: backpressure ...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest.h"
#include "tunx_util.h"

#define DEV	"st0"
#define PORT_BP	(ST_PORT + 10)
/* The smallest area: 64 KiB each way, packets of up to 32 KiB. */
#define AREA	TUNX_AREA_MIN_SIZE

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

static int total_cycles;
static atomic_bool traffic_on;
static unsigned long long traffic_sent;

/* One test result, after a diagnostic line that says what was done. */
static __printf(3, 4) void tap(bool ok, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("stress: %s\n", msg);
	ksft_test_result(ok, "stress.%s\n", name);
}

/* Say why a cycle failed; returns false for the caller to return. */
static __printf(1, 2) bool failx(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("stress: %s\n", msg);
	return false;
}

/* Move a shared index behind the kernel's back, as a buggy user would. */
static void index_add(__u32 *p, __u32 n)
{
	st_store_relaxed(p, st_load_relaxed(p) + n);
}

static unsigned long long env_ull(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* Background traffic into the device (kernel -> rx ring), errors ignored. */
static void *traffic(void *arg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(ST_PORT) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)arg;
	inet_pton(AF_INET, ST_PEER4, &sin.sin_addr);
	while (atomic_load(&traffic_on)) {
		if (sendto(s, "traffic", 7, MSG_DONTWAIT, (void *)&sin,
			   sizeof(sin)) > 0)
			traffic_sent++;
		usleep(300);
	}
	close(s);
	return NULL;
}

/* A burst of both directions on a fresh queue. */
static void burst(struct st_queue *q)
{
	char pkt[128];
	size_t len = st_build_udp4(pkt, ST_PEER4, ST_LOCAL4, 9,
				     ST_PORT, "burst", 5);

	for (int i = 0; i < 8; i++)
		st_tx_send(q, pkt, len);
	for (int i = 0; i < 8; i++)
		st_udp_send4(ST_PEER4, ST_PORT, "burst", 5);
}

/* Not if_nametoindex(): on an absent name that runs modprobe twice. */
static bool dev_here(const char *name)
{
	return st_if_index(name) > 0;
}

static bool dev_gone(const char *name, int ms)
{
	for (int i = 0; i < ms / 5 && dev_here(name); i++)
		st_msleep(5);
	return !dev_here(name);
}

static int queue_up(struct st_queue *q, const char *name, __u32 flags)
{
	int ret = st_queue_open(q, name, flags, 16, 16, AREA);

	if (ret)
		return ret;
	ret = st_net_up(q->name);
	if (ret)
		st_queue_close(q);
	return ret;
}

/* ---- one cycle of each teardown; false (with a message) on failure ---- */

static int close_cycles;

/*
 * Cycles 4k+2 and 4k+3 (and the last) clear persistence first, so the close
 * deletes the device; the others leave a persistent device for the next.
 */
static bool cycle_close(int i)
{
	bool del = i & 2 || i == close_cycles - 1;
	struct st_queue q;
	int ret = queue_up(&q, DEV, TUNX_ATTACH_PERSIST);

	if (ret)
		return failx("close cycle %d: open %d", i, ret);
	burst(&q);
	if (del && st_ioctl_u32(q.fd, TUNX_IOC_SET_PERSIST, 0))
		return failx("close cycle %d: clear persist", i);
	if (i & 1) {
		st_queue_unmap(&q);
		close(q.fd);
	} else {
		/* Close first: the mapping alone keeps the queue attached. */
		close(q.fd);
		index_add(q.tx.producer, 3);
		if (!dev_here(DEV))
			return failx("close cycle %d: mapped queue lost its device",
				     i);
		st_queue_unmap(&q);
	}
	if (del && !dev_gone(DEV, 20000))
		return failx("close cycle %d: device survived", i);
	if (!del && !dev_here(DEV))
		return failx("close cycle %d: persistent device vanished", i);
	return true;
}

#define LINK_DEL_QUEUES	4

/* Delete a device whose @n queues are mapped and carry traffic. */
static bool link_del_queues(int i, struct st_queue *q, int n)
{
	int ret;

	for (int k = 0; k < n; k++)
		burst(&q[k]);
	ret = st_if_delete(DEV);
	if (ret)
		return failx("link_del cycle %d: RTM_DELLINK %d", i, ret);
	if (dev_here(DEV))
		return failx("link_del cycle %d: device still listed", i);
	for (int k = 0; k < n; k++) {
		ret = st_kick(q[k].fd);
		if (ret != -ENODEV)
			return failx("link_del cycle %d: kick on queue %d after delete %d",
				     i, k, ret);
		/* The memory stays valid after the device is gone. */
		st_store_relaxed(q[k].rx.consumer, 0xdeadbeef);
		index_add(q[k].tx.producer, 7);
	}
	return true;
}

/*
 * Cycles 4k+2 delete a multi-queue device with all its queues open.  Under
 * lockdep each such delete costs about a second: the mq qdisc has a child
 * for each of the TUNX_MAX_QUEUES txqs, and freeing a qdisc unregisters its
 * lockdep key, one synchronize_rcu() each.
 */
static bool cycle_link_del(int i)
{
	__u32 flags = i & 1 ? TUNX_ATTACH_PERSIST : 0;
	struct st_queue q[LINK_DEL_QUEUES];
	int n = i % 4 == 2 ? LINK_DEL_QUEUES : 1, ret, k;
	bool ok;

	if (n > 1)
		flags |= TUNX_ATTACH_MULTI_QUEUE;
	ret = queue_up(&q[0], DEV, flags);
	if (ret)
		return failx("link_del cycle %d: open %d", i, ret);
	for (k = 1; k < n; k++) {
		ret = st_queue_open(&q[k], DEV, flags, 16, 16, AREA);
		if (ret) {
			ksft_print_msg("stress: link_del cycle %d: open queue %d: %d\n",
				       i, k, ret);
			n = k;
			break;
		}
	}
	ok = !ret && link_del_queues(i, q, n);
	for (k = 0; k < n; k++)
		st_queue_close(&q[k]);
	if (ok && !dev_gone(DEV, 20000))
		return failx("link_del cycle %d: device survived", i);
	return ok;
}

static bool cycle_netns_del(int i, int home)
{
	struct st_queue q;
	int ret;

	if (unshare(CLONE_NEWNET))
		return failx("netns cycle %d: unshare %s", i, strerror(errno));
	st_if_flags("lo", true);
	ret = queue_up(&q, DEV, 0);
	if (ret) {
		setns(home, CLONE_NEWNET);
		return failx("netns cycle %d: open %d", i, ret);
	}
	burst(&q);
	if (i & 1) {
		/* Leave the namespace with the queue open and mapped. */
		if (setns(home, CLONE_NEWNET))
			return failx("netns cycle %d: setns %s", i, strerror(errno));
		index_add(q.tx.producer, 1);
		st_kick(q.fd);
		st_queue_close(&q);
	} else {
		/* Close the fd first, keep the mapping past the netns. */
		close(q.fd);
		if (setns(home, CLONE_NEWNET))
			return failx("netns cycle %d: setns %s", i, strerror(errno));
		index_add(q.rx.consumer, 1);
		st_queue_unmap(&q);
	}
	return true;
}

static bool cycle_rmmod(int i, const char *ko)
{
	struct st_queue q;
	int ret = queue_up(&q, DEV, 0), fd;

	if (ret)
		return failx("rmmod cycle %d: open %d", i, ret);
	burst(&q);
	st_queue_close(&q);
	/* The last reference may drop a moment after close (RCU, netdev). */
	for (int t = 0; t < 600; t++) {
		ret = syscall(SYS_delete_module, "tunx", O_NONBLOCK);
		if (!ret || errno != EWOULDBLOCK)
			break;
		st_msleep(5);
	}
	if (ret)
		return failx("rmmod cycle %d: delete_module %s", i, strerror(errno));
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failx("rmmod cycle %d: open %s: %s", i, ko, strerror(errno));
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	if (ret)
		return failx("rmmod cycle %d: finit_module %s", i, strerror(errno));
	for (int t = 0; t < 400 && !st_present(); t++)
		st_msleep(5);
	if (!st_present())
		return failx("rmmod cycle %d: node did not come back", i);
	return true;
}

static bool cycle_mtu(int i, struct st_queue *q)
{
	int mtu = 576 + (i * 97) % (2048 - 576 + 1), ret;
	int big = (int)q->max_packet + 1 + i % 1000;

	ret = st_if_set_mtu(q->name, mtu);
	if (ret)
		return failx("mtu cycle %d: set %d: %d", i, mtu, ret);
	burst(q);
	/* Above max_packet while rings exist: refused. */
	ret = st_if_set_mtu(q->name, big);
	if (ret != -EINVAL)
		return failx("mtu cycle %d: set %d gave %d, want -EINVAL", i,
			     big, ret);
	if (st_if_get_mtu(q->name) != mtu)
		return failx("mtu cycle %d: mtu %d, want %d", i,
			     st_if_get_mtu(q->name), mtu);
	return true;
}

static bool cycle_detach(int i, struct st_queue *q1)
{
	struct tunx_attach a;
	int ret;

	burst(q1);
	ret = st_detach(q1->fd);
	if (ret)
		return failx("detach cycle %d: detach %d", i, ret);
	ret = st_kick(q1->fd);
	if (ret != -EBADFD)
		return failx("detach cycle %d: kick after detach %d", i, ret);
	index_add(q1->tx.producer, 5);
	st_queue_unmap(q1);
	ret = st_attach(q1->fd, DEV, TUNX_ATTACH_MULTI_QUEUE, &a);
	if (ret)
		return failx("detach cycle %d: attach %d", i, ret);
	ret = st_setup_rings(q1->fd, 16, 16, AREA, &q1->setup);
	if (ret)
		return failx("detach cycle %d: setup %d", i, ret);
	ret = st_queue_map(q1);
	if (ret)
		return failx("detach cycle %d: mmap %d", i, ret);
	return true;
}

static void run_cycles(const char *name, int n, bool (*fn)(int, void *),
		       void *arg)
{
	long long t0 = st_now_ms();
	int done = 0;

	while (done < n && fn(done, arg))
		done++;
	total_cycles += done;
	tap(done == n, name, "%s %d cycles under traffic in %lld ms", name,
	    done, st_now_ms() - t0);
}

static bool w_close(int i, void *a) { (void)a; return cycle_close(i); }
static bool w_link_del(int i, void *a) { (void)a; return cycle_link_del(i); }
static bool w_netns(int i, void *a) { return cycle_netns_del(i, *(int *)a); }
static bool w_rmmod(int i, void *a) { return cycle_rmmod(i, a); }
static bool w_mtu(int i, void *a) { return cycle_mtu(i, a); }
static bool w_detach(int i, void *a) { return cycle_detach(i, a); }

/* ---- backpressure: count every packet end to end ---- */

struct bp {
	struct st_queue *q;
	unsigned int n;
	unsigned int slow;	/* packets read by the slow reader first */
	unsigned int seglen;	/* UDP payload of each packet, seq first */
	unsigned long long slow_stops;	/* queue_stops during that phase */
	long long slow_ms;
	unsigned char *seen;
	atomic_uint got;	/* written by one thread, read by another */
	long long started;	/* before the reader's thread was created */
	long long max_gap_ms;	/* longest time between two reader turns */
	unsigned int dup, other;
	atomic_bool stop;
};

/*
 * The slow reader: wait (up to 200 ms, well under the 2 s stall timeout)
 * until the ring is full, so the kernel has stopped the txq, and only then
 * drain it; the kicks of the drain restart the queue.
 */
static void bp_slow_wait(struct bp *bp)
{
	long long end = st_now_ms() + 200;

	while (st_rx_ready(bp->q) < bp->q->rx.entries &&
	       st_now_ms() < end && !atomic_load(&bp->stop))
		st_msleep(1);
}

static void bp_slow_done(struct bp *bp, long long t0)
{
	struct tunx_stats st;

	bp->slow_ms = st_now_ms() - t0;
	if (!st_get_stats(bp->q->fd, &st))
		bp->slow_stops = st.queue_stops;
}

static void *bp_consumer(void *arg)
{
	struct bp *bp = arg;
	struct pollfd pfd = { .fd = bp->q->fd, .events = POLLIN };
	unsigned char buf[2048];
	/*
	 * The first gap runs from before the thread existed: a loaded host
	 * may start it long after the sender filled the ring and the kernel
	 * stopped the queue, and that wait is starvation too.
	 */
	long long t0 = bp->started, idle_end = st_now_ms() + 10000;
	long long last = t0;

	while (bp->got < bp->n && st_now_ms() < idle_end) {
		unsigned int seq;
		int len;

		if (st_now_ms() - last > bp->max_gap_ms)
			bp->max_gap_ms = st_now_ms() - last;
		last = st_now_ms();
		if (bp->got < bp->slow && !st_rx_ready(bp->q))
			bp_slow_wait(bp);
		if (bp->got == bp->slow && !bp->slow_ms)
			bp_slow_done(bp, t0);
		len = st_rx_take(bp->q, buf, sizeof(buf), NULL);

		if (len == -EAGAIN) {
			if (atomic_load(&bp->stop))
				break;
			poll(&pfd, 1, 100);
			continue;
		}
		idle_end = st_now_ms() + 10000;
		if (len != 28 + (int)bp->seglen || (buf[0] >> 4) != 4 ||
		    ntohs(*(__u16 *)(buf + 22)) != PORT_BP) {
			bp->other++;
			continue;
		}
		memcpy(&seq, buf + 28, 4);
		if (seq >= bp->n || bp->seen[seq])
			bp->dup++;
		else
			bp->seen[seq] = 1;
		bp->got++;
	}
	return NULL;
}

/*
 * One sendto: with @burst > 1, @burst datagrams of BP_SEGLEN bytes as one
 * UDP_SEGMENT super-packet above the device's gso_max_size (lowered to
 * BP_GSO_MAX for it: max_packet would take it whole), which the stack segments
 * and hands to xmit as one list (netdev_xmit_more() on all but the last).
 * Returns the datagrams sent.
 */
#define BP_SEGLEN	100
#define BP_GSO_MAX	2048
static unsigned int bp_send(int s, const struct sockaddr_in *sin,
			    unsigned int seq, unsigned int burst)
{
	unsigned char data[64 * BP_SEGLEN] = { 0 };
	size_t len = burst > 1 ? burst * BP_SEGLEN : 4;

	for (unsigned int i = 0; i < burst; i++) {
		unsigned int v = seq + i;

		memcpy(data + i * BP_SEGLEN, &v, 4);
	}
	if (sendto(s, data, len, 0, (void *)sin, sizeof(*sin)) == (ssize_t)len)
		return burst;
	ksft_print_msg("stress: sendto %u: %s\n", seq, strerror(errno));
	return 0;
}

/*
 * @burst 1: single datagrams.  @burst > 1: bursts of segments on an
 * offload queue (so UDP_SEGMENT is allowed; gso_max_size is lowered below
 * the super-packet, so the stack segments it): the ring fills in the middle of
 * a burst, and the kernel must publish before it stops, or the reader
 * never sees what it has to read to restart the queue.
 */
/*
 * The uapi's stall timeout, less a scheduler tick of slack: a reader that
 * went this long without a turn may have let the kernel drop by design.
 */
#define BP_STALL_MS	1900

static bool backpressure_rx(unsigned int n, unsigned int burst)
{
	struct st_queue q;
	struct tunx_stats st;
	struct bp bp = { .q = &q, .n = n / burst * burst,
			 .seglen = burst > 1 ? BP_SEGLEN : 4 };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PORT_BP) };
	unsigned int sent = 0;
	pthread_t th;
	long long t0 = st_now_ms();
	__u64 sndbuf0 = st_udp_sndbuf_errors();
	int s, ret, seglen = BP_SEGLEN;
	bool ok, starved;

	n = bp.n;
	bp.slow = n / 5;
	ret = queue_up(&q, "bp0", burst > 1 ? TUNX_ATTACH_OFFLOAD : 0);
	if (ret)
		return failx("backpressure rx: open %d", ret);
	/*
	 * A plain FIFO: the default qdisc may be fq_codel, whose AQM drops
	 * packets that wait over 5 ms once a slow reader (or a loaded host)
	 * holds the queue stopped for 100 ms.  That drop is the admin's
	 * policy, counted by the qdisc; this test counts the device's.
	 */
	/*
	 * ABI 2's smallest max_packet (32 KiB) takes a 4 KB super-packet
	 * whole: lower the device's gso_max_size so the stack segments it.
	 */
	if (burst > 1 &&
	    st_sh("ip link set dev bp0 gso_max_size %d", BP_GSO_MAX)) {
		st_queue_close(&q);
		return failx("backpressure rx: gso_max_size %d", BP_GSO_MAX);
	}
	if (st_sh("tc qdisc replace dev bp0 root pfifo limit 10000"))
		ksft_print_msg("stress: no pfifo on bp0: an AQM may drop\n");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (burst > 1 && setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seglen,
				    sizeof(seglen)))
		ksft_print_msg("stress: UDP_SEGMENT: %s\n", strerror(errno));
	bp.seen = calloc(n, 1);
	inet_pton(AF_INET, ST_PEER4, &sin.sin_addr);
	bp.started = st_now_ms();
	pthread_create(&th, NULL, bp_consumer, &bp);
	/* Blocking send: a stopped queue holds the socket back. */
	for (unsigned int i = 0; i < n; i += burst)
		sent += bp_send(s, &sin, i, burst);
	for (int t = 0; t < 3000 && bp.got < sent; t++)
		st_msleep(5);
	atomic_store(&bp.stop, true);
	pthread_join(th, NULL);
	st_get_stats(q.fd, &st);
	starved = bp.max_gap_ms >= BP_STALL_MS;
	ok = sent == n && !bp.dup && (!bp.slow || bp.slow_stops) &&
	     (bp.got == n ? !st.rx_dropped :
			    starved && bp.got + st.rx_dropped == n);
	if (ok && st.rx_dropped)
		ksft_print_msg("stress: reader idle %lld ms: %llu stall drops, by design\n",
			       bp.max_gap_ms, (unsigned long long)st.rx_dropped);
	/* Where did the missing ones go: the qdisc, or the ring? */
	if (!ok) {
		st_sh("tc -s qdisc show dev bp0 | sed 's/^/# stress: qdisc: /'");
		ksft_print_msg("stress: ring: producer %u consumer %u local %u flags %#x\n",
			       st_load_acquire(q.rx.producer),
			       st_load_acquire(q.rx.consumer), q.rx.local,
			       st_load_acquire(q.rx.flags));
	}
	tap(ok, burst > 1 ? "backpressure_rx_burst_zero_loss" :
			    "backpressure_rx_zero_loss",
	    "backpressure rx%s: %u sent by a UDP socket, %u consumed from the rx ring, %u lost (udp sndbuf errors %llu, link tx dropped %llu), %u duplicate, %u other; rx_dropped %llu, queue_stops %llu (%llu while a slow reader took the first %u in %lld ms), longest reader gap %lld ms, in %lld ms",
	    burst > 1 ? " in bursts" : "", sent, bp.got, n - bp.got,
	    (unsigned long long)(st_udp_sndbuf_errors() - sndbuf0),
	    (unsigned long long)st_link_stat("bp0", ST_LINK_TX_DROPPED),
	    bp.dup, bp.other,
	    (unsigned long long)st.rx_dropped,
	    (unsigned long long)st.queue_stops, bp.slow_stops, bp.slow,
	    bp.slow_ms, bp.max_gap_ms, st_now_ms() - t0);
	close(s);
	free(bp.seen);
	st_queue_close(&q);
	return ok;
}

static void *bp_receiver(void *arg)
{
	struct bp *bp = arg;
	int s = bp->q->fd;	/* here: the UDP socket */
	unsigned int seq;

	while (bp->got < bp->n) {
		int len = recv(s, &seq, sizeof(seq), 0);

		if (len < 0) {
			if (atomic_load(&bp->stop))
				break;
			continue;
		}
		if (len != 4 || seq >= bp->n || bp->seen[seq])
			bp->dup++;
		else
			bp->seen[seq] = 1;
		atomic_fetch_add_explicit(&bp->got, 1, memory_order_release);
	}
	return NULL;
}

static bool backpressure_tx(unsigned int n)
{
	struct st_queue q, sq = { .fd = -1 };
	struct tunx_stats st;
	struct bp bp = { .q = &sq, .n = n };
	unsigned char pkt[64];
	unsigned int sent = 0;
	long long t0 = st_now_ms(), end;
	pthread_t th;
	int ret, big = 4 << 20;

	ret = queue_up(&q, "bp1", 0);
	if (ret)
		return failx("backpressure tx: open %d", ret);
	sq.fd = st_udp_listen4(ST_LOCAL4, PORT_BP + 1, 200);
	setsockopt(sq.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	bp.seen = calloc(n, 1);
	pthread_create(&th, NULL, bp_receiver, &bp);
	end = st_now_ms() + 120000;
	while (sent < n && st_now_ms() < end) {
		size_t len;

		/* End-to-end window: at most 64 in flight to the socket. */
		if (sent - atomic_load_explicit(&bp.got, memory_order_acquire) >=
		    64) {
			sched_yield();
			continue;
		}
		len = st_build_udp4(pkt, ST_PEER4, ST_LOCAL4, 9,
				    PORT_BP + 1, &sent, 4);
		ret = st_tx_send(&q, pkt, len);
		if (ret == -ENOSPC) {
			sched_yield();
			continue;
		}
		sent++;
	}
	for (int t = 0; t < 1000 && bp.got < sent; t++)
		st_msleep(5);
	atomic_store(&bp.stop, true);
	pthread_join(th, NULL);
	st_get_stats(q.fd, &st);
	ret = sent == n && bp.got == n && !bp.dup && st.tx_packets == n &&
	      !st.invalid_descs && !st.tx_bad_packets;
	tap(ret, "backpressure_tx_zero_loss",
	    "backpressure tx: %u produced on the tx ring, %u received by a UDP socket, %u lost, %u duplicate; tx_packets %llu, in %lld ms",
	    sent, bp.got, sent - bp.got, bp.dup,
	    (unsigned long long)st.tx_packets, st_now_ms() - t0);
	close(sq.fd);
	free(bp.seen);
	st_queue_close(&q);
	return ret;
}

int main(void)
{
	const char *k = getenv("TUNX_VM_KERNEL");
	const char *ko = getenv("TUNX_KO");
	bool debug = k && !strcmp(k, "debug");
	/* 50 on the debug kernel: 600 cycles took 4 minutes there. */
	int cycles = env_ull("TUNX_STRESS_CYCLES", debug ? 50 : 100);
	int del_cycles = env_ull("TUNX_STRESS_LINK_DEL_CYCLES", cycles);
	unsigned int packets = env_ull("TUNX_STRESS_PACKETS",
				       debug ? 5000 : 20000);
	struct st_queue q0, q1;
	pthread_t th;
	long long t0 = st_now_ms();
	char what[128];
	int home;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (!st_present())
		ksft_exit_skip(TUNX_DEVICE_PATH " not present\n");
	ksft_set_plan(9);
	if (st_netns_enter())
		ksft_exit_fail_msg("stress: cannot enter a netns\n");
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	atomic_store(&traffic_on, true);
	pthread_create(&th, NULL, traffic, NULL);

	close_cycles = cycles;
	run_cycles("close", cycles, w_close, NULL);
	run_cycles("link_del", del_cycles, w_link_del, NULL);
	run_cycles("netns_del", cycles, w_netns, &home);
	if (queue_up(&q0, DEV, 0) == 0) {
		run_cycles("mtu", cycles, w_mtu, &q0);
		st_queue_close(&q0);
	} else {
		tap(false, "mtu", "mtu: cannot open a queue");
	}
	if (queue_up(&q0, DEV, TUNX_ATTACH_MULTI_QUEUE) == 0 &&
	    st_queue_open(&q1, DEV, TUNX_ATTACH_MULTI_QUEUE, 16, 16,
			  AREA) == 0) {
		run_cycles("detach", cycles, w_detach, &q1);
		st_queue_close(&q1);
		st_queue_close(&q0);
	} else {
		tap(false, "detach", "detach: cannot open two queues");
	}
	dev_gone(DEV, 3000);
	if (ko && *ko && !access(ko, R_OK))
		run_cycles("rmmod", cycles, w_rmmod, (void *)ko);
	else
		ksft_test_result_skip("stress.rmmod: TUNX_KO not set\n");
	atomic_store(&traffic_on, false);
	pthread_join(th, NULL);
	ksft_print_msg("stress: background traffic %llu datagrams\n",
		       traffic_sent);

	backpressure_rx(packets, 1);
	backpressure_rx(packets, 40);
	backpressure_tx(packets);
	snprintf(what, sizeof(what),
		 "%d each of close, netns_del, mtu, detach, rmmod; %d link_del",
		 cycles, del_cycles);
	ksft_print_msg("stress: %d teardown cycles under traffic (%s), %d failed, %lld ms\n",
		       total_cycles, what, ksft_get_fail_cnt(), st_now_ms() - t0);
	ksft_finished();
}
