/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload side of the knob journal: everything a workload changes on
 * the machine goes through these two calls, which journal it in the
 * runner's journal (inherited across fork), so the runner puts it back
 * even after the workload's child was OOM-killed or timed out.
 */
#include <errno.h>
#include <limits.h>

#include "runner/knob.h"
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
	return knob_set(ctx->journal, resolved, value);
}

int wl_journal_path(struct wl_ctx *ctx, const char *path)
{
	if (!ctx->journal)
		return -EINVAL;
	return knob_journal_path(ctx->journal, path);
}
