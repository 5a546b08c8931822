/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the history store and its import (history/store*.c,
 * history/import.c, history/load.c) on SQLite files in a temporary
 * directory, and for the judgement (history/judge.c, check-out.c) on
 * histories built in memory.  PostgreSQL is tested end to end by
 * tests/e2e/history.sh, against a server it starts.
 *
 * The result sets are made here: metadata.json as `mmab run` writes it
 * (and as the kernel A/B work will: `kernel`, `vm`), status.csv, and the
 * captured iterations of tests/fixtures/report/stock (metrics and
 * collector CSVs) linked in, so compare's derived rows are real.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "analysis/compare.h"
#include "history/history.h"
#include "lib/mmab.h"

#define STOCK "tests/fixtures/report/stock"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/mmab-test-history.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return mmab_rm_rf(tmp);
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
}

/*
 * A result set DIR/NAME (DIR/NAME made) with the stock iterations,
 * metadata.json from EXTRA (JSON object text merged into the base).
 */
static char *make_set(const char *name, const char *extra)
{
	char *dir = xasprintf("%s/%s", tmp, name), *p, *cwd = getcwd(NULL, 0), *src;
	json_t *m = json_pack("{s:s, s:s, s:n, s:s, s:s, s:s, s:{s:s}, s:s, s:{s:s}}",
			      "mmab_version", "0.1.0", "label", "nightly", "variant",
			      "run_id", "nightly-20260101-020000", "start", "2026-01-01T02:00:00Z",
			      "end", "2026-01-01T02:40:00Z",
			      "uname", "release", "6.18.44-fc-v1272", "hostname", "vm",
			      "suite", "name", "nightly");
	json_t *x = json_loads(extra, 0, NULL);

	assert_non_null(x);
	json_object_update(m, x);
	json_decref(x);
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	p = xasprintf("%s/metadata.json", dir);
	assert_int_equal(json_dump_file(m, p, 0), 0);
	free(p);
	json_decref(m);
	p = xasprintf("%s/status.csv", dir);
	write_text(p, "workload,iteration,status,reason,exit_code,signal,duration_s\n"
		      "thpfault,1,ok,,0,,2.9\nthpfault,2,failed,oom,,9,1.0\nthpfault,3,ok,,0,,2.8\n");
	free(p);
	p = xasprintf("%s/thpfault", dir);
	assert_int_equal(mmab_mkdir_p(p, 0755), 0);
	for (int i = 1; i <= 3; i++) {
		char *link = xasprintf("%s/%d", p, i);

		src = xasprintf("%s/%s/thpfault/%d", cwd, STOCK, i);
		assert_int_equal(symlink(src, link), 0);
		free(src);
		free(link);
	}
	free(p);
	free(cwd);
	return dir;
}

static char *db_path(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

/* ---- facts from metadata.json ---- */

static void facts_of(const char *extra, struct history_facts *f, int expect)
{
	char *dir = make_set("facts", extra);
	struct rset rs;

	assert_int_equal(rset_load(dir, &rs), 0);
	assert_int_equal(history_facts(&rs, f), expect);
	rset_free(&rs);
	mmab_rm_rf(dir);
	free(dir);
}

static void test_facts(void **state)
{
	struct history_facts f;

	(void)state;
	/* today's sets: label LABEL-VARIANT, the release from uname, no kernel name */
	facts_of("{\"label\": \"test-madvise\", \"variant\": \"madvise\"}", &f, 0);
	assert_string_equal(f.host, "vm");
	assert_string_equal(f.label, "test");
	assert_string_equal(f.name, "test-madvise");
	assert_string_equal(f.variant, "madvise");
	assert_string_equal(f.kernel, "");
	assert_string_equal(f.release, "6.18.44-fc-v1272");
	assert_false(f.label_defaulted);
	history_facts_free(&f);
	/* a guest's set of the kernel A/B work: the host's name, the kernel's */
	facts_of("{\"label\": \"ab-patched-defer\", \"variant\": \"defer\", \"hostname\": \"guest\","
		 "\"kernel\": {\"name\": \"patched\", \"release\": \"6.12.9\"},"
		 "\"vm\": {\"hostname\": \"lab1\"}}", &f, 0);
	assert_string_equal(f.host, "lab1");
	assert_string_equal(f.label, "ab");
	assert_string_equal(f.kernel, "patched");
	assert_string_equal(f.release, "6.12.9");
	assert_false(f.kernel_defaulted);
	history_facts_free(&f);
	/* defaults: the label is the release (sanitised as mmab run does), the kernel name too */
	facts_of("{\"label\": \"6.1.0-47-cloud-amd64\", \"uname\": {\"release\": "
		 "\"6.1.0-47-cloud-amd64\"}}", &f, 0);
	assert_true(f.label_defaulted);
	history_facts_free(&f);
	facts_of("{\"label\": \"6.1.0-x-y\", \"uname\": {\"release\": \"6.1.0 x/y\"}}", &f, 0);
	assert_true(f.label_defaulted);
	history_facts_free(&f);
	facts_of("{\"label\": \"ab-6.12.9\", \"kernel\": {\"name\": \"6.12.9\", "
		 "\"release\": \"6.12.9\"}}", &f, 0);
	assert_true(f.kernel_defaulted);
	assert_string_equal(f.label, "ab");
	history_facts_free(&f);
	/* what cannot be placed */
	facts_of("{\"run_id\": null}", &f, -EINVAL);
	facts_of("{\"start\": 7}", &f, -EINVAL);
}

/* ---- the store ---- */

static uint64_t checksum(const char *path)
{
	char *buf;
	size_t len;
	uint64_t h = 1469598103934665603ULL;

	assert_int_equal(mmab_read_file(path, &buf, &len), 0);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
	free(buf);
	return h + len;
}

static void test_store_refuses(void **state)
{
	char *db = db_path("bad.sqlite"), *dir;
	struct hstore *h;
	sqlite3 *s;
	uint64_t sum;

	(void)state;
	/* missing, and not to be created */
	assert_int_equal(hstore_open(db, false, &h), -HSTORE_EBAD);
	assert_int_equal(access(db, F_OK), -1);
	/* not a database */
	write_text(db, "this is not an SQLite file, and it is longer than a header would be....."
		       "...............................................................\n");
	sum = checksum(db);
	assert_int_equal(hstore_open(db, true, &h), -HSTORE_EBAD);
	assert_true(checksum(db) == sum);
	/* someone else's database: left as it is */
	unlink(db);
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "CREATE TABLE accounts (id INTEGER, owner TEXT);"
				      "INSERT INTO accounts VALUES (1, 'x')", NULL, NULL, NULL), 0);
	sqlite3_close(s);
	sum = checksum(db);
	assert_int_equal(hstore_open(db, true, &h), -HSTORE_EBAD);
	dir = make_set("r1", "{}");
	assert_int_equal(history_add_args(db, &dir, 1), MMAB_EXIT_USAGE);
	assert_true(checksum(db) == sum);
	/* a history of a newer mmab */
	unlink(db);
	assert_int_equal(hstore_open(db, true, &h), 0);
	hstore_close(h);
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "UPDATE mmab_history SET value = '99' WHERE key = 'schema'",
				      NULL, NULL, NULL), 0);
	sqlite3_close(s);
	sum = checksum(db);
	assert_int_equal(hstore_open(db, true, &h), -HSTORE_EBAD);
	assert_true(checksum(db) == sum);
	/* an empty file becomes a history */
	unlink(db);
	write_text(db, "");
	assert_int_equal(hstore_open(db, false, &h), -HSTORE_EBAD);
	assert_int_equal(hstore_open(db, true, &h), 0);
	hstore_close(h);
	assert_true(hstore_is_postgres("postgresql://u@h/db"));
	assert_true(hstore_is_postgres("host=/tmp dbname=x"));
	assert_true(hstore_is_postgres("dbname = x"));
	assert_false(hstore_is_postgres("results/history.sqlite"));
	assert_false(hstore_is_postgres("/srv/a=b.sqlite"));
	free(dir);
	free(db);
}

/* ---- import ---- */

static size_t count(const char *db, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	size_t n = 0;

	assert_int_equal(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return n;
}

static void test_import(void **state)
{
	char *db = db_path("h.sqlite");
	char *a = make_set("a", "{}");
	char *b = make_set("b", "{\"run_id\": \"nightly-20260102-020000\", "
			   "\"start\": \"2026-01-02T02:00:00Z\"}");
	char *bad = make_set("bad", "{\"run_id\": \"nightly-20260103-020000\", \"hostname\": null}");
	char *dup = make_set("dup", "{\"start\": \"2026-01-05T02:00:00Z\"}");
	char *sets[] = { a, b, bad };
	struct rset rs;
	struct cmp_table t;
	struct hstore *h;
	struct history_data d;
	size_t rows, series;

	(void)state;
	/* compare's own table of the set: what every import must hold */
	assert_int_equal(rset_load(a, &rs), 0);
	assert_int_equal(compare_build(&rs, 1, 0, &t), 0);
	rows = t.n_rows;
	assert_true(rows > 30);		/* the workload's metrics and the derived summaries */
	/* one bad set: nothing of the others either */
	assert_int_equal(history_add_args(db, sets, 3), MMAB_EXIT_USAGE);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_sets"), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_points"), 0);
	/* the two good ones, twice: once */
	assert_int_equal(history_add_args(db, sets, 2), 0);
	assert_int_equal(history_add_args(db, sets, 2), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_runs"), 2);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_sets"), 2);
	series = count(db, "SELECT COUNT(*) FROM mmab_series");
	assert_int_equal(series, rows);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_points"), 2 * rows);
	/* iterations 1 and 3 (2 failed), whatever the row */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_iterations WHERE iteration = 2"), 0);
	assert_true(count(db, "SELECT COUNT(*) FROM mmab_iterations WHERE iteration = 3") > rows);
	/* another run under an id the history has: refused */
	assert_int_equal(history_add_args(db, &dup, 1), MMAB_EXIT_USAGE);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM mmab_sets"), 2);

	/* read back: the values are compare's, bit for bit */
	assert_int_equal(hstore_open(db, false, &h), 0);
	assert_int_equal(history_load(h, true, &d), 0);
	hstore_close(h);
	assert_int_equal(d.nsets, 2);
	assert_int_equal(d.nhosts, 1);
	assert_string_equal(d.sets[0].run_id, "nightly-20260101-020000");
	assert_false(d.sets[0].newest);
	assert_true(d.sets[1].newest);
	assert_int_equal(d.nseries, rows);
	for (size_t r = 0; r < t.n_rows; r++) {
		const struct cmp_row *row = &t.rows[r];
		const struct history_series *s = NULL;

		for (size_t i = 0; i < d.nseries && !s; i++)
			if (!strcmp(d.series[i].workload, row->workload) &&
			    !strcmp(d.series[i].metric, row->metric))
				s = &d.series[i];
		assert_non_null(s);
		assert_string_equal(s->label, "nightly");
		assert_int_equal(s->n, 2);
		assert_int_equal(s->pts[0].n_iters, row->cells[0].n_values);
		for (size_t k = 0; k < s->pts[0].n_iters; k++) {
			assert_int_equal(s->pts[0].iter_no[k], k ? 3 : 1);
			assert_memory_equal(&s->pts[0].iters[k], &row->cells[0].values[k],
					    sizeof(double));
		}
		if (row->cells[0].s.n && row->agg == AGG_MEAN)
			assert_true(s->pts[0].value == row->cells[0].s.mean);
		else if (row->cells[0].s.n && row->agg == AGG_MAX)
			assert_true(s->pts[0].value == row->cells[0].s.max);
		else if (!row->cells[0].s.n)
			assert_true(isnan(s->pts[0].value));
	}
	history_data_free(&d);
	compare_free(&t);
	rset_free(&rs);
	free(a);
	free(b);
	free(bad);
	free(dup);
	free(db);
}

/* ---- judgement, on histories made in memory ---- */

struct mem {
	struct history_data d;
	double vals[8][400][3];
	int nos[3];
};

/* One host, N sets, series S of it with values V(k) (3 iterations around it). */
static void mem_init(struct mem *m, size_t nsets, size_t nseries)
{
	memset(&m->d, 0, sizeof(m->d));
	m->d.sets = xcalloc(nsets, sizeof(*m->d.sets));
	m->d.nsets = nsets;
	m->d.nhosts = 1;
	m->d.newest_of_host = xcalloc(1, sizeof(*m->d.newest_of_host));
	m->d.newest_of_host[0] = nsets - 1;
	for (size_t k = 0; k < nsets; k++) {
		struct history_set *s = &m->d.sets[k];

		s->host = xstrdup("vm");
		s->run_id = xasprintf("night-%03zu", k);
		s->name = xstrdup("nightly");
		s->label = xstrdup("nightly");
		s->kernel = xstrdup("");
		s->release = xstrdup(k < nsets / 2 ? "6.18.1" : "6.18.2");
		s->variant = xstrdup("");
		s->start = xasprintf("2026-%02zu-%02zuT02:00:00Z", 1 + k / 28, 1 + k % 28);
		s->newest = k == nsets - 1;
	}
	m->d.series = xcalloc(nseries, sizeof(*m->d.series));
	m->d.nseries = nseries;
	for (int i = 0; i < 3; i++)
		m->nos[i] = i + 1;
}

static void mem_series(struct mem *m, size_t si, const char *metric, enum metric_dir dir,
		       size_t npts, double (*v)(size_t k, int it))
{
	struct history_series *s = &m->d.series[si];

	s->host = xstrdup("vm");
	s->label = xstrdup("nightly");
	s->kernel = xstrdup("");
	s->variant = xstrdup("");
	s->workload = xstrdup("w");
	s->metric = xstrdup(metric);
	s->section = xstrdup("metrics");
	s->unit = xstrdup("ms");
	s->key = xasprintf("vm/nightly///w/%s", metric);
	s->dir = dir;
	s->agg = AGG_MEAN;
	s->n = npts;
	s->pts = xcalloc(npts, sizeof(*s->pts));
	for (size_t k = 0; k < npts; k++) {
		double sum = 0;

		for (int i = 0; i < 3; i++)
			sum += m->vals[si][k][i] = v(k, i);
		s->pts[k] = (struct history_point){ k, sum / 3, m->vals[si][k], m->nos, 3 };
	}
}

static double steady(size_t k, int it)
{
	return 100 + (double)((k * 7 + (size_t)it * 3) % 5) - 2;
}

static double stepped(size_t k, int it)
{
	return steady(k, it) + (k >= 60 ? 20 : 0);
}

/* The newest night 30% slower than the rest. */
static double slow_newest(size_t k, int it)
{
	return k == 99 ? 1.3 * steady(k, it) : steady(k, it);
}

static void test_judge(void **state)
{
	struct mem *m = xcalloc(1, sizeof(*m));
	struct history_params p;
	struct history_result r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j, *cp;

	(void)state;
	mem_init(m, 100, 4);
	mem_series(m, 0, "latency", METRIC_LOWER, 100, stepped);
	mem_series(m, 1, "slow_tonight", METRIC_LOWER, 100, slow_newest);
	mem_series(m, 2, "rate", METRIC_HIGHER, 100, slow_newest);
	mem_series(m, 3, "vanished", METRIC_LOWER, 80, steady);
	history_params_default(&p);
	history_judge(&m->d, &p, &r);
	/* the step, a regression of latency at night 60 */
	assert_int_equal(r.ncps, 1);
	assert_int_equal(r.cps[0].series, 0);
	assert_int_equal(r.cps[0].point, 60);
	assert_int_equal(r.cps[0].kind, HK_REGRESSION);
	assert_float_equal(r.cps[0].change_pct, 20, 0.5);
	/* tonight: a regression of a "lower" metric, an improvement of a "higher" one */
	assert_int_equal(r.nnewest, 3);
	assert_int_equal(r.newest[0].kind, HK_NO_DIFF);
	assert_int_equal(r.newest[0].seg_from, 60);	/* the current segment only */
	assert_int_equal(r.newest[1].kind, HK_REGRESSION);
	assert_int_equal(r.newest[2].kind, HK_IMPROVEMENT);
	assert_true(r.newest[1].q < 0.05);
	assert_int_equal(r.regressions, 1);
	/* stopped, not judged */
	assert_int_equal(r.nstopped, 1);
	assert_int_equal(r.stopped[0].series, 3);
	assert_int_equal(r.stopped[0].last, 79);

	/* the JSON: every parameter, the contract's fields */
	f = open_memstream(&buf, &len);
	assert_int_equal(history_print(f, HF_JSON, &m->d, &r), 0);
	fclose(f);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "parameters"),
							    "window")), 50);
	assert_float_equal(json_real_value(json_object_get(json_object_get(j, "parameters"),
							   "max_p")), 0.0001, 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "parameters"),
							    "min_segment")), 3);
	cp = json_array_get(json_object_get(j, "change_points"), 0);
	for (const char *const *k = (const char *const[]){ "workload", "metric", "unit",
	     "direction", "series", "host", "run_id", "start", "before_mean", "after_mean",
	     "change_pct", "p", "kind", NULL }; *k; k++)
		assert_non_null(json_object_get(cp, *k));
	assert_string_equal(json_string_value(json_object_get(cp, "run_id")), "night-060");
	assert_string_equal(json_string_value(json_object_get(cp, "kind")), "regression");
	assert_int_equal(json_array_size(json_object_get(j, "newest")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "stopped")), 1);
	json_decref(j);
	free(buf);

	/* the text says the same */
	f = open_memstream(&buf, &len);
	assert_int_equal(history_print(f, HF_TEXT, &m->d, &r), 0);
	fclose(f);
	assert_non_null(strstr(buf, "newest of vm: night-099"));
	assert_non_null(strstr(buf, "regression  w latency (ms)"));
	assert_non_null(strstr(buf, "1 regression in the newest night"));
	free(buf);
	buf = NULL;

	/* with 2 iterations a night, no verdict */
	for (size_t si = 0; si < 3; si++)
		m->d.series[si].pts[99].n_iters = 2;
	history_result_free(&r);
	history_judge(&m->d, &p, &r);
	assert_int_equal(r.newest[1].kind, HK_CANNOT_JUDGE);
	assert_int_equal(r.regressions, 0);
	history_result_free(&r);
	history_data_free(&m->d);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_store_refuses),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_judge),
	};

	mmab_quiet = true;
	return cmocka_run_group_tests(tests, setup, teardown);
}
