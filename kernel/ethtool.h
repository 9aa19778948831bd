/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TUNX_ETHTOOL_H
#define _TUNX_ETHTOOL_H

#include <linux/ethtool.h>

extern const struct ethtool_ops tunx_ethtool_ops;

#endif /* _TUNX_ETHTOOL_H */
