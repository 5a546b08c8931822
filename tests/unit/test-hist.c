/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for workloads/hist.c: quantiles checked against values computed
 * by hand with R's type-7 definition (quantile(x, q) in R: h = (n-1)q,
 * x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) on sorted x), and
 * the log buckets of histograms.csv (8 per power of two, every sample
 * inside its own [lower, upper)).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/mmab.h"
#include "workloads/hist.h"

static struct hist *from(const double *v, size_t n)
{
	struct hist *h = hist_new();

	for (size_t i = 0; i < n; i++)
		hist_add(h, v[i]);
	return h;
}

static void test_empty(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	assert_int_equal(hist_count(h), 0);
	assert_true(isnan(hist_quantile(h, 0.5)));
	assert_true(isnan(hist_max(h)));
	assert_true(isnan(hist_mean(h)));
	hist_free(h);
}

static void test_quantiles_type7(void **state)
{
	/* inserted unsorted: sorting is the histogram's job */
	const double v[] = { 5, 1, 4, 2, 3 };
	struct hist *h = from(v, 5);

	(void)state;
	assert_int_equal(hist_count(h), 5);
	assert_float_equal(hist_quantile(h, 0.0), 1.0, 1e-12);
	assert_float_equal(hist_quantile(h, 0.25), 2.0, 1e-12);
	assert_float_equal(hist_quantile(h, 0.5), 3.0, 1e-12);
	/* h = 4 * 0.9 = 3.6: x[3] + 0.6 (x[4] - x[3]) = 4.6 */
	assert_float_equal(hist_quantile(h, 0.9), 4.6, 1e-12);
	assert_float_equal(hist_quantile(h, 1.0), 5.0, 1e-12);
	assert_float_equal(hist_max(h), 5.0, 0);
	assert_float_equal(hist_mean(h), 3.0, 1e-12);
	hist_free(h);
}

static void test_quantiles_even(void **state)
{
	/* R: quantile(c(10, 20, 30, 40), c(.5, .99, .01)) = 25, 39.7, 10.3 */
	const double v[] = { 40, 10, 30, 20 };
	struct hist *h = from(v, 4);

	(void)state;
	assert_float_equal(hist_quantile(h, 0.5), 25.0, 1e-12);
	assert_float_equal(hist_quantile(h, 0.99), 39.7, 1e-9);
	assert_float_equal(hist_quantile(h, 0.01), 10.3, 1e-9);
	/* adding after a quantile re-sorts lazily */
	hist_add(h, 0);
	assert_float_equal(hist_quantile(h, 0.5), 20.0, 1e-12);
	assert_float_equal(hist_quantile(h, 0.0), 0.0, 0);
	hist_free(h);
}

static void test_quantiles_large(void **state)
{
	/* 1..1000: type 7 p99 = 1 + 0.99 * 999 = 990.01, p50 = 500.5 */
	struct hist *h = hist_new();

	(void)state;
	for (int i = 1000; i >= 1; i--)
		hist_add(h, i);
	assert_float_equal(hist_quantile(h, 0.99), 990.01, 1e-9);
	assert_float_equal(hist_quantile(h, 0.5), 500.5, 1e-9);
	assert_float_equal(hist_mean(h), 500.5, 1e-9);
	assert_float_equal(hist_max(h), 1000, 0);
	hist_free(h);
}

static void test_single_and_bad(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	hist_add(h, 7.5);
	hist_add(h, NAN);	/* ignored */
	assert_int_equal(hist_count(h), 1);
	assert_float_equal(hist_quantile(h, 0.99), 7.5, 0);
	assert_float_equal(hist_quantile(h, 2.0), 7.5, 0);	/* clamped */
	hist_free(h);
}

static char *csv_of(const struct hist *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(hist_write_csv(f, "lat", "us", h), 0);
	fclose(f);
	return buf;
}

static void test_buckets_by_hand(void **state)
{
	/*
	 * 1 and 1.05 share [1, 2^(1/8)); 2 is a lower edge [2, 2^(9/8));
	 * 3: log2 3 * 8 = 12.68 -> [2^(12/8), 2^(13/8)); 100: 53.15 -> k = 53;
	 * 0 goes to the bucket [0, 2^-10).
	 */
	const double v[] = { 100, 3, 2, 1.05, 1, 0 };
	struct hist *h = from(v, 6);
	char *csv = csv_of(h);
	char want[1024];

	(void)state;
	snprintf(want, sizeof(want),
		 "lat,us,0,%.10g,1\n"
		 "lat,us,1,%.10g,2\n"
		 "lat,us,2,%.10g,1\n"
		 "lat,us,%.10g,%.10g,1\n"
		 "lat,us,%.10g,%.10g,1\n",
		 exp2(-10), exp2(1 / 8.0), exp2(9 / 8.0), exp2(12 / 8.0), exp2(13 / 8.0),
		 exp2(53 / 8.0), exp2(54 / 8.0));
	assert_string_equal(csv, want);
	assert_true(strstr(csv, "lat,us,2.828427125,3.084421651,1\n") != NULL);
	free(csv);
	hist_free(h);
}

static void test_buckets_contain_samples(void **state)
{
	struct hist *h = hist_new();
	char *csv, *line, *save = NULL;
	size_t total = 0, rows = 0;
	double prev_upper = -1;
	unsigned seed = 42;

	(void)state;
	for (int i = 0; i < 20000; i++)
		hist_add(h, exp2((rand_r(&seed) / (double)RAND_MAX) * 30 - 5));
	/* exact edges too: a power of two is the lower edge of its bucket */
	for (int e = -3; e < 20; e++)
		hist_add(h, exp2(e));
	csv = csv_of(h);
	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double lo, hi;
		size_t n;

		assert_int_equal(sscanf(line, "lat,us,%lf,%lf,%zu", &lo, &hi, &n), 3);
		assert_true(lo < hi);
		assert_true(lo >= prev_upper - 1e-9 * hi);	/* ascending, no overlap */
		/* 8 per power of two: each bucket 2^(1/8) wide */
		if (lo > 0)
			assert_float_equal(hi / lo, exp2(1 / 8.0), 1e-6);
		assert_true(n > 0);
		prev_upper = hi;
		total += n;
		rows++;
	}
	assert_int_equal(total, hist_count(h));
	assert_true(rows > 200 && rows <= 8 * 31);
	free(csv);
	hist_free(h);
}

static void test_merge(void **state)
{
	const double a[] = { 1, 2, 3 }, b[] = { 10, 20 };
	struct hist *ha = from(a, 3), *hb = from(b, 2);

	(void)state;
	hist_merge(ha, hb);
	assert_int_equal(hist_count(ha), 5);
	assert_float_equal(hist_max(ha), 20, 0);
	assert_float_equal(hist_quantile(ha, 0.5), 3, 0);
	assert_int_equal(hist_count(hb), 2);
	hist_free(ha);
	hist_free(hb);
}

static void test_append_file(void **state)
{
	char dir[] = "/tmp/mmab-test-hist.XXXXXX";
	const double a[] = { 1, 2 };
	struct hist *h = from(a, 2);
	char *path, *buf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hist_append_file(dir, "alloc_latency", "us", h), 0);
	assert_int_equal(hist_append_file(dir, "fault_latency", "us", h), 0);
	path = xasprintf("%s/histograms.csv", dir);
	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	assert_string_equal(buf, "histogram,unit,lower,upper,count\n"
			    "alloc_latency,us,1,1.090507733,1\n"
			    "alloc_latency,us,2,2.181015465,1\n"
			    "fault_latency,us,1,1.090507733,1\n"
			    "fault_latency,us,2,2.181015465,1\n");
	assert_int_equal(hist_append_file("/nonexistent/dir", "x", "us", h), -ENOENT);
	free(buf);
	unlink(path);
	free(path);
	rmdir(dir);
	hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_quantiles_type7),
		cmocka_unit_test(test_quantiles_even),
		cmocka_unit_test(test_quantiles_large),
		cmocka_unit_test(test_single_and_bad),
		cmocka_unit_test(test_buckets_by_hand),
		cmocka_unit_test(test_buckets_contain_samples),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_append_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
