/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The perf collector's parser and time alignment (collectors/perf.c),
 * declared here so unit tests feed them perf output captured on a real
 * machine (tests/fixtures/perf/) without root.
 *
 * perf stat -I prints, every interval, one line per event: its count since
 * the last interval and a timestamp in seconds since perf's own reference
 * time (CLOCK_MONOTONIC when perf took it, which perf does not print).  The
 * collector starts perf with its events disabled, tells it to enable them
 * through perf's control pipe and times the acknowledgement, so it knows
 * when counting began to within that round trip; the first interval's run
 * time (how long the events counted, summed over the CPUs) then places
 * perf's reference time on mmab's clock.
 */
#ifndef MMAB_COL_PERF_H
#define MMAB_COL_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The default events (issue 3), NULL-terminated. */
extern const char *const perf_default_events[];

/* One event's count for one interval, as perf printed it. */
struct perf_reading {
	double ts;		/* interval end: s since perf's reference time */
	char event[256];	/* the event's name as perf prints it */
	double count;		/* NAN unless counted */
	bool supported;		/* false: "<not supported>" */
	bool counted;		/* false: "<not counted>" (or not supported) */
	double runtime_ns;	/* time the event counted, summed over CPUs */
};

/*
 * perf_parse_line - parse one line of `perf stat -I MS -j` (a JSON object
 * per line: keys are names, so nothing depends on their order) or of
 * `perf stat -I MS -x,`.  For -x, the event field is found by name among
 * EVENTS (the names perf was given; NULL-terminated); the value is the
 * field two before it and the run time the one after, whatever options or
 * perf versions put in front.  Returns 1 with *r filled for a reading, 0
 * for a line that is no reading (perf's messages such as "Events enabled",
 * blank lines), -EINVAL for a reading that does not parse.
 */
int perf_parse_line(const char *line, char *const *events, struct perf_reading *r);

struct perf_series;

/* perf_series_new - an empty series of readings. */
struct perf_series *perf_series_new(void);
/* perf_series_free - free S.  NULL is fine. */
void perf_series_free(struct perf_series *s);
/*
 * perf_series_add - append R, received at RECV (CLOCK_MONOTONIC seconds).
 * Readings of one interval share R->ts.  Returns 0, or -EINVAL when R->ts
 * goes back in time.
 */
int perf_series_add(struct perf_series *s, const struct perf_reading *r, double recv);

/* What the collector knows about the run besides perf's output. */
struct perf_timing {
	double t0;		/* iteration start, CLOCK_MONOTONIC s */
	double enable_lo;	/* "enable" written to perf's control pipe */
	double enable_hi;	/* perf's acknowledgement read */
	double interval_s;	/* the interval perf was given */
	int ncpu;		/* CPUs counted, used when one interval cannot tell */
};

/* What perf_series_write found. */
struct perf_result {
	double start_t;		/* counting start, s since t0 */
	double align_err_s;	/* the error of every t, at most (NAN: nothing counted) */
	size_t intervals;	/* intervals written */
	size_t rows;
	bool partial;		/* the last interval was cut short by the stop */
	bool from_bound;	/* perf read late: aligned on the reception bound */
};

/*
 * perf_series_write - write the rows "t,event,count,interval_s,partial" of
 * every interval that counted (intervals perf printed before the events
 * were enabled are dropped) to OUT, without header.  t is the interval's
 * end in seconds since TM->t0, interval_s its length (the first runs from
 * the counting start), partial 1 on the last interval when it is shorter
 * than the nominal interval (perf's timer never fires early: SIGINT cut
 * it).  Events perf reports "<not supported>" get no rows
 * (perf_series_unsupported); a "<not counted>" interval gets an empty
 * count.  *res (may be NULL) gets the summary.  Returns 0 or -EIO (write
 * error).
 */
int perf_series_write(struct perf_series *s, FILE *out, const struct perf_timing *tm,
		      struct perf_result *res);
/* perf_series_unsupported - events perf called "<not supported>" (NULL-terminated, owned by S). */
char *const *perf_series_unsupported(const struct perf_series *s);

#endif
