/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The static HTML report (analysis/report.h): index.html, style.css and
 * plots/.  The page is composed in memory after the comparison and the
 * plots are done, so it can say what is missing, and then replaces
 * index.html in one rename.  Every string from a result set goes through
 * html_escape; every file name in src= or href= is a plot driver's safe
 * name.  No script, no inline handler, nothing fetched from the network.
 * The environment and iterations sections are report-env.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/compare.h"
#include "analysis/html.h"
#include "analysis/report-int.h"
#include "analysis/report.h"
#include "lib/embed.h"
#include "lib/mmab.h"

#define esc html_escape

/* ---- the page ---- */

static void head(const struct report_page *p)
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
		report_set_name(p, i);
	fprintf(f, "</div>\n<p class=\"meta\">%zu result set%s, written %s by mmab %s. "
		"Colours stay with their set in every plot.</p>\n", p->n, p->n == 1 ? "" : "s",
		now, MMAB_VERSION);
	fputs("<nav><a href=\"#verdicts\">Verdicts</a><a href=\"#comparison\">Comparison</a>"
	      "<a href=\"#environment\">Environment</a><a href=\"#iterations\">Iterations</a>"
	      "<a href=\"#plots\">Plots</a></nav>\n"
	      "</header>\n<main>\n", f);
}

/* What the reader must know is missing, at the top. */
static void missing(const struct report_page *p)
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

/* One row of per-set texts VALS (NULL: n/a), marked when they differ (unless OWN). */
static void comparison(const struct report_page *p)
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

/* A plot with data that gnuplot could not draw: in its place, in red. */
static void not_drawn(FILE *f, const struct plot_item *it)
{
	fputs("<p class=\"skipped failed\">", f);
	esc(f, it->title);
	fputs(": ", f);
	esc(f, it->note ? it->note : "not drawn");
	fputs(" (", f);
	report_plot_link(f, it->data, "data");
	if (it->script) {
		fputs(", ", f);
		report_plot_link(f, it->script, "script");
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

static void plots(const struct report_page *p)
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
				report_figure(f, it, NULL);
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

/* The comparison fragment of T (NULL: none was built), or NULL with *why set. */
static char *compare_fragment(const struct cmp_table *t, const char **why)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err = -EINVAL;

	if (!f)
		abort();
	if (!t) {
		*why = "the sets or the baseline are not valid";
	} else {
		err = compare_print(f, CMP_HTML, t, CMP_BARE);
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

/* OUTDIR/style.css from the copy built into mmab. */
static int write_css(const char *outdir)
{
	size_t csslen;
	const char *css = embed_find("analysis/report/style.css", &csslen);
	char *path;
	int err;

	if (!css) {
		mmab_err("report: style.css is not built into mmab");
		return -ENOENT;
	}
	path = xasprintf("%s/style.css", outdir);
	err = mmab_write_file_atomic(path, css, csslen);
	if (err)
		mmab_err("cannot write '%s': %s", path, strerror(-err));
	free(path);
	return err;
}

/* The page, composed in memory: malloc'd, its length in *len. */
static char *compose(struct report_page *p, size_t *len)
{
	char *html = NULL;

	p->f = open_memstream(&html, len);
	if (!p->f)
		abort();
	head(p);
	missing(p);
	report_verdicts(p);
	comparison(p);
	report_environment(p);
	report_iterations(p);
	plots(p);
	foot(p->f);
	if (fclose(p->f))
		abort();
	p->f = NULL;
	return html;
}

/*
 * The plots: every workload's (PL), and one per proven change (VL).  The
 * first error, reported.
 */
static int draw(const struct report_opts *o, struct rset *sets, size_t n,
		const struct cmp_table *t, struct plot_list *pl, struct plot_list *vl)
{
	char *plotdir = xasprintf("%s/plots", o->outdir);
	struct plot_opts po = { plotdir, PLOT_PNG, true, o->gnuplot };
	int err = plot_all(sets, n, &po, pl), verr = t ? plot_verdicts(t, &po, vl) : 0;

	free(plotdir);
	return err ? err : verr;
}

int report_write(struct rset *sets, size_t n, const struct report_opts *o)
{
	struct plot_list pl = { NULL, 0 }, vl = { NULL, 0 };
	struct report_page p = { NULL, sets, n, o->baseline, &pl, NULL, &vl, NULL, NULL, 0 };
	struct cmp_table t;
	char *cmp, *html, *path;
	size_t len = 0;
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
	err = write_css(o->outdir);
	if (err)
		return err;
	if (!compare_build(sets, n, o->baseline, &t))
		p.t = &t;
	cmp = compare_fragment(p.t, &p.compare_error);
	p.compare_html = cmp;
	p.plot_err = draw(o, sets, n, p.t, &pl, &vl);
	html = compose(&p, &len);
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
	plot_list_free(&vl);
	if (p.t)
		compare_free(&t);
	return err;
}
