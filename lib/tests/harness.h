/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the libtunx CUnit tests: one binary per feature. */
#ifndef TUNX_TEST_HARNESS_H
#define TUNX_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include <tunx/tunx.h>

#define TX_NETNS 1	/* run the whole binary in a private network namespace */

/* Registers @tests as one suite, runs it verbosely, 0 if all passed.
 * TUNX_TEST_ONLY="name1,name2" runs only those (tools/vm/run passes
 * TUNX_* variables into the VM). */
int tx_run(const char *suite, CU_TestInfo *tests, int flags);

/*
 * Takes test @name out of @tests (ended by CU_TEST_INFO_NULL) before
 * tx_run(), and reports it skipped as a TAP line ("ok N name # SKIP why")
 * that tools/tap-count counts: CUnit itself has no skip.
 */
void tx_skip(CU_TestInfo *tests, const char *name, const char *why);

/* "tun" or "tunx": the backend device tests use (TUNX_TEST_BACKEND). */
enum tunx_backend tx_backend(void);

/* A batch of buffers for read/write. */
struct tx_batch {
	unsigned int n;
	size_t buf_size;
	uint8_t **bufs;
	size_t *sizes;
};
void tx_batch_init(struct tx_batch *b, unsigned int n, size_t buf_size);
void tx_batch_free(struct tx_batch *b);

/* Builds an IPv4 UDP packet at @p; returns its length. */
size_t tx_udp4(uint8_t *p, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, const void *payload, size_t len);
/* Same for IPv6. */
size_t tx_udp6(uint8_t *p, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, const void *payload, size_t len);
/* TCP over IPv4 (id 100) or IPv6, ack 777, @len payload bytes from @seq;
 * returns its length. */
size_t tx_tcp(uint8_t *p, bool v6, uint32_t seq, uint8_t flags, size_t len,
	      uint16_t sport);
uint16_t tx_csum(const void *p, size_t len, uint32_t sum);
/* True if the IPv4 header checksum and UDP/TCP checksum verify. */
bool tx_l4_ok(const uint8_t *p, size_t len);

/*
 * Waits until another thread is inside a call on @dev, so a test can close
 * the device under it without racing the call's start (which the API
 * forbids).
 */
void tx_wait_entered(struct tunx_device *dev);
/* Same, until @n threads are inside calls on @dev. */
void tx_wait_users(struct tunx_device *dev, int n);

/* Bring an interface up, lo included. */
int tx_ifup(const char *name);
/* Milliseconds of monotonic time. */
int64_t tx_ms(void);
/* Runs a shell command, returns its exit status. */
int tx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Out of descriptors at each step in turn: calls @make(@arg) with room for
 * 0, 1, 2... more descriptors (at most 32) until it returns 0.  Each
 * failure must be -EMFILE and leave the process's descriptors as they
 * were.  Returns the failures seen (what @make succeeded on is its to
 * free), or -1 when an expectation failed or it never succeeded.
 */
int tx_out_of_fds(int (*make)(void *arg), void *arg);

#endif
