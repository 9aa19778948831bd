// SPDX-License-Identifier: GPL-2.0
/*
 * An AF_XDP socket for the xdp-veth baseline (xdprun.c), with no libbpf:
 * the XDP program that hands a queue's packets to the socket is six
 * instructions, loaded with bpf(2); the ring layout comes from
 * XDP_MMAP_OFFSETS, never from a struct of our own.
 *
 * Copy mode (XDP_COPY): veth has no zero-copy AF_XDP, so the kernel
 * copies each packet between its skb or xdp_buff and the UMEM; that is
 * the AF_XDP a user of veth gets.  The program is attached in veth's
 * native XDP mode (veth_xdp_rcv(), NAPI; since 4.19), else generic (skb)
 * XDP.  Native XDP on the receiving veth needs nothing of its peer: only
 * XDP_REDIRECT *into* a veth (ndo_xdp_xmit) needs the peer to run XDP,
 * and this socket's tx goes through ndo_start_xmit with an skb.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xdp.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static int sys_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(__NR_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : (int)r;
}

/* One entry: queue 0's socket (veth here has one rx queue). */
static int map_create(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_XSKMAP;
	a.key_size = sizeof(uint32_t);
	a.value_size = sizeof(uint32_t);
	a.max_entries = 1;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_put(int map_fd, uint32_t key, uint32_t fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&fd;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
			     .src_reg = (s), .off = (o), .imm = (i) })

/*
 * return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
 * The flags argument is the action when the queue has no socket (5.3+),
 * so packets of other queues still reach the stack.
 */
static int prog_load(int map_fd, char *log, size_t log_len)
{
	struct bpf_insn insn[] = {
		INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1,
		     offsetof(struct xdp_md, rx_queue_index), 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD,
		     0, map_fd),
		INSN(0, 0, 0, 0, 0),	/* the upper half of the 64-bit load */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uint64_t)(uintptr_t)insn;
	a.insn_cnt = sizeof(insn) / sizeof(insn[0]);
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)log_len;
	a.log_level = 1;
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* A bpf link: the program goes when the last fd does, so a crashed run
 * leaves no XDP program behind (its namespace goes too, anyway). */
static int link_xdp(int prog_fd, unsigned int ifindex, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_ifindex = ifindex;
	a.link_create.attach_type = BPF_XDP;
	a.link_create.flags = flags;
	return sys_bpf(BPF_LINK_CREATE, &a);
}

static int attach(struct xsk *x, unsigned int ifindex, char *err, size_t len)
{
	char log[512] = "";
	int e;

	x->map_fd = map_create();
	if (x->map_fd < 0) {
		snprintf(err, len, "%sBPF_MAP_CREATE (XSKMAP): %s",
			 x->map_fd == -ENOSYS ? "n/a: kernel lacks bpf(): " : "",
			 strerror(-x->map_fd));
		return x->map_fd;
	}
	x->prog_fd = prog_load(x->map_fd, log, sizeof(log));
	if (x->prog_fd < 0) {
		snprintf(err, len, "BPF_PROG_LOAD (XDP): %s: %.80s",
			 strerror(-x->prog_fd), log);
		return x->prog_fd;
	}
	e = map_put(x->map_fd, 0, (uint32_t)x->fd);
	if (e) {
		snprintf(err, len, "XSKMAP update: %s", strerror(-e));
		return e;
	}
	x->mode = "native";
	x->link_fd = link_xdp(x->prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
	if (x->link_fd < 0) {
		x->mode = "generic";
		x->link_fd = link_xdp(x->prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	}
	if (x->link_fd < 0) {
		x->mode = NULL;
		snprintf(err, len, "BPF_LINK_CREATE (XDP): %s",
			 strerror(-x->link_fd));
		return x->link_fd;
	}
	return 0;
}

/* Maps one ring at @pgoff, from the kernel's offsets. */
static int ring_map(struct xsk *x, struct xsk_ring *r,
		    const struct xdp_ring_offset *o, uint32_t size,
		    size_t desc_size, off_t pgoff)
{
	uint8_t *m;

	r->map_len = o->desc + size * desc_size;
	m = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, x->fd, pgoff);
	if (m == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->map = m;
	r->producer = (uint32_t *)(m + o->producer);
	r->consumer = (uint32_t *)(m + o->consumer);
	r->flags = (uint32_t *)(m + o->flags);
	r->desc = m + o->desc;
	r->size = size;
	r->mask = size - 1;
	/* A fresh ring: both indices 0 (the kernel's, too). */
	r->cached_prod = r->cached_cons = 0;
	return 0;
}

static int set_ring(int fd, int opt, uint32_t size)
{
	return setsockopt(fd, SOL_XDP, opt, &size, sizeof(size)) ? -errno : 0;
}

/* UMEM, its fill and completion rings, and the rx or the tx ring. */
static int rings(struct xsk *x, int rx, const char **what)
{
	struct xdp_umem_reg reg = { .len = (uint64_t)XSK_FRAMES * XSK_FRAME,
				    .chunk_size = XSK_FRAME };
	struct xdp_mmap_offsets off;
	socklen_t olen = sizeof(off);
	int e;

	*what = "UMEM";
	x->umem = mmap(NULL, reg.len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->umem == MAP_FAILED) {
		x->umem = NULL;
		return -errno;
	}
	reg.addr = (uint64_t)(uintptr_t)x->umem;
	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)))
		return -errno;
	*what = "ring sizes";
	if ((e = set_ring(x->fd, XDP_UMEM_FILL_RING, XSK_FILL)) ||
	    (e = set_ring(x->fd, XDP_UMEM_COMPLETION_RING, XSK_COMP)) ||
	    (e = set_ring(x->fd, rx ? XDP_RX_RING : XDP_TX_RING, XSK_RING)))
		return e;
	/* A kernel older than 5.4 answers without the flags words: its
	 * layout is not the one these offsets describe. */
	*what = "XDP_MMAP_OFFSETS";
	if (getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &olen))
		return -errno;
	if (olen != sizeof(off))
		return -EPROTO;
	*what = "mmap of a ring";
	if ((e = ring_map(x, &x->fill, &off.fr, XSK_FILL, sizeof(uint64_t),
			  (off_t)XDP_UMEM_PGOFF_FILL_RING)) ||
	    (e = ring_map(x, &x->comp, &off.cr, XSK_COMP, sizeof(uint64_t),
			  (off_t)XDP_UMEM_PGOFF_COMPLETION_RING)))
		return e;
	return rx ? ring_map(x, &x->rx, &off.rx, XSK_RING,
			     sizeof(struct xdp_desc), XDP_PGOFF_RX_RING) :
		    ring_map(x, &x->tx, &off.tx, XSK_RING,
			     sizeof(struct xdp_desc), XDP_PGOFF_TX_RING);
}

static int xsk_bind(struct xsk *x, unsigned int ifindex)
{
	struct sockaddr_xdp a = { .sxdp_family = AF_XDP,
				  .sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
				  .sxdp_ifindex = ifindex, .sxdp_queue_id = 0 };

	return bind(x->fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
}

int bench_xsk_open(struct xsk *x, const char *ifname, int rx, char *err,
		   size_t len)
{
	unsigned int ifindex = if_nametoindex(ifname);
	const char *what = "socket(AF_XDP)";
	int e;

	memset(x, 0, sizeof(*x));
	x->prog_fd = x->map_fd = x->link_fd = -1;
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0) {
		e = -errno;
		snprintf(err, len, "%s%s: %s", e == -EAFNOSUPPORT ?
			 "n/a: kernel lacks AF_XDP (CONFIG_XDP_SOCKETS): " : "",
			 what, strerror(-e));
		return e;
	}
	e = rings(x, rx, &what);
	if (!e) {
		what = "bind";
		e = ifindex ? xsk_bind(x, ifindex) : -ENODEV;
	}
	if (e) {
		snprintf(err, len, "AF_XDP %s: %s", what, strerror(-e));
		return e;
	}
	return rx ? attach(x, ifindex, err, len) : 0;
}

static void ring_unmap(struct xsk_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

void bench_xsk_close(struct xsk *x)
{
	if (x->link_fd >= 0)
		close(x->link_fd);
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	if (x->map_fd >= 0)
		close(x->map_fd);
	ring_unmap(&x->rx);
	ring_unmap(&x->tx);
	ring_unmap(&x->fill);
	ring_unmap(&x->comp);
	if (x->fd >= 0)
		close(x->fd);
	if (x->umem)
		munmap(x->umem, (size_t)XSK_FRAMES * XSK_FRAME);
	memset(x, 0, sizeof(*x));
	x->fd = x->prog_fd = x->map_fd = x->link_fd = -1;
}

uint32_t bench_xsk_reserve(struct xsk_ring *r, uint32_t n, uint32_t *idx)
{
	uint32_t room = r->size - (r->cached_prod - r->cached_cons);

	if (room < n) {
		/* (A): the kernel is done with the entries it consumed
		 * before we overwrite them; pairs with its (D). */
		r->cached_cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
		room = r->size - (r->cached_prod - r->cached_cons);
		/* An index the kernel moved past ours is not believed. */
		if (room > r->size)
			room = 0;
	}
	n = n < room ? n : room;
	*idx = r->cached_prod;
	r->cached_prod += n;
	return n;
}

void bench_xsk_submit(struct xsk_ring *r, uint32_t n)
{
	(void)n;	/* everything reserved goes: the count is ours */
	/* (B): the entries are written before the kernel sees the index;
	 * pairs with its (C). */
	__atomic_store_n(r->producer, r->cached_prod, __ATOMIC_RELEASE);
}

uint32_t bench_xsk_peek(struct xsk_ring *r, uint32_t n, uint32_t *idx)
{
	uint32_t avail = r->cached_prod - r->cached_cons;

	if (avail < n) {
		/* (C): the entries are read after the index that published
		 * them; pairs with the kernel's (B). */
		r->cached_prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		avail = r->cached_prod - r->cached_cons;
		if (avail > r->size) {	/* not believed, as above */
			r->cached_prod = r->cached_cons;
			avail = 0;
		}
	}
	n = n < avail ? n : avail;
	*idx = r->cached_cons;
	return n;
}

void bench_xsk_release(struct xsk_ring *r, uint32_t n)
{
	r->cached_cons += n;
	/* (D): our reads of the entries are done before the kernel may
	 * reuse them; pairs with its (A). */
	__atomic_store_n(r->consumer, r->cached_cons, __ATOMIC_RELEASE);
}

/* Copy mode sets the tx ring's flag whenever a sendto() must kick it. */
int bench_xsk_needs_wakeup(const struct xsk_ring *r)
{
	return __atomic_load_n(r->flags, __ATOMIC_RELAXED) &
	       XDP_RING_NEED_WAKEUP;
}
