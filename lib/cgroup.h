/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory cgroups for runner/child.c and the knob journal: finding the
 * hierarchy to use (cgroup v2 when its root has the memory controller
 * enabled for its children, else v1's memory hierarchy; mount points come
 * from /proc/self/mountinfo), filling in a cgroup and reading its
 * counters, and emptying and removing it.  mmab never enables a controller
 * in a root's cgroup.subtree_control: that is the administrator's choice.
 *
 * cgroup_signal_all() and cgroup_destroy() are async-signal-safe (no
 * allocation, no stdio): the journal's signal handler calls them to kill
 * and remove a workload's cgroup when the runner is interrupted.
 */
#ifndef MMAB_CGROUP_H
#define MMAB_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_ver {
	CGROUP_NONE,
	CGROUP_V1,
	CGROUP_V2,
};

struct cgroup_root {
	enum cgroup_ver ver;
	char path[PATH_MAX];	/* mount point: cgroups are made directly below it */
};

/*
 * cgroup_find_root - read MOUNTINFO (the format of /proc/self/mountinfo)
 * and pick where memory cgroups can be made: v2 if a cgroup2 mount lists
 * "memory" in both its cgroup.controllers and cgroup.subtree_control, else
 * the first v1 hierarchy mounted with the memory controller.  Returns 0
 * with *root filled, or -ENOENT with root->ver CGROUP_NONE and the reason
 * in WHY; other -errno when MOUNTINFO cannot be read.  Does not check
 * permissions.
 */
int cgroup_find_root(const char *mountinfo, struct cgroup_root *root, char *why, size_t whylen);

/* cgroup_version - CGROUP_V2 or CGROUP_V1 for an existing cgroup directory, by its files. */
enum cgroup_ver cgroup_version(const char *cg);

/* cgroup_is_cgroupfs - whether PATH lies on a cgroup or cgroup2 file system. */
bool cgroup_is_cgroupfs(const char *path);

/* cgroup_set_limit - memory.max (v2) or memory.limit_in_bytes (v1).  0 or -errno. */
int cgroup_set_limit(const char *cg, uint64_t bytes);

/* cgroup_enter - move the calling process into CG.  0 or -errno. */
int cgroup_enter(const char *cg);

/*
 * cgroup_oom_kills - OOM kills of tasks in CG by any OOM killer, global
 * or memcg ("oom_kill" in memory.events on v2, memory.oom_control on v1);
 * -1 when the kernel does not count them.
 */
long cgroup_oom_kills(const char *cg);

/* cgroup_memory_peak - memory.peak (v2) or memory.max_usage_in_bytes (v1); 0 if unknown. */
uint64_t cgroup_memory_peak(const char *cg);

/*
 * cgroup_signal_all - send SIG to every process in CG once.  Returns the
 * number signalled or -errno.  Async-signal-safe.
 */
int cgroup_signal_all(const char *cg, int sig);

/*
 * cgroup_destroy - SIGKILL every process in CG (cgroup.kill where the
 * kernel has it) until none is left, then rmdir it, retrying for up to
 * WAIT_S seconds while dying tasks leave.  A missing CG is fine.  Returns
 * the number of processes killed, or -errno (-EBUSY: still populated).
 * Async-signal-safe.
 */
int cgroup_destroy(const char *cg, double wait_s);

#endif
