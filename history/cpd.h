/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Change points in a series of nightly values: E-Divisive means (Matteson
 * and James 2014) as Apache Otava (formerly DataStax Hunter, Fleming et al.
 * 2023) runs it.  The energy statistic with alpha = 1 picks where a series
 * is best split; Student's t-test, not permutations, says whether the split
 * is significant, so the answer is deterministic; the series is searched in
 * overlapping windows with a weak threshold (10x the p-value) and the weak
 * change points are then merged bottom-up until every one left has
 * p < max_p and a relative change above min_magnitude.
 *
 * mmab adds one parameter Otava lacks: a minimum segment length, so that a
 * night or two of outliers does not become a pair of change points.  With
 * min_segment 1 the answers are Otava's (tests/unit/test-cpd.c checks them
 * against Otava's own test data).
 */
#ifndef MMAB_HISTORY_CPD_H
#define MMAB_HISTORY_CPD_H

#include <stddef.h>

struct cpd_params {
	int window;		/* values per sliding window, >= 2 (Otava: 50) */
	double max_p;		/* a change point's p after the merge (Otava: 0.001) */
	double min_magnitude;	/* relative change it must exceed (Otava: 0) */
	int min_segment;	/* values on either side of a change point, >= 1 */
};

/*
 * mmab's defaults: Otava's window and magnitude; a p ten times smaller than
 * Otava's 0.001 and segments of at least 3 nights, because a nightly suite
 * judges ~900 series and its noise is heavy-tailed (the measurement is in
 * README.md, section Nightly).
 */
#define CPD_WINDOW 50
#define CPD_MAX_P 0.0001
#define CPD_MIN_MAGNITUDE 0.0
#define CPD_MIN_SEGMENT 3

/* One change point: the split of the series between two neighbours. */
struct cpd_point {
	size_t index;		/* the first value after the change */
	double p;		/* Student's t-test of the two segments */
	double mean_before, mean_after;
	double std_before, std_after;	/* population (n) standard deviations, as Otava */
};

/*
 * cpd_weak_p - the first-pass threshold of the sliding windows for MAX_P:
 * 10x below 0.05, 2x below 0.5, else MAX_P itself (Otava's rule).
 */
double cpd_weak_p(double max_p);

/*
 * cpd_ttest - Student's two-sample t-test of A[0..na) against B[0..nb) with
 * the pooled variance made of population standard deviations, exactly as
 * Otava calls scipy's ttest_ind_from_stats; p is 1 when there are 2 values
 * in all, 0 for two different constant segments, NaN for two equal ones.
 * Fills every field of *cp but index.
 */
void cpd_ttest(const double *a, size_t na, const double *b, size_t nb, struct cpd_point *cp);

/*
 * cpd_magnitude - max(|after/before - 1|, |before/after - 1|), a ratio
 * against a zero mean counting as 0 (Otava's change magnitude).
 */
double cpd_magnitude(const struct cpd_point *cp);

/*
 * cpd_divisive - the E-Divisive recursion with the t-test on V[0..n) as one
 * piece (no windows, no merge): change points are added, strongest energy
 * statistic first, while the t-test of the two segments a candidate splits
 * has p <= MAX_P.  Segments stay at least MIN_SEGMENT long.  Returns the
 * number found, sorted by index, in *out (malloc'd; NULL when none).
 */
size_t cpd_divisive(const double *v, size_t n, double max_p, int min_segment,
		    struct cpd_point **out);

/*
 * cpd_detect - the change points of V[0..n) (finite values, in time
 * order) with the parameters P: windows of P->window values moved by half
 * a window, each searched by cpd_divisive at the weak threshold, then the
 * merge.  Each point's statistics are those of the segments between its
 * neighbours.  Returns the number found, sorted by index, in *out
 * (malloc'd; NULL when none).
 */
size_t cpd_detect(const double *v, size_t n, const struct cpd_params *p, struct cpd_point **out);

#endif
