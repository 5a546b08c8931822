/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading result sets (layout in results/README.md) for compare, plot and
 * report.  A result set is any directory holding a metadata.json.  Missing,
 * truncated or malformed files are reported as FILE:LINE: message and the
 * rest is still loaded.  Nothing here needs root or touches the machine.
 */
#ifndef MMAB_RSET_H
#define MMAB_RSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/metric.h"

/*
 * One (workload, iteration) as recorded in status.csv.  Two statuses come
 * from the reader, not the file: "incomplete" for an iteration directory
 * without a row (the run stopped during it: its files are partial), and
 * "unknown" for every iteration found when status.csv itself is missing.
 */
struct rset_iter {
	char *workload;
	int iteration;
	char *status;		/* "ok", "failed", "skipped", "incomplete", "unknown" */
	char *reason;		/* "", "oom", "timeout", "signal 9", "exit 1", text */
	double duration_s;	/* NaN when not recorded */
	char *dir;		/* <set>/<workload>/<iteration> */
	/* from its iteration.json (absent: before the run wrote one, or a skip) */
	long long seed;		/* the workload's seed; RSET_NO_SEED when absent */
	int boot;		/* the boot of a kernel A/B it ran in (1..N); 0 when absent */
	long kernel_warnings;	/* WARNING:/BUG:/KASAN console lines meanwhile; -1: absent */
};

#define RSET_NO_SEED (-1LL)

/*
 * One workload metric pooled over the iterations that reported it: those
 * with status "ok" (or "unknown"); a failed iteration's partial metrics are
 * not mixed in.  Metrics keep the order of their first appearance.
 */
struct rset_metric {
	char *workload;
	char *name;
	char *unit;
	enum metric_dir dir;
	enum metric_agg agg;
	double *values;		/* n values, NaN for n/a */
	int *iterations;	/* the iteration each value came from */
	size_t n;
};

struct rset {
	char *path;		/* the result-set directory */
	char *label;		/* metadata label (or the directory name) */
	json_t *meta;		/* metadata.json, or an empty object */
	struct rset_iter *iters;
	size_t n_iters;
	struct rset_metric *metrics;
	size_t n_metrics;
	char **workloads;	/* in suite order */
	size_t n_workloads;
	unsigned problems;	/* files or lines reported */
};

/*
 * rset_resolve - ARG is a result-set directory, a run directory holding
 * exactly one result set, or a label found under ./results (or $MMAB_RESULTS).
 * Writes the directory into out.  Returns 0, -ENOENT (reported), or -EINVAL
 * when ambiguous (reported, listing the candidates).
 */
int rset_resolve(const char *arg, char *out, size_t len);

/*
 * rset_expand - like rset_resolve, but a run directory (or a run id found
 * under the results directory) gives every result set it holds, in the
 * order of its run.json (else by name), as `mmab compare results/RUN/`
 * promises.  Appends malloc'd paths to *dirs (*n of them, the array grown
 * with realloc).  Returns 0, -ENOENT or -EINVAL (reported).
 */
int rset_expand(const char *arg, char ***dirs, size_t *n);

/*
 * rset_load - load the result set in DIR.  Returns 0 (possibly with
 * problems counted and reported) or -errno when DIR is not a result set
 * (no metadata.json: not reported, the caller knows the context).
 */
int rset_load(const char *dir, struct rset *rs);
/* rset_free - free what rset_load allocated (strings from it die with it). */
void rset_free(struct rset *rs);

/*
 * rset_meta - the value at KEY in metadata.json, or NULL.  Dotted paths
 * walk into objects ("uname.release", "knobs.before.vm.dirty_ratio": a key
 * that itself holds dots is tried whole first).
 */
json_t *rset_meta(const struct rset *rs, const char *key);
/* rset_meta_str - rset_meta when it is a string, else NULL. */
const char *rset_meta_str(const struct rset *rs, const char *key);

/*
 * rset_csv - load DIR/NAME into *c, its problems counted in RS.  A file
 * that cannot be read is reported ("cannot read: ...", plus WHY when not
 * NULL) and counted, except a missing one when OPTIONAL (a collector that
 * did not run leaves no file).  Returns true when *c was loaded (free it
 * with csv_free).
 */
struct csv;
bool rset_csv(struct rset *rs, const char *dir, const char *name, bool optional,
	      const char *why, struct csv *c);

/* rset_iter_find - the iteration IT of workload W, or NULL. */
const struct rset_iter *rset_iter_find(const struct rset *rs, const char *w, int it);

/* rset_count - iterations of WORKLOAD (NULL: all) with STATUS (NULL: any). */
size_t rset_count(const struct rset *rs, const char *workload, const char *status);

/*
 * rset_label_short - LABELS[i] in a way that tells it from LABELS[0..n):
 * the label itself when it is at most WIDTH characters, when n < 2, or
 * when the labels share no prefix up to a separator ("-_.+"); otherwise
 * what they share is shown as '~' ("6.18-fc-madvise", "6.18-fc-defer" ->
 * "~madvise", "~defer"), which may still be longer than WIDTH (the caller
 * cuts it to its taste).  Malloc'd.
 */
char *rset_label_short(const char *const *labels, size_t n, size_t i, size_t width);

/* rset_iter_used - whether the iteration's files are pooled ("ok", "unknown"). */
bool rset_iter_used(const struct rset_iter *it);

#endif
