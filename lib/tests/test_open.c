// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening: config checks, backend choice, the tun fallback and the reasons
 * given (module missing, no device node in a container, EPERM).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/tunx.h>
#include "harness.h"

static void cfg_auto(struct tunx_config *cfg, const char *name)
{
	tunx_config_init(cfg);
	cfg->name = name;
}

static void uninitialised_config_einval(void)
{
	struct tunx_device *dev = (void *)1;
	struct tunx_config cfg;
	struct tunx_diag d;

	memset(&cfg, 0, sizeof(cfg));
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tunx_config_init"));
	CU_ASSERT_EQUAL(tunx_open(&dev, NULL, NULL), -EINVAL);
}

/* The sizeof of tunx.h's first struct tunx_config, ending at tunx_path. */
#define CONFIG_SIZE_0 (offsetof(struct tunx_config, tunx_path) + sizeof(char *))

/*
 * A program built against an older tunx.h passes a smaller struct: what
 * lies beyond its size is not its own and is never read (here an
 * rx_wake_usecs that would be refused); the fields it lacks take their
 * defaults.
 */
static void older_config_size_gets_defaults_for_the_rest(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;
	char name[IFNAMSIZ];

	cfg_auto(&cfg, "txold");
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.rx_wake_usecs = TUNX_RX_WAKE_MAX_USECS + 1;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	cfg.size = CONFIG_SIZE_0;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL(tunx_name(dev, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "txold");
	tunx_close(dev);
	cfg.size = CONFIG_SIZE_0 - 1;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tunx_config_init"));
}

/*
 * One built against a newer tunx.h may pass fields this library does not
 * know: zero (their default) is fine, anything else is refused rather
 * than ignored.  A size no struct has is an uninitialised one.
 */
static void newer_config_unknown_fields_must_be_zero(void)
{
	struct { struct tunx_config c; uint64_t later; } big;
	struct tunx_device *dev = NULL, *b = NULL;
	struct tunx_diag d;

	memset(&big, 0, sizeof(big));
	cfg_auto(&big.c, "txnew");
	big.c.backend = TUNX_BACKEND_TUN;
	big.c.size = sizeof(big);
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &big.c, &d), 0);
	tunx_close(dev);
	big.later = 1;
	CU_ASSERT_EQUAL(tunx_open(&dev, &big.c, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "newer tunx.h"));
	CU_ASSERT_EQUAL(tunx_pipe_open(&dev, &b, &big.c), -EINVAL);
	big.later = 0;
	big.c.size = 1 << 20;
	CU_ASSERT_EQUAL(tunx_open(&dev, &big.c, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tunx_config_init"));
}

static void long_name_and_bad_mtu_einval(void)
{
	struct tunx_device *dev;
	struct tunx_config cfg;
	struct tunx_diag d;

	cfg_auto(&cfg, "a-name-that-is-far-too-long");
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "longer"));
	cfg_auto(&cfg, NULL);
	cfg.mtu = 40;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "MTU"));
	cfg.backend = (enum tunx_backend)42;
	cfg.mtu = 0;
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -EINVAL);
}

static void auto_falls_back_to_tun_and_says_why(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	cfg_auto(&cfg, "txfb");
	cfg.tunx_path = "/nonexistent/tunx";
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL(tunx_backend(dev), TUNX_BACKEND_TUN);
	CU_ASSERT_EQUAL(d.backend, TUNX_BACKEND_TUN);
	CU_ASSERT_EQUAL(d.tunx_err, -ENOENT);
	CU_ASSERT_EQUAL(d.tun_err, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "fell back to /dev/net/tun because"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tunx_backend_reason(dev), "fell back"));
	tunx_close(dev);
}

static void auto_on_host_without_module_says_not_loaded(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	if (!access("/dev/net/tunx", F_OK)) {
		/* module present (the VM): auto must take it */
		cfg_auto(&cfg, "txauto");
		CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
		CU_ASSERT_EQUAL(tunx_backend(dev), TUNX_BACKEND_TUNX);
		tunx_close(dev);
		return;
	}
	cfg_auto(&cfg, "txauto");
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL(tunx_backend(dev), TUNX_BACKEND_TUN);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "module is not loaded"));
	tunx_close(dev);
}

static void explicit_tunx_fails_when_absent(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	cfg_auto(&cfg, NULL);
	cfg.backend = TUNX_BACKEND_TUNX;
	cfg.tunx_path = "/nonexistent/tunx";
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -ENOENT);
	CU_ASSERT_EQUAL(d.tunx_err, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "/nonexistent/tunx"));
}

static void no_node_anywhere_explains_container(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	cfg_auto(&cfg, NULL);
	cfg.tunx_path = "/nonexistent/tunx";
	cfg.tun_path = "/nonexistent/tun";
	CU_ASSERT_EQUAL(tunx_open(&dev, &cfg, &d), -ENOENT);
	CU_ASSERT_EQUAL(d.tun_err, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "container"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tunx:"));
	/* the remedy at the end of tun's explanation is not cut off */
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "mknod /nonexistent/tun c 10 200)"));
}

/* Runs @fn in a child; the child's exit status is the test result. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A container without /dev/net: an empty tmpfs over it. */
static int child_no_dev_net(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/dev/net", "tmpfs", 0, NULL))
		return 2;
	cfg_auto(&cfg, NULL);
	if (tunx_open(&dev, &cfg, &d) != -ENOENT)
		return 3;
	return strstr(d.message, "container") && strstr(d.message, "/dev/net/tun") ? 0 : 4;
}

static void container_without_dev_net(void)
{
	CU_ASSERT_EQUAL(in_child(child_no_dev_net), 0);
}

/* An unprivileged user: /dev/net/tun opens (0666) but TUNSETIFF is EPERM. */
static int child_eperm(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (setgid(65534) || setuid(65534))
		return 2;
	cfg_auto(&cfg, "txperm");
	r = tunx_open(&dev, &cfg, &d);
	if (r != -EPERM || d.tun_err != -EPERM)
		return 3;
	return strstr(d.message, "CAP_NET_ADMIN") && strstr(d.message, "owner") ? 0 : 4;
}

static void eperm_names_cap_net_admin(void)
{
	CU_ASSERT_EQUAL(in_child(child_eperm), 0);
}

/*
 * The owner of a persistent tun device may attach without privileges, but
 * not change its MTU: the open fails after the backend made the device,
 * and must free it once (ASan saw it read after link_finish() freed it).
 */
static int child_owner_mtu(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;
	int r;

	if (setgid(65534) || setuid(65534))
		return 2;
	cfg_auto(&cfg, "txowner");
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.mtu = 1400;
	r = tunx_open(&dev, &cfg, &d);
	if (r != -EPERM || dev)
		return 3;
	return strstr(d.message, "setting it up failed") ? 0 : 4;
}

/* The same through tunx_open_fd(): the caller keeps its fd as it was. */
static int child_owner_mtu_fd(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int fd, r;

	if (setgid(65534) || setuid(65534))
		return 2;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "txowner");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr))
		return 3;
	tunx_config_init(&cfg);
	cfg.mtu = 1400;
	r = tunx_open_fd(&dev, fd, &cfg, NULL);
	if (r != -EPERM || dev)
		return 4;
	if (fcntl(fd, F_GETFL) & O_NONBLOCK)
		return 5;
	return close(fd) ? 6 : 0;
}

static void owner_open_failing_mtu_frees_once(void)
{
	CU_ASSERT_EQUAL_FATAL(tx_sh("ip tuntap add dev txowner mode tun user 65534"), 0);
	CU_ASSERT_EQUAL(in_child(child_owner_mtu), 0);
	CU_ASSERT_EQUAL(in_child(child_owner_mtu_fd), 0);
	CU_ASSERT_EQUAL(tx_sh("ip link del txowner"), 0);
}

/*
 * tun where the node is elsewhere (cfg.tun_path, a container's layout):
 * another queue opens from the same node.  It opened /dev/net/tun.
 */
static int child_queue_from_tun_path(void)
{
	struct tunx_device *dev = NULL, *q = NULL;
	struct tunx_config cfg;
	int r;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/dev/net", "tmpfs", 0, NULL) ||
	    mknod("/dev/net/elsewhere", S_IFCHR | 0666, makedev(10, 200)))
		return 2;
	cfg_auto(&cfg, "txpath%d");
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.tun_path = "/dev/net/elsewhere";
	cfg.queues = 2;
	if (tunx_open(&dev, &cfg, NULL))
		return 3;
	r = tunx_attach_queue(dev, &q);
	if (!r)
		tunx_close(q);
	tunx_close(dev);
	return r ? 4 : 0;
}

static void attach_queue_uses_the_configured_node(void)
{
	CU_ASSERT_EQUAL(in_child(child_queue_from_tun_path), 0);
}

static void explicit_tun_diag_on_success(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;
	struct tunx_diag d;

	cfg_auto(&cfg, "txok%d");
	cfg.backend = TUNX_BACKEND_TUN;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, &d), 0);
	CU_ASSERT_EQUAL(d.backend, TUNX_BACKEND_TUN);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.message, "tun: txok"));
	tunx_close(dev);
}

static void strerror_and_names(void)
{
	CU_ASSERT_STRING_EQUAL(tunx_strerror(-EPERM), "Operation not permitted");
	CU_ASSERT_STRING_EQUAL(tunx_strerror(ESHUTDOWN), "device closed");
	CU_ASSERT_STRING_EQUAL(tunx_strerror(-99999), "unknown error");
	CU_ASSERT_STRING_EQUAL(tunx_backend_name(TUNX_BACKEND_TUNX), "tunx");
	CU_ASSERT_STRING_EQUAL(tunx_backend_name(TUNX_BACKEND_CHANNEL), "channel");
	CU_ASSERT_STRING_EQUAL(tunx_backend_name((enum tunx_backend)77), "unknown");
}

static void persistent_device_survives_close(void)
{
	struct tunx_device *dev = NULL;
	struct tunx_config cfg;

	cfg_auto(&cfg, "txpersist");
	cfg.backend = TUNX_BACKEND_TUN;
	cfg.persist = true;
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	tunx_close(dev);
	CU_ASSERT_EQUAL(tx_sh("ip link show txpersist >/dev/null 2>&1"), 0);
	/* reattach to it, then delete it */
	CU_ASSERT_EQUAL_FATAL(tunx_open(&dev, &cfg, NULL), 0);
	tunx_close(dev);
	CU_ASSERT_EQUAL(tx_sh("ip link del txpersist"), 0);
}

static CU_TestInfo tests[] = {
	{ "uninitialised_config_einval", uninitialised_config_einval },
	{ "older_config_size_gets_defaults_for_the_rest",
	  older_config_size_gets_defaults_for_the_rest },
	{ "newer_config_unknown_fields_must_be_zero",
	  newer_config_unknown_fields_must_be_zero },
	{ "long_name_and_bad_mtu_einval", long_name_and_bad_mtu_einval },
	{ "auto_falls_back_to_tun_and_says_why", auto_falls_back_to_tun_and_says_why },
	{ "auto_on_host_without_module_says_not_loaded", auto_on_host_without_module_says_not_loaded },
	{ "explicit_tunx_fails_when_absent", explicit_tunx_fails_when_absent },
	{ "no_node_anywhere_explains_container", no_node_anywhere_explains_container },
	{ "container_without_dev_net", container_without_dev_net },
	{ "eperm_names_cap_net_admin", eperm_names_cap_net_admin },
	{ "owner_open_failing_mtu_frees_once", owner_open_failing_mtu_frees_once },
	{ "attach_queue_uses_the_configured_node", attach_queue_uses_the_configured_node },
	{ "explicit_tun_diag_on_success", explicit_tun_diag_on_success },
	{ "strerror_and_names", strerror_and_names },
	{ "persistent_device_survives_close", persistent_device_survives_close },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("open", tests, TX_NETNS);
}
