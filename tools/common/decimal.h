/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tools share for their command lines: tunxctl, tunx-tunnel and
 * tunx-bench judge numbers by one rule, so a value one refuses the others
 * refuse too.
 */
#ifndef TOOLS_DECIMAL_H
#define TOOLS_DECIMAL_H

/* s as plain decimal digits, at most max: 0 with *v set, or -EINVAL. */
int tools_parse_decimal(const char *s, unsigned int max, unsigned int *v);

#endif /* TOOLS_DECIMAL_H */
