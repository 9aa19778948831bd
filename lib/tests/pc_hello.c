// SPDX-License-Identifier: LGPL-2.1-or-later
/* Built with nothing but pkg-config and build/lib/libtunx.pc (check-pc). */
#include <stdio.h>
#include <string.h>
#include <tunx/tunx.h>

int main(void)
{
	struct tunx_device *a, *b;

	if (tunx_pipe_open(&a, &b, NULL))
		return 1;
	tunx_close(a);
	tunx_close(b);
	return strcmp(tunx_backend_name(TUNX_BACKEND_PIPE), "pipe") != 0;
}
