/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Settling before each iteration, so iterations start from the same state:
 * sync, drop the page cache and slab caches, drain the per-CPU page lists,
 * compact memory, wait until
 * kswapd and kcompactd have gone quiet (what the last iteration and the
 * compaction woke them for is done), then until dirty and writeback pages
 * have drained and the CPUs are idle (or a time limit passes).  What was
 * done and what it found is reported for the record (status.csv /
 * metadata).  Needs root; touches no knob that must be restored
 * (drop_caches, compact_memory and stat_refresh are actions, not settings).
 */
#ifndef MMAB_SETTLE_H
#define MMAB_SETTLE_H

#include <stdbool.h>

struct journal;

struct settle_opts {
	bool drop_caches;	/* echo 3 > /proc/sys/vm/drop_caches */
	bool compact;		/* echo 1 > /proc/sys/vm/compact_memory */
	double max_wait_s;	/* give up waiting after this (0: 30 s) */
	long long dirty_kb;	/* wait until Dirty + Writeback <= this (0: 4096 kB) */
	double idle_pct;	/* wait until the CPUs are this idle over 250 ms (0: 90) */
	struct journal *journal;	/* for settle_drain_pcp() (NULL: lists drained to their floor) */
};

struct settle_report {
	double seconds;		/* time spent settling */
	long long dirty_kb;	/* Dirty + Writeback at the end */
	double idle_pct;	/* CPU idle % over the last window */
	bool timed_out;		/* max_wait_s passed before the machine was quiet */
	double quiet_seconds;	/* waiting for kswapd and kcompactd to go quiet */
	bool quiet;		/* they did */
	long long pcp_kb_found;	/* on the per-CPU lists after the drop, before the drain (-1: unknown) */
	long long pcp_kb;	/* left on them at the end (-1: unknown) */
};

/*
 * settle_machine - settle as O says; *r gets what happened.  Returns 0 (a
 * timeout is not an error: r->timed_out says so) or -errno when a step
 * could not be done (not root).  The caller records r.
 */
int settle_machine(const struct settle_opts *o, struct settle_report *r);

/*
 * settle_drain_pcp - empty the per-CPU page lists (what the last workload
 * freed sits there uncounted and unmerged: lib/mem.h, mem_drain_pcp()).
 * With journal J, vm.percpu_pagelist_high_fraction is set to its largest
 * for the drain (journaled, and set back through the journal before this
 * returns), so the lists go down to 4 batches a CPU instead of their floor
 * (~40 MB a CPU here); without J, or where the knob is missing, to the
 * floor.  *FOUND_KB and *LEFT_KB (either may be NULL) get what they held
 * before and after (-1: unknown).  0 or -errno.
 */
int settle_drain_pcp(struct journal *j, long long *found_kb, long long *left_kb);

/*
 * settle_reporting_off - turn free page reporting off for the run, where
 * the kernel has it (a VM giving free memory back to its host): it takes
 * free blocks of page_reporting_order and more off the free lists for
 * seconds at a time, and the host takes their backing away, so a workload
 * on a small effective size meets memory that comes and goes and first
 * touches that cost a host fault.  page_reporting_order is set through
 * the journal J to the largest order the kernel takes (larger than any
 * block where it allows that).  *ORDER gets the order set, -1 when there
 * is no free page reporting.  0 or -errno.
 */
int settle_reporting_off(struct journal *j, int *order);

#endif
