/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The effective memory size: so that global direct reclaim, kswapd and
 * compaction really happen at small scale, the memory a workload should not
 * use is taken out of play by a ballast process that mlocks it
 * (vm.compact_unevictable_allowed=0 journaled so compaction cannot move it),
 * asks to be exempt from the OOM killer (see ballast_oom_protected()), and
 * lives outside the workload's cgroup.
 * Biases are documented in README.md.
 */
#ifndef MMAB_BALLAST_H
#define MMAB_BALLAST_H

#include <stdbool.h>
#include <stdint.h>

struct ballast;
struct journal;

/* How the memory beyond the effective size is taken out of play. */
enum ballast_method {
	BALLAST_AUTO,		/* memory blocks offline where the kernel allows it, else mlock */
	BALLAST_HOTPLUG,	/* memory blocks offline (the rest, under a block, locked) */
	BALLAST_MLOCK,		/* all of it locked by the holder */
};

/*
 * ballast_start - leave about EFFECTIVE bytes of memory available (free plus
 * reclaimable, as MemAvailable counts it) and take the rest out of play as
 * METHOD says: memory blocks offline (runner/hotplug.h), down to less than
 * a block above EFFECTIVE, and the holder locks what is left.  Journals
 * what it changes in J.  Returns 0 (with *bp NULL when no ballast is
 * needed because less than EFFECTIVE is available anyway) or -errno
 * (-EOPNOTSUPP: BALLAST_HOTPLUG where memory cannot go offline).
 */
int ballast_start(struct ballast **bp, uint64_t effective, struct journal *j,
		  enum ballast_method method);

/*
 * ballast_adjust - have the holder follow MemAvailable back to the effective
 * size it was made for (lock more, or give its last locked bytes back) and
 * wait until it holds still, keeping the pages it has.  *SECONDS: how long
 * that took.  0 (also for NULL) or -errno (-ECHILD: the holder is dead);
 * on error the caller should make a new ballast.
 */
int ballast_adjust(struct ballast *b, double *seconds);

/* ballast_bytes - how much the holder locks. */
uint64_t ballast_bytes(const struct ballast *b);

/*
 * ballast_seconds - how long taking memory offline and locking took (0 for
 * NULL): for the record and the ETA.
 */
double ballast_seconds(const struct ballast *b);

/*
 * ballast_oom_protected - did the holder get oom_score_adj -1000?  Setting
 * it takes CAP_SYS_RESOURCE (root in a container may lack it); without it
 * the OOM killer takes the ballast, the biggest process, before the
 * workload: the caller should then raise the workload's oom_score_adj to
 * 1000 (raising needs no privilege).  True for NULL.
 */
bool ballast_oom_protected(const struct ballast *b);

/*
 * ballast_alive - is the holder still there (not OOM-killed)?  A step
 * during which it died ran on the whole machine: its numbers are not
 * those of the effective size.  True for NULL.
 */
bool ballast_alive(struct ballast *b);

/*
 * ballast_stop - release the memory: kill and reap the holder, bring the
 * memory blocks back online.  NULL is fine.
 */
void ballast_stop(struct ballast *b);

/* ballast_method_name - "hotplug" (some memory went offline) or "mlock"; NULL for NULL. */
const char *ballast_method_name(const struct ballast *b);
/* ballast_offline_bytes - memory taken offline (0 for NULL or mlock). */
uint64_t ballast_offline_bytes(const struct ballast *b);
/* ballast_offline_refused - online blocks that would not go offline. */
unsigned ballast_offline_refused(const struct ballast *b);

#endif
