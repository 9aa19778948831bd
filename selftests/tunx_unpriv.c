// SPDX-License-Identifier: GPL-2.0
/*
 * tunx_unpriv: what a user without privileges on the host can do, and what
 * it pays for.  Each test forks a child that joins a fresh cgroup v2 with a
 * small memory.max and pids.max, becomes nobody, and (unless the test says
 * otherwise) makes a user namespace of its own, mapped to nobody, and a
 * network namespace owned by it: root there, as in a rootless container.
 *
 *   every_ioctl_and_mmap    the whole queue life cycle works there
 *   ring_memory_charged     rings are charged to the cgroup: over the
 *                           limit SETUP_RINGS gives -ENOMEM, nobody is
 *                           OOM-killed, memory.current stays under the max
 *   huge_setup_quiet        a setup twice the cgroup's limit: -ENOMEM and no
 *                           allocation warning in the kernel log
 *   setup_at_cgroup_limit   a large setup in a cgroup its task has filled:
 *                           -ENOMEM, nobody OOM-killed
 *   busy_poll_eperm         busy-poll kthreads need CAP_NET_ADMIN on the host
 *   set_owner_group_eperm   the holder of a root-made device's file cannot
 *                           give it away or change its group
 *   set_owner_group_ids_of_the_callers_userns  ids are those of the caller's
 *                           user namespace, both ways
 *   setup_does_not_stall_rtnl  two users allocating large rings do not hold
 *                           RTNL: link changes elsewhere take < 500 ms
 *                           (TUNX_UNPRIV_RTNL_MS; 5000 on the debug kernel)
 *   detach_does_not_stall_rtnl  two users attaching and detaching in a loop
 *                           do not hold RTNL for detach's grace period:
 *                           RTNL waits < 20 ms on average
 *                           (TUNX_UNPRIV_RTNL_MEAN_US; 100 ms on debug)
 *
 * Skips when cgroup v2 with the memory and pids controllers, or user
 * namespaces for nobody, are not available.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ethtool.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tunx_util.h"

#define NOBODY		65534
#define CGROOT		"/sys/fs/cgroup"
#define MIB		(1024 * 1024)
#define CHILD_SKIP	200	/* the child could not become unprivileged */

/* A child step failed: say which and how, exit with its number. */
static int fail(int step, int err)
{
	fprintf(stderr, "# unpriv: step %d: %s\n", step, strerror(-err));
	return step;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long long read_ll(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoll(buf, NULL, 10) : -EIO;
}

/* A key's value in a flat-keyed cgroup file (memory.events). */
static long long read_key(const char *path, const char *key)
{
	char line[128];
	long long v = -ENOENT;
	FILE *f = fopen(path, "re");
	size_t klen = strlen(key);

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

struct cg {
	char dir[128];
	char file[192];
};

static const char *cg_path(struct cg *cg, const char *name)
{
	snprintf(cg->file, sizeof(cg->file), "%s/%s", cg->dir, name);
	return cg->file;
}

/* cgroup v2 at CGROOT (mounted here if needed) with memory and pids on. */
static bool cg_available(void)
{
	char ctl[256] = "";
	int fd;

	if (access(CGROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
		return false;
	fd = open(CGROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, ctl, sizeof(ctl) - 1) < 0)
		ctl[0] = 0;
	close(fd);
	if (!strstr(ctl, "memory") || !strstr(ctl, "pids"))
		return false;
	/* EBUSY only if already on, or a v1 hierarchy holds them. */
	write_str(CGROOT "/cgroup.subtree_control", "+memory +pids");
	return true;
}

static int cg_make(struct cg *cg, long long mem_max, int pids_max)
{
	char val[32];

	snprintf(cg->dir, sizeof(cg->dir), CGROOT "/tunx-unpriv-%d", getpid());
	if (mkdir(cg->dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(val, sizeof(val), "%lld", mem_max);
	if (write_str(cg_path(cg, "memory.max"), val))
		return -EOPNOTSUPP;
	snprintf(val, sizeof(val), "%d", pids_max);
	return write_str(cg_path(cg, "pids.max"), val);
}

static void cg_remove(struct cg *cg)
{
	/* Ring memory of closed files is freed from a workqueue. */
	for (int i = 0; i < 500 && rmdir(cg->dir) && errno == EBUSY; i++)
		st_msleep(10);
}

/* Become nobody; with @userns also root of a user+net namespace of its own. */
static int drop_privileges(bool userns)
{
	char map[32];

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	if (!userns)
		return 0;
	/* A changed uid made us undumpable: /proc/self/ would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER))
		return -EPERM;
	snprintf(map, sizeof(map), "0 %d 1", NOBODY);
	if (write_str("/proc/self/setgroups", "deny") ||
	    write_str("/proc/self/uid_map", map) ||
	    write_str("/proc/self/gid_map", map))
		return -EPERM;
	if (unshare(CLONE_NEWNET))
		return -EPERM;
	return st_if_flags("lo", true);
}

struct unpriv {
	struct cg cg;
	bool userns;
	int (*fn)(struct cg *cg, void *arg);
	void *arg;
};

/* Run @u->fn in a child inside the cgroup; its exit code, or 128 + signal. */
static int run_unpriv(struct unpriv *u)
{
	char pid[16];
	int status;
	pid_t child;

	fflush(stdout);
	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_str(cg_path(&u->cg, "cgroup.procs"), pid))
			_exit(CHILD_SKIP);
		if (drop_privileges(u->userns))
			_exit(CHILD_SKIP);
		_exit(u->fn(&u->cg, u->arg));
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

FIXTURE(unpriv) {
	struct unpriv u;
};

FIXTURE_SETUP(unpriv)
{
	int ret;

	memset(&self->u, 0, sizeof(self->u));
	self->u.userns = true;
	ret = st_fixture_enter(NULL, NULL);
	if (ret == -ENOENT)
		SKIP(return, TUNX_DEVICE_PATH " not present");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	if (!cg_available())
		SKIP(return, "no cgroup v2 with the memory and pids controllers");
	ASSERT_EQ(0, cg_make(&self->u.cg, 64 * MIB, 16));
}

FIXTURE_TEARDOWN(unpriv)
{
	if (self->u.cg.dir[0])
		cg_remove(&self->u.cg);
}

/* Bring ux0 up and send one packet through @q's tx ring, consumed. */
static int send_one(struct st_queue *q, const char *tag)
{
	__u8 pkt[128];
	int ret = st_net_up("ux0");

	if (!ret)
		ret = st_tx_send(q, pkt, st_test_packet(pkt, tag));
	return ret ? ret : st_tx_wait_consumed(q, 5000);
}

/* The whole life of a queue, each step a documented success. */
static int every_ioctl(struct cg *cg, void *arg)
{
	struct tunx_info info = { .size = sizeof(info) };
	struct pollfd pfd = { .events = POLLIN | POLLOUT };
	struct tunx_stats st;
	struct st_queue q;
	int ret;

	(void)cg;
	(void)arg;
	ret = st_queue_open(&q, "ux0", 0, 16, 16, 0);
	if (ret)
		return fail(1, ret);
	ret = st_get_info(q.fd, &info);
	if (!ret)
		ret = send_one(&q, "unpriv");
	if (!ret)
		ret = st_kick(q.fd);
	pfd.fd = q.fd;
	if (!ret && poll(&pfd, 1, 0) < 0)
		ret = -errno;
	if (!ret)
		ret = st_get_stats(q.fd, &st);
	if (ret)
		return fail(2, ret);
	if (st.tx_packets != 1)
		return fail(3, -EIO);
	/* Root of this user namespace owns the device's namespace. */
	ret = st_ioctl_u32(q.fd, TUNX_IOC_SET_PERSIST, 1);
	if (!ret)
		ret = st_ioctl_u32(q.fd, TUNX_IOC_SET_OWNER, 0);
	if (!ret)
		ret = st_ioctl_u32(q.fd, TUNX_IOC_SET_GROUP, 0);
	if (!ret)
		ret = st_ioctl_u32(q.fd, TUNX_IOC_SET_PERSIST, 0);
	if (ret)
		return fail(4, ret);
	st_queue_unmap(&q);
	ret = st_detach(q.fd);
	close(q.fd);
	return ret ? fail(5, ret) : 0;
}

#define SKIP_MSG "cannot become nobody in a user namespace"

TEST_F(unpriv, every_ioctl_and_mmap)
{
	int rc;

	self->u.fn = every_ioctl;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
}

/*
 * A queue of a new device with two packet areas of @area bytes each (and
 * 1024-entry rings, 32 KiB each way).
 */
static int big_queue(__u32 area)
{
	int fd = st_open(), ret;

	if (fd < 0)
		return fd;
	ret = st_attach(fd, "ux%d", 0, NULL);
	if (!ret)
		ret = st_setup_rings(fd, 1024, 1024, area, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * 64 MiB for the cgroup: one queue of 128 MiB is refused; 8 MiB queues
 * fit until the limit, then -ENOMEM; the cgroup saw the charge.
 */
static int ring_memory(struct cg *cg, void *arg)
{
	long long before = read_ll(cg_path(cg, "memory.current")), after;
	int fds[16], n, ret;

	(void)arg;
	if (big_queue(TUNX_AREA_MAX_SIZE) != -ENOMEM)
		return 1;
	for (n = 0; n < 16; n++) {
		fds[n] = big_queue(4 * MIB);
		if (fds[n] < 0)
			break;
	}
	ret = n < 16 ? fds[n] : 0;
	after = read_ll(cg_path(cg, "memory.current"));
	fprintf(stderr,
		"# unpriv: %d queues of 8 MiB, then %d; memory.current %lld -> %lld\n",
		n, ret, before, after);
	if (ret != -ENOMEM)
		return 2;
	if (n < 3 || n > 8)
		return 3;
	if (after - before < (long long)n * 8 * MIB)
		return 4;
	while (n--)
		close(fds[n]);
	return 0;
}

TEST_F(unpriv, ring_memory_charged_to_cgroup)
{
	int rc;

	self->u.fn = ring_memory;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
	EXPECT_EQ(0, read_key(cg_path(&self->u.cg, "memory.events"),
			      "oom_kill"));
	EXPECT_GE(64 * MIB, read_ll(cg_path(&self->u.cg, "memory.current")));
}

/* 128 MiB, twice the cgroup's limit: a quiet -ENOMEM. */
static int huge_setup(struct cg *cg, void *arg)
{
	int ret = big_queue(TUNX_AREA_MAX_SIZE);

	(void)cg;
	(void)arg;
	return ret == -ENOMEM ? 0 : fail(1, ret < 0 ? ret : -EEXIST);
}

static bool log_has(const char *what)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -q '%s'", what);
	return !st_sh("%s", cmd);
}

TEST_F(unpriv, huge_setup_quiet_enomem)
{
	int rc;

	self->u.fn = huge_setup;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
	EXPECT_FALSE(log_has("vmalloc error\\|page allocation failure"));
}

/*
 * Fill the cgroup with this task's own pages until fewer than @left bytes
 * are free, on one CPU, ending on a page that raised memory.current: one
 * charged, not taken from the pages the kernel keeps charged ahead per CPU
 * (up to 64), which are then used up here.
 */
static int fill_cgroup(struct cg *cg, long long left)
{
	long long max = read_ll(cg_path(cg, "memory.max")), cur, last;
	long page = sysconf(_SC_PAGESIZE);
	cpu_set_t one;
	size_t off = 0;
	char *mem;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (max <= 0 || sched_setaffinity(0, sizeof(one), &one))
		return -EINVAL;
	mem = mmap(NULL, max, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	/*
	 * A huge page's fault would charge 2 MiB at once, past the limit.
	 * EINVAL: a kernel without them (PREEMPT_RT, the debug kernels).
	 */
	if (madvise(mem, max, MADV_NOHUGEPAGE) && errno != EINVAL)
		return -errno;
	cur = read_ll(cg_path(cg, "memory.current"));
	do {
		/* 64 pages at a time while far, one at a time when near. */
		size_t step = max - cur > 4 * left ? 64 * page : page;

		if (off + step > (size_t)max)
			return -ENOSPC;
		memset(mem + off, 1, step);
		off += step;
		last = cur;
		cur = read_ll(cg_path(cg, "memory.current"));
	} while (max - cur >= left || cur == last);
	return 0;
}

/*
 * The largest queue in a cgroup all but full: its kernel-private start
 * list (128 KiB) and its page list (266 KiB), each vmalloc'd page by page
 * when a single allocation fails, are refused as quietly as the pages they
 * list: -ENOMEM, not the OOM killer on the caller.  Between them they need
 * more than the 100 KiB left plus what another CPU may hold charged ahead.
 */
static int setup_at_limit(struct cg *cg, void *arg)
{
	int ret = fill_cgroup(cg, 100 * 1024), fd;

	(void)arg;
	if (ret)
		return fail(1, ret);
	fd = st_open();
	if (fd < 0)
		return fail(2, fd);
	ret = st_attach(fd, "ux%d", 0, NULL);
	if (ret)
		return fail(3, ret);
	ret = st_setup_rings(fd, TUNX_RING_MAX_ENTRIES, TUNX_RING_MAX_ENTRIES,
			     TUNX_AREA_MAX_SIZE, NULL);
	return ret == -ENOMEM ? 0 : fail(4, ret ? ret : -EEXIST);
}

TEST_F(unpriv, setup_at_cgroup_limit_enomem_not_oom_kill)
{
	int rc;

	self->u.fn = setup_at_limit;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(0, read_key(cg_path(&self->u.cg, "memory.events"),
			      "oom_kill"));
}

/*
 * A namespace's admin gets no NAPI threads unless it asks (they would
 * belong to no cgroup of its): the kick hands its packet to softirq, never
 * to the inline path that only threaded devices take.
 */
static int no_threads(struct cg *cg, void *arg)
{
	struct tunx_stats st;
	struct st_queue q;
	int ret;

	(void)cg;
	(void)arg;
	ret = st_queue_open(&q, "ux0", 0, 16, 16, 0);
	if (ret)
		return fail(1, ret);
	ret = send_one(&q, "softirq");
	if (!ret)
		ret = st_get_stats(q.fd, &st);
	st_queue_close(&q);
	if (ret)
		return fail(2, ret);
	if (st.tx_packets != 1)
		return fail(3, -EIO);
	return st.tx_inline_polls ? fail(4, -EIO) : 0;
}

TEST_F(unpriv, namespace_admin_gets_no_napi_threads)
{
	int rc;

	self->u.fn = no_threads;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
}

static int busy_poll(struct cg *cg, void *arg)
{
	struct tunx_attach a = {
		.size = sizeof(a), .flags = TUNX_ATTACH_BUSY_POLL,
		.name = "ux0",
	};
	int fd = st_open(), ret;

	(void)cg;
	(void)arg;
	if (fd < 0)
		return 1;
	ret = ioctl(fd, TUNX_IOC_ATTACH, &a) ? errno : 0;
	close(fd);
	return ret == EPERM ? 0 : 2;
}

TEST_F(unpriv, busy_poll_needs_host_cap_net_admin)
{
	int rc;

	self->u.fn = busy_poll;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
}

/* Attach as the owner (allowed), then try to give the device away. */
static int chown_device(struct cg *cg, void *arg)
{
	int fd = st_open(), owner, group, persist, ret;

	(void)cg;
	if (fd < 0)
		return fail(1, fd);
	ret = st_attach(fd, arg, TUNX_ATTACH_NO_CREATE, NULL);
	if (ret)
		return fail(2, ret);
	owner = st_ioctl_u32(fd, TUNX_IOC_SET_OWNER, NOBODY - 1);
	group = st_ioctl_u32(fd, TUNX_IOC_SET_GROUP, NOBODY);
	persist = st_ioctl_u32(fd, TUNX_IOC_SET_PERSIST, 1);
	close(fd);
	if (owner != -EPERM)
		return 3;
	if (group != -EPERM)
		return 4;
	return persist ? 5 : 0;
}

/* A persistent device @name owned by nobody, for nobody to try things on. */
static void nobodys_device(struct __test_metadata *_metadata, const char *name)
{
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_attach(fd, name, TUNX_ATTACH_PERSIST, NULL));
	ASSERT_EQ(0, st_ioctl_u32(fd, TUNX_IOC_SET_OWNER, NOBODY));
	close(fd);
}

TEST_F(unpriv, set_owner_group_need_cap_net_admin)
{
	int rc;

	nobodys_device(_metadata, "uo0");
	self->u.userns = false;
	self->u.fn = chown_device;
	self->u.arg = "uo0";
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
	EXPECT_EQ(0, st_if_delete("uo0"));
}

/* Nobody may read the device's rx-usecs, not change it. */
static int rx_usecs_as_nobody(struct cg *cg, void *arg)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	int ret = st_ethtool(arg, &ec);

	(void)cg;
	if (ret)
		return fail(1, ret);
	ret = st_set_rx_usecs(arg, 1);
	return ret == -EPERM ? 0 : fail(2, ret ? ret : -EIO);
}

/* Root of its own user and network namespaces sets its device's. */
static int rx_usecs_own_netns(struct cg *cg, void *arg)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	struct st_queue q;
	int ret;

	(void)cg;
	(void)arg;
	ret = st_queue_open(&q, "ux0", 0, 16, 16, 0);
	if (ret)
		return fail(1, ret);
	ret = st_set_rx_usecs("ux0", 200);
	if (!ret)
		ret = st_ethtool("ux0", &ec);
	st_queue_close(&q);
	if (ret)
		return fail(2, ret);
	return ec.rx_coalesce_usecs == 200 ? 0 : fail(3, -EIO);
}

/*
 * ethtool rx-usecs is an admin's setting of the device's network
 * namespace, as on any NIC: EPERM to nobody, even as the device's owner;
 * fine for root of a namespace of its own, on its own device.
 */
TEST_F(unpriv, rx_usecs_needs_cap_net_admin_of_the_netns)
{
	int rc;

	nobodys_device(_metadata, "ur0");
	self->u.userns = false;
	self->u.fn = rx_usecs_as_nobody;
	self->u.arg = "ur0";
	rc = run_unpriv(&self->u);
	EXPECT_EQ(0, st_if_delete("ur0"));
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
	self->u.userns = true;
	self->u.fn = rx_usecs_own_netns;
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
}

/*
 * Root of a user namespace mapped to nobody, in its own network namespace,
 * names ids in its namespace: 0 is itself, 1 is mapped to nothing.  It
 * sends its file to the test, which reads the same owner as nobody.
 */
static int chown_in_userns(struct cg *cg, void *arg)
{
	int fd = st_open(), ret;
	struct tunx_info info;

	(void)cg;
	if (fd < 0)
		return fail(1, fd);
	ret = st_attach(fd, "ux0", TUNX_ATTACH_PERSIST, NULL);
	if (ret)
		return fail(2, ret);
	if (st_ioctl_u32(fd, TUNX_IOC_SET_OWNER, 1) != -EINVAL ||
	    st_ioctl_u32(fd, TUNX_IOC_SET_GROUP, 1) != -EINVAL)
		return 3;
	ret = st_ioctl_u32(fd, TUNX_IOC_SET_OWNER, 0);
	if (!ret)
		ret = st_ioctl_u32(fd, TUNX_IOC_SET_GROUP, 0);
	if (!ret)
		ret = st_get_info(fd, &info);
	if (ret)
		return fail(4, ret);
	if (info.owner != 0 || info.group != 0)
		return 5;
	ret = st_send_fd(*(int *)arg, fd);
	return ret ? fail(6, ret) : 0;
}

TEST_F(unpriv, set_owner_group_ids_of_the_callers_userns)
{
	struct tunx_info info;
	int sv[2], fd, rc;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	self->u.fn = chown_in_userns;
	self->u.arg = &sv[1];
	rc = run_unpriv(&self->u);
	if (rc == CHILD_SKIP)
		SKIP(return, SKIP_MSG);
	ASSERT_EQ(0, rc);
	fd = st_recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_get_info(fd, &info));
	EXPECT_EQ(NOBODY, info.owner);
	EXPECT_EQ(NOBODY, info.group);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Keep detaching from a persistent device and attaching to it again until
 * the test is over, with @rings (non-NULL) setting up 128 MiB of rings
 * each time: one device, so what holds RTNL is the rings or the detach,
 * not creating and deleting devices.
 */
static int attach_cycler(struct cg *cg, void *rings)
{
	struct tunx_attach a;
	int fd = st_open();

	(void)cg;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd < 0 || st_attach(fd, "ux%d", TUNX_ATTACH_PERSIST, &a))
		return 1;
	for (;;) {
		if (rings)
			st_setup_rings(fd, 1024, 1024, TUNX_AREA_MAX_SIZE,
				       NULL);
		st_detach(fd);
		if (st_attach(fd, a.name, TUNX_ATTACH_NO_CREATE, NULL))
			return 2;
	}
	return 0;
}

/*
 * With 128 MiB allocated and zeroed under RTNL, 6.1 in a TCG VM saw link
 * changes wait a second; without, under 200 ms.  The debug kernel is
 * about ten times slower at this.
 */
static long long rtnl_bound_ms(void)
{
	const char *v = getenv("TUNX_UNPRIV_RTNL_MS");
	const char *k = getenv("TUNX_VM_KERNEL");

	if (v && *v)
		return strtoll(v, NULL, 0);
	return k && !strcmp(k, "debug") ? 5000 : 500;
}

/*
 * A change that takes RTNL and does next to nothing under it (no grace
 * period, unlike a link flip): its latency is the wait for RTNL.
 */
static int rtnl_probe(void)
{
	struct ifreq ifr = { .ifr_qlen = 1000 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (s < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCSIFTXQLEN, &ifr))
		ret = -errno;
	close(s);
	return ret;
}

struct rtnl_wait {
	long long worst;	/* ms, the slowest link change */
	long long mean_us;	/* the average one */
};

/*
 * Run two unprivileged attach_cycler() loops (with @rings or without) for
 * 5 s while this namespace probes RTNL every 20 ms; how long it waited.
 */
static int measure_rtnl_wait(struct unpriv *u, bool rings,
			     struct rtnl_wait *w)
{
	long long t, end, total = 0, n = 0;
	int err = 0;
	pid_t kids[2];

	w->worst = 0;
	u->fn = attach_cycler;
	u->arg = rings ? u : NULL;	/* any non-NULL pointer means rings */
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] < 0)
			return -errno;
		if (!kids[k])
			_exit(run_unpriv(u));
	}
	st_msleep(500);
	end = st_now_ms() + 5000;
	while (!err && st_now_ms() < end) {
		t = st_now_us();
		err = rtnl_probe();
		t = st_now_us() - t;
		total += t;
		n++;
		w->worst = t / 1000 > w->worst ? t / 1000 : w->worst;
		st_msleep(20);
	}
	w->mean_us = total / n;
	for (int k = 0; k < 2; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	/* The grandchildren are in the cgroup: kill them too. */
	write_str(cg_path(&u->cg, "cgroup.kill"), "1");
	return err;
}

TEST_F_TIMEOUT(unpriv, setup_does_not_stall_rtnl, 120)
{
	long long bound = rtnl_bound_ms();
	struct rtnl_wait w;

	cg_remove(&self->u.cg);
	ASSERT_EQ(0, cg_make(&self->u.cg, 320 * MIB, 16));
	ASSERT_EQ(0, measure_rtnl_wait(&self->u, true, &w));
	fprintf(stderr, "# unpriv: RTNL wait: max %lld ms (bound %lld), mean %lld us\n",
		w.worst, bound, w.mean_us);
	EXPECT_GT(bound, w.worst);
}

/* Average RTNL wait allowed beside detach loops (20 ms; 100 on debug). */
static long long rtnl_mean_bound_us(void)
{
	const char *v = getenv("TUNX_UNPRIV_RTNL_MEAN_US");
	const char *k = getenv("TUNX_VM_KERNEL");

	if (v && *v)
		return strtoll(v, NULL, 0);
	return k && !strcmp(k, "debug") ? 100000 : 20000;
}

/*
 * Detach waits for a grace period.  Under RTNL (twice per cycle, before
 * the fix) two users detaching in a loop made every RTNL user in every
 * namespace wait 58 ms on average on 6.12-rt in a TCG VM, where grace
 * periods are slow; outside RTNL, under 1 ms.  On 6.1 both are about 1 ms.
 */
TEST_F_TIMEOUT(unpriv, detach_does_not_stall_rtnl, 120)
{
	long long bound = rtnl_bound_ms(), mean_bound = rtnl_mean_bound_us();
	struct rtnl_wait w;

	ASSERT_EQ(0, measure_rtnl_wait(&self->u, false, &w));
	fprintf(stderr, "# unpriv: RTNL wait: max %lld ms (bound %lld), mean %lld us (%lld)\n",
		w.worst, bound, w.mean_us, mean_bound);
	EXPECT_GT(bound, w.worst);
	EXPECT_GT(mean_bound, w.mean_us);
}

ST_HARNESS_MAIN
