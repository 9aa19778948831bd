// SPDX-License-Identifier: LGPL-2.1-or-later
/* Small helpers: level-style eventfds and a monotonic clock. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "internal.h"

int tunx__efd_new(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

/* Readable from now on (until cleared).  Writing never blocks: the counter
 * cannot overflow with one increment per state change. */
void tunx__efd_set(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* EAGAIN: already far above zero, still readable */
}

void tunx__efd_clear(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;	/* EAGAIN: was not set */
}

int64_t tunx__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
