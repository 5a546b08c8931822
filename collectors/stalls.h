/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stalls collector's pairing of begin and end events and its tracefs
 * instance names (collectors/stalls.c), declared here so unit tests drive
 * them without root or tracefs.
 */
#ifndef MMAB_COL_STALLS_H
#define MMAB_COL_STALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The stall kinds a suite may name in `events` (all by default), NULL-terminated. */
extern const char *const stalls_default_kinds[];

/*
 * Begin/end pairing: a stall begins and ends in the same task (the events
 * fire in its context), so pairs are matched per kind and pid, and per CPU
 * for pid 0 (each CPU's idle task is pid 0).  Begins and ends must be fed
 * in time order (tracefs_iterate_raw_events merges the CPUs' buffers).
 */
struct stalls_pairer;

struct stalls_pairer *stalls_pairer_new(void);
/* stalls_pairer_free - free P and whatever begins are still open.  NULL is fine. */
void stalls_pairer_free(struct stalls_pairer *p);
/*
 * stalls_begin - KIND began in PID on CPU at TS (ns).  A begin that finds
 * one already open for the same key replaces it (its end was lost) and
 * counts in *replaced.
 */
void stalls_begin(struct stalls_pairer *p, int kind, int pid, int cpu, uint64_t ts);
/*
 * stalls_end - KIND ended in PID on CPU at TS.  Returns true with *begin
 * (ns) when it closes an open begin; false (counted in *unmatched) when
 * none is open, e.g. the stall began before the collector started.
 */
bool stalls_end(struct stalls_pairer *p, int kind, int pid, int cpu, uint64_t ts,
		uint64_t *begin);

/* What the pairer saw: ends without a begin, begins replaced, begins still open. */
struct stalls_counts {
	uint64_t unmatched, replaced, open;
};
void stalls_pairer_counts(const struct stalls_pairer *p, struct stalls_counts *c);

/*
 * Instance names: "mmab-PID-START-SEQ", START being the process's start
 * time (/proc/PID/stat, clock ticks since boot), so an instance left by a
 * crashed mmab is told from one of a live mmab even after its pid is
 * reused.
 */
/* stalls_instance_name - the name of this process's SEQ'th instance into BUF.  0 or -errno. */
int stalls_instance_name(char *buf, size_t len, unsigned seq);
/* stalls_instance_stale - is NAME an mmab instance whose process is gone? */
bool stalls_instance_stale(const char *name);

#endif
