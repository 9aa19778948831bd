/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunx-bench: the device path measured the same way on every backend.
 * Each packet-mode run gets a fresh network namespace of its own; the tcp
 * mode builds two namespaces joined by a veth "underlay".
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/tunx.h>
#include <tunx/tunx.h>

enum bench_mode { MODE_TX, MODE_RX, MODE_ECHO, MODE_TCP, MODE_MEM,
		  MODE_WIREGUARD, MODE_COUNT };
/*
 * tunx: the module's rings; in packet modes without offload (as plain tun,
 * so tx/rx compare the device path alone), in tcp as the tunnel opens it
 * (offload on when the module has it).  tunx-busy: the same with busy
 * polling.  tunx-plain: tcp and mem only, tunx with offload off.
 */
enum bench_backend { BK_TUNX, BK_TUN, BK_TUN_VNET, BK_VETH, BK_TUNX_BUSY,
		     BK_TUNX_PLAIN,
		     /* tx and rx only: tunx through the zero-copy API (zc.c) */
		     BK_TUNX_ZC,
		     /* tx and rx only: tun through io_uring (uring.c) */
		     BK_TUN_URING, BK_TUN_SQPOLL,
		     /* tx, rx, echo: tun with IFF_NAPI, through libtunx */
		     BK_TUN_NAPI,
		     /* tx and rx: AF_XDP on a veth pair (xdprun.c); echo
		      * and sizes above 1500 are n/a rows */
		     BK_XDP_VETH,
		     /* tcp only: tunx-tunnel --copy, which splits
		      * super-packets with tunx_read() instead of sending
		      * them from the ring: what zero copy saves */
		     BK_TUNX_COPY,
		     BK_COUNT };
/*
 * Where tx packets end (tx only; SINK_NONE in every other mode):
 * drop    a tc ingress qdisc on the device with a matchall filter whose
 *         action is drop: the stack does nothing else, so what is left is
 *         the device's own cost (the goal's row);
 * route   forwarded (ip_forward on) to a dummy device by a cached route,
 *         what a router would do with them;
 * socket  delivered to a UDP socket bound to the sink address, read with
 *         recvmmsg() by a thread of the benchmark.
 * The blackhole route used before allocated a route entry and queued an
 * RCU callback per packet on 6.1, for tun and tunx alike.
 */
enum bench_sink { SINK_NONE, SINK_DROP, SINK_ROUTE, SINK_SOCKET, SINK_COUNT };
/*
 * What makes the rx load (rx only; GEN_NONE in every other mode), gen.c:
 * packet       an AF_PACKET socket with a TX_RING and qdisc bypass, bound
 *              to the device: frames filled once, straight into its xmit
 *              (no route lookup, no socket accounting); the default
 * udp          connected UDP sockets, one per flow, sendmmsg()
 * unconnected  one UDP socket, sendmmsg() with an address per datagram (a
 *              route lookup each): the generator rx used before, which
 *              cost more than the device it fed
 */
enum bench_gen { GEN_NONE, GEN_PACKET, GEN_UDP, GEN_UNCONNECTED, GEN_COUNT };

#define BENCH_MAX_BATCH 512
#define BENCH_MAX_RUNS 256

struct bench_run {
	enum bench_mode mode;
	enum bench_backend backend;
	unsigned int size;	/* IP packet bytes (packet modes) */
	unsigned int batch;	/* packets per library call (0: default) */
	unsigned int queues;	/* device queues (tunnel queues in tcp) */
	unsigned int streams;	/* tcp: parallel iperf3 streams */
	double duration;	/* seconds */
	enum bench_sink sink;	/* tx: where packets end (0: drop) */
	enum bench_gen gen;	/* rx: what makes the load (0: packet) */
	unsigned int rate;	/* rx: packets/s the generator is held to
				 * (0: as fast as it can); gen.c */
	unsigned int devices;	/* mem: devices open at once (0 elsewhere) */
	unsigned int rx_usecs;	/* rx on tunx: the device's ethtool rx-usecs,
				 * the bound on a held wakeup (0: leave its
				 * default, 50) */
};

/* mem: devices measured by default (their growth divided among them),
 * at most (each holds a few fds and a ring mapping), and in --compare's
 * run for the goal of 1000 offload queues open at once (goals.c) */
#define BENCH_MEM_DEVICES 4
#define BENCH_MAX_DEVICES 4096
#define BENCH_GOAL_DEVICES 1000

#define BENCH_MAX_CPUS 8
/* --compare's equal-load rows, packets/s: under a loaded TCG VM the
 * packet generator alone made about 18000/s, so a rate every backend
 * should reach (a row that falls short is marked, and not judged) */
#define BENCH_EQUAL_RATE 10000
/* --compare's rx row with a longer-held wakeup (matrix.c), microseconds */
#define BENCH_RX_USECS 200

/* Share of one CPU over the measured part, percent (vcpu.c). */
struct bench_cpu_share {
	double user, sys, softirq, idle;
};

struct bench_result {
	struct bench_run run;
	double seconds;
	uint64_t packets, bytes;
	double pps, bits_per_sec;
	double rtt_p50_us, rtt_p99_us;	/* echo only */
	unsigned int batch_used;	/* packets per call really made */
	bool zero_copy;			/* tx used reserve/submit (rx:
					 * peek/release, tunx-zc) */
	unsigned int ring_entries;	/* tunx: entries per ring */
	/* mem: per device (average over the devices made) */
	uint64_t mem_mmap;		/* tunx ring mapping, all queues */
	int64_t mem_avail, mem_slab, mem_vmalloc;	/* deltas, bytes */
	/* mem: the same over all run.devices open at once (the mappings
	 * summed device by device), whether the module gave them offload,
	 * the fds each took, and the seconds opening (with link up) and
	 * closing them all took */
	uint64_t mem_mmap_total;
	int64_t mem_avail_total, mem_slab_total, mem_vmalloc_total;
	bool mem_offload;
	double mem_fds;
	double mem_open_seconds, mem_close_seconds;
	/* device counters over the run (tunx: TUNX_IOC_GET_STATS) */
	uint64_t kicks, wakeups, queue_stops;
	/* calls the worker threads made (calls.c): poll() (libtunx's waits
	 * and the benchmark's own) and TUNX_IOC_KICK ioctls */
	uint64_t polls, kick_ioctls;
	/* what the sink saw (tx): packets tc dropped, the dummy device sent,
	 * or the socket read; and, socket only, datagrams the kernel dropped
	 * for a full receive buffer (Udp RcvbufErrors) */
	uint64_t sink_packets, sink_lost;
	/* share of all CPUs over the measured part, percent (cpu.c) */
	double cpu_user, cpu_sys, cpu_softirq, cpu_idle;
	/* per vCPU (the first BENCH_MAX_CPUS), and all CPUs' busy time */
	unsigned int ncpus;
	struct bench_cpu_share vcpu[BENCH_MAX_CPUS];
	double cpu_busy_us;
	/* rx: what the generator handed the kernel (read + lost), whether
	 * threads were pinned (pin.c) and how many NAPI threads with them */
	uint64_t gen_sent;
	uint64_t gen_refused;	/* packet: send()s the full device refused */
	bool pinned;
	unsigned int napi_pinned;
	/* rx at a --rate: all CPUs' busy time per packet read, the same
	 * generator's into a dummy device per packet sent (the baseline),
	 * and their difference, the device's own cost; microseconds */
	double cpu_us_per_packet, gen_us_per_packet, dev_us_per_packet;
	uint64_t gen_base_sent;
	unsigned int repeats;		/* runs this median comes from */
	double fig_min, fig_max;	/* spread of the figure over them */
	char error[200];		/* set: the run did not happen */
};

/* main.c */
extern const char *const bench_mode_names[MODE_COUNT];
extern const char *const bench_backend_names[BK_COUNT];
extern const char *const bench_sink_names[SINK_COUNT];
extern const char *const bench_gen_names[GEN_COUNT];

/* env.c: namespaces and the device under test */
int bench_env_init(void);
int bench_env_fresh_netns(char *err, size_t len);
int bench_env_home_netns(void);
int bench_env_open(struct tunx_device **dev, const struct bench_run *r,
		   char *err, size_t len);
int bench_env_sink(const struct bench_run *r, char *err, size_t len);
void bench_env_sink_count(const struct bench_run *r, struct bench_result *res);
int bench_env_sink_dev(const struct bench_run *r, const char *dev, char *err,
		       size_t len);
void bench_env_sink_count_dev(const struct bench_run *r, const char *dev,
			      struct bench_result *res);
uint64_t bench_env_udp_rcvbuf_errors(void);
int bench_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_backend_config(struct tunx_config *cfg, const struct bench_run *r);
bool bench_backend_is_tunx(enum bench_backend b);
double bench_now(void);

/* packet.c */
#define BENCH_DEV_ADDR	"10.201.1.1"	/* the device's address */
#define BENCH_PEER_ADDR	"10.201.1.2"	/* "the other side" of the device */
#define BENCH_SINK_ADDR	"10.202.0.1"	/* tx packets go there (see sinks) */
#define BENCH_SINK_NET	"10.202.0.0/16"	/* routed to the dummy (route sink) */
#define BENCH_SINK_PORT	9
void bench_udp_packet(uint8_t *p, unsigned int size, const char *src,
		      const char *dst, uint16_t sport, uint16_t dport);
void bench_reflect(uint8_t *p, size_t len);

/* devpath.c: tx, rx and echo on one device */
void bench_run_device(const struct bench_run *r, struct bench_result *res);

/*
 * zc.c (and later backends of their own): workers that do not go through
 * tunx_read()/tunx_write().  devpath.c hands them one queue; they count
 * what they moved and, when they could not run, say why in error.
 */
struct bench_io {
	struct tunx_device *dev;
	const struct bench_run *r;
	atomic_bool *stop;
	unsigned int queue;
	uint64_t packets, bytes;
	uint64_t touched;	/* zc rx: what reading the packets summed */
	char error[160];
	struct bench_gate *start;	/* bench_io_start() */
	bool started;
};
typedef void bench_io_fn(struct bench_io *io);
/* The start line's gate: the workers that arrived, and whether it opened. */
struct bench_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int arrived;
	bool open;
};
/*
 * devpath.c: the run's start line.  A worker calls it once it is set up
 * (buffers, rings, io_uring) and is about to move packets, and waits
 * there for the others; the clock, the CPU counters and the generator
 * start after the last one.  A worker that gives up passes it on its way
 * out (devpath.c does that for it), and calls after the first return at
 * once.  Setup is not the device's cost: in a loaded TCG VM a worker's
 * 64 buffers took 0.7 s to allocate, longer than a whole -d 0.5 run.
 */
void bench_io_start(struct bench_io *io);
/* zc.c: reads every cache line of a packet once, as a real reader would */
uint64_t bench_touch(const uint8_t *p, uint32_t len);
/* xdprun.c: the xdp-veth backend's runs, packet modes */
void bench_run_xdp(const struct bench_run *r, struct bench_result *res);
/* The worker of a run's mode on its backend, NULL for the copying API. */
bench_io_fn *bench_own_io(const struct bench_run *r);
/* The batch a backend moves per call: the run's, or the device's. */
unsigned int bench_io_batch(const struct bench_io *io);
/* uring.c: tun-uring and tun-sqpoll, NULL for other backends */
bench_io_fn *bench_uring_io(const struct bench_run *r);
/* tun.c: tun attached here and adopted by libtunx (bench_env_open) for
 * the backends that need its fd or flags libtunx does not set */
bool bench_tun_own(enum bench_backend b);
int bench_tun_open(struct tunx_device **dev, const struct tunx_config *cfg,
		   enum bench_backend b, char *err, size_t len);
/* The io_uring worker's own duplicate of the tun fd, to close when done;
 * -EBADF: none */
int bench_tun_take_fd(const struct tunx_device *dev);

/* tcp.c: iperf3 through tunx-tunnel, or straight over the veth; or
 * through wireguard-go (tunx-wireguard) to the kernel's WireGuard */
void bench_run_tcp(const struct bench_run *r, struct bench_result *res);
void bench_run_wireguard(const struct bench_run *r, struct bench_result *res);
/* modes measured with iperf3, in Mbit/s */
static inline int bench_mode_iperf(enum bench_mode m)
{
	return m == MODE_TCP || m == MODE_WIREGUARD;
}

/* calls.c: poll() and TUNX_IOC_KICK calls of the threads that set
 * bench_calls to their own counters */
struct bench_calls {
	uint64_t polls, kick_ioctls;
};
extern __thread struct bench_calls *bench_calls;

/* cpu.c: /proc/stat shares */
struct bench_cpu {
	unsigned long long user, sys, softirq, idle, total;
};
void bench_cpu_read(struct bench_cpu *c);
void bench_cpu_share(const struct bench_cpu *a, const struct bench_cpu *b,
		     struct bench_result *res);

/* vcpu.c: /proc/stat per CPU */
struct bench_vcpus {
	unsigned int n;
	struct bench_vcpu {
		unsigned long long user, sys, softirq, idle, busy, total;
	} all, c[BENCH_MAX_CPUS];
};
void bench_vcpus_read(struct bench_vcpus *v);
void bench_vcpus_share(const struct bench_vcpus *a,
		       const struct bench_vcpus *b, struct bench_result *res);

/* pin.c: the generator on one CPU, the workers on the others */
unsigned int bench_online_cpus(void);
int bench_gen_cpu(void);
int bench_worker_cpu(unsigned int queue);
bool bench_pin_thread(pthread_t th, int cpu);
unsigned int bench_pin_napi(const char *ifname, int cpu);

/* gen.c: the rx generators (struct bench_generator in gen.h) */
void bench_gen_baseline(const struct bench_run *r, struct bench_result *res);
bool bench_gen_rate_reached(const struct bench_result *r);
void bench_gen_row(const struct bench_result *r);
void bench_gen_json(const struct bench_result *r);

/* mem.c: memory per device, and of run.devices open at once */
void bench_run_mem(const struct bench_run *r, struct bench_result *res);
int bench_dev_stats(struct tunx_device *dev, struct tunx_stats *st);

/* Seconds per run: -d, else these; iperf3 needs a few to ramp up. */
#define BENCH_SECONDS		3
#define BENCH_GOALS_SECONDS	2	/* --compare: about 100 runs */
#define BENCH_TCP_MIN_SECONDS	3

/* How long @r really runs: tcp and wireguard take at least their minimum. */
static inline double bench_run_seconds(const struct bench_run *r)
{
	bool iperf = r->mode == MODE_TCP || r->mode == MODE_WIREGUARD;

	return iperf && r->duration < BENCH_TCP_MIN_SECONDS ?
	       BENCH_TCP_MIN_SECONDS : r->duration;
}

/* matrix.c: the standard run lists */
unsigned int bench_add_run(struct bench_run *runs, unsigned int n,
			   const struct bench_run *r);
unsigned int bench_goals_matrix(struct bench_run *runs, double duration,
				bool full);

/* goals.c: the ratios, judged */
#define BENCH_MAX_GOALS 48
struct bench_goal_result {
	const char *name;
	double target, a, b, ratio;	/* ratio -1: a figure is missing */
	const char *unit;
	bool met;
	bool at_most;	/* a counter (a) per packet (b): ratio <= target */
	bool bound;	/* a figure (a, in unit) at most target: ratio is
			 * a / target, its share of the bound; b is -1 */
	const char *na;	/* not judged on this machine, and why */
};
/* @cpus: online CPUs of the machine that ran them (bench_online_cpus()) */
unsigned int bench_goals(const struct bench_result *res, unsigned int n,
			 unsigned int cpus, struct bench_goal_result *out,
			 unsigned int max);
void bench_print_goals(const struct bench_result *res, unsigned int n);
/* csum.c: libtunx's checksum against the two-byte loop (--csum) */
int bench_csum(void);

/* passes.c: bytes touched per payload byte in tcp mode, by named step */
unsigned int bench_passes(enum bench_backend backend,
			  const char *const **steps);
void bench_print_passes(const struct bench_result *res, unsigned int n);

/* report.c */
double bench_figure(const struct bench_result *r);
void bench_print_table(const struct bench_result *res, unsigned int n);
void bench_print_json(const struct bench_result *res, unsigned int n);

#endif /* BENCH_BENCH_H */
