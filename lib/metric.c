/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metric directions and aggregations as metrics.csv spells them, and the
 * number format shared by every CSV writer.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metric.h"
#include "lib/mmab.h"

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
