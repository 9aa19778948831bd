// SPDX-License-Identifier: LGPL-2.1-or-later
/* Link configuration through libnl: up/down, MTU, addresses, routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

static struct tunx_device *dev;

static void open_tun(const char *name)
{
	struct tunx_config cfg;

	tunx_config_init(&cfg);
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.name = name;
	CU_ASSERT_FATAL(tunx_open(&dev, &cfg, NULL) == 0);
}

static void up_and_down(void)
{
	open_tun("nlud");
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), 0);
	CU_ASSERT_EQUAL(tx_sh("ip -o link show nlud | grep -q '[<,]UP[,>]'"), 0);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, false), 0);
	CU_ASSERT_NOT_EQUAL(tx_sh("ip -o link show nlud | grep -q '[<,]UP[,>]'"), 0);
	tunx_close(dev);
}

static void mtu_set_and_read(void)
{
	open_tun("nlmtu");
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1420), 0);
	CU_ASSERT_EQUAL(tunx_mtu(dev), 1420);
	CU_ASSERT_EQUAL(tx_sh("ip -o link show nlmtu | grep -q 'mtu 1420'"), 0);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 10), -EINVAL);
	tunx_close(dev);
}

/* In a child as nobody: 0 when the calls return what @expect says. */
static int unprivileged_link_calls(void)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	if (tunx_link_set_mtu(dev, 1420))
		return 1;	/* already 1420: nothing to ask the kernel */
	if (tunx_link_set_up(dev, true))
		return 2;	/* already up */
	if (tunx_link_set_mtu(dev, 1400) != -EPERM)
		return 3;	/* a real change still needs CAP_NET_ADMIN */
	return 0;
}

/*
 * A program handed a prepared device (tunx-tunnel as its owner) sets the
 * MTU and up state it wants; when they are already so, that must not
 * need privilege.
 */
static void unchanged_link_needs_no_privilege(void)
{
	int status = -1;
	pid_t pid;

	open_tun("nlsame");
	CU_ASSERT_EQUAL_FATAL(tunx_link_set_mtu(dev, 1420), 0);
	CU_ASSERT_EQUAL_FATAL(tunx_link_set_up(dev, true), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid)
		_exit(unprivileged_link_calls());
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	tunx_close(dev);
}

static void ipv4_address_add_del(void)
{
	uint8_t a[4] = { 10, 20, 0, 1 };

	open_tun("nla4");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, a, 24), 0);
	CU_ASSERT_EQUAL(tx_sh("ip -4 addr show dev nla4 | grep -q 10.20.0.1/24"), 0);
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, a, 24), -EEXIST);
	CU_ASSERT_EQUAL(tunx_link_del_addr(dev, AF_INET, a, 24), 0);
	CU_ASSERT_NOT_EQUAL(tx_sh("ip -4 addr show dev nla4 | grep -q 10.20.0.1"), 0);
	tunx_close(dev);
}

static void ipv6_address_add(void)
{
	uint8_t a[16];

	inet_pton(AF_INET6, "fd00:20::1", a);
	open_tun("nla6");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET6, a, 64), 0);
	CU_ASSERT_EQUAL(tx_sh("ip -6 addr show dev nla6 | grep -q fd00:20::1/64"), 0);
	tunx_close(dev);
}

static void bad_family_or_prefix(void)
{
	uint8_t a[16] = { 10 };
	char msg[128];

	open_tun("nlbad");
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, a, 33), -EINVAL);
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, 12345, a, 8), -EINVAL);
	CU_ASSERT_EQUAL(tunx_link_add_route(dev, AF_INET6, a, 129, NULL), -EINVAL);
	CU_ASSERT(tunx_errmsg(dev, msg, sizeof(msg)) > 0);
	tunx_close(dev);
}

static void route_on_link_add_del(void)
{
	uint8_t dst[4] = { 10, 30, 0, 0 };

	open_tun("nlrt");
	tunx_link_set_up(dev, true);
	CU_ASSERT_EQUAL(tunx_link_add_route(dev, AF_INET, dst, 16, NULL), 0);
	CU_ASSERT_EQUAL(tx_sh("ip route show 10.30.0.0/16 | grep -q 'dev nlrt'"), 0);
	CU_ASSERT_EQUAL(tunx_link_add_route(dev, AF_INET, dst, 16, NULL), -EEXIST);
	CU_ASSERT_EQUAL(tunx_link_del_route(dev, AF_INET, dst, 16), 0);
	CU_ASSERT_NOT_EQUAL(tx_sh("ip route show 10.30.0.0/16 | grep -q nlrt"), 0);
	tunx_close(dev);
}

static void route_via_gateway(void)
{
	uint8_t a[4] = { 10, 40, 0, 1 }, gw[4] = { 10, 40, 0, 2 };
	uint8_t dst[4] = { 172, 16, 0, 0 };

	open_tun("nlgw");
	tunx_link_add_addr(dev, AF_INET, a, 24);
	tunx_link_set_up(dev, true);
	CU_ASSERT_EQUAL(tunx_link_add_route(dev, AF_INET, dst, 12, gw), 0);
	CU_ASSERT_EQUAL(tx_sh("ip route show 172.16.0.0/12 | grep -q 'via 10.40.0.2 dev nlgw'"), 0);
	tunx_close(dev);
}

static void ipv6_route(void)
{
	uint8_t dst[16];

	inet_pton(AF_INET6, "fd00:99::", dst);
	open_tun("nlrt6");
	tunx_link_set_up(dev, true);
	CU_ASSERT_EQUAL(tunx_link_add_route(dev, AF_INET6, dst, 48, NULL), 0);
	CU_ASSERT_EQUAL(tx_sh("ip -6 route show fd00:99::/48 | grep -q 'dev nlrt6'"), 0);
	tunx_close(dev);
}

static void deleted_link_enodev(void)
{
	uint8_t a[4] = { 10, 50, 0, 1 };

	char name[IFNAMSIZ];

	open_tun("nlgone");
	CU_ASSERT_EQUAL(tx_sh("ip link del nlgone"), 0);
	CU_ASSERT_EQUAL(tunx_link_add_addr(dev, AF_INET, a, 24), -ENODEV);
	CU_ASSERT_EQUAL(tunx_link_set_up(dev, true), -ENODEV);
	CU_ASSERT_EQUAL(tunx_link_set_mtu(dev, 1400), -ENODEV);
	CU_ASSERT_EQUAL(tunx_mtu(dev), -ENODEV);
	CU_ASSERT_EQUAL(tunx_name(dev, name, sizeof(name)), -ENODEV);
	tunx_close(dev);
}

/* The name and the MTU are the link's as they are now, whoever changed
 * them: no event needs to be read first. */
static void name_and_mtu_follow_outside_changes(void)
{
	char name[IFNAMSIZ];

	open_tun("nlold");
	CU_ASSERT_EQUAL(tx_sh("ip link set nlold name nlnew mtu 1280"), 0);
	CU_ASSERT_EQUAL(tunx_name(dev, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "nlnew");
	CU_ASSERT_EQUAL(tunx_mtu(dev), 1280);
	tunx_close(dev);
}

static CU_TestInfo tests[] = {
	{ "up_and_down", up_and_down },
	{ "mtu_set_and_read", mtu_set_and_read },
	{ "unchanged_link_needs_no_privilege",
	  unchanged_link_needs_no_privilege },
	{ "ipv4_address_add_del", ipv4_address_add_del },
	{ "ipv6_address_add", ipv6_address_add },
	{ "bad_family_or_prefix", bad_family_or_prefix },
	{ "route_on_link_add_del", route_on_link_add_del },
	{ "route_via_gateway", route_via_gateway },
	{ "ipv6_route", ipv6_route },
	{ "deleted_link_enodev", deleted_link_enodev },
	{ "name_and_mtu_follow_outside_changes", name_and_mtu_follow_outside_changes },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("netlink", tests, TX_NETNS);
}
