/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress of a run on stderr: on a terminal one line redrawn in place (a
 * bar, the step, workload, variant and ETA, ticking while a step runs);
 * otherwise plain lines a log file keeps.  The ETA starts from every
 * workload's estimate() and is corrected by what the finished steps really
 * took: a workload's own measured mean once it has one, else its estimate
 * scaled by the ratio measured/estimated over all finished steps.
 */
#ifndef MMAB_PROGRESS_H
#define MMAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct progress;

/*
 * progress_new - track NSTEPS steps; ESTIMATE[i] is step i's expected
 * seconds and KEY[i] groups steps whose durations predict each other (the
 * workload id).  Both arrays are copied.  TTY selects the redrawn bar.
 * OUT is where it writes (stderr).
 */
struct progress *progress_new(size_t nsteps, const double *estimate, const char *const *key,
			      bool tty, FILE *out);

/* progress_done_before - step I finished in an earlier session (--resume). */
void progress_done_before(struct progress *p, size_t i);

/* progress_begin - step I starts; WHAT says which ("idle #2 [B]"). */
void progress_begin(struct progress *p, size_t i, const char *what);

/* progress_end - step I took SECONDS; OUTCOME is its status ("ok", "failed: oom"). */
void progress_end(struct progress *p, size_t i, double seconds, const char *outcome);

/* progress_note - print a line without breaking the bar. */
void progress_note(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * progress_eta - seconds left: the steps not yet done, plus what is left of
 * step CURRENT (SIZE_MAX: none) after ELAPSED seconds in it.
 */
double progress_eta(const struct progress *p, size_t current, double elapsed);

/* progress_format_duration - "45s", "3m05s", "2h04m" into buf. */
void progress_format_duration(char *buf, size_t len, double s);

/* progress_free - stop the ticker, clear the bar, free. NULL is fine. */
void progress_free(struct progress *p);

#endif
