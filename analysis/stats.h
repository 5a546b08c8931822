/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics for A/B comparison, on GSL: summaries, Welch's t-test with the
 * confidence interval of the difference, Mann-Whitney U, Benjamini-Hochberg.
 */
#ifndef MMAB_STATS_H
#define MMAB_STATS_H

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

/* stats_ci95_halfwidth - half width of the 95% CI of the mean of V (t, n-1 df); NaN when n < 2. */
double stats_ci95_halfwidth(const double *v, size_t n);

#endif
