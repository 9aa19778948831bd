// SPDX-License-Identifier: GPL-2.0
/*
 * tunxctl: the `ip tuntap` of tunx.  Commands parse their own options and
 * share one change description, so `add` and `set` accept the same words.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/options.h"
#include "tunxctl.h"

static const char usage_text[] =
"usage: tunxctl add [NAME] [--owner U] [--group G] [--mtu N] [--queues N]\n"
"                   [--offload] [--busy-poll USECS]\n"
"       tunxctl del NAME\n"
"       tunxctl show [NAME] [--json]\n"
"       tunxctl set NAME [--owner U] [--group G] [--persist on|off] [--mtu N]\n"
"\n"
"Manage persistent tunx devices (the module's /dev/net/tunx), as\n"
"`ip tuntap` does for tun.\n"
"\n"
"  add     create a persistent device; NAME may hold one %d (default\n"
"          tunx%d); prints the name.  --queues N > 1 makes it multi-queue\n"
"          (programs then attach up to 64 queues).  --offload: TSO/USO\n"
"          super-packets and checksum offload through the rings.\n"
"          --busy-poll USECS: the kernel polls the rings until they have\n"
"          been idle that long (0: the default, 1000).  Programs attaching\n"
"          must ask for the same properties.  Like `ip tuntap add`,\n"
"          adding an existing device of the same kind makes it persistent.\n"
"  del     delete a device (RTM_DELLINK, as `ip link del`); programs still\n"
"          attached get ENODEV\n"
"  show    flags, owner, group, MTU, state, attached queues, ring geometry\n"
"          and counters (ethtool -S) of every tunx device, or of NAME;\n"
"          \"-\" marks what this module does not report\n"
"  set     change owner, group (a name, a number, or none), persistence\n"
"          (off: the device goes away once no program holds it) or MTU\n"
"\n"
"  -j, --json   machine-readable output for show\n"
"  -h, --help   this text\n";

struct args {
	const char *cmd, *name;
	bool json;
	struct ctl_change c;
	char given[16];		/* option letters seen, each once */
	const char *typed;	/* the option being parsed, as typed */
};

static const struct option longs[] = {
	{ "json", 0, NULL, 'j' }, { "owner", 1, NULL, 'o' },
	{ "user", 1, NULL, 'o' }, { "group", 1, NULL, 'g' },
	{ "mtu", 1, NULL, 'm' }, { "queues", 1, NULL, 'q' },
	{ "persist", 1, NULL, 'p' }, { "offload", 0, NULL, 'O' },
	{ "busy-poll", 1, NULL, 'b' }, { "help", 0, NULL, 'h' }, { 0 },
};

/* The options each command takes, as letters of longs[]. */
static const struct {
	const char *cmd, *opts;
	bool alias;
} cmd_opts[] = {
	{ "add", "ogmqOb", false }, { "del", "", false },
	{ "delete", "", true }, { "set", "ogpm", false },
	{ "show", "j", false }, { "list", "j", true }, { "help", "", false },
};

static int bad(const struct args *a, const char *val)
{
	fprintf(stderr, "tunxctl: bad value for %s: %s\n", a->typed, val);
	return 2;
}

/*
 * Plain decimal digits from lo to hi, by the rule tunx-tunnel follows:
 * strtoul() took "+1400" and " 2", and " -0" (a space hid the '-') as 0.
 */
static int parse_uint(const char *s, unsigned int lo, unsigned int hi,
		      unsigned int *v)
{
	return tools_parse_decimal(s, hi, v) || *v < lo ? -1 : 0;
}

static int parse_option(struct args *a, int c, const char *v)
{
	struct ctl_change *ch = &a->c;

	switch (c) {
	case 'j': a->json = true; return 0;
	case 'o': ch->has_owner = true;
		return ctl_parse_user(v, &ch->owner) ? bad(a, v) : 0;
	case 'g': ch->has_group = true;
		return ctl_parse_group(v, &ch->group) ? bad(a, v) : 0;
	case 'm': ch->has_mtu = true;
		return parse_uint(v, 68, 65535, &ch->mtu) ? bad(a, v) : 0;
	case 'q':
		return parse_uint(v, 1, TUNX_MAX_QUEUES, &ch->queues) ?
			bad(a, v) : 0;
	case 'O': ch->offload = true; return 0;
	case 'b': ch->busy_poll = true;
		return parse_uint(v, 0, TUNX_BUSY_POLL_MAX_USECS,
				  &ch->busy_poll_usecs) ? bad(a, v) : 0;
	case 'p': ch->has_persist = true;
		ch->persist = !strcmp(v, "on");
		return strcmp(v, "on") && strcmp(v, "off") ? bad(a, v) : 0;
	default: return 2;
	}
}

/* Note option c as given, for takes_options(). */
static void note_given(struct args *a, int c)
{
	size_t n = strlen(a->given);

	if (!strchr(a->given, c) && n + 1 < sizeof(a->given))
		a->given[n] = (char)c;
}

/* "add", "add and set": the commands that take option c, in list[]. */
static const char *commands_taking(int c, char *list, size_t len)
{
	size_t i, n = 0, used = 0;

	list[0] = '\0';
	for (i = 0; i < sizeof(cmd_opts) / sizeof(cmd_opts[0]); i++) {
		if (cmd_opts[i].alias || !strchr(cmd_opts[i].opts, c))
			continue;
		used += (size_t)snprintf(list + used, len - used, "%s%s",
					 n++ ? " and " : "", cmd_opts[i].cmd);
		if (used >= len)
			break;
	}
	return list;
}

/*
 * An option the command does not take is refused rather than ignored:
 * `set vpn0 --queues 4` changed nothing and said nothing.  Unknown
 * commands are main()'s to refuse.  Returns 0 or 2 (usage error).
 */
static int takes_options(const struct args *a)
{
	const char *p, *opts = NULL;
	char list[32];
	size_t i;

	for (i = 0; i < sizeof(cmd_opts) / sizeof(cmd_opts[0]); i++)
		if (!strcmp(a->cmd, cmd_opts[i].cmd))
			opts = cmd_opts[i].opts;
	if (!opts)
		return 0;
	for (p = a->given; *p; p++) {
		if (strchr(opts, *p))
			continue;
		fprintf(stderr, "tunxctl: %s takes no --%s; it is for %s\n",
			a->cmd, tools_option_name(longs, *p),
			commands_taking(*p, list, sizeof(list)));
		return 2;
	}
	return 0;
}

/* Returns 0, 2 (usage error) or -1 (--help). */
static int parse_args(int argc, char **argv, struct args *a)
{
	char typed[32];
	int c, r, idx = -1;

	while ((c = getopt_long(argc, argv, "+jh", longs, &idx)) != -1 ||
	       optind < argc) {
		if (c == -1) {	/* a word: command, then name */
			if (!a->cmd)
				a->cmd = argv[optind];
			else if (!a->name)
				a->name = argv[optind];
			else
				return fprintf(stderr, "tunxctl: unexpected %s\n",
					       argv[optind]), 2;
			optind++;
			continue;
		}
		if (c == 'h')
			return -1;
		/* --user is --owner's other name: say the one typed. */
		snprintf(typed, sizeof(typed), "--%s",
			 idx >= 0 ? longs[idx].name : tools_option_name(longs, c));
		a->typed = typed;
		idx = -1;
		note_given(a, c);
		r = parse_option(a, c, optarg);
		if (r)
			return r;
	}
	if (!a->cmd)
		return fprintf(stderr, "tunxctl: missing command\n"), 2;
	return takes_options(a);
}

/*
 * What the kernel would refuse with a bare EINVAL (or, before it checked,
 * cut to 15 bytes): the rules of dev_valid_name(), said with the limit.
 */
static int check_name(const char *cmd, const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len >= TUNX_NAME_SIZE)
		return fprintf(stderr, "tunxctl: %s: the name %s is %zu characters;"
			       " interface names have at most %d:\n  pick a "
			       "shorter one\n", cmd, name, len,
			       TUNX_NAME_SIZE - 1), 2;
	if (name && (!len || !strcmp(name, ".") || !strcmp(name, "..") ||
		     strpbrk(name, "/: \t\n\v\f\r")))
		return fprintf(stderr, "tunxctl: %s: \"%s\" is not a valid "
			       "interface name (no '/', ':' or spaces; not . or "
			       "..):\n  pick another\n", cmd, name), 2;
	return 0;
}

#define KIND_FLAGS (TUNX_ATTACH_MULTI_QUEUE | TUNX_ATTACH_OFFLOAD | \
		    TUNX_ATTACH_BUSY_POLL | TUNX_ATTACH_TAIL_DROP)

/*
 * add over an existing device: only one of the same kind can be made
 * persistent (the kernel says EINVAL otherwise).  Returns 0 to go on.
 */
static int check_existing(const char *name, const struct ctl_change *c)
{
	struct ctl_dev d = { 0 };
	long want = (c->queues > 1 ? TUNX_ATTACH_MULTI_QUEUE : 0) |
		    (c->offload ? TUNX_ATTACH_OFFLOAD : 0) |
		    (c->busy_poll ? TUNX_ATTACH_BUSY_POLL : 0);

	if (!name || strchr(name, '%') || !if_nametoindex(name))
		return 0;
	if (!ctl_is_tunx(name))
		return ctl_explain("add", name, -ENODEV), 1;
	snprintf(d.name, sizeof(d.name), "%s", name);
	ctl_read_sysfs(&d);
	if (d.flags < 0 || !((d.flags ^ want) & KIND_FLAGS))
		return 0;
	ctl_explain_kind(name, d.flags, want);
	return 1;
}

static void explain_add_busy(const char *name)
{
	struct ctl_dev d = { 0 };

	snprintf(d.name, sizeof(d.name), "%s", name);
	ctl_read_sysfs(&d);
	ctl_explain_busy("add", name, d.flags);
}

static int cmd_add(struct args *a)
{
	char name[TUNX_NAME_SIZE];
	bool existed;
	int fd, r;

	if (check_existing(a->name, &a->c))
		return 1;
	existed = a->name && !strchr(a->name, '%') && if_nametoindex(a->name);
	fd = ctl_open_node();
	if (fd < 0)
		return ctl_explain("open " TUNX_DEVICE_PATH, NULL, fd), 1;
	r = ctl_create(fd, a->name ? a->name : TUNX_DEFAULT_PATTERN, &a->c, name);
	if (r) {
		close(fd);
		if (r == -EBUSY && a->name)	/* it exists and is held */
			return explain_add_busy(a->name), 1;
		return ctl_explain("create", a->name, r), 1;
	}
	r = ctl_apply(fd, &a->c);
	if (!r && a->c.has_mtu)
		r = ctl_link_set_mtu(name, a->c.mtu);
	close(fd);
	if (r) {
		ctl_explain("configure", name, r);
		/* All or nothing: a new device half configured is not kept. */
		if (!existed && !ctl_link_delete(name))
			fprintf(stderr, "  (%s was not kept)\n", name);
		return 1;
	}
	printf("%s\n", name);
	return 0;
}

static int cmd_del(struct args *a)
{
	int r;

	if (!a->name)
		return fprintf(stderr, "tunxctl: del needs a NAME\n"), 2;
	if (ctl_need_module("del", a->name))
		return 1;
	if (!ctl_is_tunx(a->name))
		return ctl_explain("del", a->name, -ENODEV), 1;
	r = ctl_link_delete(a->name);
	if (r)
		return ctl_explain("del", a->name, r), 1;
	return 0;
}

/*
 * Owner, group and persistence change through a queue of the device.  The
 * node is opened apart from the attach, as add does, so a missing
 * /dev/net/tunx is said as such, not taken for a missing device.  Returns
 * 0, or 1 with the cause said.
 */
static int set_through_queue(const char *name, const struct ctl_change *c)
{
	struct ctl_dev d = { 0 };
	int fd = ctl_open_node(), r;

	if (fd < 0)
		return ctl_explain("open " TUNX_DEVICE_PATH, NULL, fd), 1;
	snprintf(d.name, sizeof(d.name), "%s", name);
	ctl_read_sysfs(&d);
	r = ctl_attach_existing(fd, name, d.flags);
	if (r) {
		close(fd);
		if (r == -EBUSY)
			return ctl_explain_busy("set", name, d.flags), 1;
		return ctl_explain("attach to", name, r), 1;
	}
	r = ctl_apply(fd, c);
	close(fd);
	if (r)
		return ctl_explain("set", name, r), 1;
	return 0;
}

static int cmd_set(struct args *a)
{
	struct ctl_change *c = &a->c;
	int r;

	if (!a->name)
		return fprintf(stderr, "tunxctl: set needs a NAME\n"), 2;
	if (!c->has_owner && !c->has_group && !c->has_persist && !c->has_mtu)
		return fprintf(stderr, "tunxctl: set %s: nothing to change: give "
			       "--owner USER, --group GROUP,\n  --persist on|off "
			       "or --mtu N (`tunxctl show %s` shows the current "
			       "values)\n", a->name, a->name), 2;
	if (ctl_need_module("set", a->name))
		return 1;
	if (!ctl_is_tunx(a->name))
		return ctl_explain("set", a->name, -ENODEV), 1;
	/* MTU needs no queue: a busy single-queue device can still change it. */
	if (c->has_mtu) {
		r = ctl_link_set_mtu(a->name, c->mtu);
		if (r)
			return ctl_explain("set", a->name, r), 1;
	}
	if (c->has_owner || c->has_group || c->has_persist)
		return set_through_queue(a->name, c);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	int r = parse_args(argc, argv, &a);

	if (r < 0 || (!r && !strcmp(a.cmd, "help")))
		return fputs(usage_text, stdout), 0;
	if (r)
		return fputs("try 'tunxctl --help'\n", stderr), 2;
	r = check_name(a.cmd, a.name);
	if (r)
		return r;
	if (!strcmp(a.cmd, "add"))
		return cmd_add(&a);
	if (!strcmp(a.cmd, "del") || !strcmp(a.cmd, "delete"))
		return cmd_del(&a);
	if (!strcmp(a.cmd, "set"))
		return cmd_set(&a);
	if (!strcmp(a.cmd, "show") || !strcmp(a.cmd, "list")) {
		/* Nothing listed would read as "no devices": say why. */
		if (ctl_need_module("show", a.name))
			return 1;
		r = ctl_show(a.name, a.json);
		if (r)
			ctl_explain("show", a.name, r);
		return r ? 1 : 0;
	}
	fprintf(stderr, "tunxctl: unknown command %s; try 'tunxctl --help'\n",
		a.cmd);
	return 2;
}
