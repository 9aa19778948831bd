// SPDX-License-Identifier: GPL-2.0
/*
 * tunx_race: two ioctl paths at once.  In each test one thread keeps tearing
 * a queue down and building it up again (detach, close, link delete, netns
 * delete, queue move, MTU change, ethtool rx-usecs change, rmmod) while the
 * user threads keep doing, on the same files, everything a queue's owner
 * does: KICK, GET_STATS, GET_INFO, poll, mmap (and a write into the
 * mapping), SETUP_RINGS, a reader asking for held wakeups and sleeping in
 * poll(), plus UDP traffic into the device.  Every call must give 0 or one of the errors
 * tunx(4) documents for that state; the kernel log must stay clean (the VM
 * runner checks it).  The first version of KICK and GET_STATS checked one
 * read of q->td and used another: a detach in between oopsed.
 *
 * Each test runs at least TUNX_RACE_SECS seconds (default 3) and goes on
 * until its teardown thread has done TUNX_RACE_CYCLES cycles (default: a
 * per-test count that 6.1 reaches in a few seconds), for at most
 * TUNX_RACE_MAX_SECS (default 120), so a slow debug kernel runs as many
 * cycles as a fast one.  Prints "# race: TEST: N cycles, ..." per test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

#define DEV		"rc0"
#define NFDS		3	/* files a test's users pick from */
#define RING		16
#define AREA		TUNX_AREA_MIN_SIZE	/* max_packet: 32 KiB */
#define BIG_MTU		40000			/* above it */
#define RACE_TIMEOUT	900	/* harness limit per test, seconds */

enum race_op { OP_KICK, OP_STATS, OP_INFO, OP_POLL, OP_MMAP, OP_SETUP,
	       OP_HOLD, OP_NR };

static const char *const op_names[OP_NR] = {
	"kick", "stats", "info", "poll", "mmap", "setup", "hold",
};

/*
 * Bounds on a held rx wakeup, from none to the longest allowed.  10 ms
 * outlasts the gaps of the traffic thread, so a wait held for a second is
 * cut short now and then.
 */
static const __u32 hold_usecs[] = { 0, 1, 10000, TUNX_RX_WAKE_MAX_USECS };

/* What a test shares between its threads. */
struct race {
	atomic_int fds[NFDS];
	int nfds;
	atomic_bool stop;
	atomic_ulong ops[OP_NR];
	atomic_ulong ok[OP_NR];	/* of those, calls that succeeded */
	atomic_ulong mapped[OP_NR];	/* mmap, hold: mapped live rings */
	atomic_ulong live_cycles;	/* teardowns that met mapped rings */
	atomic_ulong cycles;
	atomic_int bad_op;	/* first unexpected result: op + 1, 0 if none */
	atomic_int bad_err;
	__u64 mmap_size;	/* the same geometry every time */
	__u64 tx_producer;	/* offsets in the mapping */
	__u64 rx_producer;
	__u64 rx_consumer;
	__u64 rx_wake;
};

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static bool debug_kernel(void)
{
	const char *k = getenv("TUNX_VM_KERNEL");

	return (k && !strcmp(k, "debug")) ||
	       !access("/sys/kernel/debug/kmemleak", F_OK);
}

/* KASAN and lockdep, or KCSAN: calls take many times as long. */
static bool slow_kernel(void)
{
	const char *k = getenv("TUNX_VM_KERNEL");

	return debug_kernel() || (k && !strcmp(k, "kcsan")) ||
	       !access("/sys/kernel/debug/kcsan", F_OK);
}

static void race_bad(struct race *r, enum race_op op, int err)
{
	int none = 0;

	if (atomic_compare_exchange_strong(&r->bad_op, &none, op + 1))
		atomic_store(&r->bad_err, err);
}

/* Errors a caller may see on a file that is, or just was, being changed. */
static bool race_errno_ok(enum race_op op, int err)
{
	switch (err) {
	case 0:
		return true;
	case -EBADFD:	/* not attached */
	case -ENODEV:	/* the device went away */
		return op != OP_INFO && op != OP_POLL && op != OP_MMAP &&
		       op != OP_HOLD;
	case -ENXIO:	/* attached, no rings */
		return op == OP_KICK || op == OP_MMAP || op == OP_HOLD;
	case -EBUSY:	/* rings already there */
	case -EINVAL:	/* MTU above max_packet (mtu test) */
		return op == OP_SETUP;
	default:
		return false;
	}
}

static int race_fd(struct race *r, unsigned int *seed)
{
	return atomic_load(&r->fds[rand_r(seed) % r->nfds]);
}

static int race_mmap(struct race *r, int fd)
{
	size_t len = r->mmap_size;
	__u8 *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	atomic_fetch_add(&r->mapped[OP_MMAP], 1);
	/*
	 * Hostile on purpose, so no st_tx_submit(): publish an invalid (all
	 * zero) descriptor behind the queue's back; NAPI runs and counts it.
	 */
	__atomic_fetch_add((__u32 *)(map + r->tx_producer), 1,
			   __ATOMIC_RELEASE);
	munmap(map, len);
	return 0;
}

/*
 * A reader that wants its wakeups held (struct tunx_rx_wake): it reads
 * everything there, asks to be woken at 64 unread packets within a bound
 * picked by @seed, and sleeps in poll() for 10 ms.  So teardown
 * meets armed queues and wakeup timers still pending.
 */
static int race_hold(struct race *r, int fd, unsigned int *seed)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = r->mmap_size;
	struct tunx_rx_wake *wake;
	__u32 prod;
	__u8 *map;
	int ret;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	atomic_fetch_add(&r->mapped[OP_HOLD], 1);
	prod = __atomic_load_n((__u32 *)(map + r->rx_producer),
			       __ATOMIC_ACQUIRE);
	__atomic_store_n((__u32 *)(map + r->rx_consumer), prod,
			 __ATOMIC_RELEASE);
	wake = (struct tunx_rx_wake *)(map + r->rx_wake);
	__atomic_store_n(&wake->usecs,
			 hold_usecs[rand_r(seed) % ARRAY_SIZE(hold_usecs)],
			 __ATOMIC_RELAXED);
	__atomic_store_n(&wake->packets, 64, __ATOMIC_RELAXED);
	ret = poll(&pfd, 1, 10) < 0 ? -errno : 0;
	munmap(map, len);
	return ret;
}

static int race_one(struct race *r, enum race_op op, int fd,
		    unsigned int *seed)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	struct tunx_stats st;
	struct tunx_info info;

	switch (op) {
	case OP_KICK:
		return st_kick(fd);
	case OP_STATS:
		return st_get_stats(fd, &st);
	case OP_INFO:
		return st_get_info(fd, &info);
	case OP_POLL:
		return poll(&pfd, 1, 0) < 0 ? -errno : 0;
	case OP_MMAP:
		/* mmap() gives -EINVAL with a length above its area. */
		return race_mmap(r, fd);
	case OP_SETUP:
		return st_setup_rings(fd, RING, RING, AREA, NULL);
	case OP_HOLD:
		return race_hold(r, fd, seed);
	default:
		return -EINVAL;
	}
}

struct race_user {
	struct race *r;
	enum race_op op;
	unsigned int seed;
};

static void *race_user(void *arg)
{
	struct race_user *u = arg;
	unsigned int seed = u->seed * 7919 + 1;
	int err;

	while (!atomic_load(&u->r->stop)) {
		err = race_one(u->r, u->op, race_fd(u->r, &seed), &seed);
		if (!race_errno_ok(u->op, err))
			race_bad(u->r, u->op, err);
		atomic_fetch_add(&u->r->ops[u->op], 1);
		if (!err)
			atomic_fetch_add(&u->r->ok[u->op], 1);
	}
	return NULL;
}

/* Datagrams routed into the device, so xmit races the teardown too. */
static void *race_traffic(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		st_udp_send4(ST_PEER4, ST_PORT, "race", 4);
		usleep(200);
	}
	return NULL;
}

/*
 * A queue of DEV on @fd with rings, the device up with its address.  A user
 * thread's SETUP_RINGS may come first: -EBUSY means the rings are there.
 */
static int race_queue_up(int fd, __u32 flags)
{
	int ret = st_attach(fd, DEV, flags, NULL);

	if (!ret) {
		ret = st_setup_rings(fd, RING, RING, AREA, NULL);
		if (ret == -EBUSY)
			ret = 0;
	}
	if (!ret && !(flags & TUNX_ATTACH_NO_CREATE))
		ret = st_net_up(DEV);
	return ret;
}

typedef int (*race_cycle_fn)(struct race *r, unsigned long i);

/* One user thread per entry; traffic too unless it is the KICK/STATS pair. */
static const enum race_op every_op[] = {
	OP_KICK, OP_STATS, OP_INFO, OP_POLL, OP_MMAP, OP_SETUP, OP_HOLD,
};

static const enum race_op kick_stats[] = {
	OP_KICK, OP_KICK, OP_STATS, OP_STATS,
};

#define MAX_USERS	8

struct race_spec {
	const char *name;
	race_cycle_fn cycle;
	unsigned long def_cycles;	/* what 6.1 does in a few seconds */
	const enum race_op *ops;
	int nops;
	bool traffic;
	bool meet_live;	/* each teardown waits for a mapping user */
};

/*
 * Let the next teardown meet an mmap or hold user that mapped the rings
 * this cycle set up (a held reader asleep in poll(), or a mapping that
 * publishes a descriptor).  Back to back, a teardown waiting for grace
 * periods left the queue without rings most of the time: on 6.1 14 of
 * 5,051 mmap calls in a detach run reached the rings.  Bounded, so a slow
 * kernel meets fewer: the debug kernel's mmap takes up to 100 ms loaded.
 */
#define RACE_LIVE_WAIT_MS	50
#define RACE_LIVE_WAIT_SLOW_MS	250

static void race_meet_live(struct race *r)
{
	unsigned long mapped0 = atomic_load(&r->mapped[OP_MMAP]) +
				atomic_load(&r->mapped[OP_HOLD]);
	long long end = st_now_ms() + (slow_kernel() ?
				       RACE_LIVE_WAIT_SLOW_MS :
				       RACE_LIVE_WAIT_MS);

	while (atomic_load(&r->mapped[OP_MMAP]) +
	       atomic_load(&r->mapped[OP_HOLD]) == mapped0) {
		if (st_now_ms() > end)
			return;
		usleep(100);
	}
	atomic_fetch_add(&r->live_cycles, 1);
}

/* Run the users (and traffic) while the spec's cycle repeats; 0 or -errno. */
static int race_run(struct race *r, const struct race_spec *spec)
{
	const char *name = spec->name;
	race_cycle_fn cycle = spec->cycle;
	unsigned long def_cycles = spec->def_cycles;
	unsigned long secs = env_ul("TUNX_RACE_SECS", 3);
	unsigned long max = env_ul("TUNX_RACE_MAX_SECS", 120);
	unsigned long want = env_ul("TUNX_RACE_CYCLES", def_cycles);
	struct race_user users[MAX_USERS];
	pthread_t th[MAX_USERS + 1];
	long long start = st_now_ms(), now;
	char ops[256];
	unsigned long i;
	int ret = 0;

	if (max < secs)
		max = secs;
	for (int k = 0; k < spec->nops; k++) {
		users[k] = (struct race_user){ .r = r, .op = spec->ops[k],
					       .seed = k };
		pthread_create(&th[k], NULL, race_user, &users[k]);
	}
	if (spec->traffic)
		pthread_create(&th[spec->nops], NULL, race_traffic, r);
	for (i = 0; !ret; i++) {
		now = st_now_ms();
		if (now - start >= (long long)max * 1000 ||
		    (now - start >= (long long)secs * 1000 && i >= want))
			break;
		ret = cycle(r, i);
		if (!ret)
			atomic_fetch_add(&r->cycles, 1);
		if (!ret && spec->meet_live)
			race_meet_live(r);
	}
	atomic_store(&r->stop, true);
	for (int k = 0; k < spec->nops + spec->traffic; k++)
		pthread_join(th[k], NULL);
	for (int k = 0, len = 0; k < OP_NR; k++)
		len += snprintf(ops + len, sizeof(ops) - len, " %s %lu/%lu",
				op_names[k], atomic_load(&r->ops[k]),
				atomic_load(&r->ok[k]));
	ksft_print_msg("race: %s: %lu cycles in %.1f s%s; calls/succeeded:%s\n",
		       name, atomic_load(&r->cycles),
		       (st_now_ms() - start) / 1000.0,
		       debug_kernel() ? " (debug kernel)" : "", ops);
	if (spec->meet_live)
		ksft_print_msg("race: %s: %lu teardowns met mapped rings\n",
			       name, atomic_load(&r->live_cycles));
	if (atomic_load(&r->bad_op))
		ksft_print_msg("race: %s: %s gave %d (%s)\n", name,
			       op_names[atomic_load(&r->bad_op) - 1],
			       atomic_load(&r->bad_err),
			       strerror(-atomic_load(&r->bad_err)));
	/* The harness ends each test's child with _exit(): flush, or a
	 * piped stdout loses these lines.
	 */
	fflush(stdout);
	return ret;
}

/* Learn the geometry once: every setup of the tests asks for the same. */
static int race_geometry(struct race *r)
{
	struct tunx_ring_setup rs;
	int fd = st_open(), ret;

	if (fd < 0)
		return fd;
	ret = st_attach(fd, "rcg%d", 0, NULL);
	if (!ret)
		ret = st_setup_rings(fd, RING, RING, AREA, &rs);
	close(fd);
	if (ret)
		return ret;
	r->mmap_size = rs.mmap_size;
	r->tx_producer = rs.tx.producer;
	r->rx_producer = rs.rx.producer;
	r->rx_consumer = rs.rx.consumer;
	r->rx_wake = rs.rx_wake;
	return 0;
}

FIXTURE(race) {
	struct race r;
};

FIXTURE_SETUP(race)
{
	int ret;

	memset(&self->r, 0, sizeof(self->r));
	for (int k = 0; k < NFDS; k++)
		self->r.fds[k] = -1;
	ret = st_fixture_enter(NULL, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, race_geometry(&self->r));
}

FIXTURE_TEARDOWN(race)
{
	for (int k = 0; k < NFDS; k++)
		if (self->r.fds[k] >= 0)
			close(self->r.fds[k]);
}

/* The test's files: @n of them, the first attached with @flags. */
static int race_files(struct race *r, int n, __u32 flags)
{
	int fd, ret;

	r->nfds = n;
	for (int k = 0; k < n; k++) {
		fd = st_open();
		if (fd < 0)
			return fd;
		r->fds[k] = fd;
		ret = race_queue_up(fd, k ? flags | TUNX_ATTACH_NO_CREATE :
					    flags);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * No call gave an unexpected result, and the teardown really ran; where
 * it waits for them, it met mapped rings at least once.
 */
static bool race_clean(struct race *r, const struct race_spec *spec)
{
	return !atomic_load(&r->bad_op) && atomic_load(&r->cycles) > 0 &&
	       (!spec->meet_live || atomic_load(&r->live_cycles) > 0);
}

/*
 * DETACH, ATTACH, SETUP_RINGS on the very file the users use: the shape
 * that oopsed.  The device persists, so a cycle is three ioctls and
 * nothing else.
 */
static int cycle_detach(struct race *r, unsigned long i)
{
	int fd = atomic_load(&r->fds[0]), ret;

	(void)i;
	ret = st_detach(fd);
	if (!ret)
		ret = st_attach(fd, DEV, TUNX_ATTACH_PERSIST, NULL);
	if (!ret)
		ret = st_setup_rings(fd, RING, RING, AREA, NULL);
	return ret == -EBUSY ? 0 : ret;	/* a user's SETUP came first */
}

static const struct race_spec spec_detach_kick_stats = {
	.name = "detach_vs_kick_stats", .cycle = cycle_detach, .def_cycles = 2000,
	.ops = kick_stats, .nops = ARRAY_SIZE(kick_stats), .traffic = false,
};

TEST_F_TIMEOUT(race, detach_attach_setup_vs_kick_stats, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 1, TUNX_ATTACH_PERSIST));
	ASSERT_EQ(0, race_run(&self->r, &spec_detach_kick_stats));
	ASSERT_TRUE(race_clean(&self->r, &spec_detach_kick_stats));
}

/* The same, every other cycle deleting the device on detach. */
static int cycle_detach_delete(struct race *r, unsigned long i)
{
	int fd = atomic_load(&r->fds[0]), ret;

	ret = st_detach(fd);
	if (ret)
		return ret;
	return race_queue_up(fd, i & 1 ? TUNX_ATTACH_PERSIST : 0);
}

static const struct race_spec spec_detach = {
	.name = "detach", .cycle = cycle_detach_delete, .def_cycles = 100,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true, .meet_live = true,
};

TEST_F_TIMEOUT(race, detach_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 1, 0));
	ASSERT_EQ(0, race_run(&self->r, &spec_detach));
	ASSERT_TRUE(race_clean(&self->r, &spec_detach));
}

/*
 * A new file takes the old one's place under the same number (dup2 closes
 * the old one: the last close of a non-persistent device), so the users
 * never call into a number another thread's socket reused.
 */
static int cycle_close(struct race *r, unsigned long i)
{
	int fd = st_open(), slot = atomic_load(&r->fds[0]), ret;

	(void)i;
	if (fd < 0)
		return fd;
	ret = dup2(fd, slot) < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	/* A user's ioctl or mapping may hold the old file a moment longer. */
	for (int t = 0; t < 5000; t++) {
		ret = race_queue_up(slot, 0);
		if (ret != -EBUSY)
			break;
		st_msleep(1);
	}
	return ret;
}

static const struct race_spec spec_close = {
	.name = "close", .cycle = cycle_close, .def_cycles = 60,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true, .meet_live = true,
};

TEST_F_TIMEOUT(race, close_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 1, 0));
	ASSERT_EQ(0, race_run(&self->r, &spec_close));
	ASSERT_TRUE(race_clean(&self->r, &spec_close));
}

/*
 * ethtool -C rx-usecs, the bound of wakeups held for readers that give
 * none, moves between none and the longest while the users hold wakeups.
 * One cycle in 128 also detaches and sets the queue up again under them:
 * a detach waits for grace periods, so more would leave the queue without
 * rings, and nothing to hold, most of the time.
 */
static int cycle_rx_usecs(struct race *r, unsigned long i)
{
	int ret = st_set_rx_usecs(DEV, hold_usecs[i % ARRAY_SIZE(hold_usecs)]);

	if (ret || i % 128 != 127)
		return ret;
	return cycle_detach(r, i);
}

static const struct race_spec spec_rx_usecs = {
	.name = "rx_usecs", .cycle = cycle_rx_usecs, .def_cycles = 400,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true,
};

TEST_F_TIMEOUT(race, rx_usecs_change_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 1, TUNX_ATTACH_PERSIST));
	ASSERT_EQ(0, race_run(&self->r, &spec_rx_usecs));
	ASSERT_TRUE(race_clean(&self->r, &spec_rx_usecs));
}

/* RTM_DELLINK under the users; the file gets -ENODEV, then re-attaches. */
static int cycle_link_del(struct race *r, unsigned long i)
{
	int ret = st_if_delete(DEV);

	(void)i;
	if (ret)
		return ret;
	for (int k = 0; k < r->nfds; k++) {
		ret = race_queue_up(atomic_load(&r->fds[k]),
				    k ? TUNX_ATTACH_MULTI_QUEUE |
					TUNX_ATTACH_NO_CREATE :
					TUNX_ATTACH_MULTI_QUEUE);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct race_spec spec_link_delete = {
	.name = "link_delete", .cycle = cycle_link_del, .def_cycles = 20,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true, .meet_live = true,
};

TEST_F_TIMEOUT(race, link_delete_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, NFDS, TUNX_ATTACH_MULTI_QUEUE));
	ASSERT_EQ(0, race_run(&self->r, &spec_link_delete));
	ASSERT_TRUE(race_clean(&self->r, &spec_link_delete));
}

/* RTM_NEWLINK IFLA_NET_NS_FD: move @ifindex into the namespace @nsfd. */
static int link_to_netns(int ifindex, int nsfd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		__u32 fd;
	} req = {
		.nh.nlmsg_len = sizeof(req),
		.nh.nlmsg_type = RTM_NEWLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
		.rta.rta_type = IFLA_NET_NS_FD,
		.rta.rta_len = RTA_LENGTH(sizeof(__u32)),
		.fd = nsfd,
	};
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ans;
	int s, ret;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	ret = send(s, &req, sizeof(req), 0);
	if (ret >= 0)
		ret = recv(s, &ans, sizeof(ans), 0);
	ret = ret < 0 ? -errno : 0;
	close(s);
	if (!ret && ans.nh.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ret ? ret : ((struct nlmsgerr *)NLMSG_DATA(&ans.nh))->error;
}

/* A namespace that lives as long as the returned fd, this thread outside. */
static int netns_new(void)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int nsfd = -1;

	if (home < 0)
		return -errno;
	if (!unshare(CLONE_NEWNET))
		nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(home, CLONE_NEWNET))
		nsfd = -1;	/* cannot happen: we came from there */
	close(home);
	return nsfd < 0 ? -errno : nsfd;
}

/*
 * Move the device into a namespace of its own and drop that namespace:
 * its teardown deletes the device while the files stay open here.
 */
static int cycle_netns_del(struct race *r, unsigned long i)
{
	int nsfd = netns_new(), ifindex = st_if_index(DEV), ret;
	long long end;

	(void)i;
	if (nsfd < 0)
		return nsfd;
	ret = ifindex > 0 ? link_to_netns(ifindex, nsfd) : -ENODEV;
	close(nsfd);
	if (ret)
		return ret;
	/* cleanup_net() runs from a workqueue. */
	end = st_now_ms() + 30000;
	while (st_kick(atomic_load(&r->fds[0])) != -ENODEV) {
		if (st_now_ms() > end)
			return -ETIMEDOUT;
		st_msleep(2);
	}
	return race_queue_up(atomic_load(&r->fds[0]), 0);
}

static const struct race_spec spec_netns_delete = {
	.name = "netns_delete", .cycle = cycle_netns_del, .def_cycles = 8,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true, .meet_live = true,
};

TEST_F_TIMEOUT(race, netns_delete_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 1, 0));
	ASSERT_EQ(0, race_run(&self->r, &spec_netns_delete));
	ASSERT_TRUE(race_clean(&self->r, &spec_netns_delete));
}

/*
 * Detach one of three queues: the last one moves into its index while the
 * users keep using it and xmit keeps producing into it.
 */
static int cycle_queue_move(struct race *r, unsigned long i)
{
	int fd = atomic_load(&r->fds[i % 2]), ret;

	ret = st_detach(fd);
	if (ret)
		return ret;
	return race_queue_up(fd, TUNX_ATTACH_MULTI_QUEUE |
				 TUNX_ATTACH_NO_CREATE);
}

static const struct race_spec spec_queue_move = {
	.name = "queue_move", .cycle = cycle_queue_move, .def_cycles = 80,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true,
};

TEST_F_TIMEOUT(race, queue_move_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, NFDS, TUNX_ATTACH_MULTI_QUEUE |
						TUNX_ATTACH_PERSIST));
	ASSERT_EQ(0, race_run(&self->r, &spec_queue_move));
	ASSERT_TRUE(race_clean(&self->r, &spec_queue_move));
}

/*
 * MTU changes, some above max_packet, while one queue keeps detaching and
 * setting up rings (which must then check max_packet against the MTU).
 */
static int cycle_mtu(struct race *r, unsigned long i)
{
	int fd = atomic_load(&r->fds[1]), ret;
	int mtu = i % 3 == 2 ? BIG_MTU : 1280 + (int)(i % 700);

	ret = st_if_set_mtu(DEV, mtu);
	if (ret && ret != -EINVAL)
		return ret;
	ret = st_detach(fd);
	if (ret)
		return ret;
	ret = race_queue_up(fd, TUNX_ATTACH_MULTI_QUEUE |
				TUNX_ATTACH_NO_CREATE);
	/* A 64 KiB area (32 KiB packets) cannot carry an MTU of 40000. */
	if (ret == -EINVAL && st_if_get_mtu(DEV) > (int)AREA / 2)
		ret = st_if_set_mtu(DEV, 1500);
	return ret;
}

static const struct race_spec spec_mtu_change = {
	.name = "mtu_change", .cycle = cycle_mtu, .def_cycles = 100,
	.ops = every_op, .nops = ARRAY_SIZE(every_op), .traffic = true,
};

TEST_F_TIMEOUT(race, mtu_change_vs_every_ioctl, RACE_TIMEOUT)
{
	ASSERT_EQ(0, race_files(&self->r, 2, TUNX_ATTACH_MULTI_QUEUE |
					     TUNX_ATTACH_PERSIST));
	ASSERT_EQ(0, race_run(&self->r, &spec_mtu_change));
	ASSERT_TRUE(race_clean(&self->r, &spec_mtu_change));
}

/*
 * rmmod: the users open, attach, set up, map and close their own files
 * while another thread unloads and reloads the module whenever no file
 * holds it.
 */
static int cycle_rmmod(struct race *r, unsigned long i)
{
	const char *ko = getenv("TUNX_KO");
	int fd, ret;

	(void)r;
	(void)i;
	if (syscall(SYS_delete_module, "tunx", O_NONBLOCK)) {
		st_msleep(1);
		return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -errno;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static void *rmmod_user(void *arg)
{
	struct race *r = arg;
	int fd, err;

	while (!atomic_load(&r->stop)) {
		fd = st_open();
		/* The node is gone, or the module is going. */
		if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
			continue;
		if (fd < 0) {
			race_bad(r, OP_INFO, fd);
			continue;
		}
		err = st_attach(fd, "rm%d", 0, NULL);
		if (!err)
			err = st_setup_rings(fd, RING, RING, AREA, NULL);
		if (!err)
			err = race_mmap(r, fd);
		if (!err)
			err = st_kick(fd);
		if (err)
			race_bad(r, OP_SETUP, err);
		atomic_fetch_add(&r->ops[OP_SETUP], 1);
		close(fd);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, rmmod_vs_open_attach_mmap, RACE_TIMEOUT)
{
	const char *ko = getenv("TUNX_KO");
	unsigned long secs = env_ul("TUNX_RACE_SECS", 3), n = 0;
	pthread_t th[2];
	long long end;

	if (!ko || access(ko, R_OK))
		SKIP(return, "TUNX_KO does not name the module");
	self->r.nfds = 0;
	for (int k = 0; k < 2; k++)
		pthread_create(&th[k], NULL, rmmod_user, &self->r);
	end = st_now_ms() + secs * 1000 * (debug_kernel() ? 5 : 1);
	while (st_now_ms() < end && !atomic_load(&self->r.bad_op)) {
		ASSERT_EQ(0, cycle_rmmod(&self->r, n));
		n++;
	}
	atomic_store(&self->r.stop, true);
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	/* Leave the module loaded for the tests after us. */
	if (!st_present())
		ASSERT_EQ(0, cycle_rmmod(&self->r, 0));
	for (int t = 0; t < 400 && !st_present(); t++)
		st_msleep(5);
	ksft_print_msg("race: rmmod: %lu tries, %lu user cycles\n", n,
		       atomic_load(&self->r.ops[OP_SETUP]));
	if (atomic_load(&self->r.bad_op))
		ksft_print_msg("race: rmmod: user step gave %d\n",
			       atomic_load(&self->r.bad_err));
	fflush(stdout);
	ASSERT_EQ(0, atomic_load(&self->r.bad_op));
	ASSERT_TRUE(st_present());
}

ST_HARNESS_MAIN
