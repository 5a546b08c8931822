/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The comparison of result sets against a baseline: workload metrics,
 * derived vmstat summaries, fragmentation, slab and stall summaries, each
 * with the same statistics and a verdict, plus the environment diff.
 *
 * The test: two sets are paired for a workload when every iteration k
 * that ended ok on both sides has the same seed (iteration.json) on both:
 * the runner gives iteration k of every variant (and every kernel) the
 * same seed, so the variance the seed causes cancels in the difference
 * (common random numbers).  Paired cells are tested on the differences of
 * their pairs, matched by iteration number: the paired t-test (and
 * Wilcoxon's signed-rank test beside it), with the CI of the mean
 * difference; values whose iteration has no value on the other side (it
 * failed there) are dropped and counted.  Otherwise, or with fewer than
 * CMP_MIN_N pairs, Welch's t-test (and Mann-Whitney's U beside it) on
 * every value.  Welch's and Mann-Whitney's p are computed for every cell
 * and keep their meaning.
 *
 * The verdict: a difference is claimed (better, worse, or "differs" for
 * metrics without a direction) when the p of the test used, adjusted by
 * Benjamini-Hochberg over every comparison in the table that has at least
 * CMP_MIN_N values (pairs) a side, is below CMP_ALPHA.  With fewer no
 * verdict is given.
 *
 * What the data can prove, per cell: mde_pct, the smallest change (in %
 * of the baseline's mean) the test used detects with power CMP_POWER at
 * two-sided level 0.05 with the current n and noise (t distribution;
 * paired: the spread of the differences); and for a change not proven,
 * n_needed, the iterations per side at which the observed change, with
 * the observed noise, would be proven with that power in a run of its
 * workload alone: at the level Benjamini-Hochberg asks of the next
 * discovery among that workload's comparisons, 0.05 (d + 1) / m (d of
 * its m comparisons proven already).
 *
 * Contracts other folders rely on (keep them stable):
 * - One set alone: compare_build(&set, 1, 0, &t) gives every row (the
 *   workload's metrics and every derived summary: vmstat.alloc_stalls,
 *   vmstat.thp_success, frag.*, slab.CACHE.*, stalls.EVENT.*) with the
 *   set's values per iteration in rows[r].cells[0] (values, iterations,
 *   seeds; NaN for n/a), the row's unit, direction and aggregation, and
 *   the aggregate the table shows in cells[0].s.mean.  No test, no
 *   environment diff: every cell is CMP_BASELINE.  The history store
 *   imports sets this way.
 * - A row's identity is (section, workload, metric); metric names are
 *   unique within a workload and do not depend on the other sets, except
 *   which slab caches get rows (the SLAB_TOP that grew most in any set
 *   of the table).
 * - metadata.json of a kernel A/B (issue 9): kernel.name, kernel.spec,
 *   kernel.release are the thing compared (with uname.release,
 *   uname.version and kernel_config_sha256), like the variants' knobs;
 *   kernel.backend and vm.* (accel, qemu_version, memory_bytes, cpus,
 *   hostname, release, thp.*) are compared like any environment key.  A
 *   set with vm.accel "tcg" gets a CMP_ALERT_TCG, one whose iterations
 *   have iteration.json kernel_warnings > 0 a CMP_ALERT_KWARN; every
 *   format says them before anything else.
 */
#ifndef MMAB_COMPARE_H
#define MMAB_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/rset.h"
#include "analysis/stats.h"

enum compare_fmt { CMP_TEXT, CMP_MD, CMP_CSV, CMP_JSON, CMP_HTML };

#define CMP_ALPHA 0.05		/* false discovery rate of the table */
#define CMP_MIN_N 3		/* values a side below which no verdict is given */
#define CMP_POWER 0.8		/* of mde_pct and n_needed */
#define CMP_N_MAX 1000		/* n_needed beyond this is n/a */

enum cmp_verdict {
	CMP_BASELINE,		/* the baseline's own cell */
	CMP_NA,			/* no value on one side */
	CMP_CANNOT_JUDGE,	/* fewer than CMP_MIN_N values on a side */
	CMP_NO_DIFF,		/* no difference proven */
	CMP_BETTER,
	CMP_WORSE,
	CMP_DIFFERS,		/* significant, for a metric without a direction */
};

/* "baseline", "n/a", "cannot judge", "no difference proven", "better", ... */
const char *cmp_verdict_name(enum cmp_verdict v);

/* The test a cell's verdict rests on. */
enum cmp_test {
	CMP_TEST_NONE,		/* the baseline's cell, or no value on a side */
	CMP_TEST_WELCH,		/* unpaired: Welch's t on every value */
	CMP_TEST_PAIRED,	/* paired: t on the differences of the pairs */
};

/* "welch", "paired-t"; NULL for CMP_TEST_NONE. */
const char *cmp_test_name(enum cmp_test t);

/*
 * One metric in one set.  values[i] came from iteration iterations[i],
 * whose seed was seeds[i]: per iteration that ended ok, in iteration
 * order (a history store keeps them as they are).
 */
struct cmp_cell {
	double *values;		/* NaN for n/a */
	int *iterations;
	long long *seeds;	/* RSET_NO_SEED when iteration.json has none */
	size_t n_values;
	struct stats_summary s;	/* s.mean is the aggregate shown: harmonic for
				   AGG_HMEAN metrics, else arithmetic */
	/* against the baseline; NaN (or 0, CMP_TEST_NONE) in the baseline's cell: */
	struct stats_test t;	/* Welch and Mann-Whitney on every value */
	struct stats_paired pt;	/* the paired tests (pt.n = 0 unless the sets are paired) */
	enum cmp_test test;	/* the test used */
	size_t dropped;		/* paired: values whose iteration has no value on the other side */
	double diff;		/* of the test used: mean(b) - mean(a), or the mean difference */
	double ci_low, ci_high;	/* its 95% CI */
	double p;		/* its p */
	double change_pct;	/* of the shown means (harmonic for hmean metrics) */
	double q;		/* BH-adjusted p, NaN when not in the family */
	double mde_pct;		/* minimum detectable effect, % of the baseline's mean */
	double n_needed;	/* iterations a side that would prove the change; NaN:
				   proven, nothing to prove, or more than CMP_N_MAX */
	enum cmp_verdict verdict;
};

enum cmp_section { SEC_METRICS, SEC_VMSTAT, SEC_FRAG, SEC_SLAB, SEC_STALLS, SEC_N };
/* "metrics", "vmstat", "frag", "slab", "stalls" */
const char *cmp_section_name(enum cmp_section s);

/* One metric across the sets. */
struct cmp_row {
	enum cmp_section section;
	char *workload;
	char *metric;		/* unique in (workload): "vmstat.alloc_stalls", "fault_rate" */
	char *unit;
	enum metric_dir dir;
	enum metric_agg agg;
	struct cmp_cell *cells;	/* one per set */
};

/* One metadata key where a set differs from the baseline. */
struct cmp_env {
	char *key;		/* "cmdline", "thp.defrag", "knobs.as_run.vm.dirty_ratio" */
	size_t set;
	char *base, *value;	/* as text; NULL: n/a (missing or of another type) */
	bool compared;		/* the thing compared (kernel, the variants' knobs): no warning */
};

/* What a reader must be told before any number of a set. */
enum cmp_alert_kind {
	CMP_ALERT_TCG,		/* the set ran in a VM under TCG: timings are emulated */
	CMP_ALERT_KWARN,	/* the kernel logged WARNING:/BUG:/KASAN lines during it */
};

struct cmp_alert {
	enum cmp_alert_kind kind;
	size_t set;
	long count;		/* CMP_ALERT_KWARN: the lines, over every iteration */
	char *where;		/* CMP_ALERT_KWARN: "thp/2, thp/3" (workload/iteration) */
};

struct cmp_table {
	struct rset *sets;
	size_t n_sets, baseline;
	struct cmp_row *rows;
	size_t n_rows;
	size_t n_tests;		/* comparisons in the BH family */
	struct cmp_env *env;
	size_t n_env;
	struct cmp_alert *alerts;
	size_t n_alerts;
};

/*
 * compare_build - compute the comparison of SETS[0..n) against
 * SETS[baseline] into *t (reading each used iteration's collector CSVs;
 * their problems are reported and counted in the set).  N may be 1 (see
 * the contracts above).  T points into SETS, which must outlive it.
 * Returns 0 or -EINVAL (no sets, baseline out of range).  Free with
 * compare_free().
 */
int compare_build(struct rset *sets, size_t n, size_t baseline, struct cmp_table *t);
/* compare_free - free the table (not the sets, which the caller owns). */
void compare_free(struct cmp_table *t);

/* Flags of compare_print. */
#define CMP_COLOR 1u		/* CMP_TEXT: mark better/worse with ANSI colours */
#define CMP_VERBOSE 2u		/* CMP_TEXT, CMP_MD: every row with its statistics, not the
				   compact table */
#define CMP_BARE 4u		/* CMP_HTML: only the tables and legend (the report shows the
				   alerts, environment and summary in sections of its own) */

/*
 * compare_print - write T to F in FMT (compare-print.c; the formats are
 * compare-out.h's).  CMP_TEXT and CMP_MD are the compact table (one line
 * per metric, the sets side by side), or with CMP_VERBOSE every row with
 * its statistics; CMP_TEXT fits 80 columns.  CMP_HTML writes one
 * <section id="comparison"> fragment (summary, environment warnings,
 * tables, legend) for the report; every string from a result set is
 * HTML-escaped.  Returns 0, -EINVAL for an unknown FMT, or -EIO when F
 * has an error.
 */
int compare_print(FILE *f, enum compare_fmt fmt, const struct cmp_table *t, unsigned flags);

/*
 * compare_write - compare_build, compare_print and compare_free: write the
 * comparison of SETS[0..n) against SETS[baseline] to F in FMT with FLAGS.
 * Returns 0 or -errno.
 */
int compare_write(FILE *f, enum compare_fmt fmt, struct rset *sets, size_t n,
		  size_t baseline, unsigned flags);

#endif
