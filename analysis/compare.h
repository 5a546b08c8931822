/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The comparison of result sets against a baseline: workload metrics,
 * derived vmstat summaries, fragmentation, slab and stall summaries, each
 * with the same statistics and a verdict, plus the environment diff.
 *
 * The verdict: a difference is claimed (better, worse, or "differs" for
 * metrics without a direction) when Welch's p, adjusted by
 * Benjamini-Hochberg over every comparison in the table that has at least
 * 3 values a side, is below CMP_ALPHA.  With fewer than 3 values on a side
 * no verdict is given.  Mann-Whitney's p is shown beside it as a check that
 * does not assume normality.
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

/* One metric in one set. */
struct cmp_cell {
	double *values;		/* per used iteration; NaN for n/a */
	size_t n_values;
	struct stats_summary s;
	struct stats_test t;	/* against the baseline; NaN in the baseline's cell */
	double change_pct;	/* of the shown means (harmonic for hmean metrics) */
	double q;		/* BH-adjusted p_welch, NaN when not in the family */
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

struct cmp_table {
	struct rset *sets;
	size_t n_sets, baseline;
	struct cmp_row *rows;
	size_t n_rows;
	size_t n_tests;		/* comparisons in the BH family */
	struct cmp_env *env;
	size_t n_env;
};

/*
 * compare_build - compute the comparison of SETS[0..n) against
 * SETS[baseline] into *t (reading each used iteration's collector CSVs;
 * their problems are reported and counted in the set).  Returns 0 or
 * -EINVAL (no sets, baseline out of range).  Free with compare_free().
 */
int compare_build(struct rset *sets, size_t n, size_t baseline, struct cmp_table *t);
/* compare_free - free the table (not the sets, which the caller owns). */
void compare_free(struct cmp_table *t);

/* Flags of compare_print. */
#define CMP_COLOR 1u		/* CMP_TEXT: mark better/worse with ANSI colours */

/*
 * compare_print - write T to F in FMT (compare-print.c; the formats are
 * compare-out.h's).  CMP_TEXT fits 80 columns.  CMP_HTML writes one
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
