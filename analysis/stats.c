/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics behind every verdict, on GSL.  The distributions (Student
 * t, normal) are GSL's; what is written here is bookkeeping: which values
 * count (NaN is n/a and skipped), Welch's degrees of freedom, ranks with
 * ties, the exact null distributions of Mann-Whitney U and of Wilcoxon's
 * signed-rank V (counts of rank arrangements, not special functions; GSL
 * has neither test), the Benjamini-Hochberg step-up, and the power
 * formulas.
 * Conventions follow R, so results can be checked there: sd with n-1,
 * the median of an even sample is the mean of the middle two,
 * wilcox.test's exact/normal switch and continuity correction (both
 * tests),
 * p.adjust(method = "BH").
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/stats.h"
#include "lib/mmab.h"

/* Below this size on both sides (and without ties) U's p is exact, as in R. */
#define MWU_EXACT_MAX 50

/* The finite values of V, sorted; returns their count.  *out is malloc'd. */
static size_t finite_sorted(const double *v, size_t n, double **out)
{
	double *x = xmalloc((n ? n : 1) * sizeof(*x));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			x[k++] = v[i];
	gsl_sort(x, 1, k);
	*out = x;
	return k;
}

/* Harmonic mean: 0 when a value is 0 (the limit), undefined for negatives. */
static double harmonic_mean(const double *x, size_t n)
{
	double inv = 0;

	for (size_t i = 0; i < n; i++) {
		if (x[i] < 0)
			return NAN;
		if (x[i] == 0)
			return 0;
		inv += 1 / x[i];
	}
	return (double)n / inv;
}

void stats_summarise(const double *v, size_t n, enum metric_agg agg, struct stats_summary *s)
{
	double *x, amean;
	size_t k = finite_sorted(v, n, &x);

	s->n = k;
	if (!k) {
		s->mean = s->median = s->stddev = s->cov = s->min = s->max = s->sum = NAN;
		free(x);
		return;
	}
	amean = gsl_stats_mean(x, 1, k);
	s->mean = agg == AGG_HMEAN ? harmonic_mean(x, k) : amean;
	s->median = gsl_stats_median_from_sorted_data(x, 1, k);
	s->stddev = k > 1 ? gsl_stats_sd_m(x, 1, k, amean) : NAN;
	/* spread relative to the arithmetic mean, whatever the mean shown */
	s->cov = amean != 0 ? s->stddev / fabs(amean) : NAN;
	s->min = x[0];
	s->max = x[k - 1];
	s->sum = 0;
	for (size_t i = 0; i < k; i++)
		s->sum += x[i];
	free(x);
}

double stats_ci95_halfwidth(const double *v, size_t n)
{
	double *x, h = NAN;
	size_t k = finite_sorted(v, n, &x);

	if (k > 1)
		h = gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * gsl_stats_sd(x, 1, k) /
		    sqrt((double)k);
	free(x);
	return h;
}

/*
 * Welch's t-test: the difference of means, its 95% CI and the two-sided p
 * with Welch-Satterthwaite degrees of freedom.  Two constant samples: equal
 * means make p undefined (NaN), different ones a certain difference (p 0).
 */
static void welch(const double *a, size_t na, const double *b, size_t nb, struct stats_test *t)
{
	double ma = gsl_stats_mean(a, 1, na), mb = gsl_stats_mean(b, 1, nb);
	double sa = gsl_stats_variance_m(a, 1, na, ma) / (double)na;
	double sb = gsl_stats_variance_m(b, 1, nb, mb) / (double)nb;
	double se2 = sa + sb, se, df, tq;

	t->diff = mb - ma;
	if (se2 == 0) {
		t->p_welch = t->diff == 0 ? NAN : 0;
		t->ci_low = t->ci_high = t->diff;
		return;
	}
	se = sqrt(se2);
	df = se2 * se2 / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
	t->p_welch = 2 * gsl_cdf_tdist_Q(fabs(t->diff) / se, df);
	if (t->p_welch > 1)
		t->p_welch = 1;
	tq = gsl_cdf_tdist_Pinv(0.975, df);
	t->ci_low = t->diff - tq * se;
	t->ci_high = t->diff + tq * se;
}

/*
 * The two-sided p of statistic K under a null distribution symmetric about
 * DEG/2 given as counts C[0..deg]: the nearer tail, doubled, at most 1.
 * Frees C.
 */
static double two_sided(double *c, size_t deg, size_t k)
{
	double total = 0, tail = 0, p;

	if (2 * k > deg)
		k = deg - k;
	for (size_t j = 0; j <= deg; j++) {
		total += c[j];
		if (j <= k)
			tail += c[j];
	}
	free(c);
	p = 2 * tail / total;
	return p > 1 ? 1 : p;
}

/*
 * Exact two-sided p of U (a's statistic) for sizes m, n without ties.
 * Under H0 every choice of a's ranks is equally likely; the number of
 * choices giving U = u is the coefficient of q^u in the Gaussian binomial
 * [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), built one
 * factor at a time (each partial product is itself a polynomial with
 * non-negative coefficients, so the division is exact).
 */
static double mwu_exact_p(double u, size_t m, size_t n)
{
	size_t deg = m * n, k = (size_t)u;
	double *c = xcalloc(deg + 1, sizeof(*c));

	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		for (size_t j = deg; j >= n + i; j--)
			c[j] -= c[j - n - i];
		for (size_t j = i; j <= deg; j++)
			c[j] += c[j - i];
	}
	/* the distribution is symmetric about mn/2 */
	return two_sided(c, deg, k);
}

/*
 * Mann-Whitney U (R's wilcox.test, two-sided): exact without ties when
 * both samples are smaller than MWU_EXACT_MAX, otherwise the normal
 * approximation with the tie correction of the variance and a continuity
 * correction of 0.5.  All values equal: p undefined (NaN).
 */
static double mwu(const double *a, size_t na, const double *b, size_t nb)
{
	size_t N = na + nb;
	struct { double v; bool from_a; } *x = xmalloc(N * sizeof(*x));
	double ra = 0, ties = 0, u, z, sigma, p;
	bool tied = false;

	for (size_t i = 0; i < na; i++)
		x[i].v = a[i], x[i].from_a = true;
	for (size_t i = 0; i < nb; i++)
		x[na + i].v = b[i], x[na + i].from_a = false;
	/* insertion sort: samples are iterations, tens at most */
	for (size_t i = 1; i < N; i++)
		for (size_t j = i; j > 0 && x[j - 1].v > x[j].v; j--) {
			typeof(*x) tmp = x[j];

			x[j] = x[j - 1];
			x[j - 1] = tmp;
		}
	for (size_t i = 0; i < N;) {
		size_t j = i;
		double rank;

		while (j + 1 < N && x[j + 1].v == x[i].v)
			j++;
		rank = (double)(i + j + 2) / 2;	/* average of ranks i+1 .. j+1 */
		if (j > i) {
			double t = (double)(j - i + 1);

			tied = true;
			ties += t * t * t - t;
		}
		for (size_t k = i; k <= j; k++)
			if (x[k].from_a)
				ra += rank;
		i = j + 1;
	}
	free(x);
	u = ra - (double)na * (double)(na + 1) / 2;
	if (!tied && na < MWU_EXACT_MAX && nb < MWU_EXACT_MAX)
		return mwu_exact_p(u, na, nb);
	sigma = sqrt((double)na * (double)nb / 12 *
		     ((double)(N + 1) - ties / ((double)N * (double)(N - 1))));
	if (sigma == 0)
		return NAN;
	z = u - (double)na * (double)nb / 2;
	z = (z - copysign(0.5, z) * (z != 0)) / sigma;
	p = 2 * gsl_cdf_ugaussian_Q(fabs(z));
	return p > 1 ? 1 : p;
}

void stats_compare(const double *a, size_t na, const double *b, size_t nb, struct stats_test *t)
{
	double *x, *y;
	size_t nx = finite_sorted(a, na, &x), ny = finite_sorted(b, nb, &y);

	t->diff = t->ci_low = t->ci_high = t->p_welch = t->p_mwu = t->change_pct = NAN;
	if (nx && ny) {
		double mx = gsl_stats_mean(x, 1, nx);

		t->diff = gsl_stats_mean(y, 1, ny) - mx;
		/* relative to the baseline's size: a negative mean keeps the sign of diff */
		t->change_pct = mx != 0 ? 100 * t->diff / fabs(mx) : NAN;
		t->p_mwu = mwu(x, nx, y, ny);
	}
	if (nx > 1 && ny > 1)
		welch(x, nx, y, ny, t);
	free(x);
	free(y);
}

/* ---- paired samples ---- */

/*
 * Exact two-sided p of the signed-rank statistic V for N differences
 * without ties or zeros: under H0 each rank's sign is a fair coin, so the
 * number of sign choices giving V = v is the coefficient of q^v in
 * prod_{i=1..N} (1 + q^i), built one factor at a time.
 */
static double signrank_exact_p(double v, size_t n)
{
	size_t deg = n * (n + 1) / 2, k = (size_t)v;
	double *c = xcalloc(deg + 1, sizeof(*c));

	c[0] = 1;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = deg; j >= i; j--)
			c[j] += c[j - i];
	return two_sided(c, deg, k);
}

static int cmp_abs(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);

	return (x > y) - (x < y);
}

/* Wilcoxon's signed-rank test of the differences D[0..n) (R's wilcox.test). */
static double signrank(const double *d, size_t n)
{
	double *x = xmalloc((n ? n : 1) * sizeof(*x)), v = 0, ties = 0, z, sigma, p;
	size_t m = 0;
	bool tied = false, zeros = false;

	for (size_t i = 0; i < n; i++) {
		if (d[i] == 0)
			zeros = true;
		else
			x[m++] = d[i];
	}
	qsort(x, m, sizeof(*x), cmp_abs);
	for (size_t i = 0; i < m;) {
		size_t j = i;

		while (j + 1 < m && fabs(x[j + 1]) == fabs(x[i]))
			j++;
		if (j > i) {
			double t = (double)(j - i + 1);

			tied = true;
			ties += t * t * t - t;
		}
		for (size_t k = i; k <= j; k++)
			if (x[k] > 0)
				v += (double)(i + j + 2) / 2;	/* average of ranks i+1 .. j+1 */
		i = j + 1;
	}
	free(x);
	if (!m)
		return NAN;
	if (!tied && !zeros && m < MWU_EXACT_MAX)
		return signrank_exact_p(v, m);
	sigma = sqrt((double)m * (double)(m + 1) * (double)(2 * m + 1) / 24 - ties / 48);
	if (sigma == 0)
		return NAN;
	z = v - (double)m * (double)(m + 1) / 4;
	z = (z - copysign(0.5, z) * (z != 0)) / sigma;
	p = 2 * gsl_cdf_ugaussian_Q(fabs(z));
	return p > 1 ? 1 : p;
}

void stats_paired(const double *a, const double *b, size_t n, struct stats_paired *p)
{
	double *d = xmalloc((n ? n : 1) * sizeof(*d)), se, tq;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(a[i]) && isfinite(b[i]))
			d[k++] = b[i] - a[i];
	p->n = k;
	p->diff = k ? gsl_stats_mean(d, 1, k) : NAN;
	p->sd = p->ci_low = p->ci_high = p->p_t = NAN;
	p->p_wilcoxon = signrank(d, k);
	if (k > 1) {
		p->sd = gsl_stats_sd_m(d, 1, k, p->diff);
		se = p->sd / sqrt((double)k);
		if (se == 0) {
			p->p_t = p->diff == 0 ? NAN : 0;
			p->ci_low = p->ci_high = p->diff;
		} else {
			p->p_t = fmin(1, 2 * gsl_cdf_tdist_Q(fabs(p->diff) / se, (double)(k - 1)));
			tq = gsl_cdf_tdist_Pinv(0.975, (double)(k - 1));
			p->ci_low = p->diff - tq * se;
			p->ci_high = p->diff + tq * se;
		}
	}
	free(d);
}

/* ---- power ---- */

double stats_mde(double se, double df, double alpha, double power)
{
	if (!isfinite(se) || !isfinite(df) || df <= 0)
		return NAN;
	return (gsl_cdf_tdist_Pinv(1 - alpha / 2, df) + gsl_cdf_tdist_Pinv(power, df)) * se;
}

double stats_n_needed(double va, double vb, bool paired, double diff, double alpha, double power,
		      size_t max)
{
	if (!isfinite(diff) || diff == 0 || !isfinite(va) || (!paired && !isfinite(vb)))
		return NAN;
	for (size_t n = 2; n <= max; n++) {
		double se, df;

		if (paired) {
			se = sqrt(va / (double)n);
			df = (double)(n - 1);
		} else {
			se = sqrt((va + vb) / (double)n);
			/* Welch-Satterthwaite with n a side */
			df = va + vb > 0 ? (double)(n - 1) * (va + vb) * (va + vb) / (va * va + vb * vb)
					 : (double)(2 * n - 2);
		}
		if (se == 0 || stats_mde(se, df, alpha, power) <= fabs(diff))
			return (double)n;
	}
	return NAN;
}

static int cmp_p(const void *a, const void *b, void *p)
{
	double x = ((const double *)p)[*(const size_t *)a], y = ((const double *)p)[*(const size_t *)b];

	return (x > y) - (x < y);
}

void stats_bh_adjust(double *p, size_t n)
{
	size_t *idx = xmalloc((n ? n : 1) * sizeof(*idx)), m = 0;
	double run = 1;

	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i]))
			idx[m++] = i;
	qsort_r(idx, m, sizeof(*idx), cmp_p, p);
	/* step up from the largest p: q_(i) = min over j >= i of p_(j) m / j */
	for (size_t r = m; r > 0; r--) {
		double q = p[idx[r - 1]] * (double)m / (double)r;

		if (q < run)
			run = q;
		p[idx[r - 1]] = run;
	}
	free(idx);
}
