/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counting kernel tracepoints system-wide from a workload (dirty-mmap's
 * dirty throttling, frag's fragmenting fallbacks): exact counts from perf
 * counters on every CPU and, when asked, a numeric field summed over the
 * events.  Needs root (or a permissive perf_event_paranoid) and tracefs for
 * the events' ids and formats.
 */
#ifndef MMAB_TRACEPOINT_H
#define MMAB_TRACEPOINT_H

struct tp_counter;

/*
 * tp_counter_open - count system-wide, on every CPU, the events SYSTEM:EVENT
 * that pass FILTER (a tracepoint filter such as "pause > 0", or NULL), and
 * sum their numeric FIELD from the raw samples (FIELD NULL: count only, no
 * samples, no ring buffers).  Needs tracefs for the event's id and format:
 * when none is mounted it is mounted in a private mount namespace of the
 * calling process (call before starting threads), so nothing stays mounted
 * after the workload exits.  Returns 0 or -errno.
 */
int tp_counter_open(struct tp_counter **tpp, const char *system, const char *event,
		    const char *field, const char *filter);

/* tp_counter_drain - consume the samples buffered so far (call every ~100 ms). */
void tp_counter_drain(struct tp_counter *tp);

/*
 * tp_counter_read - stop counting, drain, then *count = events that passed
 * the filter (exact: the kernel's counter) and *sum = FIELD summed over the
 * samples read; *sum is NaN without a FIELD or when samples were lost (the
 * ring buffer overflowed).  Counting does not resume.  0 or -errno.
 */
int tp_counter_read(struct tp_counter *tp, double *count, double *sum);

/* tp_counter_close - close everything.  NULL is fine. */
void tp_counter_close(struct tp_counter *tp);

#endif
