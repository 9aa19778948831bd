// SPDX-License-Identifier: GPL-2.0
/*
 * The tcp mode: two namespaces joined by a veth "underlay", tunx-tunnel in
 * each on the backend under test, iperf3 through the tunnel.  The veth
 * backend runs iperf3 straight over the underlay: no userspace hop, the
 * ceiling the tunnels are measured against.
 *
 * The wireguard mode: the same underlay, wireguard-go (tunx-wireguard, the
 * Go binding's program) on the backend under test in the first namespace,
 * the kernel's WireGuard (wireguard.ko, set up with wg and ip) in the
 * second, iperf3 from wireguard-go's side once a ping has made the
 * handshake.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct tcp_env {
	char ns[2][32], log[64], tunnel[PATH_MAX];
	pid_t pid[2];
};

/* tunx-tunnel lives next to tunx-bench. */
static void tunnel_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	snprintf(buf, len, "%s/tunx-tunnel", dirname(self));
}

/*
 * A tcp run that was killed (a timeout, Ctrl-C in the middle of iperf3)
 * leaves its namespaces and what ran in them; the next one removes those
 * whose tunx-bench is gone.  A pid reused since only keeps them longer.
 */
static void sweep_stale_underlays(void)
{
	bench_sh("for n in $(ip netns list | "
		 "awk '$1 ~ /^tunxbench[0-9]+-[ab]$/ { print $1 }'); do "
		 "p=${n#tunxbench}; [ -d /proc/${p%%-*} ] && continue; "
		 "ip netns pids $n | xargs -r kill -9; ip netns del $n; "
		 "done 2>/dev/null");
}

static int underlay(struct tcp_env *e)
{
	int p = (int)getpid();

	sweep_stale_underlays();

	snprintf(e->ns[0], sizeof(e->ns[0]), "tunxbench%d-a", p);
	snprintf(e->ns[1], sizeof(e->ns[1]), "tunxbench%d-b", p);
	/* The VM has no kmod helper: "ip link add type veth" cannot load it. */
	bench_sh("modprobe -q veth 2>/dev/null");
	return bench_sh("ip netns add %s && ip netns add %s && "
		"ip link add tbv%d netns %s type veth peer name tbv%d netns %s && "
		"ip -n %s addr add 192.168.203.1/24 dev tbv%d && "
		"ip -n %s addr add 192.168.203.2/24 dev tbv%d && "
		"ip -n %s link set tbv%d up && ip -n %s link set tbv%d up && "
		"ip -n %s link set lo up && ip -n %s link set lo up",
		e->ns[0], e->ns[1], p, e->ns[0], p, e->ns[1], e->ns[0], p,
		e->ns[1], p, e->ns[0], p, e->ns[1], p, e->ns[0], e->ns[1]);
}

static bool tunx_side(enum bench_backend b)
{
	return b == BK_TUNX || b == BK_TUNX_BUSY || b == BK_TUNX_PLAIN ||
	       b == BK_TUNX_COPY;
}

/* The tunnel's options for a backend: tun and tunx-plain without
 * offload, tunx-busy with busy polling, tunx-copy with --copy. */
static void tunnel_args(const struct bench_run *r, const char **argv,
			char *queues, size_t qlen)
{
	enum bench_backend b = r->backend;
	unsigned int k = 0;

	snprintf(queues, qlen, "%u", r->queues ? r->queues : 1);
	argv[k++] = "-b";
	argv[k++] = tunx_side(b) ? "tunx" : "tun";
	argv[k++] = "-Q";
	argv[k++] = queues;
	if (b == BK_TUN || b == BK_TUNX_PLAIN)
		argv[k++] = "--no-offload";
	if (b == BK_TUNX_BUSY)
		argv[k++] = "--busy-poll";
	if (b == BK_TUNX_COPY)
		argv[k++] = "--copy";
	argv[k] = NULL;
}

static pid_t start_tunnel(struct tcp_env *e, int side, const struct bench_run *r)
{
	char local[32], peer[32], addr[32], queues[12];
	const char *argv[24] = { "ip", "netns", "exec", e->ns[side], e->tunnel,
		"-q", "-n", "tbt0", "-l", local, "-p", peer, "-a", addr };
	pid_t pid;

	snprintf(local, sizeof(local), "192.168.203.%d:7000", side + 1);
	snprintf(peer, sizeof(peer), "192.168.203.%d:7000", 2 - side);
	snprintf(addr, sizeof(addr), "10.203.0.%d/24", side + 1);
	tunnel_args(r, argv + 14, queues, sizeof(queues));
	pid = fork();
	if (pid)
		return pid;
	if (!freopen(e->log, "a", stdout) || dup2(1, 2) < 0)
		_exit(127);
	execvp("ip", (char *const *)argv);
	_exit(127);
}

/* The tunnel is ready once its device is up in both namespaces. */
static int wait_tunnels(struct tcp_env *e)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!bench_sh("ip -n %s link show tbt0 2>/dev/null | grep -q ',UP' && "
			      "ip -n %s link show tbt0 2>/dev/null | grep -q ',UP'",
			      e->ns[0], e->ns[1]))
			return 0;
		usleep(100000);
	}
	return -1;
}

static double parse_iperf(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	char *p;

	if (f)
		fclose(f);
	buf[n] = 0;
	p = strstr(buf, "\"sum_received\"");
	p = p ? strstr(p, "\"bits_per_second\"") : NULL;
	return p ? strtod(p + strlen("\"bits_per_second\":"), NULL) : -1;
}

static void iperf(struct tcp_env *e, const struct bench_run *r,
		  struct bench_result *res)
{
	const char *srv = r->backend == BK_VETH ? "192.168.203.2" : "10.203.0.2";
	struct bench_cpu c0, c1;
	char out[64];
	double t0 = bench_now();

	snprintf(out, sizeof(out), "/tmp/tunx-bench-%d.json", (int)getpid());
	if (bench_sh("ip netns exec %s iperf3 -s -1 -D -B %s >/dev/null 2>&1",
		     e->ns[1], srv)) {
		snprintf(res->error, sizeof(res->error), "iperf3 -s failed");
		return;
	}
	/* iperf3 -D returns before it listens; a loaded VM takes a while. */
	for (int i = 0; i < 300 && bench_sh("ip netns exec %s ss -ltnH "
					    "'src %s:5201' | grep -q .",
					    e->ns[1], srv); i++)
		usleep(100000);
	bench_cpu_read(&c0);
	bench_sh("ip netns exec %s iperf3 -c %s -t %.0f -P %u -J >%s 2>&1",
		 e->ns[0], srv, bench_run_seconds(r),
		 r->streams ? r->streams : 1, out);
	bench_cpu_read(&c1);
	bench_cpu_share(&c0, &c1, res);
	res->seconds = bench_now() - t0;
	res->bits_per_sec = parse_iperf(out);
	if (res->bits_per_sec < 0)
		snprintf(res->error, sizeof(res->error), "iperf3 gave no result "
			 "(see %s)", out);
	else
		unlink(out);
}

/* Add one side's `ethtool -S` kicks, wakeups and queue stops. */
static void side_events(const char *ns, struct bench_result *res)
{
	char cmd[128], line[128], name[64];
	unsigned long long v;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s ethtool -S tbt0 2>/dev/null", ns);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (sscanf(line, " %63[^:]: %llu", name, &v) != 2)
			continue;
		if (!strcmp(name, "kicks"))
			res->kicks += v;
		else if (!strcmp(name, "wakeups"))
			res->wakeups += v;
		else if (!strcmp(name, "queue_stops"))
			res->queue_stops += v;
	}
	if (p)
		pclose(p);
}

static void stop_tunnels(struct tcp_env *e)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (e->pid[i] <= 0)
			continue;
		kill(e->pid[i], SIGTERM);
		waitpid(e->pid[i], NULL, 0);
	}
}

void bench_run_tcp(const struct bench_run *r, struct bench_result *res)
{
	struct tcp_env e = { 0 };

	bench_env_home_netns();
	tunnel_path(e.tunnel, sizeof(e.tunnel));
	snprintf(e.log, sizeof(e.log), "/tmp/tunx-bench-%d-tunnel.log", (int)getpid());
	if (underlay(&e)) {
		snprintf(res->error, sizeof(res->error), "cannot build the "
			 "namespaces (needs root, iproute2 and veth)");
		goto out;
	}
	if (r->backend != BK_VETH) {
		e.pid[0] = start_tunnel(&e, 0, r);
		e.pid[1] = start_tunnel(&e, 1, r);
		if (wait_tunnels(&e)) {
			snprintf(res->error, sizeof(res->error), "tunx-tunnel did "
				 "not come up (see %s)", e.log);
			goto out;
		}
	}
	iperf(&e, r, res);
	if (tunx_side(r->backend)) {
		side_events(e.ns[0], res);
		side_events(e.ns[1], res);
	}
out:
	stop_tunnels(&e);
	bench_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
		 e.ns[0], e.ns[1]);
	if (!res->error[0])
		unlink(e.log);
}

/* tunx-wireguard: next to tunx-bench, else in the build tree (build/lib
 * beside build/tools).  0 when found. */
static int wireguard_path(char *buf, size_t len)
{
	char self[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	dir = dirname(self);
	snprintf(buf, len, "%s/tunx-wireguard", dir);
	if (!access(buf, X_OK))
		return 0;
	snprintf(buf, len, "%s/../lib/tunx-wireguard", dir);
	return access(buf, X_OK);
}

/* The first line a shell command prints, newline cut; -1 when the command
 * failed or printed nothing. */
static int sh_line(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;
	int ok;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(buf, (int)len, p) != NULL;
	if (pclose(p) != 0 || !ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A wg key (base64, 32 bytes) as the hex wireguard-go's UAPI wants. */
static int key_hex(const char *b64, char hex[65])
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int acc = 0, bits = 0, n = 0;
	const char *c, *p;

	for (c = b64; *c && *c != '='; c++) {
		p = strchr(tbl, *c);
		if (!p)
			return -1;
		acc = (acc << 6 | (unsigned int)(p - tbl)) & 0xffff;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		if (n == 32)
			return -1;
		snprintf(hex + 2 * n++, 3, "%02x", acc >> bits & 0xff);
	}
	return n == 32 ? 0 : -1;
}

/* wireguard-go in the first namespace on device tbt0 (so side_events()
 * reads its counters), its UAPI configuration on stdin from CONF (opened
 * without close-on-exec: it is the program's stdin). */
static pid_t start_wireguard(struct tcp_env *e, const char *bin,
			     const char *conf, const struct bench_run *r)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (!freopen(conf, "r", stdin) || !freopen(e->log, "a", stdout) ||
	    dup2(1, 2) < 0)
		_exit(127);
	setenv("TUNX_WG_BACKEND", r->backend == BK_TUNX ? "tunx" : "tun", 1);
	execlp("ip", "ip", "netns", "exec", e->ns[0], bin, "tbt0", "1420",
	       (char *)NULL);
	_exit(127);
}

/* Both ends: the kernel's wg0 (10.203.0.2) in the second namespace,
 * wireguard-go's tbt0 (10.203.0.1) in the first, up and with a handshake
 * done.  On failure, the reason in res->error. */
static void wireguard_ends(struct tcp_env *e, const struct bench_run *r,
			   struct bench_result *res)
{
	char bin[PATH_MAX], conf[64], kpriv[64], kpub[64], gpriv[64], gpub[64];
	char gpriv_hex[65], kpub_hex[65];
	FILE *f;
	int i;

	if (wireguard_path(bin, sizeof(bin))) {
		snprintf(res->error, sizeof(res->error), "tunx-wireguard is "
			 "not next to tunx-bench nor in ../lib; run 'make go'");
		return;
	}
	if (sh_line(kpriv, sizeof(kpriv), "wg genkey") ||
	    sh_line(kpub, sizeof(kpub), "echo %s | wg pubkey", kpriv) ||
	    sh_line(gpriv, sizeof(gpriv), "wg genkey") ||
	    sh_line(gpub, sizeof(gpub), "echo %s | wg pubkey", gpriv) ||
	    key_hex(gpriv, gpriv_hex) || key_hex(kpub, kpub_hex)) {
		snprintf(res->error, sizeof(res->error), "wg genkey/pubkey "
			 "failed; install wireguard-tools ('make deps')");
		return;
	}
	/* No kmod helper in the VM: "ip link add type wireguard" cannot
	 * load it. */
	bench_sh("modprobe -q wireguard 2>/dev/null");
	if (bench_sh("ip -n %s link add wg0 type wireguard 2>/dev/null", e->ns[1])) {
		snprintf(res->error, sizeof(res->error), "the kernel has no "
			 "WireGuard (modprobe wireguard)");
		return;
	}
	/* wg reads a private key from a file only (the VM has no /dev/stdin:
	 * nothing makes the link in its devtmpfs); keys are base64, nothing
	 * the shell would expand. */
	snprintf(conf, sizeof(conf), "/tmp/tunx-bench-%d-wg.key", (int)getpid());
	i = bench_sh("umask 077 && echo %s >%s && ip netns exec %s wg set wg0 "
		     "private-key %s listen-port 7000 peer %s "
		     "allowed-ips 10.203.0.1/32 endpoint 192.168.203.1:7000 && "
		     "ip -n %s addr add 10.203.0.2/24 dev wg0 && "
		     "ip -n %s link set wg0 mtu 1420 up",
		     kpriv, conf, e->ns[1], conf, gpub, e->ns[1], e->ns[1]);
	unlink(conf);
	if (i) {
		snprintf(res->error, sizeof(res->error), "wg set on the "
			 "kernel's wg0 failed");
		return;
	}
	snprintf(conf, sizeof(conf), "/tmp/tunx-bench-%d-wg.conf", (int)getpid());
	f = fopen(conf, "we");
	if (!f) {
		snprintf(res->error, sizeof(res->error), "%s: %s", conf,
			 strerror(errno));
		return;
	}
	fprintf(f, "private_key=%s\nlisten_port=7000\npublic_key=%s\n"
		"endpoint=192.168.203.2:7000\nallowed_ip=10.203.0.2/32\n",
		gpriv_hex, kpub_hex);
	fclose(f);
	e->pid[0] = start_wireguard(e, bin, conf, r);
	/* It prints the device's name once up; Go starts slowly under TCG. */
	for (i = 0; i < 1200; i++) {
		if (!bench_sh("grep -qx tbt0 %s", e->log) ||
		    waitpid(e->pid[0], NULL, WNOHANG) == e->pid[0])
			break;
		usleep(100000);
	}
	unlink(conf);
	if (bench_sh("grep -qx tbt0 %s", e->log)) {
		snprintf(res->error, sizeof(res->error), "tunx-wireguard did "
			 "not come up (see %s)", e->log);
		return;
	}
	if (bench_sh("ip -n %s addr add 10.203.0.1/24 dev tbt0 && "
		     "ip -n %s link set tbt0 up", e->ns[0], e->ns[0]) ||
	    bench_sh("ip netns exec %s ping -q -c 1 -w 60 10.203.0.2 >/dev/null",
		     e->ns[0]))
		snprintf(res->error, sizeof(res->error), "no ping through "
			 "wireguard-go to the kernel in 60 s (see %s)", e->log);
}

void bench_run_wireguard(const struct bench_run *r, struct bench_result *res)
{
	struct tcp_env e = { 0 };

	bench_env_home_netns();
	snprintf(e.log, sizeof(e.log), "/tmp/tunx-bench-%d-wg.log", (int)getpid());
	if (underlay(&e)) {
		snprintf(res->error, sizeof(res->error), "cannot build the "
			 "namespaces (needs root, iproute2 and veth)");
		goto out;
	}
	wireguard_ends(&e, r, res);
	if (res->error[0])
		goto out;
	iperf(&e, r, res);
	if (r->backend == BK_TUNX)
		side_events(e.ns[0], res);
out:
	stop_tunnels(&e);
	bench_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
		 e.ns[0], e.ns[1]);
	if (!res->error[0])
		unlink(e.log);
}
