/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab's nightly history: importing result sets into the store
 * (history/store.h), loading the series back, judging them (change points
 * and the newest night), and publishing them.  What `mmab history` and
 * `mmab run --history` do; the command lines are in runner/cmd-history.c.
 *
 * A series is (host, label, kernel, variant, workload, metric): one value
 * per result set, the metric's aggregate over the iterations that
 * succeeded, with those iterations kept.  Every fact comes from
 * metadata.json, never from a directory name.
 */
#ifndef MMAB_HISTORY_H
#define MMAB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "analysis/rset.h"
#include "analysis/stats.h"
#include "history/cpd.h"
#include "history/store.h"

/* ---- import (history/import.c) ---- */

/* What identifies a result set in the history, from its metadata.json. */
struct history_facts {
	char *host;		/* vm.hostname for a guest's set, else hostname */
	char *run_id;
	char *name;		/* the set's label: unique in its run */
	char *label;		/* the run's label: the set's without -KERNEL and -VARIANT */
	char *kernel;		/* kernel.name; "" when the set has no kernel object */
	char *release;		/* kernel.release, else uname.release */
	char *variant;		/* "" without one */
	char *start, *end;	/* ISO 8601; end NULL when the run did not finish */
	char *version, *suite;
	bool label_defaulted;	/* the label is the kernel release: it changes with it */
	bool kernel_defaulted;	/* likewise the kernel name */
};

/*
 * history_facts - the facts of RS; a missing run_id, start or host is
 * reported (naming its metadata.json) and gives -EINVAL.  Free with
 * history_facts_free.
 */
int history_facts(const struct rset *rs, struct history_facts *f);
void history_facts_free(struct history_facts *f);

struct history_added {
	size_t sets;		/* imported */
	size_t known;		/* already in the history: skipped */
	size_t points;
	char **said;		/* a line per set, said once committed */
	size_t nsaid;
};
void history_added_free(struct history_added *a);

/*
 * history_add - import the result sets in DIRS[0..n) into H in one
 * transaction: all of them, or (on any error) none.  A set already there
 * (same host, run id and set) is skipped; a set with problems in its files
 * is refused.  Says what it did on stderr once it is done.  Returns 0, or
 * -HSTORE_EBAD (a set or the store is bad) or -HSTORE_EFAIL (reported).
 * Free *out with history_added_free.
 */
int history_add(struct hstore *h, char *const *dirs, size_t n, struct history_added *out);

/*
 * history_add_args - expand ARGS[0..n) (result sets, run directories, labels
 * under ./results) and import them into the store SPEC (created when
 * missing).  Progress and warnings on stderr.  Returns an exit code: 0,
 * 1 (the store failed) or 2 (bad input).
 */
int history_add_args(const char *spec, char *const *args, size_t n);

/* Output formats: text (80 columns), GitHub markdown, JSON. */
enum history_fmt { HF_TEXT, HF_MD, HF_JSON };

/* ---- the history loaded back (history/load.c) ---- */

/* A result set in the history. */
struct history_set {
	long long id;
	char *host, *run_id, *name, *label, *kernel, *release, *variant, *start, *end;
	bool newest;		/* in its host's newest run */
};

/* A series' value in one set. */
struct history_point {
	size_t set;		/* index into history_data.sets */
	double value;		/* NaN: n/a */
	double *iters;		/* the iteration values (NaN: n/a), by iteration number */
	int *iter_no;
	size_t n_iters;
};

struct history_series {
	char *host, *label, *kernel, *variant, *workload, *metric, *section, *unit;
	char *key;		/* "host/label/kernel/variant/workload/metric" */
	enum metric_dir dir;
	enum metric_agg agg;
	struct history_point *pts;	/* in time order */
	size_t n;
};

/*
 * The whole history: sets in time order (start, then host, run id and
 * name), series in the order of their keys (byte order, whatever the
 * database's collation), so both backends give the same answers.
 */
struct history_data {
	struct history_set *sets;
	size_t nsets;
	struct history_series *series;
	size_t nseries;
	size_t nhosts;
	size_t *newest_of_host;	/* per host: the first set of its newest run */
	double *ivals;		/* every point's iteration values, point after point */
	int *inos;		/* and their iteration numbers */
};

/*
 * history_load - read what H holds: the sets, and with POINTS the series with
 * their points and iterations.  0 or -HSTORE_E* (reported).
 */
int history_load(struct hstore *h, bool points, struct history_data *d);

/* history_list - the runs of D, oldest first, with their sets: text or json. */
int history_list(FILE *f, enum history_fmt fmt, const struct history_data *d);
void history_data_free(struct history_data *d);

/* ---- judging (history/judge.c) ---- */

struct history_params {
	struct cpd_params cpd;	/* change points */
	double fdr;		/* the newest night: BH false discovery rate (0.05) */
};

/* history_params_default - mmab's defaults (cpd.h, CMP_ALPHA). */
void history_params_default(struct history_params *p);

/* What a change, or the newest night, means for a metric. */
enum history_kind {
	HK_REGRESSION,
	HK_IMPROVEMENT,
	HK_CHANGE,		/* significant, for a metric without a better direction */
	HK_NO_DIFF,		/* "no difference proven" */
	HK_CANNOT_JUDGE,	/* fewer than 3 iteration values on a side */
	HK_NA,			/* no value in the newest night */
};
/* "regression", "improvement", "change", "no difference proven", "cannot judge", "n/a" */
const char *history_kind_name(enum history_kind k);

/* A change point of a series. */
struct history_cp {
	size_t series;
	size_t point;		/* the series' first point after the change */
	size_t from, to;	/* the points of the segments: [from, point) and [point, to) */
	struct cpd_point cp;	/* p, means of the point values before and after */
	double change_pct;	/* 100 * (after / before - 1) */
	enum history_kind kind;
};

/* The newest night of a series against its current segment. */
struct history_newest {
	size_t series;
	size_t point;		/* the newest point */
	size_t seg_from;	/* the segment: points [seg_from, point) */
	struct stats_summary seg, night;	/* of the iteration values */
	struct stats_test t;	/* Welch (and Mann-Whitney) of night against segment */
	double change_pct;	/* of the means shown (harmonic for rates) */
	double q;		/* BH over every series judged that night; NaN outside it */
	enum history_kind kind;
};

/* A series without a point in its host's newest run. */
struct history_stopped {
	size_t series;
	size_t last;		/* its last point */
};

struct history_result {
	struct history_params params;
	struct history_cp *cps;		/* newest first, then by series */
	size_t ncps;
	struct history_newest *newest;	/* by series */
	size_t nnewest;
	struct history_stopped *stopped;
	size_t nstopped;
	size_t regressions;		/* newest nights judged regressions */
};

/*
 * history_judge - change points of every series of D (one value per set,
 * n/a points left out), the newest night of each series in its host's
 * newest run, and the series that stopped.  Fills *r; free with
 * history_result_free.
 */
void history_judge(const struct history_data *d, const struct history_params *p, struct history_result *r);
void history_result_free(struct history_result *r);

/* ---- the judgement written out (history/check-out.c) ---- */

/*
 * history_json - the judgement as JSON: {"parameters", "change_points",
 * "newest", "stopped"}.  Nothing in it depends on the database it came
 * from.
 */
json_t *history_json(const struct history_data *d, const struct history_result *r);

/*
 * history_json_write - the site's history.json to F: history_json plus
 * "runs" (every set, in time order) and "series", each with its points as
 * [run index, value, [the value of iteration 1, 2, ... or null]].  Written
 * as it goes: a year of a nightly suite is tens of MB.  0 or -EIO.
 */
int history_json_write(FILE *f, const struct history_data *d, const struct history_result *r);

/*
 * history_print - write the judgement to F: text (80 columns, for a mail or a
 * log), md (GitHub tables) or json (history_json without FULL).  Returns 0 or
 * -EIO.
 */
int history_print(FILE *f, enum history_fmt fmt, const struct history_data *d, const struct history_result *r);

/* history_series_title - "WORKLOAD METRIC (UNIT)"; malloc'd. */
char *history_series_title(const struct history_series *s);
/* history_group - "HOST LABEL[ KERNEL][ VARIANT]": whose series it is; malloc'd. */
char *history_group(const struct history_series *s);

#endif
