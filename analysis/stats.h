/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics for A/B comparison, on GSL: summaries, Welch's t-test with the
 * confidence interval of the difference, Mann-Whitney U, Benjamini-Hochberg.
 */
#ifndef MMAB_STATS_H
#define MMAB_STATS_H

#include <stddef.h>

#include "workloads/workload.h"

struct stats_summary {
	size_t n;		/* finite values used */
	double mean;		/* arithmetic, or harmonic for AGG_HMEAN */
	double median, stddev, cov, min, max, sum;
};

/* stats_summarise - NaN values are skipped; all fields NaN when n == 0. */
void stats_summarise(const double *v, size_t n, enum metric_agg agg, struct stats_summary *s);

struct stats_test {
	double diff;		/* mean(b) - mean(a) */
	double ci_low, ci_high;	/* 95% CI of the difference (Welch) */
	double p_welch;
	double p_mwu;
	double change_pct;	/* 100 * diff / mean(a) */
};

/* stats_compare - a = baseline, b = other; fields NaN when not computable. */
void stats_compare(const double *a, size_t na, const double *b, size_t nb, struct stats_test *t);

/* stats_bh_adjust - Benjamini-Hochberg adjusted p-values in place (NaN skipped). */
void stats_bh_adjust(double *p, size_t n);

/* stats_t_ci - half width of the 95% CI of the mean of V. */
double stats_ci95_halfwidth(const double *v, size_t n);

#endif
