/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a workload calls: wl_metric() to report a result, and the workload
 * side of the journal: everything a workload changes on the machine goes
 * through wl_knob_set() and wl_journal_path(), which journal it in the
 * runner's journal (inherited across fork), so the runner puts it back
 * even after the workload's child was OOM-killed or timed out.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "lib/csv.h"
#include "lib/journal.h"
#include "lib/knob.h"
#include "workloads/workload.h"

int wl_knob_set(struct wl_ctx *ctx, const char *path, const char *value)
{
	char resolved[PATH_MAX];
	int ret;

	if (!ctx->journal)
		return -EINVAL;
	ret = knob_resolve(path, resolved, sizeof(resolved));
	if (ret)
		return ret;
	return journal_set_knob(ctx->journal, resolved, value);
}

int wl_journal_path(struct wl_ctx *ctx, const char *path)
{
	if (!ctx->journal)
		return -EINVAL;
	return journal_add_path(ctx->journal, path);
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
