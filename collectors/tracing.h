/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two trace-based collectors (perf and stalls) share: the event
 * list edits a suite writes (`events = +kmem:mm_page_alloc, -page-faults`),
 * tracefs mounted for as long as one of them needs it and unmounted again
 * when mmab was the one to mount it (perf would mount it and leave it), a
 * tracepoint existence check, and warnings given once per process rather
 * than once per iteration.
 */
#ifndef MMAB_COL_TRACING_H
#define MMAB_COL_TRACING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "collectors/collector.h"
#include "lib/mmab.h"

/*
 * col_events_edit - the event list SPEC makes of DEFAULTS (NULL-terminated).
 * SPEC is a comma-separated list; blanks around items are ignored.  With
 * only "+name" and "-name" items it edits the defaults in order (add if
 * absent, remove); with any plain item the plain items replace the
 * defaults and the +/- items then edit that list.  NULL or blank SPEC: the
 * defaults.  Commas inside a perf PMU term ("cpu/event=0x3c,umask=0/") or
 * a {group} do not split.  KNOWN (NULL-terminated, may be NULL: anything
 * goes) restricts the names.  Removing a name that is not in the list, an
 * unknown name or an empty result is an error.  Returns 0 with *out a
 * malloc'd NULL-terminated array of malloc'd names (col_events_free), or
 * -EINVAL with the reason in ERR.
 */
int col_events_edit(const char *const *defaults, const char *spec, const char *const *known,
		    char ***out, char *err, size_t errlen);
/* col_events_free - free a list from col_events_edit.  NULL is fine. */
void col_events_free(char **list);
/* col_events_count - number of names in LIST. */
size_t col_events_count(char *const *list);

/*
 * col_tracefs_get - make sure tracefs is mounted and set *dir to it (the
 * mount point of an existing tracefs, else /sys/kernel/tracing, mounted now
 * and remembered, journaled first in J when not NULL, so a killed run does
 * not leave it mounted).  Every successful call pairs with col_tracefs_put.
 * Returns 0 or -errno (-ENODEV: this kernel has no tracefs).
 */
struct journal;
int col_tracefs_get(struct journal *j, const char **dir);
/*
 * col_tracefs_put - drop a reference; the last one unmounts tracefs if
 * col_tracefs_get mounted it (and leaves it when busy: someone else is
 * using it by then).
 */
void col_tracefs_put(void);
/*
 * col_tracefs_mounted - is a tracefs mounted now?  DIR gets its mount point
 * (/sys/kernel/tracing preferred).  Mounts nothing: for checks that must
 * not touch the machine.
 */
bool col_tracefs_mounted(char *dir, size_t len);
/* col_tracefs_supported - does this kernel have tracefs?  (no mount, no side effect) */
bool col_tracefs_supported(void);

/*
 * col_tracepoint_split - split "sys:name" into SYS and NAME (each at most
 * LEN bytes).  Returns true only for a plain tracepoint name: exactly one
 * colon, both parts non-empty, made of [A-Za-z0-9_].
 */
bool col_tracepoint_split(const char *event, char *sys, char *name, size_t len);
/* col_tracepoint_exists - is there DIR/events/SYS/NAME for the tracepoint EVENT ("sys:name")? */
bool col_tracepoint_exists(const char *dir, const char *event);

/*
 * col_warn_once - mmab_warn the message unless KEY was warned about before
 * in this process (an event a kernel lacks is the same news every
 * iteration).  Thread-safe.
 */
void col_warn_once(const char *key, const char *fmt, ...) MMAB_PRINTF(2, 3);

/*
 * col_thread_start - start FN(ARG) in a thread that takes no signals (the
 * runner's handlers must run in its own threads).  0 or -errno.
 */
int col_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/*
 * col_fail - say in CI->err why open or close failed (the sampler reports
 * it once, with the collector's name).
 */
void col_fail(struct collector_inst *ci, const char *fmt, ...) MMAB_PRINTF(2, 3);

#endif
