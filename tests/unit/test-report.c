/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for analysis/report.c and `mmab report`:
 * - the hostile set (tests/fixtures/report/hostile/: label, host name,
 *   kernel, CPU, THP text, command line, suite text, a metric name and
 *   unit, a failure reason full of markup) leaves no markup of its own in
 *   index.html: every tag and attribute in the page is one the report
 *   writes, every src= and href= is a file of the report; the hostile
 *   text is there, escaped;
 * - a complete report of the captured sets: sections, tables, every image
 *   a PNG in plots/ with its data and script;
 * - a report with what is missing: gnuplot absent, a failed iteration,
 *   broken files; the baseline; the command's exit statuses.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/report.h"
#include "analysis/rset.h"
#include "runner/cmds.h"
#include "lib/embed.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define REP "tests/fixtures/report/"

static char tmp_root[64];

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/mmab-test-report-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return mmab_rm_rf(tmp_root);
}

static bool have_gnuplot(void)
{
	char *argv[] = { (char *)"gnuplot", (char *)"--version", NULL };
	int st;

	return !mmab_spawn_wait(argv, "/dev/null", "/dev/null", &st) && WIFEXITED(st) &&
	       !WEXITSTATUS(st);
}

static void write_file(const char *path, const char *text)
{
	char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
	free(dir);
}

/* Report SETS[0..n) into OUT; returns report_write's result, *html the page. */
static int report(const char *const *dirs, size_t n, size_t baseline, const char *out,
		  const char *gnuplot, char **html)
{
	struct rset *sets = xcalloc(n, sizeof(*sets));
	struct report_opts o = { out, baseline, gnuplot };
	char *path = xasprintf("%s/index.html", out), *err;
	int ret;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(rset_load(dirs[i], &sets[i]), 0);
	capture_begin();
	ret = report_write(sets, n, &o);
	err = capture_end();
	free(err);
	assert_int_equal(mmab_read_file(path, html, NULL), 0);
	for (size_t i = 0; i < n; i++)
		rset_free(&sets[i]);
	free(sets);
	free(path);
	return ret;
}

/* ---- what markup the page may hold ---- */

static const char *const tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "link", "body", "header", "h1", "h2", "h3",
	"h4", "div", "span", "p", "nav", "a", "main", "section", "table", "thead", "tbody", "tr",
	"th", "td", "ul", "li", "details", "summary", "pre", "figure", "figcaption", "img", "br",
	"code", "strong", "q", "footer",
};
static const char *const attrs[] = {
	"lang", "charset", "name", "content", "rel", "href", "src", "alt", "class", "id", "style",
};

static bool in(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncasecmp(list[i], s, len))
			return true;
	return false;
}

/* A src= or href= value: a file the report wrote, or a place in the page. */
static bool url_ok(const char *v, size_t len)
{
	if (len == 9 && !strncmp(v, "style.css", 9))
		return true;
	if (len > 1 && v[0] == '#') {
		for (size_t i = 1; i < len; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-')
				return false;
		return true;
	}
	if (len <= 6 || strncmp(v, "plots/", 6))
		return false;
	for (size_t i = 6; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]))
			return false;
	return v[6] != '.' && v[6] != '-';
}

/*
 * Every tag of HTML is one the report writes, with attributes it writes,
 * quoted, none an event handler, every URL its own; outside tags, no '>'
 * either (text is escaped whole).  Returns the number of <img>.
 */
static int check_markup(const char *html)
{
	int imgs = 0;

	for (const char *p = html; *p;) {
		const char *name, *end;

		if (*p == '>')
			fail_msg("a bare '>' in text at: %.60s", p);
		if (*p != '<') {
			p++;
			continue;
		}
		name = p + 1 + (p[1] == '/');
		end = name;
		while (isalnum((unsigned char)*end) || *end == '!')
			end++;
		if (!in(tags, ARRAY_SIZE(tags), name, (size_t)(end - name)))
			fail_msg("unexpected tag at: %.80s", p);
		imgs += (end - name == 3 && !strncmp(name, "img", 3));
		p = end;
		for (;;) {
			const char *an, *ae, *v;
			size_t vl;

			while (*p == ' ' || *p == '\n')
				p++;
			if (*p == '>') {
				p++;
				break;
			}
			if (!*p)
				fail_msg("unterminated tag");
			an = p;
			while (isalpha((unsigned char)*p) || *p == '-')
				p++;
			ae = p;
			if (an == ae && !strncmp(an, "html", 4))
				break;
			if (!strncasecmp(name, "!DOCTYPE", 8)) {	/* <!DOCTYPE html> */
				continue;
			}
			if (!in(attrs, ARRAY_SIZE(attrs), an, (size_t)(ae - an)))
				fail_msg("unexpected attribute at: %.80s", an);
			if (*p++ != '=' || *p++ != '"')
				fail_msg("unquoted attribute at: %.80s", an);
			v = p;
			while (*p && *p != '"' && *p != '<' && *p != '>')
				p++;
			if (*p != '"')
				fail_msg("attribute value breaks out at: %.80s", an);
			vl = (size_t)(p - v);
			p++;
			if ((ae - an == 4 && !strncmp(an, "href", 4)) ||
			    (ae - an == 3 && !strncmp(an, "src", 3))) {
				if (!url_ok(v, vl))
					fail_msg("foreign URL: %.*s", (int)vl, v);
			}
			if (ae - an == 5 && !strncmp(an, "style", 5) &&
			    (vl != 18 || strncmp(v, "background:#", 12)))
				fail_msg("unexpected style: %.*s", (int)vl, v);
		}
	}
	return imgs;
}

static void must_hold(const char *html, const char *text)
{
	if (!strstr(html, text))
		fail_msg("the report lacks: %s", text);
}

static void test_hostile(void **state)
{
	const char *dirs[] = { REP "stock", REP "hostile" };
	char *out = xasprintf("%s/hostile", tmp_root), *html;
	bool gp = have_gnuplot();
	int ret;

	(void)state;
	ret = report(dirs, 2, 0, out, gp ? NULL : "/nonexistent/gnuplot", &html);
	assert_int_equal(ret, gp ? 0 : -EIO);
	check_markup(html);
	/* the hostile text is there, as text */
	must_hold(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&#39;"
		  "&amp;amp;&lt;img src=x onerror=alert(1)&gt;");
	must_hold(html, "host&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
	must_hold(html, "evil=&quot;&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;&quot; "
		  "&amp; x=&#39;y&#39;");
	must_hold(html, "CPU &lt;iframe src=javascript:alert(4)&gt;");
	must_hold(html, "always [madvise] &lt;svg onload=alert(5)&gt;");
	must_hold(html, "6.18&lt;b&gt;bold&lt;/b&gt;");
	must_hold(html, "&lt;/pre&gt;&lt;script&gt;alert(6)&lt;/script&gt;");
	must_hold(html, "`touch /tmp/mmab-pwned` &amp; &quot;quotes&quot; &#39;single&#39;");
	must_hold(html, "&lt;img src=x onerror=alert(7)&gt;,&#39;q&#39;");
	must_hold(html, "us&lt;b&gt;");
	must_hold(html, "#2 failed: oom &lt;script&gt;alert(8)&lt;/script&gt; &amp; "
		  "&quot;quoted&quot;");
	assert_null(strcasestr(html, "<script"));
	assert_null(strcasestr(html, "<iframe"));
	assert_null(strcasestr(html, "<svg"));
	free(html);
	free(out);
}

/* The file an src= or href= names exists in OUT; images are PNGs. */
static void check_files(const char *html, const char *out)
{
	size_t seen = 0;

	for (const char *p = html; (p = strstr(p, "=\"plots/"));) {
		const char *v = p + 2, *e = strchr(v, '"');
		char *name = strndup(v, (size_t)(e - v)), *path = xasprintf("%s/%s", out, name);
		char *buf;
		size_t len;

		if (mmab_read_file(path, &buf, &len))
			fail_msg("the report links to a missing file: %s", name);
		if (strstr(name, ".png"))
			assert_true(len > 1000 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8));
		free(buf);
		free(path);
		free(name);
		seen++;
		p = e;
	}
	assert_true(seen > 0);
}

static void test_complete(void **state)
{
	const char *dirs[] = { REP "stock", REP "stock-rerun" };
	char *out = xasprintf("%s/complete", tmp_root), *html, *css, *path;
	size_t len, elen;
	const char *embedded = embed_find("analysis/report/style.css", &elen);
	int imgs;

	(void)state;
	if (!have_gnuplot())
		skip();
	assert_int_equal(report(dirs, 2, 0, out, NULL, &html), 0);
	imgs = check_markup(html);
	assert_true(imgs >= 10);
	check_files(html, out);
	for (const char *id = "environment\0iterations\0comparison\0plots\0"; *id;
	     id += strlen(id) + 1) {
		char *s = xasprintf("<section id=\"%s\">", id);

		must_hold(html, s);
		free(s);
	}
	assert_null(strstr(html, "id=\"missing\""));	/* nothing is missing */
	must_hold(html, "<td class=\"nodiff\">no difference proven</td>");
	must_hold(html, "Baseline: <strong>stock</strong>");
	must_hold(html, "background:#0072B2");		/* stock: set 1's colour */
	must_hold(html, "background:#D55E00");
	/* the stylesheet is the embedded one */
	path = xasprintf("%s/style.css", out);
	assert_int_equal(mmab_read_file(path, &css, &len), 0);
	assert_int_equal(len, elen);
	assert_memory_equal(css, embedded, len);
	free(css);
	free(path);
	free(html);
	free(out);
}

/*
 * The answer first: the verdicts (each proven change with the plot of its
 * values), then the comparison folded by workload, then the environment
 * with the differences shown and the rest folded; the alerts of a kernel
 * A/B under TCG said once (tests/fixtures/compare/kernel-ab).
 */
static void test_verdicts_first(void **state)
{
	const char *dirs[] = { "tests/fixtures/compare/kernel-ab/ab-old",
			       "tests/fixtures/compare/kernel-ab/ab-new" };
	char *out = xasprintf("%s/verdicts", tmp_root), *html;
	const char *v, *c, *e, *fold;

	(void)state;
	if (!have_gnuplot())
		skip();
	assert_int_equal(report(dirs, 2, 0, out, NULL, &html), 0);
	check_markup(html);
	check_files(html, out);
	v = strstr(html, "<section id=\"verdicts\">");
	c = strstr(html, "<section id=\"comparison\">");
	e = strstr(html, "<section id=\"environment\">");
	assert_true(v && c && e && v < c && c < e);
	/* the proven change, with its plot and what it rests on */
	must_hold(html, "<img src=\"plots/w-values-lat.png\"");
	must_hold(html, "<span class=\"better\">better</span> ab-new: 209 &rarr; 199.3, -4.64% "
			"(95% CI ");
	must_hold(html, "paired t on 5 pairs");
	assert_true(strstr(html, "w-values-lat.png") < c);
	/* TCG and the kernel's warnings: once each, in the verdicts */
	assert_int_equal(count_lines(html, "ran in a VM under TCG"), 1);
	assert_true(strstr(html, "ran in a VM under TCG") < c);
	must_hold(html, "ab-new: the kernel logged 3 WARNING:, BUG: or KASAN lines");
	/* the comparison folded, each workload's verdicts in its summary */
	must_hold(html, "<details class=\"workload\"><summary><span class=\"workload\">w</span> "
			"<span class=\"better\">1 better</span>");
	/* the environment: the kernels shown, what they share folded */
	fold = strstr(e, "<details class=\"env\">");
	assert_non_null(fold);
	assert_true(strstr(e, "<tr class=\"differs\"><th>kernel (A/B name)</th>") < fold);
	assert_true(strstr(e, "<th>VM accelerator</th>") > fold);
	assert_true(strstr(e, "<th>qemu</th>") > fold);
	free(html);
	free(out);
}

/* No gnuplot: the report is written, says so, and has no image. */
static void test_missing_plots(void **state)
{
	const char *dirs[] = { REP "synthetic" };
	char *out = xasprintf("%s/missing", tmp_root), *html;

	(void)state;
	assert_int_equal(report(dirs, 1, 0, out, "/nonexistent/gnuplot", &html), -EIO);
	check_markup(html);
	must_hold(html, "id=\"missing\"");
	must_hold(html, "could not be drawn: gnuplot could not run");
	must_hold(html, "<p class=\"skipped failed\">");
	assert_null(strstr(html, "<img"));
	/* the failed iteration, with its reason; the comparison is there */
	must_hold(html, "#3 failed: timeout</span> after 60 s");
	must_hold(html, "<section id=\"comparison\">");
	free(html);
	free(out);
}

/* Broken files are counted and shown as missing; the rest is reported. */
static void test_broken(void **state)
{
	char *set = xasprintf("%s/broken", tmp_root), *out = xasprintf("%s/broken-out", tmp_root);
	const char *dirs[1] = { set };
	char *p, *html;

	(void)state;
	p = xasprintf("%s/metadata.json", set);
	write_file(p, "{\"label\": \"broken\", \"uname\": {\"release\": 5}");	/* cut short */
	free(p);
	p = xasprintf("%s/status.csv", set);
	write_file(p, "workload,iteration,status,reason,exit_code,signal,duration_s\n"
		      "w,1,ok,,0,,1\nw,2,ok,,0,,1\nw,3,o");
	free(p);
	for (int it = 1; it <= 2; it++) {
		p = xasprintf("%s/w/%d/metrics.csv", set, it);
		write_file(p, it == 1 ? "metric,value,unit,direction,aggregate\nm,1,s,lower,mean\n"
				      : "metric,value,unit,direction,aggregate\nm,zz,s,lower,mean\n");
		free(p);
	}
	report(dirs, 1, 0, out, "/nonexistent/gnuplot", &html);
	check_markup(html);
	must_hold(html, "3 problems in the result sets' files");
	free(html);
	free(set);
	free(out);
}

static void test_baseline(void **state)
{
	const char *dirs[] = { REP "stock", REP "stock-rerun" };
	char *out = xasprintf("%s/baseline", tmp_root), *html;

	(void)state;
	report(dirs, 2, 1, out, "/nonexistent/gnuplot", &html);
	must_hold(html, "Baseline: <strong>stock-rerun</strong>");
	must_hold(html, "stock-rerun<span class=\"tag\">baseline</span>");
	assert_null(strstr(html, "stock<span class=\"tag\">"));
	free(html);
	free(out);
}

static int run_cmd(const char **args, size_t n)
{
	char **argv = xcalloc(n + 2, sizeof(*argv));
	int ret;

	argv[0] = (char *)"report";
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	capture_begin();
	ret = cmd_report((int)n + 1, argv);
	free(capture_end());
	free(argv);
	return ret;
}

static void test_cmd(void **state)
{
	char *out = xasprintf("%s/cmd", tmp_root), *idx = xasprintf("%s/index.html", out);
	const char *none[] = { "-o", out };
	const char *bad_base[] = { "-o", out, "-b", "nope", REP "stock" };
	const char *missing[] = { "-o", out, REP "no-such-set" };
	const char *ok[] = { "-o", out, "-b", "stock-rerun", REP "stock", REP "stock-rerun" };

	(void)state;
	assert_int_equal(run_cmd(none, 2), MMAB_EXIT_USAGE);
	assert_int_equal(run_cmd(bad_base, 5), MMAB_EXIT_USAGE);
	assert_int_equal(run_cmd(missing, 3), MMAB_EXIT_USAGE);
	assert_int_equal(access(idx, F_OK), -1);	/* nothing written on bad usage */
	if (have_gnuplot()) {
		char *html;

		assert_int_equal(run_cmd(ok, 6), MMAB_EXIT_OK);
		assert_int_equal(mmab_read_file(idx, &html, NULL), 0);
		must_hold(html, "Baseline: <strong>stock-rerun</strong>");
		free(html);
	}
	free(idx);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_verdicts_first),
		cmocka_unit_test(test_missing_plots),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_cmd),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
