/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report's answer first (report-int.h): the verdicts section, each
 * proven change with the plot of its values, what the data could not
 * prove and what would settle it; and the figures every section uses.
 * Every string from a result set goes through html_escape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "analysis/html.h"
#include "analysis/report-int.h"
#include "lib/mmab.h"

#define esc html_escape

void report_plot_link(FILE *f, const char *file, const char *text)
{
	fputs("<a href=\"plots/", f);
	esc(f, file);
	fprintf(f, "\">%s</a>", text);
}

void report_figure(FILE *f, const struct plot_item *it, const char *caption_html)
{
	fputs("<figure><a href=\"plots/", f);
	esc(f, it->image);
	fputs("\"><img src=\"plots/", f);
	esc(f, it->image);
	fputs("\" alt=\"", f);
	esc(f, it->title);
	fputs("\"></a>\n<figcaption>", f);
	if (caption_html)
		fputs(caption_html, f);
	else
		esc(f, it->title);
	if (it->note) {
		fputs("<br><span class=\"na\">", f);
		esc(f, it->note);
		fputs("</span>", f);
	}
	fputs("<br><span class=\"files\">", f);
	report_plot_link(f, it->data, "data (CSV)");
	fputs(" &middot; ", f);
	report_plot_link(f, it->script, "gnuplot script");
	fputs("</span></figcaption></figure>\n", f);
}

static const char *verdict_class(enum cmp_verdict v)
{
	return v == CMP_BETTER ? "better" : v == CMP_WORSE ? "worse" : "differs";
}

/* One proven cell in words: "better: quick-defer -84.2% (95% CI ...), q 0.001, paired t". */
static void verdict_words(FILE *f, const struct cmp_table *t, const struct cmp_row *r, size_t s)
{
	const struct cmp_cell *c = &r->cells[s];
	char pc[32], lo[32], hi[32], q[32], mde[32], a[32], b[32];

	cmp_fmt_num(a, sizeof(a), r->cells[t->baseline].s.mean);
	cmp_fmt_num(b, sizeof(b), c->s.mean);
	cmp_fmt_pct(pc, sizeof(pc), c->change_pct);
	cmp_fmt_ci(lo, hi, sizeof(lo), &r->cells[t->baseline], c);
	cmp_fmt_p(q, sizeof(q), c->q);
	cmp_fmt_mde(mde, sizeof(mde), c->mde_pct);
	fprintf(f, "<span class=\"%s\">%s</span> ", verdict_class(c->verdict),
		cmp_verdict_name(c->verdict));
	esc(f, t->sets[s].label);
	fprintf(f, ": %s &rarr; %s, %s (95%% CI %s .. %s), q ", a, b, pc, lo, hi);
	esc(f, q);	/* "<0.001" */
	fputs(", ", f);
	if (c->test == CMP_TEST_PAIRED)
		fprintf(f, "paired t on %zu pairs", c->pt.n);
	else
		fprintf(f, "Welch on %zu and %zu values", r->cells[t->baseline].s.n, c->s.n);
	fprintf(f, "; detectable here: %s", mde);
}

/* The caption of the values plot of row R: the metric and each proven verdict. */
static char *verdict_caption(const struct cmp_table *t, const struct cmp_row *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("<strong>", f);
	esc(f, r->workload);
	fputs(" ", f);
	esc(f, r->metric);
	fputs("</strong> (", f);
	esc(f, *r->unit ? r->unit : "no unit");
	fprintf(f, ", %s)", cmp_dir_text(r->dir));
	for (size_t s = 0; s < t->n_sets; s++) {
		if (r->cells[s].verdict < CMP_BETTER)
			continue;
		fputs("<br>", f);
		verdict_words(f, t, r, s);
	}
	if (fclose(f))
		abort();
	return buf;
}

/* A proven row without a drawn plot (not drawn, or past PLOT_VERDICTS_MAX). */
static void verdict_line(FILE *f, const struct cmp_table *t, const struct cmp_row *r)
{
	char *c = verdict_caption(t, r);

	fprintf(f, "<p class=\"verdict\">%s</p>\n", c);
	free(c);
}

static const struct plot_item *plot_of(const struct plot_list *l, const struct cmp_row *r)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->items[i].row == r && l->items[i].image)
			return &l->items[i];
	return NULL;
}

/* Every proven change, with its plot when it has one. */
static void proven(const struct report_page *p)
{
	const struct cmp_table *t = p->t;
	bool open = false;

	for (size_t r = 0; r < t->n_rows; r++) {
		const struct cmp_row *row = &t->rows[r];
		const struct plot_item *it;
		bool any = false;

		for (size_t s = 0; s < t->n_sets; s++)
			any |= row->cells[s].verdict >= CMP_BETTER;
		if (!any)
			continue;
		it = plot_of(p->verdict_plots, row);
		if (it) {
			char *c = verdict_caption(t, row);

			fputs(open ? "" : "<div class=\"grid verdicts\">\n", p->f);
			open = true;
			report_figure(p->f, it, c);
			free(c);
		} else {
			verdict_line(p->f, t, row);
		}
	}
	if (open)
		fputs("</div>\n", p->f);
}

/* The cells closest to a verdict and the `mmab run` that would settle them. */
static void settle(const struct report_page *p)
{
	struct cmp_near near[CMP_CLOSE];
	size_t n = cmp_closest(p->t, near, CMP_CLOSE), nl;
	char **lines;

	if (!n)
		return;
	fputs("<h3>Closest to a verdict</h3>\n<div class=\"scroll\"><table class=\"flat\">\n"
	      "<thead><tr><th>workload</th><th>metric</th><th>set</th><th>change</th>"
	      "<th>detectable now</th><th>iterations a side to prove it</th></tr></thead>\n"
	      "<tbody>\n", p->f);
	for (size_t i = 0; i < n; i++) {
		const struct cmp_cell *c = &near[i].row->cells[near[i].set];
		char pc[32], mde[32];

		cmp_fmt_pct(pc, sizeof(pc), c->change_pct);
		cmp_fmt_mde(mde, sizeof(mde), c->mde_pct);
		fputs("<tr><td>", p->f);
		esc(p->f, near[i].row->workload);
		fputs("</td><td>", p->f);
		esc(p->f, near[i].row->metric);
		fputs("</td><td>", p->f);
		esc(p->f, p->t->sets[near[i].set].label);
		fprintf(p->f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%.0f</td></tr>\n", pc, mde, near[i].n);
	}
	fputs("</tbody></table></div>\n", p->f);
	nl = cmp_settle(p->t, near, n, &lines);
	if (nl)
		fputs("<p class=\"note\">What would settle them (each workload alone, in a run of its "
		      "own):</p>\n<pre>", p->f);
	for (size_t i = 0; i < nl; i++) {
		esc(p->f, lines[i]);
		fputc('\n', p->f);
		free(lines[i]);
	}
	fputs(nl ? "</pre>\n" : "", p->f);
	free(lines);
}

/* The keys where a set differs beyond the thing compared, in one warning. */
static void env_warning(const struct report_page *p)
{
	const struct cmp_table *t = p->t;
	bool open = false;

	for (size_t i = 0; i < t->n_env; i++) {
		if (t->env[i].compared)
			continue;
		fputs(open ? ", " : "<div class=\"warning\"><p>The sets differ in more than the "
		      "thing compared: ", p->f);
		open = true;
		fputs("<code>", p->f);
		esc(p->f, t->env[i].key);
		fputs("</code>", p->f);
	}
	if (open)
		fputs(" (highlighted under <a href=\"#environment\">Environment</a>).</p></div>\n",
		      p->f);
}

void report_alerts(const struct report_page *p)
{
	char **lines;
	size_t n = p->t ? cmp_alert_lines(p->t, &lines) : 0;

	for (size_t i = 0; i < n; i++) {
		fputs("<div class=\"warning alert\"><p>", p->f);
		esc(p->f, lines[i]);
		fputs("</p></div>\n", p->f);
		free(lines[i]);
	}
	if (n)
		free(lines);
}

void report_verdicts(const struct report_page *p)
{
	struct cmp_tally ty;
	char *pairs;

	fputs("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n", p->f);
	if (!p->t) {
		fputs("<p class=\"note\">No comparison (see above).</p>\n</section>\n", p->f);
		return;
	}
	report_alerts(p);
	env_warning(p);
	cmp_tally(p->t, &ty);
	pairs = cmp_pairing_text(p->t);
	fprintf(p->f, "<p class=\"summary\"><strong>%zu better, %zu worse, %zu differ</strong> in "
		"%zu comparison%s (false discovery rate %.0f%%); %zu not judged (fewer than %d "
		"values a side). ", ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS],
		p->t->n_tests, p->t->n_tests == 1 ? "" : "s", 100 * CMP_ALPHA,
		ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N);
	esc(p->f, pairs);
	fputs("</p>\n", p->f);
	free(pairs);
	if (ty.v[CMP_BETTER] + ty.v[CMP_WORSE] + ty.v[CMP_DIFFERS])
		proven(p);
	else
		fputs("<p class=\"nodiff-all\">No difference proven.</p>\n", p->f);
	settle(p);
	fputs("</section>\n", p->f);
}
