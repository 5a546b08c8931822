/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * E-Divisive means with Student's t-test, sliding windows and a merge step
 * (cpd.h): mmab's own implementation of the method Apache Otava documents
 * (docs/MATH.md there) and tests.  Written from the paper and Otava's
 * documented behaviour; the choices that decide which points are found
 * (ties, the order of the merge, the population standard deviation in the
 * t-test) follow Otava so that its test data give its answers.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history/cpd.h"
#include "lib/mmab.h"

double cpd_weak_p(double max_p)
{
	if (max_p < 0.05)
		return max_p * 10;
	if (max_p < 0.5)
		return max_p * 2;
	return max_p;
}

static void mean_std(const double *v, size_t n, double *mean, double *std)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	*mean = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*std = n >= 2 ? sqrt(ss / (double)n) : 0;
}

void cpd_ttest(const double *a, size_t na, const double *b, size_t nb, struct cpd_point *cp)
{
	double df, var, t;

	mean_std(a, na, &cp->mean_before, &cp->std_before);
	mean_std(b, nb, &cp->mean_after, &cp->std_after);
	if (!na || !nb || na + nb <= 2) {
		cp->p = 1;
		return;
	}
	df = (double)(na + nb - 2);
	var = ((double)(na - 1) * cp->std_before * cp->std_before +
	       (double)(nb - 1) * cp->std_after * cp->std_after) / df;
	t = (cp->mean_before - cp->mean_after) / sqrt(var * (1.0 / (double)na + 1.0 / (double)nb));
	if (isnan(t))
		cp->p = NAN;		/* two equal constant segments */
	else if (isinf(t))
		cp->p = 0;
	else
		cp->p = 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

/* A ratio against a zero mean is 0, as Otava has it. */
static double rel_change(double from, double to)
{
	return from == 0 ? 0 : to / from - 1;
}

double cpd_magnitude(const struct cpd_point *cp)
{
	double f = fabs(rel_change(cp->mean_before, cp->mean_after));
	double b = fabs(rel_change(cp->mean_after, cp->mean_before));

	return b > f ? b : f;
}

/* ---- the energy statistic ---- */

/*
 * W[a * (m + 1) + b] = the sum of |v_i - v_j| over a <= i < j < b: the
 * within-distances of every slice of the window, O(m^2) in time and space,
 * from which every split's statistic follows by sums.
 */
static double *within_sums(const double *v, size_t m)
{
	size_t w = m + 1;
	double *W = xcalloc(w * w, sizeof(*W));

	for (size_t b = 1; b < m; b++) {
		double r = 0;

		for (size_t a = b; a-- > 0;) {
			r += fabs(v[a] - v[b]);
			W[a * w + b + 1] = W[a * w + b] + r;
		}
	}
	return W;
}

/*
 * Q(s, tau, kappa): the energy statistic of X = v[s:tau] against
 * Y = v[tau:kappa], scaled by n*k/(n+k) (Matteson and James, alpha = 1).
 */
static double qhat(const double *W, size_t m, size_t s, size_t tau, size_t kappa)
{
	size_t w = m + 1;
	double n = (double)(tau - s), k = (double)(kappa - tau);
	double xx = W[s * w + tau], yy = W[tau * w + kappa];
	double xy = W[s * w + kappa] - xx - yy;
	double q = 2 * xy / (n + k);

	if (n > 1)
		q -= 2 * k * xx / ((n + k) * (n - 1));
	if (k > 1)
		q -= 2 * n * yy / ((n + k) * (k - 1));
	return q;
}

/*
 * The best split of v[s:e): the tau (with its kappa) of the largest Q, the
 * first in (tau, kappa) order on ties.  False when no split leaves L values
 * on each side.
 */
static bool best_split(const double *W, size_t m, size_t s, size_t e, size_t L, size_t *tau,
		       double *q)
{
	bool found = false;

	for (size_t t = s + L; t + L <= e; t++)
		for (size_t k = t + L; k <= e; k++) {
			double v = qhat(W, m, s, t, k);

			if (!found || v > *q) {
				found = true;
				*q = v;
				*tau = t;
			}
		}
	return found;
}

/* Insert C into the sorted array *cps of *n. */
static void insert_sorted(struct cpd_point **cps, size_t *n, const struct cpd_point *c)
{
	size_t i = *n;

	*cps = xrealloc(*cps, (*n + 1) * sizeof(**cps));
	while (i > 0 && (*cps)[i - 1].index > c->index) {
		(*cps)[i] = (*cps)[i - 1];
		i--;
	}
	(*cps)[i] = *c;
	(*n)++;
}

size_t cpd_divisive(const double *v, size_t n, double max_p, int min_segment,
		    struct cpd_point **out)
{
	size_t L = min_segment > 1 ? (size_t)min_segment : 1, ncp = 0;
	struct cpd_point *cps = NULL;
	double *W;

	*out = NULL;
	if (n < 2)
		return 0;
	W = within_sums(v, n);
	for (;;) {
		size_t best_tau = 0, lo = 0, hi = 0;
		double best_q = 0;
		bool any = false;
		struct cpd_point c;

		/* the intervals between the change points found so far */
		for (size_t i = 0; i <= ncp; i++) {
			size_t s = i ? cps[i - 1].index : 0, e = i < ncp ? cps[i].index : n, tau;
			double q;

			if (e - s < 2 || !best_split(W, n, s, e, L, &tau, &q))
				continue;
			if (!any || q > best_q) {
				any = true;
				best_q = q;
				best_tau = tau;
				lo = s;
				hi = e;
			}
		}
		if (!any)
			break;
		cpd_ttest(v + lo, best_tau - lo, v + best_tau, hi - best_tau, &c);
		if (!(c.p <= max_p))
			break;
		c.index = best_tau;
		insert_sorted(&cps, &ncp, &c);
	}
	free(W);
	*out = cps;
	return ncp;
}

/* ---- windows and the merge ---- */

/* The statistics of change point I between its neighbours in V[0..n). */
static void restat(const double *v, size_t n, struct cpd_point *cps, size_t ncp, size_t i)
{
	size_t s = i ? cps[i - 1].index : 0, e = i + 1 < ncp ? cps[i + 1].index : n;
	size_t at = cps[i].index;

	cpd_ttest(v + s, at - s, v + at, e - at, &cps[i]);
	cps[i].index = at;
}

static size_t split(const double *v, size_t n, const struct cpd_params *p, struct cpd_point **out)
{
	size_t window = p->window >= 2 ? (size_t)p->window : 2, step = window / 2;
	struct cpd_point *weak = NULL;
	size_t nweak = 0;

	for (size_t start = 0; start < n;) {
		size_t end = start + window < n ? start + window : n, last = 0;
		struct cpd_point *local;
		size_t nl = cpd_divisive(v + start, end - start, cpd_weak_p(p->max_p),
					 p->min_segment, &local);

		for (size_t i = 0; i < nl; i++) {
			bool seen = false;

			local[i].index += start;
			last = local[i].index;
			for (size_t j = 0; j < nweak && !seen; j++)
				seen = weak[j].index == local[i].index;
			if (!seen)
				insert_sorted(&weak, &nweak, &local[i]);
		}
		free(local);
		start = last > start + step ? last : start + step;
	}
	for (size_t i = 0; i < nweak; i++)
		restat(v, n, weak, nweak, i);
	*out = weak;
	return nweak;
}

/* The change point whose segment on either side is shorter than L, highest p first. */
static bool too_short(const struct cpd_point *cps, size_t ncp, size_t n, size_t L, size_t *at)
{
	bool found = false;

	for (size_t i = 0; i < ncp; i++) {
		size_t s = i ? cps[i - 1].index : 0, e = i + 1 < ncp ? cps[i + 1].index : n;

		if (cps[i].index - s >= L && e - cps[i].index >= L)
			continue;
		if (!found || cps[i].p > cps[*at].p) {
			found = true;
			*at = i;
		}
	}
	return found;
}

/*
 * The merge: take out the weakest change point (the largest p; when every
 * p is below max_p, the smallest relative change, unless it exceeds
 * min_magnitude) until none is weak.  After taking one out Otava updates
 * the statistics of the point that took its place in the list and of the
 * one after that, not of the one before; that order decides which points
 * survive, so it is kept here.  Points that leave a segment shorter than
 * the minimum go first.
 */
static size_t merge(const double *v, size_t n, const struct cpd_params *p, struct cpd_point *cps,
		    size_t ncp)
{
	size_t L = p->min_segment > 1 ? (size_t)p->min_segment : 1;

	while (ncp) {
		size_t w = 0;

		if (!too_short(cps, ncp, n, L, &w)) {
			for (size_t i = 1; i < ncp; i++)
				if (cps[i].p > cps[w].p)
					w = i;
			if (cps[w].p < p->max_p) {
				w = 0;
				for (size_t i = 1; i < ncp; i++)
					if (cpd_magnitude(&cps[i]) < cpd_magnitude(&cps[w]))
						w = i;
				if (cpd_magnitude(&cps[w]) > p->min_magnitude)
					break;
			}
		}
		memmove(cps + w, cps + w + 1, (ncp - w - 1) * sizeof(*cps));
		ncp--;
		if (w < ncp)
			restat(v, n, cps, ncp, w);
		if (w + 1 < ncp)
			restat(v, n, cps, ncp, w + 1);
	}
	return ncp;
}

size_t cpd_detect(const double *v, size_t n, const struct cpd_params *p, struct cpd_point **out)
{
	struct cpd_point *cps;
	size_t ncp = split(v, n, p, &cps);

	ncp = merge(v, n, p, cps, ncp);
	/* what is reported: each survivor between its final neighbours */
	for (size_t i = 0; i < ncp; i++)
		restat(v, n, cps, ncp, i);
	if (!ncp) {
		free(cps);
		cps = NULL;
	}
	*out = cps;
	return ncp;
}
