/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for analysis/derived.c, compare*.c (the table and its formats),
 * html.c and `mmab compare`:
 * - every derived formula against hand-computed fixtures
 *   (tests/fixtures/compare/derived/, values worked out beside each
 *   assertion), the kernel's own unusable index (debugfs, captured with
 *   tests/fixtures/frag/), and the sets captured on the test VM;
 * - the honesty of verdicts: the A/A pair captured on the VM (stock vs
 *   stock-rerun) and simulated A/A tables flag no more than about alpha of
 *   their metrics, while real effects are found with the right direction;
 * - the environment diff (kernel and variant knobs are the thing compared,
 *   anything else warns), every output format, HTML escaping against the
 *   hostile set, and the command's exit statuses.
 */
#include <errno.h>
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
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "analysis/compare.h"
#include "lib/csv.h"
#include "analysis/derived.h"
#include "analysis/html.h"
#include "runner/cmds.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define CMPFIX_NAME "compare"
#include "tests/unit/cmpfix.h"

#define DER "tests/fixtures/compare/derived/"
#define REP "tests/fixtures/report/"

static void load(const char *path, struct csv *c)
{
	assert_int_equal(csv_load(path, c), 0);
	assert_int_equal(c->problems, 0);
}

/* ---- derived figures against hand-computed fixtures ---- */

static void test_vmstat_new(void **state)
{
	double v[VM_N];
	struct csv c;

	(void)state;
	load(DER "vmstat-6.18.csv", &c);
	derived_vmstat(&c, v);
	/* first row t=0, last t=4; the middle row (99999s) must not matter */
	assert_float_equal(v[VM_MINOR_FAULTS], 1995, 0);	/* (3000-1000) - (15-10) */
	assert_float_equal(v[VM_MAJOR_FAULTS], 5, 0);
	assert_float_equal(v[VM_ALLOC_STALLS], 9, 0);		/* 0 + (3-1) + (9-2) + 0 */
	assert_float_equal(v[VM_DIRECT_SCANNED], 800, 0);	/* not + throttle's 2 */
	assert_float_equal(v[VM_DIRECT_RECLAIMED], 720, 0);
	assert_float_equal(v[VM_DIRECT_EFFICIENCY], 90, 1e-12);	/* 720 / 800 */
	assert_float_equal(v[VM_DIRECT_VELOCITY], 200, 1e-12);	/* 800 / 4 s */
	assert_float_equal(v[VM_KSWAPD_SCANNED], 4000, 0);
	assert_float_equal(v[VM_KSWAPD_RECLAIMED], 3700, 0);
	assert_float_equal(v[VM_KSWAPD_EFFICIENCY], 92.5, 1e-12);
	assert_float_equal(v[VM_KSWAPD_VELOCITY], 1000, 1e-12);
	assert_float_equal(v[VM_DIRECT_THROTTLED], 2, 0);
	assert_float_equal(v[VM_RECLAIM_WRITES], 20, 0);
	assert_float_equal(v[VM_IMMEDIATE_RECLAIM], 5, 0);
	assert_float_equal(v[VM_SWAP_OUT], 4, 0);
	assert_float_equal(v[VM_SLABS_SCANNED], 1000, 0);
	assert_float_equal(v[VM_THP_FAULT_ALLOC], 60, 0);
	assert_float_equal(v[VM_THP_FAULT_FALLBACK], 20, 0);
	assert_float_equal(v[VM_THP_SUCCESS], 75, 1e-12);	/* 60 / (60 + 20) */
	assert_float_equal(v[VM_THP_COLLAPSE_ALLOC], 0, 0);
	assert_float_equal(v[VM_COMPACT_STALL], 20, 0);
	assert_float_equal(v[VM_COMPACT_SUCCESS], 15, 0);
	assert_float_equal(v[VM_COMPACT_FAIL], 5, 0);
	assert_float_equal(v[VM_COMPACT_EFFICIENCY], 75, 1e-12);	/* 15 / 20 */
	assert_float_equal(v[VM_COMPACT_MIGRATE_SCANNED], 5000, 0);
	assert_float_equal(v[VM_COMPACT_FREE_SCANNED], 10000, 0);
	assert_float_equal(v[VM_KCOMPACTD_WAKE], 3, 0);
	assert_float_equal(v[VM_KCOMPACTD_MIGRATE_SCANNED], 300, 0);
	assert_float_equal(v[VM_KCOMPACTD_FREE_SCANNED], 1000, 0);
	assert_float_equal(v[VM_HTLB_ALLOC_SUCCESS], 30, 0);
	assert_float_equal(v[VM_HTLB_ALLOC_FAIL], 2, 0);
	csv_free(&c);
}

static void test_vmstat_old(void **state)
{
	double v[VM_N];
	struct csv c;

	(void)state;
	load(DER "vmstat-old.csv", &c);
	derived_vmstat(&c, v);
	assert_float_equal(v[VM_MINOR_FAULTS], 100, 0);
	assert_float_equal(v[VM_ALLOC_STALLS], 2, 0);		/* the single allocstall */
	/* per zone: (11-1) + (22-2) = 30, pgscan_direct_throttle (+4) not included */
	assert_float_equal(v[VM_DIRECT_SCANNED], 30, 0);
	assert_float_equal(v[VM_DIRECT_RECLAIMED], 28, 0);	/* 9 + 19 */
	assert_float_equal(v[VM_DIRECT_EFFICIENCY], 2800.0 / 30, 1e-12);
	assert_float_equal(v[VM_DIRECT_VELOCITY], 15, 1e-12);	/* 30 / 2 s */
	assert_float_equal(v[VM_KSWAPD_SCANNED], 300, 0);	/* 100 + 200 */
	assert_float_equal(v[VM_KSWAPD_RECLAIMED], 240, 0);	/* 80 + 160 */
	assert_float_equal(v[VM_KSWAPD_EFFICIENCY], 80, 1e-12);
	assert_float_equal(v[VM_DIRECT_THROTTLED], 4, 0);
	assert_float_equal(v[VM_RECLAIM_WRITES], 3, 0);
	assert_float_equal(v[VM_THP_SUCCESS], 50, 1e-12);
	/* no compaction stall: efficiency 0/0 is n/a, not 0% */
	assert_float_equal(v[VM_COMPACT_STALL], 0, 0);
	assert_true(isnan(v[VM_COMPACT_EFFICIENCY]));
	/* counters this kernel does not have: n/a, never 0 */
	assert_true(isnan(v[VM_IMMEDIATE_RECLAIM]));
	assert_true(isnan(v[VM_SWAP_OUT]));
	assert_true(isnan(v[VM_SLABS_SCANNED]));
	assert_true(isnan(v[VM_THP_COLLAPSE_ALLOC]));
	assert_true(isnan(v[VM_COMPACT_MIGRATE_SCANNED]));
	assert_true(isnan(v[VM_KCOMPACTD_WAKE]));
	assert_true(isnan(v[VM_HTLB_ALLOC_SUCCESS]));
	assert_true(isnan(v[VM_HTLB_ALLOC_FAIL]));
	csv_free(&c);

	/* one row: no delta at all */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/one.csv", tmp_root);
		write_file(path, "t,pgfault\n0,5\n");
		load(path, &c);
		derived_vmstat(&c, v);
		for (int i = 0; i < VM_N; i++)
			assert_true(isnan(v[i]));
		csv_free(&c);
	}
}

static void test_frag(void **state)
{
	double v[FRAG_N];
	struct csv c;

	(void)state;
	load(DER "buddyinfo.csv", &c);
	derived_frag(&c, v);
	/*
	 * t=0: free pages F = 2*1024 (DMA order 10) + 1024 = 3072, in blocks
	 * of order >= 9: 2048 -> index 1024/3072 = 1/3; order-9 blocks 2*2 = 4.
	 * t=1 and t=3: F = 2048 + 512 + 2*512 = 3584, usable 3072 -> 1/7; 6.
	 * Time-weighted: ((1/3 + 1/7)/2 * 1 + 1/7 * 2) / 3 = 11/63;
	 * blocks ((4 + 6)/2 * 1 + 6 * 2) / 3 = 17/3.
	 */
	assert_float_equal(v[FRAG_UNUSABLE_MEAN], 11.0 / 63, 1e-12);
	assert_float_equal(v[FRAG_UNUSABLE_END], 1.0 / 7, 1e-12);
	assert_float_equal(v[FRAG_FREE9_MEAN], 17.0 / 3, 1e-12);
	assert_float_equal(v[FRAG_FREE9_END], 6, 0);
	csv_free(&c);
}

/*
 * The kernel's own numbers: /proc/buddyinfo and debugfs
 * extfrag/unusable_index captured together on the VM (tests/fixtures/frag/).
 * One zone at a time, order 9; the kernel prints thousandths rounded down
 * (div_u64(... * 1000, free_pages)), e.g. DMA: 256 of 3840 free pages in
 * blocks below order 9 = 0.0667 -> 0.066.
 */
static void test_frag_matches_kernel(void **state)
{
	static const struct { const char *zone; double index; } kernel[] = {
		{ "DMA", 0.066 }, { "DMA32", 0.002 }, { "Normal", 0.078 },
	};
	char *text, path[128];

	(void)state;
	assert_int_equal(mmab_read_file("tests/fixtures/frag/buddyinfo-6.18", &text, NULL), 0);
	for (size_t z = 0; z < ARRAY_SIZE(kernel); z++) {
		char *line = strstr(text, kernel[z].zone), *csvtext = xstrdup("t,node,zone,order,free_blocks\n");
		char *p = line + strlen(kernel[z].zone);
		double v[FRAG_N];
		struct csv c;

		for (int order = 0; order < 11; order++) {
			long b = strtol(p, &p, 10);
			char *n = xasprintf("%s0,0,%s,%d,%ld\n", csvtext, kernel[z].zone, order, b);

			free(csvtext);
			csvtext = n;
		}
		snprintf(path, sizeof(path), "%s/buddy-%s.csv", tmp_root, kernel[z].zone);
		write_file(path, csvtext);
		load(path, &c);
		derived_frag(&c, v);
		assert_float_equal(floor(v[FRAG_UNUSABLE_END] * 1000 + 1e-9) / 1000, kernel[z].index,
				   1e-12);
		csv_free(&c);
		free(csvtext);
	}
	free(text);
}

static void test_slab_and_stalls(void **state)
{
	struct derived_slab *s;
	struct derived_stall *st;
	struct csv c;
	size_t n;

	(void)state;
	load(DER "slabinfo.csv", &c);
	n = derived_slabs(&c, &s);
	assert_int_equal(n, 4);
	/* dentry: 48*1 - 10*1 pages, 900/1000 at the end (t=1 ignored) */
	assert_string_equal(s[0].cache, "dentry");
	assert_float_equal(s[0].growth_pages, 38, 0);
	assert_float_equal(s[0].occupancy_pct, 90, 1e-12);
	assert_string_equal(s[1].cache, "kmalloc-64");
	assert_float_equal(s[1].growth_pages, 1, 0);
	assert_float_equal(s[1].occupancy_pct, 50, 1e-12);
	/* destroyed: from 1 page to none, no occupancy at the end */
	assert_string_equal(s[2].cache, "gone");
	assert_float_equal(s[2].growth_pages, -1, 0);
	assert_true(isnan(s[2].occupancy_pct));
	/* created: 5 slabs of 2 pages */
	assert_string_equal(s[3].cache, "newcache");
	assert_float_equal(s[3].growth_pages, 10, 0);
	assert_float_equal(s[3].occupancy_pct, 75, 1e-12);
	derived_slabs_free(s, n);
	csv_free(&c);

	load(DER "stalls.csv", &c);
	n = derived_stalls(&c, &st);
	assert_int_equal(n, 2);
	/* compaction 10,20,30,40: type 7 p50 = 20 + 0.5*10, p99: h = 2.97 -> 30 + 0.97*10 */
	assert_string_equal(st[0].event, "compaction");
	assert_float_equal(st[0].count, 4, 0);
	assert_float_equal(st[0].total_us, 100, 0);
	assert_float_equal(st[0].p50_us, 25, 1e-12);
	assert_float_equal(st[0].p99_us, 39.7, 1e-12);
	assert_float_equal(st[0].max_us, 40, 0);
	/* reclaim: the row without a duration does not count */
	assert_string_equal(st[1].event, "reclaim");
	assert_float_equal(st[1].count, 1, 0);
	assert_float_equal(st[1].p99_us, 100, 0);
	assert_float_equal(derived_stall_value(&st[1], STALL_TOTAL), 100, 0);
	derived_stalls_free(st, n);
	csv_free(&c);
}

/* ---- the captured sets, pooled per iteration ---- */

static void test_real_sets(void **state)
{
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_row *r;

	(void)state;
	assert_int_equal(rset_load(REP "stock", &sets[0]), 0);
	assert_int_equal(rset_load(REP "synthetic", &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	/*
	 * python3 -c "import csv
	 * for i in (1,2,3):
	 *  r=list(csv.DictReader(open('tests/fixtures/report/stock/thpfault/%d/vmstat.csv'%i)))
	 *  d=lambda k:int(r[-1][k])-int(r[0][k])
	 *  print(d('pgfault')-d('pgmajfault'), d('compact_migrate_scanned'))"
	 * -> 7809 7451647 / 7741 7471615 / 7490 7497727
	 */
	r = row_of(&t, "thpfault", "vmstat.minor_faults");
	assert_int_equal(r->cells[0].n_values, 3);
	assert_float_equal(r->cells[0].values[0], 7809, 0);
	assert_float_equal(r->cells[0].values[1], 7741, 0);
	assert_float_equal(r->cells[0].values[2], 7490, 0);
	r = row_of(&t, "thpfault", "vmstat.compact_migrate_scanned");
	assert_float_equal(r->cells[0].values[2], 7497727, 0);
	/* stalls.csv of iteration 1: 15, 1464, 19255 us; p99 = 1464 + 0.98 (19255 - 1464) */
	r = row_of(&t, "thpfault", "stalls.compaction.p99");
	assert_float_equal(r->cells[0].values[0], 18899.18, 1e-9);
	r = row_of(&t, "thpfault", "stalls.compaction.total");
	assert_float_equal(r->cells[0].values[0], 20734, 1e-9);

	/*
	 * synthetic (tests/fixtures/report/synthetic, values by hand): rate 100
	 * and 300 ops/s, harmonic mean 2 / (1/100 + 1/300) = 150; iteration 3
	 * timed out and is not pooled; thp_fault_alloc deltas 40 and 80;
	 * no thp_fault_fallback counter: THP success is n/a, not 100%.
	 */
	r = row_of(&t, "calc", "rate");
	assert_int_equal(r->cells[1].s.n, 2);
	assert_float_equal(r->cells[1].s.mean, 150, 1e-12);
	assert_int_equal(r->cells[1].verdict, CMP_NA);	/* the baseline has no calc */
	r = row_of(&t, "calc", "vmstat.thp_fault_alloc");
	assert_float_equal(r->cells[1].s.mean, 60, 0);
	r = row_of(&t, "calc", "vmstat.thp_success");
	assert_int_equal(r->cells[1].s.n, 0);
	r = row_of(&t, "calc", "vmstat.compact_stall");
	assert_float_equal(r->cells[1].s.max, 0, 0);
	/* unusable index: 611/1123 and 611/2147; order-9 blocks 1 and 3 */
	r = row_of(&t, "calc", "frag.unusable_index_o9_end");
	assert_float_equal(r->cells[1].values[0], 611.0 / 1123, 1e-12);
	assert_float_equal(r->cells[1].values[1], 611.0 / 2147, 1e-12);
	r = row_of(&t, "calc", "frag.free_o9_blocks_mean");
	assert_float_equal(r->cells[1].s.mean, 2, 0);
	/* the kernel is what differs: compared, not warned */
	{
		bool release = false;

		for (size_t i = 0; i < t.n_env; i++)
			if (!strcmp(t.env[i].key, "uname.release")) {
				release = t.env[i].compared;
				assert_string_equal(t.env[i].value, "6.18.0-synthetic");
			}
		assert_true(release);
	}
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
}

/* ---- A/A honesty and real effects ---- */

/* The A/A pair captured on the VM: the same kernel twice. */
static void test_aa_captured(void **state)
{
	struct rset sets[2];
	struct cmp_table t;
	char *out;

	(void)state;
	assert_int_equal(rset_load(REP "stock", &sets[0]), 0);
	assert_int_equal(rset_load(REP "stock-rerun", &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	print_message("# A/A captured: %zu of %zu comparisons flagged\n", flagged(&t), t.n_tests);
	assert_true(t.n_tests >= 20);
	assert_true(flagged(&t) <= (size_t)ceil(CMP_ALPHA * (double)t.n_tests));
	/* nothing but the label and times differs: no warning */
	for (size_t i = 0; i < t.n_env; i++)
		assert_true(t.env[i].compared);
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_true(max_columns(out) <= 80);
	assert_non_null(strstr(out, "no difference proven"));
	assert_non_null(strstr(out, "Benjamini-Hochberg"));
	assert_non_null(strstr(out, "Legend:"));
	assert_null(strstr(out, "WARNING"));
	assert_null(strchr(out, '\033'));
	free(out);
	/* the compact table: one line a metric, nothing proven, no mark */
	out = render(&t, CMP_TEXT, 0);
	assert_true(max_columns(out) <= 80);
	assert_non_null(strstr(out, "mmab compare: stock-rerun against stock (baseline)\n"));
	assert_non_null(strstr(out, "\n  fault_rate "));
	assert_non_null(strstr(out, "Verdicts: 0 better, 0 worse, 0 differ in "));
	assert_null(strstr(out, "*B"));
	assert_null(strstr(out, "WARNING"));
	free(out);
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
}

/* Simulated A/A tables of 40 metrics, 10 iterations a side. */
static void test_aa_simulated(void **state)
{
	enum { M = 40, TABLES = 5 };
	struct fake_metric m[M];
	char names[M][16];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t total = 0, tests = 0;

	(void)state;
	gsl_rng_set(rng, 5);
	for (int k = 0; k < M; k++) {
		snprintf(names[k], sizeof(names[k]), "m%02d", k);
		m[k] = (struct fake_metric){ names[k], "ops/s", k % 2 ? "higher" : "lower",
					     k % 3 ? "mean" : "hmean", 100 + k, 5 + k % 7 };
	}
	for (int tab = 0; tab < TABLES; tab++) {
		struct rset sets[2];
		struct cmp_table t;
		char *da = fake_set("aa-a", meta_a, 10, m, M, NULL, rng);
		char *db = fake_set("aa-b", meta_b, 10, m, M, NULL, rng);

		assert_int_equal(rset_load(da, &sets[0]), 0);
		assert_int_equal(rset_load(db, &sets[1]), 0);
		capture_begin();
		assert_int_equal(compare_build(sets, 2, 0, &t), 0);
		free(capture_end());
		assert_int_equal(t.n_tests, M);
		total += flagged(&t);
		tests += t.n_tests;
		compare_free(&t);
		rset_free(&sets[0]);
		rset_free(&sets[1]);
		mmab_rm_rf(da);
		mmab_rm_rf(db);
		free(da);
		free(db);
	}
	print_message("# A/A simulated: %zu of %zu comparisons flagged\n", total, tests);
	assert_true(total <= (size_t)ceil(CMP_ALPHA * (double)tests));
	gsl_rng_free(rng);
}

/* Real effects are found, in the metric's direction. */
static void test_effects(void **state)
{
	static const struct fake_metric m[] = {
		{ "latency", "us", "lower", "mean", 100, 5 },
		{ "throughput", "MB/s", "higher", "hmean", 100, 5 },
		{ "pages", "pages", "none", "mean", 100, 5 },
		{ "same", "x", "higher", "mean", 100, 5 },
		{ "info", "x", "none", "mean", 100, 5 },
	};
	const double shift[] = { -20, -20, +20, 0, 0 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct rset sets[3];
	struct cmp_table t;
	char *out, *da, *db, *dc;

	(void)state;
	gsl_rng_set(rng, 7);
	da = fake_set("eff-a", meta_a, 10, m, 5, NULL, rng);
	db = fake_set("eff-b", meta_b, 10, m, 5, shift, rng);
	/* two iterations only: no verdict */
	dc = fake_set("eff-c", "{\"label\":\"c\",\"uname\":{\"release\":\"6.18\"},"
		      "\"cpu_model\":\"X\"}", 2, m, 5, shift, rng);
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	assert_int_equal(rset_load(dc, &sets[2]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 3, 0, &t), 0);
	free(capture_end());
	assert_int_equal(row_of(&t, "w", "latency")->cells[1].verdict, CMP_BETTER);
	assert_int_equal(row_of(&t, "w", "throughput")->cells[1].verdict, CMP_WORSE);
	assert_int_equal(row_of(&t, "w", "pages")->cells[1].verdict, CMP_DIFFERS);
	assert_int_equal(row_of(&t, "w", "same")->cells[1].verdict, CMP_NO_DIFF);
	assert_int_equal(row_of(&t, "w", "latency")->cells[2].verdict, CMP_CANNOT_JUDGE);
	assert_int_equal(row_of(&t, "w", "latency")->cells[0].verdict, CMP_BASELINE);
	/* change of about -20%, CI of the difference around -20 */
	assert_true(row_of(&t, "w", "latency")->cells[1].change_pct < -10);
	assert_true(row_of(&t, "w", "latency")->cells[1].t.ci_high < 0);
	/* BH over the complete comparisons: 5 metrics of b; c's (n < 3) left out */
	assert_int_equal(row_of(&t, "w", "info")->cells[1].verdict, CMP_NO_DIFF);
	assert_int_equal(t.n_tests, 5);
	out = render(&t, CMP_TEXT, CMP_VERBOSE | CMP_COLOR);
	assert_non_null(strstr(out, "\033[32mBETTER\033[0m"));
	assert_non_null(strstr(out, "\033[31mWORSE\033[0m"));
	assert_non_null(strstr(out, "cannot judge"));
	assert_true(max_columns(out) <= 80 + 9);	/* colour codes are not columns */
	free(out);
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_true(max_columns(out) <= 80);
	assert_non_null(strstr(out, "  BETTER  b              w            latency"));
	free(out);
	/*
	 * compact: proven changes marked in the line of their metric, the set
	 * with two values judged "?"; the summaries are in no row (none changed)
	 */
	out = render(&t, CMP_TEXT, 0);
	assert_true(max_columns(out) <= 80);
	assert_non_null(strstr(out, "mmab compare: b, c against a (baseline)\n"));
	assert_non_null(strstr(out, "\n  latency "));
	assert_non_null(strstr(out, "%*B "));
	assert_non_null(strstr(out, "%*W "));
	assert_non_null(strstr(out, "%*D "));
	assert_non_null(strstr(out, "%)?\n"));
	assert_non_null(strstr(out, "  BETTER  b              w            latency"));
	assert_null(strstr(out, "\n  info "));	/* no better direction, not proven */
	{
		const struct cmp_row *r = row_of(&t, "w", "pages");
		char *line = xasprintf("\n  pages%*s", 10, "");

		assert_int_equal(r->cells[1].verdict, CMP_DIFFERS);	/* proven: shown */
		assert_non_null(strstr(out, line));
		free(line);
	}
	free(out);
	out = render(&t, CMP_MD, 0);
	assert_non_null(strstr(out, "| metric | a | b | c |\n|---|--:|--:|--:|\n"));
	assert_non_null(strstr(out, " better** |"));
	free(out);
	compare_free(&t);
	for (int i = 0; i < 3; i++)
		rset_free(&sets[i]);
	free(da);
	free(db);
	free(dc);
	gsl_rng_free(rng);
}

/* ---- the environment diff ---- */

static void test_env(void **state)
{
	static const char suite[] = "[suite]\nname = s\n[variant lo]\nvm.dirty_ratio = 10\n"
				    "[variant hi]\nvm.dirty_ratio = 40\n";
	static const char ma[] =
		"{\"label\":\"lo\",\"variant\":\"lo\",\"cmdline\":\"BOOT_IMAGE=/a ro quiet\","
		"\"uname\":{\"release\":\"6.18\"},\"cpu_model\":\"X\",\"cpus\":2,"
		"\"storage\":{\"fs_type\":\"ext4\",\"read_ahead_kb\":128},"
		"\"knobs\":{\"before\":{\"vm.dirty_ratio\":\"20\"},"
		"\"as_run\":{\"vm.dirty_ratio\":\"10\",\"vm.swappiness\":\"60\"}}}";
	static const char mb[] =
		"{\"label\":\"hi\",\"variant\":\"hi\",\"cmdline\":\"BOOT_IMAGE=/b ro quiet\","
		"\"uname\":{\"release\":\"6.19\"},\"cpu_model\":\"Y\",\"cpus\":\"2\","
		"\"storage\":{\"fs_type\":\"ext4\",\"read_ahead_kb\":8192},"
		"\"knobs\":{\"before\":{\"vm.dirty_ratio\":\"20\"},"
		"\"as_run\":{\"vm.dirty_ratio\":\"40\",\"vm.swappiness\":\"10\"}}}";
	static const struct fake_metric m[] = { { "x", "s", "lower", "mean", 1, 0.1 } };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct rset sets[2];
	struct cmp_table t;
	const struct cmp_env *e;
	char *da, *db, *p, *err, *out;

	(void)state;
	da = fake_set("env-lo", ma, 3, m, 1, NULL, rng);
	db = fake_set("env-hi", mb, 3, m, 1, NULL, rng);
	p = xasprintf("%s/suite.ini", da);
	write_file(p, suite);
	free(p);
	p = xasprintf("%s/suite.ini", db);
	write_file(p, suite);
	free(p);
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	err = capture_end();
	/* missing keys (and one of another type) reported once per set */
	assert_int_equal(count_lines(err, "env-lo/metadata.json: no "), 1);
	assert_non_null(strstr(err, "env-hi/metadata.json: no mmab_version"));
	assert_non_null(strstr(err, "cpus (another type)"));
	free(err);

	e = env_of(&t, "uname.release");
	assert_non_null(e);
	assert_true(e->compared);
	e = env_of(&t, "variant");
	assert_true(e && e->compared);
	/* the knob the variants set is the thing compared; another one is not */
	e = env_of(&t, "knobs.as_run.vm.dirty_ratio");
	assert_true(e && e->compared);
	assert_string_equal(e->base, "10");
	assert_string_equal(e->value, "40");
	e = env_of(&t, "knobs.as_run.vm.swappiness");
	assert_true(e && !e->compared);
	e = env_of(&t, "cpu_model");
	assert_true(e && !e->compared);
	/* the results disk's read-ahead differs (dirty-mmap moves 20x with it) */
	e = env_of(&t, "storage.read_ahead_kb");
	assert_true(e && !e->compared);
	assert_string_equal(e->base, "128");
	assert_string_equal(e->value, "8192");
	assert_null(env_of(&t, "storage.fs_type"));
	/* a number in one set, a string in the other: n/a there */
	e = env_of(&t, "cpus");
	assert_true(e && !e->compared && e->base && !e->value);
	/* the kernel differs: BOOT_IMAGE= naming it is no warning */
	assert_null(env_of(&t, "cmdline"));
	assert_null(env_of(&t, "knobs.before.vm.dirty_ratio"));
	assert_null(env_of(&t, "suite.ini"));

	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_non_null(strstr(out, "WARNING: hi differs in more than the thing compared:"));
	assert_non_null(strstr(out, "Compared: hi vs the baseline in"));
	assert_true(max_columns(out) <= 80);
	free(out);
	out = render(&t, CMP_TEXT, 0);
	assert_non_null(strstr(out, "WARNING: hi differs in more than the thing compared: "));
	assert_non_null(strstr(out, "Compared: hi against the baseline in: uname.release 6.18 "
				    "-> 6.19;"));
	assert_true(max_columns(out) <= 80);
	free(out);
	out = render(&t, CMP_JSON, 0);
	{
		json_error_t je;
		json_t *j = json_loads(out, 0, &je), *env;

		assert_non_null(j);
		env = json_object_get(j, "environment");
		assert_true(json_array_size(env) == t.n_env);
		json_decref(j);
	}
	free(out);
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
	free(da);
	free(db);
	gsl_rng_free(rng);
}

/* ---- output formats and escaping ---- */

static void test_html_escape(void **state)
{
	char *s;

	(void)state;
	s = html_escape_str("<a href=\"x\" title='y'>&amp;</a>\x01");
	assert_string_equal(s, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
			    "\xef\xbf\xbd");
	free(s);
	s = html_escape_str(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_formats_hostile(void **state)
{
	static const char *const raw[] = { "<script", "<img", "<iframe", "<svg", "<b>", "</pre>" };
	struct rset sets[2];
	struct cmp_table t;
	struct csv c;
	char *out, path[128];

	(void)state;
	assert_int_equal(rset_load(REP "stock", &sets[0]), 0);
	assert_int_equal(rset_load(REP "hostile", &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());

	/* HTML: every string of the set is text, nothing of it is markup */
	out = render(&t, CMP_HTML, 0);
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		assert_null(strstr(out, raw[i]));
	assert_non_null(strstr(out, "<section id=\"comparison\">"));
	assert_non_null(strstr(out, "&lt;img src=x onerror=alert(7)&gt;,&#39;q&#39;"));
	assert_non_null(strstr(out, "oom &lt;script&gt;alert(8)&lt;/script&gt; &amp; &quot;quoted&quot;"));
	assert_non_null(strstr(out, "6.18&lt;b&gt;bold&lt;/b&gt;"));
	assert_non_null(strstr(out, "</section>\n"));
	free(out);

	/* markdown: no raw HTML either, table cells not split */
	out = render(&t, CMP_MD, CMP_VERBOSE);
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		assert_null(strstr(out, raw[i]));
	assert_non_null(strstr(out, "| &lt;img src=x onerror=alert(7)&gt;,'q' | us&lt;b&gt; |"));
	free(out);

	/* text: the failed iteration shown with its reason, 80 columns */
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_non_null(strstr(out, "#2 failed: oom <script>alert(8)</script> & \"quoted\""));
	assert_non_null(strstr(out, "1 ok, 1 failed"));
	assert_non_null(strstr(out, "cannot judge"));
	assert_true(max_columns(out) <= 80);
	free(out);
	/* the compact table: the same, in 80 columns; markdown escaped */
	out = render(&t, CMP_TEXT, 0);
	assert_non_null(strstr(out, " #2 failed oom <script>alert(8)</script> & \"quoted\""));
	assert_true(max_columns(out) <= 80);
	free(out);
	out = render(&t, CMP_MD, 0);
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		assert_null(strstr(out, raw[i]));
	assert_non_null(strstr(out, "| &lt;img src=x onerror=alert(7)&gt;,'q' |"));
	assert_non_null(strstr(out, "Not used: "));
	free(out);

	/* CSV: the schema's fields, one record per (set, metric), read back intact */
	out = render(&t, CMP_CSV, 0);
	assert_memory_equal(out, "workload,metric,unit,direction,set,n,mean,median,stddev,min,max,"
			    "change_pct,ci_low,ci_high,p_welch,p_mwu,verdict,cov,q\n", 106);
	snprintf(path, sizeof(path), "%s/out.csv", tmp_root);
	write_file(path, out);
	load(path, &c);
	assert_int_equal(c.nrows, t.n_rows * 2);
	{
		bool found = false;

		for (size_t r = 0; r < c.nrows; r++)
			found |= !strcmp(csv_str(&c, r, csv_col(&c, "metric")),
					 "<img src=x onerror=alert(7)>,'q'") &&
				 !strcmp(csv_str(&c, r, csv_col(&c, "set")), sets[1].label);
		assert_true(found);
	}
	csv_free(&c);
	free(out);

	/* JSON: the same records, n/a as null */
	out = render(&t, CMP_JSON, 0);
	{
		json_error_t je;
		json_t *j = json_loads(out, 0, &je), *rec;

		assert_non_null(j);
		rec = json_object_get(j, "records");
		assert_int_equal(json_array_size(rec), t.n_rows * 2);
		assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 1), "verdict")),
				    "cannot judge");
		assert_true(json_is_null(json_object_get(json_array_get(rec, 1), "p_welch")));
		assert_string_equal(json_string_value(json_object_get(j, "baseline")), "stock");
		json_decref(j);
	}
	free(out);
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
}

/* A label holding terminal escapes reaches the terminal as '?'. */
static void test_text_no_control(void **state)
{
	static const struct fake_metric m[] = { { "x", "s", "lower", "mean", 1, 0.1 } };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct rset sets[2];
	struct cmp_table t;
	char *da, *db, *out;

	(void)state;
	da = fake_set("ctl-a", "{\"label\":\"a\\u001b[2J\\u0007\"}", 3, m, 1, NULL, rng);
	db = fake_set("ctl-b", "{\"label\":\"b\\nFAKE LINE\"}", 3, m, 1, NULL, rng);
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	for (unsigned flags = 0; flags <= CMP_VERBOSE; flags += CMP_VERBOSE) {
		out = render(&t, CMP_TEXT, flags);
		assert_null(strchr(out, '\033'));
		assert_null(strchr(out, '\a'));
		assert_null(strstr(out, "\nFAKE LINE"));
		assert_non_null(strstr(out, "a?[2J?"));
		free(out);
	}
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
	free(da);
	free(db);
	gsl_rng_free(rng);
}

/*
 * Sets of one run share a long label prefix: the rows must still tell them
 * apart (they once both printed as "6.18.44-fc-v595~").
 */
static void test_text_long_labels(void **state)
{
	static const struct fake_metric m[] = { { "x", "s", "lower", "mean", 1, 0.1 } };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct rset sets[2];
	struct cmp_table t;
	char *da, *db, *out;

	(void)state;
	da = fake_set("long-a", "{\"label\":\"6.18.44-fc-v595-madvise\"}", 3, m, 1, NULL, rng);
	db = fake_set("long-b", "{\"label\":\"6.18.44-fc-v595-defer\"}", 3, m, 1, NULL, rng);
	assert_int_equal(rset_load(da, &sets[0]), 0);
	assert_int_equal(rset_load(db, &sets[1]), 0);
	capture_begin();
	assert_int_equal(compare_build(sets, 2, 0, &t), 0);
	free(capture_end());
	out = render(&t, CMP_TEXT, CMP_VERBOSE);
	assert_non_null(strstr(out, "\n  ~madvise "));
	assert_non_null(strstr(out, "\n  ~defer "));
	/* the header still names both sets in full */
	assert_non_null(strstr(out, "6.18.44-fc-v595-madvise"));
	assert_non_null(strstr(out, "6.18.44-fc-v595-defer"));
	free(out);
	/* compact: the column heads shortened alike, the first line in full */
	out = render(&t, CMP_TEXT, 0);
	assert_non_null(strstr(out, "  ~madvise                ~defer\n"));
	assert_non_null(strstr(out, "6.18.44-fc-v595-defer against 6.18.44-fc-v595-madvise"));
	free(out);
	compare_free(&t);
	rset_free(&sets[0]);
	rset_free(&sets[1]);
	free(da);
	free(db);
	gsl_rng_free(rng);
}

/* ---- the command ---- */

/* Run `mmab compare ARGS...`; *out gets stdout, *err stderr. */
static int run_cmd(char **out, char **err, ...)
{
	char *argv[16] = { (char *)"compare" }, path[] = "/tmp/mmab-test-stdout-XXXXXX";
	int argc = 1, ret, saved, fd;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	fd = mkstemp(path);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	capture_begin();
	ret = cmd_compare(argc, argv);
	*err = capture_end();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(mmab_read_file(path, out, NULL), 0);
	unlink(path);
	return ret;
}

static void test_cmd(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(run_cmd(&out, &err, NULL), MMAB_EXIT_USAGE);
	assert_non_null(strstr(err, "no result set given"));
	free(out), free(err);
	assert_int_equal(run_cmd(&out, &err, "-f", "xml", REP "stock", NULL), MMAB_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown format 'xml'"));
	free(out), free(err);
	assert_int_equal(run_cmd(&out, &err, REP "stock", REP "nonexistent", NULL),
			 MMAB_EXIT_USAGE);
	assert_string_equal(out, "");
	free(out), free(err);

	assert_int_equal(run_cmd(&out, &err, REP "stock", REP "stock-rerun", NULL), MMAB_EXIT_OK);
	assert_non_null(strstr(out, "mmab compare: stock-rerun against stock (baseline)\n"));
	free(out), free(err);
	assert_int_equal(run_cmd(&out, &err, "-v", REP "stock", REP "stock-rerun", NULL),
			 MMAB_EXIT_OK);
	assert_non_null(strstr(out, "mmab compare: 2 result sets, baseline stock\n"));
	free(out), free(err);
	/* -b picks a set given, by label */
	assert_int_equal(run_cmd(&out, &err, "-f", "csv", "-b", "stock-rerun", REP "stock",
				 REP "stock-rerun", NULL), MMAB_EXIT_OK);
	assert_non_null(strstr(out, ",stock-rerun,3,588.0468561278186,606.195,"));
	assert_non_null(strstr(out, "no difference proven"));
	assert_non_null(strstr(out, "thpfault,fault_rate,MiB/s,higher,stock-rerun,3,"
			       "588.0468561278186,606.195,61.558831700523186,525.204,646.004,,,,,,"
			       "baseline,"));
	free(out), free(err);
	/* -b not among the sets: loaded and put first */
	assert_int_equal(run_cmd(&out, &err, "--baseline", REP "stock-rerun", REP "stock", NULL),
			 MMAB_EXIT_OK);
	assert_non_null(strstr(out, "stock against stock-rerun (baseline)"));
	free(out), free(err);
	/* a damaged set: still compared, problems reported, exit 2 */
	assert_int_equal(run_cmd(&out, &err, "-f", "json", REP "stock",
				 "tests/fixtures/compare/rset/broken", NULL), MMAB_EXIT_USAGE);
	assert_non_null(strstr(out, "\"records\""));
	assert_non_null(strstr(err, "broken/status.csv:5: bad iteration number"));
	assert_non_null(strstr(err, "problems in the result sets (reported above)"));
	free(out), free(err);
}

/* Every derived figure is documented in `mmab help compare`. */
static void test_help_lists_formulas(void **state)
{
	(void)state;
	for (int i = 0; i < VM_N; i++) {
		char *name = xasprintf("vmstat.%s", derived_vm_defs[i].name);

		if (!strstr(cmd_compare_help, name))
			fail_msg("%s missing from the help", name);
		free(name);
	}
	for (int i = 0; i < FRAG_N; i++)
		assert_non_null(strstr(cmd_compare_help, derived_frag_defs[i].name));
	assert_true(max_columns(cmd_compare_help) <= 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmstat_new),
		cmocka_unit_test(test_vmstat_old),
		cmocka_unit_test(test_frag),
		cmocka_unit_test(test_frag_matches_kernel),
		cmocka_unit_test(test_slab_and_stalls),
		cmocka_unit_test(test_real_sets),
		cmocka_unit_test(test_aa_captured),
		cmocka_unit_test(test_aa_simulated),
		cmocka_unit_test(test_effects),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_formats_hostile),
		cmocka_unit_test(test_text_no_control),
		cmocka_unit_test(test_text_long_labels),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_help_lists_formulas),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
