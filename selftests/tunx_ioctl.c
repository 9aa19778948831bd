// SPDX-License-Identifier: GPL-2.0
/*
 * tunx ioctls: every command, its size word, flags, reserved fields, names,
 * and who may create or attach (non-root, dropped CAP_NET_ADMIN, user
 * namespaces).  Every test runs in a network namespace of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

#define NOBODY		65534
#define OTHER_UID	65533
#define OTHER_GID	65533
#define CHILD_SKIP	200

FIXTURE(ioctl) {
	int fd;
};

FIXTURE_SETUP(ioctl)
{
	int ret;

	self->fd = -1;
	ret = st_fixture_enter(NULL, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ioctl)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int attach_raw(int fd, struct tunx_attach *a)
{
	return ioctl(fd, TUNX_IOC_ATTACH, a) ? -errno : 0;
}

static int attach_name(int fd, const char *name)
{
	struct tunx_attach a = { .size = sizeof(a) };

	memcpy(a.name, name, strnlen(name, sizeof(a.name)));
	return attach_raw(fd, &a);
}

/* Create a persistent device and close its file: nobody is attached. */
static int make_persistent(const char *name)
{
	int fd = st_open();
	int ret;

	if (fd < 0)
		return fd;
	ret = st_attach(fd, name, TUNX_ATTACH_PERSIST, NULL);
	close(fd);
	return ret;
}

static int set_on_device(const char *name, unsigned long req, __u32 val)
{
	int fd = st_open();
	int ret;

	if (fd < 0)
		return fd;
	ret = st_attach(fd, name, TUNX_ATTACH_NO_CREATE, NULL);
	if (!ret)
		ret = st_ioctl_u32(fd, req, val);
	close(fd);
	return ret;
}

/* Run fn in a child with the given ids; returns fn's exit code. */
static int run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(255);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Child body: errno of attaching to (or creating) arg, 0 on success. */
static int child_attach(void *arg)
{
	int fd = st_open();

	if (fd < 0)
		return -fd;
	return -st_attach(fd, arg, 0, NULL);
}

static int child_attach_existing(void *arg)
{
	int fd = st_open();

	if (fd < 0)
		return -fd;
	return -st_attach(fd, arg, TUNX_ATTACH_NO_CREATE, NULL);
}

/* ---- the unattached file ---- */

TEST_F(ioctl, info_unattached_reports_abi_only)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(TUNX_ABI_VERSION, info.abi_version);
	EXPECT_EQ(TUNX_MAX_QUEUES, info.max_queues);
	EXPECT_TRUE(info.features & TUNX_FEAT_NEED_WAKEUP);
	EXPECT_TRUE(info.features & TUNX_FEAT_OFFLOAD);
	EXPECT_TRUE(info.features & TUNX_FEAT_RX_WAKE);
	EXPECT_TRUE(info.features & TUNX_FEAT_SEG_SUMS);
	EXPECT_EQ(0, info.features & ~(TUNX_FEAT_MULTI_QUEUE |
				       TUNX_FEAT_OFFLOAD |
				       TUNX_FEAT_TAIL_DROP |
				       TUNX_FEAT_NEED_WAKEUP |
				       TUNX_FEAT_BUSY_POLL |
				       TUNX_FEAT_RX_WAKE |
				       TUNX_FEAT_TX_WAKE |
				       TUNX_FEAT_SEG_SUMS));
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.name[0]);
	EXPECT_EQ(0, info.ifindex);
	EXPECT_EQ(0, info.num_queues);
	EXPECT_EQ(0, info.mtu);
	EXPECT_EQ(0, info.rx_entries);
	EXPECT_EQ(0, info.area_size);
	EXPECT_EQ(0, info.max_packet);
	EXPECT_EQ(0, info.mmap_size);
}

TEST_F(ioctl, info_size_zero_einval)
{
	struct tunx_info info = { .size = 0 };

	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(ioctl, info_size_short_einval)
{
	struct tunx_info info = { .size = offsetof(struct tunx_info, features) };

	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(ioctl, info_size_larger_zero_tail_ok)
{
	struct { struct tunx_info info; __u8 tail[64]; } big = {};

	big.info.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, TUNX_IOC_GET_INFO, &big));
	EXPECT_EQ(TUNX_ABI_VERSION, big.info.abi_version);
}

TEST_F(ioctl, info_size_larger_nonzero_tail_e2big)
{
	struct { struct tunx_info info; __u8 tail[64]; } big = {};

	big.info.size = sizeof(big);
	big.tail[63] = 1;
	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_GET_INFO, &big));
	ASSERT_EQ(E2BIG, errno);
}

TEST_F(ioctl, stats_unattached_ebadfd)
{
	struct tunx_stats st;

	ASSERT_EQ(-EBADFD, st_get_stats(self->fd, &st));
}

TEST_F(ioctl, kick_unattached_ebadfd)
{
	ASSERT_EQ(-EBADFD, st_kick(self->fd));
}

TEST_F(ioctl, setup_rings_unattached_ebadfd)
{
	ASSERT_EQ(-EBADFD, st_setup_rings(self->fd, 0, 0, 0, NULL));
}

TEST_F(ioctl, detach_unattached_ebadfd)
{
	ASSERT_EQ(-EBADFD, st_detach(self->fd));
}

TEST_F(ioctl, owner_group_persist_unattached_ebadfd)
{
	EXPECT_EQ(-EBADFD, st_ioctl_u32(self->fd, TUNX_IOC_SET_OWNER, 0));
	EXPECT_EQ(-EBADFD, st_ioctl_u32(self->fd, TUNX_IOC_SET_GROUP, 0));
	EXPECT_EQ(-EBADFD, st_ioctl_u32(self->fd, TUNX_IOC_SET_PERSIST, 1));
}

TEST_F(ioctl, unknown_ioctl_enotty)
{
	ASSERT_EQ(-1, ioctl(self->fd, _IO(TUNX_IOC_MAGIC, 0x7f)));
	ASSERT_EQ(ENOTTY, errno);
}

/* ---- attach: names ---- */

TEST_F(ioctl, attach_empty_name_uses_default_pattern)
{
	struct tunx_attach a;

	ASSERT_EQ(0, st_attach(self->fd, "", 0, &a));
	ASSERT_EQ(0, strncmp(a.name, "tunx", 4));
	ASSERT_TRUE(a.name[4] >= '0' && a.name[4] <= '9');
	ASSERT_NE(0, a.ifindex);
	ASSERT_EQ(st_if_index(a.name), a.ifindex);
	ASSERT_EQ(0, a.queue_index);
}

TEST_F(ioctl, attach_pattern_two_files_get_next_numbers)
{
	struct tunx_attach a, b;
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tt%d", 0, &a));
	ASSERT_EQ(0, st_attach(fd2, "tt%d", 0, &b));
	EXPECT_STREQ("tt0", a.name);
	EXPECT_STREQ("tt1", b.name);
	EXPECT_NE(a.ifindex, b.ifindex);
	close(fd2);
}

TEST_F(ioctl, attach_explicit_name_creates_link)
{
	struct tunx_attach a;

	ASSERT_EQ(0, st_if_index("tx-named"));
	ASSERT_EQ(0, st_attach(self->fd, "tx-named", 0, &a));
	ASSERT_STREQ("tx-named", a.name);
	ASSERT_EQ(st_if_index("tx-named"), a.ifindex);
}

TEST_F(ioctl, attach_name_unterminated_einval)
{
	struct tunx_attach a = { .size = sizeof(a) };

	memset(a.name, 'a', sizeof(a.name));
	ASSERT_EQ(-EINVAL, attach_raw(self->fd, &a));
}

TEST_F(ioctl, attach_name_with_slash_einval)
{
	ASSERT_EQ(-EINVAL, attach_name(self->fd, "a/b"));
}

TEST_F(ioctl, attach_name_with_colon_or_space_einval)
{
	EXPECT_EQ(-EINVAL, attach_name(self->fd, "a:b"));
	EXPECT_EQ(-EINVAL, attach_name(self->fd, "a b"));
}

TEST_F(ioctl, attach_name_dot_dotdot_einval)
{
	EXPECT_EQ(-EINVAL, attach_name(self->fd, "."));
	EXPECT_EQ(-EINVAL, attach_name(self->fd, ".."));
}

TEST_F(ioctl, attach_bad_patterns_einval)
{
	EXPECT_EQ(-EINVAL, attach_name(self->fd, "a%d%d"));
	EXPECT_EQ(-EINVAL, attach_name(self->fd, "a%s"));
}

TEST_F(ioctl, attach_other_kind_lo_einval)
{
	ASSERT_EQ(-EINVAL, attach_name(self->fd, "lo"));
}

/* ---- attach: size, flags, reserved ---- */

TEST_F(ioctl, attach_size_short_einval)
{
	struct tunx_attach a = { .size = offsetof(struct tunx_attach, name) };

	ASSERT_EQ(-EINVAL, attach_raw(self->fd, &a));
	a.size = 0;
	ASSERT_EQ(-EINVAL, attach_raw(self->fd, &a));
}

TEST_F(ioctl, attach_size_larger_zero_tail_ok)
{
	struct { struct tunx_attach a; __u8 tail[32]; } big = {};

	big.a.size = sizeof(big);
	strcpy(big.a.name, "tx-big");
	ASSERT_EQ(0, ioctl(self->fd, TUNX_IOC_ATTACH, &big));
	ASSERT_EQ(st_if_index("tx-big"), big.a.ifindex);
}

TEST_F(ioctl, attach_size_larger_nonzero_tail_e2big)
{
	struct { struct tunx_attach a; __u8 tail[32]; } big = {};

	big.a.size = sizeof(big);
	big.tail[0] = 0xff;
	strcpy(big.a.name, "tx-big");
	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_ATTACH, &big));
	ASSERT_EQ(E2BIG, errno);
	ASSERT_EQ(0, st_if_index("tx-big"));
}

TEST_F(ioctl, attach_unknown_flags_einval)
{
	/* The lowest bit the header does not define. */
	EXPECT_EQ(-EINVAL, st_attach(self->fd, "tx0",
				     1U << __builtin_ctz(~TUNX_ATTACH_ALL),
				       NULL));
	EXPECT_EQ(-EINVAL, st_attach(self->fd, "tx0", 1U << 31, NULL));
	EXPECT_EQ(-EINVAL, st_attach(self->fd, "tx0", ~TUNX_ATTACH_ALL, NULL));
	EXPECT_EQ(0, st_if_index("tx0"));
}

TEST_F(ioctl, attach_reserved_nonzero_einval)
{
	struct tunx_attach a0;
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(a0.reserved); i++) {
		struct tunx_attach a = { .size = sizeof(a) };

		strcpy(a.name, "tx0");
		a.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, attach_raw(self->fd, &a));
	}
	EXPECT_EQ(0, st_if_index("tx0"));
}

/* ---- attach: existing devices ---- */

TEST_F(ioctl, attach_twice_ebusy)
{
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(-EBUSY, st_attach(self->fd, "tx1", 0, NULL));
	ASSERT_EQ(0, st_if_index("tx1"));
}

TEST_F(ioctl, attach_single_queue_second_file_ebusy)
{
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(-EBUSY, st_attach(fd2, "tx0", 0, NULL));
	close(fd2);
}

TEST_F(ioctl, attach_no_create_absent_enodev)
{
	ASSERT_EQ(-ENODEV, st_attach(self->fd, "tx0", TUNX_ATTACH_NO_CREATE,
				     NULL));
	ASSERT_EQ(0, st_if_index("tx0"));
}

TEST_F(ioctl, attach_no_create_persistent_ok)
{
	struct tunx_attach a;

	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_NO_CREATE, &a));
	ASSERT_EQ(st_if_index("tx0"), a.ifindex);
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_PERSIST, 0));
}

TEST_F(ioctl, attach_excl_present_ebusy)
{
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_MULTI_QUEUE,
			       NULL));
	ASSERT_EQ(-EBUSY, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE |
				      TUNX_ATTACH_EXCL, NULL));
	ASSERT_EQ(0, st_attach(fd2, "tx1", TUNX_ATTACH_EXCL, NULL));
	close(fd2);
}

TEST_F(ioctl, attach_multi_queue_two_files_get_queue_indices)
{
	struct tunx_attach a, b;
	struct tunx_info info;
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_MULTI_QUEUE, &a));
	ASSERT_EQ(0, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE, &b));
	EXPECT_EQ(a.ifindex, b.ifindex);
	EXPECT_NE(a.queue_index, b.queue_index);
	EXPECT_GT(TUNX_MAX_QUEUES, a.queue_index);
	EXPECT_GT(TUNX_MAX_QUEUES, b.queue_index);
	ASSERT_EQ(0, st_get_info(fd2, &info));
	EXPECT_EQ(2, info.num_queues);
	EXPECT_EQ(b.queue_index, info.queue_index);
	close(fd2);
}

/* max_queues on an attached file is what the device allows. */
TEST_F(ioctl, info_max_queues_follow_the_device)
{
	struct tunx_info info;
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(1, info.max_queues);
	ASSERT_EQ(0, st_attach(fd2, "tx1", TUNX_ATTACH_MULTI_QUEUE, NULL));
	ASSERT_EQ(0, st_get_info(fd2, &info));
	EXPECT_EQ(TUNX_MAX_QUEUES, info.max_queues);
	close(fd2);
}

TEST_F(ioctl, attach_multi_queue_full_ebusy)
{
	int fds[TUNX_MAX_QUEUES];
	int i, extra;

	for (i = 0; i < TUNX_MAX_QUEUES; i++) {
		fds[i] = st_open();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, st_attach(fds[i], "tx0",
				       TUNX_ATTACH_MULTI_QUEUE, NULL));
	}
	ASSERT_EQ(-EBUSY, st_attach(self->fd, "tx0", TUNX_ATTACH_MULTI_QUEUE,
				    NULL));
	/* A freed slot can be taken again. */
	close(fds[5]);
	extra = st_open();
	ASSERT_LE(0, extra);
	ASSERT_EQ(0, st_attach(extra, "tx0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	close(extra);
	for (i = 0; i < TUNX_MAX_QUEUES; i++)
		if (i != 5)
			close(fds[i]);
}

TEST_F(ioctl, attach_property_mismatch_einval)
{
	struct tunx_info info;
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	EXPECT_EQ(-EINVAL, st_attach(fd2, "tx0", 0, NULL));
	EXPECT_EQ(-EINVAL, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE |
				       TUNX_ATTACH_TAIL_DROP, NULL));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_TRUE(info.features & TUNX_FEAT_OFFLOAD);
	EXPECT_EQ(-EINVAL, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE |
				       TUNX_ATTACH_OFFLOAD, NULL));
	EXPECT_EQ(0, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	close(fd2);
}

TEST_F(ioctl, attach_offload_feature_reported_device_has_it)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_get_info(self->fd, &info));
	ASSERT_TRUE(info.features & TUNX_FEAT_OFFLOAD);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_OFFLOAD, NULL));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	ASSERT_TRUE(info.flags & TUNX_ATTACH_OFFLOAD);
}

TEST_F(ioctl, attach_persist_to_existing_makes_persistent)
{
	struct tunx_info info;
	int fd2 = st_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_MULTI_QUEUE, NULL));
	ASSERT_EQ(0, st_attach(fd2, "tx0", TUNX_ATTACH_MULTI_QUEUE |
				 TUNX_ATTACH_PERSIST, NULL));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_TRUE(info.flags & TUNX_ATTACH_PERSIST);
	close(fd2);
	close(self->fd);
	self->fd = -1;
	ASSERT_NE(0, st_if_index("tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

/* ---- info and stats on an attached file ---- */

TEST_F(ioctl, info_attached_reports_device)
{
	struct tunx_attach a;
	struct tunx_info info;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, &a));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_STREQ("tx0", info.name);
	EXPECT_EQ(a.ifindex, info.ifindex);
	EXPECT_EQ(TUNX_ABI_VERSION, info.abi_version);
	EXPECT_EQ(1, info.num_queues);
	EXPECT_EQ(0, info.queue_index);
	EXPECT_EQ(TUNX_NO_OWNER, info.owner);
	EXPECT_EQ(TUNX_NO_OWNER, info.group);
	EXPECT_EQ((__u32)st_if_get_mtu("tx0"), info.mtu);
	EXPECT_EQ(0, info.rx_entries);
	EXPECT_EQ(0, info.tx_entries);
	EXPECT_EQ(0, info.area_size);
	EXPECT_EQ(0, info.max_packet);
	EXPECT_EQ(0, info.mmap_size);
}

/*
 * ATTACH and SETUP_RINGS copy their result out last (tunx.4, Results): an
 * argument the kernel can read but not write back gives EFAULT, and the
 * file is attached, or the rings set up, all the same.
 */
static void *read_only_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

TEST_F(ioctl, attach_unwritable_result_efault_still_attached)
{
	struct tunx_attach a = { .size = sizeof(a) }, *ro;
	struct tunx_info info;

	strcpy(a.name, "tx0");
	ro = read_only_copy(&a, sizeof(a));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, TUNX_IOC_ATTACH, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_STREQ("tx0", info.name);
	EXPECT_EQ(1, info.num_queues);
	EXPECT_EQ((__u32)st_if_index("tx0"), info.ifindex);
	EXPECT_EQ(-EBUSY, st_attach(self->fd, "tx1", 0, NULL));
}

TEST_F(ioctl, setup_rings_unwritable_result_efault_rings_set)
{
	struct tunx_ring_setup s = {
		.size = sizeof(s), .rx_entries = 8, .tx_entries = 8,
		.abi_version = TUNX_ABI_VERSION,
	}, *ro;
	struct tunx_info info;
	void *map;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ro = read_only_copy(&s, sizeof(s));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, TUNX_IOC_SETUP_RINGS, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(8, info.rx_entries);
	EXPECT_EQ(8, info.tx_entries);
	ASSERT_LT(0, info.mmap_size);
	EXPECT_EQ(-EBUSY, st_setup_rings(self->fd, 8, 8, 0, NULL));
	/* What GET_INFO tells is enough to map the rings. */
	map = mmap(NULL, info.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	munmap(map, info.mmap_size);
}

/*
 * GET_INFO and GET_STATS are out-only: whatever the caller left in the
 * fields after the size word is ignored and overwritten, reserved fields
 * included.
 */
TEST_F(ioctl, out_only_structs_ignore_input_fields)
{
	struct tunx_stats st;
	struct tunx_info info;
	size_t i;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(self->fd, TUNX_IOC_GET_INFO, &info));
	EXPECT_STREQ("tx0", info.name);
	EXPECT_EQ(TUNX_ABI_VERSION, info.abi_version);
	EXPECT_EQ(0, info.rx_entries);
	EXPECT_EQ(0, info.mmap_size);
	for (i = 0; i < ARRAY_SIZE(info.reserved); i++)
		EXPECT_EQ(0, info.reserved[i]);
	memset(&st, 0xa5, sizeof(st));
	st.size = sizeof(st);
	ASSERT_EQ(0, ioctl(self->fd, TUNX_IOC_GET_STATS, &st));
	EXPECT_EQ(0, st.rx_packets);
	EXPECT_EQ(0, st.tx_bad_packets);
	EXPECT_EQ(0, st.reserved0);
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++)
		EXPECT_EQ(0, st.reserved[i]);
}

TEST_F(ioctl, info_flags_report_device_properties)
{
	const __u32 props = TUNX_ATTACH_PERSIST | TUNX_ATTACH_MULTI_QUEUE |
			    TUNX_ATTACH_TAIL_DROP;
	struct tunx_info info;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", props | TUNX_ATTACH_EXCL,
			       NULL));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(props, info.flags & ~(TUNX_ATTACH_NO_CREATE |
					TUNX_ATTACH_EXCL));
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_PERSIST, 0));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_FALSE(info.flags & TUNX_ATTACH_PERSIST);
}

TEST_F(ioctl, info_mtu_follows_link_mtu)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_if_set_mtu("tx0", 1280));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(1280, info.mtu);
}

TEST_F(ioctl, stats_fresh_device_zero)
{
	struct tunx_stats st;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_get_stats(self->fd, &st));
	EXPECT_EQ(0, st.tx_packets);
	EXPECT_EQ(0, st.tx_bytes);
	EXPECT_EQ(0, st.invalid_descs);
	EXPECT_EQ(0, st.tx_bad_packets);
	EXPECT_EQ(0, st.ring_errors);
	EXPECT_EQ(0, st.rx_dropped);
}

TEST_F(ioctl, stats_size_short_einval_larger_e2big)
{
	struct { struct tunx_stats st; __u64 tail[2]; } big = {};

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	big.st.size = offsetof(struct tunx_stats, tx_packets);
	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_GET_STATS, &big));
	EXPECT_EQ(EINVAL, errno);
	big.st.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, TUNX_IOC_GET_STATS, &big));
	big.tail[1] = 1;
	ASSERT_EQ(-1, ioctl(self->fd, TUNX_IOC_GET_STATS, &big));
	EXPECT_EQ(E2BIG, errno);
}

/* ---- detach and persistence ---- */

TEST_F(ioctl, detach_deletes_nonpersistent_link)
{
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_detach(self->fd));
	ASSERT_EQ(0, st_if_index("tx0"));
	ASSERT_EQ(-EBADFD, st_kick(self->fd));
}

TEST_F(ioctl, detach_attach_again_ok)
{
	struct tunx_attach a;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_detach(self->fd));
	ASSERT_EQ(0, st_attach(self->fd, "tx1", 0, &a));
	ASSERT_EQ(st_if_index("tx1"), a.ifindex);
}

TEST_F(ioctl, persist_close_keeps_link_unpersist_close_deletes)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_NE(0, st_if_index("tx0"));
	ASSERT_EQ(0, st_attach(self->fd, "tx0", TUNX_ATTACH_NO_CREATE, NULL));
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_PERSIST, 0));
	ASSERT_NE(0, st_if_index("tx0"));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, st_if_index("tx0"));
}

TEST_F(ioctl, set_owner_group_reported_in_info)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_OWNER, NOBODY));
	ASSERT_EQ(0, st_ioctl_u32(self->fd, TUNX_IOC_SET_GROUP, OTHER_GID));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(NOBODY, info.owner);
	EXPECT_EQ(OTHER_GID, info.group);
}

/* PERSIST takes 0 or 1; 2 is refused and changes nothing. */
TEST_F(ioctl, set_persist_two_einval)
{
	struct tunx_info info;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	EXPECT_EQ(-EINVAL, st_ioctl_u32(self->fd, TUNX_IOC_SET_PERSIST, 2));
	ASSERT_EQ(0, st_get_info(self->fd, &info));
	EXPECT_EQ(0, info.flags & TUNX_ATTACH_PERSIST);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, st_if_index("tx0"));
}

/* An attached file without rings has nothing to kick. */
TEST_F(ioctl, kick_without_rings_enxio)
{
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	EXPECT_EQ(-ENXIO, st_kick(self->fd));
}

/* What poll() reports in each state of the file, exactly. */
static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

TEST_F(ioctl, poll_reports_the_file_state)
{
	EXPECT_EQ(POLLERR, poll_now(self->fd));		/* unattached */
	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	EXPECT_EQ(0, poll_now(self->fd));		/* no rings */
	ASSERT_EQ(0, st_detach(self->fd));
	EXPECT_EQ(POLLERR, poll_now(self->fd));		/* detached */
	ASSERT_EQ(0, st_attach(self->fd, "tx1", 0, NULL));
	ASSERT_EQ(0, st_setup_rings(self->fd, 0, 0, 0, NULL));
	ASSERT_EQ(0, st_sh("ip link del tx1"));
	EXPECT_EQ(POLLERR | POLLHUP, poll_now(self->fd));	/* deleted */
}

/* Whether @pid sleeps (state S in /proc/PID/stat). */
static bool sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool s = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		s = p && p[1] == ' ' && p[2] == 'S';
	}
	fclose(f);
	return s;
}

/*
 * A poller that waits on a file before its rings exist is woken when they
 * are set up: an empty tx ring is writable.
 */
TEST_F(ioctl, poll_before_setup_woken_by_setup)
{
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };
	int status, i;
	pid_t child;

	ASSERT_EQ(0, st_attach(self->fd, "tx0", 0, NULL));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)	/* 0 when woken with POLLOUT, 1 after 20 s */
		_exit(poll(&p, 1, 20000) == 1 && (p.revents & POLLOUT) ? 0 : 1);
	for (i = 0; i < 500 && !sleeping(child); i++)
		st_msleep(10);
	st_msleep(100);		/* in poll, past its first look */
	ASSERT_EQ(0, st_setup_rings(self->fd, 0, 0, 0, NULL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- permissions ---- */

/* TUNX_NO_OWNER takes the owner's right to attach away again. */
TEST_F(ioctl, owner_unset_revokes_attach)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_OWNER, NOBODY));
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_OWNER, TUNX_NO_OWNER));
	EXPECT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

TEST_F(ioctl, nonroot_create_eperm)
{
	ASSERT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach, "tx0"));
	ASSERT_EQ(0, st_if_index("tx0"));
}

TEST_F(ioctl, nonroot_attach_owned_device_ok)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_OWNER, NOBODY));
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	EXPECT_EQ(EPERM, run_as(OTHER_UID, OTHER_GID, child_attach_existing,
				"tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

TEST_F(ioctl, nonroot_attach_group_member_ok)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_GROUP, OTHER_GID));
	EXPECT_EQ(0, run_as(OTHER_UID, OTHER_GID, child_attach_existing,
			    "tx0"));
	EXPECT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

/* The group may be one of the caller's supplementary groups. */
static int child_nobody_other_gid_supplementary(void *arg)
{
	gid_t groups[1] = { OTHER_GID };

	if (setgroups(1, groups) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 254;
	return child_attach_existing(arg);
}

TEST_F(ioctl, nonroot_attach_supplementary_group_ok)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_GROUP, OTHER_GID));
	EXPECT_EQ(0, run_as(0, 0, child_nobody_other_gid_supplementary,
			    "tx0"));
	EXPECT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

TEST_F(ioctl, nonroot_attach_unowned_device_eperm)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	EXPECT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach_existing, "tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

static int child_attach_existing_offload(void *arg)
{
	int fd = st_open();

	if (fd < 0)
		return -fd;
	return -st_attach(fd, arg, TUNX_ATTACH_NO_CREATE |
			    TUNX_ATTACH_OFFLOAD, NULL);
}

/* A stranger hears about permission, not about the device's flags. */
TEST_F(ioctl, nonroot_attach_unowned_device_other_flags_eperm)
{
	ASSERT_EQ(0, make_persistent("tx0"));
	EXPECT_EQ(EPERM, run_as(NOBODY, NOBODY, child_attach_existing_offload,
				"tx0"));
	ASSERT_EQ(0, set_on_device("tx0", TUNX_IOC_SET_OWNER, NOBODY));
	EXPECT_EQ(EINVAL, run_as(NOBODY, NOBODY, child_attach_existing_offload,
				 "tx0"));
	ASSERT_EQ(0, st_sh("ip link del tx0"));
}

static int child_drop_net_admin_attach(void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 254;
	data[0].effective &= ~(1U << CAP_NET_ADMIN);
	data[0].permitted &= ~(1U << CAP_NET_ADMIN);
	data[0].inheritable &= ~(1U << CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return 254;
	return child_attach(arg);
}

/* uid 0 is not what counts: a non-root uid holding CAP_NET_ADMIN creates. */
static int child_nobody_with_net_admin(void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 254;
	data[0].permitted = 1U << CAP_NET_ADMIN;
	data[0].effective = 1U << CAP_NET_ADMIN;
	if (syscall(SYS_capset, &hdr, data))
		return 253;
	return child_attach(arg);
}

TEST_F(ioctl, nonroot_with_cap_net_admin_create_ok)
{
	ASSERT_EQ(0, run_as(0, 0, child_nobody_with_net_admin, "tx0"));
}

TEST_F(ioctl, root_without_cap_net_admin_create_eperm)
{
	ASSERT_EQ(EPERM, run_as(0, 0, child_drop_net_admin_attach, "tx0"));
	ASSERT_EQ(0, st_if_index("tx0"));
}

static int child_userns(void *arg)
{
	int fd, ret;

	/* EPERM inside a chroot (the VM runner's) or when disabled. */
	if (unshare(CLONE_NEWUSER))
		return CHILD_SKIP;
	/* Full caps in the new user namespace, none over this netns. */
	ret = child_attach(arg);
	if (ret != EPERM)
		return ret ? ret : 1;
	if (unshare(CLONE_NEWNET))
		return CHILD_SKIP;
	/* This netns is ours: creating is allowed. */
	fd = st_open();
	if (fd < 0)
		return -fd;
	return -st_attach(fd, arg, 0, NULL);
}

/*
 * Attaching to an existing device also needs CAP_NET_ADMIN over the
 * device's network namespace: root in a new user namespace has every
 * capability there, and none over this netns.
 */
static int child_userns_attach_existing(void *arg)
{
	if (unshare(CLONE_NEWUSER))
		return CHILD_SKIP;
	return child_attach_existing(arg);
}

TEST_F(ioctl, userns_attach_existing_eperm)
{
	int ret;

	ASSERT_EQ(0, make_persistent("tx0"));
	ret = run_as(0, 0, child_userns_attach_existing, "tx0");
	ASSERT_EQ(0, st_sh("ip link del tx0"));
	if (ret == CHILD_SKIP)
		SKIP(return, "cannot unshare(CLONE_NEWUSER): chroot or disabled");
	EXPECT_EQ(EPERM, ret);
}

TEST_F(ioctl, userns_host_netns_eperm_own_netns_ok)
{
	int ret = run_as(0, 0, child_userns, "tx0");

	if (ret == CHILD_SKIP)
		SKIP(return, "cannot unshare(CLONE_NEWUSER): chroot or disabled");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, st_if_index("tx0"));
}

/*
 * ---- the size word of every size-prefixed ioctl ----
 *
 * The contract in the uapi header's "Errors": smaller than the first
 * version (today's sizeof) is -EINVAL; larger up to a page is accepted when
 * the bytes the kernel does not know are zero, else -E2BIG; more than a page
 * is -E2BIG.  The kernel never writes the size word nor past its sizeof.
 */
FIXTURE(size_word) {
	int fd;
	__u8 *buf;		/* two pages: room for a size of a page + 1 */
	size_t page;
};

FIXTURE_VARIANT(size_word) {
	unsigned long cmd;
	__u32 ksize;		/* the first (today's only) version */
	bool attached;		/* the command needs an attached file */
	/* Valid contents besides the size word, or NULL for all zero. */
	void (*fill)(__u8 *buf);
};

static void fill_ring_setup(__u8 *buf)
{
	struct tunx_ring_setup *s = (struct tunx_ring_setup *)buf;

	s->rx_entries = 8;
	s->tx_entries = 8;
	s->abi_version = TUNX_ABI_VERSION;
}

FIXTURE_VARIANT_ADD(size_word, attach) {
	.cmd = TUNX_IOC_ATTACH,
	.ksize = sizeof(struct tunx_attach),
};

FIXTURE_VARIANT_ADD(size_word, get_info) {
	.cmd = TUNX_IOC_GET_INFO,
	.ksize = sizeof(struct tunx_info),
};

FIXTURE_VARIANT_ADD(size_word, setup_rings) {
	.cmd = TUNX_IOC_SETUP_RINGS,
	.ksize = sizeof(struct tunx_ring_setup),
	.attached = true,
	.fill = fill_ring_setup,
};

FIXTURE_VARIANT_ADD(size_word, get_stats) {
	.cmd = TUNX_IOC_GET_STATS,
	.ksize = sizeof(struct tunx_stats),
	.attached = true,
};

FIXTURE_SETUP(size_word)
{
	int ret;

	self->fd = -1;
	self->page = sysconf(_SC_PAGESIZE);
	self->buf = calloc(2, self->page);
	ASSERT_NE(NULL, self->buf);
	ret = st_fixture_enter(NULL, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
	if (variant->attached)
		ASSERT_EQ(0, st_attach(self->fd, "sz0", 0, NULL));
	if (variant->fill)
		variant->fill(self->buf);
}

FIXTURE_TEARDOWN(size_word)
{
	if (self->fd >= 0)
		close(self->fd);
	free(self->buf);
}

/* The command with size word usize over self->buf: 0 or -errno. */
static int sized_ioctl(int fd, unsigned long cmd, __u8 *buf, __u32 usize)
{
	memcpy(buf, &usize, sizeof(usize));
	return ioctl(fd, cmd, buf) ? -errno : 0;
}

/* Nothing written past ksize, up to n bytes: the caller's tail is its own. */
static bool tail_zero(const __u8 *buf, size_t ksize, size_t n)
{
	for (size_t i = ksize; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

TEST_F(size_word, zero_einval)
{
	EXPECT_EQ(-EINVAL, sized_ioctl(self->fd, variant->cmd, self->buf, 0));
}

TEST_F(size_word, size_word_only_einval)
{
	EXPECT_EQ(-EINVAL, sized_ioctl(self->fd, variant->cmd, self->buf,
				       sizeof(__u32)));
}

TEST_F(size_word, one_below_first_version_einval)
{
	EXPECT_EQ(-EINVAL, sized_ioctl(self->fd, variant->cmd, self->buf,
				       variant->ksize - 1));
}

TEST_F(size_word, exact_ok_size_word_kept)
{
	__u32 usize;

	ASSERT_EQ(0, sized_ioctl(self->fd, variant->cmd, self->buf,
				 variant->ksize));
	memcpy(&usize, self->buf, sizeof(usize));
	EXPECT_EQ(variant->ksize, usize);
}

TEST_F(size_word, larger_zero_tail_ok_tail_untouched)
{
	__u32 usize = variant->ksize + 64;

	ASSERT_EQ(0, sized_ioctl(self->fd, variant->cmd, self->buf, usize));
	EXPECT_TRUE(tail_zero(self->buf, variant->ksize, 2 * self->page));
	memcpy(&usize, self->buf, sizeof(usize));
	EXPECT_EQ(variant->ksize + 64, usize);
}

TEST_F(size_word, page_zero_tail_ok)
{
	ASSERT_EQ(0, sized_ioctl(self->fd, variant->cmd, self->buf,
				 self->page));
	EXPECT_TRUE(tail_zero(self->buf, variant->ksize, 2 * self->page));
}

TEST_F(size_word, larger_nonzero_tail_e2big)
{
	self->buf[variant->ksize + 63] = 1;
	EXPECT_EQ(-E2BIG, sized_ioctl(self->fd, variant->cmd, self->buf,
				      variant->ksize + 64));
}

TEST_F(size_word, page_nonzero_last_byte_e2big)
{
	self->buf[self->page - 1] = 1;
	EXPECT_EQ(-E2BIG, sized_ioctl(self->fd, variant->cmd, self->buf,
				      self->page));
}

TEST_F(size_word, above_page_e2big)
{
	EXPECT_EQ(-E2BIG, sized_ioctl(self->fd, variant->cmd, self->buf,
				      self->page + 1));
}

ST_HARNESS_MAIN
