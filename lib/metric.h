/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a metric is beyond its name and value: which direction is better and
 * how its iterations aggregate, spelled as metrics.csv spells them, and the
 * one number format every CSV writer uses.  Shared by the workloads that
 * write metrics and the analysis that reads them.
 */
#ifndef MMAB_METRIC_H
#define MMAB_METRIC_H

#include <stddef.h>

enum metric_dir {
	METRIC_HIGHER,		/* "higher": bigger is better */
	METRIC_LOWER,		/* "lower": smaller is better */
	METRIC_NONE,		/* "none": informational */
};

enum metric_agg {
	AGG_MEAN,		/* "mean": arithmetic mean over iterations */
	AGG_HMEAN,		/* "hmean": harmonic mean (rates: MB/s, ops/s) */
	AGG_TOTAL,		/* "total": sum over iterations */
	AGG_MAX,		/* "max" */
	AGG_MIN,		/* "min" */
};

/* "higher"/"lower"/"none" and "mean"/"hmean"/"total"/"max"/"min". */
const char *metric_dir_name(enum metric_dir d);
const char *metric_agg_name(enum metric_agg a);
/* The inverse of the above, for readers of metrics.csv: 0 or -EINVAL. */
int metric_dir_parse(const char *s, enum metric_dir *d);
int metric_agg_parse(const char *s, enum metric_agg *a);
/*
 * metric_format_value - V as written in mmab's CSVs: the shortest "%.Ng"
 * (N <= 17) that reads back as exactly V; "" for NaN or infinities (n/a).
 */
void metric_format_value(char *buf, size_t len, double v);

#endif
