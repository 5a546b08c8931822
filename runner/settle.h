/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Settling before each iteration, so iterations start from the same state:
 * sync, drop the page cache and slab caches, compact memory, then wait until
 * dirty and writeback pages have drained and the CPUs are idle (or a time
 * limit passes).  What was done and what it found is reported for the
 * record (status.csv / metadata).  Needs root; touches no knob that must be
 * restored (drop_caches and compact_memory are actions, not settings).
 */
#ifndef MMAB_SETTLE_H
#define MMAB_SETTLE_H

#include <stdbool.h>

struct settle_opts {
	bool drop_caches;	/* echo 3 > /proc/sys/vm/drop_caches */
	bool compact;		/* echo 1 > /proc/sys/vm/compact_memory */
	double max_wait_s;	/* give up waiting after this (0: 30 s) */
	long long dirty_kb;	/* wait until Dirty + Writeback <= this (0: 4096 kB) */
	double idle_pct;	/* wait until the CPUs are this idle over 250 ms (0: 90) */
};

struct settle_report {
	double seconds;		/* time spent settling */
	long long dirty_kb;	/* Dirty + Writeback at the end */
	double idle_pct;	/* CPU idle % over the last window */
	bool timed_out;		/* max_wait_s passed before the machine was quiet */
};

/*
 * settle_machine - settle as O says; *r gets what happened.  Returns 0 (a
 * timeout is not an error: r->timed_out says so) or -errno when a step
 * could not be done (not root).  The caller records r.
 */
int settle_machine(const struct settle_opts *o, struct settle_report *r);

#endif
