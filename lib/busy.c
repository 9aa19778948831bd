// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Busy polling: before sleeping in poll(), spin on the backend's shared
 * memory for a while.  With a kernel that polls its side too (tunx
 * TUNX_ATTACH_BUSY_POLL), a process that keeps traffic flowing then makes
 * no syscall at all: poll() would be one, and would count as a kick.
 */
#include "internal.h"

/* Tells the core it spins (power, and the sibling hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Reading the clock costs more than a ring check: every 64 spins. */
#define SPINS_PER_CLOCK 64

int tunx__spin(struct tunx_device *dev, short events)
{
	int64_t end = 0, now;
	unsigned int i;

	for (i = 0;; i++) {
		if (dev->ops->ready(dev, events))
			return 1;
		if (atomic_load_explicit(&dev->closed, memory_order_relaxed))
			return -ESHUTDOWN;
		if (!(i % SPINS_PER_CLOCK)) {
			now = tunx__now_ns();
			if (!end)
				end = now + dev->busy_ns;
			else if (now >= end)
				return 0;
		}
		cpu_relax();
	}
}
