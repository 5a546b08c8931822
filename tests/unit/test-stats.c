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
 * about their nominal 5%, and Benjamini-Hochberg keeps a table of 40 null
 * metrics from flagging more than about 5% of tables.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
