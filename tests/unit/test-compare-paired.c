/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for compare's pairing (analysis/compare.c) and the contract
 * others build on (compare.h):
 * - sets whose iteration k has the same seed on both sides are compared
 *   pair by pair (paired t, Wilcoxon), and see through the variance the
 *   seed causes where Welch cannot; an iteration that failed on one side
 *   is dropped and counted; other seeds, or none, keep Welch;
 * - every value keeps its iteration number and seed;
 * - the fields CSV and JSON gain (test, p_paired, p_wilcoxon, pairs,
 *   dropped), with p_welch and p_mwu unchanged;
 * - mde_pct and n_needed against values computed independently
 *   (tests/fixtures/compare/stats-reference.py);
 * - one set alone (the history import): every row with its values per
 *   iteration, and row identities that do not depend on the other sets;
 * - a kernel A/B as issue 9 records it (tests/fixtures/compare/kernel-ab,
 *   made by hand): the kernel is the thing compared, a VM difference is a
 *   warning, TCG and kernel warnings are said once at the top;
 * - the `mmab run` that would settle a comparison, from the sets' argv.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/compare-out.h"
#include "analysis/compare.h"
#include "lib/csv.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define CMPFIX_NAME "compare-paired"
#include "tests/unit/cmpfix.h"

#define REP "tests/fixtures/report/"

/* A large part every metric of iteration k shares with iteration k of the other set. */
static const double common[6] = { -40, 25, 10, -15, 30, -5 };
static const struct fake_metric xm[] = { { "x", "ops/s", "higher", "mean", 100, 1.5 } };
static const double plus8[] = { 8 };

/* Sets A and B (6 iterations of x, B shifted by +8) shaped by OA and OB. */
static void two_sets(const char *tag, const struct fake_opts *oa, const struct fake_opts *ob,
		     struct rset sets[2], struct cmp_table *t)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	char *na = xasprintf("%s-a", tag), *nb = xasprintf("%s-b", tag);
	char *da, *db;

	gsl_rng_set(rng, 11);
	da = fake_set_x(na, meta_a, 6, xm, 1, NULL, rng, oa);
	db = fake_set_x(nb, meta_b, 6, xm, 1, plus8, rng, ob);
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, t), 0);
	free(capture_end());
	free(da);
	free(db);
	free(na);
	free(nb);
	gsl_rng_free(rng);
}

static void done(struct rset sets[2], struct cmp_table *t)
{
	compare_free(t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
}

static void test_paired_by_seed(void **state)
{
	const struct fake_opts o = { common, 1000, 0 };
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_cell *c, *b;

	(void)state;
	two_sets("seeded", &o, &o, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	b = &row_of(&t, "w", "x")->cells[0];
	/* each value knows where it came from */
	assert_int_equal(c->n_values, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(c->iterations[i], i + 1);
		assert_int_equal(c->seeds[i], 1000 + i + 1);
		assert_int_equal(b->seeds[i], 1000 + i + 1);
	}
	assert_int_equal(c->test, CMP_TEST_PAIRED);
	assert_string_equal(cmp_test_name(c->test), "paired-t");
	assert_int_equal(c->pt.n, 6);
	assert_int_equal(c->dropped, 0);
	/* the shared part cancels: +8 against noise of 1.5 a side is found... */
	assert_true(c->pt.p_t < 0.001);
	assert_true(c->p == c->pt.p_t);
	assert_int_equal(c->verdict, CMP_BETTER);
	assert_true(c->ci_low > 0 && c->ci_high < 16);
	assert_float_equal(c->diff, c->pt.diff, 0);
	/* ...where Welch, seeing a spread of 25 a side, cannot tell */
	assert_true(c->t.p_welch > 0.3);
	/* the difference of the means and the mean difference agree without drops */
	assert_float_equal(c->pt.diff, c->t.diff, 1e-9);
	/* the baseline's cell has no test */
	assert_int_equal(b->test, CMP_TEST_NONE);
	assert_null(cmp_test_name(b->test));
	done(sets, &t);
}

static void test_unmatched_dropped(void **state)
{
	const struct fake_opts oa = { common, 1000, 0 }, ob = { common, 1000, 3 };
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_cell *c;

	(void)state;
	two_sets("drop", &oa, &ob, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	/* iteration 3 failed in b: 5 pairs, the baseline's value of 3 dropped */
	assert_int_equal(c->n_values, 5);
	assert_int_equal(c->test, CMP_TEST_PAIRED);
	assert_int_equal(c->pt.n, 5);
	assert_int_equal(c->dropped, 1);
	for (int i = 0; i < 5; i++)
		assert_int_not_equal(c->iterations[i], 3);
	assert_int_equal(c->verdict, CMP_BETTER);
	/* Welch still sees every value: 6 against 5 */
	assert_int_equal(row_of(&t, "w", "x")->cells[0].s.n, 6);
	/* said once per workload, in iterations */
	{
		size_t dropped;
		char *out = render(&t, CMP_TEXT, 0);

		assert_int_equal(cmp_paired_count(&t, &dropped), 1);
		assert_int_equal(dropped, 1);
		assert_non_null(strstr(out, "(1 iteration without its pair left out of the paired "
					    "tests)"));
		free(out);
	}
	done(sets, &t);
}

static void test_unpaired_keeps_welch(void **state)
{
	const struct fake_opts oa = { common, 1000, 0 }, ob = { common, 2000, 0 };
	const struct fake_opts na = { common, -1, 0 };
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_cell *c;

	(void)state;
	/* other seeds: not paired, whatever the iteration numbers */
	two_sets("seeds", &oa, &ob, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	assert_int_equal(c->test, CMP_TEST_WELCH);
	assert_int_equal(c->pt.n, 0);
	assert_true(c->p == c->t.p_welch);
	assert_int_equal(c->verdict, CMP_NO_DIFF);
	done(sets, &t);
	/* no iteration.json (a set written before seeds were recorded): Welch */
	two_sets("noseed", &na, &na, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	assert_int_equal(c->test, CMP_TEST_WELCH);
	assert_int_equal(c->seeds[0], RSET_NO_SEED);
	assert_int_equal(c->iterations[5], 6);
	done(sets, &t);
	/* one side without seeds: Welch */
	two_sets("half", &oa, &na, sets, &t);
	assert_int_equal(row_of(&t, "w", "x")->cells[1].test, CMP_TEST_WELCH);
	done(sets, &t);
}

/* The CSV and JSON fields of pairing; p_welch and p_mwu keep their meaning. */
static void test_paired_records(void **state)
{
	const struct fake_opts o = { common, 1000, 0 };
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_cell *c;
	json_error_t je;
	json_t *j, *rec, *it;
	char *out, path[160];
	struct csv csv;

	(void)state;
	two_sets("records", &o, &o, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	out = render(&t, CMP_JSON, 0);
	j = json_loads(out, 0, &je);
	assert_non_null(j);
	rec = json_array_get(json_object_get(j, "records"), 1);
	assert_string_equal(json_string_value(json_object_get(rec, "test")), "paired-t");
	assert_float_equal(json_real_value(json_object_get(rec, "p_paired")), c->pt.p_t, 1e-15);
	assert_float_equal(json_real_value(json_object_get(rec, "p_wilcoxon")),
			   c->pt.p_wilcoxon, 1e-15);
	assert_float_equal(json_real_value(json_object_get(rec, "p_welch")), c->t.p_welch, 1e-15);
	assert_float_equal(json_real_value(json_object_get(rec, "p_mwu")), c->t.p_mwu, 1e-15);
	assert_float_equal(json_real_value(json_object_get(rec, "ci_low")), c->pt.ci_low, 1e-12);
	assert_int_equal(json_integer_value(json_object_get(rec, "pairs")), 6);
	assert_int_equal(json_integer_value(json_object_get(rec, "dropped")), 0);
	/* the baseline's record: no test */
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "records"), 0),
						 "test")));
	/* each iteration with its seed */
	it = json_array_get(json_object_get(json_array_get(json_object_get(j, "sets"), 1),
					    "iterations"), 0);
	assert_int_equal(json_integer_value(json_object_get(it, "seed")), 1001);
	json_decref(j);
	free(out);

	out = render(&t, CMP_CSV, 0);
	snprintf(path, sizeof(path), "%s/paired.csv", tmp_root);
	write_file(path, out);
	assert_int_equal(csv_load(path, &csv), 0);
	assert_string_equal(csv_str(&csv, 1, csv_col(&csv, "test")), "paired-t");
	assert_float_equal(csv_num(&csv, 1, csv_col(&csv, "p_paired")), c->pt.p_t,
			   1e-12 * c->pt.p_t + 1e-300);
	assert_float_equal(csv_num(&csv, 1, csv_col(&csv, "pairs")), 6, 0);
	assert_null(csv_str(&csv, 0, csv_col(&csv, "test")));
	csv_free(&csv);
	free(out);

	/* the text says which test it used */
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_non_null(strstr(out, "paired by seed"));
	assert_non_null(strstr(out, "  pt "));
	assert_true(max_columns(out) <= 80);
	free(out);
	done(sets, &t);
}

/*
 * A set with exact values: iteration i of workload w has x = X[i] and,
 * when Y, y = Y[i]; with SEED0 >= 0 iteration i has seed SEED0 + i.
 */
static char *exact_set(const char *name, const char *meta, const double *x, const double *y,
		       int n, long long seed0)
{
	char *dir = xasprintf("%s/%s", tmp_root, name), *p, *text, *status;

	p = xasprintf("%s/metadata.json", dir);
	write_file(p, meta);
	free(p);
	status = xstrdup("workload,iteration,status,reason,exit_code,signal,duration_s\n");
	for (int i = 1; i <= n; i++) {
		char *st;

		text = y ? xasprintf("metric,value,unit,direction,aggregate\nx,%.17g,s,higher,mean\n"
				     "y,%.17g,s,higher,mean\n", x[i - 1], y[i - 1])
			 : xasprintf("metric,value,unit,direction,aggregate\nx,%.17g,s,higher,mean\n",
				     x[i - 1]);
		p = xasprintf("%s/w/%d/metrics.csv", dir, i);
		write_file(p, text);
		free(p);
		free(text);
		if (seed0 >= 0) {
			p = xasprintf("%s/w/%d/iteration.json", dir, i);
			text = xasprintf("{\"seed\": %lld}", seed0 + i);
			write_file(p, text);
			free(text);
			free(p);
		}
		st = xasprintf("%sw,%d,ok,,0,,1\n", status, i);
		free(status);
		status = st;
	}
	p = xasprintf("%s/status.csv", dir);
	write_file(p, status);
	free(p);
	free(status);
	return dir;
}

static void exact_table(const char *tag, const double *xa, const double *xb, const double *ya,
			const double *yb, bool seeds, struct rset sets[2], struct cmp_table *t)
{
	char *na = xasprintf("%s-a", tag), *nb = xasprintf("%s-b", tag);
	char *da = exact_set(na, meta_a, xa, ya, 3, seeds ? 70 : -1);
	char *db = exact_set(nb, meta_b, xb, yb, 3, seeds ? 70 : -1);

	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, t), 0);
	free(capture_end());
	free(da);
	free(db);
	free(na);
	free(nb);
}

/*
 * mde_pct and n_needed against the reference script
 * (tests/fixtures/compare/stats-reference.py, last lines).
 */
static void test_power_table(void **state)
{
	const double a[] = { 10, 12, 14 }, b[] = { 13, 15, 17 }, bp[] = { 13, 15.5, 16.8 };
	const double far[] = { 110, 112, 114 };
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_cell *c;

	(void)state;
	/* unpaired, one comparison: SE sqrt(8/3), 4 df; n at 0.05: 9 a side */
	exact_table("pw1", a, b, NULL, NULL, false, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	assert_int_equal(c->test, CMP_TEST_WELCH);
	assert_int_equal(c->verdict, CMP_NO_DIFF);
	assert_float_equal(c->mde_pct, 50.587538260235807, 1e-9);
	assert_float_equal(c->n_needed, 9, 0);
	assert_true(isnan(row_of(&t, "w", "x")->cells[0].mde_pct));
	done(sets, &t);
	/* two comparisons of w, neither proven: the next discovery at 0.05 * 1/2: 10 */
	exact_table("pw2", a, b, a, b, false, sets, &t);
	assert_int_equal(t.n_tests, 2);
	assert_float_equal(row_of(&t, "w", "x")->cells[1].n_needed, 10, 0);
	done(sets, &t);
	/* y proven (+100 against noise 2), x not: x is the second discovery, 0.05 * 2/2: 9 */
	exact_table("pw3", a, b, a, far, false, sets, &t);
	assert_int_equal(row_of(&t, "w", "y")->cells[1].verdict, CMP_BETTER);
	assert_true(isnan(row_of(&t, "w", "y")->cells[1].n_needed));
	assert_float_equal(row_of(&t, "w", "x")->cells[1].n_needed, 9, 0);
	done(sets, &t);
	/*
	 * paired: differences 3, 3.5, 2.8 (sd 0.36055512754639863), mde from
	 * the spread of the differences on 2 df: 9.303855093009629% of 12;
	 * p 0.00447892001505226, proven: no n_needed
	 */
	exact_table("pw4", a, bp, NULL, NULL, true, sets, &t);
	c = &row_of(&t, "w", "x")->cells[1];
	assert_int_equal(c->test, CMP_TEST_PAIRED);
	assert_float_equal(c->pt.sd, 0.36055512754639863, 1e-12);
	assert_float_equal(c->pt.p_t, 0.00447892001505226, 1e-10);
	assert_float_equal(c->mde_pct, 9.303855093009629, 1e-9);
	assert_int_equal(c->verdict, CMP_BETTER);
	assert_true(isnan(c->n_needed));
	done(sets, &t);
}

/* A change of 500000% still fits its column of the compact table. */
static void test_huge_change(void **state)
{
	const double a[] = { 1, 1.1, 0.9 }, b[] = { 5000, 5100, 4900 };
	struct rset sets[2];
	struct cmp_table t;
	char *out;

	(void)state;
	exact_table("huge", a, b, NULL, NULL, false, sets, &t);
	assert_int_equal(row_of(&t, "w", "x")->cells[1].verdict, CMP_BETTER);
	out = render(&t, CMP_TEXT, 0);
	assert_non_null(strstr(out, " *+5e+05%*B\n"));
	assert_true(max_columns(out) <= 80);
	free(out);
	done(sets, &t);
}

/*
 * What the history import does: one set alone (n = 1, baseline 0).  Every
 * row (workload metrics and the derived summaries) with its values per
 * iteration, unit, direction, aggregation and the aggregate shown; the
 * same rows, values and identities as in a table with other sets.
 */
static void test_one_set(void **state)
{
	struct rset one, two[2];
	struct cmp_table t1, t2;
	const struct cmp_row *r;
	size_t checked = 0;

	(void)state;
	assert_int_equal(rset_load(REP "stock", &one), 0);
	capture_begin();
	assert_int_equal(compare_build(&one, 1, 0, &t1), 0);
	free(capture_end());
	assert_int_equal(t1.n_sets, 1);
	assert_int_equal(t1.n_tests, 0);
	assert_int_equal(t1.n_env, 0);
	r = row_of(&t1, "thpfault", "fault_rate");
	assert_int_equal(r->section, SEC_METRICS);
	assert_string_equal(r->unit, "MiB/s");
	assert_int_equal(r->dir, METRIC_HIGHER);
	assert_int_equal(r->agg, AGG_HMEAN);
	assert_int_equal(r->cells[0].n_values, 3);
	assert_int_equal(r->cells[0].verdict, CMP_BASELINE);
	/* 3 / (1/499.74 + 1/658.096 + 1/542.829): the harmonic mean, as shown */
	assert_float_equal(r->cells[0].s.mean, 559.4117202288076, 1e-9);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r->cells[0].iterations[i], i + 1);
	/* the derived summaries are rows too, per iteration */
	r = row_of(&t1, "thpfault", "vmstat.alloc_stalls");
	assert_int_equal(r->section, SEC_VMSTAT);
	assert_int_equal(r->cells[0].n_values, 3);
	r = row_of(&t1, "thpfault", "vmstat.thp_success");
	assert_string_equal(r->unit, "%");
	assert_int_equal(r->dir, METRIC_HIGHER);
	assert_non_null(row_of(&t1, "thpfault", "frag.unusable_index_o9_mean"));
	assert_non_null(row_of(&t1, "thpfault", "stalls.compaction.p99"));

	/* beside another set: the same identities and values for this one */
	assert_int_equal(rset_load(REP "stock", &two[0]), 0);
	assert_int_equal(rset_load(REP "stock-rerun", &two[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(two, 2, 0, &t2), 0);
	free(capture_end());
	for (size_t i = 0; i < t1.n_rows; i++) {
		const struct cmp_row *a = &t1.rows[i], *b;

		if (a->section == SEC_SLAB)
			continue;	/* which caches: the ones that grew most in any set */
		b = row_of(&t2, a->workload, a->metric);
		assert_int_equal(a->section, b->section);
		assert_string_equal(a->unit, b->unit);
		assert_int_equal(a->dir, b->dir);
		assert_int_equal(a->agg, b->agg);
		assert_int_equal(a->cells[0].n_values, b->cells[0].n_values);
		for (size_t k = 0; k < a->cells[0].n_values; k++) {
			assert_int_equal(a->cells[0].iterations[k], b->cells[0].iterations[k]);
			assert_memory_equal(&a->cells[0].values[k], &b->cells[0].values[k],
					    sizeof(double));
		}
		checked++;
	}
	print_message("# one set alone: %zu rows, %zu checked against a pair\n", t1.n_rows,
		      checked);
	assert_true(checked > 40);
	compare_free(&t1);
	compare_free(&t2);
	rset_free(&one);
	rset_free(&two[0]);
	rset_free(&two[1]);
}

#define KAB "tests/fixtures/compare/kernel-ab/"

static void test_kernel_ab(void **state)
{
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_env *e;
	const struct cmp_cell *c;
	char *out, *err;

	(void)state;
	assert_int_equal(rset_load(KAB "ab-old", &sets[0]), 0);
	assert_int_equal(rset_load(KAB "ab-new", &sets[1]), 0);
	/* iteration.json: boot k alternates, the new kernel's warnings */
	assert_int_equal(rset_iter_find(&sets[1], "w", 2)->boot, 2);
	assert_int_equal(rset_iter_find(&sets[1], "w", 3)->boot, 1);
	assert_int_equal(rset_iter_find(&sets[1], "w", 2)->kernel_warnings, 2);
	assert_int_equal(rset_iter_find(&sets[0], "w", 2)->kernel_warnings, 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	err = capture_end();
	/* kernel.* and vm.* are optional keys: their absence elsewhere is no problem */
	assert_null(strstr(err, "kernel."));
	free(err);
	/* the kernel is the thing compared; the VM is the same */
	for (size_t i = 0; i < t.n_env; i++)
		assert_true(t.env[i].compared);
	e = env_of(&t, "kernel.name");
	assert_true(e && e->compared);
	assert_string_equal(e->base, "old");
	assert_string_equal(e->value, "new");
	assert_non_null(env_of(&t, "kernel.release"));
	assert_non_null(env_of(&t, "uname.release"));
	assert_null(env_of(&t, "cmdline"));	/* it differs only in BOOT_IMAGE= */
	assert_null(env_of(&t, "vm.accel"));
	/* TCG in both sets; 2 + 1 kernel warnings in the new one */
	assert_int_equal(t.n_alerts, 3);
	assert_int_equal(t.alerts[0].kind, CMP_ALERT_TCG);
	assert_int_equal(t.alerts[2].kind, CMP_ALERT_KWARN);
	assert_int_equal(t.alerts[2].set, 1);
	assert_int_equal(t.alerts[2].count, 3);
	assert_string_equal(t.alerts[2].where, "w/2, w/3");
	/* iteration k has the same seed on both kernels: paired, and only so proven */
	c = &row_of(&t, "w", "lat")->cells[1];
	assert_int_equal(c->test, CMP_TEST_PAIRED);
	assert_int_equal(c->verdict, CMP_BETTER);
	assert_true(c->t.p_welch > 0.5);

	out = render(&t, CMP_TEXT, 0);
	assert_true(max_columns(out) <= 80);
	/* TCG said once, first, naming both sets; then the warnings of the new kernel */
	assert_int_equal(count_lines(out, "TCG"), 1);
	assert_non_null(strstr(out, "\nWARNING: ab-old, ab-new ran in a VM under TCG, without KVM: "
				    "timings are\n  emulated; the counters are the guest kernel's "
				    "own.\nWARNING: ab-new: the kernel logged 3 WARNING:"));
	assert_non_null(strstr(out, "Compared: ab-new against the baseline in: kernel.name old -> "
				    "new;"));
	assert_true(strstr(out, "TCG") < strstr(out, "\n  lat "));
	free(out);
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_int_equal(count_lines(out, "ran in a VM under TCG"), 1);
	assert_non_null(strstr(out, "kernel.name: old\n    -> new"));
	free(out);
	out = render(&t, CMP_MD, 0);
	assert_non_null(strstr(out, "- **Warning**: ab-new: the kernel logged 3 WARNING:"));
	free(out);
	out = render(&t, CMP_HTML, 0);
	assert_non_null(strstr(out, "<div class=\"warning alert\"><p>ab-old, ab-new ran in a VM"));
	free(out);
	compare_free(&t);

	/* another qemu on one side: the VM is not the thing compared */
	json_object_set_new(json_object_get(sets[1].meta, "vm"), "qemu_version",
			    json_string("9.2.0"));
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	e = env_of(&t, "vm.qemu_version");
	assert_true(e && !e->compared);
	out = render(&t, CMP_TEXT, 0);
	assert_non_null(strstr(out, "WARNING: ab-new differs in more than the thing compared: "
				    "vm.qemu_version\n  7.2.15 -> 9.2.0\n"));
	free(out);
	done(sets, &t);
}

/* The run that would settle a comparison: the sets' own, for one workload. */
static void test_settle_command(void **state)
{
	static const char meta[] =
		"{\"label\":\"%s\",\"variant\":\"%s\",\"run_id\":\"r-1\","
		"\"argv\":[\"mmab\",\"run\",\"-s\",\"quick\",\"-n\",\"3\",\"--only=w,x\","
		"\"-o\",\"out dir/of these results\",\"--scale\",\"1G\"]}";
	const double a[] = { 10, 12, 14 }, b[] = { 13, 15, 17 };
	char *ma = xasprintf(meta, "r-lo", "lo"), *mb = xasprintf(meta, "r-hi", "hi");
	char *da = exact_set("settle-a", ma, a, NULL, 3, -1);
	char *db = exact_set("settle-b", mb, b, NULL, 3, -1);
	struct cmp_near near[CMP_CLOSE];
	struct rset sets[2];
	struct cmp_table t;
	char **lines, *out;
	size_t n;

	(void)state;
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	n = cmp_closest(&t, near, CMP_CLOSE);
	assert_int_equal(n, 1);
	assert_float_equal(near[0].n, 9, 0);	/* test_power_table's a and b */
	assert_int_equal(cmp_settle(&t, near, n, &lines), 1);
	/* -n and --only replaced, the rest kept, quoted for a shell */
	assert_string_equal(lines[0], "mmab run -s quick -o 'out dir/of these results' --scale 1G "
				      "--only w -n 9 --variant lo,hi");
	free(lines[0]);
	free(lines);
	out = render(&t, CMP_TEXT, 0);
	/* 80 columns: wrapped with a shell continuation, an option beside its value */
	assert_non_null(strstr(out, "To settle it:\n  mmab run -s quick -o 'out dir/of these "
				    "results' --scale 1G --only w -n 9 \\\n    --variant lo,hi\n"));
	assert_true(max_columns(out) <= 80);
	free(out);
	compare_free(&t);
	/* sets of two runs (kernels booted by hand): a command for each */
	json_object_set_new(sets[1].meta, "run_id", json_string("r-2"));
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	n = cmp_closest(&t, near, CMP_CLOSE);
	assert_int_equal(cmp_settle(&t, near, n, &lines), 2);
	assert_non_null(strstr(lines[0], "--only w -n 9 --variant lo"));
	assert_non_null(strstr(lines[1], "--only w -n 9 --variant hi"));
	for (size_t i = 0; i < 2; i++)
		free(lines[i]);
	free(lines);
	compare_free(&t);
	/* a kernel A/B: one run, two kernels, the same variant: named once */
	json_object_set_new(sets[1].meta, "run_id", json_string("r-1"));
	json_object_set_new(sets[1].meta, "variant", json_string("lo"));
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	n = cmp_closest(&t, near, CMP_CLOSE);
	assert_int_equal(cmp_settle(&t, near, n, &lines), 1);
	assert_non_null(strstr(lines[0], "--only w -n 9 --variant lo"));
	assert_null(strstr(lines[0], "lo,lo"));
	free(lines[0]);
	free(lines);
	done(sets, &t);
	free(ma);
	free(mb);
	free(da);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paired_by_seed),
		cmocka_unit_test(test_unmatched_dropped),
		cmocka_unit_test(test_unpaired_keeps_welch),
		cmocka_unit_test(test_paired_records),
		cmocka_unit_test(test_power_table),
		cmocka_unit_test(test_huge_change),
		cmocka_unit_test(test_one_set),
		cmocka_unit_test(test_kernel_ab),
		cmocka_unit_test(test_settle_command),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
