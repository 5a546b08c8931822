/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload interface.  A workload is one C file in workloads/ ending in a
 * const struct workload, registered by one line in workloads/registry.c.
 *
 * Life of one iteration (runner/step.c): the runner settles the machine,
 * puts the ballast in place (the effective memory size), starts the
 * collectors, then forks a child placed in a memory cgroup.  In the child:
 * setup(), run(), teardown(), then the child exits 0 (ok), 4 (skipped, the
 * reason written to stderr) or anything else (failed).  The runner records
 * OOM kills, signals and timeouts itself.  Everything a workload changes on
 * the machine goes through wl_knob_set() / wl_journal_path() so it is put
 * back even when the child dies.
 */
#ifndef MMAB_WORKLOAD_H
#define MMAB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/metric.h"
#include "lib/options.h"

struct journal;

enum wl_flags {
	WL_NEEDS_ROOT	= 1 << 0,
	WL_NEEDS_HUGETLB = 1 << 1,	/* hugetlb pool must be growable */
	WL_NEEDS_THP	= 1 << 2,
	WL_MAY_OOM	= 1 << 3,	/* an OOM kill is an expected outcome */
	WL_NO_BALLAST	= 1 << 4,	/* runs on the whole machine whatever the scale */
};

/* What the runner hands a workload for one iteration. */
struct wl_ctx {
	const char *iter_dir;	/* iteration directory: metrics.csv, extra CSVs, logs */
	const char *scratch_dir; /* empty dir for the workload's files; removed afterwards */
	uint64_t mem_bytes;	/* effective memory size (ballast already in place) */
	uint64_t seed;		/* per-iteration seed, recorded in metadata */
	int iteration;		/* 1-based */
	double timeout_s;	/* the runner kills the child after this */
	FILE *metrics;		/* metrics.csv, header already written */
	struct journal *journal;
	volatile int *stop;	/* set to 1 when the workload should wind down */
	/*
	 * The workload's own per-run state (fio's td->io_ops_data): NULL when
	 * the child starts; setup or run sets it, teardown frees it.  No
	 * workload keeps per-run state in file-level variables.
	 */
	void *state;
};

struct workload {
	const char *name;
	const char *summary;	/* one line */
	unsigned flags;		/* enum wl_flags */
	const struct opt_spec *opts;	/* OPT_END-terminated, may be NULL */
	size_t priv_size;	/* size of the option struct opts fill */

	/*
	 * supported - can it run here with these options?  0 if yes; else
	 * writes the reason ("not root", "fio not installed") to why.
	 * Called in the runner, before anything is touched (also by --dry-run).
	 */
	int (*supported)(const void *opts, char *why, size_t whylen);
	/* estimate - expected seconds per iteration, for the plan and ETA. */
	double (*estimate)(const void *opts, uint64_t mem_bytes);
	/*
	 * setup/run/teardown - in the child; NULL hooks are skipped.  setup and
	 * run return 0 or -errno, and say why with mmab_err() themselves (they
	 * know the context; the runner adds a line only when a failing hook
	 * said nothing).  -EOPNOTSUPP means "this machine cannot run it as
	 * configured" (dirty-mmap on tmpfs, slab without a known inode cache):
	 * the iteration is recorded as skipped, not failed, with the hook's
	 * last mmab_err() message as the reason.  teardown runs after a setup
	 * that succeeded, whatever run returned (skip included); a setup that
	 * fails undoes its own partial work first.
	 */
	int (*setup)(struct wl_ctx *ctx, void *opts);
	int (*run)(struct wl_ctx *ctx, void *opts);
	void (*teardown)(struct wl_ctx *ctx, void *opts);
};

/*
 * wl_metric - append one row to metrics.csv:
 * metric,value,unit,direction,aggregate.  NaN values are written as empty
 * (n/a).  Returns 0 or -errno.
 */
int wl_metric(struct wl_ctx *ctx, const char *name, double value, const char *unit,
	      enum metric_dir dir, enum metric_agg agg);

/*
 * wl_knob_set - journal PATH's current value, then write VALUE to it.
 * PATH is a sysctl name ("vm.dirty_ratio") or a path under /proc/sys or
 * /sys/kernel/mm.  Returns 0 or -errno (reported by the caller).
 */
int wl_knob_set(struct wl_ctx *ctx, const char *path, const char *value);

/*
 * wl_journal_path - record a file or directory the workload creates outside
 * scratch_dir, so it is removed even after a crash.  0 or -errno.
 */
int wl_journal_path(struct wl_ctx *ctx, const char *path);

/* The registry: workloads/registry.c. */
extern const struct workload *const workloads[];
const struct workload *workload_find(const char *name);

#endif
