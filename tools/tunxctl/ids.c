// SPDX-License-Identifier: GPL-2.0
/* User and group arguments: a name or a number, as `ip tuntap` takes them;
 * "none" or -1 clears the setting. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "tunxctl.h"

static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "none") || !strcmp(s, "-1")) {
		*id = TUNX_NO_OWNER;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '-' || *end || end == s || errno || v >= TUNX_NO_OWNER)
		return -ENOENT;
	*id = (uint32_t)v;
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
