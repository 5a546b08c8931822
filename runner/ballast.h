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

/*
 * ballast_start - leave about EFFECTIVE bytes of memory available (free plus
 * reclaimable, as MemAvailable counts it) and lock the rest.  Journals the
 * knobs it changes in J.  Returns 0 (with *bp NULL when no ballast is needed
 * because less than EFFECTIVE is available anyway) or -errno.
 */
int ballast_start(struct ballast **bp, uint64_t effective, struct journal *j);

/*
 * ballast_adjust - have the holder follow MemAvailable back to the effective
 * size it was made for (lock more, or give its last locked bytes back) and
 * wait until it holds still, keeping the pages it has.  *SECONDS: how long
 * that took.  0 (also for NULL) or -errno (-ECHILD: the holder is dead);
 * on error the caller should make a new ballast.
 */
int ballast_adjust(struct ballast *b, double *seconds);

/* ballast_bytes - how much the ballast holds. */
uint64_t ballast_bytes(const struct ballast *b);

/* ballast_seconds - how long locking took (0 for NULL): for the record and the ETA. */
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

/* ballast_stop - release the memory (kill and reap the holder).  NULL is fine. */
void ballast_stop(struct ballast *b);

#endif
