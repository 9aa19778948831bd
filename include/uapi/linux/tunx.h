/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tunx: TUN-like L3 network devices whose packet queues are shared-memory
 * rings mapped into the process.  This header is the whole ABI: a program
 * needs nothing else to drive /dev/net/tunx.
 *
 * Model
 * -----
 * Every open file of /dev/net/tunx can attach to one queue of one device
 * (TUNX_IOC_ATTACH, which creates the device when needed).  The queue then
 * gets its rings (TUNX_IOC_SETUP_RINGS) and the process maps them with one
 * mmap(MAP_SHARED) of offset 0 and length tunx_ring_setup.mmap_size.
 * mmap gives -ENXIO on a file without rings (before setup, after detach),
 * and -EINVAL without MAP_SHARED, with a non-zero offset or with a length
 * above mmap_size; a mapping cannot grow (mremap).
 *
 * A mapping holds a reference to its file, as for any mmap'd file: the
 * queue stays attached until the file is closed AND every mapping of it is
 * unmapped (or the device is deleted, or TUNX_IOC_DETACH).  Queue indices
 * are dense: when a queue detaches, the last queue takes its index.
 * A device that is not persistent is deleted when its last queue detaches.
 *
 * Each queue has two single-producer single-consumer rings, one per
 * direction, and one packet area per direction.  An area is a run of
 * bytes, not an array of frames: a packet takes the bytes it needs, so a
 * 64 KB super-packet and a 40-byte ACK share one small area (ABI 2; ABI 1
 * gave every slot a frame as large as the largest packet, 16 MiB per
 * offload queue where ABI 2 needs 1.06 MiB).
 *
 *   rx ring  kernel -> user  the device's transmit path (packets the stack
 *                            routes to the device) produces, the process
 *                            consumes.  The kernel places packets one after
 *                            the other in the rx area, each at a multiple
 *                            of TUNX_PACKET_ALIGN; one that would cross the
 *                            area's end starts again at offset 0.  A
 *                            packet's bytes stay untouched until the
 *                            consumer index passes its descriptor.  Read
 *                            addr from the descriptor: it is the only
 *                            statement of where the packet is.
 *   tx ring  user -> kernel  the process writes a packet anywhere in the tx
 *                            area, fills a descriptor with its addr and len
 *                            and produces; the kernel consumes, copies the
 *                            packet out and hands it to the stack.  The
 *                            bytes are free for reuse once the consumer
 *                            index has passed the descriptor.  How the
 *                            process packs its area is its own business
 *                            (libtunx packs as the kernel does).
 *
 * Indices are free-running __u32 counters; the slot is (index & (entries-1)).
 * A producer more than entries ahead of the consumer, or behind it, is
 * impossible: the kernel counts it in ring_errors and treats the tx ring as
 * empty (the rx ring as unusable: packets are dropped) until the indices
 * make sense again.  It never reads or writes outside the ring.  The kernel
 * loads the rx consumer index only when the room it last saw runs out, so
 * it may fill up to a ring's worth of slots the reader had released before
 * it notices a bad one.
 * Every offset of every ring part is published in struct tunx_ring_setup,
 * never implied by a struct layout, so the layout can change without an ABI
 * break.  The kernel keeps its own copy of sizes and masks and never reads
 * them back from the shared area.
 *
 * Memory ordering (the pairing of AF_XDP's rings).  The process produces
 * into the tx ring and consumes the rx ring; the kernel does the opposite.
 * The letters are the kernel's too (kernel/ring.h), and libtunx and the
 * kselftests tag their barriers with them:
 *
 *   producer                           consumer
 *
 *   LOAD.acq ->consumer        (A)     LOAD.acq ->producer         (C)
 *   if there is room:                  if there are entries:
 *      STORE descriptor, packet           LOAD descriptor, packet
 *      STORE.rel ->producer    (B)        STORE.rel ->consumer     (D)
 *
 *   (A) pairs with (D): a slot is rewritten only after its reader is done.
 *   (B) pairs with (C): a descriptor is read only after it was written.
 *
 *   kernel, about to wait              process, after publishing
 *   STORE flags = NEED_WAKEUP          STORE.rel its index (B or D)
 *   full barrier               (E)     full barrier                (F)
 *   LOAD the process's index           LOAD flags, kick if set
 *
 *   (E) pairs with (F): the kernel sees the new index, or the process sees
 *   TUNX_RING_NEED_WAKEUP and kicks.
 *
 * Wakeups
 * -------
 * tx: while the kernel is consuming the tx ring it clears
 *     TUNX_RING_NEED_WAKEUP in the tx ring's flags word; a busy writer then
 *     makes no syscall.  When the flag is set the process must kick after
 *     producing: ioctl(TUNX_IOC_KICK) or poll().  Check the flag after a full
 *     memory barrier that follows the producer store (F).  Where the
 *     packets go to the stack: a device made by a caller with
 *     CAP_NET_ADMIN in the initial user namespace has a NAPI kernel
 *     thread per queue from the first kick that finds more than 8 packets
 *     on (sysfs 'threaded' reads 1 from then; from creation on kernels
 *     6.17 and later), which takes a kick's
 *     batch off the writer's CPU while it found its own CPU free of other
 *     tasks; a short batch (8 packets or fewer), or any batch while the
 *     thread's CPU is crowded, is consumed by the kick itself
 *     (tx_inline_polls).  Other devices, or with 0 written to 'threaded',
 *     consume the ring in softirq on the kicking CPU, as tun does.
 * rx: poll()/epoll (level-triggered) report EPOLLIN while the rx ring holds
 *     packets; the kernel only pays for a wakeup when a poller found the ring
 *     empty, and then as the reader asked in struct tunx_rx_wake: at the
 *     first packet by default, or once per burst of @packets with a bound
 *     of @usecs on the delay.  A busy reader that never polls makes no
 *     syscall.
 *     In the default backpressure mode a full rx ring stops the device's
 *     transmit queue (the qdisc holds packets, nothing is dropped) and sets
 *     TUNX_RING_NEED_WAKEUP in the rx ring's flags word: after consuming,
 *     the process must kick so the kernel restarts the queue.  With
 *     TUNX_ATTACH_TAIL_DROP a full ring drops the packet instead; both are
 *     counted.  A queue left stopped for 2 s is considered stalled: the
 *     kernel restarts it and drops (rx_dropped) while the ring stays full,
 *     so queued packets never pin their sockets and namespaces forever;
 *     backpressure resumes once the process consumes.
 * poll: EPOLLIN as above; EPOLLOUT while the tx ring has a free slot as
 *     the writer sees it: counted from the consumer index the kernel
 *     published, so a writer waiting for room sleeps until the kernel
 *     releases slots (a slot it is still consuming is not free), and
 *     once the consumer index reached what the writer asked in struct
 *     tunx_tx_wake (room in its area).  A
 *     file that is not attached reports EPOLLERR; one whose device was
 *     deleted reports EPOLLERR | EPOLLHUP; an attached file without rings
 *     reports nothing.  Every poll() also acts as a kick.
 * TUNX_IOC_KICK on a queue without rings gives -ENXIO.
 *
 * Errors
 * ------
 * Structs start with a size word: the caller's sizeof.  Sizes smaller than
 * the first published version give -EINVAL; larger sizes (up to the page
 * size, else -E2BIG) are accepted when the bytes the kernel does not know
 * are zero (else -E2BIG), for out-only structs (tunx_info, tunx_stats) too,
 * whose other fields are ignored on input.  The kernel never writes the
 * size word, nor past its own sizeof.  Unknown flag bits and
 * non-zero reserved fields give -EINVAL.  Ioctls that need a queue return
 * -EBADFD on a file that is not attached, and -ENODEV when the device the
 * file was attached to has been deleted (until the file attaches again).
 *
 * Security and resource limits
 * ----------------------------
 * Creating a device needs CAP_NET_ADMIN over the file's network namespace;
 * attaching, the device's owner or group or CAP_NET_ADMIN; changing owner
 * or group, CAP_NET_ADMIN over the device's network namespace (ns_capable()
 * on the user namespace that owns it); busy poll, CAP_NET_ADMIN in the
 * initial user namespace (its kernel threads belong to none of the
 * creator's cgroups).  Ring memory is charged to the memory cgroup of the
 * process that sets the rings up (not to RLIMIT_MEMLOCK): over its limit
 * SETUP_RINGS gives -ENOMEM, quietly and without the OOM killer.  Every page
 * is mapped at mmap time; one dropped by MADV_DONTNEED faults back in.  The
 * mapping must be shared and writable: an O_RDONLY file can attach and set
 * up rings but not map them (PROT_WRITE gives -EACCES, a read-only
 * mapping -EINVAL).  ATTACH and SETUP_RINGS
 * copy their result out last: -EFAULT there can follow a successful attach
 * or setup (TUNX_IOC_GET_INFO tells the state).
 *
 * Statistics: `ip -s link` shows the netdev's view, where RX is user ->
 * kernel (tunx tx) and TX is kernel -> user (tunx rx); `ethtool -S` shows
 * struct tunx_stats by field name.
 */
#ifndef _UAPI_LINUX_TUNX_H
#define _UAPI_LINUX_TUNX_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TUNX_ABI_VERSION	2
#define TUNX_DEVICE_PATH	"/dev/net/tunx"
#define TUNX_NAME_SIZE		16	/* IFNAMSIZ */
#define TUNX_DEFAULT_PATTERN	"tunx%d"

/* Ring and area geometry bounds; requests are rounded up, then checked. */
#define TUNX_RING_MIN_ENTRIES	8
#define TUNX_RING_MAX_ENTRIES	32768
#define TUNX_RING_DEF_ENTRIES	256
#define TUNX_AREA_MIN_SIZE	(64U << 10)	/* bytes of one direction's area */
#define TUNX_AREA_DEF_SIZE	(512U << 10)
#define TUNX_AREA_MAX_SIZE	(64U << 20)
#define TUNX_PACKET_ALIGN	64	/* rx packets start at multiples of it */
#define TUNX_MAX_QUEUES		64
#define TUNX_MAX_MMAP_SIZE	(256U << 20)	/* per queue, rings and areas */
/*
 * Longest tx packet that is not a super-packet, whatever the MTU: an IPv4
 * packet's total length field cannot say more.
 */
#define TUNX_PACKET_MAX		65535
/* Longest super-packet (offload); a queue's max_packet is at most this. */
#define TUNX_SUPER_MAX		65536

/*
 * TUNX_IOC_ATTACH flags.  PERSIST, MULTI_QUEUE, OFFLOAD and TAIL_DROP are
 * properties of the device chosen when it is created, as is BUSY_POLL;
 * attaching to an existing device with a different MULTI_QUEUE, OFFLOAD,
 * TAIL_DROP or BUSY_POLL gives -EINVAL.  PERSIST on attach to an existing
 * device makes it persistent.
 * OFFLOAD (TUNX_FEAT_OFFLOAD) makes descriptors carry virtio_net_hdr-style
 * metadata in both directions: see "Offload" at struct tunx_desc.
 * BUSY_POLL (TUNX_FEAT_BUSY_POLL): the kernel keeps polling each queue's tx
 * ring from a kernel thread for busy_poll_usecs after the last descriptor
 * it consumed, with TUNX_RING_NEED_WAKEUP clear, and restarts a stopped
 * transmit queue as soon as the reader frees rx slots; a process that keeps
 * the rings busy makes no syscall at all; only descriptors it accepts
 * count as work.  Creating such a device needs CAP_NET_ADMIN in the
 * initial user namespace (-EPERM).  Once idle the kernel sets
 * NEED_WAKEUP again and the usual kick rules apply.  It costs a CPU while
 * traffic flows.  The kernel threads are the device's threaded NAPI:
 * writing 0 to /sys/class/net/NAME/threaded turns busy polling off.
 */
#define TUNX_ATTACH_PERSIST	(1U << 0)  /* survives the close of its last queue */
#define TUNX_ATTACH_MULTI_QUEUE	(1U << 1)  /* up to TUNX_MAX_QUEUES files attach */
#define TUNX_ATTACH_OFFLOAD	(1U << 2)  /* descriptors carry offload metadata */
#define TUNX_ATTACH_TAIL_DROP	(1U << 3)  /* full rx ring drops, not backpressure */
#define TUNX_ATTACH_NO_CREATE	(1U << 4)  /* attach only: -ENODEV if absent */
#define TUNX_ATTACH_EXCL	(1U << 5)  /* create only: -EBUSY if present */
#define TUNX_ATTACH_BUSY_POLL	(1U << 6)  /* kernel polls the tx ring */
#define TUNX_ATTACH_ALL		0x7fU

#define TUNX_BUSY_POLL_DEF_USECS	1000
#define TUNX_BUSY_POLL_MAX_USECS	1000000

/*
 * struct tunx_attach - argument of TUNX_IOC_ATTACH (read-write).
 * @size:	sizeof(struct tunx_attach)
 * @flags:	TUNX_ATTACH_*
 * @name:	in: device name, a pattern with one "%d", or "" for
 *		TUNX_DEFAULT_PATTERN; out: the name of the device attached to
 * @ifindex:	out: interface index
 * @queue_index: out: index of the queue this file now owns
 * @busy_poll_usecs: in, creation with TUNX_ATTACH_BUSY_POLL only (else must
 *		be zero): idle time before the kernel stops polling, 0 for
 *		TUNX_BUSY_POLL_DEF_USECS, above TUNX_BUSY_POLL_MAX_USECS gives
 *		-EINVAL, checked before the device is looked up.
 *		Otherwise ignored when attaching to an existing device.
 * @reserved:	must be zero
 *
 * Creating a device needs CAP_NET_ADMIN in the user namespace owning the
 * caller's network namespace (the one the file was opened in).  Attaching
 * to an existing device is allowed to its owner, to members of its group,
 * or with CAP_NET_ADMIN (-EPERM else; unlike tun, a device with neither
 * owner nor group is not open to everyone).
 * An existing device of another kind gives -EINVAL; a file already attached
 * gives -EBUSY; a full device gives -EBUSY.  A name that is not
 * NUL-terminated within TUNX_NAME_SIZE or not a valid interface name gives
 * -EINVAL.  A pattern always creates a device (with NO_CREATE: -ENODEV).
 */
struct tunx_attach {
	__u32 size;
	__u32 flags;
	char name[TUNX_NAME_SIZE];
	__u32 ifindex;
	__u32 queue_index;
	__u32 busy_poll_usecs;
	__u32 reserved[5];
};

/* Features this module implements, reported in tunx_info.features. */
#define TUNX_FEAT_MULTI_QUEUE	(1ULL << 0)
#define TUNX_FEAT_OFFLOAD	(1ULL << 1)
#define TUNX_FEAT_TAIL_DROP	(1ULL << 2)
#define TUNX_FEAT_NEED_WAKEUP	(1ULL << 3)
#define TUNX_FEAT_BUSY_POLL	(1ULL << 4)
#define TUNX_FEAT_RX_WAKE	(1ULL << 5)	/* struct tunx_rx_wake */
#define TUNX_FEAT_TX_WAKE	(1ULL << 6)	/* struct tunx_tx_wake */
#define TUNX_FEAT_SEG_SUMS	(1ULL << 7)	/* TUNX_SETUP_SEG_SUMS */

#define TUNX_NO_OWNER		0xffffffffU	/* owner or group unset */

/*
 * struct tunx_info - argument of TUNX_IOC_GET_INFO (read-write: set size).
 * On a file that is not attached only @abi_version, @features and
 * @max_queues (TUNX_MAX_QUEUES) are filled; the rest is zero.  On an
 * attached file @max_queues is the device's limit (1 without MULTI_QUEUE).
 * The ring fields are zero until the rings are set up.
 */
struct tunx_info {
	__u32 size;
	__u32 flags;		/* TUNX_ATTACH_* properties of the device */
	char name[TUNX_NAME_SIZE];
	__u32 ifindex;
	__u32 abi_version;	/* TUNX_ABI_VERSION of the module */
	__u64 features;		/* TUNX_FEAT_* */
	__u32 owner;		/* uid or TUNX_NO_OWNER */
	__u32 group;		/* gid or TUNX_NO_OWNER */
	__u32 queue_index;
	__u32 num_queues;	/* queues currently attached */
	__u32 max_queues;
	__u32 mtu;
	__u32 rx_entries;
	__u32 tx_entries;
	__u32 area_size;	/* bytes of each direction's packet area */
	__u32 max_packet;	/* tunx_ring_setup.max_packet */
	__u64 mmap_size;
	__u32 reserved[8];
};

/* Offsets of one ring's parts from the start of the mapping. */
struct tunx_ring_offsets {
	__u64 producer;		/* __u32, own cache line */
	__u64 consumer;		/* __u32, own cache line */
	__u64 flags;		/* __u32 TUNX_RING_*, written by the kernel */
	__u64 descs;		/* struct tunx_desc[entries] */
};

/* Ring flags word bits, written by the kernel only. */
#define TUNX_RING_NEED_WAKEUP	(1U << 0)

/*
 * struct tunx_rx_wake - when the reader wants to be woken (the virtio
 * EVENT_IDX idea, as a count), at tunx_ring_setup.rx_wake in the mapping,
 * on the rx consumer's cache line.  Written by the process, read by the
 * kernel each time it would wake a poller sleeping on an empty rx ring:
 * @packets:	wake it once this many packets are unread; 0 and 1 mean at
 *		the first (the default: the words start zeroed), above the
 *		ring size means a full ring.
 * @usecs:	or once the first of them has waited this long, whatever
 *		@packets says; 0 means the device's ethtool rx-usecs
 *		(TUNX_RX_WAKE_DEF_USECS until an admin runs `ethtool -C NAME
 *		rx-usecs N`; at 0 nothing is held), above
 *		TUNX_RX_WAKE_MAX_USECS counts as the maximum.
 * Only the wakeup of a sleeping poller is deferred, and only while packets
 * stream in: a packet that arrives more than @usecs after the one before
 * it wakes the poller at once, so sparse traffic (a ping, a request and
 * its answer) is never held for company that is not coming.  poll()
 * called while packets are unread reports EPOLLIN at once, and a busy
 * reader that never sleeps is not affected.  Any value is safe: the worst a process can do is
 * wait up to TUNX_RX_WAKE_MAX_USECS for its own packets.
 */
struct tunx_rx_wake {
	__u32 packets;
	__u32 usecs;
};

#define TUNX_RX_WAKE_DEF_USECS	50
#define TUNX_RX_WAKE_MAX_USECS	1000000

/*
 * struct tunx_tx_wake - what a writer waiting for room waits for, at
 * tunx_ring_setup.tx_wake in the mapping, on the tx producer's cache line.
 * Written by the process, read by the kernel in poll():
 * @consumer:	EPOLLOUT waits, besides a free slot, until the tx consumer
 *		index reaches this value: a writer short of bytes in its area
 *		(not of slots) names the descriptor whose release makes room.
 *		A value that is not in (consumer, producer] counts as reached,
 *		so a stale one costs nothing and the words start harmless.
 * Any value is safe: the worst a process can do is sleep until its own
 * descriptors are consumed.
 */
struct tunx_tx_wake {
	__u32 consumer;
	__u32 reserved;
};

/*
 * struct tunx_ring_setup - argument of TUNX_IOC_SETUP_RINGS (read-write).
 * @abi_version: in: the TUNX_ABI_VERSION the program was built with.  Any
 *	other value gives -EPROTO: a program built for ABI 1 (it passes 0
 *	here, a reserved field then) expects one frame per slot, a layout
 *	this module no longer has; rebuild it against this header.
 * @rx_entries, @tx_entries: in: requested, 0 for TUNX_RING_DEF_ENTRIES;
 *	rounded up to a power of two; outside [TUNX_RING_MIN_ENTRIES,
 *	TUNX_RING_MAX_ENTRIES] after rounding gives -EINVAL.  out: actual.
 * @area_size: in: bytes of each direction's packet area, 0 for
 *	TUNX_AREA_DEF_SIZE; rounded up to a power of two and to at least
 *	TUNX_AREA_MIN_SIZE; above TUNX_AREA_MAX_SIZE gives -EINVAL.  out:
 *	actual.
 * @max_packet: out: the longest packet a descriptor may carry, either
 *	direction: half the area (so that the rx ring always takes the next
 *	packet once the reader caught up), at most TUNX_SUPER_MAX.  A plain
 *	tx packet may be up to min(max_packet, TUNX_PACKET_MAX) bytes, a
 *	super-packet up to max_packet.  A device MTU above it gives -EINVAL,
 *	and while a queue has rings the MTU cannot be raised above it.
 *	A queue whose rings and areas would exceed TUNX_MAX_MMAP_SIZE gives
 *	-EINVAL.
 * @mmap_size: out: length to pass to mmap (offset 0).
 * @rx, @tx: out: offsets of each ring's parts.
 * @rx_area, @tx_area: out: offsets of the packet areas, area_size bytes
 *	each.  Descriptor addr fields are relative to their direction's area.
 * @rx_wake: out: offset of the struct tunx_rx_wake of the rx ring, when
 *	TUNX_FEAT_RX_WAKE is in tunx_info.features (ignored on input).
 * @tx_wake: out: offset of the struct tunx_tx_wake of the tx ring, when
 *	TUNX_FEAT_TX_WAKE is in tunx_info.features (ignored on input).
 * @flags: in: TUNX_SETUP_* (others give -EINVAL).  TUNX_SETUP_SEG_SUMS
 *	(TUNX_FEAT_SEG_SUMS): rx super-packets carry the sums of their
 *	segments' payloads (see "Segment sums" at struct tunx_desc); an
 *	offload device only (-EINVAL else).
 *
 * Rings are set up once per attach: a second call gives -EBUSY.  Memory
 * stays valid while mapped, even after detach, close or device deletion.
 * It is charged to the caller's memory cgroup: -ENOMEM over its limit.
 * The default geometry maps 2 x 512 KiB of areas and 2 x 8 KiB of rings
 * (256 entries); 1024 entries, which libtunx takes for an offload queue
 * so that 64 KB super-packets and small packets both find a slot, add
 * 48 KiB: 1.06 MiB in all.
 */
struct tunx_ring_setup {
	__u32 size;
	__u32 flags;		/* TUNX_SETUP_* */
	__u32 rx_entries;
	__u32 tx_entries;
	__u32 area_size;
	__u32 abi_version;
	__u64 mmap_size;
	struct tunx_ring_offsets rx;
	struct tunx_ring_offsets tx;
	__u64 rx_area;
	__u64 tx_area;
	__u64 rx_wake;
	__u64 tx_wake;
	__u32 max_packet;
	__u32 reserved[3];
};

#define TUNX_SETUP_SEG_SUMS	(1U << 0)	/* rx: segment sums after super-packets */
#define TUNX_SETUP_ALL		0x1U

/*
 * Offload
 * -------
 * Per-packet offload metadata, meaningful on devices created with
 * TUNX_ATTACH_OFFLOAD (zero otherwise, with TUNX_DESC_F_OFFLOAD clear; a
 * descriptor that sets them anyway is invalid).  Same meaning as struct
 * virtio_net_hdr: csum_flags takes TUNX_CSUM_*, gso_type TUNX_GSO_*.
 *
 * Such a device advertises TSO, TSO6, USO and checksum offload to the stack
 * (`ethtool -K NAME tx off` or `tso off` turns them off at run time), up to
 * a super-packet of the smallest max_packet of its queues (at most 64 KB,
 * set as the device's tso_max_size/gso_max_size); a GSO packet longer
 * than that is segmented by the kernel first.
 *
 * rx descriptors then have TUNX_DESC_F_OFFLOAD set and describe the packet
 * as virtio_net_hdr_from_skb() would: NEEDS_CSUM with csum_start and
 * csum_offset when the checksum is still to be computed (the checksum field
 * holds the pseudo-header sum), DATA_VALID when the stack already verified
 * it, and gso_type/gso_size/hdr_len for a super-packet the reader must split
 * (or pass on whole).  hdr_len is the exact length of the IP and TCP (with
 * options) or UDP headers.  A super-packet always has NEEDS_CSUM.
 *
 * tx descriptors may set TUNX_DESC_F_OFFLOAD and the same fields, checked
 * as virtio_net_hdr_to_skb() checks them, and stricter; a descriptor that
 * breaks a rule is invalid (invalid_descs):
 *   - csum_flags only TUNX_CSUM_*; gso_type one of NONE, TCPV4, TCPV6,
 *     UDP_L4, with ECN only on TCPV4/TCPV6; gso_size non-zero exactly when
 *     gso_type is not NONE, and at most 65507 (the largest UDP payload);
 *     hdr_len at most len.  Segments longer than the MTU are accepted and
 *     the super-packet counted once in tx_over_mtu, as a plain packet is.
 *   - NEEDS_CSUM: csum_start + csum_offset + 2 <= len and <=
 *     TUNX_CSUM_END_MAX (the checksum field lies in the headers, never deep
 *     in the payload), the checksum field holding the pseudo-header sum;
 *     csum_start not inside the IP header,
 *     and the packet not an IPv4 fragment.
 *     Without NEEDS_CSUM csum_start and csum_offset are zero.
 *     DATA_VALID is accepted and ignored: the stack verifies checksums it
 *     did not compute itself (as tun does).
 *   - A super-packet (gso_type not NONE) needs NEEDS_CSUM; TCPV4 an IPv4
 *     packet, TCPV6 an IPv6 one, UDP_L4 either; its TCP or UDP header
 *     directly after the IP header (no IPv6 extension header, not an IPv4
 *     fragment) at csum_start, and csum_offset naming that header's
 *     checksum field; its IP length field covering exactly the whole
 *     super-packet.  Its len may reach max_packet.  UDP_L4: at most
 *     the kernel's UDP_MAX_SEGMENTS segments (128 on the 6.1 and 6.12
 *     kernels CI boots, 64 on builds from before it was raised).  TCP:
 *     a gso_size below 8 counts as 8, as virtio's does.  One whose
 *     payload fits one gso_size segment is delivered as a plain packet.
 * Every other packet, flag or not, may be as long as a plain packet on any
 * device: see struct tunx_desc.
 *
 * Segment sums (TUNX_SETUP_SEG_SUMS).  A reader that splits a super-packet
 * needs each segment's TCP or UDP checksum, which covers the segment's
 * payload: one more pass over every byte.  With this setup flag the kernel
 * sums each segment's payload while it copies the packet into the ring,
 * and an rx super-packet (gso_type not NONE) has TUNX_DESC_F_SEG_SUMS
 * when its sums fit in max_packet with it.  Then N = (len - hdr_len +
 * gso_size - 1) / gso_size 16-bit sums follow the packet, at addr + len
 * rounded up to TUNX_SEG_SUMS_ALIGN: sum i covers payload bytes hdr_len +
 * i * gso_size up to the next segment or len.  Each is the RFC 1071
 * ones'-complement sum of those bytes, folded, not complemented, in
 * network byte order.  A segment's checksum is the complement of the sum
 * of its pseudo-header (with its own length), its rebuilt L4 header
 * (checksum field zero) and this.  A super-packet whose sums do not fit
 * comes without the flag, as do all on a ring set up without it.
 */
#define TUNX_CSUM_NEEDS_CSUM	(1U << 0)	/* csum_start/offset valid */
#define TUNX_CSUM_END_MAX	256	/* csum_start + csum_offset + 2, at most */
#define TUNX_CSUM_DATA_VALID	(1U << 1)	/* checksum already verified */

#define TUNX_GSO_NONE		0
#define TUNX_GSO_TCPV4		1
#define TUNX_GSO_TCPV6		4
#define TUNX_GSO_UDP_L4		5
#define TUNX_GSO_ECN		0x80

/* Descriptor flags. */
#define TUNX_DESC_F_OFFLOAD	(1U << 0)	/* the offload fields are set */
#define TUNX_DESC_F_SEG_SUMS	(1U << 1)	/* rx: segment sums follow */
#define TUNX_SEG_SUMS_ALIGN	4

/*
 * struct tunx_desc - one packet.  The kernel copies a tx descriptor once,
 * then validates the copy: addr + len must lie inside the tx area (any
 * byte offset, no alignment asked), len must be at least a minimal IP
 * header and at most min(max_packet, TUNX_PACKET_MAX) (a super-packet with
 * offload: max_packet), unknown flags and reserved fields must be zero.
 * As tun and Ethernet NICs do on receive, a packet longer than the device
 * MTU is accepted (the peer's MTU may be larger) and counted in
 * tx_over_mtu; only max_packet bounds it.
 * A descriptor that fails is skipped and counted in invalid_descs; a
 * packet that is not IPv4/IPv6 (version nibble, a whole header, IPv4 IHL
 * >= 5 and inside the packet) is dropped and counted in tx_bad_packets.
 * Either way the consumer index moves past it.  The minimal length is 20
 * bytes.  rx descriptors the kernel writes have addr a multiple of
 * TUNX_PACKET_ALIGN with addr + len inside the rx area (see "Model"), and
 * all other fields but len zero, except the offload fields,
 * TUNX_DESC_F_OFFLOAD and TUNX_DESC_F_SEG_SUMS on an offload device.
 */
struct tunx_desc {
	__u64 addr;		/* byte offset in this direction's area */
	__u32 len;		/* packet length at addr */
	__u16 flags;		/* TUNX_DESC_F_* */
	__u16 reserved0;
	__u8  csum_flags;	/* offload: TUNX_CSUM_* */
	__u8  gso_type;		/* offload: TUNX_GSO_* */
	__u16 hdr_len;		/* offload: length of headers to replicate */
	__u16 gso_size;		/* offload: payload bytes per segment */
	__u16 csum_start;	/* offload: checksum starts here */
	__u16 csum_offset;	/* offload: checksum stored at start + offset */
	__u16 reserved1;
	__u32 reserved2;
};

/*
 * struct tunx_stats - argument of TUNX_IOC_GET_STATS: the counters of the
 * device (all queues added up).  Also shown by `ethtool -S`.  A counter
 * added later takes the first reserved field, so the size does not change:
 * a program built against an older header finds it there, and one built
 * against a newer header reads zero from an older module.
 */
struct tunx_stats {
	__u32 size;
	__u32 reserved0;
	__u64 rx_packets;	/* kernel -> user, placed in rx rings */
	__u64 rx_bytes;
	__u64 tx_packets;	/* user -> kernel, handed to the stack */
	__u64 tx_bytes;
	__u64 invalid_descs;	/* tx descriptors that failed validation */
	__u64 tx_bad_packets;	/* valid descriptor, packet not IPv4/IPv6 */
	__u64 rx_ring_full;	/* times a full rx ring stopped or dropped */
	__u64 rx_dropped;	/* packets dropped on the rx side */
	__u64 queue_stops;	/* times backpressure stopped a queue */
	__u64 wakeups;		/* poll waiters woken */
	__u64 kicks;		/* TUNX_IOC_KICK calls and poll kicks */
	__u64 ring_errors;	/* impossible indices seen in shared memory */
	__u64 tx_over_mtu;	/* user -> kernel, accepted, longer than the MTU */
	__u64 tx_inline_polls;	/* kicks that consumed their batch themselves */
	__u64 reserved[6];
};

#define TUNX_IOC_MAGIC		0xE6

#define TUNX_IOC_ATTACH		_IOWR(TUNX_IOC_MAGIC, 1, struct tunx_attach)
#define TUNX_IOC_DETACH		_IO(TUNX_IOC_MAGIC, 2)
#define TUNX_IOC_GET_INFO	_IOWR(TUNX_IOC_MAGIC, 3, struct tunx_info)
#define TUNX_IOC_SETUP_RINGS	_IOWR(TUNX_IOC_MAGIC, 4, struct tunx_ring_setup)
#define TUNX_IOC_KICK		_IO(TUNX_IOC_MAGIC, 5)
#define TUNX_IOC_GET_STATS	_IOWR(TUNX_IOC_MAGIC, 6, struct tunx_stats)
/*
 * Ownership, as TUNSETOWNER/TUNSETGROUP/TUNSETPERSIST: argument by value.
 * OWNER/GROUP take an id in the caller's user namespace, TUNX_NO_OWNER to
 * unset (an unmappable id gives -EINVAL), and need CAP_NET_ADMIN over the
 * device's network namespace (-EPERM; tun does not ask); PERSIST takes 0
 * or 1 (else -EINVAL).  Clearing PERSIST does not delete a device until
 * its last queue detaches.
 */
#define TUNX_IOC_SET_OWNER	_IOW(TUNX_IOC_MAGIC, 7, __u32)
#define TUNX_IOC_SET_GROUP	_IOW(TUNX_IOC_MAGIC, 8, __u32)
#define TUNX_IOC_SET_PERSIST	_IOW(TUNX_IOC_MAGIC, 9, __u32)

#endif /* _UAPI_LINUX_TUNX_H */
