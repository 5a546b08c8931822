/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for history/cpd.c, the change-point detection.
 *
 * First Apache Otava's own test data, re-entered here (Apache-2.0, (c) The
 * Apache Software Foundation; github.com/apache/otava at commit
 * 1ceb1537a49d, April 2026).  Each expected answer is the one Otava's test
 * suite asserts for that series and those parameters, so mmab finds the
 * change points Otava finds:
 *   - tests/analysis_test.py test_single_series (window 10, p 0.0001: [10])
 *     and test_significance_tester (p ~1, and p < 0.001);
 *   - tests/change_point_divisive_test.py test_ttest (the whole series,
 *     no windows, t-test at 0.01: [5, 8]);
 *   - tests/series_test.py test_change_point_detection (defaults: series1
 *     [6], series2 [4]), test_change_point_min_magnitude (0.2: series1
 *     [6], series2 none), test_div_by_zero (two change points, the first
 *     at 3);
 *   - tests/tigerbeetle_test.py: the Tigerbeetle benchmark series (365
 *     values) with window 30 at ten (max_p, min_magnitude) pairs;
 *   - docs/CSV.md and tests/csv_e2e_test.py: the documented example, whose
 *     metric2 changes at the 7th value by -12.9% and metric1 not at all;
 *   - tests/postgres_e2e_test.py on examples/postgresql/init-db/schema.sql
 *     (config 1, Otava's command-line defaults): process_cumulative_rate_mean
 *     changes at the 4th value by -5.6%, its stderr and diff not at all.
 * Otava is run with min_segment 1 here: its algorithm has no minimum.
 *
 * Then series whose answer is known by construction, with mmab's
 * defaults: a step, two steps, a slow drift, a single outlier, constant
 * values and pure noise (Gaussian and heavy-tailed, as nightly memory
 * benchmarks are).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "history/cpd.h"
#include "lib/mmab.h"

/* Otava's tests/tigerbeetle_test.py _get_series() */
static const double tigerbeetle[] = {
	26705, 26475, 26641, 26806, 26835, 26911, 26564, 26812, 26874, 26682, 15672, 26745,
	26460, 26977, 26851, 23412, 23547, 23674, 23519, 23670, 23662, 23462, 23750, 23717,
	23524, 23588, 23687, 23793, 23937, 23715, 23570, 23730, 23690, 23699, 23670, 23860,
	23988, 23652, 23681, 23798, 23728, 23604, 23523, 23412, 23685, 23773, 23771, 23718,
	23409, 23739, 23674, 23597, 23682, 23680, 23711, 23660, 23990, 23938, 23742, 23703,
	23536, 24363, 24414, 24483, 24509, 24944, 24235, 24560, 24236, 24667, 24730, 28346,
	28437, 28436, 28057, 28217, 28456, 28427, 28398, 28250, 28331, 28222, 28726, 28578,
	28345, 28274, 28514, 28590, 28449, 28305, 28411, 28788, 28404, 28821, 28580, 27483,
	26805, 27487, 27124, 26898, 27295, 26951, 27312, 27660, 27154, 27050, 26989, 27193,
	27503, 27326, 27375, 27513, 27057, 27421, 27574, 27609, 27123, 27824, 27644, 27394,
	27836, 27949, 27702, 27457, 27272, 28207, 27802, 27516, 27586, 28005, 27768, 28543,
	28237, 27915, 28437, 28342, 27733, 28296, 28524, 28687, 28258, 28611, 29360, 28590,
	29641, 28965, 29474, 29256, 28611, 28205, 28539, 27962, 28398, 28509, 28240, 28592,
	28102, 28461, 28578, 28669, 28507, 28535, 28226, 28536, 28561, 28087, 27953, 28398,
	28007, 28518, 28337, 28242, 28607, 28545, 28514, 28377, 28010, 28412, 28633, 28576,
	28195, 28637, 28724, 28466, 28287, 28719, 28425, 28860, 28842, 28604, 28327, 28216,
	28946, 28918, 29287, 28725, 29148, 29541, 29137, 29628, 29087, 28612, 29154, 29108,
	28884, 29234, 28695, 28969, 28809, 28695, 28634, 28916, 29852, 29389, 29757, 29531,
	29363, 29251, 29552, 29561, 29046, 29795, 29022, 29395, 28921, 29739, 29257, 29455,
	29376, 29528, 28909, 29492, 28984, 29621, 29026, 29457, 29102, 29114, 28924, 29162,
	29259, 29554, 29616, 29211, 29367, 29460, 28836, 29645, 29586, 28848, 29324, 28969,
	29150, 29243, 29081, 29312, 28923, 29272, 29117, 29072, 29529, 29737, 29652, 29612,
	29856, 29012, 30402, 29969, 29309, 29439, 29285, 29421, 29023, 28772, 29692, 29416,
	29267, 29542, 29904, 30045, 29739, 29945, 29141, 29163, 29765, 29197, 29441, 28910,
	29504, 29614, 29643, 29506, 29420, 29672, 29432, 29784, 29888, 29309, 29247, 29816,
	29254, 29813, 29451, 29382, 29618, 28558, 29845, 29499, 29283, 29184, 29246, 28790,
	29952, 29145, 29415, 30437, 29227, 29605, 29859, 29156, 29807, 29406, 29734, 29861,
	29140, 29983, 29832, 29919, 29896, 29991, 29266, 29001, 29459, 29548, 29310, 29042,
	29303, 29894, 29091, 29018, 29537, 29614, 29180, 29736, 29500, 29218, 29581, 28906,
	28542, 29306, 28987, 29878, 28865, 30272, 29707, 29662, 29815, 30492, 29347, 30096,
	29054, 30238, 28813, 31895, 28915,
};

/* The indexes cpd_detect finds in V with Otava's parameters, as a string "[a, b]". */
static char *found(const double *v, size_t n, int window, double max_p, double min_mag, int min_seg)
{
	struct cpd_params p = { window, max_p, min_mag, min_seg };
	struct cpd_point *cps;
	size_t ncp = cpd_detect(v, n, &p, &cps);
	char *s = xstrdup("[");

	for (size_t i = 0; i < ncp; i++) {
		char *t = xasprintf("%s%s%zu", s, i ? ", " : "", cps[i].index);

		free(s);
		s = t;
	}
	{
		char *t = xasprintf("%s]", s);

		free(s);
		s = t;
	}
	free(cps);
	return s;
}

#define assert_found(expect, v, n, w, p, m, l) do { \
	char *got_ = found(v, n, w, p, m, l); \
	assert_string_equal(got_, expect); \
	free(got_); \
} while (0)

static void test_otava_single_series(void **state)
{
	static const double s[] = {
		1.02, 0.95, 0.99, 1.00, 1.12, 1.00, 1.01, 0.98, 1.01, 0.96,
		0.50, 0.51, 0.48, 0.48, 0.55, 0.50, 0.49, 0.51, 0.50, 0.49,
	};

	(void)state;
	assert_found("[10]", s, ARRAY_SIZE(s), 10, 0.0001, 0, 1);
}

static void test_otava_significance(void **state)
{
	static const double same[] = { 1.00, 1.02, 1.05, 0.95, 0.98, 1.00, 1.02, 1.05, 0.95, 0.98 };
	static const double diff[] = { 1.00, 1.02, 1.05, 0.95, 0.98, 0.80, 0.82, 0.85, 0.79, 0.77 };
	struct cpd_point cp;

	(void)state;
	cpd_ttest(same, 5, same + 5, 5, &cp);
	assert_true(cp.p > 0.99 && cp.p < 1.01);
	cpd_ttest(diff, 5, diff + 5, 5, &cp);
	assert_true(cp.p > 0 && cp.p < 0.001);
}

static void test_otava_divisive(void **state)
{
	static const double s[] = {
		0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1,
		149.0, 149.7, 149.5, 149.1, 148.8, 150.0,
	};
	struct cpd_point *cps;
	size_t n;

	(void)state;
	n = cpd_divisive(s, ARRAY_SIZE(s), 0.01, 1, &cps);
	assert_int_equal(n, 2);
	assert_int_equal(cps[0].index, 5);
	assert_int_equal(cps[1].index, 8);
	free(cps);
}

static const double series1[] = { 1.02, 0.95, 0.99, 1.00, 1.12, 0.90, 0.50, 0.51, 0.48, 0.48, 0.55 };
static const double series2[] = { 2.02, 2.03, 2.01, 2.04, 1.82, 1.85, 1.79, 1.81, 1.80, 1.76, 1.78 };

static void test_otava_series(void **state)
{
	static const double zeros[] = { 0.0, 0.0, 0.0, 1.00, 1.12, 0.90, 0.50, 0.51, 0.48, 0.48, 0.55 };
	struct cpd_params p = { 50, 0.001, 0, 1 };
	struct cpd_point *cps;
	size_t n;

	(void)state;
	assert_found("[6]", series1, ARRAY_SIZE(series1), 50, 0.001, 0, 1);
	assert_found("[4]", series2, ARRAY_SIZE(series2), 50, 0.001, 0, 1);
	assert_found("[6]", series1, ARRAY_SIZE(series1), 50, 0.001, 0.2, 1);
	assert_found("[]", series2, ARRAY_SIZE(series2), 50, 0.001, 0.2, 1);
	n = cpd_detect(zeros, ARRAY_SIZE(zeros), &p, &cps);
	assert_int_equal(n, 2);
	assert_int_equal(cps[0].index, 3);
	/* a zero mean before: the relative change counts as 0, nothing divides by it */
	assert_true(isfinite(cpd_magnitude(&cps[0])));
	free(cps);
}

static void test_otava_csv_example(void **state)
{
	static const double metric1[] = {
		154023, 138455, 143112, 149190, 132098, 151344, 155145, 148889, 149466, 148209,
	};
	static const double metric2[] = { 10.43, 10.23, 10.29, 10.91, 10.34, 10.69, 9.23, 9.11, 9.13, 9.03 };
	struct cpd_params p = { 50, 0.001, 0, 1 };
	struct cpd_point *cps;
	size_t n;

	(void)state;
	assert_found("[]", metric1, ARRAY_SIZE(metric1), 50, 0.001, 0, 1);
	n = cpd_detect(metric2, ARRAY_SIZE(metric2), &p, &cps);
	assert_int_equal(n, 1);
	assert_int_equal(cps[0].index, 6);
	/* the documented "-12.9%" */
	assert_float_equal(round(1000 * (cps[0].mean_after / cps[0].mean_before - 1)), -129, 0);
	free(cps);
}

static void test_otava_postgres_example(void **state)
{
	static const double mean[] = { 61160, 60160, 60960, 57123, 57980, 56950 };
	static const double stderr_[] = { 2052, 2142, 2052, 2052, 2052, 2052 };
	static const double diff[] = { 13558, 13454, 13053, 14052, 13521, 13532 };
	struct cpd_params p = { 50, 0.001, 0, 1 };
	struct cpd_point *cps;

	(void)state;
	assert_int_equal(cpd_detect(mean, ARRAY_SIZE(mean), &p, &cps), 1);
	assert_int_equal(cps[0].index, 3);
	/* the documented "-5.6%" */
	assert_float_equal(round(1000 * (cps[0].mean_after / cps[0].mean_before - 1)), -56, 0);
	free(cps);
	assert_found("[]", stderr_, ARRAY_SIZE(stderr_), 50, 0.001, 0, 1);
	assert_found("[]", diff, ARRAY_SIZE(diff), 50, 0.001, 0, 1);
}

static void test_otava_tigerbeetle(void **state)
{
	static const struct {
		double p, mag;
		const char *expect;
	} cases[] = {
		{ 0.01, 0.05, "[15, 71]" },
		{ 0.05, 0.05, "[15, 71]" },
		{ 0.1, 0.05, "[10, 11, 15, 71, 363]" },
		{ 0.2, 0.05, "[10, 11, 15, 71]" },
		{ 0.2, 0, "[3, 6, 7, 10, 11, 13, 15, 16, 28, 29, 35, 37, 39, 41, 44, 48, 49, 56, 58, "
			  "61, 65, 66, 69, 71, 74, 76, 82, 95, 108, 117, 125, 126, 129, 131, 136, 137, "
			  "142, 148, 165, 169, 187, 190, 192, 197, 200, 212, 220, 241, 243, 246, 247, "
			  "249, 250, 260, 265, 266, 268, 278, 282, 288, 305, 306, 325, 330, 337, 338, "
			  "340, 347, 349, 363]" },
		{ 0.1, 0, "[3, 6, 10, 11, 15, 16, 28, 29, 35, 37, 39, 41, 44, 48, 49, 61, 71, 95, "
			  "117, 131, 142, 148, 165, 169, 192, 206, 212, 260, 265, 268, 278, 282, 288, "
			  "305, 363]" },
		{ 0.01, 0, "[15, 26, 61, 71, 95, 117, 131, 142, 148, 165, 169, 192, 212, 260]" },
		{ 0.001, 0, "[15, 61, 71, 95, 117, 131, 142, 148, 192, 212, 260]" },
		{ 0.0001, 0, "[71, 95, 117, 131, 142, 148, 192, 212]" },
		{ 0.00001, 0, "[71, 95, 131, 192, 212]" },
	};

	(void)state;
	assert_int_equal(ARRAY_SIZE(tigerbeetle), 365);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = found(tigerbeetle, ARRAY_SIZE(tigerbeetle), 30, cases[i].p, cases[i].mag, 1);

		if (strcmp(got, cases[i].expect))
			print_error("max_p %g, min_magnitude %g: got %s, Otava finds %s\n",
				    cases[i].p, cases[i].mag, got, cases[i].expect);
		assert_string_equal(got, cases[i].expect);
		free(got);
	}
}


/* ---- series whose answer is known by construction, mmab's defaults ---- */

static const struct cpd_params defaults = {
	CPD_WINDOW, CPD_MAX_P, CPD_MIN_MAGNITUDE, CPD_MIN_SEGMENT
};

static gsl_rng *rng;

/* N values of MEAN plus Gaussian noise of SD (seeded: the same every run). */
static void gauss(double *v, size_t n, double mean, double sd)
{
	for (size_t i = 0; i < n; i++)
		v[i] = mean + gsl_ran_gaussian(rng, sd);
}

static char *found_default(const double *v, size_t n)
{
	return found(v, n, defaults.window, defaults.max_p, defaults.min_magnitude,
		     defaults.min_segment);
}

#define assert_default(expect, v, n) do { \
	char *got_ = found_default(v, n); \
	assert_string_equal(got_, expect); \
	free(got_); \
} while (0)

static void test_step(void **state)
{
	double v[160];
	struct cpd_point *cps;

	(void)state;
	gsl_rng_set(rng, 1);
	/* 100 nights at 100, then 10% worse: 4 standard deviations */
	gauss(v, 100, 100, 2.5);
	gauss(v + 100, 60, 90, 2.5);
	assert_int_equal(cpd_detect(v, 160, &defaults, &cps), 1);
	assert_int_equal(cps[0].index, 100);
	assert_float_equal(cps[0].mean_before, 100, 1);
	assert_float_equal(cps[0].mean_after, 90, 1);
	assert_true(cps[0].p < 1e-20);
	free(cps);
}

static void test_two_steps(void **state)
{
	double v[200];

	(void)state;
	gsl_rng_set(rng, 2);
	gauss(v, 60, 100, 2.5);
	gauss(v + 60, 70, 90, 2.5);
	gauss(v + 130, 70, 105, 2.5);
	assert_default("[60, 130]", v, 200);
}

static void test_slow_drift(void **state)
{
	double v[200];
	struct cpd_point *cps;
	size_t n;

	(void)state;
	gsl_rng_set(rng, 3);
	/* +30% over 200 nights, 2% noise: no step anywhere, but a real change */
	for (size_t i = 0; i < 200; i++)
		v[i] = 100 + 30.0 * (double)i / 199 + gsl_ran_gaussian(rng, 2);
	n = cpd_detect(v, 200, &defaults, &cps);
	/* the drift is found, as steps that all go its way */
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_true(cps[i].mean_after > cps[i].mean_before);
		assert_true(cps[i].index >= 3 && cps[i].index <= 197);
	}
	free(cps);
}

static void test_single_outlier(void **state)
{
	double v[365];

	(void)state;
	gsl_rng_set(rng, 4);
	gauss(v, 365, 100, 2);
	v[200] = 150;		/* 25 standard deviations, one night */
	assert_default("[]", v, 365);
	/* nor are two */
	v[201] = 150;
	assert_default("[]", v, 365);
	/* a fortnight is: where it starts and where it ends */
	for (size_t i = 202; i < 214; i++)
		v[i] = 150;
	assert_default("[200, 214]", v, 365);
}

static void test_constant(void **state)
{
	double v[100];
	struct cpd_point *cps;

	(void)state;
	for (size_t i = 0; i < 100; i++)
		v[i] = 42;
	assert_default("[]", v, 100);
	assert_default("[]", v, 1);
	assert_default("[]", v, 0);
	/* two constant segments: a certain change (p 0), not a division by zero */
	for (size_t i = 50; i < 100; i++)
		v[i] = 43;
	assert_int_equal(cpd_detect(v, 100, &defaults, &cps), 1);
	assert_int_equal(cps[0].index, 50);
	assert_float_equal(cps[0].p, 0, 0);
	free(cps);
}

static void test_pure_noise(void **state)
{
	size_t with_cp = 0;

	(void)state;
	gsl_rng_set(rng, 5);
	/* a year of nights, 40 series: Gaussian, then heavy-tailed (Student t, 3 df) */
	for (int s = 0; s < 40; s++) {
		double v[365];
		struct cpd_point *cps;

		for (size_t i = 0; i < 365; i++)
			v[i] = 100 + (s < 20 ? gsl_ran_gaussian(rng, 5) : 3 * gsl_ran_tdist(rng, 3));
		with_cp += cpd_detect(v, 365, &defaults, &cps) > 0;
		free(cps);
	}
	/* measured 1-7% of noise series with a false change point a year (README) */
	assert_true(with_cp <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otava_single_series),
		cmocka_unit_test(test_otava_significance),
		cmocka_unit_test(test_otava_divisive),
		cmocka_unit_test(test_otava_series),
		cmocka_unit_test(test_otava_csv_example),
		cmocka_unit_test(test_otava_postgres_example),
		cmocka_unit_test(test_otava_tigerbeetle),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_two_steps),
		cmocka_unit_test(test_slow_drift),
		cmocka_unit_test(test_single_outlier),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_pure_noise),
	};
	int ret;

	rng = gsl_rng_alloc(gsl_rng_mt19937);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	gsl_rng_free(rng);
	return ret;
}
