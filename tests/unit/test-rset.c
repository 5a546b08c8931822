/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for analysis/rset.c and rset-find.c: finding result sets (a
 * directory, a run directory in run.json order, a label or run id under
 * $MMAB_RESULTS, ambiguous labels), loading the sets captured on the test VM, and a set
 * damaged in every way a crash or a hand edit can (bad metadata.json, bad
 * status rows, iterations without a row, missing or malformed metrics,
 * iteration.json of the wrong shape): each problem reported as FILE:LINE:
 * message, the rest still loaded; and the short labels of sets that share
 * a prefix.
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

#include "analysis/rset.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define FIX "tests/fixtures/compare/rset/"
#define REP "tests/fixtures/report/"

static const struct rset_metric *metric(const struct rset *rs, const char *w, const char *name)
{
	for (size_t i = 0; i < rs->n_metrics; i++)
		if (!strcmp(rs->metrics[i].workload, w) && !strcmp(rs->metrics[i].name, name))
			return &rs->metrics[i];
	return NULL;
}

static void free_dirs(char **d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i]);
	free(d);
}

static void test_resolve(void **state)
{
	char out[4096], *err;
	char **dirs = NULL;
	size_t n = 0;

	(void)state;
	setenv("MMAB_RESULTS", FIX "results", 1);
	/* a path to a set, trailing slash trimmed */
	assert_int_equal(rset_resolve(REP "stock/", out, sizeof(out)), 0);
	assert_string_equal(out, REP "stock");
	/* a label under $MMAB_RESULTS/RUN/ */
	assert_int_equal(rset_resolve("solo", out, sizeof(out)), 0);
	assert_string_equal(out, FIX "results/solo-20260101-000000/solo");
	/* a run directory gives its sets in run.json order (zz was declared first) */
	assert_int_equal(rset_expand(FIX "results/run-a-20260101-000000", &dirs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(dirs[0], FIX "results/run-a-20260101-000000/zz");
	assert_string_equal(dirs[1], FIX "results/run-a-20260101-000000/aa");
	/* ... and so does its run id */
	assert_int_equal(rset_expand("run-a-20260101-000000", &dirs, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(dirs[2], FIX "results/run-a-20260101-000000/zz");
	free_dirs(dirs, n);

	/* a run with two sets is not one set */
	capture_begin();
	assert_int_equal(rset_resolve("run-a-20260101-000000", out, sizeof(out)), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "holds 2 result sets"));
	free(err);
	/* the same label in two runs: ambiguous, both listed */
	capture_begin();
	assert_int_equal(rset_resolve("lbl", out, sizeof(out)), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "'lbl' is ambiguous"));
	assert_non_null(strstr(err, FIX "results/lbl-20260101-000000/lbl\n"));
	assert_non_null(strstr(err, FIX "results/lbl-20260102-000000/lbl\n"));
	free(err);
	/* nothing there */
	capture_begin();
	assert_int_equal(rset_resolve("nosuchlabel", out, sizeof(out)), -ENOENT);
	assert_int_equal(rset_resolve(FIX "notaset", out, sizeof(out)), -ENOENT);
	assert_int_equal(rset_resolve("no/such/dir", out, sizeof(out)), -ENOENT);
	err = capture_end();
	assert_non_null(strstr(err, "no result set 'nosuchlabel'"));
	assert_non_null(strstr(err, "notaset' is neither a result set"));
	free(err);
	/* a directory that is not a set is not loaded */
	{
		struct rset rs;

		assert_int_equal(rset_load(FIX "notaset", &rs), -ENOENT);
		assert_int_equal(rset_load(FIX "nothing-here", &rs), -ENOTDIR);
	}
	unsetenv("MMAB_RESULTS");
}

/* The set captured on the test VM, read back exactly. */
static void test_load_stock(void **state)
{
	const struct rset_metric *m;
	struct rset rs;
	char *err;

	(void)state;
	capture_begin();
	assert_int_equal(rset_load(REP "stock", &rs), 0);
	err = capture_end();
	assert_string_equal(err, "");
	assert_int_equal(rs.problems, 0);
	assert_string_equal(rs.label, "stock");
	assert_string_equal(rset_meta_str(&rs, "uname.release"), "6.18.44-fc-v769");
	assert_string_equal(rset_meta_str(&rs, "thp.khugepaged/defrag"), "1");
	assert_null(rset_meta_str(&rs, "cpus"));	/* a number, not a string */
	assert_int_equal(json_integer_value(rset_meta(&rs, "cpus")), 2);
	assert_null(rset_meta(&rs, "uname.nosuch"));
	assert_int_equal(rs.n_workloads, 1);
	assert_string_equal(rs.workloads[0], "thpfault");
	assert_int_equal(rs.n_iters, 3);
	assert_int_equal(rset_count(&rs, "thpfault", "ok"), 3);
	assert_float_equal(rs.iters[1].duration_s, 2.803, 1e-12);
	assert_string_equal(rs.iters[2].dir, REP "stock/thpfault/3");
	assert_int_equal(rs.n_metrics, 3);
	m = metric(&rs, "thpfault", "fault_rate");
	assert_non_null(m);
	assert_int_equal(m->n, 3);
	assert_float_equal(m->values[0], 499.74, 0);
	assert_float_equal(m->values[1], 658.096, 0);
	assert_float_equal(m->values[2], 542.829, 0);
	assert_int_equal(m->iterations[2], 3);
	assert_string_equal(m->unit, "MiB/s");
	assert_int_equal(m->dir, METRIC_HIGHER);
	assert_int_equal(m->agg, AGG_HMEAN);
	m = metric(&rs, "thpfault", "fault_time");
	assert_int_equal(m->dir, METRIC_LOWER);
	assert_int_equal(m->agg, AGG_MEAN);
	rset_free(&rs);
	free(err);
}

/* Failed iterations are listed with their reason and not pooled. */
static void test_load_failed(void **state)
{
	const struct rset_metric *m;
	struct rset rs;

	(void)state;
	assert_int_equal(rset_load(REP "hostile", &rs), 0);
	assert_int_equal(rs.problems, 0);
	assert_string_equal(rs.label,
			    "<script>alert(\"x\")</script>\"'&amp;<img src=x onerror=alert(1)>");
	assert_int_equal(rs.n_iters, 2);
	assert_string_equal(rs.iters[1].status, "failed");
	assert_string_equal(rs.iters[1].reason, "oom <script>alert(8)</script> & \"quoted\"");
	m = metric(&rs, "thpfault", "<img src=x onerror=alert(7)>,'q'");
	assert_non_null(m);
	assert_string_equal(m->unit, "us<b>");
	assert_int_equal(m->n, 1);
	rset_free(&rs);

	assert_int_equal(rset_load(REP "synthetic", &rs), 0);
	assert_int_equal(rset_count(&rs, "calc", "failed"), 1);
	assert_string_equal(rs.iters[2].reason, "timeout");
	m = metric(&rs, "calc", "rate");
	assert_int_equal(m->n, 2);
	assert_float_equal(m->values[0], 100, 0);
	assert_float_equal(m->values[1], 300, 0);
	rset_free(&rs);
}

static void test_load_broken(void **state)
{
	const struct rset_metric *m;
	struct rset rs;
	char *err;

	(void)state;
	capture_begin();
	assert_int_equal(rset_load(FIX "broken", &rs), 0);
	err = capture_end();
	/* metadata.json is not JSON: reported with its line, label from the directory */
	assert_non_null(strstr(err, FIX "broken/metadata.json:3: "));
	assert_string_equal(rs.label, "broken");
	assert_non_null(strstr(err, FIX "broken/status.csv:5: bad iteration number"));
	assert_non_null(strstr(err, FIX "broken/status.csv:6: iteration listed twice"));
	assert_non_null(strstr(err, FIX "broken/status.csv:7: bad workload name"));
	assert_non_null(strstr(err, "broken/status.csv: no row for w/4"));
	assert_non_null(strstr(err, FIX "broken/w/3/metrics.csv:3: value is not a number"));
	assert_non_null(strstr(err, FIX "broken/w/3/metrics.csv:4: direction is not"));
	assert_non_null(strstr(err, FIX "broken/w/3/metrics.csv:5: metric repeated"));
	assert_non_null(strstr(err, FIX "broken/w/5/metrics.csv: cannot read: No such file"));
	assert_int_equal(rs.problems, 9);

	assert_int_equal(rs.n_workloads, 2);
	assert_string_equal(rs.workloads[0], "w");
	assert_string_equal(rs.workloads[1], "other");
	assert_int_equal(rs.n_iters, 6);
	assert_int_equal(rs.iters[3].iteration, 4);
	assert_string_equal(rs.iters[3].status, "incomplete");
	assert_true(isnan(rs.iters[3].duration_s));
	assert_string_equal(rs.iters[1].reason, "signal 9");
	assert_string_equal(rs.iters[5].workload, "other");
	assert_string_equal(rs.iters[5].reason, "exit 3");
	assert_int_equal(rset_count(&rs, "w", "ok"), 3);
	assert_int_equal(rset_count(&rs, NULL, "failed"), 2);

	/* failed (2) and incomplete (4) iterations are not pooled */
	m = metric(&rs, "w", "ops");
	assert_int_equal(m->n, 2);
	assert_float_equal(m->values[0], 100, 0);
	assert_float_equal(m->values[1], 300, 0);
	assert_int_equal(m->iterations[1], 3);
	m = metric(&rs, "w", "lat");
	assert_int_equal(m->n, 2);
	assert_true(isnan(m->values[1]));
	m = metric(&rs, "w", "odd");
	assert_int_equal(m->dir, METRIC_NONE);
	rset_free(&rs);
	free(err);
}

static void test_load_nostatus(void **state)
{
	const struct rset_metric *m;
	struct rset rs;
	char *err;

	(void)state;
	capture_begin();
	assert_int_equal(rset_load(FIX "nostatus", &rs), 0);
	err = capture_end();
	assert_non_null(strstr(err, FIX "nostatus/status.csv: cannot read: No such file"));
	assert_int_equal(rs.problems, 1);
	assert_int_equal(rs.n_iters, 2);
	assert_string_equal(rs.iters[0].status, "unknown");
	assert_int_equal(rset_count(&rs, "w", "unknown"), 2);
	m = metric(&rs, "w", "ops");
	assert_int_equal(m->n, 2);
	assert_float_equal(m->values[1], 20, 0);
	m = metric(&rs, "w", "new");
	assert_int_equal(m->n, 1);
	assert_true(isnan(m->values[0]));
	assert_int_equal(m->agg, AGG_MAX);
	rset_free(&rs);
	free(err);
}

/* Write TEXT to PATH, making its directory. */
static void put(const char *path, const char *text)
{
	char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
	free(dir);
}

/* iteration.json: seed, boot and kernel_warnings read; a bad file reported, n/a kept. */
static void test_iteration_json(void **state)
{
	char root[] = "/tmp/mmab-test-rset-XXXXXX", *p, *err;
	static const char *const files[] = {
		"{\"seed\": 123456789012345, \"boot\": 2, \"kernel_warnings\": 3}",
		"{\"seed\": null}",
		"[1, 2]",
		"{\"seed\": \"7\", \"boot\": 0, \"kernel_warnings\": -1}",
	};
	struct rset rs;

	(void)state;
	assert_non_null(mkdtemp(root));
	p = xasprintf("%s/metadata.json", root);
	put(p, "{\"label\":\"j\"}");
	free(p);
	p = xasprintf("%s/status.csv", root);
	put(p, "workload,iteration,status,reason,exit_code,signal,duration_s\n"
	       "w,1,ok,,0,,1\nw,2,ok,,0,,1\nw,3,ok,,0,,1\nw,4,ok,,0,,1\nw,5,ok,,0,,1\n");
	free(p);
	for (int i = 1; i <= 5; i++) {
		p = xasprintf("%s/w/%d/metrics.csv", root, i);
		put(p, "metric,value,unit,direction,aggregate\nx,1,s,lower,mean\n");
		free(p);
		if (i == 5)
			break;	/* no iteration.json: an older set */
		p = xasprintf("%s/w/%d/iteration.json", root, i);
		put(p, files[i - 1]);
		free(p);
	}
	capture_begin();
	assert_int_equal(rset_load(root, &rs), 0);
	err = capture_end();
	assert_int_equal(rs.iters[0].seed, 123456789012345LL);
	assert_int_equal(rs.iters[0].boot, 2);
	assert_int_equal(rs.iters[0].kernel_warnings, 3);
	/* null, or no file: no seed, no boot, no count */
	assert_int_equal(rs.iters[1].seed, RSET_NO_SEED);
	assert_int_equal(rs.iters[4].seed, RSET_NO_SEED);
	assert_int_equal(rs.iters[4].boot, 0);
	assert_int_equal(rs.iters[4].kernel_warnings, -1);
	/* not an object; wrong types and ranges: reported, n/a */
	assert_non_null(strstr(err, "w/3/iteration.json: not a JSON object: ignored"));
	assert_non_null(strstr(err, "w/4/iteration.json: seed is not an integer of at least 0"));
	assert_non_null(strstr(err, "w/4/iteration.json: boot is not an integer of at least 1"));
	assert_non_null(strstr(err, "w/4/iteration.json: kernel_warnings is not an integer"));
	assert_int_equal(rs.problems, 4);
	assert_int_equal(rs.iters[3].seed, RSET_NO_SEED);
	assert_int_equal(rs.iters[3].kernel_warnings, -1);
	assert_non_null(rset_iter_find(&rs, "w", 5));
	assert_null(rset_iter_find(&rs, "w", 6));
	rset_free(&rs);
	free(err);
	mmab_rm_rf(root);
}

/* Labels of one run share a prefix: shown as '~' and what differs. */
static void test_label_short(void **state)
{
	const char *const two[] = { "6.18.44-fc-v595-madvise", "6.18.44-fc-v595-defer" };
	const char *const plain[] = { "stock", "stock-rerun" };
	char *s;

	(void)state;
	s = rset_label_short(two, 2, 1, 16);
	assert_string_equal(s, "~defer");
	free(s);
	/* it fits: whole; a width of 0 always shortens */
	s = rset_label_short(two, 2, 0, 30);
	assert_string_equal(s, "6.18.44-fc-v595-madvise");
	free(s);
	s = rset_label_short(two, 2, 0, 0);
	assert_string_equal(s, "~madvise");
	free(s);
	/* no shared part up to a separator: whole */
	s = rset_label_short(plain, 2, 1, 0);
	assert_string_equal(s, "stock-rerun");
	free(s);
	/* one label alone: whole */
	s = rset_label_short(two, 1, 0, 0);
	assert_string_equal(s, "6.18.44-fc-v595-madvise");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_load_stock),
		cmocka_unit_test(test_load_failed),
		cmocka_unit_test(test_load_broken),
		cmocka_unit_test(test_load_nostatus),
		cmocka_unit_test(test_iteration_json),
		cmocka_unit_test(test_label_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
