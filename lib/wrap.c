// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Wrappers present the inner device's shape (batch, offsets, name, link)
 * and forward shutdown to it, so closing the outermost device is enough.
 */
#include <string.h>
#include "wrap.h"

int tunx__wrap_init(struct tunx_device *w, const struct tunx_device_ops *ops,
		    struct tunx_device *inner)
{
	int r = tunx__dev_init(w, ops, TUNX_BACKEND_WRAPPER, NULL);

	if (r)
		return r;
	w->inner = inner;
	w->batch = inner->batch;
	w->mro = inner->mro;
	w->mwo = inner->mwo;
	w->mtu = tunx__mtu_load(inner);
	w->ifindex = inner->ifindex;
	w->nonblock = inner->nonblock;
	/* Waiting the inner device's way (spinning needs ops->ready). */
	w->pollout = inner->pollout;
	w->out_efd = inner->out_efd;
	w->busy_ns = inner->busy_ns;
	memcpy(w->name, inner->name, sizeof(w->name));
	memcpy(w->reason, inner->reason, sizeof(w->reason));
	return 0;
}

void tunx__wrap_shutdown(struct tunx_device *w)
{
	tunx_shutdown(w->inner);
}

void tunx__wrap_fini(struct tunx_device *w)
{
	tunx_close(w->inner);
	tunx__dev_free(w);
}
