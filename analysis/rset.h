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

#include "workloads/workload.h"

/* One (workload, iteration) as recorded in status.csv. */
struct rset_iter {
	char *workload;
	int iteration;
	char *status;		/* "ok", "failed", "skipped" */
	char *reason;		/* "", "oom", "timeout", "signal 9", "exit 1", text */
	double duration_s;
	char *dir;		/* <set>/<workload>/<iteration> */
};

/* One workload metric pooled over the iterations that reported it. */
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
 * rset_load - load the result set in DIR.  Returns 0 (possibly with
 * problems counted and reported) or -errno when DIR is not a result set.
 */
int rset_load(const char *dir, struct rset *rs);
void rset_free(struct rset *rs);

/* rset_meta_str - a top-level string in metadata.json (dotted paths allowed:
 * "uname.release"), or NULL. */
const char *rset_meta_str(const struct rset *rs, const char *key);

#endif
