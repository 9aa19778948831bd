// SPDX-License-Identifier: GPL-2.0
/*
 * User and group arguments: a name or a number, as `ip tuntap` takes them;
 * "none" clears the setting.  A number is plain decimal digits: strtoul()
 * (and `ip tuntap`'s strtol()) took "+0" and " -0" as root, and "-1" was
 * a "none" no page gave, one sign away from "1".
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "tunxctl.h"

static int parse_id(const char *s, uint32_t *id)
{
	unsigned int v;

	if (!strcmp(s, "none")) {
		*id = TUNX_NO_OWNER;
		return 0;
	}
	/* TUNX_NO_OWNER itself means unset: no id can be it. */
	if (tools_parse_decimal(s, TUNX_NO_OWNER - 1, &v))
		return -ENOENT;
	*id = v;
	return 0;
}

int ctl_parse_user(const char *s, uint32_t *uid)
{
	struct passwd *pw;

	if (!parse_id(s, uid))
		return 0;
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

int ctl_parse_group(const char *s, uint32_t *gid)
{
	struct group *gr;

	if (!parse_id(s, gid))
		return 0;
	gr = getgrnam(s);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}
