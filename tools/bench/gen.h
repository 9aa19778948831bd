/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rx generators (gen.c): open in the run's namespace before the
 * measured part (a setup failure is the run's error, not a zero figure),
 * start pinned, stop with the run's flag, close to collect what was sent.
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stdatomic.h>
#include <stddef.h>

#include "bench.h"

#define BENCH_GEN_FLOWS	16	/* source ports: every queue gets traffic */

struct bench_generator {
	const struct bench_run *r;
	atomic_bool *stop;
	int fd[BENCH_GEN_FLOWS];	/* udp: one per flow; else fd[0] */
	unsigned int nfd;
	/* packet: the mmap'd TX_RING, frames in block order */
	uint8_t *ring;
	size_t ring_len;
	unsigned int frames, frame_size, per_block, block_size;
	uint64_t sent;		/* taken by the kernel */
	uint64_t refused;	/* packet: send()s that found the device full */
	char error[120];	/* set by the thread: it stopped early */
	pthread_t th;
	bool running;
};

int bench_gen_open(struct bench_generator *g, const struct bench_run *r,
		   atomic_bool *stop, const char *ifname, char *err,
		   size_t len);
void bench_gen_start(struct bench_generator *g, struct bench_result *res);
void bench_gen_close(struct bench_generator *g, struct bench_result *res);
void bench_gen_equal_load(struct bench_result *res);

#endif /* BENCH_GEN_H */
