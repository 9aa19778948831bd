// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct tunx_config across library versions.  The caller allocates it
 * with the sizeof of the tunx.h it was built against and says so in
 * @size: a program built against an older libtunx, run with this one,
 * passes a smaller struct whose missing fields take their defaults; one
 * built against a newer libtunx may pass fields this one does not know,
 * which must be zero (left at their defaults) or they would be ignored.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

/* The first published layout ended with tunx_path. */
#define TUNX_CONFIG_SIZE_0 (offsetof(struct tunx_config, tunx_path) + \
			    sizeof(((struct tunx_config *)0)->tunx_path))
/* Any larger size is a struct that was never initialised. */
#define TUNX_CONFIG_SIZE_MAX 4096

void tunx_config_init(struct tunx_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->backend = TUNX_BACKEND_AUTO;
	cfg->offload = true;
	cfg->owner = cfg->group = -1;
}

static bool zero_beyond(const struct tunx_config *cfg, size_t from)
{
	const unsigned char *p = (const unsigned char *)cfg;
	size_t i;

	for (i = from; i < cfg->size; i++)
		if (p[i])
			return false;
	return true;
}

int tunx__config_take(struct tunx_config *out, const struct tunx_config *cfg,
		      char *why, size_t len)
{
	tunx_config_init(out);
	if (!cfg)
		return 0;
	if (cfg->size < TUNX_CONFIG_SIZE_0 ||
	    cfg->size > TUNX_CONFIG_SIZE_MAX) {
		snprintf(why, len,
			 "config not initialised with tunx_config_init()");
		return -EINVAL;
	}
	if (cfg->size > sizeof(*out) && !zero_beyond(cfg, sizeof(*out))) {
		snprintf(why, len, "config sets fields this libtunx does not "
			 "know (built against a newer tunx.h): install the "
			 "libtunx it was built with");
		return -EINVAL;
	}
	memcpy(out, cfg, cfg->size < sizeof(*out) ? cfg->size : sizeof(*out));
	out->size = sizeof(*out);
	return 0;
}
