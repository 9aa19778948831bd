// SPDX-License-Identifier: GPL-2.0
/*
 * tunx-bench --csum: libtunx's Internet checksum (tunx__csum_add() in
 * lib/gso.c, run over every byte of every segment split from a
 * super-packet) against the two-byte loop it replaced, over a 1500-byte
 * packet and a 64 KiB super-packet.  A CPU figure of this host alone: no
 * device, no module, no root.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "../../lib/gso.h"

#define CSUM_TRIES	9	/* each loop's best counts */
#define CSUM_SECONDS	0.1	/* CPU time per try */

typedef uint64_t (*csum_fn)(const uint8_t *p, size_t len, uint64_t sum);

/* The loop lib/gso.c had before, kept here only as the baseline: a
 * big-endian 16-bit word per iteration. */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t csum_two_bytes(const uint8_t *p, size_t len, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return sum;
}

/* CPU seconds of this thread: time the scheduler gives to other load on
 * the machine is not counted against either loop. */
static double csum_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Bytes per second of @f over @len bytes at @p, for CSUM_SECONDS.  Each
 * call takes the previous one's folded result as its sum, through a
 * volatile pointer, so none can be hoisted out of the loop or dropped.
 */
static double csum_try(csum_fn f, const uint8_t *p, size_t len)
{
	csum_fn volatile call = f;
	double t0 = csum_cpu_now(), t;
	uint64_t calls = 0, i;
	uint16_t sum = 0;

	do {
		for (i = 0; i < 64; i++)
			sum = tunx__csum_fold(call(p, len, sum));
		calls += 64;
		t = csum_cpu_now() - t0;
	} while (t < CSUM_SECONDS);
	return (double)len * (double)calls / t;
}

int bench_csum(void)
{
	static const size_t sizes[] = { 1500, 65536 };
	uint8_t *buf = malloc(65536);
	uint64_t x = 0x7475e78c5eedULL;
	double old, word;
	size_t i;
	int k;

	if (!buf)
		return 1;
	for (i = 0; i < 65536; i++) {	/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	printf("checksum (tunx__csum_add), best of %d tries of %.1f s CPU:\n"
	       "%8s %16s %16s %7s\n", CSUM_TRIES, CSUM_SECONDS, "bytes",
	       "two-byte GB/s", "word GB/s", "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];

		if (tunx__csum_fold(tunx__csum_add(buf, len, 0)) !=
		    tunx__csum_fold(csum_two_bytes(buf, len, 0))) {
			fprintf(stderr, "tunx-bench: checksums of %zu bytes "
				"differ\n", len);
			free(buf);
			return 1;
		}
		/* taken in turns, so a burst of load hits both alike */
		for (old = word = 0, k = 0; k < CSUM_TRIES; k++) {
			old = fmax(old, csum_try(csum_two_bytes, buf, len));
			word = fmax(word, csum_try(tunx__csum_add, buf, len));
		}
		printf("%8zu %16.2f %16.2f %6.1fx\n", len, old / 1e9,
		       word / 1e9, word / old);
	}
	free(buf);
	return 0;
}
