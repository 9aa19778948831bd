// SPDX-License-Identifier: GPL-2.0
/*
 * Which programs hold queues of a device.  /proc/PID/fd tells who has
 * /dev/net/tunx open, not which device each file is attached to (the
 * module has no fdinfo), so each such file is borrowed with pidfd_getfd()
 * and asked TUNX_IOC_GET_INFO.  The borrowed copy is closed at once: the
 * queue stays the holder's.  Needs ptrace rights over the holder (root
 * has them); files that cannot be borrowed are not named.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tunxctl.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* Whether the file @fd of process @pidfd is a queue of @name/@ifindex
 * (both: an ifindex alone may be another namespace's device). */
static bool borrowed_is(int pidfd, int fd, const char *name,
			unsigned int ifindex)
{
	struct tunx_info info = { .size = sizeof(info) };
	int mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	bool is = false;

	if (mine < 0)
		return false;
	if (!ioctl(mine, TUNX_IOC_GET_INFO, &info))
		is = info.ifindex == ifindex &&
		     !strncmp(info.name, name, sizeof(info.name));
	close(mine);
	return is;
}

/* Whether process @pid holds a queue of the device. */
static bool holds(int pid, const char *name, unsigned int ifindex)
{
	char path[64], link[64];
	struct dirent *e;
	bool found = false;
	int pidfd;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (pidfd >= 0 && !found && (e = readdir(d))) {
		char fdpath[64 + sizeof(e->d_name)];
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, TUNX_DEVICE_PATH))
			found = borrowed_is(pidfd, atoi(e->d_name), name, ifindex);
	}
	if (pidfd >= 0)
		close(pidfd);
	closedir(d);
	return found;
}

static void comm_of(int pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = 0;
	if (f)
		fclose(f);
}

/*
 * "prog (pid N), prog2 (pid M)" into @out; returns how many programs
 * were found (0: none could be told).
 */
int ctl_find_holders(const char *name, char *out, size_t len)
{
	unsigned int ifindex = if_nametoindex(name);
	struct dirent *e;
	size_t used = 0;
	int n = 0;
	DIR *proc;

	out[0] = 0;
	proc = ifindex ? opendir("/proc") : NULL;
	while (proc && (e = readdir(proc))) {
		int pid = atoi(e->d_name);
		char comm[32];

		if (pid <= 0 || pid == getpid() || !holds(pid, name, ifindex))
			continue;
		comm_of(pid, comm, sizeof(comm));
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s (pid %d)",
						 n ? ", " : "", comm, pid);
		n++;
	}
	if (proc)
		closedir(proc);
	return n;
}
