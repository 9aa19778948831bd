// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of a tunx device (tunx_flags, owner, group, tunx_queues,
 * tunx_rings): what tunxctl shows without attaching a queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

/* Read /sys/class/net/DEV/ATTR into buf; -errno on failure. */
static int read_attr(const char *dev, const char *attr, char *buf, size_t cap)
{
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

/*
 * /sys/class/net lists the devices of the namespace that mounted sysfs, so
 * the test's own namespace needs its own sysfs mount (in its own mount
 * namespace, so the VM's /sys stays as it was).
 */
static int sysfs_for_this_netns(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL))
		return -errno;
	return 0;
}

FIXTURE(sysfs) {
	int fd;
};

FIXTURE_SETUP(sysfs)
{
	int ret;

	self->fd = -1;
	ret = st_fixture_enter(NULL, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, sysfs_for_this_netns());
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sysfs)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(sysfs, flags_show_device_properties)
{
	char buf[64];

	ASSERT_EQ(0, st_attach(self->fd, "sy0", TUNX_ATTACH_MULTI_QUEUE |
				 TUNX_ATTACH_TAIL_DROP, NULL));
	ASSERT_EQ(0, read_attr("sy0", "tunx_flags", buf, sizeof(buf)));
	EXPECT_STREQ("0xa\n", buf);
}

TEST_F(sysfs, owner_group_unset_minus_one_then_set)
{
	char buf[64];

	ASSERT_EQ(0, st_attach(self->fd, "sy0", 0, NULL));
	ASSERT_EQ(0, read_attr("sy0", "owner", buf, sizeof(buf)));
	EXPECT_STREQ("-1\n", buf);
	ASSERT_EQ(0, read_attr("sy0", "group", buf, sizeof(buf)));
	EXPECT_STREQ("-1\n", buf);
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_OWNER, 1234));
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_GROUP, 4321));
	ASSERT_EQ(0, read_attr("sy0", "owner", buf, sizeof(buf)));
	EXPECT_STREQ("1234\n", buf);
	ASSERT_EQ(0, read_attr("sy0", "group", buf, sizeof(buf)));
	EXPECT_STREQ("4321\n", buf);
}

TEST_F(sysfs, queues_and_rings_follow_attach_and_setup)
{
	int fd2 = st_open();
	char buf[256];

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "sy0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	ASSERT_EQ(0, read_attr("sy0", "tunx_rings", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);	/* attached, no rings yet */
	ASSERT_EQ(0, st_attach(fd2, "sy0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	ASSERT_EQ(0, read_attr("sy0", "tunx_queues", buf, sizeof(buf)));
	EXPECT_STREQ("2\n", buf);
	/* queue, rx entries, tx entries, area size (rounded up) */
	ASSERT_EQ(0, st_setup_rings(fd2, 64, 32, 100000, NULL));
	ASSERT_EQ(0, read_attr("sy0", "tunx_rings", buf, sizeof(buf)));
	EXPECT_STREQ("1 64 32 131072\n", buf);
	close(fd2);
	ASSERT_EQ(0, read_attr("sy0", "tunx_queues", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_EQ(0, read_attr("sy0", "tunx_rings", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

TEST_F(sysfs, attributes_go_with_the_device)
{
	char buf[64];

	ASSERT_EQ(0, st_attach(self->fd, "sy0", 0, NULL));
	ASSERT_EQ(0, read_attr("sy0", "tunx_queues", buf, sizeof(buf)));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-ENOENT, read_attr("sy0", "tunx_queues", buf, sizeof(buf)));
}

TEST_HARNESS_MAIN
