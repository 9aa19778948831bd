/* SPDX-License-Identifier: GPL-2.0 */
/*
 * getopt_long() tables the tools share a helper for: messages name an
 * option by its long name, whether it was typed short or long.
 */
#ifndef TOOLS_OPTIONS_H
#define TOOLS_OPTIONS_H

#include <getopt.h>

/* The long name of the option whose val is c in longs, or "?". */
const char *tools_option_name(const struct option *longs, int c);

#endif /* TOOLS_OPTIONS_H */
