// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes touched per payload byte in the tcp mode, one way (iperf3's client
 * to its server through the two tunnel ends), for each backend: how many
 * times the path reads or writes every payload byte.  Counted from the
 * code of each path, not measured: a copy counts one, a checksum pass
 * counts one, a checksum taken while copying counts once.  The steps are
 * printed by name so that a reader can check each against the code.
 *
 * What no backend pays: the UDP underlay's checksums (the veth offloads
 * them, and its receiver trusts CHECKSUM_PARTIAL), and the receiver's
 * TCP checksum check for a super-packet written with NEEDS_CSUM (the
 * stack takes it as verified: the tunnel checked each segment when it
 * merged them).
 */
#include <stdbool.h>
#include <stdio.h>

#include "bench.h"

#define MAX_STEPS 12

struct passes {
	enum bench_backend backend;
	const char *steps[MAX_STEPS];
};

#define SENDER		"sender's socket copy"
#define SENDER_SUM	"sender's socket copy with its checksum"
#define UDP_OUT		"tunnel's UDP send"
#define UDP_IN		"far tunnel's UDP receive"
#define MERGE_CHECK	"merge's checksum check"
#define RECEIVER	"receiver's socket copy"
#define RECEIVER_SUM	"receiver's checksum check"

/* tunx: the ring and the kernel's copy out of it on the far side */
#define RING_IN		"xmit's copy into the rx ring, summing each segment"
#define RING_OUT	"tunx_write()'s merge into the tx ring"
#define RING_TO_SKB	"the kernel's copy out of the tx ring"

/* Zero copy both ways: the send from the rx ring, the receive into tx. */
#define RING_SEND	"UDP_SEGMENT send from the rx ring"
#define RING_RECV	"far tunnel's UDP_GRO receive into the tx ring"

static const struct passes table[] = {
	{ BK_TUNX, { SENDER, RING_IN, RING_SEND, RING_RECV, MERGE_CHECK,
		     RING_TO_SKB, RECEIVER } },
	{ BK_TUNX_BUSY, { SENDER, RING_IN, RING_SEND, RING_RECV, MERGE_CHECK,
			  RING_TO_SKB, RECEIVER } },
	{ BK_TUNX_COPY, { SENDER, RING_IN, "tunx_read()'s split copy",
			  UDP_OUT, UDP_IN, MERGE_CHECK, RING_OUT, RING_TO_SKB,
			  RECEIVER } },
	{ BK_TUNX_PLAIN, { SENDER_SUM, "xmit's copy into the rx ring",
			   "UDP send from the rx ring", UDP_IN,
			   "tunx_write()'s copy into the tx ring", RING_TO_SKB,
			   RECEIVER_SUM, RECEIVER } },
	{ BK_TUN_VNET, { SENDER, "tun read() copy", "split copy",
			 "split's checksum pass", UDP_OUT, UDP_IN, MERGE_CHECK,
			 "merge's copy into one super-packet",
			 "tun write() copy", RECEIVER } },
	{ BK_TUN, { SENDER_SUM, "tun read() copy", UDP_OUT, UDP_IN,
		    "tun write() copy", RECEIVER_SUM, RECEIVER } },
	{ BK_VETH, { SENDER, RECEIVER } },
};

/* The steps of @backend's path; 0 for a backend without a tcp path. */
unsigned int bench_passes(enum bench_backend backend,
			  const char *const **steps)
{
	unsigned int i, n;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].backend != backend)
			continue;
		for (n = 0; n < MAX_STEPS && table[i].steps[n]; n++)
			;
		*steps = table[i].steps;
		return n;
	}
	*steps = NULL;
	return 0;
}

/* Once per backend with a tcp row in @res, in the order of the rows. */
void bench_print_passes(const struct bench_result *res, unsigned int n)
{
	bool seen[BK_COUNT] = { false };
	const char *const *steps;
	unsigned int i, k, count;
	bool first = true;

	for (i = 0; i < n; i++) {
		if (res[i].run.mode != MODE_TCP || seen[res[i].run.backend])
			continue;
		seen[res[i].run.backend] = true;
		count = bench_passes(res[i].run.backend, &steps);
		if (!count)
			continue;
		if (first)
			printf("bytes touched per payload byte, tcp one way "
			       "(counted from each path's code):\n");
		first = false;
		printf("  %-10s %u:", bench_backend_names[res[i].run.backend],
		       count);
		for (k = 0; k < count; k++)
			printf("%s %s", k ? "," : "", steps[k]);
		printf("\n");
	}
}
