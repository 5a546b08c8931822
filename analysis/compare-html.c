/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML format of compare (compare-out.h): the <section
 * id="comparison"> fragment `mmab report` embeds, each workload folded in
 * a <details> whose summary gives its verdicts (no JavaScript).  Every
 * string from a result set goes through html_escape.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "analysis/html.h"
#include "lib/mmab.h"

static void html_env_item(FILE *f, const struct cmp_table *t, const struct cmp_env *e)
{
	char *a, *b;

	cmp_env_show(e, &a, &b);
	fputs("<li>", f);
	html_escape(f, t->sets[e->set].label);
	fputs(": <code>", f);
	html_escape(f, e->key);
	fputs("</code> <q>", f);
	html_escape(f, a);
	fputs("</q> in the baseline, <q>", f);
	html_escape(f, b);
	fputs("</q> here</li>\n", f);
	free(a);
	free(b);
}

/* The environment differences: warnings first, then the thing compared. */
static void html_env(FILE *f, const struct cmp_table *t)
{
	for (int compared = 0; compared <= 1; compared++) {
		bool open = false;

		for (size_t i = 0; i < t->n_env; i++) {
			if (t->env[i].compared != compared)
				continue;
			if (!open) {
				fputs(compared ? "<div class=\"note\"><p>The thing compared:</p><ul>\n"
					       : "<div class=\"warning\"><p>The sets differ in more "
						 "than the thing compared:</p><ul>\n", f);
				open = true;
			}
			html_env_item(f, t, &t->env[i]);
		}
		if (open)
			fputs("</ul></div>\n", f);
	}
}

static void html_alerts(FILE *f, const struct cmp_table *t)
{
	char **lines;
	size_t n = cmp_alert_lines(t, &lines);

	for (size_t i = 0; i < n; i++) {
		fputs("<div class=\"warning alert\"><p>", f);
		html_escape(f, lines[i]);
		fputs("</p></div>\n", f);
		free(lines[i]);
	}
	if (n)
		free(lines);
}

static void html_begin(struct cmp_out *o)
{
	fputs("<section id=\"comparison\">\n<p class=\"meta\">Baseline: <strong>", o->f);
	html_escape(o->f, o->t->sets[o->t->baseline].label);
	fputs("</strong></p>\n", o->f);
	if (o->flags & CMP_BARE)
		return;
	html_alerts(o->f, o->t);
	html_env(o->f, o->t);
	fputs("<p class=\"summary\">Verdicts: ", o->f);
	cmp_summary_sentence(o->f, o->t, html_escape);
	fputs("</p>\n", o->f);
}

/* "2 better, 1 worse" among W's rows, or "no difference proven". */
static void html_workload_tally(FILE *f, const struct cmp_table *t, const char *w)
{
	size_t v[CMP_DIFFERS + 1] = { 0 };

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets && !strcmp(t->rows[r].workload, w); s++)
			v[t->rows[r].cells[s].verdict]++;
	if (!v[CMP_BETTER] && !v[CMP_WORSE] && !v[CMP_DIFFERS]) {
		fputs("<span class=\"nodiff\">no difference proven</span>", f);
		return;
	}
	if (v[CMP_BETTER])
		fprintf(f, "<span class=\"better\">%zu better</span> ", v[CMP_BETTER]);
	if (v[CMP_WORSE])
		fprintf(f, "<span class=\"worse\">%zu worse</span> ", v[CMP_WORSE]);
	if (v[CMP_DIFFERS])
		fprintf(f, "<span class=\"differs\">%zu differ</span>", v[CMP_DIFFERS]);
}

/* Each workload folded: its name and its verdicts say whether to open it. */
static void html_workload(struct cmp_out *o, const char *w)
{
	if (o->priv)
		fputs("</details>\n", o->f);
	o->priv = (void *)w;
	fputs("<details class=\"workload\"><summary><span class=\"workload\">", o->f);
	html_escape(o->f, w);
	fputs("</span> ", o->f);
	html_workload_tally(o->f, o->t, w);
	fputs("</summary>\n<p class=\"meta\">Iterations:", o->f);
	cmp_iter_line(o->f, o->t, w, html_escape, " <span class=\"failed\">", "</span>");
	fputs("</p>\n", o->f);
}

static void html_section(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)n;
	fprintf(o->f, "<h4>%s</h4>\n<div class=\"scroll\"><table>\n<thead><tr>",
		cmp_section_title(rows[0].section));
	for (size_t h = 0; h < CMP_TABLE_COLS; h++)
		fprintf(o->f, "<th>%s</th>", cmp_table_heads[h]);
	fputs("</tr></thead>\n<tbody>\n", o->f);
}

static const char *verdict_class(enum cmp_verdict v)
{
	return v == CMP_BETTER ? "better" : v == CMP_WORSE ? "worse" : v == CMP_DIFFERS ? "differs"
	       : v == CMP_NO_DIFF ? "nodiff" : "na";
}

static void html_cell(struct cmp_out *o, const struct cmp_row *row, size_t s)
{
	enum cmp_verdict v = row->cells[s].verdict;
	struct cmp_cells c;
	FILE *f = o->f;

	cmp_cell_strings(o->t, row, s, &c);
	{
		/* escaped too: "<0.001", ">1000" */
		const char *const cols[] = { c.n, c.mean, c.median, c.sd, c.cov, c.min, c.max,
					     c.change, c.ci, c.test, c.pw, c.pu, c.pp, c.px, c.q,
					     c.mde, c.nn };

		fputs("<tr><td class=\"metric\">", f);
		html_escape(f, cmp_short_name(row));
		fputs("</td><td class=\"text\">", f);
		html_escape(f, row->unit);
		fprintf(f, "</td><td class=\"text\">%s</td><td class=\"text\">",
			cmp_better_word(row->dir));
		html_escape(f, o->t->sets[s].label);
		fputs("</td>", f);
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
			fputs(cols[i] == c.test ? "<td class=\"text\">" : "<td>", f);
			html_escape(f, cols[i]);
			fputs("</td>", f);
		}
	}
	fprintf(f, "<td class=\"%s\">%s</td></tr>\n", verdict_class(v), cmp_verdict_name(v));
}

static void html_section_end(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)rows;
	(void)n;
	fputs("</tbody></table></div>\n", o->f);
}

static int html_end(struct cmp_out *o)
{
	if (o->priv)
		fputs("</details>\n", o->f);
	fputs("<p class=\"legend\">", o->f);
	cmp_legend_sentence(o->f, o->t, html_escape);
	fputs("</p>\n</section>\n", o->f);
	return 0;
}

const struct cmp_out_ops cmp_html_ops = {
	.begin = html_begin,
	.workload = html_workload,
	.section = html_section,
	.cell = html_cell,
	.section_end = html_section_end,
	.end = html_end,
};
