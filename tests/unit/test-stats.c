/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for analysis/stats.c against values computed independently of
 * GSL: by hand, or by tests/fixtures/compare/stats-reference.py (mpmath's
 * incomplete beta at 30 digits for the t distribution, enumeration of every
 * rank assignment for Mann-Whitney's exact p).  Run it to see every number
 * pasted below:
 *   python3 tests/fixtures/compare/stats-reference.py
 * Then the calibration that makes verdicts honest: on simulated A/A pairs
 * (both samples from one distribution) Welch and Mann-Whitney reject at
 * about their nominal 5%, so do the paired t and Wilcoxon's signed-rank
 * test on pairs that share a large common part (a seed's effect), which
 * they see through where Welch cannot; and Benjamini-Hochberg keeps a
 * table of 40 null metrics from flagging more than about 5% of tables.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "analysis/stats.h"
#include "lib/mmab.h"

/* tests/fixtures/report/stock and stock-rerun: fault_rate (MiB/s) */
static const double stock[] = { 499.74, 658.096, 542.829 };
static const double rerun[] = { 606.195, 646.004, 525.204 };

static void test_summary(void **state)
{
	const double v[] = { 4, NAN, 1, 3, 2 };
	struct stats_summary s;

	(void)state;
	/* by hand: 1..4, NaN skipped */
	stats_summarise(v, 5, AGG_MEAN, &s);
	assert_int_equal(s.n, 4);
	assert_float_equal(s.mean, 2.5, 1e-15);
	assert_float_equal(s.median, 2.5, 1e-15);	/* even n: mean of the middle two */
	/* sd = sqrt(((1.5^2 + 0.5^2) * 2) / 3) = sqrt(5/3) */
	assert_float_equal(s.stddev, sqrt(5.0 / 3), 1e-15);
	assert_float_equal(s.cov, sqrt(5.0 / 3) / 2.5, 1e-15);
	assert_float_equal(s.min, 1, 0);
	assert_float_equal(s.max, 4, 0);
	assert_float_equal(s.sum, 10, 0);
	/* harmonic: 4 / (1 + 1/2 + 1/3 + 1/4) = 48/25 */
	stats_summarise(v, 5, AGG_HMEAN, &s);
	assert_float_equal(s.mean, 48.0 / 25, 1e-15);
	assert_float_equal(s.median, 2.5, 1e-15);

	/* reference script: hmean 559.4117202288076, mean 566.88833..., sd 81.87364853439313 */
	stats_summarise(stock, 3, AGG_HMEAN, &s);
	assert_float_equal(s.mean, 559.4117202288076, 1e-9);
	assert_float_equal(s.median, 542.829, 0);
	assert_float_equal(s.stddev, 81.87364853439313, 1e-9);
	assert_float_equal(s.cov, 81.87364853439313 / 566.8883333333333, 1e-12);
	stats_summarise(stock, 3, AGG_TOTAL, &s);
	assert_float_equal(s.mean, 566.8883333333333, 1e-9);

	/* a zero rate makes the harmonic mean 0; nothing finite: all NaN */
	{
		const double z[] = { 0, 10 }, none[] = { NAN, INFINITY };

		stats_summarise(z, 2, AGG_HMEAN, &s);
		assert_float_equal(s.mean, 0, 0);
		stats_summarise(none, 2, AGG_MEAN, &s);
		assert_int_equal(s.n, 0);
		assert_true(isnan(s.mean) && isnan(s.median) && isnan(s.min) && isnan(s.sum));
		stats_summarise(z, 1, AGG_MEAN, &s);
		assert_int_equal(s.n, 1);
		assert_true(isnan(s.stddev));
	}
}

static void test_welch(void **state)
{
	const double a5[] = { 1, 2, 3, 4, 5 }, b6[] = { 2, 4, 6, 8, 10, 12 };
	struct stats_test t;

	(void)state;
	/* reference: diff 25.579333333333352, df 3.7136, p 0.68928577334644589,
	 * CI [-143.73729626168333, 194.89596292835004] */
	stats_compare(stock, 3, rerun, 3, &t);
	assert_float_equal(t.diff, 25.579333333333352, 1e-9);
	assert_float_equal(t.p_welch, 0.68928577334644589, 1e-9);
	assert_float_equal(t.ci_low, -143.73729626168333, 1e-7);
	assert_float_equal(t.ci_high, 194.89596292835004, 1e-7);
	assert_float_equal(t.change_pct, 100 * 25.579333333333352 / 566.8883333333333, 1e-9);
	/* exact U: U = 4 of 9, p = 1 */
	assert_float_equal(t.p_mwu, 1.0, 1e-15);

	/* reference: p 0.049284338206730521, CI [0.016531304371167857, 7.9834686956288321] */
	stats_compare(a5, 5, b6, 6, &t);
	assert_float_equal(t.diff, 4, 1e-15);
	assert_float_equal(t.p_welch, 0.049284338206730521, 1e-10);
	assert_float_equal(t.ci_low, 0.016531304371167857, 1e-9);
	assert_float_equal(t.ci_high, 7.9834686956288321, 1e-9);
	assert_float_equal(t.change_pct, 400.0 / 3, 1e-12);
	/* swapping the sides flips the difference, not p */
	stats_compare(b6, 6, a5, 5, &t);
	assert_float_equal(t.diff, -4, 1e-15);
	assert_float_equal(t.ci_high, -0.016531304371167857, 1e-9);
	assert_float_equal(t.p_welch, 0.049284338206730521, 1e-10);
}

static void test_welch_degenerate(void **state)
{
	const double c5[] = { 5, 5, 5 }, c7[] = { 7, 7, 7, 7 }, one[] = { 5 };
	const double nan3[] = { NAN, NAN, NAN };
	struct stats_test t;

	(void)state;
	/* two constant samples: the same value, p undefined; different, certain */
	stats_compare(c5, 3, c5, 3, &t);
	assert_true(isnan(t.p_welch));
	assert_float_equal(t.diff, 0, 0);
	assert_float_equal(t.ci_low, 0, 0);
	stats_compare(c5, 3, c7, 4, &t);
	assert_float_equal(t.p_welch, 0, 0);
	assert_float_equal(t.ci_low, 2, 0);
	assert_float_equal(t.ci_high, 2, 0);
	assert_float_equal(t.change_pct, 40, 1e-12);
	/*
	 * U = 0, but the values are tied within each side, so the normal
	 * approximation: ties 3^3-3 + 4^3-4 = 84, sigma^2 = 3*4/12 * (8 - 84/42)
	 * = 6, z = (0 - 6 + 0.5)/sqrt(6); p = 2 Phi(-5.5/sqrt(6)), by
	 * python3 -c "import statistics,math;
	 *   print(2*statistics.NormalDist().cdf(-5.5/math.sqrt(6)))"
	 */
	assert_float_equal(t.p_mwu, 0.024744672046398963, 1e-12);
	/* all equal: undefined */
	stats_compare(c5, 3, c5, 3, &t);
	assert_true(isnan(t.p_mwu));
	/* without ties, all a < all b: exact, 2 / C(7,3) = 2/35 */
	{
		const double x[] = { 1, 2, 3 }, y[] = { 4, 5, 6, 7 };

		stats_compare(x, 3, y, 4, &t);
		assert_float_equal(t.p_mwu, 2.0 / 35, 1e-15);
	}
	/* one value: a difference, no test */
	stats_compare(one, 1, c7, 4, &t);
	assert_float_equal(t.diff, 2, 0);
	assert_true(isnan(t.p_welch) && isnan(t.ci_low));
	/* nothing on one side: nothing at all */
	stats_compare(nan3, 3, c7, 4, &t);
	assert_true(isnan(t.diff) && isnan(t.change_pct) && isnan(t.p_mwu));
	/* a zero baseline mean has no relative change */
	{
		const double z[] = { 0, 0, 0 };

		stats_compare(z, 3, c7, 4, &t);
		assert_true(isnan(t.change_pct));
	}
}

static void test_ci95_halfwidth(void **state)
{
	const double v2[] = { 1, 3 }, v5[] = { 1, 2, 3, 4, 5 }, v1[] = { 4 };

	(void)state;
	/* reference t(0.975, 1) = 12.706204736174705: sd sqrt(2), / sqrt(2) -> 12.7062 */
	assert_float_equal(stats_ci95_halfwidth(v2, 2), 12.706204736174705, 1e-9);
	/* t(0.975, 4) = 2.7764451051977944, sd sqrt(2.5), n 5 */
	assert_float_equal(stats_ci95_halfwidth(v5, 5), 2.7764451051977944 * sqrt(2.5 / 5), 1e-9);
	assert_true(isnan(stats_ci95_halfwidth(v1, 1)));
}

static void test_mwu(void **state)
{
	/* R's ?wilcox.test example: W = 35, one-sided 0.1272; reference
	 * enumeration: two-sided 0.2544122544122544 */
	const double xr[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	const double yr[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	const double ea[] = { 0.3, 1.7, 2.2, 2.9, 3.1, 4.4, 5.0, 5.6, 6.8, 7.7, 8.1, 9.9 };
	const double eb[] = { 2.5, 3.3, 4.8, 6.1, 7.2, 8.8, 9.1, 10.4, 11.6, 12.2, 13.7 };
	const double a5[] = { 1, 2, 3, 4, 5 }, b6[] = { 2, 4, 6, 8, 10, 12 };
	const double t1[] = { 1, 2, 2, 3, 3, 3, 4, 9 }, t2[] = { 3, 4, 4, 5, 6, 6, 7, 8, 10 };
	double big_a[60], big_b[55];
	struct stats_test t;

	(void)state;
	stats_compare(xr, 10, yr, 5, &t);
	assert_float_equal(t.p_mwu, 0.2544122544122544, 1e-12);
	/* 12 vs 11 without ties, exact over 1352078 assignments: 0.03174373076109514 */
	stats_compare(ea, 12, eb, 11, &t);
	assert_float_equal(t.p_mwu, 0.03174373076109514, 1e-12);
	/* ties: the normal approximation with tie and continuity corrections */
	stats_compare(a5, 5, b6, 6, &t);
	assert_float_equal(t.p_mwu, 0.08143973230450297, 1e-12);
	stats_compare(t1, 8, t2, 9, &t);
	assert_float_equal(t.p_mwu, 0.019680669462337153, 1e-12);
	/* 50 or more values: normal even without ties */
	for (int i = 0; i < 60; i++)
		big_a[i] = 2.0 * i;
	for (int i = 0; i < 55; i++)
		big_b[i] = 2.0 * i + 3.5;
	stats_compare(big_a, 60, big_b, 55, &t);
	assert_float_equal(t.p_mwu, 0.7602584471103586, 1e-12);
}

static void test_bh(void **state)
{
	/* by hand (R: p.adjust(c(.01, .04, .03, .005), "BH") = .02 .04 .04 .02) */
	double p[] = { 0.01, 0.04, NAN, 0.03, 0.005 };
	double one[] = { 0.2 }, big[] = { 0.9, 0.8 };

	(void)state;
	stats_bh_adjust(p, 5);
	assert_float_equal(p[0], 0.02, 1e-15);
	assert_float_equal(p[1], 0.04, 1e-15);
	assert_true(isnan(p[2]));
	assert_float_equal(p[3], 0.04, 1e-15);
	assert_float_equal(p[4], 0.02, 1e-15);
	stats_bh_adjust(one, 1);
	assert_float_equal(one[0], 0.2, 0);
	/* q never exceeds 1, and is monotone in p: 0.8*2/1 = 1.6 -> 0.9 */
	stats_bh_adjust(big, 2);
	assert_float_equal(big[0], 0.9, 1e-15);
	assert_float_equal(big[1], 0.9, 1e-15);
	stats_bh_adjust(NULL, 0);
}

/*
 * A/A calibration: REPS pairs of 10 iterations drawn from one
 * distribution.  Welch's false-positive rate must be near 5% for normal
 * data; U's for skewed (log-normal) data, at most 5% (exact U is discrete:
 * about 4.3% is attainable at n = 10).  A test using standard deviations
 * instead of standard errors (mmtests) or a pooled variance on unequal
 * spreads would fall far outside.  Fixed seed: the same draw every run.
 */
static void test_aa_calibration(void **state)
{
	enum { REPS = 2000, N = 10, METRICS = 40 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int fp_welch = 0, fp_mwu = 0, tables_flagged = 0;
	double a[N], b[N];
	struct stats_test t;

	(void)state;
	gsl_rng_set(r, 20261122);
	for (int i = 0; i < REPS; i++) {
		for (int k = 0; k < N; k++) {
			a[k] = 100 + gsl_ran_gaussian(r, 7);
			b[k] = 100 + gsl_ran_gaussian(r, 7);
		}
		stats_compare(a, N, b, N, &t);
		fp_welch += t.p_welch < 0.05;
		for (int k = 0; k < N; k++) {
			a[k] = gsl_ran_lognormal(r, 3, 1);
			b[k] = gsl_ran_lognormal(r, 3, 1);
		}
		stats_compare(a, N, b, N, &t);
		fp_mwu += t.p_mwu < 0.05;
	}
	print_message("# A/A: Welch %.2f%%, Mann-Whitney %.2f%% of %d\n", 100.0 * fp_welch / REPS,
		      100.0 * fp_mwu / REPS, REPS);
	assert_true(fp_welch > REPS * 0.035 && fp_welch < REPS * 0.065);
	assert_true(fp_mwu > REPS * 0.025 && fp_mwu <= REPS * 0.055);

	/* 200 tables of 40 null metrics: BH flags something in about 5% of them */
	for (int rep = 0; rep < 200; rep++) {
		double p[METRICS];
		int flagged = 0;

		for (int m = 0; m < METRICS; m++) {
			for (int k = 0; k < 5; k++) {
				a[k] = gsl_ran_gaussian(r, 1);
				b[k] = gsl_ran_gaussian(r, 3);
			}
			stats_compare(a, 5, b, 5, &t);
			p[m] = t.p_welch;
		}
		stats_bh_adjust(p, METRICS);
		for (int m = 0; m < METRICS; m++)
			flagged += p[m] < 0.05;
		tables_flagged += flagged > 0;
	}
	print_message("# A/A tables with any BH discovery: %d of 200\n", tables_flagged);
	assert_true(tables_flagged <= 20);
	gsl_rng_free(r);
}

static void test_paired(void **state)
{
	/* R's ?wilcox.test: depression scores before (x) and after (y) */
	const double x[] = { 1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30 };
	const double y[] = { 0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29 };
	/* by hand: every difference positive, no ties: V = 15 of 15, p = 2/32 */
	const double a5[] = { 10.1, 12.3, 9.8, 11.0, 10.5 }, b5[] = { 11.0, 12.9, 10.1, 12.2, 10.9 };
	const double z7[] = { 0, 0, 0, 0, 0, 0, 0 }, z8[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	const double pd7[] = { 1.5, -0.5, 2.5, 3.5, -4.5, 5.5, 6.5 };
	const double pdt[] = { 1, -2, 2, 3, 0, 4, -1, 5 };
	const double na[] = { 1, NAN, 3, 4 }, nb[] = { 2, 5, NAN, 6 };
	struct stats_paired p;

	(void)state;
	/*
	 * R: t.test(x, y, paired = TRUE): t = 3.0354, df = 8, p = 0.01618; the
	 * reference script (dy - dx): diff -0.43188888888888889, sd
	 * 0.42685549207092456, p 0.016176627434908097, CI [-0.75999906550560936,
	 * -0.10377871227216842]; wilcox.test two-sided: V = 5, p = 0.0390625
	 * (R's one-sided "greater" on x - y: V = 40, p = 0.01953)
	 */
	stats_paired(x, y, 9, &p);
	assert_int_equal(p.n, 9);
	assert_float_equal(p.diff, -0.43188888888888889, 1e-12);
	assert_float_equal(p.sd, 0.42685549207092456, 1e-12);
	assert_float_equal(p.p_t, 0.016176627434908097, 1e-10);
	assert_float_equal(p.ci_low, -0.75999906550560936, 1e-9);
	assert_float_equal(p.ci_high, -0.10377871227216842, 1e-9);
	assert_float_equal(p.p_wilcoxon, 0.0390625, 1e-15);
	/* the other way round: the same p, the difference negated */
	stats_paired(y, x, 9, &p);
	assert_float_equal(p.diff, 0.43188888888888889, 1e-12);
	assert_float_equal(p.p_wilcoxon, 0.0390625, 1e-15);

	stats_paired(a5, b5, 5, &p);
	assert_float_equal(p.diff, 0.68, 1e-12);	/* (0.9+0.6+0.3+1.2+0.4) / 5 */
	assert_float_equal(p.p_wilcoxon, 2.0 / 32, 1e-15);
	/* mixed signs, exact: V = 2+3+4+6+7 = 22 of 28, p = 2 * 14/128 (enumerated) */
	stats_paired(z7, pd7, 7, &p);
	assert_float_equal(p.p_wilcoxon, 0.21875, 1e-15);
	/* ties and a zero: the normal approximation, V = 23 of 7 non-zero ranks */
	stats_paired(z8, pdt, 8, &p);
	assert_float_equal(p.p_wilcoxon, 0.14932461032048983, 1e-12);

	/* pairs with a NaN member are skipped: (1,2) and (4,6) are left */
	stats_paired(na, nb, 4, &p);
	assert_int_equal(p.n, 2);
	assert_float_equal(p.diff, 1.5, 1e-15);
	/* no pair: nothing; one pair: a difference, no test */
	stats_paired(na, nb, 0, &p);
	assert_int_equal(p.n, 0);
	assert_true(isnan(p.diff) && isnan(p.p_t) && isnan(p.p_wilcoxon));
	stats_paired(na, nb, 1, &p);
	assert_float_equal(p.diff, 1, 0);
	assert_true(isnan(p.p_t) && isnan(p.ci_low) && isnan(p.sd));
	/* every difference 0: undefined; every difference the same: certain */
	stats_paired(z7, z7, 7, &p);
	assert_true(isnan(p.p_t) && isnan(p.p_wilcoxon));
	assert_float_equal(p.diff, 0, 0);
	{
		const double c[] = { 1, 2, 3 }, d[] = { 3, 4, 5 };

		stats_paired(c, d, 3, &p);
		assert_float_equal(p.p_t, 0, 0);
		assert_float_equal(p.ci_low, 2, 0);
		assert_float_equal(p.ci_high, 2, 0);
		/*
		 * three tied differences: normal, sigma^2 = 3*4*7/24 - (27-3)/48 = 3,
		 * z = (6 - 3 - 0.5) / sqrt(3); python3 -c "import statistics,math;
		 * print(2*statistics.NormalDist().cdf(-2.5/math.sqrt(3)))"
		 */
		assert_float_equal(p.p_wilcoxon, 0.14891467317876572, 1e-12);
	}
}

static void test_power(void **state)
{
	(void)state;
	/*
	 * reference: t(0.8, 8) = 0.88888951776701997 and t(0.975, 8) =
	 * 2.3060041350333709, sum 3.1948936529711866 (mde at SE 1, 8 df);
	 * 4 df: 3.7174096824329757; with many df the normal's 1.96 + 0.8416
	 */
	assert_float_equal(stats_mde(1, 8, 0.05, 0.8), 3.1948936529711866, 1e-9);
	assert_float_equal(stats_mde(2, 4, 0.05, 0.8), 2 * 3.7174096824329757, 1e-9);
	assert_float_equal(stats_mde(1, 1e9, 0.05, 0.8), 1.959963984540054 + 0.8416212335729143,
			   1e-6);
	assert_true(isnan(stats_mde(NAN, 4, 0.05, 0.8)));
	assert_true(isnan(stats_mde(1, 0, 0.05, 0.8)));
	/*
	 * FIELD.md's rule of thumb, two sides of n = 5 with CoV 5%: about
	 * 2.8 * 5% * sqrt(2/5) = 8.9% (normal); the t distribution with Welch's
	 * 8 df makes it 3.1949 * 5% * sqrt(2/5) = 10.1%
	 */
	assert_float_equal(stats_mde(5 * sqrt(2.0 / 5), 8, 0.05, 0.8), 10.103, 1e-3);

	/* reference script, by stepping n: */
	assert_float_equal(stats_n_needed(1, 1, false, 1, 0.05, 0.8, 1000), 17, 0);
	assert_float_equal(stats_n_needed(1, 9, false, 2, 0.05, 0.8, 1000), 22, 0);
	assert_float_equal(stats_n_needed(1, 9, false, -2, 0.05, 0.8, 1000), 22, 0);
	assert_float_equal(stats_n_needed(4, 0, true, 1, 0.05, 0.8, 1000), 34, 0);
	assert_float_equal(stats_n_needed(1, 0, true, 3, 0.05, 0.8, 1000), 4, 0);
	/* nothing to detect, or more than MAX needed: n/a */
	assert_true(isnan(stats_n_needed(1, 1, false, 0, 0.05, 0.8, 1000)));
	assert_true(isnan(stats_n_needed(1, 1, false, 1, 0.05, 0.8, 16)));
	assert_true(isnan(stats_n_needed(NAN, 1, false, 1, 0.05, 0.8, 16)));
	/* no noise: the smallest sample a test can use */
	assert_float_equal(stats_n_needed(0, 0, false, 1, 0.05, 0.8, 1000), 2, 0);
}

/*
 * Paired A/A: each pair shares a large common part (sd 10: where a seed
 * put the fragmenter's pages) and differs by noise (sd 1).  The paired
 * tests reject at about 5%; given a true shift of 2 (1.4 sd of the
 * differences: power 0.93 at n = 8) they find it nearly always, where
 * Welch, drowned in the common part, rarely does.
 */
static void test_paired_calibration(void **state)
{
	enum { REPS = 2000, N = 8 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int fp_t = 0, fp_w = 0, hit_t = 0, hit_welch = 0;
	double a[N], b[N];
	struct stats_paired p;
	struct stats_test t;

	(void)state;
	gsl_rng_set(r, 20261207);
	for (int i = 0; i < REPS; i++) {
		for (int k = 0; k < N; k++) {
			double common = gsl_ran_gaussian(r, 10);

			a[k] = 100 + common + gsl_ran_gaussian(r, 1);
			b[k] = 100 + common + gsl_ran_gaussian(r, 1);
		}
		stats_paired(a, b, N, &p);
		fp_t += p.p_t < 0.05;
		fp_w += p.p_wilcoxon < 0.05;
		for (int k = 0; k < N; k++)
			b[k] += 2;
		stats_paired(a, b, N, &p);
		stats_compare(a, N, b, N, &t);
		hit_t += p.p_t < 0.05;
		hit_welch += t.p_welch < 0.05;
	}
	print_message("# paired A/A: t %.2f%%, Wilcoxon %.2f%%; shift found: paired %.1f%%, "
		      "Welch %.1f%% of %d\n", 100.0 * fp_t / REPS, 100.0 * fp_w / REPS,
		      100.0 * hit_t / REPS, 100.0 * hit_welch / REPS, REPS);
	assert_true(fp_t > REPS * 0.035 && fp_t < REPS * 0.065);
	/* exact signed-rank at n = 8 is discrete: 2 * 5/256 = 3.9% is attainable */
	assert_true(fp_w > REPS * 0.02 && fp_w <= REPS * 0.055);
	assert_true(hit_t > REPS * 0.88);
	assert_true(hit_welch < REPS * 0.2);
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_welch),
		cmocka_unit_test(test_welch_degenerate),
		cmocka_unit_test(test_ci95_halfwidth),
		cmocka_unit_test(test_mwu),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_aa_calibration),
		cmocka_unit_test(test_paired),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_paired_calibration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
