/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For unit tests that touch the machine (run real work as root).  The
 * machine is shared, and such work runs under /tmp/mmab-machine.lock: a
 * test may go ahead when an ancestor holds the lock (`flock
 * /tmp/mmab-machine.lock make check`) or when the lock is free, in which
 * case the test process takes it until it exits; when anyone else holds it
 * the test skips rather than disturb them.  Also small independent
 * witnesses of the machine's state.  Header-only (static functions), for
 * test files.
 */
#ifndef MMAB_TEST_MACHINE_H
#define MMAB_TEST_MACHINE_H

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MACHINE_LOCK "/tmp/mmab-machine.lock"

/* the parent of PID from /proc/PID/stat, or -1 */
static inline pid_t machine_lock_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* the pid holding a flock on inode INO (from /proc/locks), or -1 */
static inline pid_t machine_lock_holder(ino_t ino)
{
	char line[256];
	pid_t holder = -1;
	FILE *f = fopen("/proc/locks", "r");

	if (!f)
		return -1;
	while (holder < 0 && fgets(line, sizeof(line), f)) {
		char type[16], dev[64];
		int pid;
		unsigned long long inode;

		/* "1: FLOCK  ADVISORY  WRITE 4035 00:1d:1234 0 EOF" */
		if (sscanf(line, "%*d: %15s %*s %*s %d %63s", type, &pid, dev) != 3 ||
		    strcmp(type, "FLOCK"))
			continue;
		if (sscanf(strrchr(dev, ':') + 1, "%llu", &inode) == 1 && inode == ino)
			holder = pid;
	}
	fclose(f);
	return holder;
}

/*
 * machine_lock - may this test change the machine now?  True when an
 * ancestor holds the lock or this process just took it (held until exit);
 * false with the reason in WHY otherwise.
 */
static inline bool machine_lock(char *why, size_t len)
{
	static int fd = -1;
	struct stat st;
	pid_t holder;

	if (fd >= 0)
		return true;
	fd = open(MACHINE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, len, "cannot open %s: %s", MACHINE_LOCK, strerror(errno));
		return false;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return true;
	holder = machine_lock_holder(st.st_ino);
	for (pid_t p = getppid(); p > 1; p = machine_lock_ppid(p))
		if (p == holder)
			return true;
	close(fd);
	fd = -1;
	snprintf(why, len, "%s is held by another process (pid %d)", MACHINE_LOCK, (int)holder);
	return false;
}

/*
 * machine_ready - may a live test of WHAT run?  AVAILABLE (may be NULL) is
 * its collector's or workload's check; then the machine lock.  Prints the
 * reason as a TAP comment when not.
 */
static inline bool machine_ready(const char *what, int (*available)(char *, size_t))
{
	char why[256];

	if (available && available(why, sizeof(why))) {
		printf("# %s: %s\n", what, why);
		return false;
	}
	if (!machine_lock(why, sizeof(why))) {
		printf("# %s\n", why);
		return false;
	}
	return true;
}

/* machine_tracefs_mounted - is a tracefs mounted anywhere? */
static inline bool machine_tracefs_mounted(void)
{
	char line[512];
	bool yes = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !yes && fgets(line, sizeof(line), f))
		yes = strstr(line, " tracefs ") != NULL;
	if (f)
		fclose(f);
	return yes;
}

/* machine_populated_zones - zones with present pages, from /proc/zoneinfo (-1: unreadable) */
static inline int machine_populated_zones(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long present;

		if (sscanf(line, " present %ld", &present) == 1 && present > 0)
			n++;
	}
	fclose(f);
	return n;
}

/* machine_children - live (or unreaped) children of this process, from /proc */
static inline int machine_children(void)
{
	char path[300];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d))) {
		FILE *f;
		int pid, ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d %*s %*c %d", &pid, &ppid) == 2 && ppid == getpid())
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

#endif
