/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The static HTML report (analysis/report.h): index.html, style.css and
 * plots/.  The page is composed in memory after the comparison and the
 * plots are done, so it can say what is missing, and then replaces
 * index.html in one rename.  Every string from a result set goes through
 * html_escape; every file name in src= or href= is a plot driver's safe
 * name.  No script, no inline handler, nothing fetched from the network.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/compare.h"
#include "analysis/gnuplot.h"
#include "analysis/html.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "lib/embed.h"
#include "lib/mmab.h"

#define esc html_escape

/* ---- values from metadata.json as text ---- */

/* V as the text a reader expects; NULL when absent.  Malloc'd. */
static char *json_show(const char *key, const json_t *v)
{
	char size[32];

	if (!v)
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		size_t kl = strlen(key);

		if (i >= 0 && kl > 3 && !strcmp(key + kl - 3, "_kb")) {
			mmab_format_size(size, sizeof(size), (uint64_t)i * 1024);
			return xasprintf("%" JSON_INTEGER_FORMAT " kB (%s)", i, size);
		}
		if (i >= 0 && kl > 6 && !strcmp(key + kl - 6, "_bytes")) {
			mmab_format_size(size, sizeof(size), (uint64_t)i);
			return xasprintf("%" JSON_INTEGER_FORMAT " (%s)", i, size);
		}
		return xasprintf("%" JSON_INTEGER_FORMAT, i);
	}
	if (json_is_null(v))
		return xstrdup("none");
	if (json_is_array(v)) {
		bool strings = true;
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
			strings &= json_is_string(e);
		if (strings) {
			char *s = xstrdup("");

			json_array_foreach(v, i, e) {
				char *t = xasprintf("%s%s%s", s, i ? " " : "", json_string_value(e));

				free(s);
				s = t;
			}
			return s;
		}
	}
	{
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		return d ? d : xstrdup("?");
	}
}

/* "vmstat (1000 ms)", or "psi (250 ms, no PSI here)": one of the collectors. */
static char *collector_text(const json_t *e)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *st = json_string_value(json_object_get(e, "status"));
	json_t *ms = json_object_get(e, "interval_ms");
	bool bad = st && strcmp(st, "ok");
	char *ival = json_is_number(ms) ? xasprintf("%.0f ms", json_number_value(ms))
					: xstrdup("no interval");
	char *t = xasprintf("%s (%s%s%s)", name ? name : "?", ival, bad ? ", " : "",
			    bad ? st : "");

	free(ival);
	return t;
}

/* "thp: thp (size=150%, fragment=frag)": one of the workloads, with its options. */
static char *workload_text(const json_t *e)
{
	const char *id = json_string_value(json_object_get(e, "id"));
	const char *wl = json_string_value(json_object_get(e, "workload"));
	json_t *opts = json_object_get(e, "options"), *v;
	char *o = NULL, *t;
	const char *k;

	json_object_foreach(opts, k, v) {
		char *val = json_show(k, v);

		t = xasprintf("%s%s%s=%s", o ? o : "", o ? ", " : "", k, val);
		free(val);
		free(o);
		o = t;
	}
	t = xasprintf("%s: %s%s%s%s", id ? id : "?", wl ? wl : "?", o ? " (" : "", o ? o : "",
		      o ? ")" : "");
	free(o);
	return t;
}

/* The items of array V through ONE, joined by SEP; NULL when V is not an array. */
static char *join(const json_t *v, const char *sep, char *(*one)(const json_t *))
{
	char *s = NULL;
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return NULL;
	json_array_foreach(v, i, e) {
		char *item = one(e), *t = xasprintf("%s%s%s", s ? s : "", s ? sep : "", item);

		free(item);
		free(s);
		s = t;
	}
	return s ? s : xstrdup("none");
}

/* ---- the page ---- */

struct page {
	FILE *f;
	struct rset *sets;
	size_t n, baseline;
	const struct plot_list *plots;
	const char *compare_html;	/* the fragment, or NULL */
	const char *compare_error;	/* why there is none */
	int plot_err;
};

static void swatch(FILE *f, size_t i)
{
	fprintf(f, "<span class=\"swatch\" style=\"background:%s\"></span>", gp_set_colour(i));
}

static void set_name(const struct page *p, size_t i)
{
	fputs("<span class=\"set\">", p->f);
	swatch(p->f, i);
	esc(p->f, p->sets[i].label);
	if (i == p->baseline && p->n > 1)
		fputs("<span class=\"tag\">baseline</span>", p->f);
	fputs("</span>", p->f);
}

static void head(const struct page *p)
{
	FILE *f = p->f;
	char now[32];

	mmab_iso_time(now, sizeof(now), (double)time(NULL));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>mmab report: ", f);
	for (size_t i = 0; i < p->n; i++) {
		fputs(i ? " vs " : "", f);
		esc(f, p->sets[i].label);
	}
	fputs("</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n"
	      "<header>\n<h1>mmab report</h1>\n<div class=\"sets\">", f);
	for (size_t i = 0; i < p->n; i++)
		set_name(p, i);
	fprintf(f, "</div>\n<p class=\"meta\">%zu result set%s, written %s by mmab %s. "
		"Colours stay with their set in every plot.</p>\n", p->n, p->n == 1 ? "" : "s",
		now, MMAB_VERSION);
	fputs("<nav><a href=\"#environment\">Environment</a><a href=\"#iterations\">Iterations"
	      "</a><a href=\"#comparison\">Comparison</a><a href=\"#plots\">Plots</a></nav>\n"
	      "</header>\n<main>\n", f);
}

/* What the reader must know is missing, at the top. */
static void missing(const struct page *p)
{
	FILE *f = p->f;
	size_t failed = 0;
	unsigned problems = 0;

	for (size_t i = 0; i < p->plots->n; i++)
		failed += p->plots->items[i].data && !p->plots->items[i].image;
	for (size_t i = 0; i < p->n; i++)
		problems += p->sets[i].problems;
	if (!failed && !p->compare_error && !problems)
		return;
	fputs("<div class=\"warning\" id=\"missing\"><p>This report is incomplete:</p><ul>\n", f);
	if (p->compare_error) {
		fputs("<li>the comparison could not be written: ", f);
		esc(f, p->compare_error);
		fputs("</li>\n", f);
	}
	if (failed)
		fprintf(f, "<li>%zu plot%s could not be drawn%s (marked below; their data files "
			"and scripts are in plots/)</li>\n", failed, failed == 1 ? "" : "s",
			p->plot_err == -ENOENT ? ": gnuplot could not run" : "");
	if (problems)
		fprintf(f, "<li>%u problem%s in the result sets' files (missing, truncated or "
			"malformed; mmab reported each as FILE:LINE when it wrote this report): "
			"what could be read is shown</li>\n", problems, problems == 1 ? "" : "s");
	fputs("</ul></div>\n", f);
}

static void table_head(const struct page *p, const char *cls, const char *first)
{
	fprintf(p->f, "<div class=\"scroll\"><table class=\"%s\">\n<thead><tr><th>%s</th>", cls,
		first);
	for (size_t i = 0; i < p->n; i++) {
		fputs("<th>", p->f);
		set_name(p, i);
		fputs("</th>", p->f);
	}
	fputs("</tr></thead>\n<tbody>\n", p->f);
}

/* One row of per-set texts VALS (NULL: n/a), marked when they differ (unless OWN). */
static void env_row(const struct page *p, const char *title, char **vals, bool own)
{
	bool differs = false;

	for (size_t i = 1; i < p->n && !own; i++) {
		const char *a = vals[0], *b = vals[i];

		differs |= (!a != !b) || (a && b && strcmp(a, b));
	}
	fprintf(p->f, "<tr%s><th>", differs ? " class=\"differs\"" : "");
	esc(p->f, title);
	fputs("</th>", p->f);
	for (size_t i = 0; i < p->n; i++) {
		if (vals[i]) {
			fputs("<td>", p->f);
			esc(p->f, vals[i]);
			fputs("</td>", p->f);
		} else {
			fputs("<td><span class=\"na\">n/a</span></td>", p->f);
		}
	}
	fputs("</tr>\n", p->f);
}

/* own: each set has its own value; a difference is no news, so not highlighted */
static const struct {
	const char *key, *title;
	bool own;
} env_keys[] = {
	{ "label", "label", true }, { "variant", "variant", true }, { "run_id", "run", true },
	{ "start", "start (UTC)", true }, { "end", "end (UTC)", true },
	{ "hostname", "host name", false }, { "uname.release", "kernel", false },
	{ "uname.version", "kernel build", false }, { "uname.machine", "machine", false },
	{ "cmdline", "kernel command line", false },
	{ "kernel_config_sha256", "kernel config hash", false }, { "cpu_model", "CPU", false },
	{ "cpus", "CPUs", false }, { "mem_total_kb", "MemTotal", false },
	{ "effective_memory_bytes", "effective memory", false }, { "cgroup", "cgroup", false },
	{ "thp.enabled", "THP enabled", false }, { "thp.defrag", "THP defrag", false },
	{ "thp.khugepaged/defrag", "khugepaged defrag", false },
	{ "thp.shmem_enabled", "THP shmem", false },
	{ "storage.fs_type", "results file system", false },
	{ "storage.device", "results device", false },
	{ "storage.read_ahead_kb", "read-ahead (KiB)", false }, { "suite.name", "suite", false },
	{ "suite.file", "suite file", false }, { "suite.iterations", "iterations", false },
	{ "suite.scale", "scale", false }, { "suite.settle", "settle", false },
	{ "suite.order", "order", false }, { "seed", "seed", true },
	{ "mmab_version", "mmab version", false }, { "argv", "command line", true },
};

/* Every knob name in knobs.as_run or knobs.before of any set, first seen first. */
static size_t knob_names(const struct page *p, const char ***out)
{
	static const char *const parts[] = { "knobs.as_run", "knobs.before" };
	const char **v = NULL;
	size_t n = 0;

	for (size_t s = 0; s < p->n; s++)
		for (size_t k = 0; k < ARRAY_SIZE(parts); k++) {
			json_t *o = rset_meta(&p->sets[s], parts[k]), *val;
			const char *name;

			json_object_foreach(o, name, val) {
				bool seen = false;

				for (size_t i = 0; i < n && !seen; i++)
					seen = !strcmp(v[i], name);
				if (!seen) {
					v = xrealloc(v, (n + 1) * sizeof(*v));
					v[n++] = name;
				}
			}
		}
	*out = v;
	return n;
}

static void environment(const struct page *p)
{
	FILE *f = p->f;
	char **vals = xcalloc(p->n, sizeof(*vals));
	const char **knobs;
	size_t nk;

	fputs("<section id=\"environment\">\n<h2>Environment</h2>\n<p class=\"note\">From each "
	      "set's metadata.json; rows where the sets differ are highlighted.</p>\n", f);
	table_head(p, "env", "");
	for (size_t i = 0; i < p->n; i++)
		vals[i] = xstrdup(p->sets[i].path);
	env_row(p, "directory", vals, true);
	for (size_t i = 0; i < p->n; i++)
		free(vals[i]);
	for (size_t k = 0; k < ARRAY_SIZE(env_keys); k++) {
		for (size_t i = 0; i < p->n; i++)
			vals[i] = json_show(env_keys[k].key, rset_meta(&p->sets[i], env_keys[k].key));
		env_row(p, env_keys[k].title, vals, env_keys[k].own);
		for (size_t i = 0; i < p->n; i++)
			free(vals[i]);
	}
	for (size_t i = 0; i < p->n; i++)
		vals[i] = join(rset_meta(&p->sets[i], "collectors"), ", ", collector_text);
	env_row(p, "collectors", vals, false);
	for (size_t i = 0; i < p->n; i++) {
		free(vals[i]);
		vals[i] = join(rset_meta(&p->sets[i], "workloads"), "; ", workload_text);
	}
	env_row(p, "workloads", vals, false);
	for (size_t i = 0; i < p->n; i++) {
		free(vals[i]);
		vals[i] = xasprintf("%u", p->sets[i].problems);
	}
	env_row(p, "problems in files", vals, false);
	for (size_t i = 0; i < p->n; i++)
		free(vals[i]);
	fputs("</tbody></table></div>\n", f);

	nk = knob_names(p, &knobs);
	if (nk) {
		fputs("<h3>Knobs as run</h3>\n<p class=\"note\">The value each knob had during the "
		      "run; \"was\" gives the value before mmab changed it.</p>\n", f);
		table_head(p, "env knobs", "knob");
		for (size_t k = 0; k < nk; k++) {
			for (size_t i = 0; i < p->n; i++) {
				char *key = xasprintf("knobs.as_run.%s", knobs[k]);
				char *bkey = xasprintf("knobs.before.%s", knobs[k]);
				char *a = json_show("", rset_meta(&p->sets[i], key));
				char *b = json_show("", rset_meta(&p->sets[i], bkey));

				vals[i] = a && b && strcmp(a, b) ? xasprintf("%s (was %s)", a, b) : a;
				if (vals[i] != a)
					free(a);
				free(b);
				free(key);
				free(bkey);
			}
			env_row(p, knobs[k], vals, false);
			for (size_t i = 0; i < p->n; i++)
				free(vals[i]);
		}
		fputs("</tbody></table></div>\n", f);
	}
	free(knobs);
	for (size_t i = 0; i < p->n; i++) {
		char *path = xasprintf("%s/suite.ini", p->sets[i].path), *text;
		size_t len;

		if (!mmab_read_file(path, &text, &len)) {
			fputs("<details class=\"suite\"><summary>suite.ini of ", f);
			esc(f, p->sets[i].label);
			fputs("</summary>\n<pre>", f);
			esc(f, text);
			fputs("</pre></details>\n", f);
			free(text);
		}
		free(path);
	}
	fputs("</section>\n", f);
	free(vals);
}

static void iterations(const struct page *p)
{
	FILE *f = p->f;

	fputs("<section id=\"iterations\">\n<h2>Iterations</h2>\n<p class=\"note\">From each "
	      "set's status.csv.  Only iterations that ended ok are compared and drawn.</p>\n", f);
	for (size_t s = 0; s < p->n; s++) {
		const struct rset *rs = &p->sets[s];

		fputs("<h3>", f);
		set_name(p, s);
		fputs("</h3>\n", f);
		if (!rs->n_iters) {
			fputs("<p class=\"note\">No iteration recorded.</p>\n", f);
			continue;
		}
		fputs("<div class=\"scroll\"><table class=\"flat\">\n<thead><tr><th>workload</th>"
		      "<th>iterations</th><th>ok</th><th>mean duration (s)</th><th>not used</th>"
		      "</tr></thead>\n<tbody>\n", f);
		for (size_t w = 0; w < rs->n_workloads; w++) {
			const char *wl = rs->workloads[w];
			double sum = 0;
			size_t nd = 0, bad = 0;

			for (size_t i = 0; i < rs->n_iters; i++) {
				const struct rset_iter *it = &rs->iters[i];

				if (strcmp(it->workload, wl))
					continue;
				if (rset_iter_used(it) && isfinite(it->duration_s)) {
					sum += it->duration_s;
					nd++;
				}
			}
			fputs("<tr><th>", f);
			esc(f, wl);
			fprintf(f, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
				rset_count(rs, wl, NULL), rset_count(rs, wl, "ok"));
			if (nd)
				fprintf(f, "<td class=\"num\">%.3g</td><td>", sum / (double)nd);
			else
				fputs("<td class=\"num\"><span class=\"na\">n/a</span></td><td>", f);
			for (size_t i = 0; i < rs->n_iters; i++) {
				const struct rset_iter *it = &rs->iters[i];

				if (strcmp(it->workload, wl) || rset_iter_used(it))
					continue;
				fprintf(f, "%s<span class=\"failed\">#%d ", bad++ ? "<br>" : "",
					it->iteration);
				esc(f, it->status);
				if (*it->reason) {
					fputs(": ", f);
					esc(f, it->reason);
				}
				fputs("</span>", f);
				if (isfinite(it->duration_s))
					fprintf(f, " after %.3g s", it->duration_s);
			}
			if (!bad)
				fputs("<span class=\"na\">none</span>", f);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table></div>\n", f);
	}
	fputs("</section>\n", f);
}

static void comparison(const struct page *p)
{
	FILE *f = p->f;

	fputs("<h2>Comparison</h2>\n", f);
	if (p->compare_html) {
		fputs(p->compare_html, f);
		return;
	}
	fputs("<section id=\"comparison\"><div class=\"warning\"><p>The comparison could not be "
	      "written: ", f);
	esc(f, p->compare_error);
	fputs(".</p></div></section>\n", f);
}

/* <a href="plots/FILE">TEXT</a>: FILE is a plot driver's safe name. */
static void plot_link(FILE *f, const char *file, const char *text)
{
	fputs("<a href=\"plots/", f);
	esc(f, file);
	fprintf(f, "\">%s</a>", text);
}

static void figure(FILE *f, const struct plot_item *it)
{
	fputs("<figure><a href=\"plots/", f);
	esc(f, it->image);
	fputs("\"><img src=\"plots/", f);
	esc(f, it->image);
	fputs("\" alt=\"", f);
	esc(f, it->title);
	fputs("\"></a>\n<figcaption>", f);
	esc(f, it->title);
	if (it->note) {
		fputs("<br><span class=\"na\">", f);
		esc(f, it->note);
		fputs("</span>", f);
	}
	fputs("<br><span class=\"files\">", f);
	plot_link(f, it->data, "data (CSV)");
	fputs(" &middot; ", f);
	plot_link(f, it->script, "gnuplot script");
	fputs("</span></figcaption></figure>\n", f);
}

/* A plot with data that gnuplot could not draw: in its place, in red. */
static void not_drawn(FILE *f, const struct plot_item *it)
{
	fputs("<p class=\"skipped failed\">", f);
	esc(f, it->title);
	fputs(": ", f);
	esc(f, it->note ? it->note : "not drawn");
	fputs(" (", f);
	plot_link(f, it->data, "data");
	if (it->script) {
		fputs(", ", f);
		plot_link(f, it->script, "script");
	}
	fputs(")</p>\n", f);
}

/* Whether a plot in L[from..to) was skipped for want of data. */
static bool skipped_in(const struct plot_list *l, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		if (!l->items[k].image && !l->items[k].data)
			return true;
	return false;
}

static void plots(const struct page *p)
{
	const struct plot_list *l = p->plots;
	FILE *f = p->f;

	fputs("<section id=\"plots\">\n<h2>Plots</h2>\n<p class=\"note\">Each plot links to its "
	      "data and its gnuplot script (run it in plots/ to draw it again).  Lines are the "
	      "mean across a set's iterations, bands the range from min to max.</p>\n", f);
	if (!l->n)
		fputs("<p class=\"note\">No workload to plot.</p>\n", f);
	for (size_t i = 0, j; i < l->n;) {
		const char *w = l->items[i].workload;

		fputs("<h3 class=\"workload\">", f);
		esc(f, w);
		fputs("</h3>\n<div class=\"grid\">\n", f);
		for (j = i; j < l->n && !strcmp(l->items[j].workload, w); j++) {
			const struct plot_item *it = &l->items[j];

			if (it->image)
				figure(f, it);
			else if (it->data)
				not_drawn(f, it);
		}
		fputs("</div>\n", f);
		/* plots without data, together after the others */
		for (size_t k = i, shown = 0; k < j; k++) {
			const struct plot_item *it = &l->items[k];

			if (it->image || it->data)
				continue;
			fputs(shown++ ? "<li>" : "<ul class=\"skipped\">\n<li>", f);
			esc(f, it->title);
			fputs(": skipped: ", f);
			esc(f, it->note ? it->note : "no data");
			fputs("</li>\n", f);
		}
		if (skipped_in(l, i, j))
			fputs("</ul>\n", f);
		i = j;
	}
	fputs("</section>\n", f);
}

static void foot(FILE *f)
{
	fprintf(f, "</main>\n<footer>mmab %s &middot; a static report: no JavaScript, nothing "
		"fetched from the network</footer>\n</body>\n</html>\n", MMAB_VERSION);
}

/* ---- the report ---- */

/* The comparison fragment, or NULL with *why set. */
static char *compare_fragment(struct rset *sets, size_t n, size_t baseline, const char **why)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cmp_table t;
	int err;

	if (!f)
		abort();
	err = compare_build(sets, n, baseline, &t);
	if (err) {
		*why = "the sets or the baseline are not valid";
	} else {
		err = compare_print(f, CMP_HTML, &t, 0);
		compare_free(&t);
		if (err)
			*why = "writing it failed";
	}
	if (fclose(f) && !err) {
		err = -ENOMEM;
		*why = "out of memory";
	}
	if (err) {
		mmab_err("report: the comparison could not be written (%s)", *why);
		free(buf);
		return NULL;
	}
	return buf;
}

int report_write(struct rset *sets, size_t n, const struct report_opts *o)
{
	struct plot_list pl = { NULL, 0 };
	struct page p = { NULL, sets, n, o->baseline, &pl, NULL, NULL, 0 };
	char *plotdir, *cmp, *html = NULL, *path;
	const char *css;
	size_t len = 0, csslen;
	int err;

	if (!n || o->baseline >= n) {
		mmab_err("report: no result set, or the baseline is not one of them");
		return -EINVAL;
	}
	err = mmab_mkdir_p(o->outdir, 0755);
	if (err) {
		mmab_err("cannot create '%s': %s", o->outdir, strerror(-err));
		return err;
	}
	css = embed_find("analysis/report/style.css", &csslen);
	if (!css) {
		mmab_err("report: style.css is not built into mmab");
		return -ENOENT;
	}
	path = xasprintf("%s/style.css", o->outdir);
	err = mmab_write_file_atomic(path, css, csslen);
	if (err) {
		mmab_err("cannot write '%s': %s", path, strerror(-err));
		free(path);
		return err;
	}
	free(path);

	cmp = compare_fragment(sets, n, o->baseline, &p.compare_error);
	p.compare_html = cmp;
	plotdir = xasprintf("%s/plots", o->outdir);
	p.plot_err = plot_all(sets, n, &(struct plot_opts){ plotdir, PLOT_PNG, true, o->gnuplot },
			      &pl);
	free(plotdir);

	p.f = open_memstream(&html, &len);
	if (!p.f)
		abort();
	head(&p);
	missing(&p);
	environment(&p);
	iterations(&p);
	comparison(&p);
	plots(&p);
	foot(p.f);
	if (fclose(p.f))
		abort();
	path = xasprintf("%s/index.html", o->outdir);
	err = mmab_write_file_atomic(path, html, len);
	if (err)
		mmab_err("cannot write '%s': %s", path, strerror(-err));
	else if (!cmp || p.plot_err)
		err = -EIO;
	free(path);
	free(html);
	free(cmp);
	plot_list_free(&pl);
	return err;
}
