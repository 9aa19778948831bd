// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers on the tools' command lines: digits only.  strtoul() also takes
 * leading spaces, a '+' and a '-' (which wraps, so "-0" was 0 and " -0"
 * passed a check for a leading '-'), so "-m +1500", "/ 24", "PORT -0" or
 * "--owner ' -0'" (root) passed for numbers a user meant otherwise or did
 * not mean at all.
 */
#include <errno.h>
#include <stdint.h>

#include "decimal.h"

int tools_parse_decimal(const char *s, unsigned int max, unsigned int *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* At most max * 10 + 9 before the check: no wrap in 64 bits. */
		x = x * 10 + (unsigned int)(*s - '0');
		if (x > max)
			return -EINVAL;
	}
	*v = (unsigned int)x;
	return 0;
}
