/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metric rows: the names of directions and aggregations as metrics.csv
 * spells them, number formatting shared by every CSV writer, and
 * wl_metric(), the one call through which a workload reports a result.
 * Kept apart from the knob-touching half of the workload glue so readers
 * of result sets (compare, plot, report) link without the journal.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csv.h"
#include "runner/mmab.h"
#include "workloads/workload.h"

static const char *const dir_names[] = {
	[METRIC_HIGHER] = "higher",
	[METRIC_LOWER] = "lower",
	[METRIC_NONE] = "none",
};

static const char *const agg_names[] = {
	[AGG_MEAN] = "mean",
	[AGG_HMEAN] = "hmean",
	[AGG_TOTAL] = "total",
	[AGG_MAX] = "max",
	[AGG_MIN] = "min",
};

const char *metric_dir_name(enum metric_dir d)
{
	return (unsigned)d < ARRAY_SIZE(dir_names) ? dir_names[d] : "none";
}

const char *metric_agg_name(enum metric_agg a)
{
	return (unsigned)a < ARRAY_SIZE(agg_names) ? agg_names[a] : "mean";
}

int metric_dir_parse(const char *s, enum metric_dir *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(dir_names); i++) {
		if (!strcmp(s, dir_names[i])) {
			*d = (enum metric_dir)i;
			return 0;
		}
	}
	return -EINVAL;
}

int metric_agg_parse(const char *s, enum metric_agg *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(agg_names); i++) {
		if (!strcmp(s, agg_names[i])) {
			*a = (enum metric_agg)i;
			return 0;
		}
	}
	return -EINVAL;
}

void metric_format_value(char *buf, size_t len, double v)
{
	if (!isfinite(v)) {
		if (len)
			buf[0] = '\0';
		return;
	}
	/* integers as integers: 310, not 3.1e+02 */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	/* else the shortest text that reads back as the same double */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

int wl_metric(struct wl_ctx *ctx, const char *name, double value, const char *unit,
	      enum metric_dir dir, enum metric_agg agg)
{
	char num[64];

	if (!ctx->metrics)
		return -EBADF;
	metric_format_value(num, sizeof(num), value);
	csv_write_str(ctx->metrics, name);
	fprintf(ctx->metrics, ",%s,", num);
	csv_write_str(ctx->metrics, unit);
	fprintf(ctx->metrics, ",%s,%s\n", metric_dir_name(dir), metric_agg_name(agg));
	/* a child killed a second later must not lose what it already measured */
	if (fflush(ctx->metrics) || ferror(ctx->metrics))
		return -EIO;
	return 0;
}
