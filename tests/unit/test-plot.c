/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for analysis/plot.c and the plot-*.c producers:
 * - gp_quote against hostile strings (quotes, backslashes, backticks,
 *   @macros, newlines, bytes that are not UTF-8, "]]>"), checked both as
 *   text and by gnuplot itself printing them back with nothing run;
 * - gp_safe_name, gp_fill (variables, macros left alone, a missing
 *   variable refused) and the palette against style.gp;
 * - the data files for tests/fixtures/report/synthetic/ equal the values
 *   computed by hand (worked out beside each assertion), failed
 *   iterations left out, plots without data skipped with their reason;
 * - error bars cut at 0 (or a log panel's floor for latencies), and the
 *   plot of a verdict's values, iteration by iteration;
 * - real gnuplot runs (skipped when gnuplot is missing): every plot of the
 *   captured sets drawn as PNG and SVG, a set whose label tries to run a
 *   command through gnuplot, truncated and malformed collector files
 *   reported with the rest still drawn.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/gnuplot.h"
#include "lib/csv.h"
#include "analysis/plot.h"
#include "analysis/rset.h"
#include "lib/embed.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define REP "tests/fixtures/report/"

static char tmp_root[64];

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/mmab-test-plot-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return mmab_rm_rf(tmp_root);
}

static void write_file(const char *path, const char *text)
{
	char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
	free(dir);
}

static bool have_gnuplot(void)
{
	char *argv[] = { (char *)"gnuplot", (char *)"--version", NULL };
	int st;

	return !mmab_spawn_wait(argv, "/dev/null", "/dev/null", &st) && WIFEXITED(st) &&
	       !WEXITSTATUS(st);
}

static void near(double got, double want, const char *what)
{
	if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- quoting ---- */

static void check_quote(const char *in, const char *want)
{
	char *q = gp_quote(in);

	assert_string_equal(q, want);
	free(q);
}

static void test_quote_text(void **state)
{
	(void)state;
	check_quote("stock", "'stock'");
	check_quote("", "''");
	check_quote(NULL, "''");
	check_quote("it's", "('it'.\"'\".'s')");
	check_quote("'", "(''.\"'\".'')");
	/* inert inside single quotes: kept as they are */
	check_quote("a\\b`touch x`@MACRO $(id) \"q\"", "'a\\b`touch x`@MACRO $(id) \"q\"'");
	/* control characters become spaces: a newline would end the command */
	check_quote("a\nb\rc\td\x7f" "e\x1b[31m", "'a b c d e [31m'");
	/* not UTF-8: '?'; UTF-8 kept */
	check_quote("\xff\xc3\x28 caf\xc3\xa9 \xe2\x82", "'?" "?( caf\xc3\xa9 ?" "?'");
	/* gnuplot's svg terminal copies '>' as is: "]]>" is not allowed in XML text */
	check_quote("a]]>b", "'a]] >b'");
}

/*
 * gnuplot itself reads each quoted string back: it prints exactly the
 * cleaned text, runs no backtick command and expands no macro.
 */
static void test_quote_gnuplot(void **state)
{
	static const char *const hostile[] = {
		"plain",
		"it's 'quoted' \"twice\"",
		"back\\slash\\' and \\n",
		"`touch PWNED1`",
		"@MAC @MAC@ x",
		"line1\nsystem('touch PWNED2')\nline3",
		"'; system('touch PWNED3'); x='",
		"\"; system(\"touch PWNED4\"); x=\"",
		"x' . system('touch PWNED5') . '",
	};
	char *gp = xasprintf("%s/quote.gp", tmp_root), *out = xasprintf("%s/quote.out", tmp_root);
	char *cd, *cdq = gp_quote(tmp_root), *text = NULL, *want = NULL;
	char *argv[6];
	FILE *f;
	int st;

	(void)state;
	if (!have_gnuplot())
		skip();
	f = fopen(gp, "w");
	assert_non_null(f);
	fputs("MAC = 'EXPANDED'\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		char *q = gp_quote(hostile[i]);

		fprintf(f, "print %s\n", q);
		free(q);
	}
	fclose(f);
	cd = xasprintf("cd %s", cdq);
	argv[0] = (char *)"gnuplot";
	argv[1] = (char *)"-d";
	argv[2] = (char *)"-e";
	argv[3] = cd;
	argv[4] = (char *)"quote.gp";
	argv[5] = NULL;
	assert_int_equal(mmab_spawn_wait(argv, "/dev/null", out, &st), 0);
	assert_true(WIFEXITED(st) && !WEXITSTATUS(st));
	assert_int_equal(mmab_read_file(out, &text, NULL), 0);
	want = xstrdup("");
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		char *line = xstrdup(hostile[i]), *w;

		for (char *p = line; *p; p++)
			if (*p == '\n')
				*p = ' ';
		w = xasprintf("%s%s\n", want, line);
		free(want);
		want = w;
		free(line);
	}
	assert_string_equal(text, want);
	for (int k = 1; k <= 5; k++) {
		char *p = xasprintf("%s/PWNED%d", tmp_root, k);

		if (!access(p, F_OK))
			fail_msg("gnuplot ran a command from a quoted string: %s exists", p);
		free(p);
	}
	free(text);
	free(want);
	free(cd);
	free(cdq);
	free(gp);
	free(out);
}

static void check_safe(const char *in, size_t len, const char *want)
{
	char buf[64];

	gp_safe_name(buf, len, in);
	assert_string_equal(buf, want);
}

static void test_safe_name(void **state)
{
	(void)state;
	check_safe("thpfault-free", 64, "thpfault-free");
	check_safe("a/../b c", 64, "a_.._b_c");
	check_safe(".hidden", 64, "_hidden");
	check_safe("-rf", 64, "_rf");
	check_safe("", 64, "x");
	check_safe(NULL, 64, "x");
	check_safe("<script>\"'&", 64, "_script____");
	check_safe("caf\xc3\xa9", 64, "caf__");		/* one '_' per byte */
	check_safe("abcdefgh", 5, "abcd");
	check_safe("a\nb", 64, "a_b");
}

/* ---- templates ---- */

static void test_fill(void **state)
{
	const struct gp_var vars[] = {
		{ "TITLE", "'t'" }, { "A_1", "one" }, { "EVIL", "@TITLE@" },
	};
	char *out = NULL;

	(void)state;
	assert_int_equal(gp_fill("set title @TITLE@ # @A_1@@A_1@", vars, 3, &out), 0);
	assert_string_equal(out, "set title 't' # oneone");
	free(out);
	/* gnuplot macros, lower case, lone or doubled '@' are copied as they are */
	assert_int_equal(gp_fill("@MAC x@y @@ @lower@ @A_1 @", vars, 3, &out), 0);
	assert_string_equal(out, "@MAC x@y @@ @lower@ @A_1 @");
	free(out);
	/* a value is inserted once, never expanded again */
	assert_int_equal(gp_fill("<@EVIL@>", vars, 3, &out), 0);
	assert_string_equal(out, "<@TITLE@>");
	free(out);
	capture_begin();
	out = NULL;
	assert_int_equal(gp_fill("a @NOPE@ b", vars, 3, &out), -EINVAL);
	{
		char *err = capture_end();

		assert_non_null(strstr(err, "@NOPE@"));
		free(err);
	}
	assert_null(out);
}

/* Every template fills with the variables the driver gives it. */
static void test_templates_embedded(void **state)
{
	static const char *const names[] = { "style", "timeseries", "bars", "cdf", "heatmap",
					     "slab" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = xasprintf("analysis/plots/%s.gp", names[i]);
		const char *t = embed_find(path, NULL);

		if (!t)
			fail_msg("%s is not embedded", path);
		free(path);
	}
}

/* Set i has the colour of linetype i+1 in style.gp. */
static void test_palette(void **state)
{
	const char *style = embed_find("analysis/plots/style.gp", NULL);

	(void)state;
	assert_non_null(style);
	for (size_t i = 0; i < 8; i++) {
		char *line = xasprintf("set linetype %zu lc rgb '%s'", i + 1, gp_set_colour(i));

		if (!strstr(style, line))
			fail_msg("style.gp lacks \"%s\"", line);
		free(line);
	}
	assert_string_equal(gp_set_colour(8), gp_set_colour(0));
}

/* ---- data ---- */

static const struct plot_item *item(const struct plot_list *l, const char *base)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].base, base))
			return &l->items[i];
	fail_msg("no plot %s", base);
	return NULL;
}

static void load_csv(const char *dir, const char *name, struct csv *c)
{
	char *p = xasprintf("%s/%s", dir, name);

	if (csv_load(p, c))
		fail_msg("cannot load %s", p);
	assert_int_equal(c->problems, 0);
	free(p);
}

static double cell(const struct csv *c, size_t row, const char *col)
{
	int k = csv_col(c, col);

	if (k < 0)
		fail_msg("%s has no column %s", c->path, col);
	if (row >= c->nrows)
		fail_msg("%s has %zu rows, not %zu", c->path, c->nrows, row + 1);
	return csv_num(c, row, k);
}

static void plot_sets(const char *const *dirs, size_t n, const char *out, bool render,
		      enum plot_fmt fmt, struct rset *sets, struct plot_list *l, int want)
{
	struct plot_opts o = { out, fmt, render, NULL };

	for (size_t i = 0; i < n; i++)
		assert_int_equal(rset_load(dirs[i], &sets[i]), 0);
	assert_int_equal(plot_all(sets, n, &o, l), want);
}

/*
 * tests/fixtures/report/synthetic: iterations 1 and 2 of calc ended ok,
 * 3 failed (its directory does not even exist: nothing of it may show).
 */
static void test_synthetic(void **state)
{
	const char *dirs[] = { REP "synthetic" };
	char *out = xasprintf("%s/synthetic", tmp_root);
	struct plot_list l = { NULL, 0 };
	const struct plot_item *it;
	struct rset rs;
	struct csv c;

	(void)state;
	plot_sets(dirs, 1, out, false, PLOT_PNG, &rs, &l, 0);

	/*
	 * MemFree is 1024 kB in iteration 1 and 3072 kB in 2, samples every
	 * 0.5 s from 0 to 2: mean 2 MiB, min 1, max 3 at t = 0, 0.5, .., 2.
	 */
	it = item(&l, "calc-free");
	assert_string_equal(it->data, "calc-free.csv");
	assert_string_equal(it->script, "calc-free.gp");
	assert_null(it->image);		/* not rendered */
	load_csv(out, "calc-free.csv", &c);
	assert_int_equal(c.nrows, 5);
	for (size_t r = 0; r < 5; r++) {
		near(cell(&c, r, "t"), 0.5 * (double)r, "free t");
		near(cell(&c, r, "synthetic mean"), 2, "free mean");
		near(cell(&c, r, "synthetic min"), 1, "free min");
		near(cell(&c, r, "synthetic max"), 3, "free max");
	}
	csv_free(&c);

	/* Dirty: 0, 1024, .., 4096 kB in both: 0, 1, .., 4 MiB, no band */
	load_csv(out, "calc-dirty.csv", &c);
	assert_int_equal(c.nrows, 5);
	for (size_t r = 0; r < 5; r++) {
		near(cell(&c, r, "synthetic mean"), (double)r, "dirty mean");
		near(cell(&c, r, "synthetic min"), (double)r, "dirty min");
	}
	csv_free(&c);

	/*
	 * thp_fault_alloc grows by 10 per 0.5 s in iteration 1 (20/s) and by
	 * 20 (40/s) in 2: rates at the midpoints 0.25 .. 1.75, on the grid
	 * 0 .. 2 (the ends within half a step): mean 30, min 20, max 40.
	 */
	load_csv(out, "calc-thp_fault_alloc.csv", &c);
	assert_int_equal(c.nrows, 5);
	for (size_t r = 0; r < 5; r++) {
		near(cell(&c, r, "synthetic mean"), 30, "thp mean");
		near(cell(&c, r, "synthetic min"), 20, "thp min");
		near(cell(&c, r, "synthetic max"), 40, "thp max");
	}
	csv_free(&c);

	/*
	 * Order-9 unusable index, zones summed: iteration 1 has 99 + 512
	 * order-0 pages and one order-9 block (512 pages): (1123 - 512) / 1123
	 * = 611/1123; iteration 2 has three: 611 / (611 + 1536) = 611/2147.
	 */
	load_csv(out, "calc-unusable9.csv", &c);
	assert_int_equal(c.nrows, 5);
	near(cell(&c, 2, "synthetic min"), 611.0 / 2147, "unusable min");
	near(cell(&c, 2, "synthetic max"), 611.0 / 1123, "unusable max");
	near(cell(&c, 2, "synthetic mean"), (611.0 / 1123 + 611.0 / 2147) / 2, "unusable mean");
	csv_free(&c);

	/*
	 * Bars: rate is 100 and 300 ops/s, aggregated as a harmonic mean:
	 * 2 / (1/100 + 1/300) = 150.  CI by the delta method: the reciprocals
	 * 0.01 and 1/300 have sd 0.0047140 and SE 1/300; SE(H) = 150^2 / 300
	 * = 75; t(0.975, 1) = 12.706205: half width 952.965.
	 */
	load_csv(out, "calc-bars.csv", &c);
	assert_int_equal(c.nrows, 1);
	near(cell(&c, 0, "mean"), 150, "bars mean");
	near(cell(&c, 0, "n"), 2, "bars n");
	if (fabs(cell(&c, 0, "ci95") - 75 * 12.706204736174707) > 1e-6)
		fail_msg("bars ci95 %.17g", cell(&c, 0, "ci95"));
	/* a rate cannot be negative: the error bar stops at 0 */
	near(cell(&c, 0, "lo"), 0, "bars lo");
	if (fabs(cell(&c, 0, "hi") - (150 + 75 * 12.706204736174707)) > 1e-6)
		fail_msg("bars hi %.17g", cell(&c, 0, "hi"));
	csv_free(&c);

	/*
	 * CDF of histogram lat: [1,2) has 3 + 1 events, [2,4) 4 + 4: 12 in
	 * all; the curve starts at 1 with 0 and reaches 4/12 at 2, 1 at 4.
	 */
	it = item(&l, "calc-cdf-lat");
	assert_non_null(it->data);
	load_csv(out, "calc-cdf-lat.csv", &c);
	assert_int_equal(c.nrows, 3);
	near(cell(&c, 0, "value"), 1, "cdf v0");
	near(cell(&c, 0, "fraction"), 0, "cdf f0");
	near(cell(&c, 1, "value"), 2, "cdf v1");
	near(cell(&c, 1, "fraction"), 4.0 / 12, "cdf f1");
	near(cell(&c, 2, "value"), 4, "cdf v2");
	near(cell(&c, 2, "fraction"), 1, "cdf f2");
	near(cell(&c, 2, "events"), 12, "cdf events");
	csv_free(&c);

	/*
	 * Heatmap: order 0 has 99 + 512 = 611 free blocks in both iterations,
	 * order 9 has 1 and 3 (mean 2), order 10 none (NaN: white), orders 1
	 * to 8 absent (NaN).
	 */
	load_csv(out, "calc-heatmap-1-synthetic.csv", &c);
	assert_int_equal(c.nrows, 5 * 11);
	near(cell(&c, 0, "order"), 0, "heat order");
	near(cell(&c, 0, "free_blocks"), 611, "heat o0");
	near(cell(&c, 9, "free_blocks"), 2, "heat o9");
	assert_true(isnan(cell(&c, 10, "free_blocks")));
	assert_true(isnan(cell(&c, 4, "free_blocks")));
	csv_free(&c);

	/* skipped, each with its reason, and no file left for them */
	it = item(&l, "calc-writeback");
	assert_null(it->data);
	assert_null(it->script);
	assert_string_equal(it->note, "no Writeback column in meminfo.csv in any set");
	it = item(&l, "calc-compact_stall");	/* compact_stall stays 7: rate 0 */
	assert_null(it->data);
	assert_string_equal(it->note, "0 throughout, in every set");
	it = item(&l, "calc-psi_some");
	assert_non_null(strstr(it->note, "no psi.csv"));
	it = item(&l, "calc-stalls");
	assert_non_null(strstr(it->note, "no stalls.csv"));
	it = item(&l, "calc-slab");
	assert_non_null(strstr(it->note, "no slabinfo.csv"));
	{
		char *p = xasprintf("%s/calc-writeback.csv", out);

		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
	plot_list_free(&l);
	rset_free(&rs);
	free(out);
}

/* Plots come in a stable order per workload: time series, bars, CDFs, heatmaps, slab. */
static void test_order_and_colours(void **state)
{
	const char *dirs[] = { REP "stock", REP "stock-rerun" };
	char *out = xasprintf("%s/order", tmp_root), *gp = NULL, *p;
	struct plot_list l = { NULL, 0 };
	struct rset rs[2];
	int last = PK_TIMESERIES;

	(void)state;
	plot_sets(dirs, 2, out, false, PLOT_PNG, rs, &l, 0);
	assert_true(l.n > 10);
	for (size_t i = 0; i < l.n; i++) {
		assert_true((int)l.items[i].kind >= last);
		last = (int)l.items[i].kind;
		assert_string_equal(l.items[i].workload, "thpfault");
	}
	/* per-set plots name their set and use its colour */
	assert_int_equal(item(&l, "thpfault-heatmap-2-stock-rerun")->set, 1);
	p = xasprintf("%s/thpfault-heatmap-2-stock-rerun.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "array SETLT[1] = [2]"));
	assert_non_null(strstr(gp, "set output 'thpfault-heatmap-2-stock-rerun.png'"));
	assert_null(strstr(gp, "@"));	/* every variable filled, no macro */
	free(gp);
	free(p);
	p = xasprintf("%s/thpfault-free.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "array SETLABEL[2] = ['stock', 'stock-rerun']"));
	assert_non_null(strstr(gp, "array SETLT[2] = [1, 2]"));
	free(gp);
	free(p);
	plot_list_free(&l);
	rset_free(&rs[0]);
	rset_free(&rs[1]);
	free(out);
}

/*
 * The sets of one run share a long label prefix; under a bar panel the full
 * labels ran into each other ("q3-madviseq3-defer"), so the tick labels
 * show the shared part as '~'.  Labels without a shared prefix stay whole,
 * and each panel's title puts the better direction on its own line.
 */
static void test_bar_labels(void **state)
{
	const char *dirs[] = { REP "stock", REP "stock-rerun" };
	char *out = xasprintf("%s/barlabels", tmp_root), *gp = NULL, *p;
	struct plot_opts o = { out, PLOT_PNG, false, NULL };
	struct plot_list l = { NULL, 0 };
	struct rset rs[2];

	(void)state;
	plot_sets(dirs, 2, out, false, PLOT_PNG, rs, &l, 0);
	p = xasprintf("%s/thpfault-bars.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "array SETSHORT[2] = ['stock', 'stock-rerun']"));
	assert_non_null(strstr(gp, "'fault_rate'.\"\\n\".'(higher is better)'"));
	free(gp);
	plot_list_free(&l);
	free(rs[0].label);
	free(rs[1].label);
	rs[0].label = xstrdup("6.18.44-fc-v595-madvise");
	rs[1].label = xstrdup("6.18.44-fc-v595-defer");
	assert_int_equal(plot_all(rs, 2, &o, &l), 0);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "array SETSHORT[2] = ['~madvise', '~defer']"));
	assert_non_null(strstr(gp, "array SETLABEL[2] = ['6.18.44-fc-v595-madvise', "
				   "'6.18.44-fc-v595-defer']"));
	free(gp);
	free(p);
	/* a title longer than 80 characters (800 px) is broken into two lines */
	p = xasprintf("%s/thpfault-heatmap-1-6.18.44-fc-v595-madvise.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "set title '6.18.44-fc-v595-madvise: free blocks per buddy "
				   "order (thpfault, zones summed,'.\"\\n\".'mean of 3 "
				   "iterations)'"));
	free(gp);
	free(p);
	plot_list_free(&l);
	rset_free(&rs[0]);
	rset_free(&rs[1]);
	free(out);
}

/* Every image is a real PNG (or SVG) that gnuplot drew. */
static void check_images(const struct plot_list *l, const char *dir, enum plot_fmt fmt)
{
	size_t drawn = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct plot_item *it = &l->items[i];
		char *p, *buf;
		size_t len;

		if (!it->data)
			continue;
		if (!it->image)
			fail_msg("%s has data but no image: %s", it->base, it->note);
		p = xasprintf("%s/%s", dir, it->image);
		assert_int_equal(mmab_read_file(p, &buf, &len), 0);
		if (fmt == PLOT_PNG)
			assert_true(len > 1000 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8));
		else
			assert_true(strstr(buf, "<svg") && strstr(buf, "</svg>"));
		free(buf);
		free(p);
		drawn++;
	}
	assert_true(drawn > 0);
}

static void test_render(void **state)
{
	const char *dirs[] = { REP "stock", REP "stock-rerun", REP "hostile" };
	char *out = xasprintf("%s/render", tmp_root), *svg = xasprintf("%s/svg", tmp_root);
	struct plot_list l = { NULL, 0 }, ls = { NULL, 0 };
	struct rset rs[3], rs2[3];

	(void)state;
	if (!have_gnuplot())
		skip();
	plot_sets(dirs, 3, out, true, PLOT_PNG, rs, &l, 0);
	check_images(&l, out, PLOT_PNG);
	/* the log of a plot drawn is removed; the hostile set is drawn, its label inert */
	{
		char *p = xasprintf("%s/thpfault-bars.log", out);

		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
	plot_sets(dirs, 3, svg, true, PLOT_SVG, rs2, &ls, 0);
	check_images(&ls, svg, PLOT_SVG);
	plot_list_free(&l);
	plot_list_free(&ls);
	for (int i = 0; i < 3; i++) {
		rset_free(&rs[i]);
		rset_free(&rs2[i]);
	}
	free(out);
	free(svg);
}

/*
 * A set made to attack gnuplot through everything that reaches a script:
 * its label, a metric name and unit, a histogram name.  It is drawn, and
 * nothing runs.
 */
static void test_render_attack(void **state)
{
	char *set = xasprintf("%s/attack", tmp_root), *out = xasprintf("%s/attack-out", tmp_root);
	char *p, *meta;
	const char *dirs[1];
	struct plot_list l = { NULL, 0 };
	struct rset rs;

	(void)state;
	if (!have_gnuplot())
		skip();
	meta = xasprintf("{\"label\": \"x'; system('touch %s/PWNED1'); x='\\n"
			 "!touch %s/PWNED2\\n`touch %s/PWNED3`@MAC ]]> \\\\\"}",
			 tmp_root, tmp_root, tmp_root);
	p = xasprintf("%s/metadata.json", set);
	write_file(p, meta);
	free(p);
	free(meta);
	p = xasprintf("%s/status.csv", set);
	write_file(p, "workload,iteration,status,reason,exit_code,signal,duration_s\n"
		      "w,1,ok,,0,,1\nw,2,ok,,0,,1\n");
	free(p);
	for (int it = 1; it <= 2; it++) {
		p = xasprintf("%s/w/%d/metrics.csv", set, it);
		write_file(p, "metric,value,unit,direction,aggregate\n"
			      "\"m'; system('touch PWNED4') #\",1,\"`touch PWNED5`\",higher,mean\n");
		free(p);
		p = xasprintf("%s/w/%d/meminfo.csv", set, it);
		write_file(p, "t,MemFree,Dirty\n0,1000,10\n1,900,20\n2,800,30\n");
		free(p);
		p = xasprintf("%s/w/%d/histograms.csv", set, it);
		write_file(p, "histogram,unit,lower,upper,count\n"
			      "\"h'.system('touch PWNED6').'\",\"u\nnew\",1,2,5\n");
		free(p);
	}
	dirs[0] = set;
	plot_sets(dirs, 1, out, true, PLOT_PNG, &rs, &l, 0);
	check_images(&l, out, PLOT_PNG);
	for (int k = 1; k <= 6; k++) {
		char *a = xasprintf("%s/PWNED%d", tmp_root, k), *b = xasprintf("%s/PWNED%d", out, k);

		if (!access(a, F_OK) || !access(b, F_OK))
			fail_msg("gnuplot ran a command from the result set (PWNED%d)", k);
		free(a);
		free(b);
	}
	plot_list_free(&l);
	rset_free(&rs);
	free(set);
	free(out);
}

/*
 * A meminfo.csv cut mid-row and a vmstat.csv with a bad row: each reported
 * as FILE:LINE, counted in the set, and what is left still drawn.
 */
static void test_broken_files(void **state)
{
	char *set = xasprintf("%s/broken", tmp_root), *out = xasprintf("%s/broken-out", tmp_root);
	char *p, *err;
	struct plot_list l = { NULL, 0 };
	struct rset rs;
	struct csv c;

	(void)state;
	p = xasprintf("%s/metadata.json", set);
	write_file(p, "{\"label\": \"broken\"}");
	free(p);
	p = xasprintf("%s/status.csv", set);
	write_file(p, "workload,iteration,status,reason,exit_code,signal,duration_s\nw,1,ok,,0,,1\n");
	free(p);
	p = xasprintf("%s/w/1/metrics.csv", set);
	write_file(p, "metric,value,unit,direction,aggregate\nm,1,s,lower,mean\n");
	free(p);
	p = xasprintf("%s/w/1/meminfo.csv", set);
	write_file(p, "t,MemFree\n0,2048\n1,1024\n2,10");		/* cut mid-row */
	free(p);
	p = xasprintf("%s/w/1/vmstat.csv", set);
	write_file(p, "t,thp_fault_alloc\n0,0\n1,5,9\n2,10\n");	/* line 3: 3 fields */
	free(p);
	p = xasprintf("%s/w/1/buddyinfo.csv", set);
	write_file(p, "garbage without the columns\n1,2\n");
	free(p);
	capture_begin();
	assert_int_equal(rset_load(set, &rs), 0);
	{
		struct plot_opts o = { out, PLOT_PNG, false, NULL };

		assert_int_equal(plot_all(&rs, 1, &o, &l), 0);
	}
	err = capture_end();
	p = xasprintf("%s/w/1/vmstat.csv:3:", set);
	if (!strstr(err, p))
		fail_msg("no %s in:\n%s", p, err);
	free(p);
	p = xasprintf("%s/w/1/meminfo.csv:4:", set);
	if (!strstr(err, p))
		fail_msg("no %s in:\n%s", p, err);
	free(p);
	assert_true(rs.problems >= 2);
	/* what is left: MemFree at 0 and 1 s, the rate from 0 to 2 s (5/s) */
	load_csv(out, "w-free.csv", &c);
	assert_int_equal(c.nrows, 2);
	near(cell(&c, 1, "broken mean"), 1, "broken free");
	csv_free(&c);
	load_csv(out, "w-thp_fault_alloc.csv", &c);
	near(cell(&c, 0, "broken mean"), 5, "broken rate");
	csv_free(&c);
	assert_non_null(strstr(item(&l, "w-unusable9")->note, "buddyinfo.csv"));
	free(err);
	plot_list_free(&l);
	rset_free(&rs);
	free(set);
	free(out);
}

/* Without gnuplot: data and scripts written, no image, -ENOENT reported once. */
static void test_no_gnuplot(void **state)
{
	char *out = xasprintf("%s/nognuplot", tmp_root), *err;
	struct plot_list l = { NULL, 0 };
	struct plot_opts o = { NULL, PLOT_PNG, true, "/nonexistent/gnuplot" };
	struct rset rs;
	size_t scripts = 0;

	(void)state;
	o.outdir = out;
	assert_int_equal(rset_load(REP "synthetic", &rs), 0);
	capture_begin();
	assert_int_equal(plot_all(&rs, 1, &o, &l), -ENOENT);
	err = capture_end();
	assert_int_equal(count_lines(err, "cannot run '/nonexistent/gnuplot'"), 1);
	for (size_t i = 0; i < l.n; i++) {
		assert_null(l.items[i].image);
		if (l.items[i].script) {
			scripts++;
			assert_non_null(strstr(l.items[i].note, "could not run"));
		}
	}
	assert_true(scripts > 3);
	free(err);
	plot_list_free(&l);
	rset_free(&rs);
	free(out);
}

/* gnuplot failing: each plot says so, keeps its data and script, leaves no image. */
static void test_gnuplot_fails(void **state)
{
	char *out = xasprintf("%s/fails", tmp_root), *err;
	struct plot_list l = { NULL, 0 };
	struct plot_opts o = { NULL, PLOT_PNG, true, "false" };
	struct rset rs;
	size_t failed = 0;

	(void)state;
	o.outdir = out;
	assert_int_equal(rset_load(REP "synthetic", &rs), 0);
	capture_begin();
	assert_int_equal(plot_all(&rs, 1, &o, &l), -EIO);
	err = capture_end();
	for (size_t i = 0; i < l.n; i++) {
		const struct plot_item *it = &l.items[i];
		char *p;

		if (!it->script)
			continue;
		failed++;
		assert_null(it->image);
		assert_non_null(strstr(it->note, "not drawn: gnuplot failed"));
		p = xasprintf("%s/%s.png", out, it->base);
		assert_int_equal(access(p, F_OK), -1);
		free(p);
		p = xasprintf("%s/%s.gp' (exit 1)", out, it->base);
		if (!strstr(err, p))
			fail_msg("no report of %s in:\n%s", p, err);
		free(p);
	}
	assert_true(failed > 3);
	free(err);
	plot_list_free(&l);
	rset_free(&rs);
	free(out);
}

/*
 * Error bars and scales: a latency (us) on a log scale from a power of 10
 * below its mean, its error bar cut there; a count that cannot be negative
 * cut at 0; a metric with negative values not cut at all.
 */
static void test_bars_cut(void **state)
{
	static const char *const metrics[3][3] = {
		{ "lat_us", "us", "lower" }, { "pages", "pages", "higher" }, { "delta", "x", "none" } };
	static const double v[3][3] = { { 1, 2, 100 }, { 1, 2, 30 }, { -5, 3, 10 } };
	char *dir = xasprintf("%s/cut", tmp_root), *out = xasprintf("%s/cut-plots", tmp_root);
	struct plot_opts o = { out, PLOT_PNG, false, NULL };
	struct plot_list l = { NULL, 0 };
	char *p, *gp;
	struct rset rs;
	struct csv c;

	(void)state;
	p = xasprintf("%s/metadata.json", dir);
	write_file(p, "{\"label\":\"cut\"}");
	free(p);
	p = xasprintf("%s/status.csv", dir);
	write_file(p, "workload,iteration,status,reason,exit_code,signal,duration_s\n"
		      "w,1,ok,,0,,1\nw,2,ok,,0,,1\nw,3,ok,,0,,1\n");
	free(p);
	for (int i = 0; i < 3; i++) {
		char *text = xstrdup("metric,value,unit,direction,aggregate\n"), *x;

		for (int m = 0; m < 3; m++) {
			char *row = xasprintf("%s,%g,%s,%s,mean\n", metrics[m][0], v[m][i],
					      metrics[m][1], metrics[m][2]);

			x = xasprintf("%s%s", text, row);
			free(text);
			free(row);
			text = x;
		}
		p = xasprintf("%s/w/%d/metrics.csv", dir, i + 1);
		write_file(p, text);
		free(p);
		free(text);
	}
	assert_int_equal(rset_load(dir, &rs), 0);
	capture_begin();
	assert_int_equal(plot_all(&rs, 1, &o, &l), 0);
	free(capture_end());
	load_csv(out, "w-bars.csv", &c);
	assert_int_equal(c.nrows, 3);
	/*
	 * lat_us: values 1 to 100, a log scale from 1 (a power of 10 below
	 * every value); mean 103/3, its lower end below 0: cut at that floor
	 */
	near(cell(&c, 0, "mean"), 103.0 / 3, "lat mean");
	near(cell(&c, 0, "lo"), 1, "lat lo");
	near(cell(&c, 0, "hi"), 103.0 / 3 + cell(&c, 0, "ci95"), "lat hi");
	/* pages: cut at 0 */
	near(cell(&c, 1, "lo"), 0, "pages lo");
	/* delta has a negative value: its error bar goes where it goes */
	near(cell(&c, 2, "lo"), 8.0 / 3 - cell(&c, 2, "ci95"), "delta lo");
	assert_true(cell(&c, 2, "lo") < -5);
	csv_free(&c);
	p = xasprintf("%s/w-bars.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	assert_non_null(strstr(gp, "array MLOG[3] = [1, 0, 0]"));
	assert_non_null(strstr(gp, "array MFLOOR[3] = [1, "));
	assert_non_null(strstr(gp, "array MNEG[3] = [0, 0, 1]"));
	free(gp);
	free(p);
	plot_list_free(&l);
	rset_free(&rs);
	free(dir);
	free(out);
}

/*
 * The plot of a verdict: each iteration's value per set, iterations
 * joined across sets when they were compared pair by pair
 * (tests/fixtures/compare/kernel-ab: lat in us, paired).
 */
static void test_verdict_plot(void **state)
{
	const char *dirs[] = { "tests/fixtures/compare/kernel-ab/ab-old",
			       "tests/fixtures/compare/kernel-ab/ab-new" };
	char *out = xasprintf("%s/verdicts", tmp_root), *data, *gp, *p;
	struct plot_opts o = { out, PLOT_PNG, false, NULL };
	struct plot_list l = { NULL, 0 };
	struct cmp_table t;
	struct rset rs[2];

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(rset_load(dirs[i], &rs[i]), 0);
	capture_begin();
	assert_int_equal(compare_build(rs, 2, 0, &t), 0);
	assert_int_equal(plot_verdicts(&t, &o, &l), 0);
	free(capture_end());
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].kind, PK_VALUES);
	assert_ptr_equal(l.items[0].row, &t.rows[0]);
	assert_string_equal(l.items[0].data, "w-values-lat.csv");
	/*
	 * set, x = set + 0.3 ((k - 0.5) / 5 - 0.5), iteration, value, the set's
	 * mean (1045 / 5 = 209 and 996.5 / 5 = 199.3), iteration by iteration
	 */
	p = xasprintf("%s/w-values-lat.csv", out);
	assert_int_equal(mmab_read_file(p, &data, NULL), 0);
	assert_string_equal(data, "set,x,iteration,value,mean\n"
			    "1,0.88,1,120,209\n2,1.88,1,111,199.3\n\n"
			    "1,0.94,2,310,209\n2,1.94,2,299.5,199.3\n\n"
			    "1,1,3,205,209\n2,2,3,196,199.3\n\n"
			    "1,1.06,4,150,209\n2,2.06,4,139,199.3\n\n"
			    "1,1.12,5,260,209\n2,2.12,5,251,199.3\n");
	free(data);
	free(p);
	p = xasprintf("%s/w-values-lat.gp", out);
	assert_int_equal(mmab_read_file(p, &gp, NULL), 0);
	/* a latency, but within a decade (111 to 310 us): a linear scale from 0 */
	assert_non_null(strstr(gp, "LOG = 0\n"));
	assert_non_null(strstr(gp, "PAIRED = 1\n"));
	assert_non_null(strstr(gp, "set yrange [0:*]"));
	free(gp);
	free(p);
	plot_list_free(&l);
	compare_free(&t);
	rset_free(&rs[0]);
	rset_free(&rs[1]);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_text),
		cmocka_unit_test(test_quote_gnuplot),
		cmocka_unit_test(test_safe_name),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_templates_embedded),
		cmocka_unit_test(test_palette),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_order_and_colours),
		cmocka_unit_test(test_bar_labels),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_attack),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_no_gnuplot),
		cmocka_unit_test(test_gnuplot_fails),
		cmocka_unit_test(test_bars_cut),
		cmocka_unit_test(test_verdict_plot),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
