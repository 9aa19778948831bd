// SPDX-License-Identifier: GPL-2.0
/*
 * Counting the calls that wait and kick, from the worker threads.  The
 * device's kicks counter (TUNX_IOC_GET_STATS) adds up TUNX_IOC_KICK
 * ioctls and the times poll() looked at the queue and found tx work (a
 * poll() that sleeps looks again when woken), so by itself it cannot
 * tell a writer that kicks from one that spins in poll() (issue 16).
 * libtunx waits in poll() and kicks with ioctl(), from inside tunx_write()
 * and tunx_read(); the benchmark cannot see those calls through the API,
 * so it counts them where they go into libc: this program defines poll()
 * and ioctl(), which the statically linked library's calls resolve to,
 * counts them for threads that asked (bench_calls set) and makes the
 * system call.  Nothing else changes: the same system calls are made.
 */
#undef _FORTIFY_SOURCE	/* poll() must be a plain function here */
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

__thread struct bench_calls *bench_calls;

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts, *tp = NULL;

	if (bench_calls)
		bench_calls->polls++;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tp = &ts;
	}
	return ppoll(fds, n, tp, NULL);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (bench_calls && request == TUNX_IOC_KICK)
		bench_calls->kick_ioctls++;
	return (int)syscall(SYS_ioctl, fd, request, arg);
}
