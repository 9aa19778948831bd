// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared helpers of the libtunx CUnit tests. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include "harness.h"
#include "../internal.h"

/* TUNX_TEST_ONLY=a,b runs only the tests named (targeted VM runs). */
static void only_named(CU_TestInfo *tests)
{
	const char *only = getenv("TUNX_TEST_ONLY");
	CU_TestInfo *in, *out = tests;

	if (!only || !*only)
		return;
	for (in = tests; in->pName; in++)
		if (strstr(only, in->pName))
			*out++ = *in;
	*out = *in;
}

int tx_run(const char *suite, CU_TestInfo *tests, int flags)
{
	CU_SuiteInfo suites[] = {
		{ .pName = suite, .pTests = tests },
		CU_SUITE_INFO_NULL,
	};
	unsigned int failed, run;

	setvbuf(stdout, NULL, _IONBF, 0);
	only_named(tests);
	if (flags & TX_NETNS) {
		if (unshare(CLONE_NEWNET)) {
			fprintf(stderr, "%s: unshare(CLONE_NEWNET): %s: these "
				"tests need root (CAP_SYS_ADMIN, CAP_NET_ADMIN)\n",
				suite, strerror(errno));
			return 1;
		}
		tx_ifup("lo");
	}
	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(suites) != CUE_SUCCESS)
		return 1;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures() ?
		 1 : 0;
	run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (!run) {
		fprintf(stderr, "%s: no test ran\n", suite);
		return 1;
	}
	return failed ? 1 : 0;
}

void tx_skip(CU_TestInfo *tests, const char *name, const char *why)
{
	CU_TestInfo *t = tests;

	while (t->pName && strcmp(t->pName, name))
		t++;
	if (!t->pName)
		return;
	printf("ok 1 %s # SKIP %s\n", name, why);
	do
		t[0] = t[1];
	while ((t++)->pName);
}

enum tunx_backend tx_backend(void)
{
	const char *b = getenv("TUNX_TEST_BACKEND");

	return b && !strcmp(b, "tunx") ? TUNX_BACKEND_TUNX : TUNX_BACKEND_TUN;
}

void tx_batch_init(struct tx_batch *b, unsigned int n, size_t buf_size)
{
	unsigned int i;

	b->n = n;
	b->buf_size = buf_size;
	b->bufs = calloc(n, sizeof(*b->bufs));
	b->sizes = calloc(n, sizeof(*b->sizes));
	for (i = 0; i < n; i++)
		b->bufs[i] = calloc(1, buf_size);
}

void tx_batch_free(struct tx_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		free(b->bufs[i]);
	free(b->bufs);
	free(b->sizes);
}

uint16_t tx_csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t s = proto + (uint32_t)l4len;
	size_t i, off = ip[0] >> 4 == 4 ? 12 : 8, n = ip[0] >> 4 == 4 ? 8 : 32;

	for (i = 0; i < n; i += 2)
		s += (uint32_t)(ip[off + i] << 8 | ip[off + i + 1]);
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t tx_udp4(uint8_t *p, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, const void *payload, size_t len)
{
	size_t total = 28 + len;

	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)total);
	put16(p + 4, 0x1234);
	p[6] = 0x40;	/* DF */
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	put16(p + 10, tx_csum(p, 20, 0));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put16(p + 24, (uint16_t)(8 + len));
	memcpy(p + 28, payload, len);
	put16(p + 26, tx_csum(p + 20, 8 + len, pseudo(p, 17, 8 + len)));
	return total;
}

/* TCP over IPv4 or IPv6 with @len payload bytes (pattern from @seq). */
size_t tx_tcp(uint8_t *p, bool v6, uint32_t seq, uint8_t flags,
		  size_t len, uint16_t sport)
{
	size_t l4 = v6 ? 40 : 20, total = l4 + 20 + len;
	uint32_t sum;
	uint16_t c;

	memset(p, 0, l4 + 20);
	if (v6) {
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(20 + len));
		p[6] = 6;
		p[7] = 64;
		inet_pton(AF_INET6, "fd00::1", p + 8);
		inet_pton(AF_INET6, "fd00::2", p + 24);
	} else {
		p[0] = 0x45;
		put16(p + 2, (uint16_t)total);
		put16(p + 4, 100);
		p[6] = 0x40;
		p[8] = 64;
		p[9] = 6;
		inet_pton(AF_INET, "10.0.0.1", p + 12);
		inet_pton(AF_INET, "10.0.0.2", p + 16);
		put16(p + 10, tx_csum(p, 20, 0));
	}
	put16(p + l4, sport);
	put16(p + l4 + 2, 80);
	put16(p + l4 + 4, (uint16_t)(seq >> 16));
	put16(p + l4 + 6, (uint16_t)seq);
	put16(p + l4 + 10, 777);
	p[l4 + 12] = 5 << 4;
	p[l4 + 13] = flags;
	put16(p + l4 + 14, 512);
	for (size_t i = 0; i < len; i++)
		p[l4 + 20 + i] = (uint8_t)(seq + i);
	sum = (uint32_t)(6 + 20 + len);
	for (size_t i = v6 ? 8 : 12; i < (v6 ? 40u : 20u); i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	c = tx_csum(p + l4, 20 + len, sum);
	put16(p + l4 + 16, c);
	return total;
}

size_t tx_udp6(uint8_t *p, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, const void *payload, size_t len)
{
	memset(p, 0, 48);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(8 + len));
	p[6] = 17;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	put16(p + 40, sport);
	put16(p + 42, dport);
	put16(p + 44, (uint16_t)(8 + len));
	memcpy(p + 48, payload, len);
	put16(p + 46, tx_csum(p + 40, 8 + len, pseudo(p, 17, 8 + len)));
	return 48 + len;
}

bool tx_l4_ok(const uint8_t *p, size_t len)
{
	size_t l4 = p[0] >> 4 == 4 ? (size_t)(p[0] & 0xf) * 4 : 40;
	uint8_t proto = p[0] >> 4 == 4 ? p[9] : p[6];

	if (p[0] >> 4 == 4 && tx_csum(p, l4, 0) != 0)
		return false;
	return tx_csum(p + l4, len - l4, pseudo(p, proto, len - l4)) == 0;
}

int tx_ifup(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!r)
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return r ? -errno : 0;
}

int64_t tx_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tx_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == -1 ? -1 : WEXITSTATUS(r);
}

void tx_wait_entered(struct tunx_device *dev)
{
	tx_wait_users(dev, 1);
}

void tx_wait_users(struct tunx_device *dev, int n)
{
	while (atomic_load(&dev->users) < n)
		usleep(1000);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

int tx_out_of_fds(int (*make)(void *arg), void *arg)
{
	int base = open_fds(), fails = 0, r = -EMFILE, next;
	struct rlimit old, lim;

	if (base < 0 || getrlimit(RLIMIT_NOFILE, &old))
		return -1;
	for (unsigned int extra = 0; extra < 32 && r; extra++) {
		/* Descriptors are numbered up from the lowest free one. */
		next = fcntl(0, F_DUPFD_CLOEXEC, 0);
		if (next < 0)
			return -1;
		close(next);
		lim = old;
		lim.rlim_cur = (rlim_t)next + extra;
		if (setrlimit(RLIMIT_NOFILE, &lim))
			return -1;
		r = make(arg);
		if (setrlimit(RLIMIT_NOFILE, &old))
			return -1;
		if (!r)
			break;
		fails++;
		if (r != -EMFILE || open_fds() != base) {
			fprintf(stderr, "out of fds at +%u: %d, %d descriptors open, "
				"%d before\n", extra, r, open_fds(), base);
			return -1;
		}
	}
	return r ? -1 : fails;
}
