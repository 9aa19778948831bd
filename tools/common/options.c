// SPDX-License-Identifier: GPL-2.0
/* Long option names for the tools' messages (options.h). */
#include "options.h"

const char *tools_option_name(const struct option *longs, int c)
{
	const struct option *o;

	for (o = longs; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}
