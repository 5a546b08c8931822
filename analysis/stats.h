/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics for A/B comparison, on GSL: summaries, Welch's t-test with the
 * confidence interval of the difference, Mann-Whitney U, the paired t-test
 * and Wilcoxon's signed-rank test for paired samples, Benjamini-Hochberg,
 * and the power side: the minimum detectable effect and the sample size
 * that would detect a given difference.
 */
#ifndef MMAB_STATS_H
#define MMAB_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/metric.h"

struct stats_summary {
	size_t n;		/* finite values used */
	double mean;		/* arithmetic, or harmonic for AGG_HMEAN */
	double median;		/* the middle value; mean of the middle two for even n */
	double stddev;		/* sample (n-1); NaN when n < 2 */
	double cov;		/* stddev / |arithmetic mean| */
	double min, max, sum;
};

/*
 * stats_summarise - NaN (and infinite) values are skipped; all fields NaN
 * when n == 0.  A harmonic mean is 0 when a value is 0, NaN when one is
 * negative.
 */
void stats_summarise(const double *v, size_t n, enum metric_agg agg, struct stats_summary *s);

struct stats_test {
	double diff;		/* mean(b) - mean(a), arithmetic means */
	double ci_low, ci_high;	/* 95% CI of the difference (Welch) */
	double p_welch;		/* two-sided, Welch-Satterthwaite df, GSL's t */
	double p_mwu;		/* two-sided Mann-Whitney U */
	double change_pct;	/* 100 * diff / |mean(a)| */
};

/*
 * stats_compare - a = baseline, b = other; NaN values skipped; fields NaN
 * when not computable (Welch needs 2 values a side, U one; p is NaN when
 * every value is the same, 0 for two different constant samples).
 * Mann-Whitney's p is exact (the null distribution counted) without ties
 * when both sides have fewer than 50 values, else the normal approximation
 * with the tie-corrected variance and a 0.5 continuity correction: R's
 * wilcox.test(a, b) in both cases.
 */
void stats_compare(const double *a, size_t na, const double *b, size_t nb, struct stats_test *t);

/*
 * stats_bh_adjust - Benjamini-Hochberg adjusted p-values (q) in place, as
 * R's p.adjust(p, "BH"); NaN entries are skipped and do not count in the
 * number of tests.
 */
void stats_bh_adjust(double *p, size_t n);

/* Paired samples: the differences b[i] - a[i] of the pairs where both are finite. */
struct stats_paired {
	size_t n;		/* pairs used */
	double diff;		/* mean of the differences */
	double sd;		/* their sample standard deviation (n-1); NaN when n < 2 */
	double ci_low, ci_high;	/* 95% CI of the mean difference (t, n-1 df) */
	double p_t;		/* paired t-test, two-sided */
	double p_wilcoxon;	/* Wilcoxon signed-rank, two-sided */
};

/*
 * stats_paired - tests of the pairs (a[i], b[i]), i < n; pairs with a NaN
 * or infinite member are skipped.  The paired t-test is a one-sample t on
 * the differences (n-1 df): with every difference the same, p is NaN when
 * it is 0 and 0 otherwise, as for Welch.  Wilcoxon's signed-rank test
 * follows R's wilcox.test(b, a, paired = TRUE): zero differences dropped;
 * exact (the null distribution of V counted) below 50 pairs without ties
 * or zeros, else the normal approximation with the tie-corrected variance
 * and a 0.5 continuity correction; NaN when no difference is left.
 * Fields are NaN when not computable (t needs 2 pairs).
 */
void stats_paired(const double *a, const double *b, size_t n, struct stats_paired *p);

/*
 * stats_mde - the smallest true difference that a two-sided test at level
 * ALPHA detects with probability POWER when the estimate of the
 * difference has standard error SE on DF degrees of freedom:
 * (t(1 - ALPHA/2, DF) + t(POWER, DF)) * SE, the usual approximation of the
 * noncentral t by a shifted central one (with DF -> infinity, the normal
 * 2.80 * SE at 0.05 and 0.8).  NaN when SE or DF is not finite, or DF <= 0.
 */
double stats_mde(double se, double df, double alpha, double power);

/*
 * stats_n_needed - the smallest number of iterations per side, from 2 to
 * MAX, at which stats_mde is at most |DIFF|: for two independent sides of
 * variances VA and VB (Welch: SE^2 = (VA + VB) / n, Welch-Satterthwaite
 * DF), or, with PAIRED, for n pairs whose differences have variance VA
 * (SE^2 = VA / n, n-1 DF; VB unused).  NaN when DIFF is 0 or not finite, a
 * variance is not finite, or MAX is not enough.
 */
double stats_n_needed(double va, double vb, bool paired, double diff, double alpha, double power,
		      size_t max);

/* stats_ci95_halfwidth - half width of the 95% CI of the mean of V (t, n-1 df); NaN when n < 2. */
double stats_ci95_halfwidth(const double *v, size_t n);

#endif
