/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_BUSY_H
#define _TUNX_BUSY_H

#include "device.h"
#include "queue.h"
#include "rings.h"

int tunx_busy_check(u32 flags, u32 usecs);
int tunx_busy_device_init(struct tunx_device *td, u32 usecs);
/* First nap of an idle busy-poll queue on a crowded CPU, and the longest. */
#define TUNX_BUSY_NAP_MIN_NS	(50 * NSEC_PER_USEC)
#define TUNX_BUSY_NAP_MAX_NS	(1000 * NSEC_PER_USEC)

enum tunx_busy_verdict {
	TUNX_BUSY_STOP,		/* idle too long: back to NEED_WAKEUP */
	TUNX_BUSY_SPIN,		/* poll again at once */
	TUNX_BUSY_NAP,		/* idle, CPU wanted: poll again after a nap */
};

enum tunx_busy_verdict tunx_busy_spin(struct tunx_queue *q,
				      struct tunx_device *td,
				      struct tunx_area *area, int done,
				      int budget);
void tunx_busy_nap(struct tunx_queue *q, struct tunx_device *td);
void tunx_busy_timer_init(struct tunx_queue *q);

/* Is NAPI polling @q right now, so a stopped rx queue needs no kick? */
static inline bool tunx_busy_polling(struct tunx_device *td,
				     struct tunx_queue *q)
{
	return td->busy_poll_ns && test_bit(TUNX_Q_BUSY, &q->state);
}

#endif /* _TUNX_BUSY_H */
