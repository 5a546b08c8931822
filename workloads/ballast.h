/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The effective memory size: so that global direct reclaim, kswapd and
 * compaction really happen at small scale, the memory a workload should not
 * use is taken out of play by a ballast process that mlocks it
 * (vm.compact_unevictable_allowed=0 journaled so compaction cannot move it),
 * is exempt from the OOM killer, and lives outside the workload's cgroup.
 * Biases are documented in README.md.
 */
#ifndef MMAB_BALLAST_H
#define MMAB_BALLAST_H

#include <stdint.h>

struct ballast;
struct knob_journal;

/*
 * ballast_start - leave about EFFECTIVE bytes of memory available (free plus
 * reclaimable, as MemAvailable counts it) and lock the rest.  Journals the
 * knobs it changes in J.  Returns 0 (with *bp NULL when no ballast is needed
 * because less than EFFECTIVE is available anyway) or -errno.
 */
int ballast_start(struct ballast **bp, uint64_t effective, struct knob_journal *j);

/* ballast_bytes - how much the ballast holds. */
uint64_t ballast_bytes(const struct ballast *b);

/* ballast_seconds - how long locking took (0 for NULL): for the record and the ETA. */
double ballast_seconds(const struct ballast *b);

/* ballast_stop - release the memory (kill and reap the holder).  NULL is fine. */
void ballast_stop(struct ballast *b);

#endif
