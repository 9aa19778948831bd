/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_BUSY_H
#define _TUNX_BUSY_H

#include "device.h"
#include "queue.h"
#include "rings.h"

int tunx_busy_check(u32 flags, u32 usecs);
int tunx_busy_device_init(struct tunx_device *td, u32 usecs);
bool tunx_busy_spin(struct tunx_queue *q, struct tunx_device *td,
		    struct tunx_area *area, int done, int budget);

/* Is NAPI polling @q right now, so a stopped rx queue needs no kick? */
static inline bool tunx_busy_polling(struct tunx_device *td,
				     struct tunx_queue *q)
{
	return td->busy_poll_ns && test_bit(TUNX_Q_BUSY, &q->state);
}

#endif /* _TUNX_BUSY_H */
